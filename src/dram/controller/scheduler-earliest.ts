import type { Bank } from '../bank.ts';
import * as commands from '../commands.ts';
import type { DramStandard } from '../standard.ts';
import type { TimingState } from '../timing-state.ts';

// Speed hack: module-local copies of imported constants (why: controller.ts).
const { ACT, PRE, RD, WR } = commands;

/** Ordinary requests of one channel in arrival order, as parallel typed arrays (what the policy reads of them). */
export interface QueuedRequests {
  readonly length: number;
  /** Cycle from which the request may be served. */
  readonly arrival: Float64Array;
  readonly write: Uint8Array;
  readonly rank: Uint8Array;
  readonly bankGroup: Uint8Array;
  readonly bank: Uint8Array;
  readonly row: Int32Array;
}

/** Which class arbitrate chose. */
export const NO_CLASS = -1;
export const REFRESH_CLASS = 0;
export const PRIORITY_CLASS = 1;
export const ORDINARY_CLASS = 2;

/**
 * The scheduling policy of a channel that issues one command per step at the earliest cycle any candidate is
 * legal, so that simulated time jumps over idle stretches (the NeuPIMs dual-row-buffer channel,
 * src/pim/dual-buffer-channel.ts), beside the cycle-by-cycle FR-FCFS/FCFS of scheduler.ts.
 *
 * - Ordinary requests: FR-FCFS (Rixner et al., ISCA 2000) over a transaction queue of `depth` entries filled in
 *   arrival order, open page: a bank's open row is precharged only when no queued request hits it. The candidate
 *   is the command legal earliest (the standard's constraint table, TimingState), a row hit on a tie, the older
 *   request on a further tie.
 * - A priority class (the PIM program) beside them: an ordinary command is held back, to just after the priority
 *   command, when the constraint table says it would push that command later (`guard`).
 * - Between the classes (arbitrate): the earliest goes; ties to refresh, then the priority class, then ordinary.
 *
 * Contract: pick only chooses (it changes nothing but the queue's fill and its outputs); the channel issues the
 * command, keeps the Bank objects' open rows, and reports a served request with served.
 */
export class EarliestFirstScheduler {
  /** Output of pick: the command and the request (index into the requests) it serves. */
  command = 0;
  request = -1;
  /** Whether the picked command is a row hit (RD or WR). */
  hit = false;
  private readonly queue: Int32Array;
  private queued = 0;
  private nextRequest = 0;
  /** Per bank: 1 while a queued request hits its open row (set and cleared within pick). */
  private readonly hitPending: Uint8Array;
  /** Earliest cycle per (bank, RD/WR/ACT/PRE), memoised within one pick: queued requests of a tile share a bank. */
  private readonly memoPick: Float64Array;
  private readonly memoCycle: Float64Array;
  private picks = 0;
  /** guard[y * nc + x]: how far command y must stay ahead of a priority command x (largest distance of any rule y -> x). */
  private readonly guard: Int32Array;
  private readonly nc: number;
  private readonly bankGroups: number;
  private readonly banksPerGroup: number;

  constructor(
    std: DramStandard,
    private readonly banks: readonly Bank[],
    private readonly timing: TimingState,
    private readonly requests: QueuedRequests,
    private readonly depth: number,
  ) {
    const nc = (this.nc = std.commandNames.length);
    this.guard = new Int32Array(nc * nc);
    for (const r of std.rules) this.guard[r.prev * nc + r.next] = Math.max(this.guard[r.prev * nc + r.next]!, r.cycles);
    this.queue = new Int32Array(depth);
    this.hitPending = new Uint8Array(banks.length);
    this.memoPick = new Float64Array(banks.length * 4).fill(-1);
    this.memoCycle = new Float64Array(banks.length * 4);
    this.bankGroups = std.organization.bankGroups;
    this.banksPerGroup = std.organization.banksPerGroup;
  }

  /**
   * The ordinary command legal earliest at or after `from` (sets command, request and hit) and its cycle, or
   * Infinity. `hold`: a bank left alone (-1: none); candidates at or after `until` are dropped (a single row buffer
   * blocks ordinary requests once the PIM program starts); `priorityCmd` (-1: none) at `priorityCycle` is the
   * command the guard protects.
   */
  pick(from: number, hold: number, until: number, priorityCmd: number, priorityCycle: number): number {
    const rq = this.requests;
    const banks = this.banks;
    const ts = this.timing;
    const queue = this.queue;
    const hitPending = this.hitPending;
    const pickNo = ++this.picks;
    this.request = -1;
    this.hit = false;
    while (this.queued < this.depth && this.nextRequest < rq.length) queue[this.queued++] = this.nextRequest++;
    const n = this.queued;
    for (let q = 0; q < n; q++) {
      const i = queue[q]!;
      const b = this.bankIndex(i);
      if (banks[b]!.openRow === rq.row[i]) hitPending[b] = 1;
    }
    let best = Infinity;
    for (let q = 0; q < n; q++) {
      const i = queue[q]!;
      const b = this.bankIndex(i);
      if (b === hold) continue;
      const open = banks[b]!.openRow;
      let cmd: number;
      if (open === rq.row[i]) cmd = rq.write[i] ? WR : RD;
      else if (open === -1) cmd = ACT;
      else cmd = hitPending[b] ? -1 : PRE;
      if (cmd < 0) continue;
      const m = b * 4 + (cmd === RD ? 0 : cmd === WR ? 1 : cmd === ACT ? 2 : 3);
      if (this.memoPick[m] !== pickNo) {
        this.memoPick[m] = pickNo;
        this.memoCycle[m] = ts.earliestCycle(cmd, rq.rank[i]!, rq.bankGroup[i]!, rq.bank[i]!);
      }
      let c = Math.max(from, rq.arrival[i]!, this.memoCycle[m]!);
      if (c >= until) continue;
      if (priorityCmd >= 0 && c + this.guard[cmd * this.nc + priorityCmd]! > priorityCycle) c = priorityCycle + 1; // would delay the priority command: after it
      const hit = cmd === RD || cmd === WR;
      if (c < best || (c === best && hit && !this.hit)) {
        best = c;
        this.command = cmd;
        this.request = i;
        this.hit = hit;
      }
    }
    for (let q = 0; q < n; q++) hitPending[this.bankIndex(queue[q]!)] = 0;
    return best;
  }

  /** Request `i` (a queued one) was served: it leaves the queue. */
  served(i: number): void {
    const queue = this.queue;
    for (let q = 0; q < this.queued; q++) {
      if (queue[q] === i) {
        queue.copyWithin(q, q + 1, this.queued);
        this.queued--;
        return;
      }
    }
  }

  /**
   * The class whose command goes: the earliest of refresh, priority and ordinary (each Infinity when it has none);
   * ties to refresh, then priority, then ordinary; NO_CLASS when none has a command.
   */
  static arbitrate(refreshCycle: number, priorityCycle: number, ordinaryCycle: number): number {
    let kind = NO_CLASS;
    let c = Infinity;
    if (refreshCycle < c) { c = refreshCycle; kind = REFRESH_CLASS; }
    if (priorityCycle < c) { c = priorityCycle; kind = PRIORITY_CLASS; }
    if (ordinaryCycle < c) kind = ORDINARY_CLASS;
    return kind;
  }

  private bankIndex(i: number): number {
    const rq = this.requests;
    return (rq.rank[i]! * this.bankGroups + rq.bankGroup[i]!) * this.banksPerGroup + rq.bank[i]!;
  }
}
