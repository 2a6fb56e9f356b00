import type { CaseResult } from '../validation/dramsim3.ts';
import type { PeakResult } from '../validation/peak-bandwidth.ts';
import type { PimGptRow } from '../validation/pim-gpt.ts';
import { StrataError } from '../spec/errors.ts';
import { toCsv, type CsvFile } from './csv.ts';
import type { ServingReport } from './serving-report.ts';

/** Version of the figure-data schema; bump on any incompatible change (docs/report-format.md). */
export const FIGURE_DATA_SCHEMA = 'strata.figure-data/1';

/** One cell of a figure-data table. */
export type FigureValue = string | number | boolean | null;

/** A column of a figure-data table: its name (units in the name, as in reports), unit and meaning. */
export interface FigureColumn {
  readonly name: string;
  /** Unit of the values (`us`, `x`, `GB/s`, `fraction`), or '' for labels and counts without one. */
  readonly unit: string;
  readonly description: string;
}

/** A table of results: the rows a figure plots and the Markdown/CSV tables print. */
export interface FigureTable {
  readonly name: string;
  readonly title: string;
  readonly columns: readonly FigureColumn[];
  readonly rows: ReadonlyArray<readonly FigureValue[]>;
}

/** A published range to compare with (a paper's reported span), drawn as a band. */
export interface FigureReference {
  readonly name: string;
  readonly description: string;
  /** Where the range was published. */
  readonly source: string;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  /** Which rows it applies to: values of the table's label column (a baseline name), or empty for all. */
  readonly appliesTo: readonly string[];
}

/** What a data file was computed from: the sha256 of its parameters and input files, and the files. */
export interface FigureInputs {
  /** Hex sha256 over the parameters (JSON) and each input file's path and content, in path order. */
  readonly sha256: string;
  /** Repository-relative paths of the files hashed: specs, models, fixtures and the Strata sources that compute the data. */
  readonly files: readonly string[];
}

/**
 * The results behind a set of figures and comparison tables (`strata figures`): simulation results stored once
 * so that charts (`viz/figure-charts.ts`) and tables are pure functions of this file, and reruns whose inputs did
 * not change reuse it.
 */
export interface FigureData {
  readonly schema: typeof FIGURE_DATA_SCHEMA;
  /** Which figure set (`pim-gpt`, `dramsim3`, `peak-bandwidth`): names the data file and its outputs. */
  readonly figure: string;
  readonly title: string;
  readonly description: string;
  /** The command that prints the same numbers. */
  readonly command: string;
  readonly parameters: Readonly<Record<string, FigureValue | readonly FigureValue[]>>;
  readonly inputs: FigureInputs;
  readonly tables: readonly FigureTable[];
  readonly references: readonly FigureReference[];
}

/** The table named `name` of a data file (an invariant: the builders below always write it). */
export function figureTable(d: FigureData, name: string): FigureTable {
  const t = d.tables.find((x) => x.name === name);
  if (!t) throw new Error(`internal invariant broken: figure data '${d.figure}' has no table '${name}'`);
  return t;
}

/** The rows of a table as objects keyed by column name. */
export function tableRecords(t: FigureTable): Array<Record<string, FigureValue>> {
  return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c.name, row[i] ?? null])));
}

const col = (name: string, unit: string, description: string): FigureColumn => ({ name, unit, description });

/** The DRAMsim3 comparison: one row per reference trace and metric. */
export function dramsim3FigureData(results: readonly CaseResult[], inputs: FigureInputs): FigureData {
  return {
    schema: FIGURE_DATA_SCHEMA,
    figure: 'dramsim3',
    title: 'Strata vs DRAMsim3 on the HBM2 reference traces',
    description: 'Each reference trace run with DRAMsim3\'s own configuration and front end for exactly the reference\'s simulated cycles, compared with DRAMsim3\'s statistics under the reference tolerances.',
    command: 'strata validate dramsim3',
    parameters: { traces: results.map((r) => r.name), cycles: results.map((r) => r.cycles) },
    inputs,
    tables: [{
      name: 'comparison',
      title: 'Strata vs DRAMsim3 (150,000 memory cycles, DRAMsim3 front end)',
      columns: [
        col('trace', '', 'reference trace (test/fixtures/dramsim3)'),
        col('metric', '', 'compared quantity, with its unit'),
        col('strata', '', "Strata's value, in the metric's unit"),
        col('dramsim3', '', "DRAMsim3's value, in the metric's unit"),
        col('gap', 'fraction', '|strata - dramsim3| / reference (for row hits: / all requests)'),
        col('tolerance', 'fraction', 'largest gap accepted'),
        col('ok', '', 'gap <= tolerance'),
      ],
      rows: results.flatMap((r) => r.comparisons.map((c) => [r.name, c.metric, c.strata, c.dramsim3, c.gap, c.tolerance, c.ok])),
    }],
    references: [],
  };
}

/** Streaming reads against the analytical peak: one row per DRAM preset. */
export function peakFigureData(results: readonly PeakResult[], inputs: FigureInputs): FigureData {
  return {
    schema: FIGURE_DATA_SCHEMA,
    figure: 'peak-bandwidth',
    title: 'Streaming reads against the analytical peak',
    description: 'Consecutive reads through each shipped DRAM preset with its default controller; achieved bandwidth against one burst per tBURST on every channel.',
    command: 'strata validate peak',
    parameters: { presets: results.map((r) => r.standard), requests: results[0]?.requests ?? 0 },
    inputs,
    tables: [{
      name: 'peak',
      title: 'Streaming reads against the analytical peak (default controller of each preset)',
      columns: [
        col('preset', '', 'DRAM standard preset (arch/dram)'),
        col('requests', '', 'reads streamed, count'),
        col('achievedGBps', 'GB/s', 'achieved bandwidth'),
        col('peakGBps', 'GB/s', 'analytical peak'),
        col('percentOfPeak', '%', '100 x achieved / peak'),
        col('meetsTarget', '', 'percentOfPeak >= 95 (issue #2)'),
      ],
      rows: results.map((r) => [r.standard, r.requests, r.achievedGBps, r.peakGBps, r.percentOfPeak, r.percentOfPeak >= 95]),
    }],
    references: [{ name: 'target', description: 'streaming target of issue #2', source: 'issue #2', unit: '%', min: 95, max: 100, appliesTo: [] }],
  };
}

/** Parameters of the PIM-GPT comparison. */
export interface PimGptFigureParams {
  readonly promptTokens: number;
  readonly tokens: number;
  /** Kind of each baseline preset, in plotting order (`gpu-t4` → gpu). */
  readonly baselines: ReadonlyArray<{ readonly name: string; readonly kind: 'gpu' | 'cpu'; readonly description: string }>;
  /** Published ranges: speed-up and energy efficiency over the paper's GPU (a T4) and CPU. */
  readonly paper: { readonly speedupGpu: readonly [number, number]; readonly speedupCpu: readonly [number, number]; readonly efficiencyGpu: readonly [number, number]; readonly efficiencyCpu: readonly [number, number] };
  /** Baseline presets standing for the paper's GPU and CPU. */
  readonly paperGpu: string;
  readonly paperCpu: string;
}

/** Source of the PIM-GPT ranges. */
export const PIM_GPT_SOURCE = 'Wu, Wang, Lu: PIM-GPT (arXiv 2310.09385; npj Unconventional Computing 2024), headline ranges';

/** PIM-GPT against GPU/CPU baselines: per model, per baseline, and the latency and energy breakdowns per token. */
export function pimGptFigureData(rows: readonly PimGptRow[], p: PimGptFigureParams, inputs: FigureInputs): FigureData {
  const us = (ps: number) => ps / 1e6;
  const uj = (pj: number) => pj / 1e6;
  return {
    schema: FIGURE_DATA_SCHEMA,
    figure: 'pim-gpt',
    title: 'PIM-GPT against GPU and CPU baselines',
    description: `Token-by-token generation on PIM-GPT (AiM in-bank PIM + ASIC), ${p.promptTokens}-token prompt, ${p.tokens} generated tokens, batch 1; the baselines run the same model's decode step at the mean decode position on the analytical roofline. Speed-up = baseline time / PIM-GPT time per token; energy efficiency = baseline energy (board power x time) / PIM-GPT energy per token.`,
    command: 'strata validate pim-gpt',
    parameters: { models: rows.map((r) => r.model), promptTokens: p.promptTokens, tokens: p.tokens, batch: 1, baselines: p.baselines.map((b) => b.name) },
    inputs,
    tables: [
      {
        name: 'pim',
        title: 'PIM-GPT per generated token',
        columns: [
          col('model', '', 'model (workloads/models)'),
          col('tokenUs', 'us', 'mean generated-token latency'),
          col('pimShare', 'fraction', 'share of the token time in PIM (the rest on the ASIC)'),
          col('tokenUj', 'uJ', 'energy per generated token'),
        ],
        rows: rows.map((r) => [r.model, r.pimTokenUs, r.pimShare, r.pimTokenUj]),
      },
      {
        name: 'baselines',
        title: 'Baselines per token and PIM-GPT speed-up and energy efficiency over them',
        columns: [
          col('model', '', 'model'),
          col('baseline', '', 'baseline preset (arch/systems)'),
          col('kind', '', 'device kind of the baseline: gpu or cpu'),
          col('tokenUs', 'us', 'baseline time per token (roofline)'),
          col('tokenUj', 'uJ', 'baseline energy per token (board power x time)'),
          col('speedup', 'x', 'baseline time / PIM-GPT time per token'),
          col('efficiency', 'x', 'baseline energy / PIM-GPT energy per token'),
        ],
        rows: rows.flatMap((r) => p.baselines.map((b) => {
          const g = r.gpu[b.name]!;
          return [r.model, b.name, b.kind, g.tokenUs, g.tokenUj, g.speedup, g.efficiency];
        })),
      },
      {
        name: 'latency-breakdown',
        title: 'PIM-GPT latency per token by component (critical PIM channel, then the ASIC)',
        columns: [
          col('model', '', 'model'),
          col('macUs', 'us', 'PIM: MAC commands'),
          col('movementUs', 'us', 'PIM: data movement (global-buffer writes, result reads)'),
          col('rowUs', 'us', 'PIM: row activation and precharge'),
          col('refreshUs', 'us', 'PIM: refresh'),
          col('asicUs', 'us', 'ASIC: nonlinear and vector work'),
        ],
        rows: rows.map((r) => [r.model, us(r.time.mac), us(r.time.movement), us(r.time.row), us(r.time.refresh), us(r.time.asic)]),
      },
      {
        name: 'energy-breakdown',
        title: 'PIM-GPT energy per token by component',
        columns: [
          col('model', '', 'model'),
          col('activateUj', 'uJ', 'all-bank row activations with their precharges'),
          col('arrayReadUj', 'uJ', 'array reads feeding the MAC lanes'),
          col('macUj', 'uJ', 'MAC lanes'),
          col('ioUj', 'uJ', 'global-buffer writes and result reads over the channel'),
          col('refreshUj', 'uJ', 'refresh'),
          col('backgroundUj', 'uJ', 'active standby of every channel while PIM works'),
          col('asicUj', 'uJ', 'ASIC'),
        ],
        rows: rows.map((r) => {
          const e = r.energy;
          return [r.model, uj(e.activate), uj(e.arrayRead), uj(e.mac), uj(e.io), uj(e.refresh), uj(e.background), uj(e.asic)];
        }),
      },
    ],
    references: [
      { name: 'speedup-gpu', description: 'paper speed-up over its GPU', source: PIM_GPT_SOURCE, unit: 'x', min: p.paper.speedupGpu[0], max: p.paper.speedupGpu[1], appliesTo: [p.paperGpu] },
      { name: 'speedup-cpu', description: 'paper speed-up over its CPU', source: PIM_GPT_SOURCE, unit: 'x', min: p.paper.speedupCpu[0], max: p.paper.speedupCpu[1], appliesTo: [p.paperCpu] },
      { name: 'efficiency-gpu', description: 'paper energy efficiency over its GPU', source: PIM_GPT_SOURCE, unit: 'x', min: p.paper.efficiencyGpu[0], max: p.paper.efficiencyGpu[1], appliesTo: [p.paperGpu] },
      { name: 'efficiency-cpu', description: 'paper energy efficiency over its CPU', source: PIM_GPT_SOURCE, unit: 'x', min: p.paper.efficiencyCpu[0], max: p.paper.efficiencyCpu[1], appliesTo: [p.paperCpu] },
    ],
  };
}

/** Device kinds a serving system is drawn as, compute devices first: a Duplex system (`xpu0`, `pim0`) is an xPU. */
const SERVING_KIND_ORDER = ['xpu', 'gpu', 'cpu', 'npu', 'asic', 'pim', 'dram'] as const;

/** The device kind of a serving report's system: the first kind (compute first) that one of its device ids starts with. */
export function servingDeviceKind(r: ServingReport): string {
  const ids = r.devices.map((d) => d.id.toLowerCase());
  return SERVING_KIND_ORDER.find((k) => ids.some((id) => id.startsWith(k))) ?? 'xpu';
}

/** One serving report of a sweep and the file it was read from. */
export interface ServingSweepInput {
  readonly file: string;
  readonly report: ServingReport;
}

/**
 * Throughput and latency against max batch or QPS from several serving reports (`strata report A.json B.json …`):
 * one row per report, sorted by series then the swept value. The swept quantity is the max batch when the reports
 * differ in it, otherwise the Poisson rate; series are the system (and the model, and the other quantity, when
 * those differ too).
 */
export function servingSweepFigureData(runs: readonly ServingSweepInput[], inputs: FigureInputs): FigureData {
  if (runs.length < 2) throw new StrataError(`serving sweep: expected two or more serving reports, got ${runs.length}`);
  const distinct = <T>(f: (r: ServingReport) => T) => new Set(runs.map((x) => f(x.report))).size;
  const batchVaries = distinct((r) => r.scheduler.maxBatch) > 1;
  const qpsVaries = distinct((r) => r.workload.qps) > 1;
  if (!batchVaries && !qpsVaries) {
    throw new StrataError(`serving sweep: ${runs.map((x) => x.file).join(', ')} all have max batch ${runs[0]!.report.scheduler.maxBatch} and QPS ${runs[0]!.report.workload.qps ?? 'none'}; a sweep needs reports that differ in --max-batch or --qps`);
  }
  const x: 'maxBatch' | 'qps' = batchVaries ? 'maxBatch' : 'qps';
  if (x === 'qps') {
    const noRate = runs.find((r) => r.report.workload.qps === null);
    if (noRate) throw new StrataError(`serving sweep: ${noRate.file} has no QPS (arrivals '${noRate.report.workload.arrivals}'), but the reports differ only in QPS`);
  }
  const modelVaries = distinct((r) => r.model.name) > 1;
  const seriesOf = (r: ServingReport) => [
    r.system.name,
    ...(modelVaries ? [r.model.name] : []),
    ...(x === 'maxBatch' && qpsVaries ? [r.workload.qps === null ? 'no QPS' : `${r.workload.qps} req/s`] : []),
  ].join(' · ');
  const ms = (ns: number) => ns / 1e6;
  const rows = runs.map(({ file, report: r }) => [
    seriesOf(r), r.system.name, servingDeviceKind(r), r.model.name, r.system.costModel, r.scheduler.maxBatch, r.workload.qps, r.workload.requests,
    r.scheduler.prefill, r.totals.outputTokensPerS, r.totals.tokensPerS, r.totals.requestsPerS, r.totals.meanBatch,
    ms(r.latency.ttft.p50Ns), ms(r.latency.ttft.p99Ns), ms(r.latency.tbt.p50Ns), ms(r.latency.tbt.p99Ns), ms(r.latency.e2e.p50Ns), ms(r.latency.e2e.p99Ns),
    r.energy.joulesPerOutputToken, file,
  ] as FigureValue[]);
  const xi = x === 'maxBatch' ? 5 : 6;
  rows.sort((a, b) => (a[0] as string).localeCompare(b[0] as string, 'en') || (a[xi] as number) - (b[xi] as number) || (a[20] as string).localeCompare(b[20] as string, 'en'));
  const swept = x === 'maxBatch' ? 'max batch' : 'QPS';
  return {
    schema: FIGURE_DATA_SCHEMA,
    figure: 'serving-sweep',
    title: `Serving throughput and latency against ${swept}`,
    description: `${runs.length} serving reports of strata serve (continuous batching, src/serving) compared: output tokens/s over each run's span (first arrival to last token) and TTFT, TBT and end-to-end percentiles (nearest rank) against the ${swept}.`,
    command: `strata report ${runs.map((r) => r.file).join(' ')} --out DIR`,
    parameters: { x, reports: runs.map((r) => r.file) },
    inputs,
    tables: [{
      name: 'runs',
      title: `One row per serving report, by series and ${swept}`,
      columns: [
        col('series', '', 'what a line of the chart joins: the system (and the model, and the QPS, when those differ)'),
        col('system', '', 'system the requests were served on'),
        col('deviceKind', '', 'device kind the system is drawn as (xpu, gpu, cpu, …)'),
        col('model', '', 'model'),
        col('costModel', '', 'step cost model'),
        col('maxBatch', '', 'requests running at once at most'),
        col('qps', 'requests/s', 'Poisson arrival rate (empty for other arrivals)'),
        col('requests', '', 'requests served'),
        col('prefill', '', 'whole or chunked prefill'),
        col('outputTokensPerS', 'tokens/s', 'output tokens per second over the span'),
        col('tokensPerS', 'tokens/s', 'prompt + output tokens per second over the span'),
        col('requestsPerS', 'requests/s', 'requests finished per second over the span'),
        col('meanBatch', '', 'mean requests per step'),
        col('ttftP50Ms', 'ms', 'time to first token, p50'),
        col('ttftP99Ms', 'ms', 'time to first token, p99'),
        col('tbtP50Ms', 'ms', 'time between tokens (every gap pooled), p50'),
        col('tbtP99Ms', 'ms', 'time between tokens, p99'),
        col('e2eP50Ms', 'ms', 'end to end, p50'),
        col('e2eP99Ms', 'ms', 'end to end, p99'),
        col('joulesPerOutputToken', 'J/token', 'energy per output token'),
        col('report', '', 'the serving report file'),
      ],
      rows,
    }],
    references: [],
  };
}

/**
 * Decimals for a column of numbers, from its smallest non-zero magnitude so that every value keeps about four
 * significant digits and the column lines up: 1 from 100 up, 2 from 1, 3 from 0.1, 4 below; none for integers.
 */
export function columnDecimals(values: readonly number[]): number {
  if (values.every((v) => Number.isInteger(v))) return 0;
  const small = Math.min(...values.filter((v) => v !== 0).map(Math.abs));
  return small >= 100 ? 1 : small >= 1 ? 2 : small >= 0.1 ? 3 : 4;
}

/** A number with the given decimals (by default as if alone in its column), for Markdown tables. */
export function formatFigureNumber(x: number, decimals = columnDecimals([x])): string {
  return x.toFixed(decimals);
}

/** A Markdown table of a figure-data table: headers with units, numbers right-aligned, fractions as percentages. */
export function figureTableMarkdown(t: FigureTable): string {
  const header = t.columns.map((c) => (c.unit === 'fraction' ? `${c.name} (%)` : c.unit ? `${c.name} (${c.unit})` : c.name));
  const numeric = t.columns.map((c, i) => {
    const scale = c.unit === 'fraction' ? 100 : 1;
    return t.rows.map((r) => r[i]).filter((v): v is number => typeof v === 'number').map((v) => v * scale);
  });
  const decimals = numeric.map((vs, i) => (t.columns[i]!.unit === 'fraction' ? 2 : vs.length ? columnDecimals(vs) : 0));
  const cell = (v: FigureValue, i: number): string => {
    if (v === null) return '';
    if (typeof v === 'boolean') return v ? 'yes' : 'NO';
    // Integers stay integers (counts in a column of mixed metrics); other numbers take the column's decimals.
    if (typeof v === 'number') return t.columns[i]!.unit !== 'fraction' && Number.isInteger(v) ? String(v) : formatFigureNumber(t.columns[i]!.unit === 'fraction' ? 100 * v : v, decimals[i]);
    return v.replace(/\|/g, '\\|');
  };
  const align = numeric.map((vs) => (vs.length ? '---:' : '---'));
  const lines = [`| ${header.join(' | ')} |`, `|${align.join('|')}|`];
  for (const row of t.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** The Markdown file of a data file: title, description, command, every table and the published ranges. */
export function figureDataMarkdown(d: FigureData): string {
  const out = [`# ${d.title}`, '', d.description, '', `Same numbers: \`npx ${d.command}\`. Data: \`data/${d.figure}.json\` (inputs sha256 \`${d.inputs.sha256.slice(0, 16)}\`).`];
  for (const t of d.tables) out.push('', `## ${t.title}`, '', figureTableMarkdown(t));
  if (d.references.length) {
    out.push('', '## Published ranges', '', '| range | applies to | min | max | unit | source |', '|---|---|---:|---:|---|---|');
    for (const r of d.references) out.push(`| ${r.description} | ${r.appliesTo.join(', ') || 'all'} | ${formatFigureNumber(r.min)} | ${formatFigureNumber(r.max)} | ${r.unit} | ${r.source} |`);
  }
  return `${out.join('\n')}\n`;
}

/** One CSV per table: `<figure>.csv` for a single table, `<figure>-<table>.csv` otherwise; columns named as in the data. */
export function figureDataCsvFiles(d: FigureData): CsvFile[] {
  return d.tables.map((t) => ({
    name: d.tables.length === 1 ? `${d.figure}.csv` : `${d.figure}-${t.name}.csv`,
    content: toCsv(t.columns.map((c) => c.name), t.rows),
  }));
}
