import { describe, it, expect } from 'vitest';
import { compareWithDramsim3, DRAMSIM3_CASES } from '../../src/validation/dramsim3.ts';

// Strata run with DRAMsim3's own .ini and trace front end must match DRAMsim3's statistics within the
// tolerances of the reference README (completed and bandwidth 3 %, ACT 5 %, row hits 5 % of all requests,
// mean read latency 15 %); REF count and IDD energy are held to 5 % as well.
describe('accuracy against DRAMsim3 (HBM2 reference traces)', () => {
  for (const name of DRAMSIM3_CASES) {
    it(`${name} matches within tolerance`, () => {
      const r = compareWithDramsim3(name);
      for (const c of r.comparisons) {
        expect.soft(c.gap, `${name}: ${c.metric} Strata ${c.strata} vs DRAMsim3 ${c.dramsim3}`).toBeLessThanOrEqual(c.tolerance);
      }
    });
  }
});
