// Speed comparison of two checkouts of Strata on the DRAM bench traces:
//   npx tsx bench/compare.ts <checkout A> <checkout B> [stream|random|preset-stream|preset-random|cli-stream|cli-random|cli-version] [requests] [rounds]
// stream and random are the bench's DRAMsim3 .ini cases (one request per cycle, DRAMsim3 front end); the preset-
// cases are its saturating hbm2-preset ones (every request ready at cycle 0, in-order front end). The cli- cases run
// each checkout's command line as a user does, whole process (`node <checkout>/bin/strata.mjs dram --spec
// HBM2_8Gb_x128.ini --trace FILE --frontend dramsim3`, the .ini case's trace written to a file; `--version` for
// start-up), one process per checkout and round, CPU time and peak RSS from GNU time (/usr/bin/time).
//
// Each round runs A and B in fresh child processes, one after the other (the order alternates between rounds), and
// each child reports the best CPU time of `runsPerChild` runs. A machine whose speed drifts (shared cores: 20-40 %
// between runs here) slows both alike; the minimum over rounds of each is reported, with B's time as a fraction of
// A's. Separate processes matter: two checkouts loaded into one process measured the second one about 15 % faster
// whichever it was. Both checkouts need their own node_modules (a symlink to this one's will do).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CASES = ['stream', 'random', 'preset-stream', 'preset-random', 'cli-stream', 'cli-random', 'cli-version'];
const runsPerChild = 3;

function fail(msg: string): never {
  console.error(`bench/compare: ${msg}`);
  process.exit(2);
}

/** Child mode: simulate the case `runs` times in checkout `dir` and print the best CPU time and the cycle count. */
async function child(dir: string, kase: string, requests: number, runs: number): Promise<void> {
  const root = resolve(dir);
  const { importDramsim3Ini } = await import(join(root, 'src/dram/dramsim3-ini.ts'));
  const { generatePattern } = await import(join(root, 'src/dram/patterns.ts'));
  const { runDram } = await import(join(root, 'src/dram/run.ts'));
  // Checkouts from before the .ini left test/fixtures (it lives in ../shared/reference) have no dramsim3Config.
  const validation = await import(join(root, 'src/validation/dramsim3.ts'));
  const ini: string = validation.dramsim3Config ? validation.dramsim3Config('HBM2_8Gb_x128.ini') : join(validation.DRAMSIM3_FIXTURES, 'HBM2_8Gb_x128.ini');
  const { loadStandard } = await import(join(root, 'src/dram/standard.ts'));
  const preset = kase.startsWith('preset-');
  const standard = preset ? loadStandard('hbm2') : importDramsim3Ini(ini).standard;
  const trace = generatePattern({ pattern: kase.replace('preset-', ''), requests, seed: 'bench', requestBytes: 64, capacityBytes: 2 ** 33, writeFraction: 0.3, interval: preset ? 0 : 1 });
  let best = Infinity;
  let cycles = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const r = runDram({ standard, trace, frontend: preset ? 'in-order' : 'dramsim3', bankWindow: false });
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1e6);
    cycles = r.cycles;
  }
  console.log(JSON.stringify({ seconds: best, cycles }));
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(args[1]!, args[2]!, Number(args[3]), Number(args[4]));
} else {
  const [dirA, dirB, kase = 'random', requestsArg = '1000000', roundsArg = '3'] = args;
  if (!dirA || !dirB) fail('usage: npx tsx bench/compare.ts <checkout A> <checkout B> [stream|random|preset-stream|preset-random] [requests] [rounds]');
  for (const d of [dirA, dirB]) if (!existsSync(join(d, 'src/dram/run.ts'))) fail(`'${d}' is not a Strata checkout (no src/dram/run.ts)`);
  if (!CASES.includes(kase)) fail(`case: expected one of ${CASES.join(', ')}, got '${kase}'`);
  const requests = Number(requestsArg);
  const rounds = Number(roundsArg);
  if (!Number.isInteger(requests) || requests <= 0) fail(`requests: expected a positive integer, got '${requestsArg}'`);
  if (!Number.isInteger(rounds) || rounds <= 0) fail(`rounds: expected a positive integer, got '${roundsArg}'`);

  const self = fileURLToPath(import.meta.url);
  const cli = kase.startsWith('cli-');
  let traceDir: string | undefined;
  let cliArgs: string[] = ['--version'];
  if (cli && kase !== 'cli-version') {
    // The trace file is this checkout's .ini case trace; both checkouts read the same file.
    const { generatePattern } = await import('../src/dram/patterns.ts');
    const { formatTrace } = await import('../src/dram/trace.ts');
    const { dramsim3Config } = await import('../src/validation/dramsim3.ts');
    traceDir = mkdtempSync(join(tmpdir(), 'strata-compare-'));
    const file = join(traceDir, `${kase}.trace`);
    writeFileSync(file, formatTrace(generatePattern({ pattern: kase === 'cli-stream' ? 'stream' : 'random', requests, seed: 'bench', requestBytes: 64, capacityBytes: 2 ** 33, writeFraction: 0.3, interval: 1 })));
    cliArgs = ['dram', '--spec', dramsim3Config('HBM2_8Gb_x128.ini'), '--trace', file, '--frontend', 'dramsim3'];
  }
  const peakMB = [0, 0];
  const outputs: string[] = ['', ''];
  const measure = (dir: string): { seconds: number; cycles: number } => {
    if (cli) {
      const r = spawnSync('/usr/bin/time', ['-f', 'COMPARE-TIME %U %S %M', process.execPath, join(dir, 'bin', 'strata.mjs'), ...cliArgs], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const m = /COMPARE-TIME ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr ?? '');
      if (r.status !== 0 || !m) fail(`strata in '${dir}' failed (exit ${r.status}; the cli- cases need GNU time at /usr/bin/time):\n${r.stderr}`);
      const k = dir === dirA ? 0 : 1;
      peakMB[k] = Math.max(peakMB[k]!, Number(m[3]) / 1024);
      outputs[k] = r.stdout.replace(/^(Strata DRAM run .*?), \S+, front end/m, '$1, TRACE, front end');
      return { seconds: Number(m[1]) + Number(m[2]), cycles: Number(/window\s+([\d,]+) cycles/.exec(r.stdout)?.[1]?.replaceAll(',', '') ?? 0) };
    }
    const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', dir, kase, String(requests), String(runsPerChild)], { encoding: 'utf8' });
    if (r.status !== 0) fail(`the run in '${dir}' failed (exit ${r.status}):\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; cycles: number };
  };
  if (cli) {
    // Not timed: a checkout that bundles its command line (bin/cli-bundle.mjs) builds it on the first run.
    measure(dirA);
    measure(dirB);
  }
  const dirs = [dirA, dirB];
  const best = [Infinity, Infinity];
  const cycles = [0, 0];
  for (let i = 0; i < rounds; i++) {
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const r = measure(dirs[k]!);
      best[k] = Math.min(best[k]!, r.seconds);
      cycles[k] = r.cycles;
    }
  }
  if (traceDir) rmSync(traceDir, { recursive: true, force: true });
  const rate = (s: number): string => Math.round(requests / s).toLocaleString('en-US');
  if (cli) {
    console.log(`${kase}${kase === 'cli-version' ? '' : `, ${requests.toLocaleString('en-US')}-line trace file`}, min of ${rounds} alternating rounds of one process each (CPU time of the whole process)`);
    console.log(`  A ${dirA}: ${best[0]!.toFixed(3)} s, peak ${peakMB[0]!.toFixed(0)} MB`);
    console.log(`  B ${dirB}: ${best[1]!.toFixed(3)} s, peak ${peakMB[1]!.toFixed(0)} MB`);
    console.log(`  B / A = ${(best[1]! / best[0]!).toFixed(3)}; outputs ${outputs[0] === outputs[1] ? 'identical' : 'DIFFER'}`);
  } else {
    console.log(`${kase}, ${requests.toLocaleString('en-US')} requests, min of ${rounds} alternating rounds of ${runsPerChild} runs per process (CPU time)`);
    console.log(`  A ${dirA}: ${best[0]!.toFixed(3)} s = ${rate(best[0]!)} requests/s, ${cycles[0]} cycles`);
    console.log(`  B ${dirB}: ${best[1]!.toFixed(3)} s = ${rate(best[1]!)} requests/s, ${cycles[1]} cycles`);
    console.log(`  B / A = ${(best[1]! / best[0]!).toFixed(3)}`);
  }
}
