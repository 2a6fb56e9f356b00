import { readFileSync } from 'node:fs';
import { StrataError } from './errors.ts';

/** Parses JSON text, naming `file` in the error when it is not valid JSON. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new StrataError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Reads and parses a JSON file (the caller checked that it exists). */
export function readJsonFile(file: string): unknown {
  return parseJsonText(readFileSync(file, 'utf8'), file);
}
