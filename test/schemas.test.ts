import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStandard, parseStandard } from '../src/dram/standard.ts';
import { loadPimSpec } from '../src/pim/pim-spec.ts';
import { loadLogicPim } from '../src/pim/logic-pim.ts';
import { loadAttAccDevice } from '../src/pim/attacc-device.ts';
import { loadNpu } from '../src/npu/spec.ts';
import { loadAsic } from '../src/pim/asic.ts';
import { loadDevice } from '../src/systems/baseline/roofline.ts';
import { loadDuplexSystem } from '../src/systems/duplex/duplex-system.ts';
import { loadNeuPimsSystem } from '../src/systems/neupims/neupims-system.ts';
import { loadPimGptSystem } from '../src/systems/pim-gpt/pim-gpt.ts';
import { loadRequests } from '../src/compiler/requests.ts';
import { readJsonFile } from '../src/spec/json-file.ts';
import { StrataError } from '../src/spec/errors.ts';
import type { SchemaNode } from '../src/spec/schema-doc.ts';

/*
 * Issue #17 item 3: every input format has a JSON Schema in schemas/, every shipped file names it in `$schema` (so
 * editors validate and complete it) and passes it, and the schemas agree with the loaders: a field the schema
 * requires, left out of a shipped file, fails both the schema and the loader; a field it calls optional, left out,
 * passes both. (Models: test/docs/formats.test.ts.)
 */
const ROOT = resolve(import.meta.dirname, '..');
const SCHEMAS = join(ROOT, 'schemas');
const schemaFiles: Record<string, SchemaNode> = Object.fromEntries(
  readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json')).map((f) => [f, JSON.parse(readFileSync(join(SCHEMAS, f), 'utf8')) as SchemaNode]),
);
const ajv = new Ajv2020.default({ strict: true, allErrors: true });
for (const s of Object.values(schemaFiles)) ajv.addSchema(s);
const validatorOf = (schema: string) => ajv.getSchema(`https://strata-sim.dev/schemas/${schema}`)!;

const json = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const inDir = (dir: string): string[] => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.json')).sort().map((f) => join(ROOT, dir, f));

/** A constraint table file, loaded as the shipped standard that names it does, with the table written inline. */
function loadRulesFile(file: string): unknown {
  const name = basename(file, '.json');
  const user = inDir('arch/dram').find((f) => [json(f).rules].flat().includes(name));
  if (!user) throw new Error(`no shipped standard uses rules '${name}'`);
  const std = readJsonFile(user) as Record<string, unknown>;
  const table = readJsonFile(file);
  return parseStandard({ ...std, rules: [std.rules].flat().map((r) => (r === name ? table : r)) }, file);
}

/** A system file by its family's loader. */
function loadSystem(file: string): unknown {
  const family = json(file).family ?? 'baseline';
  switch (family) {
    case 'baseline': return loadDevice(file);
    case 'duplex': return loadDuplexSystem(file);
    case 'neupims': return loadNeuPimsSystem(file);
    case 'pim-gpt': return loadPimGptSystem(file);
    default: throw new StrataError(`${file}: unknown family ${String(family)}`);
  }
}

interface Format {
  readonly schema: string;
  readonly files: readonly string[];
  readonly load: (file: string) => unknown;
}

const FORMATS: readonly Format[] = [
  { schema: 'strata-dram.schema.json', files: inDir('arch/dram'), load: loadStandard },
  { schema: 'strata-dram-rules.schema.json', files: inDir('arch/dram/rules'), load: loadRulesFile },
  { schema: 'strata-pim.schema.json', files: ['aim', 'neupims'].map((n) => join(ROOT, 'arch/pim', `${n}.json`)), load: (f) => loadPimSpec(f) },
  { schema: 'strata-near-memory-pim.schema.json', files: ['logic-pim', 'bank-pim', 'bg-pim'].map((n) => join(ROOT, 'arch/pim', `${n}.json`)), load: loadLogicPim },
  { schema: 'strata-attacc.schema.json', files: inDir('arch/pim/attacc'), load: (f) => loadAttAccDevice(f) },
  { schema: 'strata-npu.schema.json', files: inDir('arch/npu'), load: loadNpu },
  { schema: 'strata-asic.schema.json', files: inDir('arch/asic'), load: loadAsic },
  { schema: 'strata-system.schema.json', files: inDir('arch/systems'), load: loadSystem },
  { schema: 'strata-requests.schema.json', files: inDir('workloads/requests'), load: loadRequests },
];

/**
 * What only a loader can check: cross-references a JSON Schema cannot follow. Leaving out these optional fields
 * passes the schema but fails the loader, for the reason given. Every entry must still happen (a stale one fails).
 */
const LOADER_ONLY: readonly { schema: string; path: RegExp; why: string }[] = [
  { schema: 'strata-dram-rules.schema.json', path: /^rules$/, why: 'without its rules the standard leaves timing parameters unused and its data bus unguarded, which src/dram/standard.ts refuses' },
  { schema: 'strata-pim.schema.json', path: /^rules\.(rules|windows)$/, why: 'the PIM timing parameters would be named by no rule (src/dram/standard.ts refuses unused timing)' },
  { schema: 'strata-attacc.schema.json', path: /^rules\.rules$/, why: 'the AttAcc timing parameters would be named by no rule' },
  { schema: 'strata-pim.schema.json', path: /^commandSet$/, why: "the default command set 'aim' needs commands (ACT16, MAC16, ...) that a newton spec does not define" },
  { schema: 'strata-pim.schema.json', path: /^controller(\.addressMapping)?$/, why: "the base's address mapping has no field for the ranks the PIM spec adds" },
];

const tmp = mkdtempSync(join(tmpdir(), 'strata-schemas-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Follows `$ref`s (same file or another schema) and, for a system preset, the branch of its family. */
function resolveNode(n: SchemaNode, doc: SchemaNode, data: unknown): { node: SchemaNode; doc: SchemaNode } {
  if (n.$ref !== undefined) {
    const [file, pointer = ''] = n.$ref.split('#');
    const target = file ? schemaFiles[file]! : doc;
    let v: unknown = target;
    for (const p of pointer.split('/').filter(Boolean)) v = (v as Record<string, unknown>)[p];
    return resolveNode({ ...(v as SchemaNode), ...{ ...n, $ref: undefined } }, target, data);
  }
  if (doc.$id?.endsWith('strata-system.schema.json') && n === doc) {
    const family = (data as { family?: string }).family ?? 'baseline';
    return { node: doc.$defs![family]!, doc };
  }
  return { node: n, doc };
}

/** Every field present in `data` with whether the schema requires it, as paths from the root. */
function fieldsOf(schema: SchemaNode, data: unknown): { path: (string | number)[]; required: boolean }[] {
  const out: { path: (string | number)[]; required: boolean }[] = [];
  const walk = (raw: SchemaNode, doc: SchemaNode, value: unknown, path: (string | number)[]): void => {
    const { node, doc: d } = resolveNode(raw, doc, value);
    if (Array.isArray(value)) {
      if (node.items && value.length > 0) walk(node.items, d, value[0], [...path, 0]);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key === '$schema' || key === 'assumptions' || key === 'note') continue;
      const declared = node.properties?.[key];
      if (declared) out.push({ path: [...path, key], required: (node.required ?? []).includes(key) });
      const sub = declared ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      if (sub) walk(sub, d, child, [...path, key]);
    }
  };
  walk(schema, schema, data, []);
  return out;
}

/** A copy of `data` without the field at `path`, and without the assumptions that declared it. */
function without(data: Record<string, unknown>, path: (string | number)[]): Record<string, unknown> {
  const copy = structuredClone(data);
  const chain: Record<string, unknown>[] = [copy];
  for (const key of path.slice(0, -1)) chain.push(chain[chain.length - 1]![key] as Record<string, unknown>);
  const parent = chain[chain.length - 1]!;
  if (Array.isArray(parent)) parent.splice(path[path.length - 1] as number, 1);
  else delete parent[path[path.length - 1] as string];
  chain.forEach((node, depth) => {
    const block = node.assumptions as Record<string, unknown> | undefined;
    if (!block) return;
    const rel = path.slice(depth).join('.');
    for (const k of Object.keys(block)) if (k === rel || k.startsWith(`${rel}.`)) delete block[k];
  });
  return copy;
}

/** Whether the loader accepts `data` written as `file` (a StrataError is a refusal; anything else is a bug). */
function loads(format: Format, file: string, data: unknown): boolean {
  // A folder per call: loaders may cache by path, and the file keeps its shipped name for the messages.
  const out = join(mkdtempSync(join(tmp, 'f')), basename(file));
  writeFileSync(out, JSON.stringify(data));
  try {
    format.load(out);
    return true;
  } catch (e) {
    if (e instanceof StrataError) return false;
    throw e;
  }
}

describe('input formats and their schemas', () => {
  it('every schema compiles in strict mode, and every arch/ file is covered by a format', () => {
    expect(Object.keys(schemaFiles).length).toBeGreaterThanOrEqual(12);
    const covered = new Set(FORMATS.flatMap((f) => f.files));
    const archFiles = (dir: string): string[] => readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? archFiles(join(dir, e.name)) : e.name.endsWith('.json') ? [join(ROOT, dir, e.name)] : []));
    const all = archFiles('arch');
    expect(all.length).toBeGreaterThan(30);
    for (const f of all) expect(covered.has(f), `${relative(ROOT, f)} belongs to no format of test/schemas.test.ts`).toBe(true);
  });

  for (const format of FORMATS) {
    describe(format.schema, () => {
      const validate = validatorOf(format.schema);

      it('every shipped file names the schema by relative path, passes it and loads', () => {
        expect(format.files.length).toBeGreaterThan(0);
        for (const f of format.files) {
          const data = json(f);
          expect(resolve(dirname(f), String(data.$schema)), `${relative(ROOT, f)}: $schema`).toBe(join(SCHEMAS, format.schema));
          expect(Object.keys(data)[0], `${relative(ROOT, f)}: $schema is the first key`).toBe('$schema');
          expect(validate(data), `${relative(ROOT, f)}: ${JSON.stringify(validate.errors)}`).toBe(true);
          expect(loads(format, f, data), `${relative(ROOT, f)} loads`).toBe(true);
        }
      });

      it('a required field left out fails the schema and the loader; an optional one left out passes both', () => {
        let required = 0;
        let optional = 0;
        const disagree: string[] = [];
        const exceptions = LOADER_ONLY.filter((x) => x.schema === format.schema);
        const used = new Set<RegExp>();
        for (const f of format.files) {
          const data = json(f);
          for (const { path, required: req } of fieldsOf(schemaFiles[format.schema]!, data)) {
            const cut = without(data, path);
            const schemaOk = validate(cut);
            const loaderOk = loads(format, f, cut);
            const dotted = path.join('.');
            // A required field: both refuse. An optional one: both agree (both accept, or both refuse because of a
            // rule the schema states too, e.g. one of arrivalPs and arrivalNs), unless the loader alone may refuse.
            const known = exceptions.find((x) => x.path.test(dotted));
            if (known && !req && schemaOk && !loaderOk) {
              used.add(known.path);
              continue;
            }
            if ((req && (schemaOk || loaderOk)) || schemaOk !== loaderOk) {
              disagree.push(`${relative(ROOT, f)} without '${dotted}' (${req ? 'required' : 'optional'}): schema ${schemaOk ? 'accepts' : 'refuses'}, loader ${loaderOk ? 'accepts' : 'refuses'}`);
            }
            if (req) required++;
            else optional++;
          }
        }
        expect(disagree, disagree.join('\n')).toEqual([]);
        expect(exceptions.filter((x) => !used.has(x.path)).map((x) => x.path.source), 'LOADER_ONLY entries that no longer happen').toEqual([]);
        // Each format has required fields to leave out; the counts show the test ran over real fields.
        expect(required).toBeGreaterThan(0);
        expect(required + optional).toBeGreaterThan(format.files.length);
      });
    });
  }
});
