import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { knownStandards, loadStandard, type DramStandard } from '../dram/standard.ts';
import { loadPimSpec, type PimSpec } from '../pim/pim-spec.ts';
import { StrataError } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { htmlDocument } from '../../viz/html-page.ts';
import type { StudioData } from './simulate.ts';
import { STUDIO_STYLE, studioBody } from './page.ts';

/**
 * The PIM specs the studio carries, by the name the page shows: AiM (GDDR6 all-bank MAC, a GEMV through runPimGemv)
 * and NeuPIMs (HBM2, attention on the dual-buffer channel) with its two row buffers per bank as shipped and with one
 * (the blocked NPU+PIM device it is compared against).
 */
export const STUDIO_PIM_SPECS: readonly { readonly key: string; readonly spec: string; readonly rowBuffers?: 1 | 2 }[] = [
  { key: 'aim', spec: 'aim' },
  { key: 'neupims', spec: 'neupims' },
  { key: 'neupims-1rb', spec: 'neupims', rowBuffers: 1 },
];

/** Loads what the page carries: every shipped DRAM standard and the studio's PIM specs, as plain JSON-able objects. */
export function studioData(): StudioData {
  // Files by their path in the package (arch/dram/hbm2.json), so that the page names no folder of the machine that
  // built it and a checkout and an installed package write the same page.
  const rel = <T extends { readonly file: string }>(x: T): T => ({ ...x, file: relative(PACKAGE_ROOT, x.file).split(sep).join('/') });
  const standards: Record<string, DramStandard> = {};
  for (const name of knownStandards()) standards[name] = rel(loadStandard(name));
  const pimSpecs: Record<string, PimSpec> = {};
  for (const p of STUDIO_PIM_SPECS) {
    const spec = loadPimSpec(p.spec, p.rowBuffers ? { rowBuffers: p.rowBuffers } : {});
    pimSpecs[p.key] = rel({ ...spec, standard: rel(spec.standard) });
  }
  return { standards, pimSpecs };
}

/** What one build wrote. */
export interface StudioBuild {
  readonly file: string;
  readonly bytes: number;
  /** Bytes of the worker's and the page's scripts. */
  readonly workerBytes: number;
  readonly appBytes: number;
  /** Where the scripts came from: bundled now from the TypeScript sources (a checkout), or prebuilt (an installed package). */
  readonly scripts: 'sources' | 'prebuilt';
}

/** The page's two scripts: the simulator's Web Worker and the page's own code, by their TypeScript entry points. */
const STUDIO_ENTRIES = { worker: 'src/studio/worker.ts', app: 'src/studio/app.ts' } as const;

/**
 * Where `npm run build` puts the two scripts prebuilt (worker.js, app.js) for the published package, which carries
 * no TypeScript sources and no esbuild (a devDependency); package.json's `files` ships the folder.
 */
export const PREBUILT_STUDIO_DIR = join(PACKAGE_ROOT, 'dist', 'studio');

type Esbuild = typeof import('esbuild');

async function loadEsbuild(): Promise<Esbuild> {
  try {
    return await import('esbuild');
  } catch {
    throw new StrataError('strata studio bundles the TypeScript sources of this checkout with esbuild, one of its devDependencies: run `npm install` in the checkout');
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
      // Strata's own modules only define functions and constants when loaded, so one whose exports the page never
      // uses may be left out whole (as `"sideEffects": false` in a package.json says). That drops the modules that
      // find files when loaded (src/spec/package-root.ts, a loader's folder constant) when only their neighbours'
      // pure functions are used, e.g. bytesPerRequest of src/dram/standard.ts in the NeuPIMs channel.
      b.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, (a) => {
        const path = join(a.resolveDir, a.path);
        return existsSync(path) ? { path, sideEffects: false } : undefined;
      });
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
  const { worker, app, scripts } = await studioScripts();
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
  return { file, bytes: Buffer.byteLength(html), workerBytes: worker.length, appBytes: app.length, scripts };
}

/**
 * The page's scripts: bundled now where the TypeScript sources are (a checkout, so an edit shows at once and nothing
 * stale runs), else the prebuilt ones of an installed package.
 */
async function studioScripts(): Promise<{ worker: string; app: string; scripts: StudioBuild['scripts'] }> {
  if (existsSync(join(PACKAGE_ROOT, STUDIO_ENTRIES.worker))) {
    const esbuild = await loadEsbuild();
    return { worker: await bundle(esbuild, STUDIO_ENTRIES.worker), app: await bundle(esbuild, STUDIO_ENTRIES.app), scripts: 'sources' };
  }
  const files = { worker: join(PREBUILT_STUDIO_DIR, 'worker.js'), app: join(PREBUILT_STUDIO_DIR, 'app.js') };
  for (const f of Object.values(files)) {
    if (!existsSync(f)) throw new StrataError(`strata studio: this installation has neither the TypeScript sources (${STUDIO_ENTRIES.worker}) nor the prebuilt page script ${f}: reinstall strata-sim, or run it from a checkout`);
  }
  return { worker: readFileSync(files.worker, 'utf8'), app: readFileSync(files.app, 'utf8'), scripts: 'prebuilt' };
}

/**
 * Bundles the page's two scripts from the TypeScript sources into `dir` (worker.js, app.js) for the published package;
 * `npm run build` runs it (bin/studio-prebuild.mjs). Returns the files written.
 */
export async function prebuildStudio(dir: string = PREBUILT_STUDIO_DIR): Promise<string[]> {
  const esbuild = await loadEsbuild();
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const [name, entry] of Object.entries(STUDIO_ENTRIES)) {
    const file = join(dir, `${name}.js`);
    writeFileSync(file, await bundle(esbuild, entry));
    out.push(file);
  }
  return out;
}
