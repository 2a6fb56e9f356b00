import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { PACKAGE_ROOT } from '../spec/package-root.ts';

/**
 * Digests of file trees for a sweep point's key (src/sweep/point.ts): Strata's own code (a point computed by another
 * version of Strata is never reused) and the shipped specs. Each is a sha256 over the files' paths and bytes, in path
 * order. Reading and hashing every file costs about 0.1-0.25 s on a loaded machine, paid by every `strata sweep`
 * (a --dry-run included), so the digest is kept in a small cache file with each file's size and modification time
 * (ns): while every file still has both, the digest is read back instead of recomputed. That is the test
 * bin/cli-bundle.mjs already trusts to run its prebuilt bundle: an edit, a checkout or a pull changes a file's time.
 * A cache that cannot be read or written (a read-only install) only costs the hashing.
 */

/** Where the digests are cached: beside the prebuilt bundle (dist/ is ignored by git). */
export const DIGEST_CACHE_FILE = join(PACKAGE_ROOT, 'dist', 'cache', 'tree-digests.json');

/** Every file below `dir` (absolute), recursively, sorted; none when it does not exist. */
function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  // Entries with their types: no stat per file to tell files from folders (the stamps stat each file once).
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

/** [size, mtime in ns] of a file. */
function stamp(file: string): [number, string] {
  const s = statSync(file, { bigint: true });
  return [Number(s.size), String(s.mtimeNs)];
}

type CacheEntry = { readonly digest: string; readonly files: ReadonlyArray<readonly [string, number, string]> };

function readCache(file: string): Record<string, CacheEntry> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, CacheEntry>) : {};
  } catch {
    return {};
  }
}

/**
 * The digest of the files below `dirs` (paths relative to `root`, `/`-separated, and the bytes of each, in path
 * order), under `name` in the cache file `cache`: reused while every file has the size and time it had, else computed
 * and stored.
 */
export function treeDigest(name: string, root: string, dirs: readonly string[], cache = DIGEST_CACHE_FILE): string {
  const files = dirs.flatMap((d) => filesBelow(join(root, d)));
  const stamps = files.map((f) => [relative(root, f).split(sep).join('/'), ...stamp(f)] as const);
  const all = readCache(cache);
  const hit = all[name];
  if (hit && hit.files.length === stamps.length && hit.files.every((e, i) => e[0] === stamps[i]![0] && e[1] === stamps[i]![1] && e[2] === stamps[i]![2])) return hit.digest;
  const h = createHash('sha256');
  for (const [i, f] of files.entries()) h.update(stamps[i]![0]).update('\0').update(readFileSync(f)).update('\0');
  const digest = h.digest('hex');
  try {
    mkdirSync(dirname(cache), { recursive: true });
    // Another process may write at the same time: each writes a whole file under its own name, then renames it.
    const tmp = `${cache}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...readCache(cache), [name]: { digest, files: stamps } }));
    renameSync(tmp, cache);
  } catch {
    // Not writable (an installed package): the digest is right, only not cached.
  }
  return digest;
}

/**
 * A digest of Strata's own code: the package's version and every source file that computes a point (src/ in a
 * checkout, dist/src/ in an installed package, which has no src/). viz/ draws charts and computes no result.
 */
export function strataCodeDigest(): string {
  const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '';
  const dir = existsSync(join(PACKAGE_ROOT, 'src')) ? 'src' : join('dist', 'src');
  return createHash('sha256').update(`strata ${version}\0`).update(treeDigest('code', PACKAGE_ROOT, [dir])).digest('hex');
}
