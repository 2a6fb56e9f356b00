import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { parseStandard } from '../../src/dram/standard.ts';
import { ARCH_DIR } from '../../src/spec/package-root.ts';
import { readJsonFile } from '../../src/spec/json-file.ts';
import { errorOf } from '../helpers.ts';

// Hostile magnitudes in a DRAM spec (issue #18): each is refused when the spec loads, naming the field, the bound
// and its reason, instead of crashing the kernel or running for hours.

const DDR4_FILE = join(ARCH_DIR, 'dram', 'ddr4.json');
/** ddr4.json as its loader sees it (assumption blocks removed), a fresh copy each time. */
const ddr4 = (): Record<string, any> => readJsonFile(DDR4_FILE) as Record<string, any>;
const load = (edit: (j: Record<string, any>) => void): (() => unknown) => {
  const j = ddr4();
  edit(j);
  return () => parseStandard(j, 'spec.json');
};

describe('timing parameters are bounded by 1 ms (1,600,000 cycles of ddr4\'s 625 ps clock)', () => {
  for (const [name, value] of [['tRC', 1e15], ['tRC', 2 ** 53], ['tRC', 2 ** 31], ['tCCD_L', 2 ** 31]] as const) {
    it(`${name} = ${value} is refused with the bound`, () => {
      const msg = errorOf(load((j) => (j.timing[name] = value)));
      expect(msg).toMatch(new RegExp(`^spec\\.json: field 'timing\\.${name}': expected at most 1,600,000 cycles \\(1 ms at tCK 625 ps`));
      expect(msg).not.toContain('\n');
    });
  }

  it('the bound itself is accepted (tRC = 1,600,000 cycles = 1 ms)', () => {
    expect(parseStandard({ ...ddr4(), timing: { ...ddr4().timing, tRC: 1_600_000 } }, 'spec.json').timing.tRC).toBe(1_600_000);
  });

  it('a rule distance that sums past the bound is refused too (tRTP + tRP with tRTP near the bound)', () => {
    const msg = errorOf(load((j) => (j.timing.tRTP = 1_599_990)));
    expect(msg).toMatch(/^spec\.json: field 'rules': rule RDA -> ACT \(same bank\): tRTP \+ tRP = 1600012 cycles is more than 1 ms \(1,600,000 cycles/);
  });

  it('a clock period over 1 us is refused', () => {
    expect(errorOf(load((j) => (j.clock.tCKPs = 2e6)))).toMatch(/^spec\.json: field 'clock\.tCKPs': expected an integer <= 1000000 \(1 us: /);
  });
});

describe('organization sizes are bounded by what the memory system can hold', () => {
  it('channels = 65536 is refused with the bound and its reason', () => {
    const msg = errorOf(load((j) => (j.organization.channels = 65536)));
    expect(msg).toMatch(/^spec\.json: field 'organization\.channels': expected an integer <= 1024 \(each channel's controller holds about 150 KB/);
    expect(msg).toMatch(/found 65536$/);
  });

  it('more than 1,024 banks per channel is refused', () => {
    const msg = errorOf(load((j) => { j.organization.ranks = 8; j.organization.bankGroups = 16; j.organization.banksPerGroup = 16; }));
    expect(msg).toMatch(/^spec\.json: field 'organization\.banksPerGroup': expected ranks x bankGroups x banksPerGroup <= 1024 banks per channel/);
  });

  it('more than 256 ranks is refused (the command log keeps a rank in one byte)', () => {
    expect(errorOf(load((j) => (j.organization.ranks = 300)))).toMatch(/field 'organization\.ranks': expected an integer <= 256 /);
  });

  it('2^31 rows is refused (a row is a 32-bit signed integer)', () => {
    expect(errorOf(load((j) => (j.organization.rows = 2 ** 31)))).toMatch(/field 'organization\.rows': expected a power of two <= 1073741824/);
  });
});

describe('a constraint table that lets a run exceed the analytical peak is refused when the spec loads', () => {
  const jedec = (): Record<string, any> => readJsonFile(join(ARCH_DIR, 'dram', 'rules', 'jedec.json')) as Record<string, any>;

  it('an inline table with no rules', () => {
    const msg = errorOf(load((j) => (j.rules = [{ source: 'none', rules: [] }])));
    // ddr4: 1 channel x 64 B per tBURST of 4 x 625 ps = 25.6 GB/s
    expect(msg).toBe(
      "spec.json: field 'rules': the constraint tables [\"inline 0\"] let a run exceed the analytical peak of 25.6 GB/s: nothing keeps RD -> RD on the same bank at least tBURST = 4 cycles apart (the longest rule that applies gives 0), so two bursts could share the data bus and a run exceed the analytical peak; add such a rule (arch/dram/rules/jedec.json has them)",
    );
  });

  it('a negative rule distance', () => {
    const table = jedec();
    const rule = table.rules.find((r: any) => r.distance === 'tBURST + tRTRS');
    rule.distance = 'tRTRS - tBURST'; // 1 - 4
    const msg = errorOf(load((j) => (j.rules = [{ ...table, source: 'edited jedec' }])));
    expect(msg).toBe("spec.json: field 'rules[0].rules[14].distance': expected a distance of 0 cycles or more, found \"tRTRS - tBURST = -3\"");
  });

  it('a table without the rank-to-rank rules (two ranks would share the bus)', () => {
    const table = jedec();
    table.rules = table.rules.filter((r: any) => !r.sibling);
    const msg = errorOf(load((j) => (j.rules = [{ ...table, source: 'edited jedec' }])));
    expect(msg).toContain('nothing keeps RD -> RD on another rank of the channel at least tBURST = 4 cycles apart (the longest rule that applies gives 0)');
  });

  it('the shipped table passes: its sibling rule gives tBURST + tRTRS = 5 across ranks', () => {
    expect(parseStandard(ddr4(), 'spec.json').rules.length).toBeGreaterThan(0);
  });
});
