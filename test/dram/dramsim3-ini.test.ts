import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDramsim3Ini } from '../../src/dram/dramsim3-ini.ts';
import { bytesPerRequest, capacityBytes, loadStandard, peakBandwidthGBps } from '../../src/dram/standard.ts';
import { StrataError } from '../../src/spec/errors.ts';
import { DRAMSIM3_REFERENCE_DIR, haveDramsim3Configs } from '../../src/validation/dramsim3.ts';

// DRAMsim3's configuration files are DRAMsim3's: read from ../shared/reference beside the repository, never copied
// into it. Every test here that reads one is skipped, saying so, when that folder is absent.
const have = haveDramsim3Configs();
const why = `DRAMsim3's configuration files are not at ${DRAMSIM3_REFERENCE_DIR} (kept beside the repository, never committed)`;
if (!have) console.warn(`skipping the DRAMsim3 .ini import tests: ${why}`);
const INI = join(DRAMSIM3_REFERENCE_DIR, 'HBM2_8Gb_x128.ini');
const CONFIGS = join(DRAMSIM3_REFERENCE_DIR, 'configs');
const INI_TEXT = have ? readFileSync(INI, 'utf8') : '';
/** 1-based line number of the first line of the file that starts with `prefix`. */
const lineOf = (prefix: string): number => INI_TEXT.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

describe.skipIf(!have)('importDramsim3Ini: HBM2_8Gb_x128.ini', () => {
  const { standard: s, ignoredKeys, unreadKeys } = have ? importDramsim3Ini(INI) : ({} as ReturnType<typeof importDramsim3Ini>);

  it('derives the organisation as DRAMsim3 does', () => {
    const o = s.organization;
    expect(o.channels).toBe(8);
    // 64 ini columns x 2 (HBM's 2n prefetch) = 128 columns of 128 bits = 2048 B per row
    expect(o.columns).toBe(128);
    // rank size = 2048 B x 32768 rows = 64 MB per bank, x 16 banks = 1024 MB = channel_size → 1 rank
    expect(o.ranks).toBe(1);
    expect(o.bankGroups).toBe(4);
    expect(o.banksPerGroup).toBe(4);
    expect(o.rows).toBe(32768);
    expect(o.busWidthBits).toBe(128);
    expect(o.burstLength).toBe(4);
    expect(o.devicesPerRank).toBe(1); // bus_width 128 / device_width 128
  });

  it('derives timing: tBURST = BL/2, tRC = tRAS + tRP, tCK in ps', () => {
    expect(s.tCKPs).toBe(1000); // tCK = 1 ns
    expect(s.timing.tBURST).toBe(2); // BL4 / 2 (DDR)
    expect(s.timing.tRC).toBe(48); // 34 + 14
    expect(s.timing.CL).toBe(14);
    expect(s.timing.tRCDRD).toBe(14);
    expect(s.timing.tREFIpb).toBe(128); // tREFIb
    expect(s.timing.tRTP).toBe(5); // not in the file (only tRTP_L/_S, which DRAMsim3 does not read): its default 5
  });

  it('turns on dual command issue (hbm_dual_cmd defaults to true for HBM) and keeps the mapping', () => {
    expect(s.dualCommandIssue).toBe(true);
    expect(s.controller.addressMapping).toBe('rorabgbachco');
    expect(s.controller.pagePolicy).toBe('open');
    expect(s.controller.readQueueDepth).toBe(32); // trans_queue_size
    expect(s.controller.commandQueueDepth).toBe(8); // cmd_queue_size
    expect(s.controller.refresh).toBe('all-bank'); // RANK_LEVEL_STAGGERED default
  });

  it('matches the shipped hbm2 preset where both follow the same file', () => {
    const hbm2 = loadStandard('hbm2');
    expect(s.organization).toEqual(hbm2.organization);
    expect(bytesPerRequest(s)).toBe(64);
    expect(peakBandwidthGBps(s)).toBe(256);
    expect(capacityBytes(s)).toBe(capacityBytes(hbm2)); // 8 GiB
    // activation energy from the IDD values: 1.2 V x (65 x 48 - (55 x 34 + 40 x 14)) mA x 1 ns = 828 pJ
    expect(s.pathEnergy.activatePj).toBeCloseTo(828, 9);
  });

  it('lists keys DRAMsim3 reads that have no effect here, by section', () => {
    expect(ignoredKeys).toEqual([
      '[dram_structure] num_dies', '[timing] tRPRE', '[timing] tWPRE', '[timing] tXS', '[timing] tCKE', '[timing] tXP', '[power] IDD6x',
      '[other] epoch_period', '[other] output_level',
    ]);
  });

  it('lists the keys DRAMsim3 does not read at all (tRTP_L/_S, and the misspelt tCKSRE), with their lines', () => {
    expect(unreadKeys).toEqual([`[timing] tCKSRE (line ${lineOf('tCKSRE')})`, `[timing] tRTP_L (line ${lineOf('tRTP_L')})`, `[timing] tRTP_S (line ${lineOf('tRTP_S')})`]);
  });

  it('notes the DRAMsim3 defaults it used for keys the file leaves out, in the order read, and the keys it does not read', () => {
    expect(importDramsim3Ini(INI).notes).toEqual([
      'DRAMsim3 defaults used for keys the file leaves out: bankgroup_enable=true, AL=0, refresh_policy=RANK_LEVEL_STAGGERED, hbm_dual_cmd=true, tRTP=5, tRFCb=20, tRTRS=2, IDD5PB=5',
      `keys DRAMsim3 does not read, ignored as there: ${unreadKeys.join(', ')}`,
    ]);
  });

  it('names the standard after the file and is frozen', () => {
    expect(s.name).toBe('HBM2_8Gb_x128');
    expect(s.standard).toBe('HBM');
    expect(s.file).toBe(INI);
    expect(Object.isFrozen(s.organization)).toBe(true);
  });

  it('the 1-channel fixture differs only in channels', () => {
    const one = importDramsim3Ini(join(DRAMSIM3_REFERENCE_DIR, 'HBM2_8Gb_x128_1ch.ini')).standard;
    expect(one.organization).toEqual({ ...s.organization, channels: 1 });
    expect(peakBandwidthGBps(one)).toBe(32); // 64 B / 2 ns
  });
});

describe.skipIf(!have)('importDramsim3Ini: errors', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-ini-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes the fixture with `edit` applied to its text and returns the path. */
  function variant(name: string, edit: (text: string) => string): string {
    const file = join(dir, `${name}.ini`);
    writeFileSync(file, edit(INI_TEXT));
    return file;
  }
  function errorOf(file: string): string {
    try {
      importDramsim3Ini(file);
    } catch (e) {
      expect(e).toBeInstanceOf(StrataError);
      return (e as Error).message;
    }
    throw new Error(`${file} imported, expected an error`);
  }

  it('a missing optional key takes its DRAMsim3 default and says so', () => {
    const f = variant('no-tccd', (t) => t.replace('tCCD_L = 2\n', ''));
    const r = importDramsim3Ini(f);
    expect(r.standard.timing.tCCD_L).toBe(6);
    expect(r.notes[0]).toMatch(/^DRAMsim3 defaults used for keys the file leaves out: .*\btCCD_L=6\b/);
  });

  it('a channel_size that is not a whole number of ranks is noted with the ranks DRAMsim3 derives', () => {
    // one rank of this organisation is 1024 MB
    const less = importDramsim3Ini(variant('size-1000', (t) => t.replace('channel_size = 1024', 'channel_size = 1000')));
    expect(less.standard.organization.ranks).toBe(1);
    expect(less.notes).toContain('channel_size 1000 MB is less than one rank (1024 MB from rows, columns, banks and widths): 1 rank, as DRAMsim3 takes it');
    const between = importDramsim3Ini(variant('size-3000', (t) => t.replace('channel_size = 1024', 'channel_size = 3000')));
    expect(between.standard.organization.ranks).toBe(2);
    expect(between.notes).toContain('channel_size 3000 MB is not a whole number of ranks of 1024 MB: 2 rank(s) (2048 MB), as DRAMsim3 takes it');
    const whole = importDramsim3Ini(variant('size-2048', (t) => t.replace('channel_size = 1024', 'channel_size = 2048')));
    expect(whole.standard.organization.ranks).toBe(2);
    expect(whole.notes.filter((n) => n.startsWith('channel_size'))).toEqual([]);
  });

  it('a key DRAMsim3 does not read is noted with its line, not an error (DRAMsim3 ignores it too)', () => {
    const f = variant('key', (t) => t.replace('tRP = 14', 'tRP = 14\ntRFC2 = 100'));
    const r = importDramsim3Ini(f);
    expect(r.unreadKeys).toContain(`[timing] tRFC2 (line ${lineOf('tRP = 14') + 1})`);
    expect(r.notes.at(-1)).toMatch(/^keys DRAMsim3 does not read, ignored as there: .*\[timing\] tRFC2 \(line \d+\)/);
  });

  it('a section DRAMsim3 does not read: its keys are noted, and the keys it should have held take their defaults, noted', () => {
    const f = variant('section', (t) => t.replace('[power]', '[powr]'));
    const r = importDramsim3Ini(f);
    expect(r.unreadKeys).toContain(`[powr] VDD (line ${lineOf('VDD')})`);
    expect(r.notes[0]).toMatch(/^DRAMsim3 defaults used for keys the file leaves out: .*\bVDD=1\.2\b/);
  });

  it('a duplicated section is refused, naming both lines (issue #18: it used to override the first silently)', () => {
    const f = variant('dup-section', (t) => `${t}\n[timing]\ntRP = 20\n`);
    const second = INI_TEXT.split('\n').length + 1;
    expect(errorOf(f)).toBe(`${f}:${second}: section [timing] appears twice (first at line ${lineOf('[timing]')}); expected each section once`);
  });

  it('a duplicated key is refused, naming both lines', () => {
    const f = variant('dup-key', (t) => t.replace('tRP = 14', 'tRP = 14\ntRP = 20'));
    expect(errorOf(f)).toBe(`${f}:${lineOf('tRP = 14') + 1}: key 'tRP' appears twice in [timing] (first at line ${lineOf('tRP = 14')}); expected each key once`);
  });

  it('channels = 65536, tCCD_L = 2^31 and tRAS = 2^53 + 1 in an .ini meet the bounds of a JSON spec (issue #18: 65,536 channels did not finish 10 requests in 200 s)', () => {
    expect(errorOf(variant('channels', (t) => t.replace('channels = 8', 'channels = 65536')))).toMatch(/: field 'organization\.channels': expected an integer <= 1024 \(each channel's controller holds about 150 KB, so 65,536 channels would need about 11 GB; see docs\/limits\.md\), found 65536$/);
    expect(errorOf(variant('tccd', (t) => t.replace('tCCD_L = 2', 'tCCD_L = 2147483648')))).toMatch(/: field 'timing\.tCCD_L': expected at most [\d,]+ cycles \(1 ms at tCK \d+ ps: over 100 times JEDEC's longest timing, tREFI; see docs\/limits\.md\), found 2147483648$/);
    expect(errorOf(variant('tras', (t) => t.replace(/^tRAS = \d+$/m, 'tRAS = 9007199254740993')))).toMatch(/: field 'timing\.tRAS': expected at most [\d,]+ cycles/);
  });

  it('an empty .ini is refused, naming every required key (issue #18: it used to run as DDR3 with every default)', () => {
    const f = join(dir, 'empty.ini');
    writeFileSync(f, '');
    expect(errorOf(f)).toBe(
      `${f}: missing required key(s) [dram_structure] protocol, [dram_structure] bankgroups, [dram_structure] banks_per_group, [dram_structure] rows, ` +
        '[dram_structure] columns, [dram_structure] device_width, [dram_structure] BL, [timing] tCK, [timing] CL, [timing] CWL, [timing] tRP, [timing] tRAS, ' +
        '[timing] tRFC, [timing] tWR, [timing] tFAW, [system] channel_size, [system] channels, [system] bus_width ' +
        "(DRAMsim3 would silently use the defaults of a DDR3 device; Strata requires the keys that define the device)",
    );
  });

  it('an incomplete .ini names only what is missing', () => {
    const f = variant('no-rows', (t) => t.replace('rows = 32768\n', '').replace('tCK = 1\n', ''));
    expect(errorOf(f)).toMatch(new RegExp(`^${f}: missing required key\\(s\\) \\[dram_structure\\] rows, \\[timing\\] tCK \\(`));
  });

  it('a key with an empty value takes the DRAMsim3 default, noted with its line (as DRAMsim3 reads it)', () => {
    const f = variant('empty-value', (t) => t.replace('tRFC = 260', 'tRFC ='));
    const r = importDramsim3Ini(f);
    expect(r.standard.timing.tRFC).toBe(74);
    expect(r.notes).toContain(`keys with an empty value take DRAMsim3's default, as there: tRFC=74 (line ${lineOf('tRFC = 260')})`);
  });

  it('a number followed by a remark is read up to the space, as DRAMsim3 (strtod) reads it, and noted', () => {
    const f = variant('remark', (t) => t.replace('tCK = 1', 'tCK = 0.666 (1/1.5)'));
    const r = importDramsim3Ini(f);
    expect(r.standard.tCKPs).toBe(666);
    expect(r.notes).toContain(`values read up to the first space, as DRAMsim3 reads numbers: tCK = "0.666 (1/1.5)" -> 0.666 (line ${lineOf('tCK = 1')})`);
  });

  it('HMC is refused for what it is', () => {
    const f = variant('hmc', (t) => t.replace('protocol = HBM', 'protocol = HMC'));
    expect(errorOf(f)).toMatch(new RegExp(`^${f}:${lineOf('protocol = HBM')}: protocol 'HMC' is not supported: a Hybrid Memory Cube is a packet-switched stack`));
  });

  it('malformed line', () => {
    const f = variant('malformed', (t) => t.replace('CL = 14', 'CL 14'));
    expect(errorOf(f)).toBe(`${f}:${lineOf('CL = 14')}: expected 'key = value' or '[section]', found "CL 14"`);
  });

  it('a key before any section', () => {
    const f = variant('nosection', (t) => `rows = 1\n${t}`);
    expect(errorOf(f)).toBe(`${f}:1: key 'rows' comes before any [section]`);
  });

  it('non-integer value: names file:line, key and value', () => {
    const f = variant('float', (t) => t.replace('rows = 32768', 'rows = 32768.5'));
    expect(errorOf(f)).toBe(`${f}:${lineOf('rows = 32768')}: 'rows' must be an integer >= 1, found "32768.5"`);
  });

  it('non-numeric value for a real-valued key', () => {
    const f = variant('tck', (t) => t.replace('tCK = 1', 'tCK = fast'));
    expect(errorOf(f)).toBe(`${f}:${lineOf('tCK = 1')}: 'tCK' must be a non-negative number, found "fast"`);
  });

  it('unsupported protocol lists the supported ones', () => {
    const f = variant('protocol', (t) => t.replace('protocol = HBM', 'protocol = DDR5'));
    expect(errorOf(f)).toMatch(new RegExp(`^${f}:${lineOf('protocol = HBM')}: protocol 'DDR5' is not supported \\(supported: DDR3, DDR4, .*HBM2\\)`));
  });

  it('queue_structure: PER_BANK leaves the spec without the field, PER_RANK sets it, anything else is refused', () => {
    expect(importDramsim3Ini(INI).standard.controller.queueStructure).toBeUndefined();
    const f = variant('queue', (t) => t.replace('queue_structure = PER_BANK', 'queue_structure = PER_RANK'));
    expect(importDramsim3Ini(f).standard.controller.queueStructure).toBe('PER_RANK');
    // DRAMsim3's CommandQueue stops on any other value (src/command_queue.cc).
    const g = variant('queue2', (t) => t.replace('queue_structure = PER_BANK', 'queue_structure = PER_CHANNEL'));
    expect(errorOf(g)).toBe(`${g}:${lineOf('queue_structure')}: expected PER_BANK or PER_RANK, found 'PER_CHANNEL'`);
  });

  it('unsupported unified_queue', () => {
    const f = variant('unified', (t) => t.replace('unified_queue = False', 'unified_queue = True'));
    expect(errorOf(f)).toMatch(/unified_queue = true is not supported/);
  });

  // BUG (src/dram/standard.ts parseStandard, reached through importDramsim3Ini): the address mapping is not
  // parsed at load, so an .ini whose address_mapping repeats a field imports without error; the problem
  // surfaces only when a run builds the memory system. Expected: the import fails, naming the file.
  it('bad address_mapping fails at import, naming the file', () => {
    const f = variant('mapping', (t) => t.replace('address_mapping = rorabgbachco', 'address_mapping = rorabgbachcoch'));
    const msg = errorOf(f);
    expect(msg).toContain(f);
    expect(msg).toMatch(/field 'ch' appears twice/);
  });

  it('a missing file and a directory are named', () => {
    const f = join(dir, 'missing.ini');
    expect(errorOf(f)).toBe(`${f}: file not found (expected a DRAMsim3 .ini configuration)`);
    const d = join(dir, 'folder.ini');
    mkdirSync(d, { recursive: true });
    expect(errorOf(d)).toBe(`${d}: is a directory or special file, expected a DRAMsim3 .ini configuration`);
  });

  it('comments (; and #) and blank lines are skipped', () => {
    const f = variant('comments', (t) => `; a comment\n# another\n\n${t.replace('CL = 14', 'CL = 14 ; inline')}`);
    expect(importDramsim3Ini(f).standard.timing.CL).toBe(14);
  });
});

describe.skipIf(!have)('importDramsim3Ini: every configuration DRAMsim3 ships', () => {
  const files = have ? readdirSync(CONFIGS).filter((f) => f.endsWith('.ini')).sort() : [];
  /** Refused, with the reason: HMC is not a JEDEC DRAM interface. */
  const refused: Record<string, RegExp> = {
    'HMC2_8GB_4Lx16.ini': /protocol 'HMC' is not supported/,
    'HMC_2GB_4Lx16.ini': /protocol 'HMC' is not supported/,
    'HMC_2GB_4Lx16_dummy.ini': /protocol 'HMC' is not supported/,
    'HMC_4GB_4Lx16.ini': /protocol 'HMC' is not supported/,
  };

  it('holds the 86 files of DRAMsim3 @ 2981759', () => {
    expect(files).toHaveLength(86);
  });

  it('loads all 82 DDR3, DDR4, GDDR5/5X/6, HBM, HBM2, LPDDR, LPDDR3, LPDDR4 and STT-MRAM files; refuses the 4 HMC files with one line', () => {
    const loaded: string[] = [];
    for (const f of files) {
      const path = join(CONFIGS, f);
      if (refused[f]) {
        expect(() => importDramsim3Ini(path), f).toThrow(refused[f]!);
        try {
          importDramsim3Ini(path);
        } catch (e) {
          expect(e, f).toBeInstanceOf(StrataError);
          expect((e as Error).message, f).not.toContain('\n');
        }
      } else {
        importDramsim3Ini(path);
        loaded.push(f);
      }
    }
    expect(loaded).toHaveLength(82);
  });

  it('STT-MRAM files (ST-*.ini): PER_RANK queues of cmd_queue_size 16 over 2 ranks; currents below IDD3N floored, each noted', () => {
    for (const f of ['ST-1.2x.ini', 'ST-1.5x.ini', 'ST-2.0x.ini']) {
      const r = importDramsim3Ini(join(CONFIGS, f));
      const c = r.standard.controller;
      expect(c.queueStructure, f).toBe('PER_RANK');
      expect(c.commandQueueDepth, f).toBe(16);
      // channel_size 4096 MB over ranks of 8 banks x 32768 rows x 1024 columns x 8 devices of 1 B = 2048 MB
      expect(r.standard.organization.ranks, f).toBe(2);
      // IDD0 = 1305 and IDD4R = 230 mA under IDD3N = 1310 mA (DRAMsim3 would charge negative ACT and read energy),
      // IDD5AB left at DRAMsim3's default of 250 mA: each taken as 1310 mA, with a note.
      const p = r.standard.power;
      expect([p.IDD0, p.IDD4R, p.IDD5AB, p.IDD3N], f).toEqual([1310, 1310, 1310, 1310]);
      for (const k of ['IDD0 = 1305', 'IDD4R = 230', 'IDD5AB = 250']) expect(r.notes.some((n) => n.startsWith(`${k} mA is below IDD3N = 1310 mA`)), `${f}: ${k}`).toBe(true);
    }
  });

  it('DDR4 files: tRFC2/tRFC4/tWR2 (not read by DRAMsim3) are noted, not refused', () => {
    const r = importDramsim3Ini(join(CONFIGS, 'DDR4_8Gb_x8_3200.ini'));
    expect(r.unreadKeys.map((k) => k.replace(/ \(line \d+\)$/, ''))).toEqual(['[timing] tRFC2', '[timing] tRFC4', '[timing] tWR2', '[power] IPP0']);
    // channel_size 16384 MB over 8 GB ranks (64 K rows x 1 KB page x 16 banks x 8 devices): 2 ranks
    expect(r.standard.organization.ranks).toBe(2);
  });

  it('DDR3 files without tREFI (they set REFI, which DRAMsim3 does not read) take its 7800-cycle default, noted', () => {
    const r = importDramsim3Ini(join(CONFIGS, 'DDR3_8Gb_x8_1600.ini'));
    expect(r.standard.timing.tREFI).toBe(7800);
    expect(r.notes[0]).toMatch(/\btREFI=7800\b/);
    expect(r.unreadKeys.some((k) => k.startsWith('[timing] REFI '))).toBe(true);
  });

  it('GDDR5: one bank group (bankgroup_enable = false) uses the _S timings for every bank, as src/timing.cc does', () => {
    // The file sets tCCD_S 2, tCCD_L 3; BL8 / 4 = 2 cycles a burst. With tCCD_L a stream would read once every 3
    // cycles instead of 2: the 33 % gap to DRAMsim3 of issue #19.
    const s = importDramsim3Ini(join(CONFIGS, 'GDDR5_8Gb_x32.ini')).standard;
    expect(s.organization.bankGroups).toBe(1);
    expect(s.organization.banksPerGroup).toBe(16);
    expect(s.timing.tBURST).toBe(2);
    expect([s.timing.tCCD_S, s.timing.tCCD_L]).toEqual([2, 2]);
    expect([s.timing.tRRD_S, s.timing.tRRD_L, s.timing.tWTR_S, s.timing.tWTR_L]).toEqual([10, 10, 10, 10]);
    expect([s.timing.tRCDRD, s.timing.tRCDWR]).toEqual([24, 20]);
  });

  it('GDDR6 as DRAMsim3 defines it: burst BL/16, columns x BL, tPPD between precharges, 32 ACTs per t32AW', () => {
    const s = importDramsim3Ini(join(CONFIGS, 'GDDR6_8Gb_x16.ini')).standard;
    expect(s.standard).toBe('GDDR6');
    expect(s.timing.tBURST).toBe(1); // BL16 / 16
    expect(s.organization.columns).toBe(128 * 16);
    expect(bytesPerRequest(s)).toBe(256); // 128-bit bus x BL16
    expect(s.tCKPs).toBe(660);
    expect(s.rules.filter((r) => r.text.startsWith('PRE -> PRE')).map((r) => r.cycles)).toEqual([2]);
    expect(s.windows.map((w) => w.text)).toEqual(['4 x ACT per tFAW = 32 (rank)', '32 x ACT per t32AW = 420 (rank)']);
  });

  it('LPDDR4 spaces precharges by tPPD, without the 32-activate window; DDR4 has neither', () => {
    const lp = importDramsim3Ini(join(CONFIGS, 'LPDDR4_8Gb_x16_2400.ini')).standard;
    expect(lp.rules.some((r) => r.text.startsWith('PRE -> PRE'))).toBe(true);
    expect(lp.windows).toHaveLength(1);
    const ddr4 = importDramsim3Ini(join(CONFIGS, 'DDR4_8Gb_x8_3200.ini')).standard;
    expect(ddr4.rules.some((r) => r.text.startsWith('PRE -> PRE'))).toBe(false);
  });

  it("WR -> WR on another rank waits the burst only (DRAMsim3's write_to_write_o), not tBURST + tRTRS as jedec.json", () => {
    const s = importDramsim3Ini(join(CONFIGS, 'DDR4_8Gb_x8_3200.ini')).standard;
    expect(s.rules.filter((r) => r.text.startsWith('WR -> WR (other rank)')).map((r) => r.cycles)).toEqual([4]);
    expect(loadStandard('ddr4').rules.filter((r) => r.text.startsWith('WR -> WR (other rank)')).map((r) => r.cycles)).toEqual([5]);
  });
});
