import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { StrataError } from '../spec/errors.ts';
import { readInputText } from '../spec/input-file.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';

/**
 * A sweep file (issue #16 item 2): a system, a workload, axes over `--set` paths, workload fields or the system,
 * a sampling method and the metrics to collect, in YAML or JSON, checked against schemas/strata-sweep.schema.json
 * (editors use the same schema through `$schema`). Each point is one Strata command (`pim generate`, `run` or
 * `serve`) with the point's values, so a sweep computes exactly what the command line computes.
 */

/** The JSON Schema of sweep files. */
export const SWEEP_SCHEMA_FILE = join(PACKAGE_ROOT, 'schemas', 'strata-sweep.schema.json');

/** What each point runs. */
export type SweepCommand = 'generate' | 'run' | 'serve';

/** A value an axis takes. */
export type AxisValue = number | string | boolean;

/** Workload fields, as a sweep file names them. */
export interface SweepWorkload {
  model?: string;
  phase?: 'prefill' | 'decode';
  context?: number;
  batch?: number;
  tokens?: number;
  prompt?: number;
  seed?: string;
  requests?: string;
  count?: number;
  qps?: number;
  maxBatch?: number;
}

/** A range axis: from..to inclusive by step, or `count` values (log-spaced with `log`). */
export interface AxisRange {
  readonly from: number;
  readonly to: number;
  readonly step?: number;
  readonly count?: number;
  readonly log?: boolean;
  readonly integer?: boolean;
}

/** One axis as written. */
export interface AxisSpec {
  readonly name?: string;
  readonly set?: string;
  readonly workload?: keyof SweepWorkload;
  readonly system?: true;
  readonly values?: readonly AxisValue[];
  readonly range?: AxisRange;
}

/** The metrics a sweep may collect. */
export const METRICS = ['latency', 'throughput', 'energy', 'ttft', 'tbt', 'pimShare', 'bandwidth'] as const;
export type MetricName = (typeof METRICS)[number];

/** A sweep file as written (after the schema check). */
export interface SweepSpec {
  readonly name: string;
  readonly description?: string;
  readonly command: SweepCommand;
  readonly system: string;
  readonly workload: SweepWorkload;
  readonly set?: Readonly<Record<string, AxisValue>>;
  readonly axes: readonly AxisSpec[];
  readonly sampling?: { readonly method: 'grid' | 'random' | 'lhs'; readonly points?: number; readonly seed?: string };
  readonly metrics: readonly MetricName[];
  /** The most time one point may run: whole seconds, or a duration such as `90s`, `10m`, `2h` (see timeLimitSeconds). */
  readonly timeLimit?: number | string;
}

/** One axis resolved: its column name, what it varies and its values in order. */
export interface Axis {
  readonly name: string;
  readonly kind: 'set' | 'workload' | 'system';
  /** The --set path, or the workload field; `system` for the system axis. */
  readonly target: string;
  readonly values: readonly AxisValue[];
}

/** A sweep ready to sample: the file, its resolved axes and where it came from. */
export interface Sweep {
  readonly spec: SweepSpec;
  readonly axes: readonly Axis[];
  /** The sweep file as given. */
  readonly file: string;
  /** The file's `timeLimit` in seconds (none when the file sets none); `--point-timeout` overrides it. */
  readonly pointTimeoutS?: number;
}

/** Workload fields each command takes (the others are refused, as the command would refuse the flag). */
export const COMMAND_FIELDS: Readonly<Record<SweepCommand, readonly (keyof SweepWorkload)[]>> = {
  generate: ['model', 'prompt', 'tokens'],
  run: ['model', 'phase', 'context', 'batch', 'tokens', 'seed'],
  serve: ['model', 'requests', 'count', 'qps', 'maxBatch', 'seed'],
};

/** Metrics each command reports. */
export const COMMAND_METRICS: Readonly<Record<SweepCommand, readonly MetricName[]>> = {
  generate: ['latency', 'throughput', 'energy', 'pimShare'],
  run: ['latency', 'throughput', 'energy', 'bandwidth'],
  serve: ['latency', 'throughput', 'energy', 'ttft', 'tbt'],
};

/** The longest time limit per point, in seconds (a week, as `--point-timeout` allows). */
export const MAX_TIME_LIMIT_S = 7 * 24 * 3600;

/** Seconds per unit of a `timeLimit` duration. */
const TIME_UNITS_S: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

/**
 * The seconds of a sweep file's `timeLimit`: a whole number of seconds, or a whole number with a unit (`90s`, `10m`,
 * `2h`), from 1 s to MAX_TIME_LIMIT_S. Anything else is one line naming the file and the field, and what it takes.
 */
export function timeLimitSeconds(value: unknown, file: string): number {
  const m = typeof value === 'string' ? /^\s*(\d+)\s*([smh])\s*$/.exec(value) : null;
  const seconds = typeof value === 'number' ? value : m ? Number(m[1]) * TIME_UNITS_S[m[2]!]! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TIME_LIMIT_S) {
    const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
    throw new StrataError(`${file}: field 'timeLimit': expected the most time one point may run, as whole seconds or a duration such as 90s, 10m or 2h, from 1 s to ${MAX_TIME_LIMIT_S / 86400} days; got ${shown}`);
  }
  return seconds;
}

/** Most points one sweep may hold (a grid multiplies quickly; a bigger study is several sweeps). */
export const MAX_POINTS = 100_000;

let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(SWEEP_SCHEMA_FILE, 'utf8')) as object;
  // ajv is CommonJS: under NodeNext its default export arrives as the module object, whose `default` is the class.
  const ajv = new Ajv2020Module.default({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  validator = ajv.compile(schema);
  return validator;
}

/** The field an ajv error is about, as a dotted path (`axes.0.range.step`). */
function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.split('/').slice(1).join('.');
  const extra = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty
    : e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : '';
  return [base, extra].filter((s) => s !== '').join('.') || '(top level)';
}

/** One ajv error in words: what was expected. */
function expected(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required': return 'is required';
    case 'additionalProperties': return 'is not a field of a sweep here (see schemas/strata-sweep.schema.json)';
    case 'enum': return `expected one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'oneOf': return 'expected exactly one of set, workload or system';
    case 'type': return `expected ${String((e.params as { type: string | string[] }).type).replace(',', ' or ')}`;
    default: return `expected ${(e.message ?? 'a value the schema allows').replace(/^must (be )?/, '')}`;
  }
}

/** Parses a sweep file's text (YAML, of which JSON is a subset) into a value, or throws one line naming the file. */
function parseText(text: string, file: string): unknown {
  try {
    return parseYaml(text);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const line = e.linePos?.[0]?.line;
      const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new StrataError(`${file}${line !== undefined ? `: line ${line}` : ''}: not valid YAML or JSON (${what})`);
    }
    throw e;
  }
}

/** The values of a range axis, in order. */
export function rangeValues(r: AxisRange, where: string): number[] {
  const out: number[] = [];
  if ((r.step === undefined) === (r.count === undefined)) throw new StrataError(`${where}: expected exactly one of step or count`);
  if (r.log && r.step !== undefined) throw new StrataError(`${where}: a log-spaced range takes count, not step`);
  if (r.to < r.from) throw new StrataError(`${where}: expected to >= from, got from ${r.from} to ${r.to}`);
  const integer = r.integer ?? (Number.isInteger(r.from) && Number.isInteger(r.to) && (r.step === undefined || Number.isInteger(r.step)));
  if (r.step !== undefined) {
    const n = Math.floor((r.to - r.from) / r.step + 1e-9) + 1;
    if (n > MAX_POINTS) throw new StrataError(`${where}: ${n} values, more than ${MAX_POINTS}`);
    for (let i = 0; i < n; i++) out.push(r.from + i * r.step);
  } else {
    const n = r.count!;
    if (r.log && r.from <= 0) throw new StrataError(`${where}: a log-spaced range needs from > 0, got ${r.from}`);
    for (let i = 0; i < n; i++) {
      const f = i / (n - 1);
      out.push(r.log ? r.from * (r.to / r.from) ** f : r.from + f * (r.to - r.from));
    }
  }
  // Integers where asked; otherwise 12 significant digits, so 0.1 + 0.2 reads 0.3 in the database and the key.
  const values = out.map((v) => (integer ? Math.round(v) : Number(v.toPrecision(12))));
  return values.filter((v, i) => values.indexOf(v) === i);
}

/** The column name of an axis: its `name`, else its path with '.' as '_'. */
function axisName(a: AxisSpec): string {
  if (a.name !== undefined) return a.name;
  if (a.system) return 'system';
  const raw = a.set ?? String(a.workload);
  return raw.replace(/[^A-Za-z0-9_]/g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Reads and checks a sweep file: the schema, then what the schema cannot say (a workload field the command does
 * not take, a metric it does not report, duplicate axes). Throws one line naming the file and field.
 */
export function loadSweep(file: string): Sweep {
  const data = parseText(readInputText(file, 'a sweep file (YAML or JSON)'), file);
  return checkSweep(data, file);
}

/** Checks a parsed sweep (see loadSweep); `file` names it in messages. */
export function checkSweep(data: unknown, file: string): Sweep {
  const v = validate();
  // timeLimit's forms (seconds or a duration string) have their own message, whatever the schema says of them.
  if (data !== null && typeof data === 'object' && Object.hasOwn(data, 'timeLimit')) timeLimitSeconds((data as { timeLimit: unknown }).timeLimit, file);
  if (!v(data)) {
    // The most specific error first: a oneOf failure repeats its branches' errors, which say less.
    const errors = [...(v.errors ?? [])].sort((a, b) => b.instancePath.length - a.instancePath.length);
    const e = errors.find((x) => x.keyword !== 'oneOf' && x.keyword !== 'required') ?? errors[0]!;
    throw new StrataError(`${file}: field '${fieldOf(e)}': ${expected(e)}`);
  }
  const spec = data as SweepSpec;
  const fields = COMMAND_FIELDS[spec.command];
  for (const k of Object.keys(spec.workload) as (keyof SweepWorkload)[]) {
    if (!fields.includes(k)) throw new StrataError(`${file}: field 'workload.${k}': command '${spec.command}' takes ${fields.join(', ')}`);
  }
  for (const m of spec.metrics) {
    if (!COMMAND_METRICS[spec.command].includes(m)) {
      throw new StrataError(`${file}: field 'metrics': '${m}' is not reported by command '${spec.command}' (it reports ${COMMAND_METRICS[spec.command].join(', ')})`);
    }
  }
  const axes: Axis[] = spec.axes.map((a, i) => {
    const where = (sub = '') => `${file}: field 'axes.${i}${sub}'`;
    if ((a.values === undefined) === (a.range === undefined)) throw new StrataError(`${where()}: expected exactly one of values or range`);
    if (a.workload !== undefined && !fields.includes(a.workload)) throw new StrataError(`${where('.workload')}: command '${spec.command}' takes ${fields.join(', ')}`);
    const values = a.values ?? rangeValues(a.range!, where('.range'));
    if (a.values && new Set(a.values.map((x) => JSON.stringify(x))).size !== a.values.length) throw new StrataError(`${where('.values')}: a value is listed twice`);
    const kinds = new Set(values.map((x) => typeof x));
    if (kinds.size > 1) throw new StrataError(`${where('.values')}: expected values of one type, got ${[...kinds].join(' and ')}`);
    const kind = a.set !== undefined ? 'set' : a.workload !== undefined ? 'workload' : 'system';
    return { name: axisName(a), kind, target: a.set ?? a.workload ?? 'system', values };
  });
  const names = new Set<string>();
  const targets = new Set<string>();
  for (const [i, a] of axes.entries()) {
    if (names.has(a.name)) throw new StrataError(`${file}: field 'axes.${i}': a second axis named '${a.name}' (give it another name)`);
    if (targets.has(`${a.kind}:${a.target}`)) throw new StrataError(`${file}: field 'axes.${i}': ${a.target} is swept by an earlier axis`);
    const own = (a.name === 'system' && a.kind === 'system') || (a.name === 'model' && a.kind === 'workload' && a.target === 'model');
    if (RESERVED_COLUMNS.includes(a.name) && !own) throw new StrataError(`${file}: field 'axes.${i}': '${a.name}' is a column of every sweep (${RESERVED_COLUMNS.join(', ')}); name the axis otherwise`);
    names.add(a.name);
    targets.add(`${a.kind}:${a.target}`);
  }
  const m = spec.sampling;
  if (m && m.method !== 'grid' && m.points === undefined) throw new StrataError(`${file}: field 'sampling.points': ${m.method} sampling needs the number of points`);
  if (m && m.method === 'grid' && (m.points !== undefined || m.seed !== undefined)) throw new StrataError(`${file}: field 'sampling': grid sampling takes every combination (no points or seed)`);
  const size = axes.reduce((n, a) => n * a.values.length, 1);
  if ((m?.method ?? 'grid') === 'grid' && size > MAX_POINTS) throw new StrataError(`${file}: field 'axes': the grid has ${size} points, more than ${MAX_POINTS}`);
  if (m?.points !== undefined && m.points > MAX_POINTS) throw new StrataError(`${file}: field 'sampling.points': at most ${MAX_POINTS}`);
  return { spec, axes, file, ...(spec.timeLimit !== undefined ? { pointTimeoutS: timeLimitSeconds(spec.timeLimit, file) } : {}) };
}

/** Columns every sweep table has besides its axes and metrics (`system` and `model` hold each point's, whether swept or not). */
export const RESERVED_COLUMNS = ['point', 'key', 'status', 'error', 'command', 'system', 'model'];
