import { DOUBLE_FIELD } from './double-field.ts';
import { EventQueue } from './event-queue.ts';

/** Anything the kernel can wake: it acts at `nowPs` and schedules its own next wake-up. */
export interface Component {
  readonly name: string;
  wake(nowPs: number): void;
}

/**
 * Components up to which the kernel finds the next wake-up by a scan of the pending ones rather than through its
 * event queue. Speed hack: with one pending wake-up per component, a scan of a few of them costs less than a heap's
 * push and pop and leaves no stale entries behind (a DRAM run has a component per channel and the front end: 9 on
 * HBM2; bench/instructions.ts --pinned, 0.96-0.98x per request, docs/validation.md, sixth pass); the order is the
 * same, (time, the order the wake-ups were asked for). Past 16, a scan would cost about a heap's log2 steps twice
 * over, so larger systems (PIM channels by the dozen) keep the queue.
 */
const SCAN_LIMIT = 16;

/**
 * The event kernel: integer-picosecond time, events ordered by (time, insertion sequence), one pending
 * wake-up per component. Nothing ticks while idle; a component asks to be woken when it can next act.
 */
export class Simulator {
  /** Current simulated time in picoseconds. */
  nowPs = DOUBLE_FIELD;
  private readonly queue = new EventQueue();
  private readonly components: Component[] = [];
  /** Time of each component's pending wake-up (Infinity when none) and the token that marks it current. */
  private pendingPs: number[] = [];
  private tokens: number[] = [];
  /** While scanning (SCAN_LIMIT): the sequence number of each component's pending wake-up, and the next one. */
  private seqs: number[] = [];
  private nextSeq = 0;
  /** The next wake-up is found by a scan of pendingPs (few components), else through the event queue. */
  private scanning = true;
  private stopped = false;

  constructor() {
    // Picoseconds: a double field from the start (DOUBLE_FIELD says why), then time 0.
    this.nowPs = 0;
  }

  /** Registers a component and returns its handle. */
  add(component: Component): number {
    this.components.push(component);
    this.pendingPs.push(Infinity);
    this.tokens.push(0);
    this.seqs.push(0);
    if (this.scanning && this.components.length > SCAN_LIMIT) {
      // Too many to scan: the pending wake-ups enter the event queue in the order they were asked for, which the
      // queue's own sequence numbers then keep.
      this.scanning = false;
      const pending = this.components.map((_, h) => h).filter((h) => this.pendingPs[h] !== Infinity);
      pending.sort((a, b) => this.seqs[a]! - this.seqs[b]!);
      for (const h of pending) this.queue.push(this.pendingPs[h]!, h, this.tokens[h]!);
    }
    return this.components.length - 1;
  }

  /** Schedules the wake-up of `handle` at `timePs`, replacing any pending one. */
  wakeAt(handle: number, timePs: number): void {
    if (!(timePs >= this.nowPs) || !Number.isInteger(timePs)) {
      throw new RangeError(`kernel: wake-up of '${this.components[handle]?.name}' at ${timePs} ps, now is ${this.nowPs} ps`);
    }
    const token = ++this.tokens[handle]!;
    this.pendingPs[handle] = timePs;
    if (this.scanning) this.seqs[handle] = this.nextSeq++;
    else this.queue.push(timePs, handle, token);
  }

  /** Schedules a wake-up unless one is already pending at or before `timePs`. */
  wakeNoLaterThan(handle: number, timePs: number): void {
    if (this.pendingPs[handle]! > timePs) this.wakeAt(handle, timePs);
  }

  /** Cancels the pending wake-up of `handle`, if any. */
  cancel(handle: number): void {
    this.tokens[handle]!++;
    this.pendingPs[handle] = Infinity;
  }

  /** Time of the pending wake-up of `handle` (Infinity when none). */
  pendingWakePs(handle: number): number {
    return this.pendingPs[handle]!;
  }

  /** Stops `run` after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Runs events in order until none remain, `untilPs` is passed (events at `untilPs` do not run), or `stop`.
   * Returns true when it ended because of `stop` or an empty queue, false when it reached `untilPs` (so a caller
   * running in slices knows when to stop).
   */
  run(untilPs = Infinity): boolean {
    this.stopped = false;
    const q = this.queue;
    let ranDry = false;
    while (!this.stopped) {
      if (this.scanning) {
        // The pending wake-up with the earliest (time, sequence number): the event queue's order.
        const pending = this.pendingPs;
        const n = pending.length;
        let target = -1;
        let t = Infinity;
        for (let h = 0; h < n; h++) {
          const p = pending[h]!;
          if (p < t || (p === t && p !== Infinity && this.seqs[h]! < this.seqs[target]!)) {
            t = p;
            target = h;
          }
        }
        if (target < 0) {
          ranDry = true;
          break;
        }
        if (t >= untilPs) break;
        pending[target] = Infinity;
        this.nowPs = t;
        this.components[target]!.wake(t);
        continue;
      }
      const t = q.peekTime();
      if (t === Infinity) {
        ranDry = true;
        break;
      }
      if (t >= untilPs) break;
      const target = q.peekTarget();
      const token = q.peekToken();
      q.pop();
      if (token !== this.tokens[target]) continue;
      this.pendingPs[target] = Infinity;
      this.nowPs = t;
      this.components[target]!.wake(t);
    }
    if (untilPs !== Infinity && !this.stopped && this.nowPs < untilPs) this.nowPs = untilPs;
    return this.stopped || ranDry;
  }
}
