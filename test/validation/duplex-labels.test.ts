import { describe, it, expect } from 'vitest';
import { DUPLEX_CO_PROCESSING_TITLE, DUPLEX_METHOD, duplexServingTitle } from '../../src/validation/duplex.ts';

/*
 * Issue #14: each paper table states the baseline profile it uses (the decode and sensitivity tables did; the
 * serving and co-processing tables did not), and item 6: every method line says how energy is charged. The Duplex
 * step charges every xPU's board power for the whole step, PIM per bit and per MAC, and the device links per bit
 * (`energyPj` in src/systems/duplex/duplex-step.ts); the method line left the links out.
 */
describe('Duplex tables name the profile and the energy method', () => {
  it("the serving table's title names the 'graphs' profile and where the paper's setup is", () => {
    const t = duplexServingTitle(64, 8, 64);
    expect(t).toMatch(/^### Duplex: serving 64 fixed-length requests, Poisson 8 requests\/s, max batch 64, whole prefill; /);
    expect(t).toContain("the H100 under the 'graphs' profile (a serving engine");
    expect(t).toContain("the authors' charge, is timed for the decode table only");
  });

  it("the co-processing table's title names the profile of its xPU times and both charges", () => {
    expect(DUPLEX_CO_PROCESSING_TITLE).toContain("xPU: the H100 under the 'graphs' profile");
    expect(DUPLEX_CO_PROCESSING_TITLE).toContain("the authors' charge (the paper's setup)");
  });

  it('the method line gives every part of the energy charge', () => {
    const energy = DUPLEX_METHOD.slice(DUPLEX_METHOD.indexOf('Energy:'));
    expect(energy).toContain('every xPU at board power for the whole step (also while it waits for PIM)');
    expect(energy).toContain('per-bit DRAM path and MAC energy');
    expect(energy).toContain('links between devices per bit');
  });
});
