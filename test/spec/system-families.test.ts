import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPolicy } from '../../src/systems/policies.ts';
import { SERVING_SYSTEMS } from '../../src/systems/cost-models.ts';
import { FAMILIES, familiesOf, notRunBy, orList, SYSTEM_FAMILIES } from '../../src/systems/families.ts';
import { systemFamily, systemNames } from '../../src/systems/presets.ts';

describe('the system-family registry (Strata issue #15)', () => {
  it("names each family's policy, and that policy maps onto exactly the family's shipped presets", () => {
    expect(Object.keys(FAMILIES)).toEqual([...SYSTEM_FAMILIES]);
    expect(SYSTEM_FAMILIES.map((f) => FAMILIES[f].policy)).toEqual(['gpu-roofline', 'pim-gpt', 'duplex', 'neupims']);
    for (const f of SYSTEM_FAMILIES) {
      // gpu-roofline also lists its alias gpu-a100 (src/compiler/policies/gpu-roofline.ts)
      expect(getPolicy(FAMILIES[f].policy).knownSystems().filter((n) => n !== 'gpu-a100'), f).toEqual(systemNames(f));
    }
  });

  it('says which commands run each family; serve lists the families SERVING_SYSTEMS costs', () => {
    expect(familiesOf('run')).toEqual(['baseline', 'duplex']);
    expect(familiesOf('serve')).toEqual(['baseline', 'duplex', 'neupims']);
    expect(familiesOf('compile')).toEqual(['baseline', 'pim-gpt', 'duplex', 'neupims']);
    expect(familiesOf('pim generate')).toEqual(['pim-gpt']);
    expect(SERVING_SYSTEMS.map((k) => k.family)).toEqual(familiesOf('serve'));
  });

  it('resolves a shipped name or a path to its family; a file without one is a baseline preset', () => {
    expect(systemFamily('gpu-h100')).toBe('duplex'); // the Duplex paper's GPU-only system, not the roofline preset gpu-h100-sxm
    expect(systemFamily('gpu-h100-sxm')).toBe('baseline');
    expect(systemFamily('npu-only')).toBe('neupims');
    expect(systemFamily('pim-gpt')).toBe('pim-gpt');
    expect(systemFamily('arch/systems/duplex.json')).toBe('duplex');
    expect(systemFamily('gpu-v100')).toBeUndefined();
    expect(systemFamily('neupims-npu')).toBeUndefined(); // an NPU of arch/npu, no system preset
    const dir = mkdtempSync(join(tmpdir(), 'strata-family-'));
    writeFileSync(join(dir, 'mine.json'), '{"name": "mine"}');
    writeFileSync(join(dir, 'odd.json'), '{"family": "quantum"}');
    expect(systemFamily(join(dir, 'mine.json'))).toBe('baseline');
    expect(systemFamily(join(dir, 'odd.json'))).toBeUndefined();
  });

  it('a refusal is one line naming the commands that run the family', () => {
    expect(notRunBy('run', 'neupims', 'neupims')).toBe("run: 'neupims' is a NeuPIMs-family system, which strata run does not run; use strata serve --system neupims or strata compile --system neupims");
    expect(orList(['a'])).toBe('a');
    expect(orList(['a', 'b', 'c'])).toBe('a, b or c');
  });
});
