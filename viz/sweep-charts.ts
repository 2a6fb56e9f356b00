/**
 * Charts of a sweep report (`strata report DB.duckdb --out DIR`, issue #16 item 5): the Pareto front of two
 * metrics, a heatmap of one metric over two axes, and lines over one axis grouped by another (also with one line
 * per system). Each is a pure function of the sweep report (src/report/sweep-report.ts), which has already chosen
 * the axes, computed the fronts, cells and lines; these functions only lay them out.
 */
import { format, interpolateLab, scaleBand, scaleLinear, scaleLog, scalePoint, type ScaleLinear } from 'd3';
import type { HeatmapChart, LinesChart, ParetoChart, SweepChart, SweepReport, SweepReportMetric, SweepValue } from '../src/report/sweep-report.ts';
import { HEAT_RAMP, INK, LINE_STYLES, type LineStyle } from './palette.ts';
import {
  axisLeft,
  clipBox,
  el,
  esc,
  haloText,
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

/**
 * Styles of the groups of a sweep chart (systems, models, axis values): hues far apart and spread in lightness
 * (the device-kind colours of palette.ts without the two lightest, which vanish as thin lines), each with its own
 * dash and marker, so that groups stay apart in greyscale. Past six groups the styles repeat with hollow markers.
 */
const GROUP_HUES = ['#1f4e96', '#c4401a', '#19967a', '#2b2b2b', '#d77fbf', '#8a6d00'];
const MARKERS = ['circle', 'square', 'triangle', 'diamond'] as const;
export const SWEEP_GROUP_STYLES: readonly LineStyle[] = Object.freeze([
  ...GROUP_HUES.map((stroke, i) => ({ stroke, dash: LINE_STYLES[i]!.dash, marker: MARKERS[i % 4]!, filled: true })),
  ...GROUP_HUES.map((stroke, i) => ({ stroke, dash: LINE_STYLES[(i + 4) % LINE_STYLES.length]!.dash, marker: MARKERS[(i + 1) % 4]!, filled: false })),
]);

/** The style of the i-th group. */
export function groupStyle(i: number): LineStyle {
  return SWEEP_GROUP_STYLES[i % SWEEP_GROUP_STYLES.length]!;
}

/** An axis name in words: `mac_lanes` → `mac lanes`. */
export function axisWords(name: string): string {
  return name.replace(/_/g, ' ');
}

/** An axis value as a label: numbers with thousands separators, booleans on/off. */
export function valueLabel(v: SweepValue | null): string {
  if (v === null) return 'all';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return typeof v === 'number' ? format(',~r')(v) : v;
}

/** `axis = value`, as panel titles and legends say it. */
export function axisValue(axis: string, v: SweepValue | null): string {
  return `${axisWords(axis)} ${valueLabel(v)}`;
}

/** A label inside a sentence: its first letter lower-cased, unless it starts an acronym (TBT p99). */
export function lowerFirst(label: string): string {
  return /^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label;
}

/** The metric of a report by column. */
export function metricOf(r: SweepReport, column: string): SweepReportMetric {
  const m = r.metrics.find((x) => x.column === column);
  if (!m) throw new Error(`internal invariant broken: sweep report has no metric '${column}'`);
  return m;
}

/** A metric's axis title with its unit. */
export function metricTitle(m: SweepReportMetric): string {
  return m.unit ? `${m.label} (${m.unit})` : m.label;
}

/** A metric's value as shown: scaled to its unit, four significant digits. */
export function metricValue(m: SweepReportMetric, v: number): string {
  return format(',.4~r')(v * m.scale);
}

/** The axis values of a report's axis. */
function axisValues(r: SweepReport, name: string): readonly SweepValue[] {
  return r.axes.find((a) => a.name === name)?.values ?? [];
}

/** The subtitle every sweep chart shares: what ran and how many points. */
export function sweepSubtitle(r: SweepReport, fixed: Readonly<Record<string, SweepValue>> = {}): string {
  const held = Object.entries(fixed).map(([k, v]) => axisValue(k, v));
  const what = r.systems.length === 1 ? `${r.systems[0]}` : `${r.systems.length} systems`;
  return `sweep ${r.name}: strata ${r.command === 'generate' ? 'pim generate' : r.command} on ${what}, ${r.counts.ok} of ${r.counts.points} points${r.counts.failed ? ` (${r.counts.failed} failed)` : ''}${held.length ? ` · held at ${held.join(', ')}` : ''}`;
}

/** A linear scale over values, padded 6 % each side (or from zero when all values are positive and near it). */
function valueScale(values: readonly number[]): ScaleLinear<number, number> {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) * 0.06 || Math.abs(hi) * 0.1 || 1;
  const from = lo >= 0 && lo - pad < 0 ? 0 : lo - pad;
  return scaleLinear<number, number>().domain([from, hi + pad]).nice();
}

/** The Pareto chart: every point as a marker in its group's colour, dominated points faded, each front a line. */
export function sweepParetoChart(r: SweepReport, c: ParetoChart, options: ChartOptions = {}): string {
  const width = options.width ?? 760;
  const height = options.height ?? 500;
  const id = 'strata-sweep-pareto';
  const mx = metricOf(r, c.x);
  const my = metricOf(r, c.y);
  const ok = r.points.filter((p) => p.status === 'ok');
  const groups = c.group === null ? [null] : axisValues(r, c.group);
  const gi = (v: SweepValue | null) => Math.max(0, groups.findIndex((g) => g === v));
  const onFront = new Set(c.fronts.flatMap((f) => f.points));
  const models = r.axes.find((a) => a.name === 'model')?.values ?? [];
  const frontByModel = c.group === 'model';
  const legendItems: LegendItem[] = [
    ...(c.group === null ? [] : groups.map((g, i) => ({ label: axisValue(c.group!, g), swatch: { kind: 'line' as const, stroke: groupStyle(i).stroke, dash: groupStyle(i).dash || undefined, marker: { shape: groupStyle(i).marker, filled: groupStyle(i).filled } } }))),
    { label: `Pareto front${c.fronts.length > 1 ? ' (one per model)' : ''}`, swatch: { kind: 'line', stroke: INK.text } },
    { label: 'dominated point (faded)', swatch: { kind: 'glyph', draw: (cx, cy) => markerElement('circle', cx, cy, INK.muted, true, 7).replace('class="marker"', 'class="marker" fill-opacity="0.3" stroke-opacity="0.35"') } },
  ];
  const xs = ok.map((p) => p.metrics[c.x]! * mx.scale);
  const ys = ok.map((p) => p.metrics[c.y]! * my.scale);
  const x = valueScale(xs);
  const y = valueScale(ys);
  const fmtY = y.tickFormat(6);
  const fmtX = x.tickFormat(8);
  const left = 30 + widestLabel(y.ticks(6).map(fmtY)) + 14;
  const right = width - 20;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 14;
  const bottom = height - 52;
  x.range([left, right]);
  y.range([bottom, top]);
  const clip = clipBox(`${id}-plot`, left, top, right, bottom);
  const body: string[] = [axisLeft(y, left, right - left, fmtY, 6)];
  for (const t of x.ticks(8)) {
    body.push(el('line', { x1: x(t), y1: top, x2: x(t), y2: bottom, stroke: INK.grid }));
    body.push(el('line', { x1: x(t), y1: bottom, x2: x(t), y2: bottom + 5, stroke: INK.axis }));
    body.push(text(x(t), bottom + 18, fmtX(t), { 'text-anchor': 'middle', 'font-size': 11 }));
  }
  body.push(el('line', { x1: left, y1: bottom, x2: right, y2: bottom, stroke: INK.axis }));
  // Fronts first, markers over them.
  for (const f of c.fronts) {
    const pts = f.points.map((id) => ok.find((p) => p.point === id)!);
    const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(x(p.metrics[c.x]! * mx.scale))},${px(y(p.metrics[c.y]! * my.scale))}`).join('');
    const st = frontByModel && f.model !== null ? groupStyle(gi(f.model)) : { stroke: INK.text, dash: '' };
    body.push(el('g', { class: 'front', 'data-model': f.model ?? undefined }, [
      el('path', { class: 'casing', d, 'clip-path': clip.ref, fill: 'none', stroke: INK.text, 'stroke-width': 3.6, 'stroke-linejoin': 'round', 'stroke-opacity': 0.6 }),
      el('path', { class: 'line', d, 'clip-path': clip.ref, fill: 'none', stroke: st.stroke, 'stroke-width': 2, 'stroke-dasharray': st.dash || undefined, 'stroke-linejoin': 'round' }),
    ]));
  }
  // Several fronts (one per model) in one colour: each is named at its first point.
  if (c.fronts.length > 1 && !frontByModel) {
    for (const f of c.fronts) {
      const p = ok.find((q) => q.point === f.points[0]);
      if (p) body.push(haloText(x(p.metrics[c.x]! * mx.scale) + 8, y(p.metrics[c.y]! * my.scale) - 8, `${f.model} front`, INK.text, INK.background, { class: 'front-label', 'font-size': 11 }));
    }
  }
  const sorted = [...ok].sort((a, b) => Number(onFront.has(a.point)) - Number(onFront.has(b.point)) || a.point - b.point);
  for (const p of sorted) {
    const g = c.group === null ? null : p.values[c.group]!;
    const st = groupStyle(gi(g));
    const front = onFront.has(p.point);
    let mark = markerElement(st.marker, x(p.metrics[c.x]! * mx.scale), y(p.metrics[c.y]! * my.scale), st.stroke, st.filled, front ? 9 : 7);
    if (!front) mark = mark.replace('class="marker"', 'class="marker dominated" fill-opacity="0.3" stroke-opacity="0.35"');
    const where = Object.entries(p.values).map(([k, v]) => axisValue(k, v)).join(', ');
    body.push(el('g', { class: front ? 'point front-point' : 'point', 'data-point': p.point }, [
      mark,
      el('title', {}, esc(`point ${p.point}: ${where}: ${metricValue(mx, p.metrics[c.x]!)} ${mx.unit}, ${metricValue(my, p.metrics[c.y]!)} ${my.unit}${front ? ' (on the front)' : ''}`)),
    ]));
  }
  body.push(xLabel(`${metricTitle(mx)} — ${mx.better} is better`, (left + right) / 2, height - 14));
  body.push(yLabel(`${metricTitle(my)} — ${my.better} is better`, 16, (top + bottom) / 2));
  body.push(lg.svg);
  const frontText = c.fronts.map((f) => `${f.model ?? 'front'}: ${f.points.map((id) => {
    const p = ok.find((q) => q.point === id)!;
    return `point ${id} (${Object.entries(p.values).filter(([k]) => k !== 'model').map(([k, v]) => axisValue(k, v)).join(', ')})`;
  }).join('; ')}`).join('. ');
  return svgDocument({
    id, width, height,
    title: options.title ?? `Pareto front: ${lowerFirst(mx.label)} against ${lowerFirst(my.label)}`,
    subtitle: sweepSubtitle(r),
    description: `${ok.length} points of sweep ${r.name}, ${metricTitle(mx)} on x and ${metricTitle(my)} on y; points no other ${models.length > 1 ? 'point of the same model ' : ''}beats on both are on the front, the others faded. ${frontText}.`,
    defs: [clip.def],
    body,
  });
}

/** Panels laid out in a grid: at most three across. */
function panelGrid(n: number): { cols: number; rows: number } {
  const cols = Math.min(n, 3);
  return { cols, rows: Math.ceil(n / cols) };
}

/** The heatmap: one panel per facet value, a cell per pair of axis values, shaded and labelled with the metric. */
export function sweepHeatmapChart(r: SweepReport, c: HeatmapChart, options: ChartOptions = {}): string {
  const id = 'strata-sweep-heatmap';
  const m = metricOf(r, c.metric);
  const xv = axisValues(r, c.x);
  const yv = axisValues(r, c.y);
  const facets = c.facet === null ? [null] : axisValues(r, c.facet);
  const { cols, rows } = panelGrid(facets.length);
  const values = c.cells.map((k) => k.value * m.scale);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const shade = (v: number) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  const ramp = interpolateLab(HEAT_RAMP[0], HEAT_RAMP[1]);
  const yLabels = yv.map(valueLabel);
  const yTicksW = widestLabel(yLabels);
  const cellLabel = (v: number) => metricValue(m, v / m.scale);
  const labelW = widestLabel(c.cells.map((k) => cellLabel(k.value * m.scale)));
  const minCellW = Math.max(44, labelW + 10);
  const panelW = Math.max(200, xv.length * minCellW);
  const panelH = Math.max(150, yv.length * 30);
  const gap = 24 + yTicksW;
  const left = 34 + yTicksW + 10;
  const legendW = 100;
  const width = options.width ?? Math.max(640, left + cols * panelW + (cols - 1) * gap + legendW + 20);
  const top = 76;
  const rowGap = 64;
  const height = options.height ?? top + rows * panelH + (rows - 1) * rowGap + 58;
  const body: string[] = [];
  facets.forEach((f, k) => {
    const x0 = left + (k % cols) * (panelW + gap);
    const y0 = top + Math.floor(k / cols) * (panelH + rowGap);
    const x = scaleBand<string>().domain(xv.map(valueLabel)).range([x0, x0 + panelW]).padding(0.04);
    const y = scaleBand<string>().domain([...yv].reverse().map(valueLabel)).range([y0, y0 + panelH]).padding(0.04);
    const panel: string[] = [];
    if (c.facet !== null) panel.push(text(x0 + panelW / 2, y0 - 10, axisValue(c.facet, f), { class: 'panel-title', 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 'bold' }));
    // A pair of values without a result: an outlined empty cell, its title the error of the point that failed there.
    for (const yy of yv) {
      for (const xx of xv) {
        if (c.cells.some((q) => q.facet === f && q.x === xx && q.y === yy)) continue;
        const failed = r.points.find((p) => p.status === 'error' && p.values[c.x] === xx && p.values[c.y] === yy && (f === null || p.values[c.facet!] === f));
        const cx = x(valueLabel(xx))!;
        const cy = y(valueLabel(yy))!;
        panel.push(el('g', { class: 'cell empty' }, [
          el('rect', { x: cx, y: cy, width: x.bandwidth(), height: y.bandwidth(), fill: INK.background, stroke: INK.grid, 'stroke-width': 1 }),
          text(cx + x.bandwidth() / 2, cy + y.bandwidth() / 2 + 4, failed ? 'failed' : 'none', { 'text-anchor': 'middle', 'font-size': 10, fill: INK.muted }),
          el('title', {}, esc(failed ? `point ${failed.point} failed: ${failed.error ?? ''}` : 'no point of the sweep here')),
        ]));
      }
    }
    for (const cell of c.cells.filter((q) => q.facet === f)) {
      const v = cell.value * m.scale;
      const t = shade(v);
      const cx = x(valueLabel(cell.x))!;
      const cy = y(valueLabel(cell.y))!;
      panel.push(el('g', { class: 'cell' }, [
        el('rect', { class: 'heat', x: cx, y: cy, width: x.bandwidth(), height: y.bandwidth(), fill: ramp(t) }),
        ...(labelW + 6 <= x.bandwidth() ? [text(cx + x.bandwidth() / 2, cy + y.bandwidth() / 2 + 4, cellLabel(v), { class: 'cell-label', 'text-anchor': 'middle', 'font-size': 11, fill: t > 0.5 ? INK.background : INK.text })] : []),
        el('title', {}, esc(`${axisValue(c.x, cell.x)}, ${axisValue(c.y, cell.y)}${f !== null ? `, ${axisValue(c.facet!, f)}` : ''}: ${cellLabel(v)} ${m.unit}${cell.n > 1 ? ` (mean of ${cell.n} points)` : ''}`)),
      ]));
    }
    for (const v of xv) {
      const cx = x(valueLabel(v))! + x.bandwidth() / 2;
      panel.push(text(cx, y0 + panelH + 16, valueLabel(v), { 'text-anchor': 'middle', 'font-size': 11 }));
    }
    for (const v of yv) {
      const cy = y(valueLabel(v))! + y.bandwidth() / 2;
      panel.push(text(x0 - 6, cy + 4, valueLabel(v), { 'text-anchor': 'end', 'font-size': 11 }));
    }
    panel.push(text(x0 + panelW / 2, y0 + panelH + 34, axisWords(c.x), { class: 'axis-label x', 'text-anchor': 'middle', 'font-size': 12 }));
    body.push(el('g', { class: 'panel' }, panel));
  });
  body.push(yLabel(axisWords(c.y), 16, top + (rows * panelH + (rows - 1) * rowGap) / 2));
  // The colour scale: a vertical ramp with the lowest and highest value.
  const lx = width - legendW + 10;
  const steps = 24;
  const rampH = Math.min(200, rows * panelH);
  const ramps: string[] = [text(lx, top - 10, `${m.label}`, { 'font-size': 11 }), text(lx, top + 4, `(${m.unit})`, { 'font-size': 11, fill: INK.muted })];
  for (let i = 0; i < steps; i++) {
    ramps.push(el('rect', { x: lx, y: top + 12 + (rampH * i) / steps, width: 14, height: rampH / steps + 0.5, fill: ramp(1 - i / (steps - 1)) }));
  }
  ramps.push(el('rect', { x: lx, y: top + 12, width: 14, height: rampH, fill: 'none', stroke: INK.axis, 'stroke-width': 0.6 }));
  ramps.push(text(lx + 20, top + 12 + 9, format(',.4~r')(hi), { 'font-size': 11 }));
  ramps.push(text(lx + 20, top + 12 + rampH, format(',.4~r')(lo), { 'font-size': 11 }));
  body.push(el('g', { class: 'colour-scale' }, ramps));
  const best = c.cells.reduce((b, q) => ((m.better === 'lower' ? q.value < b.value : q.value > b.value) ? q : b), c.cells[0]!);
  return svgDocument({
    id, width, height,
    title: options.title ?? `${m.label} over ${axisWords(c.x)} and ${axisWords(c.y)}`,
    subtitle: sweepSubtitle(r, c.fixed),
    description: `${metricTitle(m)} of ${c.cells.length} cells over ${axisWords(c.x)} (x) and ${axisWords(c.y)} (y)${c.facet !== null ? `, a panel per ${axisWords(c.facet)}` : ''}; darker is higher. Best (${m.better}): ${cellLabel(best.value * m.scale)} ${m.unit} at ${axisValue(c.x, best.x)}, ${axisValue(c.y, best.y)}${best.facet !== null ? `, ${axisValue(c.facet!, best.facet)}` : ''}.`,
    defs: [],
    body,
  });
}

/** The lines chart: the metric along one axis, a line per group value, a panel per facet value, one y scale for all. */
export function sweepLinesChart(r: SweepReport, c: LinesChart, options: ChartOptions = {}): string {
  const id = c.name === 'sweep-systems' ? 'strata-sweep-systems' : 'strata-sweep-lines';
  const m = metricOf(r, c.metric);
  const facets = c.facet === null ? [null] : axisValues(r, c.facet);
  const groups = c.group === null ? [null] : axisValues(r, c.group);
  const gi = (v: SweepValue | null) => Math.max(0, groups.findIndex((g) => g === v));
  const { cols, rows } = panelGrid(facets.length);
  const xv = axisValues(r, c.x);
  const numeric = xv.every((v) => typeof v === 'number');
  const nums = xv as readonly number[];
  const log = numeric && nums.length > 2 && nums[0]! > 0 && nums[nums.length - 1]! / nums[0]! >= 8;
  // From zero (a metric that cannot go negative): a line's rise reads as its share of the value, as in sweep.html.
  const ys = c.lines.flatMap((l) => l.y.map((v) => v * m.scale));
  const y = Math.min(...ys) >= 0 ? scaleLinear<number, number>().domain([0, Math.max(...ys) * 1.06 || 1]).nice() : valueScale(ys);
  const fmtY = y.tickFormat(5);
  const legendItems: LegendItem[] = c.group === null ? [] : groups.map((g, i) => ({ label: axisValue(c.group!, g), swatch: { kind: 'line', stroke: groupStyle(i).stroke, dash: groupStyle(i).dash || undefined, marker: { shape: groupStyle(i).marker, filled: groupStyle(i).filled } } }));
  const width = options.width ?? (cols === 1 ? 720 : Math.max(720, cols * 320));
  const left = 30 + widestLabel(y.ticks(5).map(fmtY)) + 14;
  const right = width - 16;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 30;
  const panelH = rows === 1 ? 300 : 240;
  const rowGap = 70;
  const height = options.height ?? top + rows * panelH + (rows - 1) * rowGap + 58;
  const gap = 30 + widestLabel(y.ticks(5).map(fmtY));
  const panelW = (right - left - (cols - 1) * gap) / cols;
  const defs: string[] = [];
  const body: string[] = [];
  facets.forEach((f, k) => {
    const x0 = left + (k % cols) * (panelW + gap);
    const y0 = top + Math.floor(k / cols) * (panelH + rowGap);
    const y1 = y0 + panelH;
    const clip = clipBox(`${id}-plot-${k}`, x0, y0, x0 + panelW, y1);
    defs.push(clip.def);
    const pad = 16;
    const py = y.copy().range([y1, y0]);
    const xpos: (v: SweepValue) => number = numeric
      ? (() => {
        const s = log ? scaleLog().base(2).domain([nums[0]!, nums[nums.length - 1]!]) : scaleLinear().domain([nums[0]!, nums[nums.length - 1]! === nums[0]! ? nums[0]! + 1 : nums[nums.length - 1]!]);
        s.range([x0 + pad, x0 + panelW - pad]);
        return (v: SweepValue) => s(v as number);
      })()
      : (() => {
        const s = scalePoint<string>().domain(xv.map(valueLabel)).range([x0 + pad, x0 + panelW - pad]).padding(0.3);
        return (v: SweepValue) => s(valueLabel(v))!;
      })();
    const panel: string[] = [axisLeft(py, x0, panelW, fmtY, 5)];
    // Tick labels at the swept values, thinned so that they never overlap.
    const widest = widestLabel(xv.map(valueLabel));
    let lastEnd = -Infinity;
    for (const v of xv) {
      const cx = xpos(v);
      panel.push(el('line', { x1: cx, y1: y1, x2: cx, y2: y1 + 5, stroke: INK.axis }));
      if (cx - widest / 2 >= lastEnd + 4) {
        panel.push(text(cx, y1 + 18, valueLabel(v), { 'text-anchor': 'middle', 'font-size': 11 }));
        lastEnd = cx + widest / 2;
      }
    }
    panel.push(el('line', { x1: x0, y1, x2: x0 + panelW, y2: y1, stroke: INK.axis }));
    if (c.facet !== null) panel.push(text(x0 + panelW / 2, y0 - 10, axisValue(c.facet, f), { class: 'panel-title', 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 'bold' }));
    for (const l of c.lines.filter((q) => q.facet === f)) {
      const st = groupStyle(gi(l.group));
      const d = l.x.map((xx, i) => `${i === 0 ? 'M' : 'L'}${px(xpos(xx))},${px(py(l.y[i]! * m.scale))}`).join('');
      const label = c.group === null ? m.label : axisValue(c.group, l.group);
      panel.push(el('g', { class: 'series', 'data-series': label }, [
        el('path', { class: 'casing', d, 'clip-path': clip.ref, fill: 'none', stroke: INK.text, 'stroke-width': 3.6, 'stroke-linejoin': 'round', 'stroke-opacity': 0.6 }),
        el('path', { class: 'line', d, 'clip-path': clip.ref, fill: 'none', stroke: st.stroke, 'stroke-width': 2, 'stroke-dasharray': st.dash || undefined, 'stroke-linejoin': 'round' }),
        ...l.x.map((xx, i) => el('g', {}, [
          markerElement(st.marker, xpos(xx), py(l.y[i]! * m.scale), st.stroke, st.filled, 8),
          el('title', {}, esc(`${label}${f !== null ? `, ${axisValue(c.facet!, f)}` : ''}, ${axisValue(c.x, xx)}: ${metricValue(m, l.y[i]!)} ${m.unit}`)),
        ])),
      ]));
    }
    body.push(el('g', { class: 'panel' }, panel));
  });
  body.push(xLabel(`${axisWords(c.x)}${log ? ' (log scale)' : ''}`, (left + right) / 2, height - 14));
  body.push(yLabel(metricTitle(m), 16, top + (rows * panelH + (rows - 1) * rowGap) / 2));
  body.push(lg.svg);
  const summary = c.lines.map((l) => `${[l.group !== null ? axisValue(c.group!, l.group) : '', l.facet !== null ? axisValue(c.facet!, l.facet) : ''].filter((s) => s).join(', ') || m.label}: ${l.x.map((xx, i) => `${valueLabel(xx)} → ${metricValue(m, l.y[i]!)}`).join(', ')}`).join('; ');
  return svgDocument({
    id, width, height,
    title: options.title ?? `${m.label} against ${axisWords(c.x)}${c.group !== null ? `, by ${axisWords(c.group)}` : ''}`,
    subtitle: sweepSubtitle(r, c.fixed),
    description: `${metricTitle(m)} against ${axisWords(c.x)}${c.group !== null ? `, a line per ${axisWords(c.group)}` : ''}${c.facet !== null ? `, a panel per ${axisWords(c.facet)}` : ''}. ${summary}.`,
    defs,
    body,
  });
}

/** Renders one chart of a sweep report. */
export function renderSweepChart(r: SweepReport, c: SweepChart, options: ChartOptions = {}): string {
  switch (c.kind) {
    case 'pareto': return sweepParetoChart(r, c, options);
    case 'heatmap': return sweepHeatmapChart(r, c, options);
    case 'lines': return sweepLinesChart(r, c, options);
    default: {
      const never: never = c;
      throw new Error(`internal invariant broken: unknown sweep chart ${JSON.stringify(never)}`);
    }
  }
}

/** The SVG files of a sweep report: `<chart name>.svg` for each of its charts. */
export function sweepChartFiles(r: SweepReport): Array<{ name: string; content: string }> {
  return r.charts.map((c) => ({ name: `${c.name}.svg`, content: renderSweepChart(r, c) }));
}
