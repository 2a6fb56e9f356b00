import { describe, it, expect, beforeAll } from 'vitest';
import { compileStep } from '../../src/systems/compile.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { decodeStep, prefillStep } from '../../src/compiler/step.ts';
import { parseTrace, traceToJsonl } from '../../src/compiler/trace.ts';
import type { WsTiling } from '../../src/ir/tiling.ts';
import { runNpuAssignments, runNpuTrace, type NpuRunResult } from '../../src/systems/neupims/npu-run.ts';
import { gemmCycles } from '../../src/npu/systolic-array.ts';

const gpt2 = loadModel('gpt2-small');

describe('one GEMM on the NPU: double buffering overlaps loads with compute', () => {
  // The QKV projection of a GPT-2 small decode step alone (1 x 768 x 2304), its dependencies dropped.
  const trace = compileStep(gpt2, decodeStep([128]), 'npu-only');
  const qkv = trace.assignments.find((a) => a.op.id === 'L0.qkv-proj')!;
  const one = [{ ...qkv, op: { ...qkv.op, deps: [] } }];
  const t = qkv.tiling as WsTiling;

  it('moves exactly the tiling\'s traffic plus the bias, and takes longer than both bounds but less than their sum', () => {
    const r = runNpuAssignments(one, 2);
    // Tiles of 128 x 1024 weights: 6 k tiles x 3 n tiles (the last 256 wide); the input row is re-read per n tile.
    expect(t.tile).toEqual({ m: 1, k: 128, n: 1024 });
    expect(t.tiles).toBe(18);
    // Weights 768 x 2304 x 2 = 3,538,944 B, input 768 x 2 x 3 = 4608 B, bias 2304 x 2 = 4608 B: all whole requests.
    expect(r.dram.readBytes).toBe(3_538_944 + 4608 + 4608);
    expect(r.dram.writeBytes).toBe(2304 * 2);
    const loadPs = (r.dram.readBytes / 1024) * 1000; // at 1024 GB/s
    // The arrays alone, tiles back to back: 18 tiles of 8 folds (one per array) 128 cycles apart + 1 + 254 = 2559.
    const computeCycles = gemmCycles({ rows: 128, cols: 128, count: 8, dataflow: 'weight-stationary', doubleBuffered: true }, t).cycles;
    expect(computeCycles).toBe(2559);
    expect(r.arrays.busyCycles).toBeGreaterThanOrEqual(computeCycles);
    expect(r.timePs).toBeGreaterThan(Math.max(loadPs, computeCycles * 1000));
    // Loads overlap compute: less than loading everything and then computing everything (plus 1 us of latencies).
    expect(r.timePs).toBeLessThan(loadPs + computeCycles * 1000 + 1_000_000);
  });

  it('on 8 channels the same op is memory-bound at a quarter of the bandwidth', () => {
    const r32 = runNpuAssignments(one, 2);
    const r8 = runNpuAssignments(one, 2, { memory: 'hbm2' });
    expect(r8.memory.peakGBps).toBe(256);
    expect(r8.timePs).toBeGreaterThan(r8.bounds.memoryPs);
    // A quarter of the channels: well over twice as long (the fixed fill/drain and latencies do not scale).
    expect(r8.timePs).toBeGreaterThan(2.5 * r32.timePs);
  });

  it('output-stationary timing of the same tiles is available and differs', () => {
    const ws = runNpuAssignments(one, 2);
    const os = runNpuAssignments(one, 2, { dataflow: 'output-stationary' });
    expect(os.dataflow).toBe('output-stationary');
    expect(os.dram.bytes).toBe(ws.dram.bytes);
    expect(os.arrays.busyCycles).not.toBe(ws.arrays.busyCycles);
  });
});

describe('GPT-2 small prefill step (one 16-token prompt) from a device trace read back, on 8-channel HBM2', () => {
  let r: NpuRunResult;
  beforeAll(() => {
    const text = traceToJsonl(compileStep(gpt2, prefillStep([16]), 'npu-only'));
    r = runNpuTrace(parseTrace(text, 'prefill.jsonl'), { memory: 'hbm2' });
  }, 120_000);

  it('runs every op; arrays and vector units do at least their closed-form work; time >= both bounds', () => {
    expect(r.npu).toBe('neupims-npu');
    expect(r.memory).toEqual({ standard: 'hbm2', channels: 8, peakGBps: 256, requestBytes: 64 });
    expect(r.ops).toHaveLength(12 * 12 + 3);
    expect(r.arrays.busyCycles).toBeGreaterThanOrEqual(r.arrays.lowerBoundCycles);
    // 16 tokens: 16x the decode MACs in the weight GEMMs, and a 16 x 16 attention per head.
    expect(r.arrays.macs).toBeGreaterThan(16 * 85_000_000);
    expect(r.timePs).toBeGreaterThanOrEqual(Math.max(r.bounds.computePs, r.bounds.memoryPs));
    expect(r.dram.readBytes).toBeGreaterThanOrEqual(r.weightBytes);
    expect(r.arrays.utilisation).toBeLessThanOrEqual(1);
    expect(r.vectorUnits.utilisation).toBeLessThanOrEqual(1);
  });

  it('no channel exceeds its peak bandwidth', () => {
    for (const c of r.dram.channels) expect(c.bandwidthGBps).toBeLessThanOrEqual(c.peakGBps);
  });
});
