import { DOUBLE_FIELD } from './double-field.ts';
import { EventQueue } from './event-queue.ts';

/** Anything the kernel can wake: it acts at `nowPs` and schedules its own next wake-up. */
export interface Component {
  readonly name: string;
  wake(nowPs: number): void;
}

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
    return this.components.length - 1;
  }

  /** Schedules the wake-up of `handle` at `timePs`, replacing any pending one. */
  wakeAt(handle: number, timePs: number): void {
    if (!(timePs >= this.nowPs) || !Number.isInteger(timePs)) {
      throw new RangeError(`kernel: wake-up of '${this.components[handle]?.name}' at ${timePs} ps, now is ${this.nowPs} ps`);
    }
    const token = ++this.tokens[handle]!;
    this.pendingPs[handle] = timePs;
    this.queue.push(timePs, handle, token);
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
