import { describe, it, expect } from 'vitest';
import type { FigureData } from '../../src/report/figure-data.ts';
import type { ServingReport } from '../../src/report/serving-report.ts';
import { figureCharts } from '../../viz/figure-charts.ts';
import { servingHtmlReport } from '../../viz/html-report.ts';
import { DEVICE_STYLE, SERVING_LATENCY_STYLE } from '../../viz/palette.ts';
import {
  batchTimelineChart,
  cdfPoints,
  latencyCdfChart,
  latencyCdfs,
  logTicks,
  SERVING_CHARTS,
  servingSeries,
  StepSegmenter,
  stepSegments,
  tokenGapsNs,
} from '../../viz/serving-charts.ts';
import { servingPlotlyFigures } from '../../viz/serving-plotly.ts';
import { servingSweepChart, sweepSeries, sweepVariable } from '../../viz/serving-sweep-chart.ts';
import { count, deepFreeze, textOf, wellFormed } from './svg-checks.ts';
import { fixtureReport } from './fixtures.ts';

const load = (f: string) => fixtureReport(f);
/** `strata serve`: llama3-8b on the H100 roofline, 12 Alpaca-like requests at 40 req/s, max batch 8: 132 steps. */
const report = load('test/fixtures/reports/serving-llama3-8b-h100.json') as ServingReport;
/** Nine serving reports: three systems at max batch 1, 4, 16 (test/fixtures/reports/README.md). */
const sweep = load('test/fixtures/reports/figure-data-serving-sweep.json') as FigureData;

/** A copy of the report with some fields changed. */
function edited(f: (r: { -readonly [K in keyof ServingReport]: ServingReport[K] }) => void): ServingReport {
  const copy = JSON.parse(JSON.stringify(report));
  f(copy);
  return copy;
}

describe('serving charts of the fixture report', () => {
  for (const chart of SERVING_CHARTS) {
    it(`${chart.name}: matches its snapshot`, async () => {
      await expect(chart.render(report)).toMatchFileSnapshot(`__snapshots__/${chart.name}.svg`);
    });
  }

  it('serving-throughput (figure data of a sweep): matches its snapshot', async () => {
    await expect(servingSweepChart(sweep)).toMatchFileSnapshot('__snapshots__/serving-throughput.svg');
  });

  it('every chart is a well-formed standalone SVG with a title, a description, axis labels and no NaN', () => {
    const svgs = [...SERVING_CHARTS.map((c) => [c.name, c.render(report)] as const), ['serving-throughput', servingSweepChart(sweep)] as const];
    for (const [name, svg] of svgs) {
      expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'), name).toBe(true);
      expect(wellFormed(svg), name).toBe(true);
      expect(svg, name).toMatch(/<desc id="[^"]+">[^<]+<\/desc>/);
      expect(textOf(svg, 'chart-title'), name).toHaveLength(1);
      expect(textOf(svg, 'axis-label x'), name).toHaveLength(1);
      expect(textOf(svg, 'axis-label y').length, name).toBeGreaterThanOrEqual(1);
      expect(svg, name).not.toMatch(/NaN|undefined|Infinity|\[object/);
    }
  });

  it('TBT: the token gaps recovered from the steps are the report\'s pooled TBT (count and every percentile)', () => {
    const gaps = tokenGapsNs(report)!;
    // every request but those with one output token contributes outputTokens - 1 gaps
    expect(gaps).toHaveLength(report.requests.reduce((s, q) => s + q.outputTokens - 1, 0));
    expect(gaps).toHaveLength(report.latency.tbt.count); // 468
    const rank = (p: number) => gaps[Math.ceil((p / 100) * gaps.length) - 1]!;
    expect(rank(50)).toBeCloseTo(report.latency.tbt.p50Ns, 3);
    expect(rank(90)).toBeCloseTo(report.latency.tbt.p90Ns, 3);
    expect(rank(99)).toBeCloseTo(report.latency.tbt.p99Ns, 3);
    expect(gaps.at(-1)).toBeCloseTo(report.latency.tbt.maxNs, 3);
    expect(gaps.reduce((a, b) => a + b, 0) / gaps.length).toBeCloseTo(report.latency.tbt.meanNs, 2);
  });

  it('TBT: when the steps do not account for a request\'s tokens, the chart shows each request\'s mean gap and says so', () => {
    const broken = edited((r) => {
      r.requests = r.requests.map((q, i) => (i === 0 ? { ...q, outputTokens: q.outputTokens + 1 } : q));
    });
    expect(tokenGapsNs(broken)).toBeNull();
    const tbt = latencyCdfs(broken).find((c) => c.key === 'tbt')!;
    expect(tbt.label).toBe('mean TBT per request');
    expect(tbt.samplesNs).toHaveLength(12);
    expect(latencyCdfChart(broken)).toContain('mean TBT per request: p50');
  });

  it('latency CDFs: three step curves in the serving styles, p50/p90/p99 markers, a log ms axis from 10 to 1,000', () => {
    const svg = latencyCdfChart(report);
    expect(count(svg, /class="series"/g)).toBe(3);
    expect(count(svg, /class="percentile-marker"/g)).toBe(9);
    for (const k of ['ttft', 'tbt', 'e2e'] as const) expect(svg).toContain(`stroke="${SERVING_LATENCY_STYLE[k].stroke}"`);
    // samples span 7.2 ms (the shortest TTFT) to 1,038 ms (the longest end to end): the axis covers 5.6 to 1,350 ms
    expect(textOf(svg, 'axis-label x')).toEqual(['Latency (ms, log scale)']);
    expect(svg).toContain('>10</text>');
    expect(svg).toContain('>1,000</text>');
    expect(svg).toContain('time to first token (TTFT): p50 13.42, p99 65.14 ms (12 requests)');
    expect(svg).toContain('time between tokens (TBT): p50 9.187, p99 10.68 ms (468 token gaps)');
  });

  it('cdfPoints: one point per distinct sample with ties merged, at most maxPoints, ending at 1', () => {
    expect(cdfPoints([1, 2, 2, 3])).toEqual([[1, 0.25], [2, 0.75], [3, 1]]);
    expect(cdfPoints([])).toEqual([]);
    const many = Array.from({ length: 10_000 }, (_, i) => i + 1);
    const pts = cdfPoints(many, 100);
    expect(pts).toHaveLength(100);
    expect(pts[0]).toEqual([1, 1e-4]);
    expect(pts.at(-1)).toEqual([10_000, 1]);
    for (let i = 1; i < pts.length; i++) expect(pts[i]![0]).toBeGreaterThan(pts[i - 1]![0]);
  });

  it('logTicks: powers of ten labelled, 2x and 5x too over at most three decades', () => {
    expect(logTicks(5.6, 1350).labelled).toEqual([10, 20, 50, 100, 200, 500, 1000]);
    expect(logTicks(0.5, 20000).labelled).toEqual([1, 10, 100, 1000, 10000]);
  });

  it('step segments: back-to-back steps with equal values merge, covering every step once and the time exactly', () => {
    const segs = stepSegments(report);
    expect(segs.length).toBeLessThan(report.steps.length);
    const covered = segs.filter((s) => s.steps !== null).reduce((n, s) => n + s.steps![1] - s.steps![0] + 1, 0);
    expect(covered).toBe(report.steps.length);
    // no idle time in this run (busy = span): the segments tile [first step start, last step end)
    expect(segs.every((s) => s.steps !== null)).toBe(true);
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.startNs).toBeCloseTo(segs[i - 1]!.endNs, 3);
    // a gap between steps becomes an idle segment of zeros
    const idle = edited((r) => {
      r.steps = r.steps.map((s, i) => (i >= 1 ? { ...s, startNs: s.startNs + 1000 } : s));
    });
    const withGap = stepSegments(idle);
    expect(withGap[1]).toMatchObject({ steps: null, prefillRequests: 0, decodeRequests: 0, waiting: 0 });
  });

  it('batch over time: requests and tokens panels, prefill hatched over decode, the queue dashed', () => {
    const svg = batchTimelineChart(report);
    expect(textOf(svg, 'panel-title')).toEqual(['Requests per step', 'Tokens per step']);
    expect(count(svg, /class="area requests"/g)).toBe(2);
    expect(count(svg, /class="area tokens"/g)).toBe(2);
    expect(count(svg, /class="line waiting"/g)).toBe(1);
    expect(svg).toContain('<pattern id="strata-batch-timeline-diagonal-5a3a10"');
    expect(textOf(svg, 'axis-label x')[0]).toMatch(/\(ms\)/);
    // max batch 8: the requests axis goes to 8 (nice of 8.64 → 9 or 10, labelled)
    expect(svg).toMatch(/mean batch 3\.64, max 8/);
    expect(svg).not.toContain('symmetric log');
  });

  it('batch over time: a prompt far above the median step switches the tokens axis to symmetric log', () => {
    const spike = edited((r) => {
      r.steps = r.steps.map((s, i) => (i === 0 ? { ...s, prefillTokens: 2000 } : s));
    });
    const svg = batchTimelineChart(spike);
    expect(textOf(svg, 'panel-title')).toEqual(['Requests per step', 'Tokens per step (symmetric log scale)']);
    expect(svg).toContain('>1,000</text>');
  });

  it('batch over time: 200,000 step segments (about a 100,000-request run) draw without overflowing the call stack', () => {
    // Math.max(...segments) threw "Maximum call stack size exceeded" past about 120,000 segments (issue #18).
    const series = servingSeries(report);
    const last = series.segments[series.segments.length - 1]!;
    const segments = Array.from({ length: 200_000 }, (_, i) => ({
      startNs: last.endNs + i * 1000, endNs: last.endNs + (i + 1) * 1000, steps: [i, i] as const,
      prefillRequests: 0, decodeRequests: 1 + (i % 7), waiting: i === 100_000 ? 40 : 0, prefillTokens: 0, decodeTokens: 1 + (i % 7),
    }));
    const svg = batchTimelineChart(report, {}, { ...series, segments: [...series.segments, ...segments] });
    // The queue's peak of 40 sets the requests axis (nice of 40 x 1.08 = 43.2 -> 45 or 50).
    const yTicks = [...svg.matchAll(/text-anchor="end" font-size="11">([\d,]+)<\/text>/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
    expect(Math.max(...yTicks)).toBeGreaterThanOrEqual(40);
    expect(wellFormed(svg)).toBe(true);
  });

  it('past maxSegments, steps merge into time buckets: bounded, contiguous, every step once, each stack a real step, peaks kept', () => {
    // 30,000 steps of 1 us with a batch that keeps changing (a long serving run), an idle gap every 997 steps.
    const steps: Parameters<StepSegmenter['add']>[0][] = [];
    let t = 0;
    for (let i = 0; i < 30_000; i++) {
      if (i % 997 === 0) t += 5_000;
      const decodeRequests = (i * 7) % 13;
      const prefillRequests = i % 5 === 0 ? (i % 3) : 0;
      steps.push({ index: i, startNs: t, timeNs: 1000, decodeRequests, prefillRequests, waiting: (i * 11) % 17, decodeTokens: decodeRequests, prefillTokens: prefillRequests * ((i % 400) + 1) });
      t += 1000;
    }
    const g = new StepSegmenter(1000);
    for (const s of steps) g.add(s);
    const segs = g.segments;
    expect(segs.length).toBeLessThanOrEqual(1000);
    expect(segs.length).toBeGreaterThan(250);
    expect(g.bucketPs).toBeGreaterThan(0);
    expect(segs[0]!.startNs).toBe(steps[0]!.startNs);
    expect(segs[segs.length - 1]!.endNs).toBe(t);
    let next = 0;
    segs.forEach((seg, k) => {
      if (k > 0) expect(seg.startNs).toBe(segs[k - 1]!.endNs);
      if (seg.steps === null) return;
      expect(seg.steps[0]).toBe(next);
      next = seg.steps[1] + 1;
      const inside = steps.slice(seg.steps[0], seg.steps[1] + 1);
      // The requests stack is the busiest step's (by requests), the tokens stack the busiest step's by tokens.
      expect(inside.some((s) => s.decodeRequests === seg.decodeRequests && s.prefillRequests === seg.prefillRequests)).toBe(true);
      expect(seg.decodeRequests + seg.prefillRequests).toBe(Math.max(...inside.map((s) => s.decodeRequests + s.prefillRequests)));
      expect(seg.decodeTokens + seg.prefillTokens).toBe(Math.max(...inside.map((s) => s.decodeTokens + s.prefillTokens)));
      expect(seg.waiting).toBe(Math.max(...inside.map((s) => s.waiting)));
    });
    expect(next).toBe(steps.length);
    // The same steps give the same segments (a pure function of the steps in order).
    const again = new StepSegmenter(1000);
    for (const s of steps) again.add(s);
    expect(again.segments).toEqual(segs);
    // And a report with no more segments than the limit is drawn exactly, as before (no bucket note).
    expect(servingSeries(report).segmentBucketNs).toBe(0);
    expect(batchTimelineChart(report)).not.toContain('buckets of');
  });

  it('is deterministic: same report → byte-identical SVG and HTML, from a fresh copy and from a frozen one', () => {
    const copy = deepFreeze(JSON.parse(JSON.stringify(report)) as ServingReport);
    for (const chart of SERVING_CHARTS) expect(chart.render(copy)).toBe(chart.render(report));
    expect(servingHtmlReport(copy)).toBe(servingHtmlReport(report));
    const frozenSweep = deepFreeze(JSON.parse(JSON.stringify(sweep)) as FigureData);
    expect(servingSweepChart(frozenSweep)).toBe(servingSweepChart(sweep));
  });
});

describe('serving sweep chart (figure data)', () => {
  it('is the chart of the serving-sweep figure set', () => {
    expect(figureCharts(sweep).map((c) => c.name)).toEqual(['serving-throughput']);
  });

  it('one series per system, coloured by device kind; two GPUs told apart by dash and marker', () => {
    expect(sweepVariable(sweep)).toBe('maxBatch');
    const series = sweepSeries(sweep);
    expect(series.map((s) => [s.label, s.kind])).toEqual([['duplex', 'xpu'], ['gpu-a100-80gb', 'gpu'], ['gpu-h100-sxm', 'gpu']]);
    for (const s of series) {
      expect(s.x).toEqual([1, 4, 16]);
      expect(s.style.stroke).toBe(DEVICE_STYLE[s.kind].fill);
    }
    expect(series[1]!.style.marker).not.toBe(series[2]!.style.marker);
    expect(series[1]!.style.dash).not.toBe(series[2]!.style.dash);
    // continuous batching: more requests at once, more output tokens per second
    for (const s of series) for (let i = 1; i < s.x.length; i++) expect(s.throughput[i]!).toBeGreaterThan(s.throughput[i - 1]!);
    const svg = servingSweepChart(sweep);
    expect(count(svg, /class="series"/g)).toBe(2 * 3);
    expect(textOf(svg, 'axis-label x')).toEqual(['Max batch (requests running at once; log scale)']);
  });
});

describe('serving HTML page (no browser)', () => {
  const html = servingHtmlReport(report);

  it('is self-contained and embeds the report', () => {
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|@import/i);
    const m = html.match(/<script type="application\/json" id="strata-report">([^<]*)<\/script>/);
    expect(JSON.parse(m![1]!)).toEqual(report);
    expect(html).toContain('<title>Strata serving report — llama3-8b on gpu-h100-sxm</title>');
  });

  it('has the latency CDFs (log x axis) and the batch over time, with titled axes and every sample', () => {
    const figures = servingPlotlyFigures(report);
    expect(figures.map((f) => f.name)).toEqual(SERVING_CHARTS.map((c) => c.name));
    const cdf = figures[0]!;
    expect((cdf.layout as { xaxis: { type: string; title: { text: string } } }).xaxis).toMatchObject({ type: 'log', title: { text: 'Latency (ms, log scale)' } });
    const lines = (cdf.data as Array<{ mode: string; x: number[]; y: number[] }>).filter((t) => t.mode === 'lines');
    // TTFT: 12 distinct values + the start at 0; TBT: distinct gaps + 1; end to end: 12 + 1
    expect(lines.map((t) => t.x.length)).toEqual([13, new Set(tokenGapsNs(report)).size + 1, 13]);
    for (const t of lines) expect(t.y.at(-1)).toBe(1);
    const batch = figures[1]!;
    const traces = batch.data as Array<{ x: number[]; y: number[]; yaxis: string }>;
    expect(traces.map((t) => t.yaxis)).toEqual(['y', 'y', 'y', 'y2', 'y2']);
    const segs = stepSegments(report);
    const busy = segs.filter((g) => g.steps !== null).length;
    expect(traces.map((t) => t.x.length)).toEqual([busy, busy, segs.length + 1, busy, busy]); // a bar per stretch of steps; the queue's line
    // the bars tile the run: their widths add up to the busy time
    const widths = (traces[0] as unknown as { width: number[] }).width;
    expect(widths.reduce((a, b) => a + b, 0)).toBeCloseTo(report.totals.busyNs / 1e6, 3);
    expect(Math.max(...traces[0]!.y.map((d, i) => d + traces[1]!.y[i]!))).toBe(8); // decode + prefill requests reach the max batch
  });
});
