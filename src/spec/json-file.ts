import { existsSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { StrataError } from './errors.ts';
import { readInputText } from './input-file.ts';
import { applyOverrides, extractAssumptions, noteAssumptions, recordAssumptions, type Assumption } from './provenance.ts';

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

/**
 * Reads and parses a JSON spec file. A top-level `$schema` (the file's JSON Schema, for editors) is removed; its
 * `assumptions` blocks are checked, recorded and removed
 * (src/spec/provenance.ts), and the overrides in effect for the file are applied, before a loader sees it.
 */
export function readJsonFile(file: string): unknown {
  const json = parseJsonText(readInputText(file, 'a JSON file'), file);
  // A top-level `$schema` names the JSON Schema editors validate and complete the file with (schemas/); it is not
  // part of the spec, so loaders never see it.
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && typeof (json as { $schema?: unknown }).$schema === 'string') {
    delete (json as { $schema?: unknown }).$schema;
  }
  noteAssumptions(extractAssumptions(json, file));
  return applyOverrides(json, file);
}

/** Names (without .json) of the JSON files in `dir` whose file name matches `pattern`, sorted; [] if there is no such folder. */
export function jsonFileNames(dir: string, pattern = /\.json$/): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json') && pattern.test(f)).map((f) => basename(f, '.json')).sort();
}

/** Reads a JSON spec file as `readJsonFile` does, with the assumptions the file itself declares. */
export function readSpecFile(file: string): { json: unknown; assumptions: Assumption[] } {
  const { result, assumptions } = recordAssumptions(() => readJsonFile(file));
  return { json: result, assumptions: assumptions.filter((a) => a.file === file) };
}
