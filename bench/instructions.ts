// Instructions per simulated request, counted by valgrind's cachegrind: a measure of a change that the machine's
// drifting speed does not blur.
//   npx tsx bench/instructions.ts <checkout> [<checkout> ...] [--case stream|random|preset-stream|preset-random] [--requests N]
// Each checkout simulates the case (the bench traces of bench/compare.ts) once with N and once with 2N requests in a
// single-threaded node under cachegrind; the difference of the two counts over N is the steady-state cost of one
// request, without start-up, module loading and compilation. Repeated counts agree to about 0.5 %. Needs valgrind
// (Debian: apt-get install -y valgrind); each count takes about 20-40 s.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function fail(msg: string): never {
  console.error(`bench/instructions: ${msg}`);
  process.exit(2);
}

const CASES = ['stream', 'random', 'preset-stream', 'preset-random'];
const dirs: string[] = [];
let kase = 'random';
let requests = 40_000;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--case') kase = args[++i] ?? fail('--case: expected one of ' + CASES.join(', '));
  else if (a === '--requests') requests = Number(args[++i]);
  else if (a.startsWith('--')) fail(`unknown option '${a}' (known: --case, --requests)`);
  else dirs.push(a);
}
if (dirs.length === 0) fail('usage: npx tsx bench/instructions.ts <checkout> [<checkout> ...] [--case stream|random|preset-stream|preset-random] [--requests N]');
if (!CASES.includes(kase)) fail(`--case: expected one of ${CASES.join(', ')}, got '${kase}'`);
if (!Number.isInteger(requests) || requests <= 0) fail(`--requests: expected a positive integer, got '${requests}'`);
for (const d of dirs) if (!existsSync(join(d, 'src/dram/run.ts'))) fail(`'${d}' is not a Strata checkout (no src/dram/run.ts)`);
if (spawnSync('valgrind', ['--version']).status !== 0) fail('valgrind is not installed (Debian: apt-get install -y valgrind)');

const compare = join(fileURLToPath(new URL('.', import.meta.url)), 'compare.ts');
const tsxLoader = import.meta.resolve('tsx');

/** Instructions of one run of the case with `n` requests in checkout `dir`. */
function count(dir: string, n: number): number {
  const r = spawnSync(
    'valgrind',
    ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', process.execPath, '--single-threaded', '--import', tsxLoader, compare, '--child', resolve(dir), kase, String(n), '1'],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) fail(`the run in '${dir}' failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return Number(m[1]!.replace(/,/g, ''));
}

console.log(`${kase}: instructions per request (cachegrind, runs of ${requests.toLocaleString('en-US')} and ${(2 * requests).toLocaleString('en-US')} requests)`);
let first = 0;
for (const dir of dirs) {
  const perRequest = (count(dir, 2 * requests) - count(dir, requests)) / requests;
  if (first === 0) first = perRequest;
  console.log(`  ${dir}: ${Math.round(perRequest).toLocaleString('en-US')}${first !== perRequest ? ` (${(perRequest / first).toFixed(3)}x the first)` : ''}`);
}
