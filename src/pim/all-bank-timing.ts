import type { DramStandard } from '../dram/standard.ts';
import { TimingState } from '../dram/timing-state.ts';

/**
 * The timing state of one PIM channel whose commands all act on the same node (all-bank and channel-wide
 * commands of a single-rank device, as a PIM-GPT channel program issues them): a view of the controller's
 * `TimingState` (src/dram/timing-state.ts) at node (rank 0, bank group 0, bank 0), which applies the standard's
 * constraint table and rolling windows (the all-bank power limit) exactly as it does for the DRAM controller.
 *
 * What the view adds is that it can be snapshotted, restored and compared relative to a cycle
 * (TimingState.nodeSnapshot: per command kind one earliest cycle, and the windows' recent issue cycles), which is
 * what lets a PIM channel reuse the simulated run of a program exactly (src/pim/program-memo.ts).
 */
export class AllBankTiming {
  /** Command kinds. */
  readonly nc: number;
  /** Length of a snapshot: earliest cycles, then window histories. */
  readonly stateLength: number;
  /** The TimingState it views (the channel's Refresh part reads it too: one timing state per channel). */
  readonly timing: TimingState;
  /** Per command kind: whether it is in no rolling window. */
  private readonly free: boolean[];
  /** A snapshot buffer for copyFrom. */
  private scratch: Float64Array | null = null;

  constructor(std: DramStandard) {
    this.nc = std.commandNames.length;
    this.timing = new TimingState(std, true);
    this.stateLength = this.timing.nodeViewLength;
    this.free = std.commandNames.map((_, cmd) => !std.windows.some((w) => w.command === cmd));
  }

  /** Earliest cycle at which `cmd` may issue. */
  earliestCycle(cmd: number): number {
    return this.timing.earliestCycle(cmd, 0, 0, 0);
  }

  /** Records `cmd` issued at `cycle` and applies the rules it triggers. */
  issue(cmd: number, cycle: number): void {
    this.timing.issue(cmd, cycle, 0, 0, 0);
  }

  /** True when `cmd` is in no rolling window: repeats of it are then spaced by a constant once started. */
  windowFree(cmd: number): boolean {
    return this.free[cmd]!;
  }

  /**
   * Writes the state relative to cycle `base` into `out` (from `at`): earliest cycles minus base, clamped at 0
   * (a command is never issued before the cursor anyway), and window history minus base, clamped where it no
   * longer constrains anything. Two states with equal relative snapshots issue any program identically, shifted.
   */
  snapshot(base: number, out: Float64Array, at = 0): void {
    this.timing.nodeSnapshot(0, 0, 0, base, out, at);
  }

  /** Sets the state from a snapshot taken relative to some cycle, placing it relative to `base`. */
  restore(snap: Float64Array, base: number, at = 0): void {
    this.timing.nodeRestore(0, 0, 0, snap, base, at);
  }

  /** Takes over another view's state (of the same standard). */
  copyFrom(other: AllBankTiming): void {
    const s = (this.scratch ??= new Float64Array(this.stateLength));
    other.snapshot(0, s);
    this.restore(s, 0);
  }

  /** A text key of the state relative to `base` (see snapshot). */
  key(base: number, scratch: Float64Array): string {
    this.snapshot(base, scratch);
    return scratch.join(',');
  }
}
