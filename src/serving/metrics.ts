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

/** The totals of a run (a pure function of its records). */
export function servingTotals(result: ServingResult): ServingTotals {
  const reqs = result.requests;
  let inputTokens = 0, outputTokens = 0, firstArrival = Infinity, lastFinish = 0;
  const ttft: number[] = [], e2e: number[] = [], queueing: number[] = [], gaps: number[] = [], meanTbt: number[] = [];
  for (const r of reqs) {
    const m = requestMetrics(r);
    inputTokens += r.inputTokens;
    outputTokens += r.outputTokens;
    firstArrival = Math.min(firstArrival, r.arrivalPs);
    lastFinish = Math.max(lastFinish, r.finishPs);
    ttft.push(m.ttftPs);
    e2e.push(m.e2ePs);
    queueing.push(m.queueingPs);
    for (const g of r.tokenGapsPs) gaps.push(g);
    if (m.tbt) meanTbt.push(m.tbt.mean);
  }
  let busyPs = 0, energyPj = 0, batchSum = 0, maxBatch = 0, peakKv = 0, peakReserved = 0;
  for (const s of result.steps) {
    busyPs += s.timePs;
    energyPj += s.energyPj;
    batchSum += s.batch;
    maxBatch = Math.max(maxBatch, s.batch);
    peakKv = Math.max(peakKv, s.kvTokensInUse);
    peakReserved = Math.max(peakReserved, s.kvTokensReserved);
  }
  const spanPs = lastFinish - firstArrival;
  const perS = (x: number) => (spanPs > 0 ? x / (spanPs / 1e12) : 0);
  return {
    requests: reqs.length, steps: result.steps.length, inputTokens, outputTokens,
    firstArrivalPs: firstArrival, lastFinishPs: lastFinish, spanPs, busyPs, energyPj,
    outputTokensPerS: perS(outputTokens), tokensPerS: perS(inputTokens + outputTokens), requestsPerS: perS(reqs.length),
    meanBatch: result.steps.length > 0 ? batchSum / result.steps.length : 0, maxBatch,
    peakKvTokensInUse: peakKv, peakKvTokensReserved: peakReserved,
    ttft: distribution(ttft), e2e: distribution(e2e), queueing: distribution(queueing),
    tbt: distribution(gaps), meanTbtPerRequest: distribution(meanTbt),
  };
}
