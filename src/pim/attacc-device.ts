import { existsSync } from 'node:fs';
import { checkTimingClock, TIMING_CLOCK_KEY } from './timing-clock.ts';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { readJsonFile } from '../spec/json-file.ts';
import { parseStandard, type DramStandard } from '../dram/standard.ts';
import { ARCH_DIR } from '../spec/package-root.ts';
import { deepFreeze } from '../spec/freeze.ts';
import { checkRuleLevels } from './pim-spec.ts';

/** Where AttAcc puts the GEMV units, which decides the MAC command: all-bank, same-bank (per bank group) or per-bank (buffer die). */
export type AttAccPlacement = 'bank' | 'bank-group' | 'buffer-die';

/**
 * Where the AttAcc devices are kept: a folder of their own, so that the PIM-spec loaders' listings of arch/pim (which
 * these files are not: they carry no unit or energy section) do not offer them.
 */
export const ATTACC_DIR = join(ARCH_DIR, 'pim', 'attacc');

/** The shipped AttAcc devices by placement (arch/pim/attacc/NAME.json). */
export const ATTACC_DEVICES: Readonly<Record<AttAccPlacement, string>> = {
  bank: 'attacc-bank',
  'bank-group': 'attacc-bank-group',
  'buffer-die': 'attacc-buffer',
};

/** The command indices (in the device standard's vocabulary) the AttAcc channel issues. */
export interface AttAccCommands {
  /** The placement's activate, MAC and precharge (ACTAB/MACAB/PREA, ACTSB/MACSB/PRESB, ACTPB/MACPB/PREPB). */
  readonly act: number;
  readonly mac: number;
  readonly pre: number;
  /** Precharge of every bank of the pseudo-channel (before a refresh) and the all-bank refresh. */
  readonly prea: number;
  readonly ref: number;
  readonly wrgb: number;
  readonly mvsb: number;
  readonly mvgb: number;
  readonly sfm: number;
}

/** A loaded AttAcc device: one pseudo-channel's HBM3 standard with the PIM commands and constraint table merged in. */
export interface AttAccDevice {
  readonly name: string;
  readonly file: string;
  readonly placement: AttAccPlacement;
  /** Whether the power-constrained MAC spacing (the spec's `powerConstraint` section) is in force. */
  readonly powerConstraint: boolean;
  /** Heads run at once: one per legacy channel. */
  readonly legacyChannels: number;
  readonly pseudoChannelsPerLegacyChannel: number;
  /** Entries of a legacy channel's in-order PIM request buffer. */
  readonly requestBufferEntries: number;
  readonly standard: DramStandard;
  readonly commands: AttAccCommands;
  readonly sources: Readonly<Record<string, string>>;
}

const PLACEMENT_COMMANDS: Readonly<Record<AttAccPlacement, readonly [string, string, string]>> = {
  bank: ['ACTAB', 'MACAB', 'PREA'],
  'bank-group': ['ACTSB', 'MACSB', 'PRESB'],
  'buffer-die': ['ACTPB', 'MACPB', 'PREPB'],
};

/**
 * Loads an AttAcc device (shipped name or path). The file names a base DRAM standard (arch/dram/NAME.json) whose
 * organisation and timing it keeps, adds the PIM commands, new timing parameters and AttAcc's constraint table (the
 * only table of the merged standard: the device issues no JEDEC read or write), and a `powerConstraint` section whose
 * timing values replace the defaults when `powerConstraint` is set.
 */
export function loadAttAccDevice(nameOrPath: string, opts: { powerConstraint?: boolean } = {}): AttAccDevice {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = looksLikePath ? nameOrPath : join(ATTACC_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (looksLikePath) throw new StrataError(`${nameOrPath}: file not found`);
    throw new StrataError(`unknown AttAcc device '${nameOrPath}' (known: ${Object.values(ATTACC_DEVICES).join(', ')})`);
  }
  const r = FieldReader.root(file, readJsonFile(file));
  r.onlyKeys(['name', 'description', 'placement', 'base', 'organization', 'controller', 'timing', 'powerConstraint', 'commands', 'rules', 'note']);
  const placement = r.string('placement', Object.keys(PLACEMENT_COMMANDS)) as AttAccPlacement;
  const sources: Record<string, string> = {};
  const org = r.sourcedSection('organization', ['legacyChannels', 'pseudoChannelsPerLegacyChannel', 'assumptions'], sources);
  const ctl = r.sourcedSection('controller', ['requestBufferEntries', 'assumptions'], sources);
  // Timing sections hold new parameter names of their own: only their source is required here.
  const timing = r.object('timing');
  sources.timing = timing.string('source');
  const pc = r.object('powerConstraint');
  sources.powerConstraint = pc.string('source');
  const baseName = r.string('base');
  const baseFile = join(ARCH_DIR, 'dram', `${baseName}.json`);
  if (!existsSync(baseFile)) throw new StrataError(`${r.where('base')}: no DRAM standard named '${baseName}' in arch/dram`);
  const base = readJsonFile(baseFile) as Record<string, unknown>;
  const baseTiming = base.timing as Record<string, unknown>;
  checkTimingClock(timing, base, baseName);
  const own = numbers(timing);
  for (const key of Object.keys(own)) if (key in baseTiming) timing.fail(key, `a new timing parameter (the base '${baseName}' defines ${key} already)`);
  const pcValues = numbers(pc);
  for (const key of Object.keys(pcValues)) if (!(key in own)) pc.fail(key, `a timing parameter of this device's 'timing' section (${Object.keys(own).join(', ')})`, pcValues[key]);
  const rules = r.object('rules');
  rules.string('source');
  // The per-bank refresh spacing only the base's own tables use: AttAcc refreshes all banks of a pseudo-channel at once.
  const kept = Object.fromEntries(Object.entries(baseTiming).filter(([k]) => k !== 'tPBR2PBR' && k !== 'tPBR2ACT'));
  const merged = {
    ...base,
    name: r.string('name'),
    description: r.optionalString('description', ''),
    timing: { ...kept, ...own, ...(opts.powerConstraint ? pcValues : {}), source: `${String(baseTiming.source)}; AttAcc PIM: ${sources.timing}${opts.powerConstraint ? `; power constraint: ${sources.powerConstraint}` : ''}` },
    commands: r.obj.commands,
    rules: [rules.obj],
  };
  // AttAcc's table is the only one and the device issues no JEDEC read or write: no data-bus rules to require.
  const standard = parseStandard(merged, file, { jedecColumnCommands: false });
  // As for every PIM spec: a rule on a command must act at a level that holds the whole scope the command declares,
  // since TimingState records a command at one node per level and the protocol checker relates it over its scope.
  checkRuleLevels(standard, file);
  const idx = (name: string): number => {
    const i = standard.commandNames.indexOf(name);
    if (i < 0) r.fail('commands', `a command named ${name} (an AttAcc ${placement} device issues ${[...PLACEMENT_COMMANDS[placement], 'WRGB', 'MVSB', 'MVGB', 'SFM'].join(', ')})`);
    return i;
  };
  const [act, mac, pre] = PLACEMENT_COMMANDS[placement];
  return deepFreeze({
    name: standard.name,
    file,
    placement,
    powerConstraint: opts.powerConstraint === true,
    legacyChannels: org.number('legacyChannels', { integer: true, positive: true }),
    pseudoChannelsPerLegacyChannel: org.number('pseudoChannelsPerLegacyChannel', { integer: true, positive: true }),
    requestBufferEntries: ctl.number('requestBufferEntries', { integer: true, min: 2 }),
    standard,
    commands: {
      act: idx(act), mac: idx(mac), pre: idx(pre), prea: idx('PREA'), ref: idx('REF'),
      wrgb: idx('WRGB'), mvsb: idx('MVSB'), mvgb: idx('MVGB'), sfm: idx('SFM'),
    },
    sources: { ...standard.sources, ...sources },
  });
}

/** The numeric fields of a section (its timing parameters), checked to be whole cycles >= 0. */
function numbers(s: FieldReader): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(s.obj)) {
    if (key === 'source' || key === 'note' || key === 'assumptions' || key === TIMING_CLOCK_KEY) continue;
    out[key] = s.number(key, { integer: true, min: 0 });
  }
  return out;
}
