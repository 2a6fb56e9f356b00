import type { LoggedCommand } from './command-log.ts';
import { ACT, COMMANDS, PRE, PREA, RDA, REF, REFPB, WRA, type ExtraCommand } from './commands.ts';
import type { Violation } from './protocol-checker.ts';
import type { DramStandard, TimingRule } from './standard.ts';

/**
 * Checks the commands a PIM spec adds to a standard, for which the spec's constraint table is the only
 * definition. Unlike the controller, which pushes earliest times forward as it issues, this replays the
 * log and, for every command, scans the channel's earlier commands and tests each rule that names a PIM
 * command; it also tracks the row buffers (JEDEC and PIM commands alike) to check all-bank activations and
 * MACs, the PIM rolling windows, and the command bus.
 */
export function checkTableRules(std: DramStandard, log: readonly LoggedCommand[], maxViolations: number): Violation[] {
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
  const byChannel = new Map<number, number[]>();
  log.forEach((e, i) => {
    const list = byChannel.get(e.channel) ?? [];
    list.push(i);
    byChannel.set(e.channel, list);
  });
  for (const ch of [...byChannel.keys()].sort((a, b) => a - b)) {
    const idx = byChannel.get(ch)!.sort((a, b) => log[a]!.cycle - log[b]!.cycle || a - b);
    const openRow = new Int32Array(o.ranks * banksPerRank).fill(-1);
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
          if (r.prev !== pk || gap >= r.cycles || !related(r, p, pk, e, k, std)) continue;
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
      if (x && x.scope === 'all-banks') {
        // One violation per command: the first bank that disagrees.
        if (x.rowEffect === 'open') {
          const b = openRow.subarray(rankBase, rankBase + banksPerRank).findIndex((r) => r !== -1);
          if (b >= 0 && report(i, e, 'pim-state', `${where}: ${e.command} while bank ${b} holds row ${openRow[rankBase + b]} open`)) return out;
          openRow.fill(e.row, rankBase, rankBase + banksPerRank);
        } else if (x.rowEffect === 'needs-open') {
          const b = openRow.subarray(rankBase, rankBase + banksPerRank).findIndex((r) => r !== e.row);
          if (b >= 0 && report(i, e, 'pim-state', `${where}: ${e.command} on row ${e.row} but bank ${b} holds ${openRow[rankBase + b] === -1 ? 'no row' : `row ${openRow[rankBase + b]}`}`)) return out;
        } else if (x.rowEffect === 'close') {
          openRow.fill(-1, rankBase, rankBase + banksPerRank);
        }
      } else if (x && x.scope === 'bank') {
        if (x.rowEffect === 'open') openRow[bank] = e.row;
        else if (x.rowEffect === 'close') openRow[bank] = -1;
        else if (x.rowEffect === 'needs-open' && openRow[bank] !== e.row && report(i, e, 'pim-state', `${where}: ${e.command} on row ${e.row} but the bank holds ${openRow[bank] === -1 ? 'no row' : `row ${openRow[bank]}`}`)) return out;
      } else if (k === ACT) {
        openRow[bank] = e.row;
      } else if (k === PRE || k === RDA || k === WRA) {
        openRow[bank] = -1;
      } else if (k === PREA) {
        openRow.fill(-1, rankBase, rankBase + banksPerRank);
      } else if (k === REF && openRow.subarray(rankBase, rankBase + banksPerRank).some((r) => r !== -1)) {
        if (report(i, e, 'pim-state', `${where}: REF while rows opened by PIM commands are still open`)) return out;
      }
    }
  }
  return out;
}

/** Whether rule `r` (prev at its level, or the other ranks when sibling) relates command p to e. */
function related(r: TimingRule, p: LoggedCommand, pk: number, e: LoggedCommand, ek: number, std: DramStandard): boolean {
  if (r.level === 'channel') return true;
  if (r.sibling) return p.rank !== e.rank;
  if (p.rank !== e.rank) return false;
  if (r.level === 'rank') return true;
  // Bank-group and bank rules: a command over all banks of the rank (or of the channel's shared logic) touches every bank.
  const wide = (k: number) => k === PREA || k === REF || k >= COMMANDS.length && std.extraCommands[k - COMMANDS.length]!.scope !== 'bank';
  if (wide(pk) || wide(ek)) return true;
  if (p.bankGroup !== e.bankGroup) return false;
  return r.level === 'bankgroup' || p.bank === e.bank;
}
