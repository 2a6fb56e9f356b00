import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import type { Column, Row } from './database.ts';
import type { MetricName, SweepCommand } from './sweep-file.ts';

/**
 * The files of a sweep run on a SLURM cluster (issue #16 item 6), all in one run directory next to the sweep's
 * DuckDB file (`out/sweeps/NAME.duckdb` -> `out/sweeps/NAME.slurm/`), which must sit on a file system every
 * compute node sees:
 *
 *   NAME.slurm/run.json                  the sweep's name, its database and the table's columns
 *   NAME.slurm/submit-001/plan.json      one submission: its job id, the command, metrics, tasks and points
 *   NAME.slurm/submit-001/job.sbatch     the job-array script given to sbatch
 *   NAME.slurm/submit-001/tasks/00007.json   the points array task 7 runs (keys, command lines, row fields)
 *   NAME.slurm/submit-001/shards/00007.jsonl the rows task 7 computed, one JSON object a line
 *   NAME.slurm/submit-001/logs/JOB_7.out     what task 7 printed
 *
 * Tasks write only their own shard file, never the database (DuckDB takes one writing process); `strata sweep
 * collect` merges the shards into it. A shard is written whole to a temporary name and renamed, so a reader sees a
 * complete file or none, even when the task is killed mid-write.
 */

/** Schema tags of the JSON files, so a file of another kind or version is refused by name. */
export const RUN_SCHEMA = 'strata.sweep-slurm-run/1';
export const PLAN_SCHEMA = 'strata.sweep-slurm-plan/1';

/** run.json: what every submission of the run shares. */
export interface RunInfo {
  readonly schema: typeof RUN_SCHEMA;
  readonly sweep: string;
  /** The DuckDB file (absolute). */
  readonly db: string;
  readonly columns: readonly Column[];
}

/** plan.json: one submission of the missing points. */
export interface SubmissionPlan {
  readonly schema: typeof PLAN_SCHEMA;
  readonly sweep: string;
  readonly command: SweepCommand;
  readonly metrics: readonly MetricName[];
  /** The directory points run in (the submitting shell's), so relative paths in their command lines resolve. */
  readonly cwd: string;
  readonly tasks: number;
  readonly points: number;
  /** Worker threads per task (the script asks SLURM for as many CPUs). */
  readonly workers: number;
  /** The most seconds one point may run (--point-timeout, or the sweep file's timeLimit); the script's --time is derived from it. */
  readonly pointTimeoutS?: number;
  /** Where that limit was set, as a stopped point's error names it (absent in plans written before: `--point-timeout`). */
  readonly pointTimeoutFrom?: string;
  /** Each point runs with `--check` (`strata sweep --check --executor slurm`); absent: false. */
  readonly check?: boolean;
  /** SLURM's job id, once sbatch accepted the script. */
  readonly job?: string;
}

/** One point of a task: its key, command line and the row fields known before it runs. */
export interface TaskPoint {
  readonly key: string;
  readonly argv: readonly string[];
  /** point, key, command, system, model and the axis values; the run adds status, error and the metrics. */
  readonly row: Row;
}

/** The run directory of a database: its path with `.duckdb` swapped for `.slurm`. */
export function runDirOf(db: string): string {
  const abs = resolve(db);
  return join(dirname(abs), `${basename(abs).replace(/\.duckdb$/, '')}.slurm`);
}

/** A task's number as its file names write it (5 digits: SLURM's default MaxArraySize is 1001). */
export const taskName = (task: number) => String(task).padStart(5, '0');

/** The paths of one submission. */
export function submissionPaths(dir: string) {
  return {
    plan: join(dir, 'plan.json'),
    script: join(dir, 'job.sbatch'),
    tasks: join(dir, 'tasks'),
    shards: join(dir, 'shards'),
    logs: join(dir, 'logs'),
    task: (t: number) => join(dir, 'tasks', `${taskName(t)}.json`),
    shard: (t: number) => join(dir, 'shards', `${taskName(t)}.jsonl`),
  };
}

/** Writes a file whole: to a temporary name in the same directory, then renamed over the target (atomic on POSIX). */
export function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Reads a JSON file this module wrote; a missing or unreadable one is one line naming it. */
export function readJson<T>(file: string, schema?: string): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);
    throw new StrataError(`${file}: cannot read (${reason})`);
  }
  if (schema !== undefined && (value as { schema?: unknown } | null)?.schema !== schema) {
    throw new StrataError(`${file}: expected a file with "schema": "${schema}" (written by strata sweep --executor slurm)`);
  }
  return value as T;
}

/** The submission directories of a run, oldest first (submit-001, submit-002, ...). */
export function submissionDirs(runDir: string): string[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir).filter((n) => /^submit-\d+$/.test(n)).sort().map((n) => join(runDir, n));
}

/** The directory of the next submission. */
export function nextSubmissionDir(runDir: string): string {
  const last = submissionDirs(runDir).map((d) => Number(basename(d).slice('submit-'.length))).reduce((a, b) => Math.max(a, b), 0);
  return join(runDir, `submit-${String(last + 1).padStart(3, '0')}`);
}

/** The run's run.json, checked against the columns this sweep writes (a run directory holds one design's rows). */
export function checkRunInfo(runDir: string, columns: readonly Column[]): RunInfo | undefined {
  const file = join(runDir, 'run.json');
  if (!existsSync(file)) return undefined;
  const info = readJson<RunInfo>(file, RUN_SCHEMA);
  const text = (cs: readonly Column[]) => cs.map((c) => `${c.name} ${c.type}`).join(', ');
  if (text(info.columns) !== text(columns)) {
    throw new StrataError(`${file}: its shards have columns (${text(info.columns)}); this sweep writes (${text(columns)}): remove ${runDir} or give another --db`);
  }
  return info;
}
