/**
 * The serving sweep chart of a `serving-sweep` figure-data file (several serving reports, `strata report A.json
 * B.json … --out DIR`): output throughput and p99 time between tokens against the max batch or the QPS, one line
 * per series (system), in its device kind's colour. A pure function of the data file.
 */
import { format, scaleLinear, scaleLog } from 'd3';
import type { FigureData } from '../src/report/figure-data.ts';
import { column, table } from './figure-tables.ts';
import { DEVICE_STYLE, INK, LINE_STYLES, type DeviceKind, type LineStyle } from './palette.ts';
import { DEVICE_LABEL } from './run-charts.ts';
import {
  axisLeft,
  clipBox,
  el,
  esc,
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

/** One line of the sweep: its points sorted by the swept value. */
export interface SweepSeries {
  readonly label: string;
  readonly kind: DeviceKind;
  /** Colour of the device kind; dash and marker tell apart series of one kind. */
  readonly style: LineStyle;
  readonly x: readonly number[];
  readonly throughput: readonly number[];
  readonly tbtP99Ms: readonly number[];
}

/** What the sweep varies: `maxBatch` or `qps` (the data file's `parameters.x`). */
export function sweepVariable(d: FigureData): 'maxBatch' | 'qps' {
  return d.parameters.x === 'qps' ? 'qps' : 'maxBatch';
}

/** The series of a sweep, in table order (rows are sorted by series, then the swept value). */
export function sweepSeries(d: FigureData): SweepSeries[] {
  const t = table(d, 'runs');
  const xs = column(t, sweepVariable(d));
  const series = column(t, 'series').map(String);
  const kinds = column(t, 'deviceKind').map(String);
  const thr = column(t, 'outputTokensPerS');
  const tbt = column(t, 'tbtP99Ms');
  const labels: string[] = [];
  for (const s of series) if (!labels.includes(s)) labels.push(s);
  const perKind = new Map<DeviceKind, number>();
  return labels.map((label) => {
    const rows = series.flatMap((s, i) => (s === label ? [i] : []));
    const k = kinds[rows[0]!]!;
    const kind: DeviceKind = k in DEVICE_STYLE ? (k as DeviceKind) : 'xpu';
    const j = perKind.get(kind) ?? 0;
    perKind.set(kind, j + 1);
    const ls = LINE_STYLES[j % LINE_STYLES.length]!;
    return {
      label, kind,
      style: { stroke: DEVICE_STYLE[kind].fill, dash: ls.dash, marker: ls.marker, filled: ls.filled },
      x: rows.map((i) => Number(xs[i])),
      throughput: rows.map((i) => Number(thr[i])),
      tbtP99Ms: rows.map((i) => Number(tbt[i])),
    };
  });
}

/**
 * Throughput against max batch (or QPS): two panels over the swept value, output tokens/s and p99 TBT in ms, one
 * cased line per series (a dark casing keeps light device colours visible and greyscale-readable). The x axis is
 * logarithmic (base 2) when the values span a factor of 8 or more.
 */
export function servingSweepChart(d: FigureData, options: ChartOptions = {}): string {
  const width = options.width ?? 900;
  const height = options.height ?? 420;
  const id = 'strata-serving-throughput';
  const series = sweepSeries(d);
  const v = sweepVariable(d);
  const allX = series.flatMap((s) => s.x);
  const lo = Math.min(...allX);
  const hi = Math.max(...allX);
  const log = lo > 0 && hi / lo >= 8;
  const legendItems: LegendItem[] = series.map((s) => ({ label: `${s.label} (${DEVICE_LABEL[s.kind]})`, swatch: { kind: 'line', stroke: s.style.stroke, dash: s.style.dash || undefined, marker: { shape: s.style.marker, filled: s.style.filled } } }));
  const yThr = scaleLinear().domain([0, Math.max(1, ...series.flatMap((s) => s.throughput)) * 1.1]).nice();
  const yTbt = scaleLinear().domain([0, Math.max(1e-3, ...series.flatMap((s) => s.tbtP99Ms)) * 1.1]).nice();
  const fmtThr = format(',~r');
  const fmtTbt = yTbt.tickFormat(5);
  const left = 24 + widestLabel(yThr.ticks(5).map(fmtThr)) + 14;
  const right = width - 16;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 30;
  const bottom = height - 50;
  const gapW = 40 + widestLabel(yTbt.ticks(5).map(fmtTbt)) + 14;
  const panelW = (right - left - gapW) / 2;
  const xFmt = format(',~r');
  const body: string[] = [];
  const panels: Array<{ x0: number; y: typeof yThr; fmt: (n: number) => string; get: (s: SweepSeries) => readonly number[]; title: string; unit: string }> = [
    { x0: left, y: yThr, fmt: fmtThr, get: (s) => s.throughput, title: 'Output throughput (tokens/s)', unit: 'tokens/s' },
    { x0: left + panelW + gapW, y: yTbt, fmt: fmtTbt, get: (s) => s.tbtP99Ms, title: 'Time between tokens, p99 (ms)', unit: 'ms' },
  ];
  const defs: string[] = [];
  for (const [k, p] of panels.entries()) {
    const pad = 12;
    const clip = clipBox(`${id}-plot-${k}`, p.x0, top, p.x0 + panelW, bottom);
    defs.push(clip.def);
    const x = (log ? scaleLog().base(2).domain([lo / 1.25, hi * 1.25]) : scaleLinear().domain([Math.min(0, lo), hi * 1.05 || 1])).range([p.x0 + pad, p.x0 + panelW - pad]);
    p.y.range([bottom, top]);
    const panel: string[] = [axisLeft(p.y, p.x0, panelW, p.fmt, 5)];
    const ticks = log ? [...new Set(allX)].sort((a, b) => a - b) : (x as ReturnType<typeof scaleLinear>).ticks(6);
    for (const t of ticks) {
      panel.push(el('line', { x1: x(t), y1: bottom, x2: x(t), y2: bottom + 5, stroke: INK.axis }));
      panel.push(text(x(t), bottom + 18, xFmt(t), { 'text-anchor': 'middle', 'font-size': 11 }));
    }
    panel.push(el('line', { x1: p.x0, y1: bottom, x2: p.x0 + panelW, y2: bottom, stroke: INK.axis }));
    panel.push(text(p.x0 + panelW / 2, top - 10, p.title, { class: 'panel-title', 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 'bold' }));
    for (const s of series) {
      const ys = p.get(s);
      const d0 = s.x.map((xv, i) => `${i === 0 ? 'M' : 'L'}${px(x(xv))},${px(p.y(ys[i]!))}`).join('');
      const marks = s.x.map((xv, i) => el('g', {}, [
        markerElement(s.style.marker, x(xv), p.y(ys[i]!), s.style.stroke, s.style.filled, 8),
        el('title', {}, esc(`${s.label}, ${v === 'maxBatch' ? 'max batch' : 'QPS'} ${xFmt(xv)}: ${format(',.4~r')(ys[i]!)} ${p.unit}`)),
      ]));
      panel.push(el('g', { class: 'series', 'data-series': s.label }, [
        el('path', { class: 'casing', d: d0, 'clip-path': clip.ref, fill: 'none', stroke: INK.text, 'stroke-width': 3.6, 'stroke-linejoin': 'round', 'stroke-opacity': 0.85 }),
        el('path', { class: 'line', d: d0, 'clip-path': clip.ref, fill: 'none', stroke: s.style.stroke, 'stroke-width': 2, 'stroke-dasharray': s.style.dash || undefined, 'stroke-linejoin': 'round' }),
        ...marks,
      ]));
    }
    body.push(el('g', { class: 'panel' }, panel));
  }
  const xTitle = v === 'maxBatch' ? 'Max batch (requests running at once' : 'Offered load (Poisson arrivals, requests/s';
  body.push(xLabel(`${xTitle}${log ? '; log scale' : ''})`, (left + right) / 2, height - 12));
  body.push(yLabel('Output tokens/s', 16, (top + bottom) / 2));
  body.push(lg.svg);
  const summary = series.map((s) => `${s.label}: ${s.x.map((xv, i) => `${xFmt(xv)} → ${format(',.1f')(s.throughput[i]!)} tokens/s`).join(', ')}`).join('; ');
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? `Serving throughput against ${v === 'maxBatch' ? 'max batch' : 'QPS'}`,
    subtitle: `${allX.length} serving reports (strata serve, continuous batching) · ${series.length} series`,
    description: `Lines per series: output tokens/s (left) and p99 time between tokens in ms (right) against the ${v === 'maxBatch' ? 'max batch' : 'QPS'}. ${summary}.`,
    defs,
    body,
  });
}
