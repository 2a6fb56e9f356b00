import type { RequestResult, ServingResult } from './serving-loop.ts';

/**
 * Serving metrics from a run's records: per-request latencies (TTFT, TBT percentiles, end-to-end, queueing) and
 * their distributions across requests. Percentiles are nearest-rank: the p-th percentile of n sorted values is
 * the value at rank ceil(p/100 x n), so it is always a value that occurred (an exact integer of ps).
 */

/** A distribution's summary, in ps. */
export interface Distribution {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile of values sorted ascending, `q` in (0, 1]; 0 for no values. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Count, mean, p50/p90/p99 and max of some values (all zero when there are none). */
export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  return {
    count: n,
    mean: n > 0 ? sum / n : 0,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: n > 0 ? sorted[n - 1]! : 0,
  };
}

/** One request's latencies, ps. TBT fields are null for a request with one output token (it has no gap). */
export interface RequestMetrics {
  /** Arrival to admission. */
  readonly queueingPs: number;
  /** Arrival to the first output token. */
  readonly ttftPs: number;
  /** Arrival to the last output token. */
  readonly e2ePs: number;
  /** Its outputTokens - 1 gaps between consecutive tokens. */
  readonly tbt: Distribution | null;
}

/** The latencies of one request. */
export function requestMetrics(r: RequestResult): RequestMetrics {
  return {
    queueingPs: r.admittedPs - r.arrivalPs,
    ttftPs: r.firstTokenPs - r.arrivalPs,
    e2ePs: r.finishPs - r.arrivalPs,
    tbt: r.tokenGapsPs.length > 0 ? distribution(r.tokenGapsPs) : null,
  };
}

/** Totals and distributions of a run. Rates are over the span from the first arrival to the last token. */
export interface ServingTotals {
  readonly requests: number;
  readonly steps: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly firstArrivalPs: number;
  readonly lastFinishPs: number;
  /** lastFinishPs - firstArrivalPs. */
  readonly spanPs: number;
  /** Sum of step times. */
  readonly busyPs: number;
  readonly energyPj: number;
  readonly outputTokensPerS: number;
  /** Prompt and output tokens per second. */
  readonly tokensPerS: number;
  readonly requestsPerS: number;
  /** Mean requests per step, weighted by step count. */
  readonly meanBatch: number;
  readonly maxBatch: number;
  readonly peakKvTokensInUse: number;
  readonly peakKvTokensReserved: number;
  /** Across requests. */
  readonly ttft: Distribution;
  readonly e2e: Distribution;
  readonly queueing: Distribution;
  /** Every gap between consecutive tokens of every request, pooled (each token counts once). */
  readonly tbt: Distribution;
  /** Each request's mean gap (time per output token after the first), across requests that have a gap. */
  readonly meanTbtPerRequest: Distribution;
}

/**
 * Nearest-rank percentiles, mean and max of a multiset given as distinct-or-repeated values with whole-number
 * weights (value v counted w times): the same numbers `distribution` gives for the expanded list, without
 * expanding it. Used for the pooled token gaps, which are the step times, each counted once per decode token of
 * its step (a run of 1,000,000 requests has hundreds of millions of gaps but a few million steps).
 */
export function weightedDistribution(values: ArrayLike<number>, weights: ArrayLike<number>): Distribution {
  const m = values.length;
  const order = new Uint32Array(m);
  let n = 0;
  let sum = 0;
  let k = 0;
  for (let i = 0; i < m; i++) {
    const w = weights[i]!;
    if (w <= 0) continue;
    order[k++] = i;
    n += w;
    sum += values[i]! * w;
  }
  const idx = order.subarray(0, k).sort((a, b) => values[a]! - values[b]!);
  const at = (q: number): number => {
    if (n === 0) return 0;
    // The value at 0-based rank r of the expanded sorted list, r as `percentile` computes it.
    const r = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
    let seen = 0;
    for (const i of idx) {
      seen += weights[i]!;
      if (seen > r) return values[i]!;
    }
    return values[idx[k - 1]!]!;
  };
  return { count: n, mean: n > 0 ? sum / n : 0, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: k > 0 ? values[idx[k - 1]!]! : 0 };
}

/**
 * The totals of a run (a pure function of its records), from the compact columns: per-request latencies in one
 * float64 array each (8 bytes a request), the pooled token gaps as step times weighted by their decode tokens.
 * Every percentile is exact (nearest rank over every value).
 */
export function servingTotals(result: ServingResult): ServingTotals {
  const reqs = result.requestSet;
  const c = result.requestColumns;
  const n = reqs.length;
  let inputTokens = 0, outputTokens = 0, firstArrival = Infinity, lastFinish = 0;
  const ttft = new Float64Array(n), e2e = new Float64Array(n), queueing = new Float64Array(n);
  const meanTbt: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = reqs[i]!;
    inputTokens += r.inputTokens;
    outputTokens += r.outputTokens;
    firstArrival = Math.min(firstArrival, r.arrivalPs);
    lastFinish = Math.max(lastFinish, c.finishPs[i]!);
    ttft[i] = c.firstTokenPs[i]! - r.arrivalPs;
    e2e[i] = c.finishPs[i]! - r.arrivalPs;
    queueing[i] = c.admittedPs[i]! - r.arrivalPs;
    // The mean of its gaps: they add up to the time from its first token to its last.
    if (r.outputTokens > 1) meanTbt.push((c.finishPs[i]! - c.firstTokenPs[i]!) / (r.outputTokens - 1));
  }
  const s = result.stepColumns;
  const steps = result.stepCount;
  let busyPs = 0, energyPj = 0, batchSum = 0, maxBatch = 0, peakKv = 0, peakReserved = 0;
  const times = s.timePs.slice(0, steps);
  const decodes = new Int32Array(steps);
  for (let i = 0; i < steps; i++) {
    busyPs += times[i]!;
    energyPj += s.energyPj.get(i);
    const b = s.batch.get(i);
    batchSum += b;
    maxBatch = Math.max(maxBatch, b);
    peakKv = Math.max(peakKv, s.kvTokensInUse.get(i));
    peakReserved = Math.max(peakReserved, s.kvTokensReserved.get(i));
    decodes[i] = s.decodeRequests.get(i);
  }
  const spanPs = lastFinish - firstArrival;
  const perS = (x: number) => (spanPs > 0 ? x / (spanPs / 1e12) : 0);
  return {
    requests: n, steps, inputTokens, outputTokens,
    firstArrivalPs: firstArrival, lastFinishPs: lastFinish, spanPs, busyPs, energyPj,
    outputTokensPerS: perS(outputTokens), tokensPerS: perS(inputTokens + outputTokens), requestsPerS: perS(n),
    meanBatch: steps > 0 ? batchSum / steps : 0, maxBatch,
    peakKvTokensInUse: peakKv, peakKvTokensReserved: peakReserved,
    ttft: distribution(ttft), e2e: distribution(e2e), queueing: distribution(queueing),
    tbt: weightedDistribution(times, decodes), meanTbtPerRequest: distribution(meanTbt),
  };
}
