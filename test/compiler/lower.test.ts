import { describe, it, expect } from 'vitest';
import { MODELS_DIR, loadModel, parameterBreakdown, parseModel, type ModelSpec } from '../../src/compiler/model.ts';
import { buildOpGraph, routeTokens, VECTOR_FLOPS } from '../../src/compiler/lower.ts';
import { decodeStep, makeStep, prefillStep } from '../../src/compiler/step.ts';
import { stepTokens, type Step } from '../../src/ir/step.ts';
import { summarizeOps } from '../../src/compiler/summary.ts';
import { opBytes, type Op, type OpKind } from '../../src/ir/op.ts';
import { StrataError } from '../../src/spec/errors.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const byId = (ops: readonly Op[], id: string): Op => {
  const op = ops.find((o) => o.id === id);
  if (!op) throw new Error(`no op ${id}`);
  return op;
};
const sum = (ops: readonly Op[], f: (o: Op) => number, kinds?: readonly OpKind[]) =>
  ops.filter((o) => !kinds || kinds.includes(o.kind)).reduce((s, o) => s + f(o), 0);
const LINEAR: OpKind[] = ['qkv-proj', 'out-proj', 'ffn-up', 'ffn-gate', 'ffn-down', 'moe-router'];
const ATTENTION: OpKind[] = ['attn-score', 'attn-context'];

describe('GPT-2 small, decode, batch 1, the 1024th token (contextLength 1023, 1024 keys)', () => {
  // d = 768, 12 heads x 64, FFN 3072 (GELU), vocab 50257, 12 layers, FP16 (2 B), biases, tied LM head
  const m = loadModel('gpt2-small');
  const ops = buildOpGraph(m, decodeStep([1023]));

  it('has 12 ops per layer plus embedding, final norm and LM head', () => {
    // norm, qkv, score, softmax, context, out-proj, residual, norm, up, act, down, residual (no RoPE, no gate)
    expect(ops.length).toBe(1 + 12 * 12 + 2);
  });

  it('QKV projection is a GEMV with biases', () => {
    const qkv = byId(ops, 'L0.qkv-proj');
    expect([qkv.m, qkv.k, qkv.n, qkv.batch, qkv.cls]).toEqual([1, 768, 2304, 1, 'gemv']);
    expect(qkv.flops).toBe(3_538_944); // 2 · 1 · 768 · 2304
    expect(qkv.weightBytes).toBe(3_543_552); // (768 · 2304 + 2304 bias) · 2 B
    expect(qkv.activationReadBytes).toBe(1_536); // 768 · 2
    expect(qkv.activationWriteBytes).toBe(4_608); // 2304 · 2
  });

  it('attention reads the cached K and V once and appends the new token', () => {
    const score = byId(ops, 'L5.attn-score.r0');
    expect([score.m, score.k, score.n, score.batch, score.cls]).toEqual([1, 64, 1024, 12, 'gemv']);
    expect(score.flops).toBe(1_572_864); // 2 · 1 · 64 · 1024 · 12 heads
    expect(score.kvReadBytes).toBe(1_571_328); // 1023 cached keys · 768 · 2 B
    expect(score.kvWriteBytes).toBe(1_536); // the new key: 768 · 2 B
    expect(score.activationReadBytes).toBe(3_072); // q and new k: (768 + 768) · 2 B
    expect(score.activationWriteBytes).toBe(24_576); // scores: 12 · 1024 · 2 B
    // Op/B = 1,572,864 / (3,072 + 24,576 + 1,571,328 + 1,536) = 0.98: a decode attention GEMV is ~1 FLOP/B in FP16
    expect(score.opPerByte).toBeCloseTo(1_572_864 / 1_600_512, 12);

    const soft = byId(ops, 'L5.softmax.r0');
    expect(soft.flops).toBe(5 * 12 * 1024); // VECTOR_FLOPS.softmax per score
    const ctx = byId(ops, 'L5.attn-context.r0');
    expect([ctx.m, ctx.k, ctx.n, ctx.batch]).toEqual([1, 1024, 64, 12]);
    expect(ctx.flops).toBe(1_572_864);
    expect(ctx.kvReadBytes).toBe(1_571_328);
    expect(ctx.activationReadBytes).toBe(24_576 + 1_536); // probabilities + new v
  });

  it('FFN, norm and LM head', () => {
    expect(byId(ops, 'L0.ffn-up').flops).toBe(4_718_592); // 2 · 768 · 3072
    expect(byId(ops, 'L0.ffn-up').weightBytes).toBe(4_724_736); // (768 · 3072 + 3072) · 2
    expect(byId(ops, 'L0.ffn-down').weightBytes).toBe(4_720_128); // (3072 · 768 + 768) · 2
    expect(byId(ops, 'L0.ffn-act').flops).toBe(9 * 3072); // tanh-GELU, 9 per element
    expect(byId(ops, 'L0.norm-attn').flops).toBe(7 * 768); // LayerNorm, 7 per element
    expect(byId(ops, 'L0.norm-attn').weightBytes).toBe(3_072); // γ and β: 2 · 768 · 2 B
    const head = byId(ops, 'lm-head');
    expect([head.m, head.k, head.n]).toEqual([1, 768, 50257]);
    expect(head.flops).toBe(77_194_752); // 2 · 768 · 50257
    expect(head.weightBytes).toBe(77_194_752); // 50257 · 768 · 2 B (the tied embedding matrix, no bias)
  });

  it('totals: FLOPs, weight bytes and KV bytes of the step', () => {
    const s = summarizeOps(ops);
    // linear: 12 · (3,538,944 + 1,179,648 + 2 · 4,718,592) = 169,869,312
    // attention: 12 · 2 · 1,572,864 = 37,748,736; LM head 77,194,752
    // vector: embedding 768 (position add) + norms 25 · 5,376 + softmax 12 · 61,440 + residuals 24 · 768
    //         + GELU 12 · 27,648 = 1,222,656
    expect(s.total.flops).toBe(169_869_312 + 37_748_736 + 77_194_752 + 1_222_656);
    // weights: every layer parameter once (7,087,872 per layer · 2 B · 12), the final LN (3,072 B),
    // the LM head (77,194,752 B) and the two embedding rows gathered for the token (2 · 768 · 2 B)
    expect(s.total.weightBytes).toBe(12 * 7_087_872 * 2 + 3_072 + 77_194_752 + 3_072);
    // KV: 12 layers · (K + V) · 1023 tokens · 768 · 2 B read; 12 · 2 · 768 · 2 B written
    expect(sum(ops, (o) => o.kvReadBytes)).toBe(12 * 2 * 1023 * 768 * 2);
    expect(sum(ops, (o) => o.kvWriteBytes)).toBe(12 * 2 * 768 * 2);
  });
});

describe('Llama-3 8B, prefill of one 512-token request', () => {
  // d = 4096, 32 query heads and 8 KV heads of 128, FFN 14336 (SwiGLU), vocab 128256, 32 layers, RoPE, RMSNorm
  const m = loadModel('llama3-8b');
  const ops = buildOpGraph(m, prefillStep([512]));

  it('QKV: K and V are kvHeads x headDim wide', () => {
    const qkv = byId(ops, 'L0.qkv-proj');
    expect([qkv.m, qkv.k, qkv.n, qkv.cls]).toEqual([512, 4096, 6144, 'gemm']); // 6144 = (32 + 2 · 8) · 128
    expect(qkv.flops).toBe(25_769_803_776); // 2 · 512 · 4096 · 6144
    expect(qkv.weightBytes).toBe(50_331_648); // 4096 · 6144 · 2 B, no bias
    expect(qkv.activationWriteBytes).toBe(6_291_456); // 512 · 6144 · 2 B
  });

  it('RoPE rotates the new Q and K', () => {
    const rope = byId(ops, 'L0.rope');
    expect(rope.flops).toBe(7_864_320); // 3 · 512 tokens · (32 + 8) · 128
    expect(rope.deps).toEqual(['L0.qkv-proj']);
    expect(byId(ops, 'L0.attn-score.r0').deps).toEqual(['L0.rope']);
  });

  it('attention stacks the 4 query heads of each KV head', () => {
    const score = byId(ops, 'L0.attn-score.r0');
    expect([score.m, score.k, score.n, score.batch]).toEqual([2048, 128, 512, 8]); // M = 4 heads · 512 tokens
    expect(score.flops).toBe(2_147_483_648); // 2 · 2048 · 128 · 512 · 8 = 2 · 512 · 512 · 128 · 32 heads
    expect(score.kvReadBytes).toBe(0); // nothing cached yet
    expect(score.kvWriteBytes).toBe(1_048_576); // 512 tokens · 8 · 128 · 2 B of K
    expect(score.activationWriteBytes).toBe(16_777_216); // 32 · 512 · 512 · 2 B of scores
    expect(byId(ops, 'L0.softmax.r0').flops).toBe(5 * 32 * 512 * 512);
    expect(byId(ops, 'L0.attn-context.r0').flops).toBe(2_147_483_648);
  });

  it('SwiGLU FFN: up, gate, act, down', () => {
    for (const id of ['L0.ffn-up', 'L0.ffn-gate', 'L0.ffn-down']) {
      expect(byId(ops, id).flops).toBe(60_129_542_144); // 2 · 512 · 4096 · 14336
      expect(byId(ops, id).weightBytes).toBe(117_440_512); // 4096 · 14336 · 2 B
    }
    expect(byId(ops, 'L0.ffn-act').flops).toBe(5 * 512 * 14336); // SiLU 4 + gate multiply 1
    expect(byId(ops, 'L0.ffn-act').deps).toEqual(['L0.ffn-up', 'L0.ffn-gate']);
    expect(byId(ops, 'L0.norm-attn').flops).toBe(4 * 512 * 4096); // RMSNorm, 4 per element
  });

  it('LM head and final norm run on the last token only', () => {
    const head = byId(ops, 'lm-head');
    expect([head.m, head.k, head.n, head.cls]).toEqual([1, 4096, 128256, 'gemv']);
    expect(head.flops).toBe(1_050_673_152); // 2 · 4096 · 128256
    expect(byId(ops, 'final-norm').m).toBe(1);
  });

  it('totals: GEMM FLOPs and KV writes', () => {
    // per layer: QKV 25,769,803,776 + O 17,179,869,184 + 3 · 60,129,542,144 + attention 2 · 2,147,483,648
    //          = 227,633,266,688; 32 layers + LM head 1,050,673,152
    const gemm = sum(ops, (o) => o.flops, [...LINEAR, ...ATTENTION, 'lm-head']);
    expect(gemm).toBe(32 * 227_633_266_688 + 1_050_673_152);
    // every new token's K and V in every layer: 512 · 32 · 2 · 1024 · 2 B = 512 · 131,072 B
    expect(sum(ops, (o) => o.kvWriteBytes)).toBe(67_108_864);
  });
});

/** A copy of a shipped model with other fields (validated like a file). */
function variant(name: string, changes: Record<string, unknown>): ModelSpec {
  const json = JSON.parse(readFileSync(join(MODELS_DIR, `${name}.json`), 'utf8'));
  return parseModel({ ...json, ...changes }, `${name} variant`);
}

describe('GQA KV accounting', () => {
  const step = decodeStep([4095, 100, 1000]);
  const gqa = buildOpGraph(loadModel('llama3-8b'), step);
  const mha = buildOpGraph(variant('llama3-8b', { kvHeads: 32 }), step);

  it('KV bytes count once per KV head: 4x fewer than MHA, same FLOPs', () => {
    const kvRead = (ops: Op[]) => sum(ops, (o) => o.kvReadBytes);
    // 32 layers · (K + V) · (4095 + 100 + 1000) tokens · 8 KV heads · 128 · 2 B
    expect(kvRead(gqa)).toBe(32 * 2 * 5195 * 8 * 128 * 2);
    expect(kvRead(mha)).toBe(4 * kvRead(gqa));
    expect(sum(gqa, (o) => o.flops, ATTENTION)).toBe(sum(mha, (o) => o.flops, ATTENTION));
  });

  it('decode attention Op/B is about the group size (4) in FP16, against about 1 for MHA', () => {
    const g = byId(gqa, 'L0.attn-score.r0');
    expect([g.m, g.batch]).toEqual([4, 8]); // 4 query heads per KV head, one token
    expect(g.cls).toBe('gemm');
    expect(g.opPerByte).toBeGreaterThan(3.8);
    expect(g.opPerByte).toBeLessThan(4);
    const h = byId(mha, 'L0.attn-score.r0');
    expect([h.m, h.batch, h.cls]).toEqual([1, 32, 'gemv']);
    expect(h.opPerByte).toBeGreaterThan(0.95);
    expect(h.opPerByte).toBeLessThan(1);
  });
});

describe('MoE accounting (Mixtral 8x7B: 8 experts, top-2, FFN 14336)', () => {
  const m = loadModel('mixtral-8x7b');
  const step = prefillStep([100, 28]); // 128 tokens
  const ops = buildOpGraph(m, step, { seed: 'moe-test' });
  const expertWeights = 3 * 4096 * 14336 * 2; // up, gate, down of one expert in bytes

  it('routes tokens x topK expert slots per layer; an expert op gets its tokens as M', () => {
    const routing = routeTokens(m, 128, { seed: 'moe-test' });
    for (let layer = 0; layer < 32; layer++) {
      const ups = ops.filter((o) => o.layer === layer && o.kind === 'ffn-up');
      expect(sum(ups, (o) => o.m)).toBe(128 * 2);
      for (const up of ups) {
        expect(up.id).toBe(`L${layer}.ffn-up.e${up.expert}`);
        expect(up.m).toBe(routing[layer]![up.expert]);
        expect(up.flops).toBe(2 * up.m * 4096 * 14336);
      }
    }
  });

  it('weight bytes cover only the experts that received tokens', () => {
    const one = buildOpGraph(m, decodeStep([500]), { seed: 'x' }); // one token → exactly 2 experts per layer
    for (let layer = 0; layer < 32; layer++) {
      const experts = one.filter((o) => o.layer === layer && o.expert >= 0);
      expect(new Set(experts.map((o) => o.expert)).size).toBe(2);
      expect(sum(experts, (o) => o.weightBytes)).toBe(2 * expertWeights);
    }
    const used = ops.filter((o) => o.layer === 0 && o.kind === 'ffn-up').length;
    expect(sum(ops.filter((o) => o.layer === 0 && o.expert >= 0), (o) => o.weightBytes)).toBe(used * expertWeights);
  });

  it('router: 2 · tokens · d · experts FLOPs, d x experts weights', () => {
    const router = byId(ops, 'L0.moe-router');
    expect([router.m, router.k, router.n]).toEqual([128, 4096, 8]);
    expect(router.flops).toBe(8_388_608); // 2 · 128 · 4096 · 8
    expect(router.weightBytes).toBe(65_536); // 4096 · 8 · 2 B
  });

  it('the residual add combines topK weighted expert outputs and waits for every expert', () => {
    const add = byId(ops, 'L0.residual-ffn');
    expect(add.flops).toBe(2 * 2 * 128 * 4096); // a multiply and an add per selected expert and element
    const downs = ops.filter((o) => o.layer === 0 && o.kind === 'ffn-down').map((o) => o.id);
    for (const d of downs) expect(add.deps).toContain(d);
  });
});

describe('MoE routing', () => {
  const m = loadModel('mixtral-8x7b');

  it('is deterministic: the same seed gives the same graph', () => {
    const a = buildOpGraph(m, prefillStep([64, 3]), { seed: 'alpha', routing: 'skewed' });
    const b = buildOpGraph(m, prefillStep([64, 3]), { seed: 'alpha', routing: 'skewed' });
    expect(a).toEqual(b);
  });

  it('a different seed gives a different assignment', () => {
    expect(routeTokens(m, 256, { seed: 'alpha' })).not.toEqual(routeTokens(m, 256, { seed: 'beta' }));
  });

  it('skewed routing concentrates load on a different expert in different layers', () => {
    const imbalance = (counts: readonly (readonly number[])[]) => counts.map((c) => Math.max(...c) / (c.reduce((s, x) => s + x, 0) / c.length));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const uniform = routeTokens(m, 4096, { seed: 's' });
    const skewed = routeTokens(m, 4096, { seed: 's', routing: 'skewed' });
    for (const c of [...uniform, ...skewed]) expect(c.reduce((s, x) => s + x, 0)).toBe(4096 * 2);
    // uniform: each expert expects 1024 of 8192 slots, spread ±~30; Zipf s = 1 over 8 makes the top expert ~2.5x the mean
    expect(mean(imbalance(uniform))).toBeLessThan(1.1);
    expect(mean(imbalance(skewed))).toBeGreaterThan(1.8);
    const hot = new Set(skewed.map((c) => c.indexOf(Math.max(...c))));
    expect(hot.size).toBeGreaterThan(1);
  });
});

describe('totals against parameter counts', () => {
  // Linear-layer GEMM FLOPs = 2 · tokens · (matrix weights a token passes through); "non-embedding
  // parameters" also hold biases and norms, which do no GEMM work, so they agree within 0.5 % (GPT-2 small:
  // 85,056,000 vs 84,934,656 matrix weights, 0.14 %). Attention adds 4 · layers · heads · headDim · Σ n·(c+n),
  // and the LM head 2 · requests · d · vocab.
  const cases: [string, Step][] = [
    ['gpt2-small', decodeStep([10, 200, 1000, 1023])],
    ['opt-6.7b', makeStep('mixed', [{ id: 'a', contextLength: 0, newTokens: 300 }, { id: 'b', contextLength: 900, newTokens: 1 }])],
    ['llama3-8b', prefillStep([512])],
    ['llama2-70b', decodeStep(Array.from({ length: 16 }, (_, i) => 100 * (i + 1)))],
    ['mixtral-8x7b', prefillStep([200, 56])],
    ['grok-1', decodeStep([1000, 2000])],
  ];
  for (const [name, step] of cases) {
    it(`${name}, ${step.phase}`, () => {
      const m = loadModel(name);
      const ops = buildOpGraph(m, step, { seed: 'totals' });
      const tokens = stepTokens(step);
      const b = parameterBreakdown(m);
      const linear = sum(ops, (o) => o.flops, LINEAR);
      expect(linear).toBe(2 * tokens * b.activeLayerMatrixParams); // exact by construction
      const nonEmbedding = b.total - b.tokenEmbedding - b.positionEmbedding - b.lmHead;
      const active = m.experts > 1 ? nonEmbedding - (b.ffn * (m.experts - m.topK)) / m.experts : nonEmbedding;
      const attention = 4 * m.layers * m.heads * m.headDim * step.requests.reduce((s, q) => s + q.newTokens * (q.contextLength + q.newTokens), 0);
      const lmHead = 2 * step.requests.length * m.hiddenSize * m.vocabSize;
      const gemm = sum(ops, (o) => o.flops, [...LINEAR, ...ATTENTION, 'lm-head']);
      expect(Math.abs(gemm / (2 * active * tokens + attention + lmHead) - 1)).toBeLessThan(0.005);
    });
  }
});

describe('graph shape', () => {
  it('is in topological order with unique ids, and Op/B = FLOPs / bytes everywhere', () => {
    for (const [name, step] of [['mixtral-8x7b', prefillStep([30, 2])], ['gpt3-xl', decodeStep([5, 6, 7])]] as const) {
      const ops = buildOpGraph(loadModel(name), step);
      const seen = new Set<string>();
      for (const op of ops) {
        expect(seen.has(op.id), `${op.id} duplicated`).toBe(false);
        for (const d of op.deps) expect(seen.has(d), `${op.id} needs ${d} first`).toBe(true);
        seen.add(op.id);
        expect(op.opPerByte).toBeCloseTo(op.flops / opBytes(op), 12);
        if (op.cls === 'vector') expect(op.k).toBe(1);
        else expect(op.flops).toBe(2 * op.m * op.k * op.n * op.batch);
      }
    }
  });

  it('runs attention once per request and the LM head once per request', () => {
    const ops = buildOpGraph(loadModel('gpt3-xl'), makeStep('mixed', [
      { id: 'p', contextLength: 0, newTokens: 40 }, { id: 'd', contextLength: 77, newTokens: 1 },
    ]));
    expect(ops.filter((o) => o.layer === 3 && o.kind === 'attn-score').map((o) => [o.m, o.n])).toEqual([[40, 40], [1, 78]]);
    expect(byId(ops, 'lm-head').m).toBe(2);
    expect(byId(ops, 'L0.qkv-proj').m).toBe(41);
  });

  it('rejects a request past the learned position table, naming the request', () => {
    // GPT-2 has 1024 learned positions: a 1024-token context leaves no row for the next token
    expect(() => buildOpGraph(loadModel('gpt2-small'), decodeStep([1024]))).toThrow(StrataError);
    expect(() => buildOpGraph(loadModel('gpt2-small'), decodeStep([5, 1024]))).toThrow(
      /requests\[1\]' \(id 'r1'\): contextLength \+ newTokens = 1024 \+ 1 = 1025 exceeds gpt2-small's 1024 learned positions/,
    );
    // RoPE has no table: Llama-3 may run past its trained 8192 positions
    expect(() => buildOpGraph(loadModel('llama3-8b'), decodeStep([10_000]))).not.toThrow();
  });

  it('counts the ALiBi bias in the softmax', () => {
    const ops = buildOpGraph(variant('gpt2-small', { positionScheme: 'alibi' }), decodeStep([99]));
    expect(byId(ops, 'L0.softmax.r0').flops).toBe((VECTOR_FLOPS.softmax + VECTOR_FLOPS.alibiBias) * 12 * 100);
    expect(byId(ops, 'embedding').weightBytes).toBe(768 * 2); // no position table
  });
});

describe('summarizeOps', () => {
  it('sums per kind in OP_KINDS order and Op/B is FLOPs over bytes', () => {
    const ops = buildOpGraph(loadModel('llama3-8b'), decodeStep([100, 200]));
    const s = summarizeOps(ops);
    expect(s.byKind.map((r) => r.kind)).toEqual([
      'embedding', 'norm', 'qkv-proj', 'rope', 'attn-score', 'softmax', 'attn-context', 'out-proj', 'residual-add',
      'ffn-up', 'ffn-gate', 'ffn-act', 'ffn-down', 'final-norm', 'lm-head',
    ]);
    expect(s.total.count).toBe(ops.length);
    expect(s.total.flops).toBe(sum(ops, (o) => o.flops));
    expect(s.total.bytes).toBe(sum(ops, opBytes));
    const score = s.byKind.find((r) => r.kind === 'attn-score')!;
    expect(score.count).toBe(32 * 2);
    expect(score.opPerByte).toBeCloseTo(score.flops / score.bytes, 12);
    expect(summarizeOps([]).total).toEqual({ count: 0, flops: 0, weightBytes: 0, activationBytes: 0, kvBytes: 0, bytes: 0, opPerByte: 0 });
  });
});

describe('lowering options', () => {
  it('rejects an unknown routing and a negative Zipf exponent', () => {
    const m = loadModel('mixtral-8x7b');
    expect(() => buildOpGraph(m, decodeStep([9]), { routing: 'zipf' as 'skewed' })).toThrow(/routing: expected 'uniform' or 'skewed', found "zipf"/);
    expect(() => buildOpGraph(m, decodeStep([9]), { routing: 'skewed', zipfExponent: -1 })).toThrow(/zipfExponent: expected a number >= 0/);
  });
});
