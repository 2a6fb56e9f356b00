import { opCost, energyJoules } from '../baseline/roofline.ts';
import { buildOpGraph, type LowerOptions } from '../../compiler/lower.ts';
import type { ModelSpec } from '../../compiler/model.ts';
import { opBytes, type Op, type OpKind } from '../../ir/op.ts';
import { makeStep } from '../../compiler/step.ts';
import type { Phase, Step, StepRequest } from '../../ir/step.ts';
import { DUPLEX_DEVICES, duplexPlacement, expertKey, type DuplexSplit } from './policy.ts';
import { StrataError } from '../../spec/errors.ts';
import { balanceExperts, coSchedule, fastestExperts, type CoItem, type ExpertLoad } from './duplex-schedule.ts';
import type { DuplexSystem } from './duplex-system.ts';
import { pimPeakBytesPerS } from '../../pim/logic-pim.ts';
import { pimOpCost } from './logic-pim-gemv.ts';

/**
 * Cost of one step on a Duplex-family system (src/systems/duplex/duplex-system.ts), mapped by the `duplex` policy: by
 * default each matrix op by its Op/B (`op-b`); with `split: 'balanced'` (or `'fastest'`) by the Duplex authors' rule
 * (non-expert matrix ops on the xPU, decode attention on PIM, each layer's experts split by `balanceExperts` on
 * the costs below, src/systems/duplex/policy.ts).
 *
 * - xPU ops: the analytical roofline of the xPU preset (src/systems/baseline/roofline.ts: max(compute, memory) at the
 *   preset's efficiencies, HBM3 at its published bandwidth), split evenly over the tensor-parallel devices. Each
 *   residual add first all-reduces its branch output over the interconnect (ring: 2(n-1)/n of the bytes per
 *   device, plus a fixed latency) when there is more than one device.
 * - PIM ops: src/systems/duplex/logic-pim-gemv.ts on every stack of every device, traffic through the DRAM model.
 * - Launches: every op pays the xPU preset's launch overhead (the xPU's runtime issues PIM kernels too), except
 *   that a layer's per-request attention ops of one kind on one processor are one batched kernel (one launch),
 *   as paged-attention kernels run them, and that vector ops on PIM are fused into the matrix op they follow.
 * - Co-processing and the shared DRAM: src/systems/duplex/duplex-schedule.ts. With `coProcessing: false` every op waits for
 *   the previous one (the serial sum).
 * - Energy: every xPU at board power for the whole step, computing or waiting for PIM (xpuEnergyPj), PIM ops by
 *   the DRAM path energy of their simulated traffic plus MAC / vector-lane energy, the interconnect per bit.
 */

/** One scheduled request of a batch: KV-cache tokens before the step and tokens processed in it. */
export interface BatchEntry {
  readonly contextLength: number;
  readonly newTokens: number;
}

/** Options of a Duplex step. */
export interface DuplexStepOptions {
  /** MoE routing (lowering): seed of `moe.routing.<seed>` (default '0') and uniform or skewed. */
  readonly seed?: string;
  readonly routing?: LowerOptions['routing'];
  /** Overlap the xPU and PIM (default true); false runs every op after the previous one. */
  readonly coProcessing?: boolean;
  /** How matrix ops are split between xPU and PIM (src/systems/duplex/policy.ts; default `op-b`). */
  readonly split?: DuplexSplit;
}

/** One op of a step's timeline. Times in integer ps. */
export interface DuplexOpRecord {
  readonly id: string;
  readonly kind: OpKind;
  readonly device: string;
  readonly startPs: number;
  readonly endPs: number;
  /** Time alone on its processor: launch + max(compute, memory) + all-reduce. */
  readonly naturalPs: number;
  readonly computePs: number;
  readonly memoryPs: number;
  readonly launchPs: number;
  readonly allReducePs: number;
  readonly flops: number;
  readonly bytes: number;
  readonly energyPj: number;
}

/** Energy of a step by component, pJ. */
export interface DuplexEnergy {
  readonly xpu: number;
  readonly pimDram: number;
  readonly pimCompute: number;
  readonly interconnect: number;
  readonly total: number;
}

/** Result of a step. */
export interface DuplexStepResult {
  readonly system: string;
  readonly phase: Phase;
  readonly tokens: number;
  readonly timePs: number;
  /** Every op one after another (no co-processing): timePs <= serialPs. */
  readonly serialPs: number;
  /** Busy time per device id (xpu0, pim0), ps. */
  readonly busyPs: Readonly<Record<string, number>>;
  /** Time both processors ran at once, and the part of it the shared DRAM slowed down, ps. */
  readonly overlapPs: number;
  readonly contendedPs: number;
  readonly energyPj: DuplexEnergy;
  /** Ops and FLOPs per device id. */
  readonly opsPerDevice: Readonly<Record<string, number>>;
  readonly ops: readonly DuplexOpRecord[];
}

/** What a serving loop needs of a step. */
export interface StepCost {
  readonly timePs: number;
  readonly energyPj: number;
  readonly busyPs: Readonly<Record<string, number>>;
}

const ATTENTION_KINDS: ReadonlySet<OpKind> = new Set<OpKind>(['attn-score', 'softmax', 'attn-context']);

/** The step of a batch composition: decode when every entry extends a context by one token, prefill when every entry is a fresh prompt, otherwise mixed. */
export function stepOfBatch(batch: readonly BatchEntry[]): Step {
  if (batch.length === 0) throw new StrataError('batch composition: expected at least one request');
  const requests: StepRequest[] = batch.map((b, i) => ({ id: `r${i}`, contextLength: b.contextLength, newTokens: b.newTokens }));
  const decode = batch.every((b) => b.newTokens === 1 && b.contextLength >= 1);
  const prefill = batch.every((b) => b.contextLength === 0);
  return makeStep(decode ? 'decode' : prefill ? 'prefill' : 'mixed', requests, 'batch composition');
}

/** An op's share on one of `n` tensor-parallel devices. */
function shard(op: Op, n: number): Op {
  if (n === 1) return op;
  return {
    ...op, flops: op.flops / n, weightBytes: op.weightBytes / n, activationReadBytes: op.activationReadBytes / n,
    activationWriteBytes: op.activationWriteBytes / n, kvReadBytes: op.kvReadBytes / n, kvWriteBytes: op.kvWriteBytes / n,
  };
}

/** Runs a step's ops (lowered from `model` and `step`) on `system`. */
export function runDuplexStep(system: DuplexSystem, model: ModelSpec, step: Step, opts: DuplexStepOptions = {}): DuplexStepResult {
  const ops = buildOpGraph(model, step, { seed: opts.seed, routing: opts.routing });
  return runDuplexOps(system, model, step.phase, ops, opts.coProcessing ?? true, opts.split ?? 'op-b');
}

/** Time of an expert's FFN ops (in op order) alone on the xPU and alone on PIM: launches plus bodies, ps. */
export function expertChainPs(system: DuplexSystem, model: ModelSpec, ops: readonly Op[]): { xpuPs: number; pimPs: number } {
  let xpuPs = 0;
  let pimPs = 0;
  for (const op of ops) {
    const x = duplexOpParts(system, model, op, false);
    xpuPs += baseLaunchPs(system, op, false) + x.allReducePs + x.bodyPs;
    if (system.pim) {
      const p = duplexOpParts(system, model, op, true);
      pimPs += baseLaunchPs(system, op, true) + p.bodyPs;
    }
  }
  return { xpuPs, pimPs };
}

/**
 * The experts the xPU takes in every layer of `ops` under the `balanced` split (`balanceExperts` on each layer's
 * experts, costed by `expertChainPs`) or the `fastest` split (`fastestExperts`), as `layer:expert` keys.
 */
export function balancedExpertsOnXpu(system: DuplexSystem, model: ModelSpec, ops: readonly Op[], split: 'balanced' | 'fastest' = 'balanced'): Set<string> {
  const onXpu = new Set<string>();
  if (!system.pim || model.experts <= 1) return onXpu;
  const byLayer = new Map<number, Op[][]>();
  for (const op of ops) {
    if (op.expert < 0) continue;
    let experts = byLayer.get(op.layer);
    if (!experts) byLayer.set(op.layer, (experts = Array.from({ length: model.experts }, () => [])));
    experts[op.expert]!.push(op);
  }
  for (const [layer, experts] of byLayer) {
    const loads: ExpertLoad[] = experts.map((chain) => {
      const up = chain.find((op) => op.kind === 'ffn-up');
      return { tokens: up ? up.m : 0, ...expertChainPs(system, model, chain) };
    });
    for (const e of (split === 'balanced' ? balanceExperts : fastestExperts)(loads)) onXpu.add(expertKey(layer, e));
  }
  return onXpu;
}

/**
 * An op's cost on the processor the policy chose, before scheduling: body = max(compute, memory), the all-reduce
 * that precedes a residual add on several devices, the bytes its body moves per device (what the shared DRAM sees)
 * and its energy. Launches are decided by the caller (`baseLaunchPs` and the per-layer batching of attention).
 */
export interface DuplexOpParts {
  /** 0 = xPU, 1 = PIM. */
  readonly device: 0 | 1;
  readonly computePs: number;
  readonly memoryPs: number;
  readonly bodyPs: number;
  readonly allReducePs: number;
  /** Bytes the body moves on one device (0 when the body takes no time). */
  readonly bodyBytes: number;
  /** Bytes for the report: PIM traffic over all stacks, or the op's bytes on the xPU. */
  readonly bytes: number;
  readonly pimDramPj: number;
  readonly pimComputePj: number;
  readonly linkPj: number;
}

/** Launch overhead of an op before per-layer attention batching: the xPU preset's, except vector ops on PIM (fused). */
export function baseLaunchPs(system: DuplexSystem, op: Op, onPim: boolean): number {
  return onPim && op.cls === 'vector' ? 0 : system.xpu.launchOverheadPs;
}

/** Whether an op is one of a layer's per-request attention ops (one batched kernel per kind, layer and processor). */
export function isAttentionOp(op: Op): boolean {
  return ATTENTION_KINDS.has(op.kind);
}

/** Cost parts of `op` on the xPU (onPim false) or the PIM device of `system`. */
export function duplexOpParts(system: DuplexSystem, model: ModelSpec, op: Op, onPim: boolean): DuplexOpParts {
  const n = system.devices;
  if (onPim) {
    const stacks = n * system.pim!.stacksPerDevice;
    const c = pimOpCost(system.pim!.spec, op, stacks);
    const bodyPs = Math.max(c.computePs, c.memoryPs);
    return {
      device: 1, computePs: c.computePs, memoryPs: c.memoryPs, bodyPs, allReducePs: 0, bodyBytes: bodyPs > 0 ? c.bytes / n : 0,
      bytes: c.bytes, pimDramPj: c.dramPj, pimComputePj: c.computePj, linkPj: 0,
    };
  }
  const c = opCost(system.xpu, shard(op, n), model.precisionBytes);
  let allReducePs = 0;
  let linkPj = 0;
  if (n > 1 && op.kind === 'residual-add') {
    // The branch output (tokens x hidden, what the add writes) is summed over the devices first.
    const sent = (2 * (n - 1) * op.activationWriteBytes) / n;
    allReducePs = Math.ceil((sent * 1e12) / system.interconnect.bandwidthBytesPerS) + system.interconnect.latencyPs;
    linkPj = sent * n * 8 * system.interconnect.energyPjPerBit;
  }
  const bodyPs = Math.max(c.computePs, c.memoryPs);
  return {
    device: 0, computePs: c.computePs, memoryPs: c.memoryPs, bodyPs, allReducePs, bodyBytes: bodyPs > 0 ? opBytes(op) / n : 0,
    bytes: opBytes(op), pimDramPj: 0, pimComputePj: 0, linkPj,
  };
}

/** Bandwidth of the bank array that PIM and xPU bodies share on one device, bytes per ps (Infinity without PIM). */
export function sharedArrayBytesPerPs(system: DuplexSystem): number {
  return system.pim ? (system.pim.stacksPerDevice * pimPeakBytesPerS(system.pim.spec)) / 1e12 : Infinity;
}

/**
 * xPU energy of a step, pJ: board power over the whole step on every device, whether the xPU computes or waits
 * for PIM. That is how the GPU baselines are charged (board power x time), so Duplex and GPU systems compare like
 * for like; presets cite no idle power, so waiting is charged at board power, an upper bound on Duplex's energy.
 */
export function xpuEnergyPj(system: DuplexSystem, stepPs: number): number {
  return energyJoules(system.xpu, stepPs) * 1e12 * system.devices;
}

/** Runs an op graph already lowered (in dependency order) on `system`. */
export function runDuplexOps(system: DuplexSystem, model: ModelSpec, phase: Phase, ops: readonly Op[], coProcessing = true, split: DuplexSplit = 'op-b'): DuplexStepResult {
  const placement = duplexPlacement(system, ops, split === 'op-b' ? {} : {
    split, group: model.heads / model.kvHeads, expertsOnXpu: balancedExpertsOnXpu(system, model, ops, split),
  });
  const index = new Map<string, number>();
  ops.forEach((op, i) => index.set(op.id, i));
  const launched = new Set<string>();
  const items: CoItem[] = [];
  const parts: Array<Omit<DuplexOpRecord, 'startPs' | 'endPs'>> = [];
  let pimDram = 0;
  let pimCompute = 0;
  let linkPj = 0;
  let tokens = 0;

  ops.forEach((op, i) => {
    const onPim = placement[i] === DUPLEX_DEVICES.pim;
    let launchPs = baseLaunchPs(system, op, onPim);
    if (launchPs > 0 && isAttentionOp(op)) {
      const key = `${op.layer}:${op.kind}:${placement[i]}`;
      if (launched.has(key)) launchPs = 0;
      launched.add(key);
    }
    const c = duplexOpParts(system, model, op, onPim);
    pimDram += c.pimDramPj;
    pimCompute += c.pimComputePj;
    linkPj += c.linkPj;
    if (op.kind === 'lm-head') tokens = op.m;
    // The all-reduce moves no DRAM data: it is part of the launch-like, traffic-free lead of the op.
    items.push({
      device: c.device,
      deps: op.deps.map((d) => index.get(d)!).filter((d) => d !== undefined),
      launchPs: launchPs + c.allReducePs,
      bodyPs: c.bodyPs,
      bytes: c.bodyBytes,
    });
    parts.push({
      id: op.id, kind: op.kind, device: placement[i]!, naturalPs: launchPs + c.allReducePs + c.bodyPs, computePs: c.computePs, memoryPs: c.memoryPs,
      launchPs, allReducePs: c.allReducePs, flops: op.flops, bytes: c.bytes, energyPj: c.pimDramPj + c.pimComputePj + c.linkPj,
    });
  });

  const arrayBytesPerPs = sharedArrayBytesPerPs(system);
  const serialPs = parts.reduce((s, p) => s + p.naturalPs, 0);
  let startPs: readonly number[];
  let endPs: readonly number[];
  let timePs: number;
  let busy: readonly [number, number];
  let overlapPs = 0;
  let contendedPs = 0;
  if (coProcessing) {
    const s = coSchedule(items, arrayBytesPerPs);
    ({ startPs, endPs } = s);
    timePs = s.makespanPs;
    busy = s.busyPs;
    overlapPs = s.overlapPs;
    contendedPs = s.contendedPs;
  } else {
    const st: number[] = [];
    const en: number[] = [];
    const b: [number, number] = [0, 0];
    let t = 0;
    parts.forEach((p, i) => {
      st.push(t);
      t += p.naturalPs;
      en.push(t);
      b[items[i]!.device] += p.naturalPs;
    });
    startPs = st;
    endPs = en;
    timePs = t;
    busy = b;
  }
  const busyPs: Record<string, number> = { [DUPLEX_DEVICES.xpu]: busy[0] };
  if (system.pim) busyPs[DUPLEX_DEVICES.pim] = busy[1];
  const opsPerDevice: Record<string, number> = {};
  for (const d of placement) opsPerDevice[d] = (opsPerDevice[d] ?? 0) + 1;
  const xpuPj = xpuEnergyPj(system, timePs);
  const energyPj: DuplexEnergy = { xpu: xpuPj, pimDram, pimCompute, interconnect: linkPj, total: xpuPj + pimDram + pimCompute + linkPj };
  const records: DuplexOpRecord[] = parts.map((p, i) => ({ ...p, startPs: startPs[i]!, endPs: endPs[i]! }));
  return { system: system.name, phase, tokens, timePs, serialPs, busyPs, overlapPs, contendedPs, energyPj, opsPerDevice, ops: records };
}

/**
 * The step-cost model for a serving loop: time, energy and busy time per device of one step whose batch lists,
 * per scheduled request, its context so far and its new tokens.
 */
export function duplexStepCost(system: DuplexSystem, model: ModelSpec, batch: readonly BatchEntry[], opts: DuplexStepOptions = {}): StepCost {
  const r = runDuplexStep(system, model, stepOfBatch(batch), opts);
  return { timePs: r.timePs, energyPj: r.energyPj.total, busyPs: r.busyPs };
}
