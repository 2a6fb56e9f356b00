import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCH_DIR } from '../../src/spec/package-root.ts';
import { withOverrides } from '../../src/spec/provenance.ts';
import { chargeRows, decodeCases, duplexSensitivityParts } from '../../src/validation/duplex.ts';
import { sensitivity } from '../../src/validation/sensitivity.ts';

/**
 * Issue #14, item 3: the paper's setup (the Duplex authors' charge: no kernel floor or launch, no shared-bank
 * slowdown) is a band of `strata validate duplex --sensitivity` too, over the same assumptions as the serving
 * engine's charge. One decode case keeps it to a few seconds.
 */
describe("Duplex sensitivity: the paper's setup (authors' charge) as a band", () => {
  const cases = decodeCases(['llama3-70b'], [32], [[256, 256]]);
  const { parts, headlines } = duplexSensitivityParts(cases);
  const result = sensitivity(parts, headlines);
  const band = (name: string) => result.bands.find((b) => b.name === name)!;

  it("prints both setups' bands, the serving engine's first as before", () => {
    expect(result.bands.map((b) => b.name)).toEqual([
      'Duplex / GPU decode throughput, best case',
      'Duplex / GPU decode throughput, geometric mean',
      'Duplex / 2xGPU decode throughput, geometric mean',
      "Duplex / GPU decode throughput, best case, the paper's setup (authors' charge)",
      "Duplex / GPU decode throughput, geometric mean, the paper's setup (authors' charge)",
      'energy per token, Duplex vs GPU, mean saving (fraction)',
    ]);
    expect(band("Duplex / GPU decode throughput, best case, the paper's setup (authors' charge)").paper).toBe('up to 2.67x');
  });

  it("its shipped value and both ends of the assumption that moves it most equal `--authors-charge`'s ratio run on its own", () => {
    const authors = band("Duplex / GPU decode throughput, best case, the paper's setup (authors' charge)");
    const [row] = chargeRows(cases);
    expect(authors.shipped).toBe(row!.authors);
    // The Logic-PIM compute clock (an assumption, 385-1538 ps) decides it, as it decides the serving engine's band.
    const top = authors.swings[0]!;
    expect(`${top.assumption.file.replace(/^.*\/arch\//, 'arch/')}: ${top.assumption.path}`).toBe('arch/pim/logic-pim.json: compute.clockPs');
    const at = (ps: number) => withOverrides([{ file: join(ARCH_DIR, 'pim', 'logic-pim.json'), path: 'compute.clockPs', value: ps }], () => chargeRows(cases)[0]!.authors);
    expect([top.atLow, top.atHigh]).toEqual([at(385), at(1538)]);
    // A faster PE clock helps Duplex (PIM ops shorter), a slower one hurts: the band is not flat.
    expect(top.atLow).toBeGreaterThan(authors.shipped);
    expect(top.atHigh).toBeLessThan(authors.shipped);
  });

  it("is wider than the serving engine's band: without the GPU's kernel floors the PE clock is a larger share of the ratio", () => {
    const serving = band('Duplex / GPU decode throughput, best case');
    const authors = band("Duplex / GPU decode throughput, best case, the paper's setup (authors' charge)");
    for (const b of [serving, authors]) expect(b.low <= b.shipped && b.shipped <= b.high).toBe(true);
    // llama3-70b 256/256 batch 32 (measured by this test's study): 0.64-1.07-1.61x under the serving engine's charge,
    // 0.57-1.06-1.88x under the authors'.
    expect(authors.high - authors.low).toBeGreaterThan(serving.high - serving.low);
  });
});
