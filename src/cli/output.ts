import { writeFileSync, renameSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { StrataError } from '../spec/errors.ts';

/** One output file: its path and its content (text, or bytes such as a PNG image). */
export interface OutputFile {
  readonly path: string;
  readonly content: string | Uint8Array;
}

/**
 * Writes several output files so that either all of them appear whole or none does: each is written to a
 * temporary name first and renamed into place only after every write succeeded.
 */
export function writeOutputs(files: ReadonlyArray<OutputFile>): void {
  const temps: string[] = [];
  try {
    for (const f of files) {
      mkdirSync(dirname(f.path), { recursive: true });
      const tmp = `${f.path}.tmp-${process.pid}`;
      writeFileSync(tmp, f.content);
      temps.push(tmp);
    }
  } catch (e) {
    for (const t of temps) rmSync(t, { force: true });
    throw new StrataError(`cannot write output: ${(e as Error).message}`);
  }
  files.forEach((f, i) => renameSync(temps[i]!, f.path));
}
