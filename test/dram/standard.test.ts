import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUIRED_TIMING, bytesPerRequest, capacityBytes, knownStandards, loadStandard, parseStandard, peakBandwidthGBps } from '../../src/dram/standard.ts';
import { ARCH_DIR } from '../../src/spec/package-root.ts';
import { StrataError } from '../../src/spec/errors.ts';

/** True when `v` and every object inside it are frozen. */
function deeplyFrozen(v: unknown, path = 'root'): string[] {
  if (v === null || typeof v !== 'object') return [];
  const bad = Object.isFrozen(v) ? [] : [path];
  for (const [k, x] of Object.entries(v)) bad.push(...deeplyFrozen(x, `${path}.${k}`));
  return bad;
}

const HBM2_FILE = join(ARCH_DIR, 'dram', 'hbm2.json');
const hbm2Json = (): Record<string, any> => JSON.parse(readFileSync(HBM2_FILE, 'utf8'));

describe('shipped presets', () => {
  it('include hbm2', () => {
    expect(knownStandards()).toContain('hbm2');
    expect([...knownStandards()].sort()).toEqual(knownStandards()); // sorted, for stable messages
  });

  for (const name of knownStandards()) {
    describe(name, () => {
      it('loads, and is frozen all the way down', () => {
        const s = loadStandard(name);
        expect(s.name).toBe(name);
        expect(deeplyFrozen(s)).toEqual([]);
        expect(() => {
          (s.timing as Record<string, number>).tRP = 1;
        }).toThrow(TypeError); // ES modules are strict: writing to a frozen object throws
      });

      it('cites a non-empty source for every section and rules table', () => {
        const s = loadStandard(name);
        for (const section of ['organization', 'clock', 'timing', 'power', 'pathEnergy', 'controller']) {
          expect(s.sources[section], `${name}: ${section}.source`).toMatch(/\S/);
        }
        const rulesSources = Object.keys(s.sources).filter((k) => k.startsWith('rules:'));
        expect(rulesSources.length).toBeGreaterThan(0);
        for (const k of rulesSources) expect(s.sources[k], `${name}: ${k}`).toMatch(/\S/);
      });

      it('defines every required timing parameter and compiles its rules', () => {
        const s = loadStandard(name);
        for (const k of REQUIRED_TIMING) expect(Number.isInteger(s.timing[k]), `${name}: timing.${k}`).toBe(true);
        expect(s.rules.length).toBeGreaterThan(0);
        for (const r of s.rules) expect(Number.isInteger(r.cycles), r.text).toBe(true);
      });
    });
  }
});

describe('hbm2 derived values', () => {
  const s = loadStandard('hbm2');

  it('moves 64 B per request: 128 bit x BL4 / 8', () => {
    expect(bytesPerRequest(s)).toBe(64);
  });

  it('peaks at 256 GB/s: 8 channels x 64 B per tBURST of 2 x 1 ns', () => {
    expect(peakBandwidthGBps(s)).toBe(256);
  });

  it('holds 8 GiB: 8 ch x 16 banks x 32768 rows x 128 columns x 16 B', () => {
    expect(capacityBytes(s)).toBe(8 * 2 ** 30);
  });

  it('compiles the JEDEC table against its timing', () => {
    const rdRd = s.rules.find((r) => r.text.startsWith('RD -> RD (same bankgroup)'));
    expect(rdRd?.cycles).toBe(2); // max(tBURST, tCCD_L) = max(2, 2)
    const wrRd = s.rules.find((r) => r.text.startsWith('WR -> RD (same bankgroup)'));
    expect(wrRd?.cycles).toBe(14); // CWL + tBURST + tWTR_L = 4 + 2 + 8
    expect(s.windows).toHaveLength(1);
    expect(s.windows[0]!.cycles).toBe(30); // tFAW
    expect(s.timing.tRC).toBe(48); // tRAS + tRP = 34 + 14
    expect(s.dualCommandIssue).toBe(true);
  });
});

describe('bad specs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-standard-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a variant of hbm2.json changed by `edit` and returns its path. */
  function variant(name: string, edit: (j: Record<string, any>) => void): string {
    const j = hbm2Json();
    edit(j);
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(j, null, 2));
    return file;
  }

  /** Loads `file`, expects a StrataError, and returns its message. */
  function errorOf(file: string): string {
    try {
      loadStandard(file);
    } catch (e) {
      expect(e).toBeInstanceOf(StrataError);
      return (e as Error).message;
    }
    throw new Error(`${file} loaded, expected an error`);
  }

  it('missing timing parameter: names timing.tRP and says missing', () => {
    const f = variant('missing-trp', (j) => delete j.timing.tRP);
    expect(errorOf(f)).toBe(`${f}: field 'timing.tRP': expected a whole number of cycles >= 0 (field is missing)`);
  });

  it('missing section', () => {
    const f = variant('missing-power', (j) => delete j.power);
    expect(errorOf(f)).toBe(`${f}: field 'power': expected an object (field is missing)`);
  });

  it('missing source of a section', () => {
    const f = variant('missing-source', (j) => delete j.organization.source);
    expect(errorOf(f)).toMatch(new RegExp(`^${f}: field 'organization.source': expected a string \\(field is missing\\)`));
  });

  it('negative value', () => {
    const f = variant('negative', (j) => (j.timing.CL = -1));
    expect(errorOf(f)).toBe(`${f}: field 'timing.CL': expected an integer >= 0, found -1`);
  });

  it('non-integer cycles', () => {
    const f = variant('fraction', (j) => (j.timing.tRCDRD = 14.5));
    expect(errorOf(f)).toBe(`${f}: field 'timing.tRCDRD': expected an integer, found 14.5`);
  });

  it('a number given as a string', () => {
    const f = variant('string-number', (j) => (j.organization.channels = '8'));
    expect(errorOf(f)).toBe(`${f}: field 'organization.channels': expected an integer, found "8"`);
  });

  it('rows not a power of two', () => {
    const f = variant('rows', (j) => (j.organization.rows = 30000));
    expect(errorOf(f)).toBe(`${f}: field 'organization.rows': expected a power of two, found 30000`);
  });

  it('tRC < tRAS + tRP: names tRC and shows the sum', () => {
    const f = variant('trc', (j) => (j.timing.tRC = 40));
    // tRAS + tRP = 34 + 14 = 48 > 40
    expect(errorOf(f)).toBe(`${f}: field 'timing.tRC': expected tRC >= tRAS + tRP = 34 + 14 = 48, found 40`);
  });

  it('tREFI <= tRFC', () => {
    const f = variant('trefi', (j) => (j.timing.tREFI = 260)); // equal to tRFC = 260
    expect(errorOf(f)).toBe(`${f}: field 'timing.tREFI': expected tREFI > tRFC (260), found 260`);
  });

  it('IDD3N < IDD2N, and IDD5PB left out where per-bank refresh exists', () => {
    const f = variant('idd3n', (j) => (j.power.IDD3N = 39)); // IDD2N = 40
    expect(errorOf(f)).toBe(`${f}: field 'power.IDD3N': expected IDD3N >= IDD2N (40): active standby draws at least precharge standby, found 39`);
    const g = variant('idd5pb', (j) => delete j.power.IDD5PB); // hbm2 has tRFCpb
    expect(errorOf(g)).toMatch(new RegExp(`^${g}: field 'power.IDD5PB': `));
    expect(loadStandard('ddr4').power.IDD5PB).toBe(0); // optional, and unused, without per-bank refresh
  });

  it('unknown field (typo) in a section is rejected and the known fields are listed', () => {
    const f = variant('typo', (j) => {
      j.organization.bankgroups = j.organization.bankGroups;
    });
    const msg = errorOf(f);
    expect(msg).toMatch(new RegExp(`^${f}: field 'organization.bankgroups': unknown field \\(known fields here: .*bankGroups`));
  });

  it('a timing parameter no rule uses (a typo such as tRCDR) is rejected', () => {
    const f = variant('timing-typo', (j) => {
      j.timing.tRCDR = 14;
    });
    expect(errorOf(f)).toMatch(new RegExp(`^${f}: field 'timing.tRCDR': expected a timing parameter that some rule or the controller uses`));
  });

  it('unknown top-level field (typo) is rejected', () => {
    const f = variant('typo-top', (j) => {
      j.controler = j.controller;
    });
    expect(errorOf(f)).toMatch(new RegExp(`^${f}: field 'controler': unknown field`));
  });

  it('unknown controller value', () => {
    const f = variant('sched', (j) => (j.controller.scheduler = 'fifo'));
    expect(errorOf(f)).toBe(`${f}: field 'controller.scheduler': expected one of frfcfs, fcfs, found "fifo"`);
  });

  it('unknown rules table', () => {
    const f = variant('rules', (j) => (j.rules = 'jedek'));
    expect(errorOf(f)).toBe(`${f}: field 'rules': no constraint table named 'jedek' in arch/dram/rules`);
  });

  // BUG (src/dram/standard.ts parseStandard): controller.addressMapping is read as any string and never
  // parsed, so a spec with an invalid mapping loads; the error surfaces only later, when a run builds the
  // memory system (or in the CLI). Style rule 2 asks specs to be validated once at load, naming file and field.
  it('bad address mapping in the controller is rejected at load, naming the file and controller.addressMapping', () => {
    const f = variant('mapping', (j) => (j.controller.addressMapping = 'ro-ba-xx-ch-co'));
    const msg = errorOf(f);
    expect(msg).toContain(f);
    expect(msg).toContain('controller.addressMapping');
    expect(msg).toMatch(/unknown field 'xx'/);
  });

  it('invalid JSON names the file', () => {
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{ "name": "hbm2", ');
    expect(errorOf(f)).toMatch(new RegExp(`^${f}: not valid JSON \\(`));
    // The parser quotes the text around the error; the file's line breaks must not split the one-line message.
    const g = join(dir, 'broken-lines.json');
    writeFileSync(g, 'not json\nat all\n');
    expect(errorOf(g)).toMatch(new RegExp(`^${g}: not valid JSON \\([^\\n]*\\)$`));
  });

  it('a JSON value that is not an object names the file', () => {
    const f = join(dir, 'array.json');
    writeFileSync(f, '[1, 2]');
    expect(errorOf(f)).toBe(`${f}: expected a JSON object at the top level, found an array`);
  });

  it('a missing file is named', () => {
    const f = join(dir, 'nope.json');
    expect(errorOf(f)).toBe(`${f}: file not found`);
  });

  it('an unknown standard name lists the known ones', () => {
    const msg = errorOf('hbm9');
    expect(msg).toContain("unknown DRAM standard 'hbm9'");
    expect(msg).toContain(`known: ${knownStandards().join(', ')}`);
  });

  it('parseStandard names the file it is given, without touching the disk for it', () => {
    const j = hbm2Json();
    delete j.clock.tCKPs;
    expect(() => parseStandard(j, 'inline.json')).toThrow("inline.json: field 'clock.tCKPs': expected an integer > 0 (field is missing)");
  });
});
