import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { StrataError } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import type { FigureChoices, FigureSet, FigureUnit } from './figures.ts';

/**
 * Where the units of `strata figures` run: in this thread (`--workers 1`), or on worker threads, each of which builds
 * the same figure sets from the same choices and runs the units it is sent.
 *
 * Results cross threads by structured cloning; the in-thread path clones them too, so both paths hand the combining
 * step the same plain data and the data files are byte-identical whatever the number of threads
 * (test/cli/figures.test.ts, 'strata figures --workers').
 *
 * A unit may name an affinity key (FigureUnit.affinity): the units of one key share a thread's memos (a NeuPIMs model's
 * channel runs, a Duplex model's step costers), which each thread otherwise builds again for itself. The runner sends
 * a key's units to the thread that ran the key first, while keeping every thread busy (pickUnit).
 */

/** The module each worker thread loads (a checkout registers tsx there first, as bin/strata.mjs does). */
const WORKER_FILE = join(PACKAGE_ROOT, 'bin', 'figures-worker.mjs');

/**
 * What a worker thread is sent: the choices every set is built from, the set's name and the unit's argument; `measure`
 * asks for the unit's CPU time (STRATA_FIGURES_UNIT_CPU=1).
 */
export interface UnitTask {
  readonly choices: FigureChoices;
  readonly set: string;
  readonly arg: unknown;
  readonly measure?: boolean;
}

/**
 * A unit's result, or the one-line error it ended with (an error's class does not survive the thread boundary); with
 * its CPU time in milliseconds and the thread that ran it when measured (STRATA_FIGURES_UNIT_CPU=1).
 */
export type UnitOutcome = ({ readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly message: string; readonly strata: boolean }) & {
  readonly cpuMs?: number;
  readonly thread?: number;
};

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

/** A unit waiting for a thread: its task, its affinity key (if any), and how to hand back its outcome. */
interface Waiting {
  readonly task: UnitTask;
  readonly key: string | undefined;
  readonly resolve: (outcome: UnitOutcome) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Which waiting unit (an index into `waiting`, oldest first) an idle thread takes next, or -1 when none waits:
 * 1. the oldest unit whose key this thread has run before (its memos are warm there);
 * 2. else the oldest unit with no key, or with a key no thread has run yet (this thread takes the key);
 * 3. else the oldest unit of all: another thread's key, taken rather than leave this thread idle (the units of one
 *    key are independent; only the memo is built twice).
 * `warm[thread]` is the set of keys a thread has run; the caller adds the unit's key to it.
 */
export function pickUnit(waiting: ReadonlyArray<{ readonly key: string | undefined }>, thread: number, warm: ReadonlyArray<ReadonlySet<string>>): number {
  if (waiting.length === 0) return -1;
  const mine = warm[thread]!;
  const own = waiting.findIndex((w) => w.key !== undefined && mine.has(w.key));
  if (own >= 0) return own;
  const free = waiting.findIndex((w) => w.key === undefined || !warm.some((keys) => keys.has(w.key!)));
  return free >= 0 ? free : 0;
}

/**
 * This thread's own CPU time in nanoseconds (Linux: /proc/thread-self/schedstat), without the process's other
 * threads (V8's helper threads included); undefined where that file is absent. For STRATA_FIGURES_UNIT_CPU on worker
 * threads, where the process's CPU time would count every thread.
 */
export function threadCpuNs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/**
 * Runs units on `workers` threads (1: in this thread, in submission order). With several, each thread is a piscina
 * of one thread, so the runner chooses the thread of each unit (pickUnit) and sends a thread its next unit when it
 * has finished the last: every thread busy while units wait, and a key's units together where that costs no idle
 * thread.
 */
export class FigureUnitRunner {
  private readonly threads: Array<Piscina<UnitTask, UnitOutcome>>;
  private readonly busy: boolean[];
  private readonly warm: Array<Set<string>>;
  private readonly waiting: Waiting[] = [];

  /** Whether units' affinity keys are followed (STRATA_FIGURES_AFFINITY=0 ignores them, for a comparison without an edit). */
  private readonly affinity: boolean;

  constructor(private readonly choices: FigureChoices, workers: number, env: NodeJS.ProcessEnv = process.env) {
    const raw = env.STRATA_FIGURES_AFFINITY;
    if (raw !== undefined && raw !== '' && raw !== '0' && raw !== '1') throw new StrataError(`STRATA_FIGURES_AFFINITY: expected 1 (a key's units on one thread, the default) or 0 (any thread), got '${raw}'`);
    this.affinity = raw !== '0';
    const n = workers > 1 ? workers : 0;
    this.threads = Array.from({ length: n }, () => new Piscina<UnitTask, UnitOutcome>({ filename: WORKER_FILE, minThreads: 1, maxThreads: 1, idleTimeout: 1000 }));
    this.busy = this.threads.map(() => false);
    this.warm = this.threads.map(() => new Set<string>());
  }

  /** One unit's result, or its error thrown again here (a StrataError stays one line). */
  async run(set: FigureSet, unit: FigureUnit): Promise<unknown> {
    // In this thread each unit runs in a task of its own (after the I/O and timers due), so progress is drawn as
    // units finish rather than all at once after the last; the units run in the order they were submitted, as before.
    if (this.threads.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const outcome = this.threads.length > 0 ? await this.onThread({ choices: this.choices, set: set.name, arg: unit.arg }, this.affinity ? unit.affinity : undefined) : structuredClone(this.measured(set, unit));
    if (outcome.cpuMs !== undefined) process.stderr.write(`figures unit-cpu\t${set.name}\t${unit.label}\t${outcome.cpuMs.toFixed(0)}\t${outcome.thread ?? 'main'}\n`);
    if (outcome.ok) return outcome.result;
    if (outcome.strata) throw new StrataError(outcome.message);
    throw new Error(`figures: ${set.name}: ${unit.label}: ${outcome.message}`);
  }

  /** Queues a unit for the threads and starts what an idle thread can take. */
  private onThread(task: UnitTask, key: string | undefined): Promise<UnitOutcome> {
    return new Promise<UnitOutcome>((resolve, reject) => {
      this.waiting.push({ task, key, resolve, reject });
      this.dispatch();
    });
  }

  /** Gives each idle thread its next unit (pickUnit). */
  private dispatch(): void {
    for (let t = 0; t < this.threads.length && this.waiting.length > 0; t++) {
      if (this.busy[t]) continue;
      const [w] = this.waiting.splice(pickUnit(this.waiting, t, this.warm), 1);
      if (w!.key !== undefined) this.warm[t]!.add(w!.key);
      this.busy[t] = true;
      const task = process.env.STRATA_FIGURES_UNIT_CPU === '1' ? { ...w!.task, measure: true } : w!.task;
      this.threads[t]!.run(task).then(
        (outcome) => w!.resolve(outcome.cpuMs === undefined ? outcome : { ...outcome, thread: t }),
        (e: unknown) => w!.reject(e),
      ).finally(() => {
        this.busy[t] = false;
        this.dispatch();
      });
    }
  }

  /**
   * Runs a unit in this thread; with STRATA_FIGURES_UNIT_CPU=1 its CPU time goes on stderr
   * (`figures unit-cpu<TAB>set<TAB>unit<TAB>ms<TAB>main`). In this thread it is the process's CPU time, V8's helper
   * threads included (the only thread that runs units with --workers 1); on worker threads it is the thread's own
   * (threadCpuNs), without the helpers: docs/guide.md, where the figures' time goes.
   */
  private measured(set: FigureSet, unit: FigureUnit): UnitOutcome {
    if (process.env.STRATA_FIGURES_UNIT_CPU !== '1') return runUnit(set, unit.arg);
    const before = process.cpuUsage();
    const outcome = runUnit(set, unit.arg);
    const cpu = process.cpuUsage(before);
    return { ...outcome, cpuMs: (cpu.user + cpu.system) / 1000 };
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.destroy()));
  }
}
