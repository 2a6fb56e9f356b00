import { StrataError } from '../spec/errors.ts';
import { cliMarkdown, COMMANDS, commandHelp, findCommand, globalHelp, strataVersion } from './commands.ts';
import { runWithSetFlags } from './set-flag.ts';

/** The longest error message printed whole: messages quote the user's input, which may be a whole line of junk. */
const MAX_MESSAGE_CHARS = 1000;

/**
 * A message as one printable line: control characters (line breaks, escape sequences, NUL, and the Unicode line
 * separators) that a message quotes from a user's file are written as escapes such as \x1b, so they cannot break
 * the line or drive the terminal, and a message past MAX_MESSAGE_CHARS is cut, saying how much was left out.
 */
export function oneLine(message: string): string {
  const escaped = message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
  const chars = [...escaped];
  if (chars.length <= MAX_MESSAGE_CHARS) return escaped;
  return `${chars.slice(0, MAX_MESSAGE_CHARS).join('')}… (${chars.length - MAX_MESSAGE_CHARS} more characters)`;
}

/** What a user error becomes: its message on stderr as one line and exit code 2; anything else is a bug and propagates. */
function userError(e: unknown): number {
  if (e instanceof StrataError) {
    console.error(`strata: ${oneLine(e.message)}`);
    return 2;
  }
  throw e;
}

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
    const code = runWithSetFlags(c.name, rest, c.run);
    return typeof code === 'number' ? code : code.catch(userError);
  } catch (e) {
    return userError(e);
  }
}
