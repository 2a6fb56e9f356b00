import { figureSets, type FigureSet } from './figures.ts';
import { runUnit, threadCpuNs, type UnitOutcome, type UnitTask } from './figures-pool.ts';

/** The sets of each choices this thread has seen (built once: building reads the models). */
const built = new Map<string, FigureSet[]>();

/**
 * The task function of `strata figures`' worker threads (piscina calls the default export): one unit per call, run
 * with the set built from the same choices as in the main thread. Loaded through bin/figures-worker.mjs. A task with
 * `measure` gets the thread's own CPU time of the unit back (STRATA_FIGURES_UNIT_CPU=1).
 */
export default function figuresWorker(task: UnitTask): UnitOutcome {
  const key = JSON.stringify(task.choices);
  const sets = built.get(key) ?? built.set(key, figureSets(task.choices)).get(key)!;
  const set = sets.find((s) => s.name === task.set);
  if (!set) return { ok: false, message: `figures: no figure set '${task.set}'`, strata: true };
  const before = task.measure ? threadCpuNs() : undefined;
  const outcome = runUnit(set, task.arg);
  const after = before === undefined ? undefined : threadCpuNs();
  return after === undefined ? outcome : { ...outcome, cpuMs: (after - before!) / 1e6 };
}
