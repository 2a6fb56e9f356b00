/*
 * The requests an AttAcc HBM-PIM stack takes (src/pim/attacc-channel.ts runs them): per legacy channel a stream of
 * request kinds with the stack ID, bank group, bank and row each addresses, and for a whole stack the order in
 * which a trace front end hands them to the channels. Which requests, and where (the attention layout of AttAcc's
 * trace generators), is the mapping's business: src/validation/attacc-trace.ts writes them.
 */

/** Kinds of request in the stream. */
export const enum AttAccOp { Mac = 0, Wrgb = 1, Mvsb = 2, Mvgb = 3, Sfm = 4, Barrier = 5 }

/** Requests of one legacy channel in issue order (struct of arrays), and the stack's command counts. */
export interface AttAccStream {
  readonly length: number;
  readonly op: Uint8Array;
  /** Stack ID, bank group, bank and row the request addresses (in pseudo-channel 0 of the legacy channel). */
  readonly rank: Uint8Array;
  readonly bankGroup: Uint8Array;
  readonly bank: Uint8Array;
  readonly row: Int32Array;
  /** Commands of every legacy channel of the stack, as AttAcc's Ramulator counts them. */
  readonly counts: { readonly mac: number; readonly softmax: number; readonly mvgb: number; readonly mvsb: number; readonly wrgb: number };
}

/** The requests of every legacy channel of the stack, and the order in which the trace hands them out. */
export interface AttAccTrace {
  /** Per legacy channel (16), its requests in order (empty for channels without work). */
  readonly streams: readonly AttAccStream[];
  /** The trace's requests in order, each as the legacy channel it goes to (the front end sends them in this order). */
  readonly order: Uint8Array;
  readonly counts: AttAccStream['counts'];
}
