import { StrataError } from '../spec/errors.ts';
import { ramulator2ChannelBytes, type Ramulator2Config } from './ramulator2-config.ts';
import { Ramulator2Controller, type Ramulator2Stats } from './ramulator2-controller.ts';
import { CommandLog } from './command-log.ts';
import { ramulator2LogWriter } from './ramulator2-check.ts';

/** A trace as Ramulator 2's LoadStoreTrace front end reads it: byte addresses and load/store, no times. */
export interface LoadStoreTrace {
  readonly length: number;
  readonly addr: Float64Array;
  readonly isWrite: Uint8Array;
  readonly origin: string;
}

/** The outcome of a run with Ramulator 2's front end semantics. */
export interface Ramulator2RunResult {
  readonly config: Ramulator2Config;
  readonly traceOrigin: string;
  readonly requests: number;
  /** Controller ticks until the last request was accepted. */
  readonly ticks: number;
  /** Picoseconds per tick as Ramulator 2 keeps them (whole ps: 312 for HBM3's half CK). */
  readonly tickPs: number;
  readonly stats: Ramulator2Stats;
  /** Commands issued, by Ramulator 2 command name. */
  readonly commands: Readonly<Record<string, number>>;
  /** Requests still in the controller when the run stopped. */
  readonly leftInQueues: number;
  /** Served requests x bytes per request over the run's time, GB/s. */
  readonly bandwidthGBps: number;
  /** Mean read latency in ticks (null when no read was served). */
  readonly meanReadLatencyTicks: number | null;
  /**
   * Every command each channel issued, with `commandLog` (names: RAMULATOR2_LOG_NAMES, cycles in ticks); empty
   * without it.
   */
  readonly logs: readonly CommandLog[];
}

/** Options of runRamulator2. */
export interface Ramulator2RunOptions {
  /** Keep every command each channel issues (for the protocol checker, `strata dram --spec X.yaml --check`). */
  readonly commandLog?: boolean;
}

/**
 * Splits a channel address into Ramulator 2's address vector (Channel .. Column) with its address mapper:
 * RoBaRaCoCh puts the column lowest, then the levels from the rank (pseudo-channel) down to the bank, the row
 * highest; ChRaBaRoCo puts the column lowest, then the row, the bank and up to the rank. Bits above the mapped
 * capacity are dropped, as Ramulator's slicing does.
 */
export function ramulator2AddressVector(cfg: Ramulator2Config, addr: number): Int32Array {
  const levels = cfg.standard.levels;
  const n = levels.length;
  const vec = new Int32Array(n);
  let unit = Math.floor(addr / cfg.txBytes);
  const take = (size: number): number => {
    const v = unit % size;
    unit = Math.floor(unit / size);
    return v;
  };
  vec[n - 1] = take(cfg.count[n - 1]! / cfg.standard.prefetch);
  const rowLevel = levels.indexOf('Row');
  if (cfg.controller.addrMapper === 'RoBaRaCoCh') {
    for (let l = 1; l <= rowLevel; l++) vec[l] = take(cfg.count[l]!);
  } else {
    for (let l = rowLevel; l >= 1; l--) vec[l] = take(cfg.count[l]!);
  }
  return vec;
}

/**
 * Runs a trace with Ramulator 2's LoadStoreTrace front end: on every controller tick the next request is offered
 * once (before the controller's tick; a full buffer makes it wait for the next tick), and the run stops on the
 * tick the last request is accepted, with no drain (shared/reference/ramulator2/README.md). Several channels share
 * the one front end (a request waits while its channel's buffer is full), each with its own controller.
 */
export function runRamulator2(cfg: Ramulator2Config, trace: LoadStoreTrace, opts: Ramulator2RunOptions = {}): Ramulator2RunResult {
  if (trace.length === 0) throw new StrataError(`${trace.origin}: the trace holds no requests`);
  const ctrls = Array.from({ length: cfg.channels }, () => new Ramulator2Controller(cfg));
  const logs = opts.commandLog === true ? ctrls.map((c, ch) => {
    const log = new CommandLog(ch);
    c.device.onIssue = ramulator2LogWriter(cfg, log);
    return log;
  }) : [];
  const cap = ramulator2ChannelBytes(cfg);
  // CacheLineInterleave: the channel is taken from the bits just above the request offset (plus interleave_bits).
  const low = cfg.txBytes * 2 ** cfg.interleaveBits;
  const route = (addr: number): [number, Int32Array] => {
    if (cfg.channels === 1) return [0, ramulator2AddressVector(cfg, addr % cap)];
    const ch = Math.floor(addr / low) % cfg.channels;
    const intra = Math.floor(addr / (low * cfg.channels)) * low + (addr % low);
    return [ch, ramulator2AddressVector(cfg, intra % cap)];
  };
  // A tick cap that no run of this length can reach unless the controller stalls for good (a bug, not slowness).
  const maxTicks = trace.length * 10_000 + 10 * cfg.timing.nREFI!;
  let i = 0;
  let [ch, vec] = route(trace.addr[0]!);
  for (;;) {
    if (ctrls[ch]!.send(trace.addr[i]!, trace.isWrite[i] === 1, vec)) {
      i++;
      if (i < trace.length) [ch, vec] = route(trace.addr[i]!);
    }
    // The run ends on the tick the last request is accepted: the controllers do not tick again.
    if (i === trace.length) break;
    for (const c of ctrls) c.tick();
    if (ctrls[0]!.clk > maxTicks) throw new Error(`internal invariant broken: Ramulator 2 model made no progress for ${maxTicks} ticks at request ${i + 1}`);
  }
  const ctrl = ctrls[0]!;
  const s: Ramulator2Stats = { ...ctrl.stats };
  for (const c of ctrls.slice(1)) for (const k of Object.keys(s) as (keyof Ramulator2Stats)[]) s[k] += c.stats[k];
  const tickPs = cfg.timing.tCK_ps!;
  const commands: Record<string, number> = {};
  cfg.standard.commands.forEach((name, k) => (commands[name] = ctrls.reduce((sum, c) => sum + c.device.issued[k]!, 0)));
  const served = s.readsServed + s.writesServed;
  return {
    config: cfg,
    traceOrigin: trace.origin,
    requests: trace.length,
    ticks: ctrl.clk,
    tickPs,
    stats: s,
    commands,
    leftInQueues: ctrls.reduce((sum, c) => sum + c.queued, 0),
    bandwidthGBps: (served * cfg.txBytes) / ((ctrl.clk * tickPs) / 1000),
    meanReadLatencyTicks: s.readsServed > 0 ? s.readLatencyTicks / s.readsServed : null,
    logs,
  };
}
