import seedrandom from 'seedrandom';
import type { Axis, AxisValue, Sweep } from './sweep-file.ts';

/**
 * The points of a sweep: every combination of the axes (grid), points drawn independently (random), or a Latin
 * hypercube (lhs: each axis's unit interval cut into n equal strata, exactly one of the n points in each stratum of
 * each axis, the strata of different axes paired by seeded permutations; McKay, Beckman and Conover, Technometrics
 * 21(2), 1979). Random and LHS draw from one seedrandom stream named by the sweep's seed, so a sample is the same
 * on every machine and every run. An axis's values are a list, so a unit-interval coordinate u picks the value at
 * floor(u x count): with as many points as values, LHS takes each value once.
 */

/** One point: the value of each axis, by axis name, in axis order. */
export type PointValues = Readonly<Record<string, AxisValue>>;

/** The seed a sampled sweep uses when it names none. */
export const DEFAULT_SAMPLE_SEED = '0';

/** The value of `axis` at unit-interval coordinate u in [0, 1). */
function valueAt(axis: Axis, u: number): AxisValue {
  return axis.values[Math.min(axis.values.length - 1, Math.floor(u * axis.values.length))]!;
}

/** Every combination, the last axis varying fastest. */
export function gridPoints(axes: readonly Axis[]): PointValues[] {
  let points: Array<Record<string, AxisValue>> = [{}];
  for (const a of axes) points = points.flatMap((p) => a.values.map((v) => ({ ...p, [a.name]: v })));
  return points;
}

/** `n` points, each coordinate uniform on its axis (duplicates possible, as with any independent draw). */
export function randomPoints(axes: readonly Axis[], n: number, seed: string): PointValues[] {
  const rng = seedrandom(`strata-sweep-random:${seed}`);
  return Array.from({ length: n }, () => Object.fromEntries(axes.map((a) => [a.name, valueAt(a, rng())])));
}

/** The unit-cube coordinates of an n-point Latin hypercube in `dims` dimensions: [point][dim]. */
export function latinHypercube(n: number, dims: number, seed: string): number[][] {
  const rng = seedrandom(`strata-sweep-lhs:${seed}`);
  const u: number[][] = Array.from({ length: n }, () => new Array<number>(dims).fill(0));
  for (let d = 0; d < dims; d++) {
    // A Fisher-Yates permutation of the strata, then a uniform position inside each.
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    for (let i = 0; i < n; i++) u[i]![d] = (perm[i]! + rng()) / n;
  }
  return u;
}

/** `n` Latin-hypercube points over the axes. */
export function lhsPoints(axes: readonly Axis[], n: number, seed: string): PointValues[] {
  return latinHypercube(n, axes.length, seed).map((u) => Object.fromEntries(axes.map((a, d) => [a.name, valueAt(a, u[d]!)])));
}

/** The points of a sweep, in the order they are numbered (and stored). */
export function samplePoints(sweep: Sweep): PointValues[] {
  const m = sweep.spec.sampling ?? { method: 'grid' as const };
  switch (m.method) {
    case 'grid': return gridPoints(sweep.axes);
    case 'random': return randomPoints(sweep.axes, m.points!, m.seed ?? DEFAULT_SAMPLE_SEED);
    case 'lhs': return lhsPoints(sweep.axes, m.points!, m.seed ?? DEFAULT_SAMPLE_SEED);
  }
}
