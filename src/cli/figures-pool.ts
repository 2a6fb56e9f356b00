import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { StrataError } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import type { FigureChoices, FigureSet, FigureUnit } from './figures.ts';

/**
 * Where the units of `strata figures` run: in this thread (`--workers 1`), or in a pool of worker threads (piscina),
 * each of which builds the same figure sets from the same choices and runs the units it is sent.
 *
 * Results cross threads by structured cloning; the in-thread path clones them too, so both paths hand the combining
 * step the same plain data and the data files are byte-identical whatever the number of threads
 * (test/cli/figures-workers.test.ts).
 */

/** The module each worker thread loads (a checkout registers tsx there first, as bin/strata.mjs does). */
const WORKER_FILE = join(PACKAGE_ROOT, 'bin', 'figures-worker.mjs');

/** What a worker thread is sent: the choices every set is built from, the set's name and the unit's argument. */
export interface UnitTask {
  readonly choices: FigureChoices;
  readonly set: string;
  readonly arg: unknown;
}

/** A unit's result, or the one-line error it ended with (an error's class does not survive the thread boundary). */
export type UnitOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly message: string; readonly strata: boolean };

/** Runs one unit of a set and wraps its result or error; the same in a worker and in this thread. */
export function runUnit(set: FigureSet, arg: unknown): UnitOutcome {
  try {
    return { ok: true, result: set.run(arg) };
  } catch (e) {
    const err = e as Error;
    return { ok: false, message: err instanceof StrataError ? err.message : `${err.message}\n${err.stack ?? ''}`, strata: err instanceof StrataError };
  }
}

/** The default number of threads: the machine's cores, at most 8. */
export function defaultFigureWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** Runs units on `workers` threads (1: in this thread, in submission order). */
export class FigureUnitRunner {
  private readonly pool: Piscina<UnitTask, UnitOutcome> | null;

  constructor(private readonly choices: FigureChoices, workers: number) {
    this.pool = workers > 1 ? new Piscina<UnitTask, UnitOutcome>({ filename: WORKER_FILE, minThreads: workers, maxThreads: workers, idleTimeout: 1000 }) : null;
  }

  /** One unit's result, or its error thrown again here (a StrataError stays one line). */
  async run(set: FigureSet, unit: FigureUnit): Promise<unknown> {
    // In this thread each unit runs in a task of its own (after the I/O and timers due), so progress is drawn as
    // units finish rather than all at once after the last; the units run in the order they were submitted, as before.
    if (!this.pool) await new Promise<void>((resolve) => setImmediate(resolve));
    const outcome = this.pool ? await this.pool.run({ choices: this.choices, set: set.name, arg: unit.arg }) : structuredClone(this.measured(set, unit));
    if (outcome.ok) return outcome.result;
    if (outcome.strata) throw new StrataError(outcome.message);
    throw new Error(`figures: ${set.name}: ${unit.label}: ${outcome.message}`);
  }

  /**
   * Runs a unit in this thread; with STRATA_FIGURES_UNIT_CPU=1 prints its CPU time on stderr
   * (`figures unit-cpu<TAB>set<TAB>unit<TAB>ms`). In this thread only: a process's CPU time counts every thread, so
   * a unit is measured alone only with --workers 1 (docs/guide.md, where the figures' time goes).
   */
  private measured(set: FigureSet, unit: FigureUnit): UnitOutcome {
    if (process.env.STRATA_FIGURES_UNIT_CPU !== '1') return runUnit(set, unit.arg);
    const before = process.cpuUsage();
    const outcome = runUnit(set, unit.arg);
    const cpu = process.cpuUsage(before);
    process.stderr.write(`figures unit-cpu\t${set.name}\t${unit.label}\t${((cpu.user + cpu.system) / 1000).toFixed(0)}\n`);
    return outcome;
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}
