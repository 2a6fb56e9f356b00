/**
 * Charts of the figure-data files of `strata figures` (`strata.figure-data/1`), each a pure function
 * `(data, options) => SVG`: PIM-GPT speed-up and energy efficiency over GPU/CPU baselines with the paper's ranges
 * as bands, PIM-GPT latency and energy breakdowns per token, and streaming bandwidth against the analytical peak.
 *
 * These read only the data files (tables of results written by `strata figures`), never the simulator.
 */
import { format, scaleBand, scaleLinear, scaleLog } from 'd3';
import type { FigureData, FigureReference, FigureTable, FigureValue } from '../src/report/figure-data.ts';
import { horizontalStackedBars, type StackSeries } from './bars.ts';
import { DEVICE_STYLE, INK, PIM_CLASS_STYLE, REFERENCE_BAND, type DeviceKind, type SeriesStyle } from './palette.ts';
import { DEVICE_LABEL } from './run-charts.ts';
import { servingSweepChart } from './serving-sweep-chart.ts';
import { sensitivityBandsChart } from './sensitivity-charts.ts';
import { duplexEnergyChart, duplexLatencyCdfChart, duplexThroughputChart } from './duplex-charts.ts';
import { ganttChart, type GanttOp } from './gantt.ts';
import { neupimsInterleavingChart, neupimsSpeedupChart, neupimsThroughputChart, neupimsUtilisationChart } from './neupims-charts.ts';
import { column, num, records, str, table } from './figure-tables.ts';
import {
  axisBandLeft,
  el,
  esc,
  haloText,
  headerLegend,
  svgDocument,
  text,
  textWidth,
  widestLabel,
  xLabel,
  yLabel,
  type ChartOptions,
  type LegendItem,
} from './svg.ts';

export type { ChartOptions } from './svg.ts';

/** The line under every PIM-GPT chart's title. */
export function pimGptSubtitle(d: FigureData): string {
  const p = d.parameters;
  // Data files that name their profiles (issue #14) also hold the T4 as a serving engine runs it: the line says both.
  const profiles = p.baselineProfile !== undefined && p.servingEngineProfile !== undefined
    ? `analytical kernel model under '${str(p.baselineProfile)}' (PyTorch kernel by kernel, as the paper measured); 'gpu-t4 ${str(p.servingEngineProfile)}': the T4 as a serving engine runs it (CUDA graphs)`
    : 'analytical kernel model, PyTorch eager (as the paper measured)';
  return `PIM-GPT (AiM in-bank PIM + ASIC) · ${str(p.promptTokens)}-token prompt, ${str(p.tokens)} generated tokens, batch 1 · baselines: ${profiles}`;
}

/**
 * A baseline as a panel names it: with its software profile where the data file has one and the name does not
 * already end with it ('gpu-t4 eager', 'gpu-t4 graphs'), so that the paper's setup and a serving engine's are told apart.
 */
export function baselinePanelName(s: { readonly baseline: string; readonly profile?: string }): string {
  return s.profile && !s.baseline.endsWith(` ${s.profile}`) ? `${s.baseline} ${s.profile}` : s.baseline;
}

/** Models in table order. */
function models(d: FigureData): string[] {
  return column(table(d, 'pim'), 'model').map(str);
}

/** One baseline's values of a metric per model, with its device kind. */
export interface BaselineSeries {
  baseline: string;
  kind: DeviceKind;
  /** Software profile of the baseline (`eager`, `graphs`), where the data file's table has the column. */
  profile?: string;
  values: number[];
}

function baselineSeries(d: FigureData, metric: 'speedup' | 'efficiency'): BaselineSeries[] {
  const t = table(d, 'baselines');
  const ms = models(d);
  const model = column(t, 'model').map(str);
  const baseline = column(t, 'baseline').map(str);
  const kind = column(t, 'kind').map(str);
  const value = column(t, metric).map(num);
  const profile = t.columns.some((c) => c.name === 'profile') ? column(t, 'profile').map(str) : null;
  const names: string[] = [];
  for (const b of baseline) if (!names.includes(b)) names.push(b);
  return names.map((b) => {
    const values = ms.map((m) => {
      const i = t.rows.findIndex((_, j) => model[j] === m && baseline[j] === b);
      return i < 0 ? 0 : value[i]!;
    });
    const k = kind[baseline.indexOf(b)] as DeviceKind;
    const prof = profile?.[baseline.indexOf(b)];
    return { baseline: b, kind: k in DEVICE_STYLE ? k : 'gpu', ...(prof ? { profile: prof } : {}), values };
  });
}

function referenceFor(d: FigureData, prefix: string, baseline: string): FigureReference | undefined {
  return d.references.find((r) => r.name.startsWith(prefix) && r.appliesTo.includes(baseline));
}

const ratio = (v: number) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}x`;

/**
 * Ratios of PIM-GPT over each baseline (speed-up or energy efficiency) per model, one panel per baseline on a
 * shared log axis, bars in the baseline's device-kind colour, the paper's range as a band where it applies.
 */
function ratioPanels(d: FigureData, metric: 'speedup' | 'efficiency', options: ChartOptions): string {
  const width = options.width ?? 900;
  const height = options.height ?? 420;
  const id = metric === 'speedup' ? 'strata-pim-gpt-speedup' : 'strata-pim-gpt-efficiency';
  const ms = models(d);
  const series = baselineSeries(d, metric);
  const refs = series.map((s) => referenceFor(d, metric, s.baseline));
  const maxValue = Math.max(2, ...series.flatMap((s) => s.values), ...refs.map((r) => r?.max ?? 0));
  const kinds = [...new Set(series.map((s) => s.kind))];
  const legendItems: LegendItem[] = kinds.map((k) => ({ label: `${DEVICE_LABEL[k]} baseline`, swatch: { kind: 'box', fill: DEVICE_STYLE[k].fill } }));
  if (refs.some((r) => r)) legendItems.push({ label: 'range published by the PIM-GPT paper (npj 2024)', swatch: { kind: 'box', fill: REFERENCE_BAND.fill, stroke: REFERENCE_BAND.stroke } });
  const left = 24 + widestLabel(ms) + 14;
  const right = width - 16;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 40;
  const bottom = height - 50;
  const gap = 30;
  const panelW = (right - left - gap * (series.length - 1)) / Math.max(1, series.length);
  const y = scaleBand<string>().domain(ms).range([top, bottom]).paddingInner(0.25).paddingOuter(0.12);
  const body: string[] = [];
  series.forEach((s, p) => {
    const x0 = left + p * (panelW + gap);
    const x = scaleLog().domain([1, maxValue * 1.7]).range([x0, x0 + panelW]);
    const panel: string[] = [];
    const edges: string[] = [];
    const ref = refs[p];
    if (ref) {
      // The band's fill lies behind the grid and bars; its dashed edges (white-haloed) lie on top of the bars.
      const bx0 = x(ref.min);
      const bx1 = x(ref.max);
      panel.push(el('rect', { class: 'reference', x: bx0, y: top, width: bx1 - bx0, height: bottom - top, fill: REFERENCE_BAND.fill }, el('title', {}, esc(`${ref.description}: ${ref.min}–${ref.max}${ref.unit} (${ref.source})`))));
      for (const ex of [bx0, bx1]) {
        edges.push(el('line', { x1: ex, y1: top, x2: ex, y2: bottom, stroke: INK.background, 'stroke-width': 3, 'stroke-opacity': 0.8 }));
        edges.push(el('line', { x1: ex, y1: top, x2: ex, y2: bottom, stroke: REFERENCE_BAND.stroke, 'stroke-width': 1.5, 'stroke-dasharray': REFERENCE_BAND.dash }));
      }
      const label = `paper ${format(',')(ref.min)}–${format(',')(ref.max)}x`;
      const half = textWidth(label, 10) / 2;
      const lx = Math.min(x0 + panelW - half, Math.max(x0 + half, (bx0 + bx1) / 2));
      edges.push(text(lx, top - 5, label, { 'text-anchor': 'middle', 'font-size': 10, fill: REFERENCE_BAND.stroke }));
    } else {
      edges.push(text(x0 + panelW / 2, top - 5, 'no published value', { 'text-anchor': 'middle', 'font-size': 10, fill: INK.muted }));
    }
    // Grid: every power of ten labelled; 2x and 5x multiples as faint lines.
    for (let e = 0; 10 ** e <= x.domain()[1]!; e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v > x.domain()[1]!) break;
        const gx = x(v);
        panel.push(el('line', { x1: gx, y1: top, x2: gx, y2: bottom, stroke: INK.grid, 'stroke-width': m === 1 ? 1 : 0.6 }));
        if (m === 1) {
          panel.push(el('line', { x1: gx, y1: bottom, x2: gx, y2: bottom + 5, stroke: INK.axis }));
          panel.push(text(gx, bottom + 18, `${format(',')(v)}x`, { 'text-anchor': 'middle', 'font-size': 11 }));
        }
      }
    }
    const style = DEVICE_STYLE[s.kind];
    const values: string[] = [];
    ms.forEach((m, i) => {
      const v = s.values[i]!;
      const by = y(m)!;
      const bw = Math.max(0, x(Math.max(1, v)) - x0);
      panel.push(el('rect', { class: 'bar', 'data-series': s.baseline, x: x0, y: by, width: bw, height: y.bandwidth(), fill: style.fill, stroke: INK.axis, 'stroke-width': 0.5 }, el('title', {}, esc(`${m} vs ${s.baseline}: PIM-GPT ${metric === 'speedup' ? 'is faster per token' : 'uses less energy per token'} by ${ratio(v)}`))));
      const label = ratio(v);
      const fits = x0 + bw + 4 + textWidth(label, 10.5) <= x0 + panelW;
      values.push(fits
        ? haloText(x0 + bw + 4, by + y.bandwidth() / 2 + 3.5, label, INK.text, INK.background, { 'font-size': 10.5 })
        : haloText(x0 + bw - 4, by + y.bandwidth() / 2 + 3.5, label, style.ink, style.fill, { 'font-size': 10.5, 'text-anchor': 'end' }));
    });
    panel.push(el('g', { class: 'reference-edges' }, edges));
    panel.push(el('g', { class: 'values' }, values));
    panel.push(el('line', { x1: x0, y1: top, x2: x0, y2: bottom, stroke: INK.axis }));
    panel.push(el('line', { x1: x0, y1: bottom, x2: x0 + panelW, y2: bottom, stroke: INK.axis }));
    panel.push(text(x0 + panelW / 2, top - 22, `vs ${baselinePanelName(s)} (${DEVICE_LABEL[s.kind]})`, { class: 'panel-title', 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 'bold' }));
    body.push(el('g', { class: 'panel', 'data-baseline': s.baseline }, panel));
  });
  body.push(axisBandLeft(y, left));
  const what = metric === 'speedup' ? 'Speed-up per generated token (baseline time / PIM-GPT time; log scale)' : 'Energy efficiency per generated token (baseline energy / PIM-GPT energy; log scale)';
  body.push(xLabel(what, (left + right) / 2, height - 12));
  body.push(yLabel('Model', 18, (top + bottom) / 2));
  body.push(lg.svg);
  const summary = series.map((s, p) => `vs ${baselinePanelName(s)} ${ratio(Math.min(...s.values))}–${ratio(Math.max(...s.values))}${refs[p] ? ` (paper ${refs[p]!.min}–${refs[p]!.max}x)` : ''}`).join('; ');
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? (metric === 'speedup' ? 'PIM-GPT speed-up over GPU and CPU baselines' : 'PIM-GPT energy efficiency over GPU and CPU baselines'),
    subtitle: pimGptSubtitle(d),
    description: `Bars on a log scale, one panel per baseline, one bar per model (${ms.length} models): ${summary}. Shaded bands: ranges the PIM-GPT paper reports.`,
    defs: [],
    body,
  });
}

/** Speed-up of PIM-GPT per token over each baseline, per model, with the paper's ranges as bands. */
export function pimGptSpeedupChart(d: FigureData, options: ChartOptions = {}): string {
  return ratioPanels(d, 'speedup', options);
}

/** Energy efficiency of PIM-GPT per token over each baseline, per model, with the paper's ranges as bands. */
export function pimGptEfficiencyChart(d: FigureData, options: ChartOptions = {}): string {
  return ratioPanels(d, 'efficiency', options);
}

const ASIC: SeriesStyle = DEVICE_STYLE.asic;

/** Series of the latency breakdown: column, legend label, style (PIM classes in PIM green, the ASIC in its own). */
export const PIM_GPT_TIME_SERIES: ReadonlyArray<{ column: string; label: string; style: SeriesStyle }> = Object.freeze([
  { column: 'macUs', label: 'PIM: MAC', style: PIM_CLASS_STYLE.mac },
  { column: 'movementUs', label: 'PIM: data movement', style: PIM_CLASS_STYLE.io },
  { column: 'rowUs', label: 'PIM: row activate/precharge', style: PIM_CLASS_STYLE.activate },
  { column: 'refreshUs', label: 'PIM: refresh', style: PIM_CLASS_STYLE.refresh },
  { column: 'asicUs', label: 'ASIC', style: ASIC },
]);

/**
 * The global buffer and result latches (SRAM beside the banks): PIM green at L* 66 with a grid pattern, between
 * the I/O (56.8) and refresh (78.9) steps of `PIM_CLASS_STYLE`, apart from the ASIC's dots by hue and pattern.
 */
const PIM_BUFFER_STYLE: SeriesStyle = Object.freeze({ fill: '#4db597', pattern: 'grid', ink: '#1a1a1a' });

/** Series of the energy breakdown. */
export const PIM_GPT_ENERGY_SERIES: ReadonlyArray<{ column: string; label: string; style: SeriesStyle }> = Object.freeze([
  { column: 'activateUj', label: 'activate', style: PIM_CLASS_STYLE.activate },
  { column: 'arrayReadUj', label: 'array reads', style: PIM_CLASS_STYLE.arrayRead },
  { column: 'macUj', label: 'MAC', style: PIM_CLASS_STYLE.mac },
  { column: 'ioUj', label: 'buffer/result I/O', style: PIM_CLASS_STYLE.io },
  { column: 'buffersUj', label: 'global buffer, latches', style: PIM_BUFFER_STYLE },
  { column: 'refreshUj', label: 'refresh', style: PIM_CLASS_STYLE.refresh },
  { column: 'backgroundUj', label: 'standby', style: PIM_CLASS_STYLE.background },
  { column: 'asicUj', label: 'ASIC', style: ASIC },
]);

function breakdownSeries(t: FigureTable, spec: ReadonlyArray<{ column: string; label: string; style: SeriesStyle }>): StackSeries[] {
  return spec.map((s) => ({ key: s.column, label: s.label, style: s.style, values: column(t, s.column).map(num) }));
}

/** Per-token latency of PIM-GPT by component (µs), one stacked bar per model: PIM parts, then the ASIC. */
export function pimGptLatencyBreakdownChart(d: FigureData, options: ChartOptions = {}): string {
  const t = table(d, 'latency-breakdown');
  const ms = column(t, 'model').map(str);
  const series = breakdownSeries(t, PIM_GPT_TIME_SERIES);
  const asic = series.find((s) => s.key === 'asicUs')!;
  const pct = (v: number, total: number) => `${((100 * v) / (total || 1)).toFixed(1)} %`;
  return horizontalStackedBars({
    id: 'strata-pim-gpt-latency-breakdown',
    width: options.width ?? 820,
    height: options.height,
    title: options.title ?? 'PIM-GPT latency per token: PIM vs ASIC',
    subtitle: pimGptSubtitle(d),
    description: `Stacked bars: mean latency per generated token in µs, split into the critical PIM channel's MACs, data movement, row activation/precharge and refresh, then the ASIC, for ${ms.length} models.`,
    categories: ms,
    series,
    valueTitle: 'Latency per generated token (µs)',
    categoryTitle: 'Model',
    tickFormat: format(',~r'),
    endLabel: (i, total) => `${format(',.1f')(total)} µs · PIM ${pct(total - asic.values[i]!, total)}`,
    tip: (i, s, v, total) => `${ms[i]}, ${s.label}: ${format(',.2f')(v)} µs (${pct(v, total)} of ${format(',.1f')(total)} µs)`,
    segmentLabel: (v, total) => pct(v, total).replace(' %', '%'),
  });
}

/** Energy per token of PIM-GPT by component (µJ), one stacked bar per model. */
export function pimGptEnergyBreakdownChart(d: FigureData, options: ChartOptions = {}): string {
  const t = table(d, 'energy-breakdown');
  const ms = column(t, 'model').map(str);
  const series = breakdownSeries(t, PIM_GPT_ENERGY_SERIES);
  const pct = (v: number, total: number) => `${((100 * v) / (total || 1)).toFixed(1)} %`;
  return horizontalStackedBars({
    id: 'strata-pim-gpt-energy-breakdown',
    width: options.width ?? 820,
    height: options.height,
    title: options.title ?? 'PIM-GPT energy per token by component',
    subtitle: pimGptSubtitle(d),
    description: `Stacked bars: energy per generated token in µJ by component (PIM activate, array reads, MAC, buffer/result I/O, global buffer and latches, refresh, standby; ASIC) for ${ms.length} models.`,
    categories: ms,
    series,
    valueTitle: 'Energy per generated token (µJ)',
    categoryTitle: 'Model',
    tickFormat: format(',~r'),
    endLabel: (_, total) => `${format(',.1f')(total)} µJ`,
    tip: (i, s, v, total) => `${ms[i]}, ${s.label}: ${format(',.2f')(v)} µJ (${pct(v, total)} of ${format(',.1f')(total)} µJ)`,
    segmentLabel: (v, total) => pct(v, total).replace(' %', '%'),
  });
}

/** One node of the PIM-GPT token timeline as a Gantt op, with the channels it stands for. */
export interface TokenGanttOp extends GanttOp {
  readonly channel: number | null;
  readonly channels: number;
  readonly op: string;
  readonly readyNs: number;
}

/**
 * The PIM-GPT token timeline of figure data `d` as Gantt ops: the PIM nodes in one lane named with the channel
 * count (all channels as one device), the ASIC ops in another. The static chart and the Plotly figure share it.
 */
export function pimGptTokenOps(d: FigureData): TokenGanttOp[] {
  const rows = records(table(d, 'token-timeline'), ['unit', 'channel', 'channels', 'op', 'kind', 'startUs', 'endUs', 'readyUs']);
  const perOp = new Map<string, number>();
  for (const r of rows) if (r.unit === 'pim') perOp.set(str(r.op), (perOp.get(str(r.op)) ?? 0) + num(r.channels));
  const pimDevice = `pim (${Math.max(0, ...perOp.values())} channels)`;
  return rows.map((r) => {
    const pim = r.unit === 'pim';
    return {
      id: pim ? `${str(r.op)}@ch${str(r.channel)}` : str(r.op), kind: str(r.kind), device: pim ? pimDevice : 'asic',
      startNs: num(r.startUs) * 1000, endNs: num(r.endUs) * 1000, channel: pim ? num(r.channel) : null, channels: num(r.channels), op: str(r.op), readyNs: num(r.readyUs) * 1000,
    };
  });
}

/** Where a token op ran, for its tooltip: the ASIC, or a channel and how many more ran it identically. */
export function tokenOpPlace(o: TokenGanttOp): string {
  return o.channel === null ? 'on the ASIC' : `on channel ${o.channel}${o.channels > 1 ? ` and ${o.channels - 1} more that ran it identically` : ''}`;
}

/**
 * One PIM-GPT token as a Gantt chart (viz/gantt.ts): a lane for the PIM channels (all channels as one device: a
 * node is one channel's share of a matrix op, standing for the channels that ran it identically) and one for the
 * ASIC, each with a row per op kind; times in µs from the token's start.
 */
export function pimGptTokenGanttChart(d: FigureData, options: ChartOptions = {}): string {
  const ops = pimGptTokenOps(d);
  const p = d.parameters;
  const us = format(',.3~f');
  return ganttChart<TokenGanttOp>({
    id: 'strata-pim-gpt-token-gantt',
    name: 'pim-gpt-token-gantt',
    title: options.title ?? `One PIM-GPT token, op by op: ${str(p.timelineModel)}`,
    subtitle: `token at position ${str(p.timelineContext)} (the last of ${str(p.timelinePromptTokens)} prompt + ${str(p.timelineTokens)} generated tokens), ${us(num(p.timelineTokenUs as FigureValue))} µs · PIM channels running a share identically drawn once`,
    ops,
    deviceKind: (dev) => (dev === 'asic' ? 'asic' : 'pim'),
    unit: { name: 'µs', perNs: 1e-3 },
    timeTitle: "Time from the token's start (µs)",
    boundaries: [],
    boundaryLegend: '',
    opTip: (o) => `${o.op} (${o.kind}) ${tokenOpPlace(o)}: ${us(o.startNs / 1000)}–${us(o.endNs / 1000)} µs${o.readyNs > o.startNs ? ` (row opened early; input arrived at ${us(o.readyNs / 1000)} µs)` : ''}`,
  }, { width: options.width ?? 960, ...(options.height ? { height: options.height } : {}) });
}

/** Streaming bandwidth of each DRAM preset as a percentage of its analytical peak, with the 95 % target line. */
export function peakBandwidthChart(d: FigureData, options: ChartOptions = {}): string {
  const width = options.width ?? 720;
  const height = options.height ?? 340;
  const t = table(d, 'peak');
  const presets = column(t, 'preset').map(str);
  const pct = column(t, 'percentOfPeak').map(num);
  const achieved = column(t, 'achievedGBps').map(num);
  const peak = column(t, 'peakGBps').map(num);
  const target = d.references.find((r) => r.name === 'target');
  const labels = presets.map((_, i) => `${pct[i]!.toFixed(1)} % (${format(',.1f')(achieved[i]!)} of ${format(',.1f')(peak[i]!)} GB/s)`);
  const legendItems: LegendItem[] = [];
  if (target) legendItems.push({ label: `target (${target.min} %, ${target.source})`, swatch: { kind: 'line', stroke: INK.reference, dash: '6 3' } });
  const left = 24 + widestLabel(presets) + 14;
  const right = width - 16 - widestLabel(labels, 10.5) - 14;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 14;
  const bottom = height - 46;
  const lo = Math.min(90, Math.floor(Math.min(...pct) / 5) * 5);
  const x = scaleLinear().domain([lo, 100]).range([left, right]);
  const y = scaleBand<string>().domain(presets).range([top, bottom]).paddingInner(0.3).paddingOuter(0.15);
  const body: string[] = [];
  for (const tk of x.ticks(5)) {
    body.push(el('line', { x1: x(tk), y1: top, x2: x(tk), y2: bottom, stroke: INK.grid }));
    body.push(text(x(tk), bottom + 18, `${tk}`, { 'text-anchor': 'middle', 'font-size': 11 }));
  }
  presets.forEach((p, i) => {
    const by = y(p)!;
    // A dot, not a bar: the axis starts above 0 %, and a bar's length would overstate the gaps.
    const cx = x(pct[i]!);
    const cy = by + y.bandwidth() / 2;
    body.push(el('line', { x1: left, y1: cy, x2: right, y2: cy, stroke: INK.grid, 'stroke-dasharray': '2 3' }));
    body.push(el('circle', { class: 'marker', cx, cy, r: 6, fill: DEVICE_STYLE.dram.fill, stroke: INK.background, 'stroke-width': 1 }, el('title', {}, esc(`${p}: ${labels[i]}`))));
    body.push(haloText(cx + 10, cy + 4, labels[i]!, INK.text, INK.background, { 'font-size': 10.5 }));
  });
  if (target) {
    const tx = x(target.min);
    body.push(el('line', { class: 'reference', x1: tx, y1: top - 4, x2: tx, y2: bottom, stroke: INK.reference, 'stroke-width': 2, 'stroke-dasharray': '6 3' }));
  }
  body.push(el('line', { x1: left, y1: bottom, x2: right, y2: bottom, stroke: INK.axis }));
  body.push(axisBandLeft(y, left));
  body.push(xLabel(`Streaming read bandwidth (% of the analytical peak; axis from ${lo} %)`, (left + right) / 2, height - 10));
  body.push(yLabel('DRAM preset', 18, (top + bottom) / 2));
  body.push(lg.svg);
  return svgDocument({
    id: 'strata-peak-bandwidth',
    width,
    height,
    title: options.title ?? 'Streaming reads against the analytical peak',
    subtitle: `${format(',')(num(d.parameters.requests as FigureValue))} consecutive reads per preset, default controller of each · strata validate peak`,
    description: `Dots: achieved streaming bandwidth as a percentage of the analytical peak, ${presets.map((p, i) => `${p} ${pct[i]} %`).join(', ')}. Dashed line: the 95 % target.`,
    defs: [],
    body,
  });
}

/** A chart of a figure-data file: file stem, and how to render it. */
export interface FigureChart {
  name: string;
  render: (d: FigureData, options?: ChartOptions) => string;
  /** Whether the data file has what the chart needs (files written before a table existed lack it); default yes. */
  applies?: (d: FigureData) => boolean;
}

/** The charts of each figure set, by the data file's `figure`; a set without charts has tables only. */
export const FIGURE_CHARTS: Readonly<Record<string, readonly FigureChart[]>> = Object.freeze({
  'pim-gpt': [
    { name: 'pim-gpt-speedup', render: pimGptSpeedupChart },
    { name: 'pim-gpt-energy-efficiency', render: pimGptEfficiencyChart },
    { name: 'pim-gpt-latency-breakdown', render: pimGptLatencyBreakdownChart },
    { name: 'pim-gpt-energy-breakdown', render: pimGptEnergyBreakdownChart },
    { name: 'pim-gpt-token-gantt', render: pimGptTokenGanttChart, applies: (d) => d.tables.some((t) => t.name === 'token-timeline') },
  ],
  neupims: [
    { name: 'neupims-throughput', render: neupimsThroughputChart },
    { name: 'neupims-speedup', render: neupimsSpeedupChart },
    { name: 'neupims-interleaving', render: neupimsInterleavingChart },
    { name: 'neupims-utilisation', render: neupimsUtilisationChart },
  ],
  duplex: [
    { name: 'duplex-throughput', render: duplexThroughputChart },
    { name: 'duplex-energy', render: duplexEnergyChart },
    { name: 'duplex-latency-cdf', render: duplexLatencyCdfChart },
  ],
  'peak-bandwidth': [{ name: 'peak-bandwidth', render: peakBandwidthChart }],
  sensitivity: [{ name: 'sensitivity-bands', render: sensitivityBandsChart }],
  dramsim3: [],
  'serving-sweep': [{ name: 'serving-throughput', render: servingSweepChart }],
});

/** The charts of a data file (none for an unknown figure set). */
export function figureCharts(d: FigureData): readonly FigureChart[] {
  return (FIGURE_CHARTS[d.figure] ?? []).filter((c) => c.applies?.(d) ?? true);
}
