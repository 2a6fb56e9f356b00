import type { LoggedCommand } from './command-log.ts';
import type { Level } from './commands.ts';
import type { DramStandard } from './standard.ts';
import { TimingState } from './timing-state.ts';

/** The timing rule that held a command back longest, and the earlier command that started it. */
export interface HeldBack {
  /** 'rule' (a distance of the constraint table) or 'window' (a rolling window such as tFAW). */
  readonly kind: 'rule' | 'window';
  /** The distance as the table writes it (`tRCDRD`, `max(tBURST, tCCD_L)`), or the window's length (`tFAW`). */
  readonly distance: string;
  /** The rule's distance (or the window's length) in cycles. */
  readonly cycles: number;
  /** The level the rule acts at, and whether it acts on the other nodes of that level (rank-to-rank turnaround). */
  readonly level: Level;
  readonly sibling: boolean;
  /** The rule or window in full, as the standard prints it. */
  readonly text: string;
  /** For a window: how many commands it allows (the earlier command is the oldest of that many). */
  readonly count?: number;
  /** The earlier command: its index in the explained log, name and cycle (for a window, the oldest one still in it). */
  readonly prevIndex: number;
  readonly prevCommand: string;
  readonly prevCycle: number;
}

/** Why one command of a log issued when it did. */
export interface CommandExplanation {
  /** Index of the command in the explained log. */
  readonly index: number;
  readonly command: string;
  readonly cycle: number;
  /**
   * The earliest cycle the constraint table allowed, given every earlier command of the channel (0 when nothing
   * constrained it). Above `cycle` means the log breaks a rule.
   */
  readonly earliestCycle: number;
  /** The rule that set earliestCycle; absent when no earlier command constrained this one. */
  readonly heldBy?: HeldBack;
  /** One line for people, e.g. "RD at cycle 114 waited 14 cycles: tRCDRD after ACT at cycle 100 (same bank)". */
  readonly message: string;
}

/** Where a rule acts, in words. */
function levelWords(level: Level, sibling: boolean): string {
  const name = level === 'bankgroup' ? 'bank group' : level;
  return sibling ? `another ${name} of the channel` : level === 'channel' ? 'same channel' : `same ${name}`;
}

/** The distance expression of a compiled rule's text (`ACT -> RD (same bank): tRCDRD = 14` gives `tRCDRD`). */
function distanceOf(text: string): string {
  const m = /\): (.*) = -?\d+$/.exec(text);
  return m ? m[1]! : text;
}

/** The window length expression of a compiled window's text (`4 x ACT per tFAW = 20 (rank)` gives `tFAW`). */
function windowOf(text: string): string {
  const m = / per (.*) = -?\d+ \(/.exec(text);
  return m ? m[1]! : text;
}

/**
 * Replays a command log through the controller's own timing state (TimingState, with the same compiled constraint
 * table and rolling windows as the controller) and says, for every command, its earliest legal cycle and the rule
 * that set it: the rule that held it back longest, with the earlier command and the cycles. Channels replay
 * independently, each in log order. Used by `strata studio`; the controller's results do not depend on it.
 */
export function explainLog(std: DramStandard, log: readonly LoggedCommand[]): CommandExplanation[] {
  const names = std.commandNames;
  const states = new Map<number, TimingState>();
  const out: CommandExplanation[] = [];
  log.forEach((e, index) => {
    const cmd = names.indexOf(e.command);
    if (cmd < 0) throw new Error(`explainLog: command ${index} '${e.command}' is not a command of ${std.name} (${names.join(', ')})`);
    let ts = states.get(e.channel);
    if (!ts) states.set(e.channel, (ts = new TimingState(std)));
    const why = ts.cause(cmd, e.rank, e.bankGroup, e.bank);
    let heldBy: HeldBack | undefined;
    if (why.tag !== undefined && why.cycle !== undefined) {
      const prev = log[why.tag]!;
      if (why.rule !== undefined) {
        const r = std.rules[why.rule]!;
        heldBy = { kind: 'rule', distance: distanceOf(r.text), cycles: r.cycles, level: r.level, sibling: r.sibling, text: r.text, prevIndex: why.tag, prevCommand: prev.command, prevCycle: why.cycle };
      } else {
        const w = std.windows[why.window!]!;
        heldBy = { kind: 'window', distance: windowOf(w.text), cycles: w.cycles, count: w.count, level: w.level, sibling: false, text: w.text, prevIndex: why.tag, prevCommand: prev.command, prevCycle: why.cycle };
      }
    }
    // Commands of the channel that issued while this one was already legal (the log is in issue order).
    let between = 0;
    for (let j = index - 1; j >= 0 && log[j]!.cycle >= why.earliestCycle; j--) if (log[j]!.channel === e.channel && log[j]!.cycle < e.cycle) between++;
    out.push({ index, command: e.command, cycle: e.cycle, earliestCycle: why.earliestCycle, ...(heldBy ? { heldBy } : {}), message: describe(e, why.earliestCycle, heldBy, between) });
    ts.issueTraced(cmd, e.cycle, e.rank, e.bankGroup, e.bank, index);
  });
  return out;
}

/** The explanation in one line. */
function describe(e: LoggedCommand, earliest: number, h: HeldBack | undefined, between: number): string {
  const at = `${e.command} at cycle ${e.cycle}`;
  if (!h) return `${at}: no earlier command constrained it`;
  const reason = h.kind === 'rule'
    ? `${h.distance} (${h.cycles}) after ${h.prevCommand} at cycle ${h.prevCycle} (${levelWords(h.level, h.sibling)})`
    : `${h.distance} window (${h.cycles}) after ${h.prevCommand} at cycle ${h.prevCycle}, the oldest of the last ${h.count} ${e.command}s (${levelWords(h.level, false)})`;
  const waited = earliest - h.prevCycle;
  if (e.cycle < earliest) return `${at} breaks ${reason}: legal from cycle ${earliest}`;
  const head = `${at} waited ${waited} cycles: ${reason}`;
  if (e.cycle === earliest) return head;
  const late = e.cycle - earliest;
  const busy = between > 0 ? `; meanwhile the command bus carried ${between} other command${between === 1 ? '' : 's'}` : '';
  return `${at}: legal from cycle ${earliest} (${reason}); issued ${late} cycle${late === 1 ? '' : 's'} later, when the scheduler picked it${busy}`;
}
