import { join } from 'node:path';
import type { DevicePreset } from '../systems/baseline/roofline.ts';
import { FieldReader } from '../spec/fields.ts';
import { readJsonFile } from '../spec/json-file.ts';
import { ARCH_DIR } from '../spec/package-root.ts';
import { StrataError } from '../spec/errors.ts';
import { matmulCostNs } from './gpu.ts';

/*
 * Does a kernel's efficiency depend on its shape beyond the baseline's floor + max(bytes / bandwidth, FLOPs / rate)?
 * (Strata issue #14, item 1.) bench/gpu/h100-shape-sweep.json (bench/gpu/shape_sweep.py) times 114 single fp16
 * products on the H100 with their weights cold in the L2 (each case rotates over copies of at least 400 MiB, so
 * every kernel streams its weights from DRAM, as a decoder step does), replayed from CUDA graphs, and names each
 * product's kernels (torch.profiler). These points are only checked, never fitted: the preset's constants come
 * from bench/gpu/h100-measured.json as before. The comparison groups them by the regime their shape puts them in.
 */

/** The cold-L2 shape sweep, in the repository. */
export const H100_SHAPE_SWEEP = join(ARCH_DIR, '..', 'bench', 'gpu', 'h100-shape-sweep.json');

/** One product of the sweep. */
export interface SweptProduct {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly us: number;
  /** Kernels one call ran (torch.profiler). */
  readonly kernels: number;
  /** Whether one of them is cuBLAS's split-K reduction kernel. */
  readonly splitK: boolean;
}

/** One element-wise add of the sweep (two arrays read, one written). */
export interface SweptStream {
  readonly bytes: number;
  readonly us: number;
}

/** Reads the element-wise adds of bench/gpu/h100-shape-sweep.json. */
export function loadSweptStreams(file = H100_SHAPE_SWEEP): SweptStream[] {
  const r = FieldReader.root(file, readJsonFile(file));
  return r.objects('elementwise_add_cold').map((x) => ({ bytes: x.number('bytes', { integer: true, positive: true }), us: x.number('us', { positive: true }) }));
}

/** Reads the products of bench/gpu/h100-shape-sweep.json. */
export function loadShapeSweep(file = H100_SHAPE_SWEEP): SweptProduct[] {
  const r = FieldReader.root(file, readJsonFile(file));
  return r.objects('matmul_cold').map((x) => {
    const raw: unknown = x.obj['kernel_names'];
    if (!Array.isArray(raw)) x.fail('kernel_names', 'an array of kernel names', raw);
    const names: string[] = (raw as unknown[]).map((v: unknown, i: number): string => {
      if (typeof v !== 'string') return x.fail(`kernel_names[${i}]`, 'a kernel name (string)', v);
      return v;
    });
    return {
      m: x.number('m', { integer: true, positive: true }), k: x.number('k', { integer: true, positive: true }), n: x.number('n', { integer: true, positive: true }),
      us: x.number('us', { positive: true }), kernels: x.number('kernels', { integer: true, positive: true }),
      splitK: names.some((nm) => nm.includes('splitKreduce')),
    };
  });
}

/** Shape regimes, in the order the table prints them. */
export const SHAPE_REGIMES = ['m = 1, k <= n', 'm = 1, k > n', '8 <= m <= 128', '192 <= m <= 384 (ridge)', 'm >= 512'] as const;
/** A shape regime. */
export type ShapeRegime = (typeof SHAPE_REGIMES)[number];

/**
 * The regime of a product: batch-1 weight GEMVs with k <= n and with k > n (cuBLAS runs the latter split-K, a second
 * kernel), memory-bound products of a few rows, products near the H100's ridge (about 240 FLOP per byte, i.e. m of
 * a few hundred), and compute-bound ones.
 */
export function shapeRegime(p: Pick<SweptProduct, 'm' | 'k' | 'n'>): ShapeRegime {
  if (p.m === 1) return p.k > p.n ? 'm = 1, k > n' : 'm = 1, k <= n';
  if (p.m <= 128) return '8 <= m <= 128';
  if (p.m <= 384) return '192 <= m <= 384 (ridge)';
  return 'm >= 512';
}

/** One regime's errors of the model against the sweep. */
export interface RegimeSummary {
  readonly regime: ShapeRegime;
  readonly points: number;
  /** Median of (model - measured) / measured, percent: the sign says too fast (-) or too slow (+). */
  readonly medianPct: number;
  readonly medianAbsPct: number;
  /** The error of largest magnitude, percent, and its product. */
  readonly worstPct: number;
  readonly worst: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The model's error on every swept product (graphs profile: no host launch), summarised by regime. */
export function compareShapeSweep(device: DevicePreset, products: readonly SweptProduct[] = loadShapeSweep()): RegimeSummary[] {
  if (products.length === 0) throw new StrataError('shape sweep: no products');
  const errors = new Map<ShapeRegime, { pct: number; what: string }[]>();
  for (const p of products) {
    const pct = (100 * (matmulCostNs(device, p) / 1000 - p.us)) / p.us;
    const list = errors.get(shapeRegime(p)) ?? [];
    list.push({ pct, what: `${p.m}x${p.k}x${p.n}` });
    errors.set(shapeRegime(p), list);
  }
  return SHAPE_REGIMES.filter((g) => errors.has(g)).map((regime) => {
    const e = errors.get(regime)!;
    const worst = e.reduce((a, b) => (Math.abs(b.pct) > Math.abs(a.pct) ? b : a));
    return { regime, points: e.length, medianPct: median(e.map((x) => x.pct)), medianAbsPct: median(e.map((x) => Math.abs(x.pct))), worstPct: worst.pct, worst: worst.what };
  });
}

/** A straight line time = interceptUs + bytes / GBps, fitted by least squares. */
export interface AffineFit {
  readonly points: number;
  readonly interceptUs: number;
  readonly GBps: number;
}

/**
 * Least-squares line of time against bytes. If a kernel's bandwidth ramps up with its bytes as Little's law says
 * (the first bytes wait a DRAM latency, then the requests in flight keep the pins busy), its time is a constant
 * plus bytes over the plateau: the intercept is the kernel's fixed cost, start and pipe fill together.
 */
export function affineFit(points: readonly { bytes: number; us: number }[]): AffineFit {
  if (points.length < 2) throw new StrataError(`shape sweep: a line needs at least 2 points, got ${points.length}`);
  const mx = points.reduce((a, p) => a + p.bytes, 0) / points.length;
  const my = points.reduce((a, p) => a + p.us, 0) / points.length;
  let sxy = 0, sxx = 0;
  for (const p of points) {
    sxy += (p.bytes - mx) * (p.us - my);
    sxx += (p.bytes - mx) ** 2;
  }
  const usPerByte = sxy / sxx;
  return { points: points.length, interceptUs: my - usPerByte * mx, GBps: 1 / usPerByte / 1e3 };
}

/** Bytes an fp16 product moves: weights, input and output. */
const productBytes = (p: Pick<SweptProduct, 'm' | 'k' | 'n'>) => 2 * (p.k * p.n + p.m * p.k + p.m * p.n);

/** The lines the sweep gives: batch-1 products of one kernel (k <= n), split-K ones (k > n), element-wise adds of >= 3 MB. */
export function sweepLines(products: readonly SweptProduct[] = loadShapeSweep(), streams: readonly SweptStream[] = loadSweptStreams()): { oneKernel: AffineFit; splitK: AffineFit; elementwise: AffineFit } {
  const gemv = (split: boolean) => products.filter((p) => p.m === 1 && p.splitK === split).map((p) => ({ bytes: productBytes(p), us: p.us }));
  return { oneKernel: affineFit(gemv(false)), splitK: affineFit(gemv(true)), elementwise: affineFit(streams.filter((x) => x.bytes >= 3e6)) };
}

/** Llama-3-8B's four weight products of one decoder layer at batch 1 (QKV, output, gate+up, down): measured and modelled, us. */
export function llamaLayerProducts(device: DevicePreset, products: readonly SweptProduct[] = loadShapeSweep()): { measuredUs: number; strataUs: number } {
  let measuredUs = 0, strataUs = 0;
  for (const [k, n] of [[4096, 6144], [4096, 4096], [4096, 28672], [14336, 4096]] as const) {
    const p = products.find((q) => q.m === 1 && q.k === k && q.n === n);
    if (!p) throw new StrataError(`shape sweep: no batch-1 product ${k} x ${n} in ${H100_SHAPE_SWEEP}`);
    measuredUs += p.us;
    strataUs += matmulCostNs(device, p) / 1000;
  }
  return { measuredUs, strataUs };
}

/** Which products ran cuBLAS's split-K reduction kernel, as counts against the rule k > n and m <= 128. */
export function splitKPattern(products: readonly SweptProduct[] = loadShapeSweep()): { split: number; ruleHolds: number; exceptions: string[] } {
  const exceptions: string[] = [];
  let split = 0;
  for (const p of products) {
    if (p.splitK) split++;
    if (p.splitK !== (p.k > p.n && p.m <= 128)) exceptions.push(`${p.m}x${p.k}x${p.n}`);
  }
  return { split, ruleHolds: products.length - exceptions.length, exceptions };
}

/** The Markdown section `strata validate gpu` prints after the H100 steps. */
export function formatShapeSweep(device: DevicePreset, products: readonly SweptProduct[] = loadShapeSweep()): string {
  const rows = compareShapeSweep(device, products);
  const sk = splitKPattern(products);
  const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  const lines = [
    `Single products with their weights cold in the L2 (bench/gpu/h100-shape-sweep.json, ${products.length} fp16 products, CUDA graphs; only checked, nothing is fitted on them), ${device.name} under the graphs profile:`,
    '',
    '| regime | products | median error % | median abs error % | worst % (m x k x n) |',
    '|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.regime} | ${r.points} | ${sign(r.medianPct)} | ${r.medianAbsPct.toFixed(1)} | ${sign(r.worstPct)} (${r.worst}) |`),
    '',
    `Kernels (torch.profiler): ${sk.split} of ${products.length} products run cuBLAS's split-K reduction kernel as a second kernel; the rule "k > n and m <= 128" says which for ${sk.ruleHolds} of ${products.length}` +
      (sk.exceptions.length > 0 ? ` (not for ${sk.exceptions.join(', ')}).` : '.'),
  ];
  const lines3 = sweepLines(products);
  const line = (f: AffineFit) => `${f.interceptUs.toFixed(2)} us + bytes / ${f.GBps.toFixed(0)} GB/s (${f.points} points)`;
  const llama = llamaLayerProducts(device, products);
  const modelGBps = (device.bandwidthBytesPerS * device.memoryEfficiency) / 1e9;
  lines.push('');
  lines.push(`Time against bytes, least squares: batch-1 products of one kernel ${line(lines3.oneKernel)}; split-K batch-1 products ${line(lines3.splitK)}; element-wise adds of >= 3 MB ${line(lines3.elementwise)}. ` +
    `The model: ${(device.launchOverheadPs / 1e6).toFixed(3)} us per kernel + bytes / ${modelGBps.toFixed(0)} GB/s.`);
  lines.push(`Llama-3-8B's four weight products of a decoder layer at batch 1 (4096 x 6144, 4096 x 4096, 4096 x 28672, 14336 x 4096): measured ${llama.measuredUs.toFixed(1)} us, Strata ${llama.strataUs.toFixed(1)} us (${sign((100 * (llama.strataUs - llama.measuredUs)) / llama.measuredUs)} %).`);
  return lines.join('\n');
}
