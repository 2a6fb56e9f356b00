import type { DramStandard } from '../dram/standard.ts';

/**
 * The timing state of one PIM channel whose commands all act on the same node (all-bank and channel-wide
 * commands of a single-rank device, as a PIM-GPT channel program issues them): for every command kind the
 * earliest legal cycle, and the recent issue cycles of every rolling window (the all-bank power limit).
 *
 * It applies the same compiled constraint table as `TimingState` (src/dram/timing-state.ts): when every command
 * goes to one (rank, bank group, bank), the maximum over levels that TimingState takes collapses to one number per
 * command kind, and rules on sibling ranks never apply. Being one small array, the state can be snapshotted,
 * restored and compared relative to a cycle, which is what lets a PIM channel reuse the simulated run of a
 * program exactly (src/pim/program-memo.ts). A test checks it against TimingState on random programs.
 */
export class AllBankTiming {
  /** Command kinds. */
  readonly nc: number;
  /** Earliest legal cycle per command kind. */
  readonly earliest: Float64Array;
  /** Rules by triggering command: pairs (next, cycles) flattened. */
  private readonly byPrev: Int32Array[];
  /** Windows by command: (window index) list; window w keeps `count[w]` past cycles oldest first. */
  private readonly windowsByCmd: number[][];
  private readonly windowCount: Int32Array;
  private readonly windowCycles: Float64Array;
  /** Offsets of each window's history in `history`, oldest first. */
  private readonly windowOffset: Int32Array;
  readonly history: Float64Array;

  constructor(std: DramStandard) {
    this.nc = std.commandNames.length;
    this.earliest = new Float64Array(this.nc);
    const rules: number[][] = Array.from({ length: this.nc }, () => []);
    for (const r of std.rules) if (!r.sibling && r.cycles > 0) rules[r.prev]!.push(r.next, r.cycles);
    this.byPrev = rules.map((r) => Int32Array.from(r));
    this.windowsByCmd = Array.from({ length: this.nc }, () => []);
    this.windowCount = Int32Array.from(std.windows.map((w) => w.count));
    this.windowCycles = Float64Array.from(std.windows.map((w) => w.cycles));
    this.windowOffset = new Int32Array(std.windows.length);
    let off = 0;
    std.windows.forEach((w, i) => {
      this.windowsByCmd[w.command]!.push(i);
      this.windowOffset[i] = off;
      off += w.count;
    });
    this.history = new Float64Array(off).fill(-Infinity);
  }

  /** Earliest cycle at which `cmd` may issue. */
  earliestCycle(cmd: number): number {
    let t = this.earliest[cmd]!;
    const ws = this.windowsByCmd[cmd]!;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      const oldest = this.history[this.windowOffset[w]!]! + this.windowCycles[w]!;
      if (oldest > t) t = oldest;
    }
    return t;
  }

  /** Records `cmd` issued at `cycle` and applies the rules it triggers. */
  issue(cmd: number, cycle: number): void {
    const r = this.byPrev[cmd]!;
    const e = this.earliest;
    for (let i = 0; i < r.length; i += 2) {
      const t = cycle + r[i + 1]!;
      if (e[r[i]!]! < t) e[r[i]!] = t;
    }
    const ws = this.windowsByCmd[cmd]!;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!;
      const off = this.windowOffset[w]!;
      const n = this.windowCount[w]!;
      this.history.copyWithin(off, off + 1, off + n);
      this.history[off + n - 1] = cycle;
    }
  }

  /** True when `cmd` is in no rolling window: repeats of it are then spaced by a constant once started. */
  windowFree(cmd: number): boolean {
    return this.windowsByCmd[cmd]!.length === 0;
  }

  /** Length of a snapshot: earliest cycles, then window histories. */
  get stateLength(): number {
    return this.nc + this.history.length;
  }

  /**
   * Writes the state relative to cycle `base` into `out` (from `at`): earliest cycles minus base, clamped at 0
   * (a command is never issued before the cursor anyway), and window history minus base, clamped where it no
   * longer constrains anything. Two states with equal relative snapshots issue any program identically, shifted.
   */
  snapshot(base: number, out: Float64Array, at = 0): void {
    const e = this.earliest;
    for (let i = 0; i < this.nc; i++) out[at + i] = Math.max(0, e[i]! - base);
    for (let w = 0; w < this.windowCount.length; w++) {
      const off = this.windowOffset[w]!;
      const floor = -this.windowCycles[w]!;
      for (let j = 0; j < this.windowCount[w]!; j++) out[at + this.nc + off + j] = Math.max(floor, this.history[off + j]! - base);
    }
  }

  /** Sets the state from a snapshot taken relative to some cycle, placing it relative to `base`. */
  restore(snap: Float64Array, base: number, at = 0): void {
    for (let i = 0; i < this.nc; i++) this.earliest[i] = snap[at + i]! + base;
    for (let j = 0; j < this.history.length; j++) this.history[j] = snap[at + this.nc + j]! + base;
  }

  /** A text key of the state relative to `base` (see snapshot). */
  key(base: number, scratch: Float64Array): string {
    this.snapshot(base, scratch);
    return scratch.join(',');
  }
}
