#!/usr/bin/env node
// Entry point of the `strata` command. An installed package runs its prebuilt bundle (dist/cli/strata.mjs, built with
// dist/ by `npm run build` before packing), or its compiled JavaScript (dist/src) where the bundle is absent. A checkout, which has the TypeScript sources, runs them bundled into one file
// (dist/cli/strata.mjs, bin/cli-bundle.mjs) while the bundle is fresh, and rebuilds the bundle first when any file it
// was built from has changed, so an edit takes effect without a build step and stale code never runs. Where the
// bundle cannot be built (no esbuild, a read-only checkout, a syntax error that tsx then reports) or
// STRATA_NO_BUNDLE=1 is set, the sources run as they are through tsx (about 1.5 s more CPU at each start).
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { dramOnly } from './cli-route.mjs';

// `strata dram` runs from a bundle of its own where there is one (bin/cli-route.mjs says when).
const dram = dramOnly(process.argv.slice(2));

if (existsSync(new URL('../src/cli/entry.ts', import.meta.url))) {
  let bundle;
  if (process.env.STRATA_NO_BUNDLE !== '1') {
    const b = await import('./cli-bundle.mjs');
    let fresh = b.bundleIsFresh();
    if (!fresh) {
      try {
        fresh = (await b.buildBundle({ logLevel: 'silent' })).fresh;
      } catch {
        fresh = false;
      }
    }
    if (fresh) bundle = dram && existsSync(b.dramBundleFile()) ? b.dramBundleFile() : b.bundleFile();
  }
  if (bundle) {
    await import(pathToFileURL(bundle).href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('../src/cli/entry.ts');
  }
} else {
  // An installed package: the command line prebuilt into one file by `npm run build` (bin/cli-bundle.mjs), which
  // starts in about a third of the CPU time of the compiled modules of dist/src; those where the bundle is absent.
  const dramPrebuilt = new URL('../dist/cli/strata-dram.mjs', import.meta.url);
  const prebuilt = dram && existsSync(dramPrebuilt) ? dramPrebuilt : new URL('../dist/cli/strata.mjs', import.meta.url);
  await import(existsSync(prebuilt) ? prebuilt.href : '../dist/src/cli/entry.js');
}
