import { invariant } from '../../spec/errors.ts';
import type { Bank } from '../bank.ts';
import * as commands from '../commands.ts';
import type { MemRequest } from '../request.ts';
import type { ControllerSpec } from '../standard.ts';
import type { TimingState } from '../timing-state.ts';
import * as kinds from './kinds.ts';
import type { PagePolicy } from './page-policy.ts';
import type { Readiness } from './readiness.ts';

// Speed hack: module-local copies of imported constants (why: controller.ts).
const { ACT, PRE } = commands;
const { ANY, COLUMN_KINDS, COLUMN_ONLY, KIND_ACT, KIND_PRE, KIND_RD, KIND_WR, ROW_KINDS, ROW_ONLY } = kinds;

/**
 * A scheduler by name: how many requests of a bank's command queue, oldest first, it looks at for a row hit.
 * FR-FCFS (first ready, first come first served; Rixner et al., ISCA 2000) looks at all of them: it serves queued
 * hits to the open row before opening another. FCFS looks at the oldest only. Everything else is shared: the
 * registry picks the lookahead, so a new policy of this family is one line here and no switch grows. A channel
 * that issues at the earliest legal cycle instead of cycle by cycle (the NeuPIMs dual-row-buffer channel) uses the
 * other policy of this part, scheduler-earliest.ts.
 */
export interface SchedulerKind {
  /** Name as ControllerSpec.scheduler spells it. */
  readonly name: ControllerSpec['scheduler'];
  /** Requests of a bank's command queue the scheduler considers (oldest first). */
  lookahead(config: ControllerSpec): number;
}

/** The schedulers by name; ControllerSpec.scheduler picks one. */
export const SCHEDULERS: Readonly<Record<ControllerSpec['scheduler'], SchedulerKind>> = {
  frfcfs: { name: 'frfcfs', lookahead: (config) => config.commandQueueDepth },
  fcfs: { name: 'fcfs', lookahead: () => 1 },
};

/**
 * Picks the command to issue: banks round-robin, starting after the bank that issued last; in a bank, the first
 * legal command among the requests the scheduler's lookahead covers, a row hit before opening another row (at
 * most `rowHitCap` hits while an older request waits for another row). A write never overtakes an older read of
 * its address. Contract: pick only chooses; it changes no state but its round-robin pointer and its outputs
 * (bank, index); the controller issues the command. kindsNeeded says which kinds of command a bank's queue can
 * take next, the candidates pick looks at.
 */
export class Scheduler {
  /** Output of pick: the bank and the index in its command queue of the request the command serves. */
  bank: Bank | undefined;
  index = 0;
  /** The bank that issued last (round-robin pointer). */
  private roundRobin = -1;
  /** The first pick of this cycle visited only the banks at the readiness minimum (Readiness.minBits). */
  private scannedFromMin = false;
  private readonly lookahead: number;
  private readonly rowHitCap: number;
  private readonly readCommand: number;
  private readonly writeCommand: number;

  constructor(
    kind: SchedulerKind,
    config: ControllerSpec,
    page: PagePolicy,
    private readonly banks: readonly Bank[],
    private readonly timing: TimingState,
    private readonly readiness: Readiness,
  ) {
    this.lookahead = kind.lookahead(config);
    this.rowHitCap = config.rowHitCap;
    this.readCommand = page.readCommand;
    this.writeCommand = page.writeCommand;
  }

  /** A new cycle: its first pick scans afresh. */
  beginCycle(): void {
    this.scannedFromMin = false;
  }

  /**
   * The command to issue at `c` among those `filter` allows (ANY, ROW_ONLY, COLUMN_ONLY), or -1; sets bank and
   * index.
   */
  pick(c: number, filter: number): number {
    const r = this.readiness;
    // No bank can have a legal command before earliestBankReady; a scan that issues nothing leaves the
    // round-robin pointer where it started, so skipping it changes nothing.
    if (c < r.earliestBankReady) return -1;
    // Speed hack: while every readyAt is exact and c is their minimum, the banks with readyAt <= c are exactly
    // minBits: visit only those, in round-robin order. For the second command of a dual issue after such a scan,
    // the banks with readyAt <= c are minBits and the banks changed since (readyAt 0).
    if (filter === ANY) {
      this.scannedFromMin = r.minValid && !r.anyChanged && c === r.exactMin;
      if (this.scannedFromMin) return this.pickFromMin(c, ANY);
    } else if (this.scannedFromMin) {
      return this.pickFromMin(c, filter);
    }
    const n = this.banks.length;
    const readyAt = r.readyAt;
    const needs = r.needs;
    const allowed = filter === ANY ? 0xff : filter === ROW_ONLY ? ROW_KINDS : COLUMN_KINDS;
    let rr = this.roundRobin;
    for (let k = 0; k < n; k++) {
      rr = rr + 1 === n ? 0 : rr + 1;
      if (readyAt[rr]! > c || (needs[rr]! & allowed) === 0) continue;
      const cmd = this.commandAt(rr, c, filter);
      if (cmd >= 0) return this.picked(rr, cmd);
    }
    return -1;
  }

  /** The command kinds that could serve `bank`'s queue next (the candidates pick looks at); 0 for an empty queue. */
  kindsNeeded(bank: Bank): number {
    const q = bank.queue;
    if (q.length === 0) return 0;
    if (bank.openRow < 0) return KIND_ACT;
    const last = q.length < this.lookahead ? q.length : this.lookahead;
    let needs = 0;
    for (let j = 0; j < last; j++) {
      const req = q[j]!;
      if (req.row === bank.openRow) needs |= req.isWrite ? KIND_WR : KIND_RD;
    }
    // The oldest request wants another row: close the row when no request in view hits it (with a lookahead of
    // one, FCFS, at once), or after rowHitCap hits since it opened.
    if (q[0]!.row !== bank.openRow && (needs === 0 || bank.hitsSinceActivate >= this.rowHitCap)) needs |= KIND_PRE;
    return needs;
  }

  /**
   * kindsNeeded(bank) just after one request was appended to its queue, given `before`, kindsNeeded(bank) before
   * the append: only a row hit within the lookahead adds a kind (and may withdraw the PRE of a bank that had no
   * hit in view).
   */
  kindsAfterPush(bank: Bank, before: number): number {
    const q = bank.queue;
    const n = q.length;
    if (n === 1) return this.kindsNeeded(bank);
    // Out of the scheduler's view, or a closed bank (it waits for ACT whatever the queue holds).
    if (n > this.lookahead || bank.openRow < 0) return before;
    const req = q[n - 1]!;
    if (req.row !== bank.openRow) return before;
    const needs = (before & COLUMN_KINDS) | (req.isWrite ? KIND_WR : KIND_RD);
    return q[0]!.row !== bank.openRow && bank.hitsSinceActivate >= this.rowHitCap ? needs | KIND_PRE : needs;
  }

  /**
   * The round-robin scan restricted to minBits (the banks whose exact readyAt is c) and the banks changed since,
   * waiting for a kind of command `filter` allows.
   */
  private pickFromMin(c: number, filter: number): number {
    const r = this.readiness;
    const n = this.banks.length;
    const words = r.words;
    const kb = r.kindBits;
    const start = this.roundRobin + 1 === n ? 0 : this.roundRobin + 1;
    for (let pass = 0; pass < 2; pass++) {
      const lo = pass === 0 ? start : 0;
      const hi = pass === 0 ? n : start;
      for (let w = lo >> 5; lo < hi && w <= (hi - 1) >> 5; w++) {
        const base = w << 5;
        let m = (r.minBits[w]! | r.changedBits[w]!) & r.needBits[w]!;
        if (filter === ROW_ONLY) m &= kb[w]! | kb[3 * words + w]!;
        else if (filter === COLUMN_ONLY) m &= kb[words + w]! | kb[2 * words + w]!;
        if (lo > base) m &= ~((1 << (lo - base)) - 1);
        if (hi < base + 32) m &= (1 << (hi - base)) - 1;
        while (m !== 0) {
          const i = base + (31 - Math.clz32(m & -m));
          m &= m - 1;
          const cmd = this.commandAt(i, c, filter);
          if (cmd >= 0) return this.picked(i, cmd);
        }
      }
    }
    return -1;
  }

  /** Bank `i` takes `cmd`: it becomes the output and the round-robin pointer. */
  private picked(i: number, cmd: number): number {
    this.roundRobin = i;
    this.bank = this.banks[i]!;
    return cmd;
  }

  /**
   * The first command of bank `i`'s queue that is legal at `c` (sets index), or -1. Speed hack: the common answer
   * of a closed bank is decided here, small enough for V8 to inline into both scans; the search of the queue is a
   * call (bankCommand). As one function, the scan called it for every bank it visited (bench/instructions.ts
   * --pinned, preset-random: see docs/validation.md, the controller in parts).
   */
  private commandAt(i: number, c: number, filter: number): number {
    const r = this.readiness;
    // A closed bank waits only for ACT: while its readyAt is exact (nothing issued and the bank unchanged since
    // computeReady), readyAt <= c means the ACT is legal.
    if (r.needs[i] === KIND_ACT && r.minValid && (r.changedBits[i >> 5]! & (1 << (i & 31))) === 0) {
      this.index = 0;
      return ACT;
    }
    return this.bankCommand(this.banks[i]!, c, filter);
  }

  /** The first command of `bank`'s queue that is legal at `c` (sets index), or -1: the search behind commandAt. */
  private bankCommand(bank: Bank, c: number, filter: number): number {
    const q = bank.queue;
    const ts = this.timing;
    if (bank.openRow < 0) {
      if (filter === COLUMN_ONLY) return -1;
      if (ts.earliestCycle(ACT, bank.rank, bank.bankGroup, bank.bank) <= c) {
        this.index = 0;
        return ACT;
      }
      return -1;
    }
    // Legality of a read or a write at this bank is the same for every queued hit: decide it once (-1 unknown).
    let readOk = -1;
    let writeOk = -1;
    const last = q.length < this.lookahead ? q.length : this.lookahead;
    for (let j = 0; j < last; j++) {
      const req = q[j]!;
      if (req.row === bank.openRow) {
        if (filter === ROW_ONLY) continue;
        if (req.isWrite) {
          if (writeOk < 0) writeOk = ts.earliestCycle(this.writeCommand, bank.rank, bank.bankGroup, bank.bank) <= c ? 1 : 0;
          if (writeOk === 0 || olderReadTo(q, j, req.addr)) continue;
          this.index = j;
          return this.writeCommand;
        }
        if (readOk < 0) readOk = ts.earliestCycle(this.readCommand, bank.rank, bank.bankGroup, bank.bank) <= c ? 1 : 0;
        if (readOk === 0) continue;
        this.index = j;
        return this.readCommand;
      } else if (j === 0 && filter !== COLUMN_ONLY && (this.readiness.needs[bank.index]! & KIND_PRE) !== 0) {
        if (ts.earliestCycle(PRE, bank.rank, bank.bankGroup, bank.bank) <= c) {
          this.index = 0;
          return PRE;
        }
      }
    }
    return -1;
  }
}

/** Whether a read of `addr` is queued ahead of index `j` of `q` (a write must not overtake it). */
function olderReadTo(q: readonly MemRequest[], j: number, addr: number): boolean {
  for (let i = 0; i < j; i++) if (!q[i]!.isWrite && q[i]!.addr === addr) return true;
  return false;
}

/** The scheduler kind named `name` (the standard's loader has validated it). */
export function schedulerKind(name: ControllerSpec['scheduler']): SchedulerKind {
  const k = SCHEDULERS[name];
  if (k === undefined) invariant(false, `scheduler '${name}' is registered`);
  return k;
}
