import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPointsOnPool, WORKER_YOUNG_GENERATION_MB, workerYoungGenerationMb } from '../../src/sweep/point-pool.ts';
import type { PointOutcome } from '../../src/sweep/run-point.ts';
import { errorOf } from '../helpers.ts';

/*
 * The pool's threads get a young generation with room for a point's simulation state (WORKER_YOUNG_GENERATION_MB:
 * fewer objects copied by scavenges and promoted for major GCs; docs/sweeps.md, "Speed"). A stand-in worker
 * (fixtures/limits-worker.mjs) reports the limit its thread was given, so the test runs nothing of the simulator.
 */
const LIMITS = resolve(import.meta.dirname, 'fixtures', 'limits-worker.mjs');

async function youngOfThreads(): Promise<number[]> {
  const out: number[] = [];
  await runPointsOnPool([0, 1, 2].map(() => ({ command: 'generate', argv: [], metrics: [] })), { workers: 2, workerFile: LIMITS }, (i, o: PointOutcome) => {
    out[i] = o.status === 'ok' ? o.metrics.young_mb! : NaN;
  });
  return out;
}

describe('the sweep pool\'s worker heaps', () => {
  it('give every thread a young generation of WORKER_YOUNG_GENERATION_MB', async () => {
    expect(WORKER_YOUNG_GENERATION_MB).toBe(384);
    expect(await youngOfThreads()).toEqual([384, 384, 384]);
  }, 60_000);

  it('STRATA_SWEEP_YOUNG_MB sets another (0: V8\'s default), and refuses anything else in one line', () => {
    expect(workerYoungGenerationMb({})).toBe(384);
    expect(workerYoungGenerationMb({ STRATA_SWEEP_YOUNG_MB: '0' })).toBe(0);
    expect(workerYoungGenerationMb({ STRATA_SWEEP_YOUNG_MB: '384' })).toBe(384);
    for (const bad of ['-1', '1.5', 'big', '20000']) {
      expect(errorOf(() => workerYoungGenerationMb({ STRATA_SWEEP_YOUNG_MB: bad }))).toBe(`STRATA_SWEEP_YOUNG_MB: expected MiB of young generation per worker thread, 0 (V8's default) to 16384, got '${bad}'`);
    }
  });
});
