// Sweep speed (issue #16, Speed): a 64-point PIM-GPT sweep (gpt2-medium, 16 generated tokens; channels x MAC lanes
// x prompt length, 4 x 4 x 4) on 1 worker, then on 2 workers into a fresh database, then a rerun of the finished
// sweep (nothing left to compute). Targets: 2 workers at least 1.7x faster than 1; the rerun under 2 s. Wall time
// and CPU time (every thread of the process, workers included) are printed side by side: on a shared machine the
// wall-time ratio says as much about the other load as about the sweep, and the CPU time says what the sweep did.
//
// `npm run bench -- sweep` runs it from bench/run.ts; `npx tsx bench/sweep.ts` alone. BENCH_SWEEP_PROMPTS=1,4
// shrinks the sweep (4 x 4 x 2 = 32 points) for a quick look.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SweepDatabase } from '../src/sweep/database.ts';
import { runSweep } from '../src/sweep/run-sweep.ts';
import { checkSweep } from '../src/sweep/sweep-file.ts';

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

/** One timed run: wall seconds, CPU seconds of the whole process (main thread and workers), points computed. */
async function timed(db: string, workers: number): Promise<{ wall: number; cpu: number; ran: number; failed: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const s = await runSweep(BENCH_SWEEP, { db, workers });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6, ran: s.ran, failed: s.failed };
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

/** Runs the sweep benchmark and prints its lines; true when both targets are met and the rows agree. */
export async function benchSweep(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-sweep-'));
  try {
    const one = await timed(join(dir, 'one.duckdb'), 1);
    const two = await timed(join(dir, 'two.duckdb'), 2);
    const rerun = await timed(join(dir, 'two.duckdb'), 2);
    const same = (await dump(join(dir, 'one.duckdb'))) === (await dump(join(dir, 'two.duckdb')));
    const speedup = one.wall / two.wall;
    const line = (label: string, r: typeof one) => `${label.padEnd(34)} ${r.ran} points in ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU (${(r.cpu / r.wall).toFixed(2)} cores busy)${r.failed ? `, ${r.failed} FAILED` : ''}`;
    console.log(line('PIM-GPT sweep, 1 worker', one));
    console.log(line('PIM-GPT sweep, 2 workers', two));
    const okSpeed = speedup >= 1.7;
    console.log(`${'  2 workers vs 1'.padEnd(34)} ${speedup.toFixed(2)}x faster in wall time (target >= 1.7x: ${okSpeed ? 'met' : 'NOT met'}); CPU time ${(two.cpu / one.cpu).toFixed(2)}x of 1 worker's; rows ${same ? 'identical' : 'DIFFER'}`);
    const okRerun = rerun.wall < 2 && rerun.ran === 0;
    console.log(`${'  rerun of the finished sweep'.padEnd(34)} ${rerun.ran} points computed in ${rerun.wall.toFixed(2)} s wall, ${rerun.cpu.toFixed(2)} s CPU (target < 2 s: ${okRerun ? 'met' : 'NOT met'})`);
    return okSpeed && okRerun && same && one.failed === 0 && two.failed === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = (await benchSweep()) ? 0 : 1;
}
