import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDevice } from '../../src/systems/baseline/roofline.ts';
import { loadNeuPimsSystem } from '../../src/systems/neupims/neupims-system.ts';
import { loadDuplexSystem } from '../../src/systems/duplex/duplex-system.ts';
import { loadPimGptSystem } from '../../src/systems/pim-gpt/pim-gpt.ts';
import { jsonFileNames, readJsonFile } from '../../src/spec/json-file.ts';
import { SYSTEMS_DIR, systemNames } from '../../src/systems/presets.ts';
import { SYSTEM_FAMILIES } from '../../src/systems/registry.ts';
import { errorOf } from '../helpers.ts';

describe('system presets in arch/systems', () => {
  it('every shipped preset names its family, and each family lists exactly its files', () => {
    const all = jsonFileNames(SYSTEMS_DIR);
    for (const name of all) {
      const family = (readJsonFile(join(SYSTEMS_DIR, `${name}.json`)) as { family?: string }).family;
      expect(SYSTEM_FAMILIES, name).toContain(family);
    }
    expect(SYSTEM_FAMILIES.flatMap((f) => systemNames(f)).sort()).toEqual(all);
    expect(systemNames('duplex')).toEqual(['bank-pim', 'bg-pim', 'duplex', 'duplex-gpu']);
    expect(systemNames('neupims')).toEqual(['authors-naive', 'authors-npu-only', 'neupims', 'npu-only', 'npu-pim-blocked']);
    expect(systemNames('pim-gpt')).toEqual(['pim-gpt']);
    expect(systemNames('baseline')).toEqual(['cpu-xeon', 'gpu-a100-40gb', 'gpu-a100-80gb', 'gpu-h100-sxm', 'gpu-t4']);
  });

  it('every shipped preset loads with the loader of its family', () => {
    for (const n of systemNames('baseline')) expect(loadDevice(n).name).toBe(n);
    for (const n of systemNames('duplex')) expect(loadDuplexSystem(n).name).toBe(n);
    for (const n of systemNames('neupims')) expect(loadNeuPimsSystem(n).name).toBe(n);
    for (const n of systemNames('pim-gpt')) expect(loadPimGptSystem(n).name).toBe(n);
  });

  it('a preset of another family, an unknown name and a wrong family field are errors that say so', () => {
    expect(errorOf(() => loadDevice('duplex'))).toBe("'duplex' (arch/systems/duplex.json) is of family 'duplex', not 'baseline'");
    expect(errorOf(() => loadDuplexSystem('gpu-h100-sxm'))).toBe("'gpu-h100-sxm' (arch/systems/gpu-h100-sxm.json) is of family 'baseline', not 'duplex'");
    expect(errorOf(() => loadNeuPimsSystem('pim-gpt'))).toBe("'pim-gpt' (arch/systems/pim-gpt.json) is of family 'pim-gpt', not 'neupims'");
    expect(errorOf(() => loadPimGptSystem('nope'))).toBe('unknown system \'nope\' for policy pim-gpt (known: pim-gpt; or give a path to a .json file)');
    const dir = mkdtempSync(join(tmpdir(), 'strata-systems-'));
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify({ ...(readJsonFile(join(SYSTEMS_DIR, 'gpu-t4.json')) as object), family: 'duplex' }));
    expect(errorOf(() => loadDevice(file))).toBe(`${file}: field 'family': expected one of baseline, found "duplex"`);
    expect(errorOf(() => loadDevice(join(dir, 'missing.json')))).toBe(`${join(dir, 'missing.json')}: file not found`);
    // A name inside a system file that names nothing is reported with the file and the field.
    const pimGpt = join(dir, 'my-pim-gpt.json');
    writeFileSync(pimGpt, JSON.stringify({ ...(readJsonFile(join(SYSTEMS_DIR, 'pim-gpt.json')) as object), pim: 'nosuch' }));
    expect(errorOf(() => loadPimGptSystem(pimGpt))).toMatch(new RegExp(`^${pimGpt}: field 'pim': unknown PIM spec 'nosuch'`));
  });
});
