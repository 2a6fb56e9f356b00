/**
 * Static charts of a run report (`strata.run-report/1`), each a pure function `(report, options) => SVG`: the
 * device-utilisation timeline (a Gantt of ops by device) and the time by op kind (compute-bound, memory-bound,
 * launch).
 *
 * Run reports time a run in ns from its start, not in cycles of a clock, and the axes say so. Baseline runs come from
 * the analytical kernel model (docs/baselines.md) under their software profile, Duplex runs from its step model,
 * PIM-GPT runs from its cycle-level token simulation (`timeModel` names which).
 */
import { format } from 'd3';
import type { RunReport, TimelineEntry } from '../src/report/run-report.ts';
import { horizontalStackedBars } from './bars.ts';
import { DEVICE_LABEL, deviceKindFromId, ganttChart, ganttLanes, type GanttInterval, type GanttLane, type GanttSpec } from './gantt.ts';
import { ROOFLINE_PART_STYLE, type DeviceKind, type RooflinePart } from './palette.ts';
import { esc, type ChartOptions } from './svg.ts';

export type { ChartOptions } from './svg.ts';

const thousands = format(',');

/** A time in ns as µs with up to 3 decimals (`1,234.5`). */
export function formatUs(ns: number): string {
  return format(',.4~r')(ns / 1000);
}

/** Readable names of device kinds, for legends (defined with the Gantt charts). */
export { DEVICE_LABEL };

/** The line under every run chart's title: which run this is. */
export function runSubtitle(r: RunReport): string {
  const s0 = r.steps[0]!;
  const steps = r.steps.length;
  const scope = r.timeline.scope === 'all' || steps === 1 ? `${thousands(r.timeline.ops.length)} ops` : `step 0 of ${steps}, ${thousands(r.timeline.ops.length)} ops`;
  return `${r.model.name} ${r.workload.phase} on ${r.system.name} · batch ${s0.requests}, ${steps} step${steps === 1 ? '' : 's'} · timeline: ${scope} · ${timeModel(r)}, ${r.system.precision}`;
}

/** How the run was timed, in a few words: the analytical kernel model and its profile, Duplex's xPU + PIM co-processing model, or PIM-GPT's cycle-level token simulation. */
function timeModel(r: RunReport): string {
  if (r.policy === 'pim-gpt') return 'PIM-GPT cycle-level token simulation';
  const d = r.system.duplex;
  if (r.policy !== 'duplex' || !d) return baselineModel(r);
  return `Duplex ${d.devices} x (xPU${d.pim ? ` + ${d.pim.spec}` : ''})${d.coProcessing ? ', co-processed' : ''}`;
}

/** What the time axis of a run's timeline is measured by: a model with no cycle clock, or PIM-GPT's cycles (shown in µs). */
function timeAxisModel(r: RunReport): string {
  if (r.policy === 'pim-gpt') return 'cycle-level PIM-GPT simulation, cycles shown in µs';
  return `${r.policy === 'duplex' ? 'Duplex step model' : baselineModel(r)}, no cycle clock`;
}

/**
 * A GPU/CPU baseline's timing model in a few words: the analytical kernel model of docs/baselines.md (a roofline per
 * kernel, a kernel floor, launches as its software profile says) and, where the report records it, that profile;
 * a bare "roofline" would hide the floors and the profile that decide small models' times.
 */
function baselineModel(r: RunReport): string {
  const p = r.system.softwareProfile;
  return p ? `analytical kernel model, '${p.name}' profile` : 'analytical kernel model';
}

/**
 * The device kind of a timeline device id: the kind its id starts with (`npu0.systolic-array` → npu, `pim3` →
 * pim), otherwise the report's system kind (baseline runs put every op on `gpu0` or `cpu0`).
 */
export function deviceKindOf(r: RunReport, device: string): DeviceKind {
  return deviceKindFromId(device) ?? r.system.kind;
}

/** Length of the timeline: from 0 to the end of its last op, ns. */
export function timelineSpanNs(r: RunReport): number {
  let end = 0;
  for (const o of r.timeline.ops) end = Math.max(end, o.endNs);
  return end;
}

/** A timeline op of a run report as a Gantt op (its id is the op id). */
export type RunGanttOp = TimelineEntry & { readonly id: string };

/** A stretch of one lane during which it is busy: one op, or several back to back. */
export type LaneInterval = GanttInterval<RunGanttOp>;

/** One row of the timeline: every op of a device (`opKind` null) or the ops of one kind on it. */
export type TimelineLane = GanttLane<RunGanttOp>;

function runOps(r: RunReport): RunGanttOp[] {
  return r.timeline.ops.map((o) => ({ ...o, id: o.op }));
}

/**
 * The lanes of the timeline: per device (in order of first use) a row of all its ops, then a row per op kind (in
 * order of first use). Ops closer than `mergeGapNs` in one lane share an interval (0: only ops back to back).
 */
export function timelineLanes(r: RunReport, mergeGapNs = 0): TimelineLane[] {
  return ganttLanes(runOps(r), (d) => deviceKindOf(r, d), mergeGapNs);
}

/** Start times of the steps the timeline shows, after the first, ns. */
export function stepBoundaries(r: RunReport): Array<{ step: number; startNs: number }> {
  const shown = new Set(r.timeline.ops.map((o) => o.step));
  return r.steps.filter((s) => s.index > 0 && shown.has(s.index)).map((s) => ({ step: s.index, startNs: s.startNs }));
}

function opTip(o: TimelineEntry): string {
  const dur = o.endNs - o.startNs;
  const allReduce = o.allReduceNs ? ` + all-reduce ${formatUs(o.allReduceNs)} µs` : '';
  return `${o.device} · ${o.op} (${o.kind}, step ${o.step}): ${formatUs(o.startNs)}–${formatUs(o.endNs)} µs, ${formatUs(dur)} µs = ${o.bound}-bound ${formatUs(o.bound === 'compute' ? o.computeNs : o.memoryNs)} µs + launch ${formatUs(o.launchNs)} µs${allReduce} (compute ${formatUs(o.computeNs)} µs, memory ${formatUs(o.memoryNs)} µs; ${thousands(o.flops)} FLOP, ${thousands(o.bytes)} bytes)`;
}

function opHover(o: TimelineEntry): string {
  const f = format(',.3f');
  return `<b>${esc(o.op)}</b> (step ${o.step}, ${o.bound}-bound)<br>${f(o.startNs / 1000)} → ${f(o.endNs / 1000)} µs, ${f((o.endNs - o.startNs) / 1000)} µs<br>compute ${f(o.computeNs / 1000)} µs, memory ${f(o.memoryNs / 1000)} µs, launch ${f(o.launchNs / 1000)} µs${o.allReduceNs ? `, all-reduce ${f(o.allReduceNs / 1000)} µs` : ''}<br>${thousands(o.flops)} FLOP, ${thousands(o.bytes)} bytes`;
}

/** The Gantt of a run report's timeline: ops by device and op kind, time in µs, steps after the first marked. */
export function runGanttSpec(r: RunReport): GanttSpec<RunGanttOp> {
  return {
    id: 'strata-device-timeline',
    name: 'device-timeline',
    title: 'Device utilisation timeline',
    subtitle: runSubtitle(r),
    ops: runOps(r),
    deviceKind: (d) => deviceKindOf(r, d),
    unit: { name: 'µs', perNs: 1e-3 },
    timeTitle: `Simulated time from the start of the run (µs; ${timeAxisModel(r)})`,
    boundaries: stepBoundaries(r).map((b) => ({ label: `step ${b.step}`, atNs: b.startNs })),
    boundaryLegend: 'start of a step',
    opTip,
    opHover,
  };
}

/**
 * Device-utilisation timeline: a Gantt of the timeline's ops, one row per device (all its ops: when it is busy)
 * and one per op kind on it, bars in the device kind's colour, time in µs; the column on the right gives each
 * row's share of the timeline (for a device row, its utilisation). Steps after the first are marked.
 */
export function deviceTimelineChart(r: RunReport, options: ChartOptions = {}): string {
  return ganttChart(runGanttSpec(r), options);
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
