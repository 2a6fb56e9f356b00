import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/compiler/model.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { decodeStep } from '../../src/compiler/step.ts';
import type { Op } from '../../src/ir/op.ts';
import { bytesPerRequest } from '../../src/dram/standard.ts';
import {
  externalPeakBytesPerS, loadLogicPim, parseLogicPim, pimOpPerByte, pimPeakBytesPerS, pimPeakFlopsPerS,
} from '../../src/pim/logic-pim.ts';
import { tsvStreamCost } from '../../src/pim/logic-pim-tsv.ts';
import { pimOpCost } from '../../src/systems/duplex/logic-pim-gemv.ts';
import { errorOf } from '../helpers.ts';
import { extractAssumptions } from '../../src/spec/provenance.ts';

const logic = loadLogicPim('logic-pim');
const bank = loadLogicPim('bank-pim');
const bg = loadLogicPim('bg-pim');

describe('near-memory PIM specs', () => {
  it('derive the PIM view of HBM3: wider bursts, same rows, same capacity', () => {
    // 128-bit TSV path per pseudo-channel x BL8 = 128 B per burst; 1 KB rows hold 64 columns of 128 bit.
    expect(bytesPerRequest(logic.view)).toBe(128);
    expect(logic.view.organization.columns).toBe(64);
    expect(logic.view.organization.columns * logic.view.organization.busWidthBits).toBe(logic.base.organization.columns * logic.base.organization.busWidthBits);
    expect(logic.view.timing).toEqual(logic.base.timing);
    expect(logic.bandwidthFactor).toBe(4);
    expect(bank.bandwidthFactor).toBe(16);
    expect(bg.bandwidthFactor).toBe(8);
  });

  it('have the paper\'s bandwidth multiples and Op/B (Logic-PIM 4x at 8, bank-PIM 16x at 1, BG-PIM 8x at 1)', () => {
    // External: 32 pseudo-channels x 32 B per 2 x 769 ps = 665.8 GB/s; Logic-PIM 4x = 2.663 TB/s.
    expect(externalPeakBytesPerS(logic) / 1e9).toBeCloseTo(665.8, 1);
    expect(pimPeakBytesPerS(logic) / externalPeakBytesPerS(logic)).toBe(4);
    expect(pimPeakBytesPerS(bank) / externalPeakBytesPerS(bank)).toBe(16);
    expect(pimPeakBytesPerS(bg) / externalPeakBytesPerS(bg)).toBe(8);
    expect(pimOpPerByte(logic)).toBeCloseTo(8, 12);
    expect(pimOpPerByte(bank)).toBeCloseTo(1, 12);
    expect(pimOpPerByte(bg)).toBeCloseTo(1, 12);
    // 32 channels x 256 MACs x 2 FLOP per 769 ps = 21.3 TFLOP/s per stack.
    expect(pimPeakFlopsPerS(logic) / 1e12).toBeCloseTo(21.3, 1);
  });

  it('carry the FGDRAM per-bit path energies: TSV path 1.81 pJ/b against 3.48 external', () => {
    const bits = (s: typeof logic.view) => s.pathEnergy.cellPjPerBit + s.pathEnergy.datapathPjPerBit + s.pathEnergy.ioPjPerBit;
    expect(bits(logic.view)).toBeCloseTo(1.81, 10);
    expect(bits(logic.base)).toBeCloseTo(3.48, 10);
    expect(bits(bank.view)).toBeCloseTo(0.73, 10);
    expect(bits(bg.view)).toBeCloseTo(2.68, 10);
    expect(logic.view.pathEnergy.activatePj).toBe(logic.base.pathEnergy.activatePj);
  });

  it('reject bad fields with the file and field named', () => {
    const file = join(import.meta.dirname, '../../arch/pim/logic-pim.json');
    const good = JSON.parse(readFileSync(file, 'utf8'));
    // The JSON reader strips the assumption blocks before a loader sees the spec (src/spec/provenance.ts).
    extractAssumptions(good, file);
    const bad = (edit: (j: any) => void) => {
      const j = structuredClone(good);
      edit(j);
      return errorOf(() => parseLogicPim(j, 'x/logic-pim.json'));
    };
    expect(bad((j) => { j.datapath.busWidthBits = 96; })).toMatch(/x\/logic-pim\.json: field 'datapath\.busWidthBits': expected a power-of-two multiple of the base's 32-bit bus/);
    expect(bad((j) => { j.datapath.busWidthBits = 2048; })).toMatch(/field 'datapath\.busWidthBits': expected at most 1024 bits/);
    expect(bad((j) => { j.compute.macsPerCyclePerChannel = 0; })).toMatch(/field 'compute\.macsPerCyclePerChannel': expected an integer > 0, found 0/);
    expect(bad((j) => { delete j.pathEnergy.source; })).toMatch(/field 'pathEnergy\.source': expected a string \(field is missing\)/);
    expect(bad((j) => { j.placement = 'interposer'; })).toMatch(/field 'placement': expected one of logic-die, bank-group, bank, found "interposer"/);
    expect(bad((j) => { j.base = 'hbm9'; })).toMatch(/field 'base': expected the name of a DRAM standard in arch\/dram, found "hbm9"/);
    expect(bad((j) => { j.buffers.accumulatorBytesPerChannel = 2; })).toMatch(/field 'buffers\.accumulatorBytesPerChannel': expected at least one FP32 partial sum/);
    expect(bad((j) => { j.vector.width = 3; })).toMatch(/field 'vector\.width': unknown field/);
    expect(errorOf(() => loadLogicPim('tsv-pim'))).toMatch(/unknown near-memory PIM spec 'tsv-pim' \(known: bank-pim, bg-pim, logic-pim/);
  });
});

describe('the TSV path through the DRAM model', () => {
  it('never exceeds the path peak, and streams near it in steady state', () => {
    const peakPerPs = pimPeakBytesPerS(logic) / 1e12;
    for (const n of [1, 3, 8, 100, 256, 300, 512, 5000, 100000]) {
      const c = tsvStreamCost(logic, n);
      expect(c.bytes / c.timePs).toBeLessThanOrEqual(peakPerPs);
      // A burst per tBURST per channel at best: n x 2 cycles.
      expect(c.cycles).toBeGreaterThanOrEqual(2 * n);
    }
    const long = tsvStreamCost(logic, 100000);
    expect(long.bytes / long.timePs / peakPerPs).toBeGreaterThan(0.85);
  });

  it('is monotone in the stream length and exact at the simulated grid points', () => {
    let prev = 0;
    for (let n = 1; n <= 600; n += 7) {
      const c = tsvStreamCost(logic, n).cycles;
      expect(c).toBeGreaterThanOrEqual(prev);
      prev = c;
    }
    expect(tsvStreamCost(logic, 0).timePs).toBe(0);
  });

  it('costs less energy per bit than the external path would (no interposer, shorter datapath)', () => {
    const c = tsvStreamCost(logic, 512);
    const bits = c.bytes * 8;
    expect(c.energy.total / bits).toBeGreaterThan(1.81);
    expect(c.energy.total / bits).toBeLessThan(3.48);
  });

  it('bank-PIM reaches well over 8x of the external bandwidth, tFAW keeping it under its 16x peak', () => {
    const c = tsvStreamCost(bank, 20000);
    const x = c.bytes / (c.timePs / 1e12) / externalPeakBytesPerS(bank);
    expect(x).toBeGreaterThan(8);
    expect(x).toBeLessThan(16);
  });
});

describe('GEMV / low-Op/B GEMM on Logic-PIM', () => {
  const mixtral = loadModel('mixtral-8x7b');
  const ops = buildOpGraph(mixtral, decodeStep(Array.from({ length: 32 }, () => 1024)));
  const op = (pred: (o: Op) => boolean) => ops.find(pred)!;

  it('time = max(PE compute, TSV stream), within both peaks', () => {
    for (const o of [op((x) => x.kind === 'ffn-up' && x.expert >= 0), op((x) => x.kind === 'attn-score'), op((x) => x.kind === 'qkv-proj'), op((x) => x.kind === 'lm-head')]) {
      const c = pimOpCost(logic, o, 10);
      expect(c.durationPs).toBe(Math.max(c.computePs, c.memoryPs));
      expect(c.bytes / c.durationPs).toBeLessThanOrEqual((10 * pimPeakBytesPerS(logic)) / 1e12);
      expect(o.flops / c.durationPs).toBeLessThanOrEqual((10 * pimPeakFlopsPerS(logic)) / 1e12);
      expect(c.passes).toBe(1);
    }
  });

  it('an expert with M tokens costs M-proportional compute; at Op/B above 8 compute dominates', () => {
    const up = op((x) => x.kind === 'ffn-up' && x.expert >= 0);
    const withRows = (m: number): Op => ({ ...up, m, flops: 2 * m * up.k * up.n, activationReadBytes: m * up.k * 2, activationWriteBytes: m * up.n * 2 });
    const c4 = pimOpCost(logic, withRows(4), 10);
    const c32 = pimOpCost(logic, withRows(32), 10);
    expect(c4.bound).toBe('memory');
    expect(c32.bound).toBe('compute');
    // 32 x 4096 x 14336 MACs over 10 stacks x 32 channels x 256 MACs per 769 ps cycle.
    expect(c32.computePs).toBe(Math.ceil(Math.ceil((32 * 4096 * 14336) / 320) / 256) * 769);
  });

  it('reuses the cost of a shape exactly', () => {
    const a = op((x) => x.id === 'L0.attn-score.r0');
    const b = op((x) => x.id === 'L5.attn-score.r7');
    expect(pimOpCost(logic, a, 10)).toBe(pimOpCost(logic, b, 10));
  });

  it('splits rows into passes when the partial sums do not fit the accumulator', () => {
    const up = op((x) => x.kind === 'ffn-up' && x.expert >= 0);
    const big: Op = { ...up, m: 4096, flops: 2 * 4096 * up.k * up.n };
    const c = pimOpCost(bank, big, 10);
    // 8 KB / (ceil(14336 / 320) = 45 sums x 4 B) = 45 rows per pass -> ceil(4096 / 45) = 92 passes.
    expect(c.passes).toBe(92);
  });
});

describe('an edited spec file', () => {
  it('loads from a path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-logic-pim-'));
    const j = JSON.parse(readFileSync(join(import.meta.dirname, '../../arch/pim/logic-pim.json'), 'utf8'));
    j.datapath.busWidthBits = 256;
    const file = join(dir, 'wide.json');
    writeFileSync(file, JSON.stringify(j));
    expect(pimPeakBytesPerS(loadLogicPim(file)) / externalPeakBytesPerS(logic)).toBe(8);
  });
});
