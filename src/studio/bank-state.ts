import type { ExtraCommand } from '../dram/commands.ts';
import type { DramStandard } from '../dram/standard.ts';
import type { LoggedCommand } from '../dram/command-log.ts';

// What each bank of the shown channel is doing, replayed from the command stream (browser-safe, no simulation).

/** A bank's state: precharged, a row open by ordinary commands, refreshing, or a row open for PIM work. */
export type BankMode = 'idle' | 'open' | 'refreshing' | 'pim';

/** One bank's state at a moment. */
export interface BankView {
  /** The state of the bank's (first) row buffer; 'pim' when a PIM command opened its row there (one buffer). */
  readonly mode: BankMode;
  /** The open row (-1 when none). */
  readonly row: number;
  /** Cycle the state began. */
  readonly since: number;
  /**
   * Banks with a second, PIM row buffer (NeuPIMs): the row open in it for MAC work (-1 when none) and since when.
   * Absent for banks with one buffer.
   */
  readonly pimRow?: number;
  readonly pimSince?: number;
}

/** A stretch of one bank's state, for the timeline. */
export interface BankSpan {
  readonly bank: number;
  /** 0: the bank's (memory) row buffer; 1: its PIM row buffer (dual-buffer banks only). */
  readonly buffer: 0 | 1;
  readonly mode: BankMode;
  readonly row: number;
  readonly start: number;
  readonly end: number;
}

/** Whether the standard's banks have a second row buffer for PIM commands (a PIM command with rowBuffer 1). */
export function hasPimBuffer(std: DramStandard): boolean {
  return std.extraCommands.some((x) => x.rowBuffer === 1);
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

/** The banks [lo, hi) a command acts on, which of their buffers, and what it does to them. */
function effect(std: DramStandard, c: LoggedCommand): { lo: number; hi: number; buffer: 0 | 1; to: BankMode | 'none'; until: number } {
  const o = std.organization;
  const perRank = o.bankGroups * o.banksPerGroup;
  const b = bankIndex(std, c);
  const rankLo = c.rank * perRank;
  const t = std.timing;
  switch (c.command) {
    case 'ACT': return { lo: b, hi: b + 1, buffer: 0, to: 'open', until: Infinity };
    case 'PRE': case 'RDA': case 'WRA': return { lo: b, hi: b + 1, buffer: 0, to: 'idle', until: Infinity };
    case 'PREA': return { lo: rankLo, hi: rankLo + perRank, buffer: 0, to: 'idle', until: Infinity };
    case 'REF': return { lo: rankLo, hi: rankLo + perRank, buffer: 0, to: 'refreshing', until: c.cycle + t.tRFC! };
    case 'REFpb': return { lo: b, hi: b + 1, buffer: 0, to: 'refreshing', until: c.cycle + (t.tRFCpb ?? t.tRFC!) };
    default: break;
  }
  const x: ExtraCommand | undefined = std.extraCommands.find((e) => e.name === c.command);
  if (!x || x.rowEffect === 'none' || x.rowEffect === 'needs-open') return { lo: 0, hi: 0, buffer: 0, to: 'none', until: Infinity };
  let lo = b;
  let hi = b + 1;
  if (x.scope === 'bankgroup') { lo = rankLo + c.bankGroup * o.banksPerGroup; hi = lo + o.banksPerGroup; }
  else if (x.scope === 'all-banks') { lo = rankLo; hi = rankLo + perRank; }
  else if (x.scope === 'all-ranks' || x.scope === 'channel') { lo = 0; hi = o.ranks * perRank; }
  return { lo, hi, buffer: x.rowBuffer === 1 ? 1 : 0, to: x.rowEffect === 'open' ? 'pim' : 'idle', until: Infinity };
}

/**
 * Every bank's state, replayed command by command (a cursor over a stream: `apply` each command in issue order,
 * `view` at any point). The same effects as the checkers': ACT opens, PRE/PREA/RDA/WRA close, REF/REFpb refresh for
 * tRFC/tRFCpb, and a PIM command's `rowEffect` opens or closes its `scope`'s banks in its `rowBuffer`.
 */
export class BankReplay {
  private readonly n: number;
  private readonly dual: boolean;
  private readonly mode: BankMode[];
  private readonly row: number[];
  private readonly since: number[];
  private readonly until: number[];
  private readonly pimRow: number[];
  private readonly pimSince: number[];

  constructor(private readonly std: DramStandard) {
    this.n = bankCount(std);
    this.dual = hasPimBuffer(std);
    this.mode = new Array<BankMode>(this.n).fill('idle');
    this.row = new Array<number>(this.n).fill(-1);
    this.since = new Array<number>(this.n).fill(0);
    this.until = new Array<number>(this.n).fill(Infinity);
    this.pimRow = new Array<number>(this.n).fill(-1);
    this.pimSince = new Array<number>(this.n).fill(0);
  }

  /** Applies one command (commands must come in issue order). */
  apply(c: LoggedCommand): void {
    const f = effect(this.std, c);
    if (f.to === 'none') return;
    for (let b = f.lo; b < f.hi; b++) {
      if (f.buffer === 1) {
        this.pimRow[b] = f.to === 'pim' ? c.row : -1;
        this.pimSince[b] = c.cycle;
        continue;
      }
      this.mode[b] = f.to;
      this.row[b] = f.to === 'open' || f.to === 'pim' ? c.row : -1;
      this.since[b] = c.cycle;
      this.until[b] = f.until;
    }
  }

  /** One bank's state at cycle `now` (a refresh that ended by then counts as over). */
  bank(b: number, now: number): BankView {
    const m = this.mode[b]!;
    const base: BankView = m === 'refreshing' && this.until[b]! <= now ? { mode: 'idle', row: -1, since: this.until[b]! } : { mode: m, row: this.row[b]!, since: this.since[b]! };
    return this.dual ? { ...base, pimRow: this.pimRow[b]!, pimSince: this.pimSince[b]! } : base;
  }

  /** Every bank's state at cycle `now`. */
  view(now: number): BankView[] {
    return Array.from({ length: this.n }, (_, b) => this.bank(b, now));
  }
}

/** Every bank's state just after command `step` issued (refreshes that ended by its cycle count as over). */
export function banksAt(std: DramStandard, commands: readonly LoggedCommand[], step: number): BankView[] {
  const replay = new BankReplay(std);
  const last = Math.min(step, commands.length - 1);
  for (let i = 0; i <= last; i++) replay.apply(commands[i]!);
  return replay.view(last >= 0 ? commands[last]!.cycle : 0);
}

/** Each bank's states over the whole stream as spans (idle stretches left out); the last ones end at `endCycle`. */
export function bankSpans(std: DramStandard, commands: readonly LoggedCommand[], endCycle: number): BankSpan[] {
  const n = bankCount(std);
  const open: (BankSpan | null)[] = new Array(2 * n).fill(null);
  const out: BankSpan[] = [];
  const close = (k: number, at: number): void => {
    const s = open[k];
    if (s) out.push({ ...s, end: Math.min(s.end, at) });
    open[k] = null;
  };
  for (const c of commands) {
    const f = effect(std, c);
    if (f.to === 'none') continue;
    for (let b = f.lo; b < f.hi; b++) {
      const k = f.buffer * n + b;
      close(k, c.cycle);
      if (f.to !== 'idle') open[k] = { bank: b, buffer: f.buffer, mode: f.to, row: f.to === 'refreshing' ? -1 : c.row, start: c.cycle, end: f.until };
    }
  }
  for (let k = 0; k < 2 * n; k++) close(k, Math.max(endCycle, open[k]?.start ?? 0));
  return out.sort((a, b) => a.bank - b.bank || a.buffer - b.buffer || a.start - b.start);
}
