import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDramsim3Ini } from '../../src/dram/dramsim3-ini.ts';
import { bytesPerRequest, capacityBytes, loadStandard, peakBandwidthGBps } from '../../src/dram/standard.ts';
import { StrataError } from '../../src/spec/errors.ts';

const INI = 'test/fixtures/dramsim3/HBM2_8Gb_x128.ini';
const INI_TEXT = readFileSync(INI, 'utf8');
/** 1-based line number of the first line of the fixture that starts with `prefix`. */
const lineOf = (prefix: string): number => INI_TEXT.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

describe('importDramsim3Ini: HBM2_8Gb_x128.ini', () => {
  const { standard: s, ignoredKeys } = importDramsim3Ini(INI);

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

  it('lists keys DRAMsim3 accepts that have no effect, by section', () => {
    expect(ignoredKeys).toContain('[timing] tRTP_L');
    expect(ignoredKeys).toContain('[timing] tRTP_S');
    expect(ignoredKeys).toContain('[dram_structure] num_dies');
    expect(ignoredKeys).toContain('[power] IDD6x');
    expect(ignoredKeys).toContain('[other] epoch_period');
    expect(ignoredKeys).toHaveLength(12);
  });

  it('notes the DRAMsim3 defaults it used for keys the file leaves out, in the order read', () => {
    expect(importDramsim3Ini(INI).notes).toEqual([
      'DRAMsim3 defaults used for keys the file leaves out: bankgroup_enable=true, AL=0, refresh_policy=RANK_LEVEL_STAGGERED, hbm_dual_cmd=true, tRTP=5, tRFCb=20, tRTRS=2, IDD5PB=5',
    ]);
  });

  it('names the standard after the file and is frozen', () => {
    expect(s.name).toBe('HBM2_8Gb_x128');
    expect(s.standard).toBe('HBM');
    expect(s.file).toBe(INI);
    expect(Object.isFrozen(s.organization)).toBe(true);
  });

  it('the 1-channel fixture differs only in channels', () => {
    const one = importDramsim3Ini('test/fixtures/dramsim3/HBM2_8Gb_x128_1ch.ini').standard;
    expect(one.organization).toEqual({ ...s.organization, channels: 1 });
    expect(peakBandwidthGBps(one)).toBe(32); // 64 B / 2 ns
  });
});

describe('importDramsim3Ini: errors', () => {
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

  it('a missing key takes its DRAMsim3 default and says so', () => {
    const f = variant('no-rows', (t) => t.replace('rows = 32768\n', ''));
    const r = importDramsim3Ini(f);
    expect(r.standard.organization.rows).toBe(65536);
    expect(r.notes[0]).toMatch(/^DRAMsim3 defaults used for keys the file leaves out: .*\brows=65536\b/);
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

  it('unknown key: names file:line and the key', () => {
    const f = variant('key', (t) => t.replace('tRP = 14', 'tRPP = 14'));
    expect(errorOf(f)).toMatch(new RegExp(`^${f}:${lineOf('tRP = 14')}: unknown key 'tRPP' in \\[timing\\] \\(keys read here: .*tRP,`));
  });

  it('unknown section', () => {
    const f = variant('section', (t) => t.replace('[power]', '[powr]'));
    expect(errorOf(f)).toMatch(new RegExp(`^${f}:${lineOf('[power]')}: unknown section \\[powr\\] \\(DRAMsim3 sections: \\[dram_structure\\]`));
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

  it('unsupported queue_structure', () => {
    const f = variant('queue', (t) => t.replace('queue_structure = PER_BANK', 'queue_structure = PER_RANK'));
    expect(errorOf(f)).toBe(`${f}:${lineOf('queue_structure')}: queue_structure 'PER_RANK' is not supported (expected PER_BANK)`);
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
