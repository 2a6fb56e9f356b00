import { describe, it, expect } from 'vitest';
import { loadModel } from '../../src/compiler/model.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { decodeStep, prefillStep } from '../../src/compiler/step.ts';
import { getPolicy, loadTargetFor, targetCapacityBytes } from '../../src/systems/registry.ts';
import { NEUPIMS_DEVICES } from '../../src/systems/neupims/policy.ts';
import { runMain } from '../helpers.ts';

const model = loadModel('neupims-gpt3-7b');
const policy = getPolicy('neupims');

describe('policy neupims', () => {
  it('declares the HBM2 of one device per tensor x pipeline shard: 4 x 32 GiB for 7B, 32 x 32 GiB for 175B; compile refuses what does not fit', () => {
    const t = loadTargetFor(policy, 'neupims');
    expect(targetCapacityBytes(t)).toBeNull();
    expect(targetCapacityBytes(t, model)).toBe(4 * 32 * 2 ** 30);
    expect(targetCapacityBytes(t, loadModel('gpt3-175b'))).toBe(32 * 32 * 2 ** 30);
    const r = runMain(['compile', '--policy', 'neupims', '--model', 'gpt3-175b', '--phase', 'decode', '--batch', '4096', '--context', '2048']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^strata: gpt3-175b decode, batch 4096, context 2048 does not fit in neupims's memory: .* but has 1024\.00 GiB/);
  });

  it('puts GEMMs on the arrays, decode attention in PIM and vector ops on the vector units', () => {
    const ops = buildOpGraph({ ...model, layers: 2 }, decodeStep([16, 40]));
    const m = policy.map({ model, ops, target: loadTargetFor(policy, 'neupims') });
    expect(m.target).toEqual({ kind: 'neupims', name: 'neupims', file: 'arch/systems/neupims.json' });
    expect(m.devices.map((d) => d.id)).toEqual([NEUPIMS_DEVICES.systolicArray, NEUPIMS_DEVICES.vectorUnit, NEUPIMS_DEVICES.pim]);
    // 32 channels x 32 banks x 16 lanes; a COMP every 2 cycles of 1 ns
    expect(m.devices[2]!.params).toEqual({ lanes: 16384, clockPs: 2000, opLatencyCycles: 0 });
    for (const a of m.assignments) {
      const k = a.op.kind;
      if (k === 'attn-score' || k === 'attn-context') expect(a.device).toBe(NEUPIMS_DEVICES.pim);
      else if (a.op.cls === 'vector') expect(a.device).toBe(NEUPIMS_DEVICES.vectorUnit);
      else {
        expect(a.device).toBe(NEUPIMS_DEVICES.systolicArray);
        expect(a.tiling?.scheme).toBe('ws-gemm');
      }
    }
    expect(m.assignments.filter((a) => a.device === NEUPIMS_DEVICES.pim)).toHaveLength(2 * 2 * 2);
  });

  it('keeps attention on the arrays for npu-only and for prefill', () => {
    const ops = buildOpGraph({ ...model, layers: 1 }, decodeStep([16]));
    const m = policy.map({ model, ops, target: loadTargetFor(policy, 'npu-only') });
    expect(m.devices.map((d) => d.id)).not.toContain(NEUPIMS_DEVICES.pim);
    const pre = policy.map({ model, ops: buildOpGraph({ ...model, layers: 1 }, prefillStep([32])), target: loadTargetFor(policy, 'neupims') });
    expect(pre.assignments.filter((a) => a.device === NEUPIMS_DEVICES.pim)).toHaveLength(0);
  });

  it('compiles a trace from the command line and rejects a system of another policy', () => {
    const r = runMain(['compile', '--model', 'neupims-gpt3-7b', '--phase', 'decode', '--batch', '2', '--context', '64', '--policy', 'neupims', '--system', 'npu-pim-blocked']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/policy neupims on npu-pim-blocked/);
    expect(r.out).toMatch(/pim0 \(32 x bank-pim\): 128 ops/);
    const bad = runMain(['compile', '--model', 'neupims-gpt3-7b', '--phase', 'decode', '--policy', 'neupims', '--system', 'duplex']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/system 'duplex' is for policy duplex, not neupims/);
  });
});

describe('strata validate neupims', () => {
  it('prints the throughput table with the paper ratios and the utilisation of blocked vs NeuPIMs', () => {
    const r = runMain(['validate', 'neupims', '--models', 'neupims-gpt3-7b', '--batches', '16', '--datasets', 'alpaca-like']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\| neupims-gpt3-7b \| alpaca-like \| 16 \| 4 \|/);
    // The paper gives no ratio over a GPU under CUDA graphs: that column is empty.
    expect(r.out).toMatch(/\| paper \(abstract\) \| .* \| 3x \| \| 2\.4x \| 2\.4x \| 1\.6x \| 1\.6x \|/);
    expect(r.out).toMatch(/\| npu-pim-blocked \| [0-9.]+ \| [0-9.]+ % \| [0-9.]+ % \|/);
    expect(r.out).toMatch(/\| neupims \(interleaved\) \|/);
  });

  it('names a bad flag', () => {
    expect(runMain(['validate', 'neupims', '--batches', '0']).err).toBe("strata: --batches: expected positive integers, got '0'");
    expect(runMain(['validate', 'neupims', '--models', 'gpt9']).err).toMatch(/^strata: --models: unknown model 'gpt9'/);
    expect(runMain(['validate', 'neupims', '--datasets', 'wiki']).err).toBe("strata: --datasets: expected sharegpt-like or alpaca-like, got 'wiki'");
    expect(runMain(['validate', 'neupims', '--bogus', '1']).err).toMatch(/^strata: validate neupims: Unknown option '--bogus'/);
  });
});
