import { writeFileSync, renameSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StrataError } from '../spec/errors.ts';

/** One output file: its path and its content (text, or bytes such as a PNG image). */
export interface OutputFile {
  readonly path: string;
  readonly content: string | Uint8Array;
}

/**
 * Writes several output files so that either all of them appear whole or none does. Every target is checked
 * first (two outputs may not share a path, and none may be a directory); then each file is written to a
 * temporary name beside its target and renamed into place only after every write succeeded. A failure before the
 * renames removes the temporary files and leaves every target as it was.
 */
export function writeOutputs(files: ReadonlyArray<OutputFile>): void {
  const seen = new Map<string, string>();
  for (const f of files) {
    const abs = resolve(f.path);
    const other = seen.get(abs);
    if (other !== undefined) throw new StrataError(`cannot write output: '${f.path}' is named for two outputs (also as '${other}'); give each output its own file`);
    seen.set(abs, f.path);
    if (isDirectory(f.path)) throw new StrataError(`cannot write output: '${f.path}' is a directory, expected a file path`);
  }
  const temps: string[] = [];
  try {
    for (const f of files) {
      mkdirSync(dirname(f.path), { recursive: true });
      const tmp = `${f.path}.tmp-${process.pid}`;
      temps.push(tmp);
      writeFileSync(tmp, f.content);
    }
  } catch (e) {
    for (const t of temps) rmSync(t, { force: true });
    throw new StrataError(`cannot write output: ${(e as Error).message}`);
  }
  // Renaming a file over a file in the same folder does not fail once the checks above passed, short of the
  // file system changing under us; if it does, the rest are not renamed and their temporary files go.
  for (let i = 0; i < files.length; i++) {
    try {
      renameSync(temps[i]!, files[i]!.path);
    } catch (e) {
      for (const t of temps.slice(i)) rmSync(t, { force: true });
      const done = files.slice(0, i).map((f) => f.path);
      throw new StrataError(`cannot write output '${files[i]!.path}': ${(e as Error).message}${done.length ? ` (already written: ${done.join(', ')})` : ''}`);
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
