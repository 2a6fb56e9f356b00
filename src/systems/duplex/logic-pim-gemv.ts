import type { Op } from '../../ir/op.ts';
import { invariant } from '../../spec/errors.ts';
import { ACCUMULATOR_BYTES, pimPeakBytesPerS, pimPeakFlopsPerS, type LogicPimSpec } from '../../pim/logic-pim.ts';
import { requestsPerChannelFor, tsvStreamCost } from '../../pim/logic-pim-tsv.ts';

/**
 * Low-Op/B matrix products (GEMV, and GEMM with few rows: tokens per expert, query heads per KV head) and vector
 * ops on a near-memory PIM device (src/pim/logic-pim.ts). The op is split evenly over `stacks` stacks and their
 * pseudo-channels: each channel owns a share of the N output columns (of every batched instance), streams the
 * stored operand (weights or KV cache) for them over the PIM data path and meets it with the M x K input,
 * broadcast in K-chunks, accumulating M x its-share-of-N FP32 partial sums. Time = max(compute on the channel's
 * MAC lanes, the stream through the DRAM model, src/pim/logic-pim-tsv.ts). When the partial sums do not fit the
 * accumulator, the rows are split into passes and the stored operand is streamed once per pass. Results are memoised by shape, so ops of one shape
 * (every layer's expert FFN with the same token count) reuse the cost exactly.
 */

/** Cost of one op on the PIM device. Times in ps (integers). */
export interface PimOpCost {
  readonly computePs: number;
  readonly memoryPs: number;
  /** max(computePs, memoryPs). */
  readonly durationPs: number;
  readonly bound: 'compute' | 'memory';
  /** Bytes through the PIM data path, over all stacks (stored operands once per pass, plus activations). */
  readonly bytes: number;
  /** Times the stored operand is streamed (the input did not fit the buffer at once). */
  readonly passes: number;
  /** Requests per channel of each stack's stream. */
  readonly requestsPerChannel: number;
  /** DRAM path energy (all stacks) and MAC / vector-lane energy, pJ. */
  readonly dramPj: number;
  readonly computePj: number;
}

const costs = new WeakMap<LogicPimSpec, Map<string, PimOpCost>>();

/** Cost of `op` on `stacks` stacks of `spec` working together. */
export function pimOpCost(spec: LogicPimSpec, op: Op, stacks: number): PimOpCost {
  invariant(Number.isInteger(stacks) && stacks >= 1, `a PIM op runs on a whole number of stacks (got ${stacks})`);
  let memo = costs.get(spec);
  if (!memo) {
    memo = new Map();
    costs.set(spec, memo);
  }
  const key = `${op.cls}:${op.m}x${op.k}x${op.n}x${op.batch}:${op.flops}:${op.weightBytes}:${op.activationReadBytes}:${op.activationWriteBytes}:${op.kvReadBytes}:${op.kvWriteBytes}:${stacks}`;
  const hit = memo.get(key);
  if (hit) return hit;

  const channels = spec.view.organization.channels * stacks;
  const matrix = op.cls !== 'vector';
  const rowsPerPass = Math.floor(spec.accumulatorBytesPerChannel / (Math.ceil((op.n * op.batch) / channels) * ACCUMULATOR_BYTES));
  const passes = matrix ? Math.ceil(op.m / Math.max(1, rowsPerPass)) : 1;
  const bytes = (op.weightBytes + op.kvReadBytes) * passes + op.activationReadBytes + op.activationWriteBytes + op.kvWriteBytes;
  const requestsPerChannel = requestsPerChannelFor(spec, bytes / stacks);
  const stream = tsvStreamCost(spec, requestsPerChannel);

  let computePs: number;
  let computePj: number;
  if (matrix) {
    const macs = op.flops / 2;
    computePs = Math.ceil(Math.ceil(macs / channels) / spec.macsPerCyclePerChannel) * spec.clockPs;
    computePj = macs * spec.macPj;
  } else {
    computePs = Math.ceil(Math.ceil(op.flops / channels) / spec.vectorLanesPerChannel) * spec.clockPs;
    computePj = op.flops * spec.vectorOpPj;
  }
  const memoryPs = stream.timePs;
  const durationPs = Math.max(computePs, memoryPs);
  if (durationPs > 0) {
    invariant(bytes / durationPs <= (pimPeakBytesPerS(spec) * stacks) / 1e12 * (1 + 1e-9), `${op.id} on ${spec.name} moves at most the PIM path's peak`);
    invariant(!matrix || op.flops / durationPs <= (pimPeakFlopsPerS(spec) * stacks) / 1e12 * (1 + 1e-9), `${op.id} on ${spec.name} computes at most the PE peak`);
  }
  const cost: PimOpCost = {
    computePs, memoryPs, durationPs, bound: computePs > memoryPs ? 'compute' : 'memory', bytes, passes, requestsPerChannel,
    dramPj: stream.energy.total * stacks, computePj,
  };
  memo.set(key, cost);
  return cost;
}
