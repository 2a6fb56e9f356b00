import { invariant } from '../spec/errors.ts';
import type { NpuSpec } from '../npu/spec.ts';
import type { GemmShape, WsTiling } from '../ir/tiling.ts';

/*
 * GEMM tiling for a weight-stationary systolic-array NPU (SCALE-Sim / Gemmini style), one function per step so a
 * reader can follow a GEMM from the spec to its tiles.
 *
 * A matrix op is `batch` independent products of an M x K streamed operand (activations) with a K x N stationary
 * operand (weights, or the cached K/V in attention). A tile is a tm x tk x tn block:
 * - the tk x tn block of the stationary operand is cut into folds of rows x cols (the array's shape; rows hold
 *   the reduction dimension K, columns the output dimension N), which the arrays load one at a time and keep
 *   while the tm input rows stream through;
 * - the scratchpad holds the tile's stationary block and input block, double-buffered (the next tile loads while
 *   this one computes): 2 · (tk·tn + tm·tk) · p bytes, p = element size;
 * - the accumulator holds the tm x tn partial sums, double-buffered (one half drains while the other fills):
 *   2 · tm·tn · p bytes. ONNXim (which NeuPIMs builds on) sizes on-chip tiles at the data precision too.
 * Loop order, outermost first: batch, n, m, k. The k loop is innermost, so a block's partial sums stay in the
 * accumulator until complete and every output is written once. Memory traffic is then
 *   stationary operand · (m tiles) + streamed operand · (n tiles) + outputs,
 * and the tiler picks the tile that minimises it (ties: fewer tiles, then larger tk, then larger tn). Candidate
 * tk and tn are the array dimension times a power of two, capped at K and N; tm is the largest that fits, then
 * evened out over the m tiles. The NPU spec guarantees that tk = rows, tn = cols, tm = 1 fits, so no GEMM is ever
 * rejected for its size: a bigger GEMM only has more tiles.
 */

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Candidate sizes along one dimension: unit · 2^i, capped at the dimension (which is itself the last candidate). */
function candidateSizes(dim: number, unit: number): number[] {
  const sizes: number[] = [];
  for (let s = unit; ; s *= 2) {
    sizes.push(Math.min(s, dim));
    if (s >= dim) return sizes;
  }
}

/** Largest tm that fits tk x tn in the scratchpad and accumulator (both double-buffered); 0 if none does. */
function largestTm(npu: NpuSpec, m: number, tk: number, tn: number, p: number): number {
  const spadElements = Math.floor(npu.scratchpadBytes / (2 * p));
  const bySpad = Math.floor((spadElements - tk * tn) / tk);
  const byAcc = Math.floor(npu.accumulatorBytes / (2 * p * tn));
  return Math.max(0, Math.min(m, bySpad, byAcc));
}

/** Memory traffic of a tiling, bytes: stationary once per m tile, input once per n tile, outputs once. */
function trafficOf(s: GemmShape, gridM: number, gridN: number, p: number) {
  return {
    stationaryBytes: s.batch * s.k * s.n * p * gridM,
    inputBytes: s.batch * s.m * s.k * p * gridN,
    outputBytes: s.batch * s.m * s.n * p,
  };
}

/**
 * The full description of a tiling from its tile sizes: grid, edges, counts, traffic and buffer sizes follow from
 * the shape, the tile, the array's rows x cols and the element size. Trace readers use it to check saved tilings.
 */
export function describeTiling(s: GemmShape, tile: { m: number; k: number; n: number }, array: { rows: number; cols: number }, p: number): WsTiling {
  const { m: tm, k: tk, n: tn } = tile;
  const grid = { m: ceilDiv(s.m, tm), k: ceilDiv(s.k, tk), n: ceilDiv(s.n, tn), batch: s.batch };
  const { rows, cols } = array;
  return {
    scheme: 'ws-gemm',
    tile: { m: tm, k: tk, n: tn },
    grid,
    edge: { m: s.m - (grid.m - 1) * tm, k: s.k - (grid.k - 1) * tk, n: s.n - (grid.n - 1) * tn },
    order: 'batch-n-m-k',
    tiles: grid.batch * grid.m * grid.k * grid.n,
    folds: s.batch * grid.m * ceilDiv(s.k, rows) * ceilDiv(s.n, cols),
    traffic: trafficOf(s, grid.m, grid.n, p),
    scratchpadBytes: 2 * (tk * tn + tm * tk) * p,
    accumulatorBytes: 2 * tm * tn * p,
  };
}

/**
 * Tiles a matrix product of `elementBytes`-byte elements for `npu`'s weight-stationary arrays: the tile with the
 * least memory traffic among those that fit (see the header of this file). Never fails for a valid spec.
 */
export function tileGemm(npu: NpuSpec, shape: GemmShape, elementBytes: number): WsTiling {
  invariant(shape.m >= 1 && shape.k >= 1 && shape.n >= 1 && shape.batch >= 1, `GEMM dimensions are >= 1 (got ${JSON.stringify(shape)})`);
  const p = elementBytes;
  let best: { tm: number; tk: number; tn: number; cost: number; tiles: number } | null = null;
  for (const tk of candidateSizes(shape.k, npu.systolicArrays.rows)) {
    for (const tn of candidateSizes(shape.n, npu.systolicArrays.cols)) {
      const fit = largestTm(npu, shape.m, tk, tn, p);
      if (fit < 1) continue;
      const gridM = ceilDiv(shape.m, fit);
      const tm = ceilDiv(shape.m, gridM); // same number of m tiles, sizes evened out
      const t = trafficOf(shape, gridM, ceilDiv(shape.n, tn), p);
      const cost = t.stationaryBytes + t.inputBytes + t.outputBytes;
      const tiles = gridM * ceilDiv(shape.k, tk) * ceilDiv(shape.n, tn);
      // Candidates come in increasing tk, then tn: ">=" on the tie-breakers prefers the larger ones.
      if (!best || cost < best.cost || (cost === best.cost && tiles <= best.tiles)) best = { tm, tk, tn, cost, tiles };
    }
  }
  invariant(best !== null, `the NPU spec admits a ${npu.systolicArrays.rows} x ${npu.systolicArrays.cols} fold with one input row (checked by parseNpu) at ${p}-byte elements`);
  return describeTiling(shape, { m: best.tm, k: best.tk, n: best.tn }, npu.systolicArrays, p);
}
