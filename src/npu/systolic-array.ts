import type { WsTiling } from '../ir/tiling.ts';
import { invariant } from '../spec/errors.ts';

/*
 * Tile timing of an R x C systolic array, in closed form (SCALE-Sim's counting, ONNXim's per-instruction formula).
 *
 * Weight-stationary (WS; NeuPIMs' `systolic_ws`). A fold is an R x C block of the stationary K x N operand: PE
 * (i, j) holds w[i][j], rows hold the reduction dimension, columns the outputs. A fold's life:
 * - load: the weights shift in from the top, one array row per cycle: R cycles.
 * - stream: the M input rows enter from the left, skewed: element i of input row t enters row i at cycle t + i
 *   and moves one column right per cycle, so PE (i, j) sees it at cycle t + i + j. Partial sums move one row
 *   down per cycle; the sum for (row t, column j) leaves the bottom after PE (R-1, j) at cycle t + R - 1 + j.
 *   The last one (t = M-1, j = C-1) leaves at cycle M + R + C - 3, so streaming and draining take
 *   M + R + C - 2 cycles (ONNXim's SystolicWS: core_height + core_width - 2 + size).
 * - Without a shadow weight register the next fold loads only after the drain: per fold R + M + R + C - 2
 *   = 2R + C + M - 2 cycles (SCALE-Sim's WS count).
 * - With double-buffered weights the next fold loads (R cycles) while this one streams (M cycles), and its
 *   input wavefront follows this fold's last input row, so folds start max(M, R) cycles apart; fill and drain
 *   are paid once per run of folds: R + (F - 1) · max(M, R) + M + R + C - 2.
 * Fill and drain use the physical R and C even when a fold is only partly occupied (a 64 x 64 edge fold on a
 * 128 x 128 array): partial sums still pass every row and inputs every column.
 *
 * Output-stationary (OS). A fold is an R x C block of outputs: PE (i, j) accumulates c[i][j]. Row i of the
 * streamed operand enters from the left and column j of the other from the top, skewed, so PE (i, j) performs
 * MAC number k at cycle k + i + j; the last MAC (k = K-1 at PE (R-1, C-1)) is at cycle K + R + C - 3: K + R + C
 * - 2 cycles of fill and stream. The R results of each column then shift out of the bottom, one per cycle: R
 * cycles of drain. Per fold K + 2R + C - 2 (SCALE-Sim's OS count); with double-buffered outputs (a shadow
 * result register per PE) the drain overlaps the next fold, which starts max(K, R) cycles after this one:
 * (F - 1) · max(K, R) + K + R + C - 2 + R.
 *
 * For a square 128 x 128 x 128 tile both give 128 + 128 + 254 = 510 cycles; WS is ahead when M < K (fewer,
 * longer folds), OS when K < M.
 *
 * Several arrays share a tile: its folds go round-robin to the arrays, and the tile takes as long as the
 * busiest array (ceil(F / arrays) folds). Partial sums of different K folds meet in the accumulator.
 */

/** Dataflows of the array model. */
export type ArrayDataflow = 'weight-stationary' | 'output-stationary';

/** An array group: `count` identical R x C arrays sharing each tile. */
export interface SystolicArrayConfig {
  readonly rows: number;
  readonly cols: number;
  readonly count: number;
  readonly dataflow: ArrayDataflow;
  /** Shadow registers (weights in WS, results in OS) let the next fold overlap this one. */
  readonly doubleBuffered: boolean;
}

/*
 * Every case above is one pattern: a fold waits `lead` cycles after its data is ready (WS: the weight load; OS:
 * nothing), streams for `stream` cycles (WS: M input rows; OS: K operand pairs), and its last result leaves
 * `tail` cycles after the stream ends (WS: R + C - 2; OS: R + C - 2 + R). Consecutive folds on one array start
 * `interval` cycles apart: with shadow registers max(stream, R) (the next load, or the previous drain, hides
 * behind this stream), without them lead + stream + tail (nothing overlaps). F folds back to back take
 *   lead + (F - 1) · interval + stream + tail,
 * which is each count in the header. Tiles whose data is ready keep the fold stream going, so a GEMM's tiles
 * pay lead and tail once (see gemmCycles).
 */

/** Cycles from a fold's data being ready to its stream starting: WS loads R rows of weights; OS starts at once. */
export function foldLead(a: SystolicArrayConfig): number {
  return a.dataflow === 'weight-stationary' ? a.rows : 0;
}

/** Cycles a fold streams operands through the array: WS the m input rows, OS the k reduction steps. */
export function foldStream(a: SystolicArrayConfig, m: number, k: number): number {
  return a.dataflow === 'weight-stationary' ? m : k;
}

/** Cycles from the end of a fold's stream to its last result leaving: WS R + C - 2, OS R + C - 2 + R (shift-out). */
export function foldTail(a: SystolicArrayConfig): number {
  return a.rows + a.cols - 2 + (a.dataflow === 'weight-stationary' ? 0 : a.rows);
}

/** Cycles between the stream starts of consecutive folds on one array. */
export function foldInterval(a: SystolicArrayConfig, m: number, k: number): number {
  const stream = foldStream(a, m, k);
  return a.doubleBuffered ? Math.max(stream, a.rows) : foldLead(a) + stream + foldTail(a);
}

/** WS: cycles for `folds` folds on one array, each streaming `m` input rows (formula in the header). */
export function wsFoldCycles(a: SystolicArrayConfig, folds: number, m: number): number {
  const ws: SystolicArrayConfig = a.dataflow === 'weight-stationary' ? a : { ...a, dataflow: 'weight-stationary' };
  return folds === 0 ? 0 : foldLead(ws) + (folds - 1) * foldInterval(ws, m, 0) + m + foldTail(ws);
}

/** OS: cycles for `folds` output folds on one array, each reducing over `k` (formula in the header). */
export function osFoldCycles(a: SystolicArrayConfig, folds: number, k: number): number {
  const os: SystolicArrayConfig = a.dataflow === 'output-stationary' ? a : { ...a, dataflow: 'output-stationary' };
  return folds === 0 ? 0 : (folds - 1) * foldInterval(os, 0, k) + k + foldTail(os);
}

/** Folds of an m x k x n tile: WS folds cover the k x n stationary block, OS folds the m x n outputs. */
export function tileFolds(a: SystolicArrayConfig, m: number, k: number, n: number): number {
  const across = Math.ceil(n / a.cols);
  return a.dataflow === 'weight-stationary' ? Math.ceil(k / a.rows) * across : Math.ceil(m / a.rows) * across;
}

/** Folds of a tile on the busiest array of the group (folds go round-robin to the arrays). */
export function foldsPerArray(a: SystolicArrayConfig, m: number, k: number, n: number): number {
  return Math.ceil(tileFolds(a, m, k, n) / a.count);
}

/** Cycles of one m x k x n tile alone on the array group: lead + (F - 1) · interval + stream + tail for the busiest array's F folds. */
export function tileCycles(a: SystolicArrayConfig, m: number, k: number, n: number): number {
  const f = foldsPerArray(a, m, k, n);
  return foldLead(a) + (f - 1) * foldInterval(a, m, k) + foldStream(a, m, k) + foldTail(a);
}

/** A GEMM's timing on an array group. */
export interface GemmTiming {
  /** Cycles from the first fold's data to the last result, tiles back to back. */
  readonly cycles: number;
  readonly macs: number;
  /** MACs / (count · R · C · cycles): the fraction of PE-cycles doing useful work. */
  readonly utilisation: number;
  /** Lower bound: every PE busy every cycle, ceil(macs / (count · R · C)). */
  readonly lowerBoundCycles: number;
}

/** Closed-form lower bound of any GEMM on the group: ceil(MACs / PEs). */
export function macBoundCycles(a: SystolicArrayConfig, macs: number): number {
  return Math.ceil(macs / (a.count * a.rows * a.cols));
}

/**
 * Cycles of a tiled GEMM whose tiles are ready in time (the compute side alone): the fold stream runs on from tile
 * to tile, so lead and tail are paid once, lead + sum over tiles of (folds per array x interval) - the last
 * interval + the last stream + tail. Tiles come in at most 2 x 2 x 2 sizes (full and edge along each dimension),
 * so this is a sum of at most 8 terms, whatever the number of tiles; the last tile in loop order is the edge one.
 */
export function gemmCycles(a: SystolicArrayConfig, t: WsTiling): GemmTiming {
  invariant(t.grid.m >= 1 && t.grid.k >= 1 && t.grid.n >= 1, 'a tiling has at least one tile per dimension');
  let intervals = 0;
  let macs = 0;
  for (let im = 0; im < 2; im++) {
    const cm = im === 0 ? t.grid.m - 1 : 1;
    const m = im === 0 ? t.tile.m : t.edge.m;
    for (let ik = 0; ik < 2; ik++) {
      const ck = ik === 0 ? t.grid.k - 1 : 1;
      const k = ik === 0 ? t.tile.k : t.edge.k;
      for (let inn = 0; inn < 2; inn++) {
        const cn = inn === 0 ? t.grid.n - 1 : 1;
        const n = inn === 0 ? t.tile.n : t.edge.n;
        const count = cm * ck * cn * t.grid.batch;
        if (count === 0) continue;
        intervals += count * foldsPerArray(a, m, k, n) * foldInterval(a, m, k);
        macs += count * m * k * n;
      }
    }
  }
  const { m, k } = t.edge;
  const cycles = foldLead(a) + intervals - foldInterval(a, m, k) + foldStream(a, m, k) + foldTail(a);
  return { cycles, macs, utilisation: macs / (a.count * a.rows * a.cols * cycles), lowerBoundCycles: macBoundCycles(a, macs) };
}
