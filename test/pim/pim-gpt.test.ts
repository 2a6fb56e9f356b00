import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/compiler/model.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { decodeStep } from '../../src/compiler/step.ts';
import { ASIC_DIR, asicOpCost, loadAsic } from '../../src/pim/asic.ts';
import { loadPimGptSystem, pimGptGenerate, pimGptToken, runsInPim } from '../../src/pim/pim-gpt.ts';
import { errorOf, runMain } from '../helpers.ts';

const system = loadPimGptSystem();
const gpt2 = loadModel('gpt2-small');

describe('PIM-GPT generation', () => {
  it('reusing the cost of an already simulated GEMV shape gives exactly the fully simulated result', () => {
    const reused = pimGptGenerate(system, gpt2, 2, 2);
    const full = pimGptGenerate(system, gpt2, 2, 2, { reuse: false });
    expect(full.reusedGemvs).toBe(0);
    expect(reused.reusedGemvs).toBeGreaterThan(0);
    expect(reused.simulatedGemvs).toBeLessThan(full.simulatedGemvs);
    expect(reused.generated).toEqual(full.generated.map((t) => ({ ...t, simulatedGemvs: expect.any(Number), reusedGemvs: expect.any(Number) })));
    expect(reused.meanTokenPs).toBe(full.meanTokenPs);
  });

  it('puts every matrix product over weights or the KV cache in PIM and the rest on the ASIC', () => {
    const ops = buildOpGraph(gpt2, decodeStep([16]));
    const pim = ops.filter(runsInPim).map((o) => o.kind);
    // Per layer: QKV, scores, context, output projection, FFN up and down; plus the LM head.
    expect(new Set(pim)).toEqual(new Set(['qkv-proj', 'attn-score', 'attn-context', 'out-proj', 'ffn-up', 'ffn-down', 'lm-head']));
    expect(pim.length).toBe(12 * 6 + 1);
  });

  it('splits the PIM time exactly into MACs, data movement, row activation/precharge and refresh', () => {
    const t = pimGptToken(system, gpt2, 100, new Map());
    expect(t.pim.mac + t.pim.movement + t.pim.row + t.pim.refresh).toBe(t.pimPs);
    // Every DRAM row of weights is activated for its MAC16s: MAC time dominates, rows come second.
    expect(t.pim.mac).toBeGreaterThan(t.pim.row);
    expect(t.pim.row).toBeGreaterThan(t.pim.movement);
  });

  it('gets slower as the KV cache grows, through the attention GEMVs only', () => {
    const cache = new Map();
    const early = pimGptToken(system, gpt2, 16, cache);
    const late = pimGptToken(system, gpt2, 1000, cache);
    expect(late.pimPs).toBeGreaterThan(early.pimPs);
    expect(late.asicPs).toBeGreaterThanOrEqual(early.asicPs);
  });

  it('costs a vector op on the ASIC as its element operations over the lanes plus the pipeline latency', () => {
    const asic = loadAsic('pim-gpt-asic');
    const ops = buildOpGraph(gpt2, decodeStep([16]));
    const norm = ops.find((o) => o.kind === 'norm')!;
    // LayerNorm of 768 elements at 7 ops each = 5376 ops; 5376 / 128 lanes = 42 cycles + 20 = 62 cycles of 1 ns.
    expect(norm.flops).toBe(5376);
    expect(asicOpCost(asic, norm).timePs).toBe(62_000);
  });

  it('rejects a generation past the learned positions, and bad counts', () => {
    expect(errorOf(() => pimGptGenerate(system, gpt2, 1000, 100))).toBe("prompt 1000 + 100 tokens exceeds gpt2-small's 1024 learned positions");
    expect(errorOf(() => pimGptGenerate(system, gpt2, 0, 1))).toMatch(/--prompt: expected a positive integer/);
  });

  it('rejects a malformed ASIC spec, naming the field', () => {
    const j = JSON.parse(readFileSync(join(ASIC_DIR, 'pim-gpt-asic.json'), 'utf8'));
    j.datapath.lanes = 0;
    const f = join(mkdtempSync(join(tmpdir(), 'strata-asic-')), 'asic.json');
    writeFileSync(f, JSON.stringify(j));
    expect(errorOf(() => loadAsic(f))).toBe(`${f}: field 'datapath.lanes': expected an integer > 0, found 0`);
  });

  it('strata pim generate prints per-token latency, breakdown and energy', () => {
    const r = runMain(['pim', 'generate', '--model', 'gpt2-small', '--prompt', '4', '--tokens', '4']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/per token   mean \d+\.\d+ us/);
    expect(r.out).toMatch(/energy      \d+\.\d+ uJ per token: activate/);
    expect(runMain(['pim', 'generate', '--model', 'gpt9']).err).toMatch(/^strata: unknown model 'gpt9'/);
  });
});
