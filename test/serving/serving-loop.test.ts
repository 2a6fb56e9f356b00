import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { loadModel } from '../../src/compiler/model.ts';
import { generateRequests, type Request } from '../../src/compiler/requests.ts';
import { requestMetrics, servingTotals, percentile, distribution } from '../../src/serving/metrics.ts';
import { simulateServing, reservation, DEFAULT_CHUNK_TOKENS, type ServingInput } from '../../src/serving/serving-loop.ts';
import { errorOf } from '../helpers.ts';
import { fakeCostModel } from './fake-cost.ts';

// llama3-8b: 2 (K, V) x 32 layers x 8 KV heads x 128 x 2 B = 131,072 B of KV cache per token.
const model = loadModel('llama3-8b');
const KV = 131_072;
const req = (id: string, arrivalPs: number, inputTokens: number, outputTokens: number): Request => ({ id, arrivalPs, inputTokens, outputTokens });
const BIG = 1_000_000 * KV;

describe('a hand-checkable run with a constant 1000 ps step', () => {
  // a: 3 in, 2 out; b: 2 in, 3 out, both at 0; c: 4 in, 1 out at 10,000 ps, after the others are done.
  const requests = [req('a', 0, 3, 2), req('b', 0, 2, 3), req('c', 10_000, 4, 1)];
  const cost = fakeCostModel(1000);
  const r = simulateServing({ requests, model, costModel: cost, kvCapacityBytes: BIG });

  it('schedules mixed prefill and decode steps and jumps over the idle gap to the arrival', () => {
    expect(cost.batches.map((b) => b.entries.map((e) => `${e.id}:${e.contextLength}+${e.newTokens}`))).toEqual([
      ['a:0+3', 'b:0+2'], // both prompts whole; each produces its first token
      ['a:3+1', 'b:2+1'], // a's second (last) token
      ['b:3+1'], // b's third token
      ['c:0+4'], // idle from 3000 to 10,000 ps, then c's prompt (its only token)
    ]);
    expect(r.steps.map((s) => s.startPs)).toEqual([0, 1000, 2000, 10_000]);
    expect(r.steps.map((s) => [s.prefillTokens, s.decodeTokens])).toEqual([[5, 0], [0, 2], [0, 1], [4, 0]]);
    // KV held at the end of a step: a 3 + b 2; a 4 + b 3; b 4 (a freed its 4); c 4
    expect(r.steps.map((s) => s.kvTokensInUse)).toEqual([5, 7, 4, 4]);
    // reservations are input + output - 1: a 4, b 4, c 4
    expect(r.steps.map((s) => s.kvTokensReserved)).toEqual([8, 8, 4, 4]);
  });

  it('gives every request its tokens at step ends: TTFT, gaps, end to end', () => {
    const [a, b, c] = r.requests;
    expect(a).toMatchObject({ admittedPs: 0, firstTokenPs: 1000, finishPs: 2000, tokenGapsPs: [1000], prefillSteps: 1 });
    expect(b).toMatchObject({ admittedPs: 0, firstTokenPs: 1000, finishPs: 3000, tokenGapsPs: [1000, 1000] });
    expect(c).toMatchObject({ admittedPs: 10_000, firstTokenPs: 11_000, finishPs: 11_000, tokenGapsPs: [] });
    expect(requestMetrics(c!)).toEqual({ queueingPs: 0, ttftPs: 1000, e2ePs: 1000, tbt: null });
    expect(requestMetrics(b!).tbt).toEqual({ count: 2, mean: 1000, p50: 1000, p90: 1000, p99: 1000, max: 1000 });
  });

  it('sums to the totals: 9 prompt + 3 decode tokens in 4 steps, 4000 ps busy of an 11,000 ps span', () => {
    const t = servingTotals(r);
    expect(t).toMatchObject({ requests: 3, steps: 4, inputTokens: 9, outputTokens: 6, spanPs: 11_000, busyPs: 4000, energyPj: 12, maxBatch: 2 });
    expect(t.outputTokensPerS).toBeCloseTo(6 / 11e-9, 0);
    expect(t.ttft).toMatchObject({ p50: 1000, max: 1000 });
    expect(t.e2e).toMatchObject({ p50: 2000, p99: 3000, max: 3000 }); // sorted 1000, 2000, 3000
    expect(t.tbt).toMatchObject({ count: 3, p50: 1000 });
    expect(r.busyPs).toEqual({ dev0: 4000 });
  });
});

describe('admission', () => {
  it('max batch 1 serves one request at a time; the second queues until the first finishes', () => {
    const r = simulateServing({ requests: [req('a', 0, 3, 2), req('b', 0, 2, 3)], model, costModel: fakeCostModel(1000), kvCapacityBytes: BIG, maxBatch: 1 });
    expect(r.steps.map((s) => s.batch)).toEqual([1, 1, 1, 1, 1]);
    expect(r.requests[1]).toMatchObject({ admittedPs: 2000, firstTokenPs: 3000, finishPs: 5000 });
    expect(r.steps.map((s) => s.waiting)).toEqual([1, 1, 0, 0, 0]);
  });

  it('the KV capacity holds back a request whose reservation does not fit', () => {
    // capacity 5 tokens: a reserves 3 + 2 - 1 = 4, so b (4) waits for a to finish
    const r = simulateServing({ requests: [req('a', 0, 3, 2), req('b', 0, 2, 3)], model, costModel: fakeCostModel(1000), kvCapacityBytes: 5 * KV });
    expect(r.requests[1]!.admittedPs).toBe(2000);
    expect(Math.max(...r.steps.map((s) => s.kvTokensReserved))).toBe(4);
  });

  it('first come, first served: a small request does not overtake a head that does not fit', () => {
    // capacity 10: a (4) runs to 2000 ps; b needs 9 and waits for it; c (2) would fit beside a (4 + 2 <= 10) but
    // queues behind b, and beside b (9 + 2 > 10) it waits until b is done: prefill at 2000, 4 decodes, done at 7000
    const requests = [req('a', 0, 3, 2), req('b', 1, 5, 5), req('c', 2, 2, 1)];
    const r = simulateServing({ requests, model, costModel: fakeCostModel(1000), kvCapacityBytes: 10 * KV });
    expect(r.requests.map((q) => q.admittedPs)).toEqual([0, 2000, 7000]);
  });

  it('a request that arrives during a step waits for the next step', () => {
    const r = simulateServing({ requests: [req('a', 0, 1, 3), req('b', 1, 1, 1)], model, costModel: fakeCostModel(1000), kvCapacityBytes: BIG });
    expect(r.requests[1]).toMatchObject({ admittedPs: 1000, firstTokenPs: 2000 });
    expect(requestMetrics(r.requests[1]!).queueingPs).toBe(999);
  });
});

describe('chunked prefill', () => {
  it('splits a prompt over steps under the token budget; the first token comes with the last chunk', () => {
    const cost = fakeCostModel(1000);
    const r = simulateServing({ requests: [req('a', 0, 5, 2)], model, costModel: cost, kvCapacityBytes: BIG, maxBatch: 1, prefill: 'chunked', chunkTokens: 2 });
    expect(cost.batches.map((b) => b.entries.map((e) => `${e.contextLength}+${e.newTokens}${e.decode ? 'd' : ''}`))).toEqual([['0+2'], ['2+2'], ['4+1'], ['5+1d']]);
    expect(r.requests[0]).toMatchObject({ firstTokenPs: 3000, finishPs: 4000, prefillSteps: 3 });
    expect(r.config.chunkTokens).toBe(2);
  });

  it('decode tokens take the budget first; a request is admitted only while the budget has room', () => {
    const cost = fakeCostModel(1000);
    // budget 3: a's first chunk takes it all, so b is admitted in step 1 beside a's last 2 prompt tokens
    const r = simulateServing({ requests: [req('a', 0, 5, 2), req('b', 0, 1, 2)], model, costModel: cost, kvCapacityBytes: BIG, maxBatch: 2, prefill: 'chunked', chunkTokens: 3 });
    expect(cost.batches.map((b) => b.entries.map((e) => `${e.id}:${e.contextLength}+${e.newTokens}`))).toEqual([['a:0+3'], ['a:3+2', 'b:0+1'], ['a:5+1', 'b:1+1']]);
    expect(r.requests[1]!.admittedPs).toBe(1000);
    const cost2 = fakeCostModel(1000);
    // budget 2: a decodes (1 token) while b's 3-token prompt goes 1 token per step
    simulateServing({ requests: [req('a', 0, 1, 4), req('b', 0, 3, 1)], model, costModel: cost2, kvCapacityBytes: BIG, maxBatch: 2, prefill: 'chunked', chunkTokens: 2 });
    expect(cost2.batches.map((b) => b.entries.map((e) => `${e.id}:${e.contextLength}+${e.newTokens}`))).toEqual([
      ['a:0+1', 'b:0+1'], ['a:1+1', 'b:1+1'], ['a:2+1', 'b:2+1'], ['a:3+1'],
    ]);
  });

  it('defaults to a 512-token budget', () => {
    const r = simulateServing({ requests: [req('a', 0, 1000, 1)], model, costModel: fakeCostModel(1), kvCapacityBytes: BIG, prefill: 'chunked' });
    expect(DEFAULT_CHUNK_TOKENS).toBe(512);
    expect(r.steps.map((s) => s.prefillTokens)).toEqual([512, 488]);
  });
});

describe('invariants over generated request sets', () => {
  // Generating a set solves its log-normal parameters (slow-ish): draw from a pool of sets made once.
  const pool = [0, 2, 50, 1000].flatMap((qps) => (['sharegpt-like', 'alpaca-like'] as const).map((lengths) =>
    generateRequests({ count: 12, lengths, seed: qps, arrivals: qps > 0 ? { kind: 'poisson', qps } : { kind: 'at-zero' } })));
  const scenario = fc.record({
    set: fc.integer({ min: 0, max: pool.length - 1 }),
    maxBatch: fc.integer({ min: 1, max: 12 }),
    capacitySlack: fc.integer({ min: 0, max: 3000 }),
    chunked: fc.boolean(),
    chunkExtra: fc.integer({ min: 0, max: 300 }),
  });

  it('conservation, limits, causality and idle jumps hold', () => {
    fc.assert(fc.property(scenario, (s) => {
      const requests = pool[s.set]!.requests;
      // the capacity often binds: the largest request's reservation plus a little
      const capacityTokens = Math.max(...requests.map(reservation)) + s.capacitySlack;
      const chunkTokens = s.chunked ? s.maxBatch + s.chunkExtra : undefined;
      // a step costs more with more tokens and longer contexts, so steps differ
      const cost = fakeCostModel((b) => 1000 + b.entries.reduce((t, e) => t + 7 * e.newTokens + (e.contextLength >> 4), 0));
      const input: ServingInput = { requests, model, costModel: cost, maxBatch: s.maxBatch, kvCapacityBytes: capacityTokens * KV, prefill: s.chunked ? 'chunked' : 'whole', chunkTokens };
      const r = simulateServing(input);

      // every request gets exactly its output tokens and its whole prompt
      const prompt = new Map<string, number>();
      const tokens = new Map<string, number>();
      for (const b of cost.batches) {
        for (const e of b.entries) {
          if (e.decode) tokens.set(e.id, (tokens.get(e.id) ?? 0) + 1);
          else prompt.set(e.id, (prompt.get(e.id) ?? 0) + e.newTokens);
        }
      }
      let inSum = 0, outSum = 0;
      r.requests.forEach((q, i) => {
        const src = requests[i]!;
        expect(q.id).toBe(src.id);
        expect(prompt.get(q.id)).toBe(src.inputTokens);
        expect((tokens.get(q.id) ?? 0) + 1).toBe(src.outputTokens); // + the token the last prompt chunk produces
        expect(q.tokenGapsPs).toHaveLength(src.outputTokens - 1);
        expect(q.arrivalPs).toBeLessThanOrEqual(q.admittedPs);
        expect(q.admittedPs).toBeLessThan(q.firstTokenPs);
        const m = requestMetrics(q);
        expect(m.ttftPs).toBeLessThanOrEqual(m.e2ePs);
        expect(m.ttftPs + q.tokenGapsPs.reduce((a, g) => a + g, 0)).toBe(m.e2ePs);
        inSum += src.inputTokens;
        outSum += src.outputTokens;
      });
      const stepTokens = r.steps.reduce((a, st) => a + st.prefillTokens + st.decodeTokens, 0);
      expect(stepTokens).toBe(inSum + outSum - requests.length);
      expect(r.steps.reduce((a, st) => a + st.prefillTokens, 0)).toBe(inSum);

      // limits: batch, KV reservation, token budget (problems collected, one expect: thousands of steps per run)
      const bad: string[] = [];
      const arrivals = new Set(requests.map((q) => q.arrivalPs));
      r.steps.forEach((st, i) => {
        if (st.batch > s.maxBatch) bad.push(`step ${i}: batch ${st.batch}`);
        if (st.kvTokensReserved > capacityTokens) bad.push(`step ${i}: reserved ${st.kvTokensReserved}`);
        if (st.kvTokensInUse > st.kvTokensReserved) bad.push(`step ${i}: in use ${st.kvTokensInUse} > reserved`);
        if (chunkTokens !== undefined && st.prefillTokens + st.decodeTokens > chunkTokens) bad.push(`step ${i}: ${st.prefillTokens + st.decodeTokens} tokens`);
        if (i === 0) return;
        // steps follow each other; a gap ends exactly at an arrival (none falls inside it), and that step admits
        const prevEnd = r.steps[i - 1]!.startPs + r.steps[i - 1]!.timePs;
        if (st.startPs < prevEnd) bad.push(`step ${i}: starts before the previous ends`);
        if (st.startPs > prevEnd) {
          if (!arrivals.has(st.startPs) || st.admitted === 0) bad.push(`step ${i}: idle gap does not end at an admitted arrival`);
          if (requests.some((q) => q.arrivalPs > prevEnd && q.arrivalPs < st.startPs)) bad.push(`step ${i}: an arrival inside the idle gap`);
        }
      });
      expect(bad).toEqual([]);
      expect(r.steps[0]!.startPs).toBe(requests[0]!.arrivalPs);

      // determinism
      const again = simulateServing({ ...input, costModel: fakeCostModel((b) => 1000 + b.entries.reduce((t, e) => t + 7 * e.newTokens + (e.contextLength >> 4), 0)) });
      expect(JSON.stringify(again)).toBe(JSON.stringify(r));
    }), { numRuns: 40, seed: 6 });
  });
});

describe('bad input', () => {
  const ok: ServingInput = { requests: [req('a', 0, 3, 2)], model, costModel: fakeCostModel(1000), kvCapacityBytes: BIG };
  it('names the option or the request and what was expected', () => {
    expect(errorOf(() => simulateServing({ ...ok, requests: [] }))).toBe('serving: the request set is empty');
    expect(errorOf(() => simulateServing({ ...ok, maxBatch: 0 }))).toBe('serving: maxBatch must be a whole number >= 1, got 0');
    expect(errorOf(() => simulateServing({ ...ok, prefill: 'chunked', chunkTokens: 64, maxBatch: 128 }))).toMatch(/^serving: chunkTokens .* must be a whole number >= maxBatch \(128\)/);
    expect(errorOf(() => simulateServing({ ...ok, chunkTokens: 64 }))).toBe("serving: chunkTokens applies to chunked prefill; the prefill mode is 'whole'");
    expect(errorOf(() => simulateServing({ ...ok, kvCapacityBytes: undefined }))).toBe('serving: test-system declares no device memory; give the KV capacity');
    expect(errorOf(() => simulateServing({ ...ok, requests: [req('a', 5, 1, 1), req('b', 4, 1, 1)] }))).toMatch(/^serving: request 'b' \(index 1\): arrives at 4 ps, before the request ahead of it \(5 ps\)/);
    expect(errorOf(() => simulateServing({ ...ok, requests: [req('a', 0, 1, 1), req('a', 0, 1, 1)] }))).toMatch(/request 'a' \(index 1\): its id is used by an earlier request/);
    expect(errorOf(() => simulateServing({ ...ok, kvCapacityBytes: 3 * KV, label: 'f.csv' }))).toMatch(/^f\.csv: request 'a' \(index 0\): its KV cache \(4 tokens, .*\) is larger than the whole KV capacity \(.*, 3 tokens\); it could never be admitted$/);
    const gpt2 = loadModel('gpt2-small');
    expect(errorOf(() => simulateServing({ ...ok, model: gpt2, requests: [req('long', 0, 1000, 100)] }))).toMatch(/request 'long' .*1000 input \+ 100 output tokens need 1099 positions, past gpt2-small's 1024 learned positions/);
  });

  it('checks the device memory: weights must leave room, a given capacity must fit', () => {
    const mem = { capacityBytes: 100 * KV, weightBytes: 90 * KV };
    expect(simulateServing({ ...ok, kvCapacityBytes: undefined, costModel: fakeCostModel(1000, mem) }).config).toMatchObject({ kvCapacityBytes: 10 * KV, kvCapacitySource: 'device' });
    expect(errorOf(() => simulateServing({ ...ok, kvCapacityBytes: 11 * KV, costModel: fakeCostModel(1000, mem) }))).toMatch(/^serving: a KV capacity of .* does not fit in test-system/);
    expect(errorOf(() => simulateServing({ ...ok, costModel: fakeCostModel(1000, { capacityBytes: 10, weightBytes: 10 }) }))).toMatch(/^serving: llama3-8b's weights .* do not fit in test-system's .* of memory/);
  });

  it('a cost model that returns a non-positive or fractional time is reported', () => {
    expect(errorOf(() => simulateServing({ ...ok, costModel: fakeCostModel(0) }))).toBe('serving: cost model fake on test-system gave step 0 a time of 0 ps; expected a whole number of ps > 0');
    expect(errorOf(() => simulateServing({ ...ok, costModel: fakeCostModel(1.5) }))).toMatch(/time of 1\.5 ps/);
  });
});

describe('helpers', () => {
  it('reservation is input + output - 1 tokens (the last token is never fed back)', () => {
    expect(reservation(req('a', 0, 10, 1))).toBe(10);
    expect(reservation(req('a', 0, 10, 5))).toBe(14);
  });

  it('nearest-rank percentiles are values that occurred', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 0.5), percentile(xs, 0.9), percentile(xs, 0.99), percentile(xs, 1)]).toEqual([50, 90, 99, 100]);
    expect(distribution([3, 1, 2])).toEqual({ count: 3, mean: 2, p50: 2, p90: 3, p99: 3, max: 3 });
    expect(distribution([])).toEqual({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });
});
