import { OP_KINDS, type Op, type OpKind } from '../ir/op.ts';

/** Totals over a set of ops. */
export interface OpTotals {
  readonly count: number;
  readonly flops: number;
  readonly weightBytes: number;
  /** Activation bytes read plus written. */
  readonly activationBytes: number;
  /** KV-cache bytes read plus written. */
  readonly kvBytes: number;
  /** All bytes moved. */
  readonly bytes: number;
  /** flops / bytes (0 when nothing moves). */
  readonly opPerByte: number;
}

/** Per-kind totals (in OP_KINDS order, kinds present only) and the grand total. */
export interface OpSummary {
  readonly byKind: readonly (OpTotals & { readonly kind: OpKind })[];
  readonly total: OpTotals;
}

interface Acc { count: number; flops: number; weightBytes: number; activationBytes: number; kvBytes: number }

function totals(a: Acc): OpTotals {
  const bytes = a.weightBytes + a.activationBytes + a.kvBytes;
  return { ...a, bytes, opPerByte: bytes > 0 ? a.flops / bytes : 0 };
}

/** Sums count, FLOPs and bytes per op kind; Op/B of a group is its FLOPs over its bytes. */
export function summarizeOps(ops: readonly Op[]): OpSummary {
  const acc = new Map<OpKind, Acc>();
  const all: Acc = { count: 0, flops: 0, weightBytes: 0, activationBytes: 0, kvBytes: 0 };
  for (const op of ops) {
    let a = acc.get(op.kind);
    if (!a) {
      a = { count: 0, flops: 0, weightBytes: 0, activationBytes: 0, kvBytes: 0 };
      acc.set(op.kind, a);
    }
    for (const t of [a, all]) {
      t.count += 1;
      t.flops += op.flops;
      t.weightBytes += op.weightBytes;
      t.activationBytes += op.activationReadBytes + op.activationWriteBytes;
      t.kvBytes += op.kvReadBytes + op.kvWriteBytes;
    }
  }
  const byKind = OP_KINDS.filter((k) => acc.has(k)).map((kind) => ({ kind, ...totals(acc.get(kind)!) }));
  return { byKind, total: totals(all) };
}
