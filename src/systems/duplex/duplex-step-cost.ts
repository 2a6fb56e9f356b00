import { buildOpGraph, routeTokens, type LowerOptions } from '../../compiler/lower.ts';
import type { ModelSpec } from '../../compiler/model.ts';
import type { Op } from '../../ir/op.ts';
import { makeStep } from '../../compiler/step.ts';
import type { StepRequest } from '../../ir/step.ts';
import { DUPLEX_DEVICES, duplexPlacement, expertKey, type DuplexPlacementOptions, type DuplexSplit } from './policy.ts';
import { invariant, StrataError } from '../../spec/errors.ts';
import { balanceExperts, coSchedule, fastestExperts, type CoItem, type ExpertLoad } from './duplex-schedule.ts';
import type { DuplexSystem } from './duplex-system.ts';
import {
  baseLaunchPs, duplexOpParts, isAttentionOp, sharedArrayBytesPerPs, xpuEnergyPj, type BatchEntry, type DuplexEnergy,
} from './duplex-step.ts';

/**
 * The cost of a step on a Duplex-family system from its batch composition alone, memoised by shape: the same
 * time, busy times and energy as lowering the whole step and running it (`runDuplexOps(buildOpGraph(step))`,
 * src/systems/duplex/duplex-step.ts), without building the op graph of every layer.
 *
 * Why it is exact. A step's op graph is the embedding, then per layer a chain of segments, then the head. Between
 * segments sits a cut: an op that every earlier op of the step feeds and every later op needs (the last op before
 * attention, the output projection, the MoE router, each residual add). Both processors are idle when a cut starts
 * and nothing else runs until it ends, and the co-schedule (src/systems/duplex/duplex-schedule.ts) depends only on times
 * relative to its start, so the step's schedule is the concatenation of its segments' schedules. A segment's cost
 * depends only on:
 * - the layer ops before attention, between attention and the experts (or the dense FFN) and after them: the
 *   step's total new tokens (memoised by it);
 * - attention: the requests' (context, new tokens) in batch order, the same in every layer, so it is scheduled
 *   once per step (each request's three ops are memoised by (context, new tokens));
 * - the experts of a layer: each expert's token count from the step's routing (the same `routeTokens` draw the
 *   lowering makes), memoised per count, and the whole segment per count vector;
 * - the embedding by the token count, the head (final norm, LM head) by the request count.
 * Shapes come from lowering one-layer copies of the model, so op shapes, placement and costs are the lowering's
 * and the policy's own. Energies are the same sums in another order (equal to rounding). The tests compare this
 * with the full graph on decode, prefill and mixed batches, dense and MoE.
 */

/** Totals of a step (or of a segment) as the serving loop and the validation use them. Times in integer ps. */
export interface DuplexStepSummary {
  readonly timePs: number;
  /** Every op after the previous one, no co-processing. */
  readonly serialPs: number;
  /** Busy time of the xPU and of the PIM device. */
  readonly busyPs: readonly [number, number];
  readonly overlapPs: number;
  readonly contendedPs: number;
  readonly energyPj: DuplexEnergy;
  /** Tokens generated (one per request: the LM head's rows). */
  readonly tokens: number;
}

/** Options of a step coster. */
export interface DuplexStepCosterOptions {
  /** Uniform (default) or skewed MoE routing. */
  readonly routing?: LowerOptions['routing'];
  /** Overlap the xPU and PIM (default true). */
  readonly coProcessing?: boolean;
  /** Memoise parts (default true); false recomputes every part (for checks: same results, slower). */
  readonly memoise?: boolean;
  /** How matrix ops are split between xPU and PIM (src/systems/duplex/policy.ts; default `op-b`). */
  readonly split?: DuplexSplit;
  /**
   * How the step is charged (default `strata`). `authors`: as the Duplex authors' LLMSimulator charges it (read in
   * the HeliosZhou/LLMSimulator fork; docs/validation.md, "Duplex co-processing"): the same placement and op
   * bodies, but no kernel floor or launch on any op (an all-reduce is kept: it moves data), and the xPU and PIM
   * each at their full bandwidth while both run (no shared-bank slowdown); under `fastest`, the authors' mode
   * without co-processing, every op after the previous one. Equal to `coProcessingBreakdown`'s `freeStepPs`
   * (src/validation/duplex.ts) on the whole op graph; the tests compare the two.
   */
  readonly charge?: DuplexCharge;
}

/** How a Duplex step is charged: Strata's (launches, shared banks) or the Duplex authors' simulator's (neither). */
export type DuplexCharge = 'strata' | 'authors';

/** Memo counters. */
export interface DuplexCosterStats {
  readonly steps: number;
  readonly lookups: number;
  readonly hits: number;
}

/** Costs steps of one model on one system. */
export interface DuplexStepCoster {
  /** The step of `batch` with MoE routing drawn from `moe.routing.<seed>`. */
  cost(batch: readonly BatchEntry[], seed: string): DuplexStepSummary;
  /** Steps costed so far, lookups in its memo tables and how many of them found a result. */
  stats(): DuplexCosterStats;
}

/** One op ready to schedule: its item and its energies. */
interface PartItem {
  readonly device: 0 | 1;
  /** Launch before per-layer attention batching (including a residual add's all-reduce). */
  readonly launchPs: number;
  readonly allReducePs: number;
  readonly bodyPs: number;
  readonly bytes: number;
  readonly pimDramPj: number;
  readonly pimComputePj: number;
  readonly linkPj: number;
  /** Attention op kind index (0 score, 1 softmax, 2 context) or -1. */
  readonly attention: number;
}

/** A segment of ops: items with dependencies inside the segment only (indices into `items`). */
interface Segment {
  readonly items: readonly PartItem[];
  readonly deps: readonly (readonly number[])[];
}

/** A scheduled segment's totals. */
interface SegmentCost {
  readonly makespanPs: number;
  readonly serialPs: number;
  readonly busy0: number;
  readonly busy1: number;
  readonly overlapPs: number;
  readonly contendedPs: number;
  readonly pimDramPj: number;
  readonly pimComputePj: number;
  readonly linkPj: number;
}

const ATTENTION_INDEX: Readonly<Record<string, number>> = { 'attn-score': 0, softmax: 1, 'attn-context': 2 };

/**
 * A memo key for a layer's per-expert token counts: one UTF-16 code unit per expert while every count is below
 * 0xffff (short to build, hash and compare: the expert-segment memo sees a new vector at nearly every layer of
 * every step), else (a count of 0xffff or more, or over 4,096 experts) 0xffff and the counts in decimal. Counts are
 * whole numbers >= 0. Injective: a short key holds no 0xffff.
 */
export function countsKey(counts: readonly number[]): string {
  if (counts.length > 4096) return `\uffff${counts.join(',')}`;
  for (const c of counts) if (!(c < 0xffff)) return `\uffff${counts.join(',')}`;
  return String.fromCharCode(...counts);
}

/** A step coster for `model` on `system` (see the module comment). */
export function duplexStepCoster(system: DuplexSystem, model: ModelSpec, opts: DuplexStepCosterOptions = {}): DuplexStepCoster {
  const memoise = opts.memoise ?? true;
  const routing = opts.routing;
  const split = opts.split ?? 'op-b';
  const authors = (opts.charge ?? 'strata') === 'authors';
  const coProcessing = (opts.coProcessing ?? true) && !(authors && split === 'fastest');
  // Placement of everything but the experts (whose balanced split depends on the layer's token counts: expertSegment).
  const placeOpts: DuplexPlacementOptions = split === 'op-b' ? {} : { split, group: model.heads / model.kvHeads };
  const moe = model.experts > 1;
  const arrayBytesPerPs = authors ? Infinity : sharedArrayBytesPerPs(system);
  const oneLayer: ModelSpec = { ...model, layers: 1 };
  // A dense one-layer copy: attention and one FFN without routing, for per-request attention and per-count expert shapes.
  const denseOne: ModelSpec = { ...model, layers: 1, experts: 1, topK: 1 };
  const cap = model.positionScheme === 'learned' ? model.maxPositions : Infinity;
  let steps = 0;
  let lookups = 0;
  let hits = 0;

  const memo = <K, V>(table: Map<K, V>, key: K, make: () => V): V => {
    lookups++;
    if (memoise) {
      const known = table.get(key);
      if (known !== undefined) {
        hits++;
        return known;
      }
    }
    const v = make();
    if (memoise) table.set(key, v);
    return v;
  };

  /** Prompts with `tokens` new tokens in all, each within the model's learned positions. */
  const prompts = (tokens: number): StepRequest[] => {
    const requests: StepRequest[] = [];
    for (let left = tokens, i = 0; left > 0; left -= cap, i++) requests.push({ id: `r${i}`, contextLength: 0, newTokens: Math.min(cap, left) });
    return requests;
  };

  const partItem = (op: Op, onPim: boolean): PartItem => {
    const c = duplexOpParts(system, model, op, onPim);
    return {
      device: c.device, launchPs: baseLaunchPs(system, op, onPim) + c.allReducePs, allReducePs: c.allReducePs, bodyPs: c.bodyPs, bytes: c.bodyBytes,
      pimDramPj: c.pimDramPj, pimComputePj: c.pimComputePj, linkPj: c.linkPj, attention: isAttentionOp(op) ? ATTENTION_INDEX[op.kind]! : -1,
    };
  };

  /** A segment of `ops` (in op order), placed as the policy places them in `placementOf`. */
  const segmentOf = (ops: readonly Op[], onPim: (op: Op) => boolean): Segment => {
    const index = new Map<string, number>();
    ops.forEach((op, i) => index.set(op.id, i));
    return {
      items: ops.map((op) => partItem(op, onPim(op))),
      deps: ops.map((op) => op.deps.map((d) => index.get(d)).filter((d): d is number => d !== undefined)),
    };
  };

  const schedule = (items: readonly PartItem[], deps: readonly (readonly number[])[], charged: readonly number[]): SegmentCost => {
    const co: CoItem[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) co[i] = coItem(items[i]!, deps[i]!, charged[i]!);
    return scheduleItems(items, co);
  };
  /** The item coSchedule runs for `it` (its launch as the segment charges it). */
  const coItem = (it: PartItem, deps: readonly number[], chargedPs: number): CoItem =>
    // The authors' charge keeps only the all-reduce of each op's lead (data movement), no launch.
    ({ device: it.device, deps, launchPs: authors ? it.allReducePs : chargedPs, bodyPs: it.bodyPs, bytes: it.bytes });
  /** Totals of `items` run as `co` (the same items as coSchedule takes them). */
  const scheduleItems = (items: readonly PartItem[], co: readonly CoItem[]): SegmentCost => {
    let serialPs = 0;
    let pimDramPj = 0;
    let pimComputePj = 0;
    let linkPj = 0;
    const natural = [0, 0];
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      const t = co[i]!.launchPs + it.bodyPs;
      serialPs += t;
      natural[it.device]! += t;
      pimDramPj += it.pimDramPj;
      pimComputePj += it.pimComputePj;
      linkPj += it.linkPj;
    }
    if (!coProcessing) {
      return { makespanPs: serialPs, serialPs, busy0: natural[0]!, busy1: natural[1]!, overlapPs: 0, contendedPs: 0, pimDramPj, pimComputePj, linkPj };
    }
    const s = coSchedule(co, arrayBytesPerPs);
    return {
      makespanPs: s.makespanPs, serialPs, busy0: s.busyPs[0], busy1: s.busyPs[1], overlapPs: s.overlapPs, contendedPs: s.contendedPs,
      pimDramPj, pimComputePj, linkPj,
    };
  };
  const scheduleSegment = (seg: Segment): SegmentCost => schedule(seg.items, seg.deps, seg.items.map((it) => it.launchPs));

  // --- Templates --------------------------------------------------------------------------------------------

  /** Layer ops that depend on the step's token count only, split at attention and at the experts. */
  interface LayerTemplate {
    readonly embedding: SegmentCost;
    readonly pre: SegmentCost;
    readonly mid: SegmentCost;
    readonly post: SegmentCost;
  }
  const layerTemplates = new Map<number, LayerTemplate>();
  const layerTemplate = (tokens: number) => memo(layerTemplates, tokens, (): LayerTemplate => {
    const ops = buildOpGraph(oneLayer, makeStep('prefill', prompts(tokens)), { seed: 'template' });
    const place = duplexPlacement(system, ops, placeOpts);
    const pimOf = new Map<string, boolean>();
    ops.forEach((op, i) => pimOf.set(op.id, place[i] === DUPLEX_DEVICES.pim));
    const onPim = (op: Op) => pimOf.get(op.id)!;
    const embedding = ops.filter((op) => op.kind === 'embedding');
    const layer = ops.filter((op) => op.layer === 0);
    const firstAttention = layer.findIndex(isAttentionOp);
    let lastAttention = -1;
    layer.forEach((op, i) => { if (isAttentionOp(op)) lastAttention = i; });
    const firstExpert = layer.findIndex((op) => op.expert >= 0);
    invariant(firstAttention > 0 && lastAttention >= firstAttention, `${model.name}: a layer has ops before its attention and attention ops`);
    const pre = layer.slice(0, firstAttention);
    const afterAttention = layer.slice(lastAttention + 1);
    const experts = afterAttention.findIndex((op) => op.expert >= 0);
    invariant(moe === (firstExpert >= 0), `${model.name}: expert ops exactly in MoE models`);
    const mid = moe ? afterAttention.slice(0, experts) : afterAttention;
    const post = moe ? afterAttention.slice(experts).filter((op) => op.expert < 0) : [];
    invariant(!moe || afterAttention.slice(experts).every((op, i, a) => op.expert >= 0 || i === a.length - 1), `${model.name}: the residual add alone follows the experts`);
    return {
      embedding: scheduleSegment(segmentOf(embedding, onPim)),
      pre: scheduleSegment(segmentOf(pre, onPim)),
      mid: scheduleSegment(segmentOf(mid, onPim)),
      post: scheduleSegment(segmentOf(post, onPim)),
    };
  });

  /** The head (final norm, LM head) of `rows` requests. */
  const heads = new Map<number, SegmentCost>();
  const head = (rows: number) => memo(heads, rows, () => {
    const requests: StepRequest[] = [];
    for (let i = 0; i < rows; i++) requests.push({ id: `r${i}`, contextLength: 1, newTokens: 1 });
    const ops = buildOpGraph(denseOne, makeStep('decode', requests));
    const place = duplexPlacement(system, ops, placeOpts);
    const keep = ops.map((op, i) => ({ op, pim: place[i] === DUPLEX_DEVICES.pim })).filter((x) => x.op.layer < 0 && x.op.kind !== 'embedding');
    const pimOf = new Map(keep.map((x) => [x.op.id, x.pim]));
    return scheduleSegment(segmentOf(keep.map((x) => x.op), (op) => pimOf.get(op.id)!));
  });

  /** One request's attention ops (score, softmax, context) for (context, new tokens), placed. */
  const chains = new Map<number, Map<number, readonly PartItem[]>>();
  const attentionChain = (contextLength: number, newTokens: number): readonly PartItem[] => {
    let byNew = chains.get(contextLength);
    if (!byNew) chains.set(contextLength, (byNew = new Map()));
    return memo(byNew, newTokens, () => {
      const ops = buildOpGraph(denseOne, makeStep('mixed', [{ id: 'r0', contextLength, newTokens }]));
      const place = duplexPlacement(system, ops, placeOpts);
      const items: PartItem[] = [];
      ops.forEach((op, i) => { if (isAttentionOp(op)) items.push(partItem(op, place[i] === DUPLEX_DEVICES.pim)); });
      invariant(items.length === 3 && items.every((it, i) => it.attention === i), 'a request\'s attention is score, softmax, context');
      return items;
    });
  };

  /**
   * One expert FFN (up, gate, activation, down) on `count` tokens, placed as an expert: by Op/B (`op-b`), or on
   * the xPU when `onXpu` and on PIM otherwise (`balanced`, `fastest`).
   */
  const expertChains = new Map<string, Segment>();
  const expertChain = (count: number, onXpu = false): Segment => memo(expertChains, `${count}:${onXpu}`, () => {
    const ops = buildOpGraph(denseOne, makeStep('prefill', prompts(count)))
      .filter((op) => op.layer === 0 && (op.kind === 'ffn-up' || op.kind === 'ffn-gate' || op.kind === 'ffn-act' || op.kind === 'ffn-down'))
      .map((op) => ({ ...op, expert: 0 }));
    const place = duplexPlacement(system, ops, split === 'op-b' ? {} : { ...placeOpts, expertsOnXpu: new Set(onXpu ? [expertKey(0, 0)] : []) });
    const pimOf = new Map(ops.map((op, i) => [op.id, place[i] === DUPLEX_DEVICES.pim]));
    return segmentOf(ops, (op) => pimOf.get(op.id)!);
  });

  /** A layer's expert segment for its per-expert token counts (experts with no tokens run nothing). */
  const expertSegments = new Map<string, SegmentCost>();
  const chainPs = (seg: Segment): number => seg.items.reduce((s, it) => s + it.launchPs + it.bodyPs, 0);
  const expertSegment = (counts: readonly number[]): SegmentCost => memo(expertSegments, countsKey(counts), () => {
    const items: PartItem[] = [];
    let onXpu = new Set<number>();
    if (split !== 'op-b' && system.pim) {
      const loads: ExpertLoad[] = counts.map((c) => (c === 0 ? { tokens: 0, xpuPs: 0, pimPs: 0 } : { tokens: c, xpuPs: chainPs(expertChain(c, true)), pimPs: chainPs(expertChain(c, false)) }));
      onXpu = new Set((split === 'balanced' ? balanceExperts : fastestExperts)(loads));
    }
    const co: CoItem[] = [];
    for (const [e, c] of counts.entries()) {
      if (c === 0) continue;
      const chain = split === 'op-b' ? expertChain(c) : expertChain(c, onXpu.has(e) || !system.pim);
      const at = placedChain(chain, items.length);
      for (let i = 0; i < at.length; i++) {
        items.push(chain.items[i]!);
        co.push(at[i]!);
      }
    }
    return scheduleItems(items, co);
  });
  /**
   * An expert chain's items as coSchedule takes them when the chain starts at `base` in its segment (dependencies
   * shifted by `base`, launches as the chain charges them), kept per chain and base: a layer's expert segment is
   * rebuilt for nearly every step (about 9 in 10 count vectors are new), from the same few chains at the same places.
   */
  const placedChains = new WeakMap<Segment, CoItem[][]>();
  const placedChain = (chain: Segment, base: number): readonly CoItem[] => {
    let byBase = placedChains.get(chain);
    if (!byBase) placedChains.set(chain, (byBase = []));
    return (byBase[base] ??= chain.items.map((it, i) => coItem(it, chain.deps[i]!.map((d) => d + base), it.launchPs)));
  };

  /** The attention segment of the batch (in batch order): one launch per op kind and processor, as in runDuplexOps. */
  const attentionSegment = (batch: readonly BatchEntry[]): SegmentCost => {
    const items: PartItem[] = [];
    const deps: number[][] = [];
    const launches: number[] = [];
    const launched = [false, false, false, false, false, false];
    for (const b of batch) {
      const chain = attentionChain(b.contextLength, b.newTokens);
      const base = items.length;
      chain.forEach((it, i) => {
        let launch = it.launchPs;
        if (launch > 0) {
          const k = it.attention * 2 + it.device;
          if (launched[k]) launch = 0;
          launched[k] = true;
        }
        items.push(it);
        launches.push(launch);
        // score needs the layer's queries and keys (before the segment), softmax its score, context its softmax.
        deps.push(i === 0 ? [] : [base + i - 1]);
      });
    }
    return schedule(items, deps, launches);
  };

  return {
    cost(batch: readonly BatchEntry[], seed: string): DuplexStepSummary {
      if (batch.length === 0) throw new StrataError('batch composition: expected at least one request');
      steps++;
      let tokens = 0;
      for (const b of batch) tokens += b.newTokens;
      const parts: Array<[SegmentCost, number]> = [];
      const t = layerTemplate(tokens);
      parts.push([t.embedding, 1], [t.pre, model.layers], [attentionSegment(batch), model.layers], [t.mid, model.layers], [t.post, model.layers]);
      if (moe) {
        const counts = routeTokens(model, tokens, { seed, routing });
        for (const c of counts) parts.push([expertSegment(c), 1]);
      }
      parts.push([head(batch.length), 1]);
      let timePs = 0;
      let serialPs = 0;
      let busy0 = 0;
      let busy1 = 0;
      let overlapPs = 0;
      let contendedPs = 0;
      let pimDram = 0;
      let pimCompute = 0;
      let link = 0;
      for (const [s, times] of parts) {
        timePs += s.makespanPs * times;
        serialPs += s.serialPs * times;
        busy0 += s.busy0 * times;
        busy1 += s.busy1 * times;
        overlapPs += s.overlapPs * times;
        contendedPs += s.contendedPs * times;
        pimDram += s.pimDramPj * times;
        pimCompute += s.pimComputePj * times;
        link += s.linkPj * times;
      }
      const xpu = xpuEnergyPj(system, timePs);
      return {
        timePs, serialPs, busyPs: [busy0, busy1], overlapPs, contendedPs, tokens: batch.length,
        energyPj: { xpu, pimDram, pimCompute, interconnect: link, total: xpu + pimDram + pimCompute + link },
      };
    },
    stats: () => ({ steps, lookups, hits }),
  };
}
