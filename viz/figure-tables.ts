/**
 * Reading the tables of a figure-data file (`strata.figure-data/1`) in charts: a table by name, a column by name,
 * values as numbers or strings. A chart that needs a table or column the file lacks says which.
 */
import { FigureDataError, type FigureData, type FigureTable, type FigureValue } from '../src/report/figure-data.ts';

/** The table named `name` (the chart cannot be drawn without it: say which file lacks what). */
export function table(d: FigureData, name: string): FigureTable {
  const t = d.tables.find((x) => x.name === name);
  if (!t) throw new FigureDataError(`figure data '${d.figure}' has no table '${name}' (tables: ${d.tables.map((x) => x.name).join(', ')})`);
  return t;
}

/** A column of a table as values. */
export function column(t: FigureTable, name: string): FigureValue[] {
  const i = t.columns.findIndex((c) => c.name === name);
  if (i < 0) throw new FigureDataError(`figure table '${t.name}' has no column '${name}' (columns: ${t.columns.map((c) => c.name).join(', ')})`);
  return t.rows.map((r) => r[i] ?? null);
}

/** The rows of a table as records keyed by column name, checking that `names` are columns. */
export function records(t: FigureTable, names: readonly string[]): Array<Record<string, FigureValue>> {
  for (const n of names) column(t, n);
  return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c.name, row[i] ?? null])));
}

/** A value as a number (0 for anything else). */
export const num = (v: FigureValue | undefined): number => (typeof v === 'number' ? v : 0);
/** A value as a number, or null when it is not one (an empty cell: out of memory, not run). */
export const numOrNull = (v: FigureValue | undefined): number | null => (typeof v === 'number' ? v : null);
/** A value (or a parameter's list of values, joined with commas) as a string ('' for null). */
export const str = (v: FigureValue | readonly FigureValue[] | undefined): string => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v));

/** The distinct values of a list, in order of first appearance. */
export function distinct<T>(xs: readonly T[]): T[] {
  const out: T[] = [];
  for (const x of xs) if (!out.includes(x)) out.push(x);
  return out;
}
