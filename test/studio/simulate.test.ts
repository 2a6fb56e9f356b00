import { describe, expect, it } from 'vitest';
import { checkProtocol } from '../../src/dram/protocol-checker.ts';
import { banksAt, bankSpans } from '../../src/studio/bank-state.ts';
import type { DramStandard } from '../../src/dram/standard.ts';
import { studioData } from '../../src/studio/build.ts';
import { bindingRuleCounts, readWhilePim, simulateForStudio, studioExamples, type StudioData, type StudioRun } from '../../src/studio/simulate.ts';
import { errorOf } from '../helpers.ts';
import { runDualBufferChannel } from '../../src/pim/dual-buffer-channel.ts';
import { npuTraffic } from '../../src/systems/neupims/npu-traffic.ts';
import { planNeuPimsAttention } from '../../src/systems/neupims/neupims-gemv.ts';

// The page carries the standards as JSON and runs simulateForStudio in a worker; here the same code runs in node.
const data = studioData();
const asJson = JSON.parse(JSON.stringify(data)) as StudioData;

function example(id: string): { run: StudioRun; focus: number; lesson: string } {
  const ex = studioExamples(asJson).find((e) => e.id === id)!;
  const run = simulateForStudio(ex.input, asJson);
  return { run, focus: ex.focus(run), lesson: ex.lesson };
}

/** The standard with one channel (the checker then expects no refresh from idle channels). */
const oneChannel = (std: DramStandard): DramStandard => ({ ...std, organization: { ...std.organization, channels: 1 } });

/** The checker's rules broken when command `i` of a run moves one cycle earlier. */
function brokenOneEarlier(run: StudioRun, i: number): string[] {
  const log = run.channels[0]!.map((c, j) => ({ ...c, cycle: j === i ? c.cycle - 1 : c.cycle }));
  return [...new Set(checkProtocol(run.standard, log).map((v) => v.rule))].sort();
}

describe('studio runs (the code the page runs in its worker)', () => {
  it('the standards survive the trip through JSON: a run gives the same commands from the JSON as from the loaders', () => {
    const input = { kind: 'pattern', standard: 'ddr4', pattern: 'random', requests: 300, seed: 'json', writeFraction: 0.3 } as const;
    const a = simulateForStudio(input, data);
    const b = simulateForStudio(input, asJson);
    expect(b.channels[0]!).toEqual(a.channels[0]!);
    expect(b.channels[0]!.length).toBeGreaterThan(600);
    expect(checkProtocol(b.standard, b.channels[0]!)).toEqual([]);
  });

  it('row hit vs conflict: the FR-FCFS scheduler serves the row hit first; the conflict ACT waits tRP after its PRE', () => {
    const { run, focus } = example('row-hit');
    expect(run.channels[0]!.map((c) => `${c.command}${c.row}@${c.cycle}`)).toEqual(['ACT1@2', 'RD1@16', 'RD1@18', 'PRE1@36', 'ACT2@50', 'RD2@64']);
    const c = run.channels[0]![focus]!;
    expect(c.heldBy).toMatchObject({ distance: 'tRP', cycles: 14, prevCommand: 'PRE', prevCycle: 36 });
    // HBM2's tRC (48) after the first ACT ends at the same cycle, so the checker names both.
    expect(brokenOneEarlier(run, focus)).toEqual(['tRC', 'tRP']);
    expect(brokenOneEarlier(run, 1)).toEqual(['tRCDRD']);
    expect(checkProtocol(run.standard, run.channels[0]!)).toEqual([]);
  });

  it('tFAW: the fifth ACT waits for the first to leave the window, as the checker demands', () => {
    const { run, focus } = example('tfaw');
    const c = run.channels[0]![focus]!;
    expect(c.heldBy).toMatchObject({ kind: 'window', distance: 'tFAW', cycles: 30, count: 4, prevCommand: 'ACT', prevCycle: 2 });
    expect(c.cycle).toBe(32);
    expect(brokenOneEarlier(run, focus)).toEqual(['tFAW']);
    // Eight ACTs: the first unconstrained, three tRRD_S apart, four behind the window; eight RDs tRCDRD after theirs.
    expect(bindingRuleCounts(run.channels[0]!)).toEqual([
      { rule: 'ACT → RD: tRCDRD', commands: 8 },
      { rule: 'ACT → ACT: tFAW window', commands: 4 },
      { rule: 'ACT → ACT: tRRD_S', commands: 3 },
    ]);
  });

  it('all-bank MAC on AiM: the PIM commands explain themselves from the same table, and the bank view shows PIM rows', () => {
    const { run, focus } = example('all-bank-mac');
    expect(checkProtocol(run.standard, run.channels[0]!)).toEqual([]);
    const c = run.channels[0]![focus]!;
    expect(c.command).toBe('MAC16');
    expect(c.heldBy).toMatchObject({ kind: 'rule', prevCommand: 'WRGB', distance: 'CWL + tBURST', cycles: run.standard.timing.CWL! + run.standard.timing.tBURST! });
    const banks = banksAt(run.standard, run.channels[0]!, focus);
    expect(banks.every((b) => b.mode === 'pim' && b.row === c.row)).toBe(true);
    const prea = run.channels[0]!.findIndex((k) => k.command === 'PREA');
    expect(banksAt(run.standard, run.channels[0]!, prea).every((b) => b.mode === 'idle')).toBe(true);
  });

  it('bank states follow the stream: open after ACT, idle after PRE, refreshing for tRFCpb after a REFpb', () => {
    const { run } = example('row-hit');
    expect(banksAt(run.standard, run.channels[0]!, 1)[0]).toEqual({ mode: 'open', row: 1, since: 2 });
    expect(banksAt(run.standard, run.channels[0]!, 3)[0]).toEqual({ mode: 'idle', row: -1, since: 36 });
    const busy = simulateForStudio({ kind: 'pattern', standard: 'hbm2', pattern: 'random', requests: 1000, seed: 'refresh' }, asJson);
    const ref = busy.channels[0]!.findIndex((k) => k.command === 'REFpb');
    expect(ref).toBeGreaterThan(0);
    const k = busy.channels[0]![ref]!;
    const b = (k.rank * 4 + k.bankGroup) * 4 + k.bank;
    expect(banksAt(busy.standard, busy.channels[0]!, ref)[b]).toEqual({ mode: 'refreshing', row: -1, since: k.cycle });
    const span = bankSpans(busy.standard, busy.channels[0]!, busy.cycles).find((s) => s.bank === b && s.start === k.cycle)!;
    expect(span.mode).toBe('refreshing');
    expect(span.end - span.start).toBeLessThanOrEqual(busy.standard.timing.tRFCpb!);
  });

  it('a DRAM trace runs on every channel of the standard, each with its own controller; the mapping spreads the requests', () => {
    const run = simulateForStudio({ kind: 'pattern', standard: 'hbm2', pattern: 'random', requests: 400, seed: 'channels' }, asJson);
    // HBM2: 8 channels (arch/dram/hbm2.json); every channel got work and obeys the protocol on its own.
    expect(run.channels.length).toBe(8);
    let columns = 0;
    run.channels.forEach((cmds, ch) => {
      expect(cmds.length).toBeGreaterThan(0);
      expect(cmds.every((c) => c.channel === ch)).toBe(true);
      expect(checkProtocol(oneChannel(run.standard), cmds.map((c) => ({ ...c, channel: 0 })))).toEqual([]);
      columns += cmds.filter((c) => c.command === 'RD' || c.command === 'WR').length;
    });
    expect(columns).toBe(400);
    // An explanation's earlier command is an index into its own channel's list.
    const c = run.channels[3]!.find((k) => k.heldBy)!;
    expect(run.channels[3]![c.heldBy!.prevIndex]!.cycle).toBe(c.heldBy!.prevCycle);
  });

  it('an AiM GEMV spreads its output rows over channels: 64 rows fill the 16 banks of 4 channels, the rest idle', () => {
    const run = simulateForStudio({ kind: 'pim-gemv', spec: 'aim', m: 64, k: 1024 }, asJson);
    const busy = run.channels.map((c) => c.length);
    expect(busy.filter((n) => n > 0)).toEqual([131, 131, 131, 131]);
    expect(run.channels[1]!.map((c) => c.command)).toEqual(run.channels[0]!.map((c) => c.command));
  });

  it('NeuPIMs dual buffer: an NPU read issues between two COMPs while its bank holds a PIM row, by the table the channel uses', () => {
    const { run, focus } = example('dual-buffer');
    const cmds = run.channels[0]!;
    expect(run.rowBuffers).toBe(2);
    expect(checkProtocol(oneChannel(run.standard), cmds)).toEqual([]);
    expect(focus).toBe(readWhilePim(run));
    const c = cmds[focus]!;
    expect(c.command).toBe('RD');
    expect(c.source).toBe('npu');
    // Its bank: memory row buffer open at the NPU's row, PIM row buffer at the PIM program's row 0 since the G_ACT.
    const bank = (c.rank * 4 + c.bankGroup) * 4 + c.bank;
    const view = banksAt(run.standard, cmds, focus)[bank]!;
    expect(view).toMatchObject({ mode: 'open', row: c.row, pimRow: 0 });
    expect(cmds[focus - 1]!.command).toBe('COMP');
    expect(cmds[focus + 1]!.command).toBe('COMP');
    // Held back by READRES on the shared data bus; one cycle earlier than that breaks the same rule in the checker.
    expect(c.heldBy).toMatchObject({ distance: 'tBURST + tRTRS', prevCommand: 'READRES', prevCycle: 259 });
    expect(c.earliestCycle).toBe(263);
    const early = cmds.map((k, j) => ({ ...k, cycle: j === focus ? c.earliestCycle - 1 : k.cycle }));
    const v = checkProtocol(oneChannel(run.standard), early);
    expect(v.map((x) => x.message)).toEqual([expect.stringMatching(/^.*RD 3 cycles after READRES at 259, needs READRES -> RD .*tBURST \+ tRTRS = 4$/)]);
    // Every PIM program command is found in the log, in order; every NPU request is one RD or WR.
    expect(cmds.filter((k) => k.source === 'npu' && (k.command === 'RD' || k.command === 'WR')).length).toBe(200);
    // The PIM program: its G_ACT/COMP/READRES/P_PRE/GWRITE, the ACT and PRE around each of the 5 GWRITEs, and the 2
    // precharges the channel issued for it (its switchPrecharges, run separately here).
    expect(cmds.filter((k) => k.source === 'pim').length).toBe(cmds.filter((k) => ['G_ACT', 'COMP', 'READRES', 'P_PRE', 'GWRITE'].includes(k.command)).length + 2 * 5 + 2);
    const spec = asJson.pimSpecs.neupims!;
    const alone = runDualBufferChannel(spec, planNeuPimsAttention(spec, { heads: 4, headDim: 128, context: 64 }).program, npuTraffic(spec.standard, { requests: 200, load: 0.5, seed: 'studio', requestsPerRow: 8 }));
    expect(alone.switchPrecharges).toBe(2);
    expect(alone.pimCommands).toBe(cmds.filter((k) => k.source === 'pim').length);
    expect(alone.normalCommands).toBe(cmds.filter((k) => k.source === 'npu').length);
    expect(alone.refreshCommands).toBe(cmds.filter((k) => k.source === 'refresh').length);
    expect(run.notes[1]).toBe('The channel closed 2 of the NPU\'s rows for the PIM program (a GWRITE reads the query through the memory row buffer of its bank).');
  });

  it('NeuPIMs with one row buffer: the NPU waits for the PIM program; its first command is an ACT tRP after the P_PRE', () => {
    const dual = example('dual-buffer').run;
    const { run, focus } = example('single-buffer');
    const cmds = run.channels[0]!;
    expect(run.rowBuffers).toBe(1);
    expect(checkProtocol(oneChannel(run.standard), cmds)).toEqual([]);
    const lastPim = cmds.reduce((last, k, i) => (k.source === 'pim' ? i : last), -1);
    expect(cmds.slice(0, lastPim).filter((k) => k.command === 'RD' || k.command === 'WR')).toEqual([]);
    expect(cmds[focus]!.message).toBe('ACT at cycle 3234 waited 14 cycles: tRP (14) after P_PRE at cycle 3220 (same channel)');
    // One buffer: the PIM rows sit in the bank's only buffer (mode 'pim'), no second buffer is shown.
    const gact = cmds.findIndex((k) => k.command === 'G_ACT');
    expect(banksAt(run.standard, cmds, gact).slice(0, 4).map((b) => b.mode)).toEqual(['pim', 'pim', 'pim', 'pim']);
    expect(banksAt(run.standard, cmds, gact)[0]!.pimRow).toBeUndefined();
    // The summaries say when each finished: the NPU 1147 cycles with two buffers, 3733 with one.
    expect(dual.notes[0]).toBe('The PIM program finished at cycle 3204, the NPU\'s last request at cycle 1147.');
    expect(run.notes[0]).toBe('The PIM program finished at cycle 3224, the NPU\'s last request at cycle 3733.');
  });

  it('the PIM / NPU / refresh tags agree with the channel\'s own counts, with one and two row buffers and heavier traffic', () => {
    for (const key of ['neupims', 'neupims-1rb']) {
      for (const [npuRequests, npuLoad, requestsPerRow] of [[200, 0.5, 8], [600, 0.8, 4], [1000, 1, 2]] as const) {
        const input = { kind: 'neupims', spec: key, heads: 4, headDim: 128, context: 64, npuRequests, npuLoad, seed: 'tags', requestsPerRow } as const;
        const cmds = simulateForStudio(input, asJson).channels[0]!;
        const spec = asJson.pimSpecs[key]!;
        const r = runDualBufferChannel(spec, planNeuPimsAttention(spec, { heads: 4, headDim: 128, context: 64 }).program, npuTraffic(spec.standard, { requests: npuRequests, load: npuLoad, seed: 'tags', requestsPerRow }));
        const tags = { pim: 0, npu: 0, refresh: 0 };
        for (const k of cmds) tags[k.source!]++;
        expect(tags, `${key} ${npuRequests} at ${npuLoad}`).toEqual({ pim: r.pimCommands, npu: r.normalCommands, refresh: r.refreshCommands });
      }
    }
  });

  it('dual-buffer bank states: G_ACT opens the PIM row of its bank group, P_PRE closes every PIM row, memory rows stay', () => {
    const { run } = example('dual-buffer');
    const cmds = run.channels[0]!;
    const gact = cmds.findIndex((k) => k.command === 'G_ACT' && k.bankGroup === 1);
    const at = banksAt(run.standard, cmds, gact);
    expect(at.slice(4, 8).map((b) => b.pimRow)).toEqual([0, 0, 0, 0]);
    expect(at.slice(8, 12).map((b) => b.pimRow)).toEqual([-1, -1, -1, -1]);
    const pre = cmds.findIndex((k) => k.command === 'P_PRE');
    const before = banksAt(run.standard, cmds, pre - 1);
    const after = banksAt(run.standard, cmds, pre);
    expect(after.every((b) => b.pimRow === -1)).toBe(true);
    expect(after.map((b) => [b.mode, b.row])).toEqual(before.map((b) => [b.mode, b.row]));
    expect(before.some((b) => b.mode === 'open')).toBe(true);
    const spans = bankSpans(run.standard, cmds, run.cycles);
    expect(spans.filter((s) => s.buffer === 1).every((s) => s.mode === 'pim')).toBe(true);
    expect(spans.filter((s) => s.buffer === 0).every((s) => s.mode !== 'pim')).toBe(true);
  });

  it('bad input: one line naming the field', () => {
    expect(errorOf(() => simulateForStudio({ kind: 'pattern', standard: 'hbm2', pattern: 'random', requests: 5000, seed: 's' }, asJson))).toBe('requests: expected an integer from 1 to 1000, got 5000');
    expect(errorOf(() => simulateForStudio({ kind: 'pattern', standard: 'hbm9', pattern: 'random', requests: 5, seed: 's' }, asJson))).toMatch(/^unknown DRAM standard 'hbm9' \(known: ddr4, /);
    expect(errorOf(() => simulateForStudio({ kind: 'trace', standard: 'hbm2', text: '0x40 FETCH 0' }, asJson))).toMatch(/^typed trace:1: /);
    expect(errorOf(() => simulateForStudio({ kind: 'pim-gemv', spec: 'aim', m: 0, k: 8 }, asJson))).toBe('GEMV M: expected an integer from 1 to 65536, got 0');
    const np = { kind: 'neupims', spec: 'neupims', heads: 4, headDim: 128, context: 64, npuRequests: 10, npuLoad: 0.5, seed: 's' } as const;
    expect(errorOf(() => simulateForStudio({ ...np, npuLoad: 0 }, asJson))).toBe("NPU load: expected a fraction of the channel's peak in (0, 1], got 0");
    expect(errorOf(() => simulateForStudio({ ...np, context: 4096 }, asJson))).toMatch(/^attention 4 heads x 128 x 4096 tokens: its PIM program has \d+ commands, the studio steps through at most 5000/);
    expect(errorOf(() => simulateForStudio({ ...np, spec: 'aim' }, asJson))).toBe("PIM spec 'aim': attention on one channel needs the newton command set (NeuPIMs), this spec has 'aim'");
  });
});
