import { readFileSync, statSync } from 'node:fs';
import { StrataError } from './errors.ts';

/**
 * Reads a file the user named (a trace, a spec, a report), turning what the file system says into one clear
 * error that names the file and what was expected: not found, a directory, or unreadable (and why).
 */
export function readInputFile(file: string, what: string): Buffer {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new StrataError(`${file}: file not found (expected ${what})`);
    throw new StrataError(`${file}: cannot read ${what}: ${(e as Error).message}`);
  }
  if (!isFile) throw new StrataError(`${file}: is a directory or special file, expected ${what}`);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new StrataError(`${file}: cannot read ${what}: ${(e as Error).message}`);
  }
}

/** readInputFile as UTF-8 text. */
export function readInputText(file: string, what: string): string {
  return readInputFile(file, what).toString('utf8');
}
