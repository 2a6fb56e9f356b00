import { isAbsolute, relative } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { FIELDS } from './address-mapping.ts';
import type { DramStandard } from './standard.ts';

/** A configuration written for another simulator, with what it could not carry. */
export interface ExportedConfig {
  /** The file's text. */
  readonly text: string;
  /** What the other simulator's format cannot say (printed by the CLI on stderr, one per line). */
  readonly notes: string[];
}

/** DRAMsim3 protocols and how DRAMsim3 derives a burst (in cycles) and the column count from BL (src/configuration.cc). */
const DRAMSIM3_PROTOCOLS: Record<string, { burstDivisor: number; columnFactor: (bl: number) => number }> = {
  DDR3: { burstDivisor: 2, columnFactor: () => 1 },
  DDR4: { burstDivisor: 2, columnFactor: () => 1 },
  LPDDR: { burstDivisor: 2, columnFactor: () => 1 },
  LPDDR3: { burstDivisor: 2, columnFactor: () => 1 },
  LPDDR4: { burstDivisor: 2, columnFactor: () => 1 },
  HBM: { burstDivisor: 2, columnFactor: () => 2 },
  HBM2: { burstDivisor: 2, columnFactor: () => 2 },
  GDDR5: { burstDivisor: 4, columnFactor: (bl) => bl },
  GDDR5X: { burstDivisor: 8, columnFactor: (bl) => bl },
  GDDR6: { burstDivisor: 16, columnFactor: (bl) => bl },
};

/** A standard's file as a header names it: shipped presets relative to the package (arch/dram/...), so output is the same on every machine. */
function fileName(std: DramStandard): string {
  return std.file.replace(/^.*\/arch\//, 'arch/');
}

/** A decimal without float noise (tCK in ns from whole picoseconds). */
function ns(ps: number): string {
  return (ps / 1000).toFixed(3).replace(/\.?0+$/, '');
}

/**
 * Writes a standard as a DRAMsim3 .ini that DRAMsim3 reads and that `importDramsim3Ini` reads back to the same
 * organisation, clock, timings, currents and controller settings: the inverse of DRAMsim3's derivations (columns
 * divided by 2 for HBM and by BL for GDDR; BL from the burst; channel_size from the ranks; tRCD for DDR and LPDDR,
 * tRCDRD/tRCDWR for GDDR and HBM). Refused, naming the field, where DRAMsim3 would derive a different value: a
 * protocol DRAMsim3 lacks (DDR5, HBM3, LPDDR5), a burst that is not BL over DRAMsim3's divisor, tRC other than
 * tRAS + tRP, different read and write tRCD where DRAMsim3 has one. What DRAMsim3 cannot express (its own
 * constraint table replaces the standard's; FCFS, a refresh of 'none', per-bit energies) is listed in `notes`.
 */
export function exportDramsim3Ini(std: DramStandard): ExportedConfig {
  const where = `${std.file}`;
  const p = DRAMSIM3_PROTOCOLS[std.standard];
  if (!p) throw new StrataError(`${where}: standard '${std.standard}' has no DRAMsim3 protocol (DRAMsim3 reads ${Object.keys(DRAMSIM3_PROTOCOLS).join(', ')}); export it --to ramulator2 where Ramulator 2 has it`);
  const o = std.organization;
  const t = std.timing;
  const c = std.controller;
  const notes: string[] = [];
  const bl = o.burstLength;
  if (t.tBURST! * p.burstDivisor !== bl) throw new StrataError(`${where}: timing.tBURST = ${t.tBURST} but DRAMsim3 derives the burst of ${std.standard} as BL / ${p.burstDivisor} = ${bl / p.burstDivisor} from burstLength ${bl}; it cannot express this standard`);
  const colFactor = p.columnFactor(bl);
  if (o.columns % colFactor !== 0) throw new StrataError(`${where}: organization.columns ${o.columns} is not a multiple of ${colFactor}, the factor DRAMsim3 multiplies ${std.standard} columns by`);
  if (t.tRC !== t.tRAS! + t.tRP!) throw new StrataError(`${where}: timing.tRC = ${t.tRC} but DRAMsim3 derives tRC = tRAS + tRP = ${t.tRAS! + t.tRP!}`);
  const splitRcd = std.standard.startsWith('GDDR') || std.standard.startsWith('HBM');
  if (!splitRcd && t.tRCDRD !== t.tRCDWR) throw new StrataError(`${where}: timing.tRCDRD ${t.tRCDRD} differs from tRCDWR ${t.tRCDWR}, but DRAMsim3 has one tRCD for ${std.standard}`);
  if (o.busWidthBits % o.devicesPerRank !== 0) throw new StrataError(`${where}: organization.busWidthBits ${o.busWidthBits} is not a multiple of devicesPerRank ${o.devicesPerRank}`);
  const deviceWidth = o.busWidthBits / o.devicesPerRank;
  const banks = o.bankGroups * o.banksPerGroup;
  const rankMB = (((o.columns * deviceWidth) / 8) * (o.rows / 1024)) / 1024 * banks * o.devicesPerRank;
  const channelMB = rankMB * o.ranks;
  if (!Number.isInteger(channelMB)) throw new StrataError(`${where}: a channel holds ${channelMB} MB, not a whole number of MB as DRAMsim3's channel_size needs`);
  // DRAMsim3 reads a mapping of all six fields; fields the standard leaves out have one node and go on top.
  const given = c.addressMapping.replace(/[-_ ]/g, '').toLowerCase();
  const missing = FIELDS.filter((f) => !given.includes(f));
  const mapping = `${missing.join('')}${given}`;
  if (c.readQueueDepth !== c.writeQueueDepth) notes.push(`readQueueDepth ${c.readQueueDepth} and writeQueueDepth ${c.writeQueueDepth}: DRAMsim3 has one trans_queue_size (written: ${c.readQueueDepth})`);
  if (c.writeHighWatermark !== c.readQueueDepth || c.writeLowWatermark !== Math.min(8, c.readQueueDepth - 1)) notes.push(`write watermarks ${c.writeHighWatermark}/${c.writeLowWatermark}: DRAMsim3 drains at a full write queue and above 8 writes while idle`);
  if (c.scheduler !== 'frfcfs') notes.push(`scheduler '${c.scheduler}': DRAMsim3 always schedules FR-FCFS`);
  if (c.rowHitCap !== 4) notes.push(`rowHitCap ${c.rowHitCap}: DRAMsim3's cap is 4`);
  if (c.refresh === 'none') notes.push("refresh 'none': DRAMsim3 always refreshes (written: RANK_LEVEL_STAGGERED)");
  const rulesNames = Object.keys(std.sources).filter((k) => k.startsWith('rules:')).map((k) => k.slice(6));
  notes.push(`constraint tables ${rulesNames.join(', ')}: DRAMsim3 uses its own command table (src/timing.cc), which Strata's import rebuilds`);
  notes.push('pathEnergy: DRAMsim3 has no per-bit energies (the import derives them from the IDD currents)');
  const lines = [
    `; DRAMsim3 configuration written by 'strata dram export' from ${std.name} (${fileName(std)})`,
    `; ${std.description.replace(/\n/g, ' ')}`,
    '[dram_structure]',
    `protocol = ${std.standard}`,
    `bankgroups = ${o.bankGroups}`,
    `banks_per_group = ${o.banksPerGroup}`,
    'bankgroup_enable = true',
    `rows = ${o.rows}`,
    `columns = ${o.columns / colFactor}`,
    `device_width = ${deviceWidth}`,
    `BL = ${bl}`,
    ...(std.standard.startsWith('HBM') ? [`hbm_dual_cmd = ${std.dualCommandIssue}`] : []),
    '',
    '[timing]',
    `tCK = ${ns(std.tCKPs)}`,
    'AL = 0',
    `CL = ${t.CL}`,
    `CWL = ${t.CWL}`,
    `tCCD_L = ${t.tCCD_L}`,
    `tCCD_S = ${t.tCCD_S}`,
    `tRTRS = ${t.tRTRS}`,
    `tRTP = ${t.tRTP}`,
    `tWTR_L = ${t.tWTR_L}`,
    `tWTR_S = ${t.tWTR_S}`,
    `tWR = ${t.tWR}`,
    `tRP = ${t.tRP}`,
    `tRRD_L = ${t.tRRD_L}`,
    `tRRD_S = ${t.tRRD_S}`,
    `tRAS = ${t.tRAS}`,
    ...(splitRcd ? [`tRCDRD = ${t.tRCDRD}`, `tRCDWR = ${t.tRCDWR}`] : [`tRCD = ${t.tRCDRD}`]),
    `tRFC = ${t.tRFC}`,
    `tREFI = ${t.tREFI}`,
    ...(t.tRFCpb !== undefined ? [`tRFCb = ${t.tRFCpb}`] : []),
    ...(t.tREFIpb !== undefined ? [`tREFIb = ${t.tREFIpb}`] : []),
    `tFAW = ${t.tFAW}`,
    ...(t.tPPD !== undefined ? [`tPPD = ${t.tPPD}`] : []),
    ...(t.t32AW !== undefined ? [`t32AW = ${t.t32AW}`] : []),
    '',
    '[power]',
    ...(['VDD', 'IDD0', 'IDD2P', 'IDD2N', 'IDD3P', 'IDD3N', 'IDD4W', 'IDD4R', 'IDD5AB', 'IDD5PB'] as const).map((k) => `${k} = ${std.power[k]}`),
    '',
    '[system]',
    `channel_size = ${channelMB}`,
    `channels = ${o.channels}`,
    `bus_width = ${o.busWidthBits}`,
    `address_mapping = ${mapping}`,
    `queue_structure = ${c.queueStructure ?? 'PER_BANK'}`,
    `row_buf_policy = ${c.pagePolicy === 'open' ? 'OPEN_PAGE' : 'CLOSE_PAGE'}`,
    `cmd_queue_size = ${c.commandQueueDepth}`,
    `trans_queue_size = ${c.readQueueDepth}`,
    `refresh_policy = ${c.refresh === 'per-bank' ? 'BANK_LEVEL_STAGGERED' : 'RANK_LEVEL_STAGGERED'}`,
    '',
  ];
  const dropped = Object.keys(t).filter((k) => !['tBURST', 'CL', 'CWL', 'tCCD_L', 'tCCD_S', 'tRTRS', 'tRTP', 'tWTR_L', 'tWTR_S', 'tWR', 'tRP', 'tRRD_L', 'tRRD_S', 'tRAS', 'tRCDRD', 'tRCDWR', 'tRC', 'tRFC', 'tREFI', 'tRFCpb', 'tREFIpb', 'tFAW', 'tPPD', 't32AW'].includes(k));
  if (dropped.length > 0) notes.push(`timing ${dropped.join(', ')}: no DRAMsim3 key (left out)`);
  return { text: lines.join('\n'), notes };
}

/** Strata's commands as Ramulator 2 names them in DDR4 and DDR5 (REFpb has no Ramulator DDR4/DDR5 command). */
const TO_RAMULATOR_COMMAND: Record<string, string> = { ACT: 'ACT', PRE: 'PREpb', PREA: 'PREab', RD: 'RD', WR: 'WR', RDA: 'RDA', WRA: 'WRA', REF: 'REFab' };

/**
 * Ramulator 2 timing names of the DDR4 and DDR5 layouts and the Strata timing each is written from (a number: a
 * value Strata does not model, written as is). nCS, the rank-switch bubble, is Strata's tRTRS.
 */
const RAMULATOR_TIMING_FROM: Record<string, Record<string, string>> = {
  DDR4: {
    nBL: 'tBURST', nCL: 'CL', nRCD: 'tRCDRD', nRP: 'tRP', nRAS: 'tRAS', nRC: 'tRC', nWR: 'tWR', nRTP: 'tRTP', nCWL: 'CWL', nCCDS: 'tCCD_S',
    nCCDL: 'tCCD_L', nRRDS: 'tRRD_S', nRRDL: 'tRRD_L', nWTRS: 'tWTR_S', nWTRL: 'tWTR_L', nFAW: 'tFAW', nRFC: 'tRFC', nREFI: 'tREFI', nCS: 'tRTRS',
  },
  DDR5: {
    nBL: 'tBURST', nCL: 'CL', nRCD: 'tRCDRD', nRP: 'tRP', nRAS: 'tRAS', nRC: 'tRC', nWR: 'tWR', nRTP: 'tRTP', nCWL: 'CWL', nPPD: 'tPPD',
    nCCDS: 'tCCD_S', nCCDL: 'tCCD_L', nCCDS_WR: 'tCCD_S', nCCDL_WR: 'tCCD_L', nRRDS: 'tRRD_S', nRRDL: 'tRRD_L', nWTRS: 'tWTR_S', nWTRL: 'tWTR_L',
    nFAW: 'tFAW', nRFC: 'tRFC', nREFI: 'tREFI', nCS: 'tRTRS',
  },
};

/** Ramulator's level numbers of Strata's levels in the DDR4/DDR5 layout (Channel, Rank, BankGroup, Bank, Row, Column). */
const LEVEL_NUMBER: Record<string, number> = { channel: 0, rank: 1, bankgroup: 2, bank: 3 };

/** The Ramulator 2 layouts Strata writes, by Strata standard name. */
export const RAMULATOR2_EXPORTABLE = Object.keys(RAMULATOR_TIMING_FROM);

/**
 * Writes a DDR4 or DDR5 standard as a resolved Ramulator 2 configuration (the form Ramulator 2.1 runs and
 * `loadRamulator2Config` reads): the organisation as counts per level, the timings in cycles by Ramulator's names,
 * and Strata's compiled constraint table as Ramulator's constraint list (each rule and tFAW window at its level,
 * sibling rules as sibling constraints). Ramulator's controller settings are its defaults (32-entry buffers,
 * FRFCFS, open rows, all-bank refresh, RoBaRaCoCh): Strata's controller is another design, listed in `notes`.
 * What Ramulator's format has no place for (currents, per-bit energies, Strata's controller settings, timings with
 * no Ramulator name) goes under a top-level `strata` key that Ramulator does not read, so that
 * `ramulator2Standard` rebuilds the same standard. HBM3 and LPDDR5 are refused: Ramulator models their shared
 * half-CK command bus and two-step activation, which Strata's standards do not describe.
 */
export function exportRamulator2Yaml(std: DramStandard): ExportedConfig {
  const names = RAMULATOR_TIMING_FROM[std.standard];
  if (!names) throw new StrataError(`${std.file}: standard '${std.standard}': Strata writes Ramulator 2 configurations for ${RAMULATOR2_EXPORTABLE.join(' and ')}; Ramulator's HBM3 and LPDDR5 add a shared half-CK row bus and two-step activation that a Strata standard does not describe`);
  const o = std.organization;
  const t = std.timing;
  const prefetch = std.standard === 'DDR4' ? 8 : 16;
  if (o.burstLength !== prefetch) throw new StrataError(`${std.file}: organization.burstLength ${o.burstLength}: Ramulator 2's ${std.standard} fetches ${prefetch} beats per access`);
  if (t.tRCDRD !== t.tRCDWR) throw new StrataError(`${std.file}: timing.tRCDRD ${t.tRCDRD} differs from tRCDWR ${t.tRCDWR}, but Ramulator 2's ${std.standard} has one nRCD`);
  if (o.busWidthBits % o.devicesPerRank !== 0) throw new StrataError(`${std.file}: organization.busWidthBits ${o.busWidthBits} is not a multiple of devicesPerRank ${o.devicesPerRank}`);
  const notes: string[] = [];
  const commands = ['ACT', 'PREpb', 'PREab', 'RD', 'WR', 'RDA', 'WRA', 'REFab'];
  const cmdOf = (i: number): number => commands.indexOf(TO_RAMULATOR_COMMAND[std.commandNames[i]!] ?? '');
  const grouped = new Map<string, { level: number; prev: number; next: number[]; ticks: number; window: number; sibling: boolean }>();
  const dropped: { prev: string; next: string; level: string; sibling: boolean; distance: string }[] = [];
  for (const r of std.rules) {
    const p = cmdOf(r.prev);
    const q = cmdOf(r.next);
    if (p < 0 || q < 0) {
      dropped.push({ prev: std.commandNames[r.prev]!, next: std.commandNames[r.next]!, level: r.level, sibling: r.sibling, distance: String(r.cycles) });
      continue;
    }
    const key = `${LEVEL_NUMBER[r.level]}|${p}|${r.cycles}|${r.sibling}`;
    const g = grouped.get(key) ?? { level: LEVEL_NUMBER[r.level]!, prev: p, next: [], ticks: r.cycles, window: 1, sibling: r.sibling };
    if (!g.next.includes(q)) g.next.push(q);
    grouped.set(key, g);
  }
  if (dropped.length > 0) notes.push(`${dropped.length} constraint(s) with per-bank refresh (REFpb): Ramulator 2's ${std.standard} has no per-bank refresh command (kept under 'strata')`);
  const constraints = [...grouped.values()].map((g) => (g.sibling ? [g.level, [g.prev], g.next.sort((a, b) => a - b), g.ticks, 1, true] : [g.level, [g.prev], g.next.sort((a, b) => a - b), g.ticks]));
  for (const w of std.windows) {
    const c = cmdOf(w.command);
    if (c >= 0) constraints.push([LEVEL_NUMBER[w.level]!, [c], [c], w.cycles, w.count]);
  }
  const timing = [Math.round(2e6 / std.tCKPs), ...Object.values(names).map((k) => t[k] ?? 0), std.tCKPs];
  const ramulatorNames = ['rate', ...Object.keys(names), 'tCK_ps'];
  if (std.standard === 'DDR5' && t.tPPD === undefined) notes.push('nPPD written as 0: the standard has no tPPD');
  if (std.controller.refresh === 'per-bank') notes.push("refresh 'per-bank': Ramulator 2's DDR4/DDR5 refresh all banks (written: AllBank)");
  notes.push("controller: Ramulator 2's request-level FRFCFS with 32-entry buffers and RoBaRaCoCh mapping, not Strata's per-bank command queues (Strata's settings kept under 'strata')");
  const written = new Set(Object.values(names));
  const extraTiming = Object.fromEntries(Object.entries(t).filter(([k]) => !written.has(k)));
  const doc = {
    frontend: { impl: 'LoadStoreTrace', clock_ratio: 1, path: 'TRACE_PATH' },
    memory_system: {
      impl: 'GenericDRAM',
      clock_ratio: 1,
      channel_mapper: { impl: 'CacheLineInterleave', interleave_bits: 0 },
      controllers: Array.from({ length: o.channels }, () => ({
        impl: 'GenericDDR', wr_low_watermark: 0.2, wr_high_watermark: 0.8, read_buffer_size: 32, write_buffer_size: 32, priority_buffer_size: 1568,
        scheduler: { impl: 'FRFCFS' }, refresh_manager: { impl: 'AllBank', scatter_interval: 0, debug: false }, row_policy: { impl: 'Open' },
        addr_mapper: { impl: 'RoBaRaCoCh' },
        dram: {
          impl: std.standard,
          org: { dq: o.busWidthBits / o.devicesPerRank, count: [o.channels, o.ranks, o.bankGroups, o.banksPerGroup, o.rows, o.columns] },
          timing,
          command_cycles: commands.map(() => 1),
          channel_width: o.busWidthBits,
          read_latency: t.CL! + t.tBURST!,
          timing_constraints: constraints,
        },
      })),
    },
    strata: {
      note: 'Read by Strata only (Ramulator 2 ignores this key): what a Ramulator configuration has no place for.',
      name: std.name, standard: std.standard, description: std.description, dualCommandIssue: std.dualCommandIssue,
      perBankRefresh: t.tRFCpb !== undefined && t.tREFIpb !== undefined,
      ...(dropped.length > 0 ? { rules: { source: `per-bank refresh constraints of ${std.name} (${shippedPath(std.file)})`, rules: dropped } } : {}),
      timing: extraTiming, power: std.power, pathEnergy: std.pathEnergy, controller: std.controller,
    },
  };
  const header = `# Ramulator 2 configuration written by 'strata dram export' from ${std.name} (${fileName(std)})\n# timing: ${ramulatorNames.join(', ')}\n`;
  return { text: header + yamlFlow(doc), notes };
}

/** YAML with lists of numbers on one line (as Ramulator's own files write them). */
function yamlFlow(v: unknown, indent = ''): string {
  const out: string[] = [];
  const scalar = (x: unknown): string => (typeof x === 'string' ? JSON.stringify(x) : Array.isArray(x) ? `[${x.map(scalar).join(', ')}]` : String(x));
  // Lists of scalars on one line; a list of lists (the constraints) one entry per line.
  const flat = (x: unknown): boolean => !Array.isArray(x) || x.every((e) => typeof e !== 'object' || e === null);
  const entries = Object.entries(v as Record<string, unknown>);
  for (const [k, x] of entries) {
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
      out.push(`${indent}${k}:`, yamlFlow(x, `${indent}  `).replace(/\n$/, ''));
    } else if (Array.isArray(x) && !flat(x)) {
      out.push(`${indent}${k}:`);
      for (const e of x) {
        if (Array.isArray(e) || typeof e !== 'object' || e === null) out.push(`${indent}  - ${scalar(e)}`);
        else {
          const body = yamlFlow(e, `${indent}    `).replace(/\n$/, '');
          out.push(`${indent}  - ${body.trimStart()}`);
        }
      }
    } else {
      out.push(`${indent}${k}: ${scalar(x)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * A spec file as an exported configuration names it: a shipped file by its path in the package (`arch/dram/ddr5.json`),
 * so the same export is written from any checkout or installed copy; another file as it was given.
 */
function shippedPath(file: string): string {
  const inPackage = relative(PACKAGE_ROOT, file);
  return inPackage.startsWith('..') || isAbsolute(inPackage) ? file : inPackage.split('\\').join('/');
}
