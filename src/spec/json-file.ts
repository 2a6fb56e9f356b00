import { existsSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { StrataError } from './errors.ts';
import { readInputText } from './input-file.ts';

/** Parses JSON text, naming `file` in the error when it is not valid JSON. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new StrataError(`${file}: not valid JSON (${jsonSyntaxReason(e)})`);
  }
}

/** The parser's complaint on one line (its quoted snippet of the text may hold the file's line breaks). */
export function jsonSyntaxReason(e: unknown): string {
  return (e as Error).message.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** Reads and parses a JSON file. */
export function readJsonFile(file: string): unknown {
  return parseJsonText(readInputText(file, 'a JSON file'), file);
}

/** Names (without .json) of the JSON files in `dir` whose file name matches `pattern`, sorted; [] if there is no such folder. */
export function jsonFileNames(dir: string, pattern = /\.json$/): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json') && pattern.test(f)).map((f) => basename(f, '.json')).sort();
}
