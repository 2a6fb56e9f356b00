import { describe, it, expect, beforeAll } from 'vitest';
import { loadModel } from '../../src/compiler/model.ts';
import { decodeStep } from '../../src/compiler/step.ts';
import { runNpuStep, type NpuRunResult } from '../../src/systems/neupims/npu-run.ts';

/*
 * One GPT-2 small decode step (batch 1, context 128) on the NeuPIMs NPU with NeuPIMs' 32-channel HBM2, every
 * weight byte moved as 64 B requests through the DRAM controllers. (The other end-to-end run, a prefill step,
 * is in npu.test.ts so that vitest runs the two in parallel.)
 */
describe('GPT-2 small decode step on the NPU (npu-only, hbm2-32ch)', () => {
  let r: NpuRunResult;
  beforeAll(() => {
    r = runNpuStep(loadModel('gpt2-small'), decodeStep([128]));
  }, 120_000);

  it('runs every op of the step, in dependency order, one after another', () => {
    // 12 layers x 12 ops (2 norms, QKV, score, softmax, context, out-proj, 2 residual adds, FFN up, GELU, down) + embedding, final norm, LM head.
    expect(r.ops).toHaveLength(12 * 12 + 3);
    expect(r.ops[0]!.startPs).toBe(0);
    for (let i = 1; i < r.ops.length; i++) expect(r.ops[i]!.startPs).toBe(r.ops[i - 1]!.endPs);
    for (const op of r.ops) expect(op.endPs).toBeGreaterThan(op.startPs);
    expect(r.ops.at(-1)!.id).toBe('lm-head');
    expect(r.memory).toEqual({ standard: 'hbm2-32ch', channels: 32, peakGBps: 1024, requestBytes: 64 });
  });

  it('moves at least every weight byte through DRAM, and little else (decode: one activation row)', () => {
    // 124.4 M parameters at 2 bytes (the tied embedding counted for the lookup rows only and in full for the LM head).
    expect(r.weightBytes).toBe(247_309_824);
    expect(r.dram.readBytes).toBeGreaterThanOrEqual(r.weightBytes);
    // With M = 1 every tiling has one m tile, so each weight is read once; the rest is activations, the KV cache
    // (2 x 12 x 128 tokens x 768 x 2 B = 4.7 MB) and whole-request rounding: within 3 %.
    expect(r.dram.readBytes).toBeLessThan(r.weightBytes * 1.03);
    expect(r.dram.bytes).toBe(r.ops.reduce((s, o) => s + o.readBytes + o.writeBytes, 0));
  });

  it('array cycles are at least the closed-form compute bound; time at least max(compute, memory bound)', () => {
    // Sum over matrix ops of ceil(MACs / (8 x 128 x 128)).
    expect(r.arrays.busyCycles).toBeGreaterThanOrEqual(r.arrays.lowerBoundCycles);
    expect(r.vectorUnits.busyCycles).toBeGreaterThanOrEqual(r.vectorUnits.lowerBoundCycles);
    expect(r.timePs).toBeGreaterThanOrEqual(Math.max(r.bounds.computePs, r.bounds.memoryPs));
    // Decode is memory-bound: 253 MB at 1024 GB/s = 247 us, against 1.6 us of compute.
    expect(r.bounds.memoryPs).toBeGreaterThan(100 * r.bounds.computePs);
    // Two scratchpad halves of 256 KB tiles leave the DMA idle while an array loads its weights (128 cycles per
    // fold), and each op starts after the previous one ends: the step lands between 1x and 2x the memory bound.
    expect(r.timePs).toBeLessThan(2 * r.bounds.memoryPs);
    expect(r.arrays.utilisation).toBeGreaterThan(0);
    expect(r.arrays.utilisation).toBeLessThan(0.01);
  });

  it('no channel exceeds its peak bandwidth (64 B per tBURST = 2 ns: 32 GB/s)', () => {
    expect(r.dram.channels).toHaveLength(32);
    for (const c of r.dram.channels) {
      expect(c.peakGBps).toBe(32);
      expect(c.bandwidthGBps).toBeLessThanOrEqual(c.peakGBps);
      expect(c.bytes).toBeGreaterThan(0);
    }
    expect(r.dram.achievedGBps).toBeLessThanOrEqual(r.memory.peakGBps);
    // Contiguous tiles spread over every channel: no channel carries more than 1 % above the mean.
    const mean = r.dram.bytes / 32;
    for (const c of r.dram.channels) expect(c.bytes).toBeLessThan(mean * 1.01);
  });
});
