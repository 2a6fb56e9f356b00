import { buildOpGraph } from '../compiler/lower.ts';
import { decodeStep, prefillStep } from '../compiler/step.ts';
import type { ModelSpec } from '../compiler/model.ts';
import { repoRelative } from '../compiler/policies/types.ts';
import { pimCapacityBytes } from '../compiler/policies/pim-gemv-tiling.ts';
import { opBytes } from '../ir/op.ts';
import { peakBandwidthGBps } from '../dram/standard.ts';
import type { Step } from '../ir/step.ts';
import type { PimGptSystem, TokenCost } from '../systems/pim-gpt/pim-gpt.ts';
import { PIM_GPT_DEVICES } from '../systems/pim-gpt/policy.ts';
import { tokenEnergyPj } from '../systems/pim-gpt/token-sequence.ts';
import {
  PIM_GPT_ENERGY_METHOD, RUN_REPORT_SCHEMA, runTotals, stepShape, type PimGptEnergyJ, type RunInputBase, type RunReport, type StepRecord, type TimelineEntry, type TimelineScope,
} from './run-report.ts';

/**
 * The run report (`strata.run-report/1`, policy `pim-gpt`) of steps run on a PIM-GPT system: each step is the tokens
 * it processes, run one by one as PIM-GPT runs them (src/systems/pim-gpt/token-sequence.ts): a decode step one token,
 * a prefill of L tokens the tokens at contexts 0 .. L − 1. A pure function of the tokens.
 *
 * The fields the roofline gives meaning to are filled as follows. Ops and their FLOPs and bytes are those of every
 * token's op graph (the graph pim-gpt.ts times). The timeline lists, per op of the first token of each listed step,
 * one entry: its span on `pim0` (from the first channel's start, or the token's start where a channel opened its first
 * row during the token before, to the last channel's end) or on `asic0`; computeNs
 * is that span (the simulation is cycle-level: there is no separate compute and memory time), memoryNs and launchNs
 * are 0, and `bound` says where the op ran (PIM GEMVs, which read their operands from the banks, `memory`; ASIC ops
 * `compute`): a label of the unit, not a roofline verdict. Likewise a step's computeBoundOps counts its ASIC ops
 * and memoryBoundOps its PIM ops.
 */

/** What `strata run --system pim-gpt` ran. */
export interface PimGptRunInput extends RunInputBase {
  readonly system: PimGptSystem;
  readonly modelSpec: ModelSpec;
  /** Steps in run order, each with its tokens in order (those with timeline spans for the listed steps). */
  readonly steps: ReadonlyArray<{ readonly step: Step; readonly seed: string; readonly tokens: readonly TokenCost[] }>;
  readonly timeline: TimelineScope;
}

const ns = (ps: number) => ps / 1000;

/** Ops, FLOPs, bytes and PIM ops of the token graph at each context (memoised per run: prefill repeats none, decode runs few). */
function tokenWork(model: ModelSpec, contextLength: number): { ops: number; flops: number; bytes: number; pimOps: number; kinds: Map<string, { flops: number; bytes: number }> } {
  const graph = buildOpGraph(model, contextLength === 0 ? prefillStep([1]) : decodeStep([contextLength]));
  let flops = 0, bytes = 0, pimOps = 0;
  const kinds = new Map<string, { flops: number; bytes: number }>();
  for (const op of graph) {
    flops += op.flops;
    bytes += opBytes(op);
    if ((op.cls === 'gemm' || op.cls === 'gemv') && (op.weightBytes > 0 || op.kvReadBytes > 0)) pimOps++;
    kinds.set(op.id, { flops: op.flops, bytes: opBytes(op) });
  }
  return { ops: graph.length, flops, bytes, pimOps, kinds };
}

/** Builds the run report of a PIM-GPT run. */
export function pimGptRunReport(input: PimGptRunInput): RunReport {
  const sys = input.system;
  const std = sys.pim.standard;
  const o = std.organization;
  const banks = o.bankGroups * o.banksPerGroup;
  const steps: StepRecord[] = [];
  const timeline: TimelineEntry[] = [];
  let t = 0;
  let ops = 0, flops = 0, bytes = 0, tokens = 0, computeBound = 0, memoryBound = 0, pj = 0;
  const breakdown: { -readonly [K in keyof PimGptEnergyJ]: number } = { activate: 0, arrayRead: 0, mac: 0, io: 0, buffers: 0, refresh: 0, background: 0, asic: 0 };
  input.steps.forEach(({ step, seed, tokens: toks }, index) => {
    const { newTokens, minCtx, maxCtx } = stepShape(step);
    let stepPs = 0, stepPj = 0, stepOps = 0, stepFlops = 0, stepBytes = 0, stepPim = 0;
    toks.forEach((tok, j) => {
      const w = tokenWork(input.modelSpec, tok.contextLength);
      stepOps += w.ops;
      stepFlops += w.flops;
      stepBytes += w.bytes;
      stepPim += w.pimOps;
      if (j === 0 && (input.timeline === 'all' || index === 0)) {
        if (!tok.timeline) throw new Error(`internal invariant broken: the first token of listed step ${index} was simulated with its timeline`);
        // One entry per op: its nodes (one per channel, or ASIC pieces) from the first start to the last end.
        const spans = new Map<string, { unit: 'pim' | 'asic'; kind: TimelineEntry['kind']; start: number; end: number }>();
        for (const s of tok.timeline) {
          // A channel may open the first row of its next GEMV before the token starts (the prefetch of pim-gpt.ts's
          // overlap): the timeline starts such an op at the token's start, so that steps do not overlap.
          const start = Math.max(0, s.startPs);
          const e = spans.get(s.op);
          if (!e) spans.set(s.op, { unit: s.unit, kind: s.kind, start, end: s.endPs });
          else {
            e.start = Math.min(e.start, start);
            e.end = Math.max(e.end, s.endPs);
          }
        }
        for (const [op, e] of spans) {
          const k = w.kinds.get(op)!;
          timeline.push({
            step: index, op, kind: e.kind, device: e.unit === 'pim' ? PIM_GPT_DEVICES.pim : PIM_GPT_DEVICES.asic,
            startNs: ns(t + stepPs + e.start), endNs: ns(t + stepPs + e.end), computeNs: ns(e.end - e.start), memoryNs: 0, launchNs: 0,
            bound: e.unit === 'pim' ? 'memory' : 'compute', flops: k.flops, bytes: k.bytes,
          });
        }
      }
      stepPs += tok.totalPs;
      stepPj += tokenEnergyPj(tok.energy);
      for (const key of Object.keys(breakdown) as (keyof PimGptEnergyJ)[]) breakdown[key] += tok.energy[key] / 1e12;
    });
    steps.push({
      index, requests: step.requests.length, newTokens, minContextLength: minCtx, maxContextLength: maxCtx, seed,
      startNs: ns(t), endNs: ns(t + stepPs), timeNs: ns(stepPs), ops: stepOps, flops: stepFlops, bytes: stepBytes,
      computeBoundOps: stepOps - stepPim, memoryBoundOps: stepPim, energyJ: stepPj / 1e12,
    });
    t += stepPs;
    ops += stepOps;
    flops += stepFlops;
    bytes += stepBytes;
    tokens += newTokens;
    computeBound += stepOps - stepPim;
    memoryBound += stepPim;
    pj += stepPj;
  });
  const seconds = t / 1e12;
  const joules = pj / 1e12;
  const f = input.footprint;
  const capacityBytes = pimCapacityBytes(sys.pim);
  const unit = sys.pim.unit;
  return {
    schema: RUN_REPORT_SCHEMA,
    system: {
      name: sys.name, requested: input.requestedSystem, kind: 'pim', file: repoRelative(sys.file),
      // AiM-style MAC lanes multiply BF16 elements (arch/pim/aim.json); 2-byte elements are the only ones the PIM specs have.
      precision: unit.elementBytes === 2 ? 'bf16' : 'fp32',
      // Every bank's MAC lanes at the unit clock, a multiply-add counting 2.
      peakFlopsPerS: (o.channels * banks * unit.macsPerBank * 2 * 1e12) / unit.unitClockPs,
      // The channels' pins (the ASIC's links): the PIM standard's analytical peak (src/dram/standard.ts).
      bandwidthBytesPerS: peakBandwidthGBps(std) * 1e9,
      capacityBytes, launchOverheadNs: 0,
      pimGpt: {
        pim: sys.pim.name, asic: sys.asic.name, channels: o.channels, banksPerChannel: banks, macsPerBank: unit.macsPerBank,
        linkLatencyNs: ns(sys.link.latencyPs), linkPjPerBit: sys.link.pjPerBit,
      },
    },
    model: input.model,
    policy: 'pim-gpt',
    workload: { phase: input.phase, origin: input.origin, steps: input.steps.length, seed: input.seed, streams: [...input.streams] },
    memory: { weightBytes: f.weightBytes, kvCacheBytes: f.kvCacheBytes, kvTokens: f.kvTokens, neededBytes: f.totalBytes, availableBytes: capacityBytes },
    steps,
    timeline: { scope: input.timeline, ops: timeline },
    totals: runTotals({ timePs: t, ops, flops, bytes, tokens, steps: input.steps.length, phase: input.phase, computeBound, memoryBound, launchPs: 0 }),
    energy: {
      method: PIM_GPT_ENERGY_METHOD,
      joules,
      averagePowerW: seconds > 0 ? joules / seconds : 0,
      joulesPerToken: tokens > 0 ? joules / tokens : 0,
      note: 'per token: all-bank activations, array reads, MACs, buffer and link I/O, refresh and active standby of every channel (IDD method), the ASIC per op and SRAM byte (src/systems/pim-gpt/pim-gpt.ts tokenEnergy)',
      pimGptJ: breakdown,
    },
  };
}
