import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { describeTiling, tileGemm } from '../../src/compiler/tiling.ts';
import { loadNpu } from '../../src/npu/spec.ts';
import {
  foldInterval, gemmCycles, macBoundCycles, osFoldCycles, tileCycles, tileFolds, wsFoldCycles, type SystolicArrayConfig,
} from '../../src/npu/systolic-array.ts';

const ws1: SystolicArrayConfig = { rows: 128, cols: 128, count: 1, dataflow: 'weight-stationary', doubleBuffered: true };
const os1: SystolicArrayConfig = { ...ws1, dataflow: 'output-stationary' };
/** One tile covering the whole GEMM (no scratchpad limit): the array's own timing. */
const whole = (m: number, k: number, n: number) => describeTiling({ m, k, n, batch: 1 }, { m, k, n }, ws1, 2);

/**
 * A register-level weight-stationary array (the reference the closed form must match): weights preloaded, input
 * rows enter from the left skewed by their array row, partial sums move down. Returns the product and the cycle
 * count from the first input to the last result leaving the bottom.
 */
function wsRegisterLevel(a: number[][], w: number[][]): { out: number[][]; cycles: number } {
  const M = a.length;
  const R = w.length;
  const C = w[0]!.length;
  let aVal = Array.from({ length: R }, () => new Array<number>(C).fill(0));
  let aTag = Array.from({ length: R }, () => new Array<number>(C).fill(-1));
  let pVal = Array.from({ length: R }, () => new Array<number>(C).fill(0));
  let pTag = Array.from({ length: R }, () => new Array<number>(C).fill(-1));
  const out = Array.from({ length: M }, () => new Array<number>(C).fill(NaN));
  let last = -1;
  for (let t = 0; t < M + R + C + 5; t++) {
    const na = aVal.map((r) => r.slice());
    const nat = aTag.map((r) => r.slice());
    const np = pVal.map((r) => r.slice());
    const npt = pTag.map((r) => r.slice());
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) {
        const row = t - i;
        const inA = j === 0 ? (row >= 0 && row < M ? a[row]![i]! : 0) : aVal[i]![j - 1]!;
        const inTag = j === 0 ? (row >= 0 && row < M ? row : -1) : aTag[i]![j - 1]!;
        na[i]![j] = inA;
        nat[i]![j] = inTag;
        const above = i === 0 ? 0 : pVal[i - 1]![j]!;
        np[i]![j] = above + inA * w[i]![j]!;
        npt[i]![j] = i === 0 ? inTag : pTag[i - 1]![j]!;
      }
    }
    [aVal, aTag, pVal, pTag] = [na, nat, np, npt];
    for (let j = 0; j < C; j++) {
      const r = pTag[R - 1]![j]!;
      if (r >= 0) {
        out[r]![j] = pVal[R - 1]![j]!;
        last = t;
      }
    }
  }
  return { out, cycles: last + 1 };
}

/** A register-level output-stationary array: both operands enter skewed, each PE accumulates its output; results then shift out of the bottom, one row per cycle. */
function osRegisterLevel(a: number[][], b: number[][]): { out: number[][]; cycles: number } {
  const R = a.length;
  const K = b.length;
  const C = b[0]!.length;
  let aReg = Array.from({ length: R }, () => new Array<number | null>(C).fill(null));
  let bReg = Array.from({ length: R }, () => new Array<number | null>(C).fill(null));
  const acc = Array.from({ length: R }, () => new Array<number>(C).fill(0));
  let lastMac = -1;
  for (let t = 0; t < K + R + C + 5; t++) {
    const na = aReg.map((r) => r.slice());
    const nb = bReg.map((r) => r.slice());
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) {
        const ka = t - i;
        const kb = t - j;
        na[i]![j] = j === 0 ? (ka >= 0 && ka < K ? a[i]![ka]! : null) : aReg[i]![j - 1]!;
        nb[i]![j] = i === 0 ? (kb >= 0 && kb < K ? b[kb]![j]! : null) : bReg[i - 1]![j]!;
        if (na[i]![j] !== null && nb[i]![j] !== null) {
          acc[i]![j]! += na[i]![j]! * nb[i]![j]!;
          lastMac = t;
        }
      }
    }
    [aReg, bReg] = [na, nb];
  }
  // Shift-out: R cycles move the R results of every column out of the bottom.
  return { out: acc, cycles: lastMac + 1 + R };
}

const matrix = (rows: number, cols: number, seed: number) =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => ((i * 7 + j * 3 + seed) % 5) - 2));
const product = (a: number[][], b: number[][]) => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));

describe('register-level reference vs closed form (one fold)', () => {
  it('weight-stationary: M input rows take M + R + C - 2 cycles after the weight load, and compute the product', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), (R, C, M) => {
      const a = matrix(M, R, 1);
      const w = matrix(R, C, 2);
      const ref = wsRegisterLevel(a, w);
      expect(ref.out).toEqual(product(a, w));
      const cfg: SystolicArrayConfig = { rows: R, cols: C, count: 1, dataflow: 'weight-stationary', doubleBuffered: true };
      // The closed form counts the R-cycle weight load before the stream as well.
      expect(wsFoldCycles(cfg, 1, M)).toBe(R + ref.cycles);
      expect(ref.cycles).toBe(M + R + C - 2);
    }), { numRuns: 60 });
  });

  it('output-stationary: K reduction steps take K + R + C - 2 cycles plus R to shift the results out', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), (R, C, K) => {
      const a = matrix(R, K, 3);
      const b = matrix(K, C, 4);
      const ref = osRegisterLevel(a, b);
      expect(ref.out).toEqual(product(a, b));
      const cfg: SystolicArrayConfig = { rows: R, cols: C, count: 1, dataflow: 'output-stationary', doubleBuffered: true };
      expect(osFoldCycles(cfg, 1, K)).toBe(ref.cycles);
      expect(ref.cycles).toBe(K + 2 * R + C - 2);
    }), { numRuns: 60 });
  });
});

describe('GEMM cycles on one 128 x 128 array equal the closed-form count', () => {
  it('128 x 128 x 128: one fold either way, 510 cycles', () => {
    // WS: load R + stream M + drain R + C - 2 = 128 + 128 + 254; OS: K + R + C - 2 + R = 128 + 254 + 128.
    expect(gemmCycles(ws1, whole(128, 128, 128)).cycles).toBe(510);
    expect(gemmCycles(os1, whole(128, 128, 128)).cycles).toBe(510);
    // 128^3 MACs in 510 cycles on 128^2 PEs: 128 / 510.
    expect(gemmCycles(ws1, whole(128, 128, 128)).utilisation).toBeCloseTo(128 / 510, 12);
  });

  it('1 x 4096 x 4096 (decode GEMV): weight loading bounds WS, the reduction bounds OS', () => {
    // WS: 32 x 32 = 1024 folds of M = 1, each max(M, R) = 128 apart: 128 + 1023 * 128 + 1 + 254 = 131,327.
    const ws = gemmCycles(ws1, whole(1, 4096, 4096));
    expect(ws.cycles).toBe(131_327);
    // OS: 1 x 32 = 32 output folds of K = 4096, each 4096 apart: 31 * 4096 + 4096 + 254 + 128 = 131,454.
    expect(gemmCycles(os1, whole(1, 4096, 4096)).cycles).toBe(131_454);
    // 4096^2 MACs on one row of PEs at a time: utilisation about 1/128.
    expect(ws.utilisation).toBeCloseTo(4096 ** 2 / (128 * 128 * 131_327), 12);
    expect(ws.utilisation).toBeLessThan(1 / 128);
    // Without shadow weight registers every fold pays load and drain: 1024 x (2R + C + M - 2) = 1024 x 383.
    expect(gemmCycles({ ...ws1, doubleBuffered: false }, whole(1, 4096, 4096)).cycles).toBe(1024 * 383);
  });

  it('4096 x 64 x 64 (skinny): one WS fold a quarter occupied; OS drains 32 folds', () => {
    // WS: 1 fold, M = 4096: 128 + 4096 + 254 = 4478 (only 64 x 64 PEs hold weights).
    const ws = gemmCycles(ws1, whole(4096, 64, 64));
    expect(ws.cycles).toBe(4478);
    expect(ws.utilisation).toBeCloseTo((4096 * 64 * 64) / (128 * 128 * 4478), 12);
    // OS: 32 x 1 folds of K = 64 < R: the R-cycle shift-out sets the pace, 31 * 128 + 64 + 382 = 4414.
    expect(gemmCycles(os1, whole(4096, 64, 64)).cycles).toBe(4414);
  });

  it('200 x 100 x 150 (not a multiple of the array): edge folds cost as much as full ones', () => {
    // WS: ceil(100/128) x ceil(150/128) = 2 folds of M = 200: 128 + 200 + 200 + 254 = 782.
    expect(tileFolds(ws1, 200, 100, 150)).toBe(2);
    expect(gemmCycles(ws1, whole(200, 100, 150)).cycles).toBe(782);
    // OS: ceil(200/128) x ceil(150/128) = 4 folds of K = 100 < R: 3 * 128 + 100 + 382 = 866.
    expect(tileFolds(os1, 200, 100, 150)).toBe(4);
    expect(gemmCycles(os1, whole(200, 100, 150)).cycles).toBe(866);
  });

  it('WS wins when M < K, OS when K < M', () => {
    // 64 x 256 x 128: WS 2 folds of M = 64: 128 + 128 + 64 + 254 = 574; OS 1 fold of K = 256: 256 + 382 = 638.
    expect(gemmCycles(ws1, whole(64, 256, 128)).cycles).toBe(574);
    expect(gemmCycles(os1, whole(64, 256, 128)).cycles).toBe(638);
    // 256 x 64 x 128: WS 1 fold of M = 256: 128 + 256 + 254 = 638; OS 2 folds of K = 64: 128 + 64 + 382 = 574.
    expect(gemmCycles(ws1, whole(256, 64, 128)).cycles).toBe(638);
    expect(gemmCycles(os1, whole(256, 64, 128)).cycles).toBe(574);
  });
});

describe('GEMMs on the NeuPIMs NPU (8 arrays, tiled for the scratchpad)', () => {
  const npu = loadNpu('neupims-npu');
  const ws8: SystolicArrayConfig = { ...ws1, count: 8 };

  it('a tile shares its folds among the 8 arrays; the busiest sets the time', () => {
    // 1 x 768 x 1024: 6 x 8 = 48 folds, 6 per array, M = 1: 128 + 5 * 128 + 1 + 254 = 1023.
    expect(tileCycles(ws8, 1, 768, 1024)).toBe(1023);
    // 1 x 128 x 1024: 8 folds, one per array: 128 + 1 + 254 = 383.
    expect(tileCycles(ws8, 1, 128, 1024)).toBe(383);
    // 9 folds: the ninth array-slot makes one array do two: 128 + 128 + 1 + 254 = 511.
    expect(tileCycles(ws8, 1, 384, 384)).toBe(511);
  });

  it('1 x 4096 x 4096 decode GEMV tiled by the compiler: tiles stream back to back, lead and tail paid once', () => {
    const t = tileGemm(npu, { m: 1, k: 4096, n: 4096, batch: 1 }, 2);
    // The tiler picks 128 x 1024 stationary blocks (256 KB, two halves of the 1 MB scratchpad with the input row).
    expect(t.tile).toEqual({ m: 1, k: 128, n: 1024 });
    expect(t.tiles).toBe(32 * 4);
    // Each tile: 8 folds, one per array, 128 cycles apart. 128 tiles: 128 + 127 * 128 + 1 + 254 = 16,639.
    const g = gemmCycles(ws8, t);
    expect(g.cycles).toBe(16_639);
    // 4096^2 MACs / (8 * 128^2) = 128 cycles if every PE were busy.
    expect(g.lowerBoundCycles).toBe(128);
    expect(g.cycles).toBeGreaterThanOrEqual(g.lowerBoundCycles);
  });

  it('property: cycles >= the MAC bound, utilisation in (0, 1], and the GEMM is no slower than its tiles one by one', () => {
    const cfg = fc.record({
      rows: fc.constantFrom(4, 8, 32, 128), cols: fc.constantFrom(4, 16, 128), count: fc.integer({ min: 1, max: 8 }),
      dataflow: fc.constantFrom('weight-stationary' as const, 'output-stationary' as const), doubleBuffered: fc.boolean(),
    });
    const dims = fc.record({ m: fc.integer({ min: 1, max: 700 }), k: fc.integer({ min: 1, max: 700 }), n: fc.integer({ min: 1, max: 700 }) });
    const tileDims = fc.record({ tm: fc.integer({ min: 1, max: 300 }), tk: fc.integer({ min: 1, max: 300 }), tn: fc.integer({ min: 1, max: 300 }) });
    fc.assert(fc.property(cfg, dims, tileDims, (a, s, td) => {
      const tile = { m: Math.min(td.tm, s.m), k: Math.min(td.tk, s.k), n: Math.min(td.tn, s.n) };
      const t = describeTiling({ ...s, batch: 1 }, tile, a, 2);
      const g = gemmCycles(a, t);
      expect(g.macs).toBe(s.m * s.k * s.n);
      expect(g.cycles).toBeGreaterThanOrEqual(macBoundCycles(a, g.macs));
      expect(g.utilisation).toBeGreaterThan(0);
      expect(g.utilisation).toBeLessThanOrEqual(1);
      // Back to back never costs more than running each tile alone.
      let alone = 0;
      for (let mi = 0; mi < t.grid.m; mi++) for (let ki = 0; ki < t.grid.k; ki++) for (let ni = 0; ni < t.grid.n; ni++) {
        alone += tileCycles(a, mi === t.grid.m - 1 ? t.edge.m : tile.m, ki === t.grid.k - 1 ? t.edge.k : tile.k, ni === t.grid.n - 1 ? t.edge.n : tile.n);
      }
      expect(g.cycles).toBeLessThanOrEqual(alone);
      // The interval never lets a fold overlap its own stream.
      expect(foldInterval(a, tile.m, tile.k)).toBeGreaterThanOrEqual(a.dataflow === 'weight-stationary' ? tile.m : tile.k);
    }), { numRuns: 200 });
  });
});
