import { describe, expect, it } from 'vitest';
import { ramulator2ValidateCommand } from '../../src/cli/validate-ramulator2.ts';
import { StrataError } from '../../src/spec/errors.ts';
import { runStrataOnRamulator2Trace } from '../../src/dram/ramulator2-strata.ts';
import { loadStandard } from '../../src/dram/standard.ts';
import { generateRamulator2Trace } from '../../src/dram/ramulator2-trace.ts';
import { haveRamulator2Reference, ramulator2Case, RAMULATOR2_REFERENCE_DIR } from '../../src/validation/ramulator2.ts';
import { compareStrataControllerWithRamulator2, formatStrataControllerTable, presetWithSets, ramulator2PartSets } from '../../src/validation/ramulator2-strata.ts';

const have = haveRamulator2Reference();
if (!have) console.warn(`Strata's controller on Ramulator 2's runs: skipped, ${RAMULATOR2_REFERENCE_DIR} is absent (Ramulator's reference runs are never copied into the repository)`);

describe("Strata's own controller with Ramulator 2's front end", () => {
  it('offers one request per cycle and stops on the cycle the last one is accepted', () => {
    const std = loadStandard('ddr4');
    // 10 reads: the queue (32) never fills, so request i is accepted at cycle i and the run ends at cycle 9.
    const trace = generateRamulator2Trace('stream-read', 10, 1, 2 ** 33);
    const r = runStrataOnRamulator2Trace(std, std.controller, trace);
    expect(r.cycles).toBe(10);
    // Nothing can be served by cycle 9: the first RD waits tRCD = 22 cycles after its ACT.
    expect(r.readsServed + r.writesServed).toBe(0);
    // The preset maps bank-group bits lowest (ro-ra-ba-co-bg-ch), so the reads want a row in each of the 4 bank groups,
    // but ACTs are tRRD_S = 4 cycles apart and the first request reaches the queues after cycle 0: two fit by cycle 9.
    expect(r.commands.ACT).toBe(2);
    expect(r.requestBytes).toBe(64);
  });

  it("offers one request per controller tick: two per cycle for HBM3's half-CK ticks", () => {
    const std = loadStandard('hbm3');
    const trace = generateRamulator2Trace('stream-read', 10, 1, 2 ** 30);
    // Requests 2k and 2k+1 go in cycle k: the tenth is accepted in cycle 4.
    expect(runStrataOnRamulator2Trace(std, std.controller, trace, 2).cycles).toBe(5);
    expect(runStrataOnRamulator2Trace(std, std.controller, trace, 1).cycles).toBe(10);
  });

  it("strata validate ramulator2 takes --set only with --controller strata (Ramulator's files are Ramulator's)", () => {
    expect(() => ramulator2ValidateCommand(['--set', 'timing.tFAW=48'])).toThrow(/--set: validate ramulator2 takes it with --controller strata/);
    expect(() => ramulator2ValidateCommand(['--controller', 'dramsim3'])).toThrow(StrataError);
  });

  it('refuses an address beyond the device, naming the trace', () => {
    const std = loadStandard('lpddr5');
    const trace = { length: 1, addr: new Float64Array([2 ** 40]), isWrite: new Uint8Array(1), origin: 'x.trace' };
    expect(() => runStrataOnRamulator2Trace(std, std.controller, trace)).toThrow(/x\.trace: request 1 .* beyond lpddr5's capacity/);
  });
});

describe.skipIf(!have)("Strata's own controller on Ramulator 2's reference runs", () => {
  it("makes the ddr4 preset Ramulator's DDR4_3200AA part with the overrides its case implies", () => {
    const part = ramulator2PartSets(ramulator2Case('v21_DDR4_3200AA_stream-read_100000_1').ref);
    // One rank (Ramulator's preset), tRFC 360 ns = 576 cycles (JEDEC's 350 ns: 560), nCS 2 as the rank switch, RoBaRaCoCh.
    expect(part.sets).toEqual(['organization.ranks=1', 'timing.tRFC=576', 'timing.tRTRS=2', 'controller.addressMapping=ro-ba-bg-ra-co']);
    expect(part.notCarried).toEqual([]);
    const std = presetWithSets(part.preset, part.sets);
    expect(std.timing.tRFC).toBe(576);
    expect(std.organization.ranks).toBe(1);
  });

  it('agrees on the DDR4 stream within tolerance with one command-queue entry per bank, and not with the preset\'s 8', () => {
    const one = compareStrataControllerWithRamulator2('v21_DDR4_3200AA_stream-read_100000_1', ['controller.commandQueueDepth=1']);
    for (const c of one.comparisons) expect(c.ok, `${c.metric}: ${c.strata} vs ${c.ramulator}`).toBe(true);
    // docs/validation.md: 15.867 against 15.735 GB/s, 241.08 against 234.38 ticks.
    expect(one.comparisons[1]!.strata).toBeCloseTo(15.867, 3);
    const eight = compareStrataControllerWithRamulator2('v21_DDR4_3200AA_stream-read_100000_1');
    // Deeper queues overlap the next row's ACT with the bursts: 17.037 GB/s, 8.27 % above Ramulator.
    expect(eight.comparisons[1]!.strata).toBeCloseTo(17.037, 3);
    expect(eight.comparisons[1]!.ok).toBe(false);
    expect(formatStrataControllerTable([eight])).toContain('| DDR4_3200AA_stream-read | 600764 / 650552 |');
  }, 120_000);
});
