import { describe, it, expect } from 'vitest';
import { Float64Slab } from '../../src/pim/program-memo.ts';

describe('Float64Slab (per-job arrays of the PIM-GPT channel)', () => {
  it('hands out zeroed arrays that never share storage, across chunk boundaries', () => {
    const slab = new Float64Slab(10);
    const arrays = [3, 4, 5, 14, 2].map((n) => slab.take(n));
    expect(arrays.map((a) => a.length)).toEqual([3, 4, 5, 14, 2]);
    // Fill each with its own value: if two overlapped, one would read the other's.
    arrays.forEach((a, i) => a.fill(i + 1));
    arrays.forEach((a, i) => expect([...a]).toEqual(new Array(a.length).fill(i + 1)));
    // The 5 did not fit after 3 + 4 in a chunk of 10: it starts a new chunk; the 14 gets a chunk of its own.
    expect(arrays[2]!.buffer).not.toBe(arrays[0]!.buffer);
    expect(arrays[1]!.buffer).toBe(arrays[0]!.buffer);
    expect(arrays[3]!.buffer.byteLength).toBe(14 * 8);
  });
});
