import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dramCommand } from '../../src/cli/dram.ts';
import { runWithSetFlags } from '../../src/cli/set-flag.ts';
import { encodeAddress, parseAddressMapping } from '../../src/dram/address-mapping.ts';
import { logEntries } from '../../src/dram/command-log.ts';
import { importDramsim3Ini } from '../../src/dram/dramsim3-ini.ts';
import { exportDramsim3Ini } from '../../src/dram/export.ts';
import { generatePattern } from '../../src/dram/patterns.ts';
import { checkProtocol } from '../../src/dram/protocol-checker.ts';
import { runDram } from '../../src/dram/run.ts';
import { bytesPerRequest, loadStandard, parseStandard, type ControllerSpec, type DramStandard } from '../../src/dram/standard.ts';
import type { MemTrace } from '../../src/dram/trace.ts';
import { dramReport } from '../../src/report/dram-report.ts';
import { StrataError } from '../../src/spec/errors.ts';
import { readJsonFile } from '../../src/spec/json-file.ts';
import { DRAMSIM3_REFERENCE_DIR, haveDramsim3Configs } from '../../src/validation/dramsim3.ts';

// DRAMsim3's PER_RANK command queues (src/dram/controller/per-rank.ts; DRAMsim3 src/command_queue.cc) against the
// PER_BANK ones, on DDR4-3200 (arch/dram/ddr4.json: 2 ranks of 4 bank groups x 4 banks, tRCD 22, tRRD_S 4 between
// bank groups), refresh off so that nothing but the planted reads issues.
const ddr4 = loadStandard('ddr4');
const mapping = parseAddressMapping(ddr4.controller.addressMapping, ddr4.organization);

interface Planted {
  rank: number;
  bankGroup: number;
}

/** Reads of row 1, bank 0 of each (rank, bank group) given, in that order, all ready at cycle 0. */
function reads(at: Planted[]): MemTrace {
  return {
    length: at.length,
    addr: Float64Array.from(at, (p) => encodeAddress(mapping, { channel: 0, rank: p.rank, bankGroup: p.bankGroup, bank: 0, row: 1, column: 0 })),
    isWrite: new Uint8Array(at.length),
    cycle: new Float64Array(at.length),
    origin: 'planted',
  };
}

/** The commands a run issues, as `cycle:CMD rRgG` (bank 0 everywhere). */
function commands(std: DramStandard, controller: ControllerSpec, trace: MemTrace): string[] {
  const r = runDram({ standard: std, controller, trace, commandLog: true, bankWindow: false });
  return logEntries(r.logs).map((e) => `${e.cycle}:${e.command} r${e.rank}g${e.bankGroup}`);
}

const perBank: ControllerSpec = { ...ddr4.controller, refresh: 'none' };
const perRank: ControllerSpec = { ...perBank, queueStructure: 'PER_RANK' };

describe('PER_RANK command queues: which command goes first', () => {
  it('the rank queue serves the oldest ready command, where PER_BANK round-robins the banks', () => {
    // Three reads to closed banks of rank 0, bank groups 2, 1, 0 (flat bank indices 8, 4, 0), all ready at cycle 0.
    // One transaction moves into a command queue per cycle: A (g2) at cycle 1, B (g1) at 2, C (g0) at 3. A's ACT
    // issues at cycle 2; the next ACT waits tRRD_S = 4, to cycle 6, when B and C both wait with a legal ACT.
    //   PER_BANK: the banks round-robin from the one after A's (index 9), wrapping to index 0: C, then B at 10.
    //   PER_RANK: one queue, walked oldest first (GetFirstReadyInQueue): B (moved at 2), then C at 10.
    // Each RD follows its ACT by tRCD = 22 cycles: 24, 28, 32.
    const trace = reads([{ rank: 0, bankGroup: 2 }, { rank: 0, bankGroup: 1 }, { rank: 0, bankGroup: 0 }]);
    expect(commands(ddr4, perBank, trace)).toEqual(['2:ACT r0g2', '6:ACT r0g0', '10:ACT r0g1', '24:RD r0g2', '28:RD r0g0', '32:RD r0g1']);
    expect(commands(ddr4, perRank, trace)).toEqual(['2:ACT r0g2', '6:ACT r0g1', '10:ACT r0g0', '24:RD r0g2', '28:RD r0g1', '32:RD r0g0']);
  });
});

describe('PER_RANK command queues: room is counted per rank', () => {
  it('a full rank queue holds its transactions back; another rank moves past them', () => {
    // commandQueueDepth 2. Reads A (r0 g0), B (r0 g1), C (r0 g2), D (r1 g0), all ready at cycle 0.
    //   PER_RANK: A moves at cycle 1, B at 2; rank 0's queue is then full, so C waits and D (rank 1, room) moves at
    //   3 (ScheduleTransaction takes the first transaction whose queue will accept it). ACT A 2, ACT D 4 (another
    //   rank: no tRRD), ACT B 6 (tRRD_S after A). RD A at 24 frees a slot of rank 0: C moves in that cycle, after
    //   the issue, and its ACT issues at 25.
    //   PER_BANK: each bank has its own 2 entries, so C moves at 3 and D at 4: ACT D at 5, C at 10, before any RD.
    const small = (c: ControllerSpec): ControllerSpec => ({ ...c, commandQueueDepth: 2 });
    const trace = reads([{ rank: 0, bankGroup: 0 }, { rank: 0, bankGroup: 1 }, { rank: 0, bankGroup: 2 }, { rank: 1, bankGroup: 0 }]);
    expect(commands(ddr4, small(perRank), trace)).toEqual(['2:ACT r0g0', '4:ACT r1g0', '6:ACT r0g1', '24:RD r0g0', '25:ACT r0g2', '28:RD r0g1', '33:RD r1g0', '47:RD r0g2']);
    expect(commands(ddr4, small(perBank), trace)).toEqual(['2:ACT r0g0', '5:ACT r1g0', '6:ACT r0g1', '10:ACT r0g2', '24:RD r0g0', '28:RD r0g1', '32:RD r0g2', '37:RD r1g0']);
  });

  it('with room for the whole trace in one rank queue, PER_RANK never holds a transaction back', () => {
    // The same four reads with commandQueueDepth 8: every transaction moves at once (cycles 1 to 4), so the ACTs
    // of rank 0 go in queue order, one per tRRD_S, and D's at 5.
    const trace = reads([{ rank: 0, bankGroup: 0 }, { rank: 0, bankGroup: 1 }, { rank: 0, bankGroup: 2 }, { rank: 1, bankGroup: 0 }]);
    expect(commands(ddr4, perRank, trace).filter((c) => c.includes('ACT'))).toEqual(['2:ACT r0g0', '5:ACT r1g0', '6:ACT r0g1', '10:ACT r0g2']);
  });
});

describe('PER_RANK in the spec', () => {
  it('controller.queueStructure: PER_BANK (the default) leaves the spec without it; anything else is refused', () => {
    // The DDR4 preset's file with the field set.
    const spec = (value: string): unknown => {
      const json = readJsonFile(ddr4.file) as { controller: Record<string, unknown> };
      json.controller.queueStructure = value;
      return json;
    };
    expect(ddr4.controller.queueStructure).toBeUndefined();
    expect(parseStandard(spec('PER_RANK'), 'x.json').controller.queueStructure).toBe('PER_RANK');
    expect(parseStandard(spec('PER_BANK'), 'x.json').controller.queueStructure).toBeUndefined();
    expect(() => parseStandard(spec('PER_CHANNEL'), 'x.json')).toThrow(StrataError);
    expect(() => parseStandard(spec('PER_CHANNEL'), 'x.json')).toThrow(/controller\.queueStructure/);
  });
});

describe('strata dram --set controller.queueStructure=PER_RANK', () => {
  it('runs the preset with per-rank queues, and the report says so (a PER_BANK report has no such field)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'per-rank-set-'));
    const run = (sets: string[], out: string) => {
      const argv = ['--spec', 'ddr4', '--pattern', 'random', '--requests', '2000', '--out', join(dir, out), '--quiet', ...sets.flatMap((x) => ['--set', x])];
      expect(runWithSetFlags('dram', argv, dramCommand)).toBe(0);
      return JSON.parse(readFileSync(join(dir, out), 'utf8')) as { controller: Record<string, unknown>; cycles: number };
    };
    const rank = run(['controller.queueStructure=PER_RANK'], 'rank.json');
    const bank = run([], 'bank.json');
    expect(rank.controller.queueStructure).toBe('PER_RANK');
    expect('queueStructure' in bank.controller).toBe(false);
    // Eight command-queue entries per rank of 16 banks instead of eight per bank: the same trace runs differently.
    expect(JSON.stringify(rank)).not.toBe(JSON.stringify({ ...bank, controller: rank.controller }));
  });
});

describe('PER_RANK through strata dram export --to dramsim3', () => {
  const dir = mkdtempSync(join(tmpdir(), 'per-rank-'));
  const roundTrip = (std: DramStandard, name: string): { text: string; back: DramStandard } => {
    const text = exportDramsim3Ini(std).text;
    const f = join(dir, `${name}.ini`);
    writeFileSync(f, text);
    return { text, back: importDramsim3Ini(f).standard };
  };

  it('queue_structure is written as the spec has it and read back the same', () => {
    const asIs = roundTrip(ddr4, 'ddr4');
    expect(asIs.text).toContain('\nqueue_structure = PER_BANK\n');
    expect(asIs.back.controller.queueStructure).toBeUndefined();
    const rank = roundTrip({ ...ddr4, controller: { ...ddr4.controller, queueStructure: 'PER_RANK' } }, 'ddr4-rank');
    expect(rank.text).toContain('\nqueue_structure = PER_RANK\n');
    expect(rank.back.controller.queueStructure).toBe('PER_RANK');
    expect(rank.back.controller.commandQueueDepth).toBe(ddr4.controller.commandQueueDepth);
  });
});

const have = haveDramsim3Configs();
if (!have) console.warn(`skipping the STT-MRAM runs: DRAMsim3's configuration files are not at ${DRAMSIM3_REFERENCE_DIR} (kept beside the repository, never committed)`);

describe.skipIf(!have)('the STT-MRAM files (ST-*.ini, PER_RANK) run clean', () => {
  for (const file of ['ST-1.2x.ini', 'ST-1.5x.ini', 'ST-2.0x.ini']) {
    const std = have ? importDramsim3Ini(join(DRAMSIM3_REFERENCE_DIR, 'configs', file)).standard : ddr4;
    const capacityBytes = parseAddressMapping(std.controller.addressMapping, std.organization).capacityBytes;
    /** Violations of a run of 3,000 requests of `pattern` with `writeFraction` writes, as `strata dram --check` finds them. */
    const violations = (pattern: 'stream' | 'random', writeFraction: number, controller: ControllerSpec = std.controller) => {
      const trace = generatePattern({ pattern, requests: 3000, seed: file, requestBytes: bytesPerRequest(std), capacityBytes, writeFraction });
      const r = runDram({ standard: std, controller, trace, commandLog: true, bankWindow: false });
      expect(dramReport(r).requests.completed, `${file} ${pattern}`).toBe(3000);
      return checkProtocol(std, logEntries(r.logs), { endCycle: r.cycles });
    };

    it(`${file}: a stream (a third writes) and random reads, no violation`, () => {
      expect(std.controller.queueStructure).toBe('PER_RANK');
      expect(violations('stream', 1 / 3)).toEqual([]);
      expect(violations('random', 0)).toEqual([]);
    });

    it(`${file}: per-bank refresh (a REFb holds its whole rank queue) and FCFS, random reads, no violation`, () => {
      expect(violations('random', 0, { ...std.controller, refresh: 'per-bank' })).toEqual([]);
      expect(violations('random', 0, { ...std.controller, scheduler: 'fcfs' })).toEqual([]);
    });

    it(`${file}: while a per-bank refresh is pending, its rank takes no other command (PER_BANK: only its bank)`, () => {
      // Refresh.update: the k-th REFb falls due at k x tREFIpb and is pending until it issues. Under PER_RANK
      // (GetRefQIndices: the REFb's queue is its rank's) only that refresh's own PRE and REFb reach the rank
      // meanwhile; under PER_BANK the rank's other banks go on.
      const tREFIpb = std.timing.tREFIpb!;
      const othersDuringRefresh = (controller: ControllerSpec): number => {
        const trace = generatePattern({ pattern: 'random', requests: 3000, seed: file, requestBytes: bytesPerRequest(std), capacityBytes, writeFraction: 0 });
        const log = logEntries(runDram({ standard: std, controller: { ...controller, refresh: 'per-bank' }, trace, commandLog: true, bankWindow: false }).logs);
        let others = 0;
        let k = 0;
        for (const ref of log.filter((e) => e.command === 'REFpb')) {
          const due = ++k * tREFIpb;
          others += log.filter((e) => e.cycle >= due && e.cycle < ref.cycle && e.rank === ref.rank && (e.bankGroup !== ref.bankGroup || e.bank !== ref.bank)).length;
        }
        expect(k, file).toBeGreaterThanOrEqual(4);
        return others;
      };
      expect(othersDuringRefresh(std.controller)).toBe(0);
      expect(othersDuringRefresh({ ...std.controller, queueStructure: undefined })).toBeGreaterThan(0);
    });

    it(`${file}: exported and read back, the same controller`, () => {
      const f = join(mkdtempSync(join(tmpdir(), 'per-rank-st-')), file);
      writeFileSync(f, exportDramsim3Ini(std).text);
      expect(importDramsim3Ini(f).standard.controller).toEqual(std.controller);
    });

    it(`${file}: random with writes: only DRAMsim3's write after a write to another rank (the burst, no tRTRS), as under PER_BANK`, () => {
      // DRAMsim3 spaces a write after a write to another rank by the burst alone (timing.cc write_to_write_o), which
      // the import keeps and the checker, holding jedec.json's rule, flags (docs/validation.md): the only kind of
      // violation, and the PER_BANK run of the same file shows it too.
      for (const controller of [std.controller, { ...std.controller, queueStructure: undefined }]) {
        const v = violations('random', 1 / 3, controller);
        expect(v.length, `${file} ${controller.queueStructure ?? 'PER_BANK'}`).toBeGreaterThan(0);
        for (const x of v) expect(x.message, file).toMatch(/^ch0 r\d bg0 b\d cycle \d+: WR 2 cycles after WR to r\d bg0 b\d at \d+, needs tBURST \+ tRTRS = 3$/);
      }
    });
  }
});
