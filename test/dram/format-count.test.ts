import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCount } from '../../src/dram/limits.ts';

/**
 * formatCount replaces `toLocaleString('en-US')` (whose first call sets up ICU, 30-70 ms) with plain code: it must
 * write exactly what toLocaleString writes, for every number.
 */
describe('formatCount', () => {
  it('writes counts with thousands separators', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1000)).toBe('1,000');
    expect(formatCount(1_000_000_000)).toBe('1,000,000,000');
    expect(formatCount(-1234567)).toBe('-1,234,567');
  });

  it('rounds fractions to three digits on the shortest decimal form, as ICU does', () => {
    // 1.0005 is stored just below 1.0005, but its shortest form is "1.0005", which ICU rounds half up.
    expect(formatCount(1.0005)).toBe('1.001');
    expect(formatCount(999.9996)).toBe('1,000');
    expect(formatCount(0.1 + 0.2)).toBe('0.3');
    expect(formatCount(1e-7)).toBe('0');
    expect(formatCount(-0)).toBe('-0');
    expect(formatCount(2.5e21)).toBe('2,500,000,000,000,000,000,000');
    expect(formatCount(Infinity)).toBe('∞');
    expect(formatCount(NaN)).toBe('NaN');
  });

  it('agrees with toLocaleString("en-US") on any double', () => {
    const same = (x: number): boolean => formatCount(x) === x.toLocaleString('en-US');
    fc.assert(fc.property(fc.double(), same), { numRuns: 20_000 });
    fc.assert(fc.property(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), same), { numRuns: 5_000 });
    fc.assert(fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.integer({ min: 0, max: 5 }), (m, e) => same(m / 10 ** e)), { numRuns: 20_000 });
  });
});
