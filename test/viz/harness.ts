/**
 * Setup shared by the tests of `strata report` (test/cli/report*.test.ts): a temporary folder per test file, and the
 * command run with its console output captured.
 */
import { afterAll, expect, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportCommand } from '../../src/cli/report.ts';
import { StrataError } from '../../src/spec/errors.ts';

/** A new temporary folder named `prefix…`, removed after the test file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `strata report` (without --png: synchronous) with console.log captured; restore the spy with vi.restoreAllMocks. */
export function runReport(argv: string[]): { code: number; out: string } {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const code = reportCommand(argv);
  if (typeof code !== 'number') throw new Error('reportCommand returned a promise without --png');
  return { code, out: log.mock.calls.map((c) => c.join(' ')).join('\n') };
}

/** The message of the StrataError `strata report` throws (main prints it as `strata: …`, exit 2). */
export function reportFailure(argv: string[]): string {
  try {
    runReport(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return (e as Error).message;
  }
  throw new Error('expected a StrataError');
}
