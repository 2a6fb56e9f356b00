import type { Bank } from '../bank.ts';
import type { DramStandard } from '../standard.ts';
import type { TimingState } from '../timing-state.ts';
import * as kinds from './kinds.ts';

// Speed hack: module-local copies of imported constants (why: controller.ts).
const { COLUMN_KINDS, ROW_KINDS } = kinds;

/**
 * When the banks can next take a command: the bound that lets the controller sleep until something can happen,
 * and the set of banks the scheduler visits. Speed hack, the whole class: the answer is always "ask the timing
 * state for every command every bank waits for"; this keeps that minimum as a tree instead.
 *
 * A command's earliest cycle at a bank is the maximum of the timing state's entries at the channel, its rank, its
 * bank group and the bank (TimingState.earliestAtNodes), and the maximum distributes over the minimum:
 * min over banks b of max(channel, rank, group, b) = max(channel, rank, group, min over b). So, per kind of command
 * (KIND_*) and bank group, this keeps the minimum of the bank-level entries over the group's banks that wait for
 * that kind (groupMin). A command issued changes bank-level entries of its own bank group only (a bank-level rule
 * reaches the bank or its siblings in the group), so it invalidates at most one group per kind; a bank whose kinds
 * change invalidates its group for the kinds that flipped. computeReady recomputes those groups (a few banks each)
 * and folds the levels above (a few groups per kind), instead of revisiting every bank with work
 * (bench/wakeups.ts random: about 31 banks per request before, docs/validation.md).
 *
 * Contract: the controller reports what each bank waits for (setNeeds, after any change to its queue or state) and
 * every command it issues (commandIssued, after the timing state took it); computeReady and candidates are then
 * exact.
 */
export class Readiness {
  /** Command kinds (KIND_* bits) each bank's queue waits for; 0 when it has nothing to schedule. */
  readonly needs: Uint8Array;
  /** Banks whose needs include a row command (ACT, PRE) and a column command (RD, WR). */
  rowNeeders = 0;
  columnNeeders = 0;
  /**
   * Output of candidates: the banks with a command of an allowed kind they wait for legal at the cycle asked,
   * as a bit mask of `words` 32-bit words (bank i is bit i % 32 of word i >> 5).
   */
  readonly cand: Int32Array;
  readonly words: number;
  /** Per kind (index = bit position of KIND_*): banks waiting for it. */
  private readonly kindCount: Int32Array;
  /** groupMin[kind * groups + group]: minimum bank-level entry of the kind's command over the group's banks waiting for it. */
  private readonly groupMin: Float64Array;
  /** groupStale[kind * groups + group]: 1 when groupMin needs recomputing. */
  private readonly groupStale: Uint8Array;
  /** groupCount[kind * groups + group]: the group's banks waiting for the kind. */
  private readonly groupCount: Int32Array;
  /**
   * Per kind, the groups with a bank waiting for it, as bit masks of `groupWords` words (kindGroups[kind *
   * groupWords + w]): the folds visit those alone (a stream keeps one group busy).
   */
  private readonly kindGroups: Int32Array;
  private readonly groupWords: number;
  /** Per kind: the channel's earliest cycle of that kind at any bank waiting for it (exact unless its bit is in staleKinds). */
  private readonly kindReady: Float64Array;
  /** Kinds (KIND_* bits) whose kindReady may have moved: a command raised their command's entries, or a bank's kinds flipped. */
  private staleKinds = 0;
  /** For each command, the kinds whose entries it can raise at any level (from the rules and windows). */
  private readonly affects: Uint8Array;
  /** For each command, the kinds whose bank-level entries it can raise (from the rules and windows at bank level). */
  private readonly bankAffects: Uint8Array;
  /** Per group node: its rank. */
  private readonly rankOfGroup: Int32Array;
  /** Per bank: its bank-group node in the channel (rank x bank groups + group). */
  private readonly groupOf: Int32Array;
  private readonly groups: number;
  private readonly groupsPerRank: number;
  private readonly ranks: number;
  private readonly banksPerGroup: number;
  /** Stride of the timing state's arrays (command kinds of the standard). */
  private readonly nc: number;

  /** `kindCommand`: the command that serves each kind (index: bit position of KIND_*), under the page policy. */
  constructor(
    std: DramStandard,
    banks: readonly Bank[],
    private readonly timing: TimingState,
    private readonly kindCommand: Int32Array,
  ) {
    const o = std.organization;
    const n = banks.length;
    this.needs = new Uint8Array(n);
    this.nc = std.commandNames.length;
    // Only the commands the scheduler issues for a kind matter (PREA rules do not move a bank's PRE).
    const servedKinds = (cmd: number): number => kindCommand.reduce((bits, c, kind) => (c === cmd ? bits | (1 << kind) : bits), 0);
    this.affects = new Uint8Array(this.nc);
    this.bankAffects = new Uint8Array(this.nc);
    for (const rule of std.rules) {
      this.affects[rule.prev]! |= servedKinds(rule.next);
      if (rule.level === 'bank') this.bankAffects[rule.prev]! |= servedKinds(rule.next);
    }
    for (const w of std.windows) {
      this.affects[w.command]! |= servedKinds(w.command);
      if (w.level === 'bank') this.bankAffects[w.command]! |= servedKinds(w.command);
    }
    this.words = Math.ceil(n / 32);
    this.cand = new Int32Array(this.words);
    this.ranks = o.ranks;
    this.groupsPerRank = o.bankGroups;
    this.groups = o.ranks * o.bankGroups;
    this.banksPerGroup = o.banksPerGroup;
    this.kindCount = new Int32Array(4);
    this.groupMin = new Float64Array(4 * this.groups).fill(Infinity);
    this.groupStale = new Uint8Array(4 * this.groups);
    this.groupCount = new Int32Array(4 * this.groups);
    this.groupWords = Math.ceil(this.groups / 32);
    this.kindGroups = new Int32Array(4 * this.groupWords);
    this.kindReady = new Float64Array(4).fill(Infinity);
    this.groupOf = Int32Array.from(banks, (b) => b.groupNode);
    this.rankOfGroup = Int32Array.from({ length: this.groups }, (_, g) => Math.floor(g / o.bankGroups));
  }

  /** Command `cmd` issued to bank `i`: the levels above the banks may have moved, and its group's bank-level entries. */
  commandIssued(cmd: number, i: number): void {
    this.staleKinds |= this.affects[cmd]!;
    const a = this.bankAffects[cmd]!;
    if (a === 0) return;
    const g = this.groupOf[i]!;
    for (let kind = 0, k = g; kind < 4; kind++, k += this.groups) if ((a & (1 << kind)) !== 0) this.groupStale[k] = 1;
  }

  /** Bank `i`'s queue or state changed and it now waits for `needs` (KIND_* bits). */
  setNeeds(i: number, needs: number): void {
    const old = this.needs[i]!;
    // Its bank-level entries move only when a command issues (commandIssued): same kinds, same contribution.
    if (needs === old) return;
    this.needs[i] = needs;
    this.rowNeeders += (needs & ROW_KINDS ? 1 : 0) - (old & ROW_KINDS ? 1 : 0);
    this.columnNeeders += (needs & COLUMN_KINDS ? 1 : 0) - (old & COLUMN_KINDS ? 1 : 0);
    const flip = needs ^ old;
    const g = this.groupOf[i]!;
    for (let kind = 0, k = g; kind < 4; kind++, k += this.groups) {
      const bit = 1 << kind;
      if ((flip & bit) === 0) continue;
      const d = (needs & bit) !== 0 ? 1 : -1;
      this.kindCount[kind]! += d;
      this.groupStale[k] = 1;
      const n = (this.groupCount[k]! += d);
      // The group starts or stops having a bank waiting for the kind.
      if (n === 0 || (n === 1 && d === 1)) this.kindGroups[kind * this.groupWords + (g >> 5)]! ^= 1 << (g & 31);
    }
    this.staleKinds |= flip;
  }

  /** The earliest cycle at which any bank can take a command it waits for (Infinity if none waits). */
  computeReady(): number {
    if (this.staleKinds !== 0) this.refreshKinds(this.staleKinds);
    const kr = this.kindReady;
    let ready = kr[0]!;
    if (kr[1]! < ready) ready = kr[1]!;
    if (kr[2]! < ready) ready = kr[2]!;
    return kr[3]! < ready ? kr[3]! : ready;
  }

  /** Makes kindReady exact for the stale kinds in `kinds` (KIND_* bits). */
  private refreshKinds(kinds: number): void {
    this.staleKinds &= ~kinds;
    for (let kind = 0; kind < 4; kind++) {
      if ((kinds & (1 << kind)) === 0) continue;
      this.kindReady[kind] = this.kindCount[kind] === 0 ? Infinity : this.kindEarliest(kind);
    }
  }

  /**
   * The earliest cycle of `kind` at any bank waiting for it: over the groups with such a bank, the stale ones
   * recomputed, each folded with its group's entry, each rank's minimum with the rank's, then the channel's.
   */
  private kindEarliest(kind: number): number {
    const e = this.timing.earliest;
    const e1 = e[1]!, e2 = e[2]!, e3 = e[3]!;
    const nc = this.nc;
    const bpg = this.banksPerGroup;
    const needs = this.needs;
    const groupMin = this.groupMin;
    const groupStale = this.groupStale;
    const rankOfGroup = this.rankOfGroup;
    const cmd = this.kindCommand[kind]!;
    const bit = 1 << kind;
    const base = kind * this.groups;
    const gw = this.groupWords;
    let channel = Infinity;
    let rank = Infinity;
    let current = -1;
    for (let w = 0; w < gw; w++) {
      let bits = this.kindGroups[kind * gw + w]!;
      while (bits !== 0) {
        const g = (w << 5) + (31 - Math.clz32(bits & -bits));
        bits &= bits - 1;
        let m: number;
        if (groupStale[base + g] === 1) {
          groupStale[base + g] = 0;
          m = Infinity;
          for (let b = g * bpg, last = b + bpg; b < last; b++) {
            if ((needs[b]! & bit) === 0) continue;
            const t = e3[b * nc + cmd]!;
            if (t < m) m = t;
          }
          groupMin[base + g] = m;
        } else {
          m = groupMin[base + g]!;
        }
        const t = e2[g * nc + cmd]!;
        if (t > m) m = t;
        // Groups come in order, so a rank's groups are consecutive: fold the finished rank into the channel.
        const r = rankOfGroup[g]!;
        if (r !== current) {
          if (current >= 0) {
            const tr = e1[current * nc + cmd]!;
            if (tr > rank) rank = tr;
            if (rank < channel) channel = rank;
          }
          current = r;
          rank = m;
        } else if (m < rank) {
          rank = m;
        }
      }
    }
    if (current >= 0) {
      const tr = e1[current * nc + cmd]!;
      if (tr > rank) rank = tr;
      if (rank < channel) channel = rank;
    }
    const t = e[0]![cmd]!;
    return t > channel ? t : channel;
  }

  /**
   * Whether some bank can take, at `c`, a command of a kind in `allowed` (KIND_* bits) that it waits for; when so,
   * cand holds exactly those banks. A dual issue's second slot mostly ends at the first test.
   */
  candidates(c: number, allowed: number): boolean {
    if ((this.staleKinds & allowed) !== 0) this.refreshKinds(this.staleKinds & allowed);
    const kr = this.kindReady;
    let kindsNow = 0;
    for (let kind = 0; kind < 4; kind++) if ((allowed & (1 << kind)) !== 0 && kr[kind]! <= c) kindsNow |= 1 << kind;
    if (kindsNow === 0) return false;
    const cand = this.cand;
    for (let w = 0; w < this.words; w++) cand[w] = 0;
    const e = this.timing.earliest;
    const e1 = e[1]!, e2 = e[2]!, e3 = e[3]!;
    const nc = this.nc;
    const bpg = this.banksPerGroup;
    const needs = this.needs;
    const groupMin = this.groupMin;
    const gw = this.groupWords;
    for (let kind = 0; kind < 4; kind++) {
      const bit = 1 << kind;
      if ((kindsNow & bit) === 0) continue;
      // The kind's value (<= c) bounds the channel's entry; refreshKinds left every group of the kind exact.
      const cmd = this.kindCommand[kind]!;
      const base = kind * this.groups;
      for (let w = 0; w < gw; w++) {
        let bits = this.kindGroups[kind * gw + w]!;
        while (bits !== 0) {
          const g = (w << 5) + (31 - Math.clz32(bits & -bits));
          bits &= bits - 1;
          if (groupMin[base + g]! > c || e2[g * nc + cmd]! > c || e1[this.rankOfGroup[g]! * nc + cmd]! > c) continue;
          for (let b = g * bpg, last = b + bpg; b < last; b++) {
            if ((needs[b]! & bit) !== 0 && e3[b * nc + cmd]! <= c) cand[b >> 5]! |= 1 << (b & 31);
          }
        }
      }
    }
    return true;
  }
}
