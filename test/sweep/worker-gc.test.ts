import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { runPointSync, type PointTask } from '../../src/sweep/run-point.ts';
import { sweepPoints } from '../../src/sweep/run-sweep.ts';
import { scavengeAfterPoint, workerGcPolicy } from '../../src/sweep/worker-gc.ts';
import sweepWorker from '../../src/sweep/worker.ts';
import { errorOf } from '../helpers.ts';
import { TINY_SWEEP } from './tiny-sweep.ts';

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
    expect(workerGcPolicy({})).toEqual({ name: 'tuned', scavengeAfterPoint: true });
    expect(workerGcPolicy({ STRATA_SWEEP_GC: 'v8' })).toEqual({ name: 'v8', scavengeAfterPoint: false });
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

});
