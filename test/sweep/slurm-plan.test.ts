import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSweep } from '../../src/sweep/run-sweep.ts';
import { collectRun, dealPoints, findOnPath, submitSweep } from '../../src/sweep/slurm.ts';
import { readJson, runDirOf, submissionPaths, type TaskPoint } from '../../src/sweep/slurm-layout.ts';
import { runShard } from '../../src/sweep/slurm-shard.ts';
import { checkSweep } from '../../src/sweep/sweep-file.ts';
import { allRows, TINY_SWEEP } from './tiny-sweep.ts';
import { runMainAsync } from '../helpers.ts';

/*
 * The SLURM executor's plan, shards and collect, without a cluster (test/sweep/slurm-cluster.test.ts submits to a
 * real one): the submission is written as sbatch would get it, but instead of sbatch each array task's command
 * (`runShard`, what `strata sweep shard` runs) is run here, and the test checks that collecting the shards gives
 * exactly the rows of a local sweep, that collecting twice adds nothing, and that a resubmission after a task that
 * left no shard submits only that task's points.
 *
 * The same four tiny PIM-GPT points as test/sweep/run-sweep.test.ts: MAC lanes 8 and 16 x a model that exists and
 * one that does not (two rows are errors, which go through the shards too).
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-slurm-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sweep = TINY_SWEEP;

const rows = allRows;

describe('strata sweep --executor slurm (plan, shards, collect; no cluster)', () => {
  it('refuses in one line when sbatch is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'no-bin');
    try {
      expect(findOnPath('sbatch')).toBeUndefined();
      const r = await runMainAsync(['sweep', 'workloads/sweeps/pim-gpt-lanes.yaml', '--executor', 'slurm', '--db', join(dir, 'x.duckdb')]);
      expect(r.code).toBe(2);
      expect(r.err).toBe('strata: sweep: --executor slurm: sbatch is not on PATH (run this on a SLURM login node, or drop --executor to run the sweep here)');
    } finally {
      process.env.PATH = path;
    }
    expect(existsSync(join(dir, 'x.duckdb'))).toBe(false);
    expect((await runMainAsync(['sweep', 'workloads/sweeps/pim-gpt-lanes.yaml', '--partition', 'p'])).err).toBe('strata: sweep: --partition applies to --executor slurm only');
    expect((await runMainAsync(['sweep', 'workloads/sweeps/pim-gpt-lanes.yaml', '--executor', 'pbs'])).err).toBe("strata: sweep: --executor: expected local or slurm, got 'pbs'");
    // --sbatch-options takes flags as its value (not mistaken for a flag without one).
    expect((await runMainAsync(['sweep', 'workloads/sweeps/pim-gpt-lanes.yaml', '--sbatch-options', '--time=01:00:00 --mem=1G'])).err).toBe('strata: sweep: --sbatch-options applies to --executor slurm only');
  });

  it('deals points to tasks in turn, so a grid\'s slowest corner is spread out', () => {
    expect(dealPoints([0, 1, 2, 3, 4, 5, 6], 3)).toEqual([[0, 3, 6], [1, 4], [2, 5]]);
  });

  it('writes the plan and script; the tasks\' shards collect into the rows of a local sweep, once', async () => {
    const local = join(dir, 'local.duckdb');
    expect((await runSweep(sweep, { db: local, workers: 2 })).ran).toBe(4);

    const db = join(dir, 'a.duckdb');
    const scripts: string[] = [];
    const submit = () => submitSweep(sweep, {
      db, arraySize: 2, workers: 1, partition: 'short', sbatchOptions: ['--time=00:10:00', '--mem=1G'],
      sbatch: (script) => (scripts.push(script), String(100 + scripts.length)), jobActive: () => false,
    });
    const s = await submit();
    expect(s).toMatchObject({ total: 4, stored: 0, collected: 0, submitted: 4, tasks: 2, job: '101' });
    const sub = submissionPaths(s.dir!);
    expect(s.dir).toBe(join(runDirOf(db), 'submit-001'));
    expect(scripts).toEqual([sub.script]);
    const script = readFileSync(sub.script, 'utf8');
    for (const line of ['#SBATCH --array=0-1', '#SBATCH --cpus-per-task=1', '#SBATCH --partition=short', '#SBATCH --time=00:10:00', '#SBATCH --mem=1G', `#SBATCH --output=${join(sub.logs, '%A_%a.out')}`]) {
      expect(script.split('\n')).toContain(line);
    }
    expect(script).toMatch(new RegExp(`strata\\.mjs sweep shard ${s.dir} --task "\\$SLURM_ARRAY_TASK_ID" --workers 1\\n$`));
    // Task 0 runs points 0 and 2, task 1 points 1 and 3, with the command lines and keys of a local sweep.
    const task0 = readJson<TaskPoint[]>(sub.task(0));
    expect(task0.map((p) => p.row.point)).toEqual([0, 2]);
    expect(task0[0]!.argv.join(' ')).toBe('pim generate --system pim-gpt --model gpt2-small --tokens 1 --prompt 1 --set pim.unit.macsPerBank=8');
    expect(readJson<{ job: string }>(sub.plan).job).toBe('101');

    // The array tasks, run here one after another.
    // Task 1 has the two points of the missing model: their errors are rows too.
    for (const t of [0, 1]) expect(await runShard(s.dir!, t)).toMatchObject({ points: 2, failed: 2 * t, file: sub.shard(t) });
    const c = await collectRun(runDirOf(db), undefined);
    expect([c.shards, c.rows, c.added, c.stored, c.pending.length]).toEqual([2, 4, 4, 4, 0]);
    expect(c.db).toBe(db);
    expect(await rows(db)).toEqual(await rows(local));
    // Collecting again adds nothing; a rerun of --executor slurm finds nothing to submit.
    expect((await collectRun(runDirOf(db), undefined)).added).toBe(0);
    expect(await submit()).toMatchObject({ stored: 4, submitted: 0 });
    expect(scripts).toHaveLength(1);
    expect(await rows(db)).toEqual(await rows(local));
  }, 240_000);

  it('resubmits only the points of a task that left no shard; waits for a job still queued', async () => {
    const db = join(dir, 'b.duckdb');
    let active = false;
    const submit = () => submitSweep(sweep, { db, arraySize: 2, sbatch: () => 'job-1', jobActive: () => active });
    const first = await submit();
    // Task 1 "fails" (killed before its shard): only task 0 runs.
    await runShard(first.dir!, 0);
    active = true;
    await expect(submit()).rejects.toThrow(`sweep tiny: job job-1 (${first.dir}) is still queued or running; wait for it (squeue -j job-1) or cancel it (scancel job-1), then run this again`);
    active = false;
    const c = await collectRun(runDirOf(db), undefined);
    expect(c.pending).toEqual([{ dir: first.dir, job: 'job-1', tasks: 2, missing: 1 }]);
    const second = await submit();
    // Task 0's 2 points are collected; only task 1's points 1 and 3 go again, as 2 tasks of one point.
    expect(second).toMatchObject({ stored: 2, collected: 0, submitted: 2, tasks: 2 });
    expect(second.dir).toBe(join(runDirOf(db), 'submit-002'));
    const p = submissionPaths(second.dir!);
    expect([0, 1].flatMap((t) => readJson<TaskPoint[]>(p.task(t)).map((x) => x.row.point))).toEqual([1, 3]);

    // Precedence: point 1 runs again (task 0 of submit-002) and fails again: its error is stored. Then its row is
    // edited to a success (as if the cause of the error were fixed and the task rerun): the success replaces the
    // stored error, once.
    await runShard(second.dir!, 0);
    const c2 = await collectRun(runDirOf(db), undefined);
    expect([c2.added, c2.stored]).toEqual([1, 3]);
    const byPoint = async () => (await rows(db)).map((r) => [r[0], r[2], r[8]]);
    expect((await byPoint())[1]).toEqual(['1', 'error', null]);
    const [row1] = readFileSync(p.shard(0), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    writeFileSync(p.shard(0), `${JSON.stringify({ ...row1, status: 'ok', error: null, latency_ns: 1234.5, joules_per_token: 0.25, pim_share: 0.5 })}\n`);
    const c3 = await collectRun(runDirOf(db), undefined);
    expect([c3.added, c3.stored]).toEqual([1, 3]);
    expect(await byPoint()).toEqual([['0', 'ok', expect.any(String)], ['1', 'ok', '1234.5'], ['2', 'ok', expect.any(String)]]);
    expect((await collectRun(runDirOf(db), undefined)).added).toBe(0);
    // Point 3 is still missing: task 1 of both submissions had it and left no shard.
    expect(c3.pending).toEqual([first.dir, second.dir].map((d) => ({ dir: d, job: 'job-1', tasks: 2, missing: 1 })));
  }, 240_000);

  it('leaves no submission behind when sbatch refuses the script', async () => {
    const db = join(dir, 'c.duckdb');
    await expect(submitSweep(sweep, { db, sbatch: () => { throw new Error('sbatch: error: Batch job submission failed: Invalid job array specification'); }, jobActive: () => false }))
      .rejects.toThrow(/Invalid job array specification/);
    expect(existsSync(join(runDirOf(db), 'submit-001'))).toBe(false);
  });

  it('refuses a run directory of another design and a corrupt shard, in one line', async () => {
    const db = join(dir, 'a.duckdb');
    const other = checkSweep({ ...sweep.spec, metrics: ['latency'] }, 'other.yaml');
    await expect(submitSweep(other, { db, sbatch: () => '1', jobActive: () => false })).rejects.toThrow(/run\.json: its shards have columns \(.*pim_share DOUBLE\); this sweep writes \(.*latency_ns DOUBLE\): remove .* or give another --db$/);
    writeFileSync(join(runDirOf(db), 'submit-001', 'shards', '00000.jsonl'), '{"key":\n');
    await expect(collectRun(runDirOf(db), undefined)).rejects.toThrow(/submit-001\/shards\/00000\.jsonl:1: not a JSON row/);
  });
});
