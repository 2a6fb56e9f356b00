/**
 * Static charts of a serving report (`strata.serving-report/1`), each a pure function `(report, options) => SVG`:
 * latency CDFs (time to first token, time between tokens, end to end) on a log time axis, and the batch and tokens
 * of every step over time.
 *
 * Serving reports record times in ns from time 0 of the request set's arrivals; the charts read only the report.
 * The pooled token gaps behind the TBT curve are not stored as such: they are the differences between the ends of
 * consecutive steps while a request decodes (every running request gets one token per step, src/serving), which
 * `tokenGapsNs` recovers from `steps[]` and checks against each request's token count.
 */
import { format, scaleLinear, scaleLog, scaleSymlog } from 'd3';
import type { ServingReport } from '../src/report/serving-report.ts';
import {
  INK,
  SERVING_LATENCY_STYLE,
  SERVING_PHASE_STYLE,
  SERVING_PHASES,
  SERVING_WAITING_LINE,
  type LineStyle,
  type ServingLatencyKey,
  type ServingPhase,
} from './palette.ts';
import {
  axisHorizontal,
  axisLeft,
  clipBox,
  el,
  esc,
  Fills,
  headerLegend,
  markerElement,
  px,
  svgDocument,
  text,
  widestLabel,
  xLabel,
  yLabel,
  type ChartOptions,
  type LegendItem,
} from './svg.ts';

export type { ChartOptions } from './svg.ts';

const thousands = format(',');

/** A time in ns as ms with 4 significant digits (`13.42`). */
export function formatMs(ns: number): string {
  return format(',.4~r')(ns / 1e6);
}

/** The line under every serving chart's title: what was served on what, and how it was scheduled. */
export function servingSubtitle(r: ServingReport): string {
  const w = r.workload;
  const s = r.scheduler;
  const arrivals = w.arrivals === 'poisson' ? `Poisson ${w.qps} req/s` : w.arrivals === 'at-zero' ? 'all at time 0' : 'arrivals from the file';
  const prefill = s.prefill === 'chunked' ? `chunked prefill (${s.chunkTokens} tokens/step)` : 'whole prefill';
  return `${r.model.name} on ${r.system.name} (${r.system.costModel}) · ${thousands(w.requests)} ${w.origin} requests, ${arrivals} · max batch ${s.maxBatch}, ${prefill}`;
}

/** Ends of the steps in integer ps (the report's ns have 3 decimals: ps are exact). */
function stepEndsPs(r: ServingReport): number[] {
  return r.steps.map(stepEndPs);
}

/** A step's end in integer ps. */
export function stepEndPs(s: Pick<ServingReport['steps'][number], 'startNs' | 'timeNs'>): number {
  return Math.round(s.startNs * 1000) + Math.round(s.timeNs * 1000);
}

/** The first index of `sorted` holding `value`, or -1. */
export function indexOf(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === value ? lo : -1;
}

/**
 * Every gap between consecutive output tokens of every request (ns), pooled, sorted ascending: a request's tokens
 * come at the ends of the steps from its first token's to its last's, one per step. Null when the steps do not
 * account for some request (its first or last token not at a step's end, or not outputTokens − 1 steps between).
 */
export function tokenGapsNs(r: ServingReport): number[] | null {
  const ends = stepEndsPs(r);
  const gaps: number[] = [];
  for (const q of r.requests) {
    const i = indexOf(ends, Math.round(q.firstTokenNs * 1000));
    const j = indexOf(ends, Math.round(q.finishNs * 1000));
    if (i < 0 || j < 0 || j - i !== q.outputTokens - 1) return null;
    for (let k = i; k < j; k++) gaps.push((ends[k + 1]! - ends[k]!) / 1000);
  }
  return gaps.sort((a, b) => a - b);
}

/** One latency distribution of the CDF chart: sorted samples (ns) and the report's summary of them. */
export interface LatencyCdf {
  readonly key: ServingLatencyKey;
  readonly label: string;
  /** What one sample is (`requests`, `token gaps`). */
  readonly unit: string;
  readonly samplesNs: readonly number[];
  readonly p50Ns: number;
  readonly p90Ns: number;
  readonly p99Ns: number;
}

/**
 * The three distributions: TTFT and end to end across requests, TBT across every token gap (or, when the steps do
 * not account for the tokens, each request's mean gap, labelled so). Percentiles are the report's (nearest rank).
 */
export function latencyCdfs(r: ServingReport): LatencyCdf[] {
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  const gaps = tokenGapsNs(r);
  const tbt: LatencyCdf = gaps
    ? { ...latencyCdfHead(r, 'tbt'), samplesNs: gaps }
    : { ...latencyCdfHead(r, 'meanTbt'), samplesNs: sorted(r.requests.flatMap((q) => (q.tbtMeanNs === null ? [] : [q.tbtMeanNs]))) };
  return [
    { ...latencyCdfHead(r, 'ttft'), samplesNs: sorted(r.requests.map((q) => q.ttftNs)) },
    tbt,
    { ...latencyCdfHead(r, 'e2e'), samplesNs: sorted(r.requests.map((q) => q.e2eNs)) },
  ];
}

/**
 * A distribution's name, unit and the report's percentiles: TTFT, TBT over every token gap, each request's mean
 * TBT (drawn as the TBT curve when the steps do not account for the tokens), end to end.
 */
export function latencyCdfHead(r: ServingReport, which: 'ttft' | 'tbt' | 'meanTbt' | 'e2e'): Omit<LatencyCdf, 'samplesNs'> {
  const l = r.latency;
  const pct = (d: ServingReport['latency']['ttft']) => ({ p50Ns: d.p50Ns, p90Ns: d.p90Ns, p99Ns: d.p99Ns });
  switch (which) {
    case 'ttft': return { key: 'ttft', label: 'time to first token (TTFT)', unit: 'requests', ...pct(l.ttft) };
    case 'tbt': return { key: 'tbt', label: 'time between tokens (TBT)', unit: 'token gaps', ...pct(l.tbt) };
    case 'meanTbt': return { key: 'tbt', label: 'mean TBT per request', unit: 'requests', ...pct(l.meanTbtPerRequest) };
    case 'e2e': return { key: 'e2e', label: 'end to end', unit: 'requests', ...pct(l.e2e) };
  }
}

/** A latency distribution as the charts draw it: its staircase points and the extent of its samples. */
export interface CdfSeries {
  readonly key: ServingLatencyKey;
  readonly label: string;
  readonly unit: string;
  /** Samples (requests or token gaps) and the smallest and largest, ns. */
  readonly count: number;
  readonly minNs: number;
  readonly maxNs: number;
  /** The CDF staircase (cdfPoints of the sorted samples). */
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly p50Ns: number;
  readonly p90Ns: number;
  readonly p99Ns: number;
}

/** The step records reduced to what the batch chart's tooltips say (sums in step order, as the chart always took them). */
export interface StepStats {
  readonly count: number;
  readonly meanDecodeRequests: number;
  readonly maxDecodeRequests: number;
  readonly meanPrefillRequests: number;
  readonly maxPrefillRequests: number;
  readonly maxWaiting: number;
  readonly meanDecodeTokens: number;
  readonly meanPrefillTokens: number;
  readonly maxPrefillTokens: number;
}

/**
 * Everything the serving charts draw besides the report's aggregates: the three CDFs, the step segments and the
 * step statistics. `servingSeries` makes it from a report's inline records; a report whose records were streamed to
 * CSV (ServingReport.streamed) gets the same from its files, read a row at a time (src/report/serving-records.ts).
 */
export interface ServingSeries {
  readonly cdfs: readonly CdfSeries[];
  readonly segments: readonly StepSegment[];
  /** Width in ns of the time buckets the segments were merged into (StepSegmenter); 0: every segment exact. */
  readonly segmentBucketNs: number;
  readonly steps: StepStats;
}

/** A distribution's drawn form from its sorted samples. */
export function cdfSeries(c: LatencyCdf): CdfSeries {
  const n = c.samplesNs.length;
  return {
    key: c.key, label: c.label, unit: c.unit, count: n, minNs: n ? c.samplesNs[0]! : 0, maxNs: n ? c.samplesNs[n - 1]! : 0,
    points: cdfPoints(c.samplesNs), p50Ns: c.p50Ns, p90Ns: c.p90Ns, p99Ns: c.p99Ns,
  };
}

/** The step statistics of records given one at a time, in step order. */
export class StepStatsAccumulator {
  private count = 0;
  private decodeRequests = 0;
  private maxDecodeRequests = 0;
  private prefillRequests = 0;
  private maxPrefillRequests = 0;
  private maxWaiting = 0;
  private decodeTokens = 0;
  private prefillTokens = 0;
  private maxPrefillTokens = 0;

  /** Adds the next step. */
  add(s: Pick<ServingReport['steps'][number], 'decodeRequests' | 'prefillRequests' | 'waiting' | 'decodeTokens' | 'prefillTokens'>): void {
    this.count++;
    this.decodeRequests += s.decodeRequests;
    this.maxDecodeRequests = Math.max(this.maxDecodeRequests, s.decodeRequests);
    this.prefillRequests += s.prefillRequests;
    this.maxPrefillRequests = Math.max(this.maxPrefillRequests, s.prefillRequests);
    this.maxWaiting = Math.max(this.maxWaiting, s.waiting);
    this.decodeTokens += s.decodeTokens;
    this.prefillTokens += s.prefillTokens;
    this.maxPrefillTokens = Math.max(this.maxPrefillTokens, s.prefillTokens);
  }

  /** The statistics of the steps added (means over at least one step, as the chart divides). */
  stats(): StepStats {
    const d = this.count || 1;
    return {
      count: this.count,
      meanDecodeRequests: this.decodeRequests / d, maxDecodeRequests: this.maxDecodeRequests,
      meanPrefillRequests: this.prefillRequests / d, maxPrefillRequests: this.maxPrefillRequests,
      maxWaiting: this.maxWaiting, meanDecodeTokens: this.decodeTokens / d, meanPrefillTokens: this.prefillTokens / d, maxPrefillTokens: this.maxPrefillTokens,
    };
  }
}

/** What the charts of a report with inline records draw. */
export function servingSeries(r: ServingReport): ServingSeries {
  const acc = new StepStatsAccumulator();
  const segmenter = new StepSegmenter();
  for (const s of r.steps) {
    acc.add(s);
    segmenter.add(s);
  }
  return { cdfs: latencyCdfs(r).map(cdfSeries), segments: segmenter.segments, segmentBucketNs: segmenter.bucketPs / 1000, steps: acc.stats() };
}

/** Most ranks a CDF is drawn at (a staircase through more samples than pixels adds nothing but bytes). */
export const MAX_CDF_POINTS = 2000;

/**
 * Points of an empirical CDF (right-continuous staircase) from sorted samples: (x, fraction ≤ x) at every sample,
 * or at `maxPoints` evenly spaced ranks (always the first and the last) when there are more.
 */
export function cdfPoints(sorted: ArrayLike<number>, maxPoints = MAX_CDF_POINTS): Array<[number, number]> {
  const n = sorted.length;
  const out: Array<[number, number]> = [];
  if (n === 0) return out;
  const take = Math.min(n, maxPoints);
  let last = -1;
  for (let j = 0; j < take; j++) {
    const k = take === 1 ? n - 1 : Math.round((j * (n - 1)) / (take - 1));
    if (k === last) continue;
    last = k;
    // Ties: the staircase reaches the last of equal samples' rank at their value.
    let e = k;
    while (e + 1 < n && sorted[e + 1] === sorted[k]) e++;
    if (out.length && out[out.length - 1]![0] === sorted[k]) out[out.length - 1]![1] = (e + 1) / n;
    else out.push([sorted[k]!, (e + 1) / n]);
  }
  return out;
}

/**
 * cdfPoints of the samples `values` (ascending) each repeated `weights` times, without listing the repeats: the
 * same points as cdfPoints of the expanded array. Serves a pooled distribution kept as (value, count) pairs.
 */
export function weightedCdfPoints(values: ArrayLike<number>, weights: ArrayLike<number>, maxPoints = MAX_CDF_POINTS): Array<[number, number]> {
  const m = values.length;
  // cum[p]: samples up to and including pair p.
  const cum = new Float64Array(m);
  let total = 0;
  for (let p = 0; p < m; p++) cum[p] = total += weights[p]!;
  const n = total;
  const out: Array<[number, number]> = [];
  if (n === 0) return out;
  const take = Math.min(n, maxPoints);
  let last = -1;
  let p = 0;
  for (let j = 0; j < take; j++) {
    const k = take === 1 ? n - 1 : Math.round((j * (n - 1)) / (take - 1));
    if (k === last) continue;
    last = k;
    // The pair holding rank k (ranks only grow), then the last pair of its value.
    while (cum[p]! <= k) p++;
    const v = values[p]!;
    let e = p;
    while (e + 1 < m && values[e + 1] === v) e++;
    if (out.length && out[out.length - 1]![0] === v) out[out.length - 1]![1] = cum[e]! / n;
    else out.push([v, cum[e]! / n]);
  }
  return out;
}

/** Mantissas labelled on a log axis, from sparse to dense: the first set that labels at least `MIN_LOG_LABELS` ticks wins. */
const LOG_LABEL_SETS: readonly (readonly number[])[] = [[1], [1, 2, 5], [1, 2, 3, 5, 7], [1, 2, 3, 4, 5, 6, 7, 8, 9]];
/** A log axis with fewer labels than this cannot be read (one label gives no scale at all). */
const MIN_LOG_LABELS = 3;

/**
 * Log-axis ticks: every power of ten in the domain, with 2x and 5x labelled too when the domain spans at most about
 * three decades, and denser mantissas when that still labels fewer than three ticks (a domain inside one decade).
 * A domain too narrow even for every mantissa gets d3's ticks (linear steps inside the decade) when they are more.
 */
export function logTicks(lo: number, hi: number): { labelled: number[]; minor: number[] } {
  const candidates: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); 10 ** e <= hi; e++) {
    for (let m = 1; m <= 9; m++) {
      const v = Number((m * 10 ** e).toPrecision(6));
      if (v >= lo && v <= hi) candidates.push(v);
    }
  }
  const mantissa = (v: number) => Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
  const first = Math.log10(hi / lo) <= 3.2 ? 1 : 0;
  for (let k = first; k < LOG_LABEL_SETS.length; k++) {
    const set = LOG_LABEL_SETS[k]!;
    const labelled = candidates.filter((v) => set.includes(mantissa(v)));
    if (labelled.length >= MIN_LOG_LABELS) return { labelled, minor: candidates.filter((v) => !set.includes(mantissa(v))) };
  }
  const d3Ticks = scaleLog().domain([lo, hi]).ticks(5).map((v) => Number(v.toPrecision(6)));
  return d3Ticks.length > candidates.length ? { labelled: d3Ticks, minor: [] } : { labelled: candidates, minor: [] };
}

const msTick = format(',~r');

function lineItem(label: string, st: LineStyle): LegendItem {
  return { label, swatch: { kind: 'line', stroke: st.stroke, dash: st.dash || undefined, marker: { shape: st.marker, filled: st.filled } } };
}

/**
 * Latency CDFs: the fraction of requests (of token gaps, for TBT) at or below a latency, for TTFT, TBT and end to
 * end, on one log time axis in ms; markers sit at each distribution's p50, p90 and p99 as the report gives them.
 */
export function latencyCdfChart(r: ServingReport, options: ChartOptions = {}, series: ServingSeries = servingSeries(r)): string {
  const width = options.width ?? 720;
  const height = options.height ?? 440;
  const id = 'strata-latency-cdf';
  const cdfs = series.cdfs.filter((c) => c.count > 0);
  const all = cdfs.flatMap((c) => [c.minNs, c.maxNs]).filter((v) => v > 0);
  const loMs = all.length ? Math.min(...all) / 1e6 : 1;
  const hiMs = all.length ? Math.max(...all) / 1e6 : 10;
  const x = scaleLog().domain([loMs / 1.3, hiMs * 1.3]);
  const y = scaleLinear().domain([0, 1]);
  const legendItems = cdfs.map((c) => lineItem(`${c.label}: p50 ${formatMs(c.p50Ns)}, p99 ${formatMs(c.p99Ns)} ms (${thousands(c.count)} ${c.unit})`, SERVING_LATENCY_STYLE[c.key]));
  const left = 24 + widestLabel(['100 %']) + 14;
  const right = width - 44;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 14;
  const bottom = height - 46;
  x.range([left, right]);
  y.range([bottom, top]);
  const [d0, d1] = x.domain() as [number, number];
  const ticks = logTicks(d0, d1);
  const grid: string[] = [];
  for (const v of ticks.minor) grid.push(el('line', { x1: x(v), y1: top, x2: x(v), y2: bottom, stroke: INK.grid, 'stroke-width': 0.6 }));
  for (const v of ticks.labelled) {
    grid.push(el('line', { x1: x(v), y1: top, x2: x(v), y2: bottom, stroke: INK.grid }));
    grid.push(el('line', { x1: x(v), y1: bottom, x2: x(v), y2: bottom + 5, stroke: INK.axis }));
    grid.push(text(x(v), bottom + 18, msTick(v), { 'text-anchor': 'middle', 'font-size': 11 }));
  }
  grid.push(el('line', { x1: left, y1: bottom, x2: right, y2: bottom, stroke: INK.axis }));
  const guides: string[] = [];
  for (const [p, label] of [[0.5, 'p50'], [0.9, 'p90'], [0.99, 'p99']] as const) {
    guides.push(el('line', { x1: left, y1: y(p), x2: right, y2: y(p), stroke: INK.muted, 'stroke-width': 0.8, 'stroke-dasharray': '2 3' }));
    guides.push(text(right + 4, y(p) + (p === 0.99 ? 0 : 4), label, { class: 'percentile', 'font-size': 10, fill: INK.muted }));
  }
  const marks: string[] = [];
  const clip = clipBox(`${id}-plot`, left, top, right, bottom);
  for (const c of cdfs) {
    const st = SERVING_LATENCY_STYLE[c.key];
    const pts = c.points;
    let d = `M${px(left)},${px(y(0))}L${px(x(pts[0]![0] / 1e6))},${px(y(0))}`;
    let prevY = 0;
    for (const [v, f] of pts) {
      const xv = x(v / 1e6);
      d += `L${px(xv)},${px(y(prevY))}L${px(xv)},${px(y(f))}`;
      prevY = f;
    }
    d += `L${px(right)},${px(y(prevY))}`;
    const markers = ([[c.p50Ns, 'p50'], [c.p90Ns, 'p90'], [c.p99Ns, 'p99']] as const).map(([v, p]) => {
      const frac = p === 'p50' ? 0.5 : p === 'p90' ? 0.9 : 0.99;
      return el('g', { class: 'percentile-marker' }, [
        markerElement(st.marker, x(v / 1e6), y(frac), st.stroke, st.filled),
        el('title', {}, esc(`${c.label}, ${p}: ${formatMs(v)} ms`)),
      ]);
    });
    marks.push(el('g', { class: 'series', 'data-series': c.key }, [
      el('path', { class: 'line', d, 'clip-path': clip.ref, fill: 'none', stroke: st.stroke, 'stroke-width': 1.8, 'stroke-dasharray': st.dash || undefined, 'stroke-linejoin': 'round' }, el('title', {}, esc(`${c.label}: ${thousands(c.count)} ${c.unit}, from ${formatMs(c.minNs)} to ${formatMs(c.maxNs)} ms`))),
      ...markers,
    ]));
  }
  const body = [
    axisLeft(y, left, right - left, (v) => `${Math.round(v * 100)} %`, 5),
    el('g', { class: 'axis x log' }, grid),
    el('g', { class: 'guides' }, guides),
    el('g', { class: 'lines' }, marks),
    xLabel('Latency (ms, log scale)', (left + right) / 2, height - 10),
    yLabel('Cumulative fraction (of requests; of token gaps for TBT)', 18, (top + bottom) / 2),
    lg.svg,
  ];
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? 'Serving latency CDFs',
    subtitle: servingSubtitle(r),
    description: `Empirical cumulative distributions on a log time axis in ms: ${cdfs.map((c) => `${c.label} over ${c.count} ${c.unit}, p50 ${formatMs(c.p50Ns)} ms, p90 ${formatMs(c.p90Ns)} ms, p99 ${formatMs(c.p99Ns)} ms`).join('; ')}. Markers at p50, p90 and p99.`,
    defs: [clip.def],
    body,
  });
}

/** A stretch of consecutive steps with the same batch, queue and tokens (or a gap without steps, all zero). */
export interface StepSegment {
  readonly startNs: number;
  readonly endNs: number;
  /** First and last step index of the stretch; null for an idle gap. */
  readonly steps: readonly [number, number] | null;
  readonly prefillRequests: number;
  readonly decodeRequests: number;
  readonly waiting: number;
  readonly prefillTokens: number;
  readonly decodeTokens: number;
}

/**
 * Most step segments a chart is drawn from. Past it (a run of tens of thousands of requests whose batch keeps
 * changing), the segments merge into time buckets, each drawn at the busiest values of the steps in it, so that a
 * report's charts and the memory that builds them stay bounded however long the run (issue #18): 8,192 is over ten
 * per pixel column of a chart 720 px wide, so the drawing a reader sees keeps each column's busiest step.
 */
export const MAX_STEP_SEGMENTS = 8192;

/**
 * The steps as segments over time: back-to-back steps with equal values merge (exactly: nothing is averaged), and
 * idle time between steps is a segment of zeros. Thousands of decode steps of a steady batch become one segment.
 * Past `maxSegments`, time buckets (StepSegmenter).
 */
export function stepSegments(r: ServingReport, maxSegments = MAX_STEP_SEGMENTS): StepSegment[] {
  const g = new StepSegmenter(maxSegments);
  for (const s of r.steps) g.add(s);
  return g.segments;
}

type MutableSegment = { -readonly [K in keyof StepSegment]: StepSegment[K] };

/**
 * stepSegments of steps given one at a time, in order (a streamed report's steps.csv). While there are at most
 * `maxSegments` segments, each is exact. Past that, time is cut into buckets of a power-of-two number of
 * picoseconds, wide enough for half that many, and the segments that start in one bucket merge into one segment
 * spanning them, drawn at the bucket's busiest step (mergeSegment) with the first to last step index (`bucketPs`,
 * doubling whenever the count passes `maxSegments` again). Deterministic: it depends only on the steps, in order.
 */
export class StepSegmenter {
  /** The segments so far (the last one may still grow). */
  readonly segments: MutableSegment[] = [];
  /** Width of a time bucket in picoseconds; 0 while every segment is exact. */
  bucketPs = 0;

  constructor(private readonly maxSegments = MAX_STEP_SEGMENTS) {}

  /** Adds the next step. */
  add(s: Pick<ServingReport['steps'][number], 'index' | 'startNs' | 'timeNs' | 'prefillRequests' | 'decodeRequests' | 'waiting' | 'prefillTokens' | 'decodeTokens'>): void {
    const out = this.segments;
    const startPs = Math.round(s.startNs * 1000);
    const endNs = stepEndPs(s) / 1000;
    const last = out[out.length - 1];
    const lastEndPs = last ? Math.round(last.endNs * 1000) : 0;
    if (last && startPs > lastEndPs) {
      this.push({ startNs: last.endNs, endNs: s.startNs, steps: null, prefillRequests: 0, decodeRequests: 0, waiting: 0, prefillTokens: 0, decodeTokens: 0 });
    }
    const prev = out[out.length - 1];
    const same = this.bucketPs === 0 && prev && prev.steps !== null && Math.round(prev.endNs * 1000) === startPs && prev.prefillRequests === s.prefillRequests
      && prev.decodeRequests === s.decodeRequests && prev.waiting === s.waiting && prev.prefillTokens === s.prefillTokens && prev.decodeTokens === s.decodeTokens;
    if (same) {
      prev.endNs = endNs;
      prev.steps = [prev.steps![0], s.index];
    } else {
      this.push({
        startNs: s.startNs, endNs, steps: [s.index, s.index], prefillRequests: s.prefillRequests, decodeRequests: s.decodeRequests,
        waiting: s.waiting, prefillTokens: s.prefillTokens, decodeTokens: s.decodeTokens,
      });
    }
  }

  /** Appends `seg`, or merges it into the last segment when both start in one bucket; re-buckets past the limit. */
  private push(seg: MutableSegment): void {
    const out = this.segments;
    const last = out[out.length - 1];
    if (this.bucketPs > 0 && last && this.bucketOf(last) === this.bucketOf(seg)) mergeSegment(last, seg);
    else out.push(seg);
    if (out.length > this.maxSegments) this.rebucket();
  }

  private bucketOf(seg: StepSegment): number {
    return Math.floor(Math.round(seg.startNs * 1000) / this.bucketPs);
  }

  /** Widens the buckets (first to a width that holds the run so far in half the limit, then doubling) and re-merges. */
  private rebucket(): void {
    const out = this.segments;
    const spanPs = Math.round(out[out.length - 1]!.endNs * 1000) - Math.round(out[0]!.startNs * 1000);
    let width = this.bucketPs > 0 ? this.bucketPs * 2 : 1;
    while (width * (this.maxSegments / 2) < spanPs) width *= 2;
    this.bucketPs = width;
    const merged: MutableSegment[] = [];
    for (const seg of out) {
      const prev = merged[merged.length - 1];
      if (prev && this.bucketOf(prev) === this.bucketOf(seg)) mergeSegment(prev, seg);
      else merged.push(seg);
    }
    out.length = 0;
    for (const seg of merged) out.push(seg);
  }
}

/**
 * `into` grows to the end of `seg` and spans both segments' steps. Each panel keeps one real step's stack: the
 * requests (decoding + prefilling) of the step with the most of them, the tokens (decode + prompt) of the step with
 * the most of them (the earlier on a tie), so a stack never rises above a step that happened; the queue keeps its
 * longest.
 */
function mergeSegment(into: MutableSegment, seg: StepSegment): void {
  into.endNs = seg.endNs;
  if (seg.steps !== null) into.steps = into.steps === null ? seg.steps : [into.steps[0], seg.steps[1]];
  if (seg.decodeRequests + seg.prefillRequests > into.decodeRequests + into.prefillRequests) {
    into.decodeRequests = seg.decodeRequests;
    into.prefillRequests = seg.prefillRequests;
  }
  if (seg.decodeTokens + seg.prefillTokens > into.decodeTokens + into.prefillTokens) {
    into.decodeTokens = seg.decodeTokens;
    into.prefillTokens = seg.prefillTokens;
  }
  into.waiting = Math.max(into.waiting, seg.waiting);
}

/** A time unit for a serving span: ms up to 10 s, s above. */
export function servingTimeUnit(spanNs: number): { unit: 'ms' | 's'; perNs: number } {
  return spanNs <= 1e10 ? { unit: 'ms', perNs: 1e-6 } : { unit: 's', perNs: 1e-9 };
}

/** Legend labels of the step parts. */
export const SERVING_PHASE_LABEL: Readonly<Record<ServingPhase, string>> = Object.freeze({ prefill: 'prefill', decode: 'decode' });

/**
 * Batch and tokens over time: two panels over one time axis. Top: requests in each step (decoding, then
 * prefilling, stacked) and the requests waiting in the queue after its admissions (dashed). Bottom: tokens each
 * step processes (decode tokens, then prompt tokens, stacked). Each step is drawn over its duration.
 */
export function batchTimelineChart(r: ServingReport, options: ChartOptions = {}, series: ServingSeries = servingSeries(r)): string {
  const width = options.width ?? 900;
  const height = options.height ?? 520;
  const id = 'strata-batch-timeline';
  const fills = new Fills(id);
  const segs = series.segments;
  const st = series.steps;
  const endNs = Math.max(r.totals.lastFinishNs, segs.length ? segs[segs.length - 1]!.endNs : 0) || 1;
  const { unit, perNs } = servingTimeUnit(endNs);
  const legendItems: LegendItem[] = [
    ...SERVING_PHASES.slice().reverse().map((p) => ({ label: `${SERVING_PHASE_LABEL[p]} (requests / tokens)`, swatch: { kind: 'box' as const, fill: fills.fill(SERVING_PHASE_STYLE[p]) } })),
    { label: 'waiting in the queue (requests)', swatch: { kind: 'line', stroke: SERVING_WAITING_LINE.stroke, dash: SERVING_WAITING_LINE.dash } },
  ];
  // A loop, not Math.max(...segs.map()): a run of 100,000 requests has over 200,000 segments, past what a spread
  // may pass as arguments (a RangeError from the call stack, issue #18).
  let maxReq = 1;
  let maxTok = 1;
  for (const s of segs) {
    maxReq = Math.max(maxReq, s.prefillRequests + s.decodeRequests, s.waiting);
    maxTok = Math.max(maxTok, s.prefillTokens + s.decodeTokens);
  }
  const yReq = scaleLinear().domain([0, maxReq * 1.08]).nice();
  // Whole prompts in one step dwarf the decode tokens of every other step: past 20x the median step, the tokens
  // axis is symmetric-log (linear near 0, logarithmic above), so both stay readable.
  const tokens = segs.map((s) => s.prefillTokens + s.decodeTokens).filter((v) => v > 0).sort((a, b) => a - b);
  const symlog = tokens.length > 0 && maxTok / tokens[Math.floor(tokens.length / 2)]! >= 20;
  const yTok = symlog ? scaleSymlog().domain([0, maxTok * 1.15]) : scaleLinear().domain([0, maxTok * 1.08]).nice();
  const tokTicks = symlog ? [0, ...logTicks(1, maxTok * 1.15).labelled] : (yTok as ReturnType<typeof scaleLinear<number>>).ticks(4);
  const left = 24 + Math.max(widestLabel(yReq.ticks(4).map(thousands)), widestLabel(tokTicks.map(thousands))) + 14;
  const right = width - 20;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 14;
  const bottom = height - 46;
  const gap = 30;
  const panelH = (bottom - top - gap) / 2;
  yReq.range([top + panelH, top]);
  yTok.range([bottom, bottom - panelH]);
  const x = scaleLinear().domain([0, endNs * perNs]).range([left, right]);
  const X = (ns: number) => x(ns * perNs);
  /** A stepped outline through the segments at heights `hi`, closed back along `lo` (areas) or open (lines). */
  const stepPath = (hi: (s: StepSegment) => number, lo: ((s: StepSegment) => number) | null): string => {
    if (segs.length === 0) return '';
    let d = '';
    segs.forEach((s, k) => {
      d += `${k === 0 ? 'M' : 'L'}${px(X(s.startNs))},${px(hi(s))}L${px(X(s.endNs))},${px(hi(s))}`;
    });
    if (!lo) return d;
    for (let k = segs.length - 1; k >= 0; k--) {
      const s = segs[k]!;
      d += `L${px(X(s.endNs))},${px(lo(s))}L${px(X(s.startNs))},${px(lo(s))}`;
    }
    return `${d}Z`;
  };
  // Each panel clips its own marks: the requests panel above, the tokens panel below.
  const clipReq = clipBox(`${id}-requests`, left, top, right, top + panelH);
  const clipTok = clipBox(`${id}-tokens`, left, bottom - panelH, right, bottom);
  const area = (cls: 'requests' | 'tokens', p: ServingPhase, d: string, tip: string) =>
    el('path', { class: `area ${cls}`, 'data-series': p, d, 'clip-path': (cls === 'requests' ? clipReq : clipTok).ref, fill: fills.fill(SERVING_PHASE_STYLE[p]), stroke: INK.axis, 'stroke-width': 0.4 }, el('title', {}, esc(tip)));
  const marks = [
    area('requests', 'decode', stepPath((s) => yReq(s.decodeRequests), () => yReq(0)), `decoding requests per step: mean ${st.meanDecodeRequests.toFixed(2)}, max ${st.maxDecodeRequests}`),
    area('requests', 'prefill', stepPath((s) => yReq(s.decodeRequests + s.prefillRequests), (s) => yReq(s.decodeRequests)), `prefilling requests per step: mean ${st.meanPrefillRequests.toFixed(2)}, max ${st.maxPrefillRequests}`),
    el('path', { class: 'line waiting', d: stepPath((s) => yReq(s.waiting), null), 'clip-path': clipReq.ref, fill: 'none', stroke: SERVING_WAITING_LINE.stroke, 'stroke-width': 1.4, 'stroke-dasharray': SERVING_WAITING_LINE.dash }, el('title', {}, esc(`requests waiting after each step's admissions: max ${st.maxWaiting}`))),
    area('tokens', 'decode', stepPath((s) => yTok(s.decodeTokens), () => yTok(0)), `decode tokens per step: mean ${st.meanDecodeTokens.toFixed(2)}`),
    area('tokens', 'prefill', stepPath((s) => yTok(s.decodeTokens + s.prefillTokens), (s) => yTok(s.decodeTokens)), `prompt tokens per step: mean ${st.meanPrefillTokens.toFixed(2)}, max ${st.maxPrefillTokens}`),
  ];
  const panelTitle = (y0: number, content: string) => text(right - 4, y0 - 4, content, { class: 'panel-title', 'text-anchor': 'end', 'font-size': 11, 'font-weight': 'bold', fill: INK.muted });
  const tickCount = Math.max(3, Math.floor((right - left) / 90));
  const body = [
    axisLeft(yReq, left, right - left, thousands, 4),
    tokenAxis(yTok, tokTicks, left, right - left, bottom - panelH),
    axisHorizontal(x, top + panelH, format(',~r'), 'bottom', 0, tickCount).replace('class="axis x"', 'class="axis x upper"'),
    axisHorizontal(x, bottom, format(',~r'), 'bottom', 0, tickCount),
    el('g', { class: 'areas' }, marks),
    panelTitle(top, 'Requests per step'),
    panelTitle(bottom - panelH, symlog ? 'Tokens per step (symmetric log scale)' : 'Tokens per step'),
    yLabel('Requests', 18, top + panelH / 2),
    yLabel('Tokens', 18, bottom - panelH / 2),
    xLabel(`Time from the request set's time 0 (${unit}); ${series.segmentBucketNs === 0 ? 'each step drawn over its duration' : `each ${format(',.4~r')(series.segmentBucketNs * perNs)} ${unit} bucket drawn at its busiest step`}`, (left + right) / 2, height - 10),
    lg.svg,
  ];
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? 'Batch and tokens per step over time',
    subtitle: servingSubtitle(r),
    description: `Two panels over ${format(',.4~r')(endNs * perNs)} ${unit}: requests per step (decoding and prefilling, stacked; mean batch ${r.totals.meanBatch.toFixed(2)}, max ${r.totals.maxBatch}) with the queue as a dashed line, and tokens per step (decode and prompt tokens, stacked), over ${thousands(st.count)} steps.${bucketNote(series)}`,
    defs: [...fills.defs(), clipReq.def, clipTok.def],
    body,
  });
}

/** Said where the steps were drawn in time buckets (StepSegmenter): what a bar then shows. */
export function bucketNote(series: ServingSeries): string {
  if (series.segmentBucketNs === 0) return '';
  return ` More stretches of steps than ${thousands(MAX_STEP_SEGMENTS)}: time is cut into buckets of ${format(',.4~r')(series.segmentBucketNs / 1e6)} ms, each drawn at its step with the most requests (top panel) and with the most tokens (bottom panel), the queue at its longest.`;
}

/** The tokens axis: grid lines, ticks and labels at `ticks` (linear or symmetric-log scale). */
function tokenAxis(y: (v: number) => number, ticks: readonly number[], x: number, gridWidth: number, topY: number): string {
  const out: string[] = [];
  let lastY = Infinity;
  for (const t of ticks) {
    // Labels at least 12 px apart (a symmetric-log axis crowds 0, 1, 2 at its foot).
    if (lastY - y(t) < 12) continue;
    lastY = y(t);
    out.push(el('line', { x1: x, y1: y(t), x2: x + gridWidth, y2: y(t), stroke: INK.grid, 'stroke-width': 1 }));
    out.push(el('line', { x1: x - 5, y1: y(t), x2: x, y2: y(t), stroke: INK.axis }));
    out.push(text(x - 8, y(t) + 4, thousands(t), { 'text-anchor': 'end', 'font-size': 11 }));
  }
  out.push(el('line', { x1: x, y1: y(0), x2: x, y2: topY, stroke: INK.axis }));
  return el('g', { class: 'axis y' }, out);
}

/** A chart of a serving report: file stem, and how to render it. */
export interface ServingChart {
  name: string;
  /** `series`: what to draw, when the report's records are not inline (default: from them). */
  render: (r: ServingReport, options?: ChartOptions, series?: ServingSeries) => string;
}

/** Every static chart of a serving report, in the order of the report page. */
export const SERVING_CHARTS: readonly ServingChart[] = Object.freeze([
  { name: 'latency-cdf', render: latencyCdfChart },
  { name: 'batch-timeline', render: batchTimelineChart },
]);

