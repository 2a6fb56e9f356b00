import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dramCommand } from '../../src/cli/dram.ts';
import { parseAddressMapping } from '../../src/dram/address-mapping.ts';
import { importDramsim3Ini } from '../../src/dram/dramsim3-ini.ts';
import { exportDramsim3Ini, exportRamulator2Yaml } from '../../src/dram/export.ts';
import { loadRamulator2Config } from '../../src/dram/ramulator2-config.ts';
import { ramulator2Standard } from '../../src/dram/ramulator2-standard.ts';
import { loadStandard, type DramStandard } from '../../src/dram/standard.ts';
import { DRAMSIM3_REFERENCE_DIR, haveDramsim3Configs } from '../../src/validation/dramsim3.ts';

const dir = mkdtempSync(join(tmpdir(), 'export-'));
let n = 0;
function write(text: string, ext: string): string {
  const f = join(dir, `f${n++}.${ext}`);
  writeFileSync(f, text);
  return f;
}
const viaIni = (s: DramStandard) => importDramsim3Ini(write(exportDramsim3Ini(s).text, 'ini')).standard;
const viaYaml = (s: DramStandard) => ramulator2Standard(loadRamulator2Config(write(exportRamulator2Yaml(s).text, 'yaml')));
const ruleSet = (s: DramStandard) => new Set(s.rules.map((r) => `${s.commandNames[r.prev]} ${s.commandNames[r.next]} ${r.level} ${r.sibling} ${r.cycles}`));
const windowSet = (s: DramStandard) => new Set(s.windows.map((w) => `${s.commandNames[w.command]} ${w.level} ${w.count} ${w.cycles}`));

/** The fields the DRAMsim3 format carries, compared one by one (the address mapping by the field order it decodes to). */
function expectSameThroughIni(a: DramStandard, b: DramStandard): void {
  expect(b.standard).toBe(a.standard);
  expect(b.organization).toEqual(a.organization);
  expect(b.tCKPs).toBe(a.tCKPs);
  expect(b.dualCommandIssue).toBe(a.dualCommandIssue);
  expect(b.power).toEqual(a.power);
  for (const [k, v] of Object.entries(a.timing)) expect([k, b.timing[k]]).toEqual([k, v]);
  const { addressMapping: ma, ...ca } = a.controller;
  const { addressMapping: mb, ...cb } = b.controller;
  expect(cb).toEqual(ca);
  // Fields of one node (a mapping may leave them out; DRAMsim3 needs all six) decode to 0 wherever they sit.
  const placed = (m: string, s: DramStandard) => {
    const p = parseAddressMapping(m, s.organization);
    return p.scale.map((x, i) => (p.size[i]! > 1 ? x : 0));
  };
  expect(placed(mb, b)).toEqual(placed(ma, a));
}

describe('strata dram export --to dramsim3, read back with importDramsim3Ini', () => {
  for (const name of ['ddr4', 'hbm2']) {
    it(`${name}: same organisation, clock, timings, currents and controller`, () => {
      const a = loadStandard(name);
      expectSameThroughIni(a, viaIni(a));
    });
  }

  it('refuses presets DRAMsim3 cannot express, naming why', () => {
    for (const name of ['ddr5', 'hbm3', 'lpddr5']) expect(() => exportDramsim3Ini(loadStandard(name))).toThrow(`has no DRAMsim3 protocol`);
    // DRAMsim3 derives a GDDR6 burst as BL / 16 cycles; Strata's gddr6 preset bursts for BL / 8.
    expect(() => exportDramsim3Ini(loadStandard('gddr6'))).toThrow('timing.tBURST = 2 but DRAMsim3 derives the burst of GDDR6 as BL / 16 = 1');
  });

  it.skipIf(!haveDramsim3Configs())('DRAMsim3 configurations come back as the same standard, field by field', () => {
    for (const file of ['configs/DDR4_8Gb_x8_3200.ini', 'configs/GDDR5_8Gb_x32.ini', 'HBM2_8Gb_x128.ini', 'configs/LPDDR4_8Gb_x16_2400.ini', 'configs/DDR3_8Gb_x8_1600.ini']) {
      const a = importDramsim3Ini(join(DRAMSIM3_REFERENCE_DIR, file)).standard;
      const b = viaIni(a);
      for (const k of ['standard', 'organization', 'tCKPs', 'timing', 'rules', 'windows', 'dualCommandIssue', 'power', 'pathEnergy', 'controller', 'commandNames', 'extraCommands'] as const) {
        expect([file, k, b[k]]).toEqual([file, k, a[k]]);
      }
    }
  });
  if (!haveDramsim3Configs()) console.warn(`DRAMsim3 round trips of DRAMsim3's own files skipped: ${DRAMSIM3_REFERENCE_DIR}/configs is absent`);
});

describe('strata dram export --to ramulator2, read back with the Ramulator 2 import', () => {
  const same = (a: DramStandard, b: DramStandard) => {
    for (const k of ['standard', 'organization', 'tCKPs', 'timing', 'dualCommandIssue', 'power', 'pathEnergy', 'controller', 'commandNames'] as const) expect([k, b[k]]).toEqual([k, a[k]]);
    // Rules come back with their distances as numbers (the text differs); the set of (command, command, level, distance) is the same.
    expect(ruleSet(b)).toEqual(ruleSet(a));
    expect(windowSet(b)).toEqual(windowSet(a));
  };
  for (const name of ['ddr4', 'ddr5']) it(`${name}: the same standard`, () => same(loadStandard(name), viaYaml(loadStandard(name))));

  it.skipIf(!haveDramsim3Configs())('a DRAMsim3 DDR4 configuration: the same standard', () => {
    const a = importDramsim3Ini(join(DRAMSIM3_REFERENCE_DIR, 'configs/DDR4_8Gb_x8_3200.ini')).standard;
    same(a, viaYaml(a));
  });

  it('refuses HBM3 and LPDDR5, and a Ramulator file without the strata section', () => {
    for (const name of ['hbm3', 'lpddr5']) expect(() => exportRamulator2Yaml(loadStandard(name))).toThrow('Strata writes Ramulator 2 configurations for DDR4 and DDR5');
    const text = exportRamulator2Yaml(loadStandard('ddr4')).text.replace(/\nstrata:[\s\S]*$/, '\n');
    expect(() => ramulator2Standard(loadRamulator2Config(write(text, 'yaml')))).toThrow("'strata': expected the section Strata's exporter writes");
  });

  it('the exported DDR4 file runs on the Ramulator 2 model (strata dram --spec X.yaml)', () => {
    const yaml = join(dir, 'ddr4.yaml');
    expect(dramCommand(['export', '--spec', 'ddr4', '--to', 'ramulator2', '--out', yaml, '--quiet'])).toBe(0);
    const out = join(dir, 'run.json');
    expect(dramCommand(['--spec', yaml, '--pattern', 'stream-read', '--requests', '1024', '--out', out, '--quiet'])).toBe(0);
    const run = JSON.parse(readFileSync(out, 'utf8'));
    // 1,024 sequential 64 B reads: rows of 128 requests (RoBaRaCoCh: rank, bank group, bank above the column), 8 rows
    // opened once each, before the first refresh (tREFI 12,480 ticks; the run takes 6,726).
    expect(run.commands.REFab).toBe(0);
    expect(run.commands.ACT).toBe(8);
    expect(existsSync(yaml)).toBe(true);
  });
});

describe('exported files kept as fixtures (test/fixtures/export, written by strata dram export)', () => {
  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'export');
  it('hbm2.ini and ddr5.yaml are what the exporter writes today (rewrite them with strata dram export when a preset changes)', () => {
    expect(exportDramsim3Ini(loadStandard('hbm2')).text).toBe(readFileSync(join(fixtures, 'hbm2.ini'), 'utf8'));
    expect(exportRamulator2Yaml(loadStandard('ddr5')).text).toBe(readFileSync(join(fixtures, 'ddr5.yaml'), 'utf8'));
  });

  it('they load without the reference folder: the HBM2 preset as a DRAMsim3 file, DDR5 as a Ramulator 2 file', () => {
    expectSameThroughIni(loadStandard('hbm2'), importDramsim3Ini(join(fixtures, 'hbm2.ini')).standard);
    const cfg = loadRamulator2Config(join(fixtures, 'ddr5.yaml'));
    expect(cfg.unknownKeys).toEqual([]);
    expect(ramulator2Standard(cfg).timing).toEqual(loadStandard('ddr5').timing);
  });
});
