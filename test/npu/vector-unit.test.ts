import { describe, it, expect } from 'vitest';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { decodeStep, prefillStep } from '../../src/compiler/step.ts';
import { loadNpu } from '../../src/npu/spec.ts';
import { vectorCycles, vectorOpCycles, vectorOpElements } from '../../src/npu/vector-unit.ts';

const vu = loadNpu('neupims-npu').vectorUnits;
const gpt2 = loadModel('gpt2-small');

describe('vector units (8 x 128 lanes, 1-cycle latency)', () => {
  it('cycles = ceil(FLOPs / (lanes x units)) + latency', () => {
    expect(vu).toEqual({ count: 8, lanes: 128, latencyCycles: 1 });
    expect(vectorCycles(vu, 1024)).toBe(2); // 1024 / 1024 + 1
    expect(vectorCycles(vu, 1025)).toBe(3); // a partial pass still takes a cycle
    expect(vectorCycles(vu, 1024, 1)).toBe(9); // one unit: 1024 / 128 + 1
    expect(vectorCycles(vu, 0)).toBe(1); // nothing to do still passes the pipeline
  });

  it('GPT-2 small decode: layernorm, softmax, GELU and the residual add from their FLOPs', () => {
    const ops = buildOpGraph(gpt2, decodeStep([128]), {});
    const byId = (id: string) => ops.find((o) => o.id === id)!;
    // LayerNorm of 768 elements x 7 ops = 5376 / 1024 = 5.25 -> 6, + 1.
    expect(vectorOpElements(byId('L0.norm-attn'))).toBe(768);
    expect(vectorOpCycles(vu, byId('L0.norm-attn'))).toBe(7);
    // Softmax of 12 heads x 129 keys x 5 ops = 7740 / 1024 = 7.6 -> 8, + 1.
    expect(vectorOpElements(byId('L0.softmax.r0'))).toBe(12 * 129);
    expect(vectorOpCycles(vu, byId('L0.softmax.r0'))).toBe(9);
    // GELU of 3072 elements x 9 ops = 27 cycles + 1; residual add 768 x 1 -> 1 + 1.
    expect(vectorOpCycles(vu, byId('L0.ffn-act'))).toBe(28);
    expect(vectorOpCycles(vu, byId('L0.residual-ffn'))).toBe(2);
  });

  it('prefill scales with the tokens: 64 tokens of GELU take 64 x 27 cycles + 1', () => {
    const ops = buildOpGraph(gpt2, prefillStep([64]), {});
    const gelu = ops.find((o) => o.id === 'L0.ffn-act')!;
    expect(vectorOpCycles(vu, gelu)).toBe(64 * 27 + 1);
  });
});
