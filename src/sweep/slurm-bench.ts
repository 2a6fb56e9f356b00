import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sweepColumns } from './run-sweep.ts';
import { collectRun } from './slurm.ts';
import { PLAN_SCHEMA, RUN_SCHEMA, submissionPaths, type RunInfo, type SubmissionPlan, type TaskPoint } from './slurm-layout.ts';
import { loadSweep } from './sweep-file.ts';

/**
 * How long `strata sweep collect` takes for a large run (docs/sweeps.md, "100,000 points"): writes the run
 * directory a SLURM sweep of the shipped PIM-GPT study would leave after `points` points in `tasks` tasks (its real
 * columns; every row a copy of one real row with its own key and point number, since computing 100,000 points is
 * what a cluster is for), then times the first collect (every row new) and a second (nothing new). Run it with
 * `npx tsx src/sweep/slurm-bench.ts [POINTS] [TASKS]`.
 */

/** What the measurement found. */
export interface CollectBench {
  readonly points: number;
  readonly tasks: number;
  readonly shardBytes: number;
  readonly firstS: number;
  readonly againS: number;
  /** The DuckDB file's size after the collect. */
  readonly dbBytes: number;
}

/** Measures collect for `points` points in `tasks` shard files. */
export async function collectBench(points: number, tasks: number): Promise<CollectBench> {
  const sweep = loadSweep('workloads/sweeps/pim-gpt-lanes.yaml');
  const columns = sweepColumns(sweep);
  const dir = mkdtempSync(join(tmpdir(), 'strata-collect-bench-'));
  try {
    const run = join(dir, 'bench.slurm');
    const db = join(dir, 'bench.duckdb');
    mkdirSync(run, { recursive: true });
    const info: RunInfo = { schema: RUN_SCHEMA, sweep: 'bench', db, columns };
    writeFileSync(join(run, 'run.json'), JSON.stringify(info));
    const sub = submissionPaths(join(run, 'submit-001'));
    for (const d of [sub.tasks, sub.shards, sub.logs]) mkdirSync(d, { recursive: true });
    const plan: SubmissionPlan = { schema: PLAN_SCHEMA, sweep: 'bench', command: 'generate', metrics: sweep.spec.metrics, cwd: dir, tasks, points, workers: 1, job: '1' };
    writeFileSync(sub.plan, JSON.stringify(plan));
    // One row as a PIM-GPT point of the study stores it (its values measured by a real run of the sweep).
    const row = { command: 'generate', system: 'pim-gpt', model: 'gpt2-small', status: 'ok', error: null, mac_lanes: 16, channels: 16, latency_ns: 101_345.25, tokens_per_s: 9867.28, joules_per_token: 0.00123456, pim_share: 0.87654 };
    let shardBytes = 0;
    for (let t = 0; t < tasks; t++) {
      const rows: string[] = [];
      const taskPoints: TaskPoint[] = [];
      for (let i = t; i < points; i += tasks) {
        const key = createHash('sha256').update(String(i)).digest('hex');
        rows.push(JSON.stringify({ point: i, key, ...row }));
        taskPoints.push({ key, argv: [], row: { point: i, key } });
      }
      writeFileSync(sub.task(t), JSON.stringify(taskPoints));
      writeFileSync(sub.shard(t), `${rows.join('\n')}\n`);
      shardBytes += statSync(sub.shard(t)).size;
    }
    let start = performance.now();
    const first = await collectRun(run, undefined);
    const firstS = (performance.now() - start) / 1000;
    if (first.added !== points) throw new Error(`collect added ${first.added} rows of ${points}`);
    start = performance.now();
    const again = await collectRun(run, undefined);
    const againS = (performance.now() - start) / 1000;
    if (again.added !== 0) throw new Error(`a second collect added ${again.added} rows`);
    return { points, tasks, shardBytes, firstS, againS, dbBytes: statSync(db).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const points = Number(process.argv[2] ?? 100_000);
  const tasks = Number(process.argv[3] ?? 1000);
  const r = await collectBench(points, tasks);
  console.log(`collect of ${r.points} points in ${r.tasks} shards (${(r.shardBytes / 2 ** 20).toFixed(1)} MiB, ${Math.round(r.shardBytes / r.points)} bytes per row): ${r.firstS.toFixed(1)} s (${Math.round(r.points / r.firstS)} rows/s); again: ${r.againS.toFixed(1)} s, 0 new; database ${(r.dbBytes / 2 ** 20).toFixed(1)} MiB`);
}
