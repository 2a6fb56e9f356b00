import { describe, expect, it } from 'vitest';
import { parseAddressMapping } from '../../src/dram/address-mapping.ts';
import { logEntries, type LoggedCommand } from '../../src/dram/command-log.ts';
import { COMMANDS, type CommandKind } from '../../src/dram/commands.ts';
import { explainLog } from '../../src/dram/explain.ts';
import { generatePattern } from '../../src/dram/patterns.ts';
import { checkProtocol, requiredCycles, type Relation } from '../../src/dram/protocol-checker.ts';
import { runDram } from '../../src/dram/run.ts';
import { bytesPerRequest, loadStandard, type DramStandard } from '../../src/dram/standard.ts';
import { TimingState } from '../../src/dram/timing-state.ts';

// The explanation must come from the controller's own timing state (TimingState.issueTraced) and agree with the
// independent protocol checker (src/dram/protocol-checker.ts), which is written from the named timing parameters.

const hbm2 = loadStandard('hbm2');
const ddr4 = loadStandard('ddr4');

/** A hand-written command on channel 0. */
function cmd(cycle: number, command: CommandKind, bankGroup = 0, bank = 0, o: { row?: number; rank?: number } = {}): LoggedCommand {
  return { cycle, channel: 0, command, rank: o.rank ?? 0, bankGroup, bank, row: o.row ?? 7, column: 0 };
}

function relation(a: LoggedCommand, b: LoggedCommand): Relation {
  if (a.rank !== b.rank) return 'other-rank';
  if (a.bankGroup !== b.bankGroup) return 'same-rank';
  return a.bank === b.bank ? 'same-bank' : 'same-bankgroup';
}

/** The checker's rule names for `log` with command `i` moved one cycle earlier. */
function rulesBrokenOneCycleEarlier(std: DramStandard, log: LoggedCommand[], i: number): string[] {
  const moved = log.map((e, j) => (j === i ? { ...e, cycle: e.cycle - 1 } : e));
  return [...new Set(checkProtocol(std, moved).map((v) => v.rule))];
}

function runLog(std: DramStandard, requests: number, pattern: 'random' | 'stream', seed: string): LoggedCommand[] {
  const capacityBytes = parseAddressMapping(std.controller.addressMapping, std.organization).capacityBytes;
  const trace = generatePattern({ pattern, requests, seed, capacityBytes, requestBytes: bytesPerRequest(std) });
  const r = runDram({ standard: std, trace, commandLog: true, bankWindow: false });
  return logEntries(r.logs, std.commandNames);
}

describe('explainLog: why each command waited', () => {
  it('row hit vs row conflict on HBM2: RD waits tRCDRD after its ACT; the conflict waits tRAS, then tRP', () => {
    const t = hbm2.timing;
    const act = 100;
    const rd = act + t.tRCDRD!;
    const hit = rd + t.tCCD_L!;
    const pre = act + t.tRAS!;
    const act2 = pre + t.tRP!;
    const log = [cmd(act, 'ACT'), cmd(rd, 'RD'), cmd(hit, 'RD'), cmd(pre, 'PRE'), cmd(act2, 'ACT', 0, 0, { row: 9 })];
    expect(checkProtocol(hbm2, log)).toEqual([]);
    const x = explainLog(hbm2, log);
    expect(x[0]!.heldBy).toBeUndefined();
    expect(x[1]!.heldBy).toMatchObject({ kind: 'rule', distance: 'tRCDRD', cycles: 14, prevIndex: 0, prevCommand: 'ACT', prevCycle: 100, level: 'bank' });
    expect(x[1]!.earliestCycle).toBe(114);
    expect(x[1]!.message).toBe('RD at cycle 114 waited 14 cycles: tRCDRD (14) after ACT at cycle 100 (same bank)');
    // The checker demands the same distance, and moving the RD one cycle earlier breaks its tRCDRD rule.
    expect(requiredCycles(hbm2, 'ACT', 'RD', 'same-bank')).toBe(14);
    expect(rulesBrokenOneCycleEarlier(hbm2, log, 1)).toEqual(['tRCDRD']);
    // The row hit waits only for the column-to-column spacing after the first RD.
    expect(x[2]!.heldBy).toMatchObject({ prevIndex: 1, cycles: requiredCycles(hbm2, 'RD', 'RD', 'same-bank') });
    expect(x[2]!.earliestCycle).toBe(hit);
    // The conflict: PRE waits tRAS after the ACT (34 cycles), the new ACT tRP (14) after the PRE.
    expect(x[3]!.heldBy).toMatchObject({ distance: 'tRAS', cycles: 34, prevCommand: 'ACT', prevCycle: 100 });
    expect(rulesBrokenOneCycleEarlier(hbm2, log, 3)).toEqual(['tRAS']);
    expect(x[4]!.heldBy).toMatchObject({ distance: 'tRP', cycles: 14, prevCommand: 'PRE', prevCycle: pre });
    expect(x[4]!.message).toBe(`ACT at cycle ${act2} waited 14 cycles: tRP (14) after PRE at cycle ${pre} (same bank)`);
    // tRC (48) after the first ACT ends at the same cycle: a tie names the later command, and the checker sees both.
    expect(hbm2.timing.tRC).toBe(pre + t.tRP! - act);
    expect(rulesBrokenOneCycleEarlier(hbm2, log, 4).sort()).toEqual(['tRC', 'tRP']);
  });

  it('four ACTs fill the tFAW window: the fifth waits for the first to leave it', () => {
    // HBM2: tRRD_S = 4 and tFAW = 30, so four ACTs to four bank groups take 12 cycles and the fifth waits to 30.
    const t = hbm2.timing;
    const log = [0, 1, 2, 3].map((g) => cmd(10 + g * t.tRRD_S!, 'ACT', g, 0));
    log.push(cmd(10 + t.tFAW!, 'ACT', 0, 1));
    expect(checkProtocol(hbm2, log)).toEqual([]);
    const x = explainLog(hbm2, log);
    expect(x[1]!.heldBy).toMatchObject({ distance: 'tRRD_S', cycles: 4, prevIndex: 0 });
    expect(x[4]!.heldBy).toMatchObject({ kind: 'window', distance: 'tFAW', cycles: 30, prevIndex: 0, prevCycle: 10 });
    expect(x[4]!.earliestCycle).toBe(40);
    expect(x[4]!.message).toBe('ACT at cycle 40 waited 30 cycles: tFAW window (30) after ACT at cycle 10, the oldest of the last 4 ACTs (same rank)');
    expect(rulesBrokenOneCycleEarlier(hbm2, log, 4)).toEqual(['tFAW']);
  });

  it('a refresh holds the next ACT for tRFC (DDR4 all-bank REF)', () => {
    const t = ddr4.timing;
    const log = [cmd(50, 'REF'), cmd(50 + t.tRFC!, 'ACT', 2, 3)];
    expect(checkProtocol(ddr4, log)).toEqual([]);
    const x = explainLog(ddr4, log);
    expect(x[1]!.heldBy).toMatchObject({ distance: 'tRFC', cycles: 560, prevCommand: 'REF', prevCycle: 50, level: 'rank' });
    expect(requiredCycles(ddr4, 'REF', 'ACT', 'same-rank')).toBe(560);
    expect(rulesBrokenOneCycleEarlier(ddr4, log, 1)).toEqual(['tRFC']);
  });

  it('says when a command issued later than its rules allowed, and when a log breaks a rule', () => {
    const late = explainLog(hbm2, [cmd(100, 'ACT'), cmd(130, 'RD')]);
    expect(late[1]!.message).toBe('RD at cycle 130: legal from cycle 114 (tRCDRD (14) after ACT at cycle 100 (same bank)); issued 16 cycles later, when the scheduler picked it');
    const bus = explainLog(hbm2, [cmd(100, 'ACT'), cmd(114, 'ACT', 1, 0), cmd(115, 'RD')]);
    expect(bus[2]!.message).toBe('RD at cycle 115: legal from cycle 114 (tRCDRD (14) after ACT at cycle 100 (same bank)); issued 1 cycle later, when the scheduler picked it; meanwhile the command bus carried 1 other command');
    const broken = explainLog(hbm2, [cmd(100, 'ACT'), cmd(110, 'RD')]);
    expect(broken[1]!.message).toBe('RD at cycle 110 breaks tRCDRD (14) after ACT at cycle 100 (same bank): legal from cycle 114');
  });

  it("on the controller's own logs, every command is legal and each binding rule demands what the checker demands", () => {
    for (const std of [hbm2, ddr4, loadStandard('lpddr5')]) {
      const log = runLog(std, 400, 'random', 'explain');
      const x = explainLog(std, log);
      let atEarliest = 0;
      const checked = new Set<string>();
      for (const e of x) {
        expect(e.earliestCycle, e.message).toBeLessThanOrEqual(e.cycle);
        const h = e.heldBy;
        if (!h || h.kind !== 'rule') continue;
        const prev = log[h.prevIndex]!;
        const now = log[e.index]!;
        expect(h.cycles, `${std.name}: ${e.message}`).toBe(requiredCycles(std, prev.command as CommandKind, now.command as CommandKind, relation(prev, now)));
        checked.add(`${prev.command}->${now.command}`);
        if (e.cycle === e.earliestCycle) atEarliest++;
      }
      // A random trace exercises the main pairs, and most commands issue the moment their binding rule allows.
      expect([...checked], std.name).toEqual(expect.arrayContaining(['ACT->RD', 'PRE->ACT', 'ACT->PRE']));
      expect(atEarliest, std.name).toBeGreaterThan(100);
    }
  });

  it('issueTraced leaves exactly the earliest cycles issue() leaves (the same table, interpreted)', () => {
    for (const std of [hbm2, ddr4, loadStandard('hbm3')]) {
      const log = runLog(std, 200, 'random', 'traced');
      const a = new TimingState(std);
      const b = new TimingState(std);
      const o = std.organization;
      log.forEach((e, i) => {
        const k = std.commandNames.indexOf(e.command);
        a.issue(k, e.cycle, e.rank, e.bankGroup, e.bank);
        b.issueTraced(k, e.cycle, e.rank, e.bankGroup, e.bank, i);
        if (i % 17 !== 0) return;
        for (let c = 0; c < COMMANDS.length; c++) {
          for (let r = 0; r < o.ranks; r++) for (let g = 0; g < o.bankGroups; g++) for (let n = 0; n < o.banksPerGroup; n++) {
            expect(b.earliestCycle(c, r, g, n)).toBe(a.earliestCycle(c, r, g, n));
            expect(b.cause(c, r, g, n).earliestCycle).toBe(a.earliestCycle(c, r, g, n));
          }
        }
      });
    }
  });
});
