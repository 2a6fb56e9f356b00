import { describe, it, expect } from 'vitest';
import { loadDevice } from '../../src/systems/baseline/roofline.ts';
import { affineFit, compareShapeSweep, formatShapeSweep, llamaLayerProducts, loadShapeSweep, shapeRegime, splitKPattern, sweepLines } from '../../src/validation/gpu-shapes.ts';

/*
 * The H100 baseline against the cold-L2 shape sweep (bench/gpu/h100-shape-sweep.json, only checked). These tests
 * hold what the sweep says about shape today (docs/baselines.md, "Shape dependence"): a change to the kernel model
 * that moves a regime must update the numbers here with its reason.
 */
const h100 = loadDevice('gpu-h100-sxm');
const products = loadShapeSweep();
const byRegime = Object.fromEntries(compareShapeSweep(h100, products).map((r) => [r.regime, r]));

describe('cold-L2 shape sweep (H100)', () => {
  it('holds 114 products; cuBLAS runs a second, split-K reduction kernel exactly when k > n and m <= 128', () => {
    expect(products.length).toBe(114);
    const sk = splitKPattern(products);
    // 10 batch-1 products with k > n (k = 4n, and 14336 x 4096) and 14336 x 4096 at m = 8, 32, 64, 128.
    expect(sk.split).toBe(14);
    expect(sk.exceptions).toEqual([]);
    for (const p of products) expect(p.kernels).toBeGreaterThanOrEqual(p.splitK ? 2 : 1);
  });

  it('a split-K GEMV costs 2.3-4.1 us more than its transpose, which moves the same bytes in one kernel', () => {
    const find = (m: number, k: number, n: number) => products.find((p) => p.m === m && p.k === k && p.n === n)!;
    const extra: number[] = [];
    for (const h of [768, 1024, 1280, 1600, 2048, 2560, 4096, 5120, 8192]) {
      const down = find(1, 4 * h, h);
      const up = find(1, h, 4 * h);
      expect(down.splitK && !up.splitK).toBe(true);
      extra.push(down.us - up.us);
    }
    // About one more kernel floor (3.3 us fitted; 1.1 us for a tiny graph-replayed add): the reduction kernel.
    expect(Math.min(...extra)).toBeGreaterThan(2.2);
    expect(Math.max(...extra)).toBeLessThan(4.2);
  });

  it('regimes: GEMVs of one kernel agree; split-K GEMVs and the ridge are too fast; large products too slow', () => {
    expect(shapeRegime({ m: 1, k: 4096, n: 1024 })).toBe('m = 1, k > n');
    expect(shapeRegime({ m: 256, k: 4096, n: 4096 })).toBe('192 <= m <= 384 (ridge)');
    // floor + bytes / (0.93 x 3.35 TB/s) holds for one-kernel batch-1 GEMVs from 1.2 MB to 1 GB: median -2.6 %.
    expect(byRegime['m = 1, k <= n']!.medianAbsPct).toBeLessThan(5);
    // The model runs them as one kernel: median -14.6 %, worst -38.2 % (1 x 3072 x 768, GPT-2 small's down projection).
    expect(byRegime['m = 1, k > n']!.medianPct).toBeLessThan(-10);
    // Near the ridge the measured time exceeds max(compute, memory): median -11.1 %, worst -45 % (192 x 14336 x 4096).
    expect(byRegime['192 <= m <= 384 (ridge)']!.medianPct).toBeLessThan(-5);
    // Compute-bound cold products reach 0.70-0.80 of the dense peak, above the 0.673 fitted on m = 256 / 512: +13.9 %.
    expect(byRegime['m >= 512']!.medianPct).toBeGreaterThan(10);
    expect(byRegime['m >= 512']!.medianPct).toBeLessThan(18);
  });

  it('time is a line in bytes (Little\'s law: a fixed pipe fill, then the plateau); a split-K product pays about two kernels', () => {
    const line = affineFit([{ bytes: 0, us: 2 }, { bytes: 3e9, us: 1002 }, { bytes: 6e9, us: 2002 }]);
    expect(line.points).toBe(3);
    expect(line.interceptUs).toBeCloseTo(2, 9);
    expect(line.GBps).toBeCloseTo(3000, 6);
    const l = sweepLines(products);
    // One-kernel GEMVs from 1.2 MB to 1 GB: 3.69 us + bytes / 3,085 GB/s, near the model's 3.325 us + bytes / 3,116.
    expect(l.oneKernel.points).toBe(30);
    expect(l.oneKernel.interceptUs).toBeGreaterThan(3.3);
    expect(l.oneKernel.interceptUs).toBeLessThan(4.1);
    expect(Math.abs(l.oneKernel.GBps / (h100.bandwidthBytesPerS * h100.memoryEfficiency / 1e9) - 1)).toBeLessThan(0.03);
    // Split-K: 6.58 us, about twice the one-kernel intercept; element-wise adds: 2.23 us.
    expect(l.splitK.interceptUs / l.oneKernel.interceptUs).toBeGreaterThan(1.6);
    expect(l.elementwise.interceptUs).toBeLessThan(l.oneKernel.interceptUs);
    // Llama-3-8B's four layer products: measured 166.0 us, Strata 153.4 (-7.6 %): what its decode steps miss.
    const llama = llamaLayerProducts(h100, products);
    expect(llama.measuredUs).toBeCloseTo(166.0, 0);
    expect(llama.strataUs / llama.measuredUs - 1).toBeLessThan(-0.05);
  });

  it('prints one row per regime and the split-K count', () => {
    const text = formatShapeSweep(h100, products);
    expect(text).toContain('| m = 1, k > n | 10 |');
    expect(text).toContain('14 of 114 products run cuBLAS');
  });
});
