import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of Strata's package.json: the repository in a checkout, the package folder when installed. Specs
 * (arch/), models (workloads/) and schemas (schemas/) are found from it, so the same code runs from src/ under tsx and
 * compiled from dist/ (one folder deeper).
 */
export const PACKAGE_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'strata-sim') return dir;
    if (dirname(dir) === dir) throw new Error(`internal invariant broken: no strata-sim package.json above ${from}`);
  }
}

/** Where the shipped specs live. */
export const ARCH_DIR = join(PACKAGE_ROOT, 'arch');
