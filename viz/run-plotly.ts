/**
 * Interactive versions of the run-report charts: plotly figure specs (plain JSON) built from a run report, with
 * the palette, axis titles and units of the static charts. The timeline is zoomable down to single ops.
 */
import { format } from 'd3';
import type { RunReport } from '../src/report/run-report.ts';
import { ganttPlotlyFigure } from './gantt.ts';
import { ROOFLINE_PART_STYLE, ROOFLINE_PARTS } from './palette.ts';
import { barMarker, baseLayout, categoryAxis, config, valueAxis, type PlotlyFigure } from './plotly-figures.ts';
import { opKindTimes, ROOFLINE_PART_LABEL, runGanttSpec, runSubtitle, timelineSpanNs } from './run-charts.ts';

const thousands = format(',');

function timelineFigure(r: RunReport): PlotlyFigure {
  return ganttPlotlyFigure(runGanttSpec(r), `Ops of the timeline by device and op kind over ${format(',.1f')(timelineSpanNs(r) / 1000)} µs of simulated time; drag to zoom into single ops, hover an op for its times, FLOPs and bytes`);
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
