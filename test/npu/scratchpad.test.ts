import { describe, it, expect } from 'vitest';
import { tileGemm } from '../../src/compiler/tiling.ts';
import { bufferCount, canOverlap, sramAccesses, sramCycles, sramEnergyPj } from '../../src/npu/scratchpad.ts';
import { loadNpu } from '../../src/npu/spec.ts';

const npu = loadNpu('neupims-npu');
const spad = npu.scratchpad;

describe('scratchpad SRAM', () => {
  it('carries the NeuPIMs capacity and Strata\'s banking and energy assumptions', () => {
    expect(spad).toEqual({ bytes: 1_048_576, banks: 16, bankWidthBytes: 128, accessEnergyPj: 400 });
    expect(npu.accumulator.bytes).toBe(1_048_576);
  });

  it('accesses, cycles and energy follow from banks x width', () => {
    // A 128 x 128 FP16 fold is 32 KB: 256 accesses of 128 B, over 16 banks in parallel 16 cycles, 256 x 400 pJ.
    expect(sramAccesses(spad, 32_768)).toBe(256);
    expect(sramCycles(spad, 32_768)).toBe(16);
    expect(sramEnergyPj(spad, 32_768)).toBe(102_400);
    // A partial access costs a whole one.
    expect(sramAccesses(spad, 129)).toBe(2);
  });

  it('a load overlaps the previous compute only when both tiles fit', () => {
    expect(canOverlap(spad, 524_288, 524_288)).toBe(true);
    expect(canOverlap(spad, 524_288, 524_289)).toBe(false);
    expect(bufferCount(spad, 400_000)).toBe(2);
    expect(bufferCount(spad, 600_000)).toBe(1);
    expect(bufferCount(spad, 2_000_000)).toBe(0);
  });

  it('every tile the compiler makes is double-buffered on the NeuPIMs scratchpad and accumulator', () => {
    for (const [m, k, n] of [[1, 768, 2304], [128, 768, 3072], [2048, 12288, 49152], [1, 64, 1025]] as const) {
      const t = tileGemm(npu, { m, k, n, batch: 1 }, 2);
      // The tiler sizes both halves: scratchpadBytes = 2 x (tk x tn + tm x tk) x 2 B.
      expect(bufferCount(spad, t.scratchpadBytes / 2)).toBe(2);
      expect(bufferCount(npu.accumulator, t.accumulatorBytes / 2)).toBe(2);
    }
  });
});
