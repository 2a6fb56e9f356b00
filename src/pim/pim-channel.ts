import { invariant } from '../spec/errors.ts';
import type { CommandLog } from '../dram/command-log.ts';
import { REF } from '../dram/commands.ts';
import type { DramStandard } from '../dram/standard.ts';
import { TimingState } from '../dram/timing-state.ts';

/** One step of a PIM program: `count` back-to-back issues of command `cmd` (index in the standard's vocabulary) on `row`. */
export interface PimStep {
  readonly cmd: number;
  readonly row: number;
  readonly count: number;
}

/** What running a program on one channel took. */
export interface PimChannelRun {
  /** Cycle (of the DRAM clock) at which the program's last command issued and its last data returned. */
  readonly lastIssueCycle: number;
  readonly endCycle: number;
  /** Commands issued, by command index (refreshes included). */
  readonly commandCounts: Float64Array;
  /**
   * The channel's timeline from its first command to endCycle, split by the command each stretch follows:
   * the cycles after an ACT16 until the next command are activation time, after a MAC16 MAC time, and so
   * on (the last command also owns the wait for its data). Sums to endCycle - first issue cycle.
   */
  readonly cyclesAfter: Float64Array;
}

/**
 * Issues a PIM command program on one channel, in order, each command at the earliest cycle the standard's
 * constraint table allows (the same TimingState the memory controller uses) and at most one command per
 * cycle. All-bank commands act on rank 0's banks as a whole. An all-bank refresh is inserted before the next
 * row activation once tREFI has passed (refresh is postponed by at most one row's work, well inside the
 * JEDEC allowance of eight intervals). Reads of results return CL + tBURST after their command.
 */
export function runPimProgram(std: DramStandard, program: readonly PimStep[], opts: { startCycle?: number; log?: CommandLog; refresh?: boolean } = {}): PimChannelRun {
  const timing = new TimingState(std);
  const counts = new Float64Array(std.commandNames.length);
  const act16 = std.commandNames.indexOf('ACT16');
  const rd = std.commandNames.indexOf('RDMAC16');
  invariant(act16 >= 0 && rd >= 0, 'a PIM standard defines ACT16 and RDMAC16');
  const t = std.timing;
  const tREFI = t.tREFI!;
  const readDelay = t.CL! + t.tBURST!;
  let cursor = opts.startCycle ?? 0;
  let refreshDue = cursor + tREFI;
  let last = cursor;
  let end = cursor;
  let lastCmd = -1;
  const after = new Float64Array(std.commandNames.length);
  const issue = (cmd: number, row: number): void => {
    const c = Math.max(cursor, timing.earliestCycle(cmd, 0, 0, 0));
    timing.issue(cmd, c, 0, 0, 0);
    counts[cmd]!++;
    if (lastCmd >= 0) after[lastCmd]! += c - last;
    lastCmd = cmd;
    opts.log?.push(c, cmd, 0, 0, 0, row, -1);
    cursor = c + 1;
    last = c;
    if (cmd === rd) end = Math.max(end, c + readDelay);
  };
  for (const step of program) {
    if (step.cmd === act16 && opts.refresh !== false && cursor >= refreshDue) {
      issue(REF, -1);
      refreshDue += tREFI;
    }
    for (let i = 0; i < step.count; i++) issue(step.cmd, step.row);
  }
  const endCycle = Math.max(end, last + 1);
  if (lastCmd >= 0) after[lastCmd]! += endCycle - last;
  return { lastIssueCycle: last, endCycle, commandCounts: counts, cyclesAfter: after };
}
