import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { StrataError } from './errors.ts';
import { describe } from './fields.ts';
import { parseJsonText } from './json-file.ts';
import { readNumber } from './number-text.ts';
import { readInputText } from './input-file.ts';
import { ARCH_DIR } from './package-root.ts';
import { extractAssumptions, type Override } from './provenance.ts';

/**
 * `--set path=value` (issue #16 item 1): a value replaced in the spec files a command reads, before any loader sees
 * them, as an immutable patch (immer, through the overrides of src/spec/provenance.ts), so a bad value meets the
 * same one-line check as a bad file.
 *
 * A path is dotted from the root of the command's own spec (the `--system` preset, the `--spec` of `dram` or `pim
 * gemv`), and follows references: where the path reaches a field that names another spec (a system's
 * `xpu.device`, `pim` or `pim.spec`, `npu.spec`, `asic`, a PIM spec's `base` standard, a standard's `rules`), the rest
 * of the path is resolved in that spec. So `--set pim.unit.macsPerBank=32` on PIM-GPT changes the AiM spec its `pim`
 * field names, and `--set pim.base.timing.tRCD=20` the GDDR6 standard below it. The prefix `model.` addresses the
 * `--model` file. A file is one spec: an override applies wherever the command reads that file.
 *
 * Every path is checked when the command starts: each step must exist, the last must be a value (not an object),
 * and the new value must have the old one's type (a number for a number). Array elements are addressed by index.
 */

/** One `--set` as given. */
export interface SetFlag {
  /** The flag's text (`pim.unit.macsPerBank=32`), for messages. */
  readonly text: string;
  readonly path: string;
  readonly value: unknown;
}

/** A root a `--set` path may start from: the command's spec, or the model under the `model.` prefix. */
export interface SetRoots {
  /** The command's own spec file (system preset, DRAM standard, PIM spec), resolved to a path. */
  readonly spec?: string;
  /** The `--model` file, resolved to a path (paths starting `model.` go there). */
  readonly model?: string;
  /** What the flag of the root is called in messages (`--system duplex`). */
  readonly specLabel?: string;
}

/**
 * Fields that name another spec, and where a name is looked up: the field's key, or the key of its parent for a
 * nested `spec` and for the elements of a `rules` list. A value with a `/` or ending in `.json` is a path (relative to
 * the working directory, as the loaders read it).
 */
const REFERENCES: ReadonlyArray<{ key: string; parent?: string; folder: string }> = [
  { key: 'device', folder: 'systems' },
  { key: 'spec', parent: 'pim', folder: 'pim' },
  { key: 'spec', parent: 'npu', folder: 'npu' },
  { key: 'pim', folder: 'pim' },
  { key: 'asic', folder: 'asic' },
  { key: 'base', folder: 'dram' },
  { key: 'rules', folder: join('dram', 'rules') },
];

/** Parses each `--set path=value`; the value is a number where it reads as one, JSON where it parses as JSON (true, false, null, arrays), else a string. */
export function parseSetFlags(texts: readonly string[] | undefined): SetFlag[] {
  return (texts ?? []).map((text) => {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new StrataError(`--set '${text}': expected path=value (e.g. --set pim.unit.macsPerBank=32)`);
    const path = text.slice(0, eq).trim();
    const raw = text.slice(eq + 1).trim();
    if (!/^[A-Za-z_$][\w$-]*(\.([A-Za-z_$][\w$-]*|\d+))*$/.test(path)) throw new StrataError(`--set '${text}': expected a dotted path of field names and array indices before '=', got '${path}'`);
    if (raw === '') throw new StrataError(`--set '${text}': expected a value after '='`);
    // A number is read as every number flag reads one (src/spec/number-text.ts: `.5`, `+52` and `5.2e1` are
    // numbers, `0x34` is not); anything else is JSON where it parses (true, false, null, arrays), else a string.
    let value: unknown = readNumber(raw);
    if (value === undefined) {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
    }
    // JSON reads 1e400 as Infinity: not a number any spec can hold.
    if (typeof value === 'number' && !Number.isFinite(value)) throw new StrataError(`--set '${text}': expected a finite number after '=', got '${raw}'`);
    return { text, path, value };
  });
}

/** A file as messages name it: relative to the working directory when it lies below it. */
export function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** Fields of a section a user may set: not its citation or description. */
const settable = (o: Record<string, unknown>) => Object.keys(o).filter((k) => k !== 'source' && k !== 'description');

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A spec file as its loader will see it (assumption blocks removed), without applying overrides. */
function readRaw(file: string): unknown {
  const json = parseJsonText(readInputText(file, 'a JSON file'), file);
  if (isObject(json)) delete json.$schema; // for editors, not part of the spec (readJsonFile drops it too)
  extractAssumptions(json, file);
  return json;
}

/** The file a reference names, or undefined when the field is no reference. */
function referencedFile(name: string, key: string, parent: string | undefined, from: string, where: string): string | undefined {
  const rule = REFERENCES.find((r) => r.key === key && (r.parent === undefined || r.parent === parent))
    ?? (parent === 'rules' ? REFERENCES.find((r) => r.key === 'rules') : undefined);
  if (!rule) return undefined;
  const isPath = name.includes('/') || name.endsWith('.json');
  const file = isPath ? name : join(ARCH_DIR, rule.folder, `${name}.json`);
  if (!existsSync(file)) throw new StrataError(`${where}: field '${key}' of ${shown(from)} names '${name}', which is no file (looked for ${shown(file)})`);
  return file;
}

/** The kind of a JSON value, for type checks. */
function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * Resolves `--set` flags against the command's roots into overrides of the files they land in, or throws one line
 * naming the flag and what was expected. Reads the files once each; nothing runs yet.
 */
export function resolveSetFlags(sets: readonly SetFlag[], roots: SetRoots): Override[] {
  const out: Override[] = [];
  const cache = new Map<string, unknown>();
  const read = (file: string) => {
    const abs = resolve(file);
    if (!cache.has(abs)) cache.set(abs, readRaw(file));
    return cache.get(abs);
  };
  for (const s of sets) {
    const where = `--set ${s.text}`;
    let keys = s.path.split('.');
    let file: string | undefined = roots.spec;
    let label = roots.specLabel ?? 'the spec';
    if (keys[0] === 'model' && roots.model) {
      file = roots.model;
      label = '--model';
      keys = keys.slice(1);
      if (keys.length === 0) throw new StrataError(`${where}: expected a field of the model after 'model.'`);
    }
    if (!file) throw new StrataError(`${where}: this command reads no spec file to set a value in${roots.model ? " (paths starting 'model.' set the model)" : ''}`);
    let node = read(file);
    let rel: string[] = [];
    let parentKey: string | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      let next: unknown;
      if (Array.isArray(node)) next = /^\d+$/.test(key) ? node[Number(key)] : undefined;
      else if (isObject(node)) next = Object.hasOwn(node, key) ? node[key] : undefined;
      if (next === undefined) {
        const fields = isObject(node) ? settable(node) : [];
        const at = rel.length ? `'${rel.join('.')}' of ${shown(file)}` : `${shown(file)} (${label})`;
        const hint = Array.isArray(node) ? `an index below ${node.length}` : fields.length ? `one of ${fields.join(', ')}` : 'nothing: it is a value';
        throw new StrataError(`${where}: '${key}' is not a field of ${at} (expected ${hint})`);
      }
      const last = i === keys.length - 1;
      if (!last && typeof next === 'string') {
        const target = referencedFile(next, Array.isArray(node) ? (parentKey ?? key) : key, Array.isArray(node) ? parentKey : rel[rel.length - 1], file!, where);
        if (target) {
          file = target;
          label = `named by '${[...rel, key].join('.')}'`;
          node = read(target);
          rel = [];
          parentKey = undefined;
          continue;
        }
      }
      parentKey = key;
      rel.push(key);
      node = next;
      if (last) {
        if (isObject(next)) throw new StrataError(`${where}: '${rel.join('.')}' of ${shown(file)} is a section, not a value (set one of its fields: ${settable(next).join(', ')})`);
        if (kindOf(next) !== kindOf(s.value)) {
          throw new StrataError(`${where}: '${rel.join('.')}' of ${shown(file)} is a ${kindOf(next)} (${describe(next)}); got a ${kindOf(s.value)} (${describe(s.value)})`);
        }
        out.push({ file, path: rel.join('.'), value: s.value });
      }
    }
  }
  return out;
}
