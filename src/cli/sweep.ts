import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { SweepDatabase } from '../sweep/database.ts';
import { progressMode } from '../sweep/progress.ts';
import { runSweep, sweepPoints } from '../sweep/run-sweep.ts';
import { loadSweep } from '../sweep/sweep-file.ts';
import { parseFlags, positiveInt } from './args.ts';

export const SWEEP_USAGE = `strata sweep SWEEP.yaml|SWEEP.json [--db FILE] [--workers N] [--limit N] [--retry-failed] [--dry-run] [--quiet]
runs every point of a sweep not yet in its DuckDB file (default out/sweeps/<name>.duckdb) on N worker threads
(default: the machine's cores); --limit N stops after N new points; --retry-failed computes failed points again;
--dry-run lists the points and their keys
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

/** `strata sweep`: runs a sweep file into its database; `sweep query` and `sweep export` read one. */
export async function sweepCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'query') return queryCommand(argv.slice(1));
  if (argv[0] === 'export') return exportCommand(argv.slice(1));
  const { values: v, positionals } = parseFlags('sweep', argv, {
    db: { type: 'string' },
    workers: { type: 'string' },
    limit: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'retry-failed': { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new StrataError(`sweep: expected one sweep file, 'query' or 'export' (usage: ${SWEEP_USAGE.split('\n')[0]})`);
  const sweep = loadSweep(positionals[0]!);
  const workers = positiveInt('workers', v.workers, 1024);
  const limit = positiveInt('limit', v.limit);
  const db = v.db ?? join('out', 'sweeps', `${sweep.spec.name}.duckdb`);
  if (v['dry-run']) {
    const points = sweepPoints(sweep);
    for (const p of points) console.log(`${String(p.index).padStart(5)}  ${p.key.slice(0, 12)}  strata ${p.argv.join(' ')}`);
    console.log(`${points.length} points`);
    return 0;
  }
  const s = await runSweep(sweep, { db, workers, limit, progress: progressMode(v.quiet === true), retryFailed: v['retry-failed'] === true });
  if (!v.quiet) {
    const left = s.total - s.stored - s.ran;
    console.log(`sweep ${sweep.spec.name}: ${s.total} points; ${s.stored} already in ${db}, ${s.ran} run now${s.ran > 0 ? ` on ${s.workers} worker${s.workers === 1 ? '' : 's'} (${s.failed} failed)` : ''} in ${s.seconds.toFixed(1)} s${left > 0 ? `; ${left} left (rerun to compute them)` : ''}`);
    if (s.failed > 0) console.log(`  errors: strata sweep query ${db} "SELECT point, error FROM points WHERE status = 'error'"`);
  }
  return 0;
}
