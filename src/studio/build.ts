import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { knownStandards, loadStandard, type DramStandard } from '../dram/standard.ts';
import { loadPimSpec, type PimSpec } from '../pim/pim-spec.ts';
import { StrataError } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { htmlDocument } from '../../viz/html-page.ts';
import type { StudioData } from './simulate.ts';
import { STUDIO_STYLE, studioBody } from './page.ts';

/** The PIM specs the studio carries: AiM (GDDR6 all-bank MAC), whose GEMV runs through runPimGemv. */
export const STUDIO_PIM_SPECS = ['aim'] as const;

/** Loads what the page carries: every shipped DRAM standard and the studio's PIM specs, as plain JSON-able objects. */
export function studioData(): StudioData {
  const standards: Record<string, DramStandard> = {};
  for (const name of knownStandards()) standards[name] = loadStandard(name);
  const pimSpecs: Record<string, PimSpec> = {};
  for (const name of STUDIO_PIM_SPECS) pimSpecs[name] = loadPimSpec(name);
  return { standards, pimSpecs };
}

/** What one build wrote. */
export interface StudioBuild {
  readonly file: string;
  readonly bytes: number;
  /** Bytes of the worker's and the page's scripts. */
  readonly workerBytes: number;
  readonly appBytes: number;
}

type Esbuild = typeof import('esbuild');

async function loadEsbuild(): Promise<Esbuild> {
  try {
    return await import('esbuild');
  } catch {
    throw new StrataError('strata studio bundles the simulator with esbuild, a devDependency: run it from a Strata checkout after `npm install`');
  }
}

/**
 * node: modules resolve to a stub whose exports throw when called, so that a module which imports one but whose
 * node-only functions the page never calls (trace.ts's file reader next to its parser) still bundles; the build
 * then checks that no byte of a stub reached the output: a node: module the page would really use is an error.
 */
function nodeStub(): import('esbuild').Plugin {
  return {
    name: 'strata-node-stub',
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'node-stub', sideEffects: false }));
      b.onLoad({ filter: /.*/, namespace: 'node-stub' }, async (a) => {
        const names = Object.keys(await import(a.path)).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
        const body = names.map((k) => `export const ${k} = () => { throw new Error(${JSON.stringify(`${a.path} ${k} is not available in the browser`)}); };`);
        return { contents: `${body.join('\n')}\nexport default {};\n`, loader: 'js' };
      });
    },
  };
}

/**
 * Bundles `entry` (a path relative to the package root) into one browser script (an IIFE); throws when a node:
 * module the script would really use reaches it.
 */
export async function bundleForBrowser(entry: string): Promise<string> {
  return bundle(await loadEsbuild(), entry);
}

async function bundle(esbuild: Esbuild, entry: string): Promise<string> {
  const file = join(PACKAGE_ROOT, entry);
  if (!existsSync(file)) throw new StrataError(`strata studio bundles ${entry} from the TypeScript sources, which this installation lacks: run it from a Strata checkout`);
  const r = await esbuild.build({
    entryPoints: [file], bundle: true, format: 'iife', platform: 'browser', target: 'es2022', write: false, metafile: true,
    minify: true, legalComments: 'none', logLevel: 'silent', plugins: [nodeStub()],
  });
  for (const out of Object.values(r.metafile.outputs)) {
    for (const [input, v] of Object.entries(out.inputs)) {
      if (input.startsWith('node-stub:') && v.bytesInOutput > 0) throw new Error(`internal invariant broken: the studio's ${entry} uses ${input.slice('node-stub:'.length)}, which a browser lacks`);
    }
  }
  return r.outputFiles[0]!.text;
}

/** Inline <script> text: nothing in it may close the element. */
function scriptText(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/**
 * Writes DIR/index.html: one self-contained page (no request leaves it) with the simulator bundled twice from the
 * TypeScript sources, as a Web Worker (src/studio/worker.ts, started from a blob URL so that file:// works) and as
 * the page's script (src/studio/app.ts), and the standards and PIM specs loaded here as JSON.
 */
export async function buildStudio(outDir: string): Promise<StudioBuild> {
  const esbuild = await loadEsbuild();
  const worker = await bundle(esbuild, 'src/studio/worker.ts');
  const app = await bundle(esbuild, 'src/studio/app.ts');
  const data = JSON.stringify(studioData()).replace(/</g, '\\u003c');
  const html = htmlDocument({
    title: 'Strata studio: DRAM and PIM timing, command by command',
    style: STUDIO_STYLE,
    body: [
      studioBody(),
      `<script type="application/json" id="studio-data">${data}</script>`,
      `<script type="text/plain" id="studio-worker">${scriptText(worker)}</script>`,
      `<script>${scriptText(app)}</script>`,
    ].join('\n'),
  });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'index.html');
  writeFileSync(file, html);
  return { file, bytes: Buffer.byteLength(html), workerBytes: worker.length, appBytes: app.length };
}
