// The prebuilt command line of a checkout: src/cli/entry.ts bundled by esbuild (a devDependency) into one JavaScript
// file, dist/cli/strata.mjs, so that `strata` starts without compiling TypeScript (tsx: about 1.5 s of CPU at every
// start) or resolving hundreds of module files. bin/strata.mjs runs the bundle only while it is fresh, and rebuilds
// it (or falls back to tsx) when it is not; `npm run build:cli` builds it by hand.
//
// Staleness: esbuild's metafile lists every file the bundle was built from (Strata's sources and the packages
// bundled with them). The manifest beside the bundle records each one's size and modification time (ns); the bundle
// is fresh only while every one of them still has both. An edit, a checkout, a `git pull` or an `npm install` that
// touches any input changes its time, so stale code never runs; a new source file matters only once an input
// imports it, and that import is an edit of an input. tsconfig.json and package.json, whose settings esbuild reads,
// count as inputs; the Node version and this file's own size and modification time are recorded too (a different
// build recipe or runtime rebuilds).
//
// Packages with native code or their own worker files (DuckDB, piscina, playwright, esbuild) stay outside the
// bundle, and those the bundle imports at its top level are loaded on first use instead (LAZY_PACKAGES), so a
// command that never opens a sweep database does not pay DuckDB's 0.3 s of start-up. The YAML parser (259 kB of
// bundled JavaScript, read only for Ramulator 2 configurations and sweep files) is loaded on first use the same way:
// `strata dram` on a DRAMsim3 .ini and trace no longer compiles it (43 M fewer instructions at start-up, cachegrind).
// seedrandom (whose top level loads node:crypto, about 50 M instructions) and cli-progress (node:readline) are loaded
// on first use too: a run on a trace file draws no random numbers, and a run whose stderr is not a terminal draws no bar.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout this file belongs to. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The bundle of the checkout at `root`. Two folders below the root, as src/<folder>/*.ts are: the few paths the
 * sources compute from their own location (src/validation/attacc.ts: '../../../shared/reference') resolve the same.
 */
export const bundleFile = (root = ROOT) => join(root, 'dist', 'cli', 'strata.mjs');
/** The sweep's worker module (src/sweep/worker.ts) bundled the same way, beside it: bin/sweep-worker.mjs loads it. */
export const workerBundleFile = (root = ROOT) => join(root, 'dist', 'cli', 'sweep-worker.mjs');
/**
 * The worker of `strata figures` (src/cli/figures-worker.ts) bundled the same way, beside it: bin/figures-worker.mjs
 * loads it, so each of its threads starts without compiling the sources through tsx (about 1.5 s of CPU a thread).
 */
export const figuresWorkerBundleFile = (root = ROOT) => join(root, 'dist', 'cli', 'figures-worker.mjs');
/**
 * `strata dram` alone (src/cli/dram-entry.ts) bundled the same way, beside it: bin/strata.mjs runs it for the command
 * lines bin/cli-route.mjs's dramOnly accepts, so that a DRAM run reads and compiles about a quarter of the JavaScript
 * of the whole command line (issue #19 item 4).
 */
export const dramBundleFile = (root = ROOT) => join(root, 'dist', 'cli', 'strata-dram.mjs');
const manifestFile = (root) => join(root, 'dist', 'cli', 'strata.manifest.json');
const entryFile = (root) => join(root, 'src', 'cli', 'entry.ts');
const workerEntryFile = (root) => join(root, 'src', 'sweep', 'worker.ts');
const figuresWorkerEntryFile = (root) => join(root, 'src', 'cli', 'figures-worker.ts');
const dramEntryFile = (root) => join(root, 'src', 'cli', 'dram-entry.ts');
/** Packages kept outside the bundle: native code (DuckDB), their own worker files (piscina), or imported on demand. */
const EXTERNAL = ['@duckdb/node-api', 'piscina', 'playwright-core', 'esbuild', 'tsx', 'vitest', 'fast-check'];
/** Packages imported at the bundle's top level that are loaded on first use of one of their exports (see the top of this file). */
const LAZY_PACKAGES = ['@duckdb/node-api', 'piscina', 'yaml', 'seedrandom', 'cli-progress'];

/**
 * What identifies the build recipe and the runtime, besides the inputs: the Node version and this file's size and
 * modification time (ns), checked as the inputs are. Not a hash of this file's content: hashing needs node:crypto,
 * whose loading cost about 50 M instructions at every start (cachegrind; issue #19 item 4).
 */
function recipe() {
  const s = stamp(fileURLToPath(import.meta.url));
  return `${process.version} ${s === null ? 'no-builder' : s.join(' ')}`;
}

/** [size, mtime in ns] of a file, or null when it is gone. */
function stamp(file) {
  try {
    const s = statSync(file, { bigint: true });
    return [Number(s.size), String(s.mtimeNs)];
  } catch {
    return null;
  }
}

/** True when the bundle exists and every file it was built from is unchanged (see the top of this file). */
export function bundleIsFresh(root = ROOT) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile(root), 'utf8'));
    statSync(bundleFile(root));
    if (existsSync(workerEntryFile(root))) statSync(workerBundleFile(root));
    if (existsSync(figuresWorkerEntryFile(root))) statSync(figuresWorkerBundleFile(root));
    if (existsSync(dramEntryFile(root))) statSync(dramBundleFile(root));
  } catch {
    return false;
  }
  if (manifest.recipe !== recipe() || !Array.isArray(manifest.inputs) || manifest.inputs.length === 0) return false;
  for (const [file, size, mtimeNs] of manifest.inputs) {
    const s = stamp(join(root, file));
    if (s === null || s[0] !== size || s[1] !== mtimeNs) return false;
  }
  return true;
}

/**
 * An esbuild plugin: each package of LAZY_PACKAGES becomes a module whose exports are stand-ins that load the
 * package on first use (a property read, a call, `new` or `instanceof`) and then act as the real export.
 */
function lazyPackages(root) {
  const require = createRequire(entryFile(root));
  return {
    name: 'strata-lazy-packages',
    setup(build) {
      const filter = new RegExp(`^(${LAZY_PACKAGES.map((p) => p.replace(/[/.@-]/g, (c) => `\\${c}`)).join('|')})$`);
      build.onResolve({ filter }, (args) => (args.namespace === 'strata-lazy' ? { path: args.path, external: true } : { path: args.path, namespace: 'strata-lazy' }));
      build.onLoad({ filter: /.*/, namespace: 'strata-lazy' }, async (args) => {
        // The export names an ES module import sees, read from the package at build time (the only time it is loaded
        // before use); the stand-ins reach them through require(), so each must be there too.
        // Only functions and classes get stand-ins (a stand-in is a function): importing any other export of these
        // packages fails the build with esbuild's "No matching export", and bin/strata.mjs falls back to tsx.
        const ns = await import(args.path);
        const names = Object.keys(ns).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default' && typeof ns[n] === 'function');
        const cjs = require(args.path);
        const missing = names.filter((n) => !(n in cjs));
        if (missing.length > 0) throw new Error(`${args.path}: export(s) ${missing.join(', ')} not reachable through require(); take it off LAZY_PACKAGES`);
        // A default export (a CommonJS package's module.exports: seedrandom's function, cli-progress's object of
        // classes) gets a stand-in too, for the whole module.exports (name null).
        const withDefault = 'default' in ns && ns.default === cjs;
        const lines = [
          "import { createRequire } from 'node:module';",
          `let real; const load = () => (real ??= createRequire(import.meta.url)(${JSON.stringify(args.path)}));`,
          'const pick = (name) => (name === null ? load() : load()[name]);',
          'const lazy = (name) => new Proxy(function () {}, {',
          '  get: (_, k) => Reflect.get(pick(name), k),',
          '  has: (_, k) => Reflect.has(pick(name), k),',
          '  apply: (_, self, a) => Reflect.apply(pick(name), self, a),',
          '  construct: (_, a, nt) => Reflect.construct(pick(name), a),',
          '  getPrototypeOf: () => Reflect.getPrototypeOf(pick(name)),',
          '});',
          ...names.map((n) => `export const ${n} = lazy(${JSON.stringify(n)});`),
          ...(withDefault ? ['export default lazy(null);'] : []),
        ];
        return { contents: lines.join('\n'), loader: 'js', resolveDir: root };
      });
    },
  };
}

/**
 * Builds the bundle and its manifest. The files are written under temporary names and renamed into place, the old
 * manifest removed before the new bundle lands and the new manifest written after it, so a process that starts
 * while another builds either finds a matching pair or rebuilds; it never runs half a file.
 */
export async function buildBundle({ root = ROOT, logLevel = 'error' } = {}) {
  const BUNDLE_FILE = bundleFile(root);
  const WORKER_FILE = workerBundleFile(root);
  const MANIFEST_FILE = manifestFile(root);
  const withWorker = existsSync(workerEntryFile(root));
  const FIGURES_WORKER_FILE = figuresWorkerBundleFile(root);
  const withFiguresWorker = existsSync(figuresWorkerEntryFile(root));
  const DRAM_FILE = dramBundleFile(root);
  const withDram = existsSync(dramEntryFile(root));
  const esbuild = await import('esbuild');
  // Inputs modified from here on (less a second for coarse file-system clocks) may be bundled half-old: see below.
  const startedNs = BigInt(Date.now() - 1000) * 1_000_000n;
  mkdirSync(dirname(BUNDLE_FILE), { recursive: true });
  // Temporary names: <pid>.tmp/strata.mjs, sweep-worker.mjs, figures-worker.mjs and strata-dram.mjs, renamed into dist/cli/ once all exist.
  const tmpDir = join(dirname(BUNDLE_FILE), `${process.pid}.tmp`);
  const tmp = join(tmpDir, 'strata.mjs');
  const tmpWorker = join(tmpDir, 'sweep-worker.mjs');
  const tmpFiguresWorker = join(tmpDir, 'figures-worker.mjs');
  const tmpDram = join(tmpDir, 'strata-dram.mjs');
  const before = recipe();
  let result;
  try {
    result = await esbuild.build({
    entryPoints: [
      { in: entryFile(root), out: 'strata' },
      ...(withWorker ? [{ in: workerEntryFile(root), out: 'sweep-worker' }] : []),
      ...(withFiguresWorker ? [{ in: figuresWorkerEntryFile(root), out: 'figures-worker' }] : []),
      ...(withDram ? [{ in: dramEntryFile(root), out: 'strata-dram' }] : []),
    ],
    absWorkingDir: root,
    outdir: tmpDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    external: EXTERNAL.filter((p) => !LAZY_PACKAGES.includes(p)),
    plugins: [lazyPackages(root)],
    // CommonJS packages bundled into an ES module call require() for Node's built-ins.
    banner: { js: "import { createRequire as __strataRequire } from 'node:module'; const require = __strataRequire(import.meta.url);" },
    metafile: true,
    logLevel,
    legalComments: 'none',
    });
  } catch (e) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw e;
  }
  // Besides the files esbuild read as modules: the settings it took from tsconfig.json and package.json.
  const settings = ['tsconfig.json', 'package.json'].filter((f) => existsSync(join(root, f)));
  const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('strata-lazy:')), ...settings]
    .map((f) => {
      const s = stamp(resolve(root, f));
      if (s === null) throw new Error(`internal invariant broken: esbuild input ${f} is not a file`);
      return [f, ...s];
    });
  // The old manifest goes first: until the new one is written, no process trusts whatever bundle is there.
  rmSync(MANIFEST_FILE, { force: true });
  renameSync(tmp, BUNDLE_FILE);
  if (withWorker) renameSync(tmpWorker, WORKER_FILE);
  if (withFiguresWorker) renameSync(tmpFiguresWorker, FIGURES_WORKER_FILE);
  if (withDram) renameSync(tmpDram, DRAM_FILE);
  rmSync(tmpDir, { recursive: true, force: true });
  // An input modified during the build may be in the bundle as it was before: no manifest, so the next start
  // rebuilds rather than trusting it.
  if (recipe() !== before || inputs.some(([, , mtimeNs]) => BigInt(mtimeNs) >= startedNs)) return { file: BUNDLE_FILE, inputs: inputs.length, fresh: false };
  const manifestTmp = `${MANIFEST_FILE}.${process.pid}.tmp`;
  writeFileSync(manifestTmp, `${JSON.stringify({ recipe: before, builtBy: 'bin/cli-bundle.mjs', inputs }, null, 0)}\n`);
  renameSync(manifestTmp, MANIFEST_FILE);
  return { file: BUNDLE_FILE, inputs: inputs.length, fresh: true };
}


if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await buildBundle();
  console.log(`bin/cli-bundle.mjs: wrote ${r.file.slice(ROOT.length + 1)} from ${r.inputs} input files${r.fresh ? '' : ' (an input changed during the build: it will be rebuilt at the next start)'}`);
}
