// The sweep bench's worker module (bench/sweep.ts): the sweep worker as `strata sweep` loads it (bin/sweep-worker.mjs:
// the esbuild bundle while it is fresh), wrapped to record, per thread, the CPU it spent starting (Node's worker
// bootstrap and loading Strata) and in each point, and its PIM-GPT timing-cache counters. Each thread appends one
// JSON line per event to the file named by STRATA_BENCH_SWEEP_PROBE (synchronously, so a line is never lost when the
// pool ends). CPU is the thread's own run time from /proc/thread-self/schedstat (Linux; ns), which counts neither
// V8's helper threads nor time spent waiting for a core.
import { appendFileSync, readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

const log = process.env.STRATA_BENCH_SWEEP_PROBE;
/** This thread's CPU so far, in ms (its whole life, start-up included). */
const cpuMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
const write = (o) => appendFileSync(log, `${JSON.stringify({ thread: threadId, ...o })}\n`);

const worker = (await import('../bin/sweep-worker.mjs')).default;
write({ startedMs: cpuMs() });

export default async function probedSweepWorker(task) {
  const before = cpuMs();
  const outcome = await worker(task);
  const after = cpuMs();
  write({ pointMs: after - before, threadMs: after, counters: worker.counters?.() ?? null });
  return outcome;
}
