import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { knownStandards, loadStandard } from '../../src/dram/standard.ts';
import { TimingState } from '../../src/dram/timing-state.ts';

// The controller computes a bank's earliest cycle as the larger of a part shared by its bank group and a
// bank-level part; that split must give exactly what earliestCycle gives, after any history of commands.
describe('TimingState: shared and bank-level parts', () => {
  for (const name of knownStandards()) {
    it(`max(sharedEarliest, bankEarliest) equals earliestCycle on ${name}`, () => {
      const std = loadStandard(name);
      const o = std.organization;
      const nc = std.commandNames.length;
      const command = fc.record({
        cmd: fc.integer({ min: 0, max: nc - 1 }),
        rank: fc.integer({ min: 0, max: o.ranks - 1 }),
        bg: fc.integer({ min: 0, max: o.bankGroups - 1 }),
        bank: fc.integer({ min: 0, max: o.banksPerGroup - 1 }),
        gap: fc.integer({ min: 0, max: 40 }),
      });
      fc.assert(
        fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), (history) => {
          const ts = new TimingState(std);
          let cycle = 0;
          for (const h of history) {
            cycle += h.gap;
            ts.issue(h.cmd, cycle, h.rank, h.bg, h.bank);
          }
          for (let cmd = 0; cmd < nc; cmd++) {
            for (let r = 0; r < o.ranks; r++) {
              for (let g = 0; g < o.bankGroups; g++) {
                for (let b = 0; b < o.banksPerGroup; b++) {
                  const split = Math.max(ts.sharedEarliest(cmd, r, g), ts.bankEarliest(cmd, r, g, b));
                  if (split !== ts.earliestCycle(cmd, r, g, b)) return false;
                }
              }
            }
          }
          return true;
        }),
        { numRuns: 40, seed: 7 },
      );
    });
  }
});
