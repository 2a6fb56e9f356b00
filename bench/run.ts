// Benchmarks (npm run bench): simulation speed in requests per second, single thread, and peak memory.
// Targets (issue #2): >= 1,000,000 requests/s on a 1 M-request HBM2 stream trace, >= 500,000 on a random one,
// peak memory under 1 GB. Each trace follows the DRAMsim3 reference traces: request i arrives at memory
// cycle i, 64 B requests, run with DRAMsim3's HBM2_8Gb_x128.ini through the DRAMsim3 front end.
import { importDramsim3Ini } from '../src/dram/dramsim3-ini.ts';
import { generatePattern, type Pattern } from '../src/dram/patterns.ts';
import { runDram } from '../src/dram/run.ts';
import { loadStandard } from '../src/dram/standard.ts';
import { dramReport } from '../src/report/dram-report.ts';
import { dramsim3Config } from '../src/validation/dramsim3.ts';
import { loadModel } from '../src/compiler/model.ts';
import { loadPimGptSystem, pimGptGenerate } from '../src/systems/pim-gpt/pim-gpt.ts';
import { generateRequests } from '../src/compiler/requests.ts';
import { loadStepCostModel } from '../src/systems/registry.ts';
import { simulateServing } from '../src/serving/serving-loop.ts';
import { neupimsDecode } from '../src/systems/neupims/neupims-decode.ts';
import { loadNeuPimsSystem } from '../src/systems/neupims/neupims-system.ts';
import { decodeSnapshot } from '../src/validation/neupims.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchSweep } from './sweep.ts';

const requests = Number(process.env.BENCH_REQUESTS ?? 1_000_000);
/** Each case runs this many times and the fastest run counts (the first run also warms up the JIT). */
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const targets: Record<string, number> = { stream: 1_000_000, random: 500_000 };

function bench(label: string, pattern: Pattern, useIni: boolean): boolean {
  const standard = useIni ? importDramsim3Ini(dramsim3Config('HBM2_8Gb_x128.ini')).standard : loadStandard('hbm2');
  const trace = generatePattern({ pattern, requests, seed: 'bench', requestBytes: 64, capacityBytes: 2 ** 33, writeFraction: 0.3, interval: useIni ? 1 : 0 });
  let seconds = Infinity;
  let cpuSeconds = Infinity;
  let result: ReturnType<typeof runDram> | undefined;
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    result = runDram({ standard, trace, frontend: useIni ? 'dramsim3' : 'in-order' });
    const c = process.cpuUsage(c0);
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t0) / 1e9);
    cpuSeconds = Math.min(cpuSeconds, (c.user + c.system) / 1e6);
  }
  const rep = dramReport(result!);
  const rate = requests / seconds;
  const target = targets[pattern]!;
  const ok = rate >= target;
  console.log(
    `${label.padEnd(34)} ${requests.toLocaleString('en-US')} requests in ${seconds.toFixed(2)} s (best of ${repeats}; CPU ${cpuSeconds.toFixed(2)} s) = ${Math.round(rate).toLocaleString('en-US').padStart(10)} requests/s ` +
      `(target ${target.toLocaleString('en-US')}: ${ok ? 'met' : 'NOT met'}); ${rep.window.cycles.toLocaleString('en-US')} cycles, ${rep.bandwidth.achievedGBps} GB/s`,
  );
  return ok;
}

/** Cases to run: `npm run bench -- dram pim-gpt` runs those groups only (default: all). */
const GROUPS = ['dram', 'pim-gpt', 'neupims', 'duplex', 'serving', 'sweep'] as const;
const picked = process.argv.slice(2);
for (const g of picked) {
  if (!(GROUPS as readonly string[]).includes(g)) {
    console.error(`bench: unknown group '${g}' (known: ${GROUPS.join(', ')})`);
    process.exit(2);
  }
}
const runs = (g: (typeof GROUPS)[number]): boolean => picked.length === 0 || picked.includes(g);

const results: boolean[] = [];
let memOk = true;
if (runs('dram')) {
  results.push(
    bench('HBM2 .ini, stream, 1 req/cycle', 'stream', true),
    bench('HBM2 .ini, random 30 % writes', 'random', true),
    bench('hbm2 preset, stream, saturating', 'stream', false),
    bench('hbm2 preset, random, saturating', 'random', false),
  );
  // The memory target is the DRAM runs' (1 M requests); measured before the system cases, which keep their own
  // memoisation tables alive.
  const dramMB = process.resourceUsage().maxRSS / 1024;
  memOk = dramMB < 1024;
  console.log(`peak resident memory of the DRAM cases ${dramMB.toFixed(0)} MB (target < 1024 MB for 1 M requests: ${memOk ? 'met' : 'NOT met'})`);
}
// Issue #4: GPT2-XL, one prompt token then 1023 generated (its 1024 learned positions), on PIM-GPT with every
// distinct channel-program segment simulated command by command (src/pim/program-memo.ts); target under 2 minutes.
if (runs('pim-gpt')) {
  const t0 = process.hrtime.bigint();
  const g = pimGptGenerate(loadPimGptSystem(), loadModel('gpt2-xl'), 1, 1023);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const ok = seconds < 120;
  results.push(ok);
  console.log(
    `${'PIM-GPT, GPT2-XL, 1024 tokens'.padEnd(34)} ${seconds.toFixed(2)} s (target < 120 s: ${ok ? 'met' : 'NOT met'}); ` +
      `${g.simulatedGemvs.toLocaleString('en-US')} channel-program segments simulated, ${g.reusedGemvs.toLocaleString('en-US')} reused; mean ${(g.meanTokenPs / 1e6).toFixed(1)} us/token`,
  );
}

// Issue #5: one decode iteration of GPT-3 175B at batch 256 (ShareGPT-like contexts) on NeuPIMs with sub-batch
// interleaving, every distinct attention program simulated command by command; target under 60 s.
if (runs('neupims')) {
  const model = loadModel('gpt3-175b');
  const t0 = process.hrtime.bigint();
  const r = neupimsDecode(loadNeuPimsSystem('neupims'), model, decodeSnapshot(model, 'sharegpt-like', 256), { subBatch: 'on' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const ok = seconds < 60;
  results.push(ok);
  console.log(
    `${'NeuPIMs, GPT-3 175B, batch 256'.padEnd(34)} ${seconds.toFixed(2)} s (target < 60 s: ${ok ? 'met' : 'NOT met'}); ` +
      `${r.simulated.toLocaleString('en-US')} channel programs simulated, ${r.reused.toLocaleString('en-US')} reused; ${(r.timePs / 1e9).toFixed(2)} ms per iteration`,
  );
}

// Issue #6: Mixtral 8x7B served on Duplex (2 devices), 256 requests of 1024 prompt + 1024 output tokens, Poisson
// 8 requests/s, continuous batching up to 128; every step costed (src/systems/duplex/duplex-step-cost.ts); target under 2 minutes.
if (runs('duplex')) {
  const t0 = process.hrtime.bigint();
  const model = loadModel('mixtral-8x7b');
  const set = generateRequests({ count: 256, lengths: { kind: 'fixed', inputTokens: 1024, outputTokens: 1024 }, seed: '0', arrivals: { kind: 'poisson', qps: 8 } });
  const costModel = loadStepCostModel('duplex', model, { seed: '0' });
  const r = simulateServing({ requests: set.requests, model, costModel, maxBatch: 128, prefill: 'whole', label: 'bench' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const ok = seconds < 120;
  results.push(ok);
  console.log(
    `${'Duplex serving, Mixtral, 256 req.'.padEnd(34)} ${seconds.toFixed(2)} s (target < 120 s: ${ok ? 'met' : 'NOT met'}); ` +
      `${r.steps.length.toLocaleString('en-US')} steps over ${((r.steps[r.steps.length - 1]!.startPs + r.steps[r.steps.length - 1]!.timePs) / 1e12).toFixed(1)} s simulated`,
  );
}

// Issue #18: `strata serve` with 1,000,000 requests (the most --count allows) in bounded memory: per-request
// state in typed-array columns, records streamed to CSV (docs/limits.md, "Serving"). Measured in a child process
// (bench/serve-rss.ts) so the other cases' memory does not count; target under 1 GB peak resident memory.
if (runs('serving')) {
  const count = process.env.BENCH_SERVE_COUNT ?? '1000000';
  const out = mkdtempSync(join(tmpdir(), 'strata-bench-serve-'));
  const args = ['serve', '--model', 'llama3-8b', '--system', 'gpu-a100-80gb', '--requests', 'sharegpt', '--count', count, '--qps', '1000', '--quiet', '--out', out];
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./serve-rss.ts', import.meta.url)), ...args.slice(1)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  rmSync(out, { recursive: true, force: true });
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{')) {
    console.log(`serving bench failed (exit ${child.status}): ${child.stderr.trim().split('\n').pop()}`);
    results.push(false);
  } else {
    const m = JSON.parse(last) as { maxRssMB: number; cpuS: number; wallS: number };
    const ok = m.maxRssMB < 1024;
    results.push(ok);
    console.log(
      `${`serve, ${Number(count).toLocaleString('en-US')} requests`.padEnd(34)} peak resident memory ${m.maxRssMB} MB (target < 1024 MB: ${ok ? 'met' : 'NOT met'}); ` +
        `${m.wallS.toFixed(1)} s, CPU ${m.cpuS.toFixed(1)} s (strata ${args.slice(0, -1).join(' ')} DIR)`,
    );
  }
}

// Issue #16 (Speed): a 64-point PIM-GPT sweep on 1 and 2 workers, and a rerun of the finished sweep (bench/sweep.ts).
if (runs('sweep')) results.push(await benchSweep());

console.log(`peak resident memory of the whole bench ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
process.exitCode = results.every(Boolean) && memOk ? 0 : 1;
