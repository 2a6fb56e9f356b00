// Child process of test/serving/serving-memory.test.ts, run under a small V8 heap (--max-old-space-size): serves
// N requests of 2 prompt + T output tokens on a constant-time cost model and builds the totals and the report. It
// prints the request and step counts and the pooled TBT count, so the parent can check the run finished.
import { loadModel } from '../../src/compiler/model.ts';
import { generateRequests } from '../../src/compiler/requests.ts';
import { simulateServing } from '../../src/serving/serving-loop.ts';
import { servingTotals } from '../../src/serving/metrics.ts';
import type { StepCostModel } from '../../src/serving/step-cost.ts';

const [count, outputTokens] = process.argv.slice(2).map(Number) as [number, number];
const model = loadModel('llama3-8b');
let steps = 0;
const costModel: StepCostModel = {
  name: 'constant', system: 'test-system', file: 'test', description: 'a constant step time', energyMethod: 'per-step',
  energyNote: '1 pJ per step', memory: null, streams: [],
  cost: () => (steps++, { timePs: 1_000_000, energyPj: 1 }),
  stats: () => ({ steps, lookups: 0, hits: 0 }),
};
const set = generateRequests({ count, lengths: { kind: 'fixed', inputTokens: 2, outputTokens }, seed: '0', arrivals: { kind: 'at-zero' } });
const result = simulateServing({ requests: set.requests, model, costModel, maxBatch: 4096, kvCapacityBytes: 2 ** 50 });
const t = servingTotals(result);
console.log(JSON.stringify({ requests: t.requests, steps: t.steps, gaps: t.tbt.count, heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20) }));
