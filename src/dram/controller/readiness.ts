import { DOUBLE_FIELD } from '../../kernel/double-field.ts';
import type { Bank } from '../bank.ts';
import type { DramStandard } from '../standard.ts';
import type { TimingState } from '../timing-state.ts';
import * as kinds from './kinds.ts';

// Speed hack: module-local copies of imported constants (why: controller.ts).
const { COLUMN_KINDS, ROW_KINDS } = kinds;

/**
 * When each bank can next take a command: the bound that lets the controller sleep until something can happen
 * and skip banks that cannot issue. Speed hack, the whole class: the answer is always "ask the timing state for
 * every command every bank waits for"; this keeps per bank the cycle that query returned (readyAt), recomputes
 * it only for banks whose queue or state changed or whose kind of command another issue moved, and keeps the
 * set of banks at the minimum as bit masks so the scheduler can visit those alone.
 *
 * Contract: the controller reports what each bank waits for (setNeeds, after any change to its queue or state)
 * and every command it issues (commandIssued); computeReady then makes every readyAt exact. Between the two,
 * readyAt stays a lower bound: timing constraints only move later as commands issue.
 */
export class Readiness {
  /**
   * Per bank: the cycle at which a command for its queue can be legal, exact when computeReady computed it
   * (0 when its queue or state changed since, Infinity when it has nothing to schedule: empty queue or
   * refresh pending).
   */
  readonly readyAt: Float64Array;
  /** Command kinds (KIND_* bits) each bank's queue waits for; 0 when it has nothing to schedule. */
  readonly needs: Uint8Array;
  /** Banks whose needs include a row command (ACT, PRE) and a column command (RD, WR). */
  rowNeeders = 0;
  columnNeeders = 0;
  /** Lower bound of every bank's readyAt (0 when unknown). */
  earliestBankReady = DOUBLE_FIELD;
  /**
   * The earliest readyAt as computeReady last found it, still exact while minValid: no command has issued since
   * and no bank holding that value has changed.
   */
  exactMin = DOUBLE_FIELD;
  minValid = false;
  /**
   * Bank sets as bit masks of `words` 32-bit words (bank i is bit i % 32 of word i >> 5): banks changed since
   * the last computeReady; banks whose readyAt equals exactMin; banks with something to schedule; and, per
   * kind (index = bit position of KIND_*), banks waiting for that kind.
   */
  readonly words: number;
  readonly changedBits: Int32Array;
  readonly minBits: Int32Array;
  readonly needBits: Int32Array;
  readonly kindBits: Int32Array;
  /** Some bank changed since the last computeReady. */
  anyChanged = false;
  /** Kinds whose shared constraints commands issued since the last computeReady moved (from `affects`). */
  private movedKinds = 0;
  /** For each command, the kinds of other banks whose earliest cycle it can move (from the rules). */
  private readonly affects: Uint8Array;
  /** Per bank: its bank-group node in the channel (rank x bank groups + group); per group node: its rank. */
  private readonly groupOf: Int32Array;
  private readonly rankOfGroup: Int32Array;

  /** `kindCommand`: the command that serves each kind (index: bit position of KIND_*), under the page policy. */
  constructor(
    std: DramStandard,
    banks: readonly Bank[],
    private readonly timing: TimingState,
    private readonly kindCommand: Int32Array,
  ) {
    // Cycles: double fields from the start (DOUBLE_FIELD says why), then their initial values.
    this.earliestBankReady = 0;
    this.exactMin = 0;
    const o = std.organization;
    const n = banks.length;
    this.readyAt = new Float64Array(n).fill(Infinity);
    this.needs = new Uint8Array(n);
    // Only the commands the scheduler issues for a kind matter (PREA rules do not move a bank's PRE).
    const servedKinds = (cmd: number): number => kindCommand.reduce((bits, c, kind) => (c === cmd ? bits | (1 << kind) : bits), 0);
    this.affects = new Uint8Array(std.commandNames.length);
    for (const rule of std.rules) if (rule.level !== 'bank' || rule.sibling) this.affects[rule.prev]! |= servedKinds(rule.next);
    for (const w of std.windows) this.affects[w.command]! |= servedKinds(w.command);
    this.words = Math.ceil(n / 32);
    this.changedBits = new Int32Array(this.words);
    this.minBits = new Int32Array(this.words);
    this.needBits = new Int32Array(this.words);
    this.kindBits = new Int32Array(4 * this.words);
    this.groupOf = Int32Array.from(banks, (b) => b.groupNode);
    this.rankOfGroup = Int32Array.from({ length: o.ranks * o.bankGroups }, (_, g) => Math.floor(g / o.bankGroups));
  }

  /** Command `cmd` issued: every bound may have moved; the kinds it affects must be recomputed. */
  commandIssued(cmd: number): void {
    this.earliestBankReady = 0;
    this.minValid = false;
    this.movedKinds |= this.affects[cmd]!;
  }

  /** Bank `i`'s queue or state changed and it now waits for `needs` (KIND_* bits): its bound must be recomputed. */
  setNeeds(i: number, needs: number): void {
    const old = this.needs[i]!;
    const w = i >> 5;
    const bit = 1 << (i & 31);
    // Speed hack: the masks and counters move only when the kinds do, each kind's bit flipped (the masks held
    // `old`); short, so V8 inlines it into the issue and the move along with the statistics.
    if (needs !== old) {
      this.needs[i] = needs;
      this.rowNeeders += (needs & ROW_KINDS ? 1 : 0) - (old & ROW_KINDS ? 1 : 0);
      this.columnNeeders += (needs & COLUMN_KINDS ? 1 : 0) - (old & COLUMN_KINDS ? 1 : 0);
      const flip = needs ^ old;
      for (let kind = 0, k = w; kind < 4; kind++, k += this.words) if ((flip & (1 << kind)) !== 0) this.kindBits[k]! ^= bit;
      // One of the two is 0: the bank starts or stops having something to schedule.
      if (needs === 0 || old === 0) this.needBits[w]! ^= bit;
    }
    if (this.readyAt[i]! <= this.exactMin) this.minValid = false;
    this.changedBits[w]! |= bit;
    this.anyChanged = true;
    this.readyAt[i] = needs === 0 ? Infinity : 0;
    if (needs !== 0) this.earliestBankReady = 0;
  }

  /** Makes every bank's ready cycle exact and returns the earliest (also left in earliestBankReady). */
  computeReady(): number {
    const words = this.words;
    const readyAt = this.readyAt;
    const changedBits = this.changedBits;
    const minBits = this.minBits;
    const needBits = this.needBits;
    let ready: number;
    if (this.minValid) {
      // No command issued since the last computation: only banks whose queue or state changed can differ, and
      // none of them held the earliest value (setNeeds checks), so that value still stands.
      ready = this.exactMin;
      for (let w = 0; w < words; w++) {
        let m = changedBits[w]! & needBits[w]!;
        while (m !== 0) {
          const i = (w << 5) + (31 - Math.clz32(m & -m));
          m &= m - 1;
          const t = this.bankReady(i);
          readyAt[i] = t;
          ready = this.noteReady(i, t, ready);
        }
      }
    } else {
      // Commands issued: a bank's value changes if its queue or state did, or if it waits for a kind of command
      // whose shared constraints those commands moved (an ACT moves other banks' ACTs, not their reads).
      const moved = this.movedKinds;
      const kindBits = this.kindBits;
      ready = Infinity;
      for (let w = 0; w < words; w++) {
        let redo = changedBits[w]!;
        if (moved !== 0) for (let kind = 0; kind < 4; kind++) if ((moved & (1 << kind)) !== 0) redo |= kindBits[kind * words + w]!;
        let m = needBits[w]!;
        let atMin = 0;
        while (m !== 0) {
          const low = m & -m;
          m ^= low;
          const i = (w << 5) + (31 - Math.clz32(low));
          const t = (redo & low) !== 0 ? (readyAt[i] = this.bankReady(i)) : readyAt[i]!;
          if (t < ready) {
            ready = t;
            atMin = low;
            for (let v = 0; v < w; v++) minBits[v] = 0;
          } else if (t === ready) {
            atMin |= low;
          }
        }
        minBits[w] = atMin;
      }
    }
    this.movedKinds = 0;
    for (let v = 0; v < words; v++) changedBits[v] = 0;
    this.anyChanged = false;
    this.exactMin = ready;
    this.minValid = true;
    this.earliestBankReady = ready;
    return ready;
  }

  /** Folds bank `i`'s ready cycle `t` into the running minimum `ready` and the set of banks at it; returns the new minimum. */
  private noteReady(i: number, t: number, ready: number): number {
    if (t > ready) return ready;
    if (t < ready) for (let v = 0; v < this.words; v++) this.minBits[v] = 0;
    this.minBits[i >> 5]! |= 1 << (i & 31);
    return t;
  }

  /** Exact earliest cycle of any command bank `i`'s queue waits for. */
  private bankReady(i: number): number {
    const k = this.needs[i]!;
    const ts = this.timing;
    const group = this.groupOf[i]!;
    const rank = this.rankOfGroup[group]!;
    let t = Infinity;
    for (let kind = 0; kind < 4; kind++) {
      if ((k & (1 << kind)) === 0) continue;
      const e = ts.earliestAtNodes(this.kindCommand[kind]!, rank, group, i);
      if (e < t) t = e;
      if (k >> (kind + 1) === 0) break;
    }
    return t;
  }
}
