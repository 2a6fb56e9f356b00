import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers.ts';

/**
 * `strata compile` checks a GPU/CPU baseline's capacity less its runtime reserve (`memory.reservedBytes`), as
 * `strata run` and `strata serve` do; before, it counted the card's whole memory, so a batch that `run` refused
 * compiled. GPT-2 XL decode at context 1024 keeps 300 KiB of KV cache per token (48 layers x 2 x 1600 x 2 B) beside
 * 2.90 GiB of weights; the A100 40 GB reserves 2 GiB (arch/systems/gpu-a100-40gb.json).
 */
describe('strata compile: the runtime memory reserve', () => {
  const XL = ['--model', 'gpt2-xl', '--phase', 'decode', '--context', '1024', '--system', 'gpu-a100'];

  it('refuses a batch that fits the 40 GiB but not the 38 GiB left after the reserve, as run does', () => {
    // batch 124: 2.90 + 124 x 1025 x 300 KiB = 39.23 GiB, under 40 and over 38
    const expected = "strata: gpt2-xl decode, batch 124, context 1024 does not fit in gpu-a100-40gb's memory: needs 39.23 GiB (weights 2.90 GiB + KV cache 36.33 GiB for 126976 tokens) but has 38.00 GiB; short by 1.23 GiB";
    const compile = runMain(['compile', ...XL, '--batch', '124']);
    expect(compile.code).not.toBe(0);
    expect(compile.err.trim()).toBe(expected);
    // run and compile agree on what fits
    expect(runMain(['run', ...XL, '--batch', '124']).err.trim()).toBe(expected);
  });

  it('the reserve decides it: with the reserve set to 0 the same batch compiles against all 40 GiB', () => {
    const r = runMain(['compile', ...XL, '--batch', '124', '--set', 'memory.reservedBytes=0']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[1]).toBe('  memory      39.23 GiB needed (weights 2.90 GiB + KV cache 36.33 GiB), 40.00 GiB available');
  });

  it('prints what is left after the reserve when it fits (batch 118: 37.47 of 38 GiB)', () => {
    const r = runMain(['compile', ...XL, '--batch', '118']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[1]).toBe("  memory      37.47 GiB needed (weights 2.90 GiB + KV cache 34.57 GiB), 38.00 GiB available (40.00 GiB less the runtime's 2.00 GiB reserve)");
  });
});
