import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLogicPim } from '../../src/pim/logic-pim.ts';
import { ARCH_DIR } from '../../src/spec/package-root.ts';
import { recordAssumptions, withOverrides } from '../../src/spec/provenance.ts';

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

/*
 * A sensitivity study varies an assumption only in the parts that read it (src/validation/sensitivity.ts). A reused
 * spec reads no file, so before the fix only the first part to load Logic-PIM was seen to depend on its assumptions,
 * and a part run later in the same thread kept its shipped result in every variant. A part run alone in a worker
 * thread (strata figures) saw them all: the two paths disagreed.
 */
describe('loadLogicPim and recorded assumptions', () => {
  it('notes the same assumptions when it reuses a loaded spec as when it reads the files', () => {
    const key = (a: { file: string; path: string }) => `${a.file}:${a.path}`;
    const first = recordAssumptions(() => loadLogicPim('logic-pim')).assumptions.map(key);
    const again = recordAssumptions(() => loadLogicPim('logic-pim')).assumptions.map(key);
    expect(first.length).toBeGreaterThan(0);
    expect(first.some((k) => k.endsWith('logic-pim.json:compute.clockPs'))).toBe(true);
    expect(again).toEqual(first);
  });
});
