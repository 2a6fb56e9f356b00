import { deviceProfile, ENERGY_METHODS, usableBytes, type BaselineRun, type DevicePreset, type EnergyMethod, type Precision } from '../systems/baseline/roofline.ts';
import type { MemoryFootprint } from '../compiler/footprint.ts';
import type { OpKind } from '../ir/op.ts';
import type { Phase, Step } from '../ir/step.ts';

/** Version of the run-report schema; bump on any incompatible change. DRAM runs keep `strata.dram-report/1`. */
export const RUN_REPORT_SCHEMA = 'strata.run-report/1';

/** Energy method of Duplex-family runs (`strata run --policy duplex`): every xPU at board power for the whole step (computing or waiting), PIM by DRAM path energy. */
export const DUPLEX_ENERGY_METHOD = 'board-power-x-step-time + dram-path-energy';

/** Energy method of PIM-GPT runs (`strata run --system pim-gpt`): every PIM command and MAC by its energy, standby of every channel, the ASIC per op and SRAM byte (src/systems/pim-gpt/pim-gpt.ts). */
export const PIM_GPT_ENERGY_METHOD = 'pim-command-energy';

/** Energy methods a run report can name: the baselines' (src/systems/baseline/roofline.ts), Duplex's and PIM-GPT's. */
export const RUN_ENERGY_METHODS = [...ENERGY_METHODS, DUPLEX_ENERGY_METHOD, PIM_GPT_ENERGY_METHOD] as const;
/** A run report's energy method. */
export type RunEnergyMethod = (typeof RUN_ENERGY_METHODS)[number];

/**
 * The GPU/CPU software profile a report's baseline numbers were computed under (arch/systems presets,
 * `software.profiles`; docs/baselines.md): how ops become kernels and what the host pays to launch each.
 */
export interface SoftwareProfileInfo {
  /** Profile name (`graphs`, `eager`, `fused`). */
  readonly name: string;
  /** The preset's words for it. */
  readonly description: string;
  /** Host time to launch one kernel, ns (0 when a CUDA graph replays the step). */
  readonly hostLaunchNs: number;
}

/** The report form of a device's profile `name` (its default when undefined). */
export function softwareProfileInfo(device: DevicePreset, name?: string): SoftwareProfileInfo {
  const p = deviceProfile(device, name);
  return { name: p.name, description: p.description, hostLaunchNs: p.hostLaunchPs / 1000 };
}

/** Policies whose runs `strata run` reports. */
export const RUN_POLICIES = ['gpu-roofline', 'duplex', 'pim-gpt'] as const;

/** Which steps' ops the timeline lists: the first step's (every step is summarised in `steps`), or all. */
export type TimelineScope = 'first' | 'all';

/** One op in the timeline. Times in ns from the start of the run. */
export interface TimelineEntry {
  readonly step: number;
  readonly op: string;
  readonly kind: OpKind;
  readonly device: string;
  readonly startNs: number;
  readonly endNs: number;
  readonly computeNs: number;
  readonly memoryNs: number;
  readonly launchNs: number;
  readonly bound: 'compute' | 'memory';
  readonly flops: number;
  readonly bytes: number;
  /** Duplex runs: the all-reduce before a residual add on several devices, ns (part of the op's time). */
  readonly allReduceNs?: number;
}

/** One step (one forward pass) of the run. */
export interface StepRecord {
  readonly index: number;
  readonly requests: number;
  /** Tokens processed (sum of newTokens): the batch in decode, the prompt tokens in prefill. */
  readonly newTokens: number;
  /** Cached tokens before the step, smallest and largest over the requests. */
  readonly minContextLength: number;
  readonly maxContextLength: number;
  readonly seed: string;
  readonly startNs: number;
  readonly endNs: number;
  readonly timeNs: number;
  readonly ops: number;
  readonly flops: number;
  readonly bytes: number;
  readonly computeBoundOps: number;
  readonly memoryBoundOps: number;
  readonly energyJ: number;
  /** Duplex runs: busy time of the xPU and of the PIM device, the serial sum (no co-processing), time both ran, time the shared DRAM slowed them, ns. */
  readonly xpuBusyNs?: number;
  readonly pimBusyNs?: number;
  readonly serialNs?: number;
  readonly overlapNs?: number;
  readonly contendedNs?: number;
}

/** What a Duplex-family system adds to a run report's system (src/systems/duplex/duplex-system.ts). */
export interface DuplexSystemInfo {
  /** Tensor-parallel devices, each an xPU (the preset the other system fields describe) with PIM on its stacks. */
  readonly devices: number;
  readonly pim: { readonly spec: string; readonly placement: string; readonly stacksPerDevice: number; readonly opPerByteThreshold: number; readonly bandwidthFactor: number } | null;
  readonly interconnectBytesPerS: number;
  readonly coProcessing: boolean;
}

/** What a PIM-GPT system adds to a run report's system (src/systems/pim-gpt/pim-gpt.ts). */
export interface PimGptSystemInfo {
  /** PIM spec (arch/pim) and ASIC spec (arch/asic). */
  readonly pim: string;
  readonly asic: string;
  readonly channels: number;
  readonly banksPerChannel: number;
  readonly macsPerBank: number;
  /** ASIC-to-channel link: latency each way, ns, and energy, pJ/bit. */
  readonly linkLatencyNs: number;
  readonly linkPjPerBit: number;
}

/** A PIM-GPT run's energy by component, J (src/systems/pim-gpt/pim-gpt.ts PimGptEnergy). */
export interface PimGptEnergyJ {
  readonly activate: number;
  readonly arrayRead: number;
  readonly mac: number;
  readonly io: number;
  readonly buffers: number;
  readonly refresh: number;
  readonly background: number;
  readonly asic: number;
}

/** The JSON report of `strata run` (an analytical baseline run of one or more steps). */
export interface RunReport {
  readonly schema: typeof RUN_REPORT_SCHEMA;
  readonly system: {
    readonly name: string;
    /** What the user asked for (an alias such as `gpu-a100`, a name or a path). */
    readonly requested: string;
    /** `pim` for PIM-GPT runs (the other system fields then describe the PIM device; see `pimGpt`). */
    readonly kind: 'gpu' | 'cpu' | 'pim';
    readonly file: string;
    readonly precision: Precision;
    readonly peakFlopsPerS: number;
    readonly bandwidthBytesPerS: number;
    readonly capacityBytes: number;
    /** The roofline's efficiencies and the board power: every baseline and Duplex run has them; PIM-GPT runs (cycle-level, priced per command) do not. */
    readonly computeEfficiency?: number;
    readonly memoryEfficiency?: number;
    /** Kernel floor, ns; 0 for PIM-GPT, which launches no kernels (its ASIC issues the PIM commands). */
    readonly launchOverheadNs: number;
    readonly boardPowerW?: number;
    /**
     * The software profile the device's ops were timed under (for Duplex runs: the xPU's). Every report written
     * since issue #14 has it; reports written before lack it, and so do PIM-GPT runs (no GPU/CPU preset times them).
     */
    readonly softwareProfile?: SoftwareProfileInfo;
    /** Duplex runs only. */
    readonly duplex?: DuplexSystemInfo;
    /** PIM-GPT runs only. */
    readonly pimGpt?: PimGptSystemInfo;
  };
  readonly model: { readonly name: string; readonly file: string; readonly parameters: number; readonly precisionBytes: number };
  readonly policy: (typeof RUN_POLICIES)[number];
  readonly workload: {
    readonly phase: Phase;
    /** How the steps were specified (flags, or the trace file). */
    readonly origin: string;
    readonly steps: number;
    readonly seed: string;
    /** seedrandom streams drawn from (MoE routing, one per step), in order. */
    readonly streams: readonly string[];
  };
  readonly memory: { readonly weightBytes: number; readonly kvCacheBytes: number; readonly kvTokens: number; readonly neededBytes: number; readonly availableBytes: number };
  readonly steps: readonly StepRecord[];
  readonly timeline: { readonly scope: TimelineScope; readonly ops: readonly TimelineEntry[] };
  readonly totals: {
    readonly timeNs: number;
    readonly ops: number;
    readonly flops: number;
    readonly bytes: number;
    /** Tokens processed over all steps (generated tokens in decode, prompt tokens in prefill). */
    readonly tokens: number;
    readonly meanStepNs: number;
    /** Decode: mean step time, the time between two tokens of a request. Null for prefill (see meanStepNs: the time to the first token). */
    readonly perTokenLatencyNs: number | null;
    readonly tokensPerS: number;
    readonly achievedFlopsPerS: number;
    readonly achievedBytesPerS: number;
    readonly computeBoundOps: number;
    readonly memoryBoundOps: number;
    readonly launchNs: number;
  };
  readonly energy: {
    readonly method: RunEnergyMethod; readonly joules: number; readonly averagePowerW: number; readonly joulesPerToken: number; readonly note: string;
    /** Duplex runs: energy by component, J. */
    readonly breakdownJ?: { readonly xpu: number; readonly pimDram: number; readonly pimCompute: number; readonly interconnect: number };
    /** PIM-GPT runs: energy by component, J. */
    readonly pimGptJ?: PimGptEnergyJ;
  };
}

/** What every run input names: the system asked for, the model, the workload and its memory footprint. */
export interface RunInputBase {
  readonly requestedSystem: string;
  readonly model: RunReport['model'];
  readonly phase: Phase;
  readonly origin: string;
  readonly seed: string;
  readonly streams: readonly string[];
  readonly footprint: MemoryFootprint;
}

/** What a baseline run produced: the steps, each with its roofline run. */
export interface RunInput extends RunInputBase {
  readonly device: DevicePreset;
  /** Steps in run order; each starts when the previous ends. `deviceId` is the id the mapping gave the device. */
  readonly steps: ReadonlyArray<{ readonly step: Step; readonly seed: string; readonly run: BaselineRun; readonly deviceId: string }>;
  readonly timeline: TimelineScope;
}

const ns = (ps: number) => ps / 1000;

/** A step's tokens processed and the range of its requests' context lengths. */
export function stepShape(step: Step): { newTokens: number; minCtx: number; maxCtx: number } {
  let newTokens = 0;
  let minCtx = Infinity;
  let maxCtx = 0;
  for (const q of step.requests) {
    newTokens += q.newTokens;
    minCtx = Math.min(minCtx, q.contextLength);
    maxCtx = Math.max(maxCtx, q.contextLength);
  }
  return { newTokens, minCtx, maxCtx };
}

/** Sums over a run's steps that its totals are computed from. */
export interface RunSums {
  readonly timePs: number;
  readonly ops: number;
  readonly flops: number;
  readonly bytes: number;
  readonly tokens: number;
  readonly steps: number;
  readonly phase: Phase;
  readonly computeBound: number;
  readonly memoryBound: number;
  readonly launchPs: number;
}

/** The `totals` of a run report: times in ns, rates per second of the whole run. */
export function runTotals(x: RunSums): RunReport['totals'] {
  const seconds = x.timePs / 1e12;
  return {
    timeNs: ns(x.timePs), ops: x.ops, flops: x.flops, bytes: x.bytes, tokens: x.tokens,
    meanStepNs: ns(x.timePs) / x.steps,
    perTokenLatencyNs: x.phase === 'decode' ? ns(x.timePs) / x.steps : null,
    tokensPerS: seconds > 0 ? x.tokens / seconds : 0,
    achievedFlopsPerS: seconds > 0 ? x.flops / seconds : 0,
    achievedBytesPerS: seconds > 0 ? x.bytes / seconds : 0,
    computeBoundOps: x.computeBound, memoryBoundOps: x.memoryBound, launchNs: ns(x.launchPs),
  };
}

/** Builds the run report (a pure function of the runs). */
export function runReport(input: RunInput): RunReport {
  const d = input.device;
  const steps: StepRecord[] = [];
  const timeline: TimelineEntry[] = [];
  let t = 0;
  let ops = 0, flops = 0, bytes = 0, tokens = 0, computeBound = 0, memoryBound = 0, launchPs = 0, joules = 0;
  input.steps.forEach(({ step, seed, run, deviceId }, index) => {
    const { newTokens, minCtx, maxCtx } = stepShape(step);
    steps.push({
      index, requests: step.requests.length, newTokens, minContextLength: minCtx, maxContextLength: maxCtx, seed,
      startNs: ns(t), endNs: ns(t + run.totalPs), timeNs: ns(run.totalPs),
      ops: run.ops.length, flops: run.flops, bytes: run.bytes,
      computeBoundOps: run.computeBoundOps, memoryBoundOps: run.memoryBoundOps, energyJ: run.energy.joules,
    });
    if (input.timeline === 'all' || index === 0) {
      for (const o of run.ops) {
        timeline.push({
          step: index, op: o.id, kind: o.kind, device: deviceId, startNs: ns(t + o.startPs), endNs: ns(t + o.endPs),
          computeNs: ns(o.computePs), memoryNs: ns(o.memoryPs), launchNs: ns(o.launchPs), bound: o.bound, flops: o.flops, bytes: o.bytes,
        });
      }
    }
    t += run.totalPs;
    ops += run.ops.length;
    flops += run.flops;
    bytes += run.bytes;
    tokens += newTokens;
    computeBound += run.computeBoundOps;
    memoryBound += run.memoryBoundOps;
    launchPs += run.launchPs;
    joules += run.energy.joules;
  });
  const seconds = t / 1e12;
  const first = input.steps[0]!.run;
  const f = input.footprint;
  return {
    schema: RUN_REPORT_SCHEMA,
    system: {
      name: d.name, requested: input.requestedSystem, kind: d.kind, file: d.file.replace(/^.*\/(arch|test)\//, '$1/'),
      precision: first.precision, peakFlopsPerS: d.peakFlopsPerS[first.precision]!, bandwidthBytesPerS: d.bandwidthBytesPerS,
      capacityBytes: d.capacityBytes, computeEfficiency: d.computeEfficiency, memoryEfficiency: d.memoryEfficiency,
      launchOverheadNs: ns(d.launchOverheadPs), boardPowerW: d.boardPowerW, softwareProfile: softwareProfileInfo(d, first.profile),
    },
    model: input.model,
    policy: 'gpu-roofline',
    workload: { phase: input.phase, origin: input.origin, steps: input.steps.length, seed: input.seed, streams: [...input.streams] },
    memory: { weightBytes: f.weightBytes, kvCacheBytes: f.kvCacheBytes, kvTokens: f.kvTokens, neededBytes: f.totalBytes, availableBytes: usableBytes(d) },
    steps,
    timeline: { scope: input.timeline, ops: timeline },
    totals: runTotals({ timePs: t, ops, flops, bytes, tokens, steps: input.steps.length, phase: input.phase, computeBound, memoryBound, launchPs }),
    energy: {
      method: first.energy.method,
      joules,
      averagePowerW: seconds > 0 ? joules / seconds : 0,
      joulesPerToken: tokens > 0 ? joules / tokens : 0,
      note: energyNote(first.energy.method, d.boardPowerW),
    },
  };
}

function energyNote(method: EnergyMethod, watts: number): string {
  switch (method) {
    case 'board-power-x-time':
      return `board power x time: ${watts} W for the whole run, an upper bound for memory-bound phases (docs/baselines.md)`;
    default: {
      const never: never = method;
      throw new Error(`internal invariant broken: unhandled energy method ${String(never)}`);
    }
  }
}

/** `5.266 ms`, `812.4 us`: a time in ns with a readable unit. */
export function formatNs(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(3)} s`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(3)} ms`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(3)} us`;
  return `${x.toFixed(3)} ns`;
}

/** A readable summary of a run report for the terminal. */
export function formatRunSummary(rep: RunReport): string {
  const tot = rep.totals;
  const steps = rep.steps;
  const s0 = steps[0]!;
  const alias = rep.system.requested !== rep.system.name ? ` (as ${rep.system.requested})` : '';
  const lines: string[] = [];
  const ctx = rep.workload.phase === 'decode'
    ? `context ${s0.maxContextLength + 1}${steps.length > 1 ? `..${steps[steps.length - 1]!.maxContextLength + 1}` : ''}`
    : `prompt ${s0.newTokens / s0.requests} tokens`;
  const profile = rep.system.softwareProfile ? `, ${rep.system.kind.toUpperCase()} profile ${rep.system.softwareProfile.name}` : '';
  lines.push(`Strata run — ${rep.model.name} ${rep.workload.phase} on ${rep.system.name}${alias}, batch ${s0.requests}, ${ctx}, ${steps.length} step${steps.length > 1 ? 's' : ''}, ${rep.system.precision}${profile}`);
  if (tot.perTokenLatencyNs !== null) {
    lines.push(`  per-token latency  ${formatNs(tot.perTokenLatencyNs)} (mean over ${steps.length} step${steps.length > 1 ? 's' : ''} of ${s0.ops} ops; launch overhead ${formatNs(tot.launchNs / steps.length)} of it)`);
  } else {
    lines.push(`  prefill latency    ${formatNs(tot.meanStepNs)} (time to first token; ${s0.ops} ops, launch overhead ${formatNs(tot.launchNs)} of it)`);
  }
  lines.push(`  throughput         ${tot.tokensPerS.toFixed(1)} tokens/s (${tot.tokens} token${tot.tokens === 1 ? '' : 's'} in ${formatNs(tot.timeNs)})`);
  lines.push(`  energy             ${rep.energy.joules.toFixed(3)} J, ${rep.energy.joulesPerToken.toFixed(4)} J/token (${rep.energy.method}, ${rep.system.boardPowerW} W)`);
  const m = rep.memory;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  lines.push(`  memory             ${gib(m.neededBytes)} of ${gib(m.availableBytes)} (weights ${gib(m.weightBytes)} + KV cache ${gib(m.kvCacheBytes)})`);
  lines.push(`  bound              ${tot.memoryBoundOps} ops memory-bound, ${tot.computeBoundOps} compute-bound; achieved ${(tot.achievedBytesPerS / 1e9).toFixed(1)} GB/s, ${(tot.achievedFlopsPerS / 1e12).toFixed(2)} TFLOP/s`);
  return lines.join('\n');
}
