import { parameterCount, type ModelSpec } from '../compiler/model.ts';
import type { RequestSet } from '../compiler/requests.ts';
import { repoRelative } from '../compiler/policies/types.ts';
import { distribution, servingTotals, type Distribution } from '../serving/metrics.ts';
import type { PrefillMode, ServingResult } from '../serving/serving-loop.ts';
import type { StepCostModel } from '../serving/step-cost.ts';
import { formatNs, type SoftwareProfileInfo } from './run-report.ts';

/** Version of the serving-report schema; bump on any incompatible change (docs/report-format.md). */
export const SERVING_REPORT_SCHEMA = 'strata.serving-report/1';

/** A latency distribution across requests (or tokens), ns. */
export interface LatencyNs {
  readonly count: number;
  readonly meanNs: number;
  readonly p50Ns: number;
  readonly p90Ns: number;
  readonly p99Ns: number;
  readonly maxNs: number;
}

/** One request of a serving run. Times in ns from the start of the run; TBT fields null with one output token. */
export interface ServingRequestRecord {
  readonly id: string;
  readonly arrivalNs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly admittedNs: number;
  readonly firstTokenNs: number;
  readonly finishNs: number;
  readonly queueingNs: number;
  readonly ttftNs: number;
  readonly e2eNs: number;
  readonly prefillSteps: number;
  readonly tbtMeanNs: number | null;
  readonly tbtP50Ns: number | null;
  readonly tbtP90Ns: number | null;
  readonly tbtP99Ns: number | null;
  readonly tbtMaxNs: number | null;
}

/** One step (iteration) of a serving run. */
export interface ServingStepRecord {
  readonly index: number;
  readonly startNs: number;
  readonly timeNs: number;
  readonly batch: number;
  readonly prefillRequests: number;
  readonly decodeRequests: number;
  readonly prefillTokens: number;
  readonly decodeTokens: number;
  readonly waiting: number;
  readonly admitted: number;
  readonly kvBytesInUse: number;
  readonly kvBytesReserved: number;
  readonly energyPj: number;
}

/**
 * The JSON report of `strata serve`: a request set served with continuous batching on one system.
 * docs/report-format.md, "Serving report", describes every field.
 */
export interface ServingReport {
  readonly schema: typeof SERVING_REPORT_SCHEMA;
  readonly system: {
    readonly name: string;
    readonly requested: string;
    readonly file: string;
    /** The step cost model (`gpu-roofline`) and how it computes a step. */
    readonly costModel: string;
    readonly description: string;
    /** Where step times rest on a GPU/CPU baseline preset (`gpu-roofline`, Duplex's xPU): the software profile used. */
    readonly softwareProfile?: SoftwareProfileInfo;
  };
  readonly model: { readonly name: string; readonly file: string; readonly parameters: number; readonly precisionBytes: number; readonly kvBytesPerToken: number };
  readonly workload: {
    /** `sharegpt-like`, `alpaca-like`, `fixed 256/256`, or the request file. */
    readonly origin: string;
    readonly requests: number;
    readonly arrivals: 'at-zero' | 'poisson' | 'file';
    /** Poisson rate, requests/s; null otherwise. */
    readonly qps: number | null;
    readonly seed: string;
    /** seedrandom streams drawn from: the request generator's, then the cost model's (patterns with `<step>`). */
    readonly streams: readonly string[];
    readonly meanInputTokens: number;
    readonly meanOutputTokens: number;
  };
  readonly scheduler: {
    readonly admission: 'fcfs';
    readonly maxBatch: number;
    readonly prefill: PrefillMode;
    readonly chunkTokens: number | null;
    /** What a request reserves on admission: its whole lifetime's KV cache (input + output - 1 tokens). */
    readonly kvReservation: 'lifetime';
    readonly preemption: false;
  };
  readonly memory: {
    /** Device memory and weights when the system declares them; null otherwise. */
    readonly deviceBytes: number | null;
    readonly weightBytes: number | null;
    readonly kvCapacityBytes: number;
    readonly kvCapacitySource: 'device' | 'given';
    readonly kvCapacityTokens: number;
    readonly peakKvBytesInUse: number;
    readonly peakKvBytesReserved: number;
  };
  readonly totals: {
    readonly requests: number;
    readonly steps: number;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly firstArrivalNs: number;
    readonly lastFinishNs: number;
    readonly spanNs: number;
    readonly busyNs: number;
    readonly idleNs: number;
    readonly outputTokensPerS: number;
    readonly tokensPerS: number;
    readonly requestsPerS: number;
    readonly meanBatch: number;
    readonly maxBatch: number;
  };
  readonly latency: {
    readonly ttft: LatencyNs;
    /** Every inter-token gap of every request, pooled. */
    readonly tbt: LatencyNs;
    /** Each request's mean gap, across requests with more than one output token. */
    readonly meanTbtPerRequest: LatencyNs;
    readonly e2e: LatencyNs;
    readonly queueing: LatencyNs;
  };
  readonly devices: ReadonlyArray<{ readonly id: string; readonly busyNs: number; readonly utilisation: number }>;
  readonly energy: { readonly method: string; readonly joules: number; readonly joulesPerOutputToken: number; readonly averagePowerW: number; readonly note: string };
  readonly costModel: { readonly steps: number; readonly lookups: number; readonly hits: number };
  /** Every request's record; empty when the records were streamed (see `streamed`). */
  readonly requests: readonly ServingRequestRecord[];
  /** Every step's record; empty when the records were streamed. */
  readonly steps: readonly ServingStepRecord[];
  /**
   * Present only for a run past SERVING_INLINE_MAX_REQUESTS requests or SERVING_INLINE_MAX_STEPS steps: its
   * records are not in this file but, row by row, in `requests.csv` and `steps.csv` beside it (`strata serve --out`).
   */
  readonly streamed?: { readonly requests: number; readonly steps: number; readonly requestsCsv: 'requests.csv'; readonly stepsCsv: 'steps.csv' };
}

/**
 * The most requests whose records a serving report holds inline (issue #18): 10,000 requests and their steps are about 15 MB of pretty-printed
 * JSON. A longer run keeps its aggregates and exact percentiles in the report and streams the records to CSV.
 */
export const SERVING_INLINE_MAX_REQUESTS = 10_000;
/** The most steps a serving report holds inline: 100,000 steps are about 60 MB of pretty-printed JSON (see SERVING_INLINE_MAX_REQUESTS). */
export const SERVING_INLINE_MAX_STEPS = 100_000;

/** The most requests and steps whose records a report holds inline (tests lower them to stream a short run). */
export interface ServingInlineLimits {
  readonly requests: number;
  readonly steps: number;
}

/** Whether a run's records stay in its report (false: they are streamed to requests.csv and steps.csv). */
export function servingRecordsInline(result: Pick<ServingResult, 'requestSet' | 'stepCount'>, limits: ServingInlineLimits = { requests: SERVING_INLINE_MAX_REQUESTS, steps: SERVING_INLINE_MAX_STEPS }): boolean {
  return result.requestSet.length <= limits.requests && result.stepCount <= limits.steps;
}

/**
 * Request i's record, from the run's columns: its token gaps are the times of the outputTokens - 1 steps after
 * the one that produced its first token (src/serving/serving-loop.ts, RequestColumns.firstTokenStep).
 */
export function servingRequestRecord(result: ServingResult, i: number): ServingRequestRecord {
  const q = result.requestSet[i]!;
  const c = result.requestColumns;
  const first = c.firstTokenStep[i]!;
  const tbt = q.outputTokens > 1 ? distribution(result.stepColumns.timePs.slice(first + 1, first + q.outputTokens)) : null;
  const admitted = c.admittedPs[i]!, firstToken = c.firstTokenPs[i]!, finish = c.finishPs[i]!;
  return {
    id: q.id, arrivalNs: ns(q.arrivalPs), inputTokens: q.inputTokens, outputTokens: q.outputTokens,
    admittedNs: ns(admitted), firstTokenNs: ns(firstToken), finishNs: ns(finish),
    queueingNs: ns(admitted - q.arrivalPs), ttftNs: ns(firstToken - q.arrivalPs), e2eNs: ns(finish - q.arrivalPs), prefillSteps: c.prefillSteps[i]!,
    tbtMeanNs: tbt ? ns(tbt.mean) : null, tbtP50Ns: tbt ? ns(tbt.p50) : null, tbtP90Ns: tbt ? ns(tbt.p90) : null,
    tbtP99Ns: tbt ? ns(tbt.p99) : null, tbtMaxNs: tbt ? ns(tbt.max) : null,
  };
}

/** Step i's record, from the run's columns. */
export function servingStepRecord(result: ServingResult, i: number): ServingStepRecord {
  const s = result.stepColumns;
  const kv = result.config.kvBytesPerToken;
  const decode = s.decodeRequests.get(i);
  return {
    index: i, startNs: ns(s.startPs.get(i)), timeNs: ns(s.timePs.get(i)), batch: s.batch.get(i),
    prefillRequests: s.prefillRequests.get(i), decodeRequests: decode, prefillTokens: s.prefillTokens.get(i), decodeTokens: decode,
    waiting: s.waiting.get(i), admitted: s.admitted.get(i),
    kvBytesInUse: s.kvTokensInUse.get(i) * kv, kvBytesReserved: s.kvTokensReserved.get(i) * kv, energyPj: s.energyPj.get(i),
  };
}

/** What the report is built from: the run and what it ran on. */
export interface ServingReportInput {
  readonly result: ServingResult;
  readonly model: ModelSpec;
  readonly costModel: StepCostModel;
  /** What the user asked for (an alias, a name or a path). */
  readonly requestedSystem: string;
  readonly requestSet: RequestSet;
  /** The seed of the run (request generation and the cost model's streams). */
  readonly seed: string;
  /** Past these the records are streamed (default SERVING_INLINE_MAX_REQUESTS and SERVING_INLINE_MAX_STEPS). */
  readonly inlineLimits?: ServingInlineLimits;
}

/** ps to ns, at most 3 decimals (means of integer ps are rounded to the ps). */
const ns = (ps: number): number => Math.round(ps) / 1000;

function latency(d: Distribution): LatencyNs {
  return { count: d.count, meanNs: ns(d.mean), p50Ns: ns(d.p50), p90Ns: ns(d.p90), p99Ns: ns(d.p99), maxNs: ns(d.max) };
}

/** Where a request set came from, in a few words. */
function workloadOrigin(set: RequestSet): { origin: string; arrivals: ServingReport['workload']['arrivals']; qps: number | null; streams: string[] } {
  const g = set.generator;
  switch (g.kind) {
    case 'generated': {
      const origin = g.dataset ?? (g.lengths.kind === 'fixed' ? `fixed ${g.lengths.inputTokens}/${g.lengths.outputTokens}` : 'lognormal');
      const streams = [g.streams.lengths, g.streams.arrivals].filter((s): s is string => s !== undefined);
      return { origin, arrivals: g.arrivals.kind, qps: g.arrivals.kind === 'poisson' ? g.arrivals.qps : null, streams };
    }
    case 'file':
      return { origin: repoRelative(g.file), arrivals: 'file', qps: null, streams: [] };
    default: {
      const never: never = g;
      throw new Error(`internal invariant broken: unknown request-set origin ${JSON.stringify(never)}`);
    }
  }
}

/** Builds the serving report (a pure function of the run and its inputs). */
export function servingReport(input: ServingReportInput): ServingReport {
  const { result, model, costModel } = input;
  const c = result.config;
  const tot = servingTotals(result);
  const w = workloadOrigin(input.requestSet);
  const mem = costModel.memory;
  const busyS = tot.busyPs / 1e12;
  const joules = tot.energyPj / 1e12;
  const inline = servingRecordsInline(result, input.inlineLimits);
  const requests = inline ? result.requestSet.map((_, i) => servingRequestRecord(result, i)) : [];
  const steps = inline ? Array.from({ length: result.stepCount }, (_, i) => servingStepRecord(result, i)) : [];
  const meanOf = (f: (q: RequestSet['requests'][number]) => number) => input.requestSet.requests.reduce((a, q) => a + f(q), 0) / input.requestSet.requests.length;
  const report: ServingReport = {
    schema: SERVING_REPORT_SCHEMA,
    system: {
      name: costModel.system, requested: input.requestedSystem, file: costModel.file, costModel: costModel.name, description: costModel.description,
      ...(costModel.softwareProfile ? { softwareProfile: { ...costModel.softwareProfile } } : {}),
    },
    model: { name: model.name, file: repoRelative(model.file), parameters: parameterCount(model), precisionBytes: model.precisionBytes, kvBytesPerToken: c.kvBytesPerToken },
    workload: {
      origin: w.origin, requests: result.requestSet.length, arrivals: w.arrivals, qps: w.qps, seed: input.seed,
      streams: [...w.streams, ...costModel.streams],
      meanInputTokens: meanOf((q) => q.inputTokens), meanOutputTokens: meanOf((q) => q.outputTokens),
    },
    scheduler: { admission: 'fcfs', maxBatch: c.maxBatch, prefill: c.prefill, chunkTokens: c.chunkTokens, kvReservation: 'lifetime', preemption: false },
    memory: {
      deviceBytes: mem ? mem.capacityBytes : null, weightBytes: mem ? mem.weightBytes : null,
      kvCapacityBytes: c.kvCapacityBytes, kvCapacitySource: c.kvCapacitySource,
      kvCapacityTokens: Math.floor(c.kvCapacityBytes / c.kvBytesPerToken),
      peakKvBytesInUse: tot.peakKvTokensInUse * c.kvBytesPerToken, peakKvBytesReserved: tot.peakKvTokensReserved * c.kvBytesPerToken,
    },
    totals: {
      requests: tot.requests, steps: tot.steps, inputTokens: tot.inputTokens, outputTokens: tot.outputTokens,
      firstArrivalNs: ns(tot.firstArrivalPs), lastFinishNs: ns(tot.lastFinishPs), spanNs: ns(tot.spanPs),
      busyNs: ns(tot.busyPs), idleNs: ns(Math.max(0, tot.spanPs - tot.busyPs)),
      outputTokensPerS: tot.outputTokensPerS, tokensPerS: tot.tokensPerS, requestsPerS: tot.requestsPerS,
      meanBatch: tot.meanBatch, maxBatch: tot.maxBatch,
    },
    latency: {
      ttft: latency(tot.ttft), tbt: latency(tot.tbt), meanTbtPerRequest: latency(tot.meanTbtPerRequest),
      e2e: latency(tot.e2e), queueing: latency(tot.queueing),
    },
    devices: Object.keys(result.busyPs).sort().map((id) => ({
      id, busyNs: ns(result.busyPs[id]!), utilisation: tot.spanPs > 0 ? Math.min(1, result.busyPs[id]! / tot.spanPs) : 0,
    })),
    energy: {
      method: costModel.energyMethod, joules,
      joulesPerOutputToken: tot.outputTokens > 0 ? joules / tot.outputTokens : 0,
      averagePowerW: busyS > 0 ? joules / busyS : 0,
      note: costModel.energyNote,
    },
    costModel: { ...result.costStats },
    requests,
    steps,
  };
  return inline ? report : { ...report, streamed: { requests: result.requestSet.length, steps: result.stepCount, requestsCsv: 'requests.csv', stepsCsv: 'steps.csv' } };
}

/** `1.234 ms / 2.345 ms / 3.456 ms`: p50 / p90 / p99 of a distribution. */
function pcts(l: LatencyNs): string {
  return `p50 ${formatNs(l.p50Ns)}, p90 ${formatNs(l.p90Ns)}, p99 ${formatNs(l.p99Ns)} (mean ${formatNs(l.meanNs)}, max ${formatNs(l.maxNs)})`;
}

/** A readable summary of a serving report for the terminal. */
export function formatServingSummary(rep: ServingReport): string {
  const w = rep.workload;
  const s = rep.scheduler;
  const t = rep.totals;
  const m = rep.memory;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const alias = rep.system.requested !== rep.system.name ? ` (as ${rep.system.requested})` : '';
  const arrivals = w.arrivals === 'poisson' ? `Poisson ${w.qps} requests/s` : w.arrivals === 'at-zero' ? 'all at time 0' : 'arrivals from the file';
  const lines: string[] = [];
  const profile = rep.system.softwareProfile ? `, profile ${rep.system.softwareProfile.name}` : '';
  lines.push(`Strata serve — ${rep.model.name} on ${rep.system.name}${alias} (${rep.system.costModel}${profile}), ${w.requests} ${w.origin} requests, ${arrivals}, seed ${w.seed}`);
  const kvFrom = m.kvCapacitySource === 'device' ? `device ${gib(m.deviceBytes!)} − weights ${gib(m.weightBytes!)}` : 'given';
  lines.push(`  scheduler    max batch ${s.maxBatch}, KV capacity ${gib(m.kvCapacityBytes)} (${kvFrom}; ${m.kvCapacityTokens} tokens), lifetime reservation, prefill ${s.prefill}${s.chunkTokens !== null ? ` (${s.chunkTokens} tokens per step)` : ''}`);
  lines.push(`  run          ${t.steps} steps over ${formatNs(t.spanNs)} (busy ${formatNs(t.busyNs)}, idle ${formatNs(t.idleNs)}); mean batch ${t.meanBatch.toFixed(1)}, max ${t.maxBatch}; peak KV ${gib(m.peakKvBytesInUse)} in use, ${gib(m.peakKvBytesReserved)} reserved`);
  lines.push(`  throughput   ${t.outputTokensPerS.toFixed(1)} output tokens/s, ${t.requestsPerS.toFixed(3)} requests/s (${t.outputTokens} output + ${t.inputTokens} prompt tokens)`);
  lines.push(`  TTFT         ${pcts(rep.latency.ttft)}`);
  lines.push(`  TBT          ${pcts(rep.latency.tbt)}`);
  lines.push(`  end to end   ${pcts(rep.latency.e2e)}`);
  lines.push(`  queueing     ${pcts(rep.latency.queueing)}`);
  lines.push(`  energy       ${rep.energy.joules.toFixed(3)} J, ${rep.energy.joulesPerOutputToken.toFixed(4)} J/output token (${rep.energy.method})`);
  lines.push(`  step costs   ${rep.costModel.steps} steps, ${rep.costModel.hits} of ${rep.costModel.lookups} memo lookups reused`);
  return lines.join('\n');
}
