import { describe, it, expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseAddressMapping } from '../../src/dram/address-mapping.ts';
import { logEntries, type LoggedCommand } from '../../src/dram/command-log.ts';
import { COMMANDS, LEVELS, type CommandKind } from '../../src/dram/commands.ts';
import { importDramsim3Ini } from '../../src/dram/dramsim3-ini.ts';
import { PATTERNS, generatePattern, type Pattern } from '../../src/dram/patterns.ts';
import {
  PROTOCOL_RULES, checkProtocol, formatViolations, requiredCycles, type CheckOptions, type ProtocolRule, type Relation, type Violation,
} from '../../src/dram/protocol-checker.ts';
import { runDram, type DramRunResult } from '../../src/dram/run.ts';
import { bytesPerRequest, knownStandards, loadStandard, type ControllerSpec, type DramStandard } from '../../src/dram/standard.ts';
import { readTraceFile } from '../../src/dram/trace.ts';
import { DRAMSIM3_REFERENCE_DIR, dramsim3Config, haveDramsim3Configs } from '../../src/validation/dramsim3.ts';

const hbm2 = loadStandard('hbm2');

/** Distinct rule ids of a result, sorted. */
function rules(v: readonly Violation[]): ProtocolRule[] {
  return [...new Set(v.map((x) => x.rule))].sort();
}

/** Asserts that `log` is clean, printing the violations if not. */
function expectClean(std: DramStandard, log: readonly LoggedCommand[], opts?: CheckOptions): void {
  const v = checkProtocol(std, log, opts);
  expect(v, formatViolations(v)).toEqual([]);
}

/** Asserts that `log` breaks exactly `rule` (possibly more than once). */
function expectOnly(std: DramStandard, log: readonly LoggedCommand[], rule: ProtocolRule, opts?: CheckOptions): Violation[] {
  const v = checkProtocol(std, log, opts);
  expect(rules(v), formatViolations(v)).toEqual([rule]);
  return v;
}

/** A hand-written log entry on channel 0, rank 0 unless told; row 7 unless told. */
function cmd(cycle: number, command: CommandKind, bankGroup = 0, bank = 0, o: { row?: number; rank?: number; channel?: number } = {}): LoggedCommand {
  return { cycle, channel: o.channel ?? 0, command, rank: o.rank ?? 0, bankGroup, bank, row: o.row ?? 7, column: 0 };
}

function runPattern(std: DramStandard, pattern: Pattern, controller: ControllerSpec, interval = 0, requests = 3000): DramRunResult {
  const capacityBytes = parseAddressMapping(std.controller.addressMapping, std.organization).capacityBytes;
  const trace = generatePattern({ pattern, requests, seed: 'checker', capacityBytes, requestBytes: bytesPerRequest(std), interval });
  return runDram({ standard: std, controller, trace, commandLog: true });
}

/** Per-bank refresh is possible when the standard defines both per-bank parameters (DDR4 names tRFCpb only for the shared rules table). */
function hasPerBankRefresh(std: DramStandard): boolean {
  return std.timing.tRFCpb !== undefined && std.timing.tREFIpb !== undefined;
}

function variants(std: DramStandard): [string, ControllerSpec][] {
  const out: [string, ControllerSpec][] = [
    ['default', std.controller],
    ['closed page', { ...std.controller, pagePolicy: 'closed' }],
    ['fcfs', { ...std.controller, scheduler: 'fcfs' }],
  ];
  // The refresh schemes the preset does not use by default.
  if (std.controller.refresh !== 'all-bank') out.push(['all-bank refresh', { ...std.controller, refresh: 'all-bank' }]);
  if (std.controller.refresh !== 'per-bank' && hasPerBankRefresh(std)) out.push(['per-bank refresh', { ...std.controller, refresh: 'per-bank' }]);
  return out;
}

describe('checkProtocol finds no violation in controller runs', () => {
  for (const name of knownStandards()) {
    describe(name, () => {
      const std = loadStandard(name);
      for (const pattern of PATTERNS.filter((p) => p !== 'strided')) {
        for (const [variant, controller] of variants(std)) {
          it(`${pattern}, ${variant}`, () => {
            const r = runPattern(std, pattern, controller);
            const log = logEntries(r.logs);
            expect(log.length).toBeGreaterThanOrEqual(3000); // at least one column command per request (minus forwarded reads)
            expectClean(std, log, { endCycle: r.cycles });
          });
        }
      }
      // Requests spread over about 4 x tREFI, so the log holds refreshes and the interval check has work.
      for (const refresh of hasPerBankRefresh(std) ? (['all-bank', 'per-bank'] as const) : (['all-bank'] as const)) {
        it(`random over 4 x tREFI, ${refresh} refresh`, () => {
          const interval = Math.ceil((4 * std.timing.tREFI!) / 1500);
          const r = runPattern(std, 'random', { ...std.controller, refresh }, interval, 1500);
          const log = logEntries(r.logs);
          expect(log.some((e) => e.command === (refresh === 'all-bank' ? 'REF' : 'REFpb'))).toBe(true);
          expectClean(std, log, { endCycle: r.cycles });
        });
      }
    });
  }

  // DRAMsim3's .ini lives in ../shared/reference, never in the repository: skipped when that folder is absent.
  it.skipIf(!haveDramsim3Configs())(`the DRAMsim3 reference trace (HBM2, 1 channel, random read/write) run for 20000 cycles (skipped when ${DRAMSIM3_REFERENCE_DIR} is absent)`, () => {
    const dir = fileURLToPath(new URL('../fixtures/dramsim3/', import.meta.url));
    const { standard } = importDramsim3Ini(dramsim3Config('HBM2_8Gb_x128_1ch.ini'));
    const trace = readTraceFile(`${dir}hbm2-1ch-random-rw.trace.gz`);
    const r = runDram({ standard, trace, frontend: 'dramsim3', addressOverflow: 'wrap', cycles: 20000, commandLog: true });
    const log = logEntries(r.logs);
    // 20000 cycles > 5 x tREFI = 5 x 3900: the window holds several refreshes.
    expect(log.filter((e) => e.command === 'REF').length).toBeGreaterThanOrEqual(4);
    expectClean(standard, log, { endCycle: 20000 });
  });
});

describe('checkProtocol agrees with the constraint table', () => {
  // The checker is written from the named parameters, the controller from arch/dram/rules/*.json; for every
  // pair of commands and every relation between their banks both must demand the same distance.
  const RELATIONS: Relation[] = ['same-bank', 'same-bankgroup', 'same-rank', 'other-rank'];
  const covered = (level: (typeof LEVELS)[number], sibling: boolean): Relation[] => {
    if (sibling) return level === 'rank' ? ['other-rank'] : level === 'bankgroup' ? ['same-rank'] : level === 'bank' ? ['same-bankgroup'] : [];
    return RELATIONS.slice(0, level === 'bank' ? 1 : level === 'bankgroup' ? 2 : level === 'rank' ? 3 : 4);
  };
  const rankWide = (c: CommandKind) => c === 'PREA' || c === 'REF';
  for (const name of knownStandards()) {
    it(name, () => {
      const std = loadStandard(name);
      const mismatches: string[] = [];
      for (const prev of COMMANDS) {
        for (const next of COMMANDS) {
          // A rank-wide command touches every bank of its rank: only "same rank" and "other rank" tell apart.
          const relations: Relation[] = rankWide(prev) || rankWide(next) ? ['same-rank', 'other-rank'] : RELATIONS;
          for (const rel of relations) {
            let table = 0;
            for (const r of std.rules) {
              if (COMMANDS[r.prev] === prev && COMMANDS[r.next] === next && covered(r.level, r.sibling).includes(rel)) table = Math.max(table, r.cycles);
            }
            const checker = requiredCycles(std, prev, next, rel);
            if (checker !== table) mismatches.push(`${prev} -> ${next} (${rel}): table ${table}, checker ${checker}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
      for (const w of std.windows) expect(w).toMatchObject({ command: COMMANDS.indexOf('ACT'), level: 'rank', count: 4, cycles: std.timing.tFAW });
    });
  }
});

/** A pairwise rule planted at distance `gap`: clean at `need`, exactly `rule` at need - 1. */
interface Scenario {
  what: string;
  std: DramStandard;
  need: number;
  log: (gap: number) => LoggedCommand[];
}

// hbm2: tBURST 2, CL 14, CWL 4, tRCDRD = tRCDWR = 14, tRP 14, tRAS 34, tRC 48, tCCD_S 1, tCCD_L 2, tRRD_S 4,
// tRRD_L 6, tWTR_S 6, tWTR_L 8, tFAW 30, tWR 16, tRTP 6, tRFC 260, tRFCpb 160, tRTRS 2, 1 rank.
// Variants isolate rules that hbm2's numbers tie to others.
const tRC60 = { ...hbm2, timing: { ...hbm2.timing, tRC: 60 } }; // tRC > tRAS + tRP = 48, so tRC binds alone
const tCCDL4 = { ...hbm2, timing: { ...hbm2.timing, tCCD_L: 4 } }; // max(tBURST, tCCD_L) = 4 > max(tBURST, tCCD_S) = 2
const twoRanks = { ...hbm2, organization: { ...hbm2.organization, ranks: 2 } };
const oneChannel = { ...hbm2, organization: { ...hbm2.organization, channels: 1 } }; // refresh tests: no idle channels
const extras = { ...hbm2, timing: { ...hbm2.timing, tPBR2PBR: 11, tPBR2ACT: 9, tPPD: 2 } }; // refpb.json and lpddr5.json parameters

const SCENARIOS: Partial<Record<ProtocolRule, Scenario[]>> = {
  tRCDRD: [{ what: 'ACT -> RD', std: hbm2, need: 14, log: (g) => [cmd(0, 'ACT'), cmd(g, 'RD')] }], // tRCDRD
  tRCDWR: [{ what: 'ACT -> WRA', std: hbm2, need: 14, log: (g) => [cmd(0, 'ACT'), cmd(g, 'WRA')] }], // tRCDWR
  tRAS: [{ what: 'ACT -> PRE', std: hbm2, need: 34, log: (g) => [cmd(0, 'ACT'), cmd(g, 'PRE')] }], // tRAS
  tRC: [
    { what: 'ACT -> ACT same bank', std: tRC60, need: 60, log: (g) => [cmd(0, 'ACT'), cmd(34, 'PRE'), cmd(g, 'ACT')] }, // tRC; tRP: 60 - 34 >= 14
    { what: 'ACT -> REF', std: tRC60, need: 60, log: (g) => [cmd(0, 'ACT'), cmd(34, 'PRE'), cmd(g, 'REF')] }, // tRC
  ],
  tRP: [
    // PRE at 40 (> tRAS), so ACT at 40 + 14 = 54 >= tRC = 48 leaves tRP alone.
    { what: 'PRE -> ACT', std: hbm2, need: 14, log: (g) => [cmd(0, 'ACT'), cmd(40, 'PRE'), cmd(40 + g, 'ACT')] },
    { what: 'PRE -> REF', std: hbm2, need: 14, log: (g) => [cmd(0, 'ACT'), cmd(40, 'PRE'), cmd(40 + g, 'REF')] },
  ],
  tRRD_L: [{ what: 'ACT -> ACT same bank group', std: hbm2, need: 6, log: (g) => [cmd(0, 'ACT', 0, 0), cmd(g, 'ACT', 0, 1)] }], // tRRD_L (> tRRD_S = 4)
  tRRD_S: [
    { what: 'ACT -> ACT other bank group', std: hbm2, need: 4, log: (g) => [cmd(0, 'ACT', 0, 0), cmd(g, 'ACT', 1, 0)] }, // tRRD_S
    { what: 'ACT -> REFpb (refpb.json)', std: extras, need: 4, log: (g) => [cmd(0, 'ACT', 1, 0), cmd(g, 'REFpb', 0, 0)] }, // tRRD_S
  ],
  tFAW: [
    {
      // Four ACTs tRRD_S = 4 apart, one per bank group; the 5th (bank group 0 again, 29 >= tRRD_L) waits tFAW = 30 after the 1st.
      what: '5th ACT in a tFAW window',
      std: hbm2,
      need: 30,
      log: (g) => [cmd(0, 'ACT', 0, 0), cmd(4, 'ACT', 1, 0), cmd(8, 'ACT', 2, 0), cmd(12, 'ACT', 3, 0), cmd(g, 'ACT', 0, 1)],
    },
  ],
  tCCD_L: [
    { what: 'RD -> RD same bank group', std: tCCDL4, need: 4, log: (g) => [cmd(0, 'ACT', 0, 0), cmd(6, 'ACT', 0, 1), cmd(20, 'RD', 0, 0), cmd(20 + g, 'RD', 0, 1)] }, // max(tBURST, tCCD_L) = max(2, 4)
    { what: 'WR -> WRA same bank group', std: tCCDL4, need: 4, log: (g) => [cmd(0, 'ACT', 0, 0), cmd(6, 'ACT', 0, 1), cmd(20, 'WR', 0, 0), cmd(20 + g, 'WRA', 0, 1)] },
  ],
  tCCD_S: [
    { what: 'RD -> RD other bank group', std: hbm2, need: 2, log: (g) => [cmd(0, 'ACT', 0, 0), cmd(4, 'ACT', 1, 0), cmd(20, 'RD', 0, 0), cmd(20 + g, 'RD', 1, 0)] }, // max(tBURST, tCCD_S) = max(2, 1)
    { what: 'WR -> WR other bank group', std: hbm2, need: 2, log: (g) => [cmd(0, 'ACT', 0, 0), cmd(4, 'ACT', 1, 0), cmd(20, 'WR', 0, 0), cmd(20 + g, 'WR', 1, 0)] },
  ],
  tRTRS: [
    // tBURST + tRTRS = 2 + 2; ACTs on different ranks have no spacing rule.
    { what: 'RD -> RD other rank', std: twoRanks, need: 4, log: (g) => [cmd(0, 'ACT'), cmd(1, 'ACT', 0, 0, { rank: 1 }), cmd(20, 'RD'), cmd(20 + g, 'RD', 0, 0, { rank: 1 })] },
    { what: 'WR -> WR other rank', std: twoRanks, need: 4, log: (g) => [cmd(0, 'ACT'), cmd(1, 'ACT', 0, 0, { rank: 1 }), cmd(20, 'WR'), cmd(20 + g, 'WR', 0, 0, { rank: 1 })] },
  ],
  tWTR_L: [{ what: 'WR -> RD same bank group', std: hbm2, need: 14, log: (g) => [cmd(0, 'ACT', 0, 0), cmd(6, 'ACT', 0, 1), cmd(20, 'WR', 0, 0), cmd(20 + g, 'RD', 0, 1)] }], // CWL + tBURST + tWTR_L = 4 + 2 + 8
  tWTR_S: [{ what: 'WR -> RD other bank group', std: hbm2, need: 12, log: (g) => [cmd(0, 'ACT', 0, 0), cmd(4, 'ACT', 1, 0), cmd(20, 'WR', 0, 0), cmd(20 + g, 'RD', 1, 0)] }], // CWL + tBURST + tWTR_S = 4 + 2 + 6
  'read-to-write': [
    // CL + tBURST + tRTRS - CWL = 14 + 2 + 2 - 4, anywhere on the channel.
    { what: 'RD -> WR other bank group', std: hbm2, need: 14, log: (g) => [cmd(0, 'ACT', 0, 0), cmd(4, 'ACT', 1, 0), cmd(20, 'RD', 0, 0), cmd(20 + g, 'WR', 1, 0)] },
    { what: 'RD -> WR other rank', std: twoRanks, need: 14, log: (g) => [cmd(0, 'ACT'), cmd(1, 'ACT', 0, 0, { rank: 1 }), cmd(20, 'RD'), cmd(20 + g, 'WR', 0, 0, { rank: 1 })] },
  ],
  tRTP: [{ what: 'RD -> PRE', std: hbm2, need: 6, log: (g) => [cmd(0, 'ACT'), cmd(30, 'RD'), cmd(30 + g, 'PRE')] }], // tRTP; PRE at >= 35 keeps tRAS = 34
  tWR: [{ what: 'WR -> PRE', std: hbm2, need: 22, log: (g) => [cmd(0, 'ACT'), cmd(20, 'WR'), cmd(20 + g, 'PRE')] }], // CWL + tBURST + tWR = 4 + 2 + 16
  'auto-precharge': [
    { what: 'RDA -> ACT', std: hbm2, need: 20, log: (g) => [cmd(0, 'ACT'), cmd(34, 'RDA'), cmd(34 + g, 'ACT', 0, 0, { row: 8 })] }, // tRTP + tRP = 6 + 14; ACT at >= 53 keeps tRC = 48
    { what: 'WRA -> ACT', std: hbm2, need: 36, log: (g) => [cmd(0, 'ACT'), cmd(20, 'WRA'), cmd(20 + g, 'ACT', 0, 0, { row: 8 })] }, // CWL + tBURST + tWR + tRP = 4 + 2 + 16 + 14
  ],
  tRFC: [
    { what: 'REF -> ACT', std: hbm2, need: 260, log: (g) => [cmd(0, 'REF'), cmd(g, 'ACT', 2, 3)] }, // tRFC
    { what: 'REF -> REF', std: hbm2, need: 260, log: (g) => [cmd(0, 'REF'), cmd(g, 'REF')] },
  ],
  tRFCpb: [
    { what: 'REFpb -> ACT same bank', std: hbm2, need: 160, log: (g) => [cmd(0, 'REFpb', 1, 2), cmd(g, 'ACT', 1, 2)] }, // tRFCpb
    { what: 'REFpb -> REF', std: hbm2, need: 160, log: (g) => [cmd(0, 'REFpb', 1, 2), cmd(g, 'REF')] },
  ],
  tPBR2PBR: [{ what: 'REFpb -> REFpb other bank', std: extras, need: 11, log: (g) => [cmd(0, 'REFpb', 0, 0), cmd(g, 'REFpb', 0, 1)] }], // tPBR2PBR
  tPBR2ACT: [{ what: 'REFpb -> ACT other bank', std: extras, need: 9, log: (g) => [cmd(0, 'REFpb', 0, 0), cmd(g, 'ACT', 1, 0)] }], // tPBR2ACT
  tPPD: [{ what: 'PRE -> PRE', std: extras, need: 2, log: (g) => [cmd(0, 'ACT', 0, 0), cmd(4, 'ACT', 1, 0), cmd(40, 'PRE', 0, 0), cmd(40 + g, 'PRE', 1, 0)] }], // tPPD
};

describe('planted violations', () => {
  for (const [rule, scenarios] of Object.entries(SCENARIOS) as [ProtocolRule, Scenario[]][]) {
    it(rule, () => {
      for (const s of scenarios) {
        expectClean(s.std, s.log(s.need));
        const v = expectOnly(s.std, s.log(s.need - 1), rule);
        expect(v, s.what).toHaveLength(1);
        expect(v[0]!.message).toContain(`${s.need - 1} cycles after`);
        expect(v[0]!.message).toContain(`= ${s.need}`);
      }
    });
  }

  it('property: a planted pair breaks its rule exactly when closer than the rule demands', () => {
    const all = (Object.entries(SCENARIOS) as [ProtocolRule, Scenario[]][]).flatMap(([rule, ss]) => ss.map((s) => ({ rule, s })));
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.integer({ min: 1, max: 400 }), ({ rule, s }, gap) => {
        const found = checkProtocol(s.std, s.log(gap)).map((x) => x.rule);
        // Distances below the fixed setup of a scenario break other rules too; only ask for this one.
        return found.includes(rule) === gap < s.need;
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('message names the node, cycles, command, rule, needed and actual distance', () => {
    const v = checkProtocol(hbm2, [cmd(111, 'ACT', 1, 2), cmd(120, 'RD', 1, 2)]);
    expect(v).toEqual([
      { index: 1, cycle: 120, channel: 0, command: 'RD', rule: 'tRCDRD', message: 'ch0 r0 bg1 b2 cycle 120: RD 9 cycles after ACT at 111, needs tRCDRD = 14' },
    ]);
    expect(formatViolations(v)).toBe('[tRCDRD] ch0 r0 bg1 b2 cycle 120: RD 9 cycles after ACT at 111, needs tRCDRD = 14');
    expect(formatViolations([])).toBe('no protocol violations');
    expect(formatViolations([v[0]!, v[0]!, v[0]!], 2).split('\n')).toHaveLength(3); // 2 lines and "... and 1 more"
  });

  it('command-bus', () => {
    // PRE to a precharged bank is a legal no-op with no timing of its own: only the bus rule can break.
    expectOnly(hbm2, [cmd(10, 'PRE', 0, 0), cmd(10, 'PRE', 1, 0)], 'command-bus');
    // HBM: a row and a column command share a cycle (separate buses), two columns do not.
    const rowAndColumn = [cmd(0, 'ACT', 0, 0), cmd(20, 'RD', 0, 0), cmd(20, 'ACT', 1, 0)];
    expectClean(hbm2, rowAndColumn);
    expectOnly({ ...hbm2, dualCommandIssue: false }, rowAndColumn, 'command-bus');
    const twoColumns = [cmd(0, 'ACT', 0, 0), cmd(4, 'ACT', 1, 0), cmd(20, 'RD', 0, 0), cmd(20, 'RD', 1, 0)];
    expect(rules(checkProtocol(hbm2, twoColumns))).toEqual(['command-bus', 'tCCD_S']); // and 0 < max(tBURST, tCCD_S) = 2
    // Different channels have their own buses.
    expectClean(hbm2, [cmd(10, 'PRE', 0, 0), cmd(10, 'PRE', 0, 0, { channel: 1 })]);
  });

  it('act-open-bank', () => {
    expectOnly(hbm2, [cmd(0, 'ACT', 0, 0, { row: 7 }), cmd(100, 'ACT', 0, 0, { row: 8 })], 'act-open-bank'); // 100 >= tRC = 48
    expectClean(hbm2, [cmd(0, 'ACT', 0, 0, { row: 7 }), cmd(50, 'PRE'), cmd(100, 'ACT', 0, 0, { row: 8 })]);
    // PREA closes every bank of the rank.
    expectClean(hbm2, [cmd(0, 'ACT', 0, 0), cmd(4, 'ACT', 3, 3), cmd(50, 'PREA'), cmd(100, 'ACT', 0, 0), cmd(104, 'ACT', 3, 3)]);
  });

  it('column-closed-bank', () => {
    expectOnly(hbm2, [cmd(0, 'RD')], 'column-closed-bank');
    expectOnly(hbm2, [cmd(0, 'ACT'), cmd(40, 'PRE'), cmd(60, 'WR')], 'column-closed-bank');
    // RDA closes the bank: a second RD needs a new ACT.
    expectOnly(hbm2, [cmd(0, 'ACT'), cmd(14, 'RDA'), cmd(30, 'RD')], 'column-closed-bank');
  });

  it('column-wrong-row', () => {
    expectOnly(hbm2, [cmd(0, 'ACT', 0, 0, { row: 7 }), cmd(14, 'RD', 0, 0, { row: 8 })], 'column-wrong-row');
  });

  it('ref-open-bank', () => {
    const v = expectOnly(hbm2, [cmd(0, 'ACT', 2, 1), cmd(100, 'REF')], 'ref-open-bank'); // 100 >= tRC = 48
    expect(v[0]!.message).toContain('bg2 b1');
    expectClean(hbm2, [cmd(0, 'ACT', 2, 1), cmd(40, 'PRE', 2, 1), cmd(100, 'REF')]);
  });

  it('refpb-open-bank', () => {
    expectOnly(hbm2, [cmd(0, 'ACT', 1, 1), cmd(100, 'REFpb', 1, 1)], 'refpb-open-bank');
    expectClean(hbm2, [cmd(0, 'ACT', 1, 1), cmd(100, 'REFpb', 1, 2)]); // another bank may refresh
  });

  it('refresh-interval', () => {
    const tREFI = hbm2.timing.tREFI!; // 3900; limit 9 x tREFI = 35100 (JEDEC: up to 8 postponed)
    const regular = Array.from({ length: 12 }, (_, k) => cmd((k + 1) * tREFI, 'REF'));
    expectClean(oneChannel, regular, { endCycle: 50000 });
    expectClean(oneChannel, [cmd(1000, 'REF'), cmd(1000 + 35100, 'REF')], { endCycle: 40000 });
    const late = expectOnly(oneChannel, [cmd(1000, 'REF'), cmd(1000 + 35101, 'REF')], 'refresh-interval', { endCycle: 40000 });
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ index: 1, cycle: 36101 });
    const tail = expectOnly(oneChannel, [cmd(1000, 'REF')], 'refresh-interval', { endCycle: 1000 + 35101 });
    expect(tail).toHaveLength(1);
    expect(tail[0]).toMatchObject({ index: -1, command: 'end', cycle: 36101 });
    expectClean(hbm2, [cmd(1000, 'REF')]); // without endCycle the interval is not checked
    expectClean(hbm2, [], { endCycle: 50000, refresh: 'none' });
    // Without a refresh at all, every rank of every channel (8) is overdue at the end.
    expect(checkProtocol(hbm2, [], { endCycle: 35101, refresh: 'all-bank' })).toHaveLength(8);

    // Per-bank: one REFpb every tREFIpb = 128 cycles in rotation, so each bank every 16 x 128 = 2048; limit 9 x 128 x 16 = 18432.
    const rotation = (skip: number) =>
      Array.from({ length: 312 }, (_, k) => k).filter((k) => k % 16 !== skip).map((k) => cmd(k * 128, 'REFpb', Math.floor((k % 16) / 4), k % 4));
    expectClean(oneChannel, rotation(-1), { endCycle: 40000 });
    const missing = expectOnly(oneChannel, rotation(6), 'refresh-interval', { endCycle: 40000 });
    expect(missing).toHaveLength(1); // bank 6 = bg1 b2, never refreshed; 40000 > 18432
    expect(missing[0]!.message).toContain('bg1 b2');
  });

  it('malformed', () => {
    expectOnly(hbm2, [cmd(0, 'ACT', 0, 0, { channel: 8 })], 'malformed'); // hbm2 has channels 0..7
    expectOnly(hbm2, [cmd(0, 'ACT', 0, 4)], 'malformed'); // banks 0..3 per group
    expectOnly(hbm2, [cmd(0, 'ACT', 0, 0, { row: 32768 })], 'malformed'); // rows 0..32767
    expectOnly(hbm2, [{ ...cmd(0, 'ACT'), command: 'NOP' as CommandKind }], 'malformed');
    expectOnly(hbm2, [cmd(0.5, 'ACT')], 'malformed');
  });

  it('covers every rule id', () => {
    const tested = new Set<string>([
      ...Object.keys(SCENARIOS),
      'command-bus', 'act-open-bank', 'column-closed-bank', 'column-wrong-row', 'ref-open-bank', 'refpb-open-bank', 'refresh-interval', 'malformed',
      // PIM constraint tables: planted in test/pim/gemv.test.ts.
      'pim-state', 'pim-timing', 'pim-window',
    ]);
    expect(PROTOCOL_RULES.filter((r) => !tested.has(r))).toEqual([]);
  });
});

describe('planted into a real log', () => {
  const run = runPattern(hbm2, 'random', hbm2.controller);
  const log = logEntries(run.logs);

  it('clean as recorded, and in any order (the checker sorts by cycle)', () => {
    expectClean(hbm2, log, { endCycle: run.cycles });
    expectClean(hbm2, [...log].reverse(), { endCycle: run.cycles });
  });

  it('a deleted PRE leaves the next ACT to an open bank', () => {
    const same = (a: LoggedCommand, b: LoggedCommand) => a.channel === b.channel && a.rank === b.rank && a.bankGroup === b.bankGroup && a.bank === b.bank;
    const i = log.findIndex((e, k) => e.command === 'PRE' && log.slice(k + 1).find((n) => same(n, e) || (n.channel === e.channel && n.command === 'REF'))?.command === 'ACT');
    expect(i).toBeGreaterThanOrEqual(0);
    const planted = log.filter((_, k) => k !== i);
    const v = expectOnly(hbm2, planted, 'act-open-bank');
    expect(v).toHaveLength(1);
  });

  it('a RD one cycle too early after its ACT', () => {
    // A RD issued exactly tRCDRD = 14 after its bank's ACT, moved one cycle earlier.
    const i = log.findIndex((e, k) => e.command === 'RD' && log.slice(Math.max(0, k - 200), k).some((a) => a.command === 'ACT' && a.channel === e.channel && a.bankGroup === e.bankGroup && a.bank === e.bank && e.cycle - a.cycle === 14));
    expect(i).toBeGreaterThanOrEqual(0);
    const planted = log.map((e, k) => (k === i ? { ...e, cycle: e.cycle - 1 } : e));
    const v = checkProtocol(hbm2, planted);
    expect(rules(v), formatViolations(v)).toContain('tRCDRD');
    expect(v.find((x) => x.rule === 'tRCDRD')!.message).toContain('13 cycles after ACT');
  });

  it('a 5th ACT inside tFAW', () => {
    // Long after the run, channel 1 closes its banks (PREA), then opens four within 30 cycles and a fifth at the window's edge.
    const base = [cmd(-100, 'PREA'), cmd(0, 'ACT', 0, 0), cmd(6, 'ACT', 1, 0), cmd(12, 'ACT', 2, 0), cmd(18, 'ACT', 3, 0)].map((e) => ({ ...e, channel: 1, cycle: e.cycle + 100000 }));
    const fifth = (c: number) => ({ ...cmd(c, 'ACT', 0, 1), channel: 1 });
    const others = log.filter((e) => e.cycle < 90000);
    expect(others).toHaveLength(log.length);
    expectClean(hbm2, [...others, ...base, fifth(100030)]); // tFAW = 30 after the ACT at 100000
    expectOnly(hbm2, [...others, ...base, fifth(100029)], 'tFAW');
  });
});
