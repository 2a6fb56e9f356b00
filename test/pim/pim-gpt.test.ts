import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/compiler/model.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { decodeStep } from '../../src/compiler/step.ts';
import { ASIC_DIR, asicOpCost, loadAsic } from '../../src/pim/asic.ts';
import { opBytes } from '../../src/ir/op.ts';
import { loadPimGptSystem, pimGptGenerate, pimGptToken, PimGptMachine, runsInPim } from '../../src/systems/pim-gpt/pim-gpt.ts';
import { CommandLog, logEntries } from '../../src/dram/command-log.ts';
import { checkProtocol } from '../../src/dram/protocol-checker.ts';
import { errorOf, runMain } from '../helpers.ts';

const system = loadPimGptSystem();
const gpt2 = loadModel('gpt2-small');

describe('PIM-GPT generation', () => {
  it('reusing simulated program segments and grouping identical channels gives exactly the command-by-command result', () => {
    const reused = pimGptGenerate(system, gpt2, 2, 2);
    const full = pimGptGenerate(system, gpt2, 2, 2, { reuse: false });
    expect(full.reusedGemvs).toBe(0);
    expect(full.simulatedGemvs).toBe(0);
    expect(reused.reusedGemvs).toBeGreaterThan(reused.simulatedGemvs);
    expect(reused.generated).toEqual(full.generated.map((t) => ({ ...t, simulatedGemvs: expect.any(Number), reusedGemvs: expect.any(Number) })));
    expect(reused.meanTokenPs).toBe(full.meanTokenPs);
    expect(reused.promptPs).toBe(full.promptPs);
  });

  it('every command of a generation passes the protocol checker, refreshes every tREFI included', () => {
    const logs: CommandLog[] = [];
    const g = pimGptGenerate(system, gpt2, 1, 2, { reuse: false, commandLogs: logs });
    const std = system.pim.standard;
    const entries = logEntries(logs, std.commandNames);
    const endCycle = Math.ceil((g.promptPs + g.generated.reduce((a, t) => a + t.totalPs, 0)) / std.tCKPs);
    expect(checkProtocol(std, entries, { endCycle })).toEqual([]);
    // All-bank refresh once per tREFI = 3800 cycles on every channel, whether it was busy or waiting: by its last
    // command a channel owes at most the one that fell due since its last row activation.
    for (const ch of [0, 31]) {
      const mine = entries.filter((e) => e.channel === ch);
      const due = Math.floor(mine[mine.length - 1]!.cycle / std.timing.tREFI!);
      const refreshes = mine.filter((e) => e.command === 'REF').length;
      expect(refreshes).toBeGreaterThanOrEqual(due - 1);
      expect(refreshes).toBeLessThanOrEqual(due);
    }
    expect(endCycle).toBeGreaterThan(0);
  });

  it('puts every matrix product over weights or the KV cache in PIM and the rest on the ASIC', () => {
    const ops = buildOpGraph(gpt2, decodeStep([16]));
    const pim = ops.filter(runsInPim).map((o) => o.kind);
    // Per layer: QKV, scores, context, output projection, FFN up and down; plus the LM head.
    expect(new Set(pim)).toEqual(new Set(['qkv-proj', 'attn-score', 'attn-context', 'out-proj', 'ffn-up', 'ffn-down', 'lm-head']));
    expect(pim.length).toBe(12 * 6 + 1);
  });

  it('splits the token along its critical path into MACs, data movement, rows, refresh and ASIC, summing to its latency', () => {
    const t = pimGptToken(system, gpt2, 100);
    const p = t.path;
    expect(p.mac + p.movement + p.row + p.refresh + p.asic).toBeCloseTo(t.totalPs, 0);
    expect(t.pimPs + t.asicPs).toBe(t.totalPs);
    // Every DRAM row of weights is activated for its MAC16s: MAC time dominates.
    expect(p.mac).toBeGreaterThan(p.row);
    expect(p.mac).toBeGreaterThan(p.asic);
  });

  it('gets slower as the KV cache grows, through the attention GEMVs only', () => {
    const m = new PimGptMachine(system);
    const early = m.token(gpt2, 16);
    const late = m.token(gpt2, 1000);
    expect(late.pimPs).toBeGreaterThan(early.pimPs);
    expect(late.commands.MAC16!).toBeGreaterThan(early.commands.MAC16!);
  });

  it('overlapping where dependencies allow changes a batch-1 token by well under 1 % (a chain of dependent ops)', () => {
    // Row prefetch and the pipelined ASIC remove some waiting; refresh then falls elsewhere, which moves a token
    // either way by a few tenths of a per cent (docs/validation.md).
    const overlapped = pimGptGenerate(system, gpt2, 8, 4);
    const serial = pimGptGenerate(system, gpt2, 8, 4, { overlap: false });
    expect(overlapped.meanTokenPs).not.toBe(serial.meanTokenPs);
    expect(Math.abs(overlapped.meanTokenPs / serial.meanTokenPs - 1)).toBeLessThan(0.01);
  });

  it('per-head softmax runs each head after its own channels and matches the command-by-command run', () => {
    const grouped = pimGptGenerate(system, gpt2, 1, 2, { perHeadSoftmax: true });
    const full = pimGptGenerate(system, gpt2, 1, 2, { perHeadSoftmax: true, reuse: false });
    expect(grouped.meanTokenPs).toBe(full.meanTokenPs);
  });

  it('costs a vector op on the ASIC as its element operations over the lanes plus the pipeline latency', () => {
    const asic = loadAsic('pim-gpt-asic');
    const ops = buildOpGraph(gpt2, decodeStep([16]));
    const norm = ops.find((o) => o.kind === 'norm')!;
    // LayerNorm of 768 elements at 7 ops each = 5376 ops; 5376 / 128 lanes = 42 cycles + 20 = 62 cycles of 1 ns.
    expect(norm.flops).toBe(5376);
    expect(asicOpCost(asic, { flops: norm.flops, bytes: opBytes(norm) }).timePs).toBe(62_000);
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
