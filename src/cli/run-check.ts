import { StrataError, invariant } from '../spec/errors.ts';
import { runDram } from '../dram/run.ts';
import { logicPimStreamGrid, logicPimStreamTrace, tsvStreamCost } from '../pim/logic-pim-tsv.ts';
import type { LogicPimSpec } from '../pim/logic-pim.ts';
import type { DuplexSystem } from '../systems/duplex/duplex-system.ts';
import type { SystemFamily } from '../systems/registry.ts';
import type { StreamChecker } from './check.ts';

/*
 * `--check` on `strata run` and `strata serve` (issue #18 item 2): which parts of a run issue DRAM/PIM commands, and
 * how each is replayed through the independent protocol checker (src/dram/protocol-checker.ts).
 *
 * - GPU/CPU baselines (family baseline): the analytical roofline kernel model (src/systems/baseline/roofline.ts)
 *   issues no command. Refused.
 * - Duplex family: the xPU is the same analytical kernel model; the PIM ops (src/systems/duplex/logic-pim-gemv.ts) are timed by
 *   streams through the DRAM model of the PIM view standard (src/pim/logic-pim-tsv.ts): stream lengths on a grid
 *   (1, 2, 4, ... requests per pseudo-channel up to the spec's tile, and two tiles) are simulated command by
 *   command on every pseudo-channel of a stack, lengths between grid points interpolated, longer ones extrapolated.
 *   So every number a run reports for PIM comes from those grid streams. `--check` replays every grid stream of
 *   the system's PIM spec (a superset of those the run used), each re-simulated with a command log: the simulation is
 *   deterministic, and each replayed stream's cycles are checked equal to those the model used (tsvStreamCost).
 *   A Duplex system without PIM (duplex-gpu) issues no command: refused.
 * - NeuPIMs family (serve only): every channel run the decode and prefill costs simulate (runDualBufferChannel: the
 *   NPU streaming-rate sample, each attention program alone and beside NPU traffic, the NPU traffic alone) is handed
 *   over through the cost model's `commandStreams` (src/systems/neupims/neupims-decode.ts) and replayed as it ends.
 *   The serving cost model memoises programs by shape and steps by batch: each distinct run is simulated once, and
 *   that run is the one checked.
 * - PIM-GPT (run and serve): every token of the one generation the steps are read from
 *   (src/systems/pim-gpt/token-sequence.ts). `--check` simulates it without segment reuse, with every channel's command
 *   log (the timing is the same), and replays it as one stream after the run (src/cli/run-pim-gpt.ts; serve:
 *   endPimGptCommandStreams), as `strata pim generate --check` does.
 */

/** Why `--check` is refused for a system that issues no DRAM/PIM commands; undefined when it issues some. `system` is shown as given. */
export function checkRefusal(command: 'run' | 'serve', system: string, family: SystemFamily | undefined, duplex?: DuplexSystem): string | undefined {
  if (family === 'baseline' || family === undefined) {
    return `${command}: --check: ${system} is a GPU/CPU baseline, timed by the analytical roofline kernel model (src/systems/baseline/roofline.ts), which issues no DRAM or PIM commands to check`;
  }
  if (family === 'duplex' && duplex !== undefined && duplex.pim === null) {
    return `${command}: --check: ${system} is a Duplex-family system without PIM: its xPU is timed by the analytical roofline kernel model (src/systems/baseline/roofline.ts), which issues no DRAM or PIM commands to check`;
  }
  return undefined;
}

/** Refuses `--check` (exit 2, one line) for a system that issues no DRAM/PIM commands. */
export function refuseCheckWithoutCommands(command: 'run' | 'serve', system: string, family: SystemFamily | undefined, duplex?: DuplexSystem): void {
  const why = checkRefusal(command, system, family, duplex);
  if (why !== undefined) throw new StrataError(why);
}

/**
 * Replays every Logic-PIM stream a Duplex-family system's PIM numbers come from (logicPimStreamGrid: one stack, every
 * pseudo-channel, reads from address 0 channel-interleaved, as src/pim/logic-pim-tsv.ts runs them) through `checker`.
 * Returns how many streams were replayed. `onStream(done, total)` is told after each (a command's progress).
 */
export function checkLogicPimStreams(system: DuplexSystem, checker: StreamChecker, onStream?: (done: number, total: number) => void): number {
  const pim = system.pim;
  invariant(pim !== null, 'a Duplex system checked under --check has PIM (checkRefusal)');
  const spec = pim.spec;
  const std = spec.view;
  const grid = logicPimStreamGrid(spec);
  for (const [i, n] of grid.entries()) {
    const what = `the ${spec.name} stream of ${n} request${n === 1 ? '' : 's'} per pseudo-channel`;
    const r = runDram({ standard: std, trace: logicPimStreamTrace(std, n, what), commandLog: true });
    // The stream replayed is the one the model timed: same standard, same requests, same cycles.
    invariant(r.cycles === tsvStreamCost(spec, n).cycles, `${what} replayed under --check takes the cycles src/pim/logic-pim-tsv.ts timed (${r.cycles} vs ${tsvStreamCost(spec, n).cycles})`);
    invariant(r.logs.length === std.organization.channels, `${what} logs every pseudo-channel`);
    checker.end({ logs: r.logs, standard: std, endCycle: r.cycles, what });
    onStream?.(i + 1, grid.length);
  }
  return grid.length;
}
