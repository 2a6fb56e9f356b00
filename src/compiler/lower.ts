import { RoutingStream } from './routing-stream.ts';
import { StrataError } from '../spec/errors.ts';
import { type ModelSpec, isGated, kvWidth, queryWidth } from './model.ts';
import { type Step, type StepRequest, stepTokens } from '../ir/step.ts';
import type { Op, OpClass, OpKind } from '../ir/op.ts';

/*
 * Lowering: model + step → op graph, one small function per op kind.
 *
 * Conventions (all bytes in the model's precision, `p` = precisionBytes):
 * - A matrix op is M x K times K x N, repeated `batch` times; FLOPs = 2·M·K·N·batch (a multiply and an add per
 *   MAC). Bias adds are not counted as FLOPs (M·N per GEMM, under 1/(2K) of it) but bias bytes are weights.
 * - Weight GEMMs (QKV, output projection, FFN, router, LM head) read their K x N weights once per step, read the
 *   M x K input and write the M x N output.
 * - Attention is one op per request per layer (score, softmax, context), because requests have different context
 *   lengths. Inside it, batch = kvHeads and M = (heads / kvHeads) · newTokens: the query heads that share a KV
 *   head are stacked, so each KV head's K and V are read once, not once per query head. For multi-head attention
 *   (kvHeads = heads) this is batch = heads, M = newTokens (M = 1 in decode).
 * - KV traffic: the score op reads the cached K of the `contextLength` past tokens and appends the new tokens' K;
 *   the context op does the same for V. The new tokens' K and V come from the QKV projection as activations.
 * - Score/probability matrices are written and read as activations (no fusion assumed: a mapping policy may fuse
 *   score, softmax and context and drop that traffic). Causal masking is not exploited: the score op covers the
 *   full newTokens x (contextLength + newTokens) rectangle, an upper bound for kernels that skip masked tiles.
 * - Vector ops are M x N elements (K = 1); FLOPs = elements x the per-element count in VECTOR_FLOPS.
 * - Op/B = FLOPs / (weight + activation + KV bytes read and written).
 * - Final norm and LM head run on one row per request: the last new token, whose logits pick the next token.
 */

/** Options of the lowering. */
export interface LowerOptions {
  /** How MoE tokens pick experts: uniformly, or with Zipf-like popularity per layer. Default 'uniform'. */
  routing?: 'uniform' | 'skewed';
  /** Seed of the routing stream `moe.routing.<seed>`. Default '0'. */
  seed?: string;
  /** Exponent s of the skewed routing: the i-th most popular expert has weight 1 / i^s. Default 1. */
  zipfExponent?: number;
}

/**
 * FLOPs per element of vector ops, counting each add, multiply, compare, divide and transcendental (exp, tanh,
 * rsqrt) as one; per-row reductions finishing with a scalar (rsqrt of the variance) are not counted.
 */
export const VECTOR_FLOPS = {
  /** mean (add), subtract, square, variance (add), scale by rsqrt, γ multiply, β add. */
  layernorm: 7,
  /** square, sum, scale by rsqrt, γ multiply. */
  rmsnorm: 4,
  /** running max (compare), subtract, exp, sum, divide; the 1/√d scale is folded into Q. */
  softmax: 5,
  /** ALiBi adds a per-head linear bias to every score before the softmax. */
  alibiBias: 1,
  /** (x1, x2) → (x1·cos − x2·sin, x1·sin + x2·cos): 4 multiplies and 2 adds per pair = 3 per element. */
  rope: 3,
  residual: 1,
  relu: 1,
  /** tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): 8 arithmetic ops and a tanh. */
  gelu: 9,
  /** x / (1 + exp(−x)): negate, exp, add, divide. */
  silu: 4,
  /** Gated FFNs multiply the activated gate into the up projection. */
  gateMultiply: 1,
  /** Learned position embeddings are added to the token embeddings. */
  positionAdd: 1,
} as const;

/** Everything an op needs except the derived class and Op/B. */
type OpFields = Omit<Op, 'cls' | 'opPerByte'>;

/** Completes an op: class (matrix ops with one activation row are GEMVs) and Op/B. */
function makeOp(f: OpFields, matrix: boolean): Op {
  const bytes = f.weightBytes + f.activationReadBytes + f.activationWriteBytes + f.kvReadBytes + f.kvWriteBytes;
  const cls: OpClass = matrix ? (f.m === 1 ? 'gemv' : 'gemm') : 'vector';
  // Written out field by field (not spread) so every op has one fixed shape: graphs of 10^5 ops build fast.
  return {
    id: f.id, kind: f.kind, cls, layer: f.layer, expert: f.expert, m: f.m, k: f.k, n: f.n, batch: f.batch,
    flops: f.flops, weightBytes: f.weightBytes, activationReadBytes: f.activationReadBytes,
    activationWriteBytes: f.activationWriteBytes, kvReadBytes: f.kvReadBytes, kvWriteBytes: f.kvWriteBytes,
    opPerByte: bytes > 0 ? f.flops / bytes : 0, deps: f.deps,
  };
}

const layerId = (layer: number, name: string) => `L${layer}.${name}`;

// ---------------------------------------------------------------------------------------------------------
// Matrix ops with weights

/** A GEMM against a K x N weight matrix (plus an N-wide bias when the model has biases). */
function weightGemm(
  m: ModelSpec, kind: OpKind, id: string, layer: number, expert: number,
  rows: number, k: number, n: number, bias: boolean, deps: readonly string[],
): Op {
  const p = m.precisionBytes;
  return makeOp({
    id, kind, layer, expert, m: rows, k, n, batch: 1,
    flops: 2 * rows * k * n,
    weightBytes: (k * n + (bias ? n : 0)) * p,
    activationReadBytes: rows * k * p,
    activationWriteBytes: rows * n * p,
    kvReadBytes: 0, kvWriteBytes: 0, deps,
  }, true);
}

/** Q, K and V of every new token in one GEMM: N = (heads + 2·kvHeads) x headDim (GQA narrows K and V). */
function qkvProjOp(m: ModelSpec, layer: number, tokens: number, deps: readonly string[]): Op {
  const n = queryWidth(m) + 2 * kvWidth(m);
  return weightGemm(m, 'qkv-proj', layerId(layer, 'qkv-proj'), layer, -1, tokens, m.hiddenSize, n, m.bias, deps);
}

/** The attention output projection back to hiddenSize. */
function outProjOp(m: ModelSpec, layer: number, tokens: number, deps: readonly string[]): Op {
  return weightGemm(m, 'out-proj', layerId(layer, 'out-proj'), layer, -1, tokens, queryWidth(m), m.hiddenSize, m.bias, deps);
}

const expertSuffix = (expert: number) => (expert >= 0 ? `.e${expert}` : '');

/** FFN up projection (of one expert when `expert` >= 0). */
function ffnUpOp(m: ModelSpec, layer: number, expert: number, tokens: number, deps: readonly string[]): Op {
  return weightGemm(m, 'ffn-up', layerId(layer, `ffn-up${expertSuffix(expert)}`), layer, expert, tokens, m.hiddenSize, m.ffnSize, m.bias, deps);
}

/** FFN gate projection of gated FFNs (SwiGLU, GeGLU). */
function ffnGateOp(m: ModelSpec, layer: number, expert: number, tokens: number, deps: readonly string[]): Op {
  return weightGemm(m, 'ffn-gate', layerId(layer, `ffn-gate${expertSuffix(expert)}`), layer, expert, tokens, m.hiddenSize, m.ffnSize, m.bias, deps);
}

/** FFN down projection back to hiddenSize. */
function ffnDownOp(m: ModelSpec, layer: number, expert: number, tokens: number, deps: readonly string[]): Op {
  return weightGemm(m, 'ffn-down', layerId(layer, `ffn-down${expertSuffix(expert)}`), layer, expert, tokens, m.ffnSize, m.hiddenSize, m.bias, deps);
}

/** MoE router: expert logits of every token (d x experts, no bias); top-k selection is not counted. */
function routerOp(m: ModelSpec, layer: number, tokens: number, deps: readonly string[]): Op {
  return weightGemm(m, 'moe-router', layerId(layer, 'moe-router'), layer, -1, tokens, m.hiddenSize, m.experts, false, deps);
}

/** LM head on one row per request (the token whose logits are sampled). */
function lmHeadOp(m: ModelSpec, rows: number, deps: readonly string[]): Op {
  return weightGemm(m, 'lm-head', 'lm-head', -1, -1, rows, m.hiddenSize, m.vocabSize, false, deps);
}

// ---------------------------------------------------------------------------------------------------------
// Attention (one op per request and layer)

/** S = Q·Kᵀ over the cached and the new keys; reads cached K, appends the new tokens' K to the cache. */
function attnScoreOp(m: ModelSpec, layer: number, ri: number, q: StepRequest, deps: readonly string[]): Op {
  const p = m.precisionBytes;
  const group = m.heads / m.kvHeads;
  const keys = q.contextLength + q.newTokens;
  return makeOp({
    id: layerId(layer, `attn-score.r${ri}`), kind: 'attn-score', layer, expert: -1,
    m: group * q.newTokens, k: m.headDim, n: keys, batch: m.kvHeads,
    flops: 2 * group * q.newTokens * m.headDim * keys * m.kvHeads,
    weightBytes: 0,
    activationReadBytes: q.newTokens * (queryWidth(m) + kvWidth(m)) * p,
    activationWriteBytes: m.heads * q.newTokens * keys * p,
    kvReadBytes: q.contextLength * kvWidth(m) * p,
    kvWriteBytes: q.newTokens * kvWidth(m) * p,
    deps,
  }, true);
}

/** Row softmax of the scores (plus the ALiBi bias for ALiBi models). */
function softmaxOp(m: ModelSpec, layer: number, ri: number, q: StepRequest, deps: readonly string[]): Op {
  const p = m.precisionBytes;
  const keys = q.contextLength + q.newTokens;
  const elements = m.heads * q.newTokens * keys;
  const perElement = VECTOR_FLOPS.softmax + (m.positionScheme === 'alibi' ? VECTOR_FLOPS.alibiBias : 0);
  return makeOp({
    id: layerId(layer, `softmax.r${ri}`), kind: 'softmax', layer, expert: -1,
    m: (m.heads / m.kvHeads) * q.newTokens, k: 1, n: keys, batch: m.kvHeads,
    flops: perElement * elements,
    weightBytes: 0,
    activationReadBytes: elements * p,
    activationWriteBytes: elements * p,
    kvReadBytes: 0, kvWriteBytes: 0, deps,
  }, false);
}

/** O = P·V over the cached and the new values; reads cached V, appends the new tokens' V to the cache. */
function attnContextOp(m: ModelSpec, layer: number, ri: number, q: StepRequest, deps: readonly string[]): Op {
  const p = m.precisionBytes;
  const group = m.heads / m.kvHeads;
  const keys = q.contextLength + q.newTokens;
  return makeOp({
    id: layerId(layer, `attn-context.r${ri}`), kind: 'attn-context', layer, expert: -1,
    m: group * q.newTokens, k: keys, n: m.headDim, batch: m.kvHeads,
    flops: 2 * group * q.newTokens * keys * m.headDim * m.kvHeads,
    weightBytes: 0,
    activationReadBytes: (m.heads * q.newTokens * keys + q.newTokens * kvWidth(m)) * p,
    activationWriteBytes: q.newTokens * queryWidth(m) * p,
    kvReadBytes: q.contextLength * kvWidth(m) * p,
    kvWriteBytes: q.newTokens * kvWidth(m) * p,
    deps,
  }, true);
}

// ---------------------------------------------------------------------------------------------------------
// Vector ops

/** Token (and learned position) embedding lookup: reads one row per token of each table. */
function embeddingOp(m: ModelSpec, tokens: number): Op {
  const p = m.precisionBytes;
  const learned = m.positionScheme === 'learned';
  const rowBytes = m.hiddenSize * p;
  return makeOp({
    id: 'embedding', kind: 'embedding', layer: -1, expert: -1, m: tokens, k: 1, n: m.hiddenSize, batch: 1,
    flops: learned ? VECTOR_FLOPS.positionAdd * tokens * m.hiddenSize : 0,
    weightBytes: (learned ? 2 : 1) * tokens * rowBytes,
    activationReadBytes: 0,
    activationWriteBytes: tokens * rowBytes,
    kvReadBytes: 0, kvWriteBytes: 0, deps: [],
  }, false);
}

/** LayerNorm or RMSNorm over `rows` tokens; its weights are γ (and β for LayerNorm). */
function normOp(m: ModelSpec, kind: 'norm' | 'final-norm', id: string, layer: number, rows: number, deps: readonly string[]): Op {
  const p = m.precisionBytes;
  const elements = rows * m.hiddenSize;
  return makeOp({
    id, kind, layer, expert: -1, m: rows, k: 1, n: m.hiddenSize, batch: 1,
    flops: VECTOR_FLOPS[m.normKind] * elements,
    weightBytes: (m.normKind === 'layernorm' ? 2 : 1) * m.hiddenSize * p,
    activationReadBytes: elements * p,
    activationWriteBytes: elements * p,
    kvReadBytes: 0, kvWriteBytes: 0, deps,
  }, false);
}

/** Rotary embedding of the new tokens' Q and K (cached keys were rotated when they were written). */
function ropeOp(m: ModelSpec, layer: number, tokens: number, deps: readonly string[]): Op {
  const p = m.precisionBytes;
  const width = queryWidth(m) + kvWidth(m);
  return makeOp({
    id: layerId(layer, 'rope'), kind: 'rope', layer, expert: -1, m: tokens, k: 1, n: width, batch: 1,
    flops: VECTOR_FLOPS.rope * tokens * width,
    weightBytes: 0,
    activationReadBytes: tokens * width * p,
    activationWriteBytes: tokens * width * p,
    kvReadBytes: 0, kvWriteBytes: 0, deps,
  }, false);
}

/**
 * Residual add. `terms` is how many branch outputs join the residual stream: 1 for attention and dense FFNs,
 * topK for MoE, whose outputs are weighted by the router's gate values (a multiply and an add per term).
 */
function residualAddOp(m: ModelSpec, id: string, layer: number, tokens: number, terms: number, deps: readonly string[]): Op {
  const p = m.precisionBytes;
  const elements = tokens * m.hiddenSize;
  const weighted = terms > 1;
  return makeOp({
    id, kind: 'residual-add', layer, expert: -1, m: tokens, k: 1, n: m.hiddenSize, batch: 1,
    flops: (weighted ? 2 * terms : VECTOR_FLOPS.residual) * elements,
    weightBytes: 0,
    activationReadBytes: (1 + terms) * elements * p + (weighted ? tokens * terms * p : 0),
    activationWriteBytes: elements * p,
    kvReadBytes: 0, kvWriteBytes: 0, deps,
  }, false);
}

/** FFN activation (GELU, ReLU), or for gated FFNs the activated gate times the up projection. */
function ffnActOp(m: ModelSpec, layer: number, expert: number, tokens: number, deps: readonly string[]): Op {
  const p = m.precisionBytes;
  const elements = tokens * m.ffnSize;
  const gated = isGated(m.ffnKind);
  const perElement = {
    'gelu-mlp': VECTOR_FLOPS.gelu,
    'relu-mlp': VECTOR_FLOPS.relu,
    swiglu: VECTOR_FLOPS.silu + VECTOR_FLOPS.gateMultiply,
    geglu: VECTOR_FLOPS.gelu + VECTOR_FLOPS.gateMultiply,
  }[m.ffnKind];
  return makeOp({
    id: layerId(layer, `ffn-act${expertSuffix(expert)}`), kind: 'ffn-act', layer, expert, m: tokens, k: 1, n: m.ffnSize, batch: 1,
    flops: perElement * elements,
    weightBytes: 0,
    activationReadBytes: (gated ? 2 : 1) * elements * p,
    activationWriteBytes: elements * p,
    kvReadBytes: 0, kvWriteBytes: 0, deps,
  }, false);
}

// ---------------------------------------------------------------------------------------------------------
// MoE routing

/**
 * Tokens each expert receives, per layer: `counts[layer][expert]`. Each token picks topK distinct experts by
 * weighted sampling without replacement from the seeded stream `moe.routing.<seed>`. Uniform: equal weights.
 * Skewed: each layer draws its own popularity order (a shuffle), and the i-th most popular expert has weight
 * 1 / i^s (Zipf-like). Tokens are drawn in step order (requests, then their tokens), layer by layer.
 *
 * Kept for reuse (ROUTING_MEMO_CELLS): a serving comparison runs the same requests on several systems, and a step
 * with the same index and token count draws the same routing on each (about 56 % of the draws of the Duplex
 * Mixtral 1024/1024 serving run, docs/guide.md). The result is frozen: callers share it.
 */
export function routeTokens(m: ModelSpec, tokens: number, opts: LowerOptions = {}): readonly (readonly number[])[] {
  const seed = opts.seed ?? '0';
  const skewed = opts.routing === 'skewed';
  const s = opts.zipfExponent ?? 1;
  // Everything drawRouting reads: the shape, the token count, the routing (and its exponent only when skewed:
  // uniform routing never reads it) and the seed, last, as the only free text.
  const key = `${m.experts}/${m.layers}/${m.topK}/${tokens}/${skewed ? `s${s}` : 'u'}/${seed}`;
  const known = routingMemo.get(key);
  if (known) {
    // Most recently used last: Map keeps insertion order, so the first key is the one to evict.
    routingMemo.delete(key);
    routingMemo.set(key, known);
    routingMemoStats.hits++;
    return known;
  }
  routingMemoStats.misses++;
  const counts = drawRouting(m, tokens, seed, skewed, s);
  const cells = m.layers * m.experts;
  if (cells <= ROUTING_MEMO_CELLS / 8) {
    const frozen = Object.freeze(counts.map((c) => Object.freeze(c)));
    routingMemo.set(key, frozen);
    routingMemoCells += cells;
    for (const [k, v] of routingMemo) {
      if (routingMemoCells <= ROUTING_MEMO_CELLS) break;
      routingMemo.delete(k);
      routingMemoCells -= v.length * (v[0]?.length ?? 0);
    }
    return frozen;
  }
  return counts;
}

/**
 * Bound of the routing memo, in counts kept (layers x experts per draw): 2^21, about 8 MiB of small integers;
 * 8,192 Mixtral draws (32 layers x 8 experts), more than one serving run's steps, so a second system finds the
 * first's. A draw larger than an eighth of it is not kept. Least recently used draws go first.
 */
export const ROUTING_MEMO_CELLS = 1 << 21;
const routingMemo = new Map<string, readonly (readonly number[])[]>();
let routingMemoCells = 0;
const routingMemoStats = { hits: 0, misses: 0 };

/** The routing memo's size (draws, counts kept) and its hits and misses since the process started. */
export function routingMemoState(): { readonly draws: number; readonly cells: number; readonly hits: number; readonly misses: number } {
  return { draws: routingMemo.size, cells: routingMemoCells, ...routingMemoStats };
}

/** The draw of routeTokens made afresh, bypassing its memo (tests compare the two). */
export function routeTokensFresh(m: ModelSpec, tokens: number, opts: LowerOptions = {}): number[][] {
  return drawRouting(m, tokens, opts.seed ?? '0', opts.routing === 'skewed', opts.zipfExponent ?? 1);
}

/**
 * One layer of uniform routing: the draws of the weighted loop in drawRouting with every weight 1, without its
 * scans. With `free` experts untaken, the loop's total is `free` (a sum of ones), and it takes the untaken experts
 * in order, subtracting 1 from u = rng() * free until u < 0. Each subtraction that leaves u >= 0 is exact (x - 1
 * of a double 1 <= x < 2^53 is a double), so it stops at the floor(u)-th untaken expert (counting from 0), or at
 * the last one if rounding made u reach `free` (it cannot, as rng() < 1; kept as the loop has it).
 * test/compiler/routing-memo.test.ts compares the two draw for draw.
 */
function uniformLayer(m: ModelSpec, tokens: number, rng: RoutingStream, perExpert: number[]): void {
  const picked = new Array<number>(m.topK).fill(0); // this token's experts so far, ascending
  for (let t = 0; t < tokens; t++) {
    for (let pick = 0; pick < m.topK; pick++) {
      const free = m.experts - pick;
      let chosen = Math.min(Math.floor(rng.next() * free), free - 1);
      // The chosen-th untaken expert: step over the taken ones at or below it, in ascending order.
      let at = 0;
      for (; at < pick && picked[at]! <= chosen; at++) chosen++;
      for (let k = pick; k > at; k--) picked[k] = picked[k - 1]!;
      picked[at] = chosen;
      perExpert[chosen]! += 1;
    }
  }
}

/** routeTokens' draw from `moe.routing.<seed>` (see there). */
function drawRouting(m: ModelSpec, tokens: number, seed: string, skewed: boolean, s: number): number[][] {
  const stream = new RoutingStream(`moe.routing.${seed}`);
  const rng = () => stream.next();
  const counts: number[][] = [];
  const weight = new Float64Array(m.experts);
  const taken = new Uint8Array(m.experts);
  for (let layer = 0; layer < m.layers; layer++) {
    const perExpert = new Array<number>(m.experts).fill(0);
    if (skewed) {
      const order = Array.from({ length: m.experts }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      order.forEach((e, rank) => { weight[e] = 1 / (rank + 1) ** s; });
    } else {
      uniformLayer(m, tokens, stream, perExpert);
      counts.push(perExpert);
      continue;
    }
    for (let t = 0; t < tokens; t++) {
      taken.fill(0);
      for (let pick = 0; pick < m.topK; pick++) {
        let total = 0;
        for (let e = 0; e < m.experts; e++) if (!taken[e]) total += weight[e]!;
        let u = rng() * total;
        let chosen = -1;
        for (let e = 0; e < m.experts; e++) {
          if (taken[e]) continue;
          chosen = e;
          u -= weight[e]!;
          if (u < 0) break;
        }
        taken[chosen] = 1;
        perExpert[chosen]! += 1;
      }
    }
    counts.push(perExpert);
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------------------
// The graph

/** Options may come from a command line: reject what would silently mean something else. */
function checkOptions(opts: LowerOptions): void {
  if (opts.routing !== undefined && opts.routing !== 'uniform' && opts.routing !== 'skewed') {
    throw new StrataError(`routing: expected 'uniform' or 'skewed', found ${JSON.stringify(opts.routing)}`);
  }
  if (opts.zipfExponent !== undefined && !(Number.isFinite(opts.zipfExponent) && opts.zipfExponent >= 0)) {
    throw new StrataError(`zipfExponent: expected a number >= 0, found ${opts.zipfExponent}`);
  }
}

/** Checks what depends on the model: learned position tables have no row past maxPositions. */
function checkStepFits(m: ModelSpec, step: Step): void {
  if (m.positionScheme !== 'learned') return;
  step.requests.forEach((q, i) => {
    const end = q.contextLength + q.newTokens;
    if (end > m.maxPositions) {
      throw new StrataError(
        `step: field 'requests[${i}]' (id '${q.id}'): contextLength + newTokens = ${q.contextLength} + ${q.newTokens} = ${end} exceeds ` +
        `${m.name}'s ${m.maxPositions} learned positions (maxPositions); expected at most ${m.maxPositions}`,
      );
    }
  });
}

/** One decoder layer's attention block; returns the id of its residual add. */
function attentionBlock(m: ModelSpec, step: Step, layer: number, tokens: number, input: string, ops: Op[]): string {
  const norm = normOp(m, 'norm', layerId(layer, 'norm-attn'), layer, tokens, [input]);
  const qkv = qkvProjOp(m, layer, tokens, [norm.id]);
  ops.push(norm, qkv);
  let qk = qkv.id;
  if (m.positionScheme === 'rope') {
    const rope = ropeOp(m, layer, tokens, [qkv.id]);
    ops.push(rope);
    qk = rope.id;
  }
  const contexts: string[] = [];
  step.requests.forEach((q, ri) => {
    const score = attnScoreOp(m, layer, ri, q, [qk]);
    const soft = softmaxOp(m, layer, ri, q, [score.id]);
    const ctx = attnContextOp(m, layer, ri, q, [soft.id, qkv.id]);
    ops.push(score, soft, ctx);
    contexts.push(ctx.id);
  });
  const out = outProjOp(m, layer, tokens, contexts);
  const add = residualAddOp(m, layerId(layer, 'residual-attn'), layer, tokens, 1, [out.id, input]);
  ops.push(out, add);
  return add.id;
}

/** One FFN (dense, or one expert's) on `tokens` rows; returns the id of its down projection. */
function ffn(m: ModelSpec, layer: number, expert: number, tokens: number, deps: readonly string[], ops: Op[]): string {
  const up = ffnUpOp(m, layer, expert, tokens, deps);
  ops.push(up);
  const actDeps = [up.id];
  if (isGated(m.ffnKind)) {
    const gate = ffnGateOp(m, layer, expert, tokens, deps);
    ops.push(gate);
    actDeps.push(gate.id);
  }
  const act = ffnActOp(m, layer, expert, tokens, actDeps);
  const down = ffnDownOp(m, layer, expert, tokens, [act.id]);
  ops.push(act, down);
  return down.id;
}

/** One decoder layer's FFN block (dense or MoE); returns the id of its residual add. */
function ffnBlock(m: ModelSpec, layer: number, tokens: number, input: string, routed: readonly number[] | undefined, ops: Op[]): string {
  const norm = normOp(m, 'norm', layerId(layer, 'norm-ffn'), layer, tokens, [input]);
  ops.push(norm);
  if (!routed) {
    const down = ffn(m, layer, -1, tokens, [norm.id], ops);
    const add = residualAddOp(m, layerId(layer, 'residual-ffn'), layer, tokens, 1, [down, input]);
    ops.push(add);
    return add.id;
  }
  const router = routerOp(m, layer, tokens, [norm.id]);
  ops.push(router);
  const downs: string[] = [];
  routed.forEach((count, expert) => {
    if (count > 0) downs.push(ffn(m, layer, expert, count, [router.id, norm.id], ops));
  });
  const add = residualAddOp(m, layerId(layer, 'residual-ffn'), layer, tokens, m.topK, [...downs, router.id, input]);
  ops.push(add);
  return add.id;
}

/** The seedrandom streams lowering `model` draws from with `seed` (MoE routing only), as a device trace records them. */
export function compileStreams(model: ModelSpec, seed: string): string[] {
  return model.experts > 1 ? [`moe.routing.${seed}`] : [];
}

/**
 * Lowers one step of a model to its op graph, in topological order (every dep precedes its op). Deterministic:
 * the same model, step and options give the same graph; MoE routing draws from `moe.routing.<seed>`.
 */
export function buildOpGraph(model: ModelSpec, step: Step, opts: LowerOptions = {}): Op[] {
  checkOptions(opts);
  checkStepFits(model, step);
  const tokens = stepTokens(step);
  const routing = model.experts > 1 ? routeTokens(model, tokens, opts) : undefined;
  const ops: Op[] = [];
  const embed = embeddingOp(model, tokens);
  ops.push(embed);
  let stream = embed.id;
  for (let layer = 0; layer < model.layers; layer++) {
    stream = attentionBlock(model, step, layer, tokens, stream, ops);
    stream = ffnBlock(model, layer, tokens, stream, routing?.[layer], ops);
  }
  const rows = step.requests.length;
  const finalNorm = normOp(model, 'final-norm', 'final-norm', -1, rows, [stream]);
  ops.push(finalNorm, lmHeadOp(model, rows, [finalNorm.id]));
  return ops;
}
