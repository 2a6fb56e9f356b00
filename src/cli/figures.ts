import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadDevice } from '../systems/baseline/roofline.ts';
import { knownModels, loadModel } from '../compiler/model.ts';
import { DATASETS, type DatasetName } from '../compiler/requests.ts';
import { knownStandards, loadStandard } from '../dram/standard.ts';
import { NeuPimsMemo } from '../systems/neupims/neupims-decode.ts';
import { loadPimGptSystem, pimGptGenerate } from '../systems/pim-gpt/pim-gpt.ts';
import {
  dramsim3FigureData,
  duplexFigureData,
  FIGURE_DATA_SCHEMA,
  neupimsFigureData,
  peakFigureData,
  pimGptFigureData,
  sensitivityFigureData,
  type FigureData,
  type FigureInputs,
} from '../report/figure-data.ts';
import { validateReport } from '../report/schema.ts';
import { formatCount } from '../dram/limits.ts';
import { StrataError, withContext } from '../spec/errors.ts';
import { compareWithDramsim3, DRAMSIM3_CASE_CONFIGS, DRAMSIM3_CASES, dramsim3Config } from '../validation/dramsim3.ts';
import { streamingPeak } from '../validation/peak-bandwidth.ts';
import { comparePimGpt, PIM_GPT_MODELS, PIM_GPT_PAPER, pimGptSensitivityParts, sensitivityModels } from '../validation/pim-gpt.ts';
import { assumptionName, runPart, runVariation, sensitivityBands, variations, type Headline, type PartRun, type Parts, type Variation } from '../validation/sensitivity.ts';
import { compareNeuPims, neupimsSensitivityParts, NEUPIMS_BATCHES, NEUPIMS_GPU, NEUPIMS_MODELS, NEUPIMS_PAPER, neupimsUtilisation, type NeuPimsRow } from '../validation/neupims.ts';
import {
  compareServing, decodeCases, duplexSensitivityParts, DUPLEX_BATCHES, DUPLEX_COMPARED, DUPLEX_LENGTHS, DUPLEX_MODELS, DUPLEX_PAPER, DuplexComparison, type DecodeRow, type ServingRow,
} from '../validation/duplex.ts';
import { figuresIndexHtml, type IndexSet } from '../../viz/figures-index.ts';
import { figuresHtmlPage } from '../../viz/figures-page.ts';
import { DEFAULT_CHROMIUM, haveChromium, svgsToPng } from '../../viz/png.ts';
import { MAX_BATCH, MAX_SERVED_REQUESTS, MAX_STEP_TOKENS, parseFlags, positiveInt, positiveInts, seeUsage, tokenPair } from './args.ts';
import { checkOutputPaths, writeOutputs, type OutputFile } from './output.ts';
import { DUPLEX_SERVING_DEFAULTS } from '../validation/duplex.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { defaultFigureWorkers, FigureUnitRunner } from './figures-pool.ts';
import { FiguresProgress } from './figures-progress.ts';
import { renderFigureSetFiles, sweepFigureSets, sweepSetPlotlyFigures } from './figures-sweeps.ts';
import { overridesIdentity, setFlagsInEffect } from './set-flag.ts';
import { withOverrides, type Override } from '../spec/provenance.ts';
import { SWEEP_FIGURE_SETS } from '../report/sweep-figure.ts';

export const FIGURES_USAGE = `strata figures [--out DIR] [--force] [--png] [--only SETS] [--models LIST]
               [--neupims-models LIST] [--neupims-batches LIST] [--neupims-datasets LIST]
               [--duplex-models LIST] [--duplex-lengths IN:OUT,...] [--duplex-batches LIST]
               [--duplex-serving-models LIST] [--duplex-serving-lengths IN:OUT,...] [--duplex-count N] [--workers N] [--quiet]
            every figure and comparison table we can make into DIR (default out/figures): SVG charts, Markdown and
            CSV tables, DIR/index.html linking them all and DIR/figures.html with every chart interactive (both
            open offline), and the results behind them in
            DIR/data/<set>.json (strata.figure-data/1); a set whose
            inputs did not change since its data file was written is reused, --force recomputes it;
            --png adds a PNG of every chart (headless chromium, ${DEFAULT_CHROMIUM} or $STRATA_CHROMIUM);
            --only dramsim3,peak-bandwidth,pim-gpt,neupims,duplex,sensitivity,sweep-pim-gpt-lanes,sweep-neupims-interleaving,
            sweep-duplex-opb picks sets (the sweep-* sets run the studies of workloads/sweeps/); --models gpt2-small,... picks PIM-GPT
            models (the first also gets a token timeline); the --neupims-* and --duplex-* lists pick subsets as the
            flags of strata validate neupims / duplex do (defaults: the validations' own);
            --workers N runs the sets' units of work on N threads (default: the machine's cores, at most 8; the data
            files are the same for any N); --quiet prints no progress on stderr;
            --system S --set P=V (repeatable): every set computed with the value changed, paths starting at preset S,
            into out/figures-set-<hash> by default (the overrides are part of every set's input hash)`;

/** The repository root (inputs are hashed by their path relative to it). */
export const REPO_ROOT = PACKAGE_ROOT;

/** PIM-GPT run of the figures: the prompt and generated tokens of `strata validate pim-gpt`. */
const PIM_GPT_PROMPT = 64;
const PIM_GPT_TOKENS = 64;
const PIM_GPT_BASELINES = ['gpu-t4', 'gpu-a100-40gb', 'cpu-xeon'] as const;
/** The token timeline of the PIM-GPT set: the last of the prompt and this many generated tokens. */
const PIM_GPT_TIMELINE_TOKENS = 4;

/** Every file under `path` (a file or a folder, recursively), repository-relative, sorted. */
function filesUnder(path: string): string[] {
  const abs = join(REPO_ROOT, path);
  if (!existsSync(abs)) throw new Error(`internal invariant broken: figure input '${path}' does not exist`);
  if (statSync(abs).isFile()) return [path];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .map((f) => join(path, f))
    .filter((f) => statSync(join(REPO_ROOT, f)).isFile())
    .sort();
}

/**
 * The TypeScript sources `entries` load: the entries and every module they import, transitively (relative
 * imports only; packages from node_modules are not hashed).
 */
export function sourceClosure(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const m of src.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)) {
      queue.push(relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), m[1]!)));
    }
  }
  return [...seen].sort();
}

/**
 * The input hash of a figure set: sha256 over the parameters (JSON) and then, for each input file in path order,
 * its repository-relative path and its bytes. Deterministic: no times, no absolute paths.
 */
export function hashInputs(paths: readonly string[], parameters: unknown): FigureInputs {
  const files = [...new Set(paths.flatMap(filesUnder))].sort();
  const h = createHash('sha256');
  h.update(`strata figure inputs\0${FIGURE_DATA_SCHEMA}\0${JSON.stringify(parameters)}\0`);
  for (const f of files) {
    const bytes = readFileSync(join(REPO_ROOT, f));
    h.update(`${f}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return { sha256: h.digest('hex'), files };
}

/**
 * A figure-data file's content with `contentSha256`, the sha256 of its JSON (2-space indented, as written) without
 * that field, added last. A file edited by hand no longer matches its hash and is computed anew, even where its
 * input hash still matches (a number changed in a table would otherwise be published as a result).
 */
export function sealFigureData(data: FigureData): FigureData {
  const { contentSha256: _, ...rest } = data;
  return { ...rest, contentSha256: contentHash(rest) };
}

/** Whether a figure-data file's parsed JSON carries the content hash of the rest of it. */
export function contentMatches(parsed: FigureData): boolean {
  const { contentSha256, ...rest } = parsed;
  return contentSha256 !== undefined && contentSha256 === contentHash(rest);
}

function contentHash(data: Omit<FigureData, 'contentSha256'>): string {
  return createHash('sha256').update(JSON.stringify(data, null, 2)).digest('hex');
}

/** One unit of a set's work: a label for the progress line, and its argument (plain data: it may go to a worker thread). */
export interface FigureUnit {
  readonly label: string;
  readonly arg: unknown;
  /**
   * Units with the same key share a thread's memos (a NeuPIMs model's channel runs, a Duplex model's step costers),
   * so the pool sends them to one thread where that leaves no thread idle (src/cli/figures-pool.ts, pickUnit). Only
   * where the work goes: a result is the same on any thread.
   */
  readonly affinity?: string;
}

/**
 * One set of figures: what it reads, its parameters, and how to compute its data file as units of work. The units
 * are independent: `strata figures` runs them in a pool of worker threads (src/cli/figures-pool.ts), each thread
 * building the same sets from the same choices, and combines their results in unit order, so the data file is the
 * same whatever the number of threads. A sensitivity study plans a second round from the first round's results.
 */
export interface FigureSet {
  readonly name: string;
  /** Input paths (files or folders): specs, models, fixtures, and the Strata sources that compute it. */
  readonly inputs: () => string[];
  readonly parameters: Record<string, unknown>;
  /** What the units are, for the message (`4 traces`, `32 cases and 1 utilisation run`). */
  readonly work: string;
  /** The first round of units. */
  readonly units: readonly FigureUnit[];
  /** Computes one unit (any round) from its argument; the result must survive structured cloning. */
  readonly run: (arg: unknown) => unknown;
  /** The second round, planned from the first round's results (in unit order); none when absent. */
  readonly more?: (results: readonly unknown[]) => readonly FigureUnit[];
  /** The data file from both rounds' results, each in unit order. */
  readonly combine: (inputs: FigureInputs, results: readonly unknown[], moreResults: readonly unknown[]) => FigureData;
}

/**
 * This file and the figure-data builders: how parameters and results become a data file. Hashed as files, not
 * followed: what this file imports for rendering (viz/) does not change the data.
 */
const BUILDERS = ['src/cli/figures.ts', 'src/report/figure-data.ts'];

/** What `strata figures` computes: PIM-GPT models, and the NeuPIMs and Duplex subsets (the validations' flags). */
export interface FigureChoices {
  readonly models: readonly string[];
  readonly neupims: { readonly models: readonly string[]; readonly batches: readonly number[]; readonly datasets: readonly DatasetName[] };
  readonly duplex: {
    readonly models: readonly string[];
    readonly lengths: ReadonlyArray<readonly [number, number]>;
    readonly batches: readonly number[];
    readonly servingModels: readonly string[];
    readonly servingLengths: ReadonlyArray<readonly [number, number]>;
    readonly count: number;
  };
  /** `--set` overrides (with --system NAME): applied to every unit, in whichever thread it runs. */
  readonly overrides?: readonly Override[];
  /**
   * The `--system NAME --set P=V ...` flags that gave the overrides, quoted for a shell (setFlagsText): each data
   * file's "same numbers" command ends with them, since without them it would print the shipped numbers (issue #16).
   */
  readonly setFlags?: string;
}

/** A word for a POSIX shell: as it is when it has no character the shell treats specially, else in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_.,:=@%+/-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** ` --system NAME --set P=V ...` of a figures run's `--set` flags, quoted for a shell; '' without any. */
export function setFlagsText(system: string | undefined, texts: readonly string[]): string {
  if (texts.length === 0) return '';
  return `${system === undefined ? '' : ` --system ${shellWord(system)}`}${texts.map((t) => ` --set ${shellWord(t)}`).join('')}`;
}

const pair = ([a, b]: readonly [number, number]) => `${a}:${b}`;
const modelFiles = (ms: readonly string[]) => [...new Set(ms)].map((m) => `workloads/models/${m}.json`);

/** A set's choices as plain data, for the worker threads (src/cli/figures-pool.ts). */
export function figureSets(c: FigureChoices): FigureSet[] {
  const { models } = c;
  // The sensitivity study reruns each PIM-GPT model once per assumption end: the smallest and largest chosen model.
  const studied = sensitivityModels(models);
  // The NeuPIMs study reruns every system over every case per assumption end: the first model at the largest batch.
  const n = c.neupims;
  const neupimsBatch = n.batches[n.batches.length - 1]!;
  const neupimsCells = n.models.flatMap((m) => n.datasets.flatMap((d) => n.batches.map((b) => ({ m, d, b }))));
  const utilisation = { model: n.models[0]!, dataset: n.datasets[0]!, batch: n.batches[n.batches.length - 1]! };
  const x = c.duplex;
  const dcases = decodeCases(x.models, x.batches, x.lengths);
  const scases = x.servingModels.flatMap((model) => x.servingLengths.map(([lin, lout]) => ({ model, lin, lout })));
  const serving = { count: x.count, qps: DUPLEX_SERVING_DEFAULTS.qps, maxBatch: DUPLEX_SERVING_DEFAULTS.maxBatch, seed: '0' };
  const list = (xs: readonly (string | number)[]) => xs.join(',');
  const setFlags = c.setFlags ?? '';
  // The three sensitivity studies, built once per thread (their parts are closures; only names and results travel).
  const studies = {
    'pim-gpt': { command: `strata validate pim-gpt --sensitivity --models ${list(studied)}${setFlags}`, build: () => pimGptSensitivityParts(studied, PIM_GPT_PROMPT, PIM_GPT_TOKENS) },
    neupims: { command: `strata validate neupims --sensitivity --models ${n.models[0]} --datasets ${list(n.datasets)} --batches ${neupimsBatch}${setFlags}`, build: () => neupimsSensitivityParts([n.models[0]!], n.datasets, [neupimsBatch]) },
    duplex: { command: `strata validate duplex --sensitivity --models ${list(x.models)} --lengths ${list(x.lengths.map(pair))} --batches ${list(x.batches)}${setFlags}`, build: () => duplexSensitivityParts(dcases) },
  } as const;
  type Study = keyof typeof studies;
  const STUDIES = Object.keys(studies) as Study[];
  const built = new Map<Study, { parts: Parts; headlines: Headline[] }>();
  const study = (name: Study) => built.get(name) ?? built.set(name, studies[name].build()).get(name)!;
  const studyAffinity = (s: Study): { affinity?: string } => (s === 'neupims' ? { affinity: `neupims ${n.models[0]}` } : {});
  type SensitivityArg = { study: Study; part: string } | { study: Study; variation: Variation; end: 'low' | 'high' };
  // Memos of this thread (pure caches: a result is the same with or without them).
  const neupimsMemos = new Map<string, NeuPimsMemo>();
  const duplexComparison = new DuplexComparison();
  const sets: FigureSet[] = [
    {
      name: 'dramsim3',
      // DRAMsim3's .ini files are read from ../shared/reference (never copied here): hashed as inputs like the rest.
      inputs: () => [...sourceClosure(['src/validation/dramsim3.ts']), ...BUILDERS, 'arch', 'test/fixtures/dramsim3', ...DRAMSIM3_CASE_CONFIGS.map((f) => relative(REPO_ROOT, dramsim3Config(f)))],
      parameters: { cases: [...DRAMSIM3_CASES] },
      work: plural(DRAMSIM3_CASES.length, 'trace'),
      units: DRAMSIM3_CASES.map((k) => ({ label: k, arg: k })),
      run: (k) => compareWithDramsim3(k as (typeof DRAMSIM3_CASES)[number]),
      combine: (inputs, rows) => dramsim3FigureData(rows as ReturnType<typeof compareWithDramsim3>[], inputs),
    },
    {
      name: 'peak-bandwidth',
      inputs: () => [...sourceClosure(['src/validation/peak-bandwidth.ts', 'src/dram/standard.ts']), ...BUILDERS, 'arch'],
      parameters: { presets: knownStandards(), requests: 200_000 },
      work: plural(knownStandards().length, 'preset'),
      units: knownStandards().map((name) => ({ label: name, arg: name })),
      run: (name) => streamingPeak(loadStandard(name as string), 200_000),
      combine: (inputs, rows) => peakFigureData(rows as ReturnType<typeof streamingPeak>[], inputs),
    },
    {
      name: 'pim-gpt',
      inputs: () => [
        ...sourceClosure(['src/validation/pim-gpt.ts', 'src/systems/baseline/roofline.ts']),
        ...BUILDERS,
        'arch',
        ...modelFiles(models),
      ],
      parameters: { models: [...models], promptTokens: PIM_GPT_PROMPT, tokens: PIM_GPT_TOKENS, baselines: [...PIM_GPT_BASELINES], timelineTokens: PIM_GPT_TIMELINE_TOKENS },
      work: `${plural(models.length, 'model')} and a token timeline`,
      units: [...models.map((m) => ({ label: m, arg: m })), { label: `${models[0]} token timeline`, arg: null }],
      run: (m) => {
        if (m !== null) return comparePimGpt(m as string, PIM_GPT_PROMPT, PIM_GPT_TOKENS, PIM_GPT_BASELINES);
        const g = pimGptGenerate(loadPimGptSystem(), loadModel(models[0]!), PIM_GPT_PROMPT, PIM_GPT_TIMELINE_TOKENS, { timeline: true });
        const last = g.generated[g.generated.length - 1]!;
        return { model: models[0]!, promptTokens: PIM_GPT_PROMPT, tokens: PIM_GPT_TIMELINE_TOKENS, contextLength: last.contextLength, totalPs: last.totalPs, spans: last.timeline! };
      },
      combine: (inputs, results) => {
        const rows = results.slice(0, models.length) as ReturnType<typeof comparePimGpt>[];
        const timeline = results[models.length] as Parameters<typeof pimGptFigureData>[1]['timeline'];
        const baselines = PIM_GPT_BASELINES.map((name) => {
          const d = loadDevice(name);
          return { name, kind: d.kind, description: d.description };
        });
        return pimGptFigureData(rows, { promptTokens: PIM_GPT_PROMPT, tokens: PIM_GPT_TOKENS, baselines, paper: PIM_GPT_PAPER, paperGpu: 'gpu-t4', paperCpu: 'cpu-xeon', timeline }, inputs);
      },
    },
    {
      name: 'neupims',
      inputs: () => [...sourceClosure(['src/validation/neupims.ts']), ...BUILDERS, 'arch', ...modelFiles(n.models)],
      parameters: { models: [...n.models], batches: [...n.batches], datasets: [...n.datasets], gpu: NEUPIMS_GPU, utilisation: [utilisation.model, utilisation.dataset, utilisation.batch] },
      work: `${plural(neupimsCells.length, 'case')} and a utilisation run`,
      // One unit per case; the cases of a model share one memo per thread, as strata validate neupims shares one
      // (its keys name everything a result depends on, so a result is the same with or without it).
      // A model's units go to one thread where they can (affinity), so its memo is built once.
      units: [
        ...neupimsCells.map((k) => ({ label: `${k.m} ${k.d} batch ${k.b}`, arg: k, affinity: `neupims ${k.m}` })),
        { label: `utilisation ${utilisation.model} batch ${utilisation.batch}`, arg: null, affinity: `neupims ${utilisation.model}` },
      ],
      run: (arg) => {
        if (arg === null) return neupimsUtilisation(utilisation.model, utilisation.dataset, utilisation.batch);
        const k = arg as (typeof neupimsCells)[number];
        const memo = neupimsMemos.get(k.m) ?? neupimsMemos.set(k.m, new NeuPimsMemo()).get(k.m)!;
        return compareNeuPims(k.m, k.d, k.b, memo);
      },
      combine: (inputs, results) => {
        const rows = results.slice(0, neupimsCells.length) as NeuPimsRow[];
        const u = results[neupimsCells.length] as ReturnType<typeof neupimsUtilisation>;
        return neupimsFigureData(rows, u, { datasets: n.datasets, batches: n.batches, gpu: NEUPIMS_GPU, paper: NEUPIMS_PAPER, utilisationDataset: utilisation.dataset }, inputs);
      },
    },
    {
      name: 'duplex',
      inputs: () => [...sourceClosure(['src/validation/duplex.ts']), ...BUILDERS, 'arch', ...modelFiles([...x.models, ...x.servingModels])],
      parameters: {
        models: [...x.models], lengths: x.lengths.map(pair), batches: [...x.batches], servingModels: [...x.servingModels], servingLengths: x.servingLengths.map(pair),
        count: serving.count, qps: serving.qps, maxBatch: serving.maxBatch, seed: serving.seed,
      },
      work: `${plural(dcases.length, 'decode case')} and ${plural(scases.length, 'serving run')}`,
      // One unit per decode case and per serving run; one comparison per thread serves them all (its memos are
      // keyed by everything a result depends on), as strata validate duplex shares one.
      units: [
        ...dcases.map((k, i) => ({ label: `${k.model} ${k.lin}/${k.lout} batch ${k.batch} ${k.routing}`, arg: { decode: i }, affinity: `duplex ${k.model}` })),
        ...scases.map((k, i) => ({ label: `serving ${k.model} ${k.lin}/${k.lout}`, arg: { serving: i }, affinity: `duplex ${k.model}` })),
      ],
      run: (arg) => {
        const a = arg as { decode: number } | { serving: number };
        if ('decode' in a) {
          const k = dcases[a.decode]!;
          return duplexComparison.decode(k.model, k.lin, k.lout, k.batch, k.routing);
        }
        return compareServing({ ...scases[a.serving]!, ...serving }, duplexComparison);
      },
      combine: (inputs, results) => {
        const decode = results.slice(0, dcases.length) as DecodeRow[];
        const served = results.slice(dcases.length) as ServingRow[];
        return duplexFigureData(decode, served, {
          systems: DUPLEX_COMPARED.map((s) => ({ key: s.key, preset: s.preset, label: s.label, times: s.times })),
          batches: x.batches, lengths: x.lengths.map(pair), servingModels: x.servingModels, servingLengths: x.servingLengths.map(pair),
          count: serving.count, qps: serving.qps, maxBatch: serving.maxBatch, paper: DUPLEX_PAPER,
        }, inputs);
      },
    },
    {
      name: 'sensitivity',
      inputs: () => [
        ...sourceClosure(['src/validation/sensitivity.ts', 'src/validation/pim-gpt.ts', 'src/validation/neupims.ts', 'src/validation/duplex.ts']),
        ...BUILDERS,
        'arch',
        ...modelFiles([...studied, n.models[0]!, ...x.models]),
      ],
      parameters: { pimGptModels: [...studied], promptTokens: PIM_GPT_PROMPT, tokens: PIM_GPT_TOKENS, neupimsModel: n.models[0]!, neupimsDatasets: [...n.datasets], neupimsBatch, duplexModels: [...x.models], lengths: x.lengths.map(pair), batches: [...x.batches] },
      work: `the PIM-GPT headlines of ${studied.join(' and ')}, the NeuPIMs gains of ${n.models[0]} at batch ${neupimsBatch} and the Duplex decode headlines, each over every assumption on its path`,
      // First every part of every study as shipped, then every assumption the parts read at each end of its range
      // (src/validation/sensitivity.ts: the same steps `sensitivity` takes in order).
      // The NeuPIMs study's units share the channel runs of the neupims set's first model (its parts at the shipped
      // specs, and every variant that leaves the PIM spec as it is): they go where that model's units go (affinity).
      units: STUDIES.flatMap((s) => Object.keys(study(s).parts).map((part) => ({ label: `${s}: ${part}`, arg: { study: s, part } satisfies SensitivityArg, ...studyAffinity(s) }))),
      run: (arg) => {
        const a = arg as SensitivityArg;
        return 'part' in a ? runPart(study(a.study).parts, a.part) : runVariation(study(a.study).parts, a.variation, a.end);
      },
      more: (results) => {
        let first = 0;
        return STUDIES.flatMap((s) => {
          const names = Object.keys(study(s).parts);
          const runs = names.map((part, i) => [part, results[first + i] as PartRun] as const);
          first += names.length;
          return variations(runs).flatMap((variation) => (['low', 'high'] as const).map((end) => ({
            label: `${s}: ${assumptionName(variation.members[0]!, REPO_ROOT)} at its ${end} end`,
            arg: { study: s, variation, end } satisfies SensitivityArg,
            ...studyAffinity(s),
          })));
        });
      },
      combine: (inputs, results, moreResults) => {
        let first = 0;
        let second = 0;
        const out = STUDIES.map((s) => {
          const names = Object.keys(study(s).parts);
          const runs = names.map((part, i) => [part, results[first + i] as PartRun] as const);
          first += names.length;
          const vs = variations(runs);
          const base = second;
          second += vs.length * 2;
          const result = sensitivityBands(study(s).headlines, runs, vs, (i, end) => moreResults[base + 2 * i + (end === 'low' ? 0 : 1)] as Record<string, unknown>);
          return { study: s, command: studies[s].command, result };
        });
        return sensitivityFigureData(out, REPO_ROOT, inputs);
      },
    },
    // The shipped sweep studies (workloads/sweeps/), one set each: src/cli/figures-sweeps.ts.
    ...sweepFigureSets({ sourceClosure }),
  ];
  if (!c.overrides?.length) return sets;
  // Each unit runs under the overrides, in a worker thread as in this one. The set is the prototype of its wrapper, so
  // getters that plan work on first use (the sweep sets' units) stay lazy. Each data file's command gets the --set
  // flags (the sensitivity studies' commands have them already): `strata sweep` takes no --set, so a sweep set's
  // numbers come again from this command with --only.
  const combineWithFlags = (s: FigureSet): FigureSet['combine'] => (inputs, results, more) => {
    const d = s.combine(inputs, results, more);
    if (s.name === 'sensitivity') return d;
    const command = (SWEEP_FIGURE_SETS as readonly string[]).includes(s.name) ? `strata figures --only ${s.name}${setFlags}` : `${d.command}${setFlags}`;
    return { ...d, command };
  };
  return sets.map((s) => Object.assign(Object.create(s) as FigureSet, { run: (arg: unknown) => withOverrides(c.overrides!, () => s.run(arg)), combine: combineWithFlags(s) }));
}

/** The figure sets `strata figures` knows, in the order it makes them. */
export const FIGURE_SETS = ['dramsim3', 'peak-bandwidth', 'pim-gpt', 'neupims', 'duplex', 'sensitivity', ...SWEEP_FIGURE_SETS] as const;

/** The files a figure-data file renders to (renderFigureSetFiles). */
type RenderedFiles = ReturnType<typeof renderFigureSetFiles>;

/** Why a data file is (re)computed, or null when it can be reused (with its data and the files it renders to). */
function staleReason(file: string, inputs: FigureInputs, force: boolean): { reason: string | null; data?: FigureData; files?: RenderedFiles } {
  if (force) return { reason: '--force' };
  if (!existsSync(file)) return { reason: 'no data file yet' };
  let data: FigureData;
  try {
    const parsed = validateReport(JSON.parse(readFileSync(file, 'utf8')), file);
    if (parsed.schema !== FIGURE_DATA_SCHEMA) return { reason: `${file} is not a figure-data file` };
    data = parsed;
  } catch (e) {
    return { reason: `the data file is unreadable (${(e as Error).message.split('\n')[0]})` };
  }
  if (!contentMatches(data)) return { reason: 'the data file was edited after it was written: its content hash does not match' };
  if (data.inputs.sha256 !== inputs.sha256) return { reason: 'inputs changed' };
  // An edited file whose inputs still match but whose tables no longer draw is computed anew.
  try {
    return { reason: null, data, files: renderFigureSetFiles(data, file) };
  } catch (e) {
    if (e instanceof StrataError) return { reason: `the data file does not render (${e.message.split('\n')[0]})` };
    throw e;
  }
}

function listFlag(flag: string, v: string | undefined, allowed?: readonly string[]): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new StrataError(`figures: --${flag}: expected a comma-separated list, got '${v}'`);
  if (allowed) {
    for (const i of items) if (!allowed.includes(i)) throw new StrataError(`figures: --${flag}: unknown '${i}' (known: ${allowed.join(', ')})`);
  }
  return [...new Set(items)];
}

/** Whole numbers >= 1 of a list flag. */
function countsFlag(flag: string, v: string | undefined): number[] | undefined {
  const items = listFlag(flag, v);
  if (items === undefined) return undefined;
  const max = flag === 'duplex-count' ? MAX_SERVED_REQUESTS : MAX_BATCH;
  return withContext(() => positiveInts(flag, items, max, 'whole numbers >= 1'), (m) => `figures: ${m}`);
}

/** IN:OUT pairs of a list flag. */
function lengthsFlag(flag: string, v: string | undefined): Array<readonly [number, number]> | undefined {
  return listFlag(flag, v)?.map((s) => {
    const pair = tokenPair(s);
    if (!pair) throw new StrataError(`figures: --${flag}: expected IN:OUT pairs of whole numbers from 1 to ${formatCount(MAX_STEP_TOKENS)} (256:256,1024:1024), got '${s}'`);
    return pair;
  });
}

/** Models of a list flag, each a shipped model. */
function modelsFlag(flag: string, v: string | undefined): string[] | undefined {
  const ms = listFlag(flag, v);
  for (const m of ms ?? []) if (!knownModels().includes(m)) throw new StrataError(`figures: --${flag}: unknown model '${m}' (known: ${knownModels().join(', ')})`);
  return ms;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * `strata figures`: computes (or reuses) the data file of each figure set, renders every chart and table from the
 * data files, optionally exports PNGs through chromium, and writes everything at once.
 */
export async function figuresCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('figures', argv, {
    out: { type: 'string' },
    force: { type: 'boolean' },
    png: { type: 'boolean' },
    only: { type: 'string' },
    models: { type: 'string' },
    'neupims-models': { type: 'string' },
    'neupims-batches': { type: 'string' },
    'neupims-datasets': { type: 'string' },
    'duplex-models': { type: 'string' },
    'duplex-lengths': { type: 'string' },
    'duplex-batches': { type: 'string' },
    'duplex-serving-models': { type: 'string' },
    'duplex-serving-lengths': { type: 'string' },
    'duplex-count': { type: 'string' },
    workers: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (positionals.length) throw new StrataError(`figures: unexpected argument '${positionals[0]}'${seeUsage('figures')}`);
  // --set: the overrides go into every set's input hash and, by default, into a folder of their own, so the data files
  // of the shipped specs are neither reused nor overwritten.
  const set = setFlagsInEffect();
  const setId = set.overrides.length ? overridesIdentity(set.overrides) : undefined;
  const outDir = values.out ?? (setId ? join('out', `figures-set-${createHash('sha256').update(JSON.stringify(setId)).digest('hex').slice(0, 12)}`) : join('out', 'figures'));
  const only = listFlag('only', values.only, FIGURE_SETS) ?? [...FIGURE_SETS];
  const models = listFlag('models', values.models) ?? [...PIM_GPT_MODELS];
  for (const m of models) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(m) || !existsSync(join(REPO_ROOT, 'workloads/models', `${m}.json`))) {
      throw new StrataError(`figures: --models: unknown model '${m}' (PIM-GPT's models: ${PIM_GPT_MODELS.join(', ')}; any model of workloads/models works)`);
    }
  }
  const datasets = listFlag('neupims-datasets', values['neupims-datasets'], DATASETS) as DatasetName[] | undefined;
  const count = countsFlag('duplex-count', values['duplex-count']);
  if (count && count.length > 1) throw new StrataError(`figures: --duplex-count: expected one whole number >= 1, got '${values['duplex-count']}'`);
  const choices: FigureChoices = {
    models,
    neupims: {
      models: modelsFlag('neupims-models', values['neupims-models']) ?? [...NEUPIMS_MODELS],
      batches: countsFlag('neupims-batches', values['neupims-batches']) ?? [...NEUPIMS_BATCHES],
      datasets: datasets ?? [...DATASETS],
    },
    duplex: {
      models: modelsFlag('duplex-models', values['duplex-models']) ?? [...DUPLEX_MODELS],
      lengths: lengthsFlag('duplex-lengths', values['duplex-lengths']) ?? DUPLEX_LENGTHS,
      batches: countsFlag('duplex-batches', values['duplex-batches']) ?? [...DUPLEX_BATCHES],
      servingModels: modelsFlag('duplex-serving-models', values['duplex-serving-models']) ?? [...DUPLEX_SERVING_DEFAULTS.models],
      servingLengths: lengthsFlag('duplex-serving-lengths', values['duplex-serving-lengths']) ?? DUPLEX_SERVING_DEFAULTS.lengths.map((l) => lengthsFlag('duplex-serving-lengths', l)![0]!),
      count: count?.[0] ?? DUPLEX_SERVING_DEFAULTS.count,
    },
    ...(set.overrides.length ? { overrides: set.overrides, setFlags: setFlagsText(set.system, set.texts) } : {}),
  };
  const workersWanted = withContext(() => positiveInt('workers', values.workers, 1024), (m) => `figures: ${m}`);
  const sets = figureSets(choices).filter((s) => only.includes(s.name));
  // Every output path is checked before any computing starts (a set may take minutes).
  checkOutputPaths([...sets.map((s) => join(outDir, 'data', `${s.name}.json`)), join(outDir, 'figures.html'), join(outDir, 'index.html')]);
  const planned = sets.map((s) => {
    // With --set, the flags as written are hashed too: the data file's command names them (the same overrides reached
    // from another --system would otherwise reuse a file whose command names the other system).
    const inputs = hashInputs(s.inputs(), setId ? { ...s.parameters, set: setId, setFlags: choices.setFlags } : s.parameters);
    const file = join(outDir, 'data', `${s.name}.json`);
    return { set: s, inputs, file, ...staleReason(file, inputs, values.force ?? false) };
  });
  const work = planned.reduce((n, p) => n + (p.reason === null ? 0 : p.set.units.length), 0);
  const progress = new FiguresProgress(work + planned.length, { tty: process.stderr.isTTY === true, quiet: values.quiet ?? false });
  const outputs: OutputFile[] = [];
  const computedMessages = new Map<string, string>();
  const stale = planned.filter((p) => p.reason !== null);
  const workers = Math.min(workersWanted ?? defaultFigureWorkers(), Math.max(1, stale.reduce((n, p) => n + p.set.units.length, 0)));
  const runner = new FigureUnitRunner(choices, workers);
  const started = performance.now();
  /** Computes one stale set's units (both rounds) and saves its data file as soon as it is complete. */
  const compute = async (p: (typeof planned)[number]): Promise<FigureData> => {
    try {
      return await computeSet(p);
    } catch (e) {
      progress.setFailed(p.set.name, (e as Error).message);
      throw e;
    }
  };
  const computeSet = async (p: (typeof planned)[number]): Promise<FigureData> => {
    const round = (units: readonly FigureUnit[]) => Promise.all(units.map(async (u) => {
      const r = await runner.run(p.set, u);
      progress.step(`${p.set.name}: ${u.label}`);
      return r;
    }));
    const first = await round(p.set.units);
    const more = p.set.more?.(first) ?? [];
    progress.grow(more.length);
    const second = await round(more);
    const data = sealFigureData(p.set.combine(p.inputs, first, second));
    // Saved as soon as it is computed: an interrupted or failed run keeps every finished set, which the next run reuses.
    writeOutputs([{ path: p.file, content: `${JSON.stringify(data, null, 2)}\n` }]);
    progress.setDone(p.set.name, p.set.units.length + more.length, p.file);
    computedMessages.set(p.set.name, `${p.set.name}: computed ${p.set.work} in ${seconds(performance.now() - started)} (${p.reason}), wrote ${p.file}`);
    return data;
  };
  // The sets run at once, their units sharing the threads; the sensitivity study is started first, since its second
  // round (every assumption at both ends) is the largest piece of work and can only start after its first.
  const order = [...stale].sort((x, y) => Number(y.set.name === 'sensitivity') - Number(x.set.name === 'sensitivity'));
  const computed = new Map<string, Promise<FigureData>>();
  for (const p of order) computed.set(p.set.name, compute(p));
  let results: FigureData[];
  try {
    results = await Promise.all(stale.map((p) => computed.get(p.set.name)!));
  } catch (e) {
    // Let the other sets finish and save their data files before reporting the first error.
    await Promise.allSettled(computed.values());
    progress.end();
    throw e;
  } finally {
    await runner.close();
  }
  const elapsed = performance.now() - started;
  const messages: string[] = [];
  const datas: FigureData[] = [];
  /** Per set, in the order of datas: the files its data renders to (rendered once, here or when checking reuse). */
  const rendered: RenderedFiles[] = [];
  for (const p of planned) {
    if (p.reason === null) {
      messages.push(`${p.set.name}: inputs unchanged (sha256 ${p.inputs.sha256.slice(0, 12)}), reusing ${p.file}`);
      datas.push(p.data!);
      rendered.push(p.files!);
      continue;
    }
    const data = results[stale.indexOf(p)]!;
    messages.push(computedMessages.get(p.set.name)!);
    datas.push(data);
    rendered.push(renderFigureSetFiles(data, p.file));
  }
  if (stale.length) messages.push(`computed ${plural(stale.length, 'set')} on ${plural(workers, 'thread')} in ${seconds(elapsed)}`);
  const svgs: Array<{ path: string; svg: string }> = [];
  datas.forEach((d, i) => {
    progress.step(`${d.figure}: charts and tables`);
    for (const f of rendered[i]!) {
      const path = join(outDir, f.name);
      outputs.push({ path, content: f.content });
      if (f.name.endsWith('.svg')) svgs.push({ path, svg: f.content });
    }
  });
  if (values.png) {
    const chromium = process.env.STRATA_CHROMIUM || DEFAULT_CHROMIUM;
    if (!haveChromium(chromium)) {
      messages.push(`png: skipped, no chromium at ${chromium} (install Debian's chromium: apt-get install chromium, or set STRATA_CHROMIUM to a chromium executable)`);
    } else {
      progress.grow(svgs.length);
      const t0 = performance.now();
      let pngs: Awaited<ReturnType<typeof svgsToPng>>;
      try {
        pngs = await svgsToPng(svgs.map((s) => ({ name: s.path.replace(/\.svg$/, '.png'), svg: s.svg })), {
          executablePath: chromium,
          onProgress: (_, __, name) => progress.step(`png: ${name}`),
        });
      } catch (e) {
        progress.end();
        throw new StrataError(`figures --png: chromium at ${chromium} could not render the charts (${(e as Error).message.split('\n')[0]}); no chart or table was written (the data files of the sets computed are kept)`);
      }
      for (const p of pngs) outputs.push({ path: p.name, content: p.png });
      messages.push(`png: ${plural(pngs.length, 'chart')} through ${chromium} in ${seconds(performance.now() - t0)}`);
    }
  }
  progress.end();
  // The interactive page: every set's charts in plotly, drawn from the data files embedded in it.
  outputs.push({ path: join(outDir, 'figures.html'), content: figuresHtmlPage(datas, sweepSetPlotlyFigures) });
  const index = join(outDir, 'index.html');
  outputs.push({ path: index, content: figuresIndexHtml(indexSets(planned, datas, rendered, outputs, outDir), { path: 'figures.html', title: 'figures.html' }) });
  writeOutputs(outputs);
  for (const m of messages) console.log(m);
  const kind = (path: string) => (path.endsWith('.svg') ? 'chart' : path.endsWith('.png') ? 'png' : path.endsWith('.md') ? 'table' : path.endsWith('.csv') ? 'csv' : path.endsWith('index.html') ? 'index' : path.endsWith('.html') ? 'interactive' : 'data');
  for (const o of outputs) if (!o.path.endsWith('.json')) console.log(`${kind(o.path)}: ${o.path}`);
  console.log(`figures: ${outDir}`);
  return 0;
}

/** What the index page lists: per set, the files of this run (paths relative to the folder) and the data file. */
function indexSets(planned: ReadonlyArray<{ file: string }>, datas: readonly FigureData[], rendered: readonly RenderedFiles[], outputs: readonly OutputFile[], outDir: string): IndexSet[] {
  const written = new Set(outputs.map((o) => relative(outDir, o.path)));
  return datas.map((d, i) => {
    const files = rendered[i]!;
    const svgTitle = (svg: string) => svg.match(/<title id="[^"]*">([^<]*)<\/title>/)?.[1]?.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
    return {
      figure: d.figure,
      title: d.title,
      description: d.description,
      command: d.command,
      charts: files.filter((f) => f.name.endsWith('.svg')).map((f) => {
        const png = f.name.replace(/\.svg$/, '.png');
        return { svg: { path: f.name, title: svgTitle(f.content) }, ...(written.has(png) ? { png: { path: png } } : {}) };
      }),
      tables: files.filter((f) => f.name.endsWith('.md') || f.name.endsWith('.csv')).map((f) => ({ path: f.name })),
      reports: files.filter((f) => f.name.endsWith('.html')).map((f) => ({ path: f.name })),
      data: { path: relative(outDir, planned[i]!.file).split(sep).join('/') },
    };
  });
}
