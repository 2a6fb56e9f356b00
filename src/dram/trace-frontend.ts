import type { Component, Simulator } from '../kernel/simulator.ts';
import type { MemoryClient, MemorySystem } from './memory-system.ts';
import type { MemRequest } from './request.ts';
import type { MemTrace } from './trace.ts';

/** How a trace is offered to the memory system. */
export type FrontendKind = 'in-order' | 'dramsim3';

/**
 * Replays a trace into a memory system, in file order. A request is offered once its cycle has come; when
 * its controller's queue is full it waits and blocks the requests behind it. `in-order` offers as many
 * requests per cycle as the controllers accept; `dramsim3` offers at most one per memory cycle, as
 * DRAMsim3's trace-driven CPU does.
 */
export class TraceFrontend implements Component, MemoryClient {
  readonly name = 'trace-frontend';
  private next = 0;
  private handle = -1;
  private outstanding = 0;
  private lastCycle = -1;
  private sentInCycle = 0;
  /** Latest completion cycle seen. */
  lastDoneCycle = 0;
  /** Cycle at which every request had completed (set once the trace drains). */
  drainedAtCycle = -1;

  constructor(
    private readonly sim: Simulator,
    private readonly memory: MemorySystem,
    private readonly trace: MemTrace,
    private readonly kind: FrontendKind,
    /** Stop the kernel once the trace drains (false when a fixed cycle window is simulated). */
    private readonly stopWhenDrained: boolean,
  ) {
    memory.client = this;
    this.handle = sim.add(this);
    sim.wakeAt(this.handle, (trace.length > 0 ? trace.cycle[0]! : 0) * memory.clock.periodPs);
  }

  /** Requests handed to the memory system so far. */
  get offered(): number {
    return this.next;
  }

  wake(nowPs: number): void {
    const period = this.memory.clock.periodPs;
    const c = Math.round(nowPs / period);
    const t = this.trace;
    const limit = this.kind === 'dramsim3' ? 1 : Infinity;
    if (c !== this.lastCycle) {
      this.lastCycle = c;
      this.sentInCycle = 0;
    }
    while (this.next < t.length && this.sentInCycle < limit) {
      if (t.cycle[this.next]! > c) {
        this.sim.wakeAt(this.handle, t.cycle[this.next]! * period);
        return;
      }
      const addr = t.addr[this.next]!;
      const w = t.isWrite[this.next] === 1;
      this.outstanding++;
      if (!this.memory.trySubmit(addr, w, c)) {
        this.outstanding--;
        return; // woken again by onSpace
      }
      this.next++;
      this.sentInCycle++;
    }
    if (this.next < t.length) this.sim.wakeAt(this.handle, (c + 1) * period);
  }

  onSpace(_channel: number, cycle: number): void {
    if (this.next < this.trace.length) this.sim.wakeNoLaterThan(this.handle, cycle * this.memory.clock.periodPs);
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
