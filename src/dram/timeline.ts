/**
 * Time series of a DRAM run, derived after the run so that the controller's hot path pays nothing:
 *
 * - bytes completed per channel per epoch, from the completion cycles every channel's statistics keep anyway;
 * - the state of every bank over a bounded window of cycles, replayed from a command log (the row it opens and
 *   closes, the column accesses and refreshes it takes).
 */
import { StrataError } from '../spec/errors.ts';
import { formatCount } from './limits.ts';
import type { ChannelStats } from './channel-stats.ts';
import type { CommandLog } from './command-log.ts';
import { ACT, PRE, PREA, RD, RDA, REF, REFPB, WR, WRA } from './commands.ts';
import type { DramStandard } from './standard.ts';

/** Epochs per run when no epoch length is given: the run is cut into this many equal parts. */
export const DEFAULT_EPOCHS = 100;
/** At most this many epochs per channel (bounds the report: 100,000 numbers per channel). */
export const MAX_EPOCHS = 100_000;

/** The epoch length used for a run of `cycles` cycles: `epochCycles` when given, otherwise cycles / 100 rounded up. */
export function defaultEpochCycles(cycles: number): number {
  return Math.max(1, Math.ceil(cycles / DEFAULT_EPOCHS));
}

/**
 * Bytes of the requests each channel completed in each epoch of `epochCycles` cycles (epoch k covers cycles
 * [k x epochCycles, (k + 1) x epochCycles); the last epoch ends with the window and may be shorter). A request
 * counts in the epoch of its completion cycle. In a fixed window completions at or after its end are left out,
 * as the report's totals leave them out; a run that ended as the trace drained ends at its last completion,
 * which counts in the last epoch. One Float64Array per channel.
 */
export function bytesPerEpoch(channels: readonly ChannelStats[], windowCycles: number, epochCycles: number, bytesPerRequest: number, fixedWindow = true): Float64Array[] {
  if (!Number.isInteger(epochCycles) || epochCycles <= 0) {
    throw new StrataError(`--epoch: expected a positive integer number of memory cycles, got ${epochCycles}`);
  }
  const epochs = Math.ceil(windowCycles / epochCycles);
  if (epochs > MAX_EPOCHS) {
    throw new StrataError(
      `--epoch: ${epochCycles} cycles cut the ${windowCycles}-cycle run into ${epochs} epochs; at most ${MAX_EPOCHS} are allowed (use --epoch ${Math.ceil(windowCycles / MAX_EPOCHS)} or more)`,
    );
  }
  return channels.map((s) => {
    const bytes = new Float64Array(epochs);
    for (let i = 0; i < s.count; i++) {
      const done = s.doneCycle[i]!;
      if (done >= windowCycles && fixedWindow) continue;
      bytes[Math.min(epochs - 1, Math.floor(done / epochCycles))]! += bytesPerRequest;
    }
    return bytes;
  });
}

/**
 * States a bank can be in, in drawing priority: where two overlap (a read in flight on an open row), the later
 * one is shown. `idle`: precharged, no row open. `active`: a row open, no data moving. `reading` / `writing`:
 * from a RD/WR (or RDA/WRA) command to the end of its data burst (CL or CWL + tBURST later). `refreshing`: tRFC
 * after REF for every bank of the rank, tRFCpb after REFpb for one bank.
 */
export const BANK_STATES = ['idle', 'active', 'reading', 'writing', 'refreshing'] as const;
/** A bank state. */
export type BankState = (typeof BANK_STATES)[number];

/**
 * The commands a bank-state window marks, by kind: ACT, RD (RD and RDA), WR (WR and WRA), PRE (PRE, and PREA on
 * every bank of its rank) and REF (REF on every bank of its rank, REFpb on its bank). An auto-precharge is not a
 * command on the bus, so it is drawn as the state change alone.
 */
export const BANK_COMMAND_KINDS = ['ACT', 'RD', 'WR', 'PRE', 'REF'] as const;
/** A kind of command marked in a bank-state window. */
export type BankCommandKind = (typeof BANK_COMMAND_KINDS)[number];
const MARK_ACT = 0;
const MARK_RD = 1;
const MARK_WR = 2;
const MARK_PRE = 3;
const MARK_REF = 4;

const IDLE = 0;
const ACTIVE = 1;
const READING = 2;
const WRITING = 3;
const REFRESHING = 4;

/** Largest bank-state window, cycles (bounds the report and the replay). */
export const MAX_BANK_WINDOW_CYCLES = 100_000;
/** The bank-state window of a run when none is given: its first 2,000 cycles. */
export const DEFAULT_BANK_WINDOW = Object.freeze({ startCycle: 0, cycles: 2000 });

/** A window of cycles [startCycle, startCycle + cycles). */
export interface CycleWindow {
  readonly startCycle: number;
  readonly cycles: number;
}

/** The state of every bank over a window of cycles. */
export interface BankStateWindow {
  /** First cycle of the window (dram clock). */
  readonly startCycle: number;
  /** Cycle after the last one of the window. */
  readonly endCycle: number;
  /**
   * Per channel, per bank (controller bank index: (rank x bank groups + bank group) x banks per group + bank),
   * runs of one state covering the window: flat triples (from cycle, to cycle (exclusive), index in BANK_STATES).
   */
  readonly runs: ReadonlyArray<ReadonlyArray<readonly number[]>>;
  /**
   * Per channel, per bank (same index), the commands issued to it inside the window, in issue order: flat pairs
   * (cycle, index in BANK_COMMAND_KINDS).
   */
  readonly commands: ReadonlyArray<ReadonlyArray<readonly number[]>>;
}

/** Checks that a bank-state window is a non-negative start and a positive length of at most 100,000 cycles. */
export function checkBankWindow(w: CycleWindow): void {
  if (!Number.isInteger(w.startCycle) || w.startCycle < 0 || !Number.isInteger(w.cycles) || w.cycles <= 0) {
    throw new StrataError(`--bank-window: expected a start cycle >= 0 and a positive length in cycles, got start ${w.startCycle}, length ${w.cycles}`);
  }
  if (w.cycles > MAX_BANK_WINDOW_CYCLES) {
    throw new StrataError(`--bank-window: ${w.cycles} cycles is longer than the ${formatCount(MAX_BANK_WINDOW_CYCLES)} cycles a bank-state window may span`);
  }
}

/** Checks a bank-state window against a run of `runCycles` cycles and clips it to the run; null when the run is empty. */
export function clipBankWindow(w: CycleWindow, runCycles: number): { startCycle: number; endCycle: number } | null {
  checkBankWindow(w);
  if (runCycles <= 0) return null;
  if (w.startCycle >= runCycles) {
    throw new StrataError(`--bank-window: starts at cycle ${w.startCycle}, but the run ended at cycle ${runCycles}`);
  }
  return { startCycle: w.startCycle, endCycle: Math.min(runCycles, w.startCycle + w.cycles) };
}

/**
 * Replays command logs (one per channel, each in issue order, from cycle 0) into the state of every bank over
 * [startCycle, endCycle). Commands before the window set the state it starts in (an open row, a refresh in
 * progress); commands at or after its end are not read. Commands a PIM spec adds are ignored.
 */
export function bankStateWindow(std: DramStandard, logs: readonly CommandLog[], startCycle: number, endCycle: number): BankStateWindow {
  const o = std.organization;
  const banksPerRank = o.bankGroups * o.banksPerGroup;
  const banks = o.ranks * banksPerRank;
  const t = std.timing;
  const readCycles = t.CL! + t.tBURST!;
  const writeCycles = t.CWL! + t.tBURST!;
  const writeRecovery = writeCycles + t.tWR!;
  const tRFC = t.tRFC!;
  const tRFCpb = t.tRFCpb ?? t.tRFC!;
  const length = endCycle - startCycle;
  const scratch = new Uint8Array(length);
  const commands: number[][][] = [];
  const runs = logs.map((log) => {
    const intervals: number[][] = Array.from({ length: banks }, () => []);
    const marks: number[][] = Array.from({ length: banks }, () => []);
    commands.push(marks);
    const mark = (b: number, c: number, kind: number): void => {
      if (c >= startCycle) marks[b]!.push(c, kind);
    };
    const openSince = new Float64Array(banks).fill(-1);
    const add = (b: number, from: number, to: number, state: number): void => {
      const f = Math.max(from, startCycle);
      const e = Math.min(to, endCycle);
      if (e > f) intervals[b]!.push(f, e, state);
    };
    const close = (b: number, c: number): void => {
      if (openSince[b]! >= 0) add(b, openSince[b]!, c, ACTIVE);
      openSince[b] = -1;
    };
    for (let i = 0; i < log.length; i++) {
      const c = log.cycle[i]!;
      if (c >= endCycle) break;
      const rankBase = log.rank[i]! * banksPerRank;
      const b = rankBase + log.bankGroup[i]! * o.banksPerGroup + log.bank[i]!;
      switch (log.command[i]!) {
        case ACT:
          if (openSince[b]! < 0) openSince[b] = c;
          mark(b, c, MARK_ACT);
          break;
        case PRE:
          close(b, c);
          mark(b, c, MARK_PRE);
          break;
        case PREA:
          for (let k = rankBase; k < rankBase + banksPerRank; k++) {
            close(k, c);
            mark(k, c, MARK_PRE);
          }
          break;
        case RD:
        case RDA:
          add(b, c, c + readCycles, READING);
          mark(b, c, MARK_RD);
          // Auto-precharge: drawn as closing when the read's data is out (the internal precharge starts tRTP after RDA).
          if (log.command[i] === RDA) close(b, c + readCycles);
          break;
        case WR:
        case WRA:
          add(b, c, c + writeCycles, WRITING);
          mark(b, c, MARK_WR);
          // Auto-precharge after a write waits for write recovery (tWR after the data).
          if (log.command[i] === WRA) close(b, c + writeRecovery);
          break;
        case REF:
          for (let k = rankBase; k < rankBase + banksPerRank; k++) {
            add(k, c, c + tRFC, REFRESHING);
            mark(k, c, MARK_REF);
          }
          break;
        case REFPB:
          add(b, c, c + tRFCpb, REFRESHING);
          mark(b, c, MARK_REF);
          break;
        default:
          break;
      }
    }
    for (let b = 0; b < banks; b++) close(b, endCycle);
    return intervals.map((iv) => {
      scratch.fill(IDLE);
      for (let k = 0; k < iv.length; k += 3) {
        const state = iv[k + 2]!;
        for (let c = iv[k]! - startCycle; c < iv[k + 1]! - startCycle; c++) if (scratch[c]! < state) scratch[c] = state;
      }
      const out: number[] = [];
      let from = 0;
      for (let c = 1; c <= length; c++) {
        if (c === length || scratch[c] !== scratch[from]) {
          out.push(startCycle + from, startCycle + c, scratch[from]!);
          from = c;
        }
      }
      return out;
    });
  });
  return { startCycle, endCycle, runs, commands };
}
