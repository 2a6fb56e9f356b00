import { invariant } from '../../spec/errors.ts';
import type { Bank } from '../bank.ts';
import * as commands from '../commands.ts';
import type { MemRequest } from '../request.ts';
import type { ControllerSpec } from '../standard.ts';
import type { TimingState } from '../timing-state.ts';
import * as kinds from './kinds.ts';
import type { PagePolicy } from './page-policy.ts';
import type { Readiness } from './readiness.ts';
import { Scheduler, type SchedulerKind } from './scheduler.ts';
import { TransactionQueues } from './transaction-queues.ts';

// Speed hack: module-local copies of imported constants (why: controller.ts).
const { ACT, PRE } = commands;
const { ANY, COLUMN_KINDS, COLUMN_ONLY, KIND_PRE, ROW_KINDS, ROW_ONLY } = kinds;

/*
 * DRAMsim3's PER_RANK command queues (umd-memsys/DRAMsim3 @ 2981759, src/command_queue.cc), as the controller's
 * ControllerSpec.queueStructure = 'PER_RANK' selects them at construction (the PER_BANK parts stay as they are):
 *
 * - CommandQueue's constructor: one queue per rank (num_queues_ = ranks) of cmd_queue_size entries; GetQueueIndex
 *   puts a command of any bank of rank r into queue r. So the room is counted per rank: a transaction moves only
 *   while its rank's queue holds fewer than commandQueueDepth commands (WillAcceptCommand, Controller::
 *   ScheduleTransaction), whatever its bank holds.
 * - GetCommandToIssue: the queues round-robin (GetNextQueue), starting after the one that issued last; the first
 *   with a ready command issues it.
 * - GetFirstReadyInQueue: within a queue, the first command in queue order (the order the transactions moved in)
 *   whose bank can take what it needs now (BankState::GetReadyCommand: ACT for a closed bank, the access for a hit
 *   to the open row, PRE for another row). A PRE passes ArbitratePrecharge only for the oldest command of its bank
 *   in the queue, and only when no later command of that bank hits the open row or the row has served 4 hits
 *   (rowHitCap); a write waits behind an older read of its address (HasRWDependency).
 * - GetRefQIndices: a pending refresh takes its queue out of the round robin: for an all-bank REF the rank's queue,
 *   and for a per-bank REFb also the queue of its bank, which under PER_RANK is the whole rank's.
 *
 * Strata keeps each bank's part of the rank queue in bank.queue (in queue order), so everything that looks at one
 * bank (Scheduler.kindsNeeded, Readiness, the write-after-read check) is the per-bank code unchanged: which command
 * a command of the rank queue needs, and whether it may issue, depends only on its bank's state and on the
 * commands of its bank ahead of it and behind it. What PER_RANK changes is which bank goes first (the rank queue's
 * order across banks, kept as the order each transaction entered), where the room is counted, and what a per-bank
 * refresh holds.
 */

/**
 * The read and write transaction queues with PER_RANK room: a transaction is movable while its rank's command
 * queue (the sum of its banks' queues) holds fewer than commandQueueDepth commands. Also records the order in which
 * transactions enter the command queues, the rank queue's order. Contract as TransactionQueues; the room is worked
 * out again from the banks' queues before each question (the per-bank bookkeeping the controller does as commands
 * enter and leave is kept, then corrected for the rank).
 */
export class PerRankTransactionQueues extends TransactionQueues {
  /** Per transaction in a command queue: its place in the order of entry (smaller entered earlier). */
  private readonly entered = new WeakMap<MemRequest, number>();
  private entries = 0;
  /** The transaction oldestMovable returned last: take removes it (take's contract). */
  private named: MemRequest | undefined;
  private readonly banksPerRank: number;

  constructor(
    private readonly rankBanks: readonly Bank[],
    private readonly rankDepth: number,
    ranks: number,
  ) {
    super(rankBanks, rankDepth);
    this.banksPerRank = rankBanks.length / ranks;
  }

  override oldestMovable(q: number): MemRequest | undefined {
    this.syncRoom();
    this.named = super.oldestMovable(q);
    return this.named;
  }

  override hasMovable(q: number): boolean {
    this.syncRoom();
    return super.hasMovable(q);
  }

  override take(q: number, i: number): void {
    const req = this.named;
    if (req === undefined || req.bankIndex !== i) invariant(false, `take(${q}, ${i}) follows the oldestMovable that named bank ${i}'s transaction`);
    super.take(q, i);
    this.entered.set(req, this.entries++);
    this.named = undefined;
  }

  /** Where `req`, now in a command queue, stands in the order of entry (smaller: entered earlier). */
  enteredAt(req: MemRequest): number {
    return this.entered.get(req)!;
  }

  /** Each bank's transactions are movable exactly while its rank's command queue has room. */
  private syncRoom(): void {
    const banks = this.rankBanks;
    const per = this.banksPerRank;
    for (let first = 0; first < banks.length; first += per) {
      let held = 0;
      for (let i = first; i < first + per; i++) held += banks[i]!.queue.length;
      const full = held >= this.rankDepth;
      for (let i = first; i < first + per; i++) super.bankFull(i, full);
    }
  }
}

/**
 * The PER_RANK pick: ranks round-robin, starting after the rank that issued last; in a rank, of the commands its
 * banks can issue now, the one whose transaction entered the rank's queue first (src/command_queue.cc
 * GetCommandToIssue and GetFirstReadyInQueue). A rank with a refresh pending on any of its banks takes no command.
 * The scheduler's lookahead counts commands of the rank queue: FR-FCFS looks at all of them, FCFS (not in DRAMsim3)
 * at the rank's oldest only. Contract as Scheduler.pick; kindsNeeded and kindsAfterPush are Scheduler's (they look
 * at one bank's part of the queue, which is all a command's readiness depends on).
 */
export class PerRankScheduler extends Scheduler {
  /** The rank that issued last (round-robin pointer; -1: rank 0 goes first, as bank 0 does under PER_BANK). */
  private rankTurn = -1;
  /** Output of bankFirstReady: the index in the bank's queue of the command it found. */
  private found = 0;
  private readonly ranks: number;
  private readonly banksPerRank: number;
  /** Commands of a rank queue, oldest first, the scheduler looks at (kind.lookahead). */
  private readonly view: number;
  private readonly hitCommands: { readonly read: number; readonly write: number };

  constructor(
    kind: SchedulerKind,
    config: ControllerSpec,
    page: PagePolicy,
    private readonly rankBanks: readonly Bank[],
    private readonly rankTiming: TimingState,
    private readonly rankReadiness: Readiness,
    private readonly rankQueues: PerRankTransactionQueues,
    ranks: number,
  ) {
    super(kind, config, page, rankBanks, rankTiming, rankReadiness);
    this.ranks = ranks;
    this.banksPerRank = rankBanks.length / ranks;
    this.view = kind.lookahead(config);
    this.hitCommands = { read: page.readCommand, write: page.writeCommand };
  }

  override pick(c: number, filter: number): number {
    const r = this.rankReadiness;
    // As in Scheduler.pick: no bank can have a legal command before earliestBankReady.
    if (c < r.earliestBankReady) return -1;
    const allowed = filter === ANY ? 0xff : filter === ROW_ONLY ? ROW_KINDS : COLUMN_KINDS;
    const per = this.banksPerRank;
    let rank = this.rankTurn;
    for (let k = 0; k < this.ranks; k++) {
      rank = rank + 1 === this.ranks ? 0 : rank + 1;
      const first = rank * per;
      if (this.heldByRefresh(first)) continue;
      const limit = this.viewLimit(first);
      let best = -1;
      let bestOrder = Infinity;
      let bestCommand = -1;
      let bestIndex = 0;
      for (let i = first; i < first + per; i++) {
        // readyAt is a lower bound of every command the bank's queue can take (Readiness's contract).
        if (r.readyAt[i]! > c || (r.needs[i]! & allowed) === 0) continue;
        const bank = this.rankBanks[i]!;
        const cmd = this.bankFirstReady(bank, c, filter, limit);
        if (cmd < 0) continue;
        const order = this.rankQueues.enteredAt(bank.queue[this.found]!);
        if (order < bestOrder) {
          bestOrder = order;
          best = i;
          bestCommand = cmd;
          bestIndex = this.found;
        }
      }
      if (best >= 0) {
        this.rankTurn = rank;
        this.bank = this.rankBanks[best]!;
        this.index = bestIndex;
        return bestCommand;
      }
    }
    return -1;
  }

  /** Whether a pending per-bank refresh holds the rank whose banks start at `first` (its queue is the bank's queue). */
  private heldByRefresh(first: number): boolean {
    for (let i = first; i < first + this.banksPerRank; i++) if (this.rankBanks[i]!.refreshPending) return true;
    // An all-bank refresh pending leaves every bank of the rank waiting for nothing (needs 0): skipped in pick.
    return false;
  }

  /**
   * The order of entry below which the rank's commands are in the scheduler's view: Infinity when it looks at the
   * whole queue (FR-FCFS: lookahead = commandQueueDepth, the queue's size), else one past the view-th oldest.
   */
  private viewLimit(first: number): number {
    let held = 0;
    for (let i = first; i < first + this.banksPerRank; i++) held += this.rankBanks[i]!.queue.length;
    if (held <= this.view) return Infinity;
    const orders: number[] = [];
    for (let i = first; i < first + this.banksPerRank; i++) for (const req of this.rankBanks[i]!.queue) orders.push(this.rankQueues.enteredAt(req));
    orders.sort((a, b) => a - b);
    return orders[this.view - 1]! + 1;
  }

  /**
   * The first command of `bank`'s part of its rank queue (entered before `limit`) that is legal at `c` and that
   * `filter` allows (sets found), or -1: GetFirstReadyInQueue's walk restricted to one bank, whose commands it
   * meets in the same order.
   */
  private bankFirstReady(bank: Bank, c: number, filter: number, limit: number): number {
    const q = bank.queue;
    const ts = this.rankTiming;
    if (bank.openRow < 0) {
      // Every command of a closed bank needs the same ACT, equally legal: the oldest asks for it.
      if (filter === COLUMN_ONLY || this.rankQueues.enteredAt(q[0]!) >= limit) return -1;
      if (ts.earliestCycle(ACT, bank.rank, bank.bankGroup, bank.bank) > c) return -1;
      this.found = 0;
      return ACT;
    }
    let readOk = -1;
    let writeOk = -1;
    for (let j = 0; j < q.length; j++) {
      const req = q[j]!;
      // A bank's commands entered in queue order: once one is out of view, so are the rest.
      if (this.rankQueues.enteredAt(req) >= limit) break;
      if (req.row === bank.openRow) {
        if (filter === ROW_ONLY) continue;
        if (req.isWrite) {
          if (writeOk < 0) writeOk = ts.earliestCycle(this.hitCommands.write, bank.rank, bank.bankGroup, bank.bank) <= c ? 1 : 0;
          if (writeOk === 0 || olderReadTo(q, j, req.addr)) continue;
          this.found = j;
          return this.hitCommands.write;
        }
        if (readOk < 0) readOk = ts.earliestCycle(this.hitCommands.read, bank.rank, bank.bankGroup, bank.bank) <= c ? 1 : 0;
        if (readOk === 0) continue;
        this.found = j;
        return this.hitCommands.read;
      }
      // ArbitratePrecharge: only the bank's oldest command may close its row, when kindsNeeded grants the PRE (no
      // hit of the bank in view, or rowHitCap hits since the ACT: the same rule, on the same commands).
      if (j === 0 && filter !== COLUMN_ONLY && (this.rankReadiness.needs[bank.index]! & KIND_PRE) !== 0) {
        if (ts.earliestCycle(PRE, bank.rank, bank.bankGroup, bank.bank) <= c) {
          this.found = 0;
          return PRE;
        }
      }
    }
    return -1;
  }
}

/** Whether a read of `addr` is queued ahead of index `j` of `q` (HasRWDependency: a write must not overtake it). */
function olderReadTo(q: readonly MemRequest[], j: number, addr: number): boolean {
  for (let i = 0; i < j; i++) if (!q[i]!.isWrite && q[i]!.addr === addr) return true;
  return false;
}
