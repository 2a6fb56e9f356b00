import { describe, expect, it } from 'vitest';
import { Column } from '../../src/serving/columns.ts';

describe('Column', () => {
  it('keeps every value through the first chunk\'s doublings (256 -> 65,536) and across later chunks, float64 and int32', () => {
    for (const kind of ['float64', 'int32'] as const) {
      const c = new Column(kind);
      const n = 3 * 65_536 + 123;
      const value = (i: number) => (kind === 'float64' ? i * 1.5 + 0.25 : (i * 7919) % 1_000_003);
      for (let i = 0; i < n; i++) {
        c.push(value(i));
        // A value written before a doubling is still there after it.
        if (i === 255 || i === 256 || i === 65_535 || i === 65_536) expect(c.get(0), `${kind} after ${i + 1} values`).toBe(value(0));
      }
      expect(c.length).toBe(n);
      for (let i = 0; i < n; i++) if (c.get(i) !== value(i)) expect(c.get(i), `${kind}[${i}]`).toBe(value(i));
      c.set(300, 42);
      expect(c.get(300)).toBe(42);
      expect([...c.slice(65_534, 65_538)]).toEqual([65_534, 65_535, 65_536, 65_537].map(value));
    }
  });
});
