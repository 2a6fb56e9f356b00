import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { StrataError } from '../spec/errors.ts';
import { describe } from '../spec/fields.ts';
import { DRAM_REPORT_SCHEMA, type DramReport } from './dram-report.ts';
import { RUN_REPORT_SCHEMA, type RunReport } from './run-report.ts';
import { FIGURE_DATA_SCHEMA, type FigureData } from './figure-data.ts';
import { SERVING_REPORT_SCHEMA, type ServingReport } from './serving-report.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';

/** The JSON Schema (draft 2020-12) of every Strata report: `schemas/strata-report.schema.json`. */
export const REPORT_SCHEMA_FILE = join(PACKAGE_ROOT, 'schemas', 'strata-report.schema.json');

/** Any report Strata writes, told apart by its `schema` field (figure-data files of `strata figures` included). */
export type StrataReport = DramReport | RunReport | FigureData | ServingReport;

/** Report kinds of the schema family: the `schema` id and the `$defs` entry that defines it. */
export const REPORT_KINDS = [
  { id: DRAM_REPORT_SCHEMA, def: 'dramReport', what: 'DRAM report' },
  { id: RUN_REPORT_SCHEMA, def: 'runReport', what: 'run report' },
  { id: FIGURE_DATA_SCHEMA, def: 'figureData', what: 'figure data' },
  { id: SERVING_REPORT_SCHEMA, def: 'servingReport', what: 'serving report' },
] as const;

/** How many problems a validation error lists. */
const MAX_PROBLEMS = 3;

interface Compiled {
  readonly schema: { $defs: Record<string, JsonSchema> };
  /** The whole document (the `oneOf` over the kinds), as external tools use it. */
  readonly root: ValidateFunction;
  /** One validator per kind, so errors come from the kind the report claims to be. */
  readonly byId: ReadonlyMap<string, ValidateFunction>;
}

/** The subset of JSON Schema keywords that messages describe. */
interface JsonSchema {
  type?: string | string[];
  $ref?: string;
  const?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
}

let compiled: Compiled | undefined;

/** Compiles the schema file once (ajv strict mode also checks the schema itself is well formed). */
function compile(): Compiled {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(REPORT_SCHEMA_FILE, 'utf8')) as Compiled['schema'] & { $id: string };
  // ajv is CommonJS: under NodeNext its default export arrives as the module object, whose `default` is the class.
  const ajv = new Ajv2020Module.default({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  ajv.addSchema(schema);
  const byId = new Map<string, ValidateFunction>();
  for (const k of REPORT_KINDS) byId.set(k.id, ajv.getSchema(`${schema.$id}#/$defs/${k.def}`)!);
  compiled = { schema, root: ajv.getSchema(schema.$id)!, byId };
  return compiled;
}

/** Validates parsed JSON against the whole schema document (its `oneOf`); true when it is a valid report of any kind. */
export function matchesReportSchema(json: unknown): boolean {
  return compile().root(json) as boolean;
}

/**
 * Checks that parsed JSON is a Strata report of a known kind and version that follows the schema
 * (`schemas/strata-report.schema.json`) exactly, and returns it typed. Errors name the file and the field of the
 * first problems (`banks[5].activeFraction`), with what was expected and what was found.
 */
export function validateReport(json: unknown, file: string): StrataReport {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new StrataError(`${file}: expected a JSON object at the top level, found ${describe(json)}`);
  }
  const known = REPORT_KINDS.map((k) => `'${k.id}'`).join(', ');
  const id = (json as Record<string, unknown>).schema;
  if (id === undefined) throw new StrataError(`${file}: not a Strata report (no 'schema' field; expected one of ${known})`);
  if (typeof id !== 'string') throw new StrataError(`${file}: field 'schema': expected a string naming the report kind (${known}), found ${describe(id)}`);
  const validate = compile().byId.get(id);
  if (!validate) {
    const family = REPORT_KINDS.find((k) => id.startsWith(`${k.id.slice(0, k.id.lastIndexOf('/'))}/`));
    const hint = family
      ? `a different version of the ${family.what} schema; this Strata reads '${family.id}' (re-run with this Strata, or use the Strata that wrote it)`
      : `not a Strata report schema (known: ${known})`;
    throw new StrataError(`${file}: field 'schema' is '${id}': ${hint}`);
  }
  if (!validate(json)) {
    const problems = uniqueProblems(validate.errors ?? [], json);
    const shown = problems.slice(0, MAX_PROBLEMS);
    const more = problems.length - shown.length;
    const lines = shown.map((p, i) => (i === 0 ? `${file}: ${p}` : `  ${p}`));
    if (more > 0) lines.push(`  (${more} more problem${more === 1 ? '' : 's'})`);
    throw new StrataError(lines.join('\n'));
  }
  const report = json as StrataReport;
  if (report.schema === FIGURE_DATA_SCHEMA) checkFigureRows(report, file);
  if (report.schema === RUN_REPORT_SCHEMA) checkRunTimeline(report, file);
  return report;
}

/** What JSON Schema cannot say about a run report's timeline: ops of existing steps, each ending after it starts. */
function checkRunTimeline(r: RunReport, file: string): void {
  const ops = r.timeline.ops;
  if (ops.length === 0) throw new StrataError(`${file}: field 'timeline.ops': expected the ops of at least the first step, found none`);
  ops.forEach((o, i) => {
    if (!Number.isInteger(o.step) || o.step < 0 || o.step >= r.steps.length) {
      throw new StrataError(`${file}: field 'timeline.ops[${i}].step': expected the index of one of the report's ${r.steps.length} step(s) (0 to ${r.steps.length - 1}), found ${o.step}`);
    }
    if (o.endNs < o.startNs) throw new StrataError(`${file}: field 'timeline.ops[${i}].endNs': expected at least startNs (${o.startNs}), found ${o.endNs}`);
  });
}

/** What JSON Schema cannot say about figure data: every row of a table has one value per column. */
function checkFigureRows(d: FigureData, file: string): void {
  d.tables.forEach((t, i) => {
    t.rows.forEach((row, j) => {
      if (row.length !== t.columns.length) {
        throw new StrataError(`${file}: field 'tables[${i}].rows[${j}]': expected ${t.columns.length} values (one per column of table '${t.name}'), found ${row.length}`);
      }
      // A column with a unit holds quantities: numbers, or null for a cell with none (not run, out of memory).
      t.columns.forEach((c, k) => {
        const v = row[k];
        if (c.unit !== '' && v !== null && typeof v !== 'number') {
          throw new StrataError(`${file}: field 'tables[${i}].rows[${j}][${k}]': column '${c.name}' of table '${t.name}' is in ${c.unit}, so expected a number or null, found ${JSON.stringify(v)}`);
        }
      });
    });
  });
}

/** Turns ajv's errors into Strata messages, first problem first, each field once. */
function uniqueProblems(errors: readonly ErrorObject[], data: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const { path, message } = problem(e, data);
    if (seen.has(path)) continue;
    seen.add(path);
    out.push(`field '${path}': ${message}`);
  }
  return out;
}

/** One ajv error as a field path (`banks[5].activeFraction`, as FieldReader writes them) and a message. */
function problem(e: ErrorObject, data: unknown): { path: string; message: string } {
  const parent = fieldPath(e.instancePath, data);
  const child = (key: string) => (parent ? `${parent}.${key}` : key);
  const parentSchema = e.parentSchema as JsonSchema | undefined;
  // A key that breaks `propertyNames` (ajv sets `propertyName` on the errors under it).
  if (e.propertyName !== undefined) {
    return { path: child(e.propertyName), message: `not a valid field name here (expected ${parentSchema?.pattern ? `a name matching /${parentSchema.pattern}/` : 'another name'})` };
  }
  switch (e.keyword) {
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      const sub = parentSchema?.properties?.[key];
      return { path: child(key), message: `expected ${sub ? expected(sub) : 'a value'}, found nothing` };
    }
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const knownKeys = Object.keys(parentSchema?.properties ?? {}).join(', ');
      return { path: child(key), message: `unknown field (known fields here: ${knownKeys})` };
    }
    case 'type':
    case 'const':
    case 'enum':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
      return { path: parent, message: `expected ${parentSchema ? expected(parentSchema) : String(e.message)}, found ${describe(e.data)}` };
    case 'propertyNames':
      return { path: child((e.params as { propertyName: string }).propertyName), message: 'not a valid field name here' };
    case 'minItems':
      return { path: parent, message: `expected at least ${(e.params as { limit: number }).limit} item(s), found ${Array.isArray(e.data) ? e.data.length : describe(e.data)}` };
    default:
      return { path: parent, message: String(e.message) };
  }
}

/** What a (sub)schema expects, in words: `an integer >= 0`, `one of first, all`, `"strata.dram-report/1"`. */
function expected(s: JsonSchema): string {
  if (s.$ref !== undefined) {
    const def = compile().schema.$defs[s.$ref.replace('#/$defs/', '')];
    if (def) return expected({ ...def, ...s, $ref: undefined });
  }
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum !== undefined) return `one of ${s.enum.map(String).join(', ')}`;
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  const words: Record<string, string> = {
    integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false',
    object: 'an object', array: 'an array', null: 'null',
  };
  const bounds: string[] = [];
  if (s.minimum !== undefined && s.maximum !== undefined) bounds.push(`from ${s.minimum} to ${s.maximum}`);
  else if (s.minimum !== undefined) bounds.push(`>= ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) bounds.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined && s.minimum === undefined) bounds.push(`<= ${s.maximum}`);
  const range = bounds.length ? ` ${bounds.join(' and ')}` : '';
  const text = types.map((t) => `${words[t] ?? t}${t === 'number' || t === 'integer' ? range : ''}`).join(' or ');
  return text || 'a value';
}

/** A JSON Pointer (`/banks/5/activeFraction`) as a field path (`banks[5].activeFraction`), walking the data to tell indices from keys. */
function fieldPath(pointer: string, data: unknown): string {
  if (pointer === '') return '';
  let path = '';
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path += `[${key}]`;
      node = node[Number(key)];
    } else {
      path += path ? `.${key}` : key;
      node = (node as Record<string, unknown> | undefined)?.[key];
    }
  }
  return path;
}
