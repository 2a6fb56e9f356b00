/**
 * Interactive versions of the figure-set charts of `strata figures` (PIM-GPT, peak bandwidth, NeuPIMs, Duplex):
 * plotly figure specs (plain JSON), each a pure function of a figure-data file (`strata.figure-data/1`) with the
 * palette, axis titles and units of the static charts (viz/figure-charts.ts, viz/neupims-charts.ts,
 * viz/duplex-charts.ts). Small multiples become plotly subplots; timelines zoom; every bar and point hovers.
 *
 * These read only the data files, never the simulator.
 */
import { format } from 'd3';
import type { FigureData, FigureReference, FigureValue } from '../src/report/figure-data.ts';
import { authorsChargeRatios, CDF_METRICS, DUPLEX_AUTHORS_SERIES, DUPLEX_ENERGY_METHOD_NOTE, DUPLEX_SYSTEM_STYLE, duplexSubtitle, percentile } from './duplex-charts.ts';
import { baselinePanelName, PIM_GPT_ENERGY_SERIES, PIM_GPT_TIME_SERIES, pimGptSubtitle, pimGptTokenOps, tokenOpPlace, type TokenGanttOp } from './figure-charts.ts';
import { column, distinct, num, numOrNull, records, str, table } from './figure-tables.ts';
import { DEVICE_LABEL, ganttPlotlyFigure } from './gantt.ts';
import { GPU_GRAPHS_LABEL, hasGpuGraphsGain, NEUPIMS_GPU_GRAPHS_SERIES, NEUPIMS_SYSTEM_STYLE, neupimsSubtitle } from './neupims-charts.ts';
import { DEVICE_STYLE, INK, PIM_CLASS_STYLE, REFERENCE_BAND, type DeviceKind, type LineStyle, type SeriesStyle } from './palette.ts';
import { barMarker, baseLayout, categoryAxis, config, valueAxis, type Json, type PlotlyFigure } from './plotly-figures.ts';
import { cdfPoints } from './serving-charts.ts';
import { bandRows } from './sensitivity-charts.ts';
import { esc } from './svg.ts';

/** A plotly dash list (`7px,3px`) for an SVG dash array (`7 3`), or solid. */
function dash(svgDash: string): string {
  return svgDash ? svgDash.split(' ').map((v) => `${v}px`).join(',') : 'solid';
}

const SYMBOL = { circle: 'circle', square: 'square', triangle: 'triangle-up', diamond: 'diamond' } as const;

function markerSymbol(st: LineStyle): string {
  return `${SYMBOL[st.marker]}${st.filled ? '' : '-open'}`;
}

/** Axis ids of subplot `i` (0: `x`/`y`, then `x2`/`y2`, …) and their layout keys. */
function axisIds(i: number): { x: string; y: string; xaxis: string; yaxis: string } {
  const s = i === 0 ? '' : String(i + 1);
  return { x: `x${s}`, y: `y${s}`, xaxis: `xaxis${s}`, yaxis: `yaxis${s}` };
}

/**
 * The domains of `n` subplots in rows of `cols`, top to bottom, for a plot area `rows × rowPx` pixels high:
 * `topPx` above each panel for its title, `bottomPx` below it for tick labels.
 */
function panelDomains(n: number, cols: number, rowPx: number, topPx: number, bottomPx: number): Array<{ x: [number, number]; y: [number, number]; row: number; col: number }> {
  const rows = Math.max(1, Math.ceil(n / cols));
  const h = rows * rowPx;
  const gapX = cols > 1 ? 0.06 : 0;
  return Array.from({ length: n }, (_, i) => {
    const row = Math.floor(i / cols);
    const col = i % cols;
    const w = (1 - gapX * (cols - 1)) / cols;
    const x0 = col * (w + gapX);
    return { x: [x0, x0 + w], y: [1 - (row + 1) / rows + bottomPx / h, 1 - row / rows - topPx / h], row, col };
  });
}

/** A panel title above subplot `i`, one or more lines. */
function panelTitle(i: number, ...lines: string[]): Json {
  const a = axisIds(i);
  return { text: `<b>${lines.map(esc).join('<br>')}</b>`, xref: `${a.x} domain`, yref: `${a.y} domain`, x: 0.5, y: 1, yanchor: 'bottom', yshift: 4, showarrow: false, font: { size: 12 } };
}

// ---------------------------------------------------------------------------------------------------------------
// Peak bandwidth

function peakFigure(d: FigureData): PlotlyFigure {
  const rs = records(table(d, 'peak'), ['preset', 'achievedGBps', 'peakGBps', 'percentOfPeak']);
  const presets = rs.map((r) => str(r.preset));
  const pct = rs.map((r) => num(r.percentOfPeak));
  const target = d.references.find((r) => r.name === 'target');
  const lo = Math.min(90, Math.floor(Math.min(...pct) / 5) * 5);
  const step = 100 - lo <= 10 ? 2 : 5;
  const labels = rs.map((r) => `${num(r.percentOfPeak).toFixed(1)} % (${format(',.1f')(num(r.achievedGBps))} of ${format(',.1f')(num(r.peakGBps))} GB/s)`);
  const data: Json[] = [{
    type: 'scatter',
    mode: 'markers+text',
    name: 'streaming reads (% of peak)',
    x: pct,
    y: presets,
    text: labels,
    textposition: 'middle right',
    cliponaxis: false,
    customdata: rs.map((r) => [num(r.achievedGBps), num(r.peakGBps)]),
    marker: { size: 12, color: DEVICE_STYLE.dram.fill, line: { color: INK.background, width: 1 } },
    hovertemplate: '%{y}: %{x:.2f} % of the analytical peak<br>%{customdata[0]:,.2f} of %{customdata[1]:,.2f} GB/s<extra></extra>',
  }];
  return {
    id: 'chart-peak-bandwidth',
    name: 'peak-bandwidth',
    wide: true,
    caption: `Achieved streaming read bandwidth of each DRAM preset as a percentage of its analytical peak (axis from ${lo} %)${target ? `; the dashed line is the ${target.min} % target (${target.source})` : ''}. Hover a dot for GB/s.`,
    data,
    layout: baseLayout('Streaming reads against the analytical peak', `${format(',')(num(d.parameters.requests as FigureValue))} consecutive reads per preset, default controller of each · strata validate peak`, {
      showlegend: Boolean(target),
      // Room right of 100 % for the labels, but no tick past it.
      xaxis: valueAxis(`Streaming read bandwidth (% of the analytical peak; axis from ${lo} %)`, {
        range: [lo, 100 + 0.3 * (100 - lo)], zeroline: false, tickmode: 'array', tickvals: Array.from({ length: Math.floor((100 - lo) / step) + 1 }, (_, i) => lo + i * step),
      }),
      yaxis: categoryAxis('DRAM preset', { autorange: 'reversed' }),
      shapes: target ? [{ type: 'line', xref: 'x', yref: 'paper', x0: target.min, x1: target.min, y0: 0, y1: 1, line: { color: INK.reference, dash: dash('6 3'), width: 2 }, name: `target (${target.min} %, ${target.source})`, showlegend: true }] : [],
    }),
    config: config('peak-bandwidth'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Sensitivity bands

/**
 * Each headline's band as a horizontal error bar around its shipped value (100 %), in % of the shipped value as the
 * static chart draws it (viz/sensitivity-charts.ts), with the paper's value or range as hollow diamonds on the same
 * scale; hover gives the values in the headline's own unit and the assumption that moves it most.
 */
function sensitivityFigure(d: FigureData): PlotlyFigure {
  const rows = bandRows(d);
  const labels = rows.map((r) => r.label);
  const withPaper = rows.filter((r) => r.paperPct);
  const data: Json[] = [
    {
      type: 'scatter',
      mode: 'markers',
      name: 'shipped value, with the band over the assumptions (one at a time)',
      x: rows.map(() => 100),
      y: labels,
      error_x: { type: 'data', symmetric: false, array: rows.map((r) => r.highPct - 100), arrayminus: rows.map((r) => 100 - r.lowPct), color: DEVICE_STYLE.pim.fill, thickness: 3, width: 6 },
      customdata: rows.map((r) => [r.text, r.movedMostBy]),
      marker: { size: 9, color: INK.text },
      hovertemplate: '%{y}<br>%{customdata[0]}<br>moved most by %{customdata[1]}<extra></extra>',
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: "the paper's value (its range's ends)",
      x: withPaper.flatMap((r) => (r.paperPct!.min === r.paperPct!.max ? [r.paperPct!.min] : [r.paperPct!.min, r.paperPct!.max])),
      y: withPaper.flatMap((r) => (r.paperPct!.min === r.paperPct!.max ? [r.label] : [r.label, r.label])),
      marker: { size: 10, symbol: 'diamond-open', color: REFERENCE_BAND.stroke, line: { width: 2 } },
      hovertemplate: "%{y}<br>the paper: %{x:.0f} % of the shipped value<extra></extra>",
    },
  ];
  return {
    id: 'chart-sensitivity-bands',
    name: 'sensitivity-bands',
    wide: true,
    caption: "Each headline as a band (low to high over every declared assumption on its path, one at a time, each at both ends of its range) around its shipped value, in % of the shipped value; diamonds: the paper's value or range on the same scale (zoom out for those far off). Hover for the values and the assumption that moves each most.",
    data,
    layout: baseLayout('Headline ratios as bands over every assumption on their path', 'one assumption at a time, each at both ends of its range · strata validate <pim-gpt|neupims|duplex> --sensitivity', {
      showlegend: true,
      height: Math.max(420, 120 + rows.length * 34),
      xaxis: valueAxis('Headline as % of its shipped value', { range: [0, Math.max(200, ...rows.map((r) => r.highPct + 10), ...withPaper.map((r) => r.paperPct!.max + 10).filter((v) => v <= 310))] }),
      yaxis: categoryAxis('', { autorange: 'reversed', automargin: true }),
    }),
    config: config('sensitivity-bands'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// PIM-GPT

function pimGptModels(d: FigureData): string[] {
  return column(table(d, 'pim'), 'model').map((v) => str(v));
}

/** Per baseline (in table order): its device kind and its ratio per model. */
function baselineRatios(d: FigureData, metric: 'speedup' | 'efficiency'): Array<{ baseline: string; kind: DeviceKind; profile?: string; values: number[] }> {
  const rs = records(table(d, 'baselines'), ['model', 'baseline', 'kind', metric]);
  const ms = pimGptModels(d);
  return distinct(rs.map((r) => str(r.baseline))).map((b) => {
    const mine = rs.filter((r) => r.baseline === b);
    const k = str(mine[0]?.kind) as DeviceKind;
    // Files written before the profile column have no `profile` field in their records.
    const profile = mine[0]?.profile;
    return { baseline: b, kind: k in DEVICE_STYLE ? k : 'gpu', ...(typeof profile === 'string' && profile ? { profile } : {}), values: ms.map((m) => num(mine.find((r) => r.model === m)?.[metric])) };
  });
}

const ratio = (v: number) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}x`;

/** PIM-GPT's speed-up or energy efficiency over each baseline: a panel per baseline, log axis, the paper's range as a band. */
function pimGptRatioFigure(d: FigureData, metric: 'speedup' | 'efficiency'): PlotlyFigure {
  const ms = pimGptModels(d);
  const series = baselineRatios(d, metric);
  const refs: Array<FigureReference | undefined> = series.map((s) => d.references.find((r) => r.name.startsWith(metric) && r.appliesTo.includes(s.baseline)));
  const maxValue = Math.max(2, ...series.flatMap((s) => s.values), ...refs.map((r) => r?.max ?? 0));
  const domains = panelDomains(series.length, series.length, 420, 26, 0);
  const layoutAxes: Json = {};
  const shapes: Json[] = [];
  const annotations: Json[] = [];
  const data: Json[] = [];
  const kindsShown = new Set<DeviceKind>();
  let bandShown = false;
  const what = metric === 'speedup' ? 'is faster per token by' : 'uses less energy per token by';
  series.forEach((s, i) => {
    const a = axisIds(i);
    layoutAxes[a.xaxis] = valueAxis(i === 0 ? (metric === 'speedup' ? 'Speed-up per generated token (baseline time / PIM-GPT time; log scale)' : 'Energy efficiency per generated token (baseline energy / PIM-GPT energy; log scale)') : '', {
      type: 'log', range: [0, Math.log10(maxValue * 1.7)], domain: domains[i]!.x, anchor: a.y, zeroline: false, dtick: 1, ticksuffix: 'x',
    });
    layoutAxes[a.yaxis] = categoryAxis(i === 0 ? 'Model' : '', { domain: domains[i]!.y, anchor: a.x, autorange: 'reversed', categoryorder: 'array', categoryarray: ms, showticklabels: i === 0 });
    data.push({
      type: 'bar',
      orientation: 'h',
      name: `${DEVICE_LABEL[s.kind]} baseline`,
      legendgroup: s.kind,
      showlegend: !kindsShown.has(s.kind),
      xaxis: a.x,
      yaxis: a.y,
      x: s.values,
      y: ms,
      text: s.values.map(ratio),
      textposition: 'outside',
      cliponaxis: false,
      marker: barMarker(DEVICE_STYLE[s.kind]),
      hovertemplate: `%{y} vs ${s.baseline}: PIM-GPT ${what} %{x:,.1f}x<extra></extra>`,
    });
    kindsShown.add(s.kind);
    const ref = refs[i];
    if (ref) {
      shapes.push({
        type: 'rect', layer: 'below', xref: a.x, x0: ref.min, x1: ref.max, yref: `${a.y} domain`, y0: 0, y1: 1,
        fillcolor: REFERENCE_BAND.fill, line: { color: REFERENCE_BAND.stroke, width: 1.2, dash: dash(REFERENCE_BAND.dash) },
        name: 'range published by the PIM-GPT paper (npj 2024)', showlegend: !bandShown, legendgroup: 'paper',
      });
      bandShown = true;
    }
    annotations.push(panelTitle(i, `vs ${baselinePanelName(s)} (${DEVICE_LABEL[s.kind]})${ref ? ` · paper ${format(',')(ref.min)}–${format(',')(ref.max)}x` : ' · no published value'}`));
  });
  const summary = series.map((s, p) => `vs ${baselinePanelName(s)} ${ratio(Math.min(...s.values))}–${ratio(Math.max(...s.values))}${refs[p] ? ` (paper ${refs[p]!.min}–${refs[p]!.max}x)` : ''}`).join('; ');
  const name = metric === 'speedup' ? 'pim-gpt-speedup' : 'pim-gpt-energy-efficiency';
  return {
    id: `chart-${name}`,
    name,
    wide: true,
    caption: `PIM-GPT ${metric === 'speedup' ? 'speed-up' : 'energy efficiency'} per generated token over each baseline, one panel per baseline, one bar per model (log scale): ${summary}. Shaded bands: ranges the PIM-GPT paper reports.`,
    data,
    layout: baseLayout(metric === 'speedup' ? 'PIM-GPT speed-up over GPU and CPU baselines' : 'PIM-GPT energy efficiency over GPU and CPU baselines', pimGptSubtitle(d), {
      height: 560,
      margin: { l: 110, r: 30, t: 120, b: 64 },
      ...layoutAxes,
      shapes,
      annotations,
    }),
    config: config(name),
  };
}

/** A PIM-GPT breakdown per token (latency in µs or energy in µJ): one stacked horizontal bar per model. */
function pimGptBreakdownFigure(d: FigureData, which: 'latency' | 'energy'): PlotlyFigure {
  const t = table(d, which === 'latency' ? 'latency-breakdown' : 'energy-breakdown');
  const spec = which === 'latency' ? PIM_GPT_TIME_SERIES : PIM_GPT_ENERGY_SERIES;
  const unit = which === 'latency' ? 'µs' : 'µJ';
  const ms = column(t, 'model').map((v) => str(v));
  const values = spec.map((s) => column(t, s.column).map(num));
  const totals = ms.map((_, i) => values.reduce((sum, vs) => sum + vs[i]!, 0));
  const asic = which === 'latency' ? values[spec.findIndex((s) => s.column === 'asicUs')]! : null;
  const name = which === 'latency' ? 'pim-gpt-latency-breakdown' : 'pim-gpt-energy-breakdown';
  const pct = (v: number, total: number) => `${((100 * v) / (total || 1)).toFixed(1)} %`;
  return {
    id: `chart-${name}`,
    name,
    caption: which === 'latency'
      ? `Mean latency per generated token in µs, split into the critical PIM channel's MACs, data movement, row activation/precharge and refresh, then the ASIC, for ${ms.length} models; hover a part for its share.`
      : `Energy per generated token in µJ by component (PIM activate, array reads, MAC, buffer/result I/O, global buffer and latches, refresh, standby; ASIC) for ${ms.length} models; hover a part for its share.`,
    data: spec.map((s, k) => ({
      type: 'bar',
      orientation: 'h',
      name: s.label,
      y: ms,
      x: values[k]!,
      customdata: ms.map((_, i) => [(100 * values[k]![i]!) / (totals[i]! || 1), totals[i]!]),
      marker: barMarker(s.style),
      hovertemplate: `%{y}, ${s.label}: %{x:,.2f} ${unit} (%{customdata[0]:.1f} % of %{customdata[1]:,.1f} ${unit})<extra></extra>`,
    })),
    layout: baseLayout(which === 'latency' ? 'PIM-GPT latency per token: PIM vs ASIC' : 'PIM-GPT energy per token by component', pimGptSubtitle(d), {
      barmode: 'stack',
      bargap: 0.3,
      height: Math.max(420, 200 + 34 * ms.length),
      margin: { l: 110, r: 30, t: 120, b: 64 },
      xaxis: valueAxis(which === 'latency' ? 'Latency per generated token (µs)' : 'Energy per generated token (µJ)', { range: [0, Math.max(1e-9, ...totals) * 1.3] }),
      yaxis: categoryAxis('Model', { autorange: 'reversed', categoryorder: 'array', categoryarray: ms }),
      annotations: ms.map((m, i) => ({
        x: totals[i]!, y: m, xanchor: 'left', xshift: 4, showarrow: false,
        text: which === 'latency' ? `${format(',.1f')(totals[i]!)} µs · PIM ${pct(totals[i]! - asic![i]!, totals[i]!)}` : `${format(',.1f')(totals[i]!)} µJ`,
      })),
    }),
    config: config(name),
  };
}

/** The PIM-GPT token, node by node on the PIM channels (one lane) and the ASIC: zoomable down to single nodes. */
function pimGptGanttFigure(d: FigureData): PlotlyFigure {
  const ops = pimGptTokenOps(d);
  const p = d.parameters;
  const us = format(',.3~f');
  return ganttPlotlyFigure<TokenGanttOp>({
    id: 'strata-pim-gpt-token-gantt',
    name: 'pim-gpt-token-gantt',
    title: `One PIM-GPT token, op by op: ${str(p.timelineModel as FigureValue)}`,
    subtitle: `token at position ${str(p.timelineContext as FigureValue)} (the last of ${str(p.timelinePromptTokens as FigureValue)} prompt + ${str(p.timelineTokens as FigureValue)} generated tokens), ${us(num(p.timelineTokenUs as FigureValue))} µs · PIM channels running a share identically drawn once`,
    ops,
    deviceKind: (dev) => (dev === 'asic' ? 'asic' : 'pim'),
    unit: { name: 'µs', perNs: 1e-3 },
    timeTitle: "Time from the token's start (µs)",
    boundaries: [],
    boundaryLegend: '',
    opTip: (o) => `${o.op} (${o.kind}) ${tokenOpPlace(o)}: ${us(o.startNs / 1000)}–${us(o.endNs / 1000)} µs${o.readyNs > o.startNs ? ` (row opened early; input arrived at ${us(o.readyNs / 1000)} µs)` : ''}`,
    opHover: (o) => `${o.op} (${o.kind}) ${tokenOpPlace(o)}<br>${us(o.startNs / 1000)}–${us(o.endNs / 1000)} µs${o.readyNs > o.startNs ? `<br>row opened early; input arrived at ${us(o.readyNs / 1000)} µs` : ''}`,
  }, `Every node of one ${str(p.timelineModel as FigureValue)} token on the PIM channels and the ASIC, a row per op kind; drag to zoom into single nodes, hover a node for its op, channels and times`);
}

// ---------------------------------------------------------------------------------------------------------------
// Grouped bars in small multiples (NeuPIMs, Duplex)

interface GroupedPanel {
  readonly title: string;
  readonly groups: ReadonlyArray<{ readonly label: string; readonly outer: string }>;
  /** values[series][group]; null: no bar (`missing` instead). */
  readonly values: ReadonlyArray<ReadonlyArray<number | null>>;
}

interface GroupedSpec {
  readonly name: string;
  readonly title: string;
  readonly subtitle: string;
  readonly caption: string;
  readonly series: ReadonlyArray<{ readonly key: string; readonly label: string; readonly style: SeriesStyle }>;
  readonly panels: readonly GroupedPanel[];
  readonly valueTitle: string;
  readonly groupTitle: string;
  /** The hover line of one bar. */
  readonly tip: (panel: GroupedPanel, group: number, series: string, value: number) => string;
  readonly references?: ReadonlyArray<{ readonly value: number; readonly legend: string; readonly stroke: string; readonly dash: string }>;
  /** What a missing value means (`OOM`), shown above its group. */
  readonly missing?: string;
}

/** Vertical grouped bars, a subplot per panel (two columns), the request set or lengths as the outer category. */
function groupedFigure(p: GroupedSpec): PlotlyFigure {
  const cols = p.panels.length <= 1 ? 1 : 2;
  const rowPx = 330;
  const domains = panelDomains(p.panels.length, cols, rowPx, 30, 70);
  const rows = Math.max(1, Math.ceil(p.panels.length / cols));
  const layoutAxes: Json = {};
  const data: Json[] = [];
  const shapes: Json[] = [];
  const annotations: Json[] = [];
  const refs = p.references ?? [];
  p.panels.forEach((pl, i) => {
    const a = axisIds(i);
    const dm = domains[i]!;
    const x = [pl.groups.map((g) => g.outer), pl.groups.map((g) => g.label)];
    const top = Math.max(1e-9, ...pl.values.flat().filter((v): v is number => v !== null), ...refs.map((r) => r.value));
    layoutAxes[a.xaxis] = { ...categoryAxis(dm.row === rows - 1 ? p.groupTitle : '', { type: 'multicategory' }), domain: dm.x, anchor: a.y };
    layoutAxes[a.yaxis] = valueAxis(dm.col === 0 ? p.valueTitle : '', { domain: dm.y, anchor: a.x, range: [0, top * 1.12] });
    p.series.forEach((s, k) => {
      data.push({
        type: 'bar',
        name: s.label,
        legendgroup: s.key,
        showlegend: i === 0,
        xaxis: a.x,
        yaxis: a.y,
        x,
        y: pl.values[k]!.map((v) => v),
        customdata: pl.values[k]!.map((v, j) => (v === null ? '' : p.tip(pl, j, s.label, v))),
        marker: barMarker(s.style),
        hovertemplate: '%{customdata}<extra></extra>',
      });
    });
    const missing = pl.groups.map((_, j) => p.series.filter((_, k) => pl.values[k]![j] === null).map((s) => s.label));
    const gaps = missing.map((m, j) => ({ m, j })).filter((g) => g.m.length > 0);
    if (p.missing && gaps.length) {
      data.push({
        type: 'scatter',
        mode: 'text',
        name: p.missing,
        showlegend: false,
        xaxis: a.x,
        yaxis: a.y,
        x: [gaps.map((g) => pl.groups[g.j]!.outer), gaps.map((g) => pl.groups[g.j]!.label)],
        y: gaps.map(() => 0),
        text: gaps.map(() => p.missing!),
        textposition: 'top center',
        textfont: { size: 10, color: INK.muted },
        customdata: gaps.map((g) => `${pl.title}, ${pl.groups[g.j]!.outer} batch ${pl.groups[g.j]!.label}: ${p.missing} for ${g.m.join(', ')}`),
        hovertemplate: '%{customdata}<extra></extra>',
      });
    }
    refs.forEach((r, k) => shapes.push({
      type: 'line', xref: `${a.x} domain`, x0: 0, x1: 1, yref: a.y, y0: r.value, y1: r.value,
      line: { color: r.stroke, width: 1.5, dash: dash(r.dash) }, name: r.legend, showlegend: i === 0, legendgroup: `reference-${k}`,
    }));
    annotations.push(panelTitle(i, pl.title));
  });
  return {
    id: `chart-${p.name}`,
    name: p.name,
    wide: true,
    caption: p.caption,
    data,
    layout: baseLayout(p.title, p.subtitle, {
      barmode: 'group',
      bargap: 0.2,
      height: 170 + rows * rowPx,
      margin: { l: 80, r: 24, t: 150, b: 40 },
      ...layoutAxes,
      shapes,
      annotations,
    }),
    config: config(p.name),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// NeuPIMs

const tokens = format(',.0f');
const ratio2 = (v: number) => `${v.toFixed(2)}x`;

/** The NeuPIMs cases of a table in one panel per model, groups by request set (outer) and batch. */
function neupimsPanels(d: FigureData, name: string, cols: readonly string[]): Array<GroupedPanel & { rows: Array<Record<string, FigureValue>> }> {
  const rs = records(table(d, name), ['model', 'dataset', 'batch', ...cols]);
  return distinct(rs.map((r) => str(r.model))).map((model) => {
    const rows = rs.filter((r) => r.model === model);
    return { title: model, rows, groups: rows.map((r) => ({ label: str(r.batch), outer: str(r.dataset) })), values: cols.map((c) => rows.map((r) => num(r[c]))) };
  });
}

const NEUPIMS_KEYS = ['gpu-only', 'npu-only', 'npu-pim-blocked', 'neupims'] as const;

function neupimsThroughputFigure(d: FigureData): PlotlyFigure {
  const graphs = hasGpuGraphsGain(records(table(d, 'throughput'), []));
  const panels = neupimsPanels(d, 'throughput', ['gpuTokensPerS', ...(graphs ? ['gpuGraphsTokensPerS'] : []), 'npuOnlyTokensPerS', 'blockedTokensPerS', 'neupimsTokensPerS']);
  return groupedFigure({
    name: 'neupims-throughput',
    title: 'NeuPIMs decode throughput against GPU-only, NPU-only and blocked NPU+PIM',
    subtitle: neupimsSubtitle(d),
    caption: `Generated tokens per second of each system's devices in one decode iteration, one panel per model (${panels.map((p) => p.title).join(', ')}), grouped by request set and batch; hover a bar for its value.`,
    series: [
      ...NEUPIMS_KEYS.slice(0, 1).map((k) => ({ key: k, label: NEUPIMS_SYSTEM_STYLE[k].label, style: NEUPIMS_SYSTEM_STYLE[k].style })),
      ...(graphs ? [{ key: NEUPIMS_GPU_GRAPHS_SERIES.key, label: GPU_GRAPHS_LABEL, style: NEUPIMS_GPU_GRAPHS_SERIES.style }] : []),
      ...NEUPIMS_KEYS.slice(1).map((k) => ({ key: k, label: NEUPIMS_SYSTEM_STYLE[k].label, style: NEUPIMS_SYSTEM_STYLE[k].style })),
    ],
    panels,
    valueTitle: 'Decode throughput (generated tokens/s)',
    groupTitle: 'Batch (requests), by request set',
    tip: (pl, j, s, v) => `${pl.title}, ${pl.groups[j]!.outer} batch ${pl.groups[j]!.label}<br>${s}: ${tokens(v)} tokens/s`,
  });
}

function neupimsSpeedupFigure(d: FigureData): PlotlyFigure {
  const keys = ['gpu-only', 'npu-only', 'npu-pim-blocked'] as const;
  const graphs = hasGpuGraphsGain(records(table(d, 'throughput'), []));
  const panels = neupimsPanels(d, 'throughput', ['overGpu', ...(graphs ? ['overGpuGraphs'] : []), 'overNpuOnly', 'overBlocked']);
  const dashes: Record<string, string> = { 'gpu-only': '7 3', 'npu-only': '3 2', 'npu-pim-blocked': '10 3 2 3' };
  const references = keys.flatMap((k) => {
    const ref = d.references.find((r) => r.appliesTo.includes(k));
    return ref ? [{ value: ref.max, legend: `paper: NeuPIMs ${format('~r')(ref.max)}x ${NEUPIMS_SYSTEM_STYLE[k].label}`, stroke: INK.reference, dash: dashes[k]! }] : [];
  });
  const summary = records(table(d, 'paper'), ['gain', 'geomean', 'paper']);
  return groupedFigure({
    name: 'neupims-speedup',
    title: "NeuPIMs' throughput gain over each baseline, with the paper's",
    subtitle: neupimsSubtitle(d),
    caption: `NeuPIMs tokens/s over each baseline's, per model, request set and batch. Geometric means: ${summary.map((r) => `${str(r.gain)} ${ratio2(num(r.geomean))}${r.paper === null ? '' : ` (paper ${num(r.paper)}x)`}`).join('; ')}. Dashed lines: the paper's headline gains.`,
    series: [
      ...keys.slice(0, 1).map((k) => ({ key: k, label: `over ${NEUPIMS_SYSTEM_STYLE[k].label}`, style: NEUPIMS_SYSTEM_STYLE[k].style })),
      ...(graphs ? [{ ...NEUPIMS_GPU_GRAPHS_SERIES }] : []),
      ...keys.slice(1).map((k) => ({ key: k, label: `over ${NEUPIMS_SYSTEM_STYLE[k].label}`, style: NEUPIMS_SYSTEM_STYLE[k].style })),
    ],
    panels,
    valueTitle: 'NeuPIMs throughput / baseline throughput (x)',
    groupTitle: 'Batch (requests), by request set',
    tip: (pl, j, s, v) => `${pl.title}, ${pl.groups[j]!.outer} batch ${pl.groups[j]!.label}<br>NeuPIMs ${s}: ${ratio2(v)}`,
    references: [...references, { value: 1, legend: 'parity', stroke: INK.axis, dash: '' }],
  });
}

function neupimsInterleavingFigure(d: FigureData): PlotlyFigure {
  const panels = neupimsPanels(d, 'interleaving', ['offTokensPerS', 'onTokensPerS']).map((p) => ({
    ...p, groups: p.groups.map((g, j) => ({ ...g, label: `${g.label}${p.rows[j]!.presetInterleaves === true ? '*' : ''}` })),
  }));
  const geo = records(table(d, 'paper'), ['gain', 'geomean']).find((r) => r.gain === 'interleaving on / off');
  return groupedFigure({
    name: 'neupims-interleaving',
    title: 'NeuPIMs sub-batch interleaving ablation',
    subtitle: neupimsSubtitle(d),
    caption: `NeuPIMs decode throughput with sub-batch interleaving forced off and on, per model, request set and batch${geo ? `; on / off geometric mean ${ratio2(num(geo.geomean))}` : ''}; * the NeuPIMs preset interleaves at this batch.`,
    series: [
      { key: 'off', label: 'interleaving off (whole batch)', style: PIM_CLASS_STYLE.background },
      { key: 'on', label: 'interleaving on (two sub-batches)', style: DEVICE_STYLE.pim },
    ],
    panels,
    valueTitle: 'Decode throughput (generated tokens/s)',
    groupTitle: 'Batch (requests), by request set; * the preset interleaves',
    tip: (pl, j, s, v) => {
      const row = panels.find((p) => p.title === pl.title)!.rows[j]!;
      return `${pl.title}, ${pl.groups[j]!.outer} batch ${str(row.batch)}<br>${s}: ${tokens(v)} tokens/s (on / off ${ratio2(num(row.onOverOff))})`;
    },
  });
}

/** NPU and PIM busy intervals over one decode iteration, blocked vs NeuPIMs: a zoomable timeline, a row per system and unit. */
function neupimsUtilisationFigure(d: FigureData): PlotlyFigure {
  const runs = records(table(d, 'utilisation'), ['system', 'iterationUs', 'npuBusy', 'pimBusy']);
  const ivs = records(table(d, 'busy-intervals'), ['system', 'unit', 'label', 'startUs', 'endUs']);
  const lanes = runs.flatMap((r) => (['npu', 'pim'] as const).map((unit) => ({ system: str(r.system), unit, busy: num(unit === 'npu' ? r.npuBusy : r.pimBusy) })));
  const laneName = (system: string, unit: string) => `${system} · ${unit.toUpperCase()}`;
  const spanMs = Math.max(...runs.map((r) => num(r.iterationUs) / 1000), 1e-9);
  const data: Json[] = (['npu', 'pim'] as const).map((unit) => {
    const mine = ivs.filter((iv) => iv.unit === unit);
    return {
      type: 'bar',
      orientation: 'h',
      name: `${unit.toUpperCase()} busy`,
      y: mine.map((iv) => laneName(str(iv.system), unit)),
      base: mine.map((iv) => num(iv.startUs) / 1000),
      x: mine.map((iv) => (num(iv.endUs) - num(iv.startUs)) / 1000),
      customdata: mine.map((iv) => [str(iv.label), num(iv.startUs), num(iv.endUs)]),
      marker: { color: DEVICE_STYLE[unit].fill, line: { width: 0 } },
      hovertemplate: `%{y}: %{customdata[0]}<br>%{customdata[1]:,.1f}–%{customdata[2]:,.1f} µs<extra></extra>`,
    };
  });
  const names = lanes.map((l) => laneName(l.system, l.unit));
  const p = d.parameters;
  return {
    id: 'chart-neupims-utilisation',
    name: 'neupims-utilisation',
    wide: true,
    caption: `Busy intervals of the NPU and the PIM banks over one decode iteration: ${runs.map((r) => `${str(r.system)} ${format(',.3f')(num(r.iterationUs) / 1000)} ms, NPU busy ${(100 * num(r.npuBusy)).toFixed(1)} %, PIM busy ${(100 * num(r.pimBusy)).toFixed(1)} %`).join('; ')}. Dashed: the end of each system's iteration. Drag to zoom into single phases, hover for the phase and layer.`,
    data,
    layout: baseLayout('NPU and PIM utilisation over one decode iteration: blocked vs NeuPIMs', `${str(p.utilisationModel)}, batch ${str(p.utilisationBatch)}, ${str(p.utilisationDataset)} requests · npu-pim-blocked: PIM blocks the NPU · neupims: dual row buffers, sub-batches interleaved`, {
      barmode: 'overlay',
      bargap: 0.25,
      height: Math.max(360, 200 + 40 * lanes.length),
      xaxis: valueAxis('Time from the start of the decode iteration (ms)', { range: [0, spanMs * 1.02] }),
      yaxis: categoryAxis('System · unit', { autorange: 'reversed', categoryorder: 'array', categoryarray: names }),
      shapes: runs.map((r, i) => ({
        type: 'line', xref: 'x', yref: 'paper', x0: num(r.iterationUs) / 1000, x1: num(r.iterationUs) / 1000,
        // Each system's two rows, from the top (autorange reversed): rows 2i and 2i + 1 of the lanes.
        y0: 1 - (2 * i + 2) / lanes.length, y1: 1 - (2 * i) / lanes.length,
        line: { color: INK.muted, width: 1.2, dash: dash('4 3') }, name: "end of the system's iteration", showlegend: i === 0,
      })),
      annotations: lanes.map((l) => ({ xref: 'paper', x: 1, xanchor: 'left', y: laneName(l.system, l.unit), yref: 'y', text: `${(100 * l.busy).toFixed(1)} %`, showarrow: false, xshift: 4, font: { size: 11 } })),
      margin: { l: 72, r: 64, t: 96, b: 64 },
    }),
    config: config('neupims-utilisation'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Duplex

function duplexSystems(d: FigureData): Array<{ key: string; preset: string; label: string }> {
  return records(table(d, 'systems'), ['key', 'preset', 'label']).map((r) => ({ key: str(r.key), preset: str(r.preset), label: str(r.label) }));
}

/** Each system's decode metric over the GPU system's, a panel per model (uniform routing for MoE models). */
function duplexRelativeFigure(d: FigureData, metric: 'TokensPerS' | 'JoulesPerToken'): PlotlyFigure {
  const all = duplexSystems(d);
  const sys = all.filter((s) => s.key !== 'gpu');
  if (!all.some((s) => s.key === 'gpu')) throw new Error(`figure data '${d.figure}': table 'systems' has no 'gpu' system to compare with`);
  const rs = records(table(d, 'decode'), ['model', 'lin', 'lout', 'batch', 'routing', 'devices']);
  // Throughput: the paper's setup (authors' charge) as a bar after Duplex's, as in the SVG chart.
  const authors = metric === 'TokensPerS' ? authorsChargeRatios(d) : null;
  const panels: GroupedPanel[] = distinct(rs.map((r) => str(r.model))).map((model) => {
    const mine = rs.filter((r) => r.model === model);
    const rows = mine.some((r) => r.routing === 'uniform') ? mine.filter((r) => r.routing === 'uniform') : mine;
    const values = sys.map((s) => rows.map((r) => {
      const v = numOrNull(r[`${s.key}${metric}`]);
      const g = numOrNull(r[`gpu${metric}`]);
      return v === null || g === null || g === 0 ? null : v / g;
    }));
    if (authors) values.splice(1, 0, rows.map(authors));
    return {
      title: `${model} (D = ${num(rows[0]?.devices)})`,
      groups: rows.map((r) => ({ label: str(r.batch), outer: `${str(r.lin)}/${str(r.lout)}` })),
      values,
    };
  });
  const throughput = metric === 'TokensPerS';
  const ref = d.references.find((r) => r.name === (throughput ? 'paper-throughput-over-gpu' : 'paper-energy-saving-vs-gpu'));
  const references = [
    ...(ref ? [throughput
      ? { value: ref.max, legend: `paper: Duplex up to ${ref.max}x the GPU`, stroke: INK.reference, dash: '6 3' }
      : { value: 1 - ref.max, legend: `third-party summary (unconfirmed): Duplex ${(100 * ref.max).toFixed(2)} % less energy than the GPU`, stroke: INK.reference, dash: '6 3' }] : []),
    { value: 1, legend: 'GPU system (= 1)', stroke: INK.axis, dash: '' },
  ];
  const what = throughput ? 'throughput' : 'energy per token';
  const name = throughput ? 'duplex-throughput' : 'duplex-energy';
  return groupedFigure({
    name,
    title: throughput ? 'Duplex decode throughput against GPU, 2xGPU, bank-PIM and BG-PIM' : 'Duplex energy per token against GPU, 2xGPU, bank-PIM and BG-PIM (lower is better)',
    subtitle: duplexSubtitle(d),
    caption: `Each system's decode ${what} over the GPU system's, one panel per model, per (Lin, Lout) and batch; OOM: the system (or the GPU it is compared with) cannot hold the KV cache.${throughput ? '' : ` ${DUPLEX_ENERGY_METHOD_NOTE}`} Hover a bar for its ratio.`,
    series: (() => {
      const series = sys.map((s) => ({ key: s.key, label: `${s.label} (${s.preset})`, style: DUPLEX_SYSTEM_STYLE[s.key]?.bar ?? DEVICE_STYLE.xpu }));
      if (authors) series.splice(1, 0, { key: DUPLEX_AUTHORS_SERIES.key, label: DUPLEX_AUTHORS_SERIES.label, style: DUPLEX_SYSTEM_STYLE.duplexAuthors!.bar });
      return series;
    })(),
    panels,
    valueTitle: throughput ? 'Decode throughput relative to the GPU system (x)' : 'Energy per token relative to the GPU (x)',
    groupTitle: 'Batch (requests), by input/output length (Lin/Lout)',
    tip: (pl, j, s, v) => `${pl.title}, Lin/Lout ${pl.groups[j]!.outer}, batch ${pl.groups[j]!.label}<br>${s}: ${what} ${ratio2(v)} the GPU's`,
    references,
    missing: 'OOM',
  });
}


/** Serving latency CDFs: a row of panels per serving case, a panel per metric (log ms), a line per system. */
function duplexCdfFigure(d: FigureData): PlotlyFigure {
  const sys = duplexSystems(d);
  const reqs = records(table(d, 'requests'), ['model', 'lin', 'lout', 'system', 'ttftMs', 'tbtMeanMs', 'e2eMs']);
  const caseOf = (r: Record<string, FigureValue>) => `${str(r.model)} ${str(r.lin)}/${str(r.lout)}`;
  const cases = distinct(reqs.map(caseOf));
  const present = sys.filter((s) => reqs.some((r) => r.system === s.key));
  const missing = sys.filter((s) => !present.includes(s));
  const rowPx = 300;
  const domains = panelDomains(cases.length * CDF_METRICS.length, CDF_METRICS.length, rowPx, 44, 60);
  const layoutAxes: Json = {};
  const data: Json[] = [];
  const annotations: Json[] = [];
  cases.forEach((c, ci) => {
    const mine = reqs.filter((r) => caseOf(r) === c);
    CDF_METRICS.forEach((m, mi) => {
      const i = ci * CDF_METRICS.length + mi;
      const a = axisIds(i);
      const { zeroline: _z, zerolinecolor: _zc, ...xaxis } = valueAxis(ci === cases.length - 1 ? 'Latency (ms, log scale)' : '', { type: 'log', domain: domains[i]!.x, anchor: a.y });
      layoutAxes[a.xaxis] = xaxis;
      layoutAxes[a.yaxis] = valueAxis(mi === 0 ? 'Cumulative fraction of requests' : '', { domain: domains[i]!.y, anchor: a.x, range: [0, 1.03], tickformat: '.0%' });
      annotations.push(mi === 1 ? panelTitle(i, c.replace(' ', ', Lin/Lout '), m.title) : panelTitle(i, m.title));
      for (const s of present) {
        const xs = mine.filter((r) => r.system === s.key).map((r) => numOrNull(r[m.column])).filter((v): v is number => v !== null && v > 0).sort((p, q) => p - q);
        if (xs.length === 0) continue;
        const st = DUPLEX_SYSTEM_STYLE[s.key]?.line ?? DUPLEX_SYSTEM_STYLE.duplex!.line;
        const pts = cdfPoints(xs);
        const label = `${s.label} (${s.preset})`;
        data.push({
          type: 'scatter', mode: 'lines', name: label, legendgroup: s.key, showlegend: i === 0, xaxis: a.x, yaxis: a.y,
          x: [pts[0]![0], ...pts.map((q) => q[0])],
          y: [0, ...pts.map((q) => q[1])],
          line: { color: st.stroke, width: 1.8, dash: dash(st.dash), shape: 'hv' },
          hovertemplate: `${c}, ${s.label}, ${m.title}<br>%{y:.1%} of ${xs.length} requests at or below %{x:,.4~r} ms<extra></extra>`,
        });
        data.push({
          type: 'scatter', mode: 'markers', name: `${label} p50 / p99`, legendgroup: s.key, showlegend: false, xaxis: a.x, yaxis: a.y,
          x: [percentile(xs, 50), percentile(xs, 99)], y: [0.5, 0.99], text: ['p50', 'p99'],
          marker: { symbol: markerSymbol(st), size: 8, color: st.stroke, line: { color: st.stroke, width: 1.2 } },
          hovertemplate: `${c}, ${s.label}, ${m.title}, %{text}: %{x:,.4~r} ms<extra></extra>`,
        });
      }
    });
  });
  const p = d.parameters;
  return {
    id: 'chart-duplex-latency-cdf',
    name: 'duplex-latency-cdf',
    wide: true,
    caption: `Empirical CDFs of every served request's TTFT, mean time between tokens and end-to-end latency on log time axes, one row per serving case (${cases.join('; ')}), one line per system, markers at p50 and p99; drag to zoom, double-click to reset.`,
    data,
    layout: baseLayout('Duplex serving latency CDFs against GPU, 2xGPU, bank-PIM and BG-PIM', `${str(p.count)} fixed-length requests, Poisson ${str(p.qps)} requests/s, max batch ${str(p.maxBatch)}, whole prefill${missing.length ? ` · out of memory: ${missing.map((s) => s.label).join(', ')}` : ''}`, {
      height: 170 + cases.length * rowPx,
      margin: { l: 80, r: 24, t: 140, b: 40 },
      ...layoutAxes,
      annotations,
    }),
    config: config('duplex-latency-cdf'),
  };
}

// ---------------------------------------------------------------------------------------------------------------

/** An interactive chart of a figure set: the static chart it stands for, and how to build it. */
interface FigurePlotly {
  readonly name: string;
  readonly build: (d: FigureData) => PlotlyFigure;
  readonly applies?: (d: FigureData) => boolean;
}

/** The interactive charts of each figure set, by the data file's `figure`, in the order of the static charts. */
const FIGURE_PLOTLY: Readonly<Record<string, readonly FigurePlotly[]>> = Object.freeze({
  'pim-gpt': [
    { name: 'pim-gpt-speedup', build: (d) => pimGptRatioFigure(d, 'speedup') },
    { name: 'pim-gpt-energy-efficiency', build: (d) => pimGptRatioFigure(d, 'efficiency') },
    { name: 'pim-gpt-latency-breakdown', build: (d) => pimGptBreakdownFigure(d, 'latency') },
    { name: 'pim-gpt-energy-breakdown', build: (d) => pimGptBreakdownFigure(d, 'energy') },
    { name: 'pim-gpt-token-gantt', build: pimGptGanttFigure, applies: (d) => d.tables.some((t) => t.name === 'token-timeline') },
  ],
  neupims: [
    { name: 'neupims-throughput', build: neupimsThroughputFigure },
    { name: 'neupims-speedup', build: neupimsSpeedupFigure },
    { name: 'neupims-interleaving', build: neupimsInterleavingFigure },
    { name: 'neupims-utilisation', build: neupimsUtilisationFigure },
  ],
  duplex: [
    { name: 'duplex-throughput', build: (d) => duplexRelativeFigure(d, 'TokensPerS') },
    { name: 'duplex-energy', build: (d) => duplexRelativeFigure(d, 'JoulesPerToken') },
    { name: 'duplex-latency-cdf', build: duplexCdfFigure },
  ],
  'peak-bandwidth': [{ name: 'peak-bandwidth', build: peakFigure }],
  sensitivity: [{ name: 'sensitivity-bands', build: sensitivityFigure }],
  dramsim3: [],
});

/**
 * The interactive figures of a figure-data file, named like its static charts (`pim-gpt-speedup` ↔
 * `pim-gpt-speedup.svg`); none for a set without charts (dramsim3) or one `strata figures` does not make.
 */
export function figureDataPlotlyFigures(d: FigureData): PlotlyFigure[] {
  return (FIGURE_PLOTLY[d.figure] ?? []).filter((c) => c.applies?.(d) ?? true).map((c) => c.build(d));
}
