// What `strata serve --system pim-gpt` approximates, measured (src/systems/pim-gpt/pim-gpt-serving.ts):
//   npx tsx bench/pim-gpt-serve-error.ts [--model gpt2-xl] [--requests 32:16,8:24,48:8,16:16]
// The serving cost model prices a request's token at context c as the token at context c of one generation from an
// idle machine (src/systems/pim-gpt/token-sequence.ts), each context simulated once. A real machine runs the requests
// back to back and carries its state (refresh phase, open rows) from one request into the next. This runs the
// requests (IN:OUT each; served whole-prefill, one at a time, all there at time 0, so back to back with no idle gap)
// both ways: exactly, every token of every request on one machine in serving order, and as the cost model prices
// them; it prints per request and in all the time and energy of each and the relative error.
import { loadModel } from '../src/compiler/model.ts';
import { loadPimGptSystem, PimGptMachine } from '../src/systems/pim-gpt/pim-gpt.ts';
import { PimGptTokenSequence, tokenEnergyPj } from '../src/systems/pim-gpt/token-sequence.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const model = loadModel(arg('model', 'gpt2-xl'));
const requests = arg('requests', '32:16,8:24,48:8,16:16').split(',').map((s) => {
  const [i, o] = s.split(':').map(Number);
  if (!Number.isInteger(i) || !Number.isInteger(o) || i! < 1 || o! < 1) throw new Error(`--requests: expected IN:OUT,IN:OUT,... got '${s}'`);
  return { input: i!, output: o! };
});
const system = loadPimGptSystem('pim-gpt');
// A request of IN prompt tokens and OUT output tokens runs the tokens at contexts 0 .. IN + OUT - 2: its prompt (the
// first output token comes from the prompt's last), then OUT - 1 decode steps (src/serving/serving-loop.ts).
const contexts = (q: { input: number; output: number }) => q.input + q.output - 1;

const started = process.hrtime.bigint();
const exact = new PimGptMachine(system);
const memo = new PimGptTokenSequence(system, model);
let exactPs = 0, memoPs = 0, exactPj = 0, memoPj = 0, worst = 0;
const rows: string[] = [];
requests.forEach((q, r) => {
  let ePs = 0, mPs = 0, ePj = 0, mPj = 0;
  for (let c = 0; c < contexts(q); c++) {
    const e = exact.token(model, c);
    const m = memo.at(c);
    ePs += e.totalPs;
    mPs += m.totalPs;
    ePj += tokenEnergyPj(e.energy);
    mPj += tokenEnergyPj(m.energy);
  }
  const err = (mPs - ePs) / ePs;
  worst = Math.max(worst, Math.abs(err));
  rows.push(`| ${r} | ${q.input}:${q.output} | ${(ePs / 1e6).toFixed(3)} | ${(mPs / 1e6).toFixed(3)} | ${(100 * err).toFixed(4)} % | ${(100 * (mPj - ePj) / ePj).toFixed(4)} % |`);
  exactPs += ePs;
  memoPs += mPs;
  exactPj += ePj;
  memoPj += mPj;
});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`PIM-GPT serving: ${model.name} on ${system.name}, ${requests.length} requests back to back; exact (one machine) vs the cost model (one token per context)\n`);
console.log('| request | IN:OUT | exact us | cost model us | time error | energy error |');
console.log('|---:|---|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log(`| all | | ${(exactPs / 1e6).toFixed(3)} | ${(memoPs / 1e6).toFixed(3)} | ${(100 * (memoPs - exactPs) / exactPs).toFixed(4)} % | ${(100 * (memoPj - exactPj) / exactPj).toFixed(4)} % |`);
console.log(`\nlargest per-request time error ${(100 * worst).toFixed(4)} %; ${memo.simulated} contexts simulated for the cost model; ${seconds.toFixed(1)} s`);
