import type { Op } from '../ir/op.ts';

/*
 * Vector units: `count` units of `lanes` lanes, each lane one element operation (add, multiply, compare, exp,
 * divide...) per cycle. An op of E elements and f operations per element (src/compiler/lower.ts VECTOR_FLOPS:
 * layernorm 7, softmax 5, GELU 9, SiLU 4, residual add 1, ...) takes
 *   cycles = ceil(E · f / (lanes · units)) + latency
 * on `units` units: the lanes retire E · f operations at lanes · units per cycle, and the first result leaves
 * the pipeline `latency` cycles after its operands enter. E · f is the op's FLOPs. Row reductions (the sum of a
 * softmax, the mean of a norm) are counted as one operation per element like the rest: an add tree of `lanes`
 * inputs reduces `lanes` elements per cycle.
 */

/** The vector-unit group of an NPU. */
export interface VectorUnitConfig {
  readonly count: number;
  readonly lanes: number;
  /** Pipeline latency of one operation, cycles. */
  readonly latencyCycles: number;
}

/** Cycles for `flops` element operations spread over `units` units (all of them by default). */
export function vectorCycles(v: VectorUnitConfig, flops: number, units = v.count): number {
  return Math.ceil(flops / (v.lanes * units)) + v.latencyCycles;
}

/** Cycles of a vector op (norm, softmax, activation, residual add, ...) from its FLOPs: E x f / (lanes x units) + latency. */
export function vectorOpCycles(v: VectorUnitConfig, op: Op): number {
  return vectorCycles(v, op.flops);
}

/** Elements of a vector op: M x N per instance, times the instances (K = 1 for vector ops). */
export function vectorOpElements(op: Op): number {
  return op.m * op.n * op.batch;
}
