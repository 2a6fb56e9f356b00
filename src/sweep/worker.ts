import { pimGptTimingRuns } from '../systems/pim-gpt/pim-gpt.ts';
import { runPoint, type PointOutcome, type PointTask } from './run-point.ts';
import { scavengeAfterPoint, workerGcPolicy } from './worker-gc.ts';

/** This thread's GC policy (src/sweep/worker-gc.ts), read once when the thread loads. */
const policy = workerGcPolicy();

/**
 * The task function of the sweep's worker threads (piscina calls the default export): one point per call. Loaded
 * through bin/sweep-worker.mjs, which registers tsx in a checkout as bin/strata.mjs does, so workers run the same
 * sources as the command line (or dist/ when installed). After each point, a scavenge of the thread's young
 * generation, which then holds only the finished point's garbage (src/sweep/worker-gc.ts says why).
 */
export default async function sweepWorker(task: PointTask): Promise<PointOutcome> {
  const outcome = await runPoint(task);
  scavengeAfterPoint(policy);
  return outcome;
}

/** What a worker thread's process-wide caches did so far: PIM-GPT generations simulated and taken from its timing cache. */
export interface WorkerCounters {
  readonly pimGptTimings: { readonly simulated: number; readonly reused: number };
}

/**
 * This thread's counters, as a property of the task function: bin/sweep-worker.mjs hands on the function itself, so a
 * wrapper (bench/sweep-probe-worker.mjs) reads them without a second module instance of the simulator.
 */
sweepWorker.counters = (): WorkerCounters => ({ pimGptTimings: pimGptTimingRuns() });
