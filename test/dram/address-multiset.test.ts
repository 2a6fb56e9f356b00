import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { AddressMultiset } from '../../src/dram/address-multiset.ts';

describe('AddressMultiset', () => {
  it('agrees with a Map of counts under any sequence of adds and removes (growth and deletion runs included)', () => {
    // Few distinct addresses, many of them sharing hash slots (same 64-B block, strides of 2^k blocks), up to 2^40.
    const addr = fc.oneof(fc.integer({ min: 0, max: 40 }).map((i) => i * 64), fc.integer({ min: 0, max: 300 }).map((i) => i * 2 ** 20 + 64), fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(0, 1, 63, 2 ** 33, 2 ** 33 + 1));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), addr), { maxLength: 600 }), (ops) => {
        const set = new AddressMultiset();
        const model = new Map<number, number>();
        for (const [add, a] of ops) {
          if (add || !model.has(a)) {
            set.add(a);
            model.set(a, (model.get(a) ?? 0) + 1);
          } else {
            set.remove(a);
            const n = model.get(a)! - 1;
            if (n === 0) model.delete(a);
            else model.set(a, n);
          }
          if (set.size !== model.size) return false;
        }
        for (const [, a] of ops) if (set.has(a) !== model.has(a)) return false;
        return true;
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('counts occurrences: an address stays until each of its adds is removed', () => {
    const s = new AddressMultiset();
    s.add(2 ** 33);
    s.add(2 ** 33);
    s.remove(2 ** 33);
    expect(s.has(2 ** 33)).toBe(true);
    s.remove(2 ** 33);
    expect(s.has(2 ** 33)).toBe(false);
    expect(s.size).toBe(0);
  });
});
