import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { StrataError } from '../spec/errors.ts';

/**
 * The sweep report (issue #16 item 5): what `strata report DB.duckdb` draws, as one JSON object made from a sweep's
 * results database alone (its `points` table is self-describing: the fixed columns, then one column per axis,
 * then the metric columns of src/sweep/metrics.ts, named in METRIC_WORDS below). The file is read here with DuckDB
 * directly, read-only (src/sweep sits in the command-line layer, above reports). Reading is the only I/O;
 * `sweepReport` is a pure function of the rows, and every chart (viz/sweep-charts.ts, viz/sweep-plotly.ts) a pure
 * function of the report. Besides the points, the report holds what the charts show, computed once so that the SVG and the interactive
 * page agree: the Pareto front of two metrics, the cells of a heatmap over two axes, and lines over one axis
 * grouped by another (one panel per value of a further axis; any axis left over is held at its first value,
 * which the chart says).
 */

/** Version of the sweep-report schema; bump on any incompatible change. */
export const SWEEP_REPORT_SCHEMA = 'strata.sweep-report/1';

/** A value an axis takes in the database. */
export type SweepValue = number | string | boolean;

/** An axis of the sweep: a column that varies between points (system and model count when they vary). */
export interface SweepReportAxis {
  readonly name: string;
  readonly type: 'number' | 'string' | 'boolean';
  /** Its distinct values: numbers ascending, others in order of first appearance. */
  readonly values: readonly SweepValue[];
}

/** A metric column and how charts show it. */
export interface SweepReportMetric {
  readonly column: string;
  /** Words for an axis title, without the unit. */
  readonly label: string;
  /** The unit values are shown in (after `scale`). */
  readonly unit: string;
  /** Shown value = stored value x scale (latency_ns 1e-3 for µs). */
  readonly scale: number;
  /** Which way is better, for the Pareto front. */
  readonly better: 'lower' | 'higher';
  readonly what: string;
}

/** One point of the sweep as stored. */
export interface SweepReportPoint {
  readonly point: number;
  readonly status: 'ok' | 'error';
  readonly error: string | null;
  readonly system: string;
  readonly model: string;
  /** The point's value on each axis, by axis name. */
  readonly values: Readonly<Record<string, SweepValue>>;
  /** Each metric column (null for a failed point). */
  readonly metrics: Readonly<Record<string, number | null>>;
}

/** Axes held at one value in a chart (a sweep with more axes than the chart shows). */
export type FixedAxes = Readonly<Record<string, SweepValue>>;

/** One Pareto front: the points of one model (or of the whole sweep) that no other such point beats on both metrics. */
export interface ParetoFront {
  /** The model the front is of, or null when the sweep runs one model. */
  readonly model: string | null;
  /** Point numbers on the front, in ascending x. */
  readonly points: readonly number[];
}

/**
 * The Pareto front of two metrics over every successful point. Points of different models are different
 * workloads, not rival designs, so a sweep over models has one front per model.
 */
export interface ParetoChart {
  readonly kind: 'pareto';
  readonly name: string;
  readonly x: string;
  readonly y: string;
  /** The axis that colours the points (system, model or another category), or null. */
  readonly group: string | null;
  readonly fronts: readonly ParetoFront[];
}

/** One cell of a heatmap: the mean of the metric over the points that fall in it. */
export interface HeatCell {
  readonly x: SweepValue;
  readonly y: SweepValue;
  /** The panel's value of the facet axis (null without one). */
  readonly facet: SweepValue | null;
  readonly value: number;
  /** Points averaged (more than 1 only where a sampled sweep drew a combination twice). */
  readonly n: number;
}

/** A metric over two axes, one panel per value of the facet axis. */
export interface HeatmapChart {
  readonly kind: 'heatmap';
  readonly name: string;
  readonly x: string;
  readonly y: string;
  readonly metric: string;
  readonly facet: string | null;
  readonly fixed: FixedAxes;
  readonly cells: readonly HeatCell[];
}

/** One line: a group's metric along the x axis, in one panel. */
export interface SweepLine {
  readonly group: SweepValue | null;
  readonly facet: SweepValue | null;
  readonly x: readonly SweepValue[];
  readonly y: readonly number[];
}

/** A metric along one axis, a line per value of the group axis, a panel per value of the facet axis. */
export interface LinesChart {
  readonly kind: 'lines';
  readonly name: string;
  readonly x: string;
  readonly group: string | null;
  readonly metric: string;
  readonly facet: string | null;
  readonly fixed: FixedAxes;
  readonly lines: readonly SweepLine[];
}

/** A chart of a sweep report. */
export type SweepChart = ParetoChart | HeatmapChart | LinesChart;

/** A sweep report: the database's points and what its charts show. */
export interface SweepReport {
  readonly schema: typeof SWEEP_REPORT_SCHEMA;
  /** The sweep's name (the database file's name without .duckdb). */
  readonly name: string;
  readonly source: { readonly file: string; readonly sha256: string };
  readonly command: string;
  readonly axes: readonly SweepReportAxis[];
  readonly metrics: readonly SweepReportMetric[];
  readonly systems: readonly string[];
  readonly models: readonly string[];
  readonly counts: { readonly points: number; readonly ok: number; readonly failed: number };
  readonly points: readonly SweepReportPoint[];
  readonly charts: readonly SweepChart[];
}

/** What a user may choose (`strata report DB --x M --y M --metric M --axes A,B --group G`); the rest is defaulted. */
export interface SweepChartChoice {
  /** Pareto: the metrics on x and y. */
  readonly x?: string;
  readonly y?: string;
  /** Heatmap and lines: the metric. */
  readonly metric?: string;
  /** Heatmap: its x and y axes; lines: the first is its x axis. */
  readonly axes?: readonly string[];
  /** Lines: the axis each line is a value of. */
  readonly group?: string;
  /** Heatmap and lines: one panel per value of this axis. */
  readonly facet?: string;
}

/** A column of the points table and its DuckDB type. */
export interface SweepColumn {
  readonly name: string;
  readonly type: string;
}

/** The database as read: columns with their types and rows by column name. */
export interface SweepRows {
  readonly file: string;
  readonly sha256: string;
  readonly columns: readonly SweepColumn[];
  readonly rows: ReadonlyArray<Readonly<Record<string, SweepValue | null>>>;
}

/** Columns every sweep table has besides axes and metrics. */
const FIXED = ['point', 'key', 'status', 'error', 'command', 'system', 'model'];

/**
 * Words and direction of each metric column a sweep writes (src/sweep/metrics.ts, METRIC_COLUMNS, says how each is
 * measured; test/report/sweep-report.test.ts checks that this table names every one of them).
 */
export const METRIC_WORDS: Readonly<Record<string, { label: string; better: 'lower' | 'higher'; what: string }>> = {
  latency_ns: { label: 'Latency', better: 'lower', what: 'generate: mean per generated token; run: mean step; serve: mean end to end per request' },
  tokens_per_s: { label: 'Throughput', better: 'higher', what: 'generate: 1 / mean token time; run: tokens per s; serve: output tokens per s' },
  joules_per_token: { label: 'Energy per token', better: 'lower', what: 'J per generated (serve: output) token' },
  pim_share: { label: 'PIM share of token time', better: 'higher', what: "generate: fraction of a token's time on the PIM banks" },
  bytes_per_s: { label: 'Achieved bandwidth', better: 'higher', what: 'run: bytes moved per s of run time' },
  ...Object.fromEntries(['ttft', 'tbt'].flatMap((w) => ['p50', 'p90', 'p99'].map((p) => [`${w}_${p}_ns`, {
    label: `${w.toUpperCase()} ${p}`, better: 'lower' as const, what: `serve: ${w === 'ttft' ? 'time to first token' : 'time between tokens'}, ${p}`,
  }]))),
};

/** The unit and scale to show a metric in, from its largest magnitude (so ticks read 12.5 µs, not 12,500 ns). */
function displayUnit(column: string, values: readonly number[]): { unit: string; scale: number } {
  const max = Math.max(0, ...values.map(Math.abs));
  if (column.endsWith('_ns')) return max >= 1e6 ? { unit: 'ms', scale: 1e-6 } : max >= 1e3 ? { unit: 'µs', scale: 1e-3 } : { unit: 'ns', scale: 1 };
  if (column === 'joules_per_token') return max >= 1 ? { unit: 'J/token', scale: 1 } : max >= 1e-3 ? { unit: 'mJ/token', scale: 1e3 } : { unit: 'µJ/token', scale: 1e6 };
  if (column === 'bytes_per_s') return { unit: 'GB/s', scale: 1e-9 };
  if (column === 'pim_share') return { unit: '%', scale: 100 };
  if (column === 'tokens_per_s') return { unit: 'tokens/s', scale: 1 };
  return { unit: '', scale: 1 };
}

const KNOWN_METRICS = new Set(Object.keys(METRIC_WORDS));

const same = (a: SweepValue | null | undefined, b: SweepValue | null | undefined) => a === b;

/** Distinct values in order: numbers ascending, others as first seen. */
function distinct(values: readonly SweepValue[]): SweepValue[] {
  const out: SweepValue[] = [];
  for (const v of values) if (!out.some((o) => same(o, v))) out.push(v);
  return out.every((v) => typeof v === 'number') ? (out as number[]).sort((a, b) => a - b) : out;
}

/**
 * The points on the Pareto front of two metrics (`better` says which way each improves): a point is on it when
 * no other point is at least as good on both and better on one. Ties (equal on both) all stay. Sorted by x.
 */
export function paretoFront(points: ReadonlyArray<{ id: number; x: number; y: number }>, better: readonly ['lower' | 'higher', 'lower' | 'higher']): number[] {
  const sx = better[0] === 'lower' ? 1 : -1;
  const sy = better[1] === 'lower' ? 1 : -1;
  const p = points.map((q) => ({ id: q.id, x: q.x * sx, y: q.y * sy, rx: q.x }));
  const front = p.filter((a) => !p.some((b) => b.x <= a.x && b.y <= a.y && (b.x < a.x || b.y < a.y)));
  return front.sort((a, b) => a.rx - b.rx || a.id - b.id).map((a) => a.id);
}

/** Reads a sweep database into rows, read-only; a file that is not one is one line naming it. */
export async function readSweepRows(file: string): Promise<SweepRows> {
  if (!existsSync(file)) throw new StrataError(`report: ${file}: no such file`);
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    throw new StrataError(`report: ${file}: cannot open as a DuckDB database (${message})`);
  }
  const conn = await instance.connect();
  try {
    const cols = await conn.runAndReadAll(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'points' ORDER BY ordinal_position`);
    const columns = cols.getRows().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
    if (columns.length === 0) throw new StrataError(`report: ${file}: a DuckDB file without a points table (not a strata sweep database)`);
    for (const f of FIXED) if (!columns.some((c) => c.name === f)) throw new StrataError(`report: ${file}: its points table lacks the column '${f}' (not a strata sweep database)`);
    const r = await conn.runAndReadAll('SELECT * FROM points ORDER BY point');
    const types = new Map(columns.map((c) => [c.name, c.type]));
    const names = r.columnNames();
    const rows = r.getRowsJson().map((row) => Object.fromEntries(names.map((c, i) => {
      const v = row[i];
      if (v === null || v === undefined) return [c, null];
      const t = types.get(c);
      // BIGINT arrives as a string in JSON form (it may exceed 2^53); sweep axes and point numbers do not.
      return [c, t === 'BOOLEAN' ? v === true : t === 'BIGINT' || t === 'INTEGER' || t === 'DOUBLE' ? Number(v) : String(v)];
    })));
    return { file, sha256, columns, rows };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** A chosen name that is not one of `known`: one line naming the flag and what it may be. */
function check(name: string | undefined, known: readonly string[], flag: string, what: string): void {
  if (name !== undefined && !known.includes(name)) throw new StrataError(`report: --${flag} '${name}': expected ${what}: ${known.join(', ') || '(none)'}`);
}

/** The sweep report of a database's rows, with the charts chosen (or defaulted) as `choice` says. */
export function sweepReport(data: SweepRows, choice: SweepChartChoice = {}): SweepReport {
  const metricCols = data.columns.filter((c) => KNOWN_METRICS.has(c.name)).map((c) => c.name);
  const axisCols = data.columns.filter((c) => !FIXED.includes(c.name) && !KNOWN_METRICS.has(c.name)).map((c) => c.name);
  const rows = data.rows;
  const ok = rows.filter((r) => r.status === 'ok');
  const systems = distinct(rows.map((r) => String(r.system)));
  const models = distinct(rows.map((r) => String(r.model)));
  // System and model are axes when they vary; the other axis columns are axes even with one value (as swept).
  const axisNames = [...(systems.length > 1 ? ['system'] : []), ...(models.length > 1 ? ['model'] : []), ...axisCols];
  const axes: SweepReportAxis[] = axisNames.map((name) => {
    const values = distinct(rows.map((r) => r[name]).filter((v): v is SweepValue => v !== null));
    const type = values.every((v) => typeof v === 'number') ? 'number' : values.every((v) => typeof v === 'boolean') ? 'boolean' : 'string';
    return { name, type, values };
  });
  const metrics: SweepReportMetric[] = metricCols.map((column) => {
    const words = METRIC_WORDS[column]!;
    return { column, label: words.label, better: words.better, what: words.what, ...displayUnit(column, ok.map((r) => Number(r[column])).filter(Number.isFinite)) };
  });
  const points: SweepReportPoint[] = rows.map((r) => ({
    point: Number(r.point),
    status: r.status === 'ok' ? 'ok' : 'error',
    error: r.error === null ? null : String(r.error),
    system: String(r.system),
    model: String(r.model),
    values: Object.fromEntries(axisNames.map((a) => [a, r[a]!])),
    metrics: Object.fromEntries(metricCols.map((m) => [m, r[m] === null || r[m] === undefined ? null : Number(r[m])])),
  }));
  const names = axes.map((a) => a.name);
  check(choice.x, metricCols, 'x', 'a metric column of this sweep');
  check(choice.y, metricCols, 'y', 'a metric column of this sweep');
  check(choice.metric, metricCols, 'metric', 'a metric column of this sweep');
  for (const a of choice.axes ?? []) check(a, names, 'axes', 'axes of this sweep');
  check(choice.group, names, 'group', 'an axis of this sweep');
  check(choice.facet, names, 'facet', 'an axis of this sweep');
  if (choice.axes && new Set(choice.axes).size !== choice.axes.length) throw new StrataError(`report: --axes ${choice.axes.join(',')}: expected different axes`);
  const charts = metricCols.length === 0 || ok.length === 0 ? [] : sweepCharts(axes, metrics, points.filter((p) => p.status === 'ok'), rows.length, choice);
  return {
    schema: SWEEP_REPORT_SCHEMA,
    name: basename(data.file).replace(/\.duckdb$/, ''),
    source: { file: data.file, sha256: data.sha256 },
    command: String(rows[0]?.command ?? ''),
    axes, metrics, systems: systems.map(String), models: models.map(String),
    counts: { points: rows.length, ok: ok.length, failed: rows.length - ok.length },
    points, charts,
  };
}

/** The category axis that colours a Pareto chart: system, model, then the string or boolean axis with fewest values. */
function colourAxis(axes: readonly SweepReportAxis[]): string | null {
  const varied = axes.filter((a) => a.values.length > 1);
  const cats = varied.filter((a) => a.type !== 'number').sort((a, b) => a.values.length - b.values.length);
  return varied.find((a) => a.name === 'system')?.name ?? varied.find((a) => a.name === 'model')?.name ?? cats[0]?.name ?? null;
}

/** The axes a heatmap or lines chart shows, by default: the numeric axes with most values first, categories last. */
function rankedAxes(axes: readonly SweepReportAxis[]): string[] {
  const varied = axes.filter((a) => a.values.length > 1);
  const order = (a: SweepReportAxis) => (a.name === 'system' ? 3 : a.name === 'model' ? 2 : a.type === 'number' ? 0 : 1);
  return [...varied].sort((a, b) => order(a) - order(b) || b.values.length - a.values.length).map((a) => a.name);
}

function sweepCharts(axes: readonly SweepReportAxis[], metrics: readonly SweepReportMetric[], ok: readonly SweepReportPoint[], total: number, choice: SweepChartChoice): SweepChart[] {
  const m = (c: string) => metrics.find((x) => x.column === c)!;
  const cols = metrics.map((x) => x.column);
  // Pareto: latency against energy where both are collected (the classic trade-off), else the first two metrics.
  const px = choice.x ?? (cols.includes('latency_ns') && cols.includes('joules_per_token') && choice.y !== 'latency_ns' ? 'latency_ns' : cols.find((c) => c !== choice.y)!);
  const py = choice.y ?? (cols.includes('joules_per_token') && px !== 'joules_per_token' ? 'joules_per_token' : cols.find((c) => c !== px) ?? px);
  const charts: SweepChart[] = [];
  if (px !== py) {
    const models = axes.find((a) => a.name === 'model')?.values.map(String) ?? [null];
    const fronts = models.map((model) => {
      const pts = ok.filter((p) => model === null || p.model === model).map((p) => ({ id: p.point, x: p.metrics[px]!, y: p.metrics[py]! }));
      return { model, points: paretoFront(pts, [m(px).better, m(py).better]) };
    });
    charts.push({ kind: 'pareto', name: 'sweep-pareto', x: px, y: py, group: colourAxis(axes), fronts });
  }
  const metric = choice.metric ?? cols[0]!;
  // A sampled sweep (random, Latin hypercube) puts each point at its own values: a heatmap or a line would hold one
  // point each. Charted over axes only when the points cover most of their grid, or when --axes asks.
  const combinations = axes.filter((a) => a.values.length > 1).reduce((n, a) => n * a.values.length, 1);
  if (choice.axes === undefined && combinations > 2 * total) return charts;
  const ranked = rankedAxes(axes);
  const hx = choice.axes?.[0] ?? ranked[0];
  const hy = choice.axes?.[1] ?? ranked.find((a) => a !== hx);
  if (hx !== undefined && hy !== undefined) charts.push(heatmap(axes, ok, hx, hy, metric, choice.facet));
  const lx = choice.axes?.[0] ?? ranked[0];
  if (lx !== undefined) {
    const group = choice.group ?? ranked.find((a) => a !== lx && a !== 'system') ?? null;
    charts.push(lines('sweep-lines', axes, ok, lx, group, metric, choice.facet));
    // Several systems on one chart: a line per system along the sweep's first other axis.
    if (ranked.includes('system') && lx !== 'system' && group !== 'system') charts.push(lines('sweep-systems', axes, ok, lx, 'system', metric, choice.facet));
  }
  return charts;
}

/** The facet of a chart showing `used` axes: the one asked for, else the remaining axis with fewest values; the rest held at their first value. */
function facetAndFixed(axes: readonly SweepReportAxis[], used: readonly (string | null)[], asked: string | undefined): { facet: string | null; fixed: Record<string, SweepValue> } {
  const rest = axes.filter((a) => a.values.length > 1 && !used.includes(a.name));
  const facet = asked !== undefined && !used.includes(asked) ? asked : [...rest].sort((a, b) => a.values.length - b.values.length)[0]?.name ?? null;
  const fixed: Record<string, SweepValue> = {};
  for (const a of rest) if (a.name !== facet) fixed[a.name] = a.values[0]!;
  return { facet, fixed };
}

const inFixed = (p: SweepReportPoint, fixed: FixedAxes) => Object.entries(fixed).every(([k, v]) => same(p.values[k], v));

function heatmap(axes: readonly SweepReportAxis[], ok: readonly SweepReportPoint[], x: string, y: string, metric: string, askedFacet: string | undefined): HeatmapChart {
  const { facet, fixed } = facetAndFixed(axes, [x, y], askedFacet);
  const cells: HeatCell[] = [];
  const ax = (n: string) => axes.find((a) => a.name === n)!.values;
  for (const f of facet === null ? [null] : ax(facet)) {
    for (const yv of ax(y)) {
      for (const xv of ax(x)) {
        const vals = ok.filter((p) => same(p.values[x], xv) && same(p.values[y], yv) && (f === null || same(p.values[facet!], f)) && inFixed(p, fixed)).map((p) => p.metrics[metric]!);
        if (vals.length > 0) cells.push({ x: xv, y: yv, facet: f, value: vals.reduce((s, v) => s + v, 0) / vals.length, n: vals.length });
      }
    }
  }
  return { kind: 'heatmap', name: 'sweep-heatmap', x, y, metric, facet, fixed, cells };
}

function lines(name: string, axes: readonly SweepReportAxis[], ok: readonly SweepReportPoint[], x: string, group: string | null, metric: string, askedFacet: string | undefined): LinesChart {
  const { facet, fixed } = facetAndFixed(axes, [x, group], askedFacet === group ? undefined : askedFacet);
  const ax = (n: string) => axes.find((a) => a.name === n)!.values;
  const out: SweepLine[] = [];
  for (const f of facet === null ? [null] : ax(facet)) {
    for (const g of group === null ? [null] : ax(group)) {
      const xs: SweepValue[] = [];
      const ys: number[] = [];
      for (const xv of ax(x)) {
        const vals = ok.filter((p) => same(p.values[x], xv) && (g === null || same(p.values[group!], g)) && (f === null || same(p.values[facet!], f)) && inFixed(p, fixed)).map((p) => p.metrics[metric]!);
        if (vals.length === 0) continue;
        xs.push(xv);
        ys.push(vals.reduce((s, v) => s + v, 0) / vals.length);
      }
      if (xs.length > 0) out.push({ group: g, facet: f, x: xs, y: ys });
    }
  }
  return { kind: 'lines', name, x, group, metric, facet, fixed, lines: out };
}

/** True when `file` is a DuckDB database: its name ends in .duckdb, or its header carries DuckDB's magic bytes. */
export function isDuckDbFile(file: string): boolean {
  if (file.endsWith('.duckdb')) return true;
  if (!existsSync(file)) return false;
  const head = Buffer.alloc(12);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 12, 0);
  } finally {
    closeSync(fd);
  }
  // DuckDB's main header: an 8-byte checksum, then the magic "DUCK".
  return head.subarray(8, 12).toString('latin1') === 'DUCK';
}
