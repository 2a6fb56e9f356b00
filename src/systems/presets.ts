import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCH_DIR } from '../spec/package-root.ts';
import { StrataError } from '../spec/errors.ts';
import type { FieldReader } from '../spec/fields.ts';
import { jsonFileNames } from '../spec/json-file.ts';

/**
 * System presets (arch/systems/*.json) share one folder but come in families with their own schemas: GPU/CPU
 * baselines timed by the roofline, PIM-GPT, Duplex-family and NeuPIMs-family systems. Each file says its family in
 * a `family` field, so every loader lists and resolves only its own and names the right one on a mix-up. This
 * module reads files and knows family names only as strings: which families exist, and what they are called in
 * messages, is the registry's (src/systems/registry.ts), which sits above the family loaders that use this module.
 */
export const SYSTEMS_DIR = join(ARCH_DIR, 'systems');

/** The `family` field of a system file, or '' when it has none or cannot be read (its loader reports why). */
export function fileFamily(file: string): string {
  try {
    const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (json && typeof json === 'object' && typeof (json as { family?: unknown }).family === 'string') return (json as { family: string }).family;
  } catch {
    // Unreadable or not JSON: no family.
  }
  return '';
}

let families: Map<string, string> | undefined;

/** Family of every shipped preset, by name (read once per process; presets are data shipped with the code). */
function shippedFamilies(): Map<string, string> {
  if (families) return families;
  families = new Map();
  for (const name of jsonFileNames(SYSTEMS_DIR)) families.set(name, fileFamily(join(SYSTEMS_DIR, `${name}.json`)));
  return families;
}

/** The family of a preset file without a `family` field: GPU/CPU baseline presets predate the field. */
export const DEFAULT_FAMILY = 'baseline';

/**
 * The `family` field of a system given by shipped name or by path, as written; a file without one is of
 * `DEFAULT_FAMILY` (its loader checks the rest). Undefined for a name that is no shipped preset. Whether the
 * family is a registered one is the registry's question (`systemFamily`, src/systems/registry.ts).
 */
export function presetFamily(nameOrPath: string): string | undefined {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  return isPath ? fileFamily(nameOrPath) || DEFAULT_FAMILY : shippedFamilies().get(nameOrPath);
}

/** Names of the shipped presets of `family`, sorted. */
export function systemNames(family: string): string[] {
  return [...shippedFamilies()].filter(([, f]) => f === family).map(([n]) => n);
}

/**
 * The file of a preset given by shipped name or by path (anything with a `/` or ending in `.json`). A shipped name
 * of another family says which family it is; an unknown one lists the known names of `family`
 * (`unknown <noun> '<name>'<context> (known: …)`).
 */
export function systemFile(nameOrPath: string, family: string, noun: string, context = ''): string {
  if (nameOrPath.includes('/') || nameOrPath.endsWith('.json')) {
    if (!existsSync(nameOrPath)) throw new StrataError(`${nameOrPath}: file not found`);
    return nameOrPath;
  }
  const other = shippedFamilies().get(nameOrPath);
  if (other === family) return join(SYSTEMS_DIR, `${nameOrPath}.json`);
  if (other) throw new StrataError(`'${nameOrPath}' (arch/systems/${nameOrPath}.json) is of family '${other}', not '${family}'`);
  throw new StrataError(`unknown ${noun} '${nameOrPath}'${context} (known: ${systemNames(family).join(', ')}; or give a path to a .json file)`);
}

/** Checks a preset's optional `family` field: when present it must be `family`. */
export function checkFamily(r: FieldReader, family: string): void {
  if (r.obj.family !== undefined) r.string('family', [family]);
}

const warnedNames = new Set<string>();

/**
 * Says once per process, on stderr, that a preset name is an old one and what replaces it (docs/formats.md, "Presets
 * and their names"). Old names keep working; the line is the only difference, so outputs stay as they were.
 */
export function warnDeprecatedName(old: string, replacement: string): void {
  if (warnedNames.has(old)) return;
  warnedNames.add(old);
  console.error(`strata: '${old}' is an old preset name: use ${replacement} (docs/formats.md, "Presets and their names")`);
}
