import { parse as parseYaml, YAMLParseError } from 'yaml';
import { parseYamlSubset } from '../spec/yaml-subset.ts';
import { StrataError } from '../spec/errors.ts';
import { readInputText } from '../spec/input-file.ts';
import { resolveRamulator2Presets } from './ramulator2-presets.ts';

/**
 * Where the layout of a Ramulator 2 configuration is defined: the DRAM standards' level, command and timing
 * names (python/ramulator/dram/*.py, which generate the resolved YAML), the controllers' keys
 * (src/ramulator/controller/controller_base.cpp, init_base) and the component names they register.
 */
export const RAMULATOR2_SOURCE = 'CMU-SAFARI/ramulator2 @ c5b1c3a: python/ramulator/dram/{ddr4,ddr5,hbm3,lpddr5}.py, src/ramulator/controller/controller_base.cpp, src/ramulator/controller/*/impl';

/** What a Ramulator 2 DRAM standard names and how its configuration arrays are ordered (facts of the format). */
export interface Ramulator2StandardInfo {
  /** Standard name as `dram.impl` gives it. */
  readonly name: string;
  /** Hierarchy levels, broadest first; `org.count` has one entry per level. */
  readonly levels: readonly string[];
  /** Command names; `timing_constraints` and `command_cycles` index this list. */
  readonly commands: readonly string[];
  /** Timing parameter names in the order of the resolved `timing` array. */
  readonly timingParams: readonly string[];
  /** Bursts fetched per column access (BL): one request moves channel_width x prefetch bits. */
  readonly prefetch: number;
  /** Controller ticks per CK (HBM3 ticks at half CK so row commands can take half a cycle). */
  readonly tickMultiplier: number;
  /** Level an all-bank refresh covers (all_bank.cpp's table). */
  readonly refreshScope: string;
  /** Read latency in CK as the standard defines it (used when the file gives no read_latency). */
  readonly readLatency: readonly string[];
  /** Controller implementations that drive this standard. */
  readonly controllers: readonly string[];
}

/** The standards Strata reads (levels, commands and timing names as in python/ramulator/dram/NAME.py). */
export const RAMULATOR2_STANDARDS: Readonly<Record<string, Ramulator2StandardInfo>> = {
  DDR4: {
    name: 'DDR4',
    levels: ['Channel', 'Rank', 'BankGroup', 'Bank', 'Row', 'Column'],
    commands: ['ACT', 'PREpb', 'PREab', 'RD', 'WR', 'RDA', 'WRA', 'REFab'],
    timingParams: ['rate', 'nBL', 'nCL', 'nRCD', 'nRP', 'nRAS', 'nRC', 'nWR', 'nRTP', 'nCWL', 'nCCDS', 'nCCDL', 'nRRDS', 'nRRDL', 'nWTRS', 'nWTRL', 'nFAW', 'nRFC', 'nREFI', 'nCS', 'tCK_ps'],
    prefetch: 8,
    tickMultiplier: 1,
    refreshScope: 'Rank',
    readLatency: ['nCL', 'nBL'],
    controllers: ['GenericDDR'],
  },
  DDR5: {
    name: 'DDR5',
    levels: ['Channel', 'Rank', 'BankGroup', 'Bank', 'Row', 'Column'],
    commands: ['ACT', 'PREpb', 'PREab', 'RD', 'WR', 'RDA', 'WRA', 'REFab'],
    timingParams: ['rate', 'nBL', 'nCL', 'nRCD', 'nRP', 'nRAS', 'nRC', 'nWR', 'nRTP', 'nCWL', 'nPPD', 'nCCDS', 'nCCDL', 'nCCDS_WR', 'nCCDL_WR', 'nRRDS', 'nRRDL', 'nWTRS', 'nWTRL', 'nFAW', 'nRFC', 'nREFI', 'nCS', 'tCK_ps'],
    prefetch: 16,
    tickMultiplier: 1,
    refreshScope: 'Rank',
    readLatency: ['nCL', 'nBL'],
    controllers: ['GenericDDR'],
  },
  HBM3: {
    name: 'HBM3',
    levels: ['Channel', 'PseudoChannel', 'Sid', 'BankGroup', 'Bank', 'Row', 'Column'],
    commands: ['ACT', 'PREpb', 'PREab', 'RD', 'WR', 'RDA', 'WRA', 'REFab', 'REFpb', 'RFMab', 'RFMpb'],
    timingParams: [
      'rate', 'nBL', 'nCL', 'nRCDRD', 'nRCDWR', 'nRP', 'nRAS', 'nRC', 'nWR', 'nRTP', 'nCWL', 'nCCDS', 'nCCDL', 'nCCDR', 'nRRDS', 'nRRDL',
      'nWTRS', 'nWTRL', 'nRTW', 'nFAW', 'nPPD', 'nRFC', 'nRFCpb', 'nRFMab', 'nRFMpb', 'nRREFD', 'nREFI', 'nREFIpb', 'tCK_ps',
    ],
    prefetch: 8,
    tickMultiplier: 2,
    refreshScope: 'PseudoChannel',
    readLatency: ['nCL', 'nBL'],
    controllers: ['HBM34'],
  },
  LPDDR5: {
    name: 'LPDDR5',
    levels: ['Channel', 'Rank', 'BankGroup', 'Bank', 'Row', 'Column'],
    commands: ['ACT1', 'ACT2', 'PREpb', 'PREab', 'CAS_RD', 'CAS_WR', 'RD', 'WR', 'RDA', 'WRA', 'REFab', 'REFpb'],
    timingParams: [
      'rate', 'nBL_min', 'nBL_max', 'nCL', 'nRCD', 'nRP', 'nRPab', 'nRAS', 'nRC', 'nWR', 'nRTP', 'nCWL', 'nPPD', 'nCCDS', 'nCCDL', 'nCCDS_WR',
      'nCCDL_WR', 'nRRDS', 'nRRDL', 'nWTRS', 'nWTRL', 'nFAW', 'nRFC', 'nRFCpb', 'nREFI', 'nREFIpb', 'nWCKPST', 'nCAS', 'nAAD', 'nCS', 'tCK_ps',
      'nPBR2PBR', 'nPBR2ACT',
    ],
    prefetch: 16,
    tickMultiplier: 1,
    refreshScope: 'Rank',
    readLatency: ['nCL', 'nBL_min'],
    controllers: ['LPDDR5'],
  },
};

/** One resolved timing constraint: after `prev` at a node of `level`, `next` waits `ticks` (sibling: at the other nodes). */
export interface Ramulator2Constraint {
  readonly level: number;
  readonly prev: readonly number[];
  readonly next: readonly number[];
  readonly ticks: number;
  /** The `window`-th most recent `prev` counts (1: the last one; 4 with tFAW). */
  readonly window: number;
  readonly sibling: boolean;
}

/** A Ramulator 2 controller's settings, as the file gives them (with Ramulator's defaults). */
export interface Ramulator2ControllerConfig {
  readonly impl: string;
  readonly readBufferSize: number;
  readonly writeBufferSize: number;
  readonly priorityBufferSize: number;
  /** Write mode starts when more than this fraction of the write buffer is full (or no read waits). */
  readonly wrHighWatermark: number;
  /** Write mode ends when fewer than this fraction wait and a read waits. */
  readonly wrLowWatermark: number;
  readonly scheduler: 'FRFCFS' | 'FRFCFS-RowHit';
  readonly rowPolicy: 'Open';
  readonly refresh: 'AllBank' | 'NoRefresh';
  /** AllBank's scatter_interval (0: every scope node refreshes at once every nREFI). */
  readonly scatterInterval: number;
  readonly addrMapper: 'RoBaRaCoCh' | 'ChRaBaRoCo';
}

/** A loaded Ramulator 2 configuration: the device and controller of one channel, all in controller ticks. */
export interface Ramulator2Config {
  readonly file: string;
  readonly standard: Ramulator2StandardInfo;
  /** Channels of the memory system (one controller each, all alike; a power of two). */
  readonly channels: number;
  /** CacheLineInterleave: the channel bits sit this many bits above the request offset. */
  readonly interleaveBits: number;
  /** Nodes per level as the file gives them (count[0]: 1, or the number of channels). */
  readonly count: readonly number[];
  readonly dq: number;
  /** Data-bus width of the channel in bits. */
  readonly channelWidthBits: number;
  /** Timing parameters in controller ticks (tCK_ps: ps per tick, as Ramulator keeps it, whole picoseconds). */
  readonly timing: Readonly<Record<string, number>>;
  /** Ticks each command occupies the command bus (folded into the constraints already). */
  readonly commandCycles: readonly number[];
  /** Ticks from a read's column command to its data. */
  readonly readLatencyTicks: number;
  readonly constraints: readonly Ramulator2Constraint[];
  readonly controller: Ramulator2ControllerConfig;
  /** Bytes one request moves: channel width x prefetch / 8. */
  readonly txBytes: number;
  /** Keys the file sets that Strata does not read (noted on stderr). */
  readonly unknownKeys: readonly string[];
  /** How preset names in the file were resolved (src/dram/ramulator2-presets.ts; noted on stderr). */
  readonly presetNotes: readonly string[];
  /** The top-level `strata` key of a file Strata's exporter wrote (what Ramulator's format has no place for), if any. */
  readonly strata?: unknown;
}

type Obj = Record<string, unknown>;

/** Reads a Ramulator 2 YAML configuration (the resolved form Ramulator 2.1 runs). Errors name the file and key. */
export function loadRamulator2Config(file: string): Ramulator2Config {
  const text = readInputText(file, 'a Ramulator 2 .yaml configuration');
  let doc: unknown;
  try {
    // The plain subset Strata's exports use is read ~50x faster; anything else, and every error, by `yaml`.
    doc = parseYamlSubset(text) ?? parseYaml(text);
  } catch (e) {
    if (e instanceof YAMLParseError) throw new StrataError(`${file}: not valid YAML (${e.message.split('\n')[0]})`);
    throw e;
  }
  return parseRamulator2Config(doc, file);
}

/** Parses a Ramulator 2 configuration already read as an object. */
export function parseRamulator2Config(doc: unknown, file: string): Ramulator2Config {
  const unknownKeys: string[] = [];
  const presetNotes: string[] = [];
  doc = resolveRamulator2Presets(doc, file, presetNotes);
  const bad = (key: string, expected: string, got: unknown): never => {
    throw new StrataError(`${file}: '${key}': expected ${expected}, found ${JSON.stringify(got)?.slice(0, 80) ?? 'nothing'}`);
  };
  const obj = (v: unknown, key: string): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : bad(key, 'a mapping', v));
  const note = (o: Obj, path: string, known: readonly string[]) => {
    for (const k of Object.keys(o)) if (!known.includes(k)) unknownKeys.push(`${path}.${k}`);
  };
  const int = (v: unknown, key: string, min = 0): number => (typeof v === 'number' && Number.isInteger(v) && v >= min ? v : bad(key, `an integer >= ${min}`, v));
  const str = (v: unknown, key: string, allowed?: readonly string[]): string => {
    if (typeof v !== 'string') return bad(key, allowed ? `one of ${allowed.join(', ')}` : 'a string', v);
    if (allowed && !allowed.includes(v)) bad(key, `one of ${allowed.join(', ')}`, v);
    return v;
  };
  const implOf = (v: unknown, key: string, allowed: readonly string[]): string => {
    const o = obj(v, key);
    note(o, key, ['impl', 'scatter_interval', 'debug']);
    return str(o.impl, `${key}.impl`, allowed);
  };

  const root = obj(doc, '(top level)');
  note(root, '', ['frontend', 'memory_system', 'strata']);
  if (root.frontend !== undefined) {
    const fe = obj(root.frontend, 'frontend');
    note(fe, 'frontend', ['impl', 'clock_ratio', 'path']);
    if (fe.impl !== undefined) str(fe.impl, 'frontend.impl', ['LoadStoreTrace', 'ReadWriteTrace']);
    if (fe.clock_ratio !== undefined && fe.clock_ratio !== 1) bad('frontend.clock_ratio', '1 (the front end offers one request per controller tick)', fe.clock_ratio);
  }
  const ms = obj(root.memory_system, 'memory_system');
  note(ms, 'memory_system', ['impl', 'clock_ratio', 'channel_mapper', 'controllers']);
  str(ms.impl, 'memory_system.impl', ['GenericDRAM']);
  if (ms.clock_ratio !== undefined && ms.clock_ratio !== 1) bad('memory_system.clock_ratio', '1', ms.clock_ratio);
  let interleaveBits = 0;
  if (ms.channel_mapper !== undefined) {
    const cm = obj(ms.channel_mapper, 'memory_system.channel_mapper');
    note(cm, 'memory_system.channel_mapper', ['impl', 'interleave_bits']);
    str(cm.impl, 'memory_system.channel_mapper.impl', ['CacheLineInterleave']);
    if (cm.interleave_bits !== undefined) interleaveBits = int(cm.interleave_bits, 'memory_system.channel_mapper.interleave_bits');
  }
  if (!Array.isArray(ms.controllers) || ms.controllers.length === 0) bad('memory_system.controllers', 'a list of one controller per channel', ms.controllers);
  const controllers = ms.controllers as unknown[];
  if ((controllers.length & (controllers.length - 1)) !== 0) bad('memory_system.controllers', 'a power-of-two number of controllers (CacheLineInterleave)', controllers.length);
  const first = JSON.stringify(controllers[0]);
  controllers.forEach((c, i) => {
    if (JSON.stringify(c) !== first) bad(`memory_system.controllers[${i}]`, 'the same settings as controllers[0] (Strata models channels alike)', '(different settings)');
  });
  const k = 'memory_system.controllers[0]';
  const c = obj(controllers[0], k);
  note(c, k, ['impl', 'wr_low_watermark', 'wr_high_watermark', 'read_buffer_size', 'write_buffer_size', 'priority_buffer_size', 'scheduler', 'refresh_manager', 'row_policy', 'addr_mapper', 'dram', 'controller_plugins', 'wck_sync_mode']);
  const fraction = (v: unknown, key: string, dflt: number): number => {
    if (v === undefined) return dflt;
    return typeof v === 'number' && v >= 0 && v <= 1 ? v : bad(key, 'a fraction between 0 and 1', v);
  };
  if (c.wck_sync_mode !== undefined) str(c.wck_sync_mode, `${k}.wck_sync_mode`, ['need_sync']);

  const d = obj(c.dram, `${k}.dram`);
  note(d, `${k}.dram`, ['impl', 'org', 'timing', 'command_cycles', 'channel_width', 'read_latency', 'timing_constraints']);
  const stdName = str(d.impl, `${k}.dram.impl`, Object.keys(RAMULATOR2_STANDARDS));
  const standard = RAMULATOR2_STANDARDS[stdName]!;
  const impl = str(c.impl, `${k}.impl`, standard.controllers);

  const org = obj(d.org, `${k}.dram.org`);
  note(org, `${k}.dram.org`, ['dq', 'count']);
  const dq = int(org.dq, `${k}.dram.org.dq`, 1);
  if (!Array.isArray(org.count) || org.count.length !== standard.levels.length) bad(`${k}.dram.org.count`, `${standard.levels.length} counts (${standard.levels.join(', ')})`, org.count);
  const count = (org.count as unknown[]).map((v, i) => int(v, `${k}.dram.org.count[${i}] (${standard.levels[i]})`, 1));
  for (let i = 1; i < count.length; i++) {
    if ((count[i]! & (count[i]! - 1)) !== 0) bad(`${k}.dram.org.count[${i}] (${standard.levels[i]})`, 'a power of two (address bits)', count[i]);
  }
  if (count[0] !== 1 && controllers.length !== count[0]) bad(`${k}.dram.org.count[0] (Channel)`, `1 or the number of controllers (${controllers.length})`, count[0]);

  if (!Array.isArray(d.timing)) bad(`${k}.dram.timing`, `the resolved list of ${standard.timingParams.length} timing values (${standard.timingParams.join(', ')}) in controller ticks`, d.timing);
  const tv = d.timing as unknown[];
  if (tv.length !== standard.timingParams.length) bad(`${k}.dram.timing`, `${standard.timingParams.length} values (${standard.timingParams.join(', ')})`, `${tv.length} values`);
  const timing: Record<string, number> = {};
  standard.timingParams.forEach((name, i) => {
    timing[name] = int(tv[i], `${k}.dram.timing[${i}] (${name})`, name === 'tCK_ps' || name === 'rate' ? 1 : 0);
  });
  const nc = standard.commands.length;
  const commandCycles = d.command_cycles === undefined ? new Array<number>(nc).fill(1) : (Array.isArray(d.command_cycles) && d.command_cycles.length === nc ? d.command_cycles.map((v, i) => int(v, `${k}.dram.command_cycles[${i}]`, 1)) : bad(`${k}.dram.command_cycles`, `${nc} counts (${standard.commands.join(', ')})`, d.command_cycles));
  const channelWidthBits = d.channel_width === undefined ? dq : int(d.channel_width, `${k}.dram.channel_width`, 1);
  const readLatencyTicks = d.read_latency === undefined ? standard.readLatency.reduce((s, n) => s + timing[n]!, 0) : int(d.read_latency, `${k}.dram.read_latency`, 1);

  if (!Array.isArray(d.timing_constraints) || d.timing_constraints.length === 0) bad(`${k}.dram.timing_constraints`, 'the resolved list of [level, [preceding], [following], ticks, window?, sibling?]', d.timing_constraints);
  const bankLevel = standard.levels.indexOf('Bank');
  const constraints = (d.timing_constraints as unknown[]).map((t, i): Ramulator2Constraint => {
    const key = `${k}.dram.timing_constraints[${i}]`;
    if (!Array.isArray(t) || t.length < 4 || t.length > 6) return bad(key, '[level, [preceding], [following], ticks, window?, sibling?]', t);
    const cmds = (v: unknown, what: string): number[] => (Array.isArray(v) && v.length > 0 ? v.map((x) => (int(x, `${key} ${what}`) < nc ? (x as number) : bad(`${key} ${what}`, `command numbers below ${nc} (${standard.commands.join(', ')})`, x))) : bad(`${key} ${what}`, 'a list of command numbers', v));
    const level = int(t[0], `${key} level`);
    if (level > bankLevel) bad(`${key} level`, `a level number 0..${bankLevel} (${standard.levels.slice(0, bankLevel + 1).join(', ')})`, level);
    const sibling = t[5] === undefined ? false : typeof t[5] === 'boolean' ? t[5] : bad(`${key} sibling`, 'true or false', t[5]);
    return { level, prev: cmds(t[1], 'preceding'), next: cmds(t[2], 'following'), ticks: int(t[3], `${key} ticks`), window: t[4] === undefined ? 1 : int(t[4], `${key} window`, 1), sibling };
  });

  const sched = c.scheduler === undefined ? 'FRFCFS' : implOf(c.scheduler, `${k}.scheduler`, ['FRFCFS', 'FRFCFS-RowHit']);
  const rowPolicy = c.row_policy === undefined ? 'Open' : implOf(c.row_policy, `${k}.row_policy`, ['Open']);
  const refreshObj = c.refresh_manager === undefined ? { impl: 'AllBank' } : obj(c.refresh_manager, `${k}.refresh_manager`);
  const refresh = implOf(refreshObj, `${k}.refresh_manager`, ['AllBank', 'NoRefresh']);
  const scatterInterval = refreshObj.scatter_interval === undefined ? 0 : int(refreshObj.scatter_interval, `${k}.refresh_manager.scatter_interval`);
  const addrMapper = c.addr_mapper === undefined ? bad(`${k}.addr_mapper`, 'a mapping with impl RoBaRaCoCh or ChRaBaRoCo', undefined) : implOf(c.addr_mapper, `${k}.addr_mapper`, ['RoBaRaCoCh', 'ChRaBaRoCo']);
  const writeBufferSize = c.write_buffer_size === undefined ? 32 : int(c.write_buffer_size, `${k}.write_buffer_size`, 1);
  const controller: Ramulator2ControllerConfig = {
    impl,
    readBufferSize: c.read_buffer_size === undefined ? 32 : int(c.read_buffer_size, `${k}.read_buffer_size`, 1),
    writeBufferSize,
    priorityBufferSize: c.priority_buffer_size === undefined ? 1568 : int(c.priority_buffer_size, `${k}.priority_buffer_size`, 1),
    wrHighWatermark: fraction(c.wr_high_watermark, `${k}.wr_high_watermark`, 0.8),
    wrLowWatermark: fraction(c.wr_low_watermark, `${k}.wr_low_watermark`, 0.2),
    scheduler: sched as Ramulator2ControllerConfig['scheduler'],
    rowPolicy: rowPolicy as 'Open',
    refresh: refresh as Ramulator2ControllerConfig['refresh'],
    scatterInterval,
    addrMapper: addrMapper as Ramulator2ControllerConfig['addrMapper'],
  };
  const txBits = channelWidthBits * standard.prefetch;
  if (txBits % 8 !== 0 || ((txBits / 8) & (txBits / 8 - 1)) !== 0) bad(`${k}.dram.channel_width`, `a width whose burst (x ${standard.prefetch}) is a power-of-two number of bytes`, channelWidthBits);
  if (count[standard.levels.length - 1]! < standard.prefetch) bad(`${k}.dram.org.count (Column)`, `at least the prefetch (${standard.prefetch})`, count[standard.levels.length - 1]);
  return { file, standard, channels: controllers.length, interleaveBits, count, dq, channelWidthBits, timing, commandCycles, readLatencyTicks, constraints, controller, txBytes: txBits / 8, unknownKeys, presetNotes, ...(root.strata === undefined ? {} : { strata: root.strata }) };
}

/** Capacity of one channel in bytes (the address bits the mapper uses). */
export function ramulator2ChannelBytes(cfg: Ramulator2Config): number {
  const cols = cfg.count[cfg.count.length - 1]! / cfg.standard.prefetch;
  return cfg.count.slice(1, -1).reduce((a, b) => a * b, 1) * cols * cfg.txBytes;
}

/** Whether a --spec names a Ramulator 2 configuration (.yaml or .yml). */
export function isRamulator2Path(p: string): boolean {
  return /\.ya?ml$/i.test(p);
}
