import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPimSpec, PIM_DIR } from '../../src/pim/pim-spec.ts';
import { compIntervalCycles, planNeuPimsAttention } from '../../src/systems/neupims/neupims-gemv.ts';
import { runDualBufferChannel, commandsByName } from '../../src/pim/dual-buffer-channel.ts';
import { npuTraffic } from '../../src/systems/neupims/npu-traffic.ts';
import { checkProtocol, formatViolations } from '../../src/dram/protocol-checker.ts';
import { CommandLog, logEntries, type LoggedCommand } from '../../src/dram/command-log.ts';
import type { DramStandard } from '../../src/dram/standard.ts';
import { errorOf } from '../helpers.ts';

const dual = loadPimSpec('neupims');
const single = loadPimSpec('neupims', { rowBuffers: 1 });
/** The standard seen as one channel, so that a one-channel log's refresh check covers only that channel. */
const oneChannel = (std: DramStandard): DramStandard => ({ ...std, organization: { ...std.organization, channels: 1 } });

describe('NeuPIMs PIM spec', () => {
  it('adds the Newton commands to HBM2 as NeuPIMs configures it', () => {
    const std = dual.standard;
    expect(std.commandNames.slice(9)).toEqual(['GWRITE', 'G_ACT', 'COMP', 'READRES', 'P_PRE']);
    // 32 channels x 2 ranks x 16 banks = NeuPIMs' dram_banks_per_ch 32; 64 columns x 16 B = 1 KB rows.
    expect(std.organization).toMatchObject({ channels: 32, ranks: 2, bankGroups: 4, banksPerGroup: 4, columns: 64, busWidthBits: 128 });
    expect(std.dualCommandIssue).toBe(false); // hbm_dual_cmd = False
    expect(dual.rowBuffers).toBe(2);
    expect(single.rowBuffers).toBe(1);
    expect(std.extraCommands.map((c) => `${c.name}:${c.scope}:${c.rowBuffer}`)).toEqual([
      'GWRITE:bank:0', 'G_ACT:bankgroup:1', 'COMP:all-ranks:1', 'READRES:channel:0', 'P_PRE:all-ranks:1',
    ]);
    // One row buffer: every PIM command acts on the bank's only buffer.
    expect(single.standard.extraCommands.every((c) => c.rowBuffer === 0)).toBe(true);
  });

  it('merges the rules of its row-buffer mode only', () => {
    const has = (s: typeof dual, text: string) => s.standard.rules.some((r) => r.text === text);
    expect(has(single, 'PRE -> G_ACT (same bankgroup): tRP = 14')).toBe(true);
    expect(has(dual, 'PRE -> G_ACT (same bankgroup): tRP = 14')).toBe(false);
    expect(has(dual, 'ACT -> G_ACT (same bankgroup): tRRD_L = 6')).toBe(true);
    expect(has(dual, 'ACT -> G_ACT (same rank): tFAW = 30')).toBe(true);
    expect(has(single, 'GWRITE -> COMP (same channel): tGWRITE = 96')).toBe(true);
  });

  it('COMP runs at the unit clock: one per max(tBURST, tCCD_S) = 2 cycles of 1 ns', () => {
    expect(compIntervalCycles(dual)).toBe(2);
    expect(compIntervalCycles(dual) * dual.standard.tCKPs).toBe(dual.unit.unitClockPs);
  });

  it('scales command energies as NewtonSim does', () => {
    // ACT = 1.2 x (65 x 48 - (55 x 34 + 40 x 14)) = 828 pJ; RD = 1.2 x (390 - 55) x 2 = 804 pJ.
    expect(dual.commandEnergyPj.G_ACT).toBeCloseTo(4 * 828, 6);
    expect(dual.commandEnergyPj.COMP).toBeCloseTo(4 * 804, 6);
    expect(dual.commandEnergyPj.GWRITE).toBeCloseTo(16 * 804, 6); // 1 KB page / 64 B read
    expect(dual.commandEnergyPj.READRES).toBeCloseTo(804, 6);
    expect(dual.commandEnergyPj.P_PRE).toBe(0);
  });

  function variant(edit: (j: Record<string, any>) => void): string {
    const j = JSON.parse(readFileSync(join(PIM_DIR, 'neupims.json'), 'utf8'));
    edit(j);
    const f = join(mkdtempSync(join(tmpdir(), 'strata-neupims-')), 'pim.json');
    writeFileSync(f, JSON.stringify(j));
    return f;
  }

  it('rejects a rule finer than its command scope, naming the rule', () => {
    const f = variant((j) => j.rules.rules.push({ prev: 'G_ACT', next: 'ACT', level: 'bank', distance: 'tRC' }));
    expect(errorOf(() => loadPimSpec(f))).toBe(`${f}: rule G_ACT -> ACT (same bank): tRC = 48: G_ACT acts on scope 'bankgroup', so its rules must act at level bankgroup or broader (channel, rank, bankgroup), found bank`);
    const g = variant((j) => j.rules.rules.push({ prev: 'COMP', next: 'RD', level: 'rank', distance: 'tCCD_S' }));
    expect(errorOf(() => loadPimSpec(g))).toMatch(/COMP acts on scope 'all-ranks', so its rules must act at level channel or broader \(channel\), found rank/);
  });

  it('rejects bad row-buffer fields', () => {
    expect(errorOf(() => loadPimSpec(variant((j) => (j.rowBuffers = 3))))).toMatch(/field 'rowBuffers': expected an integer <= 2, found 3/);
    expect(errorOf(() => loadPimSpec(variant((j) => (j.commands[1].rowBuffer = 2))))).toMatch(/field 'commands\[1\]\.rowBuffer': expected an integer <= 1, found 2/);
    // The mode not loaded is checked too.
    const f = variant((j) => (j.rowBufferRules.single.rules[0].next = 'G_ACT2'));
    expect(errorOf(() => loadPimSpec(f))).toMatch(/field 'rowBufferRules\.single\.rules\[0\]\.next': expected a command name \(.*G_ACT.*\), found "G_ACT2"/);
    expect(errorOf(() => loadPimSpec(variant((j) => (j.rowBufferRules.triple = {}))))).toMatch(/field 'rowBufferRules\.triple': unknown field/);
  });

  it('rejects bad energy scalings and a missing command of the set', () => {
    expect(errorOf(() => loadPimSpec(variant((j) => (j.energy.commandScale.MAC = { of: 'RD', times: 1 }))))).toMatch(/field 'energy\.commandScale\.MAC': expected a PIM command of this spec \(GWRITE, G_ACT, COMP, READRES, P_PRE\)/);
    expect(errorOf(() => loadPimSpec(variant((j) => (j.energy.commandScale.COMP.of = 'MAC'))))).toMatch(/field 'energy\.commandScale\.COMP\.of': expected one of ACT, RD, WR, found "MAC"/);
    const f = variant((j) => {
      j.commands = j.commands.filter((c: { name: string }) => c.name !== 'READRES');
      j.rules.rules = j.rules.rules.filter((r: { prev: unknown; next: unknown }) => !JSON.stringify([r.prev, r.next]).includes('READRES'));
      delete j.energy.commandScale.READRES;
    });
    expect(errorOf(() => loadPimSpec(f))).toMatch(/field 'commands': expected a command named READRES \(the 'newton' command set has GWRITE, G_ACT, COMP, READRES, P_PRE\)/);
    expect(errorOf(() => loadPimSpec(variant((j) => (j.organization.ranks = 0))))).toMatch(/field 'organization\.ranks': expected an integer > 0, found 0/);
  });
});

describe('NeuPIMs attention planner', () => {
  it('lays out K q and V^T p for one request in one channel', () => {
    const p = planNeuPimsAttention(dual, { heads: 4, headDim: 128, context: 64 });
    const count = (prog: typeof p.logit, name: string) => {
      const k = dual.standard.commandNames.indexOf(name);
      let n = 0;
      for (let i = 0; i < prog.length; i++) if (prog.cmd[i] === k) n += prog.count[i]!;
      return n;
    };
    // Logits: 4 heads of 128 fill a 1 KB row; 64 tokens over 32 banks = 2 token rows; 8 G_ACTs open a row
    // (2 ranks x 4 bank groups); 128 / 16 = 8 COMPs and one READRES per head.
    expect(count(p.logit, 'G_ACT')).toBe(2 * 8);
    expect(count(p.logit, 'COMP')).toBe(2 * 4 * 8);
    expect(count(p.logit, 'READRES')).toBe(2 * 4);
    expect(count(p.logit, 'GWRITE')).toBe(1);
    // Attend: per head 128 dims / 32 banks = 4 dimension rows, each 64 tokens / 16 = 4 COMPs and one READRES.
    expect(count(p.attend, 'COMP')).toBe(4 * 4 * 4);
    expect(count(p.attend, 'READRES')).toBe(4 * 4);
    expect(count(p.attend, 'GWRITE')).toBe(4);
    // 2 x 64 x 4 x 128 MACs = 65,536 = 128 COMPs x 32 banks x 16 lanes (no padding in this shape).
    expect(p.macs).toBe(65_536);
    expect(p.comps * 32 * 16).toBe(p.macs);
    // Peak: 32 banks x 16 lanes per 2-cycle COMP interval = 256 MACs per 1 ns cycle.
    expect(p.peakMacsPerCycle).toBe(256);
    expect(p.peakMacsPerNs).toBe(256);
  });

  it('rejects shapes that do not fit', () => {
    expect(errorOf(() => planNeuPimsAttention(dual, { heads: 4, headDim: 1024, context: 8 }))).toBe('attention shape: headDim 1024 exceeds a DRAM row of 512 elements');
    expect(errorOf(() => planNeuPimsAttention(dual, { heads: 0, headDim: 64, context: 8 }))).toBe('attention shape: heads must be a whole number > 0, got 0');
    expect(errorOf(() => planNeuPimsAttention(dual, { heads: 96, headDim: 128, context: 400_000 }))).toMatch(/needs \d+ DRAM rows per bank from row 0; a bank has 32768/);
    expect(errorOf(() => planNeuPimsAttention(loadPimSpec('aim'), { heads: 1, headDim: 64, context: 8 }))).toMatch(/needs the newton command set/);
  });
});

describe('the checker on NeuPIMs commands', () => {
  const cmd = (cycle: number, command: string, o: { rank?: number; bankGroup?: number; bank?: number; row?: number } = {}): LoggedCommand => ({
    cycle, channel: 0, command, rank: o.rank ?? 0, bankGroup: o.bankGroup ?? 0, bank: o.bank ?? 0, row: o.row ?? 7, column: -1,
  });
  const rules = (std: DramStandard, log: LoggedCommand[]) => checkProtocol(std, log).map((v) => v.rule);
  /** Opens row 7 in the PIM buffers of every bank: G_ACTs of rank 0 and rank 1 in pairs, tFAW = 30 apart per rank. */
  const openAll = (at = 0): LoggedCommand[] =>
    [0, 1, 2, 3].flatMap((g) => [cmd(at + 30 * g, 'G_ACT', { bankGroup: g }), cmd(at + 30 * g + 1, 'G_ACT', { rank: 1, bankGroup: g })]);

  it('accepts a PIM row worked at the minimum distances in both modes', () => {
    // Last G_ACT at 91; COMP at 91 + tRCDRD 14 = 105, then every 2; READRES 2 after; P_PRE tRTP = 6 after READRES and tRAS = 34 after the last G_ACT.
    const log = [...openAll(), cmd(105, 'COMP'), cmd(107, 'COMP'), cmd(109, 'READRES'), cmd(125, 'P_PRE')];
    expect(rules(dual.standard, log)).toEqual([]);
    expect(rules(single.standard, log)).toEqual([]);
  });

  it('catches a COMP inside tRCDRD of a G_ACT', () => {
    expect(rules(dual.standard, [...openAll(), cmd(104, 'COMP')])).toEqual(['pim-timing']);
  });

  it('catches a COMP while one bank group has no PIM row open', () => {
    const log = openAll().filter((e) => !(e.rank === 1 && e.bankGroup === 3));
    const v = checkProtocol(dual.standard, [...log, cmd(200, 'COMP')]);
    expect(v.map((x) => x.rule)).toEqual(['pim-state']);
    expect(v[0]!.message).toContain('r1 bg3 b0 holds no row in its PIM row buffer');
  });

  it('a G_ACT takes a whole four-activate window (tFAW = 30) from ordinary ACTs, in both modes', () => {
    for (const std of [dual.standard, single.standard]) {
      expect(rules(std, [cmd(0, 'ACT', { bankGroup: 1 }), cmd(30, 'G_ACT', { bankGroup: 0 })])).toEqual([]);
      expect(rules(std, [cmd(0, 'ACT', { bankGroup: 1 }), cmd(29, 'G_ACT', { bankGroup: 0 })])).toEqual(['pim-timing']);
      expect(rules(std, [cmd(0, 'G_ACT', { bankGroup: 0 }), cmd(29, 'ACT', { bankGroup: 1 })])).toEqual(['pim-timing']);
      // Another rank has its own window.
      expect(rules(std, [cmd(0, 'G_ACT', { bankGroup: 0 }), cmd(1, 'ACT', { rank: 1, bankGroup: 0 })])).toEqual([]);
    }
  });

  it('one row buffer: ordinary and PIM rows exclude each other; two: they coexist', () => {
    // An ordinary row open in bg0 b2, then a G_ACT over bg0 (tFAW after the ACT is kept).
    const overOpenRow = [cmd(0, 'ACT', { bank: 2, row: 9 }), cmd(40, 'G_ACT')];
    expect(rules(dual.standard, overOpenRow)).toEqual([]);
    const v = checkProtocol(single.standard, overOpenRow);
    expect(v.map((x) => x.rule)).toEqual(['pim-state']);
    expect(v[0]!.message).toContain('r0 bg0 b2 holds row 9 open');
    // An ordinary ACT into a bank holding a PIM row.
    const intoPimRow = [cmd(0, 'G_ACT'), cmd(40, 'ACT', { bank: 1, row: 9 })];
    expect(rules(dual.standard, intoPimRow)).toEqual([]);
    expect(rules(single.standard, intoPimRow)).toEqual(['pim-state']);
    // Single buffer: a G_ACT waits tRP after the PRE that closed its bank group's rows, an ACT tRP after P_PRE.
    expect(rules(single.standard, [cmd(0, 'ACT', { bank: 2 }), cmd(40, 'PRE', { bank: 2 }), cmd(53, 'G_ACT')])).toEqual(['pim-timing']);
    expect(rules(single.standard, [cmd(0, 'ACT', { bank: 2 }), cmd(40, 'PRE', { bank: 2 }), cmd(54, 'G_ACT')])).toEqual([]);
    expect(rules(dual.standard, [cmd(0, 'ACT', { bank: 2 }), cmd(40, 'PRE', { bank: 2 }), cmd(41, 'G_ACT')])).toEqual([]);
    expect(rules(single.standard, [cmd(0, 'G_ACT'), cmd(40, 'P_PRE'), cmd(53, 'ACT', { bankGroup: 1 })])).toEqual(['pim-timing']);
  });

  it('catches a refresh while PIM rows are open', () => {
    expect(rules(dual.standard, [cmd(0, 'G_ACT'), cmd(300, 'REF')])).toEqual(['pim-state']);
    expect(rules(dual.standard, [cmd(0, 'G_ACT'), cmd(40, 'P_PRE'), cmd(300, 'REF')])).toEqual([]);
  });

  it('catches READRES data too close to an ordinary read, and COMP before the global buffer is filled', () => {
    const reads = [cmd(0, 'ACT', { bank: 1, row: 3 }), cmd(14, 'RD', { bank: 1, row: 3 })];
    expect(rules(dual.standard, [...reads, cmd(18, 'READRES')])).toEqual([]); // tBURST + tRTRS = 4
    expect(rules(dual.standard, [...reads, cmd(17, 'READRES')])).toEqual(['pim-timing']);
    // G_ACTs from 40 (tFAW after the ACT) to 131; the GWRITE at 60 fills the global buffer until 60 + tGWRITE = 156 > 131 + tRCDRD.
    const gwrite = [cmd(0, 'ACT', { row: 5 }), cmd(60, 'GWRITE', { row: 5 }), ...openAll(40)];
    expect(rules(dual.standard, [...gwrite, cmd(155, 'COMP')])).toEqual(['pim-timing']);
    expect(rules(dual.standard, [...gwrite, cmd(156, 'COMP')])).toEqual([]);
    expect(rules(dual.standard, [cmd(0, 'GWRITE', { row: 5 })])).toEqual(['pim-state']); // its row is not open
  });
});

describe('the dual-buffer channel', () => {
  const shape = { heads: 8, headDim: 128, context: 256 };

  function run(spec: typeof dual, load: number, seed: string, opts: { requestsPerRow?: number; pimStartCycle?: number; writeFraction?: number } = {}) {
    const plan = planNeuPimsAttention(spec, shape);
    const alone = runDualBufferChannel(spec, plan.program, npuTraffic(spec.standard, { requests: 0, load: 1, seed }));
    const n = Math.ceil((load * alone.pimFinishCycle) / 2);
    const requests = npuTraffic(spec.standard, { requests: n, load: Math.max(load, 1e-9), seed, requestsPerRow: opts.requestsPerRow, writeFraction: opts.writeFraction });
    const log = new CommandLog(0);
    const r = runDualBufferChannel(spec, plan.program, requests, { log, pimStartCycle: opts.pimStartCycle });
    return { plan, alone, requests, r, log };
  }

  for (const [mode, spec] of [['single', single], ['dual', dual]] as const) {
    it(`every command it issues passes the protocol checker (${mode} row buffer, refreshes included)`, () => {
      const { r, log, requests } = run(spec, 0.5, 'check', { pimStartCycle: 2000 });
      expect(r.requestsDone).toBe(requests.length);
      expect(r.refreshCommands).toBeGreaterThan(0); // the run is several tREFI long
      const entries = logEntries([log], spec.standard.commandNames);
      expect(entries.length).toBe(r.commandBusBusyCycles);
      const v = checkProtocol(oneChannel(spec.standard), entries, { endCycle: r.endCycle, refresh: 'all-bank' });
      expect(v, formatViolations(v)).toEqual([]);
      // A COMP moved one cycle earlier breaks a rule.
      const i = entries.findIndex((e, k) => e.command === 'COMP' && entries[k - 1]!.command === 'COMP' && e.cycle - entries[k - 1]!.cycle === 2);
      expect(i).toBeGreaterThan(0);
      const planted = entries.map((e, k) => (k === i ? { ...e, cycle: e.cycle - 1 } : e));
      expect(checkProtocol(oneChannel(spec.standard), planted).map((x) => x.rule)).toContain('pim-timing');
    });
  }

  it('is deterministic: the same inputs give the same log', () => {
    const a = run(dual, 0.4, 's');
    const b = run(dual, 0.4, 's');
    expect(Array.from(a.log.cycle.subarray(0, a.log.length))).toEqual(Array.from(b.log.cycle.subarray(0, b.log.length)));
    expect(a.r).toEqual(b.r);
  });

  it('without NPU traffic, the PIM program alone is bounded by its COMPs and MACs stay below the bank-level peak', () => {
    const { plan, alone } = run(dual, 0, 'x');
    expect(alone.pimFinishCycle).toBeGreaterThan(plan.compCycles);
    expect(alone.macSlots).toBe(plan.comps * 32 * 16);
    expect(plan.macs / alone.pimFinishCycle).toBeLessThanOrEqual(plan.peakMacsPerCycle);
    expect(commandsByName(dual.standard, alone)).toMatchObject({ COMP: plan.comps });
  });

  it('dual row buffers serve NPU traffic while PIM computes; a single buffer blocks it', () => {
    const s = run(single, 0.5, 'demo');
    const d = run(dual, 0.5, 'demo');
    // Blocked: the NPU's requests wait for the whole PIM program.
    expect(s.r.normalFinishCycle).toBeGreaterThan(s.r.pimFinishCycle);
    expect(d.r.normalFinishCycle).toBeLessThan(s.r.normalFinishCycle);
    // The PIM program loses little to the concurrent traffic (command slots, READRES vs reads, tFAW).
    expect(d.r.pimFinishCycle).toBeLessThan(1.05 * d.alone.pimFinishCycle);
  });
});
