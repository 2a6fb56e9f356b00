import { describe, expect, it } from 'vitest';
import { checkTensorParallel } from '../../src/systems/duplex/duplex-system.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { runMain } from '../helpers.ts';

/*
 * Issue #18: `run --policy duplex --devices 1000000` "ran" Mixtral at 2 MJ per token, and --devices 3 was accepted.
 * The tensor-parallel degree must split the model as a serving engine splits it (vLLM's rules): query heads evenly,
 * KV heads evenly or replicated on whole groups, each FFN's inner width evenly.
 */
const args = ['run', '--policy', 'duplex', '--model', 'mixtral-8x7b', '--phase', 'decode', '--batch', '8', '--context', '256'];

describe('--devices on Duplex-family systems', () => {
  it('refuses a degree that does not divide the heads, in one line with the degrees that do', () => {
    for (const d of ['3', '1000000']) {
      const r = runMain([...args, '--devices', d]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toBe(`strata: --devices ${d}: mixtral-8x7b cannot be split over ${d} tensor-parallel devices: ${d} does not divide its 32 query heads; degrees that do: 1, 2, 4, 8, 16, 32`);
    }
    expect(runMain([...args, '--devices', '4']).code).toBe(0);
  });

  it('KV heads divide the degree or are divided by it; FFN widths divide by it', () => {
    const m = { name: 'm', heads: 32, kvHeads: 8, ffnSize: 14336, experts: 8 };
    expect(() => checkTensorParallel(m, 16)).not.toThrow(); // each KV head replicated on 2 devices
    expect(() => checkTensorParallel({ ...m, kvHeads: 6, heads: 48 }, 4)).toThrow(/does not divide its 6 KV heads \(nor is 4 a multiple of them\)/);
    expect(() => checkTensorParallel({ ...m, ffnSize: 14334 }, 4)).toThrow(/does not divide its FFN inner width of 14334 per expert;/);
    // every shipped model the Duplex comparison runs splits over its own device counts
    for (const name of ['mixtral-8x7b', 'llama3-70b', 'opt-66b', 'grok-1']) for (const n of [1, 2, 4, 8]) expect(() => checkTensorParallel(loadModel(name), n), `${name} x ${n}`).not.toThrow();
  });
});
