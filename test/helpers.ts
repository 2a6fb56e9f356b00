import { expect } from 'vitest';
import { StrataError } from '../src/spec/errors.ts';

/** The message of the StrataError that `f` throws (fails the test if it throws anything else or nothing). */
export function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return (e as Error).message;
  }
  throw new Error('expected a StrataError, nothing was thrown');
}
