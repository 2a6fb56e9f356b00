/**
 * Device-utilisation timelines (Gantt charts of ops on NPU / PIM / ASIC / xPU / GPU lanes), for any report that
 * carries per-op start and end times per device: a static SVG and a zoomable plotly figure, both pure functions of
 * a `GanttSpec` that an adapter builds from one report kind: run reports (`strata run`, GPU/CPU roofline and
 * Duplex's xPU + PIM: viz/run-charts.ts `runGanttSpec`) and the PIM-GPT figure data's one-token timeline (PIM
 * channels and ASIC: viz/figure-charts.ts `pimGptTokenGanttChart`); serving reports keep per-step records only.
 *
 * Thousands of ops stay cheap: in the SVG, ops of one lane closer than half a pixel share one rectangle; in plotly,
 * up to `MAX_PLOTLY_OPS` ops are drawn one bar each, and beyond that ops of a lane merge over gaps of a fixed
 * fraction of the span (the caption says how much), each merged bar's hover counting its ops.
 */
import { format, scaleLinear } from 'd3';
import { DEVICE_KINDS, DEVICE_STYLE, INK, type DeviceKind } from './palette.ts';
import { baseLayout, categoryAxis, config, valueAxis, type Json, type PlotlyFigure } from './plotly-figures.ts';
import {
  axisHorizontal,
  el,
  esc,
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

/** One op on the timeline: where and when it ran (ns from the start of the timeline). */
export interface GanttOp {
  readonly id: string;
  readonly kind: string;
  readonly device: string;
  readonly startNs: number;
  readonly endNs: number;
}

/** A stretch of one lane during which it is busy: one op, or several back to back. */
export interface GanttInterval<O extends GanttOp = GanttOp> {
  readonly startNs: number;
  readonly endNs: number;
  readonly ops: readonly O[];
}

/** One row of the timeline: every op of a device (`opKind` null) or the ops of one kind on it. */
export interface GanttLane<O extends GanttOp = GanttOp> {
  readonly device: string;
  readonly deviceKind: DeviceKind;
  readonly opKind: string | null;
  readonly label: string;
  /** Time the lane is busy (sum of its op durations), ns. */
  readonly busyNs: number;
  readonly intervals: readonly GanttInterval<O>[];
}

/** Readable names of device kinds, for legends. */
export const DEVICE_LABEL: Readonly<Record<DeviceKind, string>> = Object.freeze({
  dram: 'DRAM', pim: 'PIM', npu: 'NPU', asic: 'ASIC', xpu: 'xPU', gpu: 'GPU', cpu: 'CPU',
});

/** The device kind a device id names by its prefix (`npu0.systolic-array` → npu, `pim3` → pim), or undefined. */
export function deviceKindFromId(device: string): DeviceKind | undefined {
  return [...DEVICE_KINDS].sort((a, b) => b.length - a.length).find((k) => device.toLowerCase().startsWith(k));
}

/** What a Gantt chart draws and how it labels it. */
export interface GanttSpec<O extends GanttOp = GanttOp> {
  /** Element id prefix of the SVG; the plotly figure's name. */
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly subtitle: string;
  readonly ops: readonly O[];
  /** The device kind (colour) of a device id. */
  readonly deviceKind: (device: string) => DeviceKind;
  /** Time axis: unit of the labels and how many per ns, and the axis title (with the unit). */
  readonly unit: { readonly name: string; readonly perNs: number };
  readonly timeTitle: string;
  /** Marked instants (step starts), with a label each and one legend entry for all. */
  readonly boundaries: ReadonlyArray<{ readonly label: string; readonly atNs: number }>;
  readonly boundaryLegend: string;
  /** Tooltip of one op (SVG `<title>`, plotly hover; plotly hover may use `<br>`). */
  readonly opTip: (o: O) => string;
  /** Hover lines of one op in plotly (several lines joined with `<br>`); defaults to `opTip`. */
  readonly opHover?: (o: O) => string;
}

function intervals<O extends GanttOp>(ops: readonly O[], mergeGapNs: number): GanttInterval<O>[] {
  const out: Array<{ startNs: number; endNs: number; ops: O[] }> = [];
  const sorted = [...ops].sort((a, b) => a.startNs - b.startNs || a.endNs - b.endNs);
  for (const o of sorted) {
    const last = out[out.length - 1];
    if (last && o.startNs - last.endNs <= mergeGapNs) {
      last.endNs = Math.max(last.endNs, o.endNs);
      last.ops.push(o);
    } else out.push({ startNs: o.startNs, endNs: o.endNs, ops: [o] });
  }
  return out;
}

/**
 * The lanes of a timeline: per device (in order of first use) a row of all its ops, then a row per op kind (in
 * order of first use). Ops closer than `mergeGapNs` in one lane share an interval (0: only ops back to back).
 * Busy time counts time covered by at least one op (overlapping ops of a lane are not counted twice).
 */
export function ganttLanes<O extends GanttOp>(ops: readonly O[], deviceKind: (device: string) => DeviceKind, mergeGapNs = 0): GanttLane<O>[] {
  const devices: string[] = [];
  const byDevice = new Map<string, O[]>();
  for (const o of ops) {
    if (!byDevice.has(o.device)) {
      devices.push(o.device);
      byDevice.set(o.device, []);
    }
    byDevice.get(o.device)!.push(o);
  }
  const lanes: GanttLane<O>[] = [];
  const busy = (mine: readonly O[]) => intervals(mine, 0).reduce((s, iv) => s + (iv.endNs - iv.startNs), 0);
  for (const d of devices) {
    const mine = byDevice.get(d)!;
    const kind = deviceKind(d);
    lanes.push({ device: d, deviceKind: kind, opKind: null, label: `${d} (all ops)`, busyNs: busy(mine), intervals: intervals(mine, mergeGapNs) });
    const kinds: string[] = [];
    for (const o of mine) if (!kinds.includes(o.kind)) kinds.push(o.kind);
    for (const k of kinds) {
      const of = mine.filter((o) => o.kind === k);
      lanes.push({ device: d, deviceKind: kind, opKind: k, label: k, busyNs: busy(of), intervals: intervals(of, mergeGapNs) });
    }
  }
  return lanes;
}

/** Length of a timeline: from 0 to the end of its last op, ns. */
export function ganttSpanNs(ops: readonly GanttOp[]): number {
  let end = 0;
  for (const o of ops) end = Math.max(end, o.endNs);
  return end;
}

function intervalTip<O extends GanttOp>(spec: GanttSpec<O>, iv: GanttInterval<O>, lane: GanttLane<O>): string {
  if (iv.ops.length === 1) return spec.opTip(iv.ops[0]!);
  const f = (ns: number) => format(',.4~r')(ns * spec.unit.perNs);
  const busy = intervals(iv.ops, 0).reduce((s, x) => s + (x.endNs - x.startNs), 0);
  const what = lane.opKind ?? 'ops';
  return `${lane.device} · ${iv.ops.length} ${what}${lane.opKind ? ' ops' : ''} from ${f(iv.startNs)} to ${f(iv.endNs)} ${spec.unit.name}, busy ${f(busy)} ${spec.unit.name}`;
}

const LANE_FONT = 11;

/**
 * Device-utilisation timeline as SVG: one row per device (all its ops: when it is busy) and one per op kind on
 * it, bars in the device kind's colour; the column on the right gives each row's share of the timeline (for a
 * device row, its utilisation). Boundaries (step starts) are dashed lines.
 */
export function ganttChart<O extends GanttOp>(spec: GanttSpec<O>, options: ChartOptions = {}): string {
  const width = options.width ?? 900;
  const id = spec.id;
  const span = ganttSpanNs(spec.ops) || 1;
  const shareFmt = (ns: number) => `${((100 * ns) / span).toFixed(1)} %`;
  const kinds = [...new Set(spec.ops.map((o) => spec.deviceKind(o.device)))];
  const bounds = spec.boundaries;
  const legendItems: LegendItem[] = kinds.map((k) => ({ label: `${DEVICE_LABEL[k]} op`, swatch: { kind: 'box', fill: DEVICE_STYLE[k].fill } }));
  if (bounds.length) legendItems.push({ label: spec.boundaryLegend, swatch: { kind: 'line', stroke: INK.muted, dash: '4 3' } });
  const rowH = 20;
  const preLanes = ganttLanes(spec.ops, spec.deviceKind, 0);
  const labels = preLanes.map((l) => (l.opKind === null ? l.label : `  ${l.label}`));
  const shares = preLanes.map((l) => shareFmt(l.busyNs));
  const left = 24 + widestLabel(labels, LANE_FONT) + 14;
  const right = width - 20 - Math.max(widestLabel(shares, LANE_FONT), textWidth('of time', 10)) - 10;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 26;
  const height = options.height ?? top + preLanes.length * rowH + 58;
  const bottom = height - 58;
  const x = scaleLinear().domain([0, span * spec.unit.perNs]).range([left, right]);
  const X = (ns: number) => x(ns * spec.unit.perNs);
  // Ops less than half a pixel apart share one rectangle; its tooltip counts them.
  const lanes = ganttLanes(spec.ops, spec.deviceKind, (0.5 * span) / Math.max(1, right - left));
  const laneH = (bottom - top) / Math.max(1, lanes.length);
  const rows: string[] = [];
  const marks: string[] = [];
  lanes.forEach((lane, i) => {
    const y0 = top + i * laneH;
    const device = lane.opKind === null;
    if (device && i > 0) rows.push(el('line', { x1: 8, y1: y0, x2: width - 8, y2: y0, stroke: INK.axis, 'stroke-width': 0.6 }));
    if (i % 2 === 1) rows.push(el('rect', { x: left, y: y0, width: right - left, height: laneH, fill: '#f7f7f9' }));
    const ty = y0 + laneH / 2 + 4;
    rows.push(text(left - 8, ty, lane.label, { class: device ? 'lane device' : 'lane', 'text-anchor': 'end', 'font-size': LANE_FONT, 'font-weight': device ? 'bold' : undefined }));
    rows.push(text(width - 20, ty, shareFmt(lane.busyNs), { class: 'share', 'text-anchor': 'end', 'font-size': LANE_FONT, 'font-weight': device ? 'bold' : undefined }));
    const fill = DEVICE_STYLE[lane.deviceKind].fill;
    const pad = device ? 2 : 4;
    for (const iv of lane.intervals) {
      const x0 = X(iv.startNs);
      const w = Math.max(0.8, X(iv.endNs) - x0);
      marks.push(el('rect', { class: device ? 'busy' : 'op', x: x0, y: y0 + pad, width: w, height: laneH - 2 * pad, fill }, el('title', {}, esc(intervalTip(spec, iv, lane)))));
    }
  });
  const boundary: string[] = [];
  let lastLabel = -Infinity;
  for (const b of bounds) {
    const bx = X(b.atNs);
    boundary.push(el('line', { x1: bx, y1: top - 4, x2: bx, y2: bottom, stroke: INK.muted, 'stroke-width': 1, 'stroke-dasharray': '4 3' }));
    if (bx - lastLabel >= 44) {
      boundary.push(text(bx, top - 8, b.label, { 'text-anchor': 'middle', 'font-size': 10, fill: INK.muted }));
      lastLabel = bx;
    }
  }
  const header = text(width - 20, top - 8, 'of time', { class: 'share-header', 'text-anchor': 'end', 'font-size': 10, fill: INK.muted });
  const body = [
    el('g', { class: 'lanes' }, rows),
    axisHorizontal(x, bottom, format(',~r'), 'bottom', bottom - top),
    el('g', { class: 'marks' }, marks),
    el('g', { class: 'steps' }, boundary),
    header,
    xLabel(spec.timeTitle, (left + right) / 2, height - 14),
    yLabel('Device · op kind', 14, (top + bottom) / 2),
    lg.svg,
  ];
  const devices = lanes.filter((l) => l.opKind === null);
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? spec.title,
    subtitle: spec.subtitle,
    description: `Gantt chart of ${spec.ops.length} ops over ${format(',.4~r')(span * spec.unit.perNs)} ${spec.unit.name} of simulated time. ${devices.map((d) => `${d.device} (${DEVICE_LABEL[d.deviceKind]}) busy ${shareFmt(d.busyNs)} of the time`).join('; ')}. One row per op kind below each device.`,
    defs: [],
    body,
  });
}

/** Most ops the plotly timeline draws one bar each; above, ops of a lane merge over small gaps. */
export const MAX_PLOTLY_OPS = 8000;

/**
 * The merge gap of the plotly timeline: 0 (one bar per op) up to `maxOps` ops; otherwise the smallest of span ×
 * 10⁻⁵, 4 × that, 16 × that, … that brings the op lanes to at most `maxOps` bars.
 */
export function plotlyMergeGapNs(ops: readonly GanttOp[], deviceKind: (device: string) => DeviceKind, maxOps = MAX_PLOTLY_OPS): number {
  if (ops.length <= maxOps) return 0;
  const span = ganttSpanNs(ops) || 1;
  let gap = span * 1e-5;
  const bars = (g: number) => ganttLanes(ops, deviceKind, g).filter((l) => l.opKind !== null).reduce((s, l) => s + l.intervals.length, 0);
  while (gap < span && bars(gap) > maxOps) gap *= 4;
  return gap;
}

/** The category (row) name of a lane on the plotly timeline. */
function laneName(l: GanttLane): string {
  return l.opKind === null ? `<b>${l.device}</b> (all ops)` : `${l.device} · ${l.opKind}`;
}

/**
 * The zoomable plotly timeline: a row per device (busy stretches) and per op kind on it, one bar per op (hover:
 * `opHover`) or, past `MAX_PLOTLY_OPS`, per merged stretch (hover: its op count and busy time).
 */
export function ganttPlotlyFigure<O extends GanttOp>(spec: GanttSpec<O>, caption: string, maxOps = MAX_PLOTLY_OPS): PlotlyFigure {
  const gapNs = plotlyMergeGapNs(spec.ops, spec.deviceKind, maxOps);
  const lanes = ganttLanes(spec.ops, spec.deviceKind, gapNs);
  const busyLanes = ganttLanes(spec.ops, spec.deviceKind, 0).filter((l) => l.opKind === null);
  const span = ganttSpanNs(spec.ops) || 1;
  const u = (ns: number) => ns * spec.unit.perNs;
  const unit = spec.unit.name;
  const names = lanes.map(laneName);
  const busy: Json = {
    type: 'bar',
    orientation: 'h',
    name: 'busy (ops back to back)',
    showlegend: false,
    y: busyLanes.flatMap((l) => l.intervals.map(() => laneName(l))),
    base: busyLanes.flatMap((l) => l.intervals.map((iv) => u(iv.startNs))),
    x: busyLanes.flatMap((l) => l.intervals.map((iv) => u(iv.endNs - iv.startNs))),
    customdata: busyLanes.flatMap((l) => l.intervals.map((iv) => [iv.ops.length, u(iv.endNs), (100 * l.busyNs) / span])),
    marker: { color: busyLanes.map((l) => l.intervals.map(() => DEVICE_STYLE[l.deviceKind].fill)).flat(), line: { width: 0 } },
    hovertemplate: `%{y}<br>busy from %{base:,.4~r} to %{customdata[1]:,.4~r} ${unit} (%{customdata[0]} ops)<br>device busy %{customdata[2]:.1f} % of the timeline<extra></extra>`,
  };
  const kinds = [...new Set(lanes.map((l) => l.deviceKind))];
  const hoverOf = spec.opHover ?? spec.opTip;
  const opTraces: Json[] = kinds.map((k) => {
    const mine = lanes.filter((l) => l.opKind !== null && l.deviceKind === k);
    const bars = mine.flatMap((l) => l.intervals.map((iv) => ({ iv, lane: l })));
    return {
      type: 'bar',
      orientation: 'h',
      name: `${DEVICE_LABEL[k]} op`,
      y: bars.map((b) => laneName(b.lane)),
      base: bars.map((b) => u(b.iv.startNs)),
      x: bars.map((b) => u(b.iv.endNs - b.iv.startNs)),
      hovertext: bars.map((b) => (b.iv.ops.length === 1 ? hoverOf(b.iv.ops[0]!) : intervalTip(spec, b.iv, b.lane))),
      marker: { color: DEVICE_STYLE[k].fill, line: { width: 0 } },
      hovertemplate: '%{hovertext}<extra></extra>',
    };
  });
  const devices = busyLanes.map((l) => `${l.device} busy ${((100 * l.busyNs) / span).toFixed(1)} %`).join(', ');
  const merged = gapNs > 0 ? ` The ${format(',')(spec.ops.length)} ops are drawn as ${format(',')(lanes.filter((l) => l.opKind !== null).reduce((s, l) => s + l.intervals.length, 0))} bars: ops of a row less than ${format(',.3~r')(u(gapNs))} ${unit} apart share one (hover counts them).` : '';
  return {
    id: `chart-${spec.name}`,
    name: spec.name,
    wide: true,
    caption: `${caption} (${devices}).${merged}`,
    data: [busy, ...opTraces],
    layout: baseLayout(spec.title, spec.subtitle, {
      barmode: 'overlay',
      bargap: 0.25,
      height: Math.max(360, 150 + 22 * lanes.length),
      xaxis: valueAxis(spec.timeTitle, { range: [0, u(span)] }),
      yaxis: categoryAxis('Device · op kind', { autorange: 'reversed', categoryorder: 'array', categoryarray: names }),
      shapes: spec.boundaries.map((b) => ({ type: 'line', xref: 'x', yref: 'paper', x0: u(b.atNs), x1: u(b.atNs), y0: 0, y1: 1, line: { color: INK.muted, width: 1, dash: 'dash' } })),
      annotations: spec.boundaries.map((b) => ({ x: u(b.atNs), y: 1, xref: 'x', yref: 'paper', yanchor: 'bottom', text: b.label, showarrow: false, font: { size: 10, color: INK.muted } })),
    }),
    config: config(spec.name),
  };
}

