/**
 * Kinds of command a bank's command queue can wait for, as bits: the vocabulary the scheduler, the readiness
 * bounds and the controller share. Bit positions index per-kind tables (Readiness.kindCommand, its kind masks).
 */
export const KIND_ACT = 1;
export const KIND_RD = 2;
export const KIND_WR = 4;
export const KIND_PRE = 8;

/** Kinds served by a row command (ACT, PRE) and by a column command (RD, WR or their auto-precharge forms). */
export const ROW_KINDS = KIND_ACT | KIND_PRE;
export const COLUMN_KINDS = KIND_RD | KIND_WR;

/**
 * Which commands an issue slot may take: any; a row command only; a column command only. HBM issues a row and
 * a column command in the same cycle, so the second slot of a cycle is limited to the kind the first did not take.
 */
export const ANY = 0;
export const ROW_ONLY = 1;
export const COLUMN_ONLY = 2;
