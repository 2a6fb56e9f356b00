// The bench sweep's PIM-GPT points (bench/sweep.ts: gpt2-medium, 16 tokens, channels x MAC lanes x prompt) run one
// after another in this one thread through the sweep worker as `strata sweep` loads it (bin/sweep-worker.mjs), with
// this thread's CPU for each point and the whole process's CPU at the end. For looking at one isolate's JIT warm-up
// with V8's flags, e.g. `node --trace-opt --trace-deopt bench/sweep-points-in-thread.mjs | grep -c 'completed compiling'`.
// Arguments: how many points (default all 64), then `reverse` to run them last to first. Linux only (per-thread CPU
// from /proc/thread-self/schedstat). The sweep worker bundle must be fresh (bench/sweep.ts builds it), else tsx runs.
import { readFileSync } from 'node:fs';

const cpuMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
const worker = (await import('../bin/sweep-worker.mjs')).default;
const points = [];
for (const channels of [4, 8, 16, 32]) for (const lanes of [4, 8, 16, 32]) for (const prompt of [1, 8, 16, 32]) points.push({ channels, lanes, prompt });
const count = process.argv[2] ? Number(process.argv[2]) : points.length;
const order = process.argv[3] === 'reverse' ? points.reverse() : points;
for (const { channels, lanes, prompt } of order.slice(0, count)) {
  const t = cpuMs();
  const r = await worker({
    command: 'generate', metrics: ['latency', 'energy', 'pimShare'],
    argv: ['pim', 'generate', '--system', 'pim-gpt', '--model', 'gpt2-medium', '--tokens', '16', '--prompt', String(prompt), '--set', `pim.organization.channels=${channels}`, '--set', `pim.unit.macsPerBank=${lanes}`],
  });
  console.log(`channels ${channels} lanes ${lanes} prompt ${prompt}: ${(cpuMs() - t).toFixed(0)} ms CPU, ${r.status}`);
}
const u = process.cpuUsage();
console.log(`process CPU ${((u.user + u.system) / 1e6).toFixed(2)} s`);
