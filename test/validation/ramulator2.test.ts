import { describe, expect, it } from 'vitest';
import { compareWithRamulator2, formatRamulator2Table, haveRamulator2Reference, ramulator2Cases, RAMULATOR2_REFERENCE_DIR } from '../../src/validation/ramulator2.ts';

const have = haveRamulator2Reference();
if (!have) console.warn(`Ramulator 2 comparison skipped: ${RAMULATOR2_REFERENCE_DIR} is absent (Ramulator's configurations and reference runs are never copied into the repository)`);

/**
 * Strata's Ramulator 2 model against Ramulator 2.1's own runs (shared/reference/ramulator2): two of the eight runs
 * here (about 5 s each; `strata validate ramulator2` runs all eight). The model follows Ramulator's controller, so
 * every count must agree exactly; the bandwidth differs only by the tick Ramulator's key_stats use (nominal, e.g.
 * 312.5 ps for HBM3) against the whole picoseconds Ramulator and Strata simulate with (312 ps).
 */
describe.skipIf(!have)('Strata vs Ramulator 2 reference runs', () => {
  it('finds the eight runs', () => {
    expect(ramulator2Cases()).toHaveLength(8);
  });

  for (const name of ['v21_LPDDR5_6400_stream-read_100000_1', 'v21_HBM3_6400_random-rw_100000_1']) {
    it(`${name}: regenerated trace matches its sha256, every quantity within tolerance, counts exact`, () => {
      const r = compareWithRamulator2(name);
      for (const c of r.comparisons) expect(c.ok, `${c.metric}: ${c.strata} vs ${c.ramulator}`).toBe(true);
      const by = Object.fromEntries(r.comparisons.map((c) => [c.metric, c]));
      for (const m of ['completed requests', 'ACT commands', 'row hits', 'REF commands']) expect(by[m]!.strata).toBe(by[m]!.ramulator);
      // Ramulator's mean is printed to three decimals.
      expect(Math.abs(by['mean read latency (ticks)']!.strata - by['mean read latency (ticks)']!.ramulator)).toBeLessThan(0.001);
      expect(formatRamulator2Table([r])).toContain('| ok |');
    }, 120_000);
  }

  it('names a missing case with the ones there are', () => {
    expect(() => compareWithRamulator2('v21_DDR9')).toThrow(/not found \(known cases: v21_DDR4_3200AA_random-rw_100000_1/);
  });
});
