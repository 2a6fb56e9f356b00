/*
 * The op graph's operator types: what the compiler produces (src/compiler/lower.ts builds the graph) and what
 * devices, systems and reports consume. Pure data: this file imports nothing from Strata (the IR layer sits below
 * the compiler and above the device units; see docs/architecture.md).
 */

/** Kinds of operators in a transformer step's op graph. */
export const OP_KINDS = [
  'embedding', 'norm', 'qkv-proj', 'rope', 'attn-score', 'softmax', 'attn-context', 'out-proj', 'residual-add',
  'ffn-up', 'ffn-gate', 'ffn-act', 'ffn-down', 'moe-router', 'final-norm', 'lm-head',
] as const;
/** An operator kind. */
export type OpKind = (typeof OP_KINDS)[number];

/** Broad class of an op, for mapping policies: matrix products or element-wise/vector work. */
export type OpClass = 'gemm' | 'gemv' | 'vector';

/**
 * One operator of a step. Shapes are per op (a GEMM is M x K times K x N); bytes are what the op must move
 * from or to memory in the given precision. Op/B = flops / (all bytes read and written).
 */
export interface Op {
  /** Unique within the graph, e.g. `L3.ffn-up.e5` (layer 3, expert 5). */
  readonly id: string;
  /** What the op computes. */
  readonly kind: OpKind;
  /** Matrix product (GEMM, or GEMV with one row) or vector work, for mapping policies. */
  readonly cls: OpClass;
  /** Layer index, -1 for ops outside the layers (embedding, final norm, LM head). */
  readonly layer: number;
  /** Expert index for MoE expert FFNs, otherwise -1. */
  readonly expert: number;
  /** GEMM/GEMV dimensions (M rows of activations, K reduction, N output columns); vector ops use M x N elements, K = 1. */
  readonly m: number;
  /** Reduction dimension (1 for vector ops). */
  readonly k: number;
  /** Output columns (elements per row for vector ops). */
  readonly n: number;
  /** Number of independent instances batched in this op (e.g. attention heads x requests), each M x K x N. */
  readonly batch: number;
  /** Floating-point operations of all instances (a multiply-add counts 2). */
  readonly flops: number;
  /** Weights (and biases) read. */
  readonly weightBytes: number;
  /** Activations read: the op's inputs that are not weights or cached keys and values. */
  readonly activationReadBytes: number;
  /** Activations written: the op's outputs. */
  readonly activationWriteBytes: number;
  /** Cached keys (scores) or values (context) read: attention over the tokens already cached. */
  readonly kvReadBytes: number;
  /** Keys or values of this step's new tokens written to the cache. */
  readonly kvWriteBytes: number;
  /** FLOPs per byte moved. */
  readonly opPerByte: number;
  /** Ids of ops whose results this op needs. */
  readonly deps: readonly string[];
}

/** Total bytes an op moves. */
export function opBytes(op: Op): number {
  return op.weightBytes + op.activationReadBytes + op.activationWriteBytes + op.kvReadBytes + op.kvWriteBytes;
}
