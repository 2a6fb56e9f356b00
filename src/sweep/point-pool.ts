import { join } from 'node:path';
import { Piscina } from 'piscina';
import { StrataError } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { PointDealer } from './point-dealer.ts';
import type { PointOutcome, PointTask } from './run-point.ts';
import { pinSemiSpace, stopPretenuring, workerGcPolicy } from './worker-gc.ts';

/**
 * The pool of worker threads that runs a sweep's points (piscina), here or in a SLURM array task: each point's
 * outcome reported as it finishes, a worker that dies failing only its point. One point per thread is handed out at a
 * time, so a point's clock starts when a thread takes it (not while it waits in the queue), and points that share a
 * simulation go to one thread (runPointsOnPool); a point still running at its limit has its thread terminated
 * (piscina replaces it) and becomes an error row, and the sweep goes on. The limit counts the thread's start-up for
 * the first point of each thread (loading Strata: about 1-5 s).
 */

/** The module each worker thread loads (it registers tsx in a checkout, as bin/strata.mjs does). */
export const WORKER_FILE = join(PACKAGE_ROOT, 'bin', 'sweep-worker.mjs');

/** How to run points on the pool. */
export interface PointPoolOptions {
  readonly workers: number;
  /** The most seconds one point may run (none by default). */
  readonly pointTimeoutS?: number;
  /** Where the limit was set, as its error row names it (default `--point-timeout`; a sweep file's `timeLimit in FILE`). */
  readonly pointTimeoutFrom?: string;
  /** The threads' module (default WORKER_FILE; a test runs a stand-in whose points take a known time). */
  readonly workerFile?: string;
  /** Per task, what it shares with others (src/sweep/timing-share.ts): tasks with one key run on one thread. */
  readonly shareKeys?: readonly string[];
}

/**
 * The young generation of each worker thread's heap, in MiB (V8: two semi-spaces and the new large-object space, so
 * 384 is 128 MiB semi-spaces where Node 20's default is at most 16). A point builds its simulation state over its
 * whole run (up to 70 MB allocated between two collections by a gpt2-medium PIM-GPT point of the bench, a median
 * 7.8 MB of it alive at a scavenge mid-point), so with the default a scavenge finds much of the young generation
 * alive and copies it, then promotes it for a major GC to free when the point ends. With more room and a scavenge
 * when each point ends (src/sweep/worker-gc.ts), fewer scavenges find much alive. 384 rather than 192 (the value
 * before) came with that scavenge; each thread's semi-space starts at its full 128 MiB (worker-gc.ts,
 * pinSemiSpace), and the bench's peak RSS went down (fewer objects promoted). Measured on bench/sweep.ts's points:
 * see docs/sweeps.md, "Speed".
 */
export const WORKER_YOUNG_GENERATION_MB = 384;

/**
 * The young generation the pool gives its threads: WORKER_YOUNG_GENERATION_MB, or STRATA_SWEEP_YOUNG_MB where set (0:
 * V8's default), so a measurement can compare the two without an edit (bench/sweep.ts). Results never depend on it.
 */
export function workerYoungGenerationMb(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.STRATA_SWEEP_YOUNG_MB;
  if (raw === undefined || raw === '') return WORKER_YOUNG_GENERATION_MB;
  if (!/^\d+$/.test(raw) || Number(raw) > 16384) throw new StrataError(`STRATA_SWEEP_YOUNG_MB: expected MiB of young generation per worker thread, 0 (V8's default) to 16384, got '${raw}'`);
  return Number(raw);
}

/** The error of a point stopped at its limit; `from` says where the limit was set. */
export function timeoutError(seconds: number, from = '--point-timeout'): string {
  return `the point ran past its time limit of ${seconds} s (${from}) and was stopped`;
}

/**
 * Runs `tasks` on `workers` threads; `done(i, outcome)` as each finishes (in any order). Each thread is a lane with a
 * pool of its own (piscina, one thread: piscina hands a task to whichever thread is free) and runs one point at a
 * time, the one PointDealer gives it (points that share a simulation, by `shareKeys`, on one thread). One point at a
 * time per thread also starts a point's clock (its time limit) when its thread takes it.
 */
export async function runPointsOnPool(tasks: readonly PointTask[], options: PointPoolOptions, done: (i: number, outcome: PointOutcome) => void | Promise<void>): Promise<void> {
  if (tasks.length === 0) return;
  const { pointTimeoutS } = options;
  const workers = Math.max(1, Math.min(options.workers, tasks.length));
  const young = workerYoungGenerationMb();
  // Before the threads start: a heap reads its starting semi-space size when it is made.
  pinSemiSpace(workerGcPolicy(), young);
  stopPretenuring(workerGcPolicy());
  const pools = Array.from({ length: workers }, () => new Piscina<PointTask, PointOutcome>({
    filename: options.workerFile ?? WORKER_FILE, minThreads: 1, maxThreads: 1, idleTimeout: 1000,
    ...(young > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: young } } : {}),
  }));
  const dealer = new PointDealer(tasks.length, workers, options.shareKeys);
  const finished: Promise<void>[] = [];
  const run = async (pool: Piscina<PointTask, PointOutcome>, i: number): Promise<void> => {
    const signal = pointTimeoutS === undefined ? undefined : AbortSignal.timeout(pointTimeoutS * 1000);
    const outcome = await pool.run(tasks[i]!, signal ? { signal } : {}).catch((e: unknown): PointOutcome => {
      if (signal?.aborted) return { status: 'error', error: timeoutError(pointTimeoutS!, options.pointTimeoutFrom) };
      // A worker that dies (out of memory, a crash of native code) fails its point, not the sweep.
      return { status: 'error', error: `worker failed: ${e instanceof Error ? e.message : String(e)}` };
    });
    // The row is written while the thread goes on with its next point; a failed write fails the run at the end (the
    // catch only keeps Node from calling it unhandled before then).
    const written = Promise.resolve(done(i, outcome));
    written.catch(() => undefined);
    finished.push(written);
  };
  try {
    await Promise.all(pools.map(async (pool, lane) => {
      for (let i = dealer.next(lane); i !== undefined; i = dealer.next(lane)) await run(pool, i);
    }));
    await Promise.all(finished);
  } finally {
    await Promise.all(pools.map((p) => p.destroy()));
  }
}
