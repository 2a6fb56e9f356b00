// The module each worker thread of `strata figures` loads (src/cli/figures-pool.ts). Like bin/sweep-worker.mjs: a
// checkout runs the figures worker bundled beside the command line (dist/cli/figures-worker.mjs, bin/cli-bundle.mjs)
// while that bundle is fresh, and otherwise the TypeScript sources through tsx (registered in this thread: module
// hooks are per thread; about 1.5 s of CPU a thread); it never builds the bundle itself (the command that starts the
// workers has just made it fresh, or runs through tsx); STRATA_NO_BUNDLE=1 keeps the tsx path. An installed package
// runs the worker bundle `npm run build` made (dist/cli/figures-worker.mjs), or its compiled JavaScript in dist/src
// where that is absent.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

let worker;
/** Which code this thread runs: 'bundle', 'sources' (tsx), 'prebuilt' or 'compiled' (an installed package); for tests. */
export let loadedFrom;
if (existsSync(new URL('../src/cli/figures-worker.ts', import.meta.url))) {
  const b = process.env.STRATA_NO_BUNDLE === '1' ? undefined : await import('./cli-bundle.mjs');
  if (b?.bundleIsFresh()) {
    worker = (await import(pathToFileURL(b.figuresWorkerBundleFile()).href)).default;
    loadedFrom = 'bundle';
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    worker = (await import('../src/cli/figures-worker.ts')).default;
    loadedFrom = 'sources';
  }
} else {
  const prebuilt = new URL('../dist/cli/figures-worker.mjs', import.meta.url);
  loadedFrom = existsSync(prebuilt) ? 'prebuilt' : 'compiled';
  worker = (await import(loadedFrom === 'prebuilt' ? prebuilt.href : '../dist/src/cli/figures-worker.js')).default;
}
export default worker;
