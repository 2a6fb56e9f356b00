import { StrataError } from '../spec/errors.ts';
import type { MetricName, SweepCommand } from './sweep-file.ts';

/**
 * The metric columns of a sweep and how each is read from what a point's command writes: the run report of
 * `strata run` (schemas/strata-report.schema.json, runReport), the serving report of `strata serve` (servingReport)
 * and the JSON line of `strata pim generate --json`. Every metric is a DOUBLE column; units are in the names.
 */

/** One column of a metric. */
export interface MetricColumn {
  readonly column: string;
  readonly metric: MetricName;
  /** What it means, for the guide and `sweep query` users. */
  readonly what: string;
}

/** The columns of each metric. */
export const METRIC_COLUMNS: Readonly<Record<MetricName, readonly MetricColumn[]>> = {
  latency: [{ column: 'latency_ns', metric: 'latency', what: 'generate: mean ns per generated token; run: mean ns per step; serve: mean end-to-end ns per request' }],
  throughput: [{ column: 'tokens_per_s', metric: 'throughput', what: 'generate: 1 / mean token time; run: tokens processed per s; serve: output tokens per s' }],
  energy: [{ column: 'joules_per_token', metric: 'energy', what: 'J per generated (serve: output) token, by the run\'s energy method' }],
  ttft: ['p50', 'p90', 'p99'].map((p) => ({ column: `ttft_${p}_ns`, metric: 'ttft' as const, what: `serve: time to first token, ${p}` })),
  tbt: ['p50', 'p90', 'p99'].map((p) => ({ column: `tbt_${p}_ns`, metric: 'tbt' as const, what: `serve: time between tokens (every gap pooled), ${p}` })),
  pimShare: [{ column: 'pim_share', metric: 'pimShare', what: "generate: fraction of a token's time on the PIM banks (the rest on the ASIC)" }],
  bandwidth: [{ column: 'bytes_per_s', metric: 'bandwidth', what: 'run: bytes moved per s of run time' }],
};

/** The metric columns of a list of metrics, in order. */
export function metricColumns(metrics: readonly MetricName[]): MetricColumn[] {
  return metrics.flatMap((m) => METRIC_COLUMNS[m]);
}

type Json = Record<string, unknown>;

/** The number at a dotted path of a report, or an error naming the path (a report without it is a Strata bug). */
function num(report: Json, path: string): number {
  let v: unknown = report;
  for (const k of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Json)[k] : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`internal invariant broken: report field '${path}' is ${JSON.stringify(v)}, expected a number`);
  return v;
}

/** Reads every metric column of a point's output. */
export function readMetrics(command: SweepCommand, report: Json, metrics: readonly MetricName[]): Record<string, number> {
  const out: Record<string, number> = {};
  const pct = (what: string) => ({ [`${what}_p50_ns`]: num(report, `latency.${what}.p50Ns`), [`${what}_p90_ns`]: num(report, `latency.${what}.p90Ns`), [`${what}_p99_ns`]: num(report, `latency.${what}.p99Ns`) });
  for (const m of metrics) {
    switch (`${command}:${m}`) {
      case 'generate:latency': out.latency_ns = num(report, 'meanTokenNs'); break;
      case 'generate:throughput': out.tokens_per_s = num(report, 'tokensPerS'); break;
      case 'generate:energy': out.joules_per_token = num(report, 'joulesPerToken'); break;
      case 'generate:pimShare': out.pim_share = num(report, 'pimShare'); break;
      case 'run:latency': out.latency_ns = num(report, 'totals.meanStepNs'); break;
      case 'run:throughput': out.tokens_per_s = num(report, 'totals.tokensPerS'); break;
      case 'run:energy': out.joules_per_token = num(report, 'energy.joulesPerToken'); break;
      case 'run:bandwidth': out.bytes_per_s = num(report, 'totals.achievedBytesPerS'); break;
      case 'serve:latency': out.latency_ns = num(report, 'latency.e2e.meanNs'); break;
      case 'serve:throughput': out.tokens_per_s = num(report, 'totals.outputTokensPerS'); break;
      case 'serve:energy': out.joules_per_token = num(report, 'energy.joulesPerOutputToken'); break;
      case 'serve:ttft': Object.assign(out, pct('ttft')); break;
      case 'serve:tbt': Object.assign(out, pct('tbt')); break;
      default: throw new StrataError(`metric '${m}' is not reported by command '${command}'`);
    }
  }
  return out;
}
