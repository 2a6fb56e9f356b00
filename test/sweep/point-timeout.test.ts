import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPointsOnPool, timeoutError } from '../../src/sweep/point-pool.ts';
import type { PointOutcome, PointTask } from '../../src/sweep/run-point.ts';
import { sbatchScript, slurmTime, submitSweep, TASK_MARGIN_S } from '../../src/sweep/slurm.ts';
import { readJson, submissionPaths, type SubmissionPlan, PLAN_SCHEMA } from '../../src/sweep/slurm-layout.ts';
import { TINY_SWEEP } from './tiny-sweep.ts';
import { runMainAsync } from '../helpers.ts';

/*
 * A time limit per point (--point-timeout S): a point past it is stopped and becomes an error row while the sweep goes
 * on; a point's clock starts when a thread takes it, not while it waits; on SLURM the tasks' --time is derived from
 * the limit and the points per task. The pool runs a stand-in worker whose points take a known time
 * (fixtures/sleep-worker.mjs), so the test times nothing of the simulator.
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-point-timeout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SLEEPER = resolve(import.meta.dirname, 'fixtures', 'sleep-worker.mjs');
const sleeps = (ms: readonly number[]): PointTask[] => ms.map((m) => ({ command: 'generate', argv: [String(m)], metrics: [] }));

async function run(ms: readonly number[], workers: number, pointTimeoutS?: number): Promise<PointOutcome[]> {
  const out: PointOutcome[] = [];
  await runPointsOnPool(sleeps(ms), { workers, pointTimeoutS, workerFile: SLEEPER }, (i, o) => {
    out[i] = o;
  });
  return out;
}

describe('--point-timeout', () => {
  it('stops a point past its limit (an error row) and runs the others', async () => {
    const t0 = performance.now();
    const out = await run([50, 60_000, 50, 50], 2, 2);
    // The 60 s point is stopped at its 2 s limit: the whole run takes seconds, not a minute.
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(out.map((o) => o.status)).toEqual(['ok', 'error', 'ok', 'ok']);
    expect(out[1]).toEqual({ status: 'error', error: timeoutError(2) });
    expect(timeoutError(2)).toBe('the point ran past its time limit of 2 s (--point-timeout) and was stopped');
  }, 60_000);

  it('counts a point\'s time from when a thread takes it, not while it waits for one', async () => {
    // One thread, three points of 1.2 s each under a 3 s limit: the third waits 2.4 s, and still passes.
    const out = await run([1200, 1200, 1200], 1, 3);
    expect(out.map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
  }, 60_000);

  it('is a whole number of seconds >= 1 (one line otherwise)', async () => {
    const r = await runMainAsync(['sweep', 'workloads/sweeps/pim-gpt-lanes.yaml', '--point-timeout', '0.5', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("strata: --point-timeout: expected a positive integer, got '0.5'");
  });
});

describe('--point-timeout on SLURM: the tasks\' --time', () => {
  it('is ceil(points / workers) x the limit + the task margin, rounded up to a minute', () => {
    expect(TASK_MARGIN_S).toBe(120);
    // 9 points, 1 worker, 60 s each: 540 + 120 s = 11 min.
    expect(slurmTime(9, 1, 60)).toBe('00:11:00');
    // 9 points on 2 workers: 5 rounds of 60 s + 120 s = 7 min.
    expect(slurmTime(9, 2, 60)).toBe('00:07:00');
    // 100 points of up to 1 h on 1 worker: 100 h + 2 min = 4 days 4 h 2 min.
    expect(slurmTime(100, 1, 3600)).toBe('4-04:02:00');
    expect(slurmTime(1, 1, 1)).toBe('00:03:00');
  });

  it('goes into the script and the plan; an explicit --time in --sbatch-options wins', async () => {
    const db = join(dir, 'slurm.duckdb');
    const s = await submitSweep(TINY_SWEEP, { db, arraySize: 2, workers: 1, pointTimeoutS: 30, sbatch: () => '7' });
    const paths = submissionPaths(s.dir!);
    const script = readFileSync(paths.script, 'utf8');
    // 4 points in 2 tasks: 2 per task, 1 at a time, 30 s each + 120 s = 3 min.
    expect(script).toContain('#SBATCH --time=00:03:00\n');
    expect(readJson<SubmissionPlan>(paths.plan, PLAN_SCHEMA).pointTimeoutS).toBe(30);
    const explicit = sbatchScript({ name: 'x', dir: s.dir!, tasks: 2, workers: 1, sbatchOptions: ['--time=01:00:00'], cwd: dir, pointTimeoutS: 30, pointsPerTask: 2 });
    expect(explicit.match(/--time/g)).toHaveLength(1);
    expect(explicit).toContain('#SBATCH --time=01:00:00');
    expect(sbatchScript({ name: 'x', dir: s.dir!, tasks: 2, workers: 1, cwd: dir })).not.toContain('--time');
  });
});
