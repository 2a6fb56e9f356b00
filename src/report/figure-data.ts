import type { CaseResult } from '../validation/dramsim3.ts';
import type { PeakResult } from '../validation/peak-bandwidth.ts';
import type { PimGptRow } from '../validation/pim-gpt.ts';
import type { NeuPimsRow, NeuPimsUtilisation } from '../validation/neupims.ts';
import type { ComparedKey, DecodeResult, DecodeRow, ServingRow } from '../validation/duplex.ts';
import type { TokenSpan } from '../systems/pim-gpt/token-graph.ts';
import type { Assumption } from '../spec/provenance.ts';
import type { SensitivityResult } from '../validation/sensitivity.ts';
import { StrataError } from '../spec/errors.ts';
import { toCsv, type CsvFile } from './csv-format.ts';
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
  /** Hex sha256 of the file's own JSON without this field, as `strata figures` writes it (src/cli/figures.ts figureDataText). */
  readonly contentSha256?: string;
}

/**
 * A figure-data file that follows the schema but lacks a table or column its charts need (an edited or foreign
 * file): a user error, which the command that read the file prefixes with the file's name.
 */
export class FigureDataError extends StrataError {}

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

/** Latency percentiles and energy per token of a serving run, as columns of the serving tables (Duplex, sweeps). */
const servingLatencyColumns = (): FigureColumn[] => [
  col('ttftP50Ms', 'ms', 'time to first token, p50'),
  col('ttftP99Ms', 'ms', 'time to first token, p99'),
  col('tbtP50Ms', 'ms', 'time between tokens (every gap pooled), p50'),
  col('tbtP99Ms', 'ms', 'time between tokens, p99'),
  col('e2eP50Ms', 'ms', 'end to end, p50'),
  col('e2eP99Ms', 'ms', 'end to end, p99'),
  col('joulesPerOutputToken', 'J/token', 'energy per output token'),
];

/** One study of the sensitivity set: which comparison, the command that prints it, and its bands. */
export interface SensitivityStudy {
  /** `pim-gpt`, `duplex`, `neupims`. */
  readonly study: string;
  /** The command that prints the same bands (`strata validate duplex --sensitivity ...`). */
  readonly command: string;
  readonly result: SensitivityResult;
}

/**
 * Headline bands (src/validation/sensitivity.ts): per study and headline, the shipped value and its low-high band
 * over every assumption on its path, one at a time; and every assumption's swing of every headline.
 */
export function sensitivityFigureData(studies: readonly SensitivityStudy[], root: string, inputs: FigureInputs): FigureData {
  // Plain string work, no node:path: viz/ imports this module into the browser page.
  const assumptionName = (a: Assumption) => `${a.file.startsWith(`${root}/`) ? a.file.slice(root.length + 1) : a.file}: ${a.path}`;
  return {
    schema: FIGURE_DATA_SCHEMA,
    figure: 'sensitivity',
    title: 'Headline ratios as bands over every assumption on their path',
    description: 'Each declared assumption of the specs a comparison reads (arch/, an `assumptions` entry with a low-high range) is set to its low and then its high end, one at a time, and the headline is computed again; the band is the lowest and highest result. Assumptions declared with the same value, range and reason in several files vary together.',
    command: studies.map((s) => s.command).join('; '),
    parameters: { studies: studies.map((s) => s.study), commands: studies.map((s) => s.command) },
    inputs,
    tables: [
      {
        name: 'bands',
        title: 'Headline bands',
        columns: [
          col('study', '', 'comparison'),
          col('headline', '', 'headline number'),
          col('paper', '', "the paper's value or range, as text"),
          col('low', '', 'lowest value over the assumptions at either end (unit of the headline)'),
          col('shipped', '', 'value with every assumption as shipped'),
          col('high', '', 'highest value over the assumptions at either end'),
          col('movedMostBy', '', 'the assumption whose range moves it most (file: field)'),
        ],
        rows: studies.flatMap((s) => s.result.bands.map((b) => {
          const top = b.swings[0];
          const moving = top !== undefined && top.atLow !== top.atHigh;
          return [s.study, b.name, b.paper, b.low, b.shipped, b.high, moving ? assumptionName(top.assumption) : null];
        })),
      },
      {
        name: 'swings',
        title: 'What each assumption does to each headline',
        columns: [
          col('study', '', 'comparison'),
          col('headline', '', 'headline number'),
          col('assumption', '', 'file: field (and how many other files declare the same assumption)'),
          col('shippedValue', '', 'the assumption as shipped, in its field\'s unit'),
          col('lowValue', '', 'low end of its range'),
          col('highValue', '', 'high end of its range'),
          col('atLow', '', 'the headline with the assumption at its low end'),
          col('atHigh', '', 'the headline with the assumption at its high end'),
        ],
        rows: studies.flatMap((s) => s.result.bands.flatMap((b) => b.swings.map((w) => [
          s.study, b.name, `${assumptionName(w.assumption)}${w.also.length ? ` (+${w.also.length})` : ''}`, w.assumption.value, w.assumption.low, w.assumption.high, w.atLow, w.atHigh,
        ]))),
      },
    ],
    references: [],
  };
}

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
  /** One token run as a dependency graph, node by node (src/systems/pim-gpt/token-graph.ts): the last of a short generation. */
  readonly timeline?: PimGptTokenTimeline;
}

/** The node spans of one PIM-GPT token: which model, after how many tokens, and its latency. */
export interface PimGptTokenTimeline {
  readonly model: string;
  readonly promptTokens: number;
  readonly tokens: number;
  /** Tokens cached before the token (its decode position). */
  readonly contextLength: number;
  readonly totalPs: number;
  readonly spans: readonly TokenSpan[];
}

/** Source of the PIM-GPT ranges. */
export const PIM_GPT_SOURCE = 'Wu, Wang, Lu: PIM-GPT (arXiv 2310.09385; npj Unconventional Computing 2024), headline ranges';

/** Software profile of the PIM-GPT baselines: the paper measured its GPU and CPU with PyTorch launching kernel by kernel. */
export const PIM_GPT_PAPER_PROFILE = 'eager';
/** Profile of the serving-engine T4 shown beside the paper's setup. */
export const PIM_GPT_ENGINE_PROFILE = 'graphs';
/** Its name in the baselines table (a series of its own in the charts; the paper's ranges do not apply to it). */
export const PIM_GPT_ENGINE_BASELINE = 'gpu-t4 graphs';

/** PIM-GPT against GPU/CPU baselines: per model, per baseline, and the latency and energy breakdowns per token. */
export function pimGptFigureData(rows: readonly PimGptRow[], p: PimGptFigureParams, inputs: FigureInputs): FigureData {
  const us = (ps: number) => ps / 1e6;
  const uj = (pj: number) => pj / 1e6;
  return {
    schema: FIGURE_DATA_SCHEMA,
    figure: 'pim-gpt',
    title: 'PIM-GPT against GPU and CPU baselines',
    description: `Token-by-token generation on PIM-GPT (AiM in-bank PIM + ASIC: every DRAM and PIM command simulated at a cycle its GDDR6 constraint table allows, repeated channel programs simulated once and reused; ASIC operations analytical), ${p.promptTokens}-token prompt, ${p.tokens} generated tokens, batch 1; the baselines run the same model's decode step at the mean decode position on the analytical kernel model under the '${PIM_GPT_PAPER_PROFILE}' profile (PyTorch launching kernel by kernel, as the paper measured its GPU and CPU), and the T4 also under '${PIM_GPT_ENGINE_PROFILE}' (a serving engine replaying CUDA graphs; baseline '${PIM_GPT_ENGINE_BASELINE}'). Speed-up = baseline time / PIM-GPT time per token; energy efficiency = baseline energy (board power x time) / PIM-GPT energy per token.`,
    command: 'strata validate pim-gpt',
    parameters: {
      models: rows.map((r) => r.model), promptTokens: p.promptTokens, tokens: p.tokens, batch: 1, baselines: p.baselines.map((b) => b.name),
      baselineProfile: PIM_GPT_PAPER_PROFILE, servingEngineProfile: PIM_GPT_ENGINE_PROFILE,
      ...(p.timeline ? { timelineModel: p.timeline.model, timelinePromptTokens: p.timeline.promptTokens, timelineTokens: p.timeline.tokens, timelineContext: p.timeline.contextLength, timelineTokenUs: us(p.timeline.totalPs) } : {}),
    },
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
          col('tokenUs', 'us', "baseline time per token (the analytical kernel model of docs/baselines.md under the row's profile)"),
          col('tokenUj', 'uJ', 'baseline energy per token (board power x time)'),
          col('speedup', 'x', 'baseline time / PIM-GPT time per token'),
          col('efficiency', 'x', 'baseline energy / PIM-GPT energy per token'),
          col('profile', '', "software profile of the baseline: 'eager' (PyTorch kernel by kernel, the paper's setup) or 'graphs' (a serving engine's CUDA graphs)"),
        ],
        rows: rows.flatMap((r) => [
          ...p.baselines.map((b) => {
            const g = r.gpu[b.name]!;
            return [r.model, b.name, b.kind, g.tokenUs, g.tokenUj, g.speedup, g.efficiency, PIM_GPT_PAPER_PROFILE];
          }),
          // The paper's GPU as a serving engine runs it, beside the paper's setup (rows made elsewhere may lack it).
          ...(r.t4Graphs ? [[r.model, PIM_GPT_ENGINE_BASELINE, 'gpu', r.t4Graphs.tokenUs, r.t4Graphs.tokenUj, r.t4Graphs.speedup, r.t4Graphs.efficiency, PIM_GPT_ENGINE_PROFILE]] : []),
        ]),
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
          col('buffersUj', 'uJ', 'global buffer and result latches (SRAM accesses)'),
          col('refreshUj', 'uJ', 'refresh'),
          col('backgroundUj', 'uJ', 'active standby of every channel while PIM works'),
          col('asicUj', 'uJ', 'ASIC'),
        ],
        rows: rows.map((r) => {
          const e = r.energy;
          return [r.model, uj(e.activate), uj(e.arrayRead), uj(e.mac), uj(e.io), uj(e.buffers), uj(e.refresh), uj(e.background), uj(e.asic)];
        }),
      },
      ...(p.timeline ? [pimGptTimelineTable(p.timeline)] : []),
    ],
    references: [
      { name: 'speedup-gpu', description: 'paper speed-up over its GPU', source: PIM_GPT_SOURCE, unit: 'x', min: p.paper.speedupGpu[0], max: p.paper.speedupGpu[1], appliesTo: [p.paperGpu] },
      { name: 'speedup-cpu', description: 'paper speed-up over its CPU', source: PIM_GPT_SOURCE, unit: 'x', min: p.paper.speedupCpu[0], max: p.paper.speedupCpu[1], appliesTo: [p.paperCpu] },
      { name: 'efficiency-gpu', description: 'paper energy efficiency over its GPU', source: PIM_GPT_SOURCE, unit: 'x', min: p.paper.efficiencyGpu[0], max: p.paper.efficiencyGpu[1], appliesTo: [p.paperGpu] },
      { name: 'efficiency-cpu', description: 'paper energy efficiency over its CPU', source: PIM_GPT_SOURCE, unit: 'x', min: p.paper.efficiencyCpu[0], max: p.paper.efficiencyCpu[1], appliesTo: [p.paperCpu] },
    ],
  };
}

/**
 * The `token-timeline` table: one row per node of the token's graph (a PIM node is one channel's share of a matrix
 * op and stands for `channels` channels that ran identically; an ASIC node is a vector op), times in µs from the
 * token's start. A channel may open the first row of its next GEMV before the token starts (row prefetch); such a
 * node is clipped to the token's start.
 */
function pimGptTimelineTable(t: PimGptTokenTimeline): FigureTable {
  return {
    name: 'token-timeline',
    title: `One ${t.model} token on PIM-GPT, node by node (token at position ${t.contextLength}: the last of ${t.promptTokens} prompt + ${t.tokens} generated tokens)`,
    columns: [
      col('unit', '', 'pim (a channel of the in-bank PIM) or asic'),
      col('channel', '', 'PIM: the channel simulated; empty for the ASIC'),
      col('channels', '', 'PIM: channels that ran this share identically (the simulated one included); 1 for the ASIC'),
      col('op', '', 'op id (L3.ffn-up)'),
      col('kind', '', 'op kind (src/ir/op.ts)'),
      col('startUs', 'us', "from the token's start: the node's first command (PIM, a refresh included) or its first ASIC lane cycle"),
      col('endUs', 'us', "from the token's start: the node's last result (PIM: returned by the channel, before the link crossing)"),
      col('readyUs', 'us', "from the token's start: when its last input arrived (a PIM channel may open its first row before, so startUs < readyUs)"),
    ],
    rows: t.spans.map((s) => [s.unit, s.unit === 'pim' ? s.channel : null, s.channels, s.op, s.kind, Math.max(0, s.startPs) / 1e6, s.endPs / 1e6, Math.max(0, s.readyPs) / 1e6]),
  };
}

/** Parameters of the NeuPIMs comparison. */
export interface NeuPimsFigureParams {
  readonly datasets: readonly string[];
  readonly batches: readonly number[];
  /** The GPU-only baseline preset. */
  readonly gpu: string;
  /** The paper's headline throughput gains of NeuPIMs over GPU-only, NPU-only and NPU+PIM blocked. */
  readonly paper: { readonly gpu: number; readonly npuOnly: number; readonly npuPim: number };
  /** The dataset of the utilisation runs. */
  readonly utilisationDataset: string;
}

/** Source of the NeuPIMs headline numbers. */
export const NEUPIMS_SOURCE = 'Heo et al.: NeuPIMs (ASPLOS 2024, arXiv 2403.00579 v3), abstract';

/** Compared systems of the NeuPIMs set, as named in `appliesTo` and in the chart legends. */
export const NEUPIMS_SYSTEMS = ['gpu-only', 'npu-only', 'npu-pim-blocked', 'neupims'] as const;

const geomean = (xs: readonly number[]) => (xs.length ? Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length) : null);

/**
 * NeuPIMs against GPU-only, NPU-only and the naive (blocked) NPU+PIM: decode throughput per model, request set and
 * batch, NeuPIMs' gain over each with the paper's headline gains beside them, the sub-batch interleaving ablation,
 * and the NPU and PIM busy intervals of one decode iteration on the blocked and the dual-buffer (NeuPIMs) system.
 */
export function neupimsFigureData(rows: readonly NeuPimsRow[], u: NeuPimsUtilisation, p: NeuPimsFigureParams, inputs: FigureInputs): FigureData {
  const models: string[] = [];
  for (const r of rows) if (!models.includes(r.model)) models.push(r.model);
  const ratios = (f: (r: NeuPimsRow) => number) => rows.map(f);
  const summaryRow = (what: string, system: string, xs: number[], paper: number | null): FigureValue[] => [what, system, geomean(xs), Math.min(...xs), Math.max(...xs), paper];
  const us = (ps: number) => ps / 1e6;
  return {
    schema: FIGURE_DATA_SCHEMA,
    figure: 'neupims',
    title: 'NeuPIMs against GPU-only, NPU-only and blocked NPU+PIM',
    description: `One decode iteration per case: every request of a request set (${p.datasets.join(', ')}; seed neupims.0) at its mean decode position (input + half its output tokens cached), on each model's tensor x pipeline-parallel devices (arch/systems/neupims). Throughput = generated tokens per second of the whole system; gains = NeuPIMs tokens/s / baseline tokens/s. GPU-only: every op on the ${p.gpu} kernel model, attention kernels batched per layer, under the 'eager' profile (PyTorch launching kernel by kernel, as the paper measured its GPU) and, beside it, under 'graphs' (a serving engine replaying CUDA graphs). NPU and PIM: every PIM and DRAM command of the attention programs simulated (repeated programs once and reused); the NPU's GEMMs closed-form (10-20 % faster than the cycle-level NPU on GPT-3 7B at batch 128-256: test/npu/neupims-gemm-timing.test.ts). Interleaving ablation: NeuPIMs with sub-batch interleaving forced off and on. Utilisation: NPU and PIM busy intervals of one iteration of ${u.model} at batch ${u.batch} (${p.utilisationDataset}) on npu-pim-blocked (one row buffer: PIM blocks the NPU) and neupims (dual row buffers, sub-batches interleaved).`,
    command: `strata validate neupims --models ${models.join(',')} --batches ${p.batches.join(',')} --datasets ${p.datasets.join(',')}`,
    parameters: {
      models, datasets: [...p.datasets], batches: [...p.batches], gpu: p.gpu, gpuProfile: 'eager', servingEngineProfile: 'graphs',
      utilisationModel: u.model, utilisationDataset: p.utilisationDataset, utilisationBatch: u.batch,
    },
    inputs,
    tables: [
      {
        name: 'throughput',
        title: 'Decode throughput (generated tokens/s of the devices) and NeuPIMs\' gain over each baseline',
        columns: [
          col('model', '', 'model (workloads/models)'),
          col('dataset', '', 'request-length distribution'),
          col('batch', '', 'requests in the iteration'),
          col('devices', '', 'tensor x pipeline-parallel devices'),
          col('meanContext', 'tokens', 'mean cached tokens per request'),
          col('gpuTokensPerS', 'tokens/s', `GPU-only (${p.gpu} kernel model, 'eager' profile: the paper's setup)`),
          col('npuOnlyTokensPerS', 'tokens/s', 'NPU-only (attention on the NPU)'),
          col('blockedTokensPerS', 'tokens/s', 'NPU+PIM with one row buffer (PIM blocks the NPU)'),
          col('neupimsTokensPerS', 'tokens/s', 'NeuPIMs (dual row buffers; sub-batch interleaving as the preset decides)'),
          col('interleaved', '', 'the NeuPIMs preset interleaved sub-batches at this batch'),
          col('overGpu', 'x', 'NeuPIMs / GPU-only'),
          col('overNpuOnly', 'x', 'NeuPIMs / NPU-only'),
          col('overBlocked', 'x', 'NeuPIMs / NPU+PIM blocked'),
          col('gpuGraphsTokensPerS', 'tokens/s', `GPU-only under the 'graphs' profile (a serving engine's CUDA graphs); empty in rows made without it`),
          col('overGpuGraphs', 'x', "NeuPIMs / GPU-only 'graphs'"),
        ],
        rows: rows.map((r) => [
          r.model, r.dataset, r.batch, r.devices, r.meanContext, r.gpu, r.npuOnly, r.blocked, r.neupims, r.interleaved, r.neupims / r.gpu, r.neupims / r.npuOnly, r.neupims / r.blocked,
          r.gpuGraphs ?? null, r.gpuGraphs ? r.neupims / r.gpuGraphs : null,
        ]),
      },
      {
        name: 'paper',
        title: "NeuPIMs' gains: ours (over every case) beside the paper's",
        columns: [
          col('gain', '', 'the ratio'),
          col('baseline', '', 'the baseline system'),
          col('geomean', 'x', 'geometric mean over the cases'),
          col('min', 'x', 'smallest case'),
          col('max', 'x', 'largest case'),
          col('paper', 'x', "the paper's headline gain"),
        ],
        rows: [
          summaryRow("NeuPIMs / GPU-only ('eager', the paper's setup)", 'gpu-only', ratios((r) => r.neupims / r.gpu), p.paper.gpu),
          ...(rows.every((r) => r.gpuGraphs) ? [summaryRow("NeuPIMs / GPU-only ('graphs', a serving engine)", 'gpu-only graphs', ratios((r) => r.neupims / r.gpuGraphs!), null)] : []),
          summaryRow('NeuPIMs / NPU-only', 'npu-only', ratios((r) => r.neupims / r.npuOnly), p.paper.npuOnly),
          summaryRow('NeuPIMs / NPU+PIM blocked', 'npu-pim-blocked', ratios((r) => r.neupims / r.blocked), p.paper.npuPim),
          summaryRow('interleaving on / off', 'neupims', ratios((r) => r.interleaveOn / r.interleaveOff), null),
        ],
      },
      {
        name: 'interleaving',
        title: 'Sub-batch interleaving ablation: NeuPIMs with interleaving forced off and on',
        columns: [
          col('model', '', 'model'),
          col('dataset', '', 'request-length distribution'),
          col('batch', '', 'requests in the iteration'),
          col('offTokensPerS', 'tokens/s', 'interleaving off: the whole batch, PIM attention between NPU phases'),
          col('onTokensPerS', 'tokens/s', "interleaving on: two sub-batches, one's attention in PIM beside the other's NPU work"),
          col('onOverOff', 'x', 'on / off'),
          col('presetInterleaves', '', 'the NeuPIMs preset interleaves at this batch'),
        ],
        rows: rows.map((r) => [r.model, r.dataset, r.batch, r.interleaveOff, r.interleaveOn, r.interleaveOn / r.interleaveOff, r.interleaved]),
      },
      {
        name: 'utilisation',
        title: `NPU and PIM busy time over one decode iteration (${u.model}, batch ${u.batch}, ${p.utilisationDataset})`,
        columns: [
          col('system', '', 'system preset (arch/systems/neupims)'),
          col('subBatchInterleaving', '', 'sub-batches interleaved'),
          col('iterationUs', 'us', 'the decode iteration'),
          col('npuBusy', 'fraction', 'NPU busy time / iteration'),
          col('pimBusy', 'fraction', 'PIM busy time / iteration'),
        ],
        rows: u.runs.map((r) => [r.system, r.subBatchInterleaving, us(r.timePs), r.npuUtilisation, r.pimUtilisation]),
      },
      {
        name: 'busy-intervals',
        title: `NPU and PIM busy intervals of those iterations`,
        columns: [
          col('system', '', 'system preset'),
          col('unit', '', 'npu (the NPUs of the devices) or pim (the PIM banks)'),
          col('label', '', 'the phase and layer (pre L0, attention L0, post1+pre1|att2 L3, head)'),
          col('startUs', 'us', "from the iteration's start"),
          col('endUs', 'us', "from the iteration's start"),
        ],
        rows: u.runs.flatMap((r) => r.intervals.map((i) => [r.system, i.unit, i.label, us(i.startPs), us(i.endPs)])),
      },
    ],
    references: [
      { name: 'paper-over-gpu-only', description: 'paper: NeuPIMs over GPU-only', source: NEUPIMS_SOURCE, unit: 'x', min: p.paper.gpu, max: p.paper.gpu, appliesTo: ['gpu-only'] },
      { name: 'paper-over-npu-only', description: 'paper: NeuPIMs over NPU-only', source: NEUPIMS_SOURCE, unit: 'x', min: p.paper.npuOnly, max: p.paper.npuOnly, appliesTo: ['npu-only'] },
      { name: 'paper-over-npu-pim-blocked', description: 'paper: NeuPIMs over naive NPU+PIM', source: NEUPIMS_SOURCE, unit: 'x', min: p.paper.npuPim, max: p.paper.npuPim, appliesTo: ['npu-pim-blocked'] },
    ],
  };
}

/** One compared system of the Duplex set: its key, preset, label, and its devices as a multiple of the model's D. */
export interface DuplexSystemInfo {
  readonly key: ComparedKey;
  readonly preset: string;
  readonly label: string;
  readonly times: number;
}

/** Parameters of the Duplex comparison. */
export interface DuplexFigureParams {
  readonly systems: readonly DuplexSystemInfo[];
  readonly batches: readonly number[];
  readonly lengths: readonly string[];
  readonly servingModels: readonly string[];
  readonly servingLengths: readonly string[];
  readonly count: number;
  readonly qps: number;
  readonly maxBatch: number;
  readonly paper: { readonly throughputOverGpu: number; readonly energySavingVsGpu: number; readonly source: string };
}

/**
 * Duplex against the GPU, twice the GPUs, bank-PIM and bank-group PIM: fixed-batch decode throughput and energy per
 * token per case (null where a system runs out of memory), our headline numbers beside the paper's, Poisson
 * serving per system, and every served request's latencies (for CDFs).
 */
export function duplexFigureData(decode: readonly DecodeRow[], serving: readonly ServingRow[], p: DuplexFigureParams, inputs: FigureInputs): FigureData {
  const models: string[] = [];
  for (const r of decode) if (!models.includes(r.model)) models.push(r.model);
  const keys = p.systems.map((s) => s.key);
  /** The columns that name a decode case (the decode and charges tables). */
  const caseColumns = [
    col('model', '', 'model (workloads/models)'),
    col('lin', 'tokens', 'input length Lin'),
    col('lout', 'tokens', 'output length Lout'),
    col('batch', '', 'requests B'),
    col('routing', '', 'MoE expert routing (uniform, skewed) or dense'),
  ];
  const tps = (x: DecodeResult | null) => x?.tokensPerS ?? null;
  const over = (a: DecodeResult | null, b: DecodeResult | null) => (a && b ? a.tokensPerS / b.tokensPerS : null);
  const overGpu = decode.map((r) => over(r.systems.duplex, r.systems.gpu)).filter((x): x is number => x !== null);
  const overGpu2 = decode.map((r) => over(r.systems.duplex, r.systems.gpu2)).filter((x): x is number => x !== null);
  const savings = decode.filter((r) => r.systems.duplex && r.systems.gpu).map((r) => 1 - r.systems.duplex!.joulesPerToken / r.systems.gpu!.joulesPerToken);
  // The paper's setup: Duplex / GPU under the authors' charge (the GPU's step over Duplex's; absent where not timed).
  const authors = (r: DecodeRow) => {
    const d = r.systems.duplex?.authorsStepPs;
    const g = r.systems.gpu?.authorsStepPs;
    return d !== undefined && g !== undefined ? g / d : null;
  };
  const overGpuAuthors = decode.map(authors).filter((x): x is number => x !== null);
  const meanSaving = savings.length ? savings.reduce((a, b) => a + b, 0) / savings.length : null;
  const cap = (k: string) => k[0]!.toUpperCase() + k.slice(1);
  const label = (k: ComparedKey) => p.systems.find((s) => s.key === k)!;
  return {
    schema: FIGURE_DATA_SCHEMA,
    figure: 'duplex',
    title: 'Duplex against GPU, 2xGPU, bank-PIM and bank-group PIM',
    description: `Each model on D tensor-parallel devices (the smallest power of two holding its weights and batch 32's KV cache at its longest case); Duplex, GPU (${label('gpu').preset}), bank-PIM and BG-PIM have D devices, 2xGPU 2D. Every xPU (the GPU systems', and Duplex's ops above the Op/B threshold) runs on the H100 kernel model under the 'graphs' profile (a serving engine replaying CUDA graphs, a kernel floor per op); the paper's setup, the Duplex authors' own charge (no kernel floor or launch, no shared-bank slowdown), is the table 'charges' and the 'authors' charge' rows of 'paper'. PIM ops: each pseudo-channel's stream command by command through the HBM3 DRAM model up to twice the PIM spec's \`simulation.tileRequestsPerChannel\` requests (lengths between simulated ones interpolated), longer streams extrapolated at the simulated steady-state rate. Fixed-batch decode: B requests decoding the token at position Lin + Lout/2; throughput = B / step time, energy per token = step energy / B (every xPU at its board power for the whole step, also while it waits for PIM; PIM per bit on the DRAM path and per MAC; links between devices per bit); empty cells: the KV cache does not fit (OOM). Serving: ${p.count} fixed-length requests arriving Poisson at ${p.qps} requests/s, continuous batching up to ${p.maxBatch} with whole prefill, every request's TTFT, mean time between its tokens and end-to-end latency.`,
    command: `strata validate duplex --models ${models.join(',')} --lengths ${p.lengths.join(',')} --batches ${p.batches.join(',')} --serving-models ${p.servingModels.join(',')} --serving-lengths ${p.servingLengths.join(',')} --count ${p.count} --qps ${p.qps} --max-batch ${p.maxBatch}`,
    parameters: {
      models, lengths: [...p.lengths], batches: [...p.batches], systems: p.systems.map((s) => s.preset), xpuProfile: 'graphs',
      servingModels: [...p.servingModels], servingLengths: [...p.servingLengths], count: p.count, qps: p.qps, maxBatch: p.maxBatch,
    },
    inputs,
    tables: [
      {
        name: 'systems',
        title: 'Compared systems',
        columns: [
          col('key', '', 'column prefix of the system in the decode table'),
          col('preset', '', 'system preset (arch/systems/duplex)'),
          col('label', '', 'name in charts'),
          col('deviceMultiple', '', "devices as a multiple of the model's D"),
        ],
        rows: p.systems.map((s) => [s.key, s.preset, s.label, s.times]),
      },
      {
        name: 'decode',
        title: 'Fixed-batch decode: tokens/s and energy per token per system, Duplex over each',
        columns: [
          ...caseColumns,
          col('context', 'tokens', 'decode position Lin + Lout/2'),
          col('devices', '', 'D'),
          ...keys.map((k) => col(`${k}TokensPerS`, 'tokens/s', `${label(k).label} (${label(k).preset}) throughput; empty: OOM`)),
          ...keys.filter((k) => k !== 'duplex').map((k) => col(`over${cap(k)}`, 'x', `Duplex / ${label(k).label} throughput`)),
          ...keys.map((k) => col(`${k}JoulesPerToken`, 'J/token', `${label(k).label} energy per token`)),
        ],
        rows: decode.map((r) => [
          r.model, r.lin, r.lout, r.batch, r.routing, r.context, r.devices,
          ...keys.map((k) => tps(r.systems[k])),
          ...keys.filter((k) => k !== 'duplex').map((k) => over(r.systems.duplex, r.systems[k])),
          ...keys.map((k) => r.systems[k]?.joulesPerToken ?? null),
        ]),
      },
      {
        name: 'paper',
        title: "Ours beside the paper's headline numbers",
        columns: [
          col('quantity', '', 'what is compared'),
          col('unit', '', 'unit of both values'),
          col('strata', '', 'our value over the decode cases'),
          col('paper', '', "the paper's value (empty: none published)"),
        ],
        rows: [
          ['Duplex / GPU decode throughput, best case', 'x', overGpu.length ? Math.max(...overGpu) : null, p.paper.throughputOverGpu],
          [`Duplex / GPU decode throughput, geometric mean over ${overGpu.length} cases`, 'x', geomean(overGpu), null],
          ['Duplex / 2xGPU decode throughput, best case', 'x', overGpu2.length ? Math.max(...overGpu2) : null, null],
          ['Duplex / 2xGPU decode throughput, geometric mean', 'x', geomean(overGpu2), null],
          ['energy per token, Duplex vs GPU, mean saving (paper: third-party summary, unconfirmed)', 'fraction', meanSaving, p.paper.energySavingVsGpu],
          ["Duplex / GPU decode throughput, best case, the paper's setup (authors' charge)", 'x', overGpuAuthors.length ? Math.max(...overGpuAuthors) : null, p.paper.throughputOverGpu],
          [`Duplex / GPU decode throughput, geometric mean over ${overGpuAuthors.length} cases, the paper's setup (authors' charge)`, 'x', geomean(overGpuAuthors), null],
        ],
      },
      {
        name: 'charges',
        title: "Duplex / GPU per decode case under a serving engine's charge ('graphs') and under the paper's setup (the authors' charge)",
        columns: [
          ...caseColumns,
          col('overGpu', 'x', "Duplex / GPU throughput, every xPU op under the 'graphs' profile with its kernel floor, xPU and PIM sharing the banks (the decode table's); empty: OOM"),
          col('overGpuAuthors', 'x', "Duplex / GPU throughput under the authors' charge: the same placement and op bodies without kernel floors or launches and without the shared-bank slowdown; empty: OOM"),
        ],
        rows: decode.map((r) => [r.model, r.lin, r.lout, r.batch, r.routing, over(r.systems.duplex, r.systems.gpu), authors(r)]),
      },
      {
        name: 'serving',
        title: `Serving ${p.count} fixed-length requests, Poisson ${p.qps} requests/s, max batch ${p.maxBatch}, whole prefill`,
        columns: [
          col('model', '', 'model'),
          col('lin', 'tokens', 'input length'),
          col('lout', 'tokens', 'output length'),
          col('system', '', 'compared system: its key in the systems table (GPU and 2xGPU share the preset duplex-gpu)'),
          col('devices', '', 'devices (empty: OOM)'),
          col('steps', '', 'serving steps'),
          col('outputTokensPerS', 'tokens/s', 'output tokens per second from the first arrival to the last token'),
          col('meanBatch', '', 'mean requests per step'),
          ...servingLatencyColumns(),
        ],
        rows: serving.flatMap((r) => p.systems.map((sys) => {
          const s = r.systems[sys.key];
          return [r.model, r.lin, r.lout, sys.key, s?.devices ?? null, s?.steps ?? null, s?.outputTokensPerS ?? null, s?.meanBatch ?? null,
            s?.ttftP50Ms ?? null, s?.ttftP99Ms ?? null, s?.tbtP50Ms ?? null, s?.tbtP99Ms ?? null, s?.e2eP50Ms ?? null, s?.e2eP99Ms ?? null, s?.joulesPerOutputToken ?? null];
        })),
      },
      {
        name: 'requests',
        title: 'Every served request: latencies (for CDFs)',
        columns: [
          col('model', '', 'model'),
          col('lin', 'tokens', 'input length'),
          col('lout', 'tokens', 'output length'),
          col('system', '', 'compared system: its key in the systems table (GPU and 2xGPU share the preset duplex-gpu)'),
          col('request', '', 'request id'),
          col('arrivalMs', 'ms', 'arrival time'),
          col('ttftMs', 'ms', 'time to first token'),
          col('tbtMeanMs', 'ms', 'mean gap between its output tokens (empty with one output token)'),
          col('e2eMs', 'ms', 'arrival to last token'),
        ],
        rows: serving.flatMap((r) => p.systems.flatMap((sys) => (r.systems[sys.key]?.requests ?? []).map((q) => [r.model, r.lin, r.lout, sys.key, q.id, q.arrivalMs, q.ttftMs, q.tbtMeanMs, q.e2eMs]))),
      },
    ],
    references: [
      { name: 'paper-throughput-over-gpu', description: 'paper: Duplex up to 2.67x the GPU system\'s throughput', source: p.paper.source, unit: 'x', min: p.paper.throughputOverGpu, max: p.paper.throughputOverGpu, appliesTo: [label('gpu').preset] },
      { name: 'paper-energy-saving-vs-gpu', description: `third-party summary (unconfirmed): ${(100 * p.paper.energySavingVsGpu).toFixed(2)} % less energy than the GPU`, source: p.paper.source, unit: 'fraction', min: p.paper.energySavingVsGpu, max: p.paper.energySavingVsGpu, appliesTo: [label('gpu').preset] },
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
        ...servingLatencyColumns(),
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

/** Tables longer than this are not printed in the Markdown file: it names their CSV instead. */
export const MARKDOWN_MAX_ROWS = 100;

/** The Markdown file of a data file: title, description, command, every table (long ones by their CSV) and the published ranges. */
export function figureDataMarkdown(d: FigureData): string {
  const out = [`# ${d.title}`, '', d.description, '', `Same numbers: \`npx ${d.command}\`. Data: \`data/${d.figure}.json\` (inputs sha256 \`${d.inputs.sha256.slice(0, 16)}\`).`];
  for (const t of d.tables) {
    out.push('', `## ${t.title}`, '');
    if (t.rows.length > MARKDOWN_MAX_ROWS) out.push(`${t.rows.length.toLocaleString('en-US')} rows, columns ${t.columns.map((c) => `\`${c.name}\``).join(', ')}: see [\`${figureCsvName(d, t)}\`](${figureCsvName(d, t)}).`);
    else out.push(figureTableMarkdown(t));
  }
  if (d.references.length) {
    out.push('', '## Published ranges', '', '| range | applies to | min | max | unit | source |', '|---|---|---:|---:|---|---|');
    for (const r of d.references) out.push(`| ${r.description} | ${r.appliesTo.join(', ') || 'all'} | ${formatFigureNumber(r.min)} | ${formatFigureNumber(r.max)} | ${r.unit} | ${r.source} |`);
  }
  return `${out.join('\n')}\n`;
}

/** One CSV per table: `<figure>.csv` for a single table, `<figure>-<table>.csv` otherwise; columns named as in the data. */
export function figureDataCsvFiles(d: FigureData): CsvFile[] {
  return d.tables.map((t) => ({ name: figureCsvName(d, t), content: toCsv(t.columns.map((c) => c.name), t.rows) }));
}

/** The CSV file of one table of a data file. */
export function figureCsvName(d: FigureData, t: FigureTable): string {
  return d.tables.length === 1 ? `${d.figure}.csv` : `${d.figure}-${t.name}.csv`;
}
