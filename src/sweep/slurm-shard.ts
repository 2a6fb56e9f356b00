import { existsSync } from 'node:fs';
import { StrataError } from '../spec/errors.ts';
import type { Row } from './database.ts';
import { systemPresetFile } from '../cli/set-flag.ts';
import { fileFamily } from '../systems/presets.ts';
import { runPointsOnPool } from './point-pool.ts';
import type { PointOutcome } from './run-point.ts';
import { PLAN_SCHEMA, readJson, submissionPaths, writeAtomic, type SubmissionPlan, type TaskPoint } from './slurm-layout.ts';
import { timingShareKey } from './timing-share.ts';

/**
 * One array task of a SLURM sweep (issue #16 item 6): runs the points of its task file on a pool of worker threads
 * (the same pool, worker module and point runner as a local sweep, so a point gives the same row either way) and
 * writes their rows to its own shard file. The shard is rewritten whole (temporary file, then rename) every
 * CHECKPOINT_MS and at the end, so a task killed by its time limit keeps the points it finished before the last
 * checkpoint; collect takes them, and the next submission runs only what is still missing.
 */

/** How often a running task saves the rows it has so far: once a minute costs a rename, not a rerun of an hour. */
export const CHECKPOINT_MS = 60_000;

/** What a task did. */
export interface ShardSummary {
  readonly points: number;
  readonly failed: number;
  readonly file: string;
  readonly bytes: number;
  readonly seconds: number;
  /** The task process's peak resident memory (all its threads), to size a cluster's memory per task. */
  readonly peakRssBytes: number;
  /** CPU seconds of the task process (user + system, all threads, start-up included): unlike wall time, not stretched by other jobs on the node. */
  readonly cpuSeconds: number;
}

/** The row of a point once it ran (the same fields as a local sweep's `pointRow`). */
export function shardRow(base: Row, outcome: PointOutcome): Row {
  return { ...base, status: outcome.status, error: outcome.status === 'error' ? outcome.error : null, ...(outcome.status === 'ok' ? outcome.metrics : {}) };
}

/** Runs task `task` of the submission in `dir` on `workers` threads and writes its shard. */
export async function runShard(dir: string, task: number, workers = 1): Promise<ShardSummary> {
  const start = performance.now();
  const paths = submissionPaths(dir);
  const plan = readJson<SubmissionPlan>(paths.plan, PLAN_SCHEMA);
  if (!Number.isInteger(task) || task < 0 || task >= plan.tasks) throw new StrataError(`sweep shard: --task ${task}: expected 0 to ${plan.tasks - 1} (${paths.plan} has ${plan.tasks} tasks)`);
  if (!existsSync(paths.task(task))) throw new StrataError(`sweep shard: ${paths.task(task)}: no such file (the submission's task files are missing)`);
  const points = readJson<TaskPoint[]>(paths.task(task));
  const file = paths.shard(task);
  // Rows in the order of the task file, whatever order the points finish in: the shard of a task is reproducible.
  const rows: Array<Row | undefined> = points.map(() => undefined);
  let bytes = 0;
  const save = () => {
    const text = rows.filter((r) => r !== undefined).map((r) => `${JSON.stringify(r)}\n`).join('');
    writeAtomic(file, text);
    bytes = Buffer.byteLength(text);
  };
  let failed = 0;
  let saved = performance.now();
  // Points of one design run on one thread, as in a local sweep (src/sweep/timing-share.ts).
  const families = new Map<string, string | undefined>();
  const familyOf = (system: string) => {
    if (!families.has(system)) {
      const file = systemPresetFile(system);
      families.set(system, file ? fileFamily(file) : undefined);
    }
    return families.get(system);
  };
  const shareKeys = points.map((p) => timingShareKey(p.argv, familyOf(String(p.row.system))));
  await runPointsOnPool(points.map((p) => ({ command: plan.command, argv: p.argv, metrics: plan.metrics, check: plan.check === true })), { workers, pointTimeoutS: plan.pointTimeoutS, pointTimeoutFrom: plan.pointTimeoutFrom, shareKeys }, (i, outcome) => {
    if (outcome.status === 'error') failed++;
    rows[i] = shardRow(points[i]!.row, outcome);
    if (performance.now() - saved >= CHECKPOINT_MS) {
      save();
      saved = performance.now();
    }
  });
  save();
  const usage = process.resourceUsage();
  return { points: points.length, failed, file, bytes, seconds: (performance.now() - start) / 1000, peakRssBytes: usage.maxRSS * 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 };
}
