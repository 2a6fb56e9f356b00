import { LEVELS } from './commands.ts';
import type { DramStandard } from './standard.ts';

/**
 * Earliest legal cycle of every command kind at every node of one channel, kept per level
 * (channel, rank, bank group, bank). Issuing a command pushes the earliest times forward by the
 * standard's constraint table and by its rolling windows (tFAW: the oldest of the last `count` commands in the
 * window's node, plus its length; that oldest cycle only grows, so raising the node's earliest time when a
 * command issues is the same as taking the window into account at every query). The earliest cycle of a command
 * at a bank is the maximum over the levels that contain it.
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
  /** Per command: its rules compiled to straight-line code (see compileRules). */
  private readonly applyRules: RuleApplier[];
  /** Why each earliest cycle holds its value; null until issueTraced first runs (the controller never uses it). */
  private causes: CauseArrays | null = null;

  /**
   * `shareCompiled`: take the compiled rules (compileRules) from the first TimingState of the same standard object
   * that shared them, rather than compile them again (a `new Function` per command kind; the functions only read
   * and write the arrays they are given, so states can share them). The PIM-GPT channel's all-bank timing makes a
   * timing state per channel and generation (AllBankTiming): compiling each took PIM-GPT generations from about 6 %
   * to about 12 % slower than the collapsed copy of the rules this view replaced (bench/pim-exactness.ts --speed,
   * docs/architecture.md). The DRAM controller compiles its own, as its speed was measured.
   */
  constructor(std: DramStandard, shareCompiled = false) {
    const o = std.organization;
    this.ranks = o.ranks;
    this.bgs = o.bankGroups;
    this.banks = o.banksPerGroup;
    this.nc = std.commandNames.length;
    const nodes = [1, o.ranks, o.ranks * o.bankGroups, o.ranks * o.bankGroups * o.banksPerGroup];
    this.earliest = nodes.map((n) => new Float64Array(n * this.nc));
    this.byPrev = Array.from({ length: this.nc }, () => []);
    std.rules.forEach((r, index) => {
      if (r.cycles > 0) this.byPrev[r.prev]!.push({ index, next: r.next, levelIdx: LEVELS.indexOf(r.level), sibling: r.sibling, cycles: r.cycles });
    });
    this.windowsByCmd = Array.from({ length: this.nc }, () => []);
    this.windowHistory = [];
    this.windowHead = [];
    for (const w of std.windows) {
      this.windowsByCmd[w.command]!.push({ index: this.windowHistory.length, windowIndex: std.windows.indexOf(w), levelIdx: LEVELS.indexOf(w.level), count: w.count, cycles: w.cycles });
      const n = nodes[LEVELS.indexOf(w.level)]!;
      this.windowHistory.push(new Float64Array(n * w.count).fill(-Infinity));
      this.windowHead.push(new Int32Array(n));
    }
    const shared = shareCompiled ? SHARED_RULES.get(std) : undefined;
    this.applyRules = shared ?? this.byPrev.map((rules) => this.compileRules(rules));
    if (shareCompiled && !shared) SHARED_RULES.set(std, this.applyRules);
  }

  /**
   * The rules a command triggers as one function with their levels, commands and distances written in as
   * constants: issuing applies a command's ten or so rules several times over faster than a loop that reads each
   * rule's fields (counted with bench/instructions.ts). The code is built from integers of the compiled table only.
   */
  private compileRules(rules: readonly CompiledRule[]): RuleApplier {
    const int = (x: number): number => {
      if (!Number.isSafeInteger(x)) throw new Error(`internal invariant broken: non-integer ${x} in a compiled timing rule`);
      return x;
    };
    const nc = int(this.nc);
    const sizes = [1, int(this.ranks), int(this.bgs), int(this.banks)];
    const lines: string[] = ['const n0 = 0;', 'let k = 0, t = 0, first = 0;'];
    for (const r of rules) {
      const li = int(r.levelIdx);
      const arr = `e${li}`;
      lines.push(`t = cycle + ${int(r.cycles)};`);
      if (!r.sibling) {
        lines.push(`k = n${li} * ${nc} + ${int(r.next)}; if (${arr}[k] < t) ${arr}[k] = t;`);
      } else if (li !== 0) {
        // The siblings of the issuing node: the other nodes of its level under the same parent.
        lines.push(
          `first = n${li} - (n${li} % ${sizes[li]});`,
          `for (let n = first; n < first + ${sizes[li]}; n++) { if (n === n${li}) continue; k = n * ${nc} + ${int(r.next)}; if (${arr}[k] < t) ${arr}[k] = t; }`,
        );
      }
    }
    return new Function('e0', 'e1', 'e2', 'e3', 'cycle', 'n1', 'n2', 'n3', lines.join('\n')) as RuleApplier;
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
    return t;
  }

  /** earliestCycle with the nodes given: the rank, the bank group's node (rank x bank groups + group) and the bank's. */
  earliestAtNodes(cmd: number, rank: number, group: number, bankNode: number): number {
    const e = this.earliest;
    const nc = this.nc;
    let t = e[0]![cmd]!;
    const r = e[1]![rank * nc + cmd]!;
    if (r > t) t = r;
    const g = e[2]![group * nc + cmd]!;
    if (g > t) t = g;
    const b = e[3]![bankNode * nc + cmd]!;
    return b > t ? b : t;
  }

  /** Records that `cmd` issued at `cycle` to (rank, bg, bank) and applies every rule it triggers. */
  issue(cmd: number, cycle: number, rank: number, bg: number, bank: number): void {
    const e = this.earliest;
    const group = rank * this.bgs + bg;
    this.applyRules[cmd]!(e[0]!, e[1]!, e[2]!, e[3]!, cycle, rank, group, group * this.banks + bank);
    const ws = this.windowsByCmd[cmd]!;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      const n = this.node(w.levelIdx, rank, bg, bank);
      const head = this.windowHead[w.index]!;
      const history = this.windowHistory[w.index]!;
      history[n * w.count + head[n]!] = cycle;
      head[n] = (head[n]! + 1) % w.count;
      // The next command of the window waits for the oldest of the last `count` to leave it.
      const t = history[n * w.count + head[n]!]! + w.cycles;
      const k = n * this.nc + cmd;
      if (e[w.levelIdx]![k]! < t) e[w.levelIdx]![k] = t;
    }
  }

  /**
   * Length of a node view (nodeSnapshot): one earliest cycle per command kind, then the history of every rolling
   * window, oldest first.
   */
  get nodeViewLength(): number {
    let n = this.nc;
    for (const ws of this.windowsByCmd) for (const w of ws) n += w.count;
    return n;
  }

  /**
   * The state as commands to one node (rank, bg, bank) see it, relative to cycle `base`, written into `out` from
   * `at`: per command kind its earliest cycle there (the maximum over the levels containing the node) minus base,
   * clamped at 0 (nothing issues before the cycle a caller takes a view at), then the issue cycles in every rolling
   * window of the node's level, oldest first, minus base, clamped where they no longer constrain anything (a
   * window's length before base). Two states with equal views issue any sequence of commands to that node
   * identically, shifted; the other nodes' state is not in the view (a sibling rule raises it, but only commands to
   * those nodes read it). The PIM channel's memo of program runs (src/pim/program-memo.ts) keys on views, taking
   * and restoring one per program segment it reuses: hence the flat loops.
   */
  nodeSnapshot(rank: number, bg: number, bank: number, base: number, out: Float64Array, at = 0): void {
    const nc = this.nc;
    const e = this.earliest;
    const e0 = e[0]!, e1 = e[1]!, e2 = e[2]!, e3 = e[3]!;
    const group = rank * this.bgs + bg;
    const o1 = rank * nc, o2 = group * nc, o3 = (group * this.banks + bank) * nc;
    for (let cmd = 0; cmd < nc; cmd++) {
      let t = e0[cmd]!;
      const r = e1[o1 + cmd]!;
      if (r > t) t = r;
      const g = e2[o2 + cmd]!;
      if (g > t) t = g;
      const b = e3[o3 + cmd]!;
      if (b > t) t = b;
      t -= base;
      out[at + cmd] = t > 0 ? t : 0;
    }
    let k = at + nc;
    for (let c = 0; c < nc; c++) {
      const ws = this.windowsByCmd[c]!;
      for (let i = 0; i < ws.length; i++) {
        const w = ws[i]!;
        const n = this.node(w.levelIdx, rank, bg, bank);
        const history = this.windowHistory[w.index]!;
        const count = w.count;
        const first = n * count;
        let j = this.windowHead[w.index]![n]!;
        const floor = -w.cycles;
        for (let m = 0; m < count; m++) {
          const t = history[first + j]! - base;
          out[k++] = t > floor ? t : floor;
          if (++j === count) j = 0;
        }
      }
    }
  }

  /**
   * Sets the state of node (rank, bg, bank) from a view (nodeSnapshot) taken relative to some cycle, placing it
   * relative to `base`: every level's entry over the node holds the view's earliest cycle, and the node's windows
   * its history. Other nodes keep their state (they are not in the view).
   */
  nodeRestore(rank: number, bg: number, bank: number, snap: Float64Array, base: number, at = 0): void {
    const nc = this.nc;
    const e = this.earliest;
    const e0 = e[0]!, e1 = e[1]!, e2 = e[2]!, e3 = e[3]!;
    const group = rank * this.bgs + bg;
    const o1 = rank * nc, o2 = group * nc, o3 = (group * this.banks + bank) * nc;
    for (let cmd = 0; cmd < nc; cmd++) {
      const t = snap[at + cmd]! + base;
      e0[cmd] = t;
      e1[o1 + cmd] = t;
      e2[o2 + cmd] = t;
      e3[o3 + cmd] = t;
    }
    let k = at + nc;
    for (let c = 0; c < nc; c++) {
      const ws = this.windowsByCmd[c]!;
      for (let i = 0; i < ws.length; i++) {
        const w = ws[i]!;
        const n = this.node(w.levelIdx, rank, bg, bank);
        const history = this.windowHistory[w.index]!;
        this.windowHead[w.index]![n] = 0;
        const first = n * w.count;
        for (let m = 0; m < w.count; m++) history[first + m] = snap[k++]! + base;
      }
    }
  }

  /**
   * issue() that also records, for every earliest cycle it raises, which rule or window raised it and which
   * command (`tag`, e.g. its index in a log) triggered it. It applies the same compiled rules and windows as issue()
   * (interpreted rather than compiled, so it is slower) and leaves the same earliest cycles, which a test checks.
   * Used only by replays that explain a command log (src/dram/explain.ts); the controller never calls it.
   */
  issueTraced(cmd: number, cycle: number, rank: number, bg: number, bank: number, tag: number): void {
    const c = (this.causes ??= this.newCauses());
    const group = rank * this.bgs + bg;
    const nodes = [0, rank, group, group * this.banks + bank];
    const raise = (li: number, node: number, next: number, t: number, code: number, causeTag: number, causeCycle: number): void => {
      const k = node * this.nc + next;
      // A tie names the later command (ACT -> ACT tRC and PRE -> ACT tRP often meet at the same cycle: the PRE is
      // what the ACT waits for last); only a strict increase moves the earliest cycle, as in issue().
      if (t !== -Infinity && this.earliest[li]![k]! <= t) {
        this.earliest[li]![k] = t;
        c.code[li]![k] = code;
        c.tag[li]![k] = causeTag;
        c.cycle[li]![k] = causeCycle;
      }
    };
    const sizes = [1, this.ranks, this.bgs, this.banks];
    for (const r of this.byPrev[cmd]!) {
      const li = r.levelIdx;
      const t = cycle + r.cycles;
      const own = nodes[li]!;
      if (!r.sibling) {
        raise(li, own, r.next, t, r.index + 1, tag, cycle);
      } else if (li !== 0) {
        // As in compileRules: the other nodes of the level under the same parent.
        const first = own - (own % sizes[li]!);
        for (let n = first; n < first + sizes[li]!; n++) if (n !== own) raise(li, n, r.next, t, r.index + 1, tag, cycle);
      }
    }
    const ws = this.windowsByCmd[cmd]!;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      const n = this.node(w.levelIdx, rank, bg, bank);
      const head = this.windowHead[w.index]!;
      const history = this.windowHistory[w.index]!;
      const tags = c.windowTags[w.index]!;
      history[n * w.count + head[n]!] = cycle;
      tags[n * w.count + head[n]!] = tag;
      head[n] = (head[n]! + 1) % w.count;
      const oldest = n * w.count + head[n]!;
      raise(w.levelIdx, n, cmd, history[oldest]! + w.cycles, -(w.windowIndex + 1), tags[oldest]!, history[oldest]!);
    }
  }

  /**
   * What holds `cmd` at (rank, bg, bank) back now: its earliest cycle (as earliestCycle) and, when an issueTraced
   * command raised it, the rule (index into std.rules) or window (index into std.windows), the level whose entry
   * holds it, and the triggering command's tag and cycle. Only meaningful when every command went through
   * issueTraced.
   */
  cause(cmd: number, rank: number, bg: number, bank: number): TimingCause {
    const nodes = [0, rank, rank * this.bgs + bg, (rank * this.bgs + bg) * this.banks + bank];
    let best = 0;
    let bestT = -Infinity;
    // Ties go to the finer level (a same-bank rule says more than a same-rank one that ends at the same cycle).
    for (let li = 0; li < 4; li++) {
      const t = this.earliest[li]![nodes[li]! * this.nc + cmd]!;
      if (t >= bestT) { bestT = t; best = li; }
    }
    const k = nodes[best]! * this.nc + cmd;
    const code = this.causes?.code[best]![k] ?? 0;
    if (code === 0) return { earliestCycle: bestT, level: LEVELS[best]! };
    return {
      earliestCycle: bestT,
      level: LEVELS[best]!,
      ...(code > 0 ? { rule: code - 1 } : { window: -code - 1 }),
      tag: this.causes!.tag[best]![k]!,
      cycle: this.causes!.cycle[best]![k]!,
    };
  }

  private newCauses(): CauseArrays {
    return {
      code: this.earliest.map((a) => new Int32Array(a.length)),
      tag: this.earliest.map((a) => new Int32Array(a.length).fill(-1)),
      cycle: this.earliest.map((a) => new Float64Array(a.length)),
      windowTags: this.windowHistory.map((h) => new Int32Array(h.length).fill(-1)),
    };
  }
}

/** Compiled rules of the timing states that share them, by standard (TimingState's shareCompiled). */
const SHARED_RULES = new WeakMap<DramStandard, RuleApplier[]>();

/** A command's rules: raises the earliest cycles (arrays e0-e3 by level) after it issues at `cycle` at nodes n1-n3. */
type RuleApplier = (e0: Float64Array, e1: Float64Array, e2: Float64Array, e3: Float64Array, cycle: number, n1: number, n2: number, n3: number) => void;

interface CompiledRule {
  /** Index in std.rules (for issueTraced's causes). */
  readonly index: number;
  readonly next: number;
  readonly levelIdx: number;
  readonly sibling: boolean;
  readonly cycles: number;
}

interface CompiledWindow {
  /** Index of the window's history ring. */
  readonly index: number;
  /** Index in std.windows (for issueTraced's causes). */
  readonly windowIndex: number;
  readonly levelIdx: number;
  readonly count: number;
  readonly cycles: number;
}

/** Why one earliest cycle holds its value (see TimingState.cause). */
export interface TimingCause {
  /** The command's earliest legal cycle (0 when nothing has constrained it). */
  readonly earliestCycle: number;
  /** The level whose entry holds that cycle. */
  readonly level: (typeof LEVELS)[number];
  /** Index into std.rules of the rule that set it. */
  readonly rule?: number;
  /** Index into std.windows of the rolling window that set it. */
  readonly window?: number;
  /** The triggering command's tag (given to issueTraced); for a window, the oldest command still in it. */
  readonly tag?: number;
  /** The triggering command's cycle. */
  readonly cycle?: number;
}

/** Parallel to the earliest arrays: code (rule index + 1, -(window index + 1), 0 none), tag and cycle of the cause. */
interface CauseArrays {
  readonly code: Int32Array[];
  readonly tag: Int32Array[];
  readonly cycle: Float64Array[];
  /** Parallel to windowHistory: the tags of the commands in each window. */
  readonly windowTags: Int32Array[];
}
