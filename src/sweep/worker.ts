import { runPoint, type PointOutcome, type PointTask } from './run-point.ts';

/**
 * The task function of the sweep's worker threads (piscina calls the default export): one point per call. Loaded
 * through bin/sweep-worker.mjs, which registers tsx in a checkout as bin/strata.mjs does, so workers run the same
 * sources as the command line (or dist/ when installed).
 */
export default function sweepWorker(task: PointTask): Promise<PointOutcome> {
  return runPoint(task);
}
