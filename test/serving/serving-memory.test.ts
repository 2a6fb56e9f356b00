import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadDevice } from '../../src/systems/baseline/roofline.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { generateRequests } from '../../src/compiler/requests.ts';
import { rooflineStepCost } from '../../src/systems/baseline/roofline-step-cost.ts';
import { simulateServing } from '../../src/serving/serving-loop.ts';
import { distribution, weightedDistribution } from '../../src/serving/metrics.ts';
import { servingReport, SERVING_INLINE_MAX_STEPS } from '../../src/report/serving-report.ts';
import { servingCsvFiles, streamedServingCsvFiles } from '../../src/report/serving-csv.ts';
import { validateReport } from '../../src/report/schema.ts';
import { renderServingReport } from '../../src/cli/report.ts';
import { errorOf } from '../helpers.ts';
import { fakeCostModel } from './fake-cost.ts';

// Issue #18 item 3: `strata serve --count 1000000` ran out of a 4.7 GB heap. Serving now keeps per-request state
// in typed-array columns, reads token gaps back from the step times, and streams long runs' records to CSV.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const model = loadModel('llama3-8b');

describe('serving in bounded memory', () => {
  it('200,000 requests of 40 output tokens are served, totalled and reported in a 160 MB heap', () => {
    // Before the columns each request kept an array of its 39 token gaps and the totals pooled all 7.8 M gaps
    // in a growing array: this run died of "JavaScript heap out of memory" (measured on f929a08).
    const r = spawnSync(process.execPath, ['--max-old-space-size=160', '--import', 'tsx', 'test/serving/memory-child.ts', '200000', '40'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { requests: number; steps: number; gaps: number };
    // 200,000 x 41 tokens (2 prompt tokens in the first step) in batches of 4,096: 48 full rounds of 41 steps,
    // the last round of 3,392 requests 41 more; every request's 39 gaps are pooled.
    expect(out).toMatchObject({ requests: 200_000, steps: 49 * 40, gaps: 200_000 * 39 });
  }, 120_000);

  it('the pooled gap percentiles weighted over steps equal those of every gap listed', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 5 })), { maxLength: 40 }), (steps) => {
      const expanded = steps.flatMap(([v, w]) => Array<number>(w).fill(v));
      expect(weightedDistribution(steps.map((s) => s[0]), steps.map((s) => s[1]))).toEqual(distribution(expanded));
    }), { seed: 18, numRuns: 300 });
  });
});

describe('streamed serving records', () => {
  it('the streamed CSVs are the inline report\'s CSVs, byte for byte', () => {
    const set = generateRequests({ count: 40, lengths: 'sharegpt-like', seed: 5, arrivals: { kind: 'poisson', qps: 30 } });
    const costModel = rooflineStepCost(model, loadDevice('gpu-a100-80gb'), { seed: '5' });
    const result = simulateServing({ requests: set.requests, model, costModel, maxBatch: 8, prefill: 'chunked', chunkTokens: 64 });
    const rep = servingReport({ result, model, costModel, requestedSystem: 'gpu-a100-80gb', requestSet: set, seed: '5' });
    expect(rep.streamed).toBeUndefined();
    const inline = servingCsvFiles(rep);
    const streamed = streamedServingCsvFiles(result).map((f) => ({ name: f.name, content: [...f.pieces()].join('') }));
    expect(streamed).toEqual(inline);
    expect(inline[0]!.content.split('\n')).toHaveLength(40 + 2); // header, 40 rows, the final line end
  });

  it(`a run past ${SERVING_INLINE_MAX_STEPS.toLocaleString('en-US')} steps keeps its totals in the report and its records in the CSVs; strata report refuses it`, () => {
    const KV = 131_072; // llama3-8b: 32 layers x 2 x 8 KV heads x 128 x 2 bytes
    const n = SERVING_INLINE_MAX_STEPS + 1;
    const set = generateRequests({ count: 1, lengths: { kind: 'fixed', inputTokens: 1, outputTokens: n }, seed: '0' });
    const costModel = fakeCostModel(1000);
    const result = simulateServing({ requests: set.requests, model, costModel, kvCapacityBytes: (n + 1) * KV });
    const rep = servingReport({ result, model, costModel, requestedSystem: 'test', requestSet: set, seed: '0' });
    expect(rep.streamed).toEqual({ requests: 1, steps: n, requestsCsv: 'requests.csv', stepsCsv: 'steps.csv' });
    expect(rep.requests).toEqual([]);
    expect(rep.steps).toEqual([]);
    // exact aggregates: n steps of 1000 ps, n - 1 gaps of 1000 ps
    expect(rep.latency.tbt).toMatchObject({ count: n - 1, p50Ns: 1, p99Ns: 1, maxNs: 1 });
    expect(rep.totals).toMatchObject({ steps: n, busyNs: n, outputTokens: n });
    expect(validateReport(JSON.parse(JSON.stringify(rep)), 'serving-report.json').schema).toBe('strata.serving-report/1');
    const [requestsCsv, stepsCsv] = streamedServingCsvFiles(result).map((f) => [...f.pieces()].join(''));
    expect(requestsCsv!.split('\n')[1]).toBe(`0,0,1,${n},0,1,${n},0,1,${n},1,1,1,1,1,1`);
    expect(stepsCsv!.split('\n')).toHaveLength(n + 2);
    expect(errorOf(() => renderServingReport(rep))).toMatch(/^report: this serving report's 1 request and 100,001 step records were streamed to requests\.csv and steps\.csv/);
  });
});
