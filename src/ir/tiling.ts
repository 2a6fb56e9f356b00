/*
 * Tiling descriptors: how a matrix op is cut into tiles for a weight-stationary array. The compiler chooses a
 * tiling (src/compiler/tiling.ts: tileGemm, describeTiling); the NPU units and traces consume it. Pure data and a
 * walker over it; this file imports nothing from Strata.
 */

/** The dimensions of a (batched) matrix product. */
export interface GemmShape {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly batch: number;
}

/** How one matrix op is cut into tiles for a weight-stationary array: a compact description from which every tile follows (see `expandTiles`). */
export interface WsTiling {
  readonly scheme: 'ws-gemm';
  /** Full tile sizes. */
  readonly tile: { readonly m: number; readonly k: number; readonly n: number };
  /** Tiles along each dimension: ceil(dimension / tile); batch = independent instances. */
  readonly grid: { readonly m: number; readonly k: number; readonly n: number; readonly batch: number };
  /** Size of the last tile along each dimension (equal to the tile size when it divides the dimension). */
  readonly edge: { readonly m: number; readonly k: number; readonly n: number };
  /** Loop order, outermost first. */
  readonly order: 'batch-n-m-k';
  /** grid.batch · grid.m · grid.k · grid.n. */
  readonly tiles: number;
  /** Array folds (rows x cols blocks of the stationary operand loaded into an array), over all tiles. */
  readonly folds: number;
  /** Bytes moved between memory and the NPU by this tiling (matrix operands only; biases are in the op's weight bytes). */
  readonly traffic: { readonly stationaryBytes: number; readonly inputBytes: number; readonly outputBytes: number };
  /** Scratchpad bytes a full tile occupies, both halves: 2 · (tk·tn + tm·tk) · p. */
  readonly scratchpadBytes: number;
  /** Accumulator bytes a full tile occupies, both halves: 2 · tm·tn · p. */
  readonly accumulatorBytes: number;
}

/** One tile of a tiling: its position in the grid and its actual sizes (edge tiles are smaller). */
export interface Tile {
  readonly b: number;
  readonly mi: number;
  readonly ki: number;
  readonly ni: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

/** Every tile of a tiling, in its loop order (batch, n, m, k). For tests and for models that walk tiles one by one. */
export function* expandTiles(t: WsTiling): Generator<Tile> {
  const size = (i: number, count: number, full: number, edge: number) => (i === count - 1 ? edge : full);
  for (let b = 0; b < t.grid.batch; b++) {
    for (let ni = 0; ni < t.grid.n; ni++) {
      for (let mi = 0; mi < t.grid.m; mi++) {
        for (let ki = 0; ki < t.grid.k; ki++) {
          yield {
            b, mi, ki, ni,
            m: size(mi, t.grid.m, t.tile.m, t.edge.m),
            k: size(ki, t.grid.k, t.tile.k, t.edge.k),
            n: size(ni, t.grid.n, t.tile.n, t.edge.n),
          };
        }
      }
    }
  }
}
