import { describe, it, expect } from 'vitest';
import { parseTrace } from '../../src/dram/trace.ts';
import { runDram } from '../../src/dram/run.ts';
import { loadStandard } from '../../src/dram/standard.ts';
import { errorOf } from '../helpers.ts';

// Hostile trace spans (issue #18): a cycle the kernel cannot represent, or an idle gap whose refreshes would take
// hours, is refused before the run with the bound; a long run reports its progress.

/** 100 requests at cycles 0..99, then one at `last`. */
function gapTrace(last: string): string {
  let s = '';
  for (let i = 0; i < 100; i++) s += `0x${(i * 64).toString(16)} READ ${i}\n`;
  return `${s}0x0 READ ${last}\n`;
}

describe('trace cycles', () => {
  it('2^53 + 1 is refused when the trace is read (it is not an exact number any more)', () => {
    expect(errorOf(() => parseTrace(gapTrace('9007199254740993'), 't.trace'))).toBe(
      "t.trace:101: cycle '9007199254740993' is 2^53 or more (expected below 9007199254740992, the largest exact integer; see docs/limits.md)",
    );
  });

  it('1e23 is refused when the trace is read', () => {
    expect(errorOf(() => parseTrace(gapTrace('100000000000000000000000'), 't.trace'))).toMatch(/^t\.trace:101: cycle '100000000000000000000000' is 2\^53 or more/);
  });

  it('a cycle past 2^52 ps of simulated time is refused before the run, with the bound in cycles of the clock', () => {
    const trace = parseTrace(gapTrace('8000000000000'), 't.trace'); // 8e12 cycles x 625 ps = 5e15 ps > 2^52 ps
    expect(errorOf(() => runDram({ standard: loadStandard('ddr4'), trace, controller: { ...loadStandard('ddr4').controller, refresh: 'none' } }))).toBe(
      't.trace:101: request 101 at cycle 8,000,000,000,000 is past the latest time a DRAM run can reach, 2^52 ps = 7,205,759,403,792 cycles of the ddr4 clock (625 ps), where picosecond times stop being exact integers (see docs/limits.md)',
    );
  });

  it('an idle gap whose refreshes would take over a minute is refused, naming the refresh count and the bound', () => {
    // ddr4, all-bank refresh: 1e12 / tREFI 12480 x 1 channel x 2 ranks = 160,256,410 REF commands > 50,000,000
    const trace = parseTrace(gapTrace('1000000000000'), 't.trace');
    expect(errorOf(() => runDram({ standard: loadStandard('ddr4'), trace }))).toBe(
      't.trace:101: request 101 at cycle 1,000,000,000,000 makes the run span at least 1,000,000,000,000 cycles, in which ddr4 issues about 160,256,410 refresh commands (all-bank: every tREFI = 12480 cycles on each of 1 channel(s) x 2 rank(s)); the bound is 50,000,000 (about a minute of simulation; see docs/limits.md): shorten the idle gaps or use --refresh none',
    );
  });

  it('the same gap with refresh off is simulated at once (the kernel jumps over idle time)', () => {
    const std = loadStandard('ddr4');
    const r = runDram({ standard: std, trace: parseTrace(gapTrace('1000000000000'), 't.trace'), controller: { ...std.controller, refresh: 'none' }, bankWindow: false });
    expect(r.requestsOffered).toBe(101);
    expect(r.cycles).toBeGreaterThan(1e12);
  });

  it('--cycles is bounded the same way', () => {
    const std = loadStandard('hbm3');
    // hbm3, per-bank refresh: floor(2e9 / tREFIpb 158) x 32 channels = 405,063,264 REFpb commands
    expect(errorOf(() => runDram({ standard: std, trace: parseTrace(gapTrace('100'), 't.trace'), cycles: 2_000_000_000 }))).toMatch(
      /^--cycles 2,000,000,000 makes the run span at least 2,000,000,000 cycles, in which hbm3 issues about 405,063,264 refresh commands \(per-bank: every tREFIpb = 158 cycles on each of 32 channel\(s\)\)/,
    );
  });
});

describe('progress of a long run', () => {
  it('reports the simulated cycle against the trace\'s last cycle as it goes, and the result does not change', () => {
    const std = loadStandard('ddr4');
    const trace = parseTrace(gapTrace('100000000'), 't.trace'); // 1e8 cycles: 16,026 REF commands
    const seen: Array<[number, number]> = [];
    const withProgress = runDram({ standard: std, trace, bankWindow: false, onProgress: (c, last) => seen.push([c, last]) });
    const without = runDram({ standard: std, trace, bankWindow: false });
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.every(([, last]) => last === 100_000_000)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThan(seen[i - 1]![0]);
    expect(withProgress.cycles).toBe(without.cycles);
    expect(withProgress.channels[0]!.commandCounts).toEqual(without.channels[0]!.commandCounts);
  });
});
