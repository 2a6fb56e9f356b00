import { invariant, StrataError } from '../spec/errors.ts';
import type { CommandLog } from '../dram/command-log.ts';
import { Bank } from '../dram/bank.ts';
import { REF } from '../dram/commands.ts';
import { Refresh } from '../dram/controller/refresh.ts';
import type { DramStandard } from '../dram/standard.ts';
import { TimingState } from '../dram/timing-state.ts';
import { AllBankTiming } from './all-bank-timing.ts';
import { Float64Slab, MARK, type ProgramMemo, type Segment } from './program-memo.ts';
import type { Component, Simulator } from '../kernel/simulator.ts';
import type { WorkNode, WorkRunner, WorkSchedule } from './work-node.ts';

/** One step of a PIM program: `count` back-to-back issues of command `cmd` (index in the standard's vocabulary) on `row`. */
export interface PimStep {
  readonly cmd: number;
  readonly row: number;
  readonly count: number;
}

/** What running a program on one channel took. */
export interface PimChannelRun {
  /** Cycle (of the DRAM clock) at which the program's last command issued and its last data returned. */
  readonly lastIssueCycle: number;
  readonly endCycle: number;
  /** Commands issued, by command index (refreshes included). */
  readonly commandCounts: Float64Array;
  /**
   * The channel's timeline from its first command to endCycle, split by the command each stretch follows:
   * the cycles after an ACT16 until the next command are activation time, after a MAC16 MAC time, and so
   * on (the last command also owns the wait for its data). Sums to endCycle - first issue cycle.
   */
  readonly cyclesAfter: Float64Array;
}

/**
 * Issues a PIM command program on a fresh channel, in order, each command at the earliest cycle the standard's
 * constraint table allows (the same TimingState the memory controller uses) and at most one command per
 * cycle: one job of a PimChannelSequencer (below), whose input is there from the start, so refresh is the
 * sequencer's (an all-bank REF before the next row activation once tREFI has passed). Reads of results return
 * CL + tBURST after their command. An empty program issues nothing and ends at cycle 1.
 */
export function runPimProgram(std: DramStandard, program: readonly PimStep[], opts: { log?: CommandLog; refresh?: boolean } = {}): PimChannelRun {
  if (program.length === 0) {
    const none = new Float64Array(std.commandNames.length);
    return { lastIssueCycle: 0, endCycle: 1, commandCounts: none, cyclesAfter: new Float64Array(std.commandNames.length) };
  }
  const job = new PimChannelSequencer(std, { log: opts.log, refresh: opts.refresh, prefetch: false }).runJob(program, 0);
  return { lastIssueCycle: job.lastIssueCycle, endCycle: job.endCycle, commandCounts: job.commandCounts, cyclesAfter: job.cyclesAfter };
}

/** What one job (a program run on a channel that keeps its state from job to job) took, in channel cycles. */
export interface PimJobRun {
  /** First command of the job (a refresh it had to issue included), last command, and when its last result returned. */
  readonly firstIssueCycle: number;
  readonly lastIssueCycle: number;
  readonly endCycle: number;
  /** Commands the job issued by command index (refreshes inside it included), and its timeline by the command each stretch follows (sums to endCycle - firstIssueCycle). */
  readonly commandCounts: Float64Array;
  readonly cyclesAfter: Float64Array;
}

/** Options of a persistent PIM channel. */
export interface PimChannelOptions {
  /** Reuse simulated program segments (exact, src/pim/program-memo.ts); false issues every command through TimingState. */
  readonly memo?: ProgramMemo | null;
  /** Insert refresh (default true). */
  readonly refresh?: boolean;
  /** Record every command (only without memo: reused segments are not replayed command by command). */
  readonly log?: CommandLog;
  /** Issue a program's steps before its first global-buffer write before its input arrives (default true). */
  readonly prefetch?: boolean;
}

/**
 * One PIM channel's command sequencer with state that persists from job to job: its timing state, its refresh
 * schedule (one all-bank refresh per tREFI) and its cursor. A job is a program plus the cycle its input arrives:
 * the steps before the program's first global-buffer write (the first row activation, which needs no data) may
 * issue as soon as the channel is free; the write and everything after it wait for the input. Refreshes that
 * fall due before a job's input arrives are issued while the channel waits; during a job, one is inserted before
 * the next row activation once due (as runPimProgram does). Commands issue in order, one per cycle, each at the
 * earliest cycle the constraint table allows.
 *
 * The refresh schedule is the DRAM controller's Refresh part (src/dram/controller/refresh.ts: all-bank, every
 * tREFI from tREFI, closing a rank with one PREA), over the channel's Bank objects and the same TimingState the
 * commands go through. The sequencer consults it only before a row activation and between jobs, where every
 * program has closed its rows (each row's work ends with a PREA: src/systems/pim-gpt/gemv.ts), so the banks stay
 * precharged here, the part's next step is REF (checked), and a refresh the part marks due is issued at once: none
 * is ever left pending from one call to the next. A channel has one rank (all-bank commands act on rank 0;
 * src/systems/pim-gpt/gemv.ts spreads rows over one rank's banks).
 *
 * Two implementations of the same behaviour: without a memo every command goes through TimingState (the
 * controller's), with one the channel replays memoised segments on an AllBankTiming state; both give the same
 * cycles (tested).
 */
export class PimChannelSequencer {
  /** Refreshes issued while waiting between jobs (the ones inside jobs are in their counts). */
  idleRefreshes = 0;
  /** Next cycle a command may issue. */
  cursor = 0;
  /** The refresh schedule (the controller's part; 'none' without refresh). */
  private readonly refresh: Refresh;
  private readonly act16: number;
  private readonly wrgb: number;
  private readonly rdmac16: number;
  private readonly readDelay: number;
  private readonly prefetch: boolean;
  private readonly memo: ProgramMemo | null;
  private readonly log: CommandLog | undefined;
  private readonly full: TimingState | null;
  private readonly fast: AllBankTiming | null;
  private readonly scratch: Float64Array;
  private readonly nc: number;
  /** Where the per-job arrays come from (a speed hack: see Float64Slab). */
  private readonly slab = new Float64Slab();
  // Per-job accumulators.
  private counts: Float64Array;
  private after: Float64Array;
  private first = -1;
  private last = -1;
  private lastCmd = -1;
  private end = -Infinity;

  constructor(private readonly std: DramStandard, opts: PimChannelOptions = {}) {
    this.nc = std.commandNames.length;
    this.act16 = std.commandNames.indexOf('ACT16');
    this.wrgb = std.commandNames.indexOf('WRGB');
    this.rdmac16 = std.commandNames.indexOf('RDMAC16');
    invariant(this.act16 >= 0 && this.wrgb >= 0 && this.rdmac16 >= 0, 'a PIM standard defines ACT16, WRGB and RDMAC16');
    this.readDelay = std.timing.CL! + std.timing.tBURST!;
    this.prefetch = opts.prefetch !== false;
    this.memo = opts.memo ?? null;
    invariant(!(this.memo && opts.log), 'a command log needs the command-by-command channel (no memo)');
    this.log = opts.log;
    this.full = this.memo ? null : new TimingState(std);
    this.fast = this.memo ? new AllBankTiming(std) : null;
    const o = std.organization;
    if (o.ranks !== 1) throw new StrataError(`${std.name}: organization.ranks is ${o.ranks}; a PIM-GPT channel program addresses one rank (expected 1)`);
    const banks: Bank[] = [];
    for (let i = 0; i < o.bankGroups * o.banksPerGroup; i++) banks.push(new Bank(0, Math.floor(i / o.banksPerGroup), i % o.banksPerGroup, i, Math.floor(i / o.banksPerGroup)));
    this.refresh = new Refresh(std, opts.refresh !== false ? 'all-bank' : 'none', banks, this.full ?? this.fast!.timing, NO_LISTENER, { simultaneous: true, closeWithPrea: true });
    this.scratch = new Float64Array(this.fast ? this.fast.stateLength : 0);
    this.counts = new Float64Array(this.nc);
    this.after = new Float64Array(this.nc);
  }

  /**
   * A key of everything that decides how this channel runs future jobs (cursor, refresh schedule, timing state
   * relative to the cursor); null without a memo (TimingState cannot be compared). Channels with equal keys
   * given equal jobs with equal inputs run them identically.
   */
  stateKey(): string | null {
    if (!this.fast) return null;
    this.fast.snapshot(this.cursor, this.scratch);
    return `${this.cursor}|${this.refresh.dueCycle(0)}|${this.scratch.join(',')}`;
  }

  /** Takes over another channel's state (one whose jobs this channel also ran, identically); counts `idleRefreshes` it issued meanwhile. */
  copyStateFrom(other: PimChannelSequencer, idleRefreshes: number): void {
    invariant(this.fast !== null && other.fast !== null, 'only memoised channels copy state');
    this.cursor = other.cursor;
    this.refresh.copyFrom(other.refresh);
    this.fast.copyFrom(other.fast);
    this.idleRefreshes += idleRefreshes;
  }

  private earliest(cmd: number): number {
    return this.full ? this.full.earliestCycle(cmd, 0, 0, 0) : this.fast!.earliestCycle(cmd);
  }

  /** Issues one command at the earliest legal cycle at or after the cursor. */
  private issueOne(cmd: number, row: number): void {
    this.issueAt(cmd, row, Math.max(this.cursor, this.earliest(cmd)));
  }

  /** Issues `cmd` at cycle `c` (legal, at or after the cursor). */
  private issueAt(cmd: number, row: number, c: number): void {
    if (this.full) this.full.issue(cmd, c, 0, 0, 0);
    else this.fast!.issue(cmd, c);
    this.log?.push(c, cmd, 0, 0, 0, row, -1);
    this.counts[cmd]!++;
    if (this.lastCmd >= 0) this.after[this.lastCmd]! += c - this.last;
    if (this.first < 0) this.first = c;
    if (cmd === this.rdmac16 && c + this.readDelay > this.end) this.end = c + this.readDelay;
    this.last = c;
    this.lastCmd = cmd;
    this.cursor = c + 1;
  }

  /**
   * Runs `program` from the channel's cursor, its data-dependent steps not before `inputCycle`; returns the job's
   * timeline. The channel is then free from the returned lastIssueCycle + 1.
   */
  runJob(program: readonly PimStep[], inputCycle: number): PimJobRun {
    this.counts = this.slab.take(this.nc);
    this.after = this.slab.take(this.nc);
    this.first = -1;
    this.last = -1;
    this.lastCmd = -1;
    this.end = -Infinity;
    // Refreshes due before the input arrives are issued while the channel waits for it.
    for (let due = this.refresh.dueCycle(0); due <= Math.max(this.cursor, inputCycle); due = this.refresh.dueCycle(0)) {
      const from = Math.max(this.cursor, due);
      this.refresh.update(from);
      const c = this.refreshStep(from);
      if (this.full) this.full.issue(REF, c, 0, 0, 0);
      else this.fast!.issue(REF, c);
      this.log?.push(c, REF, 0, 0, 0, -1, -1);
      this.idleRefreshes++;
      this.cursor = c + 1;
      this.refresh.issued(REF, this.refresh.bank!);
    }
    // The steps before the first global-buffer write (all of them without one) need no input; a loop, not findIndex
    // with a closure, in this per-job path.
    let w = 0;
    if (this.prefetch) while (w < program.length && program[w]!.cmd !== this.wrgb) w++;
    this.runRange(program, 0, w);
    this.cursor = Math.max(this.cursor, inputCycle);
    this.runRange(program, w, program.length);
    invariant(this.lastCmd >= 0, 'a PIM job issues at least one command');
    const endCycle = Math.max(this.end, this.last + 1);
    this.after[this.lastCmd]! += endCycle - this.last;
    return { firstIssueCycle: this.first, lastIssueCycle: this.last, endCycle, commandCounts: this.counts, cyclesAfter: this.after };
  }

  /** Refresh before the ACT16 step at `cursor`? (The part marks the refresh due by then pending.) */
  private refreshNow(cursor: number): boolean {
    this.refresh.update(cursor);
    return this.refresh.pendingCount > 0;
  }

  /** The cycle at or after `from` at which the pending refresh's REF can issue (the rows are closed here). */
  private refreshStep(from: number): number {
    const c = this.refresh.earliest(from);
    invariant(this.refresh.command === REF, 'a PIM channel refreshes only between rows, with its banks precharged');
    return c;
  }

  /** Issues the pending refresh as part of the job (before an ACT16 step). */
  private insertRefresh(): void {
    this.issueAt(REF, -1, this.refreshStep(this.cursor));
    this.refresh.issued(REF, this.refresh.bank!);
  }

  private runRange(program: readonly PimStep[], from: number, to: number): void {
    if (from >= to) return;
    if (!this.memo) {
      for (let s = from; s < to; s++) {
        const step = program[s]!;
        if (step.cmd === this.act16 && this.refreshNow(this.cursor)) this.insertRefresh();
        for (let i = 0; i < step.count; i++) this.issueOne(step.cmd, step.row);
      }
      return;
    }
    const fast = this.fast!;
    let pos = from;
    let skipStep = -1;
    while (pos < to) {
      const base = this.cursor;
      fast.snapshot(base, this.scratch);
      // Simulated (or kept) as far as the first activation where a refresh is due, or to its end.
      const due = this.refresh.dueCycle(0) - base;
      const seg = this.memo.segment(program, pos, to, this.scratch, due);
      const cut = due !== Infinity ? firstDue(seg, due, skipStep) : -1;
      const m = cut >= 0 ? cut : seg.final;
      invariant(m >= 0, 'a segment is simulated to a due mark or to its end');
      this.apply(seg, m, base);
      fast.restore(seg.data, base, seg.at(m) + MARK.state);
      this.cursor = base + seg.cursorAt(m);
      if (cut < 0) break;
      invariant(this.refreshNow(this.cursor), 'a segment is cut where a refresh is due');
      this.insertRefresh();
      pos = seg.stepAt(cut);
      skipStep = pos;
    }
  }

  /** Adds the part of segment `seg` before its mark `m` (the segment started at cycle `base`) to the job. */
  private apply(seg: Segment, m: number, base: number): void {
    const d = seg.data;
    const o = seg.at(m);
    const first = d[o + MARK.first]!;
    if (first < 0) return;
    if (this.lastCmd >= 0) this.after[this.lastCmd]! += base + first - this.last;
    if (this.first < 0) this.first = base + first;
    const nc = this.nc;
    const c = o + MARK.state + this.fast!.stateLength;
    for (let i = 0; i < nc; i++) {
      this.counts[i]! += d[c + i]!;
      this.after[i]! += d[c + nc + i]!;
    }
    this.last = base + d[o + MARK.last]!;
    this.lastCmd = d[o + MARK.lastCmd]!;
    const end = base + d[o + MARK.end]!;
    if (end > this.end) this.end = end;
  }
}

/** Refresh's listener: the sequencer has no scheduler to tell of a bank's change. */
const NO_LISTENER = { bankChanged: (): void => {} };

/**
 * The first mark at which a refresh is due (its cursor at or past `dueCursor`), other than the one at `skipStep`.
 * Marks come in program order and a cursor never moves back, so their cursors do not decrease: a binary search finds
 * the first due mark in a log of the marks' count. Only the first mark of a segment
 * can be at `skipStep` (the step the segment starts at), and the mark after it is due too. -1 where no mark is due.
 */
function firstDue(seg: Segment, dueCursor: number, skipStep: number): number {
  let lo = 0;
  let hi = seg.marks;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (seg.cursorAt(mid) >= dueCursor) hi = mid;
    else lo = mid + 1;
  }
  if (lo < seg.marks && seg.stepAt(lo) === skipStep) lo++;
  return lo < seg.marks ? lo : -1;
}

/**
 * A PIM channel as a kernel component: runs the PIM nodes of token graphs assigned to it, in the order they were
 * queued (the ASIC issues each channel's programs in order). A node starts once its inputs are known to arrive;
 * its data-independent first activation may have issued earlier, while the channel waited (see
 * PimChannelSequencer). Time in the channel is cycles of its DRAM clock; the kernel sees picoseconds.
 */
export class PimChannel implements Component, WorkRunner {
  readonly name: string;
  private readonly handle: number;
  private readonly queue: WorkNode[] = [];
  private head = 0;
  private running: WorkNode | null = null;
  private graph: WorkSchedule | null = null;
  /** The node that last used the channel, and the cycle after its last command. */
  private lastNode = -1;

  constructor(private readonly sim: Simulator, readonly index: number, readonly sequencer: PimChannelSequencer, private readonly tCKPs: number) {
    this.name = `pim.ch${index}`;
    this.handle = sim.add(this);
  }

  /** Queues a node of `graph` on this channel (in graph order). */
  enqueue(graph: WorkSchedule, node: WorkNode): void {
    if (this.graph !== graph) {
      invariant(this.head === this.queue.length && !this.running, 'a PIM channel finishes one token graph before the next');
      this.graph = graph;
      this.queue.length = 0;
      this.head = 0;
      this.lastNode = -1;
    }
    this.queue.push(node);
  }

  /**
   * Forgets the token graph it ran, once the token is done. A channel that stands for others (PimGptMachine groups
   * channels that run identically) is given no node in later tokens, and it kept its last graph, with every node, op
   * and job of that token, alive until it ran again: at a gpt2-xl generation's 100th token about 20 tokens' graphs
   * were alive (a heap snapshot), and the garbage collector copied them from young space before promoting them.
   */
  release(): void {
    invariant(!this.running && this.head === this.queue.length, 'a PIM channel is released after its token finished');
    this.graph = null;
    this.queue.length = 0;
    this.head = 0;
    this.lastNode = -1;
  }

  nodeReady(): void {
    this.sim.wakeNoLaterThan(this.handle, this.sim.nowPs);
  }

  wake(nowPs: number): void {
    if (this.running) {
      if (nowPs < this.running.endPs) {
        this.sim.wakeAt(this.handle, this.running.endPs);
        return;
      }
      const done = this.running;
      this.running = null;
      this.graph!.finish(done, done.endPs);
    }
    const node = this.queue[this.head];
    if (!node || node.remaining > 0) return;
    this.head++;
    const freePs = this.sequencer.cursor * this.tCKPs;
    node.unitFreePs = freePs;
    node.unitFrom = this.lastNode;
    const job = this.sequencer.runJob(node.program!, Math.ceil(node.readyPs / this.tCKPs));
    node.job = job;
    node.startPs = job.firstIssueCycle * this.tCKPs;
    node.endPs = job.endCycle * this.tCKPs;
    invariant(node.endPs >= nowPs, 'a PIM job ends after its input arrived');
    this.lastNode = node.index;
    this.running = node;
    this.sim.wakeAt(this.handle, node.endPs);
  }
}
