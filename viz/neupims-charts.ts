/**
 * Charts of the NeuPIMs figure set (`strata figures`, data/neupims.json), each a pure function `(data, options) =>
 * SVG`: decode throughput of GPU-only, NPU-only, blocked NPU+PIM and NeuPIMs per model, request set and batch;
 * NeuPIMs' gain over each baseline with the paper's headline gains as lines; the sub-batch interleaving ablation;
 * and the NPU and PIM busy intervals of one decode iteration, blocked vs NeuPIMs, on one time axis.
 */
import { format, scaleBand, scaleLinear } from 'd3';
import type { FigureData, FigureValue } from '../src/report/figure-data.ts';
import { groupedBars, ratioTick, siTick, type BarGroup, type BarPanel, type BarReference, type BarSeries, type GroupedBarsSpec } from './grouped-bars.ts';
import { column, distinct, num, records, str, table } from './figure-tables.ts';
import { DEVICE_STYLE, INK, PIM_CLASS_STYLE, type SeriesStyle } from './palette.ts';
import { axisHorizontal, el, esc, headerLegend, svgDocument, text, widestLabel, xLabel, yLabel, type ChartOptions, type LegendItem } from './svg.ts';

/** How each compared system is drawn: GPU and NPU in their device colours, both NPU+PIM systems in PIM green (blocked light). */
export const NEUPIMS_SYSTEM_STYLE: Readonly<Record<'gpu-only' | 'npu-only' | 'npu-pim-blocked' | 'neupims', { label: string; style: SeriesStyle }>> = Object.freeze({
  'gpu-only': { label: 'GPU-only', style: DEVICE_STYLE.gpu },
  'npu-only': { label: 'NPU-only', style: DEVICE_STYLE.npu },
  'npu-pim-blocked': { label: 'NPU+PIM, blocked (1 row buffer)', style: PIM_CLASS_STYLE.background },
  neupims: { label: 'NeuPIMs (dual row buffers)', style: DEVICE_STYLE.pim },
});

/**
 * The gain over GPU-only under a serving engine's profile ('graphs'), drawn beside the paper's setup ('eager') where
 * the data file has it (issue #14, "Done when": each paper figure shows the paper's setup beside a serving engine's).
 * The GPU's hue, darker, with vertical strokes: the same GPU under another software profile, not another system.
 */
export const NEUPIMS_GPU_GRAPHS_SERIES = {
  key: 'gpu-only-graphs',
  label: "over GPU-only, 'graphs' (a serving engine)",
  style: { fill: '#2a6fa8', pattern: 'vertical', ink: '#ffffff' } as SeriesStyle,
} as const;

/** The throughput chart's label of the GPU under a serving engine's profile. */
export const GPU_GRAPHS_LABEL = "GPU-only, 'graphs' (a serving engine)";

/** Whether every case of the throughput table has NeuPIMs' gain over the GPU under a serving engine's profile. */
export function hasGpuGraphsGain(rows: ReadonlyArray<Record<string, FigureValue>>): boolean {
  return rows.length > 0 && rows.every((r) => typeof r.overGpuGraphs === 'number');
}

/**
 * The line under every NeuPIMs chart's title. It names the GPU baseline's software profiles: 'eager' (PyTorch
 * launching kernel by kernel, as the paper measured its GPU) and, where the data file has it, 'graphs' (a serving
 * engine). Files made before the profiles were recorded say only which kernel model ran.
 */
export function neupimsSubtitle(d: FigureData): string {
  const p = d.parameters;
  if (p.gpuProfile === undefined) {
    return `one decode iteration, requests at their mean decode position · request sets: ${str(p.datasets)} · GPU-only: ${str(p.gpu)} kernel model · strata validate neupims`;
  }
  // Shorter around the profiles, so that the line still fits the chart's 960 px.
  const engine = p.servingEngineProfile === undefined ? '' : ` and '${str(p.servingEngineProfile)}' (a serving engine)`;
  return `one decode iteration · ${str(p.datasets)} · GPU-only: ${str(p.gpu)} '${str(p.gpuProfile)}' (the paper's)${engine} · strata validate neupims`;
}

/** The cases of the throughput table grouped into one panel per model: groups (batch, request set as the outer label), rows. */
function panels(d: FigureData, name: string): Array<{ model: string; groups: BarGroup[]; rows: Array<Record<string, FigureValue>> }> {
  const t = table(d, name);
  const rs = records(t, ['model', 'dataset', 'batch']);
  return distinct(column(t, 'model').map(str)).map((model) => {
    const rows = rs.filter((r) => r.model === model);
    return { model, rows, groups: rows.map((r) => ({ label: str(r.batch), outer: str(r.dataset) })) };
  });
}

const tokens = format(',.0f');
const ratio = (v: number) => `${v.toFixed(2)}x`;
const columns = (n: number) => (n <= 1 ? 1 : 2);

/** A grouped bar chart of the NeuPIMs set: 960 px wide by default, rows of panels 250 px high, two columns for several models. */
function neupimsBars(d: FigureData, panelCount: number, options: ChartOptions, spec: Omit<GroupedBarsSpec, 'width' | 'panelHeight' | 'columns' | 'subtitle'>): string {
  return groupedBars({ width: options.width ?? 960, panelHeight: 250, columns: columns(panelCount), subtitle: neupimsSubtitle(d), ...spec });
}

/** Decode throughput per model, request set and batch: one bar per system. */
export function neupimsThroughputChart(d: FigureData, options: ChartOptions = {}): string {
  const ps = panels(d, 'throughput');
  const keys = ['gpu-only', 'npu-only', 'npu-pim-blocked', 'neupims'] as const;
  const graphs = hasGpuGraphsGain(ps.flatMap((p) => p.rows));
  const cols = ['gpuTokensPerS', ...(graphs ? ['gpuGraphsTokensPerS'] : []), 'npuOnlyTokensPerS', 'blockedTokensPerS', 'neupimsTokensPerS'];
  const series: BarSeries[] = keys.map((k) => ({ key: k, label: NEUPIMS_SYSTEM_STYLE[k].label, style: NEUPIMS_SYSTEM_STYLE[k].style }));
  if (graphs) series.splice(1, 0, { key: NEUPIMS_GPU_GRAPHS_SERIES.key, label: GPU_GRAPHS_LABEL, style: NEUPIMS_GPU_GRAPHS_SERIES.style });
  const barPanels: BarPanel[] = ps.map((p) => ({ title: p.model, groups: p.groups, values: cols.map((c) => p.rows.map((r) => num(r[c]))) }));
  return neupimsBars(d, ps.length, options, {
    id: 'strata-neupims-throughput',
    title: options.title ?? 'NeuPIMs decode throughput against GPU-only, NPU-only and blocked NPU+PIM',
    description: `Grouped bars, one panel per model (${ps.map((p) => p.model).join(', ')}), one group per request set and batch: generated tokens per second of each system's devices in one decode iteration.`,
    series,
    panels: barPanels,
    valueTitle: 'Decode throughput (generated tokens/s)',
    groupTitle: 'Batch (requests), by request set',
    tickFormat: siTick,
    tip: (pl, j, s, v) => `${pl.title}, ${pl.groups[j]!.outer} batch ${pl.groups[j]!.label}, ${s.label}: ${tokens(v)} tokens/s`,
  });
}

/** The paper's headline gains as reference lines, in the reference red, one dash each. */
function paperLines(d: FigureData): BarReference[] {
  const dashes: Record<string, string> = { 'gpu-only': '7 3', 'npu-only': '3 2', 'npu-pim-blocked': '10 3 2 3' };
  const out: BarReference[] = [];
  for (const k of ['gpu-only', 'npu-only', 'npu-pim-blocked'] as const) {
    const ref = d.references.find((r) => r.appliesTo.includes(k));
    if (ref) out.push({ value: ref.max, label: `${format('~r')(ref.max)}x`, legend: `paper: NeuPIMs ${format('~r')(ref.max)}x ${NEUPIMS_SYSTEM_STYLE[k].label}`, stroke: INK.reference, dash: dashes[k]! });
  }
  out.push({ value: 1, label: '1x', legend: 'parity', stroke: INK.axis, dash: '' });
  return out;
}

/** NeuPIMs' gain over each baseline per case, with the paper's headline gains (3x, 2.4x, 1.6x) as dashed lines. */
export function neupimsSpeedupChart(d: FigureData, options: ChartOptions = {}): string {
  const ps = panels(d, 'throughput');
  const keys = ['gpu-only', 'npu-only', 'npu-pim-blocked'] as const;
  const graphs = hasGpuGraphsGain(ps.flatMap((p) => p.rows));
  const cols = ['overGpu', ...(graphs ? ['overGpuGraphs'] : []), 'overNpuOnly', 'overBlocked'];
  const series: BarSeries[] = keys.map((k) => ({ key: k, label: `over ${NEUPIMS_SYSTEM_STYLE[k].label}`, style: NEUPIMS_SYSTEM_STYLE[k].style }));
  if (graphs) series.splice(1, 0, { ...NEUPIMS_GPU_GRAPHS_SERIES });
  const summary = records(table(d, 'paper'), ['gain', 'geomean', 'paper']);
  return neupimsBars(d, ps.length, options, {
    id: 'strata-neupims-speedup',
    title: options.title ?? "NeuPIMs' throughput gain over each baseline, with the paper's",
    description: `Grouped bars: NeuPIMs tokens/s over each baseline's, per model, request set and batch. Geometric means: ${summary.map((r) => `${str(r.gain)} ${ratio(num(r.geomean))}${r.paper === null ? '' : ` (paper ${num(r.paper)}x)`}`).join('; ')}. Dashed lines: the paper's headline gains.`,
    series,
    panels: ps.map((p) => ({ title: p.model, groups: p.groups, values: cols.map((c) => p.rows.map((r) => num(r[c]))) })),
    valueTitle: 'NeuPIMs throughput / baseline throughput (x)',
    groupTitle: 'Batch (requests), by request set',
    tickFormat: ratioTick,
    tip: (pl, j, s, v) => `${pl.title}, ${pl.groups[j]!.outer} batch ${pl.groups[j]!.label}: NeuPIMs ${s.label} ${ratio(v)}`,
    references: paperLines(d),
  });
}

/** The sub-batch interleaving ablation: NeuPIMs with interleaving forced off and on, per case. */
export function neupimsInterleavingChart(d: FigureData, options: ChartOptions = {}): string {
  const ps = panels(d, 'interleaving');
  const series: BarSeries[] = [
    { key: 'off', label: 'interleaving off (whole batch)', style: PIM_CLASS_STYLE.background },
    { key: 'on', label: 'interleaving on (two sub-batches)', style: DEVICE_STYLE.pim },
  ];
  const geo = records(table(d, 'paper'), ['gain', 'geomean']).find((r) => r.gain === 'interleaving on / off');
  return neupimsBars(d, ps.length, options, {
    id: 'strata-neupims-interleaving',
    title: options.title ?? 'NeuPIMs sub-batch interleaving ablation',
    description: `Grouped bars: NeuPIMs decode throughput with sub-batch interleaving forced off and on, per model, request set and batch${geo ? `; on / off geometric mean ${ratio(num(geo.geomean))}` : ''}.`,
    series,
    panels: ps.map((p) => ({ title: p.model, groups: p.groups.map((g, j) => ({ ...g, label: `${g.label}${p.rows[j]!.presetInterleaves === true ? '*' : ''}` })), values: [p.rows.map((r) => num(r.offTokensPerS)), p.rows.map((r) => num(r.onTokensPerS))] })),
    valueTitle: 'Decode throughput (generated tokens/s)',
    groupTitle: 'Batch (requests), by request set; * the NeuPIMs preset interleaves at this batch',
    tickFormat: siTick,
    tip: (pl, j, s, v) => {
      const row = ps.find((p) => p.model === pl.title)!.rows[j]!;
      return `${pl.title}, ${pl.groups[j]!.outer} batch ${str(row.batch)}, ${s.label}: ${tokens(v)} tokens/s (on / off ${ratio(num(row.onOverOff))})`;
    },
  });
}

const LANE_FONT = 11;

/**
 * NPU and PIM busy over one decode iteration, blocked (one row buffer) vs NeuPIMs (dual row buffers, interleaved
 * sub-batches): a row per system and unit on one time axis in ms, bars where the unit works (hover: phase and
 * layer), each system's end marked; the right column gives each unit's busy share of its own iteration.
 */
export function neupimsUtilisationChart(d: FigureData, options: ChartOptions = {}): string {
  const width = options.width ?? 960;
  const runs = records(table(d, 'utilisation'), ['system', 'subBatchInterleaving', 'iterationUs', 'npuBusy', 'pimBusy']);
  const ivs = records(table(d, 'busy-intervals'), ['system', 'unit', 'label', 'startUs', 'endUs']);
  const lanes = runs.flatMap((r) => (['npu', 'pim'] as const).map((unit) => ({ system: str(r.system), unit, run: r })));
  const laneLabel = (l: (typeof lanes)[number]) => `${l.system} · ${l.unit.toUpperCase()}`;
  const share = (l: (typeof lanes)[number]) => `${(100 * num((l.unit === 'npu' ? l.run.npuBusy : l.run.pimBusy))).toFixed(1)} %`;
  const legendItems: LegendItem[] = [
    { label: 'NPU busy', swatch: { kind: 'box', fill: DEVICE_STYLE.npu.fill } },
    { label: 'PIM busy', swatch: { kind: 'box', fill: DEVICE_STYLE.pim.fill } },
    { label: "end of the system's iteration", swatch: { kind: 'line', stroke: INK.muted, dash: '4 3' } },
  ];
  const labels = lanes.map(laneLabel);
  const left = 24 + widestLabel(labels, LANE_FONT) + 14;
  const right = width - 20 - widestLabel(['100.0 %', 'of its time'], LANE_FONT) - 12;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 26;
  const rowH = 34;
  const height = options.height ?? top + lanes.length * rowH + 58;
  const bottom = height - 58;
  const spanMs = Math.max(...runs.map((r) => num(r.iterationUs) / 1000), 1e-9);
  const x = scaleLinear().domain([0, spanMs]).range([left, right]);
  const y = scaleBand<number>().domain(lanes.map((_, i) => i)).range([top, bottom]).paddingInner(0.2).paddingOuter(0.1);
  const rows: string[] = [];
  const marks: string[] = [];
  lanes.forEach((l, i) => {
    const y0 = y(i)!;
    const h = y.bandwidth();
    if (i % 2 === 0 && i > 0) rows.push(el('line', { x1: 8, y1: y0 - (y.step() - h) / 2, x2: width - 8, y2: y0 - (y.step() - h) / 2, stroke: INK.axis, 'stroke-width': 0.6 }));
    rows.push(text(left - 8, y0 + h / 2 + 4, laneLabel(l), { class: 'lane', 'text-anchor': 'end', 'font-size': LANE_FONT }));
    rows.push(text(width - 20, y0 + h / 2 + 4, share(l), { class: 'share', 'text-anchor': 'end', 'font-size': LANE_FONT }));
    const fill = DEVICE_STYLE[l.unit].fill;
    for (const iv of ivs) {
      if (iv.system !== l.system || iv.unit !== l.unit) continue;
      const s = num(iv.startUs);
      const e = num(iv.endUs);
      const bx = x(s / 1000);
      marks.push(el('rect', { class: 'busy', 'data-unit': l.unit, x: bx, y: y0, width: Math.max(0.6, x(e / 1000) - bx), height: h, fill }, el('title', {}, esc(`${l.system}, ${l.unit.toUpperCase()}: ${str(iv.label)}, ${format(',.1f')(s)}–${format(',.1f')(e)} µs`))));
    }
    if (i % 2 === 1) {
      const endX = x(num(l.run.iterationUs) / 1000);
      const yTop = y(i - 1)! - 3;
      marks.push(el('line', { class: 'end', x1: endX, y1: yTop, x2: endX, y2: y0 + h + 3, stroke: INK.muted, 'stroke-width': 1.2, 'stroke-dasharray': '4 3' }, el('title', {}, esc(`${l.system}: iteration ends at ${format(',.3f')(num(l.run.iterationUs) / 1000)} ms`))));
    }
  });
  const body = [
    el('g', { class: 'lanes' }, rows),
    axisHorizontal(x, bottom, format(',~r'), 'bottom', bottom - top),
    el('g', { class: 'marks' }, marks),
    text(width - 20, top - 8, 'of its time', { class: 'share-header', 'text-anchor': 'end', 'font-size': 10, fill: INK.muted }),
    xLabel('Time from the start of the decode iteration (ms)', (left + right) / 2, height - 14),
    yLabel('System · unit', 14, (top + bottom) / 2),
    lg.svg,
  ];
  const p = d.parameters;
  return svgDocument({
    id: 'strata-neupims-utilisation',
    width,
    height,
    title: options.title ?? 'NPU and PIM utilisation over one decode iteration: blocked vs NeuPIMs',
    subtitle: `${str(p.utilisationModel)}, batch ${str(p.utilisationBatch)}, ${str(p.utilisationDataset)} requests · npu-pim-blocked: PIM blocks the NPU · neupims: dual row buffers, sub-batches interleaved`,
    description: `Busy intervals of the NPU and the PIM banks over one decode iteration: ${runs.map((r) => `${str(r.system)} ${format(',.3f')(num(r.iterationUs) / 1000)} ms, NPU busy ${(100 * num(r.npuBusy)).toFixed(1)} %, PIM busy ${(100 * num(r.pimBusy)).toFixed(1)} %`).join('; ')}.`,
    defs: [],
    body,
  });
}
