import { readFileSync } from 'node:fs';
import { StrataError } from '../spec/errors.ts';
import { jsonSyntaxReason } from '../spec/json-file.ts';
import { DRAM_REPORT_SCHEMA, type DramReport } from './dram-report.ts';
import { validateReport, type StrataReport } from './schema.ts';

/**
 * Checks that parsed JSON is a DRAM report (`strata.dram-report/1`) that follows the report schema
 * (`schemas/strata-report.schema.json`), and returns it typed. Errors name the file and the field.
 */
export function checkDramReport(file: string, value: unknown): DramReport {
  const report = validateReport(value, file);
  if (report.schema !== DRAM_REPORT_SCHEMA) {
    throw new StrataError(`${file}: field 'schema' is '${report.schema}': this command renders DRAM reports ('${DRAM_REPORT_SCHEMA}')`);
  }
  return report;
}

/** Reads a saved report file of any kind and validates it against the report schema (see `validateReport`). */
export function readReport(file: string): StrataReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new StrataError(`cannot read report '${file}': ${why}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StrataError(`${file}: not valid JSON (${jsonSyntaxReason(e)})`);
  }
  return validateReport(value, file);
}

/** Reads a saved DRAM report file and checks it (see `checkDramReport`). */
export function readDramReport(file: string): DramReport {
  return checkDramReport(file, readReport(file));
}
