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

/**
 * Runs `load`; a user error it throws is thrown again with its message rewritten by `say`, to add where the name
 * that failed came from (a field of another file, a trace's header). Other errors pass unchanged.
 */
export function withContext<T>(load: () => T, say: (message: string) => string): T {
  try {
    return load();
  } catch (e) {
    if (e instanceof StrataError) throw new StrataError(say(e.message));
    throw e;
  }
}
