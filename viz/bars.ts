/**
 * Horizontal stacked bars: one bar per category, one segment per series, a total at the end of each bar. Shared
 * by the run-report op-kind breakdown and the PIM-GPT latency and energy breakdowns.
 */
import { scaleBand, scaleLinear } from 'd3';
import { INK, type SeriesStyle } from './palette.ts';
import {
  axisBandLeft,
  axisHorizontal,
  el,
  esc,
  Fills,
  haloText,
  HEADER,
  headerLegend,
  legendHeight,
  svgDocument,
  text,
  textWidth,
  widestLabel,
  xLabel,
  yLabel,
  type LegendItem,
} from './svg.ts';

/** One series of a stacked bar chart: a value per category (0 draws nothing). */
export interface StackSeries {
  readonly key: string;
  readonly label: string;
  readonly style: SeriesStyle;
  readonly values: readonly number[];
}

/** What a horizontal stacked bar chart shows and how it is labelled. */
export interface StackedBarsSpec {
  readonly id: string;
  readonly width: number;
  /** Height in px; by default 26 px per category plus the frame. */
  readonly height?: number;
  readonly title: string;
  readonly subtitle: string;
  readonly description: string;
  readonly categories: readonly string[];
  readonly series: readonly StackSeries[];
  /** Title of the value axis, with its unit. */
  readonly valueTitle: string;
  /** Title of the category axis. */
  readonly categoryTitle: string;
  /** Tick labels of the value axis. */
  readonly tickFormat: (v: number) => string;
  /** The label at the end of bar `i` whose segments sum to `total`. */
  readonly endLabel: (i: number, total: number) => string;
  /** The tooltip of one segment. */
  readonly tip: (i: number, s: StackSeries, value: number, total: number) => string;
  /** Value printed inside a segment wide enough for it (none when omitted). */
  readonly segmentLabel?: (value: number, total: number) => string;
}

const END_FONT = 11;

/** The height a stacked bar chart takes by default for `n` categories and a legend of `legendItems`. */
function defaultHeight(n: number, legendItems: readonly LegendItem[], width: number): number {
  return Math.max(260, HEADER.legendY + legendHeight(legendItems, width - 120) + 22 + n * 26 + 52);
}

/** A horizontal stacked bar chart as a standalone SVG (a pure function of the spec). */
export function horizontalStackedBars(p: StackedBarsSpec): string {
  const fills = new Fills(p.id);
  const series = p.series.filter((s) => s.values.some((v) => v > 0));
  const legendItems: LegendItem[] = series.map((s) => ({ label: s.label, swatch: { kind: 'box', fill: fills.fill(s.style) } }));
  const totals = p.categories.map((_, i) => series.reduce((a, s) => a + Math.max(0, s.values[i] ?? 0), 0));
  const ends = totals.map((t, i) => p.endLabel(i, t));
  const height = p.height ?? defaultHeight(p.categories.length, legendItems, p.width);
  const left = 24 + widestLabel(p.categories) + 14;
  const right = p.width - 16 - widestLabel(ends, END_FONT) - 8;
  const lg = headerLegend(legendItems, left, p.width - 20 - left);
  const top = lg.bottom + (legendItems.length > 0 ? 14 : 8);
  const bottom = height - 46;
  const x = scaleLinear().domain([0, Math.max(0, ...totals) || 1]).nice().range([left, right]);
  const y = scaleBand<string>().domain(p.categories).range([top, bottom]).paddingInner(0.28).paddingOuter(0.14);
  const bars: string[] = [];
  const labels: string[] = [];
  p.categories.forEach((c, i) => {
    const by = y(c)!;
    const h = y.bandwidth();
    let acc = 0;
    for (const s of series) {
      const v = Math.max(0, s.values[i] ?? 0);
      if (v <= 0) continue;
      const x0 = x(acc);
      const x1 = x(acc + v);
      acc += v;
      bars.push(el('rect', { class: 'bar', 'data-series': s.key, x: x0, y: by, width: Math.max(0.5, x1 - x0), height: h, fill: fills.fill(s.style), stroke: INK.background, 'stroke-width': 0.6 }, el('title', {}, esc(p.tip(i, s, v, totals[i]!)))));
      const inside = p.segmentLabel?.(v, totals[i]!);
      if (inside && x1 - x0 >= textWidth(inside, 10) + 8 && h >= 13) {
        labels.push(haloText((x0 + x1) / 2, by + h / 2 + 3.5, inside, s.style.ink, s.style.fill, { 'text-anchor': 'middle', 'font-size': 10 }));
      }
    }
    labels.push(text(x(acc) + 6, by + h / 2 + 4, ends[i]!, { class: 'total', 'font-size': END_FONT }));
  });
  const body = [
    axisHorizontal(x, bottom, p.tickFormat, 'bottom', bottom - top, Math.max(3, Math.floor((right - left) / 80))),
    el('g', { class: 'bars' }, bars),
    el('g', { class: 'values' }, labels),
    axisBandLeft(y, left),
    xLabel(p.valueTitle, (left + right) / 2, height - 10),
    yLabel(p.categoryTitle, 18, (top + bottom) / 2),
    lg.svg,
  ];
  return svgDocument({ id: p.id, width: p.width, height, title: p.title, subtitle: p.subtitle, description: p.description, defs: fills.defs(), body });
}
