import { describe, it, expect } from 'vitest';
import { loadModel } from '../../src/compiler/model.ts';
import { generateRequests, DATASETS } from '../../src/compiler/requests.ts';
import { assignChannels, channelLoads, splitSubBatches } from '../../src/systems/neupims/neupims-channels.ts';
import { neupimsDecode, NeuPimsMemo, shardOp, type NeuPimsDecodeResult } from '../../src/systems/neupims/neupims-decode.ts';
import { loadNeuPimsSystem, parseNeuPimsSystem } from '../../src/systems/neupims/neupims-system.ts';
import { neupimsStepCostModel } from '../../src/systems/neupims/neupims-serving.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { decodeStep } from '../../src/compiler/step.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorOf } from '../helpers.ts';
import { SYSTEMS_DIR } from '../../src/systems/presets.ts';

// GPT-3 7B on NeuPIMs runs tensor parallel over 4 devices: 8 heads per device, so attention programs are short.
const model = loadModel('neupims-gpt3-7b');
const neupims = loadNeuPimsSystem('neupims');
const blocked = loadNeuPimsSystem('npu-pim-blocked');
const npuOnly = loadNeuPimsSystem('npu-only');
const small = [40, 7, 130, 65, 12, 90, 33, 200];

function max(xs: readonly number[]): number {
  return xs.reduce((a, b) => Math.max(a, b), 0);
}

describe('channel placement', () => {
  it('greedy balancing never leaves a channel more loaded than round-robin does (request sets, batch 64-512)', () => {
    for (const lengths of DATASETS) {
      for (const count of [64, 128, 256, 512]) {
        for (const seed of ['0', '1', '2']) {
          const set = generateRequests({ count, lengths, seed });
          const ctx = set.requests.map((r) => r.inputTokens + r.outputTokens);
          const greedy = max(Array.from(channelLoads(ctx, assignChannels(ctx, 32, 'greedy'), 32)));
          const rr = max(Array.from(channelLoads(ctx, assignChannels(ctx, 32, 'round-robin'), 32)));
          expect(greedy).toBeLessThanOrEqual(rr);
          // LPT: the maximum is at most the mean plus the longest request.
          const mean = ctx.reduce((a, b) => a + b, 0) / 32;
          expect(greedy).toBeLessThanOrEqual(mean + max(ctx));
        }
      }
    }
  });

  it('round-robin puts request i on channel i mod C; greedy puts the longest first on channel 0', () => {
    expect(Array.from(assignChannels([5, 5, 5], 2, 'round-robin'))).toEqual([0, 1, 0]);
    // LPT: 9 -> ch0, 7 -> ch1, 3 -> ch1 (7 < 9), 2 -> ch0 (9 < 10)
    expect(Array.from(assignChannels([3, 9, 2, 7], 2, 'greedy'))).toEqual([1, 0, 0, 1]);
  });

  it('splits every channel\'s requests between two non-empty sub-batches, evenly up to one request', () => {
    const ch = assignChannels(small, 4, 'greedy');
    const half = splitSubBatches(small, ch, 4);
    expect(half.includes(0) && half.includes(1)).toBe(true);
    for (let c = 0; c < 4; c++) {
      const l = [0, 0];
      let biggest = 0;
      small.forEach((x, i) => {
        if (ch[i] === c) {
          l[half[i]!]! += x;
          biggest = Math.max(biggest, x);
        }
      });
      expect(Math.abs(l[0]! - l[1]!)).toBeLessThanOrEqual(biggest);
    }
  });
});

describe('NeuPIMs decode iteration', () => {
  const memo = new NeuPimsMemo();
  const run = (sys = neupims, sub: 'on' | 'off' = 'off', ctx = small): NeuPimsDecodeResult => neupimsDecode(sys, model, ctx, { memo, subBatch: sub });

  it('dual row buffers are never slower than one, with and without sub-batch interleaving', () => {
    for (const ctx of [small, [300, 300, 300, 300], [1000, 3, 500, 64, 64, 700]]) {
      for (const sub of ['on', 'off'] as const) {
        expect(run(neupims, sub, ctx).timePs).toBeLessThanOrEqual(run(blocked, sub, ctx).timePs);
      }
    }
  });

  it('no channel exceeds its MAC peak or its data-bus peak', () => {
    for (const sub of ['on', 'off'] as const) {
      const r = run(neupims, sub);
      r.channels.attentionCycles.forEach((cycles, c) => {
        if (cycles > 0) expect(r.channels.macs[c]! / cycles).toBeLessThanOrEqual(r.peak.macsPerCycle);
        else expect(r.channels.macs[c]).toBe(0);
      });
      const cycles = r.timePs / 1000; // DRAM clock 1 GHz
      expect(r.npuBytes / 32 / cycles).toBeLessThanOrEqual(r.peak.bytesPerCycle);
    }
  });

  it('with and without interleaving: phases add up to the time and busy intervals stay inside it without overlap', () => {
    for (const sub of ['on', 'off'] as const) {
      const r = run(neupims, sub);
      expect(r.subBatchInterleaving).toBe(sub === 'on');
      expect(r.phases.reduce((a, p) => a + p.durationPs * p.repeats, 0)).toBe(r.timePs);
      for (const unit of ['npu', 'pim'] as const) {
        const iv = r.intervals.filter((i) => i.unit === unit);
        for (let i = 0; i < iv.length; i++) {
          expect(iv[i]!.endPs).toBeGreaterThan(iv[i]!.startPs);
          expect(iv[i]!.endPs).toBeLessThanOrEqual(r.timePs);
          if (i > 0) expect(iv[i]!.startPs).toBeGreaterThanOrEqual(iv[i - 1]!.endPs);
        }
      }
      expect(r.npuBusyPs).toBe(r.intervals.filter((i) => i.unit === 'npu').reduce((a, i) => a + i.endPs - i.startPs, 0));
      expect(r.pimUtilisation).toBeGreaterThan(0);
      // Interleaved: 2 leading phases, 2 per layer but the last, 2 trailing, the head.
      const repeats = r.phases.reduce((a, p) => a + p.repeats, 0);
      expect(repeats).toBe(sub === 'on' ? 2 + 2 * (model.layers - 1) + 2 + 1 : 3 * model.layers + 1);
    }
    // Off: every phase runs alone, so NPU and PIM busy times add up to the iteration.
    const off = run(neupims, 'off');
    expect(off.npuBusyPs + off.pimBusyPs).toBe(off.timePs);
  });

  it('memoised programs give exactly the fully simulated result', () => {
    const ctx = [17, 31, 32, 33, 100, 47, 48];
    for (const [sys, sub] of [[neupims, 'on'], [blocked, 'off'], [neupims, 'off']] as const) {
      const fresh = neupimsDecode(sys, model, ctx, { memo: null, subBatch: sub });
      const memoised = neupimsDecode(sys, model, ctx, { memo: new NeuPimsMemo(), subBatch: sub });
      expect(memoised.timePs).toBe(fresh.timePs);
      expect(memoised.energyPj).toBe(fresh.energyPj);
      expect(memoised.channels).toEqual(fresh.channels);
      expect(memoised.simulated).toBeLessThan(fresh.simulated);
    }
  });

  it('PIM attention beats the NPU-only system when every channel holds long contexts', () => {
    // 64 requests: two per channel, so every channel's banks compute (8 requests would leave 24 channels idle,
    // while the NPU reads K and V through all 32).
    const ctx = Array.from({ length: 64 }, (_, i) => 800 + 10 * i);
    const p = neupimsDecode(neupims, model, ctx, { memo, subBatch: 'off' });
    const n = neupimsDecode(npuOnly, model, ctx, { memo });
    expect(p.timePs).toBeLessThan(n.timePs);
    expect(n.pimBusyPs).toBe(0);
  });

  it('is deterministic and rejects bad input', () => {
    expect(run(neupims, 'on').timePs).toBe(neupimsDecode(neupims, model, small, { subBatch: 'on' }).timePs);
    expect(errorOf(() => neupimsDecode(neupims, model, []))).toMatch(/at least one request/);
    expect(errorOf(() => neupimsDecode(neupims, model, [0]))).toMatch(/request 0: context length must be a whole number >= 1/);
    expect(errorOf(() => neupimsDecode(neupims, model, [10], { tp: 3 }))).toMatch(/tensor parallelism 3 must divide its heads \(32\)/);
    expect(errorOf(() => neupimsDecode(neupims, loadModel('llama3-8b'), [10], { tp: 1 }))).toMatch(/multi-head attention/);
  });

  it('shards ops Megatron-style: columns of QKV and FFN up, rows of the projections, heads of attention', () => {
    const ops = buildOpGraph({ ...model, layers: 1 }, decodeStep([8, 8]));
    const qkv = ops.find((o) => o.kind === 'qkv-proj')!;
    const down = ops.find((o) => o.kind === 'ffn-down')!;
    const score = ops.find((o) => o.kind === 'attn-score')!;
    expect(shardOp(qkv, 4).n).toBe(qkv.n / 4);
    expect(shardOp(qkv, 4).weightBytes).toBe(Math.ceil(qkv.weightBytes / 4));
    expect(shardOp(down, 4).k).toBe(down.k / 4);
    expect(shardOp(score, 4).batch).toBe(score.batch / 4);
    const norm = ops.find((o) => o.kind === 'norm')!;
    expect(shardOp(norm, 4)).toEqual(norm);
  });
});

describe('NeuPIMs systems and serving', () => {
  it('loads the presets and names the field of a bad one', () => {
    expect(neupims.pim.rowBuffers).toBe(2);
    expect(blocked.pim.rowBuffers).toBe(1);
    expect(npuOnly.attention).toBe('npu');
    expect(neupims.subBatchMinBatch).toBe(256);
    const good = JSON.parse(readFileSync(join(SYSTEMS_DIR, 'neupims.json'), 'utf8'));
    expect(errorOf(() => parseNeuPimsSystem({ ...good, memory: { ...good.memory, rowBuffers: 3 } }, 'x.json'))).toMatch(/^x\.json: field 'memory\.rowBuffers': expected an integer <= 2/);
    expect(errorOf(() => parseNeuPimsSystem({ ...good, channelBalancing: { source: 's', policy: 'random' } }, 'x.json'))).toMatch(/field 'channelBalancing\.policy': expected one of greedy, round-robin/);
    expect(errorOf(() => parseNeuPimsSystem({ ...good, npu: { spec: 'neupims-npu' } }, 'x.json'))).toMatch(/field 'npu\.source'/);
    expect(errorOf(() => parseNeuPimsSystem({ ...good, pimIssue: { source: 's', instructionsPerCycle: 0.5 } }, 'x.json'))).toMatch(/field 'pimIssue\.instructionsPerCycle': expected an integer/);
    expect(errorOf(() => parseNeuPimsSystem({ ...good, attention: { source: 's', placement: 'pim', npuSchedule: 'head-by-head' } }, 'x.json'))).toMatch(/field 'attention\.npuSchedule': expected no value when attention runs in PIM/);
    expect(loadNeuPimsSystem('authors-naive').pimIssuePerCycle).toBe(1);
    expect(loadNeuPimsSystem('authors-npu-only').npuAttentionSchedule).toBe('head-by-head');
    expect(neupims.pimIssuePerCycle).toBeNull();
    expect(errorOf(() => loadNeuPimsSystem('nope'))).toMatch(/unknown system 'nope' for policy neupims \(known: authors-naive, authors-npu-only, neupims, npu-only, npu-pim-blocked/);
  });

  it('costs serving steps: decode steps as decode iterations, prompts on the NPU, whole steps memoised', () => {
    const m = neupimsStepCostModel(neupims, model);
    const decode = { index: 0, entries: small.slice(0, 4).map((c, i) => ({ id: `r${i}`, contextLength: c, newTokens: 1, decode: true })) };
    const c = m.cost(decode);
    expect(c.timePs).toBe(neupimsDecode(neupims, model, small.slice(0, 4)).timePs);
    expect(m.cost({ ...decode, index: 1 })).toEqual(c);
    expect(m.stats()).toEqual({ steps: 2, lookups: 2, hits: 1 });
    const mixed = m.cost({ index: 2, entries: [...decode.entries, { id: 'p', contextLength: 0, newTokens: 50, decode: false }] });
    expect(mixed.timePs).toBeGreaterThan(c.timePs);
    expect(m.memory!.capacityBytes).toBe(4 * 32 * 2 ** 30);
  });
});

describe("the authors' baselines (NeuPIMs' npu+pim and npu-only branches)", () => {
  const memo = new NeuPimsMemo();
  const naive = loadNeuPimsSystem('authors-naive');
  const authorsNpu = loadNeuPimsSystem('authors-npu-only');
  const ctx = [300, 300, 300, 300, 1000, 50, 700, 64];
  const phase = (r: NeuPimsDecodeResult, name: string) => r.phases.find((p) => p.name === name)!;

  it('naive: attention lasts at least one NPU cycle per PIM instruction of the whole device; the NPU blocks are the blocked preset\'s', () => {
    const chans = ctx.map((_, i) => i % 32);
    const a = neupimsDecode(naive, model, ctx, { memo, channels: chans });
    const b = neupimsDecode(blocked, model, ctx, { memo, channels: chans });
    // Same hardware (one row buffer), so pre and post are equal; the issue limit only lengthens attention.
    expect(phase(a, 'pre').npuPs).toBe(phase(b, 'pre').npuPs);
    expect(phase(a, 'post').npuPs).toBe(phase(b, 'post').npuPs);
    expect(phase(a, 'attention').pimPs).toBeGreaterThanOrEqual(phase(b, 'attention').pimPs);
    // Instructions of one request (8 heads x 128, 301 keys; 32 banks, 512 elements a row): the logit GEMVs
    // open ceil(301 / 32) = 10 token rows for each of 2 head chunks, 4 heads x (8 COMP + 1 READRES) per row, one
    // GWRITE per chunk; the attend GEMVs per head one 512-token chunk: 1 GWRITE, 4 dimension rows x (19 COMP + 1 READRES).
    const logit = 2 * (1 + 10 * (1 + 4 * 9));
    const attend = 8 * (1 + 4 * (1 + 19 + 1));
    expect(logit + attend).toBe(2 + 740 + 8 * 85);
    const one = neupimsDecode(naive, model, [300], { memo });
    expect(phase(one, 'attention').pimPs).toBeGreaterThanOrEqual((logit + attend) * naive.npu.periodPs);
    // 64 such requests, two per channel: each channel needs two programs' time, but the one queue issues all
    // 64 x 1,422 instructions one after another, which takes longer: the issue limit decides.
    const many = neupimsDecode(naive, model, new Array(64).fill(300), { memo, channels: Array.from({ length: 64 }, (_, i) => i % 32) });
    const channelBound = phase(neupimsDecode(blocked, model, new Array(64).fill(300), { memo, channels: Array.from({ length: 64 }, (_, i) => i % 32) }), 'attention').pimPs;
    expect(64 * (logit + attend) * naive.npu.periodPs).toBeGreaterThan(channelBound);
    expect(phase(many, 'attention').pimPs).toBe(64 * (logit + attend) * naive.npu.periodPs);
  });

  it('npu-only, head by head: each head pays the arrays\' fill and drain per instruction (R + C - 1 = 255 cycles)', () => {
    const r = neupimsDecode(authorsNpu, model, [299], { memo });
    // 300 keys: q K^T 255 + floor(300 / 8) = 292; softmax x V ceil((300 + 127) / 128) = 4 instructions of 255 + 128 / 8 = 271.
    const chain = 8 * (292 + 4 * 271);
    const layer = phase(r, 'layer').npuPs / authorsNpu.npu.periodPs;
    const batched = phase(neupimsDecode(npuOnly, model, [299], { memo }), 'layer').npuPs / npuOnly.npu.periodPs;
    // The head-by-head layer exceeds the batched one by the chain less the batched attention (a few thousand cycles).
    expect(layer - batched).toBeGreaterThan(chain - 5000);
    expect(layer - batched).toBeLessThan(chain + 100);
  });

  it('takes the channel of every request from the caller, and names a bad one', () => {
    const a = neupimsDecode(neupims, model, [100, 100], { memo, channels: [3, 3] });
    expect(a.channels.loads[3]).toBe(202);
    expect(errorOf(() => neupimsDecode(neupims, model, [100, 100], { channels: [0] }))).toBe('channels: expected one channel per request (2), got 1');
    expect(errorOf(() => neupimsDecode(neupims, model, [100, 100], { channels: [0, 32] }))).toBe('channels: request 1: expected a whole number from 0 to 31, got 32');
  });
});
