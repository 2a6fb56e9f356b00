import { DOUBLE_FIELD } from '../kernel/double-field.ts';
import type { Component, Simulator } from '../kernel/simulator.ts';
import type { MemoryClient, MemorySystem } from './memory-system.ts';
import type { MemRequest } from './request.ts';
import type { MemTrace } from './trace.ts';

/**
 * How a trace is offered to the memory system: `in-order`, as many requests per cycle as the controllers accept;
 * `dramsim3`, at most one per memory cycle, as DRAMsim3's trace-driven CPU does.
 */
export type FrontendKind = 'in-order' | 'dramsim3';

/**
 * Replays a trace into a memory system, in file order. A request is offered once its cycle has come, after the
 * controllers' actions of that cycle; when its controller's queue is full it waits and blocks the requests
 * behind it. `in-order` offers as many requests per cycle as the controllers accept; `dramsim3` offers at most
 * one per memory cycle, as DRAMsim3's trace-driven CPU does.
 *
 * The front end hands requests over ahead of their cycle while their queues have room: a controller's queue
 * only shrinks until the front end adds to it, so room now is room at the request's cycle, and the controller
 * sees the request from that cycle on. A blocked front end goes on when the controller that frees a slot calls
 * onSpace, so it needs no wake-ups of its own after the first.
 */
export class TraceFrontend implements Component, MemoryClient {
  readonly name = 'trace-frontend';
  private next = 0;
  private handle = -1;
  private outstanding = 0;
  /** Cycle of the last request handed over (-1 before the first). */
  private lastSubmitCycle = DOUBLE_FIELD;
  /** Requests handed over before `windowEndCycle` (hand-over cycles never decrease, so a count is enough). */
  private offeredInWindow = 0;
  /** Channel whose full queue blocks the next request (-1 when not blocked). */
  private blockedOn = -1;
  /** Latest completion cycle seen. */
  lastDoneCycle = DOUBLE_FIELD;
  /** Cycle at which every request had completed (set once the trace drains). */
  drainedAtCycle = DOUBLE_FIELD;

  constructor(
    private readonly sim: Simulator,
    private readonly memory: MemorySystem,
    private readonly trace: MemTrace,
    private readonly kind: FrontendKind,
    /** Stop the kernel once the trace drains (false when a fixed cycle window is simulated). */
    private readonly stopWhenDrained: boolean,
    /** End of the measured window, memory cycles: `offered()` counts the requests handed over before it. */
    private readonly windowEndCycle = Infinity,
  ) {
    // Cycles: double fields from the start (DOUBLE_FIELD says why), then their initial values.
    this.lastSubmitCycle = -1;
    this.lastDoneCycle = 0;
    this.drainedAtCycle = -1;
    memory.client = this;
    this.handle = sim.add(this);
    sim.wakeAt(this.handle, (trace.length > 0 ? trace.cycle[0]! : 0) * memory.clock.periodPs);
  }

  /** Requests handed to the memory system before the end of the measured window (all of them by default). */
  offered(): number {
    return this.offeredInWindow;
  }

  wake(nowPs: number): void {
    this.advance(Math.round(nowPs / this.memory.clock.periodPs));
  }

  /** Hands over requests, from cycle `c` on, until the trace ends or a full queue blocks one. */
  private advance(c: number): void {
    const t = this.trace;
    const gap = this.kind === 'dramsim3' ? 1 : 0;
    this.blockedOn = -1;
    while (this.next < t.length) {
      let s = t.cycle[this.next]!;
      if (s < c) s = c;
      if (s < this.lastSubmitCycle + gap) s = this.lastSubmitCycle + gap;
      this.outstanding++;
      if (!this.memory.trySubmit(t.addr[this.next]!, t.isWrite[this.next] === 1, s)) {
        this.outstanding--;
        this.blockedOn = this.memory.channelOf(t.addr[this.next]!);
        return; // goes on when that channel calls onSpace
      }
      if (s < this.windowEndCycle) this.offeredInWindow++;
      this.lastSubmitCycle = s;
      this.next++;
    }
  }

  /**
   * A controller freed a slot during its cycle `cycle`. The blocked request goes at that cycle, after the
   * controller's actions (handing it over now is exact: another controller whose queue is full until its own
   * actions of this cycle calls back here in turn).
   */
  onSpace(channel: number, cycle: number): void {
    if (channel === this.blockedOn) this.advance(cycle);
  }

  onComplete(_req: MemRequest, doneCycle: number): void {
    this.outstanding--;
    if (doneCycle > this.lastDoneCycle) this.lastDoneCycle = doneCycle;
    if (this.outstanding === 0 && this.next === this.trace.length) {
      this.drainedAtCycle = this.lastDoneCycle;
      if (this.stopWhenDrained) this.sim.stop();
    }
  }
}
