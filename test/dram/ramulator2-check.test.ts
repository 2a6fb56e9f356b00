import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { LoggedCommand } from '../../src/dram/command-log.ts';
import { checkJedecProtocol } from '../../src/dram/protocol-checker.ts';
import { checkRamulator2Run, ramulator2CheckView } from '../../src/dram/ramulator2-check.ts';
import { loadRamulator2Config, parseRamulator2Config, ramulator2ChannelBytes } from '../../src/dram/ramulator2-config.ts';
import { runRamulator2 } from '../../src/dram/ramulator2-run.ts';
import { generateRamulator2Trace } from '../../src/dram/ramulator2-trace.ts';
import { haveRamulator2Reference, RAMULATOR2_REFERENCE_DIR } from '../../src/validation/ramulator2.ts';
import { runMain } from '../helpers.ts';

// Issue #18 item 2: `--check` on the Ramulator 2 model (strata dram --spec X.yaml): its command log replayed by the
// independent protocol checker against the configuration's NAMED timings, not the constraint list the model runs on.

/**
 * A small resolved DDR4 configuration (2 bank groups x 2 banks per rank); `rcd` is the ACT -> RD/WR constraint the
 * model runs on, `ranks` the ranks; `rankSwitch` 'ramulator' keeps ddr4.py's rules between ranks (RD -> WR nBL + nCS = 6,
 * WR -> WR only the channel's nBL = 4), 'data-bus' makes them clear the data bus (RD -> WR nCL + nBL + nCS - nCWL = 12,
 * WR -> WR nBL + nCS = 6).
 */
function ddr4(rcd = 22, ranks = 1, rankSwitch: 'ramulator' | 'data-bus' = 'ramulator'): Record<string, unknown> {
  const rdToWr = rankSwitch === 'ramulator' ? 6 : 12;
  const wrToWr = rankSwitch === 'ramulator' ? [] : [[1, [4, 6], [4, 6], 6, 1, true]];
  const ctrl = {
    impl: 'GenericDDR', read_buffer_size: 8, write_buffer_size: 8,
    scheduler: { impl: 'FRFCFS' }, refresh_manager: { impl: 'AllBank' }, row_policy: { impl: 'Open' }, addr_mapper: { impl: 'RoBaRaCoCh' },
    dram: {
      impl: 'DDR4',
      org: { dq: 8, count: [1, ranks, 2, 2, 1024, 1024] },
      // rate nBL nCL nRCD nRP nRAS nRC nWR nRTP nCWL nCCDS nCCDL nRRDS nRRDL nWTRS nWTRL nFAW nRFC nREFI nCS tCK_ps
      timing: [3200, 4, 22, 22, 22, 52, 74, 24, 12, 16, 4, 8, 4, 8, 4, 12, 34, 576, 12480, 2, 625],
      channel_width: 64,
      read_latency: 26,
      // The resolved rules of Ramulator's DDR4_3200AA (python/ramulator/dram/ddr4.py), with the ACT -> RD/WR one split out.
      timing_constraints: [
        [0, [3, 5], [3, 5], 4], [0, [4, 6], [4, 6], 4], [1, [3, 5], [3, 5], 4], [1, [4, 6], [4, 6], 4], [1, [3, 5], [4, 6], 12], [1, [4, 6], [3, 5], 24],
        [1, [3, 5], [3, 5], 6, 1, true], [1, [3, 5], [4, 6], rdToWr, 1, true], [1, [4, 6], [3, 5], 0, 1, true], ...wrToWr, [1, [3], [2], 12], [1, [4], [2], 44], [1, [0], [0], 4], [1, [0], [0], 34, 4],
        [1, [0], [2], 52], [1, [2], [0], 22], [1, [0], [7], 74], [1, [1, 2], [7], 22], [1, [5], [7], 34], [1, [6], [7], 66], [1, [7], [0, 2], 576],
        [2, [3, 5], [3, 5], 8], [2, [4, 6], [4, 6], 8], [2, [4, 6], [3, 5], 32], [2, [0], [0], 8],
        [3, [0], [0], 74], [3, [0], [3, 5], rcd], [3, [0], [4, 6], rcd], [3, [0], [1], 52], [3, [1], [0], 22], [3, [3], [1], 12], [3, [4], [1], 44], [3, [5], [0], 34], [3, [6], [0], 66],
      ],
    },
  };
  return { memory_system: { impl: 'GenericDRAM', controllers: [ctrl] } };
}

const dir = mkdtempSync(join(tmpdir(), 'strata-r2check-'));

describe('the Ramulator 2 model under the protocol checker', () => {
  it('a run of the small DDR4 configuration replays clean, and the log changes nothing in the run', () => {
    const cfg = parseRamulator2Config(ddr4(), 'ddr4.yaml');
    const trace = generateRamulator2Trace('random-rw', 3000, 1, ramulator2ChannelBytes(cfg));
    const plain = runRamulator2(cfg, trace);
    const logged = runRamulator2(cfg, trace, { commandLog: true });
    expect(plain.logs).toHaveLength(0);
    expect(logged.ticks).toBe(plain.ticks);
    expect(logged.stats).toEqual(plain.stats);
    const c = checkRamulator2Run(logged, 100);
    // every command is in the log: ACT, PRE, RD, WR, PREA and REF as the device counted them
    expect(c.entries.length).toBe(Object.values(plain.commands).reduce((a, b) => a + b, 0));
    expect(c.entries.filter((e) => e.command === 'REF').length).toBe(plain.commands.REFab);
    expect(c.entries.filter((e) => e.command === 'REF').length).toBeGreaterThan(0);
    expect(c.violations).toEqual([]);
  });

  it('catches a planted violation: the ACT -> RD constraint shortened to 18 ticks while nRCD stays 22 (rule, command and cycles named)', () => {
    const file = join(dir, 'ddr4-short-rcd.yaml');
    writeFileSync(file, stringify(ddr4(18)));
    const r = runMain(['dram', '--spec', file, '--pattern', 'random-rw', '--requests', '2000', '--check']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    const lines = r.err.split('\n').filter((l) => !l.startsWith('note:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^strata: dram --check: the protocol checker found at least 100 violations in [\d,]+ commands; the first: RD at cycle \d+ on channel 0 breaks tRCDRD: ch0 r0 bg\d b\d cycle \d+: RD 18 cycles after ACT at \d+, needs tRCDRD = 22$/);
    // the same configuration with the constraint at nRCD runs clean
    const good = join(dir, 'ddr4.yaml');
    writeFileSync(good, stringify(ddr4()));
    const ok = runMain(['dram', '--spec', good, '--pattern', 'random-rw', '--requests', '2000', '--check']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/ {2}check {7}[\d,]+ commands replayed by the protocol checker: no violation/);
  });

  it("finds Ramulator 2's switches between ranks too short on two ranks: a WR 6 cycles after another rank's RD puts both bursts on the data bus", () => {
    // ddr4.py: Rank, sibling, RD/RDA -> RD/RDA/WR/WRA "nBL + nCS" = 6. The read's data take the bus CL .. CL + nBL after
    // the RD (22..26), the write's CWL .. CWL + nBL after the WR (16..20): 6 cycles apart, both take cycles 22..26. And
    // WR -> WR of another rank waits only the channel's nBL, no rank switch nCS.
    const cfg = parseRamulator2Config(ddr4(22, 2), 'ddr4-2rank.yaml');
    const trace = generateRamulator2Trace('random-rw', 3000, 1, ramulator2ChannelBytes(cfg));
    const c = checkRamulator2Run(runRamulator2(cfg, trace, { commandLog: true }), 1000);
    const rules = c.violations.map((v) => v.rule);
    expect(new Set(rules)).toEqual(new Set(['read-to-write', 'tRTRS']));
    const r2w = c.violations.find((v) => v.rule === 'read-to-write')!;
    expect(r2w.command).toBe('WR');
    expect(r2w.message).toMatch(/WR ([6-9]|1[01]) cycles after RD to r\d bg\d b\d at \d+, needs CL \+ tBURST \+ tRTRS - CWL = 12$/);
    expect(c.violations.find((v) => v.rule === 'tRTRS')!.message).toMatch(/WR [45] cycles after WR to r\d bg\d b\d at \d+, needs tBURST \+ tRTRS = 6$/);
    // one rank: nothing between ranks, clean (the eight reference runs are one rank each)
    expect(checkRamulator2Run(runRamulator2(parseRamulator2Config(ddr4(22, 1), 'ddr4.yaml'), trace, { commandLog: true }), 100).violations).toEqual([]);
    // two ranks with rules that clear the data bus: clean, so the two rules above are what the checker disagrees with
    const fixed = parseRamulator2Config(ddr4(22, 2, 'data-bus'), 'ddr4-2rank-data-bus.yaml');
    expect(checkRamulator2Run(runRamulator2(fixed, trace, { commandLog: true }), 100).violations).toEqual([]);
  });

  it('--frontend ramulator2 on a Strata preset takes --check too (the preset exported to a Ramulator 2 configuration)', () => {
    const r = runMain(['dram', '--spec', 'ddr5', '--frontend', 'ramulator2', '--pattern', 'random-rw', '--requests', '2000', '--check']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ramulator2 {2}ddr5 \(as a Ramulator 2 configuration, strata dram export\) \(DDR5,/);
    expect(r.out).toMatch(/ {2}check {7}[\d,]+ commands replayed by the protocol checker: no violation/);
  });

  it('without --check the Ramulator 2 summary has no check line', () => {
    const good = join(dir, 'ddr4-plain.yaml');
    writeFileSync(good, stringify(ddr4(18)));
    const r = runMain(['dram', '--spec', good, '--pattern', 'random-rw', '--requests', '500']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/^  check /m);
  });
});

/** A log entry of channel 0. */
const cmd = (cycle: number, command: string, rank: number, bankGroup: number, bank: number, row = 0): LoggedCommand => ({ cycle, channel: 0, command, rank, bankGroup, bank, row, column: 0 });

describe.skipIf(!haveRamulator2Reference())('the checker view of the reference configurations (skipped: ../shared/reference/ramulator2 absent)', () => {
  const config = (name: string) => loadRamulator2Config(join(RAMULATOR2_REFERENCE_DIR, 'configs', `${name}.yaml`));

  it('HBM3: both pseudo-channels share the command buses (one row and one column command per tick), each its own data bus', () => {
    const v = ramulator2CheckView(config('HBM3_6400'));
    // ranks = pseudo-channels, bank groups = SID x bank group
    expect(v.std.organization).toEqual({ channels: 1, ranks: 2, bankGroups: 8, banksPerGroup: 4, rows: 8192 });
    expect(v.std.dualCommandIssue).toBe(true);
    // two ACTs in one tick on the two pseudo-channels: one row command too many for the channel's row bus
    const bus = checkJedecProtocol(v.std, [cmd(100, 'ACT', 0, 0, 0), cmd(100, 'ACT', 1, 0, 0)], v.options);
    expect(bus.map((x) => x.rule)).toEqual(['command-bus']);
    // a RD on PC 0 and a WR on PC 1 two ticks later: separate data buses, no turnaround (nRTW 40 is per PC in hbm3.py)
    const log = [cmd(0, 'ACT', 0, 0, 0), cmd(1, 'ACT', 1, 1, 0), cmd(100, 'RD', 0, 0, 0), cmd(102, 'WR', 1, 1, 0)];
    expect(checkJedecProtocol(v.std, log, v.options)).toEqual([]);
    // on one data bus (the option off) the same log breaks read-to-write: the option is what lets it pass
    expect(checkJedecProtocol(v.std, log, { ...v.options, separateDataBusPerRank: false }).map((x) => x.rule)).toEqual(['read-to-write']);
    // and on one PC the turnaround holds: CL + tBURST + tRTRS - CWL = 40 + 4 + (nCCDR 6 - nBL 4) - 20 = 26 ticks
    const same = checkJedecProtocol(v.std, [cmd(0, 'ACT', 0, 0, 0), cmd(10, 'ACT', 0, 1, 0), cmd(100, 'RD', 0, 0, 0), cmd(102, 'WR', 0, 1, 0)], v.options);
    expect(same.map((x) => x.message)).toEqual(['ch0 r0 bg1 b0 cycle 102: WR 2 cycles after RD to r0 bg0 b0 at 100, needs CL + tBURST + tRTRS - CWL = 26']);
  });

  it('LPDDR5: ACT-2 and CAS take a command-bus slot and nothing else; ACT-1 is the checked ACT', () => {
    const v = ramulator2CheckView(config('LPDDR5_6400'));
    expect(v.options.busOnlyCommands).toEqual(['ACT2', 'CAS_RD', 'CAS_WR']);
    const ok = [cmd(0, 'ACT', 0, 0, 0), cmd(1, 'ACT2', 0, 0, 0), cmd(20, 'CAS_RD', 0, 0, 0), cmd(21, 'RD', 0, 0, 0)];
    expect(checkJedecProtocol(v.std, ok, v.options)).toEqual([]);
    const clash = checkJedecProtocol(v.std, [cmd(0, 'ACT', 0, 0, 0), cmd(1, 'ACT2', 0, 0, 0), cmd(20, 'CAS_RD', 0, 0, 0), cmd(20, 'PRE', 0, 1, 1)], v.options);
    expect(clash.map((x) => x.rule)).toEqual(['command-bus']);
    // tRCD is counted from ACT-1 (nRCD = 15): a RD 10 cycles after ACT-1 is early, whatever ACT-2 did
    const early = checkJedecProtocol(v.std, [cmd(0, 'ACT', 0, 0, 0), cmd(8, 'ACT2', 0, 0, 0), cmd(10, 'RD', 0, 0, 0)], v.options);
    expect(early.map((x) => x.rule)).toEqual(['tRCDRD']);
  });

  it("DDR5: commands are logged at their last command-bus cycle, where JEDEC measures (Ramulator folds the two-cycle ACT's extra cycle into its constraints)", () => {
    const cfg = config('DDR5_4800AN');
    const r = runRamulator2(cfg, generateRamulator2Trace('random-rw', 4000, 1, ramulator2ChannelBytes(cfg)), { commandLog: true });
    const c = checkRamulator2Run(r, 100);
    expect(c.violations).toEqual([]);
    // logged at the first cycle instead, every PRE -> ACT on one bank comes one tick short of tRP = 34
    const first = c.entries.map((e) => (e.command === 'ACT' || e.command === 'RD' || e.command === 'WR' ? { ...e, cycle: e.cycle - 1 } : e));
    const v = ramulator2CheckView(cfg);
    const bad = checkJedecProtocol(v.std, first, { ...v.options, endCycle: c.endCycle, maxViolations: 5 });
    expect(bad.length).toBe(5);
    expect(bad[0]!.message).toMatch(/ACT 33 cycles after PRE at \d+, needs tRP = 34/);
  });
});
