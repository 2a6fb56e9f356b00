import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/compiler/model.ts';
import { neupimsDecode, type NeuPimsDecodeResult } from '../../src/systems/neupims/neupims-decode.ts';
import { loadNeuPimsSystem, type NeuPimsSystem } from '../../src/systems/neupims/neupims-system.ts';
import { cachedNeuPimsDecode, HIDDEN_NPU_FIELDS, neupimsTimingRuns } from '../../src/systems/neupims/timing-cache.ts';
import { neupimsSensitivityParts } from '../../src/validation/neupims.ts';
import { runPart, runVariation, variations } from '../../src/validation/sensitivity.ts';

const system = loadNeuPimsSystem('neupims');
const model = loadModel('neupims-gpt3-7b');
/** A small decode iteration: four requests at different contexts (every op kind, several channels). */
const contexts = [100, 700, 1500, 2000];
/** A fresh simulation, without the memo's counters. */
const fresh = (s: NeuPimsSystem, gemmTiming: 'closed-form' | 'cycle-level' = 'closed-form') => {
  const { simulated: _s, reused: _r, ...t } = neupimsDecode(s, model, contexts, { memo: null, gemmTiming });
  return t;
};

/** `system` with one SRAM field of the NPU (scratchpad or accumulator) tripled. */
function withSram(sram: 'scratchpad' | 'accumulator', field: (typeof HIDDEN_NPU_FIELDS)[number]): NeuPimsSystem {
  return { ...system, npu: { ...system.npu, [sram]: { ...system.npu[sram], [field]: system.npu[sram][field] * 3 } } };
}
const hidden = (['scratchpad', 'accumulator'] as const).flatMap((sram) => HIDDEN_NPU_FIELDS.map((f) => [sram, f] as const));

describe('NeuPIMs decode iterations kept and reused', () => {
  it('no hidden field changes a fresh closed-form iteration (if one did, this fails and the field must leave the list)', () => {
    const shipped = fresh(system);
    for (const [sram, f] of hidden) expect(fresh(withSram(sram, f)), `${sram}.${f}`).toEqual(shipped);
  });

  it('an iteration that differs only in hidden fields is reused, equal to a fresh simulation', () => {
    const first = cachedNeuPimsDecode(system, model, contexts);
    expect(first).toEqual(fresh(system));
    for (const [sram, f] of hidden) {
      const before = neupimsTimingRuns();
      const kept = cachedNeuPimsDecode(withSram(sram, f), model, contexts);
      expect(neupimsTimingRuns(), `${sram}.${f}`).toEqual({ simulated: before.simulated, reused: before.reused + 1 });
      expect(kept).toEqual(fresh(withSram(sram, f)));
    }
  });

  it('a field that reaches timing is in the key: the NPU clock, the vector lanes and the sub-batch option each simulate again', () => {
    const shipped = cachedNeuPimsDecode(system, model, contexts);
    const variants: Array<[NeuPimsSystem, 'auto' | 'on']> = [
      [{ ...system, npu: { ...system.npu, periodPs: system.npu.periodPs * 2 } }, 'auto'],
      [{ ...system, npu: { ...system.npu, vectorUnits: { ...system.npu.vectorUnits, lanes: 1 } } }, 'auto'],
      [system, 'on'],
    ];
    for (const [s, subBatch] of variants) {
      const before = neupimsTimingRuns().simulated;
      const r = cachedNeuPimsDecode(s, model, contexts, { subBatch });
      expect(neupimsTimingRuns().simulated).toBe(before + 1);
      expect(r.timePs).not.toBe(shipped.timePs);
      const { simulated: _s, reused: _r, ...t } = neupimsDecode(s, model, contexts, { memo: null, subBatch });
      expect(r).toEqual(t);
    }
  });

  it('a hidden field the run reads enters its key: the cycle-level NPU reads the SRAM bank width, so changing it simulates again', () => {
    // GPT-2 small: the smallest GEMMs on the event-driven NPU.
    const small = loadModel('gpt2-small');
    const cycle = (s: NeuPimsSystem) => cachedNeuPimsDecode(s, small, [100], { gemmTiming: 'cycle-level' });
    cycle(system);
    const before = neupimsTimingRuns().simulated;
    const wide = withSram('scratchpad', 'bankWidthBytes');
    const r = cycle(wide);
    expect(neupimsTimingRuns().simulated).toBe(before + 1);
    const { simulated: _s, reused: _r, ...t } = neupimsDecode(wide, small, [100], { memo: null, gemmTiming: 'cycle-level' });
    expect(r).toEqual(t);
  }, 120_000);

  it("the sensitivity study's ends of the NPU's SRAM assumptions reuse the shipped iterations and give its throughputs", () => {
    const { parts } = neupimsSensitivityParts(['neupims-gpt3-7b'], ['alpaca-like'], [16]);
    const shipped = runPart(parts, 'neupims');
    const sram = variations([['neupims', shipped]]).filter((v) => v.members[0]!.file.endsWith('arch/npu/neupims-npu.json'));
    // banks, bank width and access energy, each declared alike for the scratchpad and the accumulator
    expect(sram.map((v) => v.members[0]!.path).sort()).toEqual(['scratchpad.accessEnergyPj', 'scratchpad.bankWidthBytes', 'scratchpad.banks']);
    const before = neupimsTimingRuns();
    for (const v of sram) {
      for (const end of ['low', 'high'] as const) expect(runVariation(parts, v, end).neupims).toEqual(shipped.result);
    }
    const after = neupimsTimingRuns();
    expect(after.simulated).toBe(before.simulated);
    expect(after.reused).toBe(before.reused + 6);
  }, 120_000);
});

// The result type keeps every field but the memo's counters.
const _typed: Omit<NeuPimsDecodeResult, 'simulated' | 'reused'> = {} as ReturnType<typeof cachedNeuPimsDecode>;
void _typed;
