import { describe, expect, it } from 'vitest';
import { checkProtocol } from '../../src/dram/protocol-checker.ts';
import { banksAt, bankSpans } from '../../src/studio/bank-state.ts';
import { studioData } from '../../src/studio/build.ts';
import { bindingRuleCounts, simulateForStudio, studioExamples, type StudioData, type StudioRun } from '../../src/studio/simulate.ts';
import { errorOf } from '../helpers.ts';

// The page carries the standards as JSON and runs simulateForStudio in a worker; here the same code runs in node.
const data = studioData();
const asJson = JSON.parse(JSON.stringify(data)) as StudioData;

function example(id: string): { run: StudioRun; focus: number; lesson: string } {
  const ex = studioExamples(asJson).find((e) => e.id === id)!;
  const run = simulateForStudio(ex.input, asJson);
  return { run, focus: ex.focus(run), lesson: ex.lesson };
}

/** The checker's rules broken when command `i` of a run moves one cycle earlier. */
function brokenOneEarlier(run: StudioRun, i: number): string[] {
  const log = run.commands.map((c, j) => ({ ...c, cycle: j === i ? c.cycle - 1 : c.cycle }));
  return [...new Set(checkProtocol(run.standard, log).map((v) => v.rule))].sort();
}

describe('studio runs (the code the page runs in its worker)', () => {
  it('the standards survive the trip through JSON: a run gives the same commands from the JSON as from the loaders', () => {
    const input = { kind: 'pattern', standard: 'ddr4', pattern: 'random', requests: 300, seed: 'json', writeFraction: 0.3 } as const;
    const a = simulateForStudio(input, data);
    const b = simulateForStudio(input, asJson);
    expect(b.commands).toEqual(a.commands);
    expect(b.commands.length).toBeGreaterThan(600);
    expect(checkProtocol(b.standard, b.commands)).toEqual([]);
  });

  it('row hit vs conflict: the FR-FCFS scheduler serves the row hit first; the conflict ACT waits tRP after its PRE', () => {
    const { run, focus } = example('row-hit');
    expect(run.commands.map((c) => `${c.command}${c.row}@${c.cycle}`)).toEqual(['ACT1@2', 'RD1@16', 'RD1@18', 'PRE1@36', 'ACT2@50', 'RD2@64']);
    const c = run.commands[focus]!;
    expect(c.heldBy).toMatchObject({ distance: 'tRP', cycles: 14, prevCommand: 'PRE', prevCycle: 36 });
    // HBM2's tRC (48) after the first ACT ends at the same cycle, so the checker names both.
    expect(brokenOneEarlier(run, focus)).toEqual(['tRC', 'tRP']);
    expect(brokenOneEarlier(run, 1)).toEqual(['tRCDRD']);
    expect(checkProtocol(run.standard, run.commands)).toEqual([]);
  });

  it('tFAW: the fifth ACT waits for the first to leave the window, as the checker demands', () => {
    const { run, focus } = example('tfaw');
    const c = run.commands[focus]!;
    expect(c.heldBy).toMatchObject({ kind: 'window', distance: 'tFAW', cycles: 30, count: 4, prevCommand: 'ACT', prevCycle: 2 });
    expect(c.cycle).toBe(32);
    expect(brokenOneEarlier(run, focus)).toEqual(['tFAW']);
    // Eight ACTs: the first unconstrained, three tRRD_S apart, four behind the window; eight RDs tRCDRD after theirs.
    expect(bindingRuleCounts(run.commands)).toEqual([
      { rule: 'ACT → RD: tRCDRD', commands: 8 },
      { rule: 'ACT → ACT: tFAW window', commands: 4 },
      { rule: 'ACT → ACT: tRRD_S', commands: 3 },
    ]);
  });

  it('all-bank MAC on AiM: the PIM commands explain themselves from the same table, and the bank view shows PIM rows', () => {
    const { run, focus } = example('all-bank-mac');
    expect(checkProtocol(run.standard, run.commands)).toEqual([]);
    const c = run.commands[focus]!;
    expect(c.command).toBe('MAC16');
    expect(c.heldBy).toMatchObject({ kind: 'rule', prevCommand: 'WRGB', distance: 'CWL + tBURST', cycles: run.standard.timing.CWL! + run.standard.timing.tBURST! });
    const banks = banksAt(run.standard, run.commands, focus);
    expect(banks.every((b) => b.mode === 'pim' && b.row === c.row)).toBe(true);
    const prea = run.commands.findIndex((k) => k.command === 'PREA');
    expect(banksAt(run.standard, run.commands, prea).every((b) => b.mode === 'idle')).toBe(true);
  });

  it('bank states follow the stream: open after ACT, idle after PRE, refreshing for tRFCpb after a REFpb', () => {
    const { run } = example('row-hit');
    expect(banksAt(run.standard, run.commands, 1)[0]).toEqual({ mode: 'open', row: 1, since: 2 });
    expect(banksAt(run.standard, run.commands, 3)[0]).toEqual({ mode: 'idle', row: -1, since: 36 });
    const busy = simulateForStudio({ kind: 'pattern', standard: 'hbm2', pattern: 'random', requests: 1000, seed: 'refresh' }, asJson);
    const ref = busy.commands.findIndex((k) => k.command === 'REFpb');
    expect(ref).toBeGreaterThan(0);
    const k = busy.commands[ref]!;
    const b = (k.rank * 4 + k.bankGroup) * 4 + k.bank;
    expect(banksAt(busy.standard, busy.commands, ref)[b]).toEqual({ mode: 'refreshing', row: -1, since: k.cycle });
    const span = bankSpans(busy.standard, busy.commands, busy.cycles).find((s) => s.bank === b && s.start === k.cycle)!;
    expect(span.mode).toBe('refreshing');
    expect(span.end - span.start).toBeLessThanOrEqual(busy.standard.timing.tRFCpb!);
  });

  it('bad input: one line naming the field', () => {
    expect(errorOf(() => simulateForStudio({ kind: 'pattern', standard: 'hbm2', pattern: 'random', requests: 5000, seed: 's' }, asJson))).toBe('requests: expected an integer from 1 to 1000, got 5000');
    expect(errorOf(() => simulateForStudio({ kind: 'pattern', standard: 'hbm9', pattern: 'random', requests: 5, seed: 's' }, asJson))).toMatch(/^unknown DRAM standard 'hbm9' \(known: ddr4, /);
    expect(errorOf(() => simulateForStudio({ kind: 'trace', standard: 'hbm2', text: '0x40 FETCH 0' }, asJson))).toMatch(/^typed trace:1: /);
    expect(errorOf(() => simulateForStudio({ kind: 'pim-gemv', spec: 'aim', m: 0, k: 8 }, asJson))).toBe('GEMV M: expected an integer from 1 to 65536, got 0');
  });
});
