/**
 * Static charts of a DRAM report (`strata.dram-report/1`), each a pure function `(report, options) => SVG`.
 *
 * Nothing here runs the simulator or touches a DOM: d3 provides scales, formats and colour interpolation, and
 * `svg.ts` writes the elements as strings.
 */
import { format, interpolateLab, lab, scaleBand, scaleLinear, type ScaleBand, type ScaleLinear } from 'd3';
import type { DramReport } from '../src/report/dram-report.ts';
import { bandwidthTimeChart, bankStateChart } from './dram-timeline-charts.ts';
import { runSubtitle } from './dram-subtitle.ts';
import { DEVICE_STYLE, DRAM_CLASS_STYLE, HEAT_RAMP, INK, type DramClass, type SeriesStyle } from './palette.ts';
import {
  axisBandBottom,
  axisBandLeft,
  axisHorizontal,
  axisLeft,
  DEFAULT_HEIGHT,
  DEFAULT_WIDTH,
  el,
  esc,
  Fills,
  haloText,
  HEADER,
  headerLegend,
  px,
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

/** The class of a DRAM command, by its name (ACT, PRE, PREA, RD, RDA, WR, WRA, REF, REFpb). */
export function commandClass(command: string): DramClass | 'other' {
  if (command.startsWith('ACT')) return 'activate';
  if (command.startsWith('PRE')) return 'precharge';
  if (command.startsWith('RD')) return 'read';
  if (command.startsWith('WR')) return 'write';
  if (command.startsWith('REF')) return 'refresh';
  return 'other';
}

const OTHER_STYLE: SeriesStyle = { fill: '#d9d9d9', pattern: 'grid', ink: '#1a1a1a' };

/** The style of a command class (commands of unknown classes share a grey "other" style). */
export function classStyle(c: DramClass | 'other'): SeriesStyle {
  return c === 'other' ? OTHER_STYLE : DRAM_CLASS_STYLE[c];
}

/** Readable names of activity classes, for legends. */
export const CLASS_LABEL: Readonly<Record<DramClass | 'other', string>> = Object.freeze({
  activate: 'activate',
  precharge: 'precharge',
  read: 'read',
  write: 'write',
  refresh: 'refresh',
  background: 'background (standby)',
  io: 'I/O',
  other: 'other',
});

/** Energy components of both models, bottom of the stack first. */
export const ENERGY_COMPONENTS = ['activate', 'read', 'write', 'refresh', 'background', 'io'] as const;

/** The two energy models of a report, as plotted. */
export const ENERGY_MODELS = [
  { key: 'idd', label: 'IDD model' },
  { key: 'path', label: 'Per-bit path model' },
] as const;

const ENERGY_LABEL: Readonly<Record<(typeof ENERGY_COMPONENTS)[number], string>> = Object.freeze({
  activate: 'activate (ACT–PRE pair)',
  read: 'read',
  write: 'write',
  refresh: 'refresh',
  background: 'background (standby)',
  io: 'I/O',
});

/** A legend label of an energy component. */
export function energyLabel(c: (typeof ENERGY_COMPONENTS)[number]): string {
  return ENERGY_LABEL[c];
}

/** Energy in µJ with 4 significant digits at most (pJ → µJ). */
export function microjoules(pj: number): number {
  return pj / 1e6;
}

/** Formats µJ: three decimals below 10, two below 100, one above. */
export function formatMicrojoules(uj: number): string {
  return uj.toFixed(uj < 10 ? 3 : uj < 100 ? 2 : 1);
}

/** The body of a vertical bar chart on a verticalLayout: y axis, bars, value labels, band x axis, axis titles, legend. */
function barChartBody(
  L: ReturnType<typeof verticalLayout>, y: ScaleLinear<number, number>, yFmt: (v: number) => string, x: ScaleBand<string>,
  bars: readonly string[], labels: readonly string[], xTitle: string, yTitle: string, height: number,
): string[] {
  return [
    axisLeft(y, L.left, L.right - L.left, yFmt),
    el('g', { class: 'bars' }, bars),
    el('g', { class: 'values' }, labels),
    axisBandBottom(x, L.bottom),
    xLabel(xTitle, (L.left + L.right) / 2, height - 10),
    yLabel(yTitle, 18, (L.top + L.bottom) / 2),
    L.legend,
  ];
}

/** Plot area of a chart with a value axis on the left and categories below. */
function verticalLayout(width: number, height: number, legendItems: readonly LegendItem[], yTickLabels: readonly string[], rightPad = 20) {
  const left = 24 + widestLabel(yTickLabels) + 14;
  const right = width - rightPad;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + (legendItems.length > 0 ? 14 : 8);
  const bottom = height - 46;
  return { left, right, top, bottom, legend: lg.svg };
}

/**
 * Bandwidth of each channel (GB/s) as bars, with the analytical peak of one channel (the device peak divided
 * by the number of channels) as a dashed reference line.
 */
export function channelBandwidthChart(r: DramReport, options: ChartOptions = {}): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  const id = 'strata-channel-bandwidth';
  const peak = r.bandwidth.peakGBps / Math.max(1, r.channels.length);
  const yMax = Math.max(peak, ...r.channels.map((c) => c.bandwidthGBps)) * 1.12 || 1;
  const y = scaleLinear().domain([0, yMax]).nice();
  const yFmt = y.tickFormat(6);
  const style = DEVICE_STYLE.dram;
  const legendItems: LegendItem[] = [
    { label: 'achieved bandwidth', swatch: { kind: 'box', fill: style.fill } },
    { label: `analytical peak per channel (${format('.4~g')(peak)} GB/s)`, swatch: { kind: 'line', stroke: INK.reference, dash: '6 3' } },
  ];
  const L = verticalLayout(width, height, legendItems, y.ticks(6).map(yFmt));
  y.range([L.bottom, L.top]);
  const x = scaleBand<string>().domain(r.channels.map((c) => String(c.channel))).range([L.left, L.right]).paddingInner(0.25).paddingOuter(0.15);
  const body: string[] = [axisLeft(y, L.left, L.right - L.left, yFmt)];
  const bars: string[] = [];
  const labels: string[] = [];
  const showValues = x.bandwidth() >= 30;
  // A device with few channels would get very wide bars: keep them at most 72 px, centred in their band.
  const barWidth = Math.min(72, x.bandwidth());
  for (const c of r.channels) {
    const bx = x(String(c.channel))! + (x.bandwidth() - barWidth) / 2;
    const by = y(c.bandwidthGBps);
    const tip = `Channel ${c.channel}: ${c.bandwidthGBps} GB/s (${(c.dataBusUtilisation * 100).toFixed(1)} % data-bus utilisation, ${thousands(c.completed)} requests)`;
    bars.push(el('rect', { class: 'bar', x: bx, y: by, width: barWidth, height: L.bottom - by, fill: style.fill }, el('title', {}, esc(tip))));
    if (showValues) labels.push(haloText(bx + barWidth / 2, by - 5, c.bandwidthGBps.toFixed(1), INK.text, INK.background, { 'text-anchor': 'middle', 'font-size': 10.5 }));
  }
  body.push(el('g', { class: 'bars' }, bars));
  const py = y(peak);
  body.push(el('g', { class: 'reference' }, [
    el('line', { x1: L.left, y1: py, x2: L.right, y2: py, stroke: INK.reference, 'stroke-width': 2, 'stroke-dasharray': '6 3' }),
  ]));
  body.push(el('g', { class: 'values' }, labels));
  body.push(axisBandBottom(x, L.bottom));
  body.push(xLabel('Channel', (L.left + L.right) / 2, height - 10));
  body.push(yLabel('Bandwidth (GB/s)', 18, (L.top + L.bottom) / 2));
  body.push(L.legend);
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? 'Bandwidth per channel',
    subtitle: runSubtitle(r),
    description: `Bars: achieved bandwidth of each of ${r.channels.length} channels in GB/s. Dashed line: analytical peak per channel, ${format('.4~g')(peak)} GB/s (${r.bandwidth.peakGBps} GB/s over ${r.channels.length} channels). Whole device: ${r.bandwidth.achievedGBps} GB/s, ${r.bandwidth.percentOfPeak} % of peak.`,
    defs: [],
    body,
  });
}

/** Number of commands issued of each kind (kinds never issued are left out), coloured by command class. */
export function commandCountChart(r: DramReport, options: ChartOptions = {}): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  const id = 'strata-command-counts';
  const fills = new Fills(id);
  const entries = Object.entries(r.commands).filter(([, n]) => n > 0);
  const classes = [...new Set(entries.map(([k]) => commandClass(k)))].sort(
    (a, b) => classOrder(a) - classOrder(b),
  );
  const legendItems: LegendItem[] = classes.map((c) => ({ label: CLASS_LABEL[c], swatch: { kind: 'box', fill: fills.fill(classStyle(c)) } }));
  const y = scaleLinear().domain([0, (Math.max(0, ...entries.map(([, n]) => n)) || 1) * 1.1]).nice();
  const yFmt = y.domain()[1]! >= 1e4 ? format('~s') : format(',~r');
  const L = verticalLayout(width, height, legendItems, y.ticks(6).map(yFmt));
  y.range([L.bottom, L.top]);
  const x = scaleBand<string>().domain(entries.map(([k]) => k)).range([L.left, L.right]).paddingInner(0.3).paddingOuter(0.2);
  const bars: string[] = [];
  const labels: string[] = [];
  for (const [k, n] of entries) {
    const bx = x(k)!;
    const by = y(n);
    const tip = `${k} (${CLASS_LABEL[commandClass(k)]}): ${thousands(n)} commands`;
    bars.push(el('rect', { class: 'bar', x: bx, y: by, width: x.bandwidth(), height: L.bottom - by, fill: fills.fill(classStyle(commandClass(k))), stroke: INK.axis, 'stroke-width': 0.6 }, el('title', {}, esc(tip))));
    if (textWidth(thousands(n), 10.5) <= x.step()) labels.push(haloText(bx + x.bandwidth() / 2, by - 5, thousands(n), INK.text, INK.background, { 'text-anchor': 'middle', 'font-size': 10.5 }));
  }
  const body = barChartBody(L, y, yFmt, x, bars, labels, 'Command', 'Commands issued (count)', height);
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? 'Commands issued by kind',
    subtitle: runSubtitle(r),
    description: `Bars: commands issued over all channels, ${entries.map(([k, n]) => `${k} ${n}`).join(', ')}; fill and pattern give the command class.`,
    defs: fills.defs(),
    body,
  });
}

function classOrder(c: DramClass | 'other'): number {
  const order: ReadonlyArray<DramClass | 'other'> = ['activate', 'precharge', 'read', 'write', 'refresh', 'background', 'io', 'other'];
  return order.indexOf(c);
}

/** Energy of the run (µJ) by component, one stacked bar per energy model (IDD and per-bit path) side by side. */
export function energyBreakdownChart(r: DramReport, options: ChartOptions = {}): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  const id = 'strata-energy-breakdown';
  const fills = new Fills(id);
  const components = ENERGY_COMPONENTS.filter((c) => ENERGY_MODELS.some((m) => r.energy[m.key][c] > 0));
  const legendItems: LegendItem[] = components.map((c) => ({ label: energyLabel(c), swatch: { kind: 'box', fill: fills.fill(DRAM_CLASS_STYLE[c]) } }));
  const totals = ENERGY_MODELS.map((m) => components.reduce((s, c) => s + microjoules(r.energy[m.key][c]), 0));
  const y = scaleLinear().domain([0, (Math.max(0, ...totals) || 1) * 1.1]).nice();
  const yFmt = y.tickFormat(6);
  const L = verticalLayout(width, height, legendItems, y.ticks(6).map(yFmt));
  y.range([L.bottom, L.top]);
  const x = scaleBand<string>().domain(ENERGY_MODELS.map((m) => m.label)).range([L.left, L.right]).paddingInner(0.45).paddingOuter(0.3);
  const bars: string[] = [];
  const labels: string[] = [];
  ENERGY_MODELS.forEach((m, i) => {
    const bx = x(m.label)!;
    let acc = 0;
    for (const c of components) {
      const v = microjoules(r.energy[m.key][c]);
      if (v <= 0) continue;
      const y0 = y(acc);
      const y1 = y(acc + v);
      acc += v;
      const style = DRAM_CLASS_STYLE[c];
      const share = (100 * v) / (totals[i]! || 1);
      const tip = `${m.label}, ${energyLabel(c)}: ${formatMicrojoules(v)} µJ (${share.toFixed(1)} % of ${formatMicrojoules(totals[i]!)} µJ)`;
      bars.push(el('rect', { class: 'bar', 'data-series': c, x: bx, y: y1, width: x.bandwidth(), height: y0 - y1, fill: fills.fill(style), stroke: INK.background, 'stroke-width': 0.8 }, el('title', {}, esc(tip))));
      if (y0 - y1 >= 15) labels.push(haloText(bx + x.bandwidth() / 2, (y0 + y1) / 2 + 4, `${formatMicrojoules(v)}`, style.ink, style.fill, { 'text-anchor': 'middle', 'font-size': 10.5 }));
    }
    labels.push(text(bx + x.bandwidth() / 2, y(acc) - 6, `${formatMicrojoules(acc)} µJ`, { 'text-anchor': 'middle', 'font-size': 11.5, 'font-weight': 'bold' }));
  });
  const body = barChartBody(L, y, yFmt, x, bars, labels, 'Energy model', 'Energy (µJ)', height);
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? 'Energy by component',
    subtitle: runSubtitle(r),
    description: `Stacked bars: energy of the run in µJ by component for the IDD model (${formatMicrojoules(totals[0]!)} µJ, ${r.energy.pjPerBitIdd} pJ/bit) and the per-bit path model (${formatMicrojoules(totals[1]!)} µJ).`,
    defs: fills.defs(),
    body,
  });
}

/** The per-bank quantity a heat map shows. */
export type BankMetric = 'activeFraction' | 'columnCommands';

/** Options of the bank heat map. */
export interface BankHeatmapOptions extends ChartOptions {
  /** `activeFraction` (default): fraction of the window with a row open; `columnCommands`: RD/WR count. */
  metric?: BankMetric;
}

/** Column label of a bank: `bankGroup.bank`, prefixed by the rank when the device has several. */
export function bankLabel(b: DramReport['banks'][number], multiRank: boolean): string {
  return multiRank ? `${b.rank}.${b.bankGroup}.${b.bank}` : `${b.bankGroup}.${b.bank}`;
}

/** The heat-map grid of a report: channel rows, bank columns, one value per cell (0 where a bank is missing). */
export function bankGrid(r: DramReport, metric: BankMetric): { channels: string[]; banks: string[]; values: number[][]; multiRank: boolean } {
  const multiRank = r.banks.some((b) => b.rank > 0);
  const channels = [...new Set(r.banks.map((b) => b.channel))].sort((a, b) => a - b).map(String);
  const banks: string[] = [];
  for (const b of r.banks) {
    const l = bankLabel(b, multiRank);
    if (!banks.includes(l)) banks.push(l);
  }
  const values = channels.map(() => banks.map(() => 0));
  for (const b of r.banks) values[channels.indexOf(String(b.channel))]![banks.indexOf(bankLabel(b, multiRank))] = b[metric];
  return { channels, banks, values, multiRank };
}

/** The colour domain of a heat map: 0–1 for fractions (comparable across runs), 0–nice maximum for counts. */
export function heatDomain(metric: BankMetric, values: readonly number[][]): [number, number] {
  if (metric === 'activeFraction') return [0, 1];
  const max = Math.max(1, ...values.flat());
  return scaleLinear().domain([0, max]).nice().domain() as [number, number];
}

/**
 * Heat map of banks: one row per channel, one column per bank, shaded by the fraction of the window with a row
 * open (`activeFraction`) or by the number of column commands (`columnCommands`).
 */
export function bankHeatmapChart(r: DramReport, options: BankHeatmapOptions = {}): string {
  const metric = options.metric ?? 'activeFraction';
  const width = options.width ?? DEFAULT_WIDTH;
  const id = metric === 'activeFraction' ? 'strata-bank-activity' : 'strata-bank-columns';
  const grid = bankGrid(r, metric);
  const top = HEADER.legendY + 8;
  // Rows are at most 40 px tall; a device with one or two channels gets a shorter chart (unless a height is
  // given) with a grid at least 180 px tall, so that the colour bar beside it stays readable.
  const gridHeight = Math.max(180, grid.channels.length * 40);
  const height = options.height ?? Math.min(DEFAULT_HEIGHT, top + gridHeight + 46);
  const domain = heatDomain(metric, grid.values);
  const colour = interpolateLab(HEAT_RAMP[0], HEAT_RAMP[1]);
  const t = (v: number) => Math.min(1, Math.max(0, v / (domain[1] || 1)));
  const cellFmt = metric === 'activeFraction' ? format('.2f') : format(',');
  const scaleLabel = metric === 'activeFraction' ? 'Row-open time (fraction of window)' : 'Column commands (count)';
  const left = 24 + widestLabel(grid.channels) + 14;
  const right = width - 112;
  const bottom = Math.min(height - 46, top + gridHeight);
  const x = scaleBand<string>().domain(grid.banks).range([left, right]).padding(0.04);
  const y = scaleBand<string>().domain(grid.channels).range([top, bottom]).padding(0.06);
  const showValues = x.bandwidth() >= Math.max(26, widestLabel(grid.values.flat().map(cellFmt), 9.5) + 4) && y.bandwidth() >= 13;
  const cells: string[] = [];
  grid.channels.forEach((ch, i) => {
    grid.banks.forEach((bk, j) => {
      const v = grid.values[i]![j]!;
      const fill = colour(t(v));
      const cx = x(bk)!;
      const cy = y(ch)!;
      const tip = metric === 'activeFraction'
        ? `Channel ${ch}, bank ${bk}: row open ${(v * 100).toFixed(1)} % of the window`
        : `Channel ${ch}, bank ${bk}: ${thousands(v)} column commands`;
      cells.push(el('rect', { class: 'cell', x: cx, y: cy, width: x.bandwidth(), height: y.bandwidth(), fill }, el('title', {}, esc(tip))));
      if (showValues) {
        const ink = lab(fill).l > 55 ? INK.text : INK.background;
        cells.push(text(cx + x.bandwidth() / 2, cy + y.bandwidth() / 2 + 3.5, cellFmt(v), { 'text-anchor': 'middle', 'font-size': 9.5, fill: ink }));
      }
    });
  });
  const gradId = `${id}-ramp`;
  const stops: string[] = [];
  for (let k = 0; k <= 10; k++) stops.push(el('stop', { offset: `${k * 10}%`, 'stop-color': colour(k / 10) }));
  const barX = right + 18;
  const cScale = scaleLinear().domain(domain).range([bottom, top]);
  const cFmt = metric === 'activeFraction' ? format('.1f') : domain[1] >= 1e4 ? format('~s') : format(',');
  const colourBar: string[] = [
    el('rect', { x: barX, y: top, width: 14, height: bottom - top, fill: `url(#${gradId})`, stroke: INK.axis, 'stroke-width': 0.6 }),
  ];
  for (const tk of cScale.ticks(5)) {
    colourBar.push(el('line', { x1: barX + 14, y1: cScale(tk), x2: barX + 19, y2: cScale(tk), stroke: INK.axis }));
    colourBar.push(text(barX + 22, cScale(tk) + 4, cFmt(tk), { 'font-size': 11 }));
  }
  colourBar.push(el('text', { class: 'axis-label colour', transform: `translate(${px(width - 12)},${px((top + bottom) / 2)}) rotate(-90)`, 'text-anchor': 'middle', 'font-size': 12 }, esc(scaleLabel)));
  const body = [
    el('g', { class: 'cells' }, cells),
    axisBandLeft(y, left),
    axisBandBottom(x, bottom),
    xLabel(grid.multiRank ? 'Bank (rank.bank group.bank)' : 'Bank (bank group.bank)', (left + right) / 2, bottom + 36),
    yLabel('Channel', 18, (top + bottom) / 2),
    el('g', { class: 'legend colour-scale' }, colourBar),
  ];
  const values = grid.values.flat();
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? (metric === 'activeFraction' ? 'Bank activity: time with a row open' : 'Column commands per bank'),
    subtitle: runSubtitle(r),
    description: `Heat map of ${grid.channels.length} channels by ${grid.banks.length} banks: ${scaleLabel.toLowerCase()}, mean ${cellFmt(mean)}, from ${cellFmt(Math.min(...values))} to ${cellFmt(Math.max(...values))}. Darker is higher.`,
    defs: [el('linearGradient', { id: gradId, x1: 0, y1: 1, x2: 0, y2: 0 }, stops)],
    body,
  });
}

/** The read-latency statistics of a report as plotted: name, value in cycles (0 when no read completed, which the chart says instead), marker shape. */
export function latencyStats(r: DramReport): Array<{ key: 'p50' | 'mean' | 'p99' | 'max'; label: string; cycles: number; marker: 'circle' | 'diamond' | 'triangle' | 'square' }> {
  const l = r.readLatency;
  return [
    { key: 'p50', label: 'median (p50)', cycles: l.p50 ?? 0, marker: 'circle' },
    { key: 'mean', label: 'mean', cycles: l.mean ?? 0, marker: 'diamond' },
    { key: 'p99', label: 'p99', cycles: l.p99 ?? 0, marker: 'triangle' },
    { key: 'max', label: 'max', cycles: l.max ?? 0, marker: 'square' },
  ];
}

function marker(shape: 'circle' | 'diamond' | 'triangle' | 'square', cx: number, cy: number, fill: string): string {
  const s = 6;
  const common = { class: 'marker', fill, stroke: INK.background, 'stroke-width': 1 };
  switch (shape) {
    case 'circle':
      return el('circle', { cx, cy, r: s, ...common });
    case 'diamond':
      return el('path', { d: `M${px(cx)},${px(cy - s * 1.25)}L${px(cx + s)},${px(cy)}L${px(cx)},${px(cy + s * 1.25)}L${px(cx - s)},${px(cy)}Z`, ...common });
    case 'triangle':
      return el('path', { d: `M${px(cx)},${px(cy - s * 1.2)}L${px(cx + s * 1.1)},${px(cy + s * 0.8)}L${px(cx - s * 1.1)},${px(cy + s * 0.8)}Z`, ...common });
    case 'square':
      return el('rect', { x: cx - s * 0.9, y: cy - s * 0.9, width: s * 1.8, height: s * 1.8, ...common });
  }
}

/**
 * Read latency summary: median, mean, p99 and max as markers on stems from zero, in cycles of the DRAM clock
 * (bottom axis) and in ns (top axis).
 */
export function readLatencyChart(r: DramReport, options: ChartOptions = {}): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  const id = 'strata-read-latency';
  const stats = latencyStats(r);
  const nsPerCycle = r.clock.periodPs / 1000;
  const maxCycles = Math.max(1, ...stats.map((s) => s.cycles));
  const x = scaleLinear().domain([0, maxCycles * 1.05]).nice();
  const xNs = scaleLinear().domain([0, x.domain()[1]! * nsPerCycle]);
  const labels = stats.map((s) => s.label);
  const left = 24 + widestLabel(labels) + 14;
  const right = width - 24;
  const top = HEADER.legendY + 46;
  const bottom = height - 50;
  x.range([left, right]);
  xNs.range([left, right]);
  const y = scaleBand<string>().domain(labels).range([top, bottom]).padding(0.35);
  const fill = DEVICE_STYLE.dram.fill;
  const marks: string[] = [];
  const none = r.requests.reads === 0;
  if (!none) {
    for (const s of stats) {
      const cy = y(s.label)! + y.bandwidth() / 2;
      const cx = x(s.cycles);
      const value = `${format(',.1~f')(s.cycles)} cycles = ${format(',.1~f')(s.cycles * nsPerCycle)} ns`;
      const w = textWidth(value, 11);
      const after = cx + 12 + w <= right;
      marks.push(el('line', { class: 'stem', x1: left, y1: cy, x2: cx, y2: cy, stroke: fill, 'stroke-width': 2 }));
      marks.push(el('g', {}, [marker(s.marker, cx, cy, fill), el('title', {}, esc(`${s.label} read latency: ${value}`))]));
      marks.push(haloText(after ? cx + 12 : cx - 12, cy - 10, value, INK.text, INK.background, { 'text-anchor': after ? 'start' : 'end', 'font-size': 11 }));
    }
  } else {
    marks.push(text((left + right) / 2, (top + bottom) / 2, 'no reads completed in this window', { 'text-anchor': 'middle', 'font-size': 12, fill: INK.muted }));
  }
  const body = [
    axisHorizontal(x, bottom, format(',~r'), 'bottom', bottom - top),
    axisHorizontal(xNs, top, format(',~r'), 'top'),
    axisBandLeft(y, left),
    el('g', { class: 'marks' }, marks),
    xLabel(`Read latency (${r.clock.name} cycles; 1 cycle = ${format(',')(r.clock.periodPs)} ps)`, (left + right) / 2, height - 12),
    text((left + right) / 2, top - 30, 'Read latency (ns)', { class: 'axis-label x2', 'text-anchor': 'middle', 'font-size': 12 }),
    yLabel(`Statistic over ${thousands(r.requests.reads)} reads`, 18, (top + bottom) / 2),
  ];
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? 'Read latency',
    subtitle: runSubtitle(r),
    description: none
      ? 'No reads completed in this window.'
      : `Read latency over ${r.requests.reads} reads, in ${r.clock.name} cycles of ${r.clock.periodPs} ps: ${stats.map((s) => `${s.label} ${s.cycles}`).join(', ')}.`,
    defs: [],
    body,
  });
}

/** A chart of a DRAM report: file stem, and how to render it. */
export interface DramChart {
  name: string;
  render: (r: DramReport, options?: ChartOptions) => string;
  /** Whether the report has what the chart shows (time series are optional); absent: always. */
  applies?: (r: DramReport) => boolean;
}

/**
 * Every static chart of a DRAM report, in the order of the report page. The time-series charts live in
 * `dram-timeline-charts.ts` (which imports this module), hence the wrappers: they are looked up when called.
 */
export const DRAM_CHARTS: readonly DramChart[] = Object.freeze([
  { name: 'channel-bandwidth', render: channelBandwidthChart },
  { name: 'bandwidth-time', render: (r: DramReport, o: ChartOptions = {}) => bandwidthTimeChart(r, o), applies: (r: DramReport) => (r.bandwidthSeries?.epochs ?? 0) > 0 },
  { name: 'command-counts', render: commandCountChart },
  { name: 'energy-breakdown', render: energyBreakdownChart },
  { name: 'bank-activity', render: (r: DramReport, o: ChartOptions = {}) => bankHeatmapChart(r, { ...o, metric: 'activeFraction' }) },
  { name: 'bank-column-commands', render: (r: DramReport, o: ChartOptions = {}) => bankHeatmapChart(r, { ...o, metric: 'columnCommands' }) },
  { name: 'bank-states', render: (r: DramReport, o: ChartOptions = {}) => bankStateChart(r, o), applies: (r: DramReport) => (r.bankStates?.banks.length ?? 0) > 0 },
  { name: 'read-latency', render: readLatencyChart },
]);
