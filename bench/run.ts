// Benchmarks (npm run bench): simulation speed in requests per second, single thread, and peak memory.
// Targets (issue #2): >= 1,000,000 requests/s on a 1 M-request HBM2 stream trace, >= 500,000 on a random one,
// peak memory under 1 GB. Each trace follows the DRAMsim3 reference traces: request i arrives at memory
// cycle i, 64 B requests, run with DRAMsim3's HBM2_8Gb_x128.ini through the DRAMsim3 front end.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importDramsim3Ini } from '../src/dram/dramsim3-ini.ts';
import { generatePattern, type Pattern } from '../src/dram/patterns.ts';
import { formatTrace, readTraceFile, type MemTrace } from '../src/dram/trace.ts';
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

/** A trace written in DRAMsim3's format, a million lines at a time (no string of the whole file). */
function writeTrace(file: string, t: MemTrace): void {
  const fd = openSync(file, 'w');
  try {
    for (let i = 0; i < t.length; i += 1_000_000) {
      const end = Math.min(t.length, i + 1_000_000);
      writeSync(fd, formatTrace({ ...t, length: end - i, addr: t.addr.subarray(i, end), isWrite: t.isWrite.subarray(i, end), cycle: t.cycle.subarray(i, end) }));
    }
  } finally {
    closeSync(fd);
  }
}

const ROOT = resolve(import.meta.dirname, '..');
/** GNU time: the CPU time (user + system) and peak RSS of a child process, which Node does not report for children. */
const GNU_TIME = '/usr/bin/time';

/** Runs `strata ARGS` (bin/strata.mjs, as a user runs it) in a child process; CPU seconds and peak RSS in MB. */
function strataProcess(args: string[], env: Record<string, string> = {}): { cpuSeconds: number; peakMB: number; stdout: string; stderr: string } {
  return nodeProcess([join(ROOT, 'bin', 'strata.mjs'), ...args], env);
}

/** Runs `node ARGS` in a child process under GNU time; CPU seconds and peak RSS in MB. */
function nodeProcess(args: string[], env: Record<string, string> = {}): { cpuSeconds: number; peakMB: number; stdout: string; stderr: string } {
  const r = spawnSync(GNU_TIME, ['-f', 'BENCH-TIME %U %S %M', process.execPath, ...args], {
    encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20,
  });
  const m = /BENCH-TIME ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`bench: node ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return { cpuSeconds: Number(m[1]) + Number(m[2]), peakMB: Number(m[3]) / 1024, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Issue #19 item 4: `strata dram --spec HBM2_8Gb_x128.ini --trace T --frontend dramsim3` as a user runs it, whole
 * process (start-up, reading the trace file, simulation, report), CPU time of the best of `repeats` runs. Target:
 * one fifth of DRAMsim3's CPU time on the same traces, which the issue measured on this machine class (stream 2.5 s,
 * random 7.3 s; DRAMsim3 itself cannot run here). The traces are the in-process .ini cases' (request i at cycle
 * i), written to files. Issue #18 item 3: a 10 M-line trace (BENCH_CLI_LINES) stays under 1 GB of peak RSS.
 */
function cliCases(): boolean[] {
  if (!existsSync(GNU_TIME)) {
    console.log(`CLI cases skipped: they read a child's CPU time and peak RSS from GNU time, and ${GNU_TIME} is missing (Debian package 'time')`);
    return [];
  }
  const ini = dramsim3Config('HBM2_8Gb_x128.ini');
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  const oks: boolean[] = [];
  try {
    strataProcess(['--version']); // builds the checkout's bundle if it is stale (bin/cli-bundle.mjs), not timed
    const best = (args: string[], env: Record<string, string> = {}) => {
      let b = { cpuSeconds: Infinity, peakMB: 0, stdout: '', stderr: '' };
      for (let i = 0; i < repeats; i++) {
        const r = strataProcess(args, env);
        if (r.cpuSeconds < b.cpuSeconds) b = r;
      }
      return b;
    };
    const bundled = best(['--version']);
    const tsx = best(['--version'], { STRATA_NO_BUNDLE: '1' });
    // The floor no command line can go below: Node starting and exiting with nothing to do.
    let nodeFloor = Infinity;
    for (let i = 0; i < repeats; i++) nodeFloor = Math.min(nodeFloor, nodeProcess(['-e', '0']).cpuSeconds);
    console.log(`${'CLI start-up, strata --version'.padEnd(34)} CPU ${bundled.cpuSeconds.toFixed(2)} s (best of ${repeats}); through tsx (STRATA_NO_BUNDLE=1) ${tsx.cpuSeconds.toFixed(2)} s; node -e 0 alone ${nodeFloor.toFixed(2)} s`);
    const dramsim3Cpu: Record<string, number> = { stream: 2.5, random: 7.3 };
    for (const pattern of ['stream', 'random'] as const) {
      const file = join(dir, `${pattern}.trace`);
      writeTrace(file, generatePattern({ pattern, requests, seed: 'bench', requestBytes: 64, capacityBytes: 2 ** 33, writeFraction: 0.3, interval: 1 }));
      // The reader alone, in this process (its share of the whole run; the regular-expression parser before it
      // took about 14 % of a random run, issue #19).
      let readSeconds = Infinity;
      for (let i = 0; i < repeats; i++) {
        const c0 = process.cpuUsage();
        readTraceFile(file);
        const c = process.cpuUsage(c0);
        readSeconds = Math.min(readSeconds, (c.user + c.system) / 1e6);
      }
      const r = best(['dram', '--spec', ini, '--trace', file, '--frontend', 'dramsim3']);
      const target = dramsim3Cpu[pattern]! / 5;
      // The target is for the issue's 1 M-request traces; other sizes (BENCH_REQUESTS) are only reported.
      const ok = requests !== 1_000_000 || r.cpuSeconds <= target;
      oks.push(ok);
      const verdict = requests === 1_000_000 ? (ok ? 'met' : 'NOT met') : 'applies to 1,000,000 requests';
      console.log(
        `${`CLI strata dram, .ini, ${pattern}`.padEnd(34)} ${requests.toLocaleString('en-US')}-line trace file, whole process CPU ${r.cpuSeconds.toFixed(2)} s (best of ${repeats}; reading the file ${readSeconds.toFixed(2)} s), peak ${r.peakMB.toFixed(0)} MB ` +
          `(target <= ${target.toFixed(2)} s, a fifth of DRAMsim3's ${dramsim3Cpu[pattern]} s: ${verdict})`,
      );
      // Where the whole process's CPU goes: one more run with `strata dram`'s phase probe (STRATA_DRAM_PHASES=1).
      const p = strataProcess(['dram', '--spec', ini, '--trace', file, '--frontend', 'dramsim3'], { STRATA_DRAM_PHASES: '1' });
      const at = Object.fromEntries([...p.stderr.matchAll(/^strata dram phase (\w+) (\d+) ms$/gm)].map((m) => [m[1]!, Number(m[2]) / 1000]));
      if (['start', 'spec', 'trace', 'simulation', 'report'].every((k) => at[k] !== undefined)) {
        const s = (x: number) => `${x.toFixed(2)} s`;
        console.log(
          `${''.padEnd(34)} one more run, CPU by phase (STRATA_DRAM_PHASES=1): start-up ${s(at.start!)}, .ini ${s(at.spec! - at.start!)}, reading ${s(at.trace! - at.spec!)}, ` +
            `simulation ${s(at.simulation! - at.trace!)}, report ${s(at.report! - at.simulation!)}, exit ${s(p.cpuSeconds - at.report!)} (whole ${s(p.cpuSeconds)})`,
        );
      }
      rmSync(file);
    }
    const lines = Number(process.env.BENCH_CLI_LINES ?? 10_000_000);
    const big = join(dir, 'stream-big.trace');
    writeTrace(big, generatePattern({ pattern: 'stream', requests: lines, seed: 'bench', requestBytes: 64, capacityBytes: 2 ** 33, interval: 1 }));
    const r = strataProcess(['dram', '--spec', ini, '--trace', big, '--frontend', 'dramsim3']);
    const ok = r.peakMB < 1024;
    oks.push(ok);
    console.log(
      `${'CLI strata dram, .ini, stream'.padEnd(34)} ${lines.toLocaleString('en-US')}-line trace file: peak resident memory ${r.peakMB.toFixed(0)} MB, CPU ${r.cpuSeconds.toFixed(1)} s ` +
        `(target < 1024 MB: ${ok ? 'met' : 'NOT met'})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return oks;
}

/** Cases to run: `npm run bench -- dram pim-gpt` runs those groups only (default: all). */
const GROUPS = ['dram', 'dram-cli', 'pim-gpt', 'neupims', 'duplex', 'serving', 'sweep'] as const;
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
if (runs('dram-cli')) results.push(...cliCases());
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
