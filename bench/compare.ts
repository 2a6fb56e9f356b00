// Speed comparison of two checkouts of Strata on the DRAM bench traces, in one process:
//   npx tsx bench/compare.ts <checkout A> <checkout B> [stream|random] [requests] [rounds]
// Runs of A and B alternate, so a machine whose speed drifts (shared cores: 20-40 % between runs here) slows
// both alike; the minimum CPU time of each is reported, with B's time as a fraction of A's. Both checkouts need
// their own node_modules (a symlink to this one's will do).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [dirA, dirB, pattern = 'random', requestsArg = '1000000', roundsArg = '5'] = process.argv.slice(2);
function fail(msg: string): never {
  console.error(`bench/compare: ${msg}`);
  process.exit(2);
}
if (!dirA || !dirB) fail('usage: npx tsx bench/compare.ts <checkout A> <checkout B> [stream|random] [requests] [rounds]');
for (const d of [dirA, dirB]) if (!existsSync(join(d, 'src/dram/run.ts'))) fail(`'${d}' is not a Strata checkout (no src/dram/run.ts)`);
if (pattern !== 'stream' && pattern !== 'random') fail(`pattern: expected stream or random, got '${pattern}'`);
const requests = Number(requestsArg);
const rounds = Number(roundsArg);
if (!Number.isInteger(requests) || requests <= 0) fail(`requests: expected a positive integer, got '${requestsArg}'`);
if (!Number.isInteger(rounds) || rounds <= 0) fail(`rounds: expected a positive integer, got '${roundsArg}'`);

/** Loads a checkout's DRAM run and returns a function that simulates the bench trace once, in CPU seconds. */
async function load(dir: string): Promise<() => { seconds: number; cycles: number }> {
  const root = resolve(dir);
  const { importDramsim3Ini } = await import(join(root, 'src/dram/dramsim3-ini.ts'));
  const { generatePattern } = await import(join(root, 'src/dram/patterns.ts'));
  const { runDram } = await import(join(root, 'src/dram/run.ts'));
  const { DRAMSIM3_FIXTURES } = await import(join(root, 'src/validation/dramsim3.ts'));
  const standard = importDramsim3Ini(join(DRAMSIM3_FIXTURES, 'HBM2_8Gb_x128.ini')).standard;
  const trace = generatePattern({ pattern, requests, seed: 'bench', requestBytes: 64, capacityBytes: 2 ** 33, writeFraction: 0.3, interval: 1 });
  return () => {
    const c0 = process.cpuUsage();
    const r = runDram({ standard, trace, frontend: 'dramsim3', bankWindow: false });
    const c = process.cpuUsage(c0);
    return { seconds: (c.user + c.system) / 1e6, cycles: r.cycles };
  };
}

const runs = [await load(dirA), await load(dirB)];
const best = [Infinity, Infinity];
const cycles = [0, 0];
for (let i = 0; i < rounds; i++) {
  for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
    const r = runs[k]!();
    best[k] = Math.min(best[k]!, r.seconds);
    cycles[k] = r.cycles;
  }
}
const rate = (s: number): string => Math.round(requests / s).toLocaleString('en-US');
console.log(`${pattern}, ${requests.toLocaleString('en-US')} requests, min of ${rounds} alternating runs (CPU time)`);
console.log(`  A ${dirA}: ${best[0]!.toFixed(3)} s = ${rate(best[0]!)} requests/s, ${cycles[0]} cycles`);
console.log(`  B ${dirB}: ${best[1]!.toFixed(3)} s = ${rate(best[1]!)} requests/s, ${cycles[1]} cycles`);
console.log(`  B / A = ${(best[1]! / best[0]!).toFixed(3)}`);
