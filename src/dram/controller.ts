import type { Component, Simulator } from '../kernel/simulator.ts';
import { invariant } from '../spec/errors.ts';
import { AddressMultiset } from './address-multiset.ts';
import { Bank } from './bank.ts';
import { ChannelStats } from './channel-stats.ts';
import type { CommandLog } from './command-log.ts';
import { ACT, PRE, PREA, RD, WR, RDA, WRA, REF, REFPB, isColumn, isRead } from './commands.ts';
import type { MemRequest } from './request.ts';
import type { ControllerSpec, DramStandard } from './standard.ts';
import { TimingState } from './timing-state.ts';

/** Kinds of command a bank's queue can wait for, as bits. */
export const KIND_ACT = 1;
export const KIND_RD = 2;
export const KIND_WR = 4;
export const KIND_PRE = 8;

const ROW_KINDS = KIND_ACT | KIND_PRE;
const COLUMN_KINDS = KIND_RD | KIND_WR;

const MOVED = 1;
const NOT_MOVED = 0;
const BLOCKED_BY_READ = 2;
const SLEEPING = 0;
const ACTING = 1;
const SCHEDULING = 2;
const ANY = 0;
const READS = 0;
const WRITES = 1;
const ROW_ONLY = 1;
const COLUMN_ONLY = 2;

/** What the controller tells the rest of the system. */
export interface ControllerListener {
  /** A transaction-queue slot became free. */
  onSpace(channel: number, cycle: number): void;
  /** A request finished (read data returned, write data written) at `doneCycle`. */
  onComplete(req: MemRequest, doneCycle: number): void;
}

/**
 * The memory controller of one channel. Transactions wait in a read queue and a write queue; one per cycle
 * moves into a per-bank command queue: reads, except while writes drain. A drain starts when
 * `writeHighWatermark` writes wait, or more than `writeLowWatermark` wait while every command queue is
 * empty, and moves the writes queued at its start (the policy of DRAMsim3's controller). Writes that
 * stay below the watermarks are flushed once no request has arrived for `writeFlushIdleCycles`. Each cycle
 * the scheduler looks at the banks round-robin and issues the first legal command: FR-FCFS serves queued
 * row hits before opening another row (at most `rowHitCap` hits while an older request waits), FCFS only the
 * oldest request. HBM issues a row and a column command in the same cycle. Refresh has priority: the banks of
 * a rank due for refresh are precharged and take no other command until REF issues.
 *
 * The controller is event-driven: after each cycle it works out the next cycle at which any command can
 * become legal or any transaction can move, and sleeps until then.
 */
export class Controller implements Component {
  readonly name: string;
  readonly stats: ChannelStats;
  readonly banks: Bank[];
  private readonly timing: TimingState;
  /**
   * The read queue (READS) and the write queue (WRITES), kept per bank: waiting[queue * banks + bank] holds the
   * queue's transactions for that bank, oldest first. Ids grow in arrival order, so the oldest transaction of a
   * queue whose bank has room is the smallest id among the heads of the banks with room.
   */
  private readonly waiting: MemRequest[][];
  /** Transactions in the read queue (index READS) and the write queue (index WRITES). */
  private readonly queued = new Int32Array(2);
  /** Per queue (words each): banks with transactions in it whose command queue has room. */
  private readonly movableBits: Int32Array;
  /** Addresses of writes not yet issued, with counts (a read of one is answered from the write queue). */
  private readonly pendingWrites = new AddressMultiset();
  /** Writes still to move in the current drain (0: reads have priority). */
  private drainRemaining = 0;

  private roundRobin = -1;
  private handle = -1;
  private lastCycle = -1;
  private readonly tCKPs: number;
  private readonly readDelay: number;
  private readonly writeDelay: number;
  private readonly tBURST: number;
  /** Refresh bookkeeping per rank (all-bank) or per channel (per-bank). */
  private readonly refreshDue: Float64Array;
  private readonly refreshPending: Uint8Array;
  private refreshPendingCount = 0;
  private perBankRefreshDue = Infinity;
  private perBankRefreshNext = 0;
  private readonly rankOpenBanks: Int32Array;
  private readonly rankActiveSince: Float64Array;
  private pickIndex = 0;
  /** The first scan of this cycle visited minBits only (issueOne). */
  private scannedFromMin = false;
  /** The command tryIssue issued. */
  private lastIssued = -1;
  /** Output of nextRefreshStep / nextPerBankRefreshStep. */
  private refreshCommand = REF;
  private refreshBank: Bank | undefined;
  /** Requests in all per-bank command queues. */
  private commandQueueCount = 0;
  /**
   * Per bank: the cycle at which a command for its queue can be legal, exact when scheduleNext computed it
   * (0 when its queue or state changed since, Infinity when it has nothing to schedule: empty queue or
   * refresh pending). Timing constraints only move later, so the value stays a lower bound as commands issue.
   */
  private readonly readyAt: Float64Array;
  /** Command kinds (KIND_* bits) each bank's queue waits for; 0 when it has nothing to schedule. */
  private readonly needs: Uint8Array;
  /** Banks whose needs include a row command (ACT, PRE) and a column command (RD, WR). */
  private rowNeeders = 0;
  private columnNeeders = 0;
  /** The scheduler is FCFS (only the oldest request of a bank's queue counts), and the page policy is closed. */
  private readonly fcfs: boolean;
  private readonly closedPage: boolean;
  /** The command that serves each kind (index: bit position of KIND_*), under the page policy. */
  private readonly kindCommand: Int32Array;
  /** Per bank: its bank-group node in the channel (rank x bank groups + group); per group node: its rank. */
  private readonly groupOf: Int32Array;
  private readonly rankOfGroup: Int32Array;
  /** Lower bound of every bank's readyAt (0 when unknown). */
  private earliestBankReady = 0;
  /**
   * The earliest readyAt as computeReady last found it, still exact while minValid: no command has issued since
   * and no bank holding that value has changed.
   */
  private exactMin = 0;
  private minValid = false;
  /**
   * Bank sets as bit masks of `words` 32-bit words (bank i is bit i % 32 of word i >> 5): banks changed since
   * the last computeReady; banks whose readyAt equals exactMin; banks with something to schedule; and, per
   * kind (index = bit position of KIND_*), banks waiting for that kind.
   */
  private readonly words: number;
  private readonly changedBits: Int32Array;
  private readonly minBits: Int32Array;
  private readonly needBits: Int32Array;
  private readonly kindBits: Int32Array;
  private anyChanged = false;
  /** Kinds whose shared constraints commands issued since the last computeReady moved (from `affects`). */
  private movedKinds = 0;
  /** For each command, the kinds of other banks whose earliest cycle it can move (from the rules). */
  private readonly affects: Uint8Array;
  private lastArrivalCycle = 0;
  /** Transactions handed over by submit and not yet admitted (from incomingHead on), oldest first. */
  private readonly incoming: MemRequest[] = [];
  private incomingHead = 0;
  private incomingReads = 0;
  private incomingWrites = 0;
  /** Addresses of the writes among them, with counts. */
  private readonly incomingWriteAddrs = new AddressMultiset();
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
    private readonly log: CommandLog | undefined,
  ) {
    const o = std.organization;
    this.name = `dram.ch${channel}`;
    this.tCKPs = std.tCKPs;
    const t = std.timing;
    this.tBURST = t.tBURST!;
    this.readDelay = t.CL! + this.tBURST;
    this.writeDelay = t.CWL! + this.tBURST;
    this.timing = new TimingState(std);
    this.banks = [];
    for (let r = 0; r < o.ranks; r++) {
      for (let g = 0; g < o.bankGroups; g++) {
        for (let b = 0; b < o.banksPerGroup; b++) this.banks.push(new Bank(r, g, b, this.banks.length, r * o.bankGroups + g));
      }
    }
    this.stats = new ChannelStats(o.ranks, this.banks.length, std.commandNames.length);
    this.refreshDue = new Float64Array(o.ranks);
    this.refreshPending = new Uint8Array(o.ranks);
    this.readyAt = new Float64Array(this.banks.length).fill(Infinity);
    this.needs = new Uint8Array(this.banks.length);
    this.waiting = Array.from({ length: 2 * this.banks.length }, () => []);
    const closed = config.pagePolicy === 'closed';
    this.fcfs = config.scheduler === 'fcfs';
    this.closedPage = closed;
    this.kindCommand = Int32Array.from([ACT, closed ? RDA : RD, closed ? WRA : WR, PRE]);
    // Only the commands the scheduler issues for a kind matter (PREA rules do not move a bank's PRE).
    const servedKinds = (cmd: number): number => this.kindCommand.reduce((bits, c, kind) => (c === cmd ? bits | (1 << kind) : bits), 0);
    this.affects = new Uint8Array(std.commandNames.length);
    for (const rule of std.rules) if (rule.level !== 'bank' || rule.sibling) this.affects[rule.prev]! |= servedKinds(rule.next);
    for (const w of std.windows) this.affects[w.command]! |= servedKinds(w.command);
    this.words = Math.ceil(this.banks.length / 32);
    this.movableBits = new Int32Array(2 * this.words);
    this.changedBits = new Int32Array(this.words);
    this.minBits = new Int32Array(this.words);
    this.needBits = new Int32Array(this.words);
    this.kindBits = new Int32Array(4 * this.words);
    this.groupOf = Int32Array.from(this.banks, (b) => b.groupNode);
    this.rankOfGroup = Int32Array.from({ length: o.ranks * o.bankGroups }, (_, g) => Math.floor(g / o.bankGroups));
    this.rankOpenBanks = new Int32Array(o.ranks);
    this.rankActiveSince = new Float64Array(o.ranks);
    if (config.refresh === 'all-bank') {
      // Ranks are staggered evenly over tREFI so their refreshes do not coincide.
      for (let r = 0; r < o.ranks; r++) this.refreshDue[r] = Math.floor((t.tREFI! * (r + 1)) / o.ranks);
    } else {
      this.refreshDue.fill(Infinity);
      if (config.refresh === 'per-bank') this.perBankRefreshDue = t.tREFIpb!;
    }
  }

  /** Binds the controller to its kernel handle and schedules the first refresh wake-up. */
  attach(handle: number): void {
    this.handle = handle;
    const first = Math.min(this.perBankRefreshDue, ...this.refreshDue);
    if (first !== Infinity) this.sim.wakeAt(handle, first * this.tCKPs);
  }

  /** Whether a new read (or write) transaction fits in its queue (counting those handed over but not yet arrived). */
  canAccept(isWrite: boolean): boolean {
    return isWrite
      ? this.queued[WRITES]! + this.incomingWrites < this.config.writeQueueDepth
      : this.queued[READS]! + this.incomingReads < this.config.readQueueDepth;
  }

  /** Requests waiting anywhere in this controller. */
  get queuedRequests(): number {
    return this.queued[READS]! + this.queued[WRITES]! + this.commandQueueCount + this.incomingReads + this.incomingWrites;
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
      this.incoming.length === this.incomingHead &&
      (this.phase === SLEEPING ? this.sim.pendingWakePs(this.handle) > at : this.phase === SCHEDULING && cycle === this.lastCycle) &&
      (req.isWrite || !this.pendingWrites.has(req.addr))
    ) {
      // The controller acts no more before the arrival (it sleeps past it, or has acted for this cycle), so
      // taking the request into its queues now is the same as at its next wake. (A read that the write queue
      // may answer waits for that wake: it holds its slot until the cycle after its arrival.)
      const wake = this.arrivalWakeAt(req, 0);
      this.enqueue(req);
      if (this.phase === SLEEPING) this.sim.wakeNoLaterThan(this.handle, wake * this.tCKPs);
      else if (wake < this.arrivalWake) this.arrivalWake = wake;
      return;
    }
    this.incoming.push(req);
    if (req.isWrite) {
      this.incomingWrites++;
      this.incomingWriteAddrs.add(req.addr);
    } else {
      this.incomingReads++;
    }
    // While the controller is awake, scheduleNext looks at the new arrival; while it sleeps its state stands
    // until its next wake, so whether the arrival needs an earlier wake is decided now.
    if (this.phase === SLEEPING && this.sim.pendingWakePs(this.handle) > at + this.tCKPs) {
      this.sim.wakeNoLaterThan(this.handle, this.arrivalWakeAt(req, this.incomingWrites - (req.isWrite ? 1 : 0)) * this.tCKPs);
    }
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
      now = (this.drainRemaining === 0 && this.banks[req.bankIndex]!.queue.length < cfg.commandQueueDepth) || this.pendingWrites.has(req.addr) || this.incomingWriteAddrs.has(req.addr);
    } else {
      const w = this.queued[WRITES]! + writesAhead + 1;
      now = this.drainRemaining > 0 || w >= cfg.writeHighWatermark || (w > cfg.writeLowWatermark && this.commandQueueCount === 0);
    }
    return req.arrivalCycle + (now ? 1 : Math.max(1, cfg.writeFlushIdleCycles));
  }

  /** The first cycle by which an arrival not yet admitted needs the controller awake (Infinity if none). */
  private arrivalWakeCycle(): number {
    const inc = this.incoming;
    let writes = 0;
    let t = Infinity;
    for (let h = this.incomingHead; h < inc.length; h++) {
      const req = inc[h]!;
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
    this.lastArrivalCycle = req.arrivalCycle;
    if (req.isWrite) {
      this.wait(req, WRITES);
      this.pendingWrites.add(req.addr);
    } else if (this.pendingWrites.has(req.addr)) {
      // The newest data is still in the write queue: answer from there without touching the DRAM.
      this.stats.forwardedReads++;
      this.finish(req, req.arrivalCycle + 1);
      return true;
    } else {
      this.wait(req, READS);
    }
    return false;
  }

  /**
   * Moves the transactions that arrived before cycle `c` into the transaction queues, in arrival order; returns
   * whether a read answered from the write queue freed its slot.
   */
  private admit(c: number): boolean {
    const inc = this.incoming;
    let h = this.incomingHead;
    let freed = false;
    while (h < inc.length && inc[h]!.arrivalCycle < c) {
      const req = inc[h++]!;
      if (req.isWrite) {
        this.incomingWrites--;
        this.incomingWriteAddrs.remove(req.addr);
      } else {
        this.incomingReads--;
      }
      if (this.enqueue(req)) freed = true;
    }
    if (h === inc.length) {
      inc.length = 0;
      h = 0;
    } else if (h >= 64) {
      inc.copyWithin(0, h);
      inc.length -= h;
      h = 0;
    }
    this.incomingHead = h;
    return freed;
  }

  wake(nowPs: number): void {
    const c = nowPs / this.tCKPs;
    if (!(c > this.lastCycle && Number.isInteger(c))) invariant(false, `${this.name} wakes on a fresh clock edge (cycle ${c} after ${this.lastCycle})`);
    this.lastCycle = c;
    this.phase = ACTING;
    const freed = this.incoming.length > this.incomingHead && this.admit(c);
    this.updateRefresh(c);
    const first = this.issueOne(c, ANY);
    if (first >= 0 && this.std.dualCommandIssue && (isColumn(first) ? this.rowNeeders : this.columnNeeders) > 0) {
      this.issueOne(c, isColumn(first) ? ROW_ONLY : COLUMN_ONLY);
    }
    const moved = this.moveTransaction(c);
    this.phase = SCHEDULING;
    if (moved || freed) this.listener.onSpace(this.channel, c);
    this.scheduleNext(c);
    this.phase = SLEEPING;
  }

  /** Closes open-row intervals at `endCycle` so active-time statistics cover the whole run. */
  finishStats(endCycle: number): void {
    for (const b of this.banks) {
      if (b.openRow >= 0) b.activeCycles += Math.max(0, endCycle - b.openedAtCycle);
      this.stats.bankActiveCycles[b.index] = b.activeCycles;
    }
    for (let r = 0; r < this.rankOpenBanks.length; r++) {
      if (this.rankOpenBanks[r]! > 0) this.stats.rankActiveCycles[r]! += Math.max(0, endCycle - this.rankActiveSince[r]!);
    }
  }

  private updateRefresh(c: number): void {
    for (let r = 0; r < this.refreshDue.length; r++) {
      if (!this.refreshPending[r] && c >= this.refreshDue[r]!) {
        this.refreshPending[r] = 1;
        for (const b of this.banks) if (b.rank === r) this.markChanged(b);
        this.refreshPendingCount++;
      }
    }
    if (c >= this.perBankRefreshDue) {
      const bank = this.banks[this.perBankRefreshNext]!;
      if (!bank.refreshPending) {
        bank.refreshPending = true;
        this.markChanged(bank);
        this.refreshPendingCount++;
      }
    }
  }

  /** Issues refresh work if any is due; returns the command or -1. */
  private issueRefresh(c: number, filter: number): number {
    if (filter === COLUMN_ONLY) return -1;
    for (let r = 0; r < this.refreshPending.length; r++) {
      if (this.refreshPending[r] && this.nextRefreshStep(r) <= c) {
        this.issue(this.refreshCommand, this.refreshBank!, c, false);
        return this.refreshCommand;
      }
    }
    if (this.perBankRefreshDue !== Infinity && this.banks[this.perBankRefreshNext]!.refreshPending && this.nextPerBankRefreshStep() <= c) {
      this.issue(this.refreshCommand, this.refreshBank!, c, false);
      return this.refreshCommand;
    }
    return -1;
  }

  /**
   * The next command of rank `r`'s pending all-bank refresh: a PRE for its open bank that can close first, or
   * REF once every bank is closed. Sets refreshCommand and refreshBank; returns the command's earliest cycle.
   */
  private nextRefreshStep(r: number): number {
    let t = Infinity;
    for (const b of this.banks) {
      if (b.rank !== r || b.openRow < 0) continue;
      const e = this.timing.earliestCycle(PRE, r, b.bankGroup, b.bank);
      if (e < t) {
        t = e;
        this.refreshCommand = PRE;
        this.refreshBank = b;
      }
    }
    if (t === Infinity) {
      this.refreshCommand = REF;
      this.refreshBank = this.banks[r * (this.banks.length / this.refreshPending.length)]!;
      t = this.timing.earliestCycle(REF, r, 0, 0);
    }
    return t;
  }

  /** The next command of the pending per-bank refresh: PRE if its bank is open, else REFpb (as nextRefreshStep). */
  private nextPerBankRefreshStep(): number {
    const b = this.banks[this.perBankRefreshNext]!;
    this.refreshCommand = b.openRow >= 0 ? PRE : REFPB;
    this.refreshBank = b;
    return this.timing.earliestCycle(this.refreshCommand, b.rank, b.bankGroup, b.bank);
  }

  private issueOne(c: number, filter: number): number {
    if (filter === ANY) this.scannedFromMin = false;
    if (this.refreshPendingCount > 0) {
      const r = this.issueRefresh(c, filter);
      if (r >= 0) return r;
    }
    // No bank can have a legal command before earliestBankReady; a scan that issues nothing leaves the
    // round-robin pointer where it started, so skipping it changes nothing.
    if (c < this.earliestBankReady) return -1;
    // While every readyAt is exact and c is their minimum, the banks with readyAt <= c are exactly minBits:
    // visit only those, in round-robin order. For the second command of a dual issue after such a scan, the
    // banks with readyAt <= c are minBits and the banks changed since (readyAt 0).
    if (filter === ANY) {
      this.scannedFromMin = this.minValid && !this.anyChanged && c === this.exactMin;
      if (this.scannedFromMin) return this.issueFromMin(c, ANY);
    } else if (this.scannedFromMin) {
      return this.issueFromMin(c, filter);
    }
    const banks = this.banks;
    const n = banks.length;
    const readyAt = this.readyAt;
    const needs = this.needs;
    const allowed = filter === ANY ? 0xff : filter === ROW_ONLY ? ROW_KINDS : COLUMN_KINDS;
    let rr = this.roundRobin;
    for (let k = 0; k < n; k++) {
      rr = rr + 1 === n ? 0 : rr + 1;
      if (readyAt[rr]! > c || (needs[rr]! & allowed) === 0) continue;
      if (this.tryIssue(rr, c, filter)) return this.lastIssued;
    }
    return -1;
  }

  /**
   * The round-robin scan restricted to minBits (the banks whose exact readyAt is c) and the banks changed since,
   * waiting for a kind of command `filter` allows.
   */
  private issueFromMin(c: number, filter: number): number {
    const n = this.banks.length;
    const words = this.words;
    const kb = this.kindBits;
    const start = this.roundRobin + 1 === n ? 0 : this.roundRobin + 1;
    for (let pass = 0; pass < 2; pass++) {
      const lo = pass === 0 ? start : 0;
      const hi = pass === 0 ? n : start;
      for (let w = lo >> 5; lo < hi && w <= (hi - 1) >> 5; w++) {
        const base = w << 5;
        let m = (this.minBits[w]! | this.changedBits[w]!) & this.needBits[w]!;
        if (filter === ROW_ONLY) m &= kb[w]! | kb[3 * words + w]!;
        else if (filter === COLUMN_ONLY) m &= kb[words + w]! | kb[2 * words + w]!;
        if (lo > base) m &= ~((1 << (lo - base)) - 1);
        if (hi < base + 32) m &= (1 << (hi - base)) - 1;
        while (m !== 0) {
          const i = base + (31 - Math.clz32(m & -m));
          m &= m - 1;
          if (this.tryIssue(i, c, filter)) return this.lastIssued;
        }
      }
    }
    return -1;
  }

  /** Issues the command bank `i`'s queue can take at `c`, if any; the command is left in lastIssued. */
  private tryIssue(i: number, c: number, filter: number): boolean {
    const bank = this.banks[i]!;
    // A closed bank waits only for ACT: while its readyAt is exact (nothing issued and the bank unchanged
    // since it was computed), readyAt <= c means the ACT is legal.
    const exact = this.minValid && (this.changedBits[i >> 5]! & (1 << (i & 31))) === 0;
    const cmd = this.needs[i] === KIND_ACT && exact ? this.pickAct() : this.readyCommand(bank, c, filter);
    if (cmd < 0) return false;
    this.roundRobin = i;
    this.lastIssued = cmd;
    this.issue(cmd, bank, c, cmd === PRE);
    return true;
  }

  private pickAct(): number {
    this.pickIndex = 0;
    return ACT;
  }

  /** Column command that serves `req` under the page policy. */
  private columnCommand(req: MemRequest): number {
    if (this.closedPage) return req.isWrite ? WRA : RDA;
    return req.isWrite ? WR : RD;
  }

  /** The first command of `bank`'s queue that is legal at `c` (sets pickIndex), or -1. */
  private readyCommand(bank: Bank, c: number, filter: number): number {
    const q = bank.queue;
    const ts = this.timing;
    if (bank.openRow < 0) {
      if (filter === COLUMN_ONLY) return -1;
      if (ts.earliestCycle(ACT, bank.rank, bank.bankGroup, bank.bank) <= c) {
        this.pickIndex = 0;
        return ACT;
      }
      return -1;
    }
    // Legality of a read or a write at this bank is the same for every queued hit: decide it once (-1 unknown).
    let readOk = -1;
    let writeOk = -1;
    const last = this.fcfs ? 1 : q.length;
    for (let j = 0; j < last; j++) {
      const req = q[j]!;
      if (req.row === bank.openRow) {
        if (filter === ROW_ONLY) continue;
        const cmd = this.columnCommand(req);
        if (req.isWrite) {
          if (writeOk < 0) writeOk = ts.earliestCycle(cmd, bank.rank, bank.bankGroup, bank.bank) <= c ? 1 : 0;
          if (writeOk === 0 || this.olderReadTo(q, j, req.addr)) continue;
        } else {
          if (readOk < 0) readOk = ts.earliestCycle(cmd, bank.rank, bank.bankGroup, bank.bank) <= c ? 1 : 0;
          if (readOk === 0) continue;
        }
        this.pickIndex = j;
        return cmd;
      } else if (j === 0 && filter !== COLUMN_ONLY && (this.needs[bank.index]! & KIND_PRE) !== 0) {
        if (ts.earliestCycle(PRE, bank.rank, bank.bankGroup, bank.bank) <= c) {
          this.pickIndex = 0;
          return PRE;
        }
      }
    }
    return -1;
  }



  private olderReadTo(q: MemRequest[], j: number, addr: number): boolean {
    for (let i = 0; i < j; i++) if (!q[i]!.isWrite && q[i]!.addr === addr) return true;
    return false;
  }

  private issue(cmd: number, bank: Bank, c: number, conflict: boolean): void {
    this.timing.issue(cmd, c, bank.rank, bank.bankGroup, bank.bank);
    this.earliestBankReady = 0;
    this.minValid = false;
    this.movedKinds |= this.affects[cmd]!;
    this.stats.commandCounts[cmd]!++;
    let row = bank.openRow;
    let column = -1;
    switch (cmd) {
      case ACT: {
        row = bank.queue[this.pickIndex]!.row;
        bank.openRow = row;
        bank.hitsSinceActivate = 0;
        bank.openedByConflict = bank.closedForConflict;
        bank.openedAtCycle = c;
        if (this.rankOpenBanks[bank.rank]!++ === 0) this.rankActiveSince[bank.rank] = c;
        break;
      }
      case PRE:
        this.closeRow(bank, c, conflict);
        break;
      case RD:
      case WR:
      case RDA:
      case WRA: {
        const req = removeAt(bank.queue, this.pickIndex);
        this.commandQueueCount--;
        if (bank.queue.length === this.config.commandQueueDepth - 1) this.bankFull(bank.index, false);
        column = req.column;
        if (bank.hitsSinceActivate > 0) this.stats.rowHits++;
        else if (bank.openedByConflict) this.stats.rowConflicts++;
        else this.stats.rowMisses++;
        bank.hitsSinceActivate++;
        this.stats.bankColumnCommands[bank.index]!++;
        this.stats.dataBusCycles += this.tBURST;
        if (!isRead(cmd)) this.pendingWrites.remove(req.addr);
        this.finish(req, c + (isRead(cmd) ? this.readDelay : this.writeDelay));
        if (cmd === RDA || cmd === WRA) this.closeRow(bank, c, false);
        break;
      }
      case REF: {
        this.refreshPending[bank.rank] = 0;
        for (const b of this.banks) if (b.rank === bank.rank) this.markChanged(b);
        this.refreshPendingCount--;
        this.refreshDue[bank.rank]! += this.std.timing.tREFI!;
        break;
      }
      case REFPB: {
        bank.refreshPending = false;
        this.refreshPendingCount--;
        this.perBankRefreshNext = (this.perBankRefreshNext + 1) % this.banks.length;
        this.perBankRefreshDue += this.std.timing.tREFIpb!;
        break;
      }
      default:
        invariant(false, `${this.name}: the scheduler never issues command ${cmd}`);
    }
    this.markChanged(bank);
    this.log?.push(c, cmd, bank.rank, bank.bankGroup, bank.bank, row, column);
  }

  /**
   * Makes every bank's ready cycle exact and returns the earliest.
   */
  private computeReady(): number {
    const words = this.words;
    const readyAt = this.readyAt;
    const changedBits = this.changedBits;
    const minBits = this.minBits;
    const needBits = this.needBits;
    let ready: number;
    if (this.minValid) {
      // No command issued since the last computation: only banks whose queue or state changed can differ, and
      // none of them held the earliest value (markChanged checks), so that value still stands.
      ready = this.exactMin;
      for (let w = 0; w < words; w++) {
        let m = changedBits[w]! & needBits[w]!;
        while (m !== 0) {
          const i = (w << 5) + (31 - Math.clz32(m & -m));
          m &= m - 1;
          const t = this.bankReady(i);
          readyAt[i] = t;
          ready = this.noteReady(i, t, ready);
        }
      }
    } else {
      // Commands issued: a bank's value changes if its queue or state did, or if it waits for a kind of command
      // whose shared constraints those commands moved (an ACT moves other banks' ACTs, not their reads).
      const moved = this.movedKinds;
      const kindBits = this.kindBits;
      ready = Infinity;
      for (let w = 0; w < words; w++) {
        let redo = changedBits[w]!;
        if (moved !== 0) for (let kind = 0; kind < 4; kind++) if ((moved & (1 << kind)) !== 0) redo |= kindBits[kind * words + w]!;
        let m = needBits[w]!;
        let atMin = 0;
        while (m !== 0) {
          const low = m & -m;
          m ^= low;
          const i = (w << 5) + (31 - Math.clz32(low));
          const t = (redo & low) !== 0 ? (readyAt[i] = this.bankReady(i)) : readyAt[i]!;
          if (t < ready) {
            ready = t;
            atMin = low;
            for (let v = 0; v < w; v++) minBits[v] = 0;
          } else if (t === ready) {
            atMin |= low;
          }
        }
        minBits[w] = atMin;
      }
    }
    this.movedKinds = 0;
    for (let v = 0; v < words; v++) changedBits[v] = 0;
    this.anyChanged = false;
    this.exactMin = ready;
    this.minValid = true;
    return ready;
  }

  /** Folds bank `i`'s ready cycle `t` into the running minimum `ready` and the set of banks at it; returns the new minimum. */
  private noteReady(i: number, t: number, ready: number): number {
    if (t > ready) return ready;
    if (t < ready) for (let v = 0; v < this.words; v++) this.minBits[v] = 0;
    this.minBits[i >> 5]! |= 1 << (i & 31);
    return t;
  }

  /** Exact earliest cycle of any command bank `i`'s queue waits for. */
  private bankReady(i: number): number {
    const k = this.needs[i]!;
    const ts = this.timing;
    const group = this.groupOf[i]!;
    const rank = this.rankOfGroup[group]!;
    let t = Infinity;
    for (let kind = 0; kind < 4; kind++) {
      if ((k & (1 << kind)) === 0) continue;
      const e = ts.earliestAtNodes(this.kindCommand[kind]!, rank, group, i);
      if (e < t) t = e;
      if (k >> (kind + 1) === 0) break;
    }
    return t;
  }

  /** The bank's queue or state changed: its ready bound must be recomputed (or it has nothing to do). */
  private markChanged(bank: Bank): void {
    const needs = this.kindsNeeded(bank);
    const i = bank.index;
    const old = this.needs[i]!;
    this.rowNeeders += (needs & ROW_KINDS ? 1 : 0) - (old & ROW_KINDS ? 1 : 0);
    this.columnNeeders += (needs & COLUMN_KINDS ? 1 : 0) - (old & COLUMN_KINDS ? 1 : 0);
    this.needs[i] = needs;
    const w = i >> 5;
    const bit = 1 << (i & 31);
    if (needs !== old) {
      for (let kind = 0; kind < 4; kind++) {
        const k = kind * this.words + w;
        if ((needs & (1 << kind)) !== 0) this.kindBits[k]! |= bit;
        else this.kindBits[k]! &= ~bit;
      }
      if (needs !== 0) this.needBits[w]! |= bit;
      else this.needBits[w]! &= ~bit;
    }
    if (this.readyAt[i]! <= this.exactMin) this.minValid = false;
    this.changedBits[w]! |= bit;
    this.anyChanged = true;
    this.readyAt[i] = needs === 0 ? Infinity : 0;
    if (needs !== 0) this.earliestBankReady = 0;
  }

  /** The command kinds that could serve `bank`'s queue next (the candidates readyCommand looks at). */
  private kindsNeeded(bank: Bank): number {
    const q = bank.queue;
    if (q.length === 0 || bank.refreshPending || this.refreshPending[bank.rank] === 1) return 0;
    if (bank.openRow < 0) return KIND_ACT;
    const last = this.fcfs ? 1 : q.length;
    let needs = 0;
    for (let j = 0; j < last; j++) {
      const req = q[j]!;
      if (req.row === bank.openRow) needs |= req.isWrite ? KIND_WR : KIND_RD;
    }
    // The oldest request wants another row: FCFS closes the row at once; FR-FCFS only when no queued request
    // hits the open row, or after rowHitCap hits since it opened.
    if (q[0]!.row !== bank.openRow && (needs === 0 || this.fcfs || bank.hitsSinceActivate >= this.config.rowHitCap)) needs |= KIND_PRE;
    return needs;
  }

  private closeRow(bank: Bank, c: number, conflict: boolean): void {
    bank.activeCycles += c - bank.openedAtCycle;
    bank.openRow = -1;
    bank.closedForConflict = conflict;
    if (--this.rankOpenBanks[bank.rank]! === 0) this.stats.rankActiveCycles[bank.rank]! += c - this.rankActiveSince[bank.rank]!;
  }

  private finish(req: MemRequest, doneCycle: number): void {
    this.stats.complete(doneCycle, doneCycle - req.arrivalCycle, req.isWrite);
    this.listener.onComplete(req, doneCycle);
  }

  /** Moves at most one transaction into its bank's command queue. */
  private moveTransaction(c: number): boolean {
    if (this.drainRemaining === 0 && this.drainStartsAt(c)) this.drainRemaining = this.queued[WRITES]!;
    if (this.drainRemaining > 0) {
      const moved = this.moveFrom(WRITES, c);
      if (moved !== BLOCKED_BY_READ) return moved === MOVED;
      // A queued read must see the old data first: end the drain and let reads go ahead.
      this.drainRemaining = 0;
    }
    return this.moveFrom(READS, c) === MOVED;
  }

  /** Moves the oldest transaction of queue `q` (READS or WRITES) whose bank's command queue has room. */
  private moveFrom(q: number, c: number): number {
    const n = this.banks.length;
    const words = this.words;
    let oldest: MemRequest | undefined;
    for (let w = 0; w < words; w++) {
      let m = this.movableBits[q * words + w]!;
      while (m !== 0) {
        const i = (w << 5) + (31 - Math.clz32(m & -m));
        m &= m - 1;
        const head = this.waiting[q * n + i]![0]!;
        if (oldest === undefined || head.id < oldest.id) oldest = head;
      }
    }
    // Arrivals are in order: when the oldest movable one has not arrived before c, no movable one has.
    if (oldest === undefined || oldest.arrivalCycle >= c) return NOT_MOVED;
    const i = oldest.bankIndex;
    if (oldest.isWrite) {
      if (this.readPending(oldest)) return BLOCKED_BY_READ;
      this.drainRemaining--;
    }
    const fifo = this.waiting[q * n + i]!;
    fifo.shift();
    this.queued[q]!--;
    if (fifo.length === 0) this.movableBits[q * words + (i >> 5)]! &= ~(1 << (i & 31));
    const bank = this.banks[i]!;
    bank.queue.push(oldest);
    this.markChanged(bank);
    this.commandQueueCount++;
    if (bank.queue.length === this.config.commandQueueDepth) this.bankFull(i, true);
    return MOVED;
  }

  /** Sleeps until the next cycle at which something can happen. */
  private scheduleNext(c: number): void {
    let next = Infinity;
    if (this.canMoveNextCycle()) next = c + 1;
    const ready = this.computeReady();
    this.earliestBankReady = ready;
    if (ready < next) next = ready;
    if (this.incoming.length > this.incomingHead) next = Math.min(next, this.arrivalWakeCycle());
    next = Math.min(next, this.arrivalWake);
    this.arrivalWake = Infinity;
    if (next > c + 1) next = Math.min(next, this.refreshWakeCycle(c));
    if (next > c + 1 && this.queued[WRITES]! > 0 && this.queued[READS]! === 0 && this.drainRemaining === 0 && this.commandQueueCount === 0) {
      // Only a few writes wait and nothing else happens: flush them once the channel has been idle long enough.
      next = Math.min(next, this.lastArrivalCycle + this.config.writeFlushIdleCycles);
    }
    if (next <= c) next = c + 1;
    if (next !== Infinity) this.sim.wakeAt(this.handle, next * this.tCKPs);
    else this.sim.cancel(this.handle);
  }

  /** Whether a read of the same address waits (in the read queue or its bank's queue): it must go first. */
  private readPending(write: MemRequest): boolean {
    const rq = this.waiting[READS * this.banks.length + write.bankIndex]!;
    for (let i = 0; i < rq.length; i++) if (rq[i]!.addr === write.addr) return true;
    const bq = this.banks[write.bankIndex]!.queue;
    for (let i = 0; i < bq.length; i++) if (!bq[i]!.isWrite && bq[i]!.addr === write.addr) return true;
    return false;
  }

  /**
   * Whether a write drain starts at cycle `c`: the write queue reached the high watermark, or more than the low
   * watermark wait while no command does, or writes have waited idle for writeFlushIdleCycles.
   */
  private drainStartsAt(c: number): boolean {
    const cfg = this.config;
    const w = this.queued[WRITES]!;
    if (w >= cfg.writeHighWatermark) return true;
    if (this.commandQueueCount !== 0) return false;
    return w > cfg.writeLowWatermark || (w > 0 && this.queued[READS]! === 0 && c - this.lastArrivalCycle >= cfg.writeFlushIdleCycles);
  }

  /** Whether moveTransaction would move something at the next cycle if nothing else changed. */
  private canMoveNextCycle(): boolean {
    // During a drain only writes move (a write blocked by an older read to its address ends the drain, and
    // that write counts as movable here, so the wake that finds it blocked moves a read instead).
    const q = this.drainRemaining > 0 || this.drainStartsAt(this.lastCycle + 1) ? WRITES : READS;
    for (let w = 0; w < this.words; w++) if (this.movableBits[q * this.words + w] !== 0) return true;
    return false;
  }

  /** Puts `req` at the back of queue `q` (READS or WRITES). */
  private wait(req: MemRequest, q: number): void {
    const i = req.bankIndex;
    this.waiting[q * this.banks.length + i]!.push(req);
    this.queued[q]!++;
    if (this.banks[i]!.queue.length < this.config.commandQueueDepth) this.movableBits[q * this.words + (i >> 5)]! |= 1 << (i & 31);
  }

  /** Bank `i`'s command queue became full (or has room again): its waiting transactions stop (or start) being movable. */
  private bankFull(i: number, full: boolean): void {
    const bit = 1 << (i & 31);
    for (let q = READS; q <= WRITES; q++) {
      const k = q * this.words + (i >> 5);
      if (full) this.movableBits[k]! &= ~bit;
      else if (this.waiting[q * this.banks.length + i]!.length > 0) this.movableBits[k]! |= bit;
    }
  }

  /**
   * Next cycle at which refresh needs attention: a due time not yet reached, or the earliest next step of a
   * refresh already pending (whose due time has passed: counting it would wake the controller every cycle until
   * the refresh issues, with nothing to do).
   */
  private refreshWakeCycle(c: number): number {
    let t = Infinity;
    for (let r = 0; r < this.refreshDue.length; r++) {
      const e = this.refreshPending[r] ? this.nextRefreshStep(r) : this.refreshDue[r]!;
      if (e < t) t = e;
    }
    if (this.perBankRefreshDue !== Infinity) {
      const e = this.banks[this.perBankRefreshNext]!.refreshPending ? this.nextPerBankRefreshStep() : this.perBankRefreshDue;
      if (e < t) t = e;
    }
    return Math.max(t, c + 1);
  }
}

function removeAt<T>(a: T[], i: number): T {
  const v = a[i]!;
  for (let k = i; k < a.length - 1; k++) a[k] = a[k + 1]!;
  a.pop();
  return v;
}
