#!/usr/bin/env node
// `npm run build`, after tsc: bundles the studio page's two scripts (the simulator's Web Worker and the page's code)
// from the TypeScript sources into dist/studio/, so that `strata studio` works from the published package, which has
// no sources and no esbuild (a devDependency). src/studio/build.ts uses them only where the sources are absent.
const { prebuildStudio } = await import('../dist/src/studio/build.js');
for (const file of await prebuildStudio()) console.log(`studio: prebuilt ${file}`);
