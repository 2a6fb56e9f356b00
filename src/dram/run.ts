import { Simulator } from '../kernel/simulator.ts';
import { StrataError } from '../spec/errors.ts';
import type { ChannelStats } from './channel-stats.ts';
import type { CommandLog } from './command-log.ts';
import { MemorySystem } from './memory-system.ts';
import type { ControllerSpec, DramStandard } from './standard.ts';
import type { MemTrace } from './trace.ts';
import { TraceFrontend, type FrontendKind } from './trace-frontend.ts';

/** Everything a DRAM run needs. */
export interface DramRunOptions {
  standard: DramStandard;
  /** Controller settings; defaults to the standard's own. */
  controller?: ControllerSpec;
  trace: MemTrace;
  frontend?: FrontendKind;
  /** Simulate exactly this many memory cycles; otherwise run until the trace drains. */
  cycles?: number;
  /** Addresses above the mapped capacity: 'error' (default) or 'wrap' (ignore high bits, as DRAMsim3 does). */
  addressOverflow?: 'error' | 'wrap';
  commandLog?: boolean;
}

/** The raw outcome of a DRAM run; reports are computed from it. */
export interface DramRunResult {
  readonly standard: DramStandard;
  readonly controller: ControllerSpec;
  readonly frontend: FrontendKind;
  readonly traceOrigin: string;
  readonly requestsInTrace: number;
  readonly requestsOffered: number;
  /** Length of the measured window in memory cycles. */
  readonly cycles: number;
  /** True when the run stopped at a fixed cycle count rather than when the trace drained. */
  readonly fixedWindow: boolean;
  readonly channels: readonly ChannelStats[];
  readonly logs: readonly CommandLog[];
  /** Requests whose address was beyond the device and was wrapped. */
  readonly wrappedAddresses: number;
}

/** Runs a trace through a DRAM system and returns its statistics. */
export function runDram(o: DramRunOptions): DramRunResult {
  const controller = o.controller ?? o.standard.controller;
  const frontend = o.frontend ?? 'in-order';
  if (o.cycles !== undefined && (!Number.isInteger(o.cycles) || o.cycles <= 0)) {
    throw new StrataError(`--cycles: expected a positive integer number of memory cycles, got ${o.cycles}`);
  }
  if (controller.refresh === 'per-bank' && (o.standard.timing.tREFIpb === undefined || o.standard.timing.tRFCpb === undefined)) {
    throw new StrataError(`controller refresh 'per-bank': standard '${o.standard.name}' (${o.standard.file}) defines no tREFIpb/tRFCpb; use 'all-bank' or 'none'`);
  }
  const sim = new Simulator();
  const memory = new MemorySystem(sim, o.standard, controller, { commandLog: o.commandLog ?? false });
  const capacity = memory.mapping.capacityBytes;
  let wrapped = 0;
  for (let i = 0; i < o.trace.length; i++) {
    if (o.trace.addr[i]! >= capacity) {
      if (o.addressOverflow !== 'wrap') {
        throw new StrataError(
          `${o.trace.origin}: request ${i + 1} (address 0x${o.trace.addr[i]!.toString(16)}) is beyond the device's capacity of ${capacity} bytes (0x${capacity.toString(16)}) under mapping '${memory.mapping.text}'; ` +
            'use addresses below the capacity, or --frontend dramsim3, which ignores the high bits as DRAMsim3 does',
        );
      }
      wrapped++;
    }
  }
  const fe = new TraceFrontend(sim, memory, o.trace, frontend, o.cycles === undefined);
  const period = memory.clock.periodPs;
  if (o.cycles !== undefined) sim.run(o.cycles * period);
  else sim.run();
  const cycles = o.cycles ?? Math.max(fe.drainedAtCycle, 0);
  if (o.cycles === undefined) {
    if (fe.drainedAtCycle < 0) throw new Error('internal invariant broken: the kernel ran dry before the trace drained');
  }
  for (const c of memory.controllers) c.finishStats(cycles);
  return {
    standard: o.standard,
    controller,
    frontend,
    traceOrigin: o.trace.origin,
    requestsInTrace: o.trace.length,
    requestsOffered: fe.offered,
    cycles,
    fixedWindow: o.cycles !== undefined,
    channels: memory.controllers.map((c) => c.stats),
    logs: memory.logs,
    wrappedAddresses: wrapped,
  };
}
