import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { forgetLoadedLogicPims } from '../pim/logic-pim.ts';
import { readMetrics } from './metrics.ts';
import { runPointCommand } from './point-command.ts';
import type { MetricName, SweepCommand } from './sweep-file.ts';

/**
 * Runs one sweep point, in a worker thread of the pool or in the calling thread: the point's command line runs as
 * `strata` runs it (src/sweep/point-command.ts: its `--set` handling, then the command, user errors as one line), with
 * its output sent to a temporary file (run, serve) or stdout as JSON (pim generate --json), from which the metrics
 * are read. The command's console output is captured, not shown: a failing point's error is the last line it
 * printed on stderr.
 */

/** What a worker is asked to run. */
export interface PointTask {
  readonly command: SweepCommand;
  readonly argv: readonly string[];
  readonly metrics: readonly MetricName[];
  /**
   * Run the point's command with `--check` (`strata sweep --check`): its DRAM/PIM commands are replayed through the
   * protocol checker, and a broken rule (or a system that issues no commands) is the point's error. Not part of the
   * point's key: the check changes no number.
   */
  readonly check?: boolean;
}

/** What a point gave: its metrics, or its error. */
export type PointOutcome = { readonly status: 'ok'; readonly metrics: Record<string, number> } | { readonly status: 'error'; readonly error: string };

type Write = typeof process.stdout.write;

/**
 * Runs `f` with everything written to stdout and stderr captured: the streams' writes, and the console's methods
 * too (they write through the streams in Node, but a test runner may replace them with its own).
 */
function captured<T>(f: () => T): { result: T; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  const con = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += String(chunk); return true; }) as Write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as Write;
  console.log = console.info = (...a: unknown[]) => { stdout += `${format(...a)}\n`; };
  console.warn = console.error = (...a: unknown[]) => { stderr += `${format(...a)}\n`; };
  try {
    return { result: f(), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    Object.assign(console, con);
  }
}

/** The message of a failed command: its last line on stderr without the `strata: ` prefix. */
function lastError(stderr: string, code: number): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const last = lines[lines.length - 1];
  return last ? last.replace(/^strata: /, '') : `the command exited with code ${code} and said nothing`;
}

/** Runs one point and reads its metrics; never throws for a point's own failure (that is the outcome). */
export function runPointSync(task: PointTask): PointOutcome {
  // Specs a loader keeps for the life of the process were loaded under the previous point's overrides.
  forgetLoadedLogicPims();
  const dir = task.command === 'generate' ? undefined : mkdtempSync(join(tmpdir(), 'strata-sweep-'));
  try {
    const argv = [...task.argv];
    if (task.check) argv.push('--check');
    if (task.command === 'generate') argv.push('--json');
    else argv.push('--quiet', '--out', task.command === 'run' ? join(dir!, 'report.json') : dir!);
    let r: ReturnType<typeof captured<ReturnType<typeof runPointCommand>>>;
    try {
      r = captured(() => runPointCommand(argv));
    } catch (e) {
      // Only non-user errors get here: a Strata bug on this point, recorded so the sweep goes on.
      return { status: 'error', error: `internal error: ${e instanceof Error ? e.message : String(e)}` };
    }
    const { code, message } = r.result;
    if (code !== 0) return { status: 'error', error: message ?? lastError(r.stderr, code) };
    const text = task.command === 'generate' ? r.stdout : readFileSync(task.command === 'run' ? join(dir!, 'report.json') : join(dir!, 'serving-report.json'), 'utf8');
    try {
      return { status: 'ok', metrics: readMetrics(task.command, JSON.parse(text) as Record<string, unknown>, task.metrics) };
    } catch (e) {
      return { status: 'error', error: `internal error: ${e instanceof Error ? e.message : String(e)}` };
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** runPointSync for a pool's task function (piscina takes a promise or a value alike). */
export async function runPoint(task: PointTask): Promise<PointOutcome> {
  return runPointSync(task);
}
