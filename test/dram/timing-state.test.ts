import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACT } from '../../src/dram/commands.ts';
import { knownStandards, loadStandard, type DramStandard } from '../../src/dram/standard.ts';
import { TimingState } from '../../src/dram/timing-state.ts';

// TimingState keeps running maxima per level and folds the rolling windows in when their command issues. Written
// the slow, obvious way, a command's earliest cycle is the largest of (cycle + distance) over every earlier command
// a rule ties to it, and of (the count-th latest cycle + window) over every window; the two must agree after any
// history. Rules of zero or negative distance constrain nothing once commands issue in cycle order, and
// TimingState drops them, so the reference does too.
function referenceEarliest(std: DramStandard, history: readonly Issued[], cmd: number, r: number, g: number, b: number): number {
  const at = (level: string, h: Issued): 'same' | 'sibling' | 'other' => {
    const same = level === 'channel' || (h.rank === r && (level === 'rank' || (h.bg === g && (level === 'bankgroup' || h.bank === b))));
    if (same) return 'same';
    const parentSame = level === 'rank' || (h.rank === r && (level === 'bankgroup' || h.bg === g));
    return parentSame ? 'sibling' : 'other';
  };
  let t = 0;
  for (const h of history) {
    for (const rule of std.rules) {
      if (rule.prev !== h.cmd || rule.next !== cmd || rule.cycles <= 0) continue;
      if (at(rule.level, h) === (rule.sibling ? 'sibling' : 'same')) t = Math.max(t, h.cycle + rule.cycles);
    }
  }
  for (const w of std.windows) {
    if (w.command !== cmd) continue;
    const inWindow = history.filter((h) => h.cmd === cmd && at(w.level, h) === 'same');
    if (inWindow.length >= w.count) t = Math.max(t, inWindow[inWindow.length - w.count]!.cycle + w.cycles);
  }
  return t;
}

interface Issued {
  cmd: number;
  cycle: number;
  rank: number;
  bg: number;
  bank: number;
}

describe('TimingState: earliest cycles', () => {
  for (const name of knownStandards()) {
    it(`equal a scan of the command history over every rule and window, at every node (${name})`, () => {
      const std = loadStandard(name);
      const o = std.organization;
      const nc = std.commandNames.length;
      // Windows only bind when several of their commands come close together: ACT often, gaps often short.
      const command = fc.record({
        cmd: fc.oneof({ arbitrary: fc.constant(ACT), weight: 2 }, { arbitrary: fc.integer({ min: 0, max: nc - 1 }), weight: 3 }),
        rank: fc.integer({ min: 0, max: o.ranks - 1 }),
        bg: fc.integer({ min: 0, max: o.bankGroups - 1 }),
        bank: fc.integer({ min: 0, max: o.banksPerGroup - 1 }),
        gap: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 })),
      });
      fc.assert(
        fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), (commands) => {
          const ts = new TimingState(std);
          const history: Issued[] = [];
          let cycle = 0;
          for (const h of commands) {
            cycle += h.gap;
            ts.issue(h.cmd, cycle, h.rank, h.bg, h.bank);
            history.push({ cmd: h.cmd, cycle, rank: h.rank, bg: h.bg, bank: h.bank });
          }
          for (let cmd = 0; cmd < nc; cmd++) {
            for (let r = 0; r < o.ranks; r++) {
              for (let g = 0; g < o.bankGroups; g++) {
                for (let b = 0; b < o.banksPerGroup; b++) {
                  const e = ts.earliestCycle(cmd, r, g, b);
                  const group = r * o.bankGroups + g;
                  if (ts.earliestAtNodes(cmd, r, group, group * o.banksPerGroup + b) !== e) return false;
                  if (Math.max(e, 0) !== referenceEarliest(std, history, cmd, r, g, b)) return false;
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
