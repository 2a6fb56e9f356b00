import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SweepDatabase } from '../../src/sweep/database.ts';
import { runSweep, sweepPoints } from '../../src/sweep/run-sweep.ts';
import { checkSweep } from '../../src/sweep/sweep-file.ts';
import { allRows, TINY_SWEEP } from './tiny-sweep.ts';
import { runMain, runMainAsync } from '../helpers.ts';

/*
 * Running a sweep (issue #16 items 3-4): points run on worker threads through the CLI's main(); a run stopped
 * after k points (--limit, as a kill would) leaves k rows and the rerun computes only the others; a failing point
 * is a row with its error and the sweep goes on; 1 and 2 workers store identical rows; the database answers SQL
 * and exports CSV and Parquet that read back.
 *
 * Four tiny PIM-GPT points (gpt2-small, one prompt token, one generated): MAC lanes 8 and 16 x a model that
 * exists and one that does not.
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-sweep-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sweep = TINY_SWEEP;

const rows = allRows;

describe('strata sweep', () => {
  const a = join(dir, 'a.duckdb');

  it('keys points by their input; reruns compute only the missing points; a failing point is recorded', async () => {
    const points = sweepPoints(sweep);
    expect(points).toHaveLength(4);
    expect(new Set(points.map((p) => p.key)).size).toBe(4);
    expect(points[0]!.argv.join(' ')).toBe('pim generate --system pim-gpt --model gpt2-small --tokens 1 --prompt 1 --set pim.unit.macsPerBank=8');
    // The same sweep gives the same keys (nothing random or time-dependent in them).
    expect(sweepPoints(sweep).map((p) => p.key)).toEqual(points.map((p) => p.key));

    // "Killed" after 2 points: 2 rows.
    const first = await runSweep(sweep, { db: a, workers: 2, limit: 2 });
    expect([first.total, first.stored, first.ran]).toEqual([4, 0, 2]);
    expect(await rows(a)).toHaveLength(2);
    // The rerun computes the 2 missing ones only; a third run computes nothing.
    const second = await runSweep(sweep, { db: a, workers: 2 });
    expect([second.stored, second.ran]).toEqual([2, 2]);
    const third = await runSweep(sweep, { db: a, workers: 2 });
    expect([third.stored, third.ran]).toEqual([4, 0]);
    // --retry-failed computes the 2 failed points again (they fail again: the model still does not exist).
    const retry = await runSweep(sweep, { db: a, workers: 2, retryFailed: true });
    expect([retry.stored, retry.ran, retry.failed]).toEqual([2, 2, 2]);

    const r = await rows(a);
    expect(r).toHaveLength(4);
    // Columns: point, key, status, error, command, system, model, lanes, latency_ns, joules_per_token, pim_share.
    const byModel = (m: string) => r.filter((x) => x[6] === m);
    for (const x of byModel('gpt2-small')) {
      expect(x[2]).toBe('ok');
      expect(Number(x[8])).toBeGreaterThan(1000); // a GPT-2 token on PIM-GPT takes tens of microseconds
      expect(Number(x[10])).toBeGreaterThan(0.5); // most of a token's time is in the banks
    }
    // More MAC lanes per bank: a faster token.
    const lat = (lanes: string) => Number(byModel('gpt2-small').find((x) => x[7] === lanes)![8]);
    expect(lat('16')).toBeLessThan(lat('8'));
    for (const x of byModel('no-such-model')) {
      expect(x[2]).toBe('error');
      expect(x[3]).toMatch(/no-such-model/);
      expect(x[8]).toBeNull();
    }
  }, 240_000);

  it('stores the same rows on 1 worker as on 2', async () => {
    const b = join(dir, 'b.duckdb');
    const one = await runSweep(sweep, { db: b, workers: 1 });
    expect(one.ran).toBe(4);
    expect(await rows(b)).toEqual(await rows(a));
  }, 240_000);

  it('answers SQL and exports CSV and Parquet that read back', async () => {
    const q = await runMainAsync(['sweep', 'query', a, "SELECT lanes, status FROM points WHERE model = 'gpt2-small' ORDER BY lanes"]);
    expect(q.code).toBe(0);
    expect(q.out.split('\n')).toEqual(['lanes  status', '-----  ------', '    8  ok', '   16  ok']);

    const csv = join(dir, 'a.csv');
    expect((await runMainAsync(['sweep', 'export', a, '--csv', '--out', csv])).code).toBe(0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('point,key,status,error,command,system,model,lanes,latency_ns,joules_per_token,pim_share');
    expect(lines).toHaveLength(5);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['0', '1', '2', '3']);

    const parquet = join(dir, 'a.parquet');
    expect((await runMainAsync(['sweep', 'export', a, '--parquet', '--out', parquet])).code).toBe(0);
    const db = await SweepDatabase.open(join(dir, 'reader.duckdb'));
    try {
      const back = await db.query(`SELECT * FROM read_parquet('${parquet}') ORDER BY point`);
      expect(back.rows).toEqual(await rows(a));
    } finally {
      db.close();
    }
  }, 120_000);

  it('refuses bad uses in one line', async () => {
    expect((await runMainAsync(['sweep', 'query', join(dir, 'none.duckdb'), 'SELECT 1'])).err).toMatch(/none\.duckdb: no such database file/);
    expect((await runMainAsync(['sweep', 'query', a, 'SELECT nope FROM points'])).err).toMatch(/^strata: sweep query: .*nope/);
    expect((await runMainAsync(['sweep', 'export', a])).err).toBe('strata: sweep export: expected exactly one of --parquet or --csv');
    expect(runMain(['sweep', '--help']).out).toMatch(/^strata sweep: /);
    // A misspelt override path resolves for no point: the sweep file is wrong, nothing runs.
    const typo = checkSweep({ ...sweep.spec, axes: [{ set: 'pim.unit.macsPerBnak', values: [8] }] }, 'typo.yaml');
    expect(() => sweepPoints(typo)).toThrow(/^typo\.yaml: the overrides of no point resolve; the first: --set pim\.unit\.macsPerBnak=8: 'macsPerBnak' is not a field of 'unit' of .*aim\.json \(expected one of macsPerBank, /);
    // Another sweep's columns in the same database: refused, not mixed.
    const other = checkSweep({ ...sweep.spec, axes: [{ set: 'pim.organization.channels', values: [16] }] }, 'other.yaml');
    await expect(runSweep(other, { db: a, workers: 1 })).rejects.toThrow(/its points table has columns .* give another --db/);
  }, 60_000);

  it('refuses a second writer while another process holds the database, then completes without a lost or doubled row', async () => {
    const c = join(dir, 'c.duckdb');
    // Another process opens the database for writing and holds it until it is killed.
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      import { DuckDBInstance } from '@duckdb/node-api';
      const db = await DuckDBInstance.create(${JSON.stringify(c)});
      await db.connect();
      console.log('ready');
      setInterval(() => {}, 1000);
    `], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((ok, fail) => {
        holder.stdout!.on('data', (d) => String(d).includes('ready') && ok());
        holder.on('exit', (code) => fail(new Error(`the holding process exited with ${code}`)));
      });
      await expect(runSweep(sweep, { db: c, workers: 1 })).rejects.toThrow(new RegExp(`^${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: open in another process \\(PID ${holder.pid}, another strata sweep\\?\\); wait for it to finish, or give another --db$`));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((ok) => holder.once('close', ok));
    }
    const s = await runSweep(sweep, { db: c, workers: 2 });
    expect(s.ran).toBe(4);
    const db = await SweepDatabase.open(c, { readOnly: true });
    try {
      expect((await db.query('SELECT count(*), count(DISTINCT key) FROM points')).rows).toEqual([['4', '4']]);
    } finally {
      db.close();
    }
  }, 120_000);
});
