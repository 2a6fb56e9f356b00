/**
 * Static charts of a run report (`strata.run-report/1`), each a pure function `(report, options) => SVG`: the
 * device-utilisation timeline (a Gantt of ops by device) and the time by op kind (compute-bound, memory-bound,
 * launch).
 *
 * Run reports come from the analytical roofline: times are ns from the start of the run, not cycles of a clock,
 * and the axes say so.
 */
import { format, scaleLinear } from 'd3';
import type { RunReport, TimelineEntry } from '../src/report/run-report.ts';
import { horizontalStackedBars } from './bars.ts';
import { DEVICE_KINDS, DEVICE_STYLE, INK, ROOFLINE_PART_STYLE, type DeviceKind, type RooflinePart } from './palette.ts';
import {
  axisHorizontal,
  el,
  esc,
  HEADER,
  legend,
  legendHeight,
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

const thousands = format(',');

/** A time in ns as µs with up to 3 decimals (`1,234.5`). */
export function formatUs(ns: number): string {
  return format(',.4~r')(ns / 1000);
}

/** Readable names of device kinds, for legends. */
export const DEVICE_LABEL: Readonly<Record<DeviceKind, string>> = Object.freeze({
  dram: 'DRAM', pim: 'PIM', npu: 'NPU', asic: 'ASIC', xpu: 'xPU', gpu: 'GPU', cpu: 'CPU',
});

/** The line under every run chart's title: which run this is. */
export function runSubtitle(r: RunReport): string {
  const s0 = r.steps[0]!;
  const steps = r.steps.length;
  const scope = r.timeline.scope === 'all' || steps === 1 ? `${thousands(r.timeline.ops.length)} ops` : `step 0 of ${steps}, ${thousands(r.timeline.ops.length)} ops`;
  return `${r.model.name} ${r.workload.phase} on ${r.system.name} · batch ${s0.requests}, ${steps} step${steps === 1 ? '' : 's'} · timeline: ${scope} · analytical roofline, ${r.system.precision}`;
}

/**
 * The device kind of a timeline device id: the kind its id starts with (`npu0.systolic-array` → npu, `pim3` →
 * pim), otherwise the report's system kind (baseline runs put every op on `gpu0` or `cpu0`).
 */
export function deviceKindOf(r: RunReport, device: string): DeviceKind {
  const byName = [...DEVICE_KINDS].sort((a, b) => b.length - a.length).find((k) => device.toLowerCase().startsWith(k));
  return byName ?? r.system.kind;
}

/** Length of the timeline: from 0 to the end of its last op, ns. */
export function timelineSpanNs(r: RunReport): number {
  let end = 0;
  for (const o of r.timeline.ops) end = Math.max(end, o.endNs);
  return end;
}

/** A stretch of one lane during which it is busy: one op, or several back to back. */
export interface LaneInterval {
  readonly startNs: number;
  readonly endNs: number;
  readonly ops: readonly TimelineEntry[];
}

/** One row of the timeline: every op of a device (`opKind` null) or the ops of one kind on it. */
export interface TimelineLane {
  readonly device: string;
  readonly deviceKind: DeviceKind;
  readonly opKind: string | null;
  readonly label: string;
  /** Time the lane is busy (sum of its op durations), ns. */
  readonly busyNs: number;
  readonly intervals: readonly LaneInterval[];
}

function intervals(ops: readonly TimelineEntry[], mergeGapNs: number): LaneInterval[] {
  const out: Array<{ startNs: number; endNs: number; ops: TimelineEntry[] }> = [];
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
 * The lanes of the timeline: per device (in order of first use) a row of all its ops, then a row per op kind (in
 * order of first use). Ops closer than `mergeGapNs` in one lane share an interval (0: only ops back to back).
 */
export function timelineLanes(r: RunReport, mergeGapNs = 0): TimelineLane[] {
  const devices: string[] = [];
  const byDevice = new Map<string, TimelineEntry[]>();
  for (const o of r.timeline.ops) {
    if (!byDevice.has(o.device)) {
      devices.push(o.device);
      byDevice.set(o.device, []);
    }
    byDevice.get(o.device)!.push(o);
  }
  const lanes: TimelineLane[] = [];
  const busy = (ops: readonly TimelineEntry[]) => ops.reduce((s, o) => s + (o.endNs - o.startNs), 0);
  for (const d of devices) {
    const ops = byDevice.get(d)!;
    const deviceKind = deviceKindOf(r, d);
    lanes.push({ device: d, deviceKind, opKind: null, label: `${d} (all ops)`, busyNs: busy(ops), intervals: intervals(ops, mergeGapNs) });
    const kinds: string[] = [];
    for (const o of ops) if (!kinds.includes(o.kind)) kinds.push(o.kind);
    for (const k of kinds) {
      const mine = ops.filter((o) => o.kind === k);
      lanes.push({ device: d, deviceKind, opKind: k, label: k, busyNs: busy(mine), intervals: intervals(mine, mergeGapNs) });
    }
  }
  return lanes;
}

/** Start times of the steps the timeline shows, after the first, ns. */
export function stepBoundaries(r: RunReport): Array<{ step: number; startNs: number }> {
  const shown = new Set(r.timeline.ops.map((o) => o.step));
  return r.steps.filter((s) => s.index > 0 && shown.has(s.index)).map((s) => ({ step: s.index, startNs: s.startNs }));
}

function opTip(o: TimelineEntry, lane: TimelineLane): string {
  const dur = o.endNs - o.startNs;
  return `${lane.device} · ${o.op} (${o.kind}, step ${o.step}): ${formatUs(o.startNs)}–${formatUs(o.endNs)} µs, ${formatUs(dur)} µs = ${o.bound}-bound ${formatUs(o.bound === 'compute' ? o.computeNs : o.memoryNs)} µs + launch ${formatUs(o.launchNs)} µs (compute ${formatUs(o.computeNs)} µs, memory ${formatUs(o.memoryNs)} µs; ${thousands(o.flops)} FLOP, ${thousands(o.bytes)} bytes)`;
}

function intervalTip(iv: LaneInterval, lane: TimelineLane): string {
  if (iv.ops.length === 1) return opTip(iv.ops[0]!, lane);
  const busy = iv.ops.reduce((s, o) => s + (o.endNs - o.startNs), 0);
  const what = lane.opKind ?? 'ops';
  return `${lane.device} · ${iv.ops.length} ${what}${lane.opKind ? ' ops' : ''} from ${formatUs(iv.startNs)} to ${formatUs(iv.endNs)} µs, busy ${formatUs(busy)} µs`;
}

const LANE_FONT = 11;

/**
 * Device-utilisation timeline: a Gantt of the timeline's ops, one row per device (all its ops: when it is busy)
 * and one per op kind on it, bars in the device kind's colour, time in µs; the column on the right gives each
 * row's share of the timeline (for a device row, its utilisation). Steps after the first are marked.
 */
export function deviceTimelineChart(r: RunReport, options: ChartOptions = {}): string {
  const width = options.width ?? 900;
  const id = 'strata-device-timeline';
  const span = timelineSpanNs(r) || 1;
  const shareFmt = (ns: number) => `${((100 * ns) / span).toFixed(1)} %`;
  const kinds = [...new Set(r.timeline.ops.map((o) => deviceKindOf(r, o.device)))];
  const bounds = stepBoundaries(r);
  const legendItems: LegendItem[] = kinds.map((k) => ({ label: `${DEVICE_LABEL[k]} op`, swatch: { kind: 'box', fill: DEVICE_STYLE[k].fill } }));
  if (bounds.length) legendItems.push({ label: 'start of a step', swatch: { kind: 'line', stroke: INK.muted, dash: '4 3' } });
  const rowH = 20;
  const preLanes = timelineLanes(r, 0);
  const labels = preLanes.map((l) => (l.opKind === null ? l.label : `  ${l.label}`));
  const shares = preLanes.map((l) => shareFmt(l.busyNs));
  const left = 24 + widestLabel(labels, LANE_FONT) + 14;
  const right = width - 20 - Math.max(widestLabel(shares, LANE_FONT), textWidth('of time', 10)) - 10;
  const lh = legendHeight(legendItems, right - left);
  const top = HEADER.legendY + lh + 26;
  const height = options.height ?? top + preLanes.length * rowH + 58;
  const bottom = height - 58;
  const x = scaleLinear().domain([0, span / 1000]).range([left, right]);
  // Ops less than half a pixel apart share one rectangle; its tooltip counts them.
  const lanes = timelineLanes(r, (0.5 * span) / Math.max(1, right - left));
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
      const x0 = x(iv.startNs / 1000);
      const w = Math.max(0.8, x(iv.endNs / 1000) - x0);
      marks.push(el('rect', { class: device ? 'busy' : 'op', x: x0, y: y0 + pad, width: w, height: laneH - 2 * pad, fill }, el('title', {}, esc(intervalTip(iv, lane)))));
    }
  });
  const boundary: string[] = [];
  let lastLabel = -Infinity;
  for (const b of bounds) {
    const bx = x(b.startNs / 1000);
    boundary.push(el('line', { x1: bx, y1: top - 4, x2: bx, y2: bottom, stroke: INK.muted, 'stroke-width': 1, 'stroke-dasharray': '4 3' }));
    if (bx - lastLabel >= 44) {
      boundary.push(text(bx, top - 8, `step ${b.step}`, { 'text-anchor': 'middle', 'font-size': 10, fill: INK.muted }));
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
    xLabel(`Simulated time from the start of the run (µs; analytical roofline, no cycle clock)`, (left + right) / 2, height - 14),
    yLabel('Device · op kind', 14, (top + bottom) / 2),
    legend(legendItems, left, HEADER.legendY, right - left),
  ];
  const devices = lanes.filter((l) => l.opKind === null);
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? 'Device utilisation timeline',
    subtitle: runSubtitle(r),
    description: `Gantt chart of ${r.timeline.ops.length} ops over ${formatUs(span)} µs of simulated time. ${devices.map((d) => `${d.device} (${DEVICE_LABEL[d.deviceKind]}) busy ${shareFmt(d.busyNs)} of the time`).join('; ')}. One row per op kind below each device.`,
    defs: [],
    body,
  });
}

/** Time of one op kind over the timeline, ns: execution of compute-bound ops, of memory-bound ops, launch overhead. */
export interface OpKindTime {
  readonly kind: string;
  readonly ops: number;
  readonly computeBoundNs: number;
  readonly memoryBoundNs: number;
  readonly launchNs: number;
  readonly totalNs: number;
}

/** Time per op kind over the timeline, longest first (ties by name). */
export function opKindTimes(r: RunReport): OpKindTime[] {
  const acc = new Map<string, { ops: number; c: number; m: number; l: number }>();
  for (const o of r.timeline.ops) {
    const a = acc.get(o.kind) ?? { ops: 0, c: 0, m: 0, l: 0 };
    a.ops += 1;
    if (o.bound === 'compute') a.c += o.computeNs;
    else a.m += o.memoryNs;
    a.l += o.launchNs;
    acc.set(o.kind, a);
  }
  return [...acc.entries()]
    .map(([kind, a]) => ({ kind, ops: a.ops, computeBoundNs: a.c, memoryBoundNs: a.m, launchNs: a.l, totalNs: a.c + a.m + a.l }))
    .sort((a, b) => b.totalNs - a.totalNs || (a.kind < b.kind ? -1 : 1));
}

/** Legend labels of the roofline time parts. */
export const ROOFLINE_PART_LABEL: Readonly<Record<RooflinePart, string>> = Object.freeze({
  compute: 'compute-bound ops (compute time)',
  memory: 'memory-bound ops (memory time)',
  launch: 'launch overhead',
});

/**
 * Time by op kind (µs) over the timeline's ops: each op takes max(compute, memory) + launch, so every bar splits
 * into the execution of compute-bound ops, of memory-bound ops, and launch overhead.
 */
export function opKindBreakdownChart(r: RunReport, options: ChartOptions = {}): string {
  const times = opKindTimes(r);
  const all = times.reduce((s, t) => s + t.totalNs, 0) || 1;
  const parts: ReadonlyArray<{ part: RooflinePart; get: (t: OpKindTime) => number }> = [
    { part: 'compute', get: (t) => t.computeBoundNs },
    { part: 'memory', get: (t) => t.memoryBoundNs },
    { part: 'launch', get: (t) => t.launchNs },
  ];
  return horizontalStackedBars({
    id: 'strata-op-kind-breakdown',
    width: options.width ?? 760,
    height: options.height,
    title: options.title ?? 'Time by op kind',
    subtitle: runSubtitle(r),
    description: `Stacked bars: time of each op kind over the ${r.timeline.ops.length} ops of the timeline in µs, split into the execution of compute-bound ops, of memory-bound ops, and launch overhead. ${times.map((t) => `${t.kind} ${formatUs(t.totalNs)} µs`).join(', ')}.`,
    categories: times.map((t) => t.kind),
    series: parts.map((p) => ({ key: p.part, label: ROOFLINE_PART_LABEL[p.part], style: ROOFLINE_PART_STYLE[p.part], values: times.map((t) => p.get(t) / 1000) })),
    valueTitle: 'Time over the timeline (µs)',
    categoryTitle: 'Op kind',
    tickFormat: format(',~r'),
    endLabel: (i, total) => `${format(',.1f')(total)} µs · ${((100 * times[i]!.totalNs) / all).toFixed(1)} % · ${thousands(times[i]!.ops)} op${times[i]!.ops === 1 ? '' : 's'}`,
    tip: (i, s, v, total) => `${times[i]!.kind}, ${s.label}: ${format(',.3f')(v)} µs (${((100 * v) / (total || 1)).toFixed(1)} % of the kind's ${format(',.3f')(total)} µs over ${times[i]!.ops} ops)`,
  });
}

/** A chart of a run report: file stem, and how to render it. */
export interface RunChart {
  name: string;
  render: (r: RunReport, options?: ChartOptions) => string;
}

/** Every static chart of a run report, in the order of the report page. */
export const RUN_CHARTS: readonly RunChart[] = Object.freeze([
  { name: 'device-timeline', render: deviceTimelineChart },
  { name: 'op-kind-breakdown', render: opKindBreakdownChart },
]);
