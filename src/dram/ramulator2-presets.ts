import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { StrataError } from '../spec/errors.ts';
import { readJsonFile } from '../spec/json-file.ts';
import { ARCH_DIR } from '../spec/package-root.ts';
import { exportRamulator2Yaml } from './export.ts';
import { parseStandard } from './standard.ts';

/**
 * Ramulator 2 preset names in a configuration (`org: {preset: DDR4_8Gb_x8}`, `timing: {preset: DDR4_3200AA}`, with
 * overrides beside them), as a Ramulator 2 user writes them. Ramulator's simulator runs only the resolved form, which
 * its Python front end computes from its own preset tables. Strata resolves a name from its own JEDEC-sourced
 * standard of the same part, never from Ramulator's tables, so only names that one of Strata's standards describes
 * are taken: the device of the name, resolved by Strata, then written in the resolved form by `exportRamulator2Yaml`.
 */

/** A Ramulator organisation preset Strata resolves, and the Strata standard (arch/dram/NAME.json) whose data it uses. */
interface OrgPreset {
  readonly standard: string;
  readonly preset: string;
  /** Data width of one device (Ramulator's dq). */
  readonly dq: number;
  readonly source: string;
}

/** A Ramulator timing preset Strata resolves: a JEDEC speed bin one of Strata's standards holds. */
interface TimingPreset {
  readonly standard: string;
  readonly preset: string;
  readonly source: string;
}

/**
 * Organisation presets: the 8 Gb x8 DDR4 device, whose organisation Strata's ddr4 cites. Strata's ddr5 is a 16 Gb x8
 * device too, but its timings are DDR5-4800B (40-39-39), a bin no Ramulator 2.1 timing preset names (its
 * DDR5_4800AN/BN/C have CL 34, 36 and 38), and Ramulator takes the two presets together, so no DDR5 name is taken.
 */
const ORG_PRESETS: Readonly<Record<string, OrgPreset>> = {
  DDR4_8Gb_x8: { standard: 'DDR4', preset: 'ddr4', dq: 8, source: 'JESD79-4 and Micron MT40A1G8 (8 Gb x8: 4 bank groups x 4 banks, 65,536 rows, 1,024 columns), as arch/dram/ddr4.json cites them' },
};

/** Timing presets: DDR4-3200AA (22-22-22), the speed bin arch/dram/ddr4.json holds. */
const TIMING_PRESETS: Readonly<Record<string, TimingPreset>> = {
  DDR4_3200AA: { standard: 'DDR4', preset: 'ddr4', source: 'JESD79-4 DDR4-3200AA speed bin (CL-tRCD-tRP 22-22-22) and x8 timings, as arch/dram/ddr4.json cites them' },
};

/** Ramulator 2's organisation keys and the Strata organisation field each sets (density has none: it names the part). */
const ORG_FIELD: Readonly<Record<string, string>> = { rank: 'ranks', bankgroup: 'bankGroups', bank: 'banksPerGroup', row: 'rows', column: 'columns', channel_width: 'busWidthBits' };

/** Ramulator 2's DDR4/DDR5 timing names (in CK) and the Strata timing(s) each sets; tCK_ps sets the clock. */
const TIMING_FIELD: Readonly<Record<string, readonly string[]>> = {
  nBL: ['tBURST'], nCL: ['CL'], nRCD: ['tRCDRD', 'tRCDWR'], nRP: ['tRP'], nRAS: ['tRAS'], nRC: ['tRC'], nWR: ['tWR'], nRTP: ['tRTP'], nCWL: ['CWL'],
  nCCDS: ['tCCD_S'], nCCDL: ['tCCD_L'], nRRDS: ['tRRD_S'], nRRDL: ['tRRD_L'], nWTRS: ['tWTR_S'], nWTRL: ['tWTR_L'], nFAW: ['tFAW'], nRFC: ['tRFC'],
  nREFI: ['tREFI'], nCS: ['tRTRS'],
};

/** The preset names Strata resolves, for messages. */
export const RAMULATOR2_PRESET_NAMES = { org: Object.keys(ORG_PRESETS), timing: Object.keys(TIMING_PRESETS) };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Replaces the `dram` of every controller that names presets with the resolved form Strata computes from its own
 * standard of that part (organisation, timings and constraint list), with the overrides beside the names applied.
 * Returns the document unchanged when no preset is named, and what it decided (one line each) in `notes`. A name
 * Strata does not resolve, or an override it cannot place, is refused with one line naming the key.
 */
export function resolveRamulator2Presets(doc: unknown, file: string, notes: string[]): unknown {
  if (!isObj(doc) || !isObj(doc.memory_system) || !Array.isArray(doc.memory_system.controllers)) return doc;
  const controllers = doc.memory_system.controllers as unknown[];
  const resolved = controllers.map((c, i) => {
    if (!isObj(c) || !isObj(c.dram)) return c;
    const d = c.dram;
    const orgPreset = isObj(d.org) ? d.org.preset : undefined;
    const timingPreset = isObj(d.timing) ? d.timing.preset : undefined;
    if (orgPreset === undefined && timingPreset === undefined) return c;
    const k = `memory_system.controllers[${i}].dram`;
    const supported = `Strata resolves org presets ${RAMULATOR2_PRESET_NAMES.org.join(', ')} and timing presets ${RAMULATOR2_PRESET_NAMES.timing.join(', ')} (from its JEDEC-sourced ddr4 standard); give the others in the resolved form (python -m ramulator writes it)`;
    if (typeof orgPreset !== 'string' || !(orgPreset in ORG_PRESETS)) throw new StrataError(`${file}: '${k}.org.preset': ${JSON.stringify(orgPreset) ?? 'missing'} is not a preset name Strata resolves: ${supported}`);
    if (typeof timingPreset !== 'string' || !(timingPreset in TIMING_PRESETS)) throw new StrataError(`${file}: '${k}.timing.preset': ${JSON.stringify(timingPreset) ?? 'missing'} is not a preset name Strata resolves: ${supported}`);
    const org = ORG_PRESETS[orgPreset]!;
    const tp = TIMING_PRESETS[timingPreset]!;
    if (d.impl !== org.standard) throw new StrataError(`${file}: '${k}.impl': org preset ${orgPreset} is a ${org.standard} device, found ${JSON.stringify(d.impl)}`);
    if (tp.preset !== org.preset) throw new StrataError(`${file}: '${k}.timing.preset': ${timingPreset} is a ${tp.standard} speed bin, not one of ${orgPreset} (${org.standard}): ${supported}`);
    const json = structuredClone(readJsonFile(join(ARCH_DIR, 'dram', `${org.preset}.json`))) as Obj & { organization: Obj; timing: Obj; clock: Obj; controller: Obj };
    // Ramulator's org preset is one rank of devices on a channel_width-bit channel (python/ramulator/dram/*.py):
    // one rank unless the file says otherwise, and the devices per rank follow from the width.
    json.organization.ranks = 1;
    let dq = org.dq;
    for (const [key, v] of Object.entries(d.org as Obj)) {
      if (key === 'preset') continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new StrataError(`${file}: '${k}.org.${key}': expected a positive integer, found ${JSON.stringify(v)}`);
      if (key === 'dq') dq = v;
      else if (ORG_FIELD[key]) json.organization[ORG_FIELD[key]!] = v;
      else throw new StrataError(`${file}: '${k}.org.${key}': not an organisation key Strata places beside a preset (${['dq', ...Object.keys(ORG_FIELD)].join(', ')}); 'density' names the part: choose another preset`);
    }
    json.organization.devicesPerRank = (json.organization.busWidthBits as number) / dq;
    if (!Number.isInteger(json.organization.devicesPerRank)) throw new StrataError(`${file}: '${k}.org': channel_width ${json.organization.busWidthBits} is not a multiple of dq ${dq}`);
    for (const [key, v] of Object.entries(d.timing as Obj)) {
      if (key === 'preset') continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < (key === 'tCK_ps' ? 1 : 0)) throw new StrataError(`${file}: '${k}.timing.${key}': expected an integer number of ${key === 'tCK_ps' ? 'picoseconds' : 'clock cycles'}, found ${JSON.stringify(v)}`);
      if (key === 'tCK_ps') json.clock.tCKPs = v;
      else if (TIMING_FIELD[key]) for (const f of TIMING_FIELD[key]!) json.timing[f] = v;
      else throw new StrataError(`${file}: '${k}.timing.${key}': not a timing Strata places beside a preset (${['tCK_ps', ...Object.keys(TIMING_FIELD)].join(', ')}, in clock cycles)`);
    }
    // Ramulator's controllers refresh all banks; the resolved form carries no per-bank refresh.
    json.controller.refresh = 'all-bank';
    const std = parseStandard(json, `${file} (${orgPreset} + ${timingPreset}, resolved from ${join('arch', 'dram', `${org.preset}.json`)})`);
    const exported = parseYaml(exportRamulator2Yaml(std).text) as { memory_system: { controllers: Obj[] } };
    notes.push(
      `${k}: ${orgPreset} + ${timingPreset} resolved from Strata's ${org.preset} standard (${org.source}; ${tp.source}), not from Ramulator's tables; ` +
        `nRFC ${std.timing.tRFC}, nCS ${std.timing.tRTRS} (Ramulator 2.1 resolves 576 = 360 ns and 2; JESD79-4 gives 350 ns = 560 for 8 Gb, and Strata's ddr4 a rank switch of 1; set them beside the preset to choose)`,
    );
    return { ...c, dram: exported.memory_system.controllers[0]!.dram };
  });
  return { ...doc, memory_system: { ...doc.memory_system, controllers: resolved } };
}
