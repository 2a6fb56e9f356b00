import type { LoggedCommand } from './command-log.ts';
import { ACT, COMMANDS, NUM_COMMANDS, type CommandKind, PRE, PREA, RD, RDA, REF, REFPB, WR, WRA, commandIndex, isColumn } from './commands.ts';
import type { ControllerSpec, DramStandard, Organization } from './standard.ts';
import { checkTableRules } from './table-checker.ts';

/**
 * Independent protocol checker: a second, deliberately simple implementation of the JEDEC command rules
 * (JESD79-4 section 4, JESD235 HBM command timing), written from the standard's named timing parameters.
 * It does not use the controller's TimingState nor the compiled constraint table (`std.rules`), so a
 * mistake in either shows up as a disagreement here. It replays a command log channel by channel, tracks
 * which row each bank holds open, and checks every timing rule by scanning the channel's earlier commands
 * back over the longest distance that can constrain the command at hand. Standard-specific rules (per-bank
 * refresh spacing tPBR2PBR / tPBR2ACT, LPDDR5 tPPD) are checked when the standard defines their parameter.
 * About 3 s per million commands.
 */

/** Stable identifiers of the rules the checker verifies. */
export const PROTOCOL_RULES = [
  /** A log entry that names an unknown command, a node outside the organisation, or a bad cycle. */
  'malformed',
  /** More than one command per channel per cycle (HBM: more than one row plus one column command). */
  'command-bus',
  /** ACT to a bank that already holds an open row. */
  'act-open-bank',
  /** RD/WR/RDA/WRA to a precharged bank. */
  'column-closed-bank',
  /** RD/WR/RDA/WRA to a row other than the open one. */
  'column-wrong-row',
  /** REF while a bank of the rank is open. */
  'ref-open-bank',
  /** REFpb to an open bank. */
  'refpb-open-bank',
  /** ACT -> RD/RDA, same bank. */
  'tRCDRD',
  /** ACT -> WR/WRA, same bank. */
  'tRCDWR',
  /** ACT -> PRE/PREA, same bank. */
  'tRAS',
  /** ACT -> ACT same bank; ACT -> REF/REFpb. */
  'tRC',
  /** PRE/PREA -> ACT/REF/REFpb. */
  'tRP',
  /** ACT -> ACT, same bank group. */
  'tRRD_L',
  /** ACT -> ACT, same rank. */
  'tRRD_S',
  /** More than four ACTs per rank in a tFAW window. */
  'tFAW',
  /** Column -> column of the same direction, same bank group: max(tBURST, tCCD_L). */
  'tCCD_L',
  /** Column -> column of the same direction, same rank: max(tBURST, tCCD_S). */
  'tCCD_S',
  /** Column -> column on another rank of the channel (data-bus hand-over). */
  'tRTRS',
  /** WR -> RD, same bank group: CWL + tBURST + tWTR_L. */
  'tWTR_L',
  /** WR -> RD, same rank: CWL + tBURST + tWTR_S. */
  'tWTR_S',
  /** RD -> WR anywhere on the channel: CL + tBURST + tRTRS - CWL. */
  'read-to-write',
  /** RD -> PRE/PREA, same bank. */
  'tRTP',
  /** WR -> PRE/PREA, same bank: CWL + tBURST + tWR. */
  'tWR',
  /** RDA/WRA -> ACT/REF/REFpb, same bank: the implicit precharge must finish. */
  'auto-precharge',
  /** REF -> ACT/REF/REFpb, same rank. */
  'tRFC',
  /** REFpb -> ACT/REFpb same bank, REFpb -> REF same rank. */
  'tRFCpb',
  /** REFpb -> REFpb of another bank of the rank (tRREFD / tpbR2pbR), where the standard defines tPBR2PBR. */
  'tPBR2PBR',
  /** REFpb -> ACT of another bank of the rank (tpbR2act), where the standard defines tPBR2ACT. */
  'tPBR2ACT',
  /** PRE/PREA -> PRE/PREA in the same rank (LPDDR5), where the standard defines tPPD. */
  'tPPD',
  /** Too long without refresh: more than 9 x tREFI (JEDEC allows postponing 8 refreshes). */
  'refresh-interval',
  /** A PIM command against the row state: an all-bank activate with a bank open, an all-bank MAC without the row open in every bank. */
  'pim-state',
  /** A distance of a PIM spec's constraint table (a rule that names a command the spec adds). */
  'pim-timing',
  /** A rolling window of a PIM spec's constraint table (e.g. the all-bank activation power limit). */
  'pim-window',
] as const;
/** A rule identifier. */
export type ProtocolRule = (typeof PROTOCOL_RULES)[number];

/** One broken rule. */
export interface Violation {
  /** Index of the offending command in the log given to the checker (-1 for the end of the run). */
  index: number;
  cycle: number;
  channel: number;
  /** The offending command's kind ('end' for a refresh gap that reaches the end of the run). */
  command: string;
  rule: ProtocolRule;
  /** What happened, where, and what was needed, in cycles. */
  message: string;
}

/** Options of checkProtocol. */
export interface CheckOptions {
  /** Stop after this many violations (default 100). */
  maxViolations?: number;
  /** Last cycle of the run; with it the refresh interval is checked up to this cycle. */
  endCycle?: number;
  /** Refresh scheme to hold the log to; by default per-bank if the log has REFpb, all-bank if it has REF, else the standard's. */
  refresh?: 'all-bank' | 'per-bank' | 'none';
  /**
   * PREA and REF act on every rank of their channel, not on the rank they name: so on AttAcc's HBM3-PIM, whose PREA
   * and REFab have the scope of the whole channel, both stack IDs (scale-snu/attacc_simulator @ c600051,
   * pim_ramulator_src/HBM3-PIM.cpp m_command_scopes: PREA "channel", REFab "channel"). Default false (JEDEC: one rank).
   */
  rankWideCommandsSpanChannel?: boolean;
  /**
   * Each rank has its own data bus, so the data-bus rules between ranks (rank switch tRTRS, read-to-write across
   * ranks) do not apply and read-to-write holds within a rank: HBM pseudo-channels, which share a channel's command
   * bus but each drive half of its DQ (JESD238 pseudo-channel mode; CMU-SAFARI/ramulator2 @ c5b1c3a
   * python/ramulator/dram/hbm3.py keeps data-bus occupancy and nRTW per PseudoChannel). Default false.
   */
  separateDataBusPerRank?: boolean;
  /**
   * Commands that only take a command-bus slot: the checker counts them on the command bus (one command per cycle)
   * and applies no timing or bank-state rule to them. LPDDR5's ACT-2 (the second half of an activation, whose
   * timings JESD209-5B measures from ACT-1) and CAS (WCK2CK sync), each a 1-nCK command on the CA bus. Default none.
   */
  busOnlyCommands?: readonly string[];
}

/**
 * What the JEDEC rules read of a standard: its name, organisation, named timing parameters, command buses and
 * refresh scheme. A Strata preset is one; a Ramulator 2 configuration gives one too (src/dram/ramulator2-check.ts).
 */
export interface CheckedStandard {
  readonly name: string;
  readonly organization: Pick<Organization, 'channels' | 'ranks' | 'bankGroups' | 'banksPerGroup' | 'rows'>;
  readonly timing: Readonly<Record<string, number>>;
  readonly dualCommandIssue: boolean;
  readonly controller: Pick<ControllerSpec, 'refresh'>;
}

// How two commands of one channel relate. Rank-wide commands (PREA, REF) count as touching every bank of
// their rank, so "same bank" rules (ACT -> REF tRC, PRE -> REF tRP, ...) apply to them unchanged.
const SAME_BANK = 0;
const SAME_BANKGROUP = 1;
const SAME_RANK = 2;
const OTHER_RANK = 3;

// Where a rule applies: inside the previous command's bank, bank group, rank, channel, or on another rank.
const IN_BANK = 0;
const IN_BANKGROUP = 1;
const IN_RANK = 2;
const IN_CHANNEL = 3;
const ON_OTHER_RANK = 4;

interface PairRule {
  readonly rule: ProtocolRule;
  readonly scope: number;
  /** Minimum distance in cycles from the previous command to the next. */
  readonly cycles: number;
  /** The distance as a formula of named parameters, for messages. */
  readonly text: string;
}

function applies(scope: number, relation: number): boolean {
  switch (scope) {
    case IN_BANK: return relation === SAME_BANK;
    case IN_BANKGROUP: return relation <= SAME_BANKGROUP;
    case IN_RANK: return relation <= SAME_RANK;
    case IN_CHANNEL: return true;
    default: return relation === OTHER_RANK;
  }
}

function isRankWide(cmd: number): boolean {
  return cmd === PREA || cmd === REF;
}

function isRow(cmd: number): boolean {
  return !isColumn(cmd);
}

/**
 * The JEDEC command-to-command rules as a table pairs[prev][next], built directly from the named timing
 * parameters (JESD79-4 tables 169-170, JESD235 section 6).
 */
function buildPairRules(std: CheckedStandard, separateDataBusPerRank = false): PairRule[][][] {
  const t = std.timing;
  const p = (name: string): number => {
    const v = t[name];
    if (v === undefined) throw new Error(`protocol checker: ${std.name} has no timing parameter ${name}`);
    return v;
  };
  const pairs: PairRule[][][] = Array.from({ length: NUM_COMMANDS }, () => Array.from({ length: NUM_COMMANDS }, () => []));
  const add = (prevs: number[], nexts: number[], scope: number, rule: ProtocolRule, text: string, cycles: number): void => {
    // With a data bus per rank, the rules between ranks' data go, and the channel's become the rank's.
    if (separateDataBusPerRank && scope === ON_OTHER_RANK) return;
    if (separateDataBusPerRank && scope === IN_CHANNEL) scope = IN_RANK;
    for (const a of prevs) for (const b of nexts) pairs[a]![b]!.push({ rule, scope, cycles, text });
  };
  const tBURST = p('tBURST');
  const CL = p('CL');
  const CWL = p('CWL');
  const reads = [RD, RDA];
  const writes = [WR, WRA];
  const precharges = [PRE, PREA];
  const refreshes = [REF, REFPB];

  add([ACT], [ACT], IN_BANK, 'tRC', 'tRC', p('tRC'));
  add([ACT], refreshes, IN_BANK, 'tRC', 'tRC', p('tRC'));
  add([ACT], [ACT], IN_BANKGROUP, 'tRRD_L', 'tRRD_L', p('tRRD_L'));
  add([ACT], [ACT], IN_RANK, 'tRRD_S', 'tRRD_S', p('tRRD_S'));
  add([ACT], reads, IN_BANK, 'tRCDRD', 'tRCDRD', p('tRCDRD'));
  add([ACT], writes, IN_BANK, 'tRCDWR', 'tRCDWR', p('tRCDWR'));
  add([ACT], precharges, IN_BANK, 'tRAS', 'tRAS', p('tRAS'));

  add(precharges, [ACT, REF, REFPB], IN_BANK, 'tRP', 'tRP', p('tRP'));

  const ccdL = Math.max(tBURST, p('tCCD_L'));
  const ccdS = Math.max(tBURST, p('tCCD_S'));
  const rankSwitch = tBURST + p('tRTRS');
  for (const same of [reads, writes]) {
    add(same, same, IN_BANKGROUP, 'tCCD_L', 'max(tBURST, tCCD_L)', ccdL);
    add(same, same, IN_RANK, 'tCCD_S', 'max(tBURST, tCCD_S)', ccdS);
    add(same, same, ON_OTHER_RANK, 'tRTRS', 'tBURST + tRTRS', rankSwitch);
  }
  // The write data (CWL + tBURST after WR) must be in before the read turns the bus around.
  add(writes, reads, IN_BANKGROUP, 'tWTR_L', 'CWL + tBURST + tWTR_L', CWL + tBURST + p('tWTR_L'));
  add(writes, reads, IN_RANK, 'tWTR_S', 'CWL + tBURST + tWTR_S', CWL + tBURST + p('tWTR_S'));
  add(writes, reads, ON_OTHER_RANK, 'tRTRS', 'max(1, CWL + tBURST + tRTRS - CL)', Math.max(1, CWL + rankSwitch - CL));
  // Read data (CL + tBURST after RD) must clear the bus, plus a turnaround, before write data starts (CWL).
  add(reads, writes, IN_CHANNEL, 'read-to-write', 'CL + tBURST + tRTRS - CWL', CL + rankSwitch - CWL);

  add([RD], precharges, IN_BANK, 'tRTP', 'tRTP', p('tRTP'));
  add([WR], precharges, IN_BANK, 'tWR', 'CWL + tBURST + tWR', CWL + tBURST + p('tWR'));
  add([RDA], [ACT, REF, REFPB], IN_BANK, 'auto-precharge', 'tRTP + tRP', p('tRTP') + p('tRP'));
  add([WRA], [ACT, REF, REFPB], IN_BANK, 'auto-precharge', 'CWL + tBURST + tWR + tRP', CWL + tBURST + p('tWR') + p('tRP'));

  add([REF], [ACT, REF, REFPB], IN_RANK, 'tRFC', 'tRFC', p('tRFC'));
  if (t.tRFCpb !== undefined) add([REFPB], [ACT, REF, REFPB], IN_BANK, 'tRFCpb', 'tRFCpb', t.tRFCpb);

  // Standard-specific rules, present when the standard names their parameter.
  // Per-bank refresh of one bank next to work on another (HBM3 tRREFD, JESD238; LPDDR5 tpbR2pbR and
  // tpbR2act, JESD209-5; GDDR6 tRREFD): a REFpb activates rows, so it also keeps tRRD_S after an ACT.
  if (t.tPBR2PBR !== undefined) add([REFPB], [REFPB], IN_RANK, 'tPBR2PBR', 'tPBR2PBR', t.tPBR2PBR);
  if (t.tPBR2ACT !== undefined) {
    add([REFPB], [ACT], IN_RANK, 'tPBR2ACT', 'tPBR2ACT', t.tPBR2ACT);
    add([ACT], [REFPB], IN_RANK, 'tRRD_S', 'tRRD_S', p('tRRD_S'));
  }
  // LPDDR5 precharge-to-precharge spacing (JESD209-5 tPPD).
  if (t.tPPD !== undefined) add(precharges, precharges, IN_RANK, 'tPPD', 'tPPD', t.tPPD);
  return pairs;
}

/** How two commands relate, as seen from the second (PREA and REF touch every bank of their rank). */
export type Relation = 'same-bank' | 'same-bankgroup' | 'same-rank' | 'other-rank';

/**
 * The distance in cycles the checker demands from `prev` to `next` when they relate as `relation` (0 when
 * no rule applies): the largest distance of the pairwise rules, not counting tFAW.
 */
export function requiredCycles(std: DramStandard, prev: CommandKind, next: CommandKind, relation: Relation): number {
  const pk = commandIndex(prev);
  const nk = commandIndex(next);
  let rel = ['same-bank', 'same-bankgroup', 'same-rank', 'other-rank'].indexOf(relation);
  if (rel !== OTHER_RANK && (isRankWide(pk) || isRankWide(nk))) rel = SAME_BANK;
  let cycles = 0;
  for (const r of buildPairRules(std)[pk]![nk]!) if (applies(r.scope, rel)) cycles = Math.max(cycles, r.cycles);
  return cycles;
}

/** Per-channel replay state. */
interface ChannelState {
  /** Log indices of this channel's commands so far, in replay order: refreshes apart, as their rules reach further back. */
  readonly history: number[];
  readonly refreshHistory: number[];
  /** Open row per bank (rank, bank group, bank flattened), -1 when precharged. */
  readonly openRow: Int32Array;
  /** Cycle of the ACT that opened each bank. */
  readonly openedAt: Float64Array;
  busCycle: number;
  busRows: number;
  busColumns: number;
  /** Cycle of the last refresh per rank (all-bank) or per bank (per-bank). */
  readonly lastRefresh: Float64Array;
}

/**
 * Replays `log` (any number of channels, in cycle order or not) against `std` and returns every rule it
 * breaks, at most `maxViolations`. An empty array means the log obeys the standard.
 */
export function checkProtocol(std: DramStandard, log: readonly LoggedCommand[], opts: CheckOptions = {}): Violation[] {
  if (std.extraCommands.length === 0) return checkJedec(std, log, opts);
  // A PIM standard: the JEDEC rules on the JEDEC commands, and the commands the PIM spec adds by replaying
  // its constraint table (src/dram/table-checker.ts).
  const extra = new Set(std.extraCommands.map((c) => c.name));
  const baseIndex: number[] = [];
  const baseLog: LoggedCommand[] = [];
  log.forEach((e, i) => {
    if (!extra.has(e.command)) {
      baseIndex.push(i);
      baseLog.push(e);
    }
  });
  const base = checkJedec(std, baseLog, opts).map((v) => ({ ...v, index: v.index >= 0 ? baseIndex[v.index]! : v.index }));
  const max = opts.maxViolations ?? 100;
  return [...base, ...checkTableRules(std, log, max, opts.rankWideCommandsSpanChannel === true)].sort((a, b) => a.cycle - b.cycle || a.index - b.index).slice(0, max);
}

/**
 * The JEDEC rules alone (no PIM constraint table) on a log of JEDEC commands, and the `busOnlyCommands` of `opts`,
 * against any standard that names the JEDEC timing parameters: a Strata preset or a Ramulator 2 configuration.
 */
export function checkJedecProtocol(std: CheckedStandard, log: readonly LoggedCommand[], opts: CheckOptions = {}): Violation[] {
  return checkJedec(std, log, opts);
}

/** Kind of a command that only takes a command-bus slot (CheckOptions.busOnlyCommands). */
const BUS_ONLY = -2;

/** The JEDEC rules on a log of JEDEC commands only. */
function checkJedec(std: CheckedStandard, log: readonly LoggedCommand[], opts: CheckOptions): Violation[] {
  const org = std.organization;
  const t = std.timing;
  const maxViolations = opts.maxViolations ?? 100;
  const banksPerRank = org.bankGroups * org.banksPerGroup;
  const banksPerChannel = org.ranks * banksPerRank;
  const pairs = buildPairRules(std, opts.separateDataBusPerRank === true);
  const busOnly = new Set(opts.busOnlyCommands ?? []);
  const span = opts.rankWideCommandsSpanChannel === true;
  const tFAW = t.tFAW!;

  // How far back a command of each kind can be constrained by earlier non-refresh commands (ACT: also
  // tFAW) and by earlier refreshes (tRFC is several times longer than any other distance).
  const lookBack = new Float64Array(NUM_COMMANDS);
  const refreshLookBack = new Float64Array(NUM_COMMANDS);
  for (let next = 0; next < NUM_COMMANDS; next++) {
    for (let prev = 0; prev < NUM_COMMANDS; prev++) {
      const into = prev === REF || prev === REFPB ? refreshLookBack : lookBack;
      for (const r of pairs[prev]![next]!) into[next] = Math.max(into[next]!, r.cycles);
    }
  }
  lookBack[ACT] = Math.max(lookBack[ACT]!, tFAW);

  const kinds = new Int8Array(log.length);
  let hasREF = false;
  let hasREFpb = false;
  let sorted = true;
  for (let i = 0; i < log.length; i++) {
    const k = busOnly.has(log[i]!.command) ? BUS_ONLY : commandIndex(log[i]!.command);
    kinds[i] = k;
    if (k === REF) hasREF = true;
    if (k === REFPB) hasREFpb = true;
    if (i > 0 && log[i]!.cycle < log[i - 1]!.cycle) sorted = false;
  }
  const order = Array.from({ length: log.length }, (_, i) => i);
  if (!sorted) order.sort((a, b) => log[a]!.cycle - log[b]!.cycle || a - b);

  const refresh = opts.refresh ?? (hasREFpb ? 'per-bank' : hasREF ? 'all-bank' : std.controller.refresh);
  const checkRefresh = opts.endCycle !== undefined && refresh !== 'none';
  const perBank = refresh === 'per-bank';
  const refreshLimit = perBank ? 9 * (t.tREFIpb ?? t.tREFI!) * banksPerRank : 9 * t.tREFI!;
  const refreshLimitText = perBank ? `9 x tREFIpb x ${banksPerRank} banks = ${refreshLimit}` : `9 x tREFI = ${refreshLimit}`;

  const channels: ChannelState[] = [];
  for (let ch = 0; ch < org.channels; ch++) {
    channels.push({
      history: [],
      refreshHistory: [],
      openRow: new Int32Array(banksPerChannel).fill(-1),
      openedAt: new Float64Array(banksPerChannel),
      busCycle: -1,
      busRows: 0,
      busColumns: 0,
      lastRefresh: new Float64Array(perBank ? banksPerChannel : org.ranks),
    });
  }

  const out: Violation[] = [];
  const reported: ProtocolRule[] = [];
  const report = (index: number, e: LoggedCommand, rule: ProtocolRule, text: string, command = e.command as string, cycle = e.cycle): boolean => {
    out.push({ index, cycle, channel: e.channel, command, rule, message: text });
    return out.length >= maxViolations;
  };
  const where = (e: LoggedCommand, kind: number): string =>
    isRankWide(kind) ? `ch${e.channel} r${e.rank}` : `ch${e.channel} r${e.rank} bg${e.bankGroup} b${e.bank}`;
  const at = (e: LoggedCommand, kind: number): string => `${where(e, kind)} cycle ${e.cycle}`;

  /** Checks command `i` against the commands of `list` less than `window` cycles before it; true when out of room. */
  const scan = (i: number, e: LoggedCommand, kind: number, list: readonly number[], window: number): boolean => {
    const c = e.cycle;
    let actsInRank = 0;
    for (let j = list.length - 1; j >= 0; j--) {
      const pi = list[j]!;
      const p = log[pi]!;
      const d = c - p.cycle;
      if (d >= window) break;
      const pk = kinds[pi]!;
      const rel = span && (isRankWide(pk) || isRankWide(kind)) ? SAME_BANK : relation(p, pk, e, kind);
      const rules = pairs[pk]![kind]!;
      for (let r = 0; r < rules.length; r++) {
        const rule = rules[r]!;
        if (d >= rule.cycles || !applies(rule.scope, rel) || reported.includes(rule.rule)) continue;
        reported.push(rule.rule);
        const sameNode = rel === SAME_BANK && isRankWide(pk) === isRankWide(kind);
        const target = sameNode ? '' : ` to ${where(p, pk).replace(/^ch\d+ /, '')}`;
        if (report(i, e, rule.rule, `${at(e, kind)}: ${e.command} ${d} cycles after ${p.command}${target} at ${p.cycle}, needs ${rule.text} = ${rule.cycles}`)) return true;
      }
      // Four-activate window (JESD79-4 tFAW): the 5th ACT of a rank waits tFAW after the 1st of the four before it.
      if (kind === ACT && pk === ACT && p.rank === e.rank && ++actsInRank === 4 && d < tFAW) {
        if (report(i, e, 'tFAW', `${at(e, kind)}: ACT ${d} cycles after the ACT at ${p.cycle}, the fourth ACT back in rank ${e.rank}, needs tFAW = ${tFAW}`)) return true;
      }
    }
    return false;
  };

  for (const i of order) {
    const e = log[i]!;
    const kind = kinds[i]!;
    const bad = kind === BUS_ONLY ? (Number.isInteger(e.cycle) && e.cycle >= 0 && Number.isInteger(e.channel) && e.channel >= 0 && e.channel < org.channels ? '' : `cycle ${e.cycle} or channel ${e.channel} is outside the run`) : malformed(e, kind, std, t.tRFCpb !== undefined);
    if (bad) {
      if (report(i, e, 'malformed', `log entry ${i} (cycle ${e.cycle}, channel ${e.channel}, ${e.command}): ${bad}`)) return out;
      continue;
    }
    const c = e.cycle;
    const s = channels[e.channel]!;
    reported.length = 0;

    // Command bus: one command per cycle; HBM has separate row and column buses (JESD235 section 6.3).
    if (s.busCycle !== c) {
      s.busCycle = c;
      s.busRows = 0;
      s.busColumns = 0;
    }
    if (isRow(kind)) s.busRows++;
    else s.busColumns++;
    const busOk = std.dualCommandIssue ? s.busRows <= 1 && s.busColumns <= 1 : s.busRows + s.busColumns <= 1;
    if (!busOk) {
      const allowed = std.dualCommandIssue ? 'at most one row and one column command per cycle' : 'at most one command per cycle';
      if (report(i, e, 'command-bus', `${at(e, kind)}: ${e.command} is one command too many for channel ${e.channel} in this cycle (${s.busRows} row and ${s.busColumns} column commands so far), needs ${allowed}`)) return out;
    }
    if (kind === BUS_ONLY) continue;

    // Timing: scan this channel's earlier commands back over the longest distance that can matter.
    if (scan(i, e, kind, s.history, lookBack[kind]!) || scan(i, e, kind, s.refreshHistory, refreshLookBack[kind]!)) return out;

    // Bank state.
    const bankIdx = (e.rank * org.bankGroups + e.bankGroup) * org.banksPerGroup + e.bank;
    // A rank-wide command covers banks [rankFirst, rankEnd): its rank, or the whole channel with `span`.
    const rankFirst = span && isRankWide(kind) ? 0 : e.rank * banksPerRank;
    const rankEnd = span && isRankWide(kind) ? banksPerChannel : rankFirst + banksPerRank;
    switch (kind) {
      case ACT: {
        const open = s.openRow[bankIdx]!;
        if (open >= 0 && report(i, e, 'act-open-bank', `${at(e, kind)}: ACT of row ${e.row} to a bank with row ${open} open (ACT at ${s.openedAt[bankIdx]}), needs a PRE first`)) return out;
        s.openRow[bankIdx] = e.row;
        s.openedAt[bankIdx] = c;
        break;
      }
      case RD:
      case WR:
      case RDA:
      case WRA: {
        const open = s.openRow[bankIdx]!;
        if (open < 0) {
          if (report(i, e, 'column-closed-bank', `${at(e, kind)}: ${e.command} of row ${e.row} to a precharged bank, needs an ACT first`)) return out;
        } else if (open !== e.row) {
          if (report(i, e, 'column-wrong-row', `${at(e, kind)}: ${e.command} of row ${e.row} while row ${open} is open (ACT at ${s.openedAt[bankIdx]})`)) return out;
        }
        if (kind === RDA || kind === WRA) s.openRow[bankIdx] = -1;
        break;
      }
      case PRE:
        s.openRow[bankIdx] = -1;
        break;
      case PREA:
        s.openRow.fill(-1, rankFirst, rankEnd);
        break;
      case REF: {
        const open: string[] = [];
        for (let b = rankFirst; b < rankEnd; b++) {
          if (s.openRow[b]! >= 0) open.push(`${span ? `r${Math.floor(b / banksPerRank)} ` : ''}bg${Math.floor((b % banksPerRank) / org.banksPerGroup)} b${b % org.banksPerGroup}`);
        }
        if (open.length > 0 && report(i, e, 'ref-open-bank', `${at(e, kind)}: REF while ${open.length} bank(s) of ${span ? `channel ${e.channel}` : `rank ${e.rank}`} are open (${open.join(', ')}), needs every bank precharged`)) return out;
        break;
      }
      case REFPB: {
        const open = s.openRow[bankIdx]!;
        if (open >= 0 && report(i, e, 'refpb-open-bank', `${at(e, kind)}: REFpb to a bank with row ${open} open (ACT at ${s.openedAt[bankIdx]}), needs a PRE first`)) return out;
        break;
      }
      default:
        throw new Error(`protocol checker: command kind ${kind} has no state rule`);
    }

    // Refresh interval.
    if (checkRefresh && (kind === REF || kind === REFPB)) {
      const first = perBank ? (kind === REF ? rankFirst : bankIdx) : span ? 0 : e.rank;
      const last = perBank && kind === REF ? rankEnd : span && !perBank ? org.ranks : first + 1;
      if (perBank || kind === REF) {
        for (let k = first; k < last; k++) {
          const gap = c - s.lastRefresh[k]!;
          if (gap > refreshLimit) {
            const what = perBank ? `bank ${refreshNode(k, org.bankGroups, org.banksPerGroup)}` : `rank ${k}`;
            if (report(i, e, 'refresh-interval', `${at(e, kind)}: ${e.command} ${gap} cycles after the previous refresh of ${what} at ${s.lastRefresh[k]}, needs at most ${refreshLimitText}`)) return out;
          }
          s.lastRefresh[k] = c;
        }
      }
    }
    if (kind === REF || kind === REFPB) s.refreshHistory.push(i);
    else s.history.push(i);
  }

  if (checkRefresh) {
    const end = opts.endCycle!;
    for (let ch = 0; ch < channels.length; ch++) {
      const s = channels[ch]!;
      for (let k = 0; k < s.lastRefresh.length; k++) {
        const gap = end - s.lastRefresh[k]!;
        if (gap <= refreshLimit) continue;
        const what = perBank ? `bank ${refreshNode(k, org.bankGroups, org.banksPerGroup)}` : `rank ${k}`;
        const e: LoggedCommand = { cycle: end, channel: ch, command: 'REF', rank: 0, bankGroup: 0, bank: 0, row: -1, column: -1 };
        const msg = `ch${ch} cycle ${end} (end of run): no refresh of ${what} for ${gap} cycles since ${s.lastRefresh[k]}, needs at most ${refreshLimitText}`;
        if (report(-1, e, 'refresh-interval', msg, 'end', end)) return out;
      }
    }
  }
  return out;
}

function refreshNode(bankIdx: number, bankGroups: number, banksPerGroup: number): string {
  const perRank = bankGroups * banksPerGroup;
  const r = Math.floor(bankIdx / perRank);
  const inRank = bankIdx % perRank;
  return `r${r} bg${Math.floor(inRank / banksPerGroup)} b${inRank % banksPerGroup}`;
}

/** How `p` relates to `e` (same channel): same bank, same bank group, same rank, or another rank. */
function relation(p: LoggedCommand, pk: number, e: LoggedCommand, ek: number): number {
  if (p.rank !== e.rank) return OTHER_RANK;
  if (isRankWide(pk) || isRankWide(ek)) return SAME_BANK;
  if (p.bankGroup !== e.bankGroup) return SAME_RANK;
  return p.bank === e.bank ? SAME_BANK : SAME_BANKGROUP;
}

/** Why an entry cannot be replayed, or '' if it can. */
function malformed(e: LoggedCommand, kind: number, std: CheckedStandard, perBankRefresh: boolean): string {
  const o = std.organization;
  if (kind < 0) return `unknown command '${e.command}' (known: ${COMMANDS.join(', ')})`;
  if (!Number.isInteger(e.cycle) || e.cycle < 0) return `cycle ${e.cycle} is not a whole number >= 0`;
  const inRange = (v: number, n: number): boolean => Number.isInteger(v) && v >= 0 && v < n;
  if (!inRange(e.channel, o.channels)) return `channel ${e.channel} is outside 0..${o.channels - 1}`;
  if (!inRange(e.rank, o.ranks)) return `rank ${e.rank} is outside 0..${o.ranks - 1}`;
  if (!isRankWide(kind)) {
    if (!inRange(e.bankGroup, o.bankGroups)) return `bank group ${e.bankGroup} is outside 0..${o.bankGroups - 1}`;
    if (!inRange(e.bank, o.banksPerGroup)) return `bank ${e.bank} is outside 0..${o.banksPerGroup - 1}`;
  }
  if (kind === ACT && !inRange(e.row, o.rows)) return `row ${e.row} is outside 0..${o.rows - 1}`;
  if (kind === REFPB && !perBankRefresh) return `${std.name} has no per-bank refresh (no tRFCpb)`;
  return '';
}

/** Text of the first `limit` violations, one per line, with a count of the rest. */
export function formatViolations(v: readonly Violation[], limit = 20): string {
  if (v.length === 0) return 'no protocol violations';
  const lines = v.slice(0, limit).map((x) => `[${x.rule}] ${x.message}`);
  if (v.length > limit) lines.push(`... and ${v.length - limit} more`);
  return lines.join('\n');
}
