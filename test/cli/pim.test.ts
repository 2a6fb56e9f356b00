import { describe, it, expect } from 'vitest';
import { runMain } from '../helpers.ts';

describe('strata pim gemv', () => {
  it('reports time, MAC throughput against the peak, command counts and the checker verdict', () => {
    const r = runMain(['pim', 'gemv', '--spec', 'aim', '--m', '512', '--k', '2048', '--check']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/512 x 2048 \(2-byte elements\) on aim: 32 channels x 16 banks x 16 MAC lanes/);
    // 512 x 2048 MACs = 1,048,576; the peak is 32 x 16 x 16 per ns = 8192 MACs/ns.
    expect(r.out).toMatch(/1,048,576: \d+ MACs\/ns of a 8192 MACs\/ns peak/);
    expect(r.out).toMatch(/no protocol violations/);
  });

  it('rejects an unknown spec, listing the known ones', () => {
    const r = runMain(['pim', 'gemv', '--spec', 'newton', '--m', '4', '--k', '4']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("strata: unknown PIM spec 'newton' (known: aim, bank-pim, bg-pim, logic-pim, neupims)");
  });

  it('rejects missing or bad sizes', () => {
    expect(runMain(['pim', 'gemv', '--spec', 'aim', '--m', '4']).err).toMatch(/^strata: pim gemv: --spec, --m and --k are required/);
    expect(runMain(['pim', 'gemv', '--spec', 'aim', '--m', '0', '--k', '4']).err).toBe("strata: --m: expected a positive integer, got '0'");
    expect(runMain(['pim', 'gemm', '--spec', 'aim']).err).toMatch(/^strata: pim: expected 'gemv'/);
    // Every weight and the KV cache must fit in the PIM banks, as compile --policy pim-gpt checks.
    expect(runMain(['pim', 'generate', '--model', 'llama3-70b', '--tokens', '2']).err).toBe(
      "strata: llama3-70b with a 32-token prompt and 2 generated tokens does not fit in pim-gpt (aim)'s memory: needs 131.43 GiB (weights 131.42 GiB + KV cache 0.01 GiB for 34 tokens) but has 16.00 GiB; short by 115.43 GiB",
    );
    // A load fraction is a decimal number: '0x1' would read as 1 through Number().
    expect(runMain(['pim', 'neupims-gemv', '--context', '64', '--mode', 'dual', '--npu-load', '0x1']).err).toBe("strata: pim neupims-gemv: --npu-load: expected a number from 0 to 1, got '0x1'");
  });
});

describe('strata pim generate --json', () => {
  it('prints one JSON object with the numbers of the text summary (what strata sweep reads)', () => {
    const text = runMain(['pim', 'generate', '--model', 'gpt2-small', '--prompt', '2', '--tokens', '2']).out;
    const r = runMain(['pim', 'generate', '--model', 'gpt2-small', '--prompt', '2', '--tokens', '2', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { schema: string; meanTokenNs: number; tokensPerS: number; joulesPerToken: number; pimShare: number };
    expect(j.schema).toBe('strata.pim-generation/1');
    // The same mean token time (us, 2 decimals) and energy (uJ, 2 decimals) as the text.
    expect(text).toContain(`per token   mean ${(j.meanTokenNs / 1000).toFixed(2)} us`);
    expect(text).toContain(`energy      ${(j.joulesPerToken * 1e6).toFixed(2)} uJ per token`);
    expect(j.tokensPerS).toBeCloseTo(1e9 / j.meanTokenNs, 6);
    expect(j.pimShare).toBeGreaterThan(0);
    expect(j.pimShare).toBeLessThan(1);
  });
});
