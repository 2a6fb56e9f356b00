import { join } from 'node:path';
import { invariant, StrataError } from '../spec/errors.ts';
import { readInputText } from '../spec/input-file.ts';
import { readJsonFile } from '../spec/json-file.ts';
import { ARCH_DIR } from '../spec/package-root.ts';
import { parseStandard, type DramStandard } from './standard.ts';

/** Where DRAMsim3's own reading of a configuration is defined: the sources this importer follows. */
const DRAMSIM3_SOURCE = 'umd-memsys/DRAMsim3 @ 2981759, src/configuration.cc, src/timing.cc, src/channel_state.cc';

/**
 * Every key DRAMsim3's configuration reader (src/configuration.cc, Config::Init*Params) reads, by section, with
 * the default it uses when the file leaves the key out. Keys in `NO_EFFECT` are read by DRAMsim3 but change
 * nothing Strata models (power-down, self-refresh, output and HMC link settings). The `[thermal]` section is read
 * only by DRAMsim3's optional thermal build, and Strata models no temperature.
 */
const READ: Record<string, Record<string, string>> = {
  dram_structure: {
    protocol: 'DDR3', bankgroups: '2', banks_per_group: '2', bankgroup_enable: 'true', rows: '65536', columns: '1024',
    device_width: '8', BL: '8', num_dies: '1', hbm_dual_cmd: 'true',
  },
  hmc: { num_links: '4', link_width: '16', link_speed: '15000', block_size: '64', xbar_queue_depth: '16' },
  timing: {
    tCK: '1.0', AL: '0', CL: '12', CWL: '12', tCCD_L: '6', tCCD_S: '4', tRTRS: '2', tRTP: '5', tWTR_L: '5', tWTR_S: '5',
    tWR: '10', tRP: '10', tRRD_L: '4', tRRD_S: '4', tRAS: '24', tRCD: '10', tRFC: '74', tCKE: '6', tCKESR: '12',
    tXS: '432', tXP: '8', tRFCb: '20', tREFI: '7800', tREFIb: '1950', tFAW: '50', tRPRE: '1', tWPRE: '1', tPPD: '0',
    t32AW: '330', tRCDRD: '24', tRCDWR: '20', ideal_memory_latency: '10',
  },
  power: {
    VDD: '1.2', IDD0: '48', IDD2P: '25', IDD2N: '34', IDD3P: '37', IDD3N: '43', IDD4W: '123', IDD4R: '135', IDD5AB: '250',
    IDD5PB: '5', IDD6x: '31',
  },
  system: {
    channel_size: '1024', channels: '1', bus_width: '64', address_mapping: 'chrobabgraco', queue_structure: 'PER_BANK',
    row_buf_policy: 'OPEN_PAGE', cmd_queue_size: '16', trans_queue_size: '32', unified_queue: 'false', write_buf_size: '16',
    refresh_policy: 'RANK_LEVEL_STAGGERED', enable_self_refresh: 'false', sref_threshold: '1000',
    aggressive_precharging_enabled: 'false',
  },
  other: { epoch_period: '100000', output_level: '1', output_prefix: 'dramsim3' },
  thermal: {
    const_logic_power: '5.0', mat_dim_x: '512', mat_dim_y: '512', loc_mapping: '', bank_order: '1', bank_layer_order: '0',
    chip_dim_x: '0.01', chip_dim_y: '0.01', amb_temp: '40',
  },
};

/** Keys DRAMsim3 reads that change nothing Strata models: accepted and listed in `ignoredKeys`. */
const NO_EFFECT = new Set([
  'num_dies', 'num_links', 'link_width', 'link_speed', 'block_size', 'xbar_queue_depth', 'tCKE', 'tCKESR', 'tXS', 'tXP',
  'tRPRE', 'tWPRE', 'ideal_memory_latency', 'IDD6x', 'write_buf_size', 'enable_self_refresh', 'sref_threshold',
  'aggressive_precharging_enabled', 'epoch_period', 'output_level', 'output_prefix', ...Object.keys(READ.thermal!),
]);

/** Section of every key DRAMsim3 reads (each key name is read in one section only). */
const SECTION_OF: Record<string, string> = Object.fromEntries(Object.entries(READ).flatMap(([s, keys]) => Object.keys(keys).map((k) => [k, s])));

/** DRAMsim3 protocols Strata imports. HMC is a packet-switched cube behind serial links, not a JEDEC DRAM interface. */
const PROTOCOLS = ['DDR3', 'DDR4', 'GDDR5', 'GDDR5X', 'GDDR6', 'LPDDR', 'LPDDR3', 'LPDDR4', 'HBM', 'HBM2'];

/**
 * Keys an .ini must set. DRAMsim3 has a default for every key (a DDR3-like device), so an empty file runs there;
 * Strata refuses a file that leaves out what defines the device: its organisation, clock, core timings and
 * capacity. Every configuration DRAMsim3 ships sets all of them (its other keys take DRAMsim3's defaults, noted;
 * some leave out tRCD, tREFI or tCCD_L and rely on them). A key with an empty value counts as given: DRAMsim3 reads
 * it as its default, and the import notes that.
 */
const REQUIRED = [
  'protocol', 'bankgroups', 'banks_per_group', 'rows', 'columns', 'device_width', 'BL',
  'tCK', 'CL', 'CWL', 'tRP', 'tRAS', 'tRFC', 'tWR', 'tFAW',
  'channel_size', 'channels', 'bus_width',
];

interface RulesTable {
  source: string;
  rules: { prev: unknown; next: unknown; level: string; sibling?: boolean; distance: string }[];
}

/**
 * DRAMsim3's constraint table (src/timing.cc), as an inline table: arch/dram/rules/jedec.json but for one rule. A
 * write after a write to another rank of the channel waits only the burst in DRAMsim3 (write_to_write_o =
 * burst_cycle), where jedec.json, Ramulator 2 and Strata's protocol checker add the rank-switch bubble tRTRS. It
 * matters only with two or more ranks (docs/validation.md shows what it moves).
 */
function dramsim3Rules(): RulesTable {
  const file = join(ARCH_DIR, 'dram', 'rules', 'jedec.json');
  const table = structuredClone(readJsonFile(file)) as RulesTable;
  const writes = JSON.stringify(['WR', 'WRA']);
  const ww = table.rules.filter((r) => r.level === 'rank' && r.sibling === true && JSON.stringify(r.prev) === writes && JSON.stringify(r.next) === writes);
  invariant(ww.length === 1 && ww[0]!.distance === 'tBURST + tRTRS', `${file}: expected one WR -> WR rule on another rank at tBURST + tRTRS to replace with DRAMsim3's`);
  ww[0]!.distance = 'tBURST';
  return { ...table, source: `DRAMsim3's command-to-command table (${DRAMSIM3_SOURCE}); written as ${file.replace(/^.*\/arch\//, 'arch/')} (${table.source}) with WR -> WR on another rank = tBURST (write_to_write_o = burst_cycle)` };
}

/** The result of importing a DRAMsim3 configuration. */
export interface IniImport {
  standard: DramStandard;
  /** Keys present in the file that DRAMsim3 reads but that change nothing in Strata (`[section] key`). */
  ignoredKeys: string[];
  /** Keys present in the file that DRAMsim3 does not read at all (`[section] key (line N)`): ignored, as there. */
  unreadKeys: string[];
  /**
   * What the import decided that the file does not say: the DRAMsim3 defaults it used for keys the file leaves
   * out (`key=value`, in the order read), keys DRAMsim3 does not read, and how channel_size was turned into ranks
   * when it is not a whole number of ranks. The CLI prints them, so no default is silent.
   */
  notes: string[];
}

/**
 * Reads a DRAMsim3 .ini configuration and converts it, with DRAMsim3's own derivations (src/configuration.cc,
 * src/timing.cc): HBM columns double for the 2n prefetch and GDDR columns multiply by BL; the burst takes BL/2
 * cycles (BL/4 for GDDR5, BL/8 for GDDR5X, BL/16 for GDDR6); ranks = channel_size / rank size; tRC = tRAS + tRP;
 * a device of one bank group uses the _S timings for every bank; GDDR and LPDDR4 space precharges by tPPD, and
 * GDDR limits activations to 32 per t32AW.
 *
 * Refused with one line naming the file and line: a duplicated section or key (DRAMsim3's INI reader would join
 * the values, and the first integer silently wins), a malformed line, a missing required key (REQUIRED), an
 * unsupported protocol (HMC) or controller structure.
 */
export function importDramsim3Ini(file: string): IniImport {
  const text = readInputText(file, 'a DRAMsim3 .ini configuration');
  const values: Record<string, string> = {};
  const lineOf: Record<string, number> = {};
  const sectionLine: Record<string, number> = {};
  const ignoredKeys: string[] = [];
  const unreadKeys: string[] = [];
  let section = '';
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/[;#].*$/, '').trim();
    const where = `${file}:${i + 1}`;
    if (line === '') return;
    const sec = /^\[([A-Za-z_0-9]+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      if (sectionLine[section] !== undefined) throw new StrataError(`${where}: section [${section}] appears twice (first at line ${sectionLine[section]}); expected each section once`);
      sectionLine[section] = i + 1;
      return;
    }
    const kv = /^([A-Za-z_0-9]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new StrataError(`${where}: expected 'key = value' or '[section]', found "${line.slice(0, 60).replace(/[^\x20-\x7e]/g, '?')}"`);
    if (!section) throw new StrataError(`${where}: key '${kv[1]}' comes before any [section]`);
    const key = kv[1]!;
    const id = `${section}.${key}`;
    if (lineOf[id] !== undefined) throw new StrataError(`${where}: key '${key}' appears twice in [${section}] (first at line ${lineOf[id]}); expected each key once`);
    lineOf[id] = i + 1;
    if (SECTION_OF[key] !== section) {
      unreadKeys.push(`[${section}] ${key} (line ${i + 1})`);
      return;
    }
    if (NO_EFFECT.has(key)) {
      ignoredKeys.push(`[${section}] ${key}`);
      return;
    }
    values[key] = kv[2]!.trim();
  });
  const lineKey = (k: string) => lineOf[`${SECTION_OF[k]}.${k}`];

  const given = (k: string) => values[k] !== undefined;
  // Protocol first: an HMC file is refused for what it is, not for the DRAM keys it leaves out.
  const protocolGiven = values.protocol;
  if (protocolGiven === 'HMC') throw new StrataError(`${file}:${lineKey('protocol')}: protocol 'HMC' is not supported: a Hybrid Memory Cube is a packet-switched stack behind serial links, not a JEDEC DRAM interface (supported: ${PROTOCOLS.join(', ')})`);
  const missing = REQUIRED.filter((k) => !given(k));
  if (missing.length > 0) {
    const named = missing.map((k) => `[${SECTION_OF[k]}] ${k}`).join(', ');
    throw new StrataError(`${file}: missing required key(s) ${named} (DRAMsim3 would silently use the defaults of a DDR3 device; Strata requires the keys that define the device)`);
  }

  const defaulted: string[] = [];
  const emptied: string[] = [];
  const trimmed: string[] = [];
  const str = (k: string): string => {
    const v = values[k];
    if (v !== undefined && v !== '') return v;
    // DRAMsim3's INI reader returns the default for a key with an empty value, as for a missing one.
    const list = v === '' ? emptied : defaulted;
    if (!list.includes(k)) list.push(k);
    return READ[SECTION_OF[k]!]![k]!;
  };
  const where = (k: string) => (lineKey(k) ? `${file}:${lineKey(k)}` : `${file} (DRAMsim3 default of '${k}')`);
  /** A number followed by a remark ("0.666 (1/1.5)"): DRAMsim3 (strtod/strtol) reads the number; noted. */
  const numeric = (k: string): string => {
    const s = str(k);
    const m = /^(-?[0-9.]+)\s+(\S.*)$/.exec(s);
    if (!m) return s;
    if (!trimmed.includes(k)) trimmed.push(k);
    return m[1]!;
  };
  const int = (k: string, min = 0): number => {
    const s = numeric(k);
    if (!/^-?[0-9]+$/.test(s) || Number(s) < min) throw new StrataError(`${where(k)}: '${k}' must be an integer >= ${min}, found "${str(k)}"`);
    return Number(s);
  };
  const num = (k: string): number => {
    const v = Number(numeric(k));
    if (!/^-?[0-9.]+$/.test(numeric(k)) || !Number.isFinite(v) || v < 0) throw new StrataError(`${where(k)}: '${k}' must be a non-negative number, found "${str(k)}"`);
    return v;
  };
  const bool = (k: string): boolean => {
    const s = str(k).toLowerCase();
    if (s !== 'true' && s !== 'false') throw new StrataError(`${where(k)}: '${k}' must be true or false, found "${str(k)}"`);
    return s === 'true';
  };

  const protocol = str('protocol');
  if (!PROTOCOLS.includes(protocol)) throw new StrataError(`${where('protocol')}: protocol '${protocol}' is not supported (supported: ${PROTOCOLS.join(', ')})`);
  const isHBM = protocol.startsWith('HBM');
  const isGDDR = protocol.startsWith('GDDR');
  let bankgroups = int('bankgroups', 1);
  let banksPerGroup = int('banks_per_group', 1);
  if (!bool('bankgroup_enable')) {
    banksPerGroup *= bankgroups;
    bankgroups = 1;
  }
  const BL = int('BL', 1);
  const burst = BL / ({ GDDR5: 4, GDDR5X: 8, GDDR6: 16 }[protocol] ?? 2);
  if (!Number.isInteger(burst) || burst < 1) throw new StrataError(`${where('BL')}: BL = ${BL} gives a burst of ${burst} cycles for ${protocol}; expected a whole number of cycles`);
  const columns = int('columns', 1) * (isGDDR ? BL : isHBM ? 2 : 1);
  const rows = int('rows', 1);
  const deviceWidth = int('device_width', 1);
  const busWidth = int('bus_width', 1);
  if (busWidth % deviceWidth !== 0) throw new StrataError(`${where('bus_width')}: bus_width ${busWidth} is not a multiple of device_width ${deviceWidth}`);
  const devicesPerRank = busWidth / deviceWidth;
  const banks = bankgroups * banksPerGroup;
  const megsPerRank = ((columns * deviceWidth) / 8) * (rows / 1024) / 1024 * banks * devicesPerRank;
  const channelSize = int('channel_size', 1);
  const ranks = megsPerRank > channelSize ? 1 : Math.floor(channelSize / megsPerRank);
  const notes: string[] = [];
  if (megsPerRank > channelSize) {
    notes.push(`channel_size ${channelSize} MB is less than one rank (${megsPerRank} MB from rows, columns, banks and widths): 1 rank, as DRAMsim3 takes it`);
  } else if (channelSize % megsPerRank !== 0) {
    notes.push(`channel_size ${channelSize} MB is not a whole number of ranks of ${megsPerRank} MB: ${ranks} rank(s) (${ranks * megsPerRank} MB), as DRAMsim3 takes it`);
  }
  if (int('AL') !== 0) throw new StrataError(`${where('AL')}: additive latency AL = ${int('AL')} is not supported (expected 0)`);

  // src/timing.cc: GDDR and HBM activate-to-column delays are tRCDRD/tRCDWR, the others' tRCD.
  const tRCDRD = isGDDR || isHBM ? int('tRCDRD') : int('tRCD');
  const tRCDWR = isGDDR || isHBM ? int('tRCDWR') : int('tRCD');
  const tRAS = int('tRAS');
  const tRP = int('tRP');
  const tCK = num('tCK');
  if (!(tCK > 0)) throw new StrataError(`${where('tCK')}: tCK must be > 0 ns`);
  const queueStructure = str('queue_structure');
  // src/command_queue.cc (CommandQueue's constructor) knows these two and stops on anything else.
  if (queueStructure !== 'PER_BANK' && queueStructure !== 'PER_RANK') throw new StrataError(`${where('queue_structure')}: expected PER_BANK or PER_RANK, found '${queueStructure}'`);
  if (bool('unified_queue')) throw new StrataError(`${where('unified_queue')}: unified_queue = true is not supported (expected false)`);
  const pagePolicy = str('row_buf_policy');
  if (pagePolicy !== 'OPEN_PAGE' && pagePolicy !== 'CLOSE_PAGE') throw new StrataError(`${where('row_buf_policy')}: expected OPEN_PAGE or CLOSE_PAGE, found '${pagePolicy}'`);
  const refreshPolicy = str('refresh_policy');
  if (!['RANK_LEVEL_STAGGERED', 'RANK_LEVEL_SIMULTANEOUS', 'BANK_LEVEL_STAGGERED'].includes(refreshPolicy)) {
    throw new StrataError(`${where('refresh_policy')}: expected RANK_LEVEL_STAGGERED, RANK_LEVEL_SIMULTANEOUS or BANK_LEVEL_STAGGERED, found '${refreshPolicy}'`);
  }
  // src/timing.cc: with one bank group (bankgroup_enable = false aggregates them) every other bank is in the
  // same group, and DRAMsim3 uses the _S spacings there, because the device then runs without bank groups.
  const oneGroup = bankgroups === 1;
  const tCCD_S = int('tCCD_S');
  const tRRD_S = int('tRRD_S');
  const tWTR_S = int('tWTR_S');
  const VDD = num('VDD');
  // Strata's standards keep IDD3N >= IDD2N and IDD0, IDD4R, IDD4W >= IDD3N (src/dram/standard.ts), without which
  // configuration.cc (InitPowerParams) charges a negative energy per ACT or burst. DRAMsim3's STT-MRAM files (ST-*.ini)
  // give IDD0 and IDD4R below IDD3N, and leave IDD5AB at its default of 250 mA, below too (refresh then charges a
  // negative energy, refreshPj must be >= 0): such a current is taken as its floor, and a note names it, so the part runs
  // with no negative energy (its activation or reads then cost no energy above active standby).
  // Read where the power section is built (the first IDD call), so that the defaults are noted in the order read.
  const floorCurrents = (): Record<string, number> => {
    const currents: Record<string, number> = {};
    for (const k of ['IDD0', 'IDD2N', 'IDD2P', 'IDD3N', 'IDD3P', 'IDD4R', 'IDD4W', 'IDD5AB', 'IDD5PB']) currents[k] = num(k);
    for (const [k, floor] of [['IDD3N', 'IDD2N'], ['IDD0', 'IDD3N'], ['IDD4R', 'IDD3N'], ['IDD4W', 'IDD3N'], ['IDD5AB', 'IDD3N']] as const) {
      if (currents[k]! < currents[floor]!) {
        notes.push(`${k} = ${currents[k]} mA is below ${floor} = ${currents[floor]} mA${values[k] !== undefined ? ` (line ${lineKey(k)})` : ''}: DRAMsim3 would charge a negative energy from it (configuration.cc InitPowerParams); taken as ${currents[floor]} mA`);
        currents[k] = currents[floor]!;
      }
    }
    return currents;
  };
  let currents: Record<string, number> | undefined;
  const IDD = (k: string) => (currents ??= floorCurrents())[k]!;
  const tRC = tRAS + tRP;
  const tRFC = int('tRFC');
  const bitsPerRequest = busWidth * BL;
  const trans = int('trans_queue_size', 1);
  const src = `${file} (DRAMsim3 .ini, converted with DRAMsim3's derivations: ${DRAMSIM3_SOURCE})`;
  // src/timing.cc and src/channel_state.cc: PRE to PRE of another bank of the rank waits tPPD (GDDR, LPDDR4), and
  // a GDDR rank takes at most 32 ACTs per t32AW besides the four per tFAW.
  const tppd = isGDDR || protocol === 'LPDDR4';
  const extraRules = tppd
    ? [{
      source: `DRAMsim3's ${protocol} timing (${DRAMSIM3_SOURCE}): precharge_to_precharge = tPPD between banks of a rank${isGDDR ? '; ActivationWindowOk: 32 ACTs per t32AW for GDDR' : ''}`,
      rules: [{ prev: 'PRE', next: 'PRE', level: 'rank', distance: 'tPPD', note: 'precharge to precharge' }],
      ...(isGDDR ? { windows: [{ command: 'ACT', level: 'rank', count: 32, window: 't32AW', note: 'thirty-two-activate window' }] } : {}),
    }]
    : [];
  const json = {
    name: file.replace(/^.*\//, '').replace(/\.ini$/i, ''),
    standard: protocol,
    description: `Imported from DRAMsim3 configuration ${file}`,
    rules: [dramsim3Rules(), 'refpb', ...extraRules],
    organization: { source: src, channels: int('channels', 1), ranks, bankGroups: bankgroups, banksPerGroup, rows, columns, busWidthBits: busWidth, burstLength: BL, devicesPerRank },
    clock: { source: src, tCKPs: Math.round(tCK * 1000) },
    features: { dualCommandIssue: isHBM && bool('hbm_dual_cmd'), perBankRefresh: true },
    timing: {
      source: src, tBURST: burst, CL: int('CL'), CWL: int('CWL'), tRCDRD, tRCDWR, tRP, tRAS, tRC, tCCD_S, tCCD_L: oneGroup ? tCCD_S : int('tCCD_L'),
      tRRD_S, tRRD_L: oneGroup ? tRRD_S : int('tRRD_L'), tWTR_S, tWTR_L: oneGroup ? tWTR_S : int('tWTR_L'), tFAW: int('tFAW'), tWR: int('tWR'),
      tRTP: int('tRTP'), tRFC, tREFI: int('tREFI', 1), tRFCpb: int('tRFCb'), tREFIpb: int('tREFIb', 1), tRTRS: int('tRTRS'),
      ...(tppd ? { tPPD: int('tPPD') } : {}), ...(isGDDR ? { t32AW: int('t32AW') } : {}),
    },
    power: { source: src, VDD, IDD0: IDD('IDD0'), IDD2N: IDD('IDD2N'), IDD2P: IDD('IDD2P'), IDD3N: IDD('IDD3N'), IDD3P: IDD('IDD3P'), IDD4R: IDD('IDD4R'), IDD4W: IDD('IDD4W'), IDD5AB: IDD('IDD5AB'), IDD5PB: IDD('IDD5PB') },
    pathEnergy: {
      source: `${src}; no per-bit figures in DRAMsim3 files, so derived from the IDD values: activation and refresh as DRAMsim3 charges them, array energy per bit = read burst energy / bits, no separate I/O term`,
      activatePj: VDD * (IDD('IDD0') * tRC - (IDD('IDD3N') * tRAS + IDD('IDD2N') * tRP)) * devicesPerRank * tCK,
      cellPjPerBit: (VDD * (IDD('IDD4R') - IDD('IDD3N')) * burst * devicesPerRank * tCK) / bitsPerRequest,
      datapathPjPerBit: 0,
      ioPjPerBit: 0,
      refreshPj: VDD * (IDD('IDD5AB') - IDD('IDD3N')) * tRFC * devicesPerRank * tCK,
    },
    controller: {
      source: src,
      scheduler: 'frfcfs',
      pagePolicy: pagePolicy === 'OPEN_PAGE' ? 'open' : 'closed',
      addressMapping: str('address_mapping'),
      readQueueDepth: trans,
      writeQueueDepth: trans,
      commandQueueDepth: int('cmd_queue_size', 1),
      // PER_BANK is what a spec without the field means: written only for PER_RANK.
      ...(queueStructure === 'PER_RANK' ? { queueStructure } : {}),
      writeHighWatermark: trans,
      writeLowWatermark: Math.min(8, trans - 1),
      rowHitCap: 4,
      refresh: refreshPolicy === 'BANK_LEVEL_STAGGERED' ? 'per-bank' : 'all-bank',
    },
  };
  const standard = parseStandard(json, file);
  if (unreadKeys.length > 0) notes.unshift(`keys DRAMsim3 does not read, ignored as there: ${unreadKeys.join(', ')}`);
  const unusedHere = isGDDR || isHBM ? ['tRCD'] : ['tRCDRD', 'tRCDWR'];
  const setButUnused = unusedHere.filter((k) => values[k] !== undefined);
  if (setButUnused.length > 0) notes.unshift(`${setButUnused.join(', ')} set but not used for ${protocol}: DRAMsim3 times ACT to READ/WRITE by ${isGDDR || isHBM ? 'tRCDRD/tRCDWR' : 'tRCD'} (src/timing.cc)`);
  if (trimmed.length > 0) notes.unshift(`values read up to the first space, as DRAMsim3 reads numbers: ${trimmed.map((k) => `${k} = "${values[k]}" -> ${numeric(k)} (line ${lineKey(k)})`).join(', ')}`);
  if (emptied.length > 0) notes.unshift(`keys with an empty value take DRAMsim3's default, as there: ${emptied.map((k) => `${k}=${READ[SECTION_OF[k]!]![k]} (line ${lineKey(k)})`).join(', ')}`);
  if (defaulted.length > 0) notes.unshift(`DRAMsim3 defaults used for keys the file leaves out: ${defaulted.map((k) => `${k}=${READ[SECTION_OF[k]!]![k]}`).join(', ')}`);
  return { standard, ignoredKeys, unreadKeys, notes };
}
