import { Simulator } from '../kernel/simulator.ts';
import { StrataError } from '../spec/errors.ts';
import { formatCount, MAX_RUN_PS, MAX_RUN_REFRESHES } from './limits.ts';
import type { ChannelStats } from './channel-stats.ts';
import type { CommandLog } from './command-log.ts';
import { parseAddressMapping } from './address-mapping.ts';
import { MemorySystem } from './memory-system.ts';
import type { ControllerSpec, DramStandard } from './standard.ts';
import { bankStateWindow, checkBankWindow, clipBankWindow, DEFAULT_BANK_WINDOW, type BankStateWindow, type CycleWindow } from './timeline.ts';
import type { MemTrace } from './trace.ts';
import { TraceFrontend, type FrontendKind } from './trace-frontend.ts';

/** Everything a DRAM run needs. */
export interface DramRunOptions {
  /** The DRAM standard (organisation, timing, constraint tables, power) of the memory system. */
  standard: DramStandard;
  /** Controller settings; defaults to the standard's own. */
  controller?: ControllerSpec;
  /** The requests, with the memory cycle each becomes ready. */
  trace: MemTrace;
  /** How the trace is offered to the controllers: 'in-order' (default) or 'dramsim3'. */
  frontend?: FrontendKind;
  /** Simulate exactly this many memory cycles; otherwise run until the trace drains. */
  cycles?: number;
  /** Addresses above the mapped capacity: 'error' (default) or 'wrap' (ignore high bits, as DRAMsim3 does). */
  addressOverflow?: 'error' | 'wrap';
  /** Record every command each channel issues (`DramRunResult.logs`), for the protocol checker and the timeline. */
  commandLog?: boolean;
  /**
   * The window of cycles whose bank states the result records (clipped to the run): default the first 2,000
   * cycles, `false` for none. Without `commandLog` the window is re-simulated with a command log, from cycle 0
   * to its end (the simulation is deterministic, so this replays exactly the same commands).
   */
  bankWindow?: CycleWindow | false;
  /**
   * Called as a long run goes, after every PROGRESS_SLICE_CYCLES simulated cycles, with the cycle reached and the
   * last cycle the run is known to reach (the trace's last request, or `cycles`). The result does not change.
   */
  onProgress?: (cycle: number, lastCycle: number) => void;
}

/** Simulated cycles between two progress calls: small enough for a report every second or so of a slow run. */
export const PROGRESS_SLICE_CYCLES = 1 << 22;

/** The raw outcome of a DRAM run; reports are computed from it. */
export interface DramRunResult {
  /** The standard the run used. */
  readonly standard: DramStandard;
  /** The controller settings the run used (the standard's own unless the options gave others). */
  readonly controller: ControllerSpec;
  /** The front end the run used. */
  readonly frontend: FrontendKind;
  /** Where the trace came from: its file, or `pattern:NAME` for a generated one. */
  readonly traceOrigin: string;
  /** Requests in the trace. */
  readonly requestsInTrace: number;
  /** Requests handed to the controllers before the end of the measured window (all of them when the trace drained). */
  readonly requestsOffered: number;
  /** Length of the measured window in memory cycles. */
  readonly cycles: number;
  /** True when the run stopped at a fixed cycle count rather than when the trace drained. */
  readonly fixedWindow: boolean;
  /** Statistics of each channel, in channel order. */
  readonly channels: readonly ChannelStats[];
  /** Each channel's command log when `commandLog` was set; empty otherwise. */
  readonly logs: readonly CommandLog[];
  /** Requests whose address was beyond the device and was wrapped. */
  readonly wrappedAddresses: number;
  /** The state of every bank over the bank window (undefined when none was asked for or the run is empty). */
  readonly bankStates?: BankStateWindow;
}

/** One simulation of a trace: the memory system and how far the front end got. */
function simulate(
  o: DramRunOptions,
  controller: ControllerSpec,
  frontend: FrontendKind,
  commandLog: boolean,
  cycles: number | undefined,
  progress?: (cycle: number, lastCycle: number) => void,
): { memory: MemorySystem; fe: TraceFrontend } {
  const sim = new Simulator();
  const memory = new MemorySystem(sim, o.standard, controller, { commandLog });
  const fe = new TraceFrontend(sim, memory, o.trace, frontend, cycles === undefined, cycles);
  // The front end is the only client and keeps no request; the run returns statistics, not requests.
  memory.recycleRequests = true;
  const periodPs = memory.clock.periodPs;
  const endPs = cycles !== undefined ? cycles * periodPs : Infinity;
  if (!progress) {
    sim.run(endPs);
    return { memory, fe };
  }
  // The same events in slices (events at a slice's end run in the next one, in the same order).
  const lastCycle = cycles ?? (o.trace.length > 0 ? o.trace.cycle[o.trace.length - 1]! : 0);
  for (let slice = PROGRESS_SLICE_CYCLES; ; slice += PROGRESS_SLICE_CYCLES) {
    const untilPs = Math.min(slice * periodPs, endPs);
    if (sim.run(untilPs) || untilPs >= endPs) break;
    progress(slice, lastCycle);
  }
  return { memory, fe };
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
  if (o.bankWindow) checkBankWindow(o.bankWindow);
  const mapping = parseAddressMapping(controller.addressMapping, o.standard.organization, `${o.standard.file}: controller.addressMapping`);
  const capacity = mapping.capacityBytes;
  let wrapped = 0;
  for (let i = 0; i < o.trace.length; i++) {
    if (o.trace.addr[i]! >= capacity) {
      if (o.addressOverflow !== 'wrap') {
        throw new StrataError(
          `${o.trace.origin}${o.trace.line ? `:${o.trace.line[i]}` : ''}: request ${i + 1} (address 0x${o.trace.addr[i]!.toString(16)}) is beyond the device's capacity of ${capacity} bytes (0x${capacity.toString(16)}) under mapping '${mapping.text}'; ` +
            'use addresses below the capacity, or --frontend dramsim3, which ignores the high bits as DRAMsim3 does',
        );
      }
      wrapped++;
    }
  }
  checkSpan(o, controller);
  const { memory, fe } = simulate(o, controller, frontend, o.commandLog ?? false, o.cycles, o.onProgress);
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
    requestsOffered: fe.offered(),
    cycles,
    fixedWindow: o.cycles !== undefined,
    channels: memory.controllers.map((c) => c.stats),
    logs: memory.logs,
    wrappedAddresses: wrapped,
    bankStates: bankStates(o, controller, frontend, cycles, memory.logs),
  };
}

/**
 * Refuses a run whose span (the trace's last cycle, or `cycles`) the kernel cannot time exactly, or whose idle
 * refreshes alone would take over a minute to simulate (src/dram/limits.ts): before the run, not hours into it.
 */
function checkSpan(o: DramRunOptions, controller: ControllerSpec): void {
  const s = o.standard;
  const last = o.trace.length - 1;
  const span = o.cycles ?? (last >= 0 ? o.trace.cycle[last]! : 0);
  const what = o.cycles !== undefined
    ? `--cycles ${formatCount(o.cycles)}`
    : `${o.trace.origin}${o.trace.line ? `:${o.trace.line[last]}` : ''}: request ${last + 1} at cycle ${formatCount(span)}`;
  if (span * s.tCKPs > MAX_RUN_PS) {
    throw new StrataError(`${what} is past the latest time a DRAM run can reach, 2^52 ps = ${formatCount(Math.floor(MAX_RUN_PS / s.tCKPs))} cycles of the ${s.name} clock (${s.tCKPs} ps), where picosecond times stop being exact integers (see docs/limits.md)`);
  }
  const o2 = s.organization;
  let refreshes = 0;
  let how = '';
  if (controller.refresh === 'all-bank') {
    refreshes = Math.floor(span / s.timing.tREFI!) * o2.channels * o2.ranks;
    how = `all-bank: every tREFI = ${s.timing.tREFI} cycles on each of ${o2.channels} channel(s) x ${o2.ranks} rank(s)`;
  } else if (controller.refresh === 'per-bank') {
    // tREFIpb is the interval between per-bank refreshes of a channel (measured: hbm3 issues 1e6 / 158 x 32 REFpb in 1e6 cycles).
    refreshes = Math.floor(span / s.timing.tREFIpb!) * o2.channels;
    how = `per-bank: every tREFIpb = ${s.timing.tREFIpb} cycles on each of ${o2.channels} channel(s)`;
  }
  if (refreshes > MAX_RUN_REFRESHES) {
    throw new StrataError(
      `${what} makes the run span at least ${formatCount(span)} cycles, in which ${s.name} issues about ${formatCount(refreshes)} refresh commands (${how}); ` +
        `the bound is ${formatCount(MAX_RUN_REFRESHES)} (about a minute of simulation; see docs/limits.md): shorten the idle gaps or use --refresh none`,
    );
  }
}

/** The bank states over the run's bank window, from the run's own command log or from a re-simulation with one. */
function bankStates(o: DramRunOptions, controller: ControllerSpec, frontend: FrontendKind, runCycles: number, logs: readonly CommandLog[]): BankStateWindow | undefined {
  if (o.bankWindow === false) return undefined;
  const w = clipBankWindow(o.bankWindow ?? DEFAULT_BANK_WINDOW, runCycles);
  if (w === null) return undefined;
  // A run that stops at endCycle issues the same commands before it (the simulation is deterministic and events
  // at endCycle do not run), so the window costs a re-run of its prefix, not a log of the whole run.
  const replay = o.commandLog ? logs : simulate(o, controller, frontend, true, w.endCycle).memory.logs;
  return bankStateWindow(o.standard, replay, w.startCycle, w.endCycle);
}
