import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { readJsonFile, jsonFileNames } from '../spec/json-file.ts';
import { ARCH_DIR, deepFreeze, parseStandard, type DramStandard } from '../dram/standard.ts';

/** The in-bank compute of a PIM device. */
export interface PimUnitSpec {
  /** MAC lanes per bank: elements of one row consumed per all-bank MAC command. */
  readonly macsPerBank: number;
  /** Bytes per weight and input element (2 for BF16/FP16). */
  readonly elementBytes: number;
  /** Clock of the processing unit. */
  readonly unitClockPs: number;
  /** Global buffer per channel that holds the broadcast input vector. */
  readonly globalBufferBytes: number;
}

/** A loaded PIM spec: the DRAM standard extended with the PIM commands and rules, and the PIM unit. */
export interface PimSpec {
  readonly name: string;
  readonly file: string;
  /** The base standard with the PIM commands, timing and constraint table added (one vocabulary, one table). */
  readonly standard: DramStandard;
  readonly unit: PimUnitSpec;
  readonly macPj: number;
  readonly sources: Readonly<Record<string, string>>;
}

/** Directory of the shipped PIM specs. */
export const PIM_DIR = join(ARCH_DIR, 'pim');

/** Names of the shipped PIM specs. */
export function knownPimSpecs(): string[] {
  return jsonFileNames(PIM_DIR);
}

/**
 * Loads a PIM spec (shipped name or path). It names a base DRAM standard (arch/dram/NAME.json) and adds
 * commands, timing parameters and a constraint table, which are merged into the base so that the same
 * controller timing state and checker handle DRAM and PIM commands alike.
 */
export function loadPimSpec(nameOrPath: string): PimSpec {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = looksLikePath ? nameOrPath : join(PIM_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (looksLikePath) throw new StrataError(`${nameOrPath}: file not found`);
    throw new StrataError(`unknown PIM spec '${nameOrPath}' (known: ${knownPimSpecs().join(', ')})`);
  }
  const r = FieldReader.root(file, readJsonFile(file));
  r.onlyKeys(['name', 'description', 'base', 'organization', 'timing', 'commands', 'rules', 'unit', 'energy', 'note']);
  const baseName = r.string('base');
  const baseFile = join(ARCH_DIR, 'dram', `${baseName}.json`);
  if (!existsSync(baseFile)) throw new StrataError(`${r.where('base')}: no DRAM standard named '${baseName}' in arch/dram`);
  const base = readJsonFile(baseFile) as Record<string, unknown>;

  const org = r.object('organization');
  org.onlyKeys(['source', 'channels', 'note']);
  const timing = r.object('timing');
  const rules = r.object('rules');
  rules.string('source');
  const baseOrg = base.organization as Record<string, unknown>;
  const baseTiming = base.timing as Record<string, unknown>;
  for (const key of Object.keys(timing.obj)) {
    if (key !== 'source' && key !== 'note' && key in baseTiming) timing.fail(key, `a new timing parameter (the base '${baseName}' defines ${key} already)`);
  }
  const baseRules = typeof base.rules === 'string' ? [base.rules] : (base.rules as unknown[]);
  const merged = {
    ...base,
    name: r.string('name'),
    description: r.optionalString('description', ''),
    organization: { ...baseOrg, channels: org.number('channels', { integer: true, positive: true }), source: `${String(baseOrg.source)}; channels: ${org.string('source')}` },
    timing: { ...baseTiming, ...timing.obj, source: `${String(baseTiming.source)}; PIM: ${timing.string('source')}` },
    commands: r.obj.commands,
    rules: [...baseRules, rules.obj],
  };
  const standard = parseStandard(merged, file);

  const u = r.object('unit');
  u.onlyKeys(['source', 'macsPerBank', 'elementBytes', 'unitClockPs', 'globalBufferBytes', 'note']);
  const unit: PimUnitSpec = {
    macsPerBank: u.number('macsPerBank', { integer: true, positive: true }),
    elementBytes: u.number('elementBytes', { integer: true, positive: true }),
    unitClockPs: u.number('unitClockPs', { integer: true, positive: true }),
    globalBufferBytes: u.number('globalBufferBytes', { integer: true, positive: true }),
  };
  const rowBytes = standard.organization.columns * (standard.organization.busWidthBits / 8);
  if (rowBytes % (unit.macsPerBank * unit.elementBytes) !== 0) {
    u.fail('macsPerBank', `lanes x elementBytes dividing the row size (${rowBytes} B)`, unit.macsPerBank);
  }
  const e = r.object('energy');
  e.onlyKeys(['source', 'macPj', 'note']);
  for (const name of ['ACT16', 'MAC16', 'WRGB', 'RDMAC16']) {
    if (!standard.commandNames.includes(name)) r.fail('commands', `a command named ${name} (the in-bank PIM model issues ACT16, MAC16, WRGB and RDMAC16)`);
  }
  return deepFreeze({
    name: standard.name,
    file,
    standard,
    unit,
    macPj: e.number('macPj', { min: 0 }),
    sources: { ...standard.sources, unit: u.string('source'), energy: e.string('source') },
  });
}
