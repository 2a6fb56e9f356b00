import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateReport } from '../../src/report/schema.ts';
import type { StrataReport } from '../../src/report/schema.ts';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** A saved report or figure-data file, validated against the schema; `file` is relative to the repository. */
export function fixtureReport(file: string): StrataReport {
  return validateReport(JSON.parse(readFileSync(join(ROOT, file), 'utf8')), file);
}
