// Instructions per simulated request, counted by valgrind's cachegrind: a measure of a change that the machine's
// drifting speed does not blur.
//   npx tsx bench/instructions.ts <checkout> [<checkout> ...] [--case stream|random|preset-stream|preset-random] [--requests N] [--pinned] [--node-flag F ...] [--startup-heap]
// Each checkout is compiled to JavaScript with tsc and simulates the case (the bench traces of bench/compare.ts) once
// with N and once with 2N requests in a single-threaded node under cachegrind; the difference of the two counts
// over N is the steady-state cost of one request, without start-up, module loading and compilation. Repeated counts
// agree to within 1-2 %. The bench itself runs through tsx, whose transpiled code can count a few per cent apart
// from tsc's. Needs valgrind (Debian: apt-get install -y valgrind); each checkout takes about a minute.
// --pinned runs node with V8's timed heuristics pinned (--predictable --predictable-gc-schedule --hash-seed=1
// --random-seed=1): garbage collection and tier-up then follow the allocation and the code, not the wall clock,
// so the count of one build no longer moves with the machine's load (unpinned, 3-5 % on a machine shared by
// several sessions). The pinned count is the fairer yardstick between two versions of the code; the plain one is
// closer to what a user's run spends. --node-flag F passes one more flag to node (repeatable), e.g.
// --node-flag --no-allocation-site-pretenuring (a V8 pretenuring decision taken at one early collection can move a pinned count by ~10 %).
// The simulation starts from a collected heap (node --expose-gc, gc() once the trace is built): V8 decides whether to
// allocate a literal's objects straight into old space (allocation-site pretenuring) at the first scavenges, from
// how many of the objects made there so far survived. Without the collection, whether the first scavenge falls
// before the first request or among the first few hundred (all alive, so the requests' site is pretenured for the
// rest of the run) depends on how much the process allocated before the simulation: with the pinned flags, nine more
// module files were enough to move preset-stream by 12 % (docs/validation.md, the controller in parts). That is
// start-up, which the difference of the two runs means to leave out. --startup-heap skips the collection (the
// recipe before 2026-12-07's third pass).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dramsim3Config } from '../src/validation/dramsim3.ts';

function fail(msg: string): never {
  console.error(`bench/instructions: ${msg}`);
  process.exit(2);
}

const CASES = ['stream', 'random', 'preset-stream', 'preset-random'];
const dirs: string[] = [];
let kase = 'random';
let requests = 40_000;
let pinned = false;
let startupHeap = false;
const nodeFlags: string[] = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--case') kase = args[++i] ?? fail('--case: expected one of ' + CASES.join(', '));
  else if (a === '--requests') requests = Number(args[++i]);
  else if (a === '--pinned') pinned = true;
  else if (a === '--startup-heap') startupHeap = true;
  else if (a === '--node-flag') nodeFlags.push(args[++i] ?? fail('--node-flag: expected a node option, e.g. --node-flag --no-allocation-site-pretenuring'));
  else if (a.startsWith('--')) fail(`unknown option '${a}' (known: --case, --requests, --pinned, --node-flag, --startup-heap)`);
  else dirs.push(a);
}
if (dirs.length === 0) fail('usage: npx tsx bench/instructions.ts <checkout> [<checkout> ...] [--case stream|random|preset-stream|preset-random] [--requests N] [--pinned] [--node-flag F ...] [--startup-heap]');
if (!CASES.includes(kase)) fail(`--case: expected one of ${CASES.join(', ')}, got '${kase}'`);
if (!Number.isInteger(requests) || requests <= 0) fail(`--requests: expected a positive integer, got '${requests}'`);
for (const d of dirs) if (!existsSync(join(d, 'src/dram/run.ts'))) fail(`'${d}' is not a Strata checkout (no src/dram/run.ts)`);
if (spawnSync('valgrind', ['--version']).status !== 0) fail('valgrind is not installed (Debian: apt-get install -y valgrind)');

const here = fileURLToPath(new URL('.', import.meta.url));
const tsc = join(here, '..', 'node_modules', '.bin', 'tsc');

/**
 * Compiles checkout `dir` to JavaScript in a fresh folder beside its data and returns the path of a script that
 * simulates the case with the number of requests given as its argument. Plain node on compiled code, single-
 * threaded, counts the same to within 1-2 % run after run; through tsx's loader the counts wandered by a few
 * per cent, with an occasional run at twice the count.
 */
function build(dir: string): string {
  const root = resolve(dir);
  const out = mkdtempSync(join(tmpdir(), 'strata-instructions-'));
  const c = spawnSync(tsc, ['-p', join(root, 'tsconfig.json'), '--noEmit', 'false', '--outDir', out, '--rewriteRelativeImportExtensions', '--allowImportingTsExtensions', 'false'], { encoding: 'utf8' });
  if (!existsSync(join(out, 'src/dram/run.js'))) fail(`compiling '${dir}' failed:\n${c.stdout}${c.stderr}`);
  for (const d of ['arch', 'schemas', 'workloads', 'node_modules', 'package.json']) if (existsSync(join(root, d))) symlinkSync(join(root, d), join(out, d));
  mkdirSync(join(out, 'test'), { recursive: true });
  // tsc may have written compiled files of test/fixtures there (a fixture written in TypeScript): the data win.
  rmSync(join(out, 'test', 'fixtures'), { recursive: true, force: true });
  symlinkSync(join(root, 'test', 'fixtures'), join(out, 'test', 'fixtures'));
  const preset = kase.startsWith('preset-');
  const script = join(out, 'instructions-case.mjs');
  writeFileSync(
    script,
    [
      "import { importDramsim3Ini } from './src/dram/dramsim3-ini.js';",
      "import { generatePattern } from './src/dram/patterns.js';",
      "import { runDram } from './src/dram/run.js';",
      "import { loadStandard } from './src/dram/standard.js';",
      `const standard = ${preset ? "loadStandard('hbm2')" : `importDramsim3Ini(${JSON.stringify(dramsim3Config('HBM2_8Gb_x128.ini'))}).standard`};`,
      `const trace = generatePattern({ pattern: '${kase.replace('preset-', '')}', requests: Number(process.argv[2]), seed: 'bench', requestBytes: 64, capacityBytes: 2 ** 33, writeFraction: 0.3, interval: ${preset ? 0 : 1} });`,
      // The simulation starts from a collected heap (see the top of this file).
      `${startupHeap ? '' : 'globalThis.gc(); '}runDram({ standard, trace, frontend: '${preset ? 'in-order' : 'dramsim3'}', bankWindow: false });`,
      '',
    ].join('\n'),
  );
  return script;
}

/** V8 flags that pin its time-based heuristics (garbage collection, tier-up), for --pinned. */
const PINNED_FLAGS = ['--predictable', '--predictable-gc-schedule', '--hash-seed=1', '--random-seed=1'];

/** Instructions of one run of `script` with `n` requests. */
function count(script: string, n: number): number {
  const node = [process.execPath, '--single-threaded', ...(startupHeap ? [] : ['--expose-gc']), ...(pinned ? PINNED_FLAGS : []), ...nodeFlags, script, String(n)];
  const r = spawnSync('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', ...node], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) fail(`the run of '${script}' failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return Number(m[1]!.replace(/,/g, ''));
}

console.log(
  `${kase}: instructions per request (cachegrind, runs of ${requests.toLocaleString('en-US')} and ${(2 * requests).toLocaleString('en-US')} requests${pinned || nodeFlags.length > 0 ? ', node ' + [...(pinned ? PINNED_FLAGS : []), ...nodeFlags].join(' ') : ''}${startupHeap ? ', no collection before the run' : ', heap collected before the run'})`,
);
let first = 0;
for (const dir of dirs) {
  const script = build(dir);
  const perRequest = (count(script, 2 * requests) - count(script, requests)) / requests;
  rmSync(dirname(script), { recursive: true, force: true });
  if (first === 0) first = perRequest;
  console.log(`  ${dir}: ${Math.round(perRequest).toLocaleString('en-US')}${first !== perRequest ? ` (${(perRequest / first).toFixed(3)}x the first)` : ''}`);
}
