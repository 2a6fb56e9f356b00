#!/usr/bin/env node
// Entry point of the `strata` command. An installed package runs its compiled JavaScript (dist/, built by
// `npm run build` before packing); a checkout, which has the TypeScript sources, runs them as they are through tsx,
// so an edit takes effect without a build.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/cli/entry.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/entry.ts');
} else {
  await import('../dist/src/cli/entry.js');
}
