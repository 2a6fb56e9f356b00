// The bench sweep's PIM-GPT points (bench/sweep.ts: gpt2-medium, 16 tokens, channels x MAC lanes x prompt) run one
// after another in this one thread through the sweep worker as `strata sweep` loads it (bin/sweep-worker.mjs), with
// this thread's CPU for each point and the whole process's CPU at the end. For looking at one isolate's JIT warm-up
// with V8's flags, e.g. `node --trace-opt --trace-deopt bench/sweep-points-in-thread.mjs | grep -c 'completed compiling'`.
// Arguments: how many points (default all 64), then `reverse` to run them last to first. Linux only (per-thread CPU
// from /proc/thread-self/schedstat). The sweep worker bundle must be fresh (bench/sweep.ts builds it), else tsx runs.
//
// Per point it also prints the garbage collections during it (v8.GCProfiler: scavenges, mark-compacts and their
// main-thread ms) and the bytes it allocated on V8's heap (the used heap's growth between collections, summed); at
// the end, the totals and the CPU of the process's other threads (V8's helpers: concurrent compiles and GC; libuv).
import { readFileSync } from 'node:fs';
import { GCProfiler, getHeapStatistics } from 'node:v8';

const cpuMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
const worker = (await import('../bin/sweep-worker.mjs')).default;
const points = [];
for (const channels of [4, 8, 16, 32]) for (const lanes of [4, 8, 16, 32]) for (const prompt of [1, 8, 16, 32]) points.push({ channels, lanes, prompt });
const count = process.argv[2] ? Number(process.argv[2]) : points.length;
const order = process.argv[3] === 'reverse' ? points.reverse() : points;
const total = { ms: 0, scavenges: 0, compacts: 0, gcMs: 0, allocated: 0 };
const threadStart = cpuMs();
for (const { channels, lanes, prompt } of order.slice(0, count)) {
  const profiler = new GCProfiler();
  const used0 = getHeapStatistics().used_heap_size;
  profiler.start();
  const t = cpuMs();
  const r = await worker({
    command: 'generate', metrics: ['latency', 'energy', 'pimShare'],
    argv: ['pim', 'generate', '--system', 'pim-gpt', '--model', 'gpt2-medium', '--tokens', '16', '--prompt', String(prompt), '--set', `pim.organization.channels=${channels}`, '--set', `pim.unit.macsPerBank=${lanes}`],
  });
  const ms = cpuMs() - t;
  const used1 = getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  // Allocated: the used heap's growth from the start to each collection, and from the last collection to the end.
  let allocated = 0;
  let from = used0;
  let scavenges = 0;
  let compacts = 0;
  let gcMs = 0;
  for (const s of statistics) {
    allocated += s.beforeGC.heapStatistics.usedHeapSize - from;
    from = s.afterGC.heapStatistics.usedHeapSize;
    if (s.gcType === 'Scavenge') scavenges++;
    else if (s.gcType === 'MarkSweepCompact') compacts++;
    gcMs += s.cost / 1000;
  }
  allocated += used1 - from;
  Object.assign(total, { ms: total.ms + ms, scavenges: total.scavenges + scavenges, compacts: total.compacts + compacts, gcMs: total.gcMs + gcMs, allocated: total.allocated + allocated });
  console.log(`channels ${channels} lanes ${lanes} prompt ${prompt}: ${ms.toFixed(0)} ms CPU, ${r.status}; GC ${scavenges} scavenges + ${compacts} mark-compacts, ${gcMs.toFixed(1)} ms; ${(allocated / 2 ** 20).toFixed(1)} MiB allocated`);
}
const threadMs = cpuMs() - threadStart;
const u = process.cpuUsage();
const processMs = (u.user + u.system) / 1000;
console.log(`points ${(total.ms / 1000).toFixed(2)} s CPU of this thread; GC ${total.scavenges} scavenges + ${total.compacts} mark-compacts, ${(total.gcMs / 1000).toFixed(2)} s; ${(total.allocated / 2 ** 20).toFixed(0)} MiB allocated (${(total.allocated / 2 ** 20 / count).toFixed(1)} MiB per point)`);
console.log(`process CPU ${(processMs / 1000).toFixed(2)} s: this thread ${(cpuMs() / 1000).toFixed(2)} s (${(threadMs / 1000).toFixed(2)} s since the worker loaded), other threads ${((processMs - cpuMs()) / 1000).toFixed(2)} s (${(((processMs - cpuMs()) / processMs) * 100).toFixed(0)} %)`);
