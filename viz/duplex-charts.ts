/**
 * Charts of the Duplex figure set (`strata figures`, data/duplex.json), each a pure function `(data, options) =>
 * SVG`: decode throughput and energy per token of Duplex, 2xGPU, bank-PIM and BG-PIM relative to the GPU system
 * per model and case, with the paper's headline numbers as lines, and the serving latency CDFs (TTFT, mean time
 * between tokens, end to end) of every system per serving case (the CDF pieces of viz/serving-charts.ts).
 */
import { format, scaleLinear, scaleLog } from 'd3';
import type { FigureData, FigureValue } from '../src/report/figure-data.ts';
import { groupedBars, ratioTick, type BarPanel, type BarReference, type BarSeries } from './grouped-bars.ts';
import { distinct, num, numOrNull, records, str, table } from './figure-tables.ts';
import { DEVICE_STYLE, INK, PIM_CLASS_STYLE, type LineStyle, type SeriesStyle } from './palette.ts';
import { cdfPoints, formatMs, logTicks } from './serving-charts.ts';
import { clipBox, el, esc, headerLegend, markerElement, px, svgDocument, text, xLabel, yLabel, type ChartOptions, type LegendItem } from './svg.ts';

/**
 * How each compared system is drawn, by its key in the data file: Duplex as an xPU, the GPU systems in GPU blue
 * (2xGPU darker), the in-DRAM PIM baselines in PIM green (BG-PIM lighter); lines in the same hues, darkened where
 * the fill is too light for a line, each with its own dash and marker.
 */
export const DUPLEX_SYSTEM_STYLE: Readonly<Record<string, { bar: SeriesStyle; line: LineStyle }>> = Object.freeze({
  duplex: { bar: DEVICE_STYLE.xpu, line: { stroke: '#8a6a00', dash: '', marker: 'circle', filled: true } },
  gpu: { bar: DEVICE_STYLE.gpu, line: { stroke: '#3c8fd0', dash: '8 3', marker: 'square', filled: true } },
  gpu2: { bar: { fill: '#2a6fa8', pattern: 'grid', ink: '#ffffff' }, line: { stroke: '#0b3d6b', dash: '3 2.5', marker: 'triangle', filled: true } },
  bankPim: { bar: DEVICE_STYLE.pim, line: { stroke: '#19967a', dash: '10 3 2 3', marker: 'diamond', filled: true } },
  bgPim: { bar: PIM_CLASS_STYLE.refresh, line: { stroke: '#0f5e4b', dash: '1.5 2.5', marker: 'circle', filled: false } },
  // Duplex / GPU with both under the authors' charge (the paper's setup): Duplex's hue, darker, dotted, so that it
  // reads as Duplex under another charge and not as another system.
  duplexAuthors: { bar: { fill: '#b8860b', pattern: 'dots', ink: '#ffffff' }, line: { stroke: '#5c4700', dash: '2 2', marker: 'circle', filled: false } },
});

/** Key and label of the throughput chart's bar for the paper's setup, from the data file's table 'charges'. */
export const DUPLEX_AUTHORS_SERIES = { key: 'duplexAuthors', label: "Duplex, the paper's setup (both under the authors' charge)" } as const;

/**
 * Duplex / GPU under the authors' charge per decode case (model, Lin, Lout, batch, routing), from the table
 * 'charges' of files that have it; null where the case is OOM or the file has no such table.
 */
export function authorsChargeRatios(d: FigureData): ((r: Record<string, FigureValue>) => number | null) | null {
  const t = d.tables.find((x) => x.name === 'charges');
  if (!t || !t.columns.some((c) => c.name === 'overGpuAuthors')) return null;
  const key = (r: Record<string, FigureValue>) => [r.model, r.lin, r.lout, r.batch, r.routing].map(String).join(' ');
  const byCase = new Map(records(t, ['model', 'lin', 'lout', 'batch', 'routing', 'overGpuAuthors']).map((r) => [key(r), numOrNull(r.overGpuAuthors)]));
  return (r) => byCase.get(key(r)) ?? null;
}

/** The compared systems in table order: key, preset and label. */
function systems(d: FigureData): Array<{ key: string; preset: string; label: string }> {
  return records(table(d, 'systems'), ['key', 'preset', 'label']).map((r) => ({ key: str(r.key), preset: str(r.preset), label: str(r.label) }));
}

/**
 * How the Duplex set's energy per token is made (issue #14 item 6: every chart says its energy method; the charge is
 * `energyPj` of src/systems/duplex/duplex-step.ts): the xPUs are charged for the whole step, not only while busy.
 */
export const DUPLEX_ENERGY_METHOD_NOTE = "Energy: every xPU at board power for the whole step, also while it waits for PIM (an upper bound); PIM per bit and MAC; links per bit.";

/** The line under every Duplex chart's title. */
export function duplexSubtitle(d: FigureData): string {
  const s = systems(d);
  const gpu = s.find((x) => x.key === 'gpu');
  return `decode at position Lin + Lout/2 · each model on D devices (2xGPU: 2D) · GPU = ${gpu?.preset ?? 'gpu'} (graphs profile) · MoE models: uniform expert routing · strata validate duplex`;
}

/** Decode cases drawn: per model, its uniform-routing (MoE) or dense cases; groups are batches under their (Lin, Lout). */
function decodePanels(d: FigureData): Array<{ model: string; devices: number; rows: Array<Record<string, FigureValue>> }> {
  const rs = records(table(d, 'decode'), ['model', 'lin', 'lout', 'batch', 'routing', 'devices']);
  return distinct(rs.map((r) => str(r.model))).map((model) => {
    const mine = rs.filter((r) => r.model === model);
    const rows = mine.some((r) => r.routing === 'uniform') ? mine.filter((r) => r.routing === 'uniform') : mine;
    return { model, devices: num(rows[0]?.devices), rows };
  });
}

const ratio = (v: number) => `${v.toFixed(2)}x`;

/** Bars of each non-GPU system relative to the GPU system per case: `metric` is `TokensPerS` or `JoulesPerToken`. */
function relativeToGpu(d: FigureData, metric: 'TokensPerS' | 'JoulesPerToken', p: { id: string; title: string; valueTitle: string; description: string; references: BarReference[]; what: string; note?: string }, options: ChartOptions): string {
  const sys = systems(d).filter((s) => s.key !== 'gpu');
  const gpu = systems(d).find((s) => s.key === 'gpu');
  if (!gpu) throw new Error(`figure data '${d.figure}': table 'systems' has no 'gpu' system to compare with`);
  const ps = decodePanels(d);
  // Throughput: the paper's setup beside the serving engine's, as a bar of its own after Duplex's (issue #14, "Done
  // when"); its ratio is over the GPU under the same charge, so it stands on the same "relative to the GPU" axis.
  const authors = metric === 'TokensPerS' ? authorsChargeRatios(d) : null;
  const series: BarSeries[] = sys.map((s) => ({ key: s.key, label: `${s.label} (${s.preset})`, style: DUPLEX_SYSTEM_STYLE[s.key]?.bar ?? DEVICE_STYLE.xpu }));
  if (authors) series.splice(1, 0, { key: DUPLEX_AUTHORS_SERIES.key, label: DUPLEX_AUTHORS_SERIES.label, style: DUPLEX_SYSTEM_STYLE.duplexAuthors!.bar });
  const panels: BarPanel[] = ps.map((p) => {
    const values = sys.map((s) => p.rows.map((r) => {
      const v = numOrNull(r[`${s.key}${metric}`]);
      const g = numOrNull(r[`gpu${metric}`]);
      return v === null || g === null || g === 0 ? null : v / g;
    }));
    if (authors) values.splice(1, 0, p.rows.map(authors));
    return { title: `${p.model} (D = ${p.devices})`, groups: p.rows.map((r) => ({ label: str(r.batch), outer: `${str(r.lin)}/${str(r.lout)}` })), values };
  });
  return groupedBars({
    id: p.id,
    width: options.width ?? 960,
    panelHeight: 260,
    columns: ps.length <= 1 ? 1 : 2,
    title: options.title ?? p.title,
    subtitle: duplexSubtitle(d),
    description: p.description,
    series,
    panels,
    valueTitle: p.valueTitle,
    groupTitle: 'Batch (requests), by input/output length (Lin/Lout)',
    tickFormat: ratioTick,
    tip: (pl, j, s, v) => `${pl.title}, Lin/Lout ${pl.groups[j]!.outer}, batch ${pl.groups[j]!.label}: ${s.label} ${p.what} ${ratio(v)} the GPU's`,
    references: p.references,
    missingLabel: 'OOM',
    missingLegend: 'the system (or the GPU it is compared with) cannot hold the KV cache',
    ...(p.note ? { note: p.note } : {}),
  });
}

/** The paper's reference of `name` (a line at its value), if the data file has it. */
function paperRef(d: FigureData, name: string) {
  return d.references.find((r) => r.name === name);
}

/** Decode throughput of each system relative to the GPU system, per model and case, with the paper's 2.67x. */
export function duplexThroughputChart(d: FigureData, options: ChartOptions = {}): string {
  const ref = paperRef(d, 'paper-throughput-over-gpu');
  const paper = records(table(d, 'paper'), ['quantity', 'strata']);
  const best = paper.find((r) => str(r.quantity) === 'Duplex / GPU decode throughput, best case');
  // The paper's setup (the Duplex authors' charge: no kernel floors or launches, no shared-bank slowdown), where the data file has it.
  const bestAuthors = paper.find((r) => str(r.quantity).startsWith("Duplex / GPU decode throughput, best case, the paper's setup"));
  return relativeToGpu(d, 'TokensPerS', {
    id: 'strata-duplex-throughput',
    title: 'Duplex decode throughput against GPU, 2xGPU, bank-PIM and BG-PIM',
    valueTitle: 'Decode throughput relative to the GPU system (x)',
    what: 'throughput',
    description: `Grouped bars, one panel per model: each system's decode tokens/s over the GPU system's, per (Lin, Lout) and batch.${best ? ` Duplex's best: ${ratio(num(best.strata))} the GPU under a serving engine's charge ('graphs')${bestAuthors ? `, ${ratio(num(bestAuthors.strata))} under the paper's setup (the authors' charge)` : ''}.` : ''}${ref ? ` Dashed line: the paper's ${ref.max}x.` : ''}`,
    references: [
      ...(ref ? [{ value: ref.max, label: `${ref.max}x`, legend: `paper: Duplex up to ${ref.max}x the GPU`, stroke: INK.reference, dash: '6 3' }] : []),
      { value: 1, label: '1x', legend: 'GPU system (= 1)', stroke: INK.axis, dash: '' },
    ],
  }, options);
}

/** Energy per token of each system relative to the GPU system (lower is better), with the unconfirmed 42 % saving. */
export function duplexEnergyChart(d: FigureData, options: ChartOptions = {}): string {
  const ref = paperRef(d, 'paper-energy-saving-vs-gpu');
  const saving = records(table(d, 'paper'), ['quantity', 'strata']).find((r) => str(r.quantity).startsWith('energy per token'));
  return relativeToGpu(d, 'JoulesPerToken', {
    id: 'strata-duplex-energy',
    title: 'Duplex energy per token against GPU, 2xGPU, bank-PIM and BG-PIM (lower is better)',
    valueTitle: 'Energy per token relative to the GPU (x)',
    what: 'energy per token',
    note: DUPLEX_ENERGY_METHOD_NOTE,
    description: `Grouped bars, one panel per model: each system's decode energy per token over the GPU system's, per (Lin, Lout) and batch. ${DUPLEX_ENERGY_METHOD_NOTE}${saving ? ` Duplex's mean saving against the GPU: ${(100 * num(saving.strata)).toFixed(1)} %.` : ''}${ref ? ` Dashed line: ${(100 * ref.max).toFixed(2)} % less than the GPU (third-party summary, unconfirmed).` : ''}`,
    references: [
      ...(ref ? [{ value: 1 - ref.max, label: `${format('.2~f')(1 - ref.max)}x`, legend: `third-party summary (unconfirmed): Duplex ${(100 * ref.max).toFixed(2)} % less energy than the GPU`, stroke: INK.reference, dash: '6 3' }] : []),
      { value: 1, label: '1x', legend: 'GPU system (= 1)', stroke: INK.axis, dash: '' },
    ],
  }, options);
}

/** The latency metrics of the CDF chart: column, panel title (the Plotly figure uses them too). */
export const CDF_METRICS = [
  { column: 'ttftMs', title: 'time to first token' },
  { column: 'tbtMeanMs', title: 'mean time between tokens' },
  { column: 'e2eMs', title: 'end to end' },
] as const;

/**
 * Nearest-rank percentile of sorted samples (the value at rank ceil(p/100 x n)), as src/serving/metrics.ts
 * computes it for serving reports; repeated here because viz/ loads report modules only (style rule 3).
 */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Serving latency CDFs: one row of panels per serving case (model, Lin/Lout), one panel per metric (TTFT, mean TBT
 * per request, end to end) on a log time axis in ms, one line per system, markers at p50 and p99.
 */
export function duplexLatencyCdfChart(d: FigureData, options: ChartOptions = {}): string {
  const width = options.width ?? 960;
  const sys = systems(d);
  const reqs = records(table(d, 'requests'), ['model', 'lin', 'lout', 'system', 'ttftMs', 'tbtMeanMs', 'e2eMs']);
  const cases = distinct(reqs.map((r) => `${str(r.model)} ${str(r.lin)}/${str(r.lout)}`));
  const present = sys.filter((s) => reqs.some((r) => r.system === s.key));
  const legendItems: LegendItem[] = present.map((s) => {
    const st = DUPLEX_SYSTEM_STYLE[s.key]!.line;
    return { label: `${s.label} (${s.preset})`, swatch: { kind: 'line', stroke: st.stroke, dash: st.dash || undefined, marker: { shape: st.marker, filled: st.filled } } };
  });
  const missing = sys.filter((s) => !present.includes(s));
  const lg = headerLegend(legendItems, 20, width - 40);
  const top = lg.bottom + 10;
  const rowH = 236;
  const height = options.height ?? top + cases.length * rowH + 34;
  const colW = (width - 40) / CDF_METRICS.length;
  const body: string[] = [];
  const defs: string[] = [];
  const summary: string[] = [];
  cases.forEach((c, ci) => {
    const mine = reqs.filter((r) => `${str(r.model)} ${str(r.lin)}/${str(r.lout)}` === c);
    CDF_METRICS.forEach((m, mi) => {
      const x0 = 40 + mi * colW + 44;
      const x1 = 40 + (mi + 1) * colW - 14;
      const y0 = top + ci * rowH + 50;
      const y1 = top + (ci + 1) * rowH - 36;
      const per = present.map((s) => ({ s, xs: mine.filter((r) => r.system === s.key).map((r) => numOrNull(r[m.column])).filter((v): v is number => v !== null && v > 0).sort((a, b) => a - b) }));
      // Every system's samples set the domain (each list is sorted; the panel's least is the least of their firsts).
      const all = per.flatMap((p) => p.xs);
      const lo = all.length ? Math.min(...all) : 1;
      const hi = all.length ? Math.max(...all) : 10;
      const x = scaleLog().domain([Math.min(lo, hi / 1.01) / 1.3, hi * 1.3]).range([x0, x1]);
      const y = scaleLinear().domain([0, 1]).range([y1, y0]);
      const panel: string[] = [];
      const [d0, d1] = x.domain() as [number, number];
      const ticks = logTicks(d0, d1);
      for (const v of ticks.minor) panel.push(el('line', { x1: x(v), y1: y0, x2: x(v), y2: y1, stroke: INK.grid, 'stroke-width': 0.6 }));
      for (const v of ticks.labelled) {
        panel.push(el('line', { x1: x(v), y1: y0, x2: x(v), y2: y1, stroke: INK.grid }));
        panel.push(text(x(v), y1 + 15, format(',~r')(v), { 'text-anchor': 'middle', 'font-size': 10 }));
      }
      for (const f of [0, 0.5, 1]) {
        panel.push(el('line', { x1: x0, y1: y(f), x2: x1, y2: y(f), stroke: f === 0.5 ? INK.muted : INK.grid, 'stroke-width': 0.8, 'stroke-dasharray': f === 0.5 ? '2 3' : undefined }));
        if (mi === 0) panel.push(text(x0 - 6, y(f) + 4, `${Math.round(f * 100)} %`, { 'text-anchor': 'end', 'font-size': 10 }));
      }
      panel.push(el('line', { x1: x0, y1: y1, x2: x1, y2: y1, stroke: INK.axis }), el('line', { x1: x0, y1: y0, x2: x0, y2: y1, stroke: INK.axis }));
      const clip = clipBox(`strata-duplex-cdf-clip-${ci}-${mi}`, x0, y0, x1, y1);
      defs.push(clip.def);
      for (const { s, xs } of per) {
        if (xs.length === 0) continue;
        const st = DUPLEX_SYSTEM_STYLE[s.key]!.line;
        const pts = cdfPoints(xs);
        let path = `M${px(x0)},${px(y(0))}L${px(x(pts[0]![0]))},${px(y(0))}`;
        let prev = 0;
        for (const [v, f] of pts) {
          path += `L${px(x(v))},${px(y(prev))}L${px(x(v))},${px(y(f))}`;
          prev = f;
        }
        path += `L${px(x1)},${px(y(prev))}`;
        const p50 = percentile(xs, 50);
        const p99 = percentile(xs, 99);
        panel.push(el('g', { class: 'series', 'data-series': s.key }, [
          el('path', { class: 'line', d: path, 'clip-path': clip.ref, fill: 'none', stroke: st.stroke, 'stroke-width': 1.6, 'stroke-dasharray': st.dash || undefined, 'stroke-linejoin': 'round' }, el('title', {}, esc(`${c}, ${s.label}, ${m.title}: ${xs.length} requests, p50 ${formatMs(p50 * 1e6)} ms, p99 ${formatMs(p99 * 1e6)} ms`))),
          markerElement(st.marker, x(p50), y(0.5), st.stroke, st.filled, 6),
          markerElement(st.marker, x(p99), y(0.99), st.stroke, st.filled, 6),
        ]));
        if (mi === 0 || mi === 2) summary.push(`${c} ${s.label} ${m.column === 'ttftMs' ? 'TTFT' : 'e2e'} p50 ${formatMs(p50 * 1e6)} ms`);
      }
      panel.push(text((x0 + x1) / 2, y0 - 8, m.title, { class: 'panel-title', 'text-anchor': 'middle', 'font-size': 11, 'font-weight': 'bold' }));
      body.push(el('g', { class: 'panel', 'data-case': c, 'data-metric': m.column }, panel));
    });
    const [model, lengths] = c.split(' ');
    body.push(text(40, top + ci * rowH + 18, `${model}, Lin/Lout ${lengths}`, { class: 'case-title', 'font-size': 12.5, 'font-weight': 'bold' }));
    if (ci > 0) body.push(el('line', { x1: 20, y1: top + ci * rowH + 2, x2: width - 20, y2: top + ci * rowH + 2, stroke: INK.axis, 'stroke-width': 0.6 }));
  });
  body.push(xLabel('Latency (ms, log scale); markers at p50 and p99', width / 2, height - 10));
  body.push(yLabel('Cumulative fraction of requests', 16, (top + height - 34) / 2));
  body.push(lg.svg);
  const p = d.parameters;
  return svgDocument({
    id: 'strata-duplex-latency-cdf',
    width,
    height,
    title: options.title ?? 'Duplex serving latency CDFs against GPU, 2xGPU, bank-PIM and BG-PIM',
    subtitle: `${str(p.count)} fixed-length requests, Poisson ${str(p.qps)} requests/s, max batch ${str(p.maxBatch)}, whole prefill${missing.length ? ` · out of memory: ${missing.map((s) => s.label).join(', ')}` : ''}`,
    description: `Empirical CDFs of every served request's latencies on log time axes, one row per serving case (${cases.join('; ')}), one line per system: ${summary.join('; ')}.`,
    defs,
    body,
  });
}
