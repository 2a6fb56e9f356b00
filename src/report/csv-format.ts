/**
 * CSV text: RFC 4180 quoting, `\n` line ends, a header row. Imports nothing, so every report module and viz/ can
 * use it without loading anything else.
 */

/** A value of one CSV cell; null is written as an empty cell. */
export type CsvValue = string | number | boolean | null;

/** One CSV file of an export: its name in the output folder and its text. */
export interface CsvFile {
  readonly name: string;
  readonly content: string;
}

/** One cell: quoted when it holds a comma, a double quote, a line break or leading/trailing space; quotes doubled. */
export function csvField(v: CsvValue): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV table: the header row, then one line per row, each line ending in `\n`. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvValue[]>): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`internal invariant broken: CSV row of ${row.length} cells under a header of ${header.length}`);
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}
