import { resolvePrecision } from '../systems/baseline/roofline.ts';
import type { Step } from '../ir/step.ts';
import { repoRelative } from '../compiler/policies/types.ts';
import { DUPLEX_DEVICES } from '../systems/duplex/policy.ts';
import { duplexCapacityBytes, type DuplexSystem } from '../systems/duplex/duplex-system.ts';
import type { DuplexStepResult } from '../systems/duplex/duplex-step.ts';
import {
  DUPLEX_ENERGY_METHOD, RUN_REPORT_SCHEMA, runTotals, softwareProfileInfo, stepShape, type RunInputBase, type RunReport, type StepRecord, type TimelineEntry, type TimelineScope,
} from './run-report.ts';

/**
 * The run report (`strata.run-report/1`, policy `duplex`) of steps run on a Duplex-family system
 * (src/systems/duplex/duplex-step.ts). The same report kind as baseline runs, so `strata report` draws its device timeline
 * (one lane per device: `xpu0`, `pim0`) and its time by op kind; the Duplex parts (devices, PIM, busy time per
 * device, co-processing overlap, energy by component) are the report's optional Duplex fields. A pure function of
 * the step results.
 */

/** What `strata run --policy duplex` ran. */
export interface DuplexRunInput extends RunInputBase {
  readonly system: DuplexSystem;
  readonly coProcessing: boolean;
  /** Steps in run order; each starts when the previous ends. */
  readonly steps: ReadonlyArray<{ readonly step: Step; readonly seed: string; readonly result: DuplexStepResult }>;
  readonly timeline: TimelineScope;
}

const ns = (ps: number) => ps / 1000;

/** Builds the run report of a Duplex-family run. */
export function duplexRunReport(input: DuplexRunInput): RunReport {
  const sys = input.system;
  const x = sys.xpu;
  const precision = resolvePrecision(x, input.model.precisionBytes);
  const steps: StepRecord[] = [];
  const timeline: TimelineEntry[] = [];
  let t = 0;
  let ops = 0, flops = 0, bytes = 0, tokens = 0, computeBound = 0, memoryBound = 0, launchPs = 0, pj = 0;
  const breakdown = { xpu: 0, pimDram: 0, pimCompute: 0, interconnect: 0 };
  input.steps.forEach(({ step, seed, result: r }, index) => {
    const { newTokens, minCtx, maxCtx } = stepShape(step);
    let stepFlops = 0, stepBytes = 0, stepCompute = 0;
    for (const o of r.ops) {
      stepFlops += o.flops;
      stepBytes += o.bytes;
      if (o.computePs > o.memoryPs) stepCompute++;
      launchPs += o.launchPs;
      if (input.timeline === 'all' || index === 0) {
        timeline.push({
          step: index, op: o.id, kind: o.kind, device: o.device, startNs: ns(t + o.startPs), endNs: ns(t + o.endPs),
          computeNs: ns(o.computePs), memoryNs: ns(o.memoryPs), launchNs: ns(o.launchPs), bound: o.computePs > o.memoryPs ? 'compute' : 'memory',
          flops: o.flops, bytes: o.bytes, allReduceNs: ns(o.allReducePs),
        });
      }
    }
    steps.push({
      index, requests: step.requests.length, newTokens, minContextLength: minCtx, maxContextLength: maxCtx, seed,
      startNs: ns(t), endNs: ns(t + r.timePs), timeNs: ns(r.timePs), ops: r.ops.length, flops: stepFlops, bytes: stepBytes,
      computeBoundOps: stepCompute, memoryBoundOps: r.ops.length - stepCompute, energyJ: r.energyPj.total / 1e12,
      xpuBusyNs: ns(r.busyPs[DUPLEX_DEVICES.xpu] ?? 0), pimBusyNs: ns(r.busyPs[DUPLEX_DEVICES.pim] ?? 0), serialNs: ns(r.serialPs), overlapNs: ns(r.overlapPs), contendedNs: ns(r.contendedPs),
    });
    t += r.timePs;
    ops += r.ops.length;
    flops += stepFlops;
    bytes += stepBytes;
    tokens += newTokens;
    computeBound += stepCompute;
    memoryBound += r.ops.length - stepCompute;
    pj += r.energyPj.total;
    breakdown.xpu += r.energyPj.xpu / 1e12;
    breakdown.pimDram += r.energyPj.pimDram / 1e12;
    breakdown.pimCompute += r.energyPj.pimCompute / 1e12;
    breakdown.interconnect += r.energyPj.interconnect / 1e12;
  });
  const seconds = t / 1e12;
  const joules = pj / 1e12;
  const f = input.footprint;
  const pim = sys.pim;
  return {
    schema: RUN_REPORT_SCHEMA,
    system: {
      name: sys.name, requested: input.requestedSystem, kind: x.kind, file: repoRelative(sys.file), precision,
      peakFlopsPerS: x.peakFlopsPerS[precision]!, bandwidthBytesPerS: x.bandwidthBytesPerS, capacityBytes: x.capacityBytes,
      computeEfficiency: x.computeEfficiency, memoryEfficiency: x.memoryEfficiency, launchOverheadNs: ns(x.launchOverheadPs), boardPowerW: x.boardPowerW,
      // The xPU's ops are timed under its preset's default profile (src/systems/duplex/duplex-step.ts calls opCost without one).
      softwareProfile: softwareProfileInfo(x),
      duplex: {
        devices: sys.devices,
        pim: pim
          ? { spec: pim.spec.name, placement: pim.spec.placement, stacksPerDevice: pim.stacksPerDevice, opPerByteThreshold: pim.opPerByteThreshold, bandwidthFactor: pim.spec.bandwidthFactor }
          : null,
        interconnectBytesPerS: sys.interconnect.bandwidthBytesPerS,
        coProcessing: input.coProcessing,
      },
    },
    model: input.model,
    policy: 'duplex',
    workload: { phase: input.phase, origin: input.origin, steps: input.steps.length, seed: input.seed, streams: [...input.streams] },
    memory: { weightBytes: f.weightBytes, kvCacheBytes: f.kvCacheBytes, kvTokens: f.kvTokens, neededBytes: f.totalBytes, availableBytes: duplexCapacityBytes(sys) },
    steps,
    timeline: { scope: input.timeline, ops: timeline },
    totals: runTotals({ timePs: t, ops, flops, bytes, tokens, steps: input.steps.length, phase: input.phase, computeBound, memoryBound, launchPs }),
    energy: {
      method: DUPLEX_ENERGY_METHOD,
      joules,
      averagePowerW: seconds > 0 ? joules / seconds : 0,
      joulesPerToken: tokens > 0 ? joules / tokens : 0,
      note: `${sys.devices} x ${x.name} at ${x.boardPowerW} W for the whole step (computing or waiting for PIM); PIM traffic by per-bit DRAM path energy (FGDRAM split) plus MAC and vector-lane energy; all-reduces over the link per bit`,
      breakdownJ: breakdown,
    },
  };
}
