/**
 * The sensitivity set of `strata figures`: each headline ratio as a band (low to high over every assumption on its
 * path, src/validation/sensitivity.ts) around its shipped value, on one axis of percent of the shipped value so
 * headlines of different units and sizes share it.
 */
import { format, scaleBand, scaleLinear } from 'd3';
import type { FigureData } from '../src/report/figure-data.ts';
import { records, num, str, table } from './figure-tables.ts';
import { DEVICE_STYLE, INK, REFERENCE_BAND } from './palette.ts';
import { axisBandLeft, el, esc, haloText, headerLegend, svgDocument, text, widestLabel, xLabel, type ChartOptions, type LegendItem } from './svg.ts';

/** One band of the chart: its row label, the values, and the text beside it. */
export interface BandRow {
  readonly label: string;
  readonly low: number;
  readonly shipped: number;
  readonly high: number;
  /** low, high and shipped as % of shipped. */
  readonly lowPct: number;
  readonly highPct: number;
  readonly text: string;
  readonly movedMostBy: string;
  /** The paper's value or range as % of shipped (min <= max), or null when the paper gives no number. */
  readonly paperPct: { readonly min: number; readonly max: number } | null;
}

/**
 * The number or range in a paper column ('41-137x (GPU)', 'up to 2.67x', '3x', '0.42 (third-party, unconfirmed)'),
 * or null ('', '–'): the first number, and a second one joined to it by a dash.
 */
export function paperRange(text: string): { min: number; max: number } | null {
  const m = text.match(/(\d[\d,]*(?:\.\d+)?)(?:\s*[-–]\s*(\d[\d,]*(?:\.\d+)?))?/);
  if (!m) return null;
  const a = Number(m[1]!.replace(/,/g, ''));
  const b = m[2] === undefined ? a : Number(m[2].replace(/,/g, ''));
  return { min: Math.min(a, b), max: Math.max(a, b) };
}

/** The axis reaches a paper value up to this % of shipped; farther ones are an arrow at the edge, with the number beside. */
const PAPER_AXIS_LIMIT_PCT = 300;

/** Significant digits that show a headline's value and its band apart. */
const value = (x: number) => (Math.abs(x) >= 100 ? format(',.0f')(x) : Math.abs(x) >= 10 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));

/** The bands of a sensitivity data file, in table order. */
export function bandRows(d: FigureData): BandRow[] {
  return records(table(d, 'bands'), ['study', 'headline', 'low', 'shipped', 'high', 'movedMostBy']).map((r) => {
    const shipped = num(r.shipped);
    const low = num(r.low);
    const high = num(r.high);
    const pct = (x: number) => (shipped === 0 ? 100 : (100 * x) / shipped);
    const most = r.movedMostBy === null ? 'no assumption moves it' : str(r.movedMostBy).replace(/^arch\//, '');
    const paperText = r.paper === null ? '' : str(r.paper);
    const paper = paperRange(paperText);
    return {
      label: `${str(r.study)}: ${str(r.headline)}`,
      low, shipped, high,
      lowPct: Math.min(pct(low), pct(high)),
      highPct: Math.max(pct(low), pct(high)),
      text: `${value(low)} – ${value(high)} (shipped ${value(shipped)})${paper ? ` · paper ${paperText}` : ''}`,
      movedMostBy: most,
      paperPct: paper && shipped !== 0 ? { min: pct(paper.min), max: pct(paper.max) } : null,
    };
  });
}

/** The studies of a data file, as `pim-gpt|neupims|duplex`. */
function bandStudies(d: FigureData): string {
  const studies = [...new Set(records(table(d, 'bands'), ['study']).map((r) => str(r.study)))];
  return studies.length === 1 ? studies[0]! : `<${studies.join('|')}>`;
}

/** Least width (px) of the bands' axis: the chart grows wider rather than squeeze it between labels and readings. */
export const MIN_BAND_AXIS_PX = 420;

/** Every headline's band as a whisker from its low to its high end, in % of its shipped value (a dot at 100 %). */
export function sensitivityBandsChart(d: FigureData, options: ChartOptions = {}): string {
  const rows = bandRows(d);
  const labels = rows.map((r) => r.label);
  const rowPx = 38;
  const legendItems: LegendItem[] = [
    { label: 'band over the assumptions, one at a time', swatch: { kind: 'line', stroke: DEVICE_STYLE.pim.fill } },
    { label: 'shipped value (100 %)', swatch: { kind: 'line', stroke: INK.axis, dash: '4 3', marker: { shape: 'circle', filled: true } } },
  ];
  if (rows.some((r) => r.paperPct)) legendItems.push({ label: `the paper's value or range on the same scale (an arrow where it lies beyond ${PAPER_AXIS_LIMIT_PCT} %)`, swatch: { kind: 'box', fill: REFERENCE_BAND.fill, stroke: REFERENCE_BAND.stroke } });
  const left = 24 + widestLabel(labels, 11) + 12;
  const readings = 16 + Math.max(widestLabel(rows.map((r) => r.text), 10.5), widestLabel(rows.map((r) => `most: ${r.movedMostBy}`), 10.5)) + 12;
  // Long headline names and readings once left the bands about 100 px of a 1200 px chart; the chart widens instead.
  const width = Math.max(options.width ?? 1200, left + MIN_BAND_AXIS_PX + readings);
  const right = width - readings;
  const lg = headerLegend(legendItems, left, right - left);
  const top = lg.bottom + 12;
  const height = options.height ?? top + rows.length * rowPx + 56;
  const bottom = height - 46;
  // The axis holds every band and every paper value up to the limit; a paper value beyond it is an arrow at the edge.
  const papers = rows.flatMap((r) => (r.paperPct ? [r.paperPct.min, r.paperPct.max] : [])).filter((v) => v <= PAPER_AXIS_LIMIT_PCT);
  const lo = Math.max(0, Math.min(90, Math.floor(Math.min(...rows.map((r) => r.lowPct), ...papers) / 10) * 10));
  const hi = Math.max(110, Math.ceil(Math.max(...rows.map((r) => r.highPct), ...papers) / 10) * 10);
  const x = scaleLinear().domain([lo, hi]).range([left, right]);
  const y = scaleBand<string>().domain(labels).range([top, bottom]).paddingInner(0.25).paddingOuter(0.1);
  const body: string[] = [];
  for (const tk of x.ticks(6)) {
    body.push(el('line', { x1: x(tk), y1: top, x2: x(tk), y2: bottom, stroke: tk === 100 ? INK.axis : INK.grid, ...(tk === 100 ? { 'stroke-dasharray': '4 3' } : {}) }));
    body.push(text(x(tk), bottom + 18, `${tk}`, { 'text-anchor': 'middle', 'font-size': 11 }));
  }
  rows.forEach((r) => {
    const cy = y(r.label)! + y.bandwidth() / 2;
    const x0 = x(r.lowPct);
    const x1 = x(r.highPct);
    const tip = `${r.label}: ${r.text}; moved most by ${r.movedMostBy}`;
    if (r.paperPct) {
      // The paper's value (a thin box) or range (a wider one) behind the band, dashed like the reference bands of the
      // PIM-GPT charts; beyond the axis, an arrow at its edge.
      const h = y.bandwidth() * 0.8;
      const beyond = r.paperPct.min > hi;
      const px0 = x(Math.min(Math.max(r.paperPct.min, lo), hi));
      const px1 = x(Math.min(Math.max(r.paperPct.max, lo), hi));
      const paperTip = `${r.label}: the paper's value, ${r.paperPct.min.toFixed(0)}${r.paperPct.max !== r.paperPct.min ? `–${r.paperPct.max.toFixed(0)}` : ''} % of the shipped value`;
      const arrow = el('path', { class: 'beyond', d: `M${x(hi) - 10},${cy - 6} L${x(hi)},${cy} L${x(hi) - 10},${cy + 6} Z`, fill: REFERENCE_BAND.stroke });
      const box = el('rect', { x: Math.min(px0, px1 - 3), y: cy - h / 2, width: Math.max(3, px1 - px0), height: h, fill: REFERENCE_BAND.fill, stroke: REFERENCE_BAND.stroke, 'stroke-width': 1.2, 'stroke-dasharray': REFERENCE_BAND.dash });
      body.push(el('g', { class: 'paper' }, [el('title', {}, esc(paperTip)), ...(beyond ? [arrow] : r.paperPct.max > hi ? [box, arrow] : [box])]));
    }
    body.push(el('g', { class: 'band' }, [
      el('title', {}, esc(tip)),
      el('line', { x1: x0, y1: cy, x2: x1, y2: cy, stroke: DEVICE_STYLE.pim.fill, 'stroke-width': 4 }),
      el('line', { x1: x0, y1: cy - 6, x2: x0, y2: cy + 6, stroke: DEVICE_STYLE.pim.fill, 'stroke-width': 2 }),
      el('line', { x1: x1, y1: cy - 6, x2: x1, y2: cy + 6, stroke: DEVICE_STYLE.pim.fill, 'stroke-width': 2 }),
      el('circle', { class: 'marker', cx: x(100), cy, r: 4.5, fill: INK.text }),
    ]));
    body.push(haloText(right + 10, cy - 2, r.text, INK.text, INK.background, { 'font-size': 10.5 }));
    body.push(text(right + 10, cy + 11, `most: ${r.movedMostBy}`, { 'font-size': 9.5, fill: INK.muted }));
  });
  body.push(el('line', { x1: left, y1: bottom, x2: right, y2: bottom, stroke: INK.axis }));
  body.push(axisBandLeft(y, left));
  body.push(xLabel('Headline as % of its shipped value, each assumption at the low and at the high end of its range', (left + right) / 2, height - 10));
  body.push(lg.svg);
  return svgDocument({
    id: 'strata-sensitivity-bands',
    width,
    height,
    title: options.title ?? 'Headline ratios as bands over every assumption on their path',
    subtitle: `one assumption at a time, each at both ends of its range · strata validate ${bandStudies(d)} --sensitivity (the data file names each command)`,
    description: `Whiskers: the lowest and highest value of each headline with each declared assumption at either end of its range. ${rows.map((r) => `${r.label}: ${r.text}`).join('; ')}.`,
    defs: [],
    body,
  });
}
