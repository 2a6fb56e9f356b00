/**
 * A small SVG writer for charts: elements as strings, axes, legends, fill patterns and the chart frame.
 *
 * Charts are built as strings with d3's scales and formats, without a DOM: output depends only on the input
 * (attributes in a fixed order, coordinates rounded to 0.01 px), so the same report gives byte-identical SVG.
 */
import type { ScaleBand, ScaleLinear } from 'd3';
import { FONT_FAMILY, INK, type MarkerShape, type PatternKind, type SeriesStyle } from './palette.ts';

/** Options every chart function accepts. */
export interface ChartOptions {
  /** Width of the SVG in px (default 640). */
  width?: number;
  /** Height of the SVG in px (default 400). */
  height?: number;
  /** Replaces the default title. */
  title?: string;
}

/** Width of a chart in px when `ChartOptions.width` is not given (charts drawn wider by nature choose their own). */
export const DEFAULT_WIDTH = 640;
/** Height of a chart in px when `ChartOptions.height` is not given. */
export const DEFAULT_HEIGHT = 400;

/** Escapes text for XML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A coordinate rounded to 0.01 px, written without trailing zeros (and never as -0). */
export function px(x: number): string {
  const r = Math.round(x * 100) / 100;
  return String(r === 0 ? 0 : r);
}

type AttrValue = string | number | undefined;

/** One SVG element; numeric attributes are rounded with `px`, undefined attributes are left out. */
export function el(tag: string, attrs: Record<string, AttrValue>, children?: string | readonly string[]): string {
  let a = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    a += ` ${k}="${typeof v === 'number' ? px(v) : esc(v)}"`;
  }
  const body = children === undefined ? '' : typeof children === 'string' ? children : children.join('');
  return body === '' && children === undefined ? `<${tag}${a}/>` : `<${tag}${a}>${body}</${tag}>`;
}

/**
 * A clip box for a plot area: `def` goes into the document's defs, and `ref` is the `clip-path` attribute value of a
 * chart's data marks (lines, bands, areas), so that nothing drawn from data can leave the plot area, whatever the
 * data. Markers and labels are not clipped (a marker at 100 % would lose its top half). Charts still choose their
 * domains to hold the data; the clip is the guarantee (test/viz/clip.test.ts checks both).
 */
export function clipBox(id: string, x0: number, y0: number, x1: number, y1: number): { def: string; ref: string } {
  return {
    def: el('clipPath', { id }, el('rect', { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) })),
    ref: `url(#${id})`,
  };
}

/** A text element (content escaped). */
export function text(x: number, y: number, content: string, attrs: Record<string, AttrValue> = {}): string {
  return el('text', { x, y, ...attrs }, esc(content));
}

/** Text with a halo in `halo` so that it stays readable over bars, patterns and lines. */
export function haloText(x: number, y: number, content: string, fill: string, halo: string, attrs: Record<string, AttrValue> = {}): string {
  return text(x, y, content, { fill, stroke: halo, 'stroke-width': 3, 'stroke-linejoin': 'round', 'paint-order': 'stroke', ...attrs });
}

/** Approximate width of a text in px (DejaVu Sans averages about 0.6 em per character). */
export function textWidth(content: string, fontSize: number): number {
  return content.length * fontSize * 0.6;
}

const PATTERN_SIZE = 6;

/** The `<pattern>` drawing a pattern kind over a fill, or undefined for solid fills. */
function patternElement(id: string, style: SeriesStyle): string | undefined {
  const s = PATTERN_SIZE;
  const line = (d: string) => el('path', { d, stroke: style.ink, 'stroke-width': 1, 'stroke-opacity': 0.75, fill: 'none' });
  let marks: string;
  const kind: PatternKind = style.pattern;
  switch (kind) {
    case 'solid':
      return undefined;
    case 'diagonal':
      marks = line(`M0,${s} L${s},0 M${-s / 2},${s / 2} L${s / 2},${-s / 2} M${s / 2},${s * 1.5} L${s * 1.5},${s / 2}`);
      break;
    case 'back-diagonal':
      marks = line(`M0,0 L${s},${s} M${-s / 2},${s / 2} L${s / 2},${s * 1.5} M${s / 2},${-s / 2} L${s * 1.5},${s / 2}`);
      break;
    case 'cross':
      marks = line(`M0,0 L${s},${s} M0,${s} L${s},0`);
      break;
    case 'dots':
      marks = el('circle', { cx: s / 2, cy: s / 2, r: 1.1, fill: style.ink, 'fill-opacity': 0.8 });
      break;
    case 'horizontal':
      marks = line(`M0,${s / 2} L${s},${s / 2}`);
      break;
    case 'vertical':
      marks = line(`M${s / 2},0 L${s / 2},${s}`);
      break;
    case 'grid':
      marks = line(`M0,${s / 2} L${s},${s / 2} M${s / 2},0 L${s / 2},${s}`);
      break;
    default: {
      const never: never = kind;
      throw new Error(`internal invariant broken: unknown pattern ${String(never)}`);
    }
  }
  return el('pattern', { id, patternUnits: 'userSpaceOnUse', width: s, height: s }, [
    el('rect', { width: s, height: s, fill: style.fill }),
    marks,
  ]);
}

/**
 * Fill patterns of one chart. Ids carry the chart's prefix so that several charts can share one page.
 * `fill(style)` returns the value of a `fill` attribute; `defs()` the `<pattern>` elements used so far.
 */
export class Fills {
  private readonly defined = new Map<string, string>();
  constructor(private readonly prefix: string) {}

  /** The fill attribute value for a style: a pattern reference, or the plain colour for solid styles. */
  fill(style: SeriesStyle): string {
    if (style.pattern === 'solid') return style.fill;
    const id = `${this.prefix}-${style.pattern}-${style.fill.slice(1)}`;
    if (!this.defined.has(id)) this.defined.set(id, patternElement(id, style)!);
    return `url(#${id})`;
  }

  /** The `<pattern>` elements, in order of first use. */
  defs(): string[] {
    return [...this.defined.values()];
  }
}

/** A legend entry: a filled box, or a line (for reference lines and line series, optionally with its marker). */
export interface LegendItem {
  label: string;
  swatch:
    | { kind: 'box'; fill: string; stroke?: string }
    | { kind: 'line'; stroke: string; dash?: string; marker?: { shape: MarkerShape; filled: boolean } }
    | { kind: 'glyph'; draw: (cx: number, cy: number) => string };
}

/** A marker of a line series centred on (cx, cy), `size` px across: filled with `stroke`, or hollow (white inside). */
export function markerElement(shape: MarkerShape, cx: number, cy: number, stroke: string, filled: boolean, size = 7): string {
  const s = size / 2;
  const common = { class: 'marker', fill: filled ? stroke : INK.background, stroke, 'stroke-width': 1.2 };
  switch (shape) {
    case 'circle':
      return el('circle', { cx, cy, r: s, ...common });
    case 'square':
      return el('rect', { x: cx - s * 0.9, y: cy - s * 0.9, width: s * 1.8, height: s * 1.8, ...common });
    case 'triangle':
      return el('path', { d: `M${px(cx)},${px(cy - s * 1.15)}L${px(cx + s * 1.1)},${px(cy + s * 0.8)}L${px(cx - s * 1.1)},${px(cy + s * 0.8)}Z`, ...common });
    case 'diamond':
      return el('path', { d: `M${px(cx)},${px(cy - s * 1.25)}L${px(cx + s)},${px(cy)}L${px(cx)},${px(cy + s * 1.25)}L${px(cx - s)},${px(cy)}Z`, ...common });
    default: {
      const never: never = shape;
      throw new Error(`internal invariant broken: unknown marker ${String(never)}`);
    }
  }
}

const LEGEND_FONT = 11;
const LEGEND_ROW = 18;

/** Height a legend needs when its rows wrap at `maxWidth`. */
export function legendHeight(items: readonly LegendItem[], maxWidth: number): number {
  return items.length === 0 ? 0 : legendRows(items, maxWidth).length * LEGEND_ROW;
}

function itemWidth(item: LegendItem): number {
  return 22 + textWidth(item.label, LEGEND_FONT) + 16;
}

function legendRows(items: readonly LegendItem[], maxWidth: number): LegendItem[][] {
  const rows: LegendItem[][] = [[]];
  let used = 0;
  for (const item of items) {
    const w = itemWidth(item);
    if (used > 0 && used + w > maxWidth) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1]!.push(item);
    used += w;
  }
  return rows;
}

/** A legend laid out in rows from (x, y), wrapping at `maxWidth`. */
export function legend(items: readonly LegendItem[], x: number, y: number, maxWidth: number): string {
  const out: string[] = [];
  legendRows(items, maxWidth).forEach((row, r) => {
    let cx = x;
    const cy = y + r * LEGEND_ROW;
    for (const item of row) {
      const sw = item.swatch;
      out.push(
        sw.kind === 'box'
          ? el('rect', { x: cx, y: cy, width: 16, height: 11, fill: sw.fill, stroke: sw.stroke ?? INK.axis, 'stroke-width': 0.6 })
          : sw.kind === 'glyph'
            ? sw.draw(cx + 8, cy + 5.5)
            : el('line', { x1: cx, y1: cy + 5.5, x2: cx + 16, y2: cy + 5.5, stroke: sw.stroke, 'stroke-width': 2, 'stroke-dasharray': sw.dash }),
      );
      if (sw.kind === 'line' && sw.marker) out.push(markerElement(sw.marker.shape, cx + 8, cy + 5.5, sw.stroke, sw.marker.filled, 6));
      out.push(text(cx + 22, cy + 9.5, item.label, { 'font-size': LEGEND_FONT }));
      cx += itemWidth(item);
    }
  });
  return el('g', { class: 'legend' }, out);
}

const TICK_FONT = 11;
const LABEL_FONT = 12;

/** A vertical value axis at x = `x` with horizontal grid lines across `gridWidth` px. */
export function axisLeft(
  scale: ScaleLinear<number, number>,
  x: number,
  gridWidth: number,
  fmt: (v: number) => string,
  tickCount = 6,
): string {
  const out: string[] = [];
  for (const t of scale.ticks(tickCount)) {
    const y = scale(t);
    out.push(el('line', { x1: x, y1: y, x2: x + gridWidth, y2: y, stroke: INK.grid, 'stroke-width': 1 }));
    out.push(el('line', { x1: x - 5, y1: y, x2: x, y2: y, stroke: INK.axis }));
    out.push(text(x - 8, y + 4, fmt(t), { 'text-anchor': 'end', 'font-size': TICK_FONT }));
  }
  const [r0, r1] = scale.range() as [number, number];
  out.push(el('line', { x1: x, y1: r0, x2: x, y2: r1, stroke: INK.axis }));
  return el('g', { class: 'axis y' }, out);
}

/** A horizontal value axis at y = `y`, ticks below (`side` = 'bottom') or above ('top'), grid lines of `gridHeight`. */
export function axisHorizontal(
  scale: ScaleLinear<number, number>,
  y: number,
  fmt: (v: number) => string,
  side: 'bottom' | 'top',
  gridHeight = 0,
  tickCount = 8,
): string {
  const out: string[] = [];
  const dir = side === 'bottom' ? 1 : -1;
  for (const t of scale.ticks(tickCount)) {
    const x = scale(t);
    if (gridHeight > 0) out.push(el('line', { x1: x, y1: y, x2: x, y2: y - dir * gridHeight, stroke: INK.grid }));
    out.push(el('line', { x1: x, y1: y, x2: x, y2: y + dir * 5, stroke: INK.axis }));
    out.push(text(x, side === 'bottom' ? y + 18 : y - 9, fmt(t), { 'text-anchor': 'middle', 'font-size': TICK_FONT }));
  }
  const [r0, r1] = scale.range() as [number, number];
  out.push(el('line', { x1: r0, y1: y, x2: r1, y2: y, stroke: INK.axis }));
  return el('g', { class: `axis ${side === 'bottom' ? 'x' : 'x2'}` }, out);
}

/** A category axis below a band scale at y = `y`; labels are thinned so that they never overlap. */
export function axisBandBottom(scale: ScaleBand<string>, y: number, label: (d: string) => string = (d) => d): string {
  const out: string[] = [];
  const domain = scale.domain();
  const widest = Math.max(...domain.map((d) => textWidth(label(d), TICK_FONT)));
  const every = Math.max(1, Math.ceil((widest + 6) / Math.max(1, scale.step())));
  domain.forEach((d, i) => {
    const x = scale(d)! + scale.bandwidth() / 2;
    out.push(el('line', { x1: x, y1: y, x2: x, y2: y + 5, stroke: INK.axis }));
    if (i % every === 0) out.push(text(x, y + 18, label(d), { 'text-anchor': 'middle', 'font-size': TICK_FONT }));
  });
  const [r0, r1] = scale.range();
  out.push(el('line', { x1: r0, y1: y, x2: r1, y2: y, stroke: INK.axis }));
  return el('g', { class: 'axis x' }, out);
}

/** A category axis left of a band scale at x = `x`. */
export function axisBandLeft(scale: ScaleBand<string>, x: number, label: (d: string) => string = (d) => d): string {
  const out: string[] = [];
  const every = Math.max(1, Math.ceil(16 / Math.max(1, scale.step())));
  scale.domain().forEach((d, i) => {
    const y = scale(d)! + scale.bandwidth() / 2;
    out.push(el('line', { x1: x - 5, y1: y, x2: x, y2: y, stroke: INK.axis }));
    if (i % every === 0) out.push(text(x - 8, y + 4, label(d), { 'text-anchor': 'end', 'font-size': TICK_FONT }));
  });
  const [r0, r1] = scale.range();
  out.push(el('line', { x1: x, y1: r0, x2: x, y2: r1, stroke: INK.axis }));
  return el('g', { class: 'axis y' }, out);
}

/** The x-axis title, centred under the plot area. */
export function xLabel(content: string, cx: number, y: number): string {
  return text(cx, y, content, { class: 'axis-label x', 'text-anchor': 'middle', 'font-size': LABEL_FONT });
}

/** The y-axis title, rotated, centred beside the plot area. */
export function yLabel(content: string, x: number, cy: number): string {
  return el('text', { class: 'axis-label y', transform: `translate(${px(x)},${px(cy)}) rotate(-90)`, 'text-anchor': 'middle', 'font-size': LABEL_FONT }, esc(content));
}

/** Width of the widest of some tick labels. */
export function widestLabel(labels: readonly string[], fontSize = TICK_FONT): number {
  return labels.length ? Math.max(...labels.map((l) => textWidth(l, fontSize))) : 0;
}

/** Vertical positions of the title block: title, subtitle, and where the legend starts. */
export const HEADER = Object.freeze({ titleY: 24, subtitleY: 42, legendY: 54 });

/** The legend under a chart's title block, from x = `x` and wrapping at `maxWidth`: its element, and the y of its foot. */
export function headerLegend(items: readonly LegendItem[], x: number, maxWidth: number): { svg: string; bottom: number } {
  return { svg: legend(items, x, HEADER.legendY, maxWidth), bottom: HEADER.legendY + legendHeight(items, maxWidth) };
}

/** A complete standalone SVG document: white background, title, subtitle, accessible title/description. */
export function svgDocument(p: {
  id: string;
  width: number;
  height: number;
  title: string;
  subtitle: string;
  description: string;
  defs: readonly string[];
  body: readonly string[];
}): string {
  const parts = [
    el('title', { id: `${p.id}-title` }, esc(p.title)),
    el('desc', { id: `${p.id}-desc` }, esc(p.description)),
    p.defs.length ? el('defs', {}, p.defs) : '',
    el('rect', { width: p.width, height: p.height, fill: INK.background }),
    text(p.width / 2, HEADER.titleY, p.title, { class: 'chart-title', 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }),
    text(p.width / 2, HEADER.subtitleY, p.subtitle, { class: 'chart-subtitle', 'text-anchor': 'middle', 'font-size': 11, fill: INK.muted }),
    ...p.body,
  ];
  const root = el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width: p.width,
      height: p.height,
      viewBox: `0 0 ${px(p.width)} ${px(p.height)}`,
      role: 'img',
      'aria-labelledby': `${p.id}-title ${p.id}-desc`,
      'font-family': FONT_FAMILY,
      fill: INK.text,
    },
    parts.map((s) => (s ? `\n${s}` : '')).join('') + '\n',
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n`;
}
