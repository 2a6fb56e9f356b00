/**
 * Interactive versions of the run-report charts: plotly figure specs (plain JSON) built from a run report, with
 * the palette, axis titles and units of the static charts. The timeline is zoomable down to single ops.
 */
import { format } from 'd3';
import type { RunReport } from '../src/report/run-report.ts';
import { DEVICE_STYLE, INK, ROOFLINE_PART_STYLE, ROOFLINE_PARTS } from './palette.ts';
import { barMarker, baseLayout, categoryAxis, config, valueAxis, type Json, type PlotlyFigure } from './plotly-figures.ts';
import {
  DEVICE_LABEL,
  opKindTimes,
  ROOFLINE_PART_LABEL,
  runSubtitle,
  stepBoundaries,
  timelineLanes,
  timelineSpanNs,
  type TimelineLane,
} from './run-charts.ts';

const thousands = format(',');

/** The category (row) name of a lane on the plotly timeline. */
function laneName(l: TimelineLane): string {
  return l.opKind === null ? `<b>${l.device}</b> (all ops)` : `${l.device} · ${l.opKind}`;
}

function timelineFigure(r: RunReport): PlotlyFigure {
  const lanes = timelineLanes(r, 0);
  const span = timelineSpanNs(r) || 1;
  const names = lanes.map(laneName);
  const us = (ns: number) => ns / 1000;
  const busyLanes = lanes.filter((l) => l.opKind === null);
  const busy: Json = {
    type: 'bar',
    orientation: 'h',
    name: 'busy (ops back to back)',
    showlegend: false,
    y: busyLanes.flatMap((l) => l.intervals.map(() => laneName(l))),
    base: busyLanes.flatMap((l) => l.intervals.map((iv) => us(iv.startNs))),
    x: busyLanes.flatMap((l) => l.intervals.map((iv) => us(iv.endNs - iv.startNs))),
    customdata: busyLanes.flatMap((l) => l.intervals.map((iv) => [iv.ops.length, us(iv.endNs), (100 * l.busyNs) / span])),
    marker: { color: busyLanes.map((l) => l.intervals.map(() => DEVICE_STYLE[l.deviceKind].fill)).flat(), line: { width: 0 } },
    hovertemplate: '%{y}<br>busy from %{base:,.3f} to %{customdata[1]:,.3f} µs (%{customdata[0]} ops)<br>device busy %{customdata[2]:.1f} % of the timeline<extra></extra>',
  };
  const kinds = [...new Set(lanes.map((l) => l.deviceKind))];
  const opTraces: Json[] = kinds.map((k) => {
    const mine = lanes.filter((l) => l.opKind !== null && l.deviceKind === k);
    const ops = mine.flatMap((l) => l.intervals.flatMap((iv) => iv.ops.map((o) => ({ o, lane: laneName(l) }))));
    return {
      type: 'bar',
      orientation: 'h',
      name: `${DEVICE_LABEL[k]} op`,
      y: ops.map((x) => x.lane),
      base: ops.map((x) => us(x.o.startNs)),
      x: ops.map((x) => us(x.o.endNs - x.o.startNs)),
      customdata: ops.map(({ o }) => [o.op, o.step, o.bound, us(o.computeNs), us(o.memoryNs), us(o.launchNs), thousands(o.flops), thousands(o.bytes), us(o.endNs)]),
      marker: { color: DEVICE_STYLE[k].fill, line: { width: 0 } },
      hovertemplate: '<b>%{customdata[0]}</b> (step %{customdata[1]}, %{customdata[2]}-bound)<br>%{base:,.3f} → %{customdata[8]:,.3f} µs, %{x:,.3f} µs<br>compute %{customdata[3]:,.3f} µs, memory %{customdata[4]:,.3f} µs, launch %{customdata[5]:,.3f} µs<br>%{customdata[6]} FLOP, %{customdata[7]} bytes<extra></extra>',
    };
  });
  const bounds = stepBoundaries(r);
  const devices = busyLanes.map((l) => `${l.device} busy ${((100 * l.busyNs) / span).toFixed(1)} %`).join(', ');
  return {
    id: 'chart-device-timeline',
    name: 'device-timeline',
    wide: true,
    caption: `Ops of the timeline by device and op kind over ${format(',.1f')(span / 1000)} µs of simulated time (${devices}); drag to zoom into single ops, hover an op for its times, FLOPs and bytes.`,
    data: [busy, ...opTraces],
    layout: baseLayout('Device utilisation timeline', runSubtitle(r), {
      barmode: 'overlay',
      bargap: 0.25,
      height: Math.max(360, 150 + 22 * lanes.length),
      xaxis: valueAxis('Simulated time from the start of the run (µs; analytical roofline, no cycle clock)', { range: [0, span / 1000] }),
      yaxis: categoryAxis('Device · op kind', { autorange: 'reversed', categoryorder: 'array', categoryarray: names }),
      shapes: bounds.map((b) => ({ type: 'line', xref: 'x', yref: 'paper', x0: us(b.startNs), x1: us(b.startNs), y0: 0, y1: 1, line: { color: INK.muted, width: 1, dash: 'dash' } })),
      annotations: bounds.map((b) => ({ x: us(b.startNs), y: 1, xref: 'x', yref: 'paper', yanchor: 'bottom', text: `step ${b.step}`, showarrow: false, font: { size: 10, color: INK.muted } })),
    }),
    config: config('device-timeline'),
  };
}

function opKindFigure(r: RunReport): PlotlyFigure {
  const times = opKindTimes(r);
  const all = times.reduce((s, t) => s + t.totalNs, 0) || 1;
  const kinds = times.map((t) => t.kind);
  const get = { compute: (t: (typeof times)[number]) => t.computeBoundNs, memory: (t: (typeof times)[number]) => t.memoryBoundNs, launch: (t: (typeof times)[number]) => t.launchNs };
  return {
    id: 'chart-op-kind-breakdown',
    name: 'op-kind-breakdown',
    wide: true,
    caption: `Time of each op kind over the ${thousands(r.timeline.ops.length)} ops of the timeline: execution of compute-bound ops, of memory-bound ops, and launch overhead (each op takes max(compute, memory) + launch).`,
    data: ROOFLINE_PARTS.filter((p) => times.some((t) => get[p](t) > 0)).map((p) => ({
      type: 'bar',
      orientation: 'h',
      name: ROOFLINE_PART_LABEL[p],
      y: kinds,
      x: times.map((t) => get[p](t) / 1000),
      customdata: times.map((t) => [t.ops, (100 * get[p](t)) / (t.totalNs || 1)]),
      marker: barMarker(ROOFLINE_PART_STYLE[p]),
      hovertemplate: `%{y}: ${ROOFLINE_PART_LABEL[p]}<br>%{x:,.3f} µs (%{customdata[1]:.1f} % of the kind, %{customdata[0]} ops)<extra></extra>`,
    })),
    layout: baseLayout('Time by op kind', runSubtitle(r), {
      barmode: 'stack',
      bargap: 0.3,
      height: Math.max(360, 170 + 26 * kinds.length),
      xaxis: valueAxis('Time over the timeline (µs)', { range: [0, (Math.max(1, ...times.map((t) => t.totalNs)) / 1000) * 1.25] }),
      yaxis: categoryAxis('Op kind', { autorange: 'reversed', categoryorder: 'array', categoryarray: kinds }),
      annotations: times.map((t) => ({
        x: t.totalNs / 1000,
        y: t.kind,
        text: `${format(',.1f')(t.totalNs / 1000)} µs · ${((100 * t.totalNs) / all).toFixed(1)} %`,
        showarrow: false,
        xanchor: 'left',
        xshift: 4,
      })),
    }),
    config: config('op-kind-breakdown'),
  };
}

/** The interactive figures of a run report, in the same order as the static charts. */
export function runPlotlyFigures(r: RunReport): PlotlyFigure[] {
  return [timelineFigure(r), opKindFigure(r)];
}
