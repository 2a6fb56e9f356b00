/**
 * Vertical grouped bars in small multiples: one panel per facet (a model), one group of bars per case in it (a
 * batch, with an optional outer label such as the request set under runs of groups), one bar per series (a
 * system). Shared by the NeuPIMs and Duplex comparison charts (viz/neupims-charts.ts, viz/duplex-charts.ts).
 *
 * A pure function of its spec: the same spec gives the same bytes. Missing values (a system out of memory) are
 * drawn as a short label in place of the bar; reference lines (a paper's headline ratio, parity) cross every panel.
 */
import { format, scaleBand, scaleLinear } from 'd3';
import { INK, type SeriesStyle } from './palette.ts';
import {
  axisLeft,
  el,
  esc,
  Fills,
  haloText,
  headerLegend,
  px,
  svgDocument,
  text,
  textWidth,
  widestLabel,
  xLabel,
  yLabel,
  type LegendItem,
} from './svg.ts';

/** One series of bars: a system, drawn in its style. */
export interface BarSeries {
  readonly key: string;
  readonly label: string;
  readonly style: SeriesStyle;
}

/** One group of bars: its label under the axis and, optionally, the outer label shared by a run of groups. */
export interface BarGroup {
  readonly label: string;
  readonly outer?: string;
}

/** One panel: its title, its groups, and a value per series and group (null: no bar, `missingLabel` instead). */
export interface BarPanel {
  readonly title: string;
  readonly groups: readonly BarGroup[];
  /** values[series][group]. */
  readonly values: ReadonlyArray<ReadonlyArray<number | null>>;
}

/** A horizontal line across every panel at a value, with a label at its right end and a legend entry. */
export interface BarReference {
  readonly value: number;
  /** Short label at the line's right end (`paper 3x`). */
  readonly label: string;
  readonly legend: string;
  readonly stroke: string;
  readonly dash: string;
}

/** What a grouped bar chart shows and how it is labelled. */
export interface GroupedBarsSpec {
  readonly id: string;
  readonly width: number;
  /** Height of one row of panels (plot area and labels), px. */
  readonly panelHeight: number;
  readonly columns: number;
  readonly title: string;
  readonly subtitle: string;
  readonly description: string;
  readonly series: readonly BarSeries[];
  readonly panels: readonly BarPanel[];
  /** Title of the value axis, with its unit; and of the group axis. */
  readonly valueTitle: string;
  readonly groupTitle: string;
  readonly tickFormat: (v: number) => string;
  /** The tooltip of one bar. */
  readonly tip: (panel: BarPanel, group: number, series: BarSeries, value: number) => string;
  readonly references?: readonly BarReference[];
  /** Text drawn where a value is missing (default `n/a`), and its meaning in the legend. */
  readonly missingLabel?: string;
  readonly missingLegend?: string;
  /** One value scale for every panel (default: each panel its own, from 0). */
  readonly sharedScale?: boolean;
  /** A line under the legend saying how the values are made (e.g. an energy method), drawn muted like the missing legend. */
  readonly note?: string;
}

const TICK = format(',~r');

/** A grouped bar chart in small multiples as a standalone SVG. */
export function groupedBars(p: GroupedBarsSpec): string {
  const fills = new Fills(p.id);
  const refs = p.references ?? [];
  const legendItems: LegendItem[] = [
    ...p.series.map((s) => ({ label: s.label, swatch: { kind: 'box' as const, fill: fills.fill(s.style) } })),
    ...refs.map((r) => ({ label: r.legend, swatch: { kind: 'line' as const, stroke: r.stroke, dash: r.dash } })),
  ];
  const missing = p.missingLabel ?? 'n/a';
  const anyMissing = p.panels.some((pl) => pl.values.some((vs) => vs.some((v) => v === null)));
  const legendW = p.width - 40;
  const lg = headerLegend(legendItems, 20, legendW);
  const missingLine = anyMissing && p.missingLegend;
  const top = lg.bottom + 10 + (missingLine ? 14 : 0) + (p.note ? 14 : 0);
  const rows = Math.ceil(p.panels.length / p.columns);
  const height = top + rows * p.panelHeight + 30;
  const maxOf = (pl: BarPanel) => Math.max(0, ...pl.values.flatMap((vs) => vs.filter((v): v is number => v !== null)), ...refs.map((r) => r.value));
  const globalMax = Math.max(...p.panels.map(maxOf));
  const ticksOf = (max: number) => scaleLinear().domain([0, (max || 1) * 1.08]).nice().ticks(5).map(p.tickFormat);
  const axisW = widestLabel(p.panels.flatMap((pl) => ticksOf(p.sharedScale ? globalMax : maxOf(pl))));
  const cellW = (p.width - 20) / p.columns;
  const body: string[] = [];
  const refLabelW = Math.max(0, ...refs.map((r) => textWidth(r.label, 9.5))) + 6;
  p.panels.forEach((pl, i) => {
    const col = i % p.columns;
    const row = Math.floor(i / p.columns);
    const x0 = 10 + col * cellW + 34 + axisW + 10;
    const x1 = 10 + (col + 1) * cellW - 10 - refLabelW;
    const y0 = top + row * p.panelHeight + 22;
    const hasOuter = pl.groups.some((g) => g.outer !== undefined);
    const y1 = top + (row + 1) * p.panelHeight - (hasOuter ? 44 : 28);
    const y = scaleLinear().domain([0, ((p.sharedScale ? globalMax : maxOf(pl)) || 1) * 1.08]).nice().range([y1, y0]);
    const g = scaleBand<number>().domain(pl.groups.map((_, j) => j)).range([x0, x1]).paddingInner(0.22).paddingOuter(0.1);
    const b = scaleBand<number>().domain(p.series.map((_, k) => k)).range([0, g.bandwidth()]).paddingInner(0.08);
    const panel: string[] = [axisLeft(y, x0, x1 - x0, p.tickFormat, 5)];
    const bars: string[] = [];
    const marks: string[] = [];
    pl.groups.forEach((grp, j) => {
      const gx = g(j)!;
      p.series.forEach((s, k) => {
        const v = pl.values[k]?.[j] ?? null;
        const bx = gx + b(k)!;
        if (v === null) {
          const mx = bx + b.bandwidth() / 2 + 3;
          marks.push(text(mx, y1 - 4, missing, { class: 'missing', 'font-size': 8, fill: INK.muted, transform: `rotate(-90 ${px(mx)} ${px(y1 - 4)})` }));
          return;
        }
        const by = y(Math.max(0, v));
        bars.push(el('rect', { class: 'bar', 'data-series': s.key, x: bx, y: by, width: b.bandwidth(), height: Math.max(0, y1 - by), fill: fills.fill(s.style), stroke: INK.axis, 'stroke-width': 0.4 }, el('title', {}, esc(p.tip(pl, j, s, v)))));
      });
      panel.push(el('line', { x1: gx + g.bandwidth() / 2, y1: y1, x2: gx + g.bandwidth() / 2, y2: y1 + 4, stroke: INK.axis }));
      panel.push(text(gx + g.bandwidth() / 2, y1 + 16, grp.label, { class: 'group', 'text-anchor': 'middle', 'font-size': 10.5 }));
    });
    if (hasOuter) {
      // Outer labels centred under each run of groups with the same outer label, with a bracket line.
      let start = 0;
      for (let j = 1; j <= pl.groups.length; j++) {
        if (j < pl.groups.length && pl.groups[j]!.outer === pl.groups[start]!.outer) continue;
        const a = g(start)!;
        const z = g(j - 1)! + g.bandwidth();
        panel.push(el('line', { x1: a, y1: y1 + 22, x2: z, y2: y1 + 22, stroke: INK.muted, 'stroke-width': 0.8 }));
        panel.push(text((a + z) / 2, y1 + 34, pl.groups[start]!.outer ?? '', { class: 'outer', 'text-anchor': 'middle', 'font-size': 10, fill: INK.muted }));
        start = j;
      }
    }
    const lines: string[] = [];
    for (const r of refs) {
      const ry = y(r.value);
      lines.push(el('line', { x1: x0, y1: ry, x2: x1, y2: ry, stroke: INK.background, 'stroke-width': 3, 'stroke-opacity': 0.8 }));
      lines.push(el('line', { class: 'reference', x1: x0, y1: ry, x2: x1, y2: ry, stroke: r.stroke, 'stroke-width': 1.5, 'stroke-dasharray': r.dash || undefined }, el('title', {}, esc(r.legend))));
      lines.push(haloText(x1 + 4, ry + 3.5, r.label, r.stroke, INK.background, { class: 'reference-label', 'font-size': 9.5 }));
    }
    panel.push(el('g', { class: 'bars' }, bars), el('g', { class: 'missing' }, marks), el('g', { class: 'references' }, lines));
    panel.push(el('line', { x1: x0, y1: y1, x2: x1, y2: y1, stroke: INK.axis }));
    panel.push(text((x0 + x1) / 2, y0 - 8, pl.title, { class: 'panel-title', 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 'bold' }));
    body.push(el('g', { class: 'panel', 'data-panel': pl.title }, panel));
  });
  body.push(yLabel(p.valueTitle, 16, top + (rows * p.panelHeight) / 2));
  body.push(xLabel(p.groupTitle, p.width / 2, height - 10));
  body.push(lg.svg);
  if (missingLine) body.push(text(20, lg.bottom + 10, `${missing}: ${p.missingLegend}`, { class: 'missing-legend', 'font-size': 10.5, fill: INK.muted }));
  if (p.note) body.push(text(20, lg.bottom + 10 + (missingLine ? 14 : 0), p.note, { class: 'chart-note', 'font-size': 10.5, fill: INK.muted }));
  return svgDocument({ id: p.id, width: p.width, height, title: p.title, subtitle: p.subtitle, description: p.description, defs: fills.defs(), body });
}

/** Tick labels of ratio axes (`2x`) and of throughput axes (`12k`). */
export const ratioTick = (v: number): string => `${TICK(v)}x`;
export const siTick = (v: number): string => (v >= 1000 ? `${format(',~r')(v / 1000)}k` : TICK(v));
