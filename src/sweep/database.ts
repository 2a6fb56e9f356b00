import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { StrataError } from '../spec/errors.ts';

/**
 * The results database of a sweep (issue #16 item 4): a DuckDB file with one table, `points`, one row per point:
 * `point` (its number in the sweep), `key` (the sha256 of its resolved input, the primary key, so a point is never
 * stored twice), `status` ('ok' or 'error'), `error`, `command`, `system`, `model`, one typed column per axis and
 * one DOUBLE per metric column. Only the sweep's main thread writes, one row per finished point, so a killed run
 * keeps every point it finished. DuckDB locks the file for one writing process: a second sweep on the same file is
 * refused (naming the process that holds it) until the first ends, so concurrent sweeps never lose or double a row.
 */

/** The table every sweep database holds. */
export const POINTS_TABLE = 'points';

/** A column of the table and its DuckDB type. */
export interface Column {
  readonly name: string;
  readonly type: 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN' | 'INTEGER';
}

/** One row to store, by column name. */
export type Row = Readonly<Record<string, string | number | boolean | null>>;

/** The DuckDB type of an axis from its values: BIGINT for integers, DOUBLE, VARCHAR or BOOLEAN. */
export function columnType(values: readonly unknown[]): Column['type'] {
  if (values.every((v) => typeof v === 'boolean')) return 'BOOLEAN';
  if (values.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'BIGINT';
  if (values.every((v) => typeof v === 'number')) return 'DOUBLE';
  return 'VARCHAR';
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** An open sweep database. */
export class SweepDatabase {
  private constructor(private readonly instance: DuckDBInstance, private readonly conn: DuckDBConnection, readonly file: string) {}

  /** Opens (creating) a database file; a file DuckDB cannot open is one line naming it. */
  static async open(file: string, options: { readOnly?: boolean } = {}): Promise<SweepDatabase> {
    if (!options.readOnly) mkdirSync(dirname(file), { recursive: true });
    try {
      const instance = await DuckDBInstance.create(file, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
      return new SweepDatabase(instance, await instance.connect(), file);
    } catch (e) {
      const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      // DuckDB lets one process write a file: a second sweep on it is refused whole, so no row is lost or doubled.
      const holder = /Conflicting lock is held in .*\(PID (\d+)\)/.exec(message);
      if (holder) throw new StrataError(`${file}: open in another process (PID ${holder[1]}, another strata sweep?); wait for it to finish, or give another --db`);
      throw new StrataError(`${file}: cannot open as a DuckDB database (${message})`);
    }
  }

  /**
   * Creates the points table with these columns, or checks that an existing one has exactly them (a sweep whose
   * axes or metrics changed needs another database: mixing rows of two designs in one table would mislead).
   */
  async ensureTable(columns: readonly Column[]): Promise<void> {
    const existing = await this.columns();
    const want = columns.map((c) => `${c.name} ${c.type}`).join(', ');
    if (existing.length === 0) {
      const defs = columns.map((c) => `${quote(c.name)} ${c.type}${c.name === 'key' ? ' PRIMARY KEY' : ''}`).join(', ');
      await this.conn.run(`CREATE TABLE ${POINTS_TABLE} (${defs})`);
      return;
    }
    const have = existing.map((c) => `${c.name} ${c.type}`).join(', ');
    if (have !== want) throw new StrataError(`${this.file}: its points table has columns (${have}); this sweep writes (${want}): give another --db`);
  }

  /** The columns of the points table (none when there is no table yet). */
  async columns(): Promise<Column[]> {
    const r = await this.conn.runAndReadAll(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${POINTS_TABLE}' ORDER BY ordinal_position`);
    return r.getRows().map((row) => ({ name: String(row[0]), type: String(row[1]) as Column['type'] }));
  }

  /** The keys already stored. */
  async keys(): Promise<Set<string>> {
    const r = await this.conn.runAndReadAll(`SELECT key FROM ${POINTS_TABLE}`);
    return new Set(r.getRows().map((row) => String(row[0])));
  }

  /** Removes the rows of failed points (so a rerun computes them again); returns how many. */
  async deleteErrors(): Promise<number> {
    const r = await this.conn.runAndReadAll(`DELETE FROM ${POINTS_TABLE} WHERE status = 'error' RETURNING key`);
    return r.getRows().length;
  }

  /**
   * Removes the rows whose key is none of `keys` (rows of an earlier version of the sweep: computed by another version
   * of Strata, from specs edited since, or for points the sweep file no longer has); returns how many.
   */
  async deleteKeysOtherThan(keys: ReadonlySet<string>): Promise<number> {
    const stale = [...(await this.keys())].filter((k) => !keys.has(k));
    // Keys are sha256 hex digests (src/sweep/point.ts); anything else is not this program's row, and left alone.
    const hex = stale.filter((k) => /^[0-9a-f]{64}$/.test(k));
    for (let i = 0; i < hex.length; i += 1000) {
      await this.conn.run(`DELETE FROM ${POINTS_TABLE} WHERE key IN (${hex.slice(i, i + 1000).map((k) => `'${k}'`).join(', ')})`);
    }
    return hex.length;
  }

  /** Stores one row; a key already there is kept as it is (a point is stored once). */
  async insert(columns: readonly Column[], row: Row): Promise<void> {
    const names = columns.map((c) => quote(c.name)).join(', ');
    const marks = columns.map((_, i) => `$${i + 1}`).join(', ');
    const values: DuckDBValue[] = columns.map((c) => {
      const v = row[c.name];
      if (v === undefined || v === null) return null;
      return c.type === 'BIGINT' ? BigInt(v as number) : v;
    });
    await this.conn.run(`INSERT OR IGNORE INTO ${POINTS_TABLE} (${names}) VALUES (${marks})`, values);
  }

  /** Runs SQL and returns the column names and rows as strings (NULL as null). */
  async query(sql: string): Promise<{ columns: string[]; rows: Array<Array<string | null>> }> {
    try {
      const r = await this.conn.runAndReadAll(sql);
      return { columns: r.columnNames(), rows: r.getRowsJson().map((row) => row.map((v) => (v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v)))) };
    } catch (e) {
      throw new StrataError(`sweep query: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }

  /** Writes the points table (ordered by point) to a Parquet or CSV file. */
  async export(file: string, format: 'parquet' | 'csv'): Promise<void> {
    mkdirSync(dirname(file), { recursive: true });
    const opts = format === 'parquet' ? '(FORMAT parquet)' : '(FORMAT csv, HEADER true)';
    await this.conn.run(`COPY (SELECT * FROM ${POINTS_TABLE} ORDER BY point) TO '${file.replace(/'/g, "''")}' ${opts}`);
  }

  /** Closes the connection and the file. */
  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
