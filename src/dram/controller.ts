import { DOUBLE_FIELD } from '../kernel/double-field.ts';
import type { Component, Simulator } from '../kernel/simulator.ts';
import { invariant } from '../spec/errors.ts';
import { Bank } from './bank.ts';
import { ChannelStats } from './channel-stats.ts';
import type { CommandLog } from './command-log.ts';
import * as commands from './commands.ts';
import { Arrivals } from './controller/arrivals.ts';
import { IssueLog, IssueStats } from './controller/issue-listeners.ts';
import * as kinds from './controller/kinds.ts';
import { pagePolicy } from './controller/page-policy.ts';
import { PerRankScheduler, PerRankTransactionQueues } from './controller/per-rank.ts';
import { Readiness } from './controller/readiness.ts';
import { Refresh, type BankChangeListener } from './controller/refresh.ts';
import { Scheduler, schedulerKind } from './controller/scheduler.ts';
import * as transactionQueues from './controller/transaction-queues.ts';
import { TransactionQueues } from './controller/transaction-queues.ts';
import { WriteDrain } from './controller/write-drain.ts';
import type { MemRequest } from './request.ts';
import type { ControllerSpec, DramStandard } from './standard.ts';
import { TimingState } from './timing-state.ts';

// Speed hack: module-local copies of imported constants and helpers. V8 reads an imported binding from its
// module cell, and checks it for the hole, at every use even in optimized code; a module-local const is folded
// into the code (bench/instructions.ts stream: 2.4 % fewer instructions per request over the controller's parts).
const { ACT, PRE, RD, WR, RDA, WRA, REF, REFPB, isRead } = commands;
const { ANY, COLUMN_ONLY, ROW_ONLY } = kinds;
const { READS, WRITES } = transactionQueues;

const MOVED = 1;
const NOT_MOVED = 0;
const BLOCKED_BY_READ = 2;
const SLEEPING = 0;
const ACTING = 1;
const SCHEDULING = 2;

/** What the controller tells the rest of the system. */
export interface ControllerListener {
  /** A transaction-queue slot became free. */
  onSpace(channel: number, cycle: number): void;
  /** A request finished (read data returned, write data written) at `doneCycle`. */
  onComplete(req: MemRequest, doneCycle: number): void;
}

/**
 * The memory controller of one channel, composed of parts in src/dram/controller/ (read them in this order):
 * arrivals.ts and transaction-queues.ts (the read and write queues), write-drain.ts (when writes move ahead of
 * reads), kinds.ts and scheduler.ts (FR-FCFS, FCFS: which command issues), page-policy.ts (open, closed),
 * refresh.ts (all-bank, per-bank) and readiness.ts (when each bank can next act; a speed hack).
 *
 * Each cycle (wake): admit arrivals, then refresh, then pick and issue a command (HBM: a row and a column
 * command), then move one transaction from the transaction queues into its bank's command queue, then notify
 * the front end and sleep. The controller is event-driven: after each cycle it works out the next cycle at
 * which any command can become legal or any transaction can move, and sleeps until then.
 */
export class Controller implements Component, BankChangeListener {
  readonly name: string;
  readonly stats: ChannelStats;
  readonly banks: Bank[];
  private readonly timing: TimingState;
  private readonly arrivals = new Arrivals();
  private readonly queues: TransactionQueues;
  private readonly drain: WriteDrain;
  private readonly refresh: Refresh;
  private readonly readiness: Readiness;
  private readonly scheduler: Scheduler;

  private handle = -1;
  private lastCycle = DOUBLE_FIELD;
  private readonly tCKPs: number;
  private readonly readDelay: number;
  private readonly writeDelay: number;
  /**
   * The listeners told of each issued command: its statistics, and the command log if one is kept. Speed hack:
   * two fields called directly rather than an array of IssueListener, so each call site stays monomorphic and
   * V8 can inline it (the array loop cost about 3 % instructions per request on the bench/instructions.ts
   * stream case).
   */
  private readonly issueStats: IssueStats;
  private readonly issueLog: IssueLog | undefined;
  /** Requests in all per-bank command queues. */
  private commandQueueCount = 0;
  /** Where the controller is in its cycle: SLEEPING between wakes, ACTING up to its moves, SCHEDULING after them. */
  private phase = SLEEPING;
  /** A cycle at which a request taken in while scheduling needs the controller awake (Infinity if none). */
  private arrivalWake = Infinity;

  constructor(
    private readonly sim: Simulator,
    readonly std: DramStandard,
    readonly config: ControllerSpec,
    readonly channel: number,
    private readonly listener: ControllerListener,
    log: CommandLog | undefined,
  ) {
    // A cycle: a double field from the start (DOUBLE_FIELD says why), then its initial value.
    this.lastCycle = -1;
    const o = std.organization;
    this.name = `dram.ch${channel}`;
    this.tCKPs = std.tCKPs;
    const t = std.timing;
    this.readDelay = t.CL! + t.tBURST!;
    this.writeDelay = t.CWL! + t.tBURST!;
    this.timing = new TimingState(std);
    this.banks = [];
    for (let r = 0; r < o.ranks; r++) {
      for (let g = 0; g < o.bankGroups; g++) {
        for (let b = 0; b < o.banksPerGroup; b++) this.banks.push(new Bank(r, g, b, this.banks.length, r * o.bankGroups + g));
      }
    }
    this.stats = new ChannelStats(o.ranks, this.banks.length, std.commandNames.length);
    // DRAMsim3's queue_structure, chosen here once: PER_RANK's parts (per-rank.ts) replace two of the per-bank ones.
    const perRank = config.queueStructure === 'PER_RANK' ? new PerRankTransactionQueues(this.banks, config.commandQueueDepth, o.ranks) : undefined;
    this.queues = perRank ?? new TransactionQueues(this.banks, config.commandQueueDepth);
    this.drain = new WriteDrain(config, this.queues);
    this.refresh = new Refresh(std, config.refresh, this.banks, this.timing, this);
    const page = pagePolicy(config.pagePolicy);
    this.readiness = new Readiness(std, this.banks, this.timing, Int32Array.from([ACT, page.readCommand, page.writeCommand, PRE]));
    const kind = schedulerKind(config.scheduler);
    this.scheduler = perRank
      ? new PerRankScheduler(kind, config, page, this.banks, this.timing, this.readiness, perRank, o.ranks)
      : new Scheduler(kind, config, page, this.banks, this.timing, this.readiness);
    this.issueStats = new IssueStats(this.stats, o.ranks, t.tBURST!);
    this.issueLog = log === undefined ? undefined : new IssueLog(log);
  }

  /** Binds the controller to its kernel handle and schedules the first refresh wake-up. */
  attach(handle: number): void {
    this.handle = handle;
    const first = this.refresh.firstDueCycle();
    if (first !== Infinity) this.sim.wakeAt(handle, first * this.tCKPs);
  }

  /** Whether a new read (or write) transaction fits in its queue (counting those handed over but not yet arrived). */
  canAccept(isWrite: boolean): boolean {
    return isWrite
      ? this.queues.queued[WRITES]! + this.arrivals.writes < this.config.writeQueueDepth
      : this.queues.queued[READS]! + this.arrivals.reads < this.config.readQueueDepth;
  }

  /** Requests waiting anywhere in this controller. */
  get queuedRequests(): number {
    return this.queues.queued[READS]! + this.queues.queued[WRITES]! + this.commandQueueCount + this.arrivals.reads + this.arrivals.writes;
  }

  /**
   * Takes a transaction that arrives at `cycle` (now or later; the caller checked canAccept). The controller
   * sees it after its own actions of that cycle, as DRAMsim3's controller sees a transaction its front end adds
   * after the memory clock tick: it enters the transaction queue at the controller's first wake after `cycle`
   * and can move from there on.
   */
  submit(req: MemRequest, cycle: number): void {
    const at = cycle * this.tCKPs;
    if (
      this.arrivals.empty &&
      (this.phase === SLEEPING ? this.sim.pendingWakePs(this.handle) > at : this.phase === SCHEDULING && cycle === this.lastCycle) &&
      (req.isWrite || !this.queues.pendingWrites.has(req.addr))
    ) {
      // Speed hack: the controller acts no more before the arrival (it sleeps past it, or has acted for this
      // cycle), so taking the request into its queues now is the same as at its next wake. (A read that the
      // write queue may answer waits for that wake: it holds its slot until the cycle after its arrival.)
      const wake = this.arrivalWakeAt(req, 0);
      this.enqueue(req);
      if (this.phase === SLEEPING) this.sim.wakeNoLaterThan(this.handle, wake * this.tCKPs);
      else if (wake < this.arrivalWake) this.arrivalWake = wake;
      return;
    }
    this.arrivals.push(req);
    // While the controller is awake, scheduleNext looks at the new arrival; while it sleeps its state stands
    // until its next wake, so whether the arrival needs an earlier wake is decided now.
    if (this.phase === SLEEPING && this.sim.pendingWakePs(this.handle) > at + this.tCKPs) {
      this.sim.wakeNoLaterThan(this.handle, this.arrivalWakeAt(req, this.arrivals.writes - (req.isWrite ? 1 : 0)) * this.tCKPs);
    }
  }

  /** One cycle of the controller: the algorithm, step by step. */
  wake(nowPs: number): void {
    const c = nowPs / this.tCKPs;
    if (!(c > this.lastCycle && Number.isInteger(c))) invariant(false, `${this.name} wakes on a fresh clock edge (cycle ${c} after ${this.lastCycle})`);
    this.lastCycle = c;
    this.phase = ACTING;
    // 1. Transactions that arrived before this cycle enter the transaction queues.
    const freed = !this.arrivals.empty && this.admit(c);
    // 2. Refreshes that fall due now become pending (their banks leave the scheduler).
    this.refresh.update(c);
    // 3. Pick and issue one command, refresh first; HBM can add a command of the other kind (row or column).
    this.scheduler.beginCycle();
    const first = this.issueOne(c, ANY);
    if (first >= 0 && this.std.dualCommandIssue) {
      // Speed hack: isColumn written out (V8 left the call in wake out of line).
      const column = first === RD || first === WR || first === RDA || first === WRA;
      if ((column ? this.readiness.rowNeeders : this.readiness.columnNeeders) > 0) this.issueOne(c, column ? ROW_ONLY : COLUMN_ONLY);
    }
    // 4. One transaction moves into its bank's command queue (writes first while they drain).
    const moved = this.moveTransaction(c);
    // 5. Notify the front end of free transaction-queue slots, and sleep until something can happen.
    this.phase = SCHEDULING;
    if (moved || freed) this.listener.onSpace(this.channel, c);
    this.scheduleNext(c);
    this.phase = SLEEPING;
  }

  /** Closes open-row intervals at `endCycle` so active-time statistics cover the whole run. */
  finishStats(endCycle: number): void {
    this.issueStats.finish(this.banks, endCycle);
  }

  /** `bank`'s queue or state changed (also told by refresh): what it waits for is worked out again. */
  bankChanged(bank: Bank): void {
    // Speed hack: Refresh.holds inlined (one call fewer on the hot path).
    this.readiness.setNeeds(bank.index, bank.refreshPending || this.refresh.pending[bank.rank] === 1 ? 0 : this.scheduler.kindsNeeded(bank));
  }

  /**
   * The cycle by which the controller must wake for arrival `req`, given the current state and `writesAhead`
   * writes admitted before it. The cycle after the arrival if admitting it then can change what the controller
   * does: a read that can move (or is answered from the write queue), a write that starts a drain or joins one.
   * Otherwise the arrival waits for the controller's next wake (until then its state stands, so admitting it
   * later gives the same queues), at the latest writeFlushIdleCycles after it, when idle writes may flush.
   */
  private arrivalWakeAt(req: MemRequest, writesAhead: number): number {
    const cfg = this.config;
    let now: boolean;
    if (!req.isWrite) {
      // Answered from the write queue at once (its slot frees then) if a write to its address is queued or on
      // its way (the latter may come after the read, which only makes the wake an early one).
      now =
        (this.drain.remaining === 0 && this.banks[req.bankIndex]!.queue.length < cfg.commandQueueDepth) ||
        this.queues.pendingWrites.has(req.addr) ||
        this.arrivals.writeAddrs.has(req.addr);
    } else {
      now = this.drain.joinsDrain(this.queues.queued[WRITES]! + writesAhead + 1, this.commandQueueCount);
    }
    return req.arrivalCycle + (now ? 1 : Math.max(1, cfg.writeFlushIdleCycles));
  }

  /** The first cycle by which an arrival not yet admitted needs the controller awake (Infinity if none). */
  private arrivalWakeCycle(): number {
    const list = this.arrivals.list;
    let writes = 0;
    let t = Infinity;
    for (let h = this.arrivals.head; h < list.length; h++) {
      const req = list[h]!;
      const w = this.arrivalWakeAt(req, writes);
      if (w < t) t = w;
      // Arrivals come in order, so no later one needs a wake before this one's next cycle.
      if (t === req.arrivalCycle + 1) break;
      if (req.isWrite) writes++;
    }
    return t;
  }

  /** Puts an arrived transaction into its queue; returns true when it is a read answered from the write queue. */
  private enqueue(req: MemRequest): boolean {
    this.drain.lastArrivalCycle = req.arrivalCycle;
    if (req.isWrite) {
      this.queues.add(req, WRITES);
      this.queues.pendingWrites.add(req.addr);
    } else if (this.queues.pendingWrites.has(req.addr)) {
      // The newest data is still in the write queue: answer from there without touching the DRAM.
      this.stats.forwardedReads++;
      this.finish(req, req.arrivalCycle + 1);
      return true;
    } else {
      this.queues.add(req, READS);
    }
    return false;
  }

  /**
   * Moves the transactions that arrived before cycle `c` into the transaction queues, in arrival order; returns
   * whether a read answered from the write queue freed its slot.
   */
  private admit(c: number): boolean {
    // Speed hack: Arrivals.takeBefore and compact inlined here, one loop over the list (two calls per arrival and
    // one per wake cost about 3 % instructions per request on the bench/instructions.ts stream case).
    const a = this.arrivals;
    const list = a.list;
    let freed = false;
    let h = a.head;
    while (h < list.length && list[h]!.arrivalCycle < c) {
      const req = list[h++]!;
      a.head = h;
      if (req.isWrite) {
        a.writes--;
        a.writeAddrs.remove(req.addr);
      } else {
        a.reads--;
      }
      if (this.enqueue(req)) freed = true;
    }
    if (h === list.length) {
      list.length = 0;
      a.head = 0;
    } else if (h >= 64) {
      list.copyWithin(0, h);
      list.length -= h;
      a.head = 0;
    }
    return freed;
  }

  /** Issues a command `filter` allows at `c`: a pending refresh's first, else the scheduler's pick; returns it or -1. */
  private issueOne(c: number, filter: number): number {
    if (this.refresh.pendingCount > 0 && filter !== COLUMN_ONLY) {
      const cmd = this.issueRefresh(c);
      if (cmd >= 0) return cmd;
    }
    const s = this.scheduler;
    const cmd = s.pick(c, filter);
    if (cmd >= 0) {
      const bank = s.bank!;
      this.issue(cmd, bank, s.index, c, cmd === PRE);
      // Speed hack: told here rather than at the end of issue, which then has V8's whole inlining budget for
      // the statistics, the timing state and the completion (920 bytes of bytecode per optimized function).
      // The refresh path is a method of its own so that this one stays short enough for wake to inline the
      // scheduler's pick (bench/instructions.ts stream: see docs/validation.md, the controller in parts).
      this.bankChanged(bank);
    }
    return cmd;
  }

  /** Issues the pending refresh's next command if it is legal at `c`; returns it or -1. */
  private issueRefresh(c: number): number {
    const cmd = this.refresh.ready(c);
    if (cmd >= 0) {
      const bank = this.refresh.bank!;
      this.issue(cmd, bank, 0, c, false);
      this.bankChanged(bank);
    }
    return cmd;
  }

  /**
   * Issues `cmd` to `bank` at `c`, for the request at `index` of its command queue (ACT, column commands);
   * `conflict`: a PRE that closes a row a waiting request did not want. The caller then tells bankChanged.
   */
  private issue(cmd: number, bank: Bank, index: number, c: number, conflict: boolean): void {
    // Speed hack: isColumn written out, as in wake.
    const served = cmd === ACT || cmd === RD || cmd === WR || cmd === RDA || cmd === WRA ? bank.queue[index] : undefined;
    this.issueStats.onIssue(c, cmd, bank, served);
    this.issueLog?.onIssue(c, cmd, bank, served);
    this.timing.issue(cmd, c, bank.rank, bank.bankGroup, bank.bank);
    this.readiness.commandIssued(cmd);
    switch (cmd) {
      case ACT:
        bank.openRow = served!.row;
        bank.hitsSinceActivate = 0;
        bank.openedByConflict = bank.closedForConflict;
        break;
      case PRE:
        bank.openRow = -1;
        bank.closedForConflict = conflict;
        break;
      case RD:
      case WR:
      case RDA:
      case WRA: {
        // Speed hack: removeAt inlined (V8 stopped inlining it once the controller was split).
        const q = bank.queue;
        const req = q[index]!;
        for (let k = index; k < q.length - 1; k++) q[k] = q[k + 1]!;
        q.pop();
        this.commandQueueCount--;
        if (bank.queue.length === this.config.commandQueueDepth - 1) this.queues.bankFull(bank.index, false);
        bank.hitsSinceActivate++;
        if (!isRead(cmd)) this.queues.pendingWrites.remove(req.addr);
        this.finish(req, c + (isRead(cmd) ? this.readDelay : this.writeDelay));
        if (cmd === RDA || cmd === WRA) {
          // The page policy closes the row with the access.
          bank.openRow = -1;
          bank.closedForConflict = false;
        }
        break;
      }
      case REF:
      case REFPB:
        this.refresh.issued(cmd, bank);
        break;
      default:
        invariant(false, `${this.name}: the scheduler never issues command ${cmd}`);
    }
  }

  private finish(req: MemRequest, doneCycle: number): void {
    this.stats.complete(doneCycle, doneCycle - req.arrivalCycle, req.isWrite);
    this.listener.onComplete(req, doneCycle);
  }

  /** Moves at most one transaction into its bank's command queue. */
  private moveTransaction(c: number): boolean {
    if (this.drain.begin(c, this.commandQueueCount) === WRITES) {
      const moved = this.moveFrom(WRITES, c);
      if (moved !== BLOCKED_BY_READ) return moved === MOVED;
      this.drain.end();
    }
    return this.moveFrom(READS, c) === MOVED;
  }

  /** Moves the oldest transaction of queue `q` (READS or WRITES) whose bank's command queue has room. */
  private moveFrom(q: number, c: number): number {
    const oldest = this.queues.oldestMovable(q);
    // Arrivals are in order: when the oldest movable one has not arrived before c, no movable one has.
    if (oldest === undefined || oldest.arrivalCycle >= c) return NOT_MOVED;
    const i = oldest.bankIndex;
    if (oldest.isWrite) {
      if (this.queues.readPending(oldest)) return BLOCKED_BY_READ;
      this.drain.movedWrite();
    }
    this.queues.take(q, i);
    const bank = this.banks[i]!;
    bank.queue.push(oldest);
    // Speed hack: what the bank waits for follows from what it waited for and the one request appended (no scan
    // of its queue), and when that is unchanged its ready cycle is too (it depends on nothing else of the queue),
    // so readiness is not told. A bank held by refresh waits for nothing either way.
    if (!(bank.refreshPending || this.refresh.pending[bank.rank] === 1)) {
      const before = this.readiness.needs[i]!;
      const needs = this.scheduler.kindsAfterPush(bank, before);
      if (needs !== before) this.readiness.setNeeds(i, needs);
    }
    this.commandQueueCount++;
    if (bank.queue.length === this.config.commandQueueDepth) this.queues.bankFull(i, true);
    return MOVED;
  }

  /** Sleeps until the next cycle at which something can happen. */
  private scheduleNext(c: number): void {
    let next = Infinity;
    if (this.queues.hasMovable(this.drain.queueAt(c + 1, this.commandQueueCount))) next = c + 1;
    const ready = this.readiness.computeReady();
    if (ready < next) next = ready;
    // An arrival not yet admitted arrived at c or later, so it never needs a wake before c + 1: when the
    // controller wakes at c + 1 anyway, the scan of the arrivals (arrivalWakeCycle, pure) cannot move the wake.
    if (next > c + 1 && !this.arrivals.empty) next = Math.min(next, this.arrivalWakeCycle());
    next = Math.min(next, this.arrivalWake);
    this.arrivalWake = Infinity;
    if (next > c + 1) next = Math.min(next, this.refresh.wakeCycle(c));
    // Only a few writes wait and nothing else happens: flush them once the channel has been idle long enough.
    if (next > c + 1) next = Math.min(next, this.drain.flushCycle(this.commandQueueCount));
    if (next <= c) next = c + 1;
    if (next !== Infinity) this.sim.wakeAt(this.handle, next * this.tCKPs);
    else this.sim.cancel(this.handle);
  }
}
