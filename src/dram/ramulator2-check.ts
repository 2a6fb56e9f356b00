import { StrataError } from '../spec/errors.ts';
import { logEntries, type CommandLog, type LoggedCommand } from './command-log.ts';
import { COMMANDS } from './commands.ts';
import { checkJedecProtocol, type CheckedStandard, type CheckOptions, type Violation } from './protocol-checker.ts';
import type { Ramulator2Config } from './ramulator2-config.ts';
import type { R2Request } from './ramulator2-device.ts';
import type { Ramulator2RunResult } from './ramulator2-run.ts';

/**
 * The names a Ramulator 2 model's command log uses: Strata's JEDEC commands (the protocol checker's vocabulary),
 * then LPDDR5's ACT-2 and CAS commands, which only take a command-bus slot, then HBM3's refresh-management
 * commands, which the checker does not know (the model never issues them: no RFM plug-in is modelled).
 */
export const RAMULATOR2_LOG_NAMES: readonly string[] = [...COMMANDS, 'ACT2', 'CAS_RD', 'CAS_WR', 'RFMab', 'RFMpb'];

/** Ramulator 2's command names as the checker knows them (CMU-SAFARI/ramulator2 @ c5b1c3a python/ramulator/dram/*.py). */
const LOG_NAME: Readonly<Record<string, string>> = {
  ACT: 'ACT', ACT1: 'ACT', ACT2: 'ACT2', PREpb: 'PRE', PREab: 'PREA', RD: 'RD', WR: 'WR', RDA: 'RDA', WRA: 'WRA',
  REFab: 'REF', REFpb: 'REFpb', CAS_RD: 'CAS_RD', CAS_WR: 'CAS_WR', RFMab: 'RFMab', RFMpb: 'RFMpb',
};

/** What the protocol checker is given for a run of a Ramulator 2 configuration. */
export interface Ramulator2CheckView {
  /** The configuration's named timings in the checker's JEDEC vocabulary (in controller ticks), its organisation as ranks, bank groups and banks. */
  readonly std: CheckedStandard;
  /** Where the standard's command and data buses differ from one bus per channel of DDR4. */
  readonly options: CheckOptions;
}

/**
 * The checker's view of a Ramulator 2 configuration, built from its NAMED timing parameters (the `timing` list:
 * nRCD, nRRDS, ...), never from its resolved constraint list, which the model runs on: a constraint that disagrees
 * with the timing it is named after shows up as a violation. Every value stays in controller ticks (half a CK for
 * HBM3), so the checker's cycles are the model's ticks.
 *
 * - DDR4, DDR5 (JESD79-4, JESD79-5): ranks, bank groups and banks as Ramulator's levels; nCS is the rank switch
 *   (tRTRS); DDR5's tPPD is checked.
 * - LPDDR5 (JESD209-5B): ACT-1 is the checker's ACT (Ramulator, like the standard, measures tRCD, tRAS, tRC, tRRD
 *   and tFAW from ACT-1); ACT-2 and CAS take a command-bus slot only; read data burst nBL_min; nCS the rank switch.
 * - HBM3 (JESD238): a checker rank is a pseudo-channel (tRRD_S, tFAW, tCCD_S, tWTR_S, tPPD and all-bank refresh are
 *   per pseudo-channel in hbm3.py), its bank groups are (SID, bank group) pairs; both pseudo-channels share the
 *   channel's row and column command buses (one row and one column command per tick), each with its own data bus.
 *   tRTRS (which then enters only read-to-write) is nCCDR - nBL, the SID switch beyond the burst. Not checked:
 *   nCCDR between SIDs, and the half-cycle command slots (column commands on the rising edge only).
 */
export function ramulator2CheckView(cfg: Ramulator2Config): Ramulator2CheckView {
  const s = cfg.standard.name;
  const t = cfg.timing;
  const n = (name: string): number => {
    const v = t[name];
    if (v === undefined) throw new Error(`internal invariant broken: ${s} has no timing parameter ${name}`);
    return v;
  };
  const c = cfg.count;
  const hbm = s === 'HBM3';
  const lp = s === 'LPDDR5';
  const burst = lp ? n('nBL_min') : n('nBL');
  const timing: Record<string, number> = {
    tBURST: burst, CL: n('nCL'), CWL: n('nCWL'), tRCDRD: n(hbm ? 'nRCDRD' : 'nRCD'), tRCDWR: n(hbm ? 'nRCDWR' : 'nRCD'),
    tRP: n('nRP'), tRAS: n('nRAS'), tRC: n('nRC'), tCCD_S: n('nCCDS'), tCCD_L: n('nCCDL'), tRRD_S: n('nRRDS'), tRRD_L: n('nRRDL'),
    tWTR_S: n('nWTRS'), tWTR_L: n('nWTRL'), tFAW: n('nFAW'), tWR: n('nWR'), tRTP: n('nRTP'), tRFC: n('nRFC'), tREFI: n('nREFI'),
    tRTRS: hbm ? Math.max(0, n('nCCDR') - burst) : n('nCS'),
  };
  if ((s === 'DDR5' || hbm || lp) && n('nPPD') > 0) timing.tPPD = n('nPPD');
  if (hbm || lp) {
    timing.tRFCpb = n('nRFCpb');
    timing.tREFIpb = n('nREFIpb');
    timing.tPBR2PBR = n(hbm ? 'nRREFD' : 'nPBR2PBR');
    timing.tPBR2ACT = n(hbm ? 'nRREFD' : 'nPBR2ACT');
  }
  const ranks = c[1]!;
  const bankGroups = hbm ? c[2]! * c[3]! : c[2]!;
  const banksPerGroup = hbm ? c[4]! : c[3]!;
  const rows = hbm ? c[5]! : c[4]!;
  // The log keeps rank, bank group and bank in bytes (CommandLog); no shipped part comes near.
  for (const [what, v] of [['ranks (pseudo-channels)', ranks], ['bank groups', bankGroups], ['banks per group', banksPerGroup]] as const) {
    if (v > 256) throw new StrataError(`${cfg.file}: --check: ${v} ${what} per channel; the command log holds at most 256`);
  }
  return {
    std: {
      name: `${cfg.file} (${s})`,
      organization: { channels: cfg.channels, ranks, bankGroups, banksPerGroup, rows },
      timing,
      dualCommandIssue: hbm,
      controller: { refresh: cfg.controller.refresh === 'AllBank' ? 'all-bank' : 'none' },
    },
    options: {
      refresh: cfg.controller.refresh === 'AllBank' ? 'all-bank' : 'none',
      ...(hbm ? { separateDataBusPerRank: true } : {}),
      ...(lp ? { busOnlyCommands: ['ACT2', 'CAS_RD', 'CAS_WR'] } : {}),
    },
  };
}

/**
 * A function that appends each command a Ramulator 2 device issues to `log`, in the checker's terms: the command's
 * name in RAMULATOR2_LOG_NAMES, and the request's address as rank, bank group, bank, row and column (HBM3: the
 * pseudo-channel as rank, SID x bank group as bank group). A level the command covers whole (-1) is logged as 0.
 *
 * A command is logged at the tick its last command-bus cycle ends on, issue tick + command_cycles - 1: Ramulator
 * records a command at its first cycle, while JEDEC measures every timing between the ticks the DRAM finishes
 * receiving each command, and folds the difference into its resolved constraints (CMU-SAFARI/ramulator2 @ c5b1c3a
 * python/ramulator/dram/spec.py, "multi-cycle command adjustment": +1 for a two-cycle earlier command, -1 for a
 * two-cycle later one). Logged at their first tick, DDR5's two-cycle ACT after a PRE would be one tick short of
 * tRP in every run, and HBM3's 1.5-CK ACT two ticks short.
 */
export function ramulator2LogWriter(cfg: Ramulator2Config, log: CommandLog): (cmd: number, req: R2Request, clk: number) => void {
  const code = cfg.standard.commands.map((name) => RAMULATOR2_LOG_NAMES.indexOf(LOG_NAME[name]!));
  const hbm = cfg.standard.name === 'HBM3';
  const bgs = cfg.count[3]!;
  const last = cfg.commandCycles.map((c) => c - 1);
  const at = (v: number): number => (v < 0 ? 0 : v);
  return (cmd, req, clk) => {
    const v = req.vec;
    const end = clk + last[cmd]!;
    if (hbm) log.push(end, code[cmd]!, at(v[1]!), at(v[2]!) * bgs + at(v[3]!), at(v[4]!), v[5]!, v[6]!);
    else log.push(end, code[cmd]!, at(v[1]!), at(v[2]!), at(v[3]!), v[4]!, v[5]!);
  };
}

/** A Ramulator 2 run replayed by the protocol checker. */
export interface Ramulator2Check {
  readonly std: CheckedStandard;
  /** The run's commands, every channel, in cycle order (cycles in controller ticks). */
  readonly entries: readonly LoggedCommand[];
  /** The tick the run ended at (the refresh interval is checked up to it). */
  readonly endCycle: number;
  /** At most `maxViolations`; none when the run obeys the standard. */
  readonly violations: readonly Violation[];
}

/** Replays a run made with `commandLog` through the independent protocol checker (src/dram/protocol-checker.ts). */
export function checkRamulator2Run(r: Ramulator2RunResult, maxViolations: number): Ramulator2Check {
  if (r.logs.length === 0) throw new Error('internal invariant broken: checkRamulator2Run needs a run made with commandLog');
  const view = ramulator2CheckView(r.config);
  const entries = logEntries(r.logs, RAMULATOR2_LOG_NAMES);
  const violations = checkJedecProtocol(view.std, entries, { ...view.options, endCycle: r.ticks, maxViolations });
  return { std: view.std, entries, endCycle: r.ticks, violations };
}
