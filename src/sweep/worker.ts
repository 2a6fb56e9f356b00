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
