import { StrataError } from '../spec/errors.ts';
import { cliMarkdown, COMMANDS, commandHelp, findCommand, globalHelp, strataVersion } from './commands.ts';
import { runWithSetFlags } from './set-flag.ts';
import { exitCodeOf, userError } from './user-error.ts';

export { oneLine } from './user-error.ts';

const known = (): string => [...COMMANDS.map((c) => c.name), 'help'].join(', ');

/** `strata help [COMMAND [SUBCOMMAND] | --markdown]`. */
function helpCommand(argv: string[]): number {
  if (argv.length === 0 || (argv.length === 1 && (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h'))) {
    console.log(globalHelp());
    return 0;
  }
  if (argv.length === 1 && argv[0] === '--markdown') {
    process.stdout.write(cliMarkdown());
    return 0;
  }
  const c = argv.length <= 2 ? findCommand(argv[0]!) : undefined;
  if (!c) throw new StrataError(`help: expected a command name (${known()}) or --markdown, got '${argv.join(' ')}'`);
  // `strata help validate neupims`: the command's help, as `strata validate neupims --help` prints it.
  if (argv.length === 2 && !(c.subcommands ?? []).includes(argv[1]!)) {
    const subs = c.subcommands ?? [];
    throw new StrataError(`help: ${c.name} ${subs.length ? `has the subcommands ${subs.join(', ')}` : 'has no subcommands'}, got '${argv[1]}'`);
  }
  console.log(commandHelp(c));
  return 0;
}

/**
 * Runs the `strata` command line and returns the exit code: a number for every command but `figures` and
 * `report --png`, whose PNG export drives a browser and which therefore return a promise of it.
 * `--help` (or `-h`) anywhere after a command prints that command's usage and examples instead of running it.
 */
export function main(argv: string[]): number | Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      console.log(globalHelp());
      return 2;
    }
    if (command === 'help' || command === '--help' || command === '-h') return helpCommand(rest);
    if (command === '--version' || command === '-V' || command === 'version') {
      if (rest.length > 0) throw new StrataError(`${command}: takes no arguments, got '${rest.join(' ')}'`);
      console.log(strataVersion());
      return 0;
    }
    const c = findCommand(command);
    if (!c) throw new StrataError(`unknown command '${command}' (known: ${known()}; strata help lists them)`);
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(commandHelp(c));
      return 0;
    }
    return exitCodeOf(() => runWithSetFlags(c.name, rest, c.run));
  } catch (e) {
    return userError(e);
  }
}
