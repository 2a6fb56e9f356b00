import { existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { evaluateExpression } from '../spec/expression.ts';
import { COMMANDS, LEVELS, type ExtraCommand, type Level } from './commands.ts';
import { parseAddressMapping } from './address-mapping.ts';
import { readJsonFile, jsonFileNames } from '../spec/json-file.ts';
import { ARCH_DIR } from '../spec/package-root.ts';
import { deepFreeze } from '../spec/freeze.ts';
import { activateToColumnCycles, dataBusGap } from './data-bus-rules.ts';
import { formatCount, MAX_BANKS_PER_CHANNEL, MAX_CHANNELS, MAX_NODE_COUNT, MAX_ROWS, MAX_TCK_PS, MAX_TIMING_PS } from './limits.ts';

/** Organisation of a DRAM device as seen by one memory system. */
export interface Organization {
  /** Independent channels, each with its own controller and buses. */
  readonly channels: number;
  /** Ranks per channel (HBM: pseudo-channels or stack IDs sharing a channel's bus). */
  readonly ranks: number;
  /** Bank groups per rank (1 where the standard has none). */
  readonly bankGroups: number;
  /** Banks in each bank group. */
  readonly banksPerGroup: number;
  /** Rows per bank (a power of two). */
  readonly rows: number;
  /** Column addresses per row; each column is `busWidthBits` wide. */
  readonly columns: number;
  /** Data-bus width of one channel in bits. */
  readonly busWidthBits: number;
  /** Beats per burst; one request moves busWidthBits/8 × burstLength bytes. */
  readonly burstLength: number;
  /** DRAM dies (chips) that make up one rank; IDD currents are per die. */
  readonly devicesPerRank: number;
}

/** One compiled timing rule: after `prev` at `level`, `next` waits `cycles` (siblings only: other nodes). */
export interface TimingRule {
  /** The earlier command, as an index into `DramStandard.commandNames`. */
  readonly prev: number;
  /** The later command that waits, as an index into `DramStandard.commandNames`. */
  readonly next: number;
  /** The level (channel, rank, bank group, bank) whose node the two commands share, or whose siblings they target. */
  readonly level: Level;
  /** True: the rule holds between different nodes of `level` (e.g. another rank); false: within the same node. */
  readonly sibling: boolean;
  /** The distance in tCK cycles, evaluated from the standard's timing parameters. */
  readonly cycles: number;
  /** The rule as written, for messages. */
  readonly text: string;
}

/** A rolling-window rule: at most `count` commands of `command` per `cycles` at `level` (tFAW). */
export interface WindowRule {
  /** The limited command, as an index into `DramStandard.commandNames`. */
  readonly command: number;
  /** The level whose node the window counts commands in (rank for tFAW). */
  readonly level: Level;
  /** At most this many commands in any window. */
  readonly count: number;
  /** The window's length in tCK cycles. */
  readonly cycles: number;
  /** The rule as written, for messages. */
  readonly text: string;
}

/** IDD/VDD currents (mA, V) per die, for the Micron/DRAMsim3 energy method. */
export interface PowerSpec {
  /** Supply voltage, V. */
  readonly VDD: number;
  /** One-bank activate-precharge current, mA. */
  readonly IDD0: number;
  /** Precharge standby current (all banks closed), mA. */
  readonly IDD2N: number;
  /** Precharge power-down current, mA. */
  readonly IDD2P: number;
  /** Active standby current (a bank open), mA. */
  readonly IDD3N: number;
  /** Active power-down current, mA. */
  readonly IDD3P: number;
  /** Burst read current, mA. */
  readonly IDD4R: number;
  /** Burst write current, mA. */
  readonly IDD4W: number;
  /** All-bank refresh current, mA. */
  readonly IDD5AB: number;
  /** Per-bank refresh current, mA (0 where the standard has no per-bank refresh). */
  readonly IDD5PB: number;
}

/** Per-bit (path) energy model, FGDRAM-style. */
export interface PathEnergySpec {
  /** Energy of one row activation (with its precharge), pJ. */
  readonly activatePj: number;
  /** Cell array read/write, pJ per bit. */
  readonly cellPjPerBit: number;
  /** On-die datapath from the bank to the I/O, pJ per bit. */
  readonly datapathPjPerBit: number;
  /** Off-die interface (TSV, interposer or PCB), pJ per bit. */
  readonly ioPjPerBit: number;
  /** One all-bank refresh, pJ. */
  readonly refreshPj: number;
}

/** Controller defaults that come with a preset; the CLI and the library can override each. */
export interface ControllerSpec {
  /** Per bank: FR-FCFS serves queued row hits before opening another row (up to `rowHitCap`); FCFS only the oldest request. */
  readonly scheduler: 'frfcfs' | 'fcfs';
  /** Open: a row stays open after an access; closed: every access auto-precharges (RDA, WRA). */
  readonly pagePolicy: 'open' | 'closed';
  /** Address bits to fields, most significant first, e.g. `ro-ba-bg-ch-co` or DRAMsim3's `rorabgbachco`. */
  readonly addressMapping: string;
  /** Transaction-queue entries, separately for reads and for writes. */
  readonly readQueueDepth: number;
  /** Write transaction-queue entries (see `readQueueDepth`). */
  readonly writeQueueDepth: number;
  /** Command-queue entries per bank, or per rank under `queueStructure` PER_RANK. */
  readonly commandQueueDepth: number;
  /**
   * DRAMsim3's `queue_structure` (src/command_queue.cc, CommandQueue's constructor): PER_BANK, one command queue per
   * bank (the default; absent from the object then, so reports of PER_BANK runs stay as they were), or PER_RANK, one
   * queue per rank holding the commands of all its banks (src/dram/controller/per-rank.ts).
   */
  readonly queueStructure?: 'PER_BANK' | 'PER_RANK';
  /** Writes drain ahead of reads once this many wait, or once more than `writeLowWatermark` wait while no command does; a drain moves the writes queued at its start. */
  readonly writeHighWatermark: number;
  /** A drain also starts when more than this many writes wait while every command queue is empty. */
  readonly writeLowWatermark: number;
  /** Writes below the watermarks are flushed after this many cycles without a new request (DRAMsim3 never writes them). */
  readonly writeFlushIdleCycles: number;
  /** Column hits a bank may serve on an open row while an older request waits for another row. */
  readonly rowHitCap: number;
  /** Refresh: all banks of a rank at once (REF every tREFI), one bank at a time (every tREFIpb), or none. */
  readonly refresh: 'all-bank' | 'per-bank' | 'none';
}

/** A loaded, validated DRAM standard preset. Frozen; models trust it. */
export interface DramStandard {
  /** Preset name (`hbm2`), as `loadStandard` takes it. */
  readonly name: string;
  /** The JEDEC standard it follows (`HBM2`). */
  readonly standard: string;
  /** One line on the part and its source ('' when the file has none). */
  readonly description: string;
  /** File it came from. */
  readonly file: string;
  /** Channels, ranks, banks, rows and columns, bus width and burst length. */
  readonly organization: Organization;
  /** Clock period tCK, ps; timing parameters count cycles of it. */
  readonly tCKPs: number;
  /** Timing parameters in cycles of tCK, by name. */
  readonly timing: Readonly<Record<string, number>>;
  /** The constraint tables compiled against `timing`: every (earlier command, later command, level) distance. */
  readonly rules: readonly TimingRule[];
  /** The rolling-window limits of the constraint tables (tFAW). */
  readonly windows: readonly WindowRule[];
  /** A row command and a column command may issue in the same cycle (HBM). */
  readonly dualCommandIssue: boolean;
  /** IDD currents for the IDD energy method. */
  readonly power: PowerSpec;
  /** Per-bit energies for the path energy method. */
  readonly pathEnergy: PathEnergySpec;
  /** The controller settings that come with the preset. */
  readonly controller: ControllerSpec;
  /** Sources cited by the file, by section. */
  readonly sources: Readonly<Record<string, string>>;
  /** Every command name, indexed like the command numbers: the JEDEC ones, then those a PIM spec adds. */
  readonly commandNames: readonly string[];
  /** Commands added by a PIM spec (index = COMMANDS.length + position). */
  readonly extraCommands: readonly ExtraCommand[];
}

/** Timing parameters every standard must define (cycles). */
export const REQUIRED_TIMING = [
  'tBURST', 'CL', 'CWL', 'tRCDRD', 'tRCDWR', 'tRP', 'tRAS', 'tRC', 'tCCD_S', 'tCCD_L', 'tRRD_S', 'tRRD_L',
  'tWTR_S', 'tWTR_L', 'tFAW', 'tWR', 'tRTP', 'tRFC', 'tREFI', 'tRTRS',
] as const;

/** Timing parameters the controller reads besides those the constraint tables name. */
const KNOWN_TIMING = new Set<string>([...REQUIRED_TIMING, 'tRFCpb', 'tREFIpb']);

/** Bytes one request moves: one burst on the whole data bus (bus width x burst length). */
export function bytesPerRequest(s: DramStandard): number {
  return (s.organization.busWidthBits / 8) * s.organization.burstLength;
}

/** Analytical peak bandwidth of the whole system: one burst per tBURST on every channel, GB/s. */
export function peakBandwidthGBps(s: DramStandard): number {
  return peakOf(s.organization, s.timing.tBURST!, s.tCKPs);
}

/** The analytical peak in GB/s from the parts of a standard (peakBandwidthGBps before the standard exists). */
function peakOf(o: Organization, tBURST: number, tCKPs: number): number {
  return (o.channels * (o.busWidthBits / 8) * o.burstLength) / ((tBURST * tCKPs) / 1000);
}

/** Capacity in bytes. */
export function capacityBytes(s: DramStandard): number {
  const o = s.organization;
  return o.channels * o.ranks * o.bankGroups * o.banksPerGroup * o.rows * o.columns * (o.busWidthBits / 8);
}

/** Names of shipped standards (files in arch/dram without the .json). */
export function knownStandards(): string[] {
  return jsonFileNames(join(ARCH_DIR, 'dram'));
}

/** Loads a standard by shipped name or path to a Strata JSON spec. */
export function loadStandard(nameOrPath: string): DramStandard {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = looksLikePath ? nameOrPath : join(ARCH_DIR, 'dram', `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (looksLikePath) throw new StrataError(`${nameOrPath}: file not found`);
    const near = knownStandards().find((k) => k.toLowerCase() === nameOrPath.toLowerCase());
    const hint = near ? `did you mean '${near}'? Names are lower case; ` : '';
    throw new StrataError(`unknown DRAM standard '${nameOrPath}' (${hint}known: ${knownStandards().join(', ')}; or give a path to a .json spec or a DRAMsim3 .ini)`);
  }
  const json = readJsonFile(file);
  return parseStandard(json, file);
}

/** Rules files (arch/dram/rules/NAME.json) hold constraint tables shared by standards. */
function loadRules(name: string, from: string): { file: string; reader: FieldReader } {
  const file = join(ARCH_DIR, 'dram', 'rules', `${name}.json`);
  if (!existsSync(file)) throw new StrataError(`${from}: field 'rules': no constraint table named '${name}' in arch/dram/rules`);
  const json = readJsonFile(file);
  return { file, reader: FieldReader.root(file, json) };
}

function commandList(r: FieldReader, key: string, names: readonly string[]): number[] {
  const v = r.obj[key];
  const given = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(given) || given.length === 0) r.fail(key, `a command name or a list of them (${names.join(', ')})`, v);
  return given.map((n, i) => {
    const idx = typeof n === 'string' ? names.indexOf(n) : -1;
    if (idx < 0) r.fail(Array.isArray(v) ? `${key}[${i}]` : key, `a command name (${names.join(', ')})`, n);
    return idx;
  });
}

/** Compiles a constraint table against timing parameters. */
export function compileRules(reader: FieldReader, timing: Record<string, number>, names: readonly string[] = COMMANDS): { rules: TimingRule[]; windows: WindowRule[] } {
  const rules: TimingRule[] = [];
  for (const r of reader.has('rules') ? reader.objects('rules') : []) {
    r.onlyKeys(['prev', 'next', 'level', 'sibling', 'distance', 'note']);
    const prevs = commandList(r, 'prev', names);
    const nexts = commandList(r, 'next', names);
    const level = r.string('level', LEVELS) as Level;
    const sibling = r.boolean('sibling', false);
    const text = r.string('distance');
    const cycles = evaluateExpression(text, timing, r.where('distance'));
    // A negative distance would let the next command go before the previous one: no standard has one.
    if (cycles < 0) r.fail('distance', 'a distance of 0 cycles or more', `${text} = ${cycles}`);
    for (const prev of prevs) {
      for (const next of nexts) {
        rules.push({ prev, next, level, sibling, cycles, text: `${names[prev]} -> ${names[next]} (${sibling ? 'other ' : 'same '}${level}): ${text} = ${cycles}` });
      }
    }
  }
  const windows: WindowRule[] = [];
  for (const w of reader.has('windows') ? reader.objects('windows') : []) {
    w.onlyKeys(['command', 'level', 'count', 'window', 'note']);
    const [command] = commandList(w, 'command', names);
    const level = w.string('level', LEVELS) as Level;
    const count = w.number('count', { integer: true, positive: true });
    const text = w.string('window');
    const cycles = evaluateExpression(text, timing, w.where('window'));
    if (cycles < 1) w.fail('window', 'a window of 1 cycle or more', `${text} = ${cycles}`);
    windows.push({ command: command!, level, count, cycles, text: `${count} x ${names[command!]} per ${text} = ${cycles} (${level})` });
  }
  return { rules, windows };
}

const ORG_KEYS = ['source', 'channels', 'ranks', 'bankGroups', 'banksPerGroup', 'rows', 'columns', 'busWidthBits', 'burstLength', 'devicesPerRank', 'note'];
const POWER_KEYS = ['source', 'VDD', 'IDD0', 'IDD2N', 'IDD2P', 'IDD3N', 'IDD3P', 'IDD4R', 'IDD4W', 'IDD5AB', 'IDD5PB', 'note'];
const PATH_KEYS = ['source', 'activatePj', 'cellPjPerBit', 'datapathPjPerBit', 'ioPjPerBit', 'refreshPj', 'note'];
const CTRL_KEYS = ['source', 'scheduler', 'pagePolicy', 'addressMapping', 'readQueueDepth', 'writeQueueDepth', 'commandQueueDepth', 'queueStructure', 'writeHighWatermark', 'writeLowWatermark', 'writeFlushIdleCycles', 'rowHitCap', 'refresh', 'note'];

/** Options of parseStandard. */
export interface ParseStandardOptions {
  /**
   * Whether the standard's users issue JEDEC reads and writes (default true), whose data-bus spacing the
   * constraint tables must then keep (src/dram/data-bus-rules.ts). An AttAcc device issues only its PIM commands.
   */
  readonly jedecColumnCommands?: boolean;
}

/** Validates a parsed standard (JSON object) and returns it frozen. `file` names it in errors. */
export function parseStandard(json: unknown, file: string, opts: ParseStandardOptions = {}): DramStandard {
  const r = FieldReader.root(file, json);
  r.onlyKeys(['name', 'standard', 'description', 'rules', 'commands', 'organization', 'clock', 'timing', 'features', 'power', 'pathEnergy', 'controller', 'source', 'note']);
  const sources: Record<string, string> = {};
  const section = (key: string): FieldReader => {
    const s = r.object(key);
    sources[key] = s.string('source');
    return s;
  };

  const o = section('organization');
  o.onlyKeys(ORG_KEYS);
  const bounded = (key: string, max: number, why: string): number => {
    const v = o.number(key, { integer: true, positive: true });
    if (v > max) o.fail(key, `an integer <= ${max} (${why})`, v);
    return v;
  };
  const nodes = `the command log keeps it in one byte; see docs/limits.md`;
  const organization: Organization = {
    channels: bounded('channels', MAX_CHANNELS, `each channel's controller holds about 150 KB, so 65,536 channels would need about 11 GB; see docs/limits.md`),
    ranks: bounded('ranks', MAX_NODE_COUNT, nodes),
    bankGroups: bounded('bankGroups', MAX_NODE_COUNT, nodes),
    banksPerGroup: bounded('banksPerGroup', MAX_NODE_COUNT, nodes),
    rows: boundedPowerOfTwo(o, 'rows', MAX_ROWS, 'a row is a 32-bit signed integer in the controller and the command log'),
    columns: o.powerOfTwo('columns'),
    busWidthBits: o.number('busWidthBits', { integer: true, positive: true }),
    burstLength: o.powerOfTwo('burstLength'),
    devicesPerRank: o.number('devicesPerRank', { integer: true, positive: true }),
  };
  if (organization.columns < organization.burstLength) o.fail('columns', `at least burstLength (${organization.burstLength})`, organization.columns);
  const banksPerChannel = organization.ranks * organization.bankGroups * organization.banksPerGroup;
  if (banksPerChannel > MAX_BANKS_PER_CHANNEL) {
    o.fail('banksPerGroup', `ranks x bankGroups x banksPerGroup <= ${MAX_BANKS_PER_CHANNEL} banks per channel (the controller keeps timing state per bank; see docs/limits.md)`, `${organization.ranks} x ${organization.bankGroups} x ${organization.banksPerGroup} = ${banksPerChannel}`);
  }

  const c = section('clock');
  c.onlyKeys(['source', 'tCKPs', 'dataRateMTps', 'note']);
  const tCKPs = c.number('tCKPs', { integer: true, positive: true });
  if (tCKPs > MAX_TCK_PS) c.fail('tCKPs', `an integer <= ${MAX_TCK_PS} (1 us: JEDEC clocks run at 66 MHz or faster; see docs/limits.md)`, tCKPs);
  // The longest timing distance in cycles of this clock (1 ms; see MAX_TIMING_PS).
  const maxTimingCycles = Math.floor(MAX_TIMING_PS / tCKPs);
  const timingLimit = `1 ms (${formatCount(maxTimingCycles)} cycles at tCK ${tCKPs} ps: over 100 times JEDEC's longest timing, tREFI; see docs/limits.md)`;

  const t = section('timing');
  const timing: Record<string, number> = {};
  for (const key of Object.keys(t.obj)) {
    if (key === 'source' || key === 'note') continue;
    timing[key] = t.number(key, { integer: true, min: 0 });
    if (timing[key] > maxTimingCycles) t.fail(key, `at most ${formatCount(maxTimingCycles)} cycles (1 ms at tCK ${tCKPs} ps: over 100 times JEDEC's longest timing, tREFI; see docs/limits.md)`, timing[key]);
  }
  for (const key of REQUIRED_TIMING) {
    if (timing[key] === undefined) t.fail(key, 'a whole number of cycles >= 0 (field is missing)');
  }
  const tm = timing as Record<(typeof REQUIRED_TIMING)[number], number>;
  if (tm.tBURST < 1) t.fail('tBURST', 'at least 1 cycle', tm.tBURST);
  if (tm.tRC < tm.tRAS + tm.tRP) t.fail('tRC', `tRC >= tRAS + tRP = ${tm.tRAS} + ${tm.tRP} = ${tm.tRAS + tm.tRP}`, tm.tRC);
  if (tm.tRAS < tm.tRCDRD) t.fail('tRAS', `tRAS >= tRCDRD (${tm.tRCDRD})`, tm.tRAS);
  if (tm.tREFI <= tm.tRFC) t.fail('tREFI', `tREFI > tRFC (${tm.tRFC})`, tm.tREFI);
  if (tm.tCCD_L < tm.tCCD_S) t.fail('tCCD_L', `tCCD_L >= tCCD_S (${tm.tCCD_S})`, tm.tCCD_L);
  if (tm.tRRD_L < tm.tRRD_S) t.fail('tRRD_L', `tRRD_L >= tRRD_S (${tm.tRRD_S})`, tm.tRRD_L);
  if (tm.tFAW < tm.tRRD_S) t.fail('tFAW', `tFAW >= tRRD_S (${tm.tRRD_S})`, tm.tFAW);

  const features = r.has('features') ? r.object('features') : new FieldReader(file, {}, 'features');
  features.onlyKeys(['dualCommandIssue', 'perBankRefresh', 'note']);
  const dualCommandIssue = features.boolean('dualCommandIssue', false);
  const perBankRefresh = features.boolean('perBankRefresh', false);
  if (perBankRefresh) {
    for (const key of ['tRFCpb', 'tREFIpb']) if (timing[key] === undefined) t.fail(key, 'a whole number of cycles (features.perBankRefresh is true)');
  }

  const extraCommands = r.has('commands') ? r.objects('commands').map(parseExtraCommand) : [];
  const commandNames = [...COMMANDS, ...extraCommands.map((x) => x.name)];
  extraCommands.forEach((x, i) => {
    if (commandNames.indexOf(x.name) !== COMMANDS.length + i) r.fail(`commands[${i}].name`, 'a command name not used before', x.name);
  });
  // Constraint tables: names of files in arch/dram/rules, or tables written inline (objects with a source).
  const rulesValue = r.obj.rules;
  const rulesList = typeof rulesValue === 'string' ? [rulesValue] : rulesValue;
  if (!Array.isArray(rulesList) || rulesList.length === 0 || !rulesList.every((n) => typeof n === 'string' || (typeof n === 'object' && n !== null))) {
    r.fail('rules', 'the name of a constraint table in arch/dram/rules, an inline table, or a list of them', rulesValue);
  }
  const rulesNames = (rulesList as unknown[]).map((n, i) => (typeof n === 'string' ? n : `inline ${i}`));
  const rules: TimingRule[] = [];
  const windows: WindowRule[] = [];
  const rulesText: string[] = [];
  for (let i = 0; i < (rulesList as unknown[]).length; i++) {
    const entry = (rulesList as unknown[])[i];
    const name = rulesNames[i]!;
    const rulesReader = typeof entry === 'string' ? loadRules(entry, file).reader : new FieldReader(file, entry as Record<string, unknown>, `rules[${i}]`);
    sources[`rules:${name}`] = rulesReader.string('source');
    const compiled = compileRules(rulesReader, timing, commandNames);
    rulesText.push(JSON.stringify(rulesReader.obj));
    rules.push(...compiled.rules);
    windows.push(...compiled.windows);
  }
  for (const rule of [...rules, ...windows]) {
    if (rule.cycles > maxTimingCycles) throw new StrataError(`${r.where('rules')}: rule ${rule.text} cycles is more than ${timingLimit}`);
  }
  const gap = opts.jedecColumnCommands === false ? undefined : dataBusGap(rules, timing, organization);
  if (gap !== undefined) {
    throw new StrataError(`${r.where('rules')}: the constraint tables ${JSON.stringify(rulesNames)} let a run exceed the analytical peak of ${peakOf(organization, timing.tBURST!, tCKPs)} GB/s: ${gap}; add such a rule (arch/dram/rules/jedec.json has them)`);
  }
  // Forward progress: a refresh closes every row each tREFI, so the wait from ACT to the row's first column command
  // must fit between two refreshes (after the refresh's own tRFC), or a request can never be served (a hang).
  if (opts.jedecColumnCommands !== false && timing.tREFI !== undefined && timing.tRFC !== undefined) {
    const act = activateToColumnCycles(rules);
    const window = timing.tREFI - timing.tRFC;
    if (act.cycles >= window) {
      throw new StrataError(`${r.where('timing')}: ${act.text} keeps a column command ${formatCount(act.cycles)} cycles behind its ACT, but a refresh closes every row each tREFI: expected less than tREFI - tRFC = ${formatCount(window)} cycles, or no request could ever be served`);
    }
  }

  const p = section('power');
  p.onlyKeys(POWER_KEYS);
  const mA = (k: string) => p.number(k, { min: 0 });
  const power: PowerSpec = {
    VDD: p.number('VDD', { positive: true }),
    IDD0: mA('IDD0'), IDD2N: mA('IDD2N'), IDD2P: mA('IDD2P'), IDD3N: mA('IDD3N'), IDD3P: mA('IDD3P'),
    IDD4R: mA('IDD4R'), IDD4W: mA('IDD4W'), IDD5AB: mA('IDD5AB'),
    // Needed only where per-bank refresh exists; leaving it out there would silently make per-bank refresh free.
    IDD5PB: timing.tRFCpb !== undefined ? p.number('IDD5PB', { min: 0 }) : p.optionalNumber('IDD5PB', 0, { min: 0 }),
  };
  if (power.IDD3N < power.IDD2N) p.fail('IDD3N', `IDD3N >= IDD2N (${power.IDD2N}): active standby draws at least precharge standby`, power.IDD3N);
  if (power.IDD0 < power.IDD3N) p.fail('IDD0', `IDD0 >= IDD3N (${power.IDD3N}): activation current includes active standby`, power.IDD0);
  if (power.IDD4R < power.IDD3N) p.fail('IDD4R', `IDD4R >= IDD3N (${power.IDD3N})`, power.IDD4R);
  if (power.IDD4W < power.IDD3N) p.fail('IDD4W', `IDD4W >= IDD3N (${power.IDD3N})`, power.IDD4W);

  const e = section('pathEnergy');
  e.onlyKeys(PATH_KEYS);
  const pathEnergy: PathEnergySpec = {
    activatePj: e.number('activatePj', { min: 0 }),
    cellPjPerBit: e.number('cellPjPerBit', { min: 0 }),
    datapathPjPerBit: e.number('datapathPjPerBit', { min: 0 }),
    ioPjPerBit: e.number('ioPjPerBit', { min: 0 }),
    refreshPj: e.number('refreshPj', { min: 0 }),
  };

  const k = section('controller');
  k.onlyKeys(CTRL_KEYS);
  const controller: ControllerSpec = parseController(k, perBankRefresh);
  parseAddressMapping(controller.addressMapping, organization, k.where('addressMapping'));
  const unused = Object.keys(timing).filter((key) => !KNOWN_TIMING.has(key) && !rulesText.some((text) => new RegExp(`\\b${key}\\b`).test(text)));
  if (unused.length > 0) {
    t.fail(unused[0]!, `a timing parameter that some rule or the controller uses (known: ${[...KNOWN_TIMING].join(', ')}, or a name in the constraint tables ${JSON.stringify(rulesNames)})`, timing[unused[0]!]);
  }

  const std: DramStandard = {
    name: r.string('name'),
    standard: r.string('standard'),
    description: r.optionalString('description', ''),
    file,
    organization,
    tCKPs,
    timing,
    rules,
    windows,
    dualCommandIssue,
    power,
    pathEnergy,
    controller,
    sources,
    commandNames,
    extraCommands,
  };
  return deepFreeze(std);
}

/** A power of two at most `max` (checked before the bit test, which JavaScript does on 32 bits). */
function boundedPowerOfTwo(r: FieldReader, key: string, max: number, why: string): number {
  const v = r.number(key, { integer: true, positive: true });
  if (v > max) r.fail(key, `a power of two <= ${max} (${why})`, v);
  return r.powerOfTwo(key);
}

/** Reads one command a PIM spec adds (see ExtraCommand). */
function parseExtraCommand(c: FieldReader): ExtraCommand {
  // `source` cites where the command's numbers (dataBytes) come from (src/spec/provenance.ts); the model does not read it.
  c.onlyKeys(['name', 'scope', 'rowEffect', 'bus', 'dataBytes', 'rowBuffer', 'description', 'source']);
  const name = c.string('name');
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) c.fail('name', 'a command name of letters, digits and _', name);
  return {
    name,
    scope: c.string('scope', ['bank', 'all-banks', 'channel', 'bankgroup', 'all-ranks']) as ExtraCommand['scope'],
    rowBuffer: c.optionalNumber('rowBuffer', 0, { integer: true, min: 0, max: 1 }),
    rowEffect: c.string('rowEffect', ['open', 'close', 'needs-open', 'none']) as ExtraCommand['rowEffect'],
    bus: c.string('bus', ['row', 'column']) as ExtraCommand['bus'],
    dataBytes: c.optionalNumber('dataBytes', 0, { integer: true, min: 0 }),
    description: c.string('description'),
  };
}

/** Reads a controller block (also used for overrides). */
export function parseController(k: FieldReader, perBankRefresh: boolean): ControllerSpec {
  const readQueueDepth = k.number('readQueueDepth', { integer: true, positive: true });
  const writeQueueDepth = k.number('writeQueueDepth', { integer: true, positive: true });
  const writeHighWatermark = k.optionalNumber('writeHighWatermark', writeQueueDepth, { integer: true, positive: true, max: writeQueueDepth });
  const writeLowWatermark = k.optionalNumber('writeLowWatermark', 0, { integer: true, min: 0 });
  if (writeLowWatermark >= writeHighWatermark) k.fail('writeLowWatermark', `less than writeHighWatermark (${writeHighWatermark})`, writeLowWatermark);
  const refresh = k.optionalString('refresh', 'all-bank', ['all-bank', 'per-bank', 'none']) as ControllerSpec['refresh'];
  if (refresh === 'per-bank' && !perBankRefresh) k.fail('refresh', "'all-bank' or 'none' (this standard has no per-bank refresh)", refresh);
  const queueStructure = k.optionalString('queueStructure', 'PER_BANK', ['PER_BANK', 'PER_RANK']);
  return {
    scheduler: k.optionalString('scheduler', 'frfcfs', ['frfcfs', 'fcfs']) as 'frfcfs' | 'fcfs',
    pagePolicy: k.optionalString('pagePolicy', 'open', ['open', 'closed']) as 'open' | 'closed',
    addressMapping: k.string('addressMapping'),
    readQueueDepth,
    writeQueueDepth,
    commandQueueDepth: k.number('commandQueueDepth', { integer: true, positive: true }),
    // Only PER_RANK is written into the spec: PER_BANK is what a spec without the field means.
    ...(queueStructure === 'PER_RANK' ? { queueStructure: 'PER_RANK' as const } : {}),
    writeHighWatermark,
    writeLowWatermark,
    writeFlushIdleCycles: k.optionalNumber('writeFlushIdleCycles', 128, { integer: true, positive: true }),
    rowHitCap: k.optionalNumber('rowHitCap', 4, { integer: true, positive: true }),
    refresh,
  };
}

/** File extension helper for the CLI: .ini files are DRAMsim3 configs. */
export function isIniPath(p: string): boolean {
  return extname(p).toLowerCase() === '.ini';
}
