import { describe, it, expect } from 'vitest';
import { parseAddressMapping } from '../../src/dram/address-mapping.ts';
import { ChannelStats } from '../../src/dram/channel-stats.ts';
import { CommandLog } from '../../src/dram/command-log.ts';
import { ACT, PRE, PREA, RD, RDA, REF, REFPB, WR, WRA } from '../../src/dram/commands.ts';
import { generatePattern } from '../../src/dram/patterns.ts';
import { runDram } from '../../src/dram/run.ts';
import { bytesPerRequest, loadStandard } from '../../src/dram/standard.ts';
import { BANK_COMMAND_KINDS, BANK_STATES, bankStateWindow, bytesPerEpoch, clipBankWindow, defaultEpochCycles } from '../../src/dram/timeline.ts';
import { StrataError } from '../../src/spec/errors.ts';

const hbm2 = loadStandard('hbm2');
const capacity = parseAddressMapping(hbm2.controller.addressMapping, hbm2.organization).capacityBytes;
const trace = (pattern: 'random' | 'stream' | 'mixed', requests: number) =>
  generatePattern({ pattern, requests, seed: 'timeline', requestBytes: bytesPerRequest(hbm2), capacityBytes: capacity });
const S = Object.fromEntries(BANK_STATES.map((s, i) => [s, i])) as Record<(typeof BANK_STATES)[number], number>;

/** A one-channel log of hand-placed commands on hbm2 (rank 0; bank = bank group x 4 + bank). */
function log(commands: Array<[cycle: number, cmd: number, bankGroup: number, bank: number]>): CommandLog {
  const l = new CommandLog(0);
  for (const [c, cmd, g, b] of commands) l.push(c, cmd, 0, g, b, 0, 0);
  return l;
}

/** Runs of bank `b` of channel 0 as [from, to, state name]. */
function runsOf(w: ReturnType<typeof bankStateWindow>, b: number): Array<[number, number, string]> {
  const flat = w.runs[0]![b]!;
  const out: Array<[number, number, string]> = [];
  for (let k = 0; k < flat.length; k += 3) out.push([flat[k]!, flat[k + 1]!, BANK_STATES[flat[k + 2]!]!]);
  return out;
}

describe('bank states from a command log (hbm2: CL 14, CWL 4, tBURST 2, tWR 16, tRFC 260, tRFCpb 160)', () => {
  it('ACT opens, RD reads for CL + tBURST = 16 cycles, PRE closes, REFpb refreshes for tRFCpb', () => {
    const w = bankStateWindow(hbm2, [log([[10, ACT, 0, 1], [24, RD, 0, 1], [30, WR, 0, 1], [60, PRE, 0, 1], [100, REFPB, 0, 1]])], 0, 300);
    // Each command is marked on its bank at its cycle: RD for RD and RDA, WR for WR and WRA, REF for REF and REFpb.
    expect(w.commands[0]![1]).toEqual([10, 0, 24, 1, 30, 2, 60, 3, 100, 4]);
    expect(w.commands[0]![0]).toEqual([]);
    expect(runsOf(w, 1)).toEqual([
      [0, 10, 'idle'],
      [10, 24, 'active'],
      [24, 30, 'reading'], // 24 + 16 = 40, but the write issued at 30 (CWL + tBURST = 6 cycles) wins where they overlap
      [30, 36, 'writing'],
      [36, 40, 'reading'],
      [40, 60, 'active'],
      [60, 100, 'idle'],
      [100, 260, 'refreshing'], // 100 + 160
      [260, 300, 'idle'],
    ]);
    // every other bank stayed idle the whole window
    expect(runsOf(w, 0)).toEqual([[0, 300, 'idle']]);
  });

  it('auto-precharge: RDA closes when its data is out, WRA after write recovery (CWL + tBURST + tWR = 22)', () => {
    const w = bankStateWindow(hbm2, [log([[0, ACT, 1, 0], [14, RDA, 1, 0], [50, ACT, 1, 0], [64, WRA, 1, 0]])], 0, 120);
    expect(runsOf(w, 4)).toEqual([[0, 14, 'active'], [14, 30, 'reading'], [30, 50, 'idle'], [50, 64, 'active'], [64, 70, 'writing'], [70, 86, 'active'], [86, 120, 'idle']]);
  });

  it('PREA closes and REF refreshes every bank of the rank; a window starting late keeps the state set before it', () => {
    const cmds: Array<[number, number, number, number]> = [[0, ACT, 0, 0], [2, ACT, 3, 3], [40, PREA, 0, 0], [60, REF, 0, 0]];
    const w = bankStateWindow(hbm2, [log(cmds)], 20, 400);
    expect(runsOf(w, 0)).toEqual([[20, 40, 'active'], [40, 60, 'idle'], [60, 320, 'refreshing'], [320, 400, 'idle']]);
    expect(runsOf(w, 15)).toEqual([[20, 40, 'active'], [40, 60, 'idle'], [60, 320, 'refreshing'], [320, 400, 'idle']]);
    expect(runsOf(w, 7)).toEqual([[20, 60, 'idle'], [60, 320, 'refreshing'], [320, 400, 'idle']]);
    // Marks: PREA and REF mark every bank of the rank; the ACT before the window is not marked.
    const marks = (b: number) => { const f = w.commands[0]![b]!; const o: string[] = []; for (let k = 0; k < f.length; k += 2) o.push(`${f[k]} ${BANK_COMMAND_KINDS[f[k + 1]!]}`); return o; };
    expect(marks(0)).toEqual(['40 PRE', '60 REF']);
    expect(marks(15)).toEqual(['40 PRE', '60 REF']);
    // A row still open at the end of the window is active to its end; commands after the window are not read.
    const open = bankStateWindow(hbm2, [log([[5, ACT, 0, 2], [500, PRE, 0, 2]])], 0, 50);
    expect(runsOf(open, 2)).toEqual([[0, 5, 'idle'], [5, 50, 'active']]);
  });

  it('runs of a real run cover the window without gaps, change state at every boundary, and match a re-simulated prefix', () => {
    const t = trace('mixed', 6000);
    const logged = runDram({ standard: hbm2, trace: t, commandLog: true, bankWindow: { startCycle: 1000, cycles: 2000 } });
    const replayed = runDram({ standard: hbm2, trace: t, bankWindow: { startCycle: 1000, cycles: 2000 } });
    expect(replayed.logs).toEqual([]); // no command log kept for the whole run
    expect(replayed.bankStates).toEqual(logged.bankStates);
    const w = logged.bankStates!;
    expect(logged.cycles).toBeGreaterThan(3000);
    expect([w.startCycle, w.endCycle]).toEqual([1000, 3000]);
    const seen = new Set<number>();
    for (const perBank of w.runs) {
      expect(perBank).toHaveLength(16);
      for (const flat of perBank) {
        expect(flat[0]).toBe(1000);
        expect(flat.at(-2)).toBe(3000);
        for (let k = 0; k < flat.length; k += 3) {
          seen.add(flat[k + 2]!);
          expect(flat[k + 1]!).toBeGreaterThan(flat[k]!);
          if (k > 0) {
            expect(flat[k]).toBe(flat[k - 2]);
            expect(flat[k + 2]).not.toBe(flat[k - 1]);
          }
        }
      }
    }
    // mixed traffic with per-bank refresh shows every state
    expect([...seen].sort()).toEqual([S.idle, S.active, S.reading, S.writing, S.refreshing]);
  });

  it('the default window is the first 2,000 cycles, clipped to the run; false records none', () => {
    const long = runDram({ standard: hbm2, trace: trace('random', 4000) });
    expect([long.bankStates!.startCycle, long.bankStates!.endCycle]).toEqual([0, 2000]);
    const short = runDram({ standard: hbm2, trace: trace('stream', 200) });
    expect(short.cycles).toBeLessThan(2000);
    expect(short.bankStates!.endCycle).toBe(short.cycles);
    expect(runDram({ standard: hbm2, trace: trace('stream', 200), bankWindow: false }).bankStates).toBeUndefined();
  });

  it('bad windows are user errors naming the flag', () => {
    expect(() => clipBankWindow({ startCycle: -1, cycles: 10 }, 100)).toThrow(StrataError);
    expect(() => clipBankWindow({ startCycle: 0, cycles: 100_001 }, 1e6)).toThrow('--bank-window: 100001 cycles is longer than the 100,000 cycles');
    expect(() => clipBankWindow({ startCycle: 500, cycles: 10 }, 400)).toThrow('--bank-window: starts at cycle 500, but the run ended at cycle 400');
    expect(clipBankWindow({ startCycle: 300, cycles: 500 }, 400)).toEqual({ startCycle: 300, endCycle: 400 });
    expect(clipBankWindow({ startCycle: 0, cycles: 10 }, 0)).toBeNull();
    expect(() => runDram({ standard: hbm2, trace: trace('stream', 10), bankWindow: { startCycle: 0, cycles: 0 } })).toThrow(StrataError);
  });
});

describe('bytes per channel per epoch', () => {
  it('puts each completion in the epoch of its cycle and drops those at or after the window', () => {
    const s = new ChannelStats(1, 16, 9);
    for (const c of [0, 9, 10, 19, 25, 29, 30, 31]) s.complete(c, 5, false);
    // window 30 cycles, epochs of 10: [0, 10) two, [10, 20) two, [20, 30) two; 30 and 31 are past the window
    expect([...bytesPerEpoch([s], 30, 10, 64)[0]!]).toEqual([128, 128, 128]);
    // an epoch that does not divide the window: the last is shorter
    expect([...bytesPerEpoch([s], 30, 12, 64)[0]!]).toEqual([192, 64, 128]);
    // a run that ended as the trace drained ends at its last completion (cycle 31): it counts, in the last epoch
    expect([...bytesPerEpoch([s], 31, 10, 64, false)[0]!]).toEqual([128, 128, 128, 128]);
  });

  it('sums to every completed request of a run, per channel', () => {
    const r = runDram({ standard: hbm2, trace: trace('random', 3000), bankWindow: false });
    const series = bytesPerEpoch(r.channels, r.cycles, defaultEpochCycles(r.cycles), 64, false);
    expect(series).toHaveLength(8);
    expect(series[0]).toHaveLength(Math.ceil(r.cycles / defaultEpochCycles(r.cycles)));
    series.forEach((bytes, ch) => expect(bytes.reduce((a, b) => a + b, 0)).toBe(r.channels[ch]!.count * 64));
  });

  it('default epoch: the window / 100 rounded up; too many epochs is a user error naming --epoch', () => {
    expect(defaultEpochCycles(1608)).toBe(17);
    expect(defaultEpochCycles(50)).toBe(1);
    expect(() => bytesPerEpoch([], 1_000_000, 5, 64)).toThrow('--epoch: 5 cycles cut the 1000000-cycle run into 200000 epochs; at most 100000 are allowed (use --epoch 10 or more)');
    expect(() => bytesPerEpoch([], 100, 0, 64)).toThrow(StrataError);
  });
});
