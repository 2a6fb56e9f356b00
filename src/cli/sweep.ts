import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError, withContext } from '../spec/errors.ts';
import { SweepDatabase } from '../sweep/database.ts';
import { progressMode } from '../sweep/progress.ts';
import { runSweep, sweepPoints } from '../sweep/run-sweep.ts';
import { collectRun, findOnPath, submitSweep, waitForJob } from '../sweep/slurm.ts';
import { runDirOf } from '../sweep/slurm-layout.ts';
import { runShard } from '../sweep/slurm-shard.ts';
import { loadSweep } from '../sweep/sweep-file.ts';
import { parseFlags, positiveInt, wholeNumber } from './args.ts';

export const SWEEP_USAGE = `strata sweep SWEEP.yaml|SWEEP.json [--db FILE] [--workers N] [--limit N] [--point-timeout S] [--retry-failed] [--check] [--dry-run] [--quiet]
runs every point of a sweep not yet in its DuckDB file (default out/sweeps/<name>.duckdb) on N worker threads
(default: the machine's cores); --limit N stops after N new points; --point-timeout S stops a point after S seconds
and stores it as an error (the sweep goes on; default: the file's timeLimit); --retry-failed computes failed points again;
--dry-run lists the points and their keys; --check runs each point computed now with --check (its DRAM/PIM commands
replayed through the protocol checker): a broken rule, or a system that issues no commands, is that point's error,
and the sweep exits 1 if any point failed (points already in the database are not run again: a fresh --db checks all)
strata sweep SWEEP.yaml --executor slurm [--partition P] [--array-size N] [--workers N] [--sbatch-options "OPTS"] [--point-timeout S] [--wait] [--db FILE] [--limit N] [--retry-failed] [--check] [--quiet]
collects the shards already computed, then submits the points not yet in the database as one SLURM job array
(sbatch; N tasks, default one per point up to 1000, each on --workers threads, default 1) and prints the job id
(only the id with --quiet); the plan, script, shards and logs go to the run directory next to the database
(<db>.slurm/submit-NNN/); --sbatch-options adds #SBATCH lines (e.g. "--time=01:00:00 --mem=2G --account=A");
--point-timeout S (or the file's timeLimit) also sets each task's --time (its points, --workers at a time, S each, + 2 min; unless the
--sbatch-options set one); --wait waits for the job (squeue every 5 s) and collects (exit code 1 when a task left no shard)
strata sweep collect SWEEP.yaml|RUNDIR [--db FILE]
merges the shard files of the run directory into the database: each point once (collecting again adds nothing);
a rerun of --executor slurm after failed or killed tasks submits only the points still missing
strata sweep shard SUBMITDIR --task I [--workers N]
what array task I of a submission runs (the job script calls it): its points into SUBMITDIR/shards/I.jsonl
strata sweep query DB "SQL"
runs SQL on a sweep database (its table is points) and prints a table
strata sweep export DB --parquet|--csv [--out FILE]
writes the points table, ordered by point, as Parquet or CSV (default: DB with the extension swapped)`;

/** A table of strings, columns padded, numbers right-aligned. */
export function formatTable(columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | null>>): string {
  const cells = rows.map((r) => r.map((v) => (v === null ? 'NULL' : v)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map((_, i) => cells.length > 0 && cells.every((r) => r[i] === 'NULL' || /^-?[0-9.e+-]+$/i.test(r[i]!)));
  const line = (r: readonly string[]) => r.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

async function queryCommand(argv: string[]): Promise<number> {
  const { positionals } = parseFlags('sweep query', argv, {});
  if (positionals.length !== 2) throw new StrataError(`sweep query: expected DB and one SQL string (usage: strata sweep query DB "SELECT ... FROM points")`);
  const [file, sql] = positionals as [string, string];
  if (!existsSync(file)) throw new StrataError(`sweep query: ${file}: no such database file`);
  const db = await SweepDatabase.open(file, { readOnly: true });
  try {
    const r = await db.query(sql);
    console.log(formatTable(r.columns, r.rows));
    return 0;
  } finally {
    db.close();
  }
}

async function exportCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseFlags('sweep export', argv, { parquet: { type: 'boolean' }, csv: { type: 'boolean' }, out: { type: 'string' } });
  if (positionals.length !== 1) throw new StrataError('sweep export: expected one DB file (usage: strata sweep export DB --parquet|--csv [--out FILE])');
  if (v.parquet === v.csv) throw new StrataError('sweep export: expected exactly one of --parquet or --csv');
  const file = positionals[0]!;
  if (!existsSync(file)) throw new StrataError(`sweep export: ${file}: no such database file`);
  const format = v.parquet ? 'parquet' : 'csv';
  const out = v.out ?? `${file.replace(/\.duckdb$/, '')}.${format}`;
  const db = await SweepDatabase.open(file, { readOnly: true });
  try {
    if ((await db.columns()).length === 0) throw new StrataError(`sweep export: ${file} holds no points table (not a sweep database)`);
    await db.export(out, format);
  } finally {
    db.close();
  }
  console.log(`wrote ${out}`);
  return 0;
}

/** The default database of a sweep. */
const defaultDb = (name: string) => join('out', 'sweeps', `${name}.duckdb`);

/** The pending tasks of a run as lines (what a collect could not find yet). */
function pendingLines(pending: Awaited<ReturnType<typeof collectRun>>['pending']): string[] {
  return pending.map((p) => `  ${p.dir}: ${p.missing} of ${p.tasks} task${p.tasks === 1 ? '' : 's'} have no shard yet (job ${p.job ?? '?'}: still queued or running, or failed: see ${join(p.dir, 'logs')})`);
}

/** `strata sweep collect SWEEP.yaml|RUNDIR [--db FILE]`. */
async function collectCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseFlags('sweep collect', argv, { db: { type: 'string' }, quiet: { type: 'boolean' } });
  if (positionals.length !== 1) throw new StrataError('sweep collect: expected one sweep file or run directory (usage: strata sweep collect SWEEP.yaml|RUNDIR [--db FILE])');
  const target = positionals[0]!;
  let runDir: string;
  let db = v.db;
  if (existsSync(target) && statSync(target).isDirectory()) runDir = target;
  else {
    const sweep = loadSweep(target);
    db ??= defaultDb(sweep.spec.name);
    runDir = runDirOf(db);
    if (!existsSync(runDir)) throw new StrataError(`sweep collect: ${runDir}: no such run directory (submit first: strata sweep ${target} --executor slurm${v.db ? ` --db ${v.db}` : ''})`);
  }
  const s = await collectRun(runDir, db);
  if (!v.quiet) {
    console.log(`collected ${s.shards} shard${s.shards === 1 ? '' : 's'} of ${runDir}: ${s.rows} rows, ${s.added} new in ${s.db} (${s.stored} points stored)`);
    for (const l of pendingLines(s.pending)) console.log(l);
  }
  return 0;
}

/** `strata sweep shard SUBMITDIR --task I [--workers N]`: what each array task of a SLURM sweep runs. */
async function shardCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseFlags('sweep shard', argv, { task: { type: 'string' }, workers: { type: 'string' } });
  if (positionals.length !== 1 || v.task === undefined) throw new StrataError('sweep shard: expected a submission directory and --task I (usage: strata sweep shard SUBMITDIR --task I [--workers N]; the job script of --executor slurm runs it)');
  const task = withContext(() => wholeNumber('task', v.task!, 'a task number (0, 1, ...)'), (m) => `sweep shard: ${m}`);
  const s = await runShard(positionals[0]!, task, positiveInt('workers', v.workers, 1024) ?? 1);
  // What sizing a cluster job needs: seconds per point, peak memory, bytes per row (docs/sweeps.md).
  console.log(`task ${task}: ${s.points} points (${s.failed} failed) in ${s.seconds.toFixed(1)} s (${s.points > 0 ? (s.points / s.seconds).toFixed(2) : '0'} points/s; ${s.cpuSeconds.toFixed(1)} CPU s), peak RSS ${(s.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ${s.bytes} bytes (${s.points > 0 ? Math.round(s.bytes / s.points) : 0} per row) -> ${s.file}`);
  return 0;
}

/** The flags only the SLURM executor takes. */
const SLURM_FLAGS = ['partition', 'array-size', 'sbatch-options', 'wait'] as const;

/** `strata sweep`: runs a sweep file into its database (here or on SLURM); `query`, `export`, `collect` and `shard` as named. */
export async function sweepCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'query') return queryCommand(argv.slice(1));
  if (argv[0] === 'export') return exportCommand(argv.slice(1));
  if (argv[0] === 'collect') return collectCommand(argv.slice(1));
  if (argv[0] === 'shard') return shardCommand(argv.slice(1));
  // The value of --sbatch-options is itself flags (`--sbatch-options "--time=01:00:00 --mem=2G"`), which parseFlags
  // would take for a missing value: it is joined to its flag first.
  const at = argv.indexOf('--sbatch-options');
  const args = at >= 0 && at + 1 < argv.length ? [...argv.slice(0, at), `--sbatch-options=${argv[at + 1]}`, ...argv.slice(at + 2)] : argv;
  const { values: v, positionals } = parseFlags('sweep', args, {
    db: { type: 'string' },
    workers: { type: 'string' },
    limit: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'retry-failed': { type: 'boolean' },
    quiet: { type: 'boolean' },
    executor: { type: 'string' },
    partition: { type: 'string' },
    'array-size': { type: 'string' },
    'sbatch-options': { type: 'string' },
    wait: { type: 'boolean' },
    'point-timeout': { type: 'string' },
    check: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new StrataError(`sweep: expected one sweep file, 'query', 'export' or 'collect' (usage: ${SWEEP_USAGE.split('\n')[0]})`);
  const executor = v.executor ?? 'local';
  if (executor !== 'local' && executor !== 'slurm') throw new StrataError(`sweep: --executor: expected local or slurm, got '${executor}'`);
  if (executor === 'local') {
    const given = SLURM_FLAGS.find((f) => v[f] !== undefined);
    if (given) throw new StrataError(`sweep: --${given} applies to --executor slurm only`);
  } else if (!v['dry-run'] && !findOnPath('sbatch')) {
    throw new StrataError('sweep: --executor slurm: sbatch is not on PATH (run this on a SLURM login node, or drop --executor to run the sweep here)');
  }
  const sweep = loadSweep(positionals[0]!);
  const workers = positiveInt('workers', v.workers, 1024);
  const limit = positiveInt('limit', v.limit);
  const pointTimeoutS = positiveInt('point-timeout', v['point-timeout'], 7 * 24 * 3600);
  const db = v.db ?? defaultDb(sweep.spec.name);
  if (executor === 'slurm' && !v['dry-run']) {
    const s = await submitSweep(sweep, {
      db, workers, limit, retryFailed: v['retry-failed'] === true, partition: v.partition,
      arraySize: positiveInt('array-size', v['array-size'], 1_000_000), pointTimeoutS, check: v.check === true,
      sbatchOptions: v['sbatch-options']?.trim().split(/\s+/),
    });
    const head = `sweep ${sweep.spec.name}: ${s.total} points; ${s.stored} already in ${db}${s.collected > 0 ? ` (${s.collected} collected now from shards)` : ''}`;
    if (v.quiet) {
      if (s.job) console.log(s.job);
    } else if (!s.job) {
      console.log(`${head}; nothing to submit`);
    } else {
      console.log(`${head}; ${s.submitted} submitted as job ${s.job}: ${s.tasks} array task${s.tasks === 1 ? '' : 's'}${v.partition ? ` on partition ${v.partition}` : ''}`);
      console.log(`  ${s.dir} (job.sbatch, tasks/, shards/, logs/)`);
      if (!v.wait) console.log(`  when it has run: strata sweep collect ${positionals[0]}${v.db ? ` --db ${v.db}` : ''}`);
    }
    if (!v.wait || !s.job) return 0;
    // --wait: until the job leaves the queue, then collect; a task that left no shard is exit code 1 (points missing).
    await waitForJob(s.job);
    const c = await collectRun(runDirOf(db), db);
    if (!v.quiet) {
      console.log(`job ${s.job} ended; collected ${c.shards} shard${c.shards === 1 ? '' : 's'} of ${runDirOf(db)}: ${c.rows} rows, ${c.added} new in ${db} (${c.stored} points stored)`);
      for (const l of pendingLines(c.pending)) console.log(l);
    }
    return c.pending.length > 0 ? 1 : 0;
  }
  if (v['dry-run']) {
    const points = sweepPoints(sweep);
    for (const p of points) console.log(`${String(p.index).padStart(5)}  ${p.key.slice(0, 12)}  strata ${p.argv.join(' ')}`);
    console.log(`${points.length} points`);
    return 0;
  }
  const s = await runSweep(sweep, { db, workers, limit, progress: progressMode(v.quiet === true), retryFailed: v['retry-failed'] === true, pointTimeoutS, check: v.check === true });
  if (!v.quiet) {
    const left = s.total - s.stored - s.ran;
    if (s.removed > 0) console.log(`sweep ${sweep.spec.name}: removed ${s.removed} row${s.removed === 1 ? '' : 's'} of ${db} computed by another version of Strata or of the specs (their keys are none of this sweep's)`);
    console.log(`sweep ${sweep.spec.name}: ${s.total} points; ${s.stored} already in ${db}, ${s.ran} run now${s.ran > 0 ? ` on ${s.workers} worker${s.workers === 1 ? '' : 's'} (${s.failed} failed)` : ''} in ${s.seconds.toFixed(1)} s${left > 0 ? `; ${left} left (rerun to compute them)` : ''}`);
    if (s.failed > 0) console.log(`  errors: strata sweep query ${db} "SELECT point, error FROM points WHERE status = 'error'"`);
  }
  if (v.check) {
    // --check fails the command as each checked command does (exit 1), naming how many points failed; the errors are in the database.
    if (s.failed > 0) {
      console.error(`strata: sweep --check: ${s.failed} of the ${s.ran} points run now failed (a broken protocol rule, or a system that issues no DRAM/PIM commands); see their errors in ${db}`);
      return 1;
    }
    if (!v.quiet) console.error(`check: ${s.ran} point${s.ran === 1 ? '' : 's'} run now, every DRAM/PIM command of each replayed through the protocol checker, no rule broken`);
  }
  return 0;
}
