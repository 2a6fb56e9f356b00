import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { readJsonFile, readSpecFile, jsonFileNames } from '../spec/json-file.ts';
import { compileRules, parseStandard, type DramStandard } from '../dram/standard.ts';
import { ARCH_DIR } from '../spec/package-root.ts';
import { deepFreeze } from '../spec/freeze.ts';
import { COMMANDS, LEVELS, type Level } from '../dram/commands.ts';
import { checkTimingClock, TIMING_CLOCK_KEY } from './timing-clock.ts';

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
  /** MAC results each bank's result latch holds until a result read drains one (`resultLatchEntries`, default 1). */
  readonly resultLatchEntries: number;
}

/**
 * Which PIM command set a spec provides, i.e. which models can drive it: `aim` (ACT16, MAC16, WRGB, RDMAC16:
 * src/systems/pim-gpt/gemv.ts, PIM-GPT) or `newton` (GWRITE, G_ACT, COMP, READRES, P_PRE: the NeuPIMs channel,
 * src/pim/dual-buffer-channel.ts).
 */
export type PimCommandSet = 'aim' | 'newton';

/** Commands each command set must define. */
export const COMMAND_SET_COMMANDS: Readonly<Record<PimCommandSet, readonly string[]>> = {
  aim: ['ACT16', 'MAC16', 'WRGB', 'RDMAC16'],
  newton: ['GWRITE', 'G_ACT', 'COMP', 'READRES', 'P_PRE'],
};

/** A loaded PIM spec: the DRAM standard extended with the PIM commands and rules, and the PIM unit. */
export interface PimSpec {
  readonly name: string;
  readonly file: string;
  readonly commandSet: PimCommandSet;
  /**
   * Row buffers per bank: 1 (PIM and ordinary commands share each bank's row buffer, Newton / the naive
   * NPU+PIM) or 2 (NeuPIMs: PIM commands whose `rowBuffer` is 1 use a second buffer).
   */
  readonly rowBuffers: 1 | 2;
  /** The base standard with the PIM commands, timing and constraint table added (one vocabulary, one table). */
  readonly standard: DramStandard;
  readonly unit: PimUnitSpec;
  readonly macPj: number;
  /** Energy per byte written into or read from the global buffer, and read from the result latches (0 when the spec gives none). */
  readonly globalBufferPjPerByte: number;
  readonly resultLatchPjPerByte: number;
  /** IDD energy of one command of each PIM command kind, pJ (specs that scale JEDEC command energies; else empty). */
  readonly commandEnergyPj: Readonly<Record<string, number>>;
  readonly sources: Readonly<Record<string, string>>;
  /** Paths (`section.key`) of the numbers this file declares as assumptions (src/spec/provenance.ts). */
  readonly assumptions: readonly string[];
}

/** Options of loadPimSpec. */
export interface PimSpecOptions {
  /** Row buffers per bank, overriding the spec's `rowBuffers` (the same device in blocked or concurrent mode). */
  rowBuffers?: 1 | 2;
  /** New values of timing parameters the PIM spec itself defines (sensitivity studies: `{ tMACRD: 16 }`). */
  timing?: Readonly<Record<string, number>>;
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
 * controller timing state and checker handle DRAM and PIM commands alike. A spec may also override parts of
 * the base's organisation (channels, ranks, columns), features and controller, and give per-mode rules
 * (`rowBufferRules.single` / `.dual`) for a device with one or two row buffers per bank.
 */
export function loadPimSpec(nameOrPath: string, opts: PimSpecOptions = {}): PimSpec {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = looksLikePath ? nameOrPath : join(PIM_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (looksLikePath) throw new StrataError(`${nameOrPath}: file not found`);
    throw new StrataError(`unknown PIM spec '${nameOrPath}' (known: ${knownPimSpecs().join(', ')})`);
  }
  const { json, assumptions } = readSpecFile(file);
  const r = FieldReader.root(file, json);
  r.onlyKeys(['name', 'description', 'source', 'base', 'commandSet', 'rowBuffers', 'organization', 'features', 'controller', 'timing', 'commands', 'rules', 'rowBufferRules', 'unit', 'energy', 'note']);
  const commandSet = r.optionalString('commandSet', 'aim', ['aim', 'newton']) as PimCommandSet;
  const specRowBuffers = r.optionalNumber('rowBuffers', 1, { integer: true, min: 1, max: 2 }) as 1 | 2;
  const rowBuffers = opts.rowBuffers ?? specRowBuffers;
  const baseName = r.string('base');
  const baseFile = join(ARCH_DIR, 'dram', `${baseName}.json`);
  if (!existsSync(baseFile)) throw new StrataError(`${r.where('base')}: no DRAM standard named '${baseName}' in arch/dram`);
  const base = readJsonFile(baseFile) as Record<string, unknown>;

  const org = r.object('organization');
  org.onlyKeys(['source', 'channels', 'ranks', 'columns', 'note']);
  const timing = r.object('timing');
  const rules = r.object('rules');
  rules.string('source');
  const baseOrg = base.organization as Record<string, unknown>;
  const baseTiming = base.timing as Record<string, unknown>;
  checkTimingClock(timing, base, baseName);
  const ownTiming = Object.fromEntries(Object.entries(timing.obj).filter(([k]) => k !== TIMING_CLOCK_KEY));
  for (const key of Object.keys(ownTiming)) {
    if (key !== 'source' && key !== 'note' && key in baseTiming) timing.fail(key, `a new timing parameter (the base '${baseName}' defines ${key} already)`);
  }
  const orgOverrides: Record<string, unknown> = { channels: org.number('channels', { integer: true, positive: true }) };
  if (org.has('ranks')) orgOverrides.ranks = org.number('ranks', { integer: true, positive: true });
  if (org.has('columns')) orgOverrides.columns = org.powerOfTwo('columns');
  const features = r.has('features') ? r.object('features') : undefined;
  features?.string('source');
  features?.onlyKeys(['source', 'dualCommandIssue', 'perBankRefresh', 'note']);
  const controller = r.has('controller') ? r.object('controller') : undefined;
  controller?.string('source');
  for (const [key, value] of Object.entries(opts.timing ?? {})) {
    if (!(key in ownTiming) || key === 'source' || key === 'note') throw new StrataError(`${file}: timing override '${key}': expected a timing parameter of this PIM spec (${Object.keys(ownTiming).filter((k) => k !== 'source' && k !== 'note').join(', ')})`);
    if (!Number.isInteger(value) || value < 0) throw new StrataError(`${file}: timing override '${key}': expected a whole number of cycles >= 0, found ${value}`);
  }
  const mergedTiming = { ...baseTiming, ...ownTiming, ...opts.timing };
  const extraNames = Array.isArray(r.obj.commands) ? (r.obj.commands as { name?: unknown }[]).map((c) => String(c?.name)) : [];
  const names = [...COMMANDS, ...extraNames];
  // Per-mode constraint tables: both are checked here (so a typo in the mode not loaded still fails), only
  // the one for `rowBuffers` is merged.
  const modeTables: Record<string, unknown>[] = [];
  if (r.has('rowBufferRules')) {
    const m = r.object('rowBufferRules');
    m.onlyKeys(['single', 'dual', 'note']);
    for (const mode of ['single', 'dual'] as const) {
      const t = m.object(mode);
      t.string('source');
      compileRules(t, numericTiming(mergedTiming), names);
      if ((mode === 'single') === (rowBuffers === 1)) modeTables.push(t.obj);
    }
  }
  const baseRules = typeof base.rules === 'string' ? [base.rules] : (base.rules as unknown[]);
  const merged = {
    ...base,
    name: r.string('name'),
    description: r.optionalString('description', ''),
    organization: { ...baseOrg, ...orgOverrides, source: `${String(baseOrg.source)}; PIM device: ${org.string('source')}` },
    features: features ? { ...(base.features as object), ...withoutKeys(features.obj, ['source', 'note']) } : base.features,
    controller: controller ? { ...(base.controller as object), ...controller.obj, source: `${String((base.controller as Record<string, unknown>).source)}; PIM device: ${controller.string('source')}` } : base.controller,
    timing: { ...mergedTiming, source: `${String(baseTiming.source)}; PIM: ${timing.string('source')}` },
    // One row buffer per bank: every command acts on it, whatever buffer the spec gives for the dual mode.
    commands: rowBuffers === 1 && Array.isArray(r.obj.commands)
      ? (r.obj.commands as unknown[]).map((c) => (typeof c === 'object' && c !== null && 'rowBuffer' in c ? { ...c, rowBuffer: 0 } : c))
      : r.obj.commands,
    rules: [...baseRules, rules.obj, ...modeTables],
  };
  const standard = parseStandard(merged, file);
  checkRuleLevels(standard, file);

  const u = r.object('unit');
  u.onlyKeys(['source', 'macsPerBank', 'elementBytes', 'unitClockPs', 'globalBufferBytes', 'resultLatchEntries', 'note']);
  const unit: PimUnitSpec = {
    macsPerBank: u.number('macsPerBank', { integer: true, positive: true }),
    elementBytes: u.number('elementBytes', { integer: true, positive: true }),
    unitClockPs: u.number('unitClockPs', { integer: true, positive: true }),
    globalBufferBytes: u.number('globalBufferBytes', { integer: true, positive: true }),
    resultLatchEntries: u.optionalNumber('resultLatchEntries', 1, { integer: true, positive: true }),
  };
  const rowBytes = standard.organization.columns * (standard.organization.busWidthBits / 8);
  if (rowBytes % (unit.macsPerBank * unit.elementBytes) !== 0) {
    u.fail('macsPerBank', `lanes x elementBytes dividing the row size (${rowBytes} B)`, unit.macsPerBank);
  }
  const e = r.object('energy');
  e.onlyKeys(['source', 'macPj', 'globalBufferPjPerByte', 'resultLatchPjPerByte', 'commandScale', 'note']);
  for (const name of COMMAND_SET_COMMANDS[commandSet]) {
    if (!standard.commandNames.includes(name)) r.fail('commands', `a command named ${name} (the '${commandSet}' command set has ${COMMAND_SET_COMMANDS[commandSet].join(', ')})`);
  }
  return deepFreeze({
    name: standard.name,
    file,
    commandSet,
    rowBuffers,
    standard,
    unit,
    macPj: e.number('macPj', { min: 0 }),
    globalBufferPjPerByte: e.optionalNumber('globalBufferPjPerByte', 0, { min: 0 }),
    resultLatchPjPerByte: e.optionalNumber('resultLatchPjPerByte', 0, { min: 0 }),
    commandEnergyPj: e.has('commandScale') ? commandEnergies(e.object('commandScale'), standard) : {},
    sources: { ...standard.sources, unit: u.string('source'), energy: e.string('source') },
    assumptions: assumptions.map((a) => a.path),
  });
}

/** Timing values that are numbers (the rest, `source` and `note`, are text). */
function numericTiming(t: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(t)) if (typeof v === 'number') out[k] = v;
  return out;
}

function withoutKeys(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/** The finest level a rule on a command of each scope may act at (TimingState keeps one entry per node of a level). */
const FINEST_LEVEL: Readonly<Record<string, Level>> = { bank: 'bank', bankgroup: 'bankgroup', 'all-banks': 'rank', 'all-ranks': 'channel' };

/**
 * A rule on a command that covers several banks must act at a level that contains all of them: TimingState
 * records a command at one node per level, so a bank-level rule on a bank-group command would reach only one
 * of its banks. (Commands of the channel's shared logic may use rank-level rules on single-rank devices.)
 */
export function checkRuleLevels(std: DramStandard, file: string): void {
  const first = COMMANDS.length;
  for (const rule of std.rules) {
    for (const k of [rule.prev, rule.next]) {
      if (k < first) continue;
      const x = std.extraCommands[k - first]!;
      const finest = x.scope === 'channel' ? (std.organization.ranks === 1 ? 'rank' : 'channel') : FINEST_LEVEL[x.scope]!;
      if (LEVELS.indexOf(rule.level) > LEVELS.indexOf(finest)) {
        throw new StrataError(`${file}: rule ${rule.text}: ${x.name} acts on scope '${x.scope}', so its rules must act at level ${finest} or broader (${LEVELS.slice(0, LEVELS.indexOf(finest) + 1).join(', ')}), found ${rule.level}`);
      }
    }
  }
}

/**
 * Energy of each PIM command as a multiple of a JEDEC command's IDD energy (NewtonSim's scaling): ACT =
 * VDD (IDD0 tRC - (IDD3N tRAS + IDD2N tRP)), RD = VDD (IDD4R - IDD3N) tBURST, WR = VDD (IDD4W - IDD3N)
 * tBURST, per die, in pJ.
 */
function commandEnergies(s: FieldReader, std: DramStandard): Record<string, number> {
  const p = std.power;
  const t = std.timing;
  const k = p.VDD * std.organization.devicesPerRank * (std.tCKPs / 1000);
  const jedec: Record<string, number> = {
    ACT: k * (p.IDD0 * t.tRC! - (p.IDD3N * t.tRAS! + p.IDD2N * t.tRP!)),
    RD: k * (p.IDD4R - p.IDD3N) * t.tBURST!,
    WR: k * (p.IDD4W - p.IDD3N) * t.tBURST!,
  };
  const out: Record<string, number> = {};
  for (const name of Object.keys(s.obj)) {
    if (name === 'source' || name === 'note') continue;
    if (!std.extraCommands.some((c) => c.name === name)) s.fail(name, `a PIM command of this spec (${std.extraCommands.map((c) => c.name).join(', ')})`, name);
    const c = s.object(name);
    c.onlyKeys(['of', 'times', 'note']);
    out[name] = jedec[c.string('of', Object.keys(jedec))]! * c.number('times', { min: 0 });
  }
  return out;
}
