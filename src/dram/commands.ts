/** DRAM command kinds. Indices are stable: timing tables and counters are arrays indexed by them. */
export const COMMANDS = ['ACT', 'PRE', 'PREA', 'RD', 'WR', 'RDA', 'WRA', 'REF', 'REFpb'] as const;
/** A DRAM command kind. */
export type CommandKind = (typeof COMMANDS)[number];

export const ACT = 0;
export const PRE = 1;
export const PREA = 2;
export const RD = 3;
export const WR = 4;
export const RDA = 5;
export const WRA = 6;
export const REF = 7;
export const REFPB = 8;
/** Number of command kinds. */
export const NUM_COMMANDS = COMMANDS.length;

/**
 * A command that a PIM spec adds to a standard's vocabulary (its index follows the JEDEC ones). `scope`:
 * one bank, every bank of one bank group, every bank of the rank at once, every bank of every rank of the
 * channel, or none (the channel's shared logic, e.g. a global buffer); `rowEffect`: what it does to the row
 * buffers in its scope; `bus`: which command bus it takes; `rowBuffer`: which of a bank's row buffers it acts
 * on (0: the one JEDEC commands use; 1: the second buffer of a dual-row-buffer PIM bank).
 */
export interface ExtraCommand {
  readonly name: string;
  readonly scope: 'bank' | 'bankgroup' | 'all-banks' | 'all-ranks' | 'channel';
  readonly rowBuffer: number;
  readonly rowEffect: 'open' | 'close' | 'needs-open' | 'none';
  readonly bus: 'row' | 'column';
  /** Bytes it moves on the channel's data bus (0 for commands that stay inside the device). */
  readonly dataBytes: number;
  readonly description: string;
}

/** Hierarchy levels a timing rule can act on, broadest first. */
export const LEVELS = ['channel', 'rank', 'bankgroup', 'bank'] as const;
/** A hierarchy level. */
export type Level = (typeof LEVELS)[number];

/** Index of a command kind by name, or -1. */
export function commandIndex(name: string): number {
  return (COMMANDS as readonly string[]).indexOf(name);
}

/** True for column commands (they move data). */
export function isColumn(cmd: number): boolean {
  return cmd === RD || cmd === WR || cmd === RDA || cmd === WRA;
}

/** True for commands that read data. */
export function isRead(cmd: number): boolean {
  return cmd === RD || cmd === RDA;
}

/** True for commands that write data. */
export function isWrite(cmd: number): boolean {
  return cmd === WR || cmd === WRA;
}
