import { Simulator, type Component } from '../kernel/simulator.ts';
import { StrataError } from '../spec/errors.ts';
import { MemorySystem, type MemoryClient } from './memory-system.ts';
import type { LoadStoreTrace } from './ramulator2-run.ts';
import { bytesPerRequest, type ControllerSpec, type DramStandard } from './standard.ts';

/**
 * Strata's own controller (src/dram/controller.ts) run with Ramulator 2's front end, so that its results stand beside
 * a Ramulator 2 run of the same trace (docs/validation.md, "Strata's own controller on Ramulator's runs").
 */

/** The outcome of such a run, in the quantities Ramulator 2's key_stats give. */
export interface StrataOnRamulator2Result {
  readonly standard: DramStandard;
  readonly controller: ControllerSpec;
  readonly traceOrigin: string;
  readonly requests: number;
  /** Memory cycles (tCK) until the last request was accepted, that cycle included. */
  readonly cycles: number;
  /** Bytes per request: one burst of the channel (64 B DDR4/DDR5, 32 B HBM3/LPDDR5). */
  readonly requestBytes: number;
  /** Requests whose column command had issued when the run stopped (Ramulator's reads_served + writes_served). */
  readonly readsServed: number;
  readonly writesServed: number;
  /** Mean of (data end - arrival) over the served reads, in memory cycles (null when none). */
  readonly meanReadLatencyCycles: number | null;
  /** Requests at their first command that found their row open, closed, or another row open. */
  readonly rowHits: number;
  readonly rowMisses: number;
  readonly rowConflicts: number;
  /** Commands issued by the end, by Strata command name, over all channels. */
  readonly commands: Readonly<Record<string, number>>;
  /** Served requests x bytes per request over the run's time (cycles x tCK), GB/s. */
  readonly bandwidthGBps: number;
}

/**
 * Ramulator 2's LoadStoreTrace front end in front of Strata's memory system: the next request is offered once per
 * controller tick (`perCycle` ticks per memory cycle), a full queue makes it wait (it goes at the cycle the controller frees a slot, after that
 * controller's actions, so the controller sees it from the next cycle: the tick after, as in Ramulator, where the
 * front end offers before the controller ticks), and the run stops on the cycle the last request is accepted.
 */
class OnePerCycleFrontend implements Component, MemoryClient {
  readonly name = 'ramulator2-frontend';
  private next = 0;
  private lastCycle = -1;
  /** Requests handed over in `lastCycle`. */
  private inLastCycle = 0;
  private blockedOn = -1;
  private readonly handle: number;
  /** Cycle the last request was accepted (-1 until then). */
  endCycle = -1;

  constructor(
    private readonly sim: Simulator,
    private readonly memory: MemorySystem,
    private readonly trace: LoadStoreTrace,
    private readonly perCycle: number,
  ) {
    memory.client = this;
    this.handle = sim.add(this);
    sim.wakeAt(this.handle, 0);
  }

  wake(nowPs: number): void {
    this.advance(Math.round(nowPs / this.memory.clock.periodPs));
  }

  private advance(c: number): void {
    this.blockedOn = -1;
    const t = this.trace;
    while (this.next < t.length) {
      // At most `perCycle` requests in one cycle: the one-per-tick front end of a controller ticking that often.
      const at = Math.max(c, this.inLastCycle >= this.perCycle ? this.lastCycle + 1 : this.lastCycle);
      if (!this.memory.trySubmit(t.addr[this.next]!, t.isWrite[this.next] === 1, at)) {
        this.blockedOn = this.memory.channelOf(t.addr[this.next]!);
        return;
      }
      this.inLastCycle = at === this.lastCycle ? this.inLastCycle + 1 : 1;
      this.lastCycle = at;
      if (++this.next === t.length) {
        this.endCycle = at;
        this.sim.stop();
        return;
      }
    }
  }

  onSpace(channel: number, cycle: number): void {
    if (channel === this.blockedOn) this.advance(cycle);
  }

  onComplete(): void {}
}

/**
 * Runs a LoadStoreTrace (byte addresses, no times) through Strata's memory system with Ramulator 2's front end
 * semantics (shared/reference/ramulator2/README.md): one request offered per controller tick, so `ticksPerCycle`
 * per memory cycle (2 for HBM3, whose Ramulator controller ticks at half a CK), the run ending on the cycle the
 * last one is accepted, with no drain. A request counts as served once its column command has issued, as
 * Ramulator's reads_served and writes_served count them.
 */
export function runStrataOnRamulator2Trace(standard: DramStandard, controller: ControllerSpec, trace: LoadStoreTrace, ticksPerCycle = 1): StrataOnRamulator2Result {
  if (!Number.isInteger(ticksPerCycle) || ticksPerCycle < 1) throw new StrataError(`ticks per memory cycle: expected a positive integer, got ${ticksPerCycle}`);
  if (trace.length === 0) throw new StrataError(`${trace.origin}: the trace holds no requests`);
  const sim = new Simulator();
  const memory = new MemorySystem(sim, standard, controller);
  for (let i = 0; i < trace.length; i++) {
    if (trace.addr[i]! >= memory.mapping.capacityBytes) {
      throw new StrataError(`${trace.origin}: request ${i + 1} (address ${trace.addr[i]}) is beyond ${standard.name}'s capacity of ${memory.mapping.capacityBytes} bytes under mapping '${memory.mapping.text}'`);
    }
  }
  const fe = new OnePerCycleFrontend(sim, memory, trace, ticksPerCycle);
  const periodPs = memory.clock.periodPs;
  sim.run();
  if (fe.endCycle < 0) throw new Error('internal invariant broken: the kernel ran dry before the last request was accepted');
  // The rest of the last cycle's events (other channels, the accepting controller's own step).
  sim.run((fe.endCycle + 1) * periodPs);
  const cycles = fe.endCycle + 1;
  let readsServed = 0;
  let writesServed = 0;
  let readLatency = 0;
  let rowHits = 0;
  let rowMisses = 0;
  let rowConflicts = 0;
  const counts = new Float64Array(standard.commandNames.length);
  for (const ctrl of memory.controllers) {
    const s = ctrl.stats;
    for (let k = 0; k < s.count; k++) {
      if (s.isWrite[k] === 1) writesServed++;
      else {
        readsServed++;
        readLatency += s.latency[k]!;
      }
    }
    rowHits += s.rowHits;
    rowMisses += s.rowMisses;
    rowConflicts += s.rowConflicts;
    for (let k = 0; k < counts.length; k++) counts[k]! += s.commandCounts[k] ?? 0;
  }
  const commands: Record<string, number> = {};
  standard.commandNames.forEach((name, k) => (commands[name] = counts[k]!));
  const requestBytes = bytesPerRequest(standard);
  return {
    standard,
    controller,
    traceOrigin: trace.origin,
    requests: trace.length,
    cycles,
    requestBytes,
    readsServed,
    writesServed,
    meanReadLatencyCycles: readsServed > 0 ? readLatency / readsServed : null,
    rowHits,
    rowMisses,
    rowConflicts,
    commands,
    bandwidthGBps: ((readsServed + writesServed) * requestBytes) / ((cycles * standard.tCKPs) / 1000),
  };
}
