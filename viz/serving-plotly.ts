/**
 * Interactive versions of the serving-report charts: plotly figure specs (plain JSON) built from a serving report,
 * with the palette, axis titles and units of the static charts (viz/serving-charts.ts). The time axes zoom.
 */
import { format } from 'd3';
import type { ServingReport } from '../src/report/serving-report.ts';
import { INK, SERVING_LATENCY_STYLE, SERVING_PHASE_STYLE, SERVING_WAITING_LINE, type LineStyle } from './palette.ts';
import { barMarker, baseLayout, config, valueAxis, type Json, type PlotlyFigure } from './plotly-figures.ts';
import { bucketNote, formatMs, servingSeries, servingSubtitle, servingTimeUnit, type ServingSeries } from './serving-charts.ts';

const thousands = format(',');
const SYMBOL = { circle: 'circle', square: 'square', triangle: 'triangle-up', diamond: 'diamond' } as const;

/** A plotly dash list (`8px,3px`) for an SVG dash array (`8 3`), or solid. */
function dash(st: LineStyle): string {
  return st.dash ? st.dash.split(' ').map((v) => `${v}px`).join(',') : 'solid';
}

function latencyFigure(r: ServingReport, series: ServingSeries): PlotlyFigure {
  const cdfs = series.cdfs.filter((c) => c.count > 0);
  const data: Json[] = [];
  for (const c of cdfs) {
    const st = SERVING_LATENCY_STYLE[c.key];
    const pts = c.points;
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: c.label,
      legendgroup: c.key,
      // Starts at 0 at the smallest sample, then steps up at each sample (right-continuous).
      x: [pts[0]![0] / 1e6, ...pts.map((p) => p[0] / 1e6)],
      y: [0, ...pts.map((p) => p[1])],
      line: { color: st.stroke, width: 2, dash: dash(st), shape: 'hv' },
      hovertemplate: `${c.label}<br>%{y:.1%} of ${c.unit} at or below %{x:,.4~r} ms<extra></extra>`,
    });
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: `${c.label} p50 / p90 / p99`,
      legendgroup: c.key,
      showlegend: false,
      x: [c.p50Ns, c.p90Ns, c.p99Ns].map((v) => v / 1e6),
      y: [0.5, 0.9, 0.99],
      text: ['p50', 'p90', 'p99'],
      marker: { symbol: `${SYMBOL[st.marker]}${st.filled ? '' : '-open'}`, size: 9, color: st.stroke, line: { color: st.stroke, width: 1.2 } },
      hovertemplate: `${c.label}, %{text}: %{x:,.4~r} ms<extra></extra>`,
    });
  }
  const guides = [0.5, 0.9, 0.99];
  // A log axis has no zero line (plotly rejects its settings there).
  const { zeroline: _z, zerolinecolor: _zc, ...xaxis } = valueAxis('Latency (ms, log scale)', { type: 'log' });
  return {
    id: 'chart-latency-cdf',
    name: 'latency-cdf',
    caption: `Cumulative distributions of latency on a log axis: ${cdfs.map((c) => `${c.label} (${thousands(c.count)} ${c.unit}; p50 ${formatMs(c.p50Ns)} ms, p99 ${formatMs(c.p99Ns)} ms)`).join(', ')}. Markers at p50, p90 and p99; drag to zoom, double-click to reset.`,
    data,
    layout: baseLayout('Serving latency CDFs', servingSubtitle(r), {
      height: 480,
      margin: { l: 72, r: 24, t: 124, b: 64 },
      xaxis,
      yaxis: valueAxis('Cumulative fraction (of requests; of token gaps for TBT)', { range: [0, 1.03], tickformat: '.0%' }),
      shapes: guides.map((g) => ({ type: 'line', xref: 'paper', yref: 'y', x0: 0, x1: 1, y0: g, y1: g, line: { color: INK.muted, width: 0.8, dash: 'dot' } })),
    }),
    config: config('latency-cdf'),
  };
}

function batchFigure(r: ServingReport, series: ServingSeries): PlotlyFigure {
  const segs = series.segments;
  const endNs = Math.max(r.totals.lastFinishNs, segs.length ? segs[segs.length - 1]!.endNs : 0) || 1;
  const { unit, perNs } = servingTimeUnit(endNs);
  // Each stretch of steps is a bar as wide as its time (stacked: decode, then prefill), so that hovering anywhere
  // over it shows its own counts; the queue is a stepped line through every stretch, idle gaps included.
  const busy = segs.filter((s) => s.steps !== null);
  const mid = busy.map((s) => ((s.startNs + s.endNs) / 2) * perNs);
  const width = busy.map((s) => (s.endNs - s.startNs) * perNs);
  const custom = busy.map((s) => [
    s.steps![0] === s.steps![1] ? `step ${s.steps![0]}` : `steps ${s.steps![0]}–${s.steps![1]}`,
    s.decodeRequests, s.prefillRequests, s.waiting, s.decodeTokens, s.prefillTokens, s.startNs * perNs, s.endNs * perNs,
  ]);
  const hover = `%{customdata[0]}, %{customdata[6]:,.4~r}–%{customdata[7]:,.4~r} ${unit}<br>requests: %{customdata[1]} decoding, %{customdata[2]} prefilling, %{customdata[3]} waiting<br>tokens: %{customdata[4]} decode, %{customdata[5]} prompt<extra></extra>`;
  const bars = (name: string, p: 'prefill' | 'decode', y: number[], yaxis: 'y' | 'y2', legend: boolean): Json => ({
    type: 'bar', name, legendgroup: p, showlegend: legend, x: mid, y, width, yaxis, customdata: custom,
    marker: { ...barMarker(SERVING_PHASE_STYLE[p]), line: { width: 0 } },
    hovertemplate: hover,
  });
  const data: Json[] = [
    bars('decode (requests / tokens)', 'decode', busy.map((s) => s.decodeRequests), 'y', true),
    bars('prefill (requests / tokens)', 'prefill', busy.map((s) => s.prefillRequests), 'y', true),
    {
      type: 'scatter', mode: 'lines', name: 'waiting in the queue (requests)', yaxis: 'y',
      x: [...segs.map((s) => s.startNs * perNs), ...(segs.length ? [segs[segs.length - 1]!.endNs * perNs] : [])],
      y: [...segs.map((s) => s.waiting), ...(segs.length ? [segs[segs.length - 1]!.waiting] : [])],
      line: { color: SERVING_WAITING_LINE.stroke, width: 1.4, dash: dash(SERVING_WAITING_LINE), shape: 'hv' }, hoverinfo: 'skip',
    },
    bars('decode tokens', 'decode', busy.map((s) => s.decodeTokens), 'y2', false),
    bars('prompt tokens', 'prefill', busy.map((s) => s.prefillTokens), 'y2', false),
  ];
  return {
    id: 'chart-batch-timeline',
    name: 'batch-timeline',
    wide: true,
    caption: `Requests in each of the ${thousands(series.steps.count)} steps (decoding and prefilling, stacked; mean batch ${r.totals.meanBatch.toFixed(2)}, max ${r.totals.maxBatch}) with the queue dashed, and tokens per step below; drag to zoom into single steps, hover for their counts.${bucketNote(series)}`,
    data,
    layout: baseLayout('Batch and tokens per step over time', servingSubtitle(r), {
      height: 560,
      barmode: 'stack',
      bargap: 0,
      xaxis: valueAxis(`Time from the request set's time 0 (${unit})`, { range: [0, endNs * perNs], anchor: 'y2' }),
      yaxis: valueAxis('Requests per step', { domain: [0.55, 1], rangemode: 'tozero' }),
      yaxis2: valueAxis('Tokens per step', { domain: [0, 0.45], rangemode: 'tozero' }),
    }),
    config: config('batch-timeline'),
  };
}

/** The interactive figures of a serving report, in the same order as the static charts. */
export function servingPlotlyFigures(r: ServingReport, series: ServingSeries = servingSeries(r)): PlotlyFigure[] {
  return [latencyFigure(r, series), batchFigure(r, series)];
}
