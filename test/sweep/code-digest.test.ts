import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { strataCodeDigest, treeDigest } from '../../src/sweep/code-digest.ts';
import { keyDigests } from '../../src/sweep/point.ts';
import { runSweep, sweepPoints } from '../../src/sweep/run-sweep.ts';
import { allRows, TINY_SWEEP } from './tiny-sweep.ts';

/*
 * Strata's own code in a point's key (issue #16): a point computed by another version of Strata is never reused. The
 * digest of a tree of files changes with any file's bytes, is cached by the files' sizes and times (so a rerun does not
 * hash the sources again), and a sweep run under another code digest recomputes every point and keeps no row of the
 * other version.
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-code-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the digest of a tree of files', () => {
  it('changes with any file\'s content, name or number, and is read from its cache while no file changed', () => {
    const root = join(dir, 'tree');
    const cache = join(dir, 'cache', 'digests.json');
    mkdirSync(join(root, 'src', 'sub'), { recursive: true });
    writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'src', 'sub', 'b.ts'), 'export const b = 2;\n');
    const first = treeDigest('code', root, ['src'], cache);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(readFileSync(cache, 'utf8')).code.files.map((f: unknown[]) => f[0])).toEqual(['src/a.ts', 'src/sub/b.ts']);
    expect(treeDigest('code', root, ['src'], cache)).toBe(first);
    // The cache answers while sizes and times match: a digest planted there comes back (so nothing was hashed).
    const planted = JSON.parse(readFileSync(cache, 'utf8'));
    planted.code.digest = 'f'.repeat(64);
    writeFileSync(cache, JSON.stringify(planted));
    expect(treeDigest('code', root, ['src'], cache)).toBe('f'.repeat(64));
    // An edit (same size, new time) is hashed again, and gives another digest than the original content's.
    writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 3;\n');
    utimesSync(join(root, 'src', 'a.ts'), new Date(2030, 0, 1), new Date(2030, 0, 1));
    const edited = treeDigest('code', root, ['src'], cache);
    expect(edited).not.toBe(first);
    expect(edited).not.toBe('f'.repeat(64));
    // Back to the original bytes: the original digest (content, not times, decides it).
    writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
    expect(treeDigest('code', root, ['src'], cache)).toBe(first);
    writeFileSync(join(root, 'src', 'c.ts'), '');
    expect(treeDigest('code', root, ['src'], cache)).not.toBe(first);
    // No cache file can be written (its folder is a file): the digest is still right.
    writeFileSync(join(dir, 'blocked'), '');
    expect(treeDigest('other', root, ['src'], join(dir, 'blocked', 'x.json'))).toBe(treeDigest('other2', root, ['src'], join(dir, 'cache2.json')));
    expect(existsSync(join(dir, 'cache2.json'))).toBe(true);
  });

  it('Strata\'s code digest is part of every key', () => {
    const now = keyDigests();
    expect(now.code).toBe(strataCodeDigest());
    const a = sweepPoints(TINY_SWEEP, now).map((p) => p.key);
    const b = sweepPoints(TINY_SWEEP, { ...now, code: 'another version' }).map((p) => p.key);
    expect(a).toEqual(sweepPoints(TINY_SWEEP).map((p) => p.key));
    for (const [i, k] of b.entries()) expect(k).not.toBe(a[i]);
  });
});

describe('a sweep under another version of Strata', () => {
  it('recomputes every point and keeps no row of the other version', async () => {
    const db = join(dir, 'versions.duckdb');
    const specs = keyDigests().specs;
    const first = await runSweep(TINY_SWEEP, { db, workers: 1, digests: { specs, code: 'version A' } });
    expect([first.ran, first.stored, first.removed]).toEqual([4, 0, 0]);
    const again = await runSweep(TINY_SWEEP, { db, workers: 1, digests: { specs, code: 'version A' } });
    expect([again.ran, again.stored, again.removed]).toEqual([0, 4, 0]);
    const rowsA = await allRows(db);
    const other = await runSweep(TINY_SWEEP, { db, workers: 1, digests: { specs, code: 'version B' } });
    expect([other.ran, other.stored, other.removed]).toEqual([4, 0, 4]);
    const rowsB = await allRows(db);
    expect(rowsB).toHaveLength(4);
    // Same points, new keys; the metrics are the same here only because both "versions" are this one.
    expect(rowsB.map((r) => r[0])).toEqual(rowsA.map((r) => r[0]));
    for (const [i, r] of rowsB.entries()) expect(r[1]).not.toBe(rowsA[i]![1]);
    expect(rowsB.map((r) => r.slice(2))).toEqual(rowsA.map((r) => r.slice(2)));
  }, 120_000);
});
