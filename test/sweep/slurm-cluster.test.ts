import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSweep } from '../../src/sweep/run-sweep.ts';
import { findOnPath } from '../../src/sweep/slurm.ts';
import { loadSweep } from '../../src/sweep/sweep-file.ts';
import { runDirOf, submissionPaths } from '../../src/sweep/slurm-layout.ts';
import { allRows } from './tiny-sweep.ts';
import { runMainAsync } from '../helpers.ts';

/*
 * `strata sweep --executor slurm` against a real single-node SLURM cluster (issue #16 item 6): .ci/run starts one
 * with .ci/slurm up (slurmctld, slurmd and munged of Debian's slurm-wlm and munge) and sets STRATA_TEST_SLURM=1 and
 * SLURM_CONF. Jobs go through sbatch; the test waits for them by polling squeue (sacct needs accounting, which the
 * test cluster has not). Without the cluster the test is skipped, saying so; test/sweep/slurm-plan.test.ts covers
 * the plan, shards and collect without one.
 *
 * Four tiny PIM-GPT points (MAC lanes 8 and 16 x a model that exists and one that does not) as two array tasks;
 * task 1 is cancelled with scancel right after the submission (before it can finish: a task takes seconds to start
 * node), so it leaves no shard, as a task killed by the scheduler would. Collect then has task 0's 2 rows; the rerun
 * submits only task 1's 2 points (with --wait, which collects when the job ends); after it, the database holds
 * exactly the rows of a local sweep, and a second collect adds nothing.
 */
const up = process.env.STRATA_TEST_SLURM === '1' && findOnPath('sbatch') !== undefined && findOnPath('squeue') !== undefined;
const why = 'no SLURM test cluster: start one with `eval "$(.ci/slurm up)"` (root, Debian slurm-wlm and munge) and set STRATA_TEST_SLURM=1; .ci/run does';
if (!up) console.warn(`skipping the SLURM cluster test: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'strata-slurm-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SWEEP = join(dir, 'tiny.yaml');

/** Waits until squeue no longer lists the job (finished, failed or cancelled). */
async function waitForJob(job: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = spawnSync('squeue', ['-h', '-j', job, '-o', '%i'], { encoding: 'utf8' });
    if ((r.status === 0 && r.stdout.trim() === '') || /Invalid job id/.test(r.stderr ?? '')) return;
    if (Date.now() > until) throw new Error(`job ${job} still in squeue after ${timeoutMs / 1000} s: ${r.stdout.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const rows = allRows;

describe.skipIf(!up)(`strata sweep --executor slurm on a SLURM cluster${up ? '' : ` (skipped: ${why})`}`, () => {
  it('submits with sbatch, collects, resubmits only the points of a killed task, and collects once', async () => {
    writeFileSync(SWEEP, [
      'name: tiny', 'command: generate', 'system: pim-gpt', 'workload: { model: gpt2-small, prompt: 1, tokens: 1 }',
      'axes:', '  - { name: lanes, set: pim.unit.macsPerBank, values: [8, 16] }', '  - { workload: model, values: [gpt2-small, no-such-model] }',
      'metrics: [latency, energy, pimShare]', '',
    ].join('\n'));
    const db = join(dir, 'tiny.duckdb');
    const run = runDirOf(db);

    // sbatch's own refusal is one line, and nothing is left to wait for.
    const refused = await runMainAsync(['sweep', SWEEP, '--executor', 'slurm', '--partition', 'no-such-partition', '--db', db]);
    expect(refused.err).toMatch(/^strata: sbatch \S+\/submit-001\/job\.sbatch: sbatch: error: .*[Ii]nvalid partition/);
    expect(existsSync(join(run, 'submit-001'))).toBe(false);

    // --quiet: the job id alone.
    const first = await runMainAsync(['sweep', SWEEP, '--executor', 'slurm', '--array-size', '2', '--db', db, '--quiet']);
    expect(first.err).toBe('');
    const job1 = first.out.trim();
    expect(job1).toMatch(/^\d+$/);
    // Kill task 1 before it can finish (a task spends seconds starting node and loading specs).
    expect(spawnSync('scancel', [`${job1}_1`]).status).toBe(0);

    // The local sweep the cluster's rows must equal, computed while the job runs.
    const local = join(dir, 'local.duckdb');
    expect((await runSweep(loadSweep(SWEEP), { db: local, workers: 1 })).ran).toBe(4);
    await waitForJob(job1);

    const sub1 = submissionPaths(join(run, 'submit-001'));
    expect(readdirSync(sub1.shards)).toEqual(['00000.jsonl']);
    const c1 = await runMainAsync(['sweep', 'collect', SWEEP, '--db', db]);
    expect(c1.out.split('\n')[0]).toBe(`collected 1 shard of ${run}: 2 rows, 2 new in ${db} (2 points stored)`);
    expect(c1.out).toMatch(/submit-001: 1 of 2 tasks have no shard yet/);

    // The rerun submits task 1's points only (points 1 and 3: the missing model); --wait waits for the job and collects.
    const second = await runMainAsync(['sweep', SWEEP, '--executor', 'slurm', '--db', db, '--wait']);
    expect(second.code).toBe(0);
    const lines = second.out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^sweep tiny: 4 points; 2 already in ${db}; 2 submitted as job (\\d+): 2 array tasks$`));
    const job2 = /job (\d+):/.exec(lines[0]!)![1]!;
    expect(job2).not.toBe(job1);
    expect(lines[2]).toBe(`job ${job2} ended; collected 3 shards of ${run}: 4 rows, 2 new in ${db} (4 points stored)`);
    expect(lines).toHaveLength(3);
    const sub2 = submissionPaths(join(run, 'submit-002'));
    expect(readdirSync(sub2.shards).sort()).toEqual(['00000.jsonl', '00001.jsonl']);
    expect(await rows(db)).toEqual(await rows(local));
    expect((await rows(db)).map((r) => r[2])).toEqual(['ok', 'error', 'ok', 'error']);

    // Collecting again adds nothing; nothing is left to submit.
    const c3 = await runMainAsync(['sweep', 'collect', SWEEP, '--db', db]);
    expect(c3.out).toBe(`collected 3 shards of ${run}: 4 rows, 0 new in ${db} (4 points stored)`);
    const third = await runMainAsync(['sweep', SWEEP, '--executor', 'slurm', '--db', db]);
    expect(third.out).toBe(`sweep tiny: 4 points; 4 already in ${db}; nothing to submit`);
    expect(existsSync(join(run, 'submit-003'))).toBe(false);
    expect(await rows(db)).toEqual(await rows(local));
  }, 240_000);
});
