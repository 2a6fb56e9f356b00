import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { columnType, SweepDatabase, type Column, type Row } from './database.ts';
import { metricColumns } from './metrics.ts';
import { buildPoints, keyDigests, type KeyDigests, type SweepPoint } from './point.ts';
import { sweepProgress, type ProgressMode } from './progress.ts';
import { runPointsOnPool } from './point-pool.ts';
import type { PointOutcome } from './run-point.ts';
import { samplePoints } from './sample.ts';
import type { Sweep } from './sweep-file.ts';

/**
 * Runs a sweep into its database (issue #16 item 3): samples the points, keys each by its resolved input, skips
 * the keys already stored, and runs the others in a pool of worker threads (piscina), storing each row as its
 * point finishes. The rows depend only on the points, never on the order they finish in, so a sweep gives the
 * same rows on any number of workers.
 */

export { WORKER_FILE } from './point-pool.ts';

/** How to run a sweep. */
export interface SweepRunOptions {
  /** The DuckDB file. */
  readonly db: string;
  /** Worker threads (default: the machine's cores). */
  readonly workers?: number;
  /** Run at most this many of the missing points (then stop, as a killed run would). */
  readonly limit?: number;
  readonly progress?: ProgressMode;
  /** Compute the points stored as errors again (after fixing what failed). */
  readonly retryFailed?: boolean;
  /** The most seconds one point may run; a point past it is stopped and stored as an error (default: the sweep file's timeLimit, else none). */
  readonly pointTimeoutS?: number;
  /** Run every point computed now with `--check` (PointTask.check); a point whose check fails is stored as an error. */
  readonly check?: boolean;
  /** The worker threads' module (default WORKER_FILE; a test runs a stand-in whose points take a known time). */
  readonly workerFile?: string;
  /** The digests every key includes (default: keyDigests(), the specs and code as they are; a test stands for another version with others). */
  readonly digests?: KeyDigests;
}

/** What a run did. */
export interface SweepRunSummary {
  readonly total: number;
  /** Points already in the database (computed by an earlier run). */
  readonly stored: number;
  /** Rows removed because their key is none of the sweep's: another version of Strata or of the specs computed them. */
  readonly removed: number;
  /** Points computed now, and how many of them failed. */
  readonly ran: number;
  readonly failed: number;
  readonly workers: number;
  readonly seconds: number;
}

/** The table's columns for a sweep: point, key, status, error, command, system, model, the axes, the metrics. */
export function sweepColumns(sweep: Sweep): Column[] {
  const fixed: Column[] = [
    { name: 'point', type: 'INTEGER' }, { name: 'key', type: 'VARCHAR' }, { name: 'status', type: 'VARCHAR' }, { name: 'error', type: 'VARCHAR' },
    { name: 'command', type: 'VARCHAR' }, { name: 'system', type: 'VARCHAR' }, { name: 'model', type: 'VARCHAR' },
  ];
  const axes = sweep.axes.filter((a) => a.name !== 'system' && a.name !== 'model').map((a) => ({ name: a.name, type: columnType(a.values) }));
  return [...fixed, ...axes, ...metricColumns(sweep.spec.metrics).map((m) => ({ name: m.column, type: 'DOUBLE' as const }))];
}

/**
 * The time limit per point of a run and where it was set: `flagS` (`--point-timeout`) when given, else the sweep
 * file's `timeLimit`, else none.
 */
export function pointTimeout(sweep: Sweep, flagS: number | undefined): { pointTimeoutS?: number; pointTimeoutFrom?: string } {
  if (flagS !== undefined) return { pointTimeoutS: flagS, pointTimeoutFrom: '--point-timeout' };
  if (sweep.pointTimeoutS !== undefined) return { pointTimeoutS: sweep.pointTimeoutS, pointTimeoutFrom: `timeLimit in ${sweep.file}` };
  return {};
}

/** The row of a finished point. */
export function pointRow(sweep: Sweep, p: SweepPoint, outcome: PointOutcome): Row {
  return {
    point: p.index, key: p.key, status: outcome.status, error: outcome.status === 'error' ? outcome.error : null,
    command: sweep.spec.command, system: p.system, model: p.model, ...p.values,
    ...(outcome.status === 'ok' ? outcome.metrics : {}),
  };
}

/**
 * The points of a sweep with their keys (sampling and hashing only; nothing runs). `digests` defaults to those of
 * the shipped specs and of Strata's code as they are now (a test passes others to stand for another version).
 */
export function sweepPoints(sweep: Sweep, digests: KeyDigests = keyDigests()): SweepPoint[] {
  return buildPoints(sweep, samplePoints(sweep), digests);
}

/** Runs the missing points of a sweep into its database. */
export async function runSweep(sweep: Sweep, options: SweepRunOptions): Promise<SweepRunSummary> {
  const start = performance.now();
  const points = sweepPoints(sweep, options.digests);
  const columns = sweepColumns(sweep);
  const db = await SweepDatabase.open(options.db);
  try {
    await db.ensureTable(columns);
    if (options.retryFailed) await db.deleteErrors();
    // A row whose key the sweep no longer makes was computed by other code or specs: it is never reused, nor kept
    // beside the row that replaces it.
    const removed = await db.deleteKeysOtherThan(new Set(points.map((p) => p.key)));
    const have = await db.keys();
    // A key twice in one sweep (random sampling may draw a point again) runs once.
    const seen = new Set<string>();
    const missing = points.filter((p) => !have.has(p.key) && !seen.has(p.key) && seen.add(p.key));
    const todo = options.limit !== undefined ? missing.slice(0, options.limit) : missing;
    const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), todo.length || 1));
    const progress = sweepProgress(options.progress ?? 'none', todo.length);
    let failed = 0;
    let done = 0;
    if (todo.length > 0) {
      // Inserts go one after another on the one connection; each lands as soon as its point finishes.
      let writes: Promise<void> = Promise.resolve();
      try {
        progress.tick(0);
        await runPointsOnPool(todo.map((p) => ({ command: sweep.spec.command, argv: p.argv, metrics: sweep.spec.metrics, check: options.check === true })), { workers, ...pointTimeout(sweep, options.pointTimeoutS), workerFile: options.workerFile, shareKeys: todo.map((p) => p.shareKey) }, (i, outcome) => {
          if (outcome.status === 'error') failed++;
          writes = writes.then(() => db.insert(columns, pointRow(sweep, todo[i]!, outcome)));
          return writes.then(() => progress.tick(++done));
        });
        await writes;
      } finally {
        progress.end();
      }
    }
    return { total: points.length, stored: points.filter((p) => have.has(p.key)).length, removed, ran: todo.length, failed, workers, seconds: (performance.now() - start) / 1000 };
  } finally {
    db.close();
  }
}
