import { DOUBLE_FIELD } from '../kernel/double-field.ts';
import { requestList, type MemRequest } from './request.ts';

/** Row-buffer state and command queue of one DRAM bank as the controller tracks it. */
export class Bank {
  /** Open row, or -1 when precharged. */
  openRow = -1;
  /** Column commands served since the row was opened. */
  hitsSinceActivate = 0;
  /** The open row was opened after a precharge forced by a request to another row (a row conflict). */
  openedByConflict = false;
  /** The last precharge closed a row that a waiting request did not want. */
  closedForConflict = false;
  /** Cycle the row was opened (for active-time accounting). */
  openedAtCycle = DOUBLE_FIELD;
  /** Cycles spent with a row open, over closed intervals. */
  activeCycles = DOUBLE_FIELD;
  /** Per-bank command queue, oldest first. */
  readonly queue: MemRequest[] = requestList();
  /** Waiting for a per-bank refresh: the scheduler leaves it alone. */
  refreshPending = false;

  constructor(
    readonly rank: number,
    readonly bankGroup: number,
    readonly bank: number,
    readonly index: number,
    /** Index of its bank group in the channel: rank x bank groups per rank + bank group. */
    readonly groupNode: number,
  ) {
    // Cycles: double fields from the start (DOUBLE_FIELD says why), then their initial values.
    this.openedAtCycle = 0;
    this.activeCycles = 0;
  }
}
