import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StrataError } from '../spec/errors.ts';

/**
 * How the sweep's worker threads collect garbage (issue #16, Speed). A point builds its simulation state over its
 * whole run (the channel-program memo of a PIM-GPT generation and its token's state: up to 70 MB allocated between
 * two collections for a gpt2-medium point of the bench, a median 7.8 MB of it alive at a scavenge mid-point) and
 * all of it is garbage when the point ends. With V8's defaults the pool's threads spent about half as much CPU in
 * V8's helper threads (parallel scavenges copying a point's live state, concurrent marking of what they promoted,
 * concurrent compilation) as in the workers' own, so two workers on two cores fought their own helpers. The shipped
 * policy (`tuned`) scavenges each worker's young generation at the end of each point (`scavengeAfterPoint`, called
 * by src/sweep/worker.ts), when it holds only the finished point's garbage: the scavenge copies under 2 MB (what the
 * thread keeps), and the next point starts with an empty young generation, so fewer of its scavenges find much
 * alive and less is promoted for a major GC to free (in the bench's trace: 32 such scavenges against 63, 135 MB
 * promoted against 459, 7 mark-compacts against 14; docs/sweeps.md, "Speed"). V8 grows a thread's semi-space from
 * 1 MiB only as its scavenges find much alive, which the point-end scavenges do not, so the policy also starts each
 * worker's semi-space at its full size (`pinSemiSpace`: V8's `--min-semi-space-size`, read when a thread's heap is
 * made), leaving room for a point's allocation from the first point on.
 *
 * Not done: V8's `--single-threaded-gc` for the pool. V8's flags are per process and can only be set
 * (v8.setFlagsFromString) once the main thread's heap runs; set before the pool started, it stopped V8 on a CHECK
 * about the main thread's concurrent marking ("concurrent_marking_handle_ implies
 * !concurrent_marking_handle_->IsValid()") in the bench. Given on the command line, with this policy, it left the
 * whole process's CPU where it was (docs/sweeps.md, "Speed").
 *
 * Measured with bench/sweep.ts (docs/sweeps.md, "Speed"). Results never depend on it.
 * `STRATA_SWEEP_GC=v8` gives V8's defaults back (no scavenge after a point) for a comparison without an edit.
 */

/** A policy: whether a worker scavenges after each point, and whether its semi-space starts at its full size. */
export interface WorkerGcPolicy {
  readonly name: 'tuned' | 'v8';
  readonly scavengeAfterPoint: boolean;
  readonly pinSemiSpace: boolean;
  /** Whether V8's allocation-site pretenuring is turned off for the process (stopPretenuring). */
  readonly noPretenuring: boolean;
}

const POLICIES: Readonly<Record<WorkerGcPolicy['name'], WorkerGcPolicy>> = {
  tuned: { name: 'tuned', scavengeAfterPoint: true, pinSemiSpace: true, noPretenuring: true },
  v8: { name: 'v8', scavengeAfterPoint: false, pinSemiSpace: false, noPretenuring: false },
};

/** The policy of STRATA_SWEEP_GC (default `tuned`); anything else is refused in one line. */
export function workerGcPolicy(env: NodeJS.ProcessEnv = process.env): WorkerGcPolicy {
  const raw = env.STRATA_SWEEP_GC;
  if (raw === undefined || raw === '') return POLICIES.tuned;
  const p = (POLICIES as Record<string, WorkerGcPolicy | undefined>)[raw];
  if (p === undefined) throw new StrataError(`STRATA_SWEEP_GC: expected ${Object.keys(POLICIES).join(', ')} (how the sweep's worker threads collect garbage), got '${raw}'`);
  return p;
}

/**
 * Turns V8's allocation-site pretenuring off for the whole process where `policy` says so (before the pool's threads
 * start; V8's flags are per process). Pretenuring puts every later object of an allocation site straight into old
 * space once a scavenge found most of that site's objects alive. A PIM-GPT point's objects all die with the point,
 * but a scavenge that falls in the middle of a token finds the token's graph alive (1,757-2,245 objects per literal
 * site, 96-100 % alive: `node --trace-pretenuring-statistics bench/sweep-points-in-thread.mjs 16`), and from then on
 * each point's graphs filled old space for mark-compacts to free: 6 over the bench's 64 points in one thread against 1
 * without pretenuring, whose helper threads spent about 0.2 s less (docs/sweeps.md, "Speed"). Whether that scavenge
 * falls mid-token depends on how much the points allocate, so any change to the simulator could bring it back or
 * take it away. Results never depend on it. Once set it stays set for the process (as the pinned semi-space does).
 */
export function stopPretenuring(policy: WorkerGcPolicy): void {
  if (policy.noPretenuring) setFlagsFromString('--no-allocation-site-pretenuring');
}

/** The semi-space size this process's new heaps start with, in MiB, once pinSemiSpace has set one. */
let pinnedSemiSpaceMb: number | undefined;

/**
 * Makes the heaps of threads started from now on begin with semi-spaces of `youngGenerationMb / 3` MiB (V8's young
 * generation is two semi-spaces and a new large-object space of the same size), where `policy` pins them; nothing for
 * V8's default young generation (0). V8's `--min-semi-space-size` is per process but read only when a heap is made
 * (a thread's heap never grows past its own limit, so threads with a smaller one are not changed), and the main
 * thread's heap, made already, keeps its own. Returns the size in effect for new threads, or undefined.
 */
export function pinSemiSpace(policy: WorkerGcPolicy, youngGenerationMb: number): number | undefined {
  if (!policy.pinSemiSpace || youngGenerationMb <= 0) return pinnedSemiSpaceMb;
  const mb = Math.max(1, Math.floor(youngGenerationMb / 3));
  if (mb !== pinnedSemiSpaceMb) {
    setFlagsFromString(`--min-semi-space-size=${mb}`);
    pinnedSemiSpaceMb = mb;
  }
  return pinnedSemiSpaceMb;
}

type Gc = (options: { type: 'minor' | 'major'; execution?: 'sync' }) => void;

let gc: Gc | undefined;

/**
 * V8's `gc` function for this thread: `--expose-gc` gives it to contexts made after the flag is set, so a fresh
 * context fetches it (the thread's own global stays without it). The flag is per process; it only adds a `gc` global
 * to contexts made later.
 */
function gcFunction(): Gc {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as Gc;
    if (typeof gc !== 'function') throw new Error('internal invariant broken: --expose-gc gave no gc function');
  }
  return gc;
}

/**
 * A scavenge of this thread's young generation, run by a worker when a point has ended (all of the point's objects
 * are garbage then, so it copies almost nothing); nothing when `policy` has no point-end scavenge.
 */
export function scavengeAfterPoint(policy: WorkerGcPolicy = workerGcPolicy()): void {
  if (policy.scavengeAfterPoint) gcFunction()({ type: 'minor', execution: 'sync' });
}
