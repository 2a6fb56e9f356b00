import { StrataError } from '../../spec/errors.ts';
import { PREA } from '../../dram/commands.ts';
import { CommandLog } from '../../dram/command-log.ts';
import { runPimProgram, type PimStep } from '../../pim/pim-channel.ts';
import type { PimSpec } from '../../pim/pim-spec.ts';
import { checkGlobalBuffer } from '../../pim/global-buffer.ts';
import { checkResultLatch } from '../../pim/result-latch.ts';

/** How a GEMV was laid out on the in-bank PIM device, and the program each channel runs. */
export interface PimGemvPlan {
  /** Output rows (M) and input length (K) of y = W x. */
  readonly m: number;
  readonly k: number;
  /** Output rows each bank computes (the last channels may have fewer). */
  readonly rowsPerBank: number;
  /** DRAM rows one output row spans (K elements at `elementsPerRow` per DRAM row). */
  readonly segmentsPerOutput: number;
  /** Output rows packed into one DRAM row when K is shorter than a row (1 otherwise). */
  readonly outputsPerRow: number;
  readonly elementsPerRow: number;
  /** Per channel: its program (empty for channels without work); channels with equal programs share one array. */
  readonly programs: readonly (readonly PimStep[])[];
  /** MACs the device performs (M x K). */
  readonly macs: number;
}

/**
 * Lays out y = W x (W is M x K, row-major, `elementBytes` per element) the PIM-GPT way: output rows are
 * partitioned over channels and banks so that every bank's MAC lanes work at once, each output row's K weights
 * stored in consecutive DRAM rows of one bank, segment s of the rows of all 16 banks in the same DRAM row.
 * For each segment of the input (one row's worth of elements, broadcast through the global buffer) every
 * channel activates each of its rows holding that segment in all banks (ACT16), streams it through the MAC
 * lanes (one MAC16 per lane-width of elements), reads the 16 partial sums (RDMAC16) and precharges (PREA);
 * the ASIC adds the partial sums of the segments. The input segment is written to the global buffer once per
 * segment (WRGB per 32 B), right after the segment's first row activation: the writes need no open row, so they
 * overlap tRCD(MAC), and the activation needs no input, so a channel can open the row before the input arrives.
 * Every program is checked against the global buffer's capacity and the result latches' occupancy.
 */
export function planPimGemv(spec: PimSpec, m: number, k: number, firstRow = 0): PimGemvPlan {
  if (!Number.isInteger(m) || !Number.isInteger(k) || m <= 0 || k <= 0) throw new StrataError(`GEMV shape must be positive integers, got ${m} x ${k}`);
  const std = spec.standard;
  const o = std.organization;
  const banks = o.bankGroups * o.banksPerGroup;
  const rowBytes = o.columns * (o.busWidthBits / 8);
  const elementsPerRow = rowBytes / spec.unit.elementBytes;
  const segmentsPerOutput = Math.ceil(k / elementsPerRow);
  const globalBufferElements = spec.unit.globalBufferBytes / spec.unit.elementBytes;
  if (elementsPerRow > globalBufferElements) throw new StrataError(`${spec.file}: a row holds ${elementsPerRow} elements but the global buffer only ${globalBufferElements}`);
  // Short rows (K < elements per DRAM row, e.g. attention over a 64-wide head) are packed several to a DRAM
  // row; the global buffer then holds the input repeated once per packed row, and each packed output is read
  // out (RDMAC16) after its MACs.
  const outputsPerRow = k < elementsPerRow ? Math.floor(elementsPerRow / k) : 1;
  const rowsPerBank = Math.ceil(m / (o.channels * banks));
  const dramRowsPerBank = Math.ceil(rowsPerBank / outputsPerRow) * segmentsPerOutput;
  if (firstRow + dramRowsPerBank > o.rows) {
    throw new StrataError(`GEMV ${m} x ${k} needs ${dramRowsPerBank} DRAM rows per bank from row ${firstRow}; the device has ${o.rows}`);
  }
  const cmd = (name: string) => std.commandNames.indexOf(name);
  const ACT16 = cmd('ACT16');
  const MAC16 = cmd('MAC16');
  const WRGB = cmd('WRGB');
  const RDMAC16 = cmd('RDMAC16');
  const gbWritesPerSegment = (segmentElements: number) => Math.ceil((segmentElements * spec.unit.elementBytes) / 32);
  const programs: (readonly PimStep[])[] = [];
  // A channel's program depends on the channel only through how many output rows it holds (rowsHere): channels
  // with equal counts (all but the last few) share one program, built and checked once, at the first of them (a
  // speed hack: PIM-GPT plans two new attention shapes every token, and building 32 equal programs was most of it).
  const byRows = new Map<number, readonly PimStep[]>();
  for (let ch = 0; ch < o.channels; ch++) {
    // Output rows of this channel: [ch * banks * rowsPerBank, ...), bank b holds every banks-th of them.
    const firstOutput = ch * banks * rowsPerBank;
    const outputs = Math.max(0, Math.min(m - firstOutput, banks * rowsPerBank));
    const rowsHere = Math.ceil(outputs / banks);
    const built = byRows.get(rowsHere);
    if (built) {
      programs.push(built);
      continue;
    }
    const program: PimStep[] = [];
    const dramRowsHere = Math.ceil(rowsHere / outputsPerRow);
    for (let s = 0; s < segmentsPerOutput && rowsHere > 0; s++) {
      const segmentElements = Math.min(elementsPerRow, k - s * elementsPerRow);
      for (let r = 0; r < dramRowsHere; r++) {
        const row = firstRow + r * segmentsPerOutput + s;
        const packed = Math.min(outputsPerRow, rowsHere - r * outputsPerRow);
        program.push({ cmd: ACT16, row, count: 1 });
        // The segment's input goes into the global buffer while its first row opens (tRCD(MAC) covers the writes).
        if (r === 0) program.push({ cmd: WRGB, row: -1, count: gbWritesPerSegment(segmentElements * Math.min(outputsPerRow, rowsHere)) });
        for (let p = 0; p < packed; p++) {
          program.push({ cmd: MAC16, row, count: Math.ceil(segmentElements / spec.unit.macsPerBank) });
          program.push({ cmd: RDMAC16, row: -1, count: 1 });
        }
        program.push({ cmd: PREA, row: -1, count: 1 });
      }
    }
    checkGlobalBuffer(spec, program, `GEMV ${m} x ${k}, channel ${ch}`);
    checkResultLatch(spec, program, `GEMV ${m} x ${k}, channel ${ch}`);
    byRows.set(rowsHere, program);
    programs.push(program);
  }
  return { m, k, rowsPerBank, segmentsPerOutput, outputsPerRow, elementsPerRow, programs, macs: m * k };
}

/** Result of running a GEMV on the in-bank PIM device. */
export interface PimGemvRun {
  readonly plan: PimGemvPlan;
  /** DRAM-clock cycles until the slowest channel's last result returned. */
  readonly cycles: number;
  readonly timeNs: number;
  /** MACs per ns achieved, and the device's peak: every bank's lanes once per processing-unit cycle. */
  readonly macsPerNs: number;
  readonly peakMacsPerNs: number;
  /** Commands issued over all channels, by name. */
  readonly commands: Readonly<Record<string, number>>;
  /** The slowest channel's timeline by the command each stretch follows, in cycles (see PimChannelRun.cyclesAfter). */
  readonly criticalCyclesAfter: Readonly<Record<string, number>>;
  readonly logs: readonly CommandLog[];
}

/** Plans and runs y = W x (M x K) on every channel of the PIM device; channels run independently. */
export function runPimGemv(spec: PimSpec, m: number, k: number, opts: { commandLog?: boolean } = {}): PimGemvRun {
  const plan = planPimGemv(spec, m, k);
  const std = spec.standard;
  const o = std.organization;
  let cycles = 0;
  let critical: Float64Array = new Float64Array(std.commandNames.length);
  const counts = new Float64Array(std.commandNames.length);
  const logs: CommandLog[] = [];
  plan.programs.forEach((program, ch) => {
    const log = opts.commandLog ? new CommandLog(ch) : undefined;
    const run = runPimProgram(std, program, { log });
    if (log) logs.push(log);
    if (run.endCycle > cycles) {
      cycles = run.endCycle;
      critical = run.cyclesAfter;
    }
    run.commandCounts.forEach((n, i) => (counts[i]! += n));
  });
  const timeNs = (cycles * std.tCKPs) / 1000;
  const peakMacsPerNs = (o.channels * o.bankGroups * o.banksPerGroup * spec.unit.macsPerBank * 1000) / spec.unit.unitClockPs;
  const commands: Record<string, number> = {};
  std.commandNames.forEach((name, i) => {
    if (counts[i]! > 0) commands[name] = counts[i]!;
  });
  const criticalCyclesAfter: Record<string, number> = {};
  std.commandNames.forEach((name, i) => {
    if (critical[i]! > 0) criticalCyclesAfter[name] = critical[i]!;
  });
  return { plan, cycles, timeNs, macsPerNs: plan.macs / timeNs, peakMacsPerNs, commands, criticalCyclesAfter, logs };
}
