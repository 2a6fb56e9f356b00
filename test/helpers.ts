import { expect, vi } from 'vitest';
import { main } from '../src/cli/main.ts';
import { StrataError } from '../src/spec/errors.ts';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

/** Runs the CLI's `main` in-process and returns its exit code and what it printed (synchronous commands only). */
export function runMain(argv: string[]): { code: number; out: string; err: string } {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const code = main(argv);
    if (typeof code !== 'number') throw new Error(`'strata ${argv[0]}' returns a promise: use runMainAsync`);
    const text = (spy: typeof log) => spy.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
    return { code, out: text(log), err: text(error) };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** Runs the CLI's `main` in-process, awaiting commands that return a promise (`figures`). */
export async function runMainAsync(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const code = await main(argv);
    const text = (spy: typeof log) => spy.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
    return { code, out: text(log), err: text(error) };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** Every file under `dir` (recursively) whose name ends in `ext`, in sorted order. */
export function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? filesUnder(p, ext) : p.endsWith(ext) ? [p] : [];
    });
}

