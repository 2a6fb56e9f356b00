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
