import { resolve } from 'node:path';
import { produce } from 'immer';
import { StrataError } from './errors.ts';

/**
 * Provenance of the numbers in spec files. A section of a spec (any JSON object) cites where its numbers come from
 * in `source`; a number that no primary source gives is declared in the section's `assumptions` block instead:
 *
 * ```json
 * "overhead": { "source": "...", "launchNs": 5000,
 *               "assumptions": { "launchNs": { "low": 2000, "high": 8000, "why": "..." } } }
 * ```
 *
 * Keys of `assumptions` are field names or dotted paths relative to the section (`peakFlopsPerS.fp16`). The value
 * stays in its field. Files are read through `readJsonFile` (src/spec/json-file.ts), which calls
 * `extractAssumptions`: the blocks are checked and removed before any loader sees the object, and recorded, so a
 * sensitivity study can list every assumption a comparison read (`recordAssumptions`) and vary each over its range
 * (`withOverrides`).
 */

/** One declared assumption of a spec file. */
export interface Assumption {
  /** The file as given to the reader. */
  readonly file: string;
  /** Dotted path of the number from the file's root (`efficiency.memory`, `compute.peakFlopsPerS.fp16`). */
  readonly path: string;
  /** The value the file ships. */
  readonly value: number;
  /** The low end of the plausible range (low <= value). */
  readonly low: number;
  /** The high end of the plausible range (value <= high). */
  readonly high: number;
  /** Why this range: what the assumption rests on. */
  readonly why: string;
}

/** One value replaced in a spec file as it is read (a number for a sensitivity study; any value for `--set`). */
export interface Override {
  /** The file (compared by absolute path). */
  readonly file: string;
  /** Dotted path from the file's root to an existing value. */
  readonly path: string;
  /** The value read in its place. */
  readonly value: unknown;
}

const ASSUMPTION_KEYS = ['low', 'high', 'why'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/** The value at dotted `path` below `obj` (array elements by index), or undefined. */
function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const key of path.split('.')) {
    if (Array.isArray(v)) v = /^\d+$/.test(key) ? v[Number(key)] : undefined;
    else if (isObject(v)) v = Object.hasOwn(v, key) ? v[key] : undefined;
    else return undefined;
  }
  return v;
}

function describe(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/**
 * Checks and removes every `assumptions` block of a freshly parsed spec (mutating `json`, which the caller owns) and
 * returns the assumptions it declared. A block must name existing numbers, each with low < high and a non-empty
 * `why`; anything else is a user error naming the file and field. A value outside its range is allowed here (a user's
 * copy of a spec may explore beyond it); the shipped files are held to their ranges by `provenanceGaps`.
 */
export function extractAssumptions(json: unknown, file: string): Assumption[] {
  const found: Assumption[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, join(path, String(i))));
      return;
    }
    if (!isObject(node)) return;
    if (Object.hasOwn(node, 'assumptions')) {
      const block = node.assumptions;
      const where = `${file}: field '${join(path, 'assumptions')}'`;
      if (!isObject(block)) throw new StrataError(`${where}: expected an object of { low, high, why } by field name, found ${describe(block)}`);
      delete node.assumptions;
      for (const [rel, entry] of Object.entries(block)) {
        const name = `${join(path, 'assumptions')}.${rel}`;
        const field = `${file}: field '${name}'`;
        const value = at(node, rel);
        if (typeof value !== 'number') throw new StrataError(`${field}: expected the name of a number in '${path || 'the top level'}', found ${describe(value)} there`);
        if (!isObject(entry)) throw new StrataError(`${field}: expected { low, high, why }, found ${describe(entry)}`);
        const unknown = Object.keys(entry).filter((k) => !ASSUMPTION_KEYS.includes(k));
        if (unknown.length > 0) throw new StrataError(`${field}: unknown key '${unknown[0]}' (expected low, high, why)`);
        const { low, high, why } = entry;
        if (typeof low !== 'number' || !Number.isFinite(low)) throw new StrataError(`${file}: field '${name}.low': expected a number, found ${describe(low)}`);
        if (typeof high !== 'number' || !Number.isFinite(high)) throw new StrataError(`${file}: field '${name}.high': expected a number, found ${describe(high)}`);
        if (!(low < high)) throw new StrataError(`${field}: expected low < high, found ${low} and ${high}`);
        if (typeof why !== 'string' || why.trim() === '') throw new StrataError(`${file}: field '${name}.why': expected a non-empty reason, found ${describe(why)}`);
        found.push({ file, path: join(path, rel), value, low, high, why });
      }
    }
    for (const [key, child] of Object.entries(node)) walk(child, join(path, key));
  };
  walk(json, '');
  return found;
}

let overrides: readonly Override[] = [];
const recorders: Assumption[][] = [];

/** Applies the overrides in effect to a freshly parsed spec of `file` (immer patches: `json` itself is not changed). */
export function applyOverrides(json: unknown, file: string): unknown {
  const abs = resolve(file);
  const mine = overrides.filter((o) => resolve(o.file) === abs);
  if (mine.length === 0) return json;
  for (const o of mine) {
    const now = at(json, o.path);
    if (now === undefined || (typeof o.value === 'number' && typeof now !== 'number')) {
      throw new StrataError(`${file}: field '${o.path}': expected ${typeof o.value === 'number' ? 'a number' : 'a value'} to override, found ${describe(now)}`);
    }
  }
  return produce(json, (draft: unknown) => {
    for (const o of mine) {
      const keys = o.path.split('.');
      const last = keys.pop() as string;
      const parent = at(draft, keys.join('.')) ?? draft;
      (parent as Record<string, unknown>)[last] = o.value;
    }
  });
}

/**
 * A key of the overrides in effect ('' when none): a cache of loaded specs must key on it, or a spec loaded under
 * one set of overrides (a sensitivity variant, a `--set`) would be served under another.
 */
export function overridesKey(): string {
  return overrides.length === 0 ? '' : JSON.stringify(overrides.map((o) => [resolve(o.file), o.path, o.value]));
}

/** Notes assumptions read from a file with every recorder that is running. */
export function noteAssumptions(found: readonly Assumption[]): void {
  for (const r of recorders) r.push(...found);
}

/**
 * Runs `fn` with the given numbers replaced in the spec files it reads. Loaders do not cache files, so every spec
 * read inside `fn` sees the overrides; none outside it does.
 */
export function withOverrides<T>(extra: readonly Override[], fn: () => T): T {
  const saved = overrides;
  overrides = [...saved, ...extra];
  try {
    return fn();
  } finally {
    overrides = saved;
  }
}

/**
 * Runs `fn` and returns its result with every assumption declared by the spec files it read, once per
 * (file, path), in the order first read.
 */
export function recordAssumptions<T>(fn: () => T): { result: T; assumptions: Assumption[] } {
  const seen: Assumption[] = [];
  recorders.push(seen);
  try {
    const result = fn();
    const unique = new Map<string, Assumption>();
    for (const a of seen) {
      const key = `${resolve(a.file)}\u0000${a.path}`;
      if (!unique.has(key)) unique.set(key, a);
    }
    return { result, assumptions: [...unique.values()] };
  } finally {
    recorders.splice(recorders.indexOf(seen), 1);
  }
}

/**
 * What a primary source must not say: a citation of a note outside the repository, or words that make the number an
 * estimate or assumption (those belong in an `assumptions` block, with a range).
 */
const NOT_PRIMARY = /pim-anchors|\bestimate|\bassum|\bguess/i;

/** A number of a spec file with no primary source and no declared assumption. */
export interface ProvenanceGap {
  /** Dotted path of the number. */
  readonly path: string;
  /** Why it is not covered. */
  readonly reason: string;
}

/**
 * The numbers of a raw (unextracted) spec that neither a primary `source` nor an `assumptions` entry covers. A number
 * is covered by an `assumptions` entry of any enclosing section that names it, or else by the `source` of its nearest
 * enclosing section that has one, if that source does not cite pim-anchors.md or call itself an estimate or
 * assumption. Numbers inside `assumptions` blocks themselves (the ranges) are not spec values; a declared value outside
 * its range is a gap.
 */
export function provenanceGaps(json: unknown): ProvenanceGap[] {
  const gaps: ProvenanceGap[] = [];
  const walk = (node: unknown, path: string, source: string | undefined, declared: ReadonlySet<string>): void => {
    if (typeof node === 'number') {
      if (declared.has(path)) return;
      if (source === undefined) gaps.push({ path, reason: 'no source in any enclosing section and no assumption' });
      else if (NOT_PRIMARY.test(source)) gaps.push({ path, reason: `its section's source is not primary (${NOT_PRIMARY.exec(source)?.[0]}): move it to an assumption with a range` });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, join(path, String(i)), source, declared));
      return;
    }
    if (!isObject(node)) return;
    const here = typeof node.source === 'string' && node.source.trim() !== '' ? node.source : source;
    const names = isObject(node.assumptions) ? new Set([...declared, ...Object.keys(node.assumptions).map((rel) => join(path, rel))]) : declared;
    if (isObject(node.assumptions)) {
      for (const [rel, entry] of Object.entries(node.assumptions)) {
        const value = at(node, rel);
        const { low, high } = isObject(entry) ? entry : {};
        if (typeof value === 'number' && typeof low === 'number' && typeof high === 'number' && !(low <= value && value <= high)) {
          gaps.push({ path: join(path, rel), reason: `the value ${value} is outside its assumption's range [${low}, ${high}]` });
        }
      }
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === 'assumptions') continue;
      walk(child, join(path, key), here, names);
    }
  };
  walk(json, '', undefined, new Set());
  return gaps;
}
