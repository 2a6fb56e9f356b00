import type { Headline, Parts } from './sensitivity.ts';
import { overridesKey } from '../spec/provenance.ts';
import { kvBytesPerToken, loadModel, parameterCount, type ModelSpec } from '../compiler/model.ts';
import type { LowerOptions } from '../compiler/lower.ts';
import { generateRequests } from '../compiler/requests.ts';
import { StrataError } from '../spec/errors.ts';
import { duplexCapacityBytes, loadDuplexSystem, type DuplexSystem } from '../systems/duplex/duplex-system.ts';
import { duplexStepCoster, type DuplexCharge, type DuplexStepCoster } from '../systems/duplex/duplex-step-cost.ts';
import { duplexStepCostModel } from '../systems/duplex/duplex-serving.ts';
import { buildOpGraph } from '../compiler/lower.ts';
import { makeStep } from '../compiler/step.ts';
import { DUPLEX_DEVICES, type DuplexSplit } from '../systems/duplex/policy.ts';
import { coSchedule, type CoItem } from '../systems/duplex/duplex-schedule.ts';
import { runDuplexOps, sharedArrayBytesPerPs, type DuplexStepResult } from '../systems/duplex/duplex-step.ts';
import type { Op } from '../ir/op.ts';
import { requestMetrics, servingTotals } from '../serving/metrics.ts';
import { deviceProfile, usableBytes } from '../systems/baseline/roofline.ts';
import { simulateServing } from '../serving/serving-loop.ts';

/** Default serving comparison of `strata validate duplex` and `strata figures`: models, (Lin:Lout) pairs, requests, Poisson rate, maximum batch. */
export const DUPLEX_SERVING_DEFAULTS = { models: ['mixtral-8x7b', 'llama3-70b'], lengths: ['256:256', '1024:1024'], count: 64, qps: 8, maxBatch: 64 } as const;

/**
 * Duplex (Yun et al., MICRO 2024, arXiv 2409.01141) against its baselines: the GPU (H100), twice as many GPUs,
 * bank-PIM and bank-group PIM, on the paper's models, (Lin, Lout) pairs and batches
 * as far as its abstract and its simulator (scale-snu/LLMSimulator; fork HeliosZhou/LLMSimulator) show them.
 *
 * - Devices. Each model runs on D tensor-parallel devices, D the smallest power of two whose memory holds the
 *   weights plus the KV cache of batch 32 at the model's longest case (Mixtral 2, Llama-3 70B 4, OPT-66B 4,
 *   Grok-1 16). Duplex, bank-PIM, BG-PIM and the GPU system each have D devices (a Duplex device replaces a GPU);
 *   2xGPU has 2D. Cases whose KV cache does not fit a system are reported as OOM (LLMSimulator's OOM flag).
 * - Fixed-batch decode: B requests each decoding the token at position Lin + Lout/2 (the mean position of a
 *   generation); throughput = B / step time, energy per token = step energy / B. MoE routing uniform or skewed
 *   (seed 0, one step).
 * - Serving: N requests of (Lin, Lout) arriving Poisson at a stated QPS, continuous batching up to a maximum
 *   batch with whole prefill (src/serving/serving-loop.ts); per system the output tokens/s over the run, TTFT, TBT,
 *   end-to-end latency and energy per output token, and every request's latencies (for CDFs).
 */

/** Models of the comparison (GLaM has no shipped config with a source; Grok-1 stands for the largest MoE). */
export const DUPLEX_MODELS = ['mixtral-8x7b', 'llama3-70b', 'opt-66b', 'grok-1'] as const;
/** (Lin, Lout) pairs of the paper's range. */
export const DUPLEX_LENGTHS: ReadonlyArray<readonly [number, number]> = [[256, 256], [1024, 1024], [4096, 4096]];
/** Batches of the paper's range. */
export const DUPLEX_BATCHES = [32, 64, 128] as const;

/** The systems compared, in table order: key, preset, device multiple of D, label. */
export const DUPLEX_COMPARED = [
  { key: 'duplex', preset: 'duplex', times: 1, label: 'Duplex' },
  { key: 'gpu', preset: 'duplex-gpu', times: 1, label: 'GPU' },
  { key: 'gpu2', preset: 'duplex-gpu', times: 2, label: '2xGPU' },
  { key: 'bankPim', preset: 'bank-pim', times: 1, label: 'bank-PIM' },
  { key: 'bgPim', preset: 'bg-pim', times: 1, label: 'BG-PIM' },
] as const;
/** A compared system's key. */
export type ComparedKey = (typeof DUPLEX_COMPARED)[number]['key'];

/** The paper's headline numbers (abstract; the energy figure is a third-party summary, unconfirmed). */
export const DUPLEX_PAPER = {
  throughputOverGpu: 2.67,
  energySavingVsGpu: 0.4203,
  source: 'Duplex abstract (arXiv 2409.01141): "up to 2.67x higher throughput ... compared to GPU systems"; 42.03 % less energy: a third-party summary of the paper, not in the part of the abstract this repository could check',
} as const;

/** How each system's numbers are computed (printed under the tables, so the page that quotes them says it too). */
export const DUPLEX_METHOD = "Method: the xPU (every GPU system, and Duplex's ops above the Op/B threshold) on the H100 kernel model under the 'graphs' profile (a serving engine replaying CUDA graphs, each kernel at least the preset's kernel floor; docs/baselines.md). 'Authors' charge': the paper's setup, as the Duplex authors' LLMSimulator charges a step: the same placement and op bodies on Duplex and on the GPU, without any kernel floor or launch and without the shared-bank slowdown while xPU and PIM both run (`--co-processing` shows it op class by op class). Logic-PIM, bank-PIM and BG-PIM: each pseudo-channel's stream runs command by command through the HBM3 DRAM model up to twice `simulation.tileRequestsPerChannel` requests (stream lengths on a power-of-two grid simulated, lengths between them interpolated), longer streams continue at the simulated steady-state rate (extrapolated). Energy: every xPU at board power for the whole step (also while it waits for PIM), PIM by per-bit DRAM path and MAC energy, links between devices per bit.";

/**
 * Title of the serving table of `strata validate duplex`: it names the profile its GPU and xPU steps run under
 * (issue #14, "Done when": each paper table states the baseline profile it uses). Serving is timed under the serving
 * engine's charge only; the paper's setup (the authors' charge) is a column of the decode table.
 */
export function duplexServingTitle(count: number, qps: number, maxBatch: number): string {
  return `### Duplex: serving ${count} fixed-length requests, Poisson ${qps} requests/s, max batch ${maxBatch}, whole prefill; GPU and xPU: the H100 under the 'graphs' profile (a serving engine; the paper's setup, the authors' charge, is timed for the decode table only)`;
}

/** Title of `strata validate duplex --co-processing`: the profile of its xPU times and the charges of its step columns. */
export const DUPLEX_CO_PROCESSING_TITLE = "### Duplex co-processing: time per op class on the xPU / on PIM (µs, one decode step, all layers); xPU: the H100 under the 'graphs' profile (a serving engine), the step also under the authors' charge (the paper's setup)";

/**
 * The software profile every xPU of the comparison runs under: the default of the shipped Duplex systems' xPU
 * preset (src/systems/duplex/duplex-step.ts times xPU ops without naming one). DUPLEX_METHOD names it in words.
 */
export function duplexXpuProfile(): string {
  return deviceProfile(loadDuplexSystem('duplex').xpu).name;
}

/** Cases a model can run: (Lin, Lout) within its learned positions (OPT-66B: 2048). */
export function lengthsFor(model: ModelSpec, lengths: ReadonlyArray<readonly [number, number]> = DUPLEX_LENGTHS): Array<readonly [number, number]> {
  return lengths.filter(([lin, lout]) => model.positionScheme !== 'learned' || lin + lout <= model.maxPositions);
}

/**
 * The Duplex xPU preset, loaded once per set of overrides in effect (`overridesKey`): a `--set` or a sensitivity
 * variant of its capacity or reserve changes D, and a plain run never re-reads the file for every case.
 */
const duplexXpus = new Map<string, DuplexSystem['xpu']>();

/**
 * Devices of a model's comparison: the smallest power of two whose usable memory (each device's capacity less its
 * runtime reserve, as `duplexCapacityBytes` counts it) holds the weights and batch 32's KV cache at its longest case.
 */
export function devicesFor(model: ModelSpec, lengths: ReadonlyArray<readonly [number, number]> = DUPLEX_LENGTHS): number {
  const key = overridesKey();
  let xpu = duplexXpus.get(key);
  if (!xpu) duplexXpus.set(key, (xpu = loadDuplexSystem('duplex').xpu));
  const longest = Math.max(...lengthsFor(model, lengths).map(([a, b]) => a + b));
  const need = parameterCount(model) * model.precisionBytes + 32 * longest * kvBytesPerToken(model);
  let d = 1;
  while (d * usableBytes(xpu) < need) d *= 2;
  return d;
}

/** Whether B requests of Lin + Lout tokens (their whole KV cache) fit a system next to the weights. */
export function fits(system: DuplexSystem, model: ModelSpec, batch: number, lin: number, lout: number): boolean {
  return parameterCount(model) * model.precisionBytes + batch * (lin + lout) * kvBytesPerToken(model) <= duplexCapacityBytes(system);
}

/** One system's decode result; null when it does not fit. */
export interface DecodeResult {
  readonly devices: number;
  readonly stepPs: number;
  readonly tokensPerS: number;
  readonly joulesPerToken: number;
  /** The step without co-processing (every op after the previous one). */
  readonly serialPs: number;
  /**
   * The step under the Duplex authors' charge (no kernel floor or launch, no shared-bank slowdown: their
   * LLMSimulator's setup, `DuplexCharge`), for Duplex and the GPU system: the paper's setup beside the serving
   * engine's `stepPs`. Absent for the other systems and where a comparison leaves it out (the sensitivity study).
   */
  readonly authorsStepPs?: number;
}

/** One fixed-batch decode case. */
export interface DecodeRow {
  readonly model: string;
  readonly lin: number;
  readonly lout: number;
  readonly batch: number;
  readonly routing: 'uniform' | 'skewed' | 'dense';
  readonly context: number;
  /** D: devices of Duplex, GPU, bank-PIM and BG-PIM (2xGPU has 2D). */
  readonly devices: number;
  readonly systems: Readonly<Record<ComparedKey, DecodeResult | null>>;
}

/** Costers are memoised per (system, model, routing), so shapes are simulated once across the table. */
export class DuplexComparison {
  private readonly costers = new Map<string, DuplexStepCoster>();
  private readonly systems = new Map<string, DuplexSystem>();

  /**
   * `split`: how every PIM system splits matrix ops between its xPU and PIM (src/systems/duplex/policy.ts).
   * `authorsCharge`: also time Duplex and the GPU system under the authors' charge (`DecodeResult.authorsStepPs`).
   */
  constructor(readonly split: DuplexSplit = 'op-b', readonly authorsCharge = true) {}

  /** The compared system `key` for `model` (D or 2D devices). */
  system(key: ComparedKey, model: ModelSpec): DuplexSystem {
    const c = DUPLEX_COMPARED.find((x) => x.key === key)!;
    const devices = devicesFor(model) * c.times;
    const id = `${c.preset}:${devices}`;
    let s = this.systems.get(id);
    if (!s) this.systems.set(id, (s = loadDuplexSystem(c.preset, { devices })));
    return s;
  }

  /** The step coster of a system for a model and routing. */
  coster(system: DuplexSystem, model: ModelSpec, routing: LowerOptions['routing'], coProcessing = true, charge: DuplexCharge = 'strata'): DuplexStepCoster {
    const id = `${system.name}:${system.devices}:${model.name}:${routing ?? 'uniform'}:${coProcessing}:${charge}`;
    let c = this.costers.get(id);
    if (!c) this.costers.set(id, (c = duplexStepCoster(system, model, { routing, coProcessing, split: this.split, charge })));
    return c;
  }

  /** One decode case on every compared system. */
  decode(modelName: string, lin: number, lout: number, batch: number, routing: 'uniform' | 'skewed' | 'dense'): DecodeRow {
    const model = loadModel(modelName);
    if (routing !== 'dense' && model.experts <= 1) throw new StrataError(`${modelName} is a dense model: routing 'dense', not '${routing}'`);
    const context = lin + Math.floor(lout / 2);
    const entries = Array.from({ length: batch }, () => ({ contextLength: context, newTokens: 1 }));
    const systems = {} as Record<ComparedKey, DecodeResult | null>;
    for (const c of DUPLEX_COMPARED) systems[c.key] = this.decodeOn(c.key, model, lin, lout, batch, routing, entries);
    return { model: model.name, lin, lout, batch, routing, context, devices: devicesFor(model), systems };
  }

  /** One decode case on one compared system; null when the model and its KV cache do not fit. */
  private decodeOn(key: ComparedKey, model: ModelSpec, lin: number, lout: number, batch: number, routing: DecodeRow['routing'], entries: { contextLength: number; newTokens: number }[]): DecodeResult | null {
    const s = this.system(key, model);
    if (!fits(s, model, batch, lin, lout)) return null;
    const moeRouting = routing === 'dense' ? undefined : routing;
    const r = this.coster(s, model, moeRouting).cost(entries, '0');
    const authors = this.authorsCharge && (key === 'duplex' || key === 'gpu') ? { authorsStepPs: this.coster(s, model, moeRouting, true, 'authors').cost(entries, '0').timePs } : {};
    return { devices: s.devices, stepPs: r.timePs, tokensPerS: batch / (r.timePs / 1e12), joulesPerToken: r.energyPj.total / 1e12 / batch, serialPs: r.serialPs, ...authors };
  }

  /** Every case on one compared system (a part of the sensitivity study: each system reads its own specs). */
  decodeAllOn(key: ComparedKey, cases: readonly DecodeCase[]): (DecodeResult | null)[] {
    return cases.map((c) => {
      const model = loadModel(c.model);
      const context = c.lin + Math.floor(c.lout / 2);
      const entries = Array.from({ length: c.batch }, () => ({ contextLength: context, newTokens: 1 }));
      return this.decodeOn(key, model, c.lin, c.lout, c.batch, c.routing, entries);
    });
  }
}

/** One case of the decode table. */
export type DecodeCase = ReturnType<typeof decodeCases>[number];

/**
 * The decode table as parts for a sensitivity study (src/validation/sensitivity.ts): one part per compared system
 * (all cases on it, with fresh memos so varied specs are read again), and the headlines of `formatPaperComparison`:
 * Duplex / GPU under the serving engine's charge ('graphs') and under the paper's setup (the authors' charge), each
 * a band over the same assumptions, so the two setups are compared with their uncertainty.
 */
export function duplexSensitivityParts(cases: readonly DecodeCase[], split: DuplexSplit = 'op-b'): { parts: Parts; headlines: Headline[] } {
  const parts: Record<string, () => unknown> = {};
  // A Logic-PIM spec already loaded in this process (by the decode table of `strata figures`, which runs first) is
  // reused, and the reuse notes its assumptions again (src/pim/logic-pim.ts), so every part that reads it is varied.
  // Duplex and the GPU system are also timed under the authors' charge (`authorsStepPs`; the other systems never are).
  for (const c of DUPLEX_COMPARED) parts[c.key] = () => new DuplexComparison(split, true).decodeAllOn(c.key, cases);
  const rows = (r: Readonly<Record<string, unknown>>): DecodeRow[] =>
    cases.map((c, i) => {
      const systems = {} as Record<ComparedKey, DecodeResult | null>;
      for (const s of DUPLEX_COMPARED) systems[s.key] = (r[s.key] as (DecodeResult | null)[])[i]!;
      return { model: c.model, lin: c.lin, lout: c.lout, batch: c.batch, routing: c.routing, context: c.lin + Math.floor(c.lout / 2), devices: devicesFor(loadModel(c.model)), systems };
    });
  const headlines: Headline[] = [
    { name: 'Duplex / GPU decode throughput, best case', paper: `up to ${DUPLEX_PAPER.throughputOverGpu}x`, value: (r) => decodeSummary(rows(r)).maxOverGpu },
    { name: 'Duplex / GPU decode throughput, geometric mean', paper: '–', value: (r) => decodeSummary(rows(r)).geomeanOverGpu },
    { name: 'Duplex / 2xGPU decode throughput, geometric mean', paper: '–', value: (r) => decodeSummary(rows(r)).geomeanOverGpu2 },
    // The paper's setup: no kernel floor or launch and no shared-bank slowdown, on Duplex and on the GPU alike. Kept
    // after the three serving-engine throughput headlines, so their order (and the tests that index them) stay.
    { name: "Duplex / GPU decode throughput, best case, the paper's setup (authors' charge)", paper: `up to ${DUPLEX_PAPER.throughputOverGpu}x`, value: (r) => decodeSummary(rows(r)).maxOverGpuAuthors },
    { name: "Duplex / GPU decode throughput, geometric mean, the paper's setup (authors' charge)", paper: '–', value: (r) => decodeSummary(rows(r)).geomeanOverGpuAuthors },
    { name: 'energy per token, Duplex vs GPU, mean saving (fraction)', paper: '0.42 (third-party, unconfirmed)', value: (r) => decodeSummary(rows(r)).meanEnergySavingVsGpu },
  ];
  return { parts, headlines };
}

/** Every decode case of the table: models x their (Lin, Lout) x batches x routings (MoE: uniform and skewed). */
export function decodeCases(models: readonly string[] = DUPLEX_MODELS, batches: readonly number[] = DUPLEX_BATCHES, lengths: ReadonlyArray<readonly [number, number]> = DUPLEX_LENGTHS) {
  const cases: Array<{ model: string; lin: number; lout: number; batch: number; routing: 'uniform' | 'skewed' | 'dense' }> = [];
  for (const name of models) {
    const model = loadModel(name);
    const routings = model.experts > 1 ? (['uniform', 'skewed'] as const) : (['dense'] as const);
    for (const [lin, lout] of lengthsFor(model, lengths)) {
      for (const batch of batches) for (const routing of routings) cases.push({ model: name, lin, lout, batch, routing });
    }
  }
  return cases;
}

/** Serving settings. */
export interface ServingCase {
  readonly model: string;
  readonly lin: number;
  readonly lout: number;
  readonly count: number;
  readonly qps: number;
  readonly maxBatch: number;
  readonly seed: string;
}

/** One request's latencies, ms (for CDFs). */
export interface RequestLatency {
  readonly id: string;
  readonly arrivalMs: number;
  readonly ttftMs: number;
  readonly e2eMs: number;
  /** Mean and p99 of its gaps between tokens; null with one output token. */
  readonly tbtMeanMs: number | null;
  readonly tbtP99Ms: number | null;
}

/** One system's serving result. */
export interface ServingResultRow {
  readonly devices: number;
  readonly steps: number;
  readonly outputTokensPerS: number;
  readonly meanBatch: number;
  readonly ttftP50Ms: number;
  readonly ttftP99Ms: number;
  readonly tbtP50Ms: number;
  readonly tbtP99Ms: number;
  readonly e2eP50Ms: number;
  readonly e2eP99Ms: number;
  readonly joulesPerOutputToken: number;
  readonly requests: readonly RequestLatency[];
}

/** One serving case on every compared system (null: the KV cache of one request does not fit). */
export interface ServingRow extends ServingCase {
  readonly systems: Readonly<Record<ComparedKey, ServingResultRow | null>>;
}

const msOf = (ps: number) => ps / 1e9;

/** Serves `c` on every compared system. */
export function compareServing(c: ServingCase, cmp = new DuplexComparison()): ServingRow {
  const model = loadModel(c.model);
  const set = generateRequests({ count: c.count, lengths: { kind: 'fixed', inputTokens: c.lin, outputTokens: c.lout }, seed: c.seed, arrivals: { kind: 'poisson', qps: c.qps } });
  const systems = {} as Record<ComparedKey, ServingResultRow | null>;
  for (const k of DUPLEX_COMPARED) {
    const s = cmp.system(k.key, model);
    if (!fits(s, model, 1, c.lin, c.lout)) {
      systems[k.key] = null;
      continue;
    }
    const result = simulateServing({ requests: set.requests, model, costModel: duplexStepCostModel(s, model, { seed: c.seed, split: cmp.split }), maxBatch: c.maxBatch, prefill: 'whole', label: `${c.model} fixed ${c.lin}/${c.lout}` });
    const t = servingTotals(result);
    systems[k.key] = {
      devices: s.devices, steps: t.steps, outputTokensPerS: t.outputTokensPerS, meanBatch: t.meanBatch,
      ttftP50Ms: msOf(t.ttft.p50), ttftP99Ms: msOf(t.ttft.p99), tbtP50Ms: msOf(t.tbt.p50), tbtP99Ms: msOf(t.tbt.p99),
      e2eP50Ms: msOf(t.e2e.p50), e2eP99Ms: msOf(t.e2e.p99), joulesPerOutputToken: t.energyPj / 1e12 / Math.max(1, t.outputTokens),
      requests: result.requests.map((r) => {
        const m = requestMetrics(r);
        return { id: r.id, arrivalMs: msOf(r.arrivalPs), ttftMs: msOf(m.ttftPs), e2eMs: msOf(m.e2ePs), tbtMeanMs: m.tbt ? msOf(m.tbt.mean) : null, tbtP99Ms: m.tbt ? msOf(m.tbt.p99) : null };
      }),
    };
  }
  return { ...c, systems };
}

// ---------------------------------------------------------------------------------------------------------
// Tables

const f1 = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const f2 = (x: number) => x.toFixed(2);
const ratio = (a: DecodeResult | null, b: DecodeResult | null) => (a && b ? a.tokensPerS / b.tokensPerS : null);
/** Duplex / GPU throughput under the authors' charge (same batch: the GPU's step over Duplex's); null where either is OOM or untimed. */
export const authorsOverGpu = (r: DecodeRow): number | null => {
  const d = r.systems.duplex?.authorsStepPs;
  const g = r.systems.gpu?.authorsStepPs;
  return d !== undefined && g !== undefined ? g / d : null;
};

/** Headline numbers of a decode table: best and geometric-mean Duplex/GPU and Duplex/2xGPU throughput, mean energy saving vs GPU. */
export function decodeSummary(rows: readonly DecodeRow[]) {
  const over = (key: ComparedKey) => rows.map((r) => ratio(r.systems.duplex, r.systems[key])).filter((x): x is number => x !== null);
  const geo = (xs: number[]) => (xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : NaN);
  const gpu = over('gpu');
  const gpu2 = over('gpu2');
  const authors = rows.map(authorsOverGpu).filter((x): x is number => x !== null);
  const savings = rows
    .filter((r) => r.systems.duplex && r.systems.gpu)
    .map((r) => 1 - r.systems.duplex!.joulesPerToken / r.systems.gpu!.joulesPerToken);
  return {
    cases: rows.length,
    comparedWithGpu: gpu.length,
    maxOverGpu: Math.max(...gpu), geomeanOverGpu: geo(gpu),
    maxOverGpu2: Math.max(...gpu2), geomeanOverGpu2: geo(gpu2),
    /** Duplex / GPU under the authors' charge, over the cases timed so (NaN and -Infinity where none was). */
    comparedAuthors: authors.length, maxOverGpuAuthors: Math.max(...authors), geomeanOverGpuAuthors: geo(authors),
    meanEnergySavingVsGpu: savings.length ? savings.reduce((a, b) => a + b, 0) / savings.length : NaN,
    overBankPim: over('bankPim'), overBgPim: over('bgPim'),
  };
}

/**
 * The decode table (Markdown): tokens/s per system, Duplex's speed-up over each, Duplex / GPU again under the
 * authors' charge (the paper's setup, beside the serving engine's; '–' where it was not timed), and energy per token.
 */
export function formatDecodeTable(rows: readonly DecodeRow[]): string {
  const cell = (r: DecodeResult | null) => (r ? f1(r.tokensPerS) : 'OOM');
  const x = (v: number | null) => (v === null ? '–' : `${f2(v)}x`);
  const lines = [
    "| model (devices) | Lin/Lout | batch | routing | Duplex tok/s | GPU | 2xGPU | bank-PIM | BG-PIM | Duplex / GPU | / 2xGPU | / bank-PIM | / BG-PIM | Duplex / GPU, authors' charge | J/token Duplex | J/token GPU |",
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const s = r.systems;
    lines.push(
      `| ${r.model} (${r.devices}) | ${r.lin}/${r.lout} | ${r.batch} | ${r.routing} | ${cell(s.duplex)} | ${cell(s.gpu)} | ${cell(s.gpu2)} | ${cell(s.bankPim)} | ${cell(s.bgPim)} | ` +
        `${x(ratio(s.duplex, s.gpu))} | ${x(ratio(s.duplex, s.gpu2))} | ${x(ratio(s.duplex, s.bankPim))} | ${x(ratio(s.duplex, s.bgPim))} | ${x(authorsOverGpu(r))} | ` +
        `${s.duplex ? s.duplex.joulesPerToken.toFixed(4) : 'OOM'} | ${s.gpu ? s.gpu.joulesPerToken.toFixed(4) : 'OOM'} |`,
    );
  }
  return lines.join('\n');
}

/** The serving table (Markdown): per case and system, throughput and latency percentiles. */
export function formatServingTable(rows: readonly ServingRow[]): string {
  const lines = [
    '| model | Lin/Lout | requests, QPS, max batch | system (devices) | output tok/s | mean batch | TTFT p50 / p99 ms | TBT p50 / p99 ms | E2E p50 / p99 s | J/output token |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    for (const c of DUPLEX_COMPARED) {
      const s = r.systems[c.key];
      const head = `| ${r.model} | ${r.lin}/${r.lout} | ${r.count}, ${r.qps}, ${r.maxBatch} | ${c.label}`;
      if (!s) {
        lines.push(`${head} | OOM | | | | | |`);
        continue;
      }
      lines.push(
        `${head} (${s.devices}) | ${f1(s.outputTokensPerS)} | ${f1(s.meanBatch)} | ${f1(s.ttftP50Ms)} / ${f1(s.ttftP99Ms)} | ${f2(s.tbtP50Ms)} / ${f2(s.tbtP99Ms)} | ` +
          `${f2(s.e2eP50Ms / 1000)} / ${f2(s.e2eP99Ms / 1000)} | ${s.joulesPerOutputToken.toFixed(4)} |`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * Ours beside the paper's headline numbers: Strata under a serving engine's charge (the 'graphs' profile) and under
 * the paper's setup (the authors' charge), each over the same cases, then the paper's value.
 */
export function formatPaperComparison(rows: readonly DecodeRow[]): string {
  const s = decodeSummary(rows);
  // '–' where no case gives the number (every case OOM, or the authors' charge not timed).
  const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '–');
  const x = (v: number) => (Number.isFinite(v) ? `${f2(v)}x` : '–');
  const authors = (v: number) => (s.comparedAuthors === s.comparedWithGpu ? x(v) : '–');
  return [
    "| quantity | Strata, serving engine ('graphs') | Strata, the paper's setup (authors' charge) | paper |",
    '|---|---:|---:|---:|',
    `| Duplex / GPU decode throughput, best case | ${x(s.maxOverGpu)} | ${authors(s.maxOverGpuAuthors)} | up to ${DUPLEX_PAPER.throughputOverGpu}x |`,
    `| Duplex / GPU decode throughput, geometric mean over ${s.comparedWithGpu} cases | ${x(s.geomeanOverGpu)} | ${authors(s.geomeanOverGpuAuthors)} | – |`,
    `| Duplex / 2xGPU decode throughput, best / geometric mean | ${x(s.maxOverGpu2)} / ${x(s.geomeanOverGpu2)} | – | – |`,
    `| energy per token, Duplex vs GPU, mean saving | ${pct(s.meanEnergySavingVsGpu)} | – | 42.03 % (third-party, unconfirmed) |`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Data files

const csvField = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** `duplex-decode.csv`: one row per decode case and system; `authorsStepNs`, the step under the authors' charge, for Duplex and the GPU system. */
export function decodeCsv(rows: readonly DecodeRow[]): string {
  const out = ['model,lin,lout,batch,routing,context,system,devices,stepNs,serialNs,tokensPerS,joulesPerToken,oom,authorsStepNs'];
  for (const r of rows) {
    for (const c of DUPLEX_COMPARED) {
      const s = r.systems[c.key];
      const authors = s?.authorsStepPs !== undefined ? s.authorsStepPs / 1000 : null;
      out.push([r.model, r.lin, r.lout, r.batch, r.routing, r.context, c.preset, s?.devices, s ? s.stepPs / 1000 : null, s ? s.serialPs / 1000 : null, s?.tokensPerS, s?.joulesPerToken, s ? 0 : 1, authors].map(csvField).join(','));
    }
  }
  return `${out.join('\n')}\n`;
}

/** `duplex-serving.csv`: one row per serving case and system. */
export function servingCsv(rows: readonly ServingRow[]): string {
  const out = ['model,lin,lout,count,qps,maxBatch,system,devices,steps,outputTokensPerS,meanBatch,ttftP50Ms,ttftP99Ms,tbtP50Ms,tbtP99Ms,e2eP50Ms,e2eP99Ms,joulesPerOutputToken'];
  for (const r of rows) {
    for (const c of DUPLEX_COMPARED) {
      const s = r.systems[c.key];
      if (!s) continue;
      out.push([r.model, r.lin, r.lout, r.count, r.qps, r.maxBatch, c.preset, s.devices, s.steps, s.outputTokensPerS, s.meanBatch, s.ttftP50Ms, s.ttftP99Ms, s.tbtP50Ms, s.tbtP99Ms, s.e2eP50Ms, s.e2eP99Ms, s.joulesPerOutputToken].map(csvField).join(','));
    }
  }
  return `${out.join('\n')}\n`;
}

/** `duplex-requests.csv`: every request of every serving run, for latency CDFs; `system` is the compared system's key (GPU and 2xGPU share a preset). */
export function requestsCsv(rows: readonly ServingRow[]): string {
  const out = ['model,lin,lout,qps,system,request,arrivalMs,ttftMs,e2eMs,tbtMeanMs,tbtP99Ms'];
  for (const r of rows) {
    for (const c of DUPLEX_COMPARED) {
      for (const q of r.systems[c.key]?.requests ?? []) {
        out.push([r.model, r.lin, r.lout, r.qps, c.key, q.id, q.arrivalMs, q.ttftMs, q.e2eMs, q.tbtMeanMs, q.tbtP99Ms].map(csvField).join(','));
      }
    }
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------
// Co-processing, op class by op class

/** Op classes of the co-processing breakdown. */
export const CO_CLASSES = ['attention', 'experts', 'dense matrix', 'vector + all-reduce'] as const;
/** An op-class name. */
export type CoClass = (typeof CO_CLASSES)[number];

/** One decode step of Duplex under one split rule, op class by op class. Times in integer ps. */
export interface CoProcessingRow {
  readonly model: string;
  readonly lin: number;
  readonly lout: number;
  readonly batch: number;
  readonly routing: DecodeRow['routing'];
  readonly split: DuplexSplit;
  /** Time of each class's ops alone on the xPU and alone on PIM (launch + all-reduce + body, summed). */
  readonly classes: Readonly<Record<CoClass, { readonly xpuPs: number; readonly pimPs: number }>>;
  /** Every op after the previous one. */
  readonly serialPs: number;
  /** Strata's charge: critical path with launches, the two bodies sharing the DRAM array's bandwidth. */
  readonly stepPs: number;
  /** Time both processors ran a body at once under Strata's charge, and the part the shared DRAM slowed. */
  readonly overlapPs: number;
  readonly contendedPs: number;
  /** Strata's charge without launches (the shared DRAM kept), and without the shared-DRAM slowdown (launches kept). */
  readonly noLaunchStepPs: number;
  readonly noContentionStepPs: number;
  /**
   * The authors' charge on the same placement: no launches, no shared-DRAM slowdown, the faster of each pair of
   * parallel branches waiting for the slower; under `fastest` (their mode without co-processing) every op after
   * the previous one, without launches.
   */
  readonly freeStepPs: number;
  /** The GPU system of the decode table (D H100s) on the same step: Strata's charge and without launches. */
  readonly gpuStepPs: number;
  readonly gpuFreeStepPs: number;
}

/** A step's ops as co-scheduled items, with or without their launches (an all-reduce is kept: it is data movement). */
function coItems(ops: readonly Op[], r: DuplexStepResult, devices: number, launches: boolean): CoItem[] {
  const index = new Map(ops.map((op, i) => [op.id, i]));
  return r.ops.map((rec, i) => {
    const bodyPs = rec.naturalPs - rec.launchPs - rec.allReducePs;
    return {
      device: rec.device === DUPLEX_DEVICES.pim ? 1 : 0, deps: ops[i]!.deps.map((d) => index.get(d)).filter((d): d is number => d !== undefined),
      launchPs: rec.allReducePs + (launches ? rec.launchPs : 0), bodyPs, bytes: bodyPs > 0 ? rec.bytes / devices : 0,
    };
  });
}

const classOf = (kind: string, expert: number, vector: boolean): CoClass =>
  kind === 'attn-score' || kind === 'softmax' || kind === 'attn-context' ? 'attention' : expert >= 0 ? 'experts' : vector ? 'vector + all-reduce' : 'dense matrix';

/**
 * One fixed-batch decode case on the Duplex system (D devices as in the decode table), lowered in full and run
 * under `split`: per op class the time on each processor, and the step under Strata's charge and under the
 * authors' (LLMSimulator charges no kernel launch and times the xPU and Logic-PIM branches independently, each
 * at its own full bandwidth, joining them with the later of the two).
 */
export function coProcessingBreakdown(modelName: string, lin: number, lout: number, batch: number, routing: DecodeRow['routing'], split: DuplexSplit): CoProcessingRow {
  const model = loadModel(modelName);
  const system = new DuplexComparison(split).system('duplex', model);
  const context = lin + Math.floor(lout / 2);
  const step = makeStep('decode', Array.from({ length: batch }, (_, i) => ({ id: `r${i}`, contextLength: context, newTokens: 1 })), 'co-processing breakdown');
  const ops = buildOpGraph(model, step, { seed: '0', routing: routing === 'dense' ? undefined : routing });
  const r = runDuplexOps(system, model, 'decode', ops, true, split);
  const classes = Object.fromEntries(CO_CLASSES.map((c) => [c, { xpuPs: 0, pimPs: 0 }])) as Record<CoClass, { xpuPs: number; pimPs: number }>;
  r.ops.forEach((rec, i) => {
    const op = ops[i]!;
    const c = classes[classOf(op.kind, op.expert, op.cls === 'vector')];
    if (rec.device === DUPLEX_DEVICES.pim) c.pimPs += rec.naturalPs;
    else c.xpuPs += rec.naturalPs;
  });
  const array = sharedArrayBytesPerPs(system);
  const gpu = new DuplexComparison(split).system('gpu', model);
  const g = runDuplexOps(gpu, model, 'decode', ops, true, split);
  return {
    model: model.name, lin, lout, batch, routing, split, classes, serialPs: r.serialPs, stepPs: r.timePs, overlapPs: r.overlapPs, contendedPs: r.contendedPs,
    noLaunchStepPs: coSchedule(coItems(ops, r, system.devices, false), array).makespanPs,
    noContentionStepPs: coSchedule(coItems(ops, r, system.devices, true), Infinity).makespanPs,
    freeStepPs: split === 'fastest' ? r.ops.reduce((s, o) => s + o.naturalPs - o.launchPs, 0) : coSchedule(coItems(ops, r, system.devices, false), Infinity).makespanPs,
    gpuStepPs: g.timePs, gpuFreeStepPs: coSchedule(coItems(ops, g, gpu.devices, false), Infinity).makespanPs,
  };
}

/** The co-processing breakdown as a Markdown table (µs). */
export function formatCoProcessingTable(rows: readonly CoProcessingRow[]): string {
  const us = (ps: number) => (ps / 1e6).toFixed(1);
  const head = CO_CLASSES.map((c) => `${c} xPU / PIM`);
  const lines = [
    `| model | Lin/Lout | batch | routing | split | ${head.join(' | ')} | serial | step (Strata charge) | overlap / contended | no launches | no shared DRAM | neither (authors' charge) | Duplex / GPU, Strata's / authors' charge |`,
    `|---|---|---:|---|---|${head.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const r of rows) {
    const cls = CO_CLASSES.map((c) => `${us(r.classes[c].xpuPs)} / ${us(r.classes[c].pimPs)}`);
    lines.push(`| ${r.model} | ${r.lin}/${r.lout} | ${r.batch} | ${r.routing} | ${r.split} | ${cls.join(' | ')} | ${us(r.serialPs)} | ${us(r.stepPs)} | ${us(r.overlapPs)} / ${us(r.contendedPs)} | ${us(r.noLaunchStepPs)} | ${us(r.noContentionStepPs)} | ${us(r.freeStepPs)} | ${f2(r.gpuStepPs / r.stepPs)}x / ${f2(r.gpuFreeStepPs / r.freeStepPs)}x |`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// The paper's setup beside the serving engine's, over every decode case

/** One decode case's Duplex / GPU ratio under Strata's charge and under the authors'; null ratios where a system is OOM. */
export interface ChargeRow {
  readonly model: string;
  readonly lin: number;
  readonly lout: number;
  readonly batch: number;
  readonly routing: DecodeRow['routing'];
  /** Duplex / GPU under Strata's charge (the H100's `graphs` profile: a kernel floor per op, shared banks). */
  readonly strata: number | null;
  /** Duplex / GPU under the authors' (LLMSimulator: no kernel floor or launch, no shared-bank slowdown). */
  readonly authors: number | null;
}

/**
 * Every decode case under both charges, Duplex and the GPU system of the decode table: the Duplex authors' simulator
 * is the setup the paper's 2.67x comes from, the `graphs` profile a modern serving engine's. Taken from the decode
 * table's own rows (`DuplexComparison.decode`: Strata's charge and `authorsStepPs`, which equal
 * `coProcessingBreakdown`'s `gpuStepPs / stepPs` and `gpuFreeStepPs / freeStepPs` on the whole op graph; the tests
 * compare them). Cases where Duplex or the GPU does not fit give null ratios, as OOM in the table.
 */
export function chargeRows(cases: readonly DecodeCase[], split: DuplexSplit = 'op-b', cmp = new DuplexComparison(split)): ChargeRow[] {
  return cases.map((c) => {
    const base = { model: c.model, lin: c.lin, lout: c.lout, batch: c.batch, routing: c.routing };
    const row = cmp.decode(c.model, c.lin, c.lout, c.batch, c.routing);
    const d = row.systems.duplex;
    const g = row.systems.gpu;
    if (!d || !g) return { ...base, strata: null, authors: null };
    return { ...base, strata: g.stepPs / d.stepPs, authors: authorsOverGpu(row) };
  });
}

/** The two charges case by case, then best case and geometric mean of each beside the paper's "up to 2.67x" (Markdown). */
export function formatChargeTable(rows: readonly ChargeRow[]): string {
  const x = (v: number | null) => (v === null ? 'OOM' : `${f2(v)}x`);
  const lines = [
    "| model | Lin/Lout | batch | routing | Duplex / GPU, Strata's charge (graphs) | authors' charge |",
    '|---|---|---:|---|---:|---:|',
    ...rows.map((r) => `| ${r.model} | ${r.lin}/${r.lout} | ${r.batch} | ${r.routing} | ${x(r.strata)} | ${x(r.authors)} |`),
  ];
  const fitted = rows.filter((r) => r.strata !== null && r.authors !== null);
  const geo = (xs: number[]) => Math.exp(xs.reduce((s, v) => s + Math.log(v), 0) / xs.length);
  const s = fitted.map((r) => r.strata!);
  const a = fitted.map((r) => r.authors!);
  lines.push(
    '',
    "| quantity | Strata's charge (graphs) | authors' charge | paper |",
    '|---|---:|---:|---:|',
    `| Duplex / GPU decode throughput, best case | ${f2(Math.max(...s))}x | ${f2(Math.max(...a))}x | up to ${DUPLEX_PAPER.throughputOverGpu}x |`,
    `| Duplex / GPU decode throughput, geometric mean over ${fitted.length} cases | ${f2(geo(s))}x | ${f2(geo(a))}x | – |`,
    '',
    "Strata's charge: the decode table's (every xPU op on the H100 preset under the 'graphs' profile, each kernel at least the 3.3 us floor fitted on our H100 measurements; xPU and PIM share the banks' bandwidth while both run). The authors' charge: the same placement and op costs without the floor or any launch and without the shared-bank slowdown, on Duplex and on the GPU alike, as the authors' LLMSimulator charges them (docs/validation.md, 'Duplex co-processing').",
  );
  return lines.join('\n');
}
