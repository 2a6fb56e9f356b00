import { StrataError } from '../spec/errors.ts';

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
export function userError(e: unknown): number {
  if (e instanceof StrataError) {
    console.error(`strata: ${oneLine(e.message)}`);
    return 2;
  }
  throw e;
}

/**
 * Runs a command and returns its exit code, a user error (StrataError) becoming one line on stderr and exit 2, thrown
 * at once or by the promise the command returns. Shared by src/cli/main.ts and src/cli/dram-entry.ts, so that a
 * command behaves the same whichever entry runs it.
 */
export function exitCodeOf(run: () => number | Promise<number>): number | Promise<number> {
  try {
    const code = run();
    return typeof code === 'number' ? code : code.catch(userError);
  } catch (e) {
    return userError(e);
  }
}
