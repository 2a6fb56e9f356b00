import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { countsKey } from '../../src/systems/duplex/duplex-step-cost.ts';

// The Duplex step coster memoises a layer's expert segment by countsKey(counts): two different count vectors must
// never share a key, or a step would be charged another step's experts.
describe('countsKey', () => {
  it('tells apart vectors that a careless encoding would merge', () => {
    const vectors = [
      [], [0], [1], [49], [0, 0], [1, 0], [0, 1], [44], [1, 1], [11], [0xfffe], [0xffff], [0x10000], [65535, 0],
      [1, 2, 3], [12, 3], [1, 23], [0x31, 0x2c, 0x32], [1024, 0, 0, 0, 0, 0, 0, 1024],
      Array.from({ length: 4097 }, () => 0), Array.from({ length: 4096 }, () => 0),
    ];
    const keys = vectors.map(countsKey);
    expect(new Set(keys).size).toBe(vectors.length);
  });

  it('is one code unit per expert while counts are below 0xffff', () => {
    expect(countsKey([3, 0, 70000, 2]).startsWith('\uffff')).toBe(true);
    expect(countsKey([3, 0, 65534, 2])).toHaveLength(4);
  });

  it('gives no two of 20,000 random 8-expert vectors the same key unless they are equal', () => {
    const seen = new Map<string, string>();
    const rng = seedrandom('counts-key');
    for (let k = 0; k < 20_000; k++) {
      // Mostly short keys, one vector in about 8 long (a count past 0xffff).
      const v = Array.from({ length: 8 }, () => (rng() < 0.016 ? 65_530 + Math.floor(rng() * 12) : Math.floor(rng() * 40)));
      const key = countsKey(v);
      const text = v.join(',');
      if (seen.has(key)) expect(seen.get(key)).toBe(text);
      seen.set(key, text);
    }
    expect(seen.size).toBeGreaterThan(15_000);
  });
});
