import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { SweepDatabase, type Column, type Row } from './database.ts';
import type { SweepPoint } from './point.ts';
import { pointRow, pointTimeout, sweepColumns, sweepPoints } from './run-sweep.ts';
import {
  checkRunInfo, nextSubmissionDir, PLAN_SCHEMA, readJson, RUN_SCHEMA, runDirOf, submissionDirs, submissionPaths, writeAtomic,
  type RunInfo, type SubmissionPlan, type TaskPoint,
} from './slurm-layout.ts';
import type { Sweep } from './sweep-file.ts';

/**
 * Sweeps on a SLURM cluster (issue #16 item 6). `submitSweep` collects the shards already there, finds the points
 * not yet in the database (the same keys as a local sweep), deals them to the tasks of one job array, writes the
 * plan and an sbatch script into a new submission directory of the run directory (see slurm-layout.ts) and submits
 * it with sbatch. Each task runs `strata sweep shard` (slurm-shard.ts) into its own shard file; `collectShards`
 * merges them into the database. A rerun after failed or killed tasks submits only the points still missing.
 */

/** SLURM's default MaxArraySize is 1001 (task ids 0-1000): the default job array stays under it. */
export const DEFAULT_MAX_TASKS = 1000;

/** The path of an executable on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter((d) => d !== '')) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A word for a POSIX shell, quoted when it needs to be. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The points of `missing` for each of `tasks` tasks, dealt in turn (task t gets points t, t + tasks, ...), so
 * the expensive corner of a grid (its last axis varies slowest) is spread over the tasks, not given to one. */
export function dealPoints<T>(missing: readonly T[], tasks: number): T[][] {
  const out: T[][] = Array.from({ length: tasks }, () => []);
  missing.forEach((p, i) => out[i % tasks]!.push(p));
  return out;
}

/** How to submit. */
export interface SlurmSubmitOptions {
  readonly db: string;
  readonly partition?: string;
  /** Array tasks (default: one per missing point, at most DEFAULT_MAX_TASKS). */
  readonly arraySize?: number;
  /** Worker threads per task; the script asks for as many CPUs per task (default 1). */
  readonly workers?: number;
  /** More sbatch options, written as #SBATCH lines (an account, a time limit, memory). */
  readonly sbatchOptions?: readonly string[];
  /** Submit at most this many of the missing points. */
  readonly limit?: number;
  /** Remove failed points from the database first, so they are submitted again. */
  readonly retryFailed?: boolean;
  /** The most seconds one point may run (a point past it becomes an error row; default: the sweep file's timeLimit); sets the tasks' --time. */
  readonly pointTimeoutS?: number;
  /** Each point runs with `--check` (written into the plan the tasks read). */
  readonly check?: boolean;
  /** Submits a script, returning the job id (default: the real sbatch). */
  readonly sbatch?: (script: string) => string;
  /** Whether a job is still queued or running (default: squeue). */
  readonly jobActive?: (job: string) => boolean;
}

/** What a submission did. */
export interface SlurmSubmitSummary {
  readonly total: number;
  /** Points in the database before submitting (after collecting), and rows the collect added. */
  readonly stored: number;
  readonly collected: number;
  /** Points submitted now (0: nothing missing, nothing submitted). */
  readonly submitted: number;
  readonly tasks: number;
  readonly dir?: string;
  readonly job?: string;
}

/** What a collect did. */
export interface CollectSummary {
  readonly shards: number;
  /** Rows read from the shards, and rows added to (or, for a point that failed before and ran now, replaced in) the database. */
  readonly rows: number;
  readonly added: number;
  /** Per submission, the tasks with no shard yet (still queued or running, or failed before their first save) whose points are not all stored. */
  readonly pending: ReadonlyArray<{ readonly dir: string; readonly job?: string; readonly tasks: number; readonly missing: number }>;
}

/** Submits a script with sbatch; its job id, or one line with sbatch's own message. */
export function sbatch(script: string): string {
  const r = spawnSync('sbatch', ['--parsable', script], { encoding: 'utf8' });
  if (r.error) throw new StrataError(`sbatch ${script}: ${r.error.message}`);
  const id = /^(\d+)/.exec(r.stdout.trim());
  if (r.status !== 0 || !id) {
    const said = (r.stderr || r.stdout).trim().split('\n').filter((l) => l.trim() !== '').pop() ?? `exit code ${r.status}`;
    throw new StrataError(`sbatch ${script}: ${said}`);
  }
  return id[1]!;
}

/** Whether SLURM still lists a job (queued or running); a job it has forgotten has ended. */
export function squeueActive(job: string): boolean {
  const r = spawnSync('squeue', ['-h', '-j', job, '-o', '%i'], { encoding: 'utf8' });
  if (r.error) throw new StrataError(`squeue -j ${job}: ${r.error.message}`);
  if (r.status !== 0) {
    if (/Invalid job id/i.test(r.stderr)) return false;
    throw new StrataError(`squeue -j ${job}: ${r.stderr.trim().split('\n').pop() ?? `exit code ${r.status}`}`);
  }
  return r.stdout.trim() !== '';
}

/** How often `--wait` asks squeue about a job: often enough for a test cluster, rarely enough for a shared one. */
export const WAIT_POLL_MS = 5000;

/** Resolves once SLURM no longer lists the job (every task ended, failed or was cancelled). */
export async function waitForJob(job: string, active: (job: string) => boolean = squeueActive, pollMs = WAIT_POLL_MS): Promise<void> {
  while (active(job)) await new Promise((resolve) => setTimeout(resolve, pollMs));
}

/**
 * What a task needs besides its points, in seconds: starting Node and Strata, its threads, and writing its shard
 * (measured: 8.5-13.9 s wall for a 1-point task on a loaded 2-core node, docs/sweeps.md), with room to spare.
 */
export const TASK_MARGIN_S = 120;

/**
 * The `--time` of an array task from the time limit per point: a task's points run `workers` at a time, each at
 * most `pointTimeoutS` (a point past it is stopped), so a task of `points` points needs at most ceil(points /
 * workers) x pointTimeoutS, plus TASK_MARGIN_S; rounded up to a whole minute, as SLURM's `D-HH:MM:SS`.
 */
export function slurmTime(points: number, workers: number, pointTimeoutS: number): string {
  const minutes = Math.ceil((Math.ceil(points / workers) * pointTimeoutS + TASK_MARGIN_S) / 60);
  const d = Math.floor(minutes / 1440);
  const two = (n: number) => String(n).padStart(2, '0');
  const hms = `${two(Math.floor((minutes % 1440) / 60))}:${two(minutes % 60)}:00`;
  return d > 0 ? `${d}-${hms}` : hms;
}

/** Whether sbatch options already set the time limit (`--time=...`, `--time ...`, `-t ...`). */
const setsTime = (options: readonly string[] | undefined) => (options ?? []).some((o) => /^(--time(=|$)|-t)/.test(o));

/**
 * The job-array script of a submission. With a time limit per point, `--time` is derived from it and the most
 * points any task has (slurmTime), unless the sbatch options set one.
 */
export function sbatchScript(opts: { name: string; dir: string; tasks: number; workers: number; partition?: string; sbatchOptions?: readonly string[]; cwd: string; pointTimeoutS?: number; pointTimeoutFrom?: string; pointsPerTask?: number }): string {
  const paths = submissionPaths(opts.dir);
  const time = opts.pointTimeoutS !== undefined && opts.pointsPerTask !== undefined && !setsTime(opts.sbatchOptions)
    ? [`#SBATCH --time=${slurmTime(opts.pointsPerTask, opts.workers, opts.pointTimeoutS)}`, `# --time: ${opts.pointsPerTask} points per task, ${opts.workers} at a time, at most ${opts.pointTimeoutS} s each (${opts.pointTimeoutFrom ?? '--point-timeout'}), + ${TASK_MARGIN_S} s to start and save`]
    : [];
  const cli = join(PACKAGE_ROOT, 'bin', 'strata.mjs');
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${shellWord(`strata-${opts.name}`)}`,
    `#SBATCH --array=0-${opts.tasks - 1}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${opts.workers}`,
    `#SBATCH --output=${shellWord(join(paths.logs, '%A_%a.out'))}`,
    ...(opts.partition !== undefined ? [`#SBATCH --partition=${shellWord(opts.partition)}`] : []),
    ...time,
    ...(opts.sbatchOptions ?? []).map((o) => `#SBATCH ${o}`),
    `# Written by strata sweep --executor slurm: array task i runs the points of tasks/i.json into shards/i.jsonl`,
    `# (then: strata sweep collect ${shellWord(dirname(opts.dir))} merges them into the database).`,
    'set -euo pipefail',
    `cd ${shellWord(opts.cwd)}`,
    `exec ${shellWord(process.execPath)} ${shellWord(cli)} sweep shard ${shellWord(opts.dir)} --task "$SLURM_ARRAY_TASK_ID" --workers ${opts.workers}`,
    '',
  ];
  return lines.join('\n');
}

/** The number of rows of a shard file, each checked to be one JSON object (a file is written whole by its task). */
function shardRowCount(file: string): number {
  let n = 0;
  for (const [i, l] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (l.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(l);
    } catch {
      row = undefined;
    }
    if (typeof row !== 'object' || row === null || typeof (row as Row).key !== 'string') {
      throw new StrataError(`${file}:${i + 1}: not a JSON row with a key (a shard file is written whole by its task; was it edited?)`);
    }
    n++;
  }
  return n;
}

/** An SQL string literal. */
const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** An SQL identifier. */
const sqlName = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * Merges every shard of a run directory into an open database with the table's columns, in one transaction of
 * three bulk statements (DuckDB reads the JSON-lines files itself; a row-by-row insert into the keyed table ran at
 * 26 rows/s, see docs/sweeps.md): a point's row is added once (collecting again adds nothing); a point stored as an
 * error whose later run succeeded is replaced by the success; of two rows of one point in the shards, a success
 * beats an error and a newer submission an older one.
 */
export async function collectShards(runDir: string, db: SweepDatabase, columns: readonly Column[]): Promise<CollectSummary> {
  const files: string[] = [];
  const lost: Array<{ dir: string; plan: SubmissionPlan; tasks: number[] }> = [];
  let rows = 0;
  for (const dir of submissionDirs(runDir)) {
    const paths = submissionPaths(dir);
    if (!existsSync(paths.plan)) continue;
    const plan = readJson<SubmissionPlan>(paths.plan, PLAN_SCHEMA);
    const have = existsSync(paths.shards) ? new Set(readdirSync(paths.shards)) : new Set<string>();
    const without: number[] = [];
    for (let t = 0; t < plan.tasks; t++) {
      const file = paths.shard(t);
      if (!have.has(basename(file))) without.push(t);
      else {
        const n = shardRowCount(file);
        rows += n;
        if (n > 0) files.push(file);
      }
    }
    lost.push({ dir, plan, tasks: without });
  }

  let added = 0;
  if (files.length > 0) {
    const types = columns.map((c) => `${sqlText(c.name)}: ${sqlText(c.type)}`).join(', ');
    // The newest row of each point in the shards, a success before an error (file names sort by submission).
    const shard = `(SELECT * FROM read_json([${files.map(sqlText).join(', ')}], format = 'newline_delimited', columns = {${types}}, filename = true)
      QUALIFY row_number() OVER (PARTITION BY key ORDER BY (status = 'ok') DESC, filename DESC) = 1)`;
    const names = columns.map((c) => sqlName(c.name)).join(', ');
    await db.query('BEGIN TRANSACTION');
    try {
      const replaced = await db.query(`DELETE FROM points WHERE status = 'error' AND key IN (SELECT key FROM ${shard} WHERE status = 'ok') RETURNING key`);
      const inserted = await db.query(`INSERT INTO points (${names}) SELECT ${names} FROM ${shard} WHERE key NOT IN (SELECT key FROM points) RETURNING key`);
      await db.query('COMMIT');
      added = inserted.rows.length;
      if (added < replaced.rows.length) throw new Error(`internal invariant broken: collect replaced ${replaced.rows.length} rows but inserted ${added}`);
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  // Tasks without a shard matter while some of their points are stored nowhere (a later submission may have run them).
  const stored = await db.keys();
  const pending = lost.map(({ dir, plan, tasks }) => ({
    dir, job: plan.job, tasks: plan.tasks,
    missing: tasks.filter((t) => !existsSync(submissionPaths(dir).task(t)) || readJson<TaskPoint[]>(submissionPaths(dir).task(t)).some((p) => !stored.has(p.key))).length,
  })).filter((p) => p.missing > 0);
  return { shards: files.length, rows, added, pending };
}

/** Opens a sweep's database with its table, checks its run directory, and collects the shards there. */
async function openAndCollect(runDir: string, dbFile: string, columns: readonly Column[]): Promise<{ db: SweepDatabase; collected: CollectSummary }> {
  checkRunInfo(runDir, columns);
  const db = await SweepDatabase.open(dbFile);
  try {
    await db.ensureTable(columns);
    return { db, collected: await collectShards(runDir, db, columns) };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** `strata sweep collect`: merges a run directory's shards into the database. */
export async function collectRun(runDir: string, dbFile: string | undefined): Promise<CollectSummary & { db: string; stored: number }> {
  const info = readJson<RunInfo>(join(runDir, 'run.json'), RUN_SCHEMA);
  const file = dbFile ?? info.db;
  const { db, collected } = await openAndCollect(runDir, file, info.columns);
  try {
    return { ...collected, db: file, stored: (await db.keys()).size };
  } finally {
    db.close();
  }
}

/** Submits the missing points of a sweep as one SLURM job array (see the module comment). */
export async function submitSweep(sweep: Sweep, options: SlurmSubmitOptions): Promise<SlurmSubmitSummary> {
  const points = sweepPoints(sweep);
  const columns = sweepColumns(sweep);
  const runDir = runDirOf(options.db);
  checkRunInfo(runDir, columns);
  // A job of an earlier submission still in the queue would compute the same points again: wait for it.
  const active = options.jobActive ?? squeueActive;
  for (const dir of submissionDirs(runDir)) {
    const plan = existsSync(submissionPaths(dir).plan) ? readJson<SubmissionPlan>(submissionPaths(dir).plan, PLAN_SCHEMA) : undefined;
    if (plan?.job !== undefined && active(plan.job)) {
      throw new StrataError(`sweep ${sweep.spec.name}: job ${plan.job} (${dir}) is still queued or running; wait for it (squeue -j ${plan.job}) or cancel it (scancel ${plan.job}), then run this again`);
    }
  }

  const { db, collected } = await openAndCollect(runDir, options.db, columns);
  let missing: SweepPoint[];
  let stored: number;
  try {
    if (options.retryFailed) await db.deleteErrors();
    // Rows of keys the sweep no longer makes (other code or specs) are removed, as a local run removes them.
    await db.deleteKeysOtherThan(new Set(points.map((p) => p.key)));
    const have = await db.keys();
    stored = points.filter((p) => have.has(p.key)).length;
    const seen = new Set<string>();
    missing = points.filter((p) => !have.has(p.key) && !seen.has(p.key) && seen.add(p.key));
  } finally {
    db.close();
  }
  if (options.limit !== undefined) missing = missing.slice(0, options.limit);
  const base = { total: points.length, stored, collected: collected.added };
  if (missing.length === 0) return { ...base, submitted: 0, tasks: 0 };

  const limit = pointTimeout(sweep, options.pointTimeoutS);
  const info: RunInfo = { schema: RUN_SCHEMA, sweep: sweep.spec.name, db: resolve(options.db), columns };
  if (!existsSync(join(runDir, 'run.json'))) writeAtomic(join(runDir, 'run.json'), `${JSON.stringify(info, null, 1)}\n`);
  const tasks = Math.min(options.arraySize ?? DEFAULT_MAX_TASKS, missing.length);
  const workers = options.workers ?? 1;
  const dir = nextSubmissionDir(runDir);
  const paths = submissionPaths(dir);
  for (const d of [paths.tasks, paths.shards, paths.logs]) mkdirSync(d, { recursive: true });
  dealPoints(missing, tasks).forEach((ps, t) => {
    const taskPoints: TaskPoint[] = ps.map((p) => {
      // The row fields a local sweep stores for the point, less what only running it tells.
      const { status: _s, error: _e, ...row } = pointRow(sweep, p, { status: 'ok', metrics: {} });
      return { key: p.key, argv: p.argv, row };
    });
    writeFileSync(paths.task(t), JSON.stringify(taskPoints));
  });
  const plan: SubmissionPlan = {
    schema: PLAN_SCHEMA, sweep: sweep.spec.name, command: sweep.spec.command, metrics: sweep.spec.metrics, cwd: process.cwd(),
    tasks, points: missing.length, workers, ...limit, ...(options.check ? { check: true } : {}),
  };
  writeAtomic(paths.plan, `${JSON.stringify(plan, null, 1)}\n`);
  writeFileSync(paths.script, sbatchScript({ name: sweep.spec.name, dir, tasks, workers, partition: options.partition, sbatchOptions: options.sbatchOptions, cwd: process.cwd(), ...limit, pointsPerTask: Math.ceil(missing.length / tasks) }), { mode: 0o755 });
  let job: string;
  try {
    job = (options.sbatch ?? sbatch)(paths.script);
  } catch (e) {
    // Nothing was submitted: no submission directory either, or collect would wait for its tasks forever.
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  writeAtomic(paths.plan, `${JSON.stringify({ ...plan, job }, null, 1)}\n`);
  return { ...base, submitted: missing.length, tasks, dir, job };
}
