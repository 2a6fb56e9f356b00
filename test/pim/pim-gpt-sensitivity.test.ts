import { describe, it, expect } from 'vitest';
import { loadPimGptSystem } from '../../src/systems/pim-gpt/pim-gpt.ts';
import { formatSensitivityTable, pimGptSensitivity, sensitivityParameters } from '../../src/validation/pim-gpt-sensitivity.ts';
import { runMain } from '../helpers.ts';

const system = loadPimGptSystem();

describe('PIM-GPT sensitivity study', () => {
  const points = pimGptSensitivity(system, ['gpt2-small'], 2, 2);
  const at = (parameter: string, value: number) => points.find((p) => p.parameter === parameter && p.value === value)!;

  it('varies the unsourced constants around the shipped values, marking the assumptions', () => {
    const params = sensitivityParameters(system);
    expect(params.map((p) => [p.name, p.base, p.assumption])).toEqual([['tMACRD', 8, true], ['tPL', 42, true], ['ASIC clock', 1000, true], ['MAC energy', 0.46, true]]);
    for (const p of params) expect(p.values).toContain(p.base);
  });

  it('a longer MAC-to-read delay, a wider power window and a slower ASIC each slow a token; MAC energy changes only energy', () => {
    // Every output row waits tMACRD before its RDMAC16, so a longer one costs time on every row.
    expect(at('tMACRD', 32).tokenUs).toBeGreaterThan(at('tMACRD', 8).tokenUs);
    // tPL above tRC = 89 spaces the row activations further apart.
    expect(at('tPL', 168).tokenUs).toBeGreaterThan(at('tPL', 42).tokenUs);
    expect(at('ASIC clock', 2000).tokenUs).toBeGreaterThan(at('ASIC clock', 1000).tokenUs);
    expect(at('MAC energy', 1.84).tokenUs).toBe(at('MAC energy', 0.46).tokenUs);
    expect(at('MAC energy', 1.84).tokenUj).toBeGreaterThan(at('MAC energy', 0.46).tokenUj);
    // tPL below tRC changes nothing: tRC already spaces ACT16s by 89 cycles.
    expect(at('tPL', 11).tokenUs).toBe(at('tPL', 42).tokenUs);
  });

  it('prints a Markdown row per value with the change from the base', () => {
    const table = formatSensitivityTable(sensitivityParameters(system), points, ['gpt2-small']);
    expect(table).toMatch(/^\| parameter \(spec field\) \| value \| gpt2-small us\/token \| gpt2-small uJ\/token \|/);
    expect(table).toContain('| tMACRD (`arch/pim/aim.json: timing.tMACRD`, assumption) | 4 tCK |');
    expect(table).toMatch(/\| 8 tCK \(base\) \| \d+\.\d \| \d+ \|/);
  });

  it('strata pim sensitivity rejects an unknown model', () => {
    expect(runMain(['pim', 'sensitivity', '--models', 'gpt9']).err).toMatch(/^strata: unknown model 'gpt9'/);
  });
});
