import type { LoggedCommand } from './command-log.ts';
import { ACT, COMMANDS, PRE, PREA, RDA, REF, REFPB, WRA, type ExtraCommand } from './commands.ts';
import type { Violation } from './protocol-checker.ts';
import type { DramStandard, TimingRule } from './standard.ts';

/**
 * Checks the commands a PIM spec adds to a standard, for which the spec's constraint table is the only
 * definition. Unlike the controller, which pushes earliest times forward as it issues, this replays the
 * log and, for every command, scans the channel's earlier commands and tests each rule that names a PIM
 * command; it also tracks the row buffers (JEDEC and PIM commands alike; two per bank when PIM commands use
 * a second buffer) to check PIM activations and MACs over their scope (a bank, a bank group, a rank or the
 * whole channel), the PIM rolling windows, and the command bus.
 */
export function checkTableRules(std: DramStandard, log: readonly LoggedCommand[], maxViolations: number, rankWideCommandsSpanChannel = false): Violation[] {
  const o = std.organization;
  const names = std.commandNames;
  const first = COMMANDS.length;
  const extra = (k: number): ExtraCommand | undefined => (k >= first ? std.extraCommands[k - first] : undefined);
  const isPimRule = (r: TimingRule) => r.prev >= first || r.next >= first;
  const byNext: TimingRule[][] = names.map(() => []);
  let reach = 0;
  for (const r of std.rules) {
    if (!isPimRule(r)) continue;
    byNext[r.next]!.push(r);
    reach = Math.max(reach, r.cycles);
  }
  const windows = std.windows.filter((w) => w.command >= first);
  for (const w of windows) reach = Math.max(reach, w.cycles);
  const out: Violation[] = [];
  const report = (index: number, e: LoggedCommand, rule: Violation['rule'], message: string): boolean => {
    out.push({ index, cycle: e.cycle, channel: e.channel, command: e.command, rule, message });
    return out.length >= maxViolations;
  };
  const banksPerRank = o.bankGroups * o.banksPerGroup;
  const banks = o.ranks * banksPerRank;
  const byChannel = new Map<number, number[]>();
  log.forEach((e, i) => {
    const list = byChannel.get(e.channel) ?? [];
    list.push(i);
    byChannel.set(e.channel, list);
  });
  const bankName = (b: number) => `r${Math.floor(b / banksPerRank)} bg${Math.floor((b % banksPerRank) / o.banksPerGroup)} b${b % o.banksPerGroup}`;
  for (const ch of [...byChannel.keys()].sort((a, b) => a - b)) {
    const idx = byChannel.get(ch)!.sort((a, b) => log[a]!.cycle - log[b]!.cycle || a - b);
    // Open row per (row buffer, bank): buffer 0 is the one JEDEC commands use, buffer 1 a PIM bank's second one.
    const openRow = new Int32Array(2 * banks).fill(-1);
    // Whether buffer 0's row was opened by a PIM command (a single-row-buffer device shares it).
    const openedByPim = new Uint8Array(banks);
    for (let n = 0; n < idx.length; n++) {
      const i = idx[n]!;
      const e = log[i]!;
      const k = names.indexOf(e.command);
      const x = extra(k);
      const where = `ch${e.channel} r${e.rank} cycle ${e.cycle}`;
      // Command bus: one command per cycle, or one row and one column command with dual issue.
      const prev = n > 0 ? log[idx[n - 1]!]! : undefined;
      if (prev && prev.cycle === e.cycle && (x || extra(names.indexOf(prev.command)))) {
        const rowCmd = (c: number) => (extra(c) ? extra(c)!.bus === 'row' : c === ACT || c === PRE || c === PREA || c === REF || c === REFPB);
        const pk = names.indexOf(prev.command);
        if (!std.dualCommandIssue || rowCmd(pk) === rowCmd(k)) {
          if (report(i, e, 'command-bus', `${where}: ${e.command} in the same cycle as ${prev.command}`)) return out;
        }
      }
      // Timing: every rule from an earlier command of this channel to this one that names a PIM command.
      for (let m = n - 1; m >= 0; m--) {
        const p = log[idx[m]!]!;
        const gap = e.cycle - p.cycle;
        if (gap >= reach) break;
        const pk = names.indexOf(p.command);
        for (const r of byNext[k] ?? []) {
          if (r.prev !== pk || gap >= r.cycles || !related(r, p, pk, e, k, std, rankWideCommandsSpanChannel)) continue;
          if (report(i, e, 'pim-timing', `${where}: ${e.command} ${gap} cycles after ${p.command} at ${p.cycle}, needs ${r.text}`)) return out;
        }
      }
      for (const w of windows) {
        if (w.command !== k) continue;
        let seen = 0;
        for (let m = n - 1; m >= 0; m--) {
          const p = log[idx[m]!]!;
          if (e.cycle - p.cycle >= w.cycles) break;
          if (p.command === e.command && (w.level === 'channel' || p.rank === e.rank)) seen++;
        }
        if (seen >= w.count && report(i, e, 'pim-window', `${where}: ${e.command} is number ${seen + 1} within ${w.cycles} cycles, allowed ${w.text}`)) return out;
      }
      // Row buffers.
      const rankBase = e.rank * banksPerRank;
      const bank = rankBase + e.bankGroup * o.banksPerGroup + e.bank;
      if (x && x.rowEffect !== 'none') {
        const [lo, hi] = bankRange(x.scope, e, o);
        const buf = x.rowBuffer * banks;
        // One violation per command: the first bank that disagrees.
        if (x.rowEffect === 'open') {
          let b = lo;
          while (b < hi && openRow[buf + b] === -1) b++;
          if (b < hi && report(i, e, 'pim-state', `${where}: ${e.command} of row ${e.row} while ${bankName(b)} holds row ${openRow[buf + b]} open${x.rowBuffer ? ' in its PIM row buffer' : ''}`)) return out;
          openRow.fill(e.row, buf + lo, buf + hi);
          if (x.rowBuffer === 0) openedByPim.fill(1, lo, hi);
        } else if (x.rowEffect === 'needs-open') {
          let b = lo;
          while (b < hi && openRow[buf + b] === e.row) b++;
          if (b < hi && report(i, e, 'pim-state', `${where}: ${e.command} on row ${e.row} but ${bankName(b)} holds ${openRow[buf + b] === -1 ? 'no row' : `row ${openRow[buf + b]}`}${x.rowBuffer ? ' in its PIM row buffer' : ''}`)) return out;
        } else {
          openRow.fill(-1, buf + lo, buf + hi);
        }
      } else if (k === ACT) {
        if (openedByPim[bank] && openRow[bank] !== -1 && report(i, e, 'pim-state', `${where}: ACT of row ${e.row} to ${bankName(bank)}, whose only row buffer holds PIM row ${openRow[bank]}`)) return out;
        openRow[bank] = e.row;
        openedByPim[bank] = 0;
      } else if (k === PRE || k === RDA || k === WRA) {
        openRow[bank] = -1;
      } else if (k === PREA) {
        const [lo, hi] = rankWideCommandsSpanChannel ? [0, banks] : [rankBase, rankBase + banksPerRank];
        openRow.fill(-1, lo, hi);
      } else if (k === REF || k === REFPB) {
        // The JEDEC checker sees rows JEDEC commands opened; rows PIM commands opened are checked here.
        const [lo, hi] = k === REF ? (rankWideCommandsSpanChannel ? [0, banks] : [rankBase, rankBase + banksPerRank]) : [bank, bank + 1];
        for (let b = lo; b < hi; b++) {
          const pimRow = openRow[banks + b] !== -1 ? openRow[banks + b] : openedByPim[b] ? openRow[b] : -1;
          if (pimRow !== -1) {
            if (report(i, e, 'pim-state', `${where}: ${e.command} while ${bankName(b)} holds PIM row ${pimRow} open`)) return out;
            break;
          }
        }
      }
    }
  }
  return out;
}

/** Banks [lo, hi) of the channel (rank-major) that a command of `scope` issued as `e` acts on. */
function bankRange(scope: ExtraCommand['scope'], e: LoggedCommand, o: DramStandard['organization']): [number, number] {
  const perRank = o.bankGroups * o.banksPerGroup;
  const rankBase = e.rank * perRank;
  switch (scope) {
    case 'bank': {
      const b = rankBase + e.bankGroup * o.banksPerGroup + e.bank;
      return [b, b + 1];
    }
    case 'bankgroup': {
      const g = rankBase + e.bankGroup * o.banksPerGroup;
      return [g, g + o.banksPerGroup];
    }
    case 'all-banks':
      return [rankBase, rankBase + perRank];
    case 'all-ranks':
    case 'channel':
      return [0, o.ranks * perRank];
    default: {
      const never: never = scope;
      throw new Error(`table checker: unknown scope ${String(never)}`);
    }
  }
}

/** What a command covers: one bank, a bank group, a rank, or every rank of the channel. */
function coverage(k: number, std: DramStandard, rankWideSpansChannel: boolean): 'bank' | 'bankgroup' | 'rank' | 'channel' {
  if (k === PREA || k === REF) return rankWideSpansChannel ? 'channel' : 'rank';
  if (k < COMMANDS.length) return 'bank';
  switch (std.extraCommands[k - COMMANDS.length]!.scope) {
    case 'bank': return 'bank';
    case 'bankgroup': return 'bankgroup';
    case 'all-banks': return 'rank';
    default: return 'channel';
  }
}

/**
 * Whether rule `r` (prev at its level, or the other ranks when sibling) relates command p to e: some bank
 * that p covers and some bank that e covers share the rule's node.
 */
function related(r: TimingRule, p: LoggedCommand, pk: number, e: LoggedCommand, ek: number, std: DramStandard, rankWideSpansChannel: boolean): boolean {
  if (r.level === 'channel') return true;
  if (r.sibling) return p.rank !== e.rank;
  const cp = coverage(pk, std, rankWideSpansChannel);
  const ce = coverage(ek, std, rankWideSpansChannel);
  // Commands of the channel's shared logic (single-rank devices) and commands over every rank touch every rank.
  if (cp === 'channel' || ce === 'channel') return true;
  if (p.rank !== e.rank) return false;
  if (r.level === 'rank' || cp === 'rank' || ce === 'rank') return true;
  if (p.bankGroup !== e.bankGroup) return false;
  return r.level === 'bankgroup' || cp === 'bankgroup' || ce === 'bankgroup' || p.bank === e.bank;
}
