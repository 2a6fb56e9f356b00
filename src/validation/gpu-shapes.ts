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

/** Reads bench/gpu/h100-shape-sweep.json. */
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
  return lines.join('\n');
}
