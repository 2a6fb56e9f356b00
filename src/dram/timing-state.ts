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
    this.applyRules = this.byPrev.map((rules) => this.compileRules(rules));
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
}

/** A command's rules: raises the earliest cycles (arrays e0-e3 by level) after it issues at `cycle` at nodes n1-n3. */
type RuleApplier = (e0: Float64Array, e1: Float64Array, e2: Float64Array, e3: Float64Array, cycle: number, n1: number, n2: number, n3: number) => void;

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
