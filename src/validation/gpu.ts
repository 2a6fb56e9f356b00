import { join } from 'node:path';
import { deviceProfile, opCost, runOpsOnDevice, type DevicePreset } from '../systems/baseline/roofline.ts';
import { buildOpGraph } from '../compiler/lower.ts';
import { loadModel } from '../compiler/model.ts';
import { decodeStep, prefillStep } from '../compiler/step.ts';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { readJsonFile } from '../spec/json-file.ts';
import { ARCH_DIR } from '../spec/package-root.ts';

/*
 * The GPU baseline against our H100 measurements (bench/gpu/h100-measured.json).
 *
 * Which points set which parameter, and which are only checked (docs/baselines.md, "Calibration"):
 * - memory efficiency: the slope of the micro section's batch-1 weight products of at least 64 MB (time against
 *   bytes: the bandwidth a long stream reaches);
 * - kernel floor: the two GPT-2 small decode steps replayed from CUDA graphs, whose time is almost all kernel
 *   floors (their weights stream in under 30 us of 577);
 * - compute efficiency: the micro products with m >= 256 (compute-bound), after the floor;
 * - eager host launch: the median of the micro products of under 16 MB (eager), which the GPU finishes long
 *   before Python has launched the next, so their time is the launch;
 * - everything else (14 graph steps, all 16 eager steps) is only checked.
 */

/** The measurement file, in the repository. */
export const H100_MEASURED = join(ARCH_DIR, '..', 'bench', 'gpu', 'h100-measured.json');
/** Single kernels replayed from CUDA graphs (bench/gpu/micro_graphs.py): the fused attention kernel's efficiency. */
export const H100_MICRO_GRAPHS = join(ARCH_DIR, '..', 'bench', 'gpu', 'h100-micro-graphs.json');
/** Our second set of steps (bench/gpu/decoder_steps.py, a decoder of the same description): checks only. */
export const H100_DECODER_STEPS = join(ARCH_DIR, '..', 'bench', 'gpu', 'h100-decoder-steps.json');

/** One measured step. */
export interface MeasuredStep {
  readonly model: string;
  readonly phase: 'decode' | 'prefill';
  readonly batch: number;
  /** Context length (decode) or prompt length (prefill). */
  readonly tokens: number;
  readonly graphsMs: number;
  readonly eagerMs: number;
  /** Which file it came from: `measured` (h100-measured.json) or `decoder` (h100-decoder-steps.json). */
  readonly set: 'measured' | 'decoder';
  /** Kernels of one step as torch.profiler counted them, where measured. */
  readonly kernels?: number;
}

/** One measured matrix product (eager torch.matmul, m x k times k x n, fp16). */
export interface MeasuredMatmul {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly us: number;
}

/** The measurement file, read. */
export interface GpuMeasurements {
  readonly file: string;
  readonly steps: readonly MeasuredStep[];
  readonly matmuls: readonly MeasuredMatmul[];
  readonly copyGBps: number;
}

/** The step a measurement names: model, phase, batch and context (decode) or prompt (prefill) tokens. */
function stepShape(s: FieldReader): Pick<MeasuredStep, 'model' | 'phase' | 'batch' | 'tokens'> {
  return {
    model: s.string('model'),
    phase: s.string('phase', ['decode', 'prefill']) as 'decode' | 'prefill',
    batch: s.number('batch', { integer: true, positive: true }),
    tokens: s.number('context_or_prompt', { integer: true, positive: true }),
  };
}

/** Reads a measurement file in the format of bench/gpu/h100-measured.json. */
export function loadGpuMeasurements(file = H100_MEASURED): GpuMeasurements {
  const r = FieldReader.root(file, readJsonFile(file));
  const steps = r.objects('steps').map((s) => ({
    ...stepShape(s),
    graphsMs: s.number('measured_ms_median', { positive: true }),
    eagerMs: s.number('eager_ms_same_decoder', { positive: true }),
    set: 'measured' as const,
  }));
  const micro = r.object('micro');
  const matmuls = micro.objects('matmul').map((x) => ({
    m: x.number('m', { integer: true, positive: true }), k: x.number('k', { integer: true, positive: true }),
    n: x.number('n', { integer: true, positive: true }), us: x.number('us', { positive: true }),
  }));
  return { file, steps, matmuls, copyGBps: micro.number('copy_GBps_read_plus_write', { positive: true }) };
}

/** Reads bench/gpu/h100-decoder-steps.json (written by bench/gpu/decoder_steps.py). */
export function loadDecoderSteps(file = H100_DECODER_STEPS): MeasuredStep[] {
  const r = FieldReader.root(file, readJsonFile(file));
  return r.objects('steps').map((s) => ({
    ...stepShape(s),
    graphsMs: s.number('graph_ms', { positive: true }),
    eagerMs: s.number('eager_ms', { positive: true }),
    set: 'decoder' as const,
    kernels: s.number('kernels_per_step', { integer: true, positive: true }),
  }));
}

/** Bytes an fp16 product moves: weights, input and output. */
const matmulBytes = (x: MeasuredMatmul) => 2 * (x.k * x.n + x.m * x.k + x.m * x.n);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Parameters fitted from the measurements, and the points each came from. */
export interface GpuFit {
  /** Plateau of the bandwidth, fraction of the datasheet's. */
  readonly memoryEfficiency: number;
  readonly kernelFloorNs: number;
  readonly computeEfficiency: number;
  readonly eagerLaunchNs: number;
  readonly attentionEfficiency: number;
  readonly points: Readonly<Record<'memoryEfficiency' | 'kernelFloorNs' | 'computeEfficiency' | 'eagerLaunchNs' | 'attentionEfficiency', string>>;
}

/**
 * Efficiency of the fused causal attention kernel: FLOPs / ((time - kernel floor) x peak) of the longest causal
 * prompt of the micro file's scaled_dot_product_attention cases (q = kv, causal: 4 x headDim x heads x q(q+1)/2
 * FLOPs, the two products over the unmasked pairs).
 */
export function fitAttentionEfficiency(device: DevicePreset, kernelFloorNs: number, file = H100_MICRO_GRAPHS): { efficiency: number; point: string } {
  const r = FieldReader.root(file, readJsonFile(file));
  const cases = r.objects('sdpa_graph').filter((c) => c.boolean('causal') && c.number('q') === c.number('kv') && c.number('batch') === 1);
  if (cases.length === 0) throw new StrataError(`${file}: field 'sdpa_graph': expected a causal case with q = kv and batch 1`);
  const c = cases.reduce((a, b) => (b.number('q') > a.number('q') ? b : a));
  const q = c.number('q', { integer: true, positive: true });
  const flops = 4 * c.number('headDim') * c.number('heads') * (q * (q + 1)) / 2;
  const efficiency = flops / ((c.number('us', { positive: true }) * 1e-6 - kernelFloorNs * 1e-9) * device.peakFlopsPerS.fp16!);
  return { efficiency, point: `causal SDPA, ${q} tokens, ${c.number('heads')} heads of ${c.number('headDim')}: ${c.number('us').toFixed(1)} us` };
}

/** The GPT-2 small decode steps replayed from graphs: the points the kernel floor is fitted on. */
export function isFloorCalibration(s: MeasuredStep): boolean {
  return s.set === 'measured' && s.model === 'gpt2-small' && s.phase === 'decode';
}

function stepOps(s: MeasuredStep) {
  const model = loadModel(s.model);
  const step = s.phase === 'decode' ? decodeStep(new Array<number>(s.batch).fill(s.tokens)) : prefillStep(new Array<number>(s.batch).fill(s.tokens));
  return { model, ops: buildOpGraph(model, step) };
}

/**
 * Fits the four parameters of `device` (its datasheet peaks and bandwidth as given) in order: the memory
 * plateau, the kernel floor (given the plateau), the compute efficiency (given the floor), the eager launch.
 */
export function fitGpu(device: DevicePreset, data: GpuMeasurements): GpuFit {
  const peakFlops = device.peakFlopsPerS.fp16!;
  // 1. Bandwidth plateau: least-squares slope of time against bytes over the large batch-1 products.
  const big = data.matmuls.filter((x) => x.m === 1 && matmulBytes(x) >= 64e6);
  const mx = big.reduce((a, x) => a + matmulBytes(x), 0) / big.length;
  const my = big.reduce((a, x) => a + x.us, 0) / big.length;
  let sxy = 0, sxx = 0;
  for (const x of big) {
    sxy += (matmulBytes(x) - mx) * (x.us - my);
    sxx += (matmulBytes(x) - mx) ** 2;
  }
  const bytesPerUs = sxx / sxy;
  const memoryEfficiency = (bytesPerUs * 1e6) / device.bandwidthBytesPerS;
  // 2. Kernel floor: (measured - the kernels' work) / kernels, averaged over the calibration steps.
  const probe: DevicePreset = { ...device, memoryEfficiency, launchOverheadPs: 0 };
  const floors = data.steps.filter(isFloorCalibration).map((s) => {
    const { model, ops } = stepOps(s);
    const run = runOpsOnDevice(probe, ops, model.precisionBytes, { profile: 'graphs' });
    return (s.graphsMs * 1e9 - run.gpuPs) / run.kernels / 1000;
  });
  const kernelFloorNs = floors.reduce((a, b) => a + b, 0) / floors.length;
  // 3. Compute efficiency: FLOPs / (time - floor) / peak, median over the compute-bound products.
  const dense = data.matmuls.filter((x) => x.m >= 256);
  const computeEfficiency = median(dense.map((x) => (2 * x.m * x.k * x.n) / ((x.us * 1e-6 - kernelFloorNs * 1e-9) * peakFlops)));
  // 4. Eager launch: small products finish on the GPU long before Python has launched the next.
  const small = data.matmuls.filter((x) => x.m === 1 && matmulBytes(x) < 16e6);
  const eagerLaunchNs = median(small.map((x) => x.us * 1000));
  // 5. Fused attention: the micro file of graph-replayed kernels.
  const attention = fitAttentionEfficiency(device, kernelFloorNs);
  return {
    memoryEfficiency, kernelFloorNs, computeEfficiency, eagerLaunchNs, attentionEfficiency: attention.efficiency,
    points: {
      attentionEfficiency: attention.point,
      memoryEfficiency: `slope of ${big.length} micro products with m = 1 and >= 64 MB`,
      kernelFloorNs: `${floors.length} GPT-2 small decode steps (CUDA graphs)`,
      computeEfficiency: `median of ${dense.length} micro products with m >= 256`,
      eagerLaunchNs: `median of ${small.length} micro products with m = 1 and < 16 MB (eager)`,
    },
  };
}

/** What the calibration test and `strata validate gpu` hold the graphs profile to: |error| median and worst, percent. */
export const GPU_CALIBRATION_LIMITS = { medianPct: 10, worstPct: 25 } as const;

/** One row of the comparison. */
export interface GpuRow {
  readonly model: string;
  readonly phase: 'decode' | 'prefill';
  readonly batch: number;
  readonly tokens: number;
  readonly profile: string;
  readonly measuredMs: number;
  readonly strataMs: number;
  /** (Strata - measured) / measured, percent. */
  readonly errorPct: number;
  /** Whether the point set a parameter (the rest are only checked). */
  readonly calibration: boolean;
  readonly set: 'measured' | 'decoder';
  /** Kernels of the step: Strata's count, and the profiler's where measured. */
  readonly strataKernels: number;
  readonly measuredKernels?: number;
}

/** Every measured step under both profiles, with Strata's time on `device`. */
export function compareGpu(device: DevicePreset, data: GpuMeasurements = loadGpuMeasurements(), more: readonly MeasuredStep[] = []): GpuRow[] {
  const rows: GpuRow[] = [];
  for (const profile of ['graphs', 'eager']) {
    deviceProfile(device, profile);
    for (const s of [...data.steps, ...more]) {
      const { model, ops } = stepOps(s);
      const run = runOpsOnDevice(device, ops, model.precisionBytes, { profile });
      const measuredMs = profile === 'graphs' ? s.graphsMs : s.eagerMs;
      const strataMs = run.totalPs / 1e9;
      rows.push({
        model: s.model, phase: s.phase, batch: s.batch, tokens: s.tokens, profile, measuredMs, strataMs,
        errorPct: (100 * (strataMs - measuredMs)) / measuredMs, calibration: profile === 'graphs' && isFloorCalibration(s),
        set: s.set, strataKernels: run.kernels, ...(s.kernels !== undefined ? { measuredKernels: s.kernels } : {}),
      });
    }
  }
  return rows;
}

/** Median and worst absolute error (percent) of `rows`. */
export function gpuErrorSummary(rows: readonly GpuRow[]): { medianPct: number; worstPct: number; points: number } {
  if (rows.length === 0) throw new StrataError('GPU comparison: no rows');
  const abs = rows.map((r) => Math.abs(r.errorPct));
  return { medianPct: median(abs), worstPct: Math.max(...abs), points: rows.length };
}

/** A micro product as an op, for checks of single kernels. */
export function matmulCostNs(device: DevicePreset, x: MeasuredMatmul, profile = 'graphs'): number {
  const flops = 2 * x.m * x.k * x.n;
  const op = {
    id: 'mm', kind: 'ffn-up' as const, cls: x.m === 1 ? 'gemv' as const : 'gemm' as const, layer: 0, expert: -1, m: x.m, k: x.k, n: x.n, batch: 1, flops,
    weightBytes: 2 * x.k * x.n, activationReadBytes: 2 * x.m * x.k, activationWriteBytes: 2 * x.m * x.n, kvReadBytes: 0, kvWriteBytes: 0,
    opPerByte: flops / matmulBytes(x), deps: [],
  };
  return opCost(device, op, 'fp16', { profile }).durationPs / 1000;
}

/** The Markdown table printed by `strata validate gpu`. */
export function formatGpuTable(device: DevicePreset, rows: readonly GpuRow[], fit: GpuFit): string {
  const lines = [
    `GPU baseline ${device.name} (${device.file.replace(/^.*\/(arch)\//, '$1/')}) against measured H100 steps`,
    '',
    'Sets: `measured` = bench/gpu/h100-measured.json; `decoder` = bench/gpu/h100-decoder-steps.json (our decoder of the same description, 2026-12-07; kernels counted by torch.profiler).',
    '',
    '| model | phase | batch | context/prompt | profile | measured ms | Strata ms | error % | role | set | kernels Strata / profiler |',
    '|---|---|---:|---:|---|---:|---:|---:|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.model} | ${r.phase} | ${r.batch} | ${r.tokens} | ${r.profile} | ${r.measuredMs.toFixed(3)} | ${r.strataMs.toFixed(3)} | ${r.errorPct >= 0 ? '+' : ''}${r.errorPct.toFixed(1)} | ${r.calibration ? 'calibration' : 'check'} | ${r.set} | ${r.strataKernels} / ${r.measuredKernels ?? '-'} |`);
  }
  const all = gpuErrorSummary(rows);
  const checks = gpuErrorSummary(rows.filter((r) => !r.calibration));
  const byProfile = (p: string) => gpuErrorSummary(rows.filter((r) => r.profile === p));
  lines.push('');
  lines.push(`All ${all.points} points: median |error| ${all.medianPct.toFixed(1)} %, worst ${all.worstPct.toFixed(1)} %.`);
  lines.push(`Checked only (${checks.points}): median ${checks.medianPct.toFixed(1)} %, worst ${checks.worstPct.toFixed(1)} %. ` +
    `graphs: median ${byProfile('graphs').medianPct.toFixed(1)} %, worst ${byProfile('graphs').worstPct.toFixed(1)} %; ` +
    `eager: median ${byProfile('eager').medianPct.toFixed(1)} %, worst ${byProfile('eager').worstPct.toFixed(1)} %.`);
  lines.push('');
  lines.push(`Fit from the measurements (the preset's values are these, rounded): memory efficiency ${fit.memoryEfficiency.toFixed(3)} (${fit.points.memoryEfficiency}); ` +
    `kernel floor ${fit.kernelFloorNs.toFixed(0)} ns (${fit.points.kernelFloorNs}); compute efficiency ${fit.computeEfficiency.toFixed(3)} (${fit.points.computeEfficiency}); ` +
    `eager host launch ${fit.eagerLaunchNs.toFixed(0)} ns (${fit.points.eagerLaunchNs}); attention efficiency ${fit.attentionEfficiency.toFixed(3)} (${fit.points.attentionEfficiency}, bench/gpu/h100-micro-graphs.json).`);
  return lines.join('\n');
}
