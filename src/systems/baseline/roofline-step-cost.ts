import { deviceProfile, opCost, resolvePrecision, stepTimePs, usableBytes, type AttentionLaunch, type DevicePreset, type Precision } from './roofline.ts';
import { buildOpGraph, type LowerOptions } from '../../compiler/lower.ts';
import { parameterCount, type ModelSpec } from '../../compiler/model.ts';
import type { Op, OpKind } from '../../ir/op.ts';
import { makeStep } from '../../compiler/step.ts';
import type { StepRequest } from '../../ir/step.ts';
import { repoRelative } from '../../compiler/policies/types.ts';
import type { BatchEntry, StepBatch, StepCost, StepCostModel } from '../../serving/step-cost.ts';

/**
 * Step costs on an analytical GPU/CPU baseline: the step's op graph (src/compiler/lower.ts) run op after op on
 * one device with the roofline of src/systems/baseline/roofline.ts, exactly as `strata run` times a step; energy is
 * board power x time.
 *
 * The time of a step is max(GPU time, host launch time), each a sum over its ops, and every op belongs to one of
 * three parts whose ops depend on less than the whole batch:
 * - attention (score, softmax, context): one op each per request and layer, a function of that request's
 *   (contextLength, newTokens) only, and the same in every layer;
 * - the head (final norm, LM head): a function of the number of requests (one row each);
 * - the body (embedding, norms, projections, FFN or experts, residual adds): a function of the step's total new
 *   tokens and, for MoE models, of the step's expert routing.
 * Each part is costed once per distinct key and summed, so a serving run costs each (context, new tokens) pair
 * once instead of lowering a whole graph per step. This is exact (integer ps, the same sum in another order);
 * the tests check it against `runOpsOnDevice(buildOpGraph(step))` on mixed batches. MoE routing is drawn per step
 * from `moe.routing.<seed>.<step>`, so an MoE body is costed afresh every step (no memo: it would not be exact).
 */

const ATTENTION_KINDS: ReadonlySet<OpKind> = new Set<OpKind>(['attn-score', 'softmax', 'attn-context']);
const HEAD_KINDS: ReadonlySet<OpKind> = new Set<OpKind>(['final-norm', 'lm-head']);

/** Options of `rooflineStepCost`. */
export interface RooflineStepCostOptions {
  /** Seed of the MoE routing streams (`moe.routing.<seed>.<step>`). Default '0'. */
  readonly seed?: string;
  readonly routing?: LowerOptions['routing'];
  /**
   * Kernel launches of attention (src/systems/baseline/roofline.ts, ATTENTION_LAUNCHES). `per-layer` (default): the batch's
   * attention ops of one kind share one launch per layer, as batched (paged) attention kernels do in serving engines.
   * `per-request`: one launch per attention op, i.e. per request and layer. Either way exactly what `strata run`
   * gives with the same `--attention-launch`; compute and memory times are the same.
   */
  readonly attentionLaunch?: AttentionLaunch;
  /** Software profile of the device (default: the device's). */
  readonly profile?: string;
}

export { ATTENTION_LAUNCHES, type AttentionLaunch } from './roofline.ts';

/** A `StepCostModel` for a GPU/CPU baseline preset, with exact per-part memoisation (see the file comment). */
export function rooflineStepCost(model: ModelSpec, device: DevicePreset, opts: RooflineStepCostOptions = {}): StepCostModel {
  const seed = opts.seed ?? '0';
  const routing = opts.routing;
  const precision: Precision = resolvePrecision(device, model.precisionBytes);
  const moe = model.experts > 1;
  // Attention and head ops do not depend on the layer count: a one-layer copy of the model lowers them cheaply.
  const oneLayer: ModelSpec = { ...model, layers: 1 };
  const deviceId = `${device.kind}0`;
  const prof = deviceProfile(device, opts.profile);
  const profile = prof.name;
  const perLayer = (opts.attentionLaunch ?? 'per-layer') === 'per-layer';

  /** GPU and host time of a part. */
  interface Part { gpu: number; host: number }
  const attention = new Map<number, Map<number, Part>>();
  const head = new Map<number, Part>();
  const body = new Map<number, Part>();
  let steps = 0;
  let lookups = 0;
  let hits = 0;

  const sum = (ops: readonly Op[], keep: (op: Op) => boolean, shared = false): Part => {
    const p: Part = { gpu: 0, host: 0 };
    for (const op of ops) {
      if (!keep(op)) continue;
      const c = opCost(device, op, precision, { profile, sharedKernel: shared });
      p.gpu += c.durationPs;
      p.host += c.hostPs;
    }
    return p;
  };

  // per-layer launches: one attention kernel (the score op's kernels) per layer for the whole batch
  const oneRequest = buildOpGraph(oneLayer, makeStep('mixed', [{ id: 'r0', contextLength: 1, newTokens: 1 }]));
  const batched = sum(oneRequest, (op) => op.kind === 'attn-score');
  const batchedWork = sum(oneRequest, (op) => op.kind === 'attn-score', true);
  const batchedLaunch: Part = { gpu: model.layers * (batched.gpu - batchedWork.gpu), host: model.layers * batched.host };

  const attentionPart = (contextLength: number, newTokens: number): Part => {
    lookups++;
    let byNew = attention.get(contextLength);
    if (!byNew) attention.set(contextLength, (byNew = new Map()));
    const known = byNew.get(newTokens);
    if (known !== undefined) {
      hits++;
      return known;
    }
    const ops = buildOpGraph(oneLayer, makeStep('mixed', [{ id: 'r0', contextLength, newTokens }]));
    const one = sum(ops, (op) => ATTENTION_KINDS.has(op.kind), perLayer);
    const p = { gpu: model.layers * one.gpu, host: model.layers * one.host };
    byNew.set(newTokens, p);
    return p;
  };

  const headPart = (rows: number): Part => {
    lookups++;
    const known = head.get(rows);
    if (known !== undefined) {
      hits++;
      return known;
    }
    const requests: StepRequest[] = [];
    for (let i = 0; i < rows; i++) requests.push({ id: `r${i}`, contextLength: 1, newTokens: 1 });
    const p = sum(buildOpGraph(oneLayer, makeStep('decode', requests)), (op) => HEAD_KINDS.has(op.kind));
    head.set(rows, p);
    return p;
  };

  const bodyPart = (tokens: number, index: number): Part => {
    if (!moe) {
      lookups++;
      const known = body.get(tokens);
      if (known !== undefined) {
        hits++;
        return known;
      }
    }
    // The body depends on the total only: lower it as prompts of at most maxPositions tokens (learned position
    // tables have no row past it), no context.
    const cap = model.positionScheme === 'learned' ? model.maxPositions : tokens;
    const requests: StepRequest[] = [];
    for (let left = tokens, i = 0; left > 0; left -= cap, i++) requests.push({ id: `r${i}`, contextLength: 0, newTokens: Math.min(cap, left) });
    const ops = buildOpGraph(model, makeStep('prefill', requests), { seed: `${seed}.${index}`, routing });
    const p = sum(ops, (op) => !ATTENTION_KINDS.has(op.kind) && !HEAD_KINDS.has(op.kind));
    if (!moe) body.set(tokens, p);
    return p;
  };

  return {
    name: 'gpu-roofline',
    system: device.name,
    file: repoRelative(device.file),
    description: `the step's kernels on ${device.name} one after another (profile ${profile}), each its floor + max(compute, memory), the step max(GPU time, host launch time) (docs/baselines.md); ` +
      (perLayer ? 'one fused attention kernel per layer for the whole batch' : 'one fused attention kernel per request and layer'),
    softwareProfile: { name: prof.name, description: prof.description, hostLaunchNs: prof.hostLaunchPs / 1000 },
    energyMethod: device.energyMethod,
    energyNote: `board power x busy time: ${device.boardPowerW} W while a step runs; idle gaps between arrivals are not counted`,
    memory: { capacityBytes: usableBytes(device), weightBytes: parameterCount(model) * model.precisionBytes },
    streams: moe ? [`moe.routing.${seed}.<step>`] : [],

    cost(batch: StepBatch): StepCost {
      steps++;
      let tokens = 0;
      let gpu = 0;
      let host = 0;
      for (const e of batch.entries) {
        tokens += e.newTokens;
        const a = attentionPart(e.contextLength, e.newTokens);
        gpu += a.gpu;
        host += a.host;
      }
      const h = headPart(batch.entries.length);
      const b = bodyPart(tokens, batch.index);
      gpu += h.gpu + b.gpu + (perLayer ? batchedLaunch.gpu : 0);
      host += h.host + b.host + (perLayer ? batchedLaunch.host : 0);
      const t = stepTimePs(gpu, host);
      return { timePs: t, energyPj: energyPj(device, t), busyPs: { [deviceId]: t } };
    },

    stats: () => ({ steps, lookups, hits }),
  };
}

/** Board power x time: W x ps = pJ. */
function energyPj(device: DevicePreset, timePs: number): number {
  switch (device.energyMethod) {
    case 'board-power-x-time':
      return device.boardPowerW * timePs;
    default: {
      const never: never = device.energyMethod;
      throw new Error(`internal invariant broken: unhandled energy method ${String(never)}`);
    }
  }
}

/** The step `strata run` would time for a batch: one request per entry (ids as given), for checks against the op graph. */
export function batchStepRequests(entries: readonly BatchEntry[]): StepRequest[] {
  return entries.map((e) => ({ id: e.id, contextLength: e.contextLength, newTokens: e.newTokens }));
}
