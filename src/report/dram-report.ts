import { addEnergy, iddEnergy, pathEnergy, NO_ENERGY, type EnergyBreakdown } from '../dram/energy.ts';
import type { DramRunResult } from '../dram/run.ts';
import { bytesPerRequest, peakBandwidthGBps } from '../dram/standard.ts';
import { formatCount } from '../dram/limits.ts';
import { BANK_COMMAND_KINDS, BANK_STATES, bytesPerEpoch, defaultEpochCycles, type BankCommandKind, type BankState } from '../dram/timeline.ts';

/** Version of the report schema; bump on any incompatible change. */
export const DRAM_REPORT_SCHEMA = 'strata.dram-report/1';

/**
 * The JSON report of a DRAM run. Every time is named with its unit and clock. docs/report-format.md, "DRAM report",
 * describes every field.
 */
export interface DramReport {
  schema: typeof DRAM_REPORT_SCHEMA;
  standard: { name: string; standard: string; file: string };
  controller: Record<string, unknown>;
  clock: { name: string; periodPs: number };
  workload: { origin: string; frontend: string; requestsInTrace: number; requestsOffered: number; wrappedAddresses: number };
  window: { cycles: number; timeNs: number; fixed: boolean };
  requests: { completed: number; reads: number; writes: number; forwardedReads: number };
  bandwidth: { achievedGBps: number; peakGBps: number; percentOfPeak: number; bytesPerRequest: number };
  rowBuffer: { hits: number; misses: number; conflicts: number; hitRate: number };
  /** Every statistic is null when no read completed in the window (a latency of 0 would be a false reading). */
  readLatency: { unit: 'cycles'; clock: string; mean: number | null; p50: number | null; p99: number | null; max: number | null; meanNs: number | null };
  commands: Record<string, number>;
  energy: { unit: 'pJ'; idd: EnergyBreakdown; path: EnergyBreakdown; averagePowerMwIdd: number; pjPerBitIdd: number };
  channels: Array<{ channel: number; completed: number; bandwidthGBps: number; dataBusUtilisation: number; commands: Record<string, number> }>;
  banks: Array<{ channel: number; rank: number; bankGroup: number; bank: number; columnCommands: number; activeFraction: number }>;
  /** Bytes completed per channel per epoch of `epochCycles` (optional: reports written before it lack it). */
  bandwidthSeries?: DramBandwidthSeries;
  /** The state of every bank over a window of cycles (optional: absent when the run recorded none). */
  bankStates?: DramBankStates;
}

/** Bandwidth over time: bytes of the requests each channel completed in each epoch (the last may be shorter). */
export interface DramBandwidthSeries {
  unit: 'bytes';
  clock: 'dram';
  /** Epoch length, cycles; epoch k covers cycles [k x epochCycles, min((k + 1) x epochCycles, window.cycles)). */
  epochCycles: number;
  epochs: number;
  channels: Array<{ channel: number; bytes: number[] }>;
}

/** Bank states over [startCycle, endCycle): per bank, runs [from, to, index into `states`] covering the window. */
export interface DramBankStates {
  clock: 'dram';
  startCycle: number;
  endCycle: number;
  states: BankState[];
  /** Command kinds, indexed by the second value of each bank's `commands` entry (absent in reports written before them). */
  commandKinds?: BankCommandKind[];
  banks: Array<{
    channel: number; rank: number; bankGroup: number; bank: number; runs: Array<[number, number, number]>;
    /** Commands issued to the bank inside the window, in issue order: [cycle, index into `commandKinds`]. */
    commands?: Array<[number, number]>;
  }>;
}

/** One epoch of a report's bandwidth series: its cycles, its ns, and the GB/s of every channel in it. */
export interface BandwidthEpoch {
  epoch: number;
  startCycle: number;
  endCycle: number;
  startNs: number;
  endNs: number;
  /** Per channel (in `bandwidthSeries.channels` order): bytes / epoch time, GB/s (bytes per ns). */
  channelGBps: number[];
}

/** The epochs of a report's bandwidth series (none when the report has no series); the last ends with the window. */
export function bandwidthEpochs(r: DramReport): BandwidthEpoch[] {
  const s = r.bandwidthSeries;
  if (!s) return [];
  const ns = (c: number) => round((c * r.clock.periodPs) / 1000);
  return Array.from({ length: s.epochs }, (_, k) => {
    const startCycle = k * s.epochCycles;
    const endCycle = Math.min((k + 1) * s.epochCycles, r.window.cycles);
    const epochNs = ((endCycle - startCycle) * r.clock.periodPs) / 1000;
    return { epoch: k, startCycle, endCycle, startNs: ns(startCycle), endNs: ns(endCycle), channelGBps: s.channels.map((c) => (epochNs > 0 ? c.bytes[k]! / epochNs : 0)) };
  });
}

/** Options of a DRAM report. */
export interface DramReportOptions {
  /** Epoch of the bandwidth series, cycles (default: the window / 100, rounded up). */
  epochCycles?: number;
  /**
   * Whether the report carries the bandwidth series and the bank-state window (default true). The terminal summary
   * shows neither, so `strata dram` without --out or --csv leaves them out rather than compute them.
   */
  timeSeries?: boolean;
}

/** Index, in ascending order, of the q-quantile of n values (the nearest-rank method). */
const rankOf = (q: number, n: number): number => Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));

/** Largest latency, in cycles, counted in a histogram (4 bytes a cycle); past it the latencies are sorted instead. */
const HISTOGRAM_MAX_CYCLES = 1 << 24;

/**
 * Mean, p50, p99 and maximum of the read latencies of the requests that completed in the window, in one pass that
 * sums them (in channel and completion order, as ever) and counts them per cycle in a histogram grown as needed:
 * linear, and with no array of all the latencies. Latencies are whole cycles; if any is not (or one is past
 * HISTOGRAM_MAX_CYCLES), a second pass sorts them.
 *
 * Speed: one pass, not three (a count, a sum, a histogram), over each channel's arrays held in locals. `strata dram`
 * runs it once, cold, on a million requests (docs/guide.md, the speed table).
 */
function readLatencyStats(r: DramRunResult): { n: number; mean: number; p50: number; p99: number; max: number } | null {
  // A request counts when it is a read that completed inside the window (every one when the run drained).
  const windowEnd = r.fixedWindow ? r.cycles : Infinity;
  let n = 0;
  let sum = 0;
  let max = -Infinity;
  let whole = true;
  let perCycle = new Uint32Array(1024);
  for (const s of r.channels) {
    const latency = s.latency;
    const isWrite = s.isWrite;
    const doneCycle = s.doneCycle;
    const count = s.count;
    for (let i = 0; i < count; i++) {
      if (isWrite[i] !== 0 || doneCycle[i]! >= windowEnd) continue;
      const l = latency[i]!;
      n++;
      sum += l;
      if (l > max) max = l;
      if (!whole) continue;
      if (!(Number.isInteger(l) && l >= 0 && l <= HISTOGRAM_MAX_CYCLES)) {
        whole = false;
        continue;
      }
      if (l >= perCycle.length) {
        const bigger = new Uint32Array(Math.min(HISTOGRAM_MAX_CYCLES + 1, Math.max(2 * perCycle.length, l + 1)));
        bigger.set(perCycle);
        perCycle = bigger;
      }
      perCycle[l]!++;
    }
  }
  if (n === 0) return null;
  const p50Rank = rankOf(0.5, n);
  const p99Rank = rankOf(0.99, n);
  if (whole) {
    let p50 = -1;
    let p99 = -1;
    let below = 0;
    for (let v = 0; v <= max && p99 < 0; v++) {
      below += perCycle[v]!;
      if (p50 < 0 && below > p50Rank) p50 = v;
      if (below > p99Rank) p99 = v;
    }
    return { n, mean: sum / n, p50, p99, max };
  }
  const sorted = new Float64Array(n);
  let k = 0;
  for (const s of r.channels) for (let i = 0; i < s.count; i++) if (!s.isWrite[i] && !(s.doneCycle[i]! >= windowEnd)) sorted[k++] = s.latency[i]!;
  sorted.sort();
  return { n, mean: sum / n, p50: sorted[p50Rank]!, p99: sorted[p99Rank]!, max: sorted[n - 1]! };
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** Builds the report of a run (a pure function of the run result and the options). */
export function dramReport(r: DramRunResult, options: DramReportOptions = {}): DramReport {
  const std = r.standard;
  const o = std.organization;
  const period = std.tCKPs;
  const timeNs = (r.cycles * period) / 1000;
  let reads = 0;
  let writes = 0;
  let hits = 0, misses = 0, conflicts = 0, forwarded = 0;
  let idd = NO_ENERGY;
  let path = NO_ENERGY;
  const COMMANDS = std.commandNames;
  const commands = new Float64Array(COMMANDS.length);
  const channels: DramReport['channels'] = [];
  const banks: DramReport['banks'] = [];
  r.channels.forEach((s, ch) => {
    // Requests that completed in the window (every one when the run drained); isWrite is 0 or 1.
    const windowEnd = r.fixedWindow ? r.cycles : Infinity;
    const { count, isWrite, doneCycle } = s;
    let done = 0;
    let channelWrites = 0;
    for (let i = 0; i < count; i++) {
      if (doneCycle[i]! >= windowEnd) continue;
      done++;
      channelWrites += isWrite[i]!;
    }
    writes += channelWrites;
    reads += done - channelWrites;
    hits += s.rowHits;
    misses += s.rowMisses;
    conflicts += s.rowConflicts;
    forwarded += s.forwardedReads;
    idd = addEnergy(idd, iddEnergy(std, s, r.cycles));
    path = addEnergy(path, pathEnergy(std, s));
    const perChannel: Record<string, number> = {};
    COMMANDS.forEach((name, k) => {
      commands[k]! += s.commandCounts[k]!;
      if (s.commandCounts[k]! > 0) perChannel[name] = s.commandCounts[k]!;
    });
    channels.push({
      channel: ch,
      completed: done,
      bandwidthGBps: round((done * bytesPerRequest(std)) / timeNs),
      dataBusUtilisation: round(s.dataBusCycles / Math.max(1, r.cycles), 4),
      commands: perChannel,
    });
    for (let b = 0; b < s.bankActiveCycles.length; b++) {
      const banksPerRank = o.bankGroups * o.banksPerGroup;
      banks.push({
        channel: ch,
        rank: Math.floor(b / banksPerRank),
        bankGroup: Math.floor((b % banksPerRank) / o.banksPerGroup),
        bank: b % o.banksPerGroup,
        columnCommands: s.bankColumnCommands[b]!,
        activeFraction: round(s.bankActiveCycles[b]! / Math.max(1, r.cycles), 4),
      });
    }
  });
  const lat = readLatencyStats(r);
  const completed = reads + writes;
  const achieved = (completed * bytesPerRequest(std)) / timeNs;
  const peak = peakBandwidthGBps(std);
  const cmdRecord: Record<string, number> = {};
  COMMANDS.forEach((name, k) => (cmdRecord[name] = commands[k]!));
  const roundEnergy = (e: EnergyBreakdown): EnergyBreakdown => ({
    activate: round(e.activate), read: round(e.read), write: round(e.write), refresh: round(e.refresh),
    background: round(e.background), io: round(e.io), total: round(e.total),
  });
  const movedBits = completed * bytesPerRequest(std) * 8;
  return {
    schema: DRAM_REPORT_SCHEMA,
    standard: { name: std.name, standard: std.standard, file: std.file.replace(/^.*\/arch\//, 'arch/') },
    controller: { ...r.controller },
    clock: { name: 'dram', periodPs: period },
    workload: {
      origin: r.traceOrigin.replace(/^.*\/(test|arch|workloads)\//, '$1/'),
      frontend: r.frontend,
      requestsInTrace: r.requestsInTrace,
      requestsOffered: r.requestsOffered,
      wrappedAddresses: r.wrappedAddresses,
    },
    window: { cycles: r.cycles, timeNs: round(timeNs), fixed: r.fixedWindow },
    requests: { completed, reads, writes, forwardedReads: forwarded },
    bandwidth: { achievedGBps: round(achieved), peakGBps: round(peak), percentOfPeak: round((100 * achieved) / peak, 2), bytesPerRequest: bytesPerRequest(std) },
    rowBuffer: { hits, misses, conflicts, hitRate: round(hits / Math.max(1, hits + misses + conflicts), 4) },
    readLatency: lat === null
      ? { unit: 'cycles', clock: 'dram', mean: null, p50: null, p99: null, max: null, meanNs: null }
      : {
          unit: 'cycles', clock: 'dram', mean: round(lat.mean), p50: lat.p50, p99: lat.p99,
          max: lat.max, meanNs: round((lat.mean * period) / 1000),
        },
    commands: cmdRecord,
    energy: {
      unit: 'pJ', idd: roundEnergy(idd), path: roundEnergy(path),
      averagePowerMwIdd: round(idd.total / Math.max(1e-9, timeNs)),
      pjPerBitIdd: round(idd.total / Math.max(1, movedBits), 4),
    },
    channels,
    banks,
    ...(options.timeSeries === false ? {} : timeSeries(r, options)),
  };
}

/** The bandwidth series and the bank-state window of a run (none for an empty run). */
function timeSeries(r: DramRunResult, options: DramReportOptions): Pick<DramReport, 'bandwidthSeries' | 'bankStates'> {
  const out: Pick<DramReport, 'bandwidthSeries' | 'bankStates'> = {};
  const std = r.standard;
  if (r.cycles > 0) {
    const epochCycles = options.epochCycles ?? defaultEpochCycles(r.cycles);
    const series = bytesPerEpoch(r.channels, r.cycles, epochCycles, bytesPerRequest(std), r.fixedWindow);
    out.bandwidthSeries = {
      unit: 'bytes', clock: 'dram', epochCycles, epochs: series[0]?.length ?? 0,
      channels: series.map((bytes, channel) => ({ channel, bytes: Array.from(bytes) })),
    };
  }
  const w = r.bankStates;
  if (w) {
    const o = std.organization;
    const banksPerRank = o.bankGroups * o.banksPerGroup;
    const banks: DramBankStates['banks'] = [];
    w.runs.forEach((perBank, channel) => {
      perBank.forEach((flat, b) => {
        const runs: Array<[number, number, number]> = [];
        for (let k = 0; k < flat.length; k += 3) runs.push([flat[k]!, flat[k + 1]!, flat[k + 2]!]);
        const marks = w.commands[channel]![b]!;
        const commands: Array<[number, number]> = [];
        for (let k = 0; k < marks.length; k += 2) commands.push([marks[k]!, marks[k + 1]!]);
        banks.push({
          channel, rank: Math.floor(b / banksPerRank), bankGroup: Math.floor((b % banksPerRank) / o.banksPerGroup), bank: b % o.banksPerGroup, runs, commands,
        });
      });
    });
    out.bankStates = { clock: 'dram', startCycle: w.startCycle, endCycle: w.endCycle, states: [...BANK_STATES], commandKinds: [...BANK_COMMAND_KINDS], banks };
  }
  return out;
}

/** A readable summary of a report for the terminal. */
export function formatDramSummary(rep: DramReport): string {
  const lines: string[] = [];
  // formatCount writes what toLocaleString('en-US') writes without the ICU locale set-up (tens of ms per process).
  const n = formatCount;
  lines.push(`Strata DRAM run — ${rep.standard.name} (${rep.standard.standard}), ${rep.workload.origin}, front end ${rep.workload.frontend}`);
  lines.push(`  window      ${n(rep.window.cycles)} cycles of the dram clock (${rep.clock.periodPs} ps) = ${n(rep.window.timeNs)} ns${rep.window.fixed ? ' (fixed)' : ''}`);
  const plural = (count: number, noun: string): string => `${n(count)} ${noun}${count === 1 ? '' : 's'}`;
  lines.push(`  requests    ${n(rep.requests.completed)} completed (${plural(rep.requests.reads, 'read')}, ${plural(rep.requests.writes, 'write')}) of ${n(rep.workload.requestsInTrace)} in the trace`);
  lines.push(`  bandwidth   ${rep.bandwidth.achievedGBps} GB/s achieved, ${rep.bandwidth.peakGBps} GB/s analytical peak (${rep.bandwidth.percentOfPeak} %)`);
  lines.push(`  row buffer  ${n(rep.rowBuffer.hits)} hits, ${n(rep.rowBuffer.misses)} misses, ${n(rep.rowBuffer.conflicts)} conflicts (hit rate ${(rep.rowBuffer.hitRate * 100).toFixed(1)} %)`);
  const l = rep.readLatency;
  lines.push(l.mean === null ? '  read lat.   none: no read completed' : `  read lat.   mean ${l.mean} / p50 ${l.p50} / p99 ${l.p99} cycles (mean ${l.meanNs} ns)`);
  lines.push(`  commands    ${Object.entries(rep.commands).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  const e = rep.energy.idd;
  lines.push(`  energy IDD  ${(e.total / 1e6).toFixed(3)} uJ (act ${(e.activate / 1e6).toFixed(3)}, rd ${(e.read / 1e6).toFixed(3)}, wr ${(e.write / 1e6).toFixed(3)}, ref ${(e.refresh / 1e6).toFixed(3)}, bg ${(e.background / 1e6).toFixed(3)}), ${rep.energy.pjPerBitIdd} pJ/bit`);
  const p = rep.energy.path;
  lines.push(`  energy path ${(p.total / 1e6).toFixed(3)} uJ (act ${(p.activate / 1e6).toFixed(3)}, rd ${(p.read / 1e6).toFixed(3)}, wr ${(p.write / 1e6).toFixed(3)}, io ${(p.io / 1e6).toFixed(3)}, ref ${(p.refresh / 1e6).toFixed(3)})`);
  if (rep.workload.wrappedAddresses > 0) lines.push(`  note        ${n(rep.workload.wrappedAddresses)} addresses beyond the capacity had their high bits ignored (DRAMsim3 front end)`);
  return lines.join('\n');
}
