/**
 * The one error type for problems a user can fix: bad specs, traces, flags. The message says what is wrong,
 * where (file, line or field) and what was expected. The CLI prints it without a stack trace.
 */
export class StrataError extends Error {
  override readonly name = 'StrataError';
  constructor(message: string) {
    super(message);
  }
}

/** Throws an internal-invariant failure (a bug in Strata, not in the user's input). */
export function invariant(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`internal invariant broken: ${what}`);
}
