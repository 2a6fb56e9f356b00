import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { runPointSync, type PointTask } from '../../src/sweep/run-point.ts';
import { sweepPoints } from '../../src/sweep/run-sweep.ts';
import { runPointsOnPool } from '../../src/sweep/point-pool.ts';
import { pinSemiSpace, scavengeAfterPoint, workerGcPolicy } from '../../src/sweep/worker-gc.ts';
import sweepWorker from '../../src/sweep/worker.ts';
import { errorOf } from '../helpers.ts';
import { TINY_SWEEP } from './tiny-sweep.ts';
import { resolve } from 'node:path';

/** The semi-space size (MiB) of each of the pool's threads, as a stand-in worker reports it. */
async function semiSpaceOfThreads(): Promise<number[]> {
  const out: number[] = [];
  const heap = resolve(import.meta.dirname, 'fixtures', 'heap-worker.mjs');
  await runPointsOnPool([0, 1].map(() => ({ command: 'generate', argv: [], metrics: [] })), { workers: 2, workerFile: heap }, (i, o) => {
    out[i] = o.status === 'ok' ? o.metrics.semi_space_mb! : NaN;
  });
  return out;
}

/*
 * How the sweep's worker threads collect garbage (src/sweep/worker-gc.ts; docs/sweeps.md, "Speed"): a scavenge
 * after each point, off with STRATA_SWEEP_GC=v8. Results never depend on it: a point run by the worker gives what it
 * gives run directly.
 */

/** This thread's young generation (the semi-space new objects are allocated in): bytes in use, and its size. */
function young(): { used: number; size: number } {
  const s = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')!;
  return { used: s.space_used_size, size: s.space_used_size + s.space_available_size };
}

/** Allocates short-lived objects until the young generation is at least half full (a scavenge on the way starts it again). */
function fillYoung(): number {
  let sink = 0;
  for (let i = 0; i < 100_000 && young().used < young().size / 2; i++) {
    const garbage = Array.from({ length: 200 }, (_, j) => ({ i, j }));
    sink += garbage.length;
  }
  return sink;
}

describe('the sweep workers\' GC policy', () => {
  it('is tuned by default; STRATA_SWEEP_GC=v8 gives V8\'s defaults, and anything else is refused in one line', () => {
    expect(workerGcPolicy({})).toEqual({ name: 'tuned', scavengeAfterPoint: true, pinSemiSpace: true, noPretenuring: true });
    expect(workerGcPolicy({ STRATA_SWEEP_GC: 'v8' })).toEqual({ name: 'v8', scavengeAfterPoint: false, pinSemiSpace: false, noPretenuring: false });
    for (const bad of ['V8', 'off', '1']) {
      expect(errorOf(() => workerGcPolicy({ STRATA_SWEEP_GC: bad }))).toBe(`STRATA_SWEEP_GC: expected tuned, v8 (how the sweep's worker threads collect garbage), got '${bad}'`);
    }
  });

  it('a scavenge after a point empties the young generation of its garbage; the v8 policy leaves it', () => {
    fillYoung();
    const before = young().used;
    expect(before).toBeGreaterThanOrEqual(young().size / 2);
    // Without a scavenge, the garbage stays in the young generation.
    scavengeAfterPoint(workerGcPolicy({ STRATA_SWEEP_GC: 'v8' }));
    expect(young().used).toBeGreaterThanOrEqual(before);
    scavengeAfterPoint(workerGcPolicy({}));
    // What survives is what this thread still holds (vitest's own state): a small part of what was there.
    expect(young().used).toBeLessThan(before / 4);
  });

  it('the worker returns what the point gives run directly, the scavenge after it changing nothing', async () => {
    const points = sweepPoints(TINY_SWEEP);
    for (const p of points.filter((x) => x.model === 'gpt2-small')) {
      const task: PointTask = { command: TINY_SWEEP.spec.command, argv: p.argv, metrics: TINY_SWEEP.spec.metrics };
      const direct = runPointSync(task);
      expect(direct.status).toBe('ok');
      expect(await sweepWorker(task)).toEqual(direct);
    }
  }, 60_000);


  it('the pool starts its threads\' semi-spaces at a third of their young generation (128 MiB); V8 starts them small', async () => {
    // First with V8's defaults (the pinned size is per process and stays once set).
    const saved = process.env.STRATA_SWEEP_GC;
    process.env.STRATA_SWEEP_GC = 'v8';
    try {
      for (const mb of await semiSpaceOfThreads()) expect(mb).toBeLessThan(32);
    } finally {
      if (saved === undefined) delete process.env.STRATA_SWEEP_GC;
      else process.env.STRATA_SWEEP_GC = saved;
    }
    for (const mb of await semiSpaceOfThreads()) expect(mb).toBeGreaterThanOrEqual(120);
    // V8's default young generation (STRATA_SWEEP_YOUNG_MB=0) pins nothing new.
    expect(pinSemiSpace(workerGcPolicy({}), 0)).toBe(128);
    expect(pinSemiSpace(workerGcPolicy({ STRATA_SWEEP_GC: 'v8' }), 384)).toBe(128);
  }, 60_000);
});
