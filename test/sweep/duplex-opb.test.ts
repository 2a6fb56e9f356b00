import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSweep } from '../../src/sweep/sweep-file.ts';
import { runMain } from '../helpers.ts';

/*
 * The Duplex study's Op/B thresholds (workloads/sweeps/duplex-opb.yaml) are where the split of the decode step
 * between the xPU and Logic-PIM changes: each value sends another set of Mixtral's matrix ops to Logic-PIM, and a
 * threshold above the largest Op/B of the step (about 31.7 at batch 32: the dense GEMMs, just under the batch) is the
 * same as 32. Checked on the compiled traces (the mapping), which is what the threshold decides.
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-duplex-opb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The matrix ops of Mixtral's decode step (batch 32, context 1024) with the threshold: their Op/B and device. */
function matrixOps(threshold: number): Array<{ kind: string; opPerByte: number; device: string }> {
  const out = join(dir, `t${threshold}.jsonl`);
  const r = runMain(['compile', '--system', 'duplex', '--model', 'mixtral-8x7b', '--phase', 'decode', '--context', '1024', '--batch', '32', '--set', `pim.opPerByteThreshold=${threshold}`, '--out', out, '--quiet']);
  expect(r.code).toBe(0);
  return readFileSync(out, 'utf8').split('\n').filter((l) => l.includes('"type":"op"')).map((l) => JSON.parse(l) as { kind: string; cls: string; opPerByte: number; device: string })
    .filter((o) => o.cls !== 'vector');
}

describe('duplex-opb: the Op/B thresholds swept', () => {
  it('are 8, 16 and 32, and each sends another set of Mixtral\'s matrix ops to Logic-PIM', () => {
    const axis = loadSweep('workloads/sweeps/duplex-opb.yaml').axes.find((a) => a.name === 'opb_threshold')!;
    expect(axis.values).toEqual([8, 16, 32]);
    const onXpu = (t: number) => matrixOps(t).filter((o) => o.device === 'xpu0');
    const at8 = onXpu(8);
    const at16 = onXpu(16);
    const at32 = onXpu(32);
    // 8: the experts with more than 8 tokens and the dense GEMMs on the xPU; 16: the dense GEMMs only; 32: nothing.
    expect(new Set(at8.map((o) => o.kind))).toEqual(new Set(['qkv-proj', 'out-proj', 'lm-head', 'ffn-up', 'ffn-gate', 'ffn-down']));
    expect(at8.filter((o) => o.kind.startsWith('ffn')).every((o) => o.opPerByte > 8)).toBe(true);
    expect(new Set(at16.map((o) => o.kind))).toEqual(new Set(['qkv-proj', 'out-proj', 'lm-head']));
    expect(at32).toEqual([]);
  });

  it('128 would equal 32: no matrix op of the step has an Op/B between them', () => {
    const ops = matrixOps(128);
    const max = Math.max(...ops.map((o) => o.opPerByte));
    expect(max).toBeGreaterThan(31.5);
    expect(max).toBeLessThan(32);
    expect(ops.every((o) => o.device === 'pim0')).toBe(true);
  });
});
