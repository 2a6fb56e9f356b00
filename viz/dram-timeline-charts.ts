/**
 * Time-series charts of a DRAM report: bandwidth over time per channel (from `bandwidthSeries`) and the bank-state
 * heat map of a window of cycles (from `bankStates`). Pure functions `(report, options) => SVG`, like the other
 * DRAM charts; reports without the series (written by an older Strata) get a chart that says so.
 */
import { format, scaleLinear } from 'd3';
import type { DramReport } from '../src/report/dram-report.ts';
import { runSubtitle } from './dram-subtitle.ts';
import { BANK_COMMAND_KEYS, BANK_COMMAND_STYLE, BANK_STATE_KEYS, BANK_STATE_STYLE, INK, LINE_STYLES, SERIES_BAND, type CommandGlyph, type LineStyle } from './palette.ts';
import {
  axisHorizontal,
  axisLeft,
  DEFAULT_HEIGHT,
  DEFAULT_WIDTH,
  clipBox,
  el,
  esc,
  Fills,
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

const thousands = format(',');

/** Most channels drawn one line each by default (more lines cross into a tangle); with more, the min–max band and mean. */
export const MAX_CHANNEL_LINES = 4;

/** A time unit for an axis: ns below 10 µs of window, µs below 10 ms, ms above. */
export function timeUnit(windowNs: number): { unit: 'ns' | 'µs' | 'ms'; perNs: number } {
  if (windowNs < 1e4) return { unit: 'ns', perNs: 1 };
  if (windowNs < 1e7) return { unit: 'µs', perNs: 1e-3 };
  return { unit: 'ms', perNs: 1e-6 };
}

/** One plotted series of the bandwidth chart: GB/s at each epoch's midpoint (time in the chart's unit). */
export interface BandwidthLine {
  key: string;
  label: string;
  /** Time of each point (epoch midpoint) in the chart's time unit. */
  t: number[];
  gbps: number[];
}

/** What the bandwidth-over-time chart draws: one line per channel, or the min, mean and max over channels. */
export interface BandwidthTimeData {
  mode: 'lines' | 'band';
  unit: 'ns' | 'µs' | 'ms';
  /** Per channel (mode `lines`) or min, mean, max (mode `band`). */
  lines: BandwidthLine[];
  /** Analytical peak of one channel, GB/s. */
  peakPerChannelGBps: number;
  epochCycles: number;
  epochNs: number;
}

/**
 * The epochs of a report's bandwidth series: start and end in ns, and each channel's GB/s (bytes / epoch ns; the
 * last epoch ends with the window). The same arithmetic as `bandwidthEpochs` of the report module, which viz/
 * does not import (it imports report types only).
 */
export function epochSeries(r: DramReport): Array<{ startNs: number; endNs: number; channelGBps: number[] }> {
  const s = r.bandwidthSeries;
  if (!s) return [];
  const nsPerCycle = r.clock.periodPs / 1000;
  return Array.from({ length: s.epochs }, (_, k) => {
    const start = k * s.epochCycles;
    const end = Math.min((k + 1) * s.epochCycles, r.window.cycles);
    const ns = (end - start) * nsPerCycle;
    return { startNs: start * nsPerCycle, endNs: end * nsPerCycle, channelGBps: s.channels.map((c) => (ns > 0 ? c.bytes[k]! / ns : 0)) };
  });
}

/** The series of the bandwidth-over-time chart, or null when the report has no bandwidth series. */
export function bandwidthTimeData(r: DramReport, mode?: 'lines' | 'band'): BandwidthTimeData | null {
  const s = r.bandwidthSeries;
  if (!s || s.epochs === 0) return null;
  const epochs = epochSeries(r);
  const { unit, perNs } = timeUnit(r.window.timeNs);
  const t = epochs.map((e) => Number((((e.startNs + e.endNs) / 2) * perNs).toPrecision(8)));
  const chosen = mode ?? (s.channels.length <= MAX_CHANNEL_LINES ? 'lines' : 'band');
  let lines: BandwidthLine[];
  if (chosen === 'lines') {
    lines = s.channels.map((c, i) => ({ key: `ch${c.channel}`, label: `channel ${c.channel}`, t, gbps: epochs.map((e) => e.channelGBps[i]!) }));
  } else {
    const n = s.channels.length;
    lines = [
      { key: 'max', label: `max over ${n} channels`, t, gbps: epochs.map((e) => Math.max(...e.channelGBps)) },
      { key: 'mean', label: `mean of ${n} channels`, t, gbps: epochs.map((e) => e.channelGBps.reduce((a, b) => a + b, 0) / Math.max(1, n)) },
      { key: 'min', label: `min over ${n} channels`, t, gbps: epochs.map((e) => Math.min(...e.channelGBps)) },
    ];
  }
  return {
    mode: chosen, unit, lines,
    peakPerChannelGBps: r.bandwidth.peakGBps / Math.max(1, r.channels.length),
    epochCycles: s.epochCycles,
    epochNs: (s.epochCycles * r.clock.periodPs) / 1000,
  };
}

/** Options of the bandwidth-over-time chart. */
export interface BandwidthTimeOptions extends ChartOptions {
  /** `lines`: one per channel (at most 8); `band`: min–max band and mean. Default: lines up to 4 channels, a band above. */
  mode?: 'lines' | 'band';
}

function noData(id: string, r: DramReport, options: ChartOptions, title: string, what: string): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? 160;
  return svgDocument({
    id, width, height, title: options.title ?? title, subtitle: runSubtitle(r),
    description: `This report has no ${what}: it was written by a Strata without it, or the run recorded none.`,
    defs: [],
    body: [
      text(width / 2, height / 2 + 10, `no ${what} in this report (re-run it with this Strata to get one)`, { 'text-anchor': 'middle', 'font-size': 12, fill: INK.muted }),
      xLabel('—', width / 2, height - 12),
      yLabel('—', 18, height / 2),
    ],
  });
}

/** Indices of the points of line `i` that carry a marker: about 10 per line, staggered so that lines' markers do not overlap. */
function markerPoints(points: number, i: number, lines: number): number[] {
  const every = Math.max(1, Math.ceil(points / 10));
  const offset = Math.floor((i * every) / Math.max(1, lines));
  const out: number[] = [];
  for (let k = offset; k < points; k += every) out.push(k);
  return out;
}

function polyline(xs: number[], ys: number[]): string {
  return xs.map((x, k) => `${k === 0 ? 'M' : 'L'}${px(x)},${px(ys[k]!)}`).join('');
}

/**
 * Bandwidth over time, GB/s per channel against time: one line per channel (up to 8, each with its own dash
 * pattern, marker and lightness) or, for more channels, the band from the slowest to the fastest channel with
 * the mean as a line. The analytical peak of one channel is a dashed reference line. Each point is the mean over
 * one epoch, drawn at the epoch's midpoint.
 */
export function bandwidthTimeChart(r: DramReport, options: BandwidthTimeOptions = {}): string {
  const id = 'strata-bandwidth-time';
  const title = 'Bandwidth over time per channel';
  const d = bandwidthTimeData(r, options.mode);
  if (!d) return noData(id, r, options, title, 'bandwidth series');
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  const maxGbps = Math.max(d.peakPerChannelGBps, ...d.lines.flatMap((l) => l.gbps));
  const y = scaleLinear().domain([0, maxGbps * 1.08 || 1]).nice();
  const yFmt = y.tickFormat(6);
  const peakLabel = `analytical peak per channel (${format('.4~g')(d.peakPerChannelGBps)} GB/s)`;
  const legendItems: LegendItem[] = d.mode === 'lines'
    ? d.lines.map((l, i) => lineItem(l.label, LINE_STYLES[i]!))
    : [
      { label: `range over ${r.channels.length} channels (min to max)`, swatch: { kind: 'box', fill: SERIES_BAND.fill, stroke: SERIES_BAND.edge } },
      { label: d.lines[1]!.label, swatch: { kind: 'line', stroke: SERIES_BAND.mean } },
    ];
  legendItems.push({ label: peakLabel, swatch: { kind: 'line', stroke: INK.reference, dash: '6 3' } });
  const left = 24 + widestLabel(y.ticks(6).map(yFmt)) + 14;
  const right = width - 20;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 14;
  const bottom = height - 46;
  y.range([bottom, top]);
  const tEnd = Number(((r.window.timeNs * (d.unit === 'ns' ? 1 : d.unit === 'µs' ? 1e-3 : 1e-6))).toPrecision(8));
  const x = scaleLinear().domain([0, tEnd || 1]).range([left, right]);
  const body: string[] = [axisLeft(y, left, right - left, yFmt), axisHorizontal(x, bottom, format(',~r'), 'bottom')];
  const marks: string[] = [];
  const clip = clipBox(`${id}-plot`, left, top, right, bottom);
  const tFmt = format(',.4~r');
  if (d.mode === 'lines') {
    d.lines.forEach((l, i) => {
      const st = LINE_STYLES[i]!;
      const xs = l.t.map((t) => x(t));
      const ys = l.gbps.map((g) => y(g));
      const points = markerPoints(l.t.length, i, d.lines.length).map((k) =>
        el('g', {}, [markerElement(st.marker, xs[k]!, ys[k]!, st.stroke, st.filled), el('title', {}, esc(`${l.label}, ${tFmt(l.t[k]!)} ${d.unit}: ${l.gbps[k]!.toFixed(2)} GB/s`))]),
      );
      marks.push(el('g', { class: 'series', 'data-series': l.key }, [
        el('path', { class: 'line', d: polyline(xs, ys), 'clip-path': clip.ref, fill: 'none', stroke: st.stroke, 'stroke-width': 1.6, 'stroke-dasharray': st.dash || undefined, 'stroke-linejoin': 'round' }),
        ...points,
      ]));
    });
  } else {
    const [max, mean, min] = d.lines as [BandwidthLine, BandwidthLine, BandwidthLine];
    const xs = max.t.map((t) => x(t));
    const band = `${polyline(xs, max.gbps.map((g) => y(g)))}${[...xs].reverse().map((xv, k) => `L${px(xv)},${px(y(min.gbps[min.gbps.length - 1 - k]!))}`).join('')}Z`;
    marks.push(el('g', { class: 'series', 'data-series': 'band' }, [
      el('path', { class: 'band', d: band, 'clip-path': clip.ref, fill: SERIES_BAND.fill, stroke: SERIES_BAND.edge, 'stroke-width': 0.8 }),
    ]));
    marks.push(el('g', { class: 'series', 'data-series': 'mean' }, [
      el('path', { class: 'line', d: polyline(xs, mean.gbps.map((g) => y(g))), 'clip-path': clip.ref, fill: 'none', stroke: SERIES_BAND.mean, 'stroke-width': 1.8 }),
    ]));
  }
  const py = y(d.peakPerChannelGBps);
  body.push(el('g', { class: 'reference' }, [el('line', { x1: left, y1: py, x2: right, y2: py, stroke: INK.reference, 'stroke-width': 2, 'stroke-dasharray': '6 3' })]));
  body.push(el('g', { class: 'lines' }, marks));
  body.push(xLabel(`Time (${d.unit}); each point is one epoch of ${thousands(d.epochCycles)} ${r.clock.name} cycles (${format(',.4~r')(d.epochNs)} ns)`, (left + right) / 2, height - 10));
  body.push(yLabel('Bandwidth per channel (GB/s)', 18, (top + bottom) / 2));
  body.push(lg.svg);
  const means = d.lines.map((l) => l.gbps.reduce((a, b) => a + b, 0) / Math.max(1, l.gbps.length));
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? title,
    subtitle: runSubtitle(r),
    description: d.mode === 'lines'
      ? `Lines: bandwidth of each of ${d.lines.length} channels in GB/s over ${r.bandwidthSeries!.epochs} epochs of ${d.epochCycles} cycles; mean over epochs ${means.map((m, i) => `channel ${i} ${m.toFixed(2)}`).join(', ')} GB/s. Dashed line: analytical peak per channel, ${format('.4~g')(d.peakPerChannelGBps)} GB/s.`
      : `Band: range of the bandwidth of ${r.channels.length} channels (min to max) in GB/s over ${r.bandwidthSeries!.epochs} epochs of ${d.epochCycles} cycles; line: their mean, ${means[1]!.toFixed(2)} GB/s over the run. Dashed line: analytical peak per channel, ${format('.4~g')(d.peakPerChannelGBps)} GB/s.`,
    defs: [clip.def],
    body,
  });
}

function lineItem(label: string, st: LineStyle): LegendItem {
  return { label, swatch: { kind: 'line', stroke: st.stroke, dash: st.dash || undefined, marker: { shape: st.marker, filled: st.filled } } };
}

/** Row label of a bank in the bank-state heat map: `channel.bankGroup.bank`, with the rank when there are several. */
export function bankStateLabel(b: { channel: number; rank: number; bankGroup: number; bank: number }, multiRank: boolean): string {
  return multiRank ? `${b.channel}.${b.rank}.${b.bankGroup}.${b.bank}` : `${b.channel}.${b.bankGroup}.${b.bank}`;
}

/** Cycles each bank spends in each state over the window, in `BANK_STATE_KEYS` order. */
export function bankStateShares(w: NonNullable<DramReport['bankStates']>): number[][] {
  return w.banks.map((b) => {
    const cycles = BANK_STATE_KEYS.map(() => 0);
    for (const [from, to, s] of b.runs) cycles[s]! += to - from;
    return cycles;
  });
}

/** A command mark centred on (cx, cy), `size` px tall, with a dark outline so that it reads on any state's fill. */
export function commandGlyph(glyph: CommandGlyph, cx: number, cy: number, size: number, fill: string): string {
  const h = size / 2;
  const common = { class: 'command', fill, stroke: INK.text, 'stroke-width': 0.5 };
  switch (glyph) {
    case 'up':
      return el('path', { d: `M${px(cx)},${px(cy - h)}L${px(cx + h)},${px(cy + h)}L${px(cx - h)},${px(cy + h)}Z`, ...common });
    case 'down':
      return el('path', { d: `M${px(cx - h)},${px(cy - h)}L${px(cx + h)},${px(cy - h)}L${px(cx)},${px(cy + h)}Z`, ...common });
    case 'bar':
      return el('rect', { x: cx - 0.9, y: cy - h, width: 1.8, height: size, ...common, 'stroke-width': 0.4 });
    case 'dot':
      return el('circle', { cx, cy, r: h * 0.8, ...common });
    default: {
      const never: never = glyph;
      throw new Error(`internal invariant broken: unknown command glyph ${String(never)}`);
    }
  }
}

/** Rows at least this tall (px) carry their own bank label; a window of more banks than fit labels one row in k. */
const LABELLED_ROW_PX = 9;
/** Banks a chart gives a labelled row each before it thins the labels (a 256-bank window is about 2,400 px tall). */
const MAX_LABELLED_BANKS = 256;

/**
 * Bank states over a window of cycles: one row per bank (grouped by channel, each row labelled with its bank), time
 * left to right, each cycle coloured by the bank's state: idle (precharged), active (row open), reading, writing,
 * refreshing. Colours fall in lightness with activity and reads and writes carry patterns, so the legend reads in
 * greyscale. Marks on each row show the commands issued to that bank (ACT, RD, WR, PRE, REF), where the report has
 * them.
 */
export function bankStateChart(r: DramReport, options: ChartOptions = {}): string {
  const id = 'strata-bank-states';
  const title = 'Bank states over time';
  const w = r.bankStates;
  if (!w || w.banks.length === 0) return noData(id, r, options, title, 'bank-state window');
  const width = options.width ?? DEFAULT_WIDTH;
  const fills = new Fills(id);
  const multiRank = w.banks.some((b) => b.rank > 0);
  const channels = [...new Set(w.banks.map((b) => b.channel))];
  const marked = w.commandKinds !== undefined && w.banks.some((b) => (b.commands?.length ?? 0) > 0);
  const legendItems: LegendItem[] = BANK_STATE_KEYS.map((k) => ({ label: k === 'idle' ? 'idle (precharged)' : k === 'active' ? 'active (row open)' : k, swatch: { kind: 'box', fill: fills.fill(BANK_STATE_STYLE[k]) } }));
  if (marked) {
    for (const k of BANK_COMMAND_KEYS) {
      const st = BANK_COMMAND_STYLE[k];
      legendItems.push({ label: k, swatch: { kind: 'glyph', draw: (cx, cy) => commandGlyph(st.glyph, cx, cy, 9, st.fill) } });
    }
  }
  const bankLabels = w.banks.map((b) => bankStateLabel(b, multiRank).split('.').slice(1).join('.'));
  const labelFont = 8;
  const channelColumn = widestLabel(channels.map((c) => `ch ${c}`)) + 10;
  const left = 24 + channelColumn + widestLabel(bankLabels, labelFont) + 10;
  const right = width - 20;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 40;
  // Rows tall enough for a label each (9 to 12 px: a 128-bank HBM2 window is about 1,300 px tall), up to 256 banks;
  // past that, 2 px rows at least, labelled one in k. A given height decides the rows alone.
  const rowH = options.height !== undefined
    ? (options.height - 52 - top) / w.banks.length
    : w.banks.length <= MAX_LABELLED_BANKS
      ? Math.max(LABELLED_ROW_PX, Math.min(12, 600 / w.banks.length))
      : Math.max(2, 600 / w.banks.length);
  const bottom = top + rowH * w.banks.length;
  const height = options.height ?? Math.ceil(bottom + 52);
  const x = scaleLinear().domain([w.startCycle, w.endCycle]).range([left, right]);
  const nsPerCycle = r.clock.periodPs / 1000;
  const xNs = scaleLinear().domain([w.startCycle * nsPerCycle, w.endCycle * nsPerCycle]).range([left, right]);
  const rects: string[] = [el('rect', { class: 'idle', x: left, y: top, width: right - left, height: bottom - top, fill: fills.fill(BANK_STATE_STYLE.idle) })];
  const rows: string[] = [];
  const marks: string[] = [];
  const counts = BANK_COMMAND_KEYS.map(() => 0);
  const labelEveryRow = Math.max(1, Math.ceil(LABELLED_ROW_PX / Math.max(1e-9, rowH)));
  const bankAxis: string[] = [];
  const shares = bankStateShares(w);
  const span = w.endCycle - w.startCycle;
  w.banks.forEach((b, i) => {
    const ry = top + i * rowH;
    for (const [from, to, s] of b.runs) {
      if (s === 0) continue;
      rects.push(el('rect', { x: x(from), y: ry, width: x(to) - x(from), height: rowH, fill: fills.fill(BANK_STATE_STYLE[BANK_STATE_KEYS[s]!]) }));
    }
    for (const [cycle, kind] of marked ? b.commands ?? [] : []) {
      const key = BANK_COMMAND_KEYS[kind]!;
      const st = BANK_COMMAND_STYLE[key];
      counts[kind]!++;
      marks.push(commandGlyph(st.glyph, x(cycle + 0.5), ry + rowH / 2, Math.min(8, rowH * 0.8), st.fill));
    }
    if (i % labelEveryRow === 0) bankAxis.push(text(left - 5, ry + rowH / 2 + 3, bankLabels[i]!, { class: 'bank-label', 'text-anchor': 'end', 'font-size': labelFont, fill: INK.muted }));
    const pct = shares[i]!.map((c, k) => `${BANK_STATE_KEYS[k]} ${((100 * c) / Math.max(1, span)).toFixed(1)} %`).join(', ');
    rows.push(el('rect', { class: 'row', x: left, y: ry, width: right - left, height: rowH, fill: 'none', 'pointer-events': 'all' }, el('title', {}, esc(`Channel ${b.channel}, bank ${bankStateLabel(b, multiRank)}: ${pct} of cycles ${thousands(w.startCycle)}–${thousands(w.endCycle)}`))));
  });
  // Channel separators and labels on the left.
  const axis: string[] = [];
  const perChannel = w.banks.length / Math.max(1, channels.length);
  const labelEvery = Math.max(1, Math.ceil(14 / Math.max(1e-9, perChannel * rowH)));
  channels.forEach((c, i) => {
    const first = w.banks.findIndex((b) => b.channel === c);
    const count = w.banks.filter((b) => b.channel === c).length;
    const y0 = top + first * rowH;
    // A rule between channels runs under both label columns; each channel's label sits in the outer column.
    if (i > 0) axis.push(el('line', { x1: 24, y1: y0, x2: right, y2: y0, stroke: INK.axis, 'stroke-width': 0.8 }));
    if (i % labelEvery === 0) axis.push(text(24 + channelColumn - 10, y0 + (count * rowH) / 2 + 4, `ch ${c}`, { class: 'channel-label', 'text-anchor': 'end', 'font-size': 11 }));
  });
  axis.push(el('line', { x1: left, y1: top, x2: left, y2: bottom, stroke: INK.axis }));
  const totals = BANK_STATE_KEYS.map((_, k) => shares.reduce((s, row) => s + row[k]!, 0));
  const all = totals.reduce((a, b) => a + b, 0) || 1;
  const body = [
    el('g', { class: 'cells' }, rects),
    el('g', { class: 'commands' }, marks),
    el('g', { class: 'rows' }, rows),
    el('g', { class: 'axis y' }, [...axis, ...bankAxis]),
    axisHorizontal(x, bottom, format(',~r'), 'bottom', 0, 8),
    axisHorizontal(xNs, top, format(',~r'), 'top', 0, 8),
    xLabel(`Cycle (${r.clock.name} clock; 1 cycle = ${thousands(r.clock.periodPs)} ps)`, (left + right) / 2, bottom + 38),
    text((left + right) / 2, top - 28, 'Time (ns)', { class: 'axis-label x2', 'text-anchor': 'middle', 'font-size': 12 }),
    yLabel(`Bank (${w.banks.length} banks; channel, then ${multiRank ? 'rank.bank group.bank' : 'bank group.bank'})`, 18, (top + bottom) / 2),
    lg.svg,
  ];
  return svgDocument({
    id,
    width,
    height,
    title: options.title ?? title,
    subtitle: runSubtitle(r),
    description: `Heat map of ${w.banks.length} banks over cycles ${w.startCycle} to ${w.endCycle} of the ${r.clock.name} clock: ${BANK_STATE_KEYS.map((k, i) => `${k} ${((100 * totals[i]!) / all).toFixed(1)} %`).join(', ')} of bank-cycles.${marked ? ` Command marks: ${BANK_COMMAND_KEYS.map((k, i) => `${thousands(counts[i]!)} ${k}`).join(', ')}.` : ''}`,
    defs: fills.defs(),
    body,
  });
}
