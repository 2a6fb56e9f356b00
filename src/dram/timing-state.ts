import { LEVELS } from './commands.ts';
import type { DramStandard } from './standard.ts';

/**
 * Earliest legal cycle of every command kind at every node of one channel, kept per level
 * (channel, rank, bank group, bank). Issuing a command pushes the earliest times forward by the
 * standard's constraint table; the earliest cycle of a command at a bank is the maximum over the levels
 * that contain it, and over the rolling windows (tFAW).
 */
export class TimingState {
  private readonly ranks: number;
  /** Number of command kinds (the JEDEC ones and any a PIM spec adds): the stride of the earliest arrays. */
  private readonly nc: number;
  private readonly bgs: number;
  private readonly banks: number;
  /** earliest[level][node * nc + cmd] */
  private readonly earliest: Float64Array[];
  /** Rules grouped by the command that triggers them. */
  private readonly byPrev: CompiledRule[][];
  private readonly windowsByCmd: CompiledWindow[][];
  /** Ring buffers of past command cycles per (window, node). */
  private readonly windowHistory: Float64Array[];
  private readonly windowHead: Int32Array[];
  /** Per command: 1 when a rolling window at the bank level constrains it. */
  private readonly hasBankWindows: Uint8Array;

  constructor(std: DramStandard) {
    const o = std.organization;
    this.ranks = o.ranks;
    this.bgs = o.bankGroups;
    this.banks = o.banksPerGroup;
    this.nc = std.commandNames.length;
    const nodes = [1, o.ranks, o.ranks * o.bankGroups, o.ranks * o.bankGroups * o.banksPerGroup];
    this.earliest = nodes.map((n) => new Float64Array(n * this.nc));
    this.byPrev = Array.from({ length: this.nc }, () => []);
    for (const r of std.rules) {
      if (r.cycles > 0) this.byPrev[r.prev]!.push({ next: r.next, levelIdx: LEVELS.indexOf(r.level), sibling: r.sibling, cycles: r.cycles });
    }
    this.windowsByCmd = Array.from({ length: this.nc }, () => []);
    this.windowHistory = [];
    this.windowHead = [];
    for (const w of std.windows) {
      this.windowsByCmd[w.command]!.push({ index: this.windowHistory.length, levelIdx: LEVELS.indexOf(w.level), count: w.count, cycles: w.cycles });
      const n = nodes[LEVELS.indexOf(w.level)]!;
      this.windowHistory.push(new Float64Array(n * w.count).fill(-Infinity));
      this.windowHead.push(new Int32Array(n));
    }
    this.hasBankWindows = new Uint8Array(this.nc);
    for (const w of std.windows) if (w.level === 'bank') this.hasBankWindows[w.command] = 1;
  }

  private node(levelIdx: number, rank: number, bg: number, bank: number): number {
    switch (levelIdx) {
      case 0: return 0;
      case 1: return rank;
      case 2: return rank * this.bgs + bg;
      default: return (rank * this.bgs + bg) * this.banks + bank;
    }
  }

  /** Earliest cycle at which `cmd` may issue to (rank, bg, bank). */
  earliestCycle(cmd: number, rank: number, bg: number, bank: number): number {
    const e = this.earliest;
    let t = e[0]![cmd]!;
    const r = e[1]![rank * this.nc + cmd]!;
    if (r > t) t = r;
    const g = e[2]![(rank * this.bgs + bg) * this.nc + cmd]!;
    if (g > t) t = g;
    const b = e[3]![((rank * this.bgs + bg) * this.banks + bank) * this.nc + cmd]!;
    if (b > t) t = b;
    const ws = this.windowsByCmd[cmd]!;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      const n = this.node(w.levelIdx, rank, bg, bank);
      const oldest = this.windowHistory[w.index]![n * w.count + this.windowHead[w.index]![n]!]!;
      if (oldest + w.cycles > t) t = oldest + w.cycles;
    }
    return t;
  }

  /**
   * The part of earliestCycle that other banks' commands can move: rules at the channel, rank and bank-group
   * levels and rolling windows over those levels, for `cmd` at bank group `bg` of `rank`. earliestCycle is the
   * larger of this and bankEarliest.
   */
  sharedEarliest(cmd: number, rank: number, bg: number): number {
    const e = this.earliest;
    let t = e[0]![cmd]!;
    const r = e[1]![rank * this.nc + cmd]!;
    if (r > t) t = r;
    const g = e[2]![(rank * this.bgs + bg) * this.nc + cmd]!;
    if (g > t) t = g;
    const ws = this.windowsByCmd[cmd]!;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      if (w.levelIdx === 3) continue;
      const n = this.node(w.levelIdx, rank, bg, 0);
      const oldest = this.windowHistory[w.index]![n * w.count + this.windowHead[w.index]![n]!]!;
      if (oldest + w.cycles > t) t = oldest + w.cycles;
    }
    return t;
  }

  /** The bank-level part of earliestCycle: rules (and windows) at the level of the bank itself. */
  bankEarliest(cmd: number, rank: number, bg: number, bank: number): number {
    return this.bankEarliestAt(cmd, (rank * this.bgs + bg) * this.banks + bank);
  }

  /** bankEarliest of the bank with index `n` in the channel ((rank x bank groups + group) x banks per group + bank). */
  bankEarliestAt(cmd: number, n: number): number {
    let t = this.earliest[3]![n * this.nc + cmd]!;
    if (this.hasBankWindows[cmd] === 1) {
      const ws = this.windowsByCmd[cmd]!;
      for (let i = 0; i < ws.length; i++) {
        const w = ws[i]!;
        if (w.levelIdx !== 3) continue;
        const oldest = this.windowHistory[w.index]![n * w.count + this.windowHead[w.index]![n]!]!;
        if (oldest + w.cycles > t) t = oldest + w.cycles;
      }
    }
    return t;
  }

  /** Records that `cmd` issued at `cycle` to (rank, bg, bank) and applies every rule it triggers. */
  issue(cmd: number, cycle: number, rank: number, bg: number, bank: number): void {
    const rules = this.byPrev[cmd]!;
    const nc = this.nc;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const li = rule.levelIdx;
      const t = cycle + rule.cycles;
      const arr = this.earliest[li]!;
      if (!rule.sibling) {
        const k = this.node(li, rank, bg, bank) * nc + rule.next;
        if (arr[k]! < t) arr[k] = t;
      } else if (li !== 0) {
        // The siblings of the issuing node: the other nodes of its level under the same parent (the channel
        // has none).
        const self = this.node(li, rank, bg, bank);
        const size = li === 1 ? this.ranks : li === 2 ? this.bgs : this.banks;
        const first = self - (self % size);
        for (let n = first; n < first + size; n++) {
          if (n === self) continue;
          const k = n * nc + rule.next;
          if (arr[k]! < t) arr[k] = t;
        }
      }
    }
    const ws = this.windowsByCmd[cmd]!;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      const n = this.node(w.levelIdx, rank, bg, bank);
      const head = this.windowHead[w.index]!;
      this.windowHistory[w.index]![n * w.count + head[n]!] = cycle;
      head[n] = (head[n]! + 1) % w.count;
    }
  }
}

interface CompiledRule {
  readonly next: number;
  readonly levelIdx: number;
  readonly sibling: boolean;
  readonly cycles: number;
}

interface CompiledWindow {
  readonly index: number;
  readonly levelIdx: number;
  readonly count: number;
  readonly cycles: number;
}
