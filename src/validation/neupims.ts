import { cachedNeuPimsDecode } from '../systems/neupims/timing-cache.ts';
import type { Headline, Parts } from './sensitivity.ts';
import { loadDevice, opCost, stepTimePs, type DevicePreset } from '../systems/baseline/roofline.ts';
import { buildOpGraph } from '../compiler/lower.ts';
import { loadModel, type ModelSpec } from '../compiler/model.ts';
import type { OpKind } from '../ir/op.ts';
import { generateRequests, type DatasetName } from '../compiler/requests.ts';
import { decodeStep } from '../compiler/step.ts';
import { neupimsDecode, NeuPimsMemo, shardOp, type BusyInterval, type GemmTiming, type NeuPimsDecodeResult } from '../systems/neupims/neupims-decode.ts';
import { loadNeuPimsSystem, parallelismFor, type NeuPimsSystem } from '../systems/neupims/neupims-system.ts';

/** The four GPT-3 shapes NeuPIMs evaluates (casys-kaist/NeuPIMs configs/model_configs/gpt3-{7B,13B,30B,175B}.json at f299af3). */
export const NEUPIMS_MODELS = ['neupims-gpt3-7b', 'neupims-gpt3-13b', 'neupims-gpt3-30b', 'gpt3-175b'] as const;
/** Batch sizes of the table (the paper sweeps 64-512). */
export const NEUPIMS_BATCHES = [64, 128, 256, 512] as const;
/** Headline throughput gains of NeuPIMs over GPU-only, NPU-only and naive NPU+PIM (arXiv 2403.00579 v3 abstract). */
export const NEUPIMS_PAPER = { gpu: 3, npuOnly: 2.4, npuPim: 1.6 } as const;
/** The GPU-only baseline preset: the paper's A100 40 GB (NeuPIMs, arXiv 2403.00579, evaluation setup), run eagerly from PyTorch. */
export const NEUPIMS_GPU = 'gpu-a100-40gb';
/** The software profile of the GPU-only baseline: the paper measured PyTorch launching kernel by kernel. */
export const NEUPIMS_GPU_PROFILE = 'eager';

/**
 * Each request of a `dataset`-like set at its mean decode position: input + half its output tokens cached (at
 * most the model's positions minus one). Seed `neupims.<seed>` of the request generator.
 */
export function decodeSnapshot(model: ModelSpec, dataset: DatasetName, batch: number, seed = '0'): number[] {
  const set = generateRequests({ count: batch, lengths: dataset, seed: `neupims.${seed}` });
  return set.requests.map((r) => Math.min(model.maxPositions - 1, r.inputTokens + Math.floor(r.outputTokens / 2)));
}

/**
 * GPU-only decode iteration on the same tp x pp devices: the kernels of one tensor-parallel shard (shardOp) on
 * `device` under the eager profile (src/systems/baseline/roofline.ts), one after another; one fused attention kernel per
 * layer for the batch. The step takes max(GPU time, host launch time). All-reduces are not counted, as for NeuPIMs.
 */
export function gpuDecodePs(device: DevicePreset, model: ModelSpec, contexts: readonly number[], tp: number, profile = NEUPIMS_GPU_PROFILE): number {
  const ops = buildOpGraph({ ...model, layers: 1 }, decodeStep(contexts));
  let layerGpu = 0, layerHost = 0, headGpu = 0, headHost = 0;
  let attentionLaunched = false;
  for (const op of ops) {
    const shared = op.kind === 'attn-score' && attentionLaunched;
    if (op.kind === 'attn-score') attentionLaunched = true;
    const c = opCost(device, shardOp(op, tp), model.precisionBytes, { profile, sharedKernel: shared });
    if (op.layer < 0) {
      headGpu += c.durationPs;
      headHost += c.hostPs;
    } else {
      layerGpu += c.durationPs;
      layerHost += c.hostPs;
    }
  }
  return stepTimePs(model.layers * layerGpu + headGpu, model.layers * layerHost + headHost);
}

/** One row of the comparison: throughput (generated tokens/s of the tp x pp devices) of each system. */
export interface NeuPimsRow {
  readonly model: string;
  readonly dataset: DatasetName;
  readonly batch: number;
  readonly devices: number;
  readonly meanContext: number;
  readonly gpu: number;
  /** GPU-only under the `graphs` profile (a serving engine replaying CUDA graphs), beside the paper's eager setup; absent in rows made elsewhere. */
  readonly gpuGraphs?: number;
  readonly npuOnly: number;
  readonly blocked: number;
  /** The two baselines as the NeuPIMs authors' simulator runs them (arch/systems/authors-*.json); absent in rows made elsewhere. */
  readonly authorsNpuOnly?: number;
  readonly authorsNaive?: number;
  readonly neupims: number;
  /** NeuPIMs with sub-batch interleaving forced off and on. */
  readonly interleaveOff: number;
  readonly interleaveOn: number;
  /** Whether the NeuPIMs preset interleaved at this batch. */
  readonly interleaved: boolean;
}

/**
 * Runs one cell of the table. A memo per model may be shared across cells (its keys name everything they depend
 * on). `gemmTiming` times the NPU's GEMMs in closed form (default) or on the cycle-level NPU; `loadSystem` may
 * give a variant of a preset (a what-if).
 */
export function compareNeuPims(modelName: string, dataset: DatasetName, batch: number, memo = new NeuPimsMemo(), gemmTiming: GemmTiming = 'closed-form', loadSystem: (name: string) => NeuPimsSystem = loadNeuPimsSystem): NeuPimsRow {
  const model = loadModel(modelName);
  const contexts = decodeSnapshot(model, dataset, batch);
  const neu = loadSystem('neupims');
  const par = parallelismFor(neu, model.name);
  const run = (system: string, subBatch: 'auto' | 'on' | 'off' = 'auto') => neupimsDecode(loadSystem(system), model, contexts, { memo, subBatch, gemmTiming });
  const n = run('neupims');
  const off = n.subBatchInterleaving ? run('neupims', 'off') : n;
  const on = n.subBatchInterleaving ? n : run('neupims', 'on');
  const gpuPs = gpuDecodePs(loadDevice(NEUPIMS_GPU), model, contexts, par.tp);
  const gpuGraphsPs = gpuDecodePs(loadDevice(NEUPIMS_GPU), model, contexts, par.tp, 'graphs');
  return {
    model: modelName, dataset, batch, devices: par.tp * par.pp, meanContext: contexts.reduce((a, b) => a + b, 0) / batch,
    gpu: batch / (gpuPs / 1e12), gpuGraphs: batch / (gpuGraphsPs / 1e12), npuOnly: run('npu-only').tokensPerSecond, blocked: run('npu-pim-blocked').tokensPerSecond,
    authorsNpuOnly: run('authors-npu-only').tokensPerSecond, authorsNaive: run('authors-naive').tokensPerSecond,
    neupims: n.tokensPerSecond, interleaveOff: off.tokensPerSecond, interleaveOn: on.tokensPerSecond, interleaved: n.subBatchInterleaving,
  };
}

/** The systems of a NeuPIMs sensitivity study: the NeuPIMs preset and each baseline, with the headline's label. */
const SENSITIVITY_BASELINES = [
  { system: 'npu-only', label: 'NPU-only', paper: NEUPIMS_PAPER.npuOnly },
  { system: 'authors-npu-only', label: "authors' NPU-only", paper: NEUPIMS_PAPER.npuOnly },
  { system: 'npu-pim-blocked', label: 'NPU+PIM blocked', paper: NEUPIMS_PAPER.npuPim },
  { system: 'authors-naive', label: "authors' naive NPU+PIM", paper: NEUPIMS_PAPER.npuPim },
] as const;

/**
 * The throughput table as parts for a sensitivity study (src/validation/sensitivity.ts): one part per system (every
 * case on it, with fresh memos so varied specs are read again) and the GPU-only baseline; headlines are the geometric
 * means of NeuPIMs over each baseline, as in the table's last rows.
 */
export function neupimsSensitivityParts(models: readonly string[], datasets: readonly DatasetName[], batches: readonly number[]): { parts: Parts; headlines: Headline[] } {
  const cases = models.flatMap((m) => datasets.flatMap((d) => batches.map((b) => ({ m, d, b }))));
  const onSystem = (system: string) => () => {
    const memos = new Map<string, NeuPimsMemo>();
    return cases.map((c) => {
      const model = loadModel(c.m);
      const memo = memos.get(c.m) ?? new NeuPimsMemo();
      memos.set(c.m, memo);
      // Cached: an end of an assumption the iteration never reads (the NPU's SRAM fields) reuses it (timing-cache.ts).
      return cachedNeuPimsDecode(loadNeuPimsSystem(system), model, decodeSnapshot(model, c.d, c.b), { memo }).tokensPerSecond;
    });
  };
  const parts: Record<string, () => unknown> = { neupims: onSystem('neupims') };
  // GPU-only in both profiles: the paper's eager PyTorch and a serving engine's CUDA graphs, each with its band.
  for (const profile of ['eager', 'graphs'] as const) {
    parts[`gpu ${profile}`] = () => cases.map((c) => {
      const model = loadModel(c.m);
      const tp = parallelismFor(loadNeuPimsSystem('neupims'), model.name).tp;
      return c.b / (gpuDecodePs(loadDevice(NEUPIMS_GPU), model, decodeSnapshot(model, c.d, c.b), tp, profile) / 1e12);
    });
  }
  for (const b of SENSITIVITY_BASELINES) parts[b.system] = onSystem(b.system);
  const geo = (r: Readonly<Record<string, unknown>>, base: string) => {
    const n = r.neupims as number[];
    const d = r[base] as number[];
    return Math.exp(n.reduce((a, x, i) => a + Math.log(x / d[i]!), 0) / n.length);
  };
  const headlines: Headline[] = [
    { name: `NeuPIMs / GPU-only ${NEUPIMS_GPU_PROFILE} (the paper's setup), geometric mean`, paper: `${NEUPIMS_PAPER.gpu}x`, value: (r) => geo(r, `gpu ${NEUPIMS_GPU_PROFILE}`) },
    { name: 'NeuPIMs / GPU-only graphs (a serving engine), geometric mean', paper: '', value: (r) => geo(r, 'gpu graphs') },
    ...SENSITIVITY_BASELINES.map((b): Headline => ({ name: `NeuPIMs / ${b.label}, geometric mean`, paper: `${b.paper}x`, value: (r) => geo(r, b.system) })),
  ];
  return { parts, headlines };
}

/** Busy intervals of the NPU and the PIM banks in one decode iteration, blocked vs NeuPIMs (data for utilisation charts). */
export interface NeuPimsUtilisation {
  readonly model: string;
  readonly batch: number;
  readonly runs: readonly { readonly system: string; readonly subBatchInterleaving: boolean; readonly timePs: number; readonly npuUtilisation: number; readonly pimUtilisation: number; readonly intervals: readonly BusyInterval[] }[];
}

/** NPU and PIM busy intervals for npu-pim-blocked and neupims (interleaving on) on one batch; `loadSystem` as in compareNeuPims. */
export function neupimsUtilisation(modelName: string, dataset: DatasetName, batch: number, loadSystem: (name: string) => NeuPimsSystem = loadNeuPimsSystem): NeuPimsUtilisation {
  const model = loadModel(modelName);
  const contexts = decodeSnapshot(model, dataset, batch);
  const memo = new NeuPimsMemo();
  const pick = (r: NeuPimsDecodeResult) => ({
    system: r.system, subBatchInterleaving: r.subBatchInterleaving, timePs: r.timePs, npuUtilisation: r.npuUtilisation, pimUtilisation: r.pimUtilisation, intervals: r.intervals,
  });
  return {
    model: modelName, batch,
    runs: [
      pick(neupimsDecode(loadSystem('npu-pim-blocked'), model, contexts, { memo })),
      pick(neupimsDecode(loadSystem('neupims'), model, contexts, { memo, subBatch: 'on' })),
    ],
  };
}

/** The Markdown table of docs/validation.md. */
export function formatNeuPimsTable(rows: readonly NeuPimsRow[]): string {
  const k = (x: number | undefined) => (x === undefined ? '–' : x >= 1e4 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
  const r2 = (x: number) => (Number.isNaN(x) ? '–' : `${x.toFixed(2)}x`);
  const NaNs = (x: number | undefined) => x ?? NaN;
  const lines = [
    "| model | requests | batch | devices | mean ctx | GPU-only eager tok/s | NPU-only | authors' NPU-only | NPU+PIM blocked | authors' naive | NeuPIMs | vs GPU eager | vs GPU graphs | vs NPU-only | vs authors' NPU-only | vs NPU+PIM | vs authors' naive | interleave off | on | on/off |",
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.model} | ${r.dataset} | ${r.batch} | ${r.devices} | ${r.meanContext.toFixed(0)} | ${k(r.gpu)} | ${k(r.npuOnly)} | ${k(r.authorsNpuOnly)} | ${k(r.blocked)} | ${k(r.authorsNaive)} | ${k(r.neupims)}${r.interleaved ? ' (i)' : ''} | ${r2(r.neupims / r.gpu)} | ${r2(r.neupims / NaNs(r.gpuGraphs))} | ${r2(r.neupims / r.npuOnly)} | ${r2(r.neupims / NaNs(r.authorsNpuOnly))} | ${r2(r.neupims / r.blocked)} | ${r2(r.neupims / NaNs(r.authorsNaive))} | ${k(r.interleaveOff)} | ${k(r.interleaveOn)} | ${r2(r.interleaveOn / r.interleaveOff)} |`);
  }
  const geo = (f: (r: NeuPimsRow) => number) => Math.exp(rows.reduce((a, r) => a + Math.log(f(r)), 0) / rows.length);
  lines.push(`| geometric mean | | | | | | | | | | | ${r2(geo((r) => r.neupims / r.gpu))} | ${r2(geo((r) => r.neupims / NaNs(r.gpuGraphs)))} | ${r2(geo((r) => r.neupims / r.npuOnly))} | ${r2(geo((r) => r.neupims / NaNs(r.authorsNpuOnly)))} | ${r2(geo((r) => r.neupims / r.blocked))} | ${r2(geo((r) => r.neupims / NaNs(r.authorsNaive)))} | | | ${r2(geo((r) => r.interleaveOn / r.interleaveOff))} |`);
  lines.push(`| paper (abstract) | | | | | | | | | | | ${NEUPIMS_PAPER.gpu}x | | ${NEUPIMS_PAPER.npuOnly}x | ${NEUPIMS_PAPER.npuOnly}x | ${NEUPIMS_PAPER.npuPim}x | ${NEUPIMS_PAPER.npuPim}x | | | |`);
  lines.push('', `GPU-only: ${NEUPIMS_GPU} on the analytical kernel model (docs/baselines.md), 'eager' (PyTorch launching kernel by kernel, as the paper measured it) and 'graphs' (a serving engine replaying CUDA graphs). NPU and PIM: every PIM and DRAM command of the attention programs at a cycle its HBM2 constraint table allows (repeated programs simulated once and reused); NPU GEMMs in closed form unless --gemm cycle-level; the authors' baselines as their simulator runs them (docs/validation.md).`);
  return lines.join('\n');
}

/** Markdown summary of a utilisation comparison. */
export function formatNeuPimsUtilisation(u: NeuPimsUtilisation): string {
  const lines = [`| ${u.model}, batch ${u.batch} | iteration ms | NPU busy | PIM busy |`, '|---|---:|---:|---:|'];
  for (const r of u.runs) lines.push(`| ${r.system}${r.subBatchInterleaving ? ' (interleaved)' : ''} | ${(r.timePs / 1e9).toFixed(3)} | ${(100 * r.npuUtilisation).toFixed(1)} % | ${(100 * r.pimUtilisation).toFixed(1)} % |`);
  return lines.join('\n');
}
