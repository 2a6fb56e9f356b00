import { pimCommand } from '../cli/pim.ts';
import { runCommand } from '../cli/run.ts';
import { serveCommand } from '../cli/serve.ts';
import { runWithSetFlags } from '../cli/set-flag.ts';
import { StrataError } from '../spec/errors.ts';

/**
 * The command line of a sweep point, run as `strata` runs it (src/cli/main.ts): the command's `--set` flags applied
 * by runWithSetFlags, then the command itself; a user error ends it with exit code 2 and its message. Only the three
 * commands a sweep runs (`pim generate`, `run`, `serve`) are here, reached directly rather than through main's table
 * of every command: that table imports `strata figures`, whose shipped-study sets (src/cli/figures-sweeps.ts) run
 * points, and the import cycle would leave the table half-built in a figures worker thread.
 * test/sweep/point-command.test.ts checks that these are the functions main's table runs.
 */

/** The functions of the commands a sweep point may run, by the command's name on the command line. */
export const POINT_COMMANDS: Readonly<Record<string, (argv: string[]) => number>> = { pim: pimCommand, run: runCommand, serve: serveCommand };

/** What a point's command did: its exit code, and the message of the user error it ended with. */
export interface PointCommandResult {
  readonly code: number;
  readonly message?: string;
}

/** Runs `strata ARGV` for a sweep point (synchronously: every sweep command is). Errors other than user errors propagate. */
export function runPointCommand(argv: readonly string[]): PointCommandResult {
  const [command, ...rest] = argv;
  const run = command === undefined ? undefined : POINT_COMMANDS[command];
  if (run === undefined) throw new Error(`internal invariant broken: a sweep point runs ${Object.keys(POINT_COMMANDS).join(', ')}, not '${command}'`);
  try {
    const code = runWithSetFlags(command!, rest, run);
    if (typeof code !== 'number') throw new Error(`internal invariant broken: strata ${command} returned a promise`);
    return { code };
  } catch (e) {
    if (e instanceof StrataError) return { code: 2, message: e.message };
    throw e;
  }
}
