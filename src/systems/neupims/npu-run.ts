import { produce } from 'immer';
import { Simulator } from '../../kernel/simulator.ts';
import { MemorySystem } from '../../dram/memory-system.ts';
import { bytesPerRequest, loadStandard, peakBandwidthGBps, type DramStandard } from '../../dram/standard.ts';
import { compileForTarget } from '../../compiler/compile.ts';
import { npuOnly } from '../../compiler/policies/npu-only.ts';
import type { ModelSpec } from '../../compiler/model.ts';
import type { Assignment } from '../../compiler/policies/types.ts';
import type { Step } from '../../ir/step.ts';
import type { DeviceTrace } from '../../compiler/trace.ts';
import { invariant } from '../../spec/errors.ts';
import { Npu, type NpuOpRecord } from '../../npu/npu.ts';
import { knownNpus, loadNpu, type NpuSpec } from '../../npu/spec.ts';
import { macBoundCycles, type ArrayDataflow } from '../../npu/systolic-array.ts';

/**
 * HBM2 as NeuPIMs configures it: the `hbm2` preset (DRAMsim3's HBM2_8Gb_x128 timing) with 32 channels instead of
 * 8 (NeuPIMs' memory config: dram_channels 32, HBM2_8Gb_x128_dualpim.ini: 32 channels x 1 GB). Only the channel
 * count changes: timing, banks, rows, the 2 KB row of the preset and its address mapping stay.
 */
export function neupimsHbm2(): DramStandard {
  return produce(loadStandard('hbm2'), (d) => {
    d.name = 'hbm2-32ch';
    d.description = `${d.description} Channels raised to 32 as in NeuPIMs (configs/memory_configs/neupims.json: dram_channels 32).`;
    d.organization.channels = 32;
  });
}

/** Options of an NPU run. */
export interface NpuRunOptions {
  /** NPU spec (name, path or loaded); default neupims-npu. */
  readonly npu?: string | NpuSpec;
  /** DRAM: a loaded standard, a shipped name or path, or 'hbm2-32ch' (default: NeuPIMs' 32-channel HBM2). */
  readonly memory?: string | DramStandard;
  /** Time the arrays with this dataflow instead of the spec's. */
  readonly dataflow?: ArrayDataflow;
  /** Requests the DMA keeps waiting per channel controller at most (default 32, see DMA_QUEUED_PER_CHANNEL). */
  readonly maxQueuedPerChannel?: number;
}

/** DRAM traffic of one channel over the run. */
export interface NpuChannelStats {
  readonly channel: number;
  readonly bytes: number;
  readonly bandwidthGBps: number;
  readonly peakGBps: number;
}

/** What an NPU step run returns. Times in ps (and ns); cycles in the NPU clock unless named otherwise. */
export interface NpuRunResult {
  readonly npu: string;
  readonly memory: { readonly standard: string; readonly channels: number; readonly peakGBps: number; readonly requestBytes: number };
  readonly dataflow: ArrayDataflow;
  /** From the first op's start to the last op's end and the last DRAM write. */
  readonly timePs: number;
  readonly timeNs: number;
  readonly npuCycles: number;
  readonly ops: readonly NpuOpRecord[];
  readonly arrays: {
    /** Cycles the array group computed (tiles back to back). */
    readonly busyCycles: number;
    readonly macs: number;
    /** MACs / (arrays x R x C x npuCycles): useful fraction of all PE-cycles of the run. */
    readonly utilisation: number;
    /** busyCycles / npuCycles. */
    readonly busyFraction: number;
    /** Sum over matrix ops of ceil(MACs / PEs): no schedule computes faster. */
    readonly lowerBoundCycles: number;
  };
  readonly vectorUnits: { readonly busyCycles: number; readonly flops: number; readonly utilisation: number; readonly busyFraction: number; readonly lowerBoundCycles: number };
  readonly dram: {
    readonly readBytes: number;
    readonly writeBytes: number;
    readonly bytes: number;
    readonly achievedGBps: number;
    readonly channels: readonly NpuChannelStats[];
  };
  /** Weight bytes of the step's ops (each op's own count). */
  readonly weightBytes: number;
  /** Lower bounds on the time: compute (arrays and vector units at their peak, one after the other) and memory (all DRAM bytes at peak bandwidth). */
  readonly bounds: { readonly computePs: number; readonly memoryPs: number };
  readonly sram: { readonly scratchpadAccesses: number; readonly accumulatorAccesses: number; readonly energyPj: number };
}

function resolveMemory(m: NpuRunOptions['memory']): DramStandard {
  if (m === undefined || m === 'hbm2-32ch') return neupimsHbm2();
  return typeof m === 'string' ? loadStandard(m) : m;
}

/** Runs ops mapped by `npu-only` (a Mapping's or a trace's assignments) on an NPU with DRAM; returns the stats. */
export function runNpuAssignments(assignments: readonly Assignment[], precisionBytes: number, opts: NpuRunOptions = {}): NpuRunResult {
  const spec = typeof opts.npu === 'object' ? opts.npu : loadNpu(opts.npu ?? 'neupims-npu');
  const std = resolveMemory(opts.memory);
  const sim = new Simulator();
  const memory = new MemorySystem(sim, std, std.controller);
  const npu = new Npu(sim, spec, memory, assignments, precisionBytes, { dataflow: opts.dataflow, maxQueuedPerChannel: opts.maxQueuedPerChannel });
  let stopped = false;
  // Refresh keeps the controllers waking forever: stop once the last op ended and every write reached DRAM.
  npu.start(() => npu.dma.onDrained(() => {
    stopped = true;
    sim.stop();
  }));
  // Run in windows so that a stalled NPU (a bug) fails instead of refreshing forever.
  const windowPs = 100_000_000;
  let progress = -1;
  while (!stopped) {
    sim.run(sim.nowPs + windowPs);
    const now = npu.dma.stats.readRequests + npu.dma.stats.writeRequests + npu.records.length + npu.arrayBusyCycles + npu.vectorBusyCycles;
    invariant(stopped || now !== progress, `the NPU makes progress (stalled at ${sim.nowPs} ps in op ${npu.records.length})`);
    progress = now;
  }
  const period = spec.periodPs;
  const tCK = std.tCKPs;
  const endPs = Math.max(npu.finishedPs, npu.dma.stats.lastDoneCycle * tCK);
  const npuCycles = Math.ceil(endPs / period);
  for (const c of memory.controllers) c.finishStats(Math.ceil(endPs / tCK));

  const rb = bytesPerRequest(std);
  const tBurst = std.timing.tBURST!;
  const peakGBps = peakBandwidthGBps(std);
  const perChannelPeak = peakGBps / std.organization.channels;
  const channels = memory.controllers.map((c, channel) => {
    const bytes = (c.stats.dataBusCycles / tBurst) * rb;
    return { channel, bytes, bandwidthGBps: endPs > 0 ? bytes / (endPs / 1000) : 0, peakGBps: perChannelPeak };
  });
  const readBytes = npu.dma.stats.readRequests * rb;
  const writeBytes = npu.dma.stats.writeRequests * rb;
  const sa = npu.array;
  const pes = sa.count * sa.rows * sa.cols;
  let arrayBound = 0;
  let vectorBound = 0;
  let weightBytes = 0;
  for (const a of assignments) {
    weightBytes += a.op.weightBytes;
    if (a.op.cls === 'vector') vectorBound += Math.ceil(a.op.flops / (spec.vectorUnits.count * spec.vectorUnits.lanes));
    else arrayBound += macBoundCycles(sa, a.op.flops / 2);
  }
  const vectorPeak = spec.vectorUnits.count * spec.vectorUnits.lanes;
  return {
    npu: spec.name,
    memory: { standard: std.name, channels: std.organization.channels, peakGBps, requestBytes: rb },
    dataflow: sa.dataflow,
    timePs: endPs,
    timeNs: endPs / 1000,
    npuCycles,
    ops: npu.records,
    arrays: {
      busyCycles: npu.arrayBusyCycles, macs: npu.arrayMacs, utilisation: npu.arrayMacs / (pes * npuCycles),
      busyFraction: npu.arrayBusyCycles / npuCycles, lowerBoundCycles: arrayBound,
    },
    vectorUnits: {
      busyCycles: npu.vectorBusyCycles, flops: npu.vectorFlops, utilisation: npu.vectorFlops / (vectorPeak * npuCycles),
      busyFraction: npu.vectorBusyCycles / npuCycles, lowerBoundCycles: vectorBound,
    },
    dram: { readBytes, writeBytes, bytes: readBytes + writeBytes, achievedGBps: (readBytes + writeBytes) / (endPs / 1000), channels },
    weightBytes,
    bounds: { computePs: (arrayBound + vectorBound) * period, memoryPs: ((readBytes + writeBytes) / peakGBps) * 1000 },
    sram: {
      scratchpadAccesses: npu.scratchpadAccesses,
      accumulatorAccesses: npu.accumulatorAccesses,
      energyPj: npu.scratchpadAccesses * spec.scratchpad.accessEnergyPj + npu.accumulatorAccesses * spec.accumulator.accessEnergyPj,
    },
  };
}

/** Runs a device trace written by `npu-only` (strata compile --policy npu-only) on an NPU. */
export function runNpuTrace(trace: DeviceTrace, opts: NpuRunOptions = {}): NpuRunResult {
  const t = trace.header.target;
  // Shipped NPUs by name; a user's spec by the file the trace names.
  const npu = opts.npu ?? (knownNpus().includes(t.name) ? t.name : t.file);
  return runNpuAssignments(trace.assignments, trace.header.model.precisionBytes, { ...opts, npu });
}

/** Compiles one step of `model` with policy npu-only and runs it on the NPU with DRAM: per-op times, utilisation, traffic. */
export function runNpuStep(model: ModelSpec, step: Step, opts: NpuRunOptions = {}): NpuRunResult {
  const spec = typeof opts.npu === 'object' ? opts.npu : loadNpu(opts.npu ?? 'neupims-npu');
  const trace = compileForTarget(model, step, npuOnly, { kind: 'npu', npu: spec });
  return runNpuAssignments(trace.assignments, model.precisionBytes, { ...opts, npu: spec });
}
