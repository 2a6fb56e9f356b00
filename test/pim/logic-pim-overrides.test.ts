import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLogicPim } from '../../src/pim/logic-pim.ts';
import { ARCH_DIR } from '../../src/spec/package-root.ts';
import { withOverrides } from '../../src/spec/provenance.ts';

/*
 * A loaded Logic-PIM spec is shared (its simulated streams are memoised per spec object), but never across different
 * overrides: keyed by name alone, every Duplex sensitivity variant of a Logic-PIM or HBM3 assumption reused the
 * shipped spec, and the published bands were too narrow (docs/validation.md, Duplex bands).
 */
describe('loadLogicPim under overrides', () => {
  it('shares one object per name without overrides, and loads a fresh one under each set of overrides', () => {
    const shipped = loadLogicPim('logic-pim');
    expect(loadLogicPim('logic-pim')).toBe(shipped);
    const file = join(ARCH_DIR, 'pim', 'logic-pim.json');
    const slow = withOverrides([{ file, path: 'compute.clockPs', value: 1538 }], () => loadLogicPim('logic-pim'));
    expect(slow).not.toBe(shipped);
    expect(JSON.stringify(slow)).not.toBe(JSON.stringify(shipped));
    expect(withOverrides([{ file, path: 'compute.clockPs', value: 1538 }], () => loadLogicPim('logic-pim'))).toBe(slow);
    const base = withOverrides([{ file: join(ARCH_DIR, 'dram', 'hbm3.json'), path: 'power.IDD0', value: 45 }], () => loadLogicPim('logic-pim'));
    expect(base).not.toBe(shipped);
    expect(loadLogicPim('logic-pim')).toBe(shipped);
  });
});
