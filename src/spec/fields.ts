import { StrataError } from './errors.ts';

/**
 * Path-aware readers for JSON specs: each reader names the file and the field (`timing.tRCD`) in its error,
 * with what was expected and what was found.
 */
export class FieldReader {
  constructor(readonly file: string, readonly obj: Record<string, unknown>, readonly path = '') {}

  /**
   * Wraps a parsed JSON value that must be an object. A top-level `$schema` string (the file's JSON Schema, for
   * editors: schemas/) is left out, as readJsonFile leaves it out, so specs parsed by their callers accept it too.
   */
  static root(file: string, value: unknown): FieldReader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new StrataError(`${file}: expected a JSON object at the top level, found ${describe(value)}`);
    }
    const { $schema, ...rest } = value as Record<string, unknown>;
    return new FieldReader(file, typeof $schema === 'string' ? rest : (value as Record<string, unknown>));
  }

  /** The full name of field `key` for messages. */
  where(key: string): string {
    return `${this.file}: field '${this.path ? `${this.path}.` : ''}${key}'`;
  }

  /** Fails with a message about field `key`. */
  fail(key: string, expected: string, found?: unknown): never {
    const tail = arguments.length >= 3 ? `, found ${describe(found)}` : '';
    throw new StrataError(`${this.where(key)}: expected ${expected}${tail}`);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  /** A nested object. */
  object(key: string): FieldReader {
    const v = this.obj[key];
    if (v === undefined) this.fail(key, 'an object (field is missing)');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, 'an object', v);
    return new FieldReader(this.file, v as Record<string, unknown>, this.path ? `${this.path}.${key}` : key);
  }

  /** A string, optionally one of `allowed`. */
  /**
   * Object field `key` of a spec that cites where its numbers come from: keys `keys` plus `source` (a non-empty
   * citation) and `note`. The citation is recorded in `sources[key]`.
   */
  sourcedSection(key: string, keys: readonly string[], sources: Record<string, string>): FieldReader {
    const s = this.object(key);
    s.onlyKeys(['source', 'note', ...keys]);
    const source = s.string('source');
    if (source.trim() === '') s.fail('source', 'a non-empty citation of where the numbers come from', source);
    sources[key] = source;
    return s;
  }

  string(key: string, allowed?: readonly string[]): string {
    const v = this.obj[key];
    if (v === undefined) this.fail(key, allowed ? `one of ${allowed.join(', ')} (field is missing)` : 'a string (field is missing)');
    if (typeof v !== 'string') this.fail(key, 'a string', v);
    if (allowed && !allowed.includes(v)) this.fail(key, `one of ${allowed.join(', ')}`, v);
    return v;
  }

  optionalString(key: string, fallback: string, allowed?: readonly string[]): string {
    return this.has(key) ? this.string(key, allowed) : fallback;
  }

  /** A finite number with optional bounds and integrality. */
  number(key: string, opts: { min?: number; max?: number; integer?: boolean; positive?: boolean } = {}): number {
    const v = this.obj[key];
    const kind = opts.integer ? 'an integer' : 'a number';
    const bounds = opts.positive ? ' > 0' : opts.min !== undefined ? ` >= ${opts.min}` : '';
    if (v === undefined) this.fail(key, `${kind}${bounds} (field is missing)`);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, kind, v);
    if (opts.integer && !Number.isInteger(v)) this.fail(key, kind, v);
    if (opts.positive && !(v > 0)) this.fail(key, `${kind} > 0`, v);
    if (opts.min !== undefined && v < opts.min) this.fail(key, `${kind} >= ${opts.min}`, v);
    if (opts.max !== undefined && v > opts.max) this.fail(key, `${kind} <= ${opts.max}`, v);
    return v;
  }

  optionalNumber(key: string, fallback: number, opts: { min?: number; max?: number; integer?: boolean; positive?: boolean } = {}): number {
    return this.has(key) ? this.number(key, opts) : fallback;
  }

  /** A positive power of two. */
  powerOfTwo(key: string): number {
    const v = this.number(key, { integer: true, positive: true });
    if ((v & (v - 1)) !== 0) this.fail(key, 'a power of two', v);
    return v;
  }

  boolean(key: string, fallback?: boolean): boolean {
    const v = this.obj[key];
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      this.fail(key, 'true or false (field is missing)');
    }
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }

  /** An array of objects. */
  objects(key: string): FieldReader[] {
    const v = this.obj[key];
    if (!Array.isArray(v)) this.fail(key, 'an array', v);
    return v.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) this.fail(`${key}[${i}]`, 'an object', item);
      return new FieldReader(this.file, item as Record<string, unknown>, `${this.path ? `${this.path}.` : ''}${key}[${i}]`);
    });
  }

  /**
   * Fails on keys not in `known`, so typos do not pass as silent defaults. With `what` (the kind of file this
   * reader expects), a file most of whose fields are unknown is named as another kind of file rather than as a typo.
   */
  onlyKeys(known: readonly string[], what?: string): void {
    const keys = Object.keys(this.obj);
    const unknown = keys.filter((k) => !known.includes(k));
    if (unknown.length === 0) return;
    if (what !== undefined && 2 * unknown.length >= keys.length) {
      throw new StrataError(`${this.file}: does not look like ${what}: ${unknown.length} of its ${keys.length} fields are unknown there (${unknown.slice(0, 4).join(', ')}${unknown.length > 4 ? ', …' : ''}; known fields: ${known.join(', ')})`);
    }
    throw new StrataError(`${this.where(unknown[0]!)}: unknown field (known fields here: ${known.join(', ')})`);
  }
}

/** A short description of a JSON value for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}
