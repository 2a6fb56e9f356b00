import { StrataError } from '../spec/errors.ts';
import { readInputText } from '../spec/input-file.ts';
import { parseStandard, type DramStandard } from './standard.ts';

/** Keys DRAMsim3 reads, per section; `ignored` ones are accepted because DRAMsim3 accepts them, but have no effect here. */
const KNOWN: Record<string, { used: string[]; ignored: string[] }> = {
  dram_structure: { used: ['protocol', 'bankgroups', 'banks_per_group', 'rows', 'columns', 'device_width', 'BL', 'bankgroup_enable', 'hbm_dual_cmd'], ignored: ['num_dies'] },
  timing: {
    used: ['tCK', 'AL', 'CL', 'CWL', 'tRCD', 'tRCDRD', 'tRCDWR', 'tRP', 'tRAS', 'tRFC', 'tRFCb', 'tREFI', 'tREFIb', 'tRRD_S', 'tRRD_L', 'tWTR_S', 'tWTR_L', 'tFAW', 'tWR', 'tCCD_S', 'tCCD_L', 'tRTP', 'tRTRS'],
    ignored: ['tRPRE', 'tWPRE', 'tXS', 'tCKE', 'tCKSRE', 'tCKESR', 'tXP', 'tRTP_L', 'tRTP_S', 'tPPD', 't32AW', 'ideal_memory_latency', 'tRREFD'],
  },
  power: { used: ['VDD', 'IDD0', 'IDD2P', 'IDD2N', 'IDD3P', 'IDD3N', 'IDD4W', 'IDD4R', 'IDD5AB', 'IDD5PB'], ignored: ['IDD6x'] },
  system: {
    used: ['channel_size', 'channels', 'bus_width', 'address_mapping', 'queue_structure', 'row_buf_policy', 'cmd_queue_size', 'trans_queue_size', 'unified_queue', 'refresh_policy'],
    ignored: ['write_buf_size', 'enable_self_refresh', 'sref_threshold', 'aggressive_precharging_enabled', 'mega_tick'],
  },
  other: { used: [], ignored: ['epoch_period', 'output_level', 'output_prefix'] },
  thermal: { used: [], ignored: [] },
};

/** DRAMsim3 defaults (configuration.cc) for keys a file may leave out. */
const DEFAULTS: Record<string, string> = {
  protocol: 'DDR3', bankgroups: '2', banks_per_group: '2', rows: '65536', columns: '1024', device_width: '8', BL: '8',
  bankgroup_enable: 'true', hbm_dual_cmd: 'true',
  tCK: '1.0', AL: '0', CL: '12', CWL: '12', tCCD_L: '6', tCCD_S: '4', tRTRS: '2', tRTP: '5', tWTR_L: '5', tWTR_S: '5', tWR: '10',
  tRP: '10', tRRD_L: '4', tRRD_S: '4', tRAS: '24', tRCD: '10', tRFC: '74', tRFCb: '20', tREFI: '7800', tREFIb: '1950', tFAW: '50',
  VDD: '1.2', IDD0: '48', IDD2P: '25', IDD2N: '34', IDD3P: '37', IDD3N: '43', IDD4W: '123', IDD4R: '135', IDD5AB: '250', IDD5PB: '5',
  channel_size: '1024', channels: '1', bus_width: '64', address_mapping: 'chrobabgraco', queue_structure: 'PER_BANK',
  row_buf_policy: 'OPEN_PAGE', cmd_queue_size: '16', trans_queue_size: '32', unified_queue: 'false', refresh_policy: 'RANK_LEVEL_STAGGERED',
};

const PROTOCOLS = ['DDR3', 'DDR4', 'GDDR5', 'GDDR5X', 'LPDDR', 'LPDDR3', 'LPDDR4', 'HBM', 'HBM2'];

/** The result of importing a DRAMsim3 configuration. */
export interface IniImport {
  standard: DramStandard;
  /** Keys present in the file that DRAMsim3 accepts but that change nothing in Strata. */
  ignoredKeys: string[];
  /**
   * What the import decided that the file does not say: the DRAMsim3 defaults it used for keys the file leaves
   * out (`key=value`, in the order read), and how channel_size was turned into ranks when it is not a whole
   * number of ranks. The CLI prints them, so no default is silent.
   */
  notes: string[];
}

/**
 * Reads a DRAMsim3 .ini configuration and converts it, with DRAMsim3's own derivations
 * (configuration.cc): HBM columns double for the 2n prefetch and GDDR columns multiply by BL, the burst
 * takes BL/2 cycles (BL/4 for GDDR5, BL/8 for GDDR5X), ranks = channel_size / rank size, tRC = tRAS + tRP.
 */
export function importDramsim3Ini(file: string): IniImport {
  const text = readInputText(file, 'a DRAMsim3 .ini configuration');
  const values: Record<string, string> = {};
  const lineOf: Record<string, number> = {};
  const ignoredKeys: string[] = [];
  let section = '';
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/[;#].*$/, '').trim();
    const where = `${file}:${i + 1}`;
    if (line === '') return;
    const sec = /^\[([A-Za-z_0-9]+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      if (!KNOWN[section]) throw new StrataError(`${where}: unknown section [${section}] (DRAMsim3 sections: ${Object.keys(KNOWN).map((s) => `[${s}]`).join(', ')})`);
      return;
    }
    const kv = /^([A-Za-z_0-9]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) throw new StrataError(`${where}: expected 'key = value' or '[section]', found "${line.slice(0, 60)}"`);
    if (!section) throw new StrataError(`${where}: key '${kv[1]}' comes before any [section]`);
    const key = kv[1]!;
    const known = KNOWN[section]!;
    if (section === 'thermal') return;
    if (known.ignored.includes(key)) {
      ignoredKeys.push(`[${section}] ${key}`);
      return;
    }
    if (!known.used.includes(key)) {
      throw new StrataError(`${where}: unknown key '${key}' in [${section}] (keys read here: ${[...known.used, ...known.ignored].join(', ')})`);
    }
    values[key] = kv[2]!.trim();
    lineOf[key] = i + 1;
  });
  const defaulted: string[] = [];
  const str = (k: string): string => {
    const v = values[k];
    if (v !== undefined) return v;
    if (!defaulted.includes(k)) defaulted.push(k);
    return DEFAULTS[k]!;
  };
  const where = (k: string) => (lineOf[k] ? `${file}:${lineOf[k]}` : `${file} (DRAMsim3 default of '${k}')`);
  const int = (k: string, min = 0): number => {
    const s = str(k);
    if (!/^-?[0-9]+$/.test(s) || Number(s) < min) throw new StrataError(`${where(k)}: '${k}' must be an integer >= ${min}, found "${s}"`);
    return Number(s);
  };
  const num = (k: string): number => {
    const v = Number(str(k));
    if (!Number.isFinite(v) || v < 0) throw new StrataError(`${where(k)}: '${k}' must be a non-negative number, found "${str(k)}"`);
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
  const burst = protocol === 'GDDR5' ? BL / 4 : protocol === 'GDDR5X' ? BL / 8 : BL / 2;
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

  const tRCDRD = values.tRCDRD !== undefined ? int('tRCDRD') : int('tRCD');
  const tRCDWR = values.tRCDWR !== undefined ? int('tRCDWR') : int('tRCD');
  const tRAS = int('tRAS');
  const tRP = int('tRP');
  const tCK = num('tCK');
  if (!(tCK > 0)) throw new StrataError(`${where('tCK')}: tCK must be > 0 ns`);
  const queueStructure = str('queue_structure');
  if (queueStructure !== 'PER_BANK') throw new StrataError(`${where('queue_structure')}: queue_structure '${queueStructure}' is not supported (expected PER_BANK)`);
  if (bool('unified_queue')) throw new StrataError(`${where('unified_queue')}: unified_queue = true is not supported (expected false)`);
  const pagePolicy = str('row_buf_policy');
  if (pagePolicy !== 'OPEN_PAGE' && pagePolicy !== 'CLOSE_PAGE') throw new StrataError(`${where('row_buf_policy')}: expected OPEN_PAGE or CLOSE_PAGE, found '${pagePolicy}'`);
  const refreshPolicy = str('refresh_policy');
  if (!['RANK_LEVEL_STAGGERED', 'RANK_LEVEL_SIMULTANEOUS', 'BANK_LEVEL_STAGGERED'].includes(refreshPolicy)) {
    throw new StrataError(`${where('refresh_policy')}: expected RANK_LEVEL_STAGGERED, RANK_LEVEL_SIMULTANEOUS or BANK_LEVEL_STAGGERED, found '${refreshPolicy}'`);
  }
  const VDD = num('VDD');
  const IDD = (k: string) => num(k);
  const tRC = tRAS + tRP;
  const tRFC = int('tRFC');
  const bitsPerRequest = busWidth * BL;
  const trans = int('trans_queue_size', 1);
  const src = `${file} (DRAMsim3 .ini, converted with DRAMsim3's derivations)`;
  const json = {
    name: file.replace(/^.*\//, '').replace(/\.ini$/i, ''),
    standard: protocol,
    description: `Imported from DRAMsim3 configuration ${file}`,
    rules: ['jedec', 'refpb'],
    organization: { source: src, channels: int('channels', 1), ranks, bankGroups: bankgroups, banksPerGroup, rows, columns, busWidthBits: busWidth, burstLength: BL, devicesPerRank },
    clock: { source: src, tCKPs: Math.round(tCK * 1000) },
    features: { dualCommandIssue: isHBM && bool('hbm_dual_cmd'), perBankRefresh: true },
    timing: {
      source: src, tBURST: burst, CL: int('CL'), CWL: int('CWL'), tRCDRD, tRCDWR, tRP, tRAS, tRC, tCCD_S: int('tCCD_S'), tCCD_L: int('tCCD_L'),
      tRRD_S: int('tRRD_S'), tRRD_L: int('tRRD_L'), tWTR_S: int('tWTR_S'), tWTR_L: int('tWTR_L'), tFAW: int('tFAW'), tWR: int('tWR'),
      tRTP: int('tRTP'), tRFC, tREFI: int('tREFI', 1), tRFCpb: int('tRFCb'), tREFIpb: int('tREFIb', 1), tRTRS: int('tRTRS'),
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
      writeHighWatermark: trans,
      writeLowWatermark: Math.min(8, trans - 1),
      rowHitCap: 4,
      refresh: refreshPolicy === 'BANK_LEVEL_STAGGERED' ? 'per-bank' : 'all-bank',
    },
  };
  const standard = parseStandard(json, file);
  if (defaulted.length > 0) notes.unshift(`DRAMsim3 defaults used for keys the file leaves out: ${defaulted.map((k) => `${k}=${DEFAULTS[k]}`).join(', ')}`);
  return { standard, ignoredKeys, notes };
}
