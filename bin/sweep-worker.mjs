// The module each worker thread of `strata sweep` loads (src/sweep/pool.ts). Like bin/strata.mjs: a checkout runs
// the sweep worker bundled beside the command line (dist/cli/sweep-worker.mjs, bin/cli-bundle.mjs) while that bundle
// is fresh, and otherwise the TypeScript sources through tsx (registered in this thread: module hooks are per
// thread); it never builds the bundle itself (the command that starts the workers has just made it fresh, or runs
// through tsx); an installed package runs the worker bundle `npm run build` made (dist/cli/sweep-worker.mjs), or its compiled
// JavaScript in dist/src where that is absent.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

let worker;
if (existsSync(new URL('../src/sweep/worker.ts', import.meta.url))) {
  const b = process.env.STRATA_NO_BUNDLE === '1' ? undefined : await import('./cli-bundle.mjs');
  if (b?.bundleIsFresh()) {
    worker = (await import(pathToFileURL(b.workerBundleFile()).href)).default;
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    worker = (await import('../src/sweep/worker.ts')).default;
  }
} else {
  const prebuilt = new URL('../dist/cli/sweep-worker.mjs', import.meta.url);
  worker = (await import(existsSync(prebuilt) ? prebuilt.href : '../dist/src/sweep/worker.js')).default;
}
export default worker;
