import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allRows } from './tiny-sweep.ts';
import { loadSweep } from '../../src/sweep/sweep-file.ts';
import { submitSweep } from '../../src/sweep/slurm.ts';
import { runShard } from '../../src/sweep/slurm-shard.ts';
import { runMainAsync } from '../helpers.ts';

/*
 * `strata sweep --check` (issue #18 item 2: --check on every command that issues DRAM or PIM commands). Each point is
 * one `strata run` command line; under --check it runs with --check, so its Logic-PIM streams are replayed through
 * the protocol checker. A planted rule (ACT -> RD distance 1 cycle instead of tRCDRD, as test/cli/run-serve-check.test.ts
 * plants it) must be that point's error, and the sweep must exit 1; the shipped rule must pass; a GPU baseline, which
 * issues no commands, is its point's error too, never a silent pass.
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-sweep-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TRCD = 'pim.spec.base.rules.0.rules.1.distance'; // duplex -> logic-pim -> hbm3 -> jedec.json rule 1 (ACT -> RD)

function sweepFile(name: string, body: Record<string, unknown>): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, command: 'run', workload: { model: 'gpt2-small', phase: 'decode', context: 64 }, metrics: ['latency'], ...body }));
  return file;
}

describe('strata sweep --check', () => {
  it('replays every point it runs: the shipped rule passes, a planted one is its point\'s error and exit 1', async () => {
    const file = sweepFile('planted', { system: 'duplex', axes: [{ name: 'trcd', set: TRCD, values: ['"tRCDRD"', '"1"'] }] });
    const db = join(dir, 'planted.duckdb');
    const r = await runMainAsync(['sweep', file, '--db', db, '--workers', '1', '--check', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^strata: sweep --check: 1 of the 2 points run now failed/m);
    const rows = await allRows(db);
    const status = (trcd: string) => rows.find((row) => row.includes(trcd));
    expect(status('"tRCDRD"')).toContain('ok');
    const bad = status('"1"')!;
    expect(bad).toContain('error');
    expect(bad.join(' ')).toMatch(/run --check: the protocol checker found .* breaks /);

    // Without --check the same points both run (the planted rule is only caught by the checker): exit 0.
    const plain = await runMainAsync(['sweep', file, '--db', join(dir, 'plain.duckdb'), '--workers', '1', '--quiet']);
    expect(plain.code).toBe(0);
    expect((await allRows(join(dir, 'plain.duckdb'))).every((row) => row.includes('ok'))).toBe(true);
  }, 180_000);

  it('a point on a system that issues no DRAM/PIM commands is an error under --check, not a silent pass', async () => {
    const file = sweepFile('gpu', { system: 'gpu-h100', axes: [{ workload: 'context', values: [64] }] });
    const db = join(dir, 'gpu.duckdb');
    const r = await runMainAsync(['sweep', file, '--db', db, '--workers', '1', '--check', '--quiet']);
    expect(r.code).toBe(1);
    expect((await allRows(db))[0]!.join(' ')).toMatch(/--check: .*issues no DRAM or PIM commands/);
  }, 120_000);

  it('--executor slurm carries --check to the array tasks (the plan says so; a task checks its points)', async () => {
    const file = sweepFile('slurm', { system: 'duplex', axes: [{ name: 'trcd', set: TRCD, values: ['"tRCDRD"', '"1"'] }] });
    const s = await submitSweep(loadSweep(file), { db: join(dir, 'slurm.duckdb'), arraySize: 1, workers: 1, check: true, sbatch: () => '7', jobActive: () => false });
    expect(s).toMatchObject({ submitted: 2, tasks: 1, job: '7' });
    // The one task runs both points, with --check: the planted one fails.
    expect(await runShard(s.dir!, 0)).toMatchObject({ points: 2, failed: 1 });
  }, 180_000);
});
