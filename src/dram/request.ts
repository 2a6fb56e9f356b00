/** A memory request (transaction) as the controller sees it. */
export interface MemRequest {
  /** Order of arrival in the whole run (stable id). */
  readonly id: number;
  readonly addr: number;
  readonly isWrite: boolean;
  /** Memory cycle at which it entered the controller. */
  readonly arrivalCycle: number;
  readonly rank: number;
  readonly bankGroup: number;
  readonly bank: number;
  readonly row: number;
  readonly column: number;
  /** Flat bank index inside the channel. */
  readonly bankIndex: number;
}

/**
 * An empty list of requests whose elements are already of V8's object kind. Speed hack: a literal `[]` starts as
 * a list of small integers and changes kind at its first push; while some of a channel's lists had changed and
 * others not, V8 saw two kinds at each push and called Array.prototype.push out of line (2 % of a 1 M-line stream
 * run's instructions, cachegrind; gone with these lists). Popping the one element leaves the kind.
 */
export function requestList(): MemRequest[] {
  const list = [undefined as unknown as MemRequest];
  list.pop();
  return list;
}
