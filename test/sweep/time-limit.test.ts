import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { timeoutError } from '../../src/sweep/point-pool.ts';
import { pointTimeout, runSweep, sweepPoints } from '../../src/sweep/run-sweep.ts';
import { submitSweep } from '../../src/sweep/slurm.ts';
import { PLAN_SCHEMA, readJson, submissionPaths, type SubmissionPlan } from '../../src/sweep/slurm-layout.ts';
import { checkSweep, timeLimitSeconds } from '../../src/sweep/sweep-file.ts';
import { allRows } from './tiny-sweep.ts';
import { errorOf, runMainAsync } from '../helpers.ts';

/*
 * `timeLimit` in a sweep file: the most time one point may run, as `--point-timeout S` sets it on the command line
 * (the flag wins). A point past it becomes an error row naming where the limit was set; on SLURM the tasks' --time is
 * derived from it. The sweeps here run a stand-in worker (fixtures/model-sleep-worker.mjs: a gpt2-medium point
 * blocks its thread for a minute, any other reports at once), so nothing of the simulator is timed.
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-time-limit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SLOW_MEDIUM = resolve(import.meta.dirname, 'fixtures', 'model-sleep-worker.mjs');

/** A two-point sweep (gpt2-small, gpt2-medium) with these extra fields. */
const sweepWith = (extra: Record<string, unknown>, file = 'limits.yaml') => checkSweep({
  name: 'limits', command: 'generate', system: 'pim-gpt', workload: { prompt: 1, tokens: 1 },
  axes: [{ workload: 'model', values: ['gpt2-small', 'gpt2-medium'] }], metrics: ['latency'], ...extra,
}, file);

describe('timeLimit in a sweep file', () => {
  it('takes whole seconds or a duration in s, m or h', () => {
    expect(sweepWith({ timeLimit: 45 }).pointTimeoutS).toBe(45);
    expect(sweepWith({ timeLimit: '90s' }).pointTimeoutS).toBe(90);
    expect(sweepWith({ timeLimit: '10m' }).pointTimeoutS).toBe(600);
    expect(sweepWith({ timeLimit: '2h' }).pointTimeoutS).toBe(7200);
    expect(sweepWith({}).pointTimeoutS).toBeUndefined();
    // A week is the most, as for --point-timeout.
    expect(timeLimitSeconds('168h', 'f')).toBe(604_800);
  });

  it('refuses anything else in one line naming the file and the field', () => {
    const expected = (shown: string) => `limits.yaml: field 'timeLimit': expected the most time one point may run, as whole seconds or a duration such as 90s, 10m or 2h, from 1 s to 7 days; got ${shown}`;
    expect(errorOf(() => sweepWith({ timeLimit: 0 }))).toBe(expected('0'));
    expect(errorOf(() => sweepWith({ timeLimit: -5 }))).toBe(expected('-5'));
    expect(errorOf(() => sweepWith({ timeLimit: 1.5 }))).toBe(expected('1.5'));
    expect(errorOf(() => sweepWith({ timeLimit: '5 minutes' }))).toBe(expected("'5 minutes'"));
    expect(errorOf(() => sweepWith({ timeLimit: '10d' }))).toBe(expected("'10d'"));
    expect(errorOf(() => sweepWith({ timeLimit: '169h' }))).toBe(expected("'169h'"));
    expect(errorOf(() => sweepWith({ timeLimit: true }))).toBe(expected('true'));
    expect(errorOf(() => sweepWith({ timeLimit: null }))).toBe(expected('null'));
  });

  it('is refused by the command line in that one line, before anything runs', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\ncommand: generate\nsystem: pim-gpt\nworkload: { model: gpt2-small, prompt: 1, tokens: 1 }\naxes: [{ set: pim.unit.macsPerBank, values: [8, 16] }]\nmetrics: [latency]\ntimeLimit: 10 minutes\n');
    const r = await runMainAsync(['sweep', file, '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`strata: ${file}: field 'timeLimit': expected the most time one point may run, as whole seconds or a duration such as 90s, 10m or 2h, from 1 s to 7 days; got '10 minutes'`);
  });

  it('is not part of a point\'s key: changing it recomputes nothing', () => {
    const keys = (extra: Record<string, unknown>) => sweepPoints(sweepWith(extra)).map((p) => p.key);
    expect(keys({ timeLimit: '1h' })).toEqual(keys({}));
  });

  it('stops a point past it (an error row naming the file) and runs the others; --point-timeout overrides it', async () => {
    expect(pointTimeout(sweepWith({ timeLimit: 2 }), undefined)).toEqual({ pointTimeoutS: 2, pointTimeoutFrom: 'timeLimit in limits.yaml' });
    expect(pointTimeout(sweepWith({ timeLimit: 2 }), 3)).toEqual({ pointTimeoutS: 3, pointTimeoutFrom: '--point-timeout' });
    expect(pointTimeout(sweepWith({}), undefined)).toEqual({});

    const t0 = performance.now();
    const fromFile = join(dir, 'file.duckdb');
    const s = await runSweep(sweepWith({ timeLimit: 2 }), { db: fromFile, workers: 2, workerFile: SLOW_MEDIUM });
    // The gpt2-medium point would block for 60 s: stopped at 2 s, the run takes seconds.
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(s.failed).toBe(1);
    const rows = await allRows(fromFile);
    // point, key, status, error, command, system, model, latency_ns
    expect(rows.map((r) => [r[2], r[3], r[6], r[7]])).toEqual([
      ['ok', null, 'gpt2-small', '1'],
      ['error', 'the point ran past its time limit of 2 s (timeLimit in limits.yaml) and was stopped', 'gpt2-medium', null],
    ]);

    const fromFlag = join(dir, 'flag.duckdb');
    await runSweep(sweepWith({ timeLimit: 3600 }), { db: fromFlag, workers: 2, workerFile: SLOW_MEDIUM, pointTimeoutS: 1 });
    expect((await allRows(fromFlag))[1]![3]).toBe(timeoutError(1));
    expect(performance.now() - t0).toBeLessThan(60_000);
  }, 90_000);

  it('sets the SLURM tasks\' --time and goes into the plan, with where it came from', async () => {
    const s = await submitSweep(sweepWith({ timeLimit: '1m' }), { db: join(dir, 'slurm.duckdb'), arraySize: 1, workers: 1, sbatch: () => '8' });
    const paths = submissionPaths(s.dir!);
    const script = readFileSync(paths.script, 'utf8');
    // 2 points in 1 task, 1 at a time, 60 s each + 120 s = 4 min.
    expect(script).toContain('#SBATCH --time=00:04:00\n# --time: 2 points per task, 1 at a time, at most 60 s each (timeLimit in limits.yaml), + 120 s to start and save\n');
    const plan = readJson<SubmissionPlan>(paths.plan, PLAN_SCHEMA);
    expect([plan.pointTimeoutS, plan.pointTimeoutFrom]).toEqual([60, 'timeLimit in limits.yaml']);
    // The flag overrides the file here too.
    const f = await submitSweep(sweepWith({ timeLimit: '1m' }), { db: join(dir, 'slurm2.duckdb'), arraySize: 1, workers: 1, pointTimeoutS: 240, sbatch: () => '9' });
    expect(readFileSync(submissionPaths(f.dir!).script, 'utf8')).toContain('#SBATCH --time=00:10:00\n');
  });
});
