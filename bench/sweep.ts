// Sweep speed (issue #16, Speed): a 64-point PIM-GPT sweep (gpt2-medium, 16 generated tokens; channels x MAC lanes
// x prompt length, 4 x 4 x 4) on 1 worker, then on 2 workers into a fresh database, then a rerun of the finished
// sweep (nothing left to compute). Targets: 2 workers at least 1.7x faster than 1; the rerun under 2 s. Wall time
// and CPU time (every thread of the process, workers included) are printed side by side: on a shared machine the
// wall-time ratio says as much about the other load as about the sweep, and the CPU time says what the sweep did.
//
// `npm run bench -- sweep` runs it from bench/run.ts; `npx tsx bench/sweep.ts` alone. BENCH_SWEEP_PROMPTS=1,4
// shrinks the sweep (4 x 4 x 2 = 32 points) for a quick look. BENCH_SWEEP_PRICE=1 adds a 16-point sweep of a price
// field (PRICE_SWEEP) on 2 workers, dealt with and without share keys (src/sweep/timing-share.ts).
//
// The worker threads load what `strata sweep`'s load: the checkout's esbuild bundle (bin/sweep-worker.mjs runs it
// while it is fresh, and bin/strata.mjs rebuilds it before a sweep starts). The bench builds it first too, untimed;
// without it each thread would load some 200 TypeScript modules through tsx, a start-up no user's sweep pays.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SweepDatabase } from '../src/sweep/database.ts';
import { workerYoungGenerationMb } from '../src/sweep/point-pool.ts';
import { runPointsOnPool } from '../src/sweep/point-pool.ts';
import { runSweep, sweepPoints } from '../src/sweep/run-sweep.ts';
import { workerGcPolicy } from '../src/sweep/worker-gc.ts';
import { checkSweep } from '../src/sweep/sweep-file.ts';
// @ts-expect-error: plain JavaScript beside bin/strata.mjs, without type declarations
import { buildBundle, bundleIsFresh } from '../bin/cli-bundle.mjs';

/** Prompt lengths of the sweep's third axis (4 values: 64 points). */
const prompts = (process.env.BENCH_SWEEP_PROMPTS ?? '1,8,16,32').split(',').map(Number);

/** The benchmark sweep: 4 channel counts x 4 MAC-lane counts x the prompt lengths, gpt2-medium, 16 tokens. */
export const BENCH_SWEEP = checkSweep({
  name: 'bench-pim-gpt', command: 'generate', system: 'pim-gpt', workload: { model: 'gpt2-medium', tokens: 16 },
  axes: [
    { name: 'channels', set: 'pim.organization.channels', values: [4, 8, 16, 32] },
    { name: 'mac_lanes', set: 'pim.unit.macsPerBank', values: [4, 8, 16, 32] },
    { workload: 'prompt', values: prompts },
  ],
  metrics: ['latency', 'energy', 'pimShare'],
}, 'bench/sweep.ts');

/** CPU seconds of each thread of this process so far, by thread id (Linux: /proc/self/task; empty elsewhere). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 100; // USER_HZ, the unit of utime and stime in /proc (100 on Linux)
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(f[11]) + Number(f[12])) / tick);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/**
 * CPU seconds by kind of thread during `f`: the main thread (the sweep's loop and the database), the threads started
 * during it (the pool's workers: the points), and the threads that were there before (V8's platform threads, which
 * run the parallel and concurrent parts of garbage collection and optimizing compilation for every isolate, and
 * libuv's). Threads are sampled every 100 ms, so a worker's last 100 ms before it ends may be missed.
 */
async function byThread<T>(f: () => Promise<T>): Promise<{ result: T; main: number; started: number; helpers: number }> {
  const before = threadCpu();
  let last = new Map(before);
  const sample = () => {
    for (const [tid, cpu] of threadCpu()) last.set(tid, cpu);
  };
  const timer = setInterval(sample, 100);
  try {
    const result = await f();
    sample();
    const main = String(process.pid);
    let started = 0;
    let helpers = 0;
    for (const [tid, cpu] of last) {
      if (tid === main) continue;
      if (before.has(tid)) helpers += cpu - before.get(tid)!;
      else started += cpu;
    }
    return { result, main: (last.get(main) ?? 0) - (before.get(main) ?? 0), started, helpers };
  } finally {
    clearInterval(timer);
    last = new Map();
  }
}

/** The bench's worker module: the sweep worker wrapped to record each thread's CPU (Linux only; elsewhere strata sweep's own). */
const PROBE_WORKER = fileURLToPath(new URL('./sweep-probe-worker.mjs', import.meta.url));
/** The points a thread runs first, whose CPU above the same points' on a warm thread is its warm-up. */
const FIRST_POINTS = 8;

/** One pool thread's record from bench/sweep-probe-worker.mjs. */
export interface WorkerProbe {
  readonly thread: number;
  /** CPU ms the thread spent before its first point (Node's worker bootstrap, loading Strata). */
  readonly startMs: number;
  /** CPU ms of each point it ran, in order. */
  readonly pointMs: readonly number[];
  /** CPU ms of the thread from its start to the end of its last point. */
  readonly threadMs: number;
  /** PIM-GPT generations it simulated and took from its timing cache. */
  readonly timings: { simulated: number; reused: number };
}

/** The per-thread records of one run, read from the probe file. */
export function readProbes(file: string): WorkerProbe[] {
  const by = new Map<number, { startMs: number; pointMs: number[]; threadMs: number; timings: { simulated: number; reused: number } }>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')) {
    const o = JSON.parse(line) as { thread: number; startedMs?: number; pointMs?: number; threadMs?: number; counters?: { pimGptTimings: { simulated: number; reused: number } } | null };
    let w = by.get(o.thread);
    if (!w) by.set(o.thread, (w = { startMs: 0, pointMs: [], threadMs: 0, timings: { simulated: 0, reused: 0 } }));
    if (o.startedMs !== undefined) w.startMs = o.startedMs;
    if (o.pointMs !== undefined) {
      w.pointMs.push(o.pointMs);
      w.threadMs = o.threadMs!;
      if (o.counters) w.timings = o.counters.pimGptTimings;
    }
  }
  return [...by].sort((a, b) => a[0] - b[0]).map(([thread, w]) => ({ thread, ...w }));
}

/** One timed run: wall seconds, CPU seconds of the whole process (main thread and workers; user and system; by kind of thread), points computed. */
async function timed(db: string, workers: number) {
  // Each run's thread records go to a file of their own (the probe needs Linux's per-thread CPU).
  const probe = existsSync('/proc/thread-self/schedstat') ? `${db}.probe.jsonl` : undefined;
  if (probe) {
    writeFileSync(probe, '');
    process.env.STRATA_BENCH_SWEEP_PROBE = probe;
  }
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const { result: s, main, started, helpers } = await byThread(() => runSweep(BENCH_SWEEP, { db, workers, ...(probe ? { workerFile: PROBE_WORKER } : {}) }));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  // The process's peak resident memory so far (the 1-worker run comes first: its value is that run's peak).
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  return { wall, cpu: (c.user + c.system) / 1e6, user: c.user / 1e6, sys: c.system / 1e6, main, started, helpers, peakRssMiB, ran: s.ran, failed: s.failed, probes: probe ? readProbes(probe) : [] };
}

/** Every row of a database as text, ordered by point (to check that 1 and 2 workers stored the same). */
async function dump(file: string): Promise<string> {
  const db = await SweepDatabase.open(file, { readOnly: true });
  try {
    return JSON.stringify((await db.query('SELECT * FROM points ORDER BY point')).rows);
  } finally {
    db.close();
  }
}

type Timed = Awaited<ReturnType<typeof timed>>;

/**
 * A sweep of fields that only price the work (BENCH_SWEEP_PRICE=1): 4 channel counts x 4 MAC energies, gpt2-medium,
 * an 8-token prompt and 16 tokens; 4 designs whose timings the threads' caches can share.
 */
export const PRICE_SWEEP = checkSweep({
  name: 'bench-pim-gpt-price', command: 'generate', system: 'pim-gpt', workload: { model: 'gpt2-medium', prompt: 8, tokens: 16 },
  axes: [
    { name: 'channels', set: 'pim.organization.channels', values: [4, 8, 16, 32] },
    { name: 'mac_pj', set: 'pim.energy.macPj', values: [0.3, 0.4, 0.46, 0.6] },
  ],
  metrics: ['latency', 'energy'],
}, 'bench/sweep.ts');

/**
 * The price sweep's points on 2 threads, dealt with their share keys (src/sweep/point-dealer.ts) or one by one as
 * before them: PIM-GPT timings simulated and reused over both threads, and CPU.
 */
async function priceRun(dir: string, share: boolean) {
  const points = sweepPoints(PRICE_SWEEP);
  const probe = join(dir, `price-${share}.probe.jsonl`);
  writeFileSync(probe, '');
  process.env.STRATA_BENCH_SWEEP_PROBE = probe;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let failed = 0;
  await runPointsOnPool(points.map((p) => ({ command: PRICE_SWEEP.spec.command, argv: p.argv, metrics: PRICE_SWEEP.spec.metrics })),
    { workers: 2, workerFile: PROBE_WORKER, ...(share ? { shareKeys: points.map((p) => p.shareKey) } : {}) }, (_, o) => {
      if (o.status === 'error') failed++;
    });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const probes = readProbes(probe);
  return { points: points.length, designs: new Set(points.map((p) => p.shareKey)).size, failed, wall, cpu: (c.user + c.system) / 1e6, simulated: sum(probes.map((w) => w.timings.simulated)), reused: sum(probes.map((w) => w.timings.reused)) };
}

const sum = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0);

/**
 * One line per pool thread of a run: its points, its start-up CPU, the CPU of its points (its first FIRST_POINTS apart:
 * the warm-up of a fresh isolate), and its timing-cache counters.
 */
function workerLines(r: Timed): string[] {
  return r.probes.map((w) => `${''.padEnd(34)}   thread ${w.thread}: ${w.pointMs.length} points; start-up ${(w.startMs / 1000).toFixed(2)} s CPU, points ${(sum(w.pointMs) / 1000).toFixed(2)} s (first ${FIRST_POINTS} ${(sum(w.pointMs.slice(0, FIRST_POINTS)) / 1000).toFixed(2)} s, the rest ${(sum(w.pointMs.slice(FIRST_POINTS)) / 1000).toFixed(2)} s), thread total ${(w.threadMs / 1000).toFixed(2)} s; PIM-GPT timings simulated ${w.timings.simulated}, reused ${w.timings.reused}`);
}

/**
 * What the CPU times say about wall times on idle cores, on a machine too loaded for wall times to mean much. A run
 * takes at least its critical path (the busiest pool thread's CPU plus the main thread's, which must write the last
 * row) and at least its whole CPU spread over the machine's cores; the larger of the two is the prediction (on the
 * idle 2-core machine at 21:54 it gave 5.95 s for 1 worker's 6.19 s wall and 5.37 s for 2 workers' 5.67 s). 1.7x
 * needs 2 workers' CPU at most cores x the 1-worker time / 1.7.
 */
function boundLines(one: Timed, two: Timed): string[] {
  if (two.probes.length === 0) return [];
  const cores = availableParallelism();
  const critical = (r: Timed) => Math.max(...r.probes.map((w) => w.threadMs)) / 1000 + r.main;
  const predicted = (r: Timed) => Math.max(critical(r), r.cpu / cores);
  const t1 = predicted(one);
  const t2 = predicted(two);
  return [
    `${'  predicted on idle cores'.padEnd(34)} 1 worker max(critical path ${critical(one).toFixed(2)}, CPU ${one.cpu.toFixed(2)} / ${cores} cores) = ${t1.toFixed(2)} s; 2 workers max(${critical(two).toFixed(2)}, ${two.cpu.toFixed(2)} / ${cores}) = ${t2.toFixed(2)} s: ${(t1 / t2).toFixed(2)}x`,
    `${'  1.7x would need'.padEnd(34)} 2 workers' CPU <= ${cores} x ${t1.toFixed(2)} / 1.7 = ${((cores * t1) / 1.7).toFixed(2)} s (1 worker's is ${one.cpu.toFixed(2)} s; 2 workers spent ${two.cpu.toFixed(2)} s)`,
  ];
}

/** Runs the sweep benchmark and prints its lines; true when both targets are met and the rows agree. */
export async function benchSweep(): Promise<boolean> {
  // The workers' bundle, as strata sweep has it (see the top of this file); where it cannot be built they run tsx, and the line says so.
  let workerCode = 'the esbuild bundle (dist/cli/sweep-worker.mjs)';
  if (process.env.STRATA_NO_BUNDLE === '1') workerCode = 'tsx (STRATA_NO_BUNDLE=1)';
  else if (!bundleIsFresh()) {
    try {
      if (!(await buildBundle({ logLevel: 'silent' })).fresh) workerCode = 'tsx (the bundle went stale while it was built)';
    } catch (e) {
      workerCode = `tsx (the bundle could not be built: ${(e as Error).message.split('\n')[0]})`;
    }
  }
  const young = workerYoungGenerationMb();
  console.log(`sweep workers run ${workerCode}, young generation ${young === 0 ? "V8's default" : `${young} MiB`} (STRATA_SWEEP_YOUNG_MB), GC policy ${workerGcPolicy().name} (STRATA_SWEEP_GC)`);
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} before`);
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-sweep-'));
  try {
    const one = await timed(join(dir, 'one.duckdb'), 1);
    const two = await timed(join(dir, 'two.duckdb'), 2);
    const rerun = await timed(join(dir, 'two.duckdb'), 2);
    const same = (await dump(join(dir, 'one.duckdb'))) === (await dump(join(dir, 'two.duckdb')));
    const speedup = one.wall / two.wall;
    const line = (label: string, r: typeof one) => `${label.padEnd(34)} ${r.ran} points in ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU (${r.user.toFixed(2)} user + ${r.sys.toFixed(2)} sys; ${(r.cpu / r.wall).toFixed(2)} cores busy; ${r.ran ? ((r.cpu / r.ran) * 1000).toFixed(0) : '-'} ms CPU per point)${r.failed ? `, ${r.failed} FAILED` : ''}`;
    const threads = (r: typeof one) => `${''.padEnd(34)}   CPU s by thread: main ${r.main.toFixed(2)}, pool workers ${r.started.toFixed(2)}, V8 and libuv helpers ${r.helpers.toFixed(2)} (${((r.helpers / r.cpu) * 100).toFixed(0)} % of the CPU); peak RSS of the process so far ${r.peakRssMiB.toFixed(0)} MiB`;
    console.log(line('PIM-GPT sweep, 1 worker', one));
    if (one.started > 0) console.log(threads(one));
    for (const l of workerLines(one)) console.log(l);
    console.log(line('PIM-GPT sweep, 2 workers', two));
    if (two.started > 0) console.log(threads(two));
    for (const l of workerLines(two)) console.log(l);
    const okSpeed = speedup >= 1.7;
    console.log(`${'  2 workers vs 1'.padEnd(34)} ${speedup.toFixed(2)}x faster in wall time (target >= 1.7x: ${okSpeed ? 'met' : 'NOT met'}); CPU time ${(two.cpu / one.cpu).toFixed(2)}x of 1 worker's; rows ${same ? 'identical' : 'DIFFER'}`);
    for (const l of boundLines(one, two)) console.log(l);
    if (process.env.BENCH_SWEEP_PRICE === '1' && one.probes.length > 0) {
      for (const share of [false, true]) {
        const r = await priceRun(dir, share);
        console.log(`${(share ? '  price sweep, shared per thread' : '  price sweep, dealt one by one').padEnd(34)} ${r.points} points of ${r.designs} designs on 2 workers: PIM-GPT timings simulated ${r.simulated}, reused ${r.reused}; ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU${r.failed ? `, ${r.failed} FAILED` : ''}`);
      }
    }
    const okRerun = rerun.wall < 2 && rerun.ran === 0;
    console.log(`${'  rerun of the finished sweep'.padEnd(34)} ${rerun.ran} points computed in ${rerun.wall.toFixed(2)} s wall, ${rerun.cpu.toFixed(2)} s CPU (target < 2 s: ${okRerun ? 'met' : 'NOT met'})`);
    console.log(`${'  load average after'.padEnd(34)} ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    return okSpeed && okRerun && same && one.failed === 0 && two.failed === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = (await benchSweep()) ? 0 : 1;
}
