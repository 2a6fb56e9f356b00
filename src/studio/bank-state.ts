import type { ExtraCommand } from '../dram/commands.ts';
import type { DramStandard } from '../dram/standard.ts';
import type { StudioCommand } from './simulate.ts';

// What each bank of the shown channel is doing, replayed from the command stream (browser-safe, no simulation).

/** A bank's state: precharged, a row open by ordinary commands, refreshing, or a row open for PIM work. */
export type BankMode = 'idle' | 'open' | 'refreshing' | 'pim';

/** One bank's state at a moment. */
export interface BankView {
  readonly mode: BankMode;
  /** The open row (-1 when none). */
  readonly row: number;
  /** Cycle the state began. */
  readonly since: number;
}

/** A stretch of one bank's state, for the timeline. */
export interface BankSpan {
  readonly bank: number;
  readonly mode: BankMode;
  readonly row: number;
  readonly start: number;
  readonly end: number;
}

/** Banks of one channel (ranks x bank groups x banks per group), numbered rank-major as the checkers do. */
export function bankCount(std: DramStandard): number {
  const o = std.organization;
  return o.ranks * o.bankGroups * o.banksPerGroup;
}

/** The bank number of a command's (rank, bank group, bank). */
export function bankIndex(std: DramStandard, c: { rank: number; bankGroup: number; bank: number }): number {
  const o = std.organization;
  return (c.rank * o.bankGroups + c.bankGroup) * o.banksPerGroup + c.bank;
}

/** The banks [lo, hi) a command acts on and what it does to them. */
function effect(std: DramStandard, c: StudioCommand): { lo: number; hi: number; to: BankMode | 'none'; until: number } {
  const o = std.organization;
  const perRank = o.bankGroups * o.banksPerGroup;
  const b = bankIndex(std, c);
  const rankLo = c.rank * perRank;
  const t = std.timing;
  switch (c.command) {
    case 'ACT': return { lo: b, hi: b + 1, to: 'open', until: Infinity };
    case 'PRE': case 'RDA': case 'WRA': return { lo: b, hi: b + 1, to: 'idle', until: Infinity };
    case 'PREA': return { lo: rankLo, hi: rankLo + perRank, to: 'idle', until: Infinity };
    case 'REF': return { lo: rankLo, hi: rankLo + perRank, to: 'refreshing', until: c.cycle + t.tRFC! };
    case 'REFpb': return { lo: b, hi: b + 1, to: 'refreshing', until: c.cycle + (t.tRFCpb ?? t.tRFC!) };
    default: break;
  }
  const x: ExtraCommand | undefined = std.extraCommands.find((e) => e.name === c.command);
  if (!x || x.rowEffect === 'none' || x.rowEffect === 'needs-open') return { lo: 0, hi: 0, to: 'none', until: Infinity };
  let lo = b;
  let hi = b + 1;
  if (x.scope === 'bankgroup') { lo = rankLo + c.bankGroup * o.banksPerGroup; hi = lo + o.banksPerGroup; }
  else if (x.scope === 'all-banks') { lo = rankLo; hi = rankLo + perRank; }
  else if (x.scope === 'all-ranks' || x.scope === 'channel') { lo = 0; hi = o.ranks * perRank; }
  return { lo, hi, to: x.rowEffect === 'open' ? 'pim' : 'idle', until: Infinity };
}

/** Every bank's state just after command `step` issued (refreshes that ended by its cycle count as over). */
export function banksAt(std: DramStandard, commands: readonly StudioCommand[], step: number): BankView[] {
  const n = bankCount(std);
  const mode: BankMode[] = new Array(n).fill('idle');
  const row = new Array<number>(n).fill(-1);
  const since = new Array<number>(n).fill(0);
  const until = new Array<number>(n).fill(Infinity);
  const last = Math.min(step, commands.length - 1);
  for (let i = 0; i <= last; i++) {
    const c = commands[i]!;
    const f = effect(std, c);
    if (f.to === 'none') continue;
    for (let b = f.lo; b < f.hi; b++) {
      mode[b] = f.to;
      row[b] = f.to === 'open' || f.to === 'pim' ? c.row : -1;
      since[b] = c.cycle;
      until[b] = f.until;
    }
  }
  const now = last >= 0 ? commands[last]!.cycle : 0;
  return mode.map((m, b) => (m === 'refreshing' && until[b]! <= now ? { mode: 'idle', row: -1, since: until[b]! } : { mode: m, row: row[b]!, since: since[b]! }));
}

/** Each bank's states over the whole stream as spans (idle stretches left out); the last ones end at `endCycle`. */
export function bankSpans(std: DramStandard, commands: readonly StudioCommand[], endCycle: number): BankSpan[] {
  const n = bankCount(std);
  const open: (BankSpan | null)[] = new Array(n).fill(null);
  const out: BankSpan[] = [];
  const close = (b: number, at: number): void => {
    const s = open[b];
    if (s) out.push({ ...s, end: Math.min(s.end, at) });
    open[b] = null;
  };
  for (const c of commands) {
    const f = effect(std, c);
    if (f.to === 'none') continue;
    for (let b = f.lo; b < f.hi; b++) {
      close(b, c.cycle);
      if (f.to !== 'idle') open[b] = { bank: b, mode: f.to, row: f.to === 'refreshing' ? -1 : c.row, start: c.cycle, end: f.until };
    }
  }
  for (let b = 0; b < n; b++) close(b, Math.max(endCycle, open[b]?.start ?? 0));
  return out.sort((a, b) => a.bank - b.bank || a.start - b.start);
}
