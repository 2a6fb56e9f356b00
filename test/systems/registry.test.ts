import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { familiesOf, getPolicy, knownPolicies, notRunBy, orList, servingFamilies, SYSTEM_FAMILIES, SYSTEM_MODELS, systemFamily } from '../../src/systems/registry.ts';
import { systemNames } from '../../src/systems/presets.ts';
import { PACKAGE_ROOT } from '../../src/spec/package-root.ts';

describe('the system-family registry (Strata issue #15)', () => {
  it("names each family's policy, and that policy maps onto exactly the family's shipped presets", () => {
    expect(SYSTEM_FAMILIES).toEqual(['baseline', 'pim-gpt', 'duplex', 'neupims']);
    expect(SYSTEM_FAMILIES.map((f) => SYSTEM_MODELS[f].family)).toEqual([...SYSTEM_FAMILIES]);
    expect(SYSTEM_FAMILIES.map((f) => SYSTEM_MODELS[f].policy.name)).toEqual(['gpu-roofline', 'pim-gpt', 'duplex', 'neupims']);
    for (const f of SYSTEM_FAMILIES) {
      const m = SYSTEM_MODELS[f];
      // gpu-roofline also lists the aliases of its family (gpu-a100, src/systems/baseline/policy.ts)
      expect(getPolicy(m.policy.name).knownSystems().filter((n) => !(n in m.aliases)), f).toEqual(systemNames(f));
    }
    // Every policy string reaches its family's policy object; npu-only is the one policy of no family.
    expect(knownPolicies()).toEqual(['gpu-roofline', 'npu-only', 'pim-gpt', 'duplex', 'neupims']);
  });

  it('the folders of src/systems are exactly the registered families, each with an index.ts', () => {
    const dir = join(PACKAGE_ROOT, 'src', 'systems');
    const folders = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(folders).toEqual([...SYSTEM_FAMILIES].sort());
    for (const f of folders) expect(readdirSync(join(dir, f)), f).toContain('index.ts');
  });

  it('says which commands run each family; serve lists exactly the families with a serving model', () => {
    expect(familiesOf('run')).toEqual(['baseline', 'pim-gpt', 'duplex']);
    expect(familiesOf('serve')).toEqual(['baseline', 'pim-gpt', 'duplex', 'neupims']);
    expect(familiesOf('compile')).toEqual(['baseline', 'pim-gpt', 'duplex', 'neupims']);
    expect(familiesOf('pim generate')).toEqual(['pim-gpt']);
    expect(servingFamilies()).toEqual(familiesOf('serve'));
    expect(servingFamilies().map((f) => SYSTEM_MODELS[f].serving!.name)).toEqual(['gpu-roofline', 'pim-gpt', 'duplex', 'neupims']);
  });

  it('resolves a shipped name or a path to its family; a file without one is a baseline preset', () => {
    expect(systemFamily('duplex-gpu')).toBe('duplex'); // the Duplex paper's GPU-only system, not the roofline preset gpu-h100-sxm
    expect(systemFamily('gpu-h100')).toBe('duplex'); // its old name, still resolved (src/systems/duplex/duplex-system.ts)
    expect(systemFamily('gpu-h100-sxm')).toBe('baseline');
    expect(systemFamily('gpu-a100')).toBe('baseline'); // an alias of the baseline family
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
