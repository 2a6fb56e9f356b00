import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { loadDevice, opCost, runOpsOnDevice } from '../../src/systems/baseline/roofline.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { decodeStep, prefillStep } from '../../src/compiler/step.ts';
import { compareGpu, fitGpu, gpuErrorSummary, GPU_CALIBRATION_LIMITS, loadDecoderSteps, loadGpuMeasurements, matmulCostNs } from '../../src/validation/gpu.ts';
import { errorOf } from '../helpers.ts';
import { comparePublishedDifferences, comparePublishedMicro, comparePublishedSteps, fitPublished, loadPublishedCard, PUBLISHED_CARDS, publishedErrorSummary } from '../../src/validation/gpu-published.ts';

/*
 * The GPU baseline against our H100 measurements (bench/gpu/h100-measured.json, in the repository).
 * Calibration: the memory plateau and compute efficiency come from the micro section, the kernel floor from the
 * two GPT-2 small decode steps under CUDA graphs, the eager launch from the micro section's small products, the
 * attention efficiency from one graph-replayed SDPA kernel (bench/gpu/h100-micro-graphs.json).
 * Checked only: the other 14 graph steps of h100-measured.json (GPT-2 medium to XL decode, every Llama-3-8B decode
 * and prefill), all its 16 eager steps, and the 10 steps of h100-decoder-steps.json (our decoder of the same
 * description: prefills of 1024-4096 tokens, decode at batch 16-64 and context 1024-2048) under both profiles.
 */
const h100 = loadDevice('gpu-h100-sxm');
const data = loadGpuMeasurements();
const rows = compareGpu(h100, data, loadDecoderSteps());

describe('calibration against measured H100 steps', () => {
  it('the preset holds the parameters fitted from the file (rounded), not values tuned per point', () => {
    const fit = fitGpu(h100, data);
    expect(fit.memoryEfficiency).toBeCloseTo(h100.memoryEfficiency, 3); // 0.930: 3,116 GB/s of 3,350
    expect(fit.computeEfficiency).toBeCloseTo(h100.computeEfficiency, 3); // 0.673 of 989.4 TFLOP/s
    expect(Math.abs(fit.kernelFloorNs * 1000 - h100.launchOverheadPs)).toBeLessThan(1000); // 3,325 ns
    expect(Math.abs(fit.eagerLaunchNs * 1000 - h100.profiles.eager!.hostLaunchPs)).toBeLessThan(1000); // 18,239 ns
    expect(fit.attentionEfficiency).toBeCloseTo(h100.attentionEfficiency, 2); // 0.530
    expect(rows.filter((r) => r.calibration).map((r) => `${r.model} ${r.tokens}`)).toEqual(['gpt2-small 64', 'gpt2-small 128']);
  });

  it('CUDA graphs: median |error| <= 10 % and worst <= 25 % over the 26 steps, and the 24 held-out ones alone', () => {
    const graphs = rows.filter((r) => r.profile === 'graphs');
    expect(graphs.length).toBe(26);
    const all = gpuErrorSummary(graphs);
    const held = gpuErrorSummary(graphs.filter((r) => !r.calibration));
    // Measured (npx tsx src/cli/entry.ts validate gpu): median 4.1 %, worst 16.2 % (GPT-2 small at batch 32 of
    // our decoder, which runs 172 kernels a step against Strata's 148: it adds the QKV bias as a kernel of its own).
    expect(all.medianPct).toBeLessThanOrEqual(GPU_CALIBRATION_LIMITS.medianPct);
    expect(all.worstPct).toBeLessThanOrEqual(GPU_CALIBRATION_LIMITS.worstPct);
    expect(held.medianPct).toBeLessThanOrEqual(GPU_CALIBRATION_LIMITS.medianPct);
    expect(held.worstPct).toBeLessThanOrEqual(GPU_CALIBRATION_LIMITS.worstPct);
  });

  it('GPT-2 sizes are no longer 1.3-1.6x too slow, and Llama-3-8B decode is right for the right reason', () => {
    const get = (model: string, batch: number, profile = 'graphs') => rows.find((r) => r.model === model && r.batch === batch && r.profile === profile && r.phase === 'decode')!;
    for (const m of ['gpt2-medium', 'gpt2-large', 'gpt2-xl']) expect(Math.abs(get(m, 1).errorPct)).toBeLessThan(6);
    expect(Math.abs(get('llama3-8b', 1).errorPct)).toBeLessThan(5);
    // Batch-1 Llama-3-8B: weight GEMVs at 0.93 of the pins plus a 3.3 us floor each; the effective bandwidth of the
    // four per-layer GEMVs is what the issue measured (about 0.77), not the 0.93 plateau.
    const model = loadModel('llama3-8b');
    const run = runOpsOnDevice(h100, buildOpGraph(model, decodeStep([512])), 2);
    const gemv = run.ops.filter((o) => o.layer === 0 && (o.kind === 'qkv-proj' || o.kind === 'out-proj' || o.kind === 'ffn-down'));
    const eff = gemv.reduce((a, o) => a + o.bytes, 0) / (gemv.reduce((a, o) => a + o.durationPs, 0) / 1e12) / h100.bandwidthBytesPerS;
    expect(eff).toBeGreaterThan(0.7);
    expect(eff).toBeLessThan(0.85);
  });

  it('eager: within 20 % median; a constant host launch cannot follow a host whose per-kernel cost ranges 16-22 us', () => {
    const eager = rows.filter((r) => r.profile === 'eager' && r.set === 'measured');
    const s = gpuErrorSummary(eager);
    // Measured: median 15.4 %, worst 50.6 %; the worst is GPT-2 small at context 64 (5.47 ms), which the same
    // launch-bound decoder ran in 2.57 ms at context 128: a longer context cannot halve a launch-bound step.
    expect(s.medianPct).toBeLessThanOrEqual(20);
    const rest = gpuErrorSummary(eager.filter((r) => !(r.model === 'gpt2-small' && r.tokens === 64)));
    expect(rest.worstPct).toBeLessThanOrEqual(30);
    // Strata is below every eager measurement but one: the steps' host paid more per kernel than the micro loop's 18.2 us.
    expect(eager.filter((r) => r.errorPct > 0).length).toBeLessThanOrEqual(1);
  });

  it('single products: the floor plus bytes at the plateau follow the micro section where the GPU is the bottleneck', () => {
    // 1 x 4096 x 12288: 100.7 MB / 3,115.5 GB/s = 32.3 us + 3.3 us = 35.6 us against 36.9 measured (eager, GPU-bound).
    expect(matmulCostNs(h100, { m: 1, k: 4096, n: 12288, us: 0 }) / 1000).toBeCloseTo(35.6, 1);
    for (const x of data.matmuls.filter((y) => 2 * y.k * y.n >= 64e6)) {
      expect(Math.abs(matmulCostNs(h100, x) / 1000 / x.us - 1), `${x.m}x${x.k}x${x.n}`).toBeLessThan(0.1);
    }
  });
});

/** 68,736,253,952 causal FLOPs x 1e12 / 524.382e12, rounded up. */
const CAUSAL_PS = 131080499;

describe('kernels as a serving engine fuses them', () => {
  const kernelsOfLayer0 = (model: string, profile = 'graphs') =>
    runOpsOnDevice(h100, buildOpGraph(loadModel(model), decodeStep([128])), 2, { profile }).ops.filter((o) => o.layer === 0).reduce((a, o) => a + o.kernels, 0);

  it('GPT-2: 12 kernels a layer; Llama-3-8B: 23 (plain-PyTorch rotary); the fused engine profile: 12 for Llama', () => {
    // LayerNorm, QKV, attention (SDPA + 2 KV-cache writes), out, add, LayerNorm, up, GELU, down, add.
    expect(kernelsOfLayer0('gpt2-small')).toBe(12);
    // RMSNorm, QKV, rotary (10), attention (3), out, add, RMSNorm, gate+up, SiLU and multiply (2), down, add.
    expect(kernelsOfLayer0('llama3-8b')).toBe(23);
    // RMSNorm, QKV, rotary, attention with its cache write (2), out, add, RMSNorm, gate+up, SiLU-and-multiply, down, add.
    expect(kernelsOfLayer0('llama3-8b', 'fused')).toBe(12);
  });

  it('attention is causal and fused: a 4096-token prompt computes about half the square and moves no score matrix', () => {
    const model = loadModel('llama3-8b');
    const ops = buildOpGraph({ ...model, layers: 1 }, prefillStep([4096]));
    const score = ops.find((o) => o.kind === 'attn-score')!;
    const soft = ops.find((o) => o.kind === 'softmax')!;
    const ctx = ops.find((o) => o.kind === 'attn-context')!;
    const c = opCost(h100, score, 2);
    // Full square 2 x 4096 x 128 x 4096 x 32 heads = 137,438,953,472 FLOPs; causal keeps (4096 + 1) / 2 / 4096 of it
    // = 68,736,253,952 FLOPs, at 0.53 x 989.4e12 = 524.382e12 FLOP/s (the fused kernel's measured efficiency,
    // bench/gpu/h100-micro-graphs.json) = 131,080,498.5 ps, rounded up.
    expect(score.flops).toBe(137438953472);
    expect(c.computePs).toBe(CAUSAL_PS);
    expect(opCost(h100, soft, 2)).toMatchObject({ computePs: 0, memoryPs: 0, kernels: 0, durationPs: 0 });
    expect(opCost(h100, ctx, 2).kernels).toBe(0);
    // The score op reads the new Q (4096 x 4096 x 2 B) and K (4096 x 1024 x 2 B) and writes K to the cache:
    // 50,331,648 B, not also the 32 x 4096 x 4096 x 2 B = 1 GiB score matrix. 50,331,648 / 3,115.5e9 B/s = 16,155,239.9 ps.
    expect(score.activationWriteBytes).toBe(32 * 4096 * 4096 * 2);
    expect(c.memoryPs).toBe(16155240);
  });
});

/*
 * The T4 and A100 presets against PUBLISHED measurements (bench/gpu/published/*.json, a source on every point):
 * micro points (streams, the best product of a shape search, small kernels) set or bound parameters; whole
 * FasterTransformer generations and BERT encoders are only checked (src/validation/gpu-published.ts).
 */
describe('published measurements: T4, A100 40 GB, A100 80 GB, Xeon 8480+', () => {
  const cards = Object.fromEntries(PUBLISHED_CARDS.map((name) => {
    const card = loadPublishedCard(name);
    const device = loadDevice(card.preset);
    const steps = comparePublishedSteps(device, card);
    return [name, { card, device, micro: comparePublishedMicro(device, card), steps, differences: comparePublishedDifferences(card, steps), fit: fitPublished(device, card, h100) }];
  }));

  it('every point names its source: a repository at a commit and the file it is in', () => {
    for (const { card } of Object.values(cards)) {
      const sources = [...card.bandwidth, ...card.matmul, ...card.smallKernels, ...card.generation, ...card.encoder].map((p) => p.source);
      expect(sources.length).toBeGreaterThan(0);
      for (const s of sources) expect(s, s).toMatch(/[\w.-]+\/[\w.-]+ @ [0-9a-f]{40}, [\w./-]+/);
    }
    expect(cards['a100-80gb']!.card.generation.length).toBe(42); // GPT-350M, 1.3B and 6.7B, 7 batches x 2 shapes
    expect(cards.t4!.card.encoder.length).toBe(18); // BERT-base FP16, 3 batches x 3 lengths, TensorFlow and PyTorch
  });

  it('the micro points give the A100s their memory plateau, a bound on compute and a transferred floor', () => {
    const a40 = cards['a100-40gb']!.fit;
    const a80 = cards['a100-80gb']!.fit;
    // Read streams of 1 GiB: 1,490 of 1,555 GB/s and 1,769 of 2,039 GB/s (gpu-benches gpu-stream).
    expect(a40.memoryEfficiency).toBeCloseTo(1490 / 1555, 6);
    expect(a80.memoryEfficiency).toBeCloseTo(1769 / 2039, 6);
    // The presets hold them, rounded: the memory efficiency is measured now, no longer an assumption.
    expect(cards['a100-40gb']!.device.memoryEfficiency).toBeCloseTo(a40.memoryEfficiency!, 3); // 0.958
    expect(cards['a100-80gb']!.device.memoryEfficiency).toBeCloseTo(a80.memoryEfficiency!, 3); // 0.868
    // Best bf16 product 271.2 of 312 TFLOP/s; scaled by the H100's 0.673 (fitted) over its 794.5 / 989.4 = 0.803.
    expect(a40.computeEfficiencyBound).toBeCloseTo(0.869, 3);
    expect(a40.computeEfficiencyTransfer).toBeCloseTo(h100.computeEfficiency * (271.2 / 312) / (794.5 / 989.4), 6);
    expect(a40.computeEfficiencyTransfer!).toBeGreaterThan(0.72);
    expect(a40.computeEfficiencyTransfer!).toBeLessThan(0.74);
    // Small kernels replayed from a graph: 65,536 B at 49 GB/s (A100) against 52 GB/s (H200): 3,325 ns x 52 / 49.
    expect(a40.kernelFloorNsTransfer).toBeCloseTo((h100.launchOverheadPs / 1000) * 52 / 49, 6);
    // The presets' compute efficiency and floor are not pinned (ranges kept) but sit within 4 % of the transfers.
    for (const { device, fit } of [cards['a100-40gb']!, cards['a100-80gb']!]) {
      expect(device.computeEfficiency).toBeLessThan(fit.computeEfficiencyBound!);
      expect(Math.abs(device.computeEfficiency / fit.computeEfficiencyTransfer! - 1)).toBeLessThan(0.04);
      expect(Math.abs(device.launchOverheadPs / 1000 / fit.kernelFloorNsTransfer! - 1)).toBeLessThan(0.01);
    }
  });

  it('T4: the 32 MB copy agrees within 5 %; BERT encoders run slower than the preset says, most at small batches', () => {
    const t4 = cards.t4!;
    // bandwidthTest: 239.6 GB/s read + written; Strata 4 us floor + 64 MB at 0.75 x 320 GB/s = 236.5 GB/s.
    expect(Math.abs(t4.micro[0]!.errorPct)).toBeLessThan(5);
    const s = publishedErrorSummary(t4.steps);
    // Measured: median 12.8 %, worst 36.6 % (batch 1, 128 tokens: 1.63 ms against 2.57), every point below.
    expect(s.medianPct).toBeLessThanOrEqual(15);
    expect(t4.steps.every((r) => r.errorPct < 0)).toBe(true);
    // The compute-bound points (batch 32): 8-16 % below, so the T4's sustained tensor rate is under the preset's 0.5.
    const big = t4.steps.filter((r) => r.point.includes('batch 32,'));
    expect(big.length).toBe(6);
    for (const r of big) expect(r.errorPct).toBeGreaterThan(-20);
  });

  it('A100 40 GB: a compute-bound 2,048-token LLaMA-7B prompt (TensorRT-LLM) agrees within 10 %; a 128-token one is slower', () => {
    const rows = cards['a100-40gb']!.steps;
    expect(rows.length).toBe(2);
    // 2,048 tokens: about 27.6 TFLOP at 0.7 x 312 TFLOP/s; measured +3.8 % (138.0 ms against 133). This checks the
    // assumed compute efficiency without fitting it: TensorRT-LLM's first-token latency is rounded to whole ms.
    const long = rows.find((r) => r.point.includes('2048 in'))!;
    expect(Math.abs(long.errorPct)).toBeLessThan(10);
    // 128 tokens: 11.2 ms against 16; the engine's fixed cost per request is not modelled.
    expect(rows.find((r) => r.point.includes('128 in'))!.errorPct).toBeLessThan(-15);
  });

  it('A100 80 GB: FasterTransformer generations are slower than Strata, most for small models; equal-depth differences agree better', () => {
    const a80 = cards['a100-80gb']!;
    const byModel = (m: string) => publishedErrorSummary(a80.steps.filter((r) => r.point.startsWith(`${m} `)));
    // Strata is below every point: FasterTransformer's per-step cost (top-p sampling over 51,200 logits, host work)
    // is not modelled, and it weighs most where the weights are fewest.
    expect(a80.steps.every((r) => r.errorPct < 0)).toBe(true);
    expect(byModel('GPT-6.7B').medianPct).toBeLessThan(byModel('GPT-1.3B').medianPct);
    expect(byModel('GPT-1.3B').medianPct).toBeLessThan(byModel('GPT-350M').medianPct);
    expect(byModel('GPT-6.7B').medianPct).toBeLessThanOrEqual(25);
    // GPT-1.3B minus GPT-350M (both 24 layers): per-kernel and per-step costs cancel; what is left is within 30 %.
    expect(a80.differences.length).toBe(14);
    const d = publishedErrorSummary(a80.differences);
    expect(d.medianPct).toBeLessThan(byModel('GPT-1.3B').medianPct);
    expect(d.worstPct).toBeLessThanOrEqual(30);
  });

  it('Xeon 8480+: the one published stream (two sockets, memory population not stated) sits at the low end of the assumed range', () => {
    const cpu = cards['xeon-8480']!;
    const triad = cpu.micro.find((r) => r.point.startsWith('triad'))!;
    // 372.228 GB/s over two sockets = 186.1 per socket = 0.606 of 307.2 GB/s; the preset's 0.8 gives 245.7 GB/s.
    expect(triad.published / 307.2).toBeGreaterThanOrEqual(0.6); // the assumption's low end (arch/systems/cpu-xeon.json)
    expect(triad.published / 307.2).toBeLessThan(cpu.device.memoryEfficiency);
    expect(triad.errorPct).toBeGreaterThan(25);
    expect(triad.errorPct).toBeLessThan(40);
  });

  it('a malformed file is one line naming the file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-published-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ card: 'x', preset: 'gpu-t4', bandwidth: [{ kernel: 'read', GBps: -1, role: 'fit', source: 's' }], matmul: [], smallKernels: [] }));
    expect(errorOf(() => loadPublishedCard(bad))).toBe(`${bad}: field 'bandwidth[0].GBps': expected a number > 0, found -1`);
    writeFileSync(bad, JSON.stringify({ card: 'x', preset: 'gpu-t4', bandwidth: [{ kernel: 'write', GBps: 1, role: 'fit', source: 's' }], matmul: [], smallKernels: [] }));
    expect(errorOf(() => loadPublishedCard(bad))).toMatch(/^.*bad\.json: field 'bandwidth\[0\]\.kernel': expected one of/);
  });
});
