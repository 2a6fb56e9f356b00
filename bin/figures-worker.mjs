// The module each worker thread of `strata figures` loads (src/cli/figures-pool.ts). Like bin/strata.mjs: a checkout
// runs the TypeScript sources through tsx (registered in this thread: module hooks are per thread), an installed
// package its compiled JavaScript in dist/.
import { existsSync } from 'node:fs';

let worker;
if (existsSync(new URL('../src/cli/figures-worker.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  worker = (await import('../src/cli/figures-worker.ts')).default;
} else {
  worker = (await import('../dist/src/cli/figures-worker.js')).default;
}
export default worker;
