import { StrataError } from '../spec/errors.ts';
import { readInputText } from '../spec/input-file.ts';
import { jsonSyntaxReason } from '../spec/json-file.ts';
import { FieldReader, describe } from '../spec/fields.ts';
import { deepFreeze } from '../spec/freeze.ts';
import { kvBytesPerToken, parameterCount, type ModelSpec } from './model.ts';
import { OP_KINDS, type Op, type OpClass, type OpKind } from '../ir/op.ts';
import { parseStep } from './step.ts';
import type { Step } from '../ir/step.ts';
import { describeTiling } from './tiling.ts';
import {
  DEVICE_KINDS, repoRelative, TARGET_KINDS, type Assignment, type DeviceKind, type MappedDevice, type Mapping, type TargetInfo, type Tiling,
} from './policies/types.ts';
import { describePimGemv, PIM_GEMV_COMMANDS, type PimLayoutParams } from './policies/pim-gemv-tiling.ts';

/*
 * Device traces: a mapped step as JSON Lines (docs/trace-format.md). Line 1 is a header (schema, model, step,
 * policy, target, seed and random streams, devices, counts); then one line per op in dependency order, with its
 * device, shape, FLOPs, bytes by class, Op/B, dependencies and, for tiled ops, a compact tiling from which every
 * tile (systolic arrays) or every channel's command counts (in-bank PIM) follow. `traceToJsonl` writes it;
 * `parseTrace` / `readTrace` validate it back, naming file and line.
 */

/** Schema id of device traces; bump on any change a reader of this version would not understand. */
export const TRACE_SCHEMA = 'strata.device-trace/1';

/** What a trace records of its model: enough to check memory and run the ops without the model file. */
export interface TraceModel {
  readonly name: string;
  /** Relative to the repository for shipped models. */
  readonly file: string;
  readonly precisionBytes: number;
  readonly parameters: number;
  readonly kvBytesPerToken: number;
}

/** Line 1 of a trace. */
export interface TraceHeader {
  readonly schema: typeof TRACE_SCHEMA;
  readonly model: TraceModel;
  readonly step: Step;
  /** How the step was specified (`--batch 64 --context 1024`, a request file, `library`). */
  readonly origin: string;
  readonly policy: string;
  readonly target: TargetInfo;
  /** The seed given to the compiler. */
  readonly seed: string;
  /** seedrandom streams actually drawn from (MoE routing), in order; empty for dense models. */
  readonly streams: readonly string[];
  readonly devices: readonly MappedDevice[];
  readonly counts: { readonly ops: number; readonly tiles: number; readonly folds: number };
}

/** A whole trace: the header and one assignment per op, in file order. Frozen. */
export interface DeviceTrace {
  readonly header: TraceHeader;
  readonly assignments: readonly Assignment[];
}

/** Provenance a trace records besides the mapping. */
export interface TraceSource {
  readonly model: ModelSpec;
  readonly step: Step;
  readonly mapping: Mapping;
  readonly seed: string;
  readonly streams: readonly string[];
  readonly origin: string;
}

/** Tiles and folds of a tiling: a `ws-gemm` tiling's counts; a `pim-gemv` layout has neither (0). */
export function tilingCounts(t: Tiling | null): { tiles: number; folds: number } {
  if (t === null) return { tiles: 0, folds: 0 };
  switch (t.scheme) {
    case 'ws-gemm':
      return { tiles: t.tiles, folds: t.folds };
    case 'pim-gemv':
      return { tiles: 0, folds: 0 };
    default: {
      const never: never = t;
      throw new Error(`internal invariant broken: unhandled tiling scheme ${String((never as { scheme: unknown }).scheme)}`);
    }
  }
}

/** Sums of tiles and folds over assignments, as the header counts them. */
function countTiles(assignments: readonly Assignment[]): { tiles: number; folds: number } {
  let tiles = 0;
  let folds = 0;
  for (const a of assignments) {
    const c = tilingCounts(a.tiling);
    tiles += c.tiles;
    folds += c.folds;
  }
  return { tiles, folds };
}

/** Assembles a trace from a mapping and its provenance. */
export function makeTrace(src: TraceSource): DeviceTrace {
  const { tiles, folds } = countTiles(src.mapping.assignments);
  const m = src.model;
  return deepFreeze({
    header: {
      schema: TRACE_SCHEMA,
      model: { name: m.name, file: repoRelative(m.file), precisionBytes: m.precisionBytes, parameters: parameterCount(m), kvBytesPerToken: kvBytesPerToken(m) },
      step: src.step,
      origin: src.origin,
      policy: src.mapping.policy,
      target: src.mapping.target,
      seed: src.seed,
      streams: [...src.streams],
      devices: src.mapping.devices,
      counts: { ops: src.mapping.assignments.length, tiles, folds },
    },
    assignments: src.mapping.assignments,
  });
}

/** The header line, keys in a fixed order. */
function headerLine(h: TraceHeader): string {
  return JSON.stringify({
    schema: h.schema,
    type: 'header',
    model: h.model,
    step: { phase: h.step.phase, requests: h.step.requests.map((q) => ({ id: q.id, contextLength: q.contextLength, newTokens: q.newTokens })) },
    origin: h.origin,
    policy: h.policy,
    target: { kind: h.target.kind, name: h.target.name, file: h.target.file },
    seed: h.seed,
    streams: h.streams,
    devices: h.devices.map((d) => ({ id: d.id, kind: d.kind, spec: d.spec, file: d.file, units: d.units, params: d.params })),
    counts: { ops: h.counts.ops, tiles: h.counts.tiles, folds: h.counts.folds },
  });
}

/** One op line, keys in a fixed order. */
function opLine(a: Assignment): string {
  const o = a.op;
  const total = o.weightBytes + o.activationReadBytes + o.activationWriteBytes + o.kvReadBytes + o.kvWriteBytes;
  return JSON.stringify({
    type: 'op',
    id: o.id,
    kind: o.kind,
    cls: o.cls,
    layer: o.layer,
    expert: o.expert,
    device: a.device,
    shape: { m: o.m, k: o.k, n: o.n, batch: o.batch },
    flops: o.flops,
    bytes: {
      weights: o.weightBytes, activationsRead: o.activationReadBytes, activationsWritten: o.activationWriteBytes,
      kvRead: o.kvReadBytes, kvWritten: o.kvWriteBytes, total,
    },
    opPerByte: o.opPerByte,
    deps: o.deps,
    tiling: a.tiling,
  });
}

/** The trace as JSON Lines text (one record per line, a final newline). Same trace → same bytes. */
export function traceToJsonl(trace: DeviceTrace): string {
  const lines = [headerLine(trace.header)];
  for (const a of trace.assignments) lines.push(opLine(a));
  return `${lines.join('\n')}\n`;
}

/** The ops of a trace, as the op graph had them (dependency order). */
export function traceOps(trace: DeviceTrace): Op[] {
  return trace.assignments.map((a) => a.op);
}

// ---------------------------------------------------------------------------------------------------------
// Reading

/** Reads and validates a trace file. */
export function readTrace(file: string): DeviceTrace {
  return parseTrace(readInputText(file, 'a device trace (JSON Lines)'), file);
}

/** A non-negative integer field. */
const count = { integer: true, min: 0 };
/** A positive integer field. */
const positive = { integer: true, positive: true };

function stringArray(r: FieldReader, key: string): string[] {
  const v = r.obj[key];
  if (!Array.isArray(v)) r.fail(key, v === undefined ? 'an array of strings (field is missing)' : 'an array of strings', v);
  return v.map((s, i) => {
    if (typeof s !== 'string') r.fail(`${key}[${i}]`, 'a string', s);
    return s;
  });
}

/** Params a `pim` device must declare, in the order the policy writes them; a PIM layout depends on all of them. */
const PIM_PARAMS = ['channels', 'banksPerChannel', 'macsPerBank', 'rowBytes', 'elementBytes', 'globalBufferBytes', 'capacityBytes'] as const;
/** Params an `asic`, `bank-pim` or `logic-pim` device must declare: enough to time its ops (src/pim/asic.ts `asicOpCost`). */
const ASIC_PARAMS = ['lanes', 'clockPs', 'opLatencyCycles'] as const;

/**
 * Checks the params of the device kinds whose params are fixed (`pim`, `asic`): exactly the listed ones, integers,
 * and for `pim` a consistent layout (units = channels x banks, whole elements per row, a row fits in the global
 * buffer, as src/pim/pim-spec.ts and src/systems/pim-gpt/gemv.ts require of a spec). Other kinds keep free-form params.
 */
function checkDeviceParams(d: FieldReader, p: FieldReader, kind: DeviceKind, params: Record<string, number>, units: number): void {
  switch (kind) {
    case 'pim': {
      p.onlyKeys(PIM_PARAMS);
      for (const key of PIM_PARAMS) p.number(key, positive);
      const { channels, banksPerChannel, rowBytes, elementBytes, macsPerBank, globalBufferBytes } = params as Record<(typeof PIM_PARAMS)[number], number>;
      if (units !== channels * banksPerChannel) d.fail('units', `params.channels x params.banksPerChannel = ${channels * banksPerChannel} (the banks of a pim device)`, units);
      if (rowBytes % (macsPerBank * elementBytes) !== 0) p.fail('rowBytes', `a multiple of macsPerBank x elementBytes (${macsPerBank * elementBytes})`, rowBytes);
      if (rowBytes > globalBufferBytes) p.fail('globalBufferBytes', `at least rowBytes (${rowBytes}): the global buffer holds a row's worth of input`, globalBufferBytes);
      return;
    }
    case 'asic':
    case 'bank-pim':
    case 'logic-pim':
      p.onlyKeys(ASIC_PARAMS);
      for (const key of ASIC_PARAMS) p.number(key, key === 'opLatencyCycles' ? count : positive);
      return;
    case 'gpu':
    case 'cpu':
    case 'systolic-array':
    case 'vector-unit':
      return;
    default: {
      const never: never = kind;
      throw new Error(`internal invariant broken: unhandled device kind ${String(never)}`);
    }
  }
}

function parseHeader(json: unknown, at: string): TraceHeader {
  const r = FieldReader.root(at, json);
  if (r.obj.type !== 'header') {
    throw new StrataError(`${at}: expected the header record ({"schema": "${TRACE_SCHEMA}", "type": "header", ...}) on line 1, found type ${describe(r.obj.type)}`);
  }
  const schema = r.string('schema');
  if (schema !== TRACE_SCHEMA) {
    const why = schema.startsWith('strata.device-trace/') ? 'a schema version this Strata does not read' : 'not a Strata device trace';
    r.fail('schema', `'${TRACE_SCHEMA}' (${why})`, schema);
  }
  r.onlyKeys(['schema', 'type', 'model', 'step', 'origin', 'policy', 'target', 'seed', 'streams', 'devices', 'counts']);

  const m = r.object('model');
  m.onlyKeys(['name', 'file', 'precisionBytes', 'parameters', 'kvBytesPerToken']);
  const model: TraceModel = {
    name: m.string('name'),
    file: m.string('file'),
    precisionBytes: m.number('precisionBytes', positive),
    parameters: m.number('parameters', positive),
    kvBytesPerToken: m.number('kvBytesPerToken', positive),
  };
  if (![1, 2, 4].includes(model.precisionBytes)) m.fail('precisionBytes', '1, 2 or 4', model.precisionBytes);

  if (!r.has('step')) r.fail('step', 'an object { phase, requests } (field is missing)');
  const step = parseStep(r.obj.step, `${at}: step`);

  const t = r.object('target');
  t.onlyKeys(['kind', 'name', 'file']);
  const target: TargetInfo = { kind: t.string('kind', TARGET_KINDS) as TargetInfo['kind'], name: t.string('name'), file: t.string('file') };

  const devices: MappedDevice[] = [];
  const ids = new Set<string>();
  for (const d of r.objects('devices')) {
    d.onlyKeys(['id', 'kind', 'spec', 'file', 'units', 'params']);
    const id = d.string('id');
    if (id === '') d.fail('id', 'a non-empty device id', id);
    if (ids.has(id)) d.fail('id', 'an id no other device of the header uses', id);
    ids.add(id);
    const kind = d.string('kind', DEVICE_KINDS) as DeviceKind;
    const p = d.object('params');
    const params: Record<string, number> = {};
    for (const key of Object.keys(p.obj)) params[key] = p.number(key);
    const units = d.number('units', positive);
    checkDeviceParams(d, p, kind, params, units);
    devices.push({ id, kind, spec: d.string('spec'), file: d.string('file'), units, params });
  }
  if (devices.length === 0) r.fail('devices', 'at least one device', []);

  const c = r.object('counts');
  c.onlyKeys(['ops', 'tiles', 'folds']);
  const policy = r.string('policy');
  if (policy === '') r.fail('policy', 'a policy name', policy);
  return {
    schema: TRACE_SCHEMA,
    model,
    step,
    origin: r.string('origin'),
    policy,
    target,
    seed: r.string('seed'),
    streams: stringArray(r, 'streams'),
    devices,
    counts: { ops: c.number('ops', count), tiles: c.number('tiles', count), folds: c.number('folds', count) },
  };
}

const OP_KEYS = ['type', 'id', 'kind', 'cls', 'layer', 'expert', 'device', 'shape', 'flops', 'bytes', 'opPerByte', 'deps', 'tiling'];
const BYTE_KEYS = ['weights', 'activationsRead', 'activationsWritten', 'kvRead', 'kvWritten', 'total'] as const;

/** Compares a saved value with the one its inputs imply (`why` says what implies it); names the first field that differs. */
function expectSame(r: FieldReader, path: string, found: unknown, expected: unknown, why = 'what the shape, tile sizes and device imply'): void {
  if (typeof expected === 'object' && expected !== null) {
    const f = (typeof found === 'object' && found !== null ? found : {}) as Record<string, unknown>;
    const at = (k: string) => (Array.isArray(expected) ? `${path}[${k}]` : `${path}.${k}`);
    for (const [k, v] of Object.entries(expected)) expectSame(r, at(k), f[k], v, why);
    for (const k of Object.keys(f)) if (!(k in expected)) throw new StrataError(`${r.where(at(k))}: unknown field`);
    return;
  }
  if (found !== expected) r.fail(path, `${describe(expected)} (${why})`, found);
}

/** Validates a tiling against its op's shape and device, and returns it (rebuilt from the tile sizes, so it is exactly what the tiler would describe). */
function parseWsTiling(r: FieldReader, shape: { m: number; k: number; n: number; batch: number }, device: MappedDevice, p: number): Tiling {
  const t = r.object('tiling');
  t.string('scheme', ['ws-gemm']);
  const tile = t.object('tile');
  tile.onlyKeys(['m', 'k', 'n']);
  const size = { m: tile.number('m', positive), k: tile.number('k', positive), n: tile.number('n', positive) };
  for (const d of ['m', 'k', 'n'] as const) if (size[d] > shape[d]) tile.fail(d, `at most shape.${d} (${shape[d]})`, size[d]);
  const rows = device.params.rows;
  const cols = device.params.cols;
  if (rows === undefined || cols === undefined) r.fail('device', `a device whose params give the array's rows and cols (device '${device.id}' has none)`, device.id);
  const expected = describeTiling(shape, size, { rows, cols }, p);
  expectSame(r, 'tiling', r.obj.tiling, expected);
  const spad = device.params.scratchpadBytes;
  if (spad !== undefined && expected.scratchpadBytes > spad) t.fail('scratchpadBytes', `at most the device's scratchpad (${spad} bytes)`, expected.scratchpadBytes);
  const acc = device.params.accumulatorBytes;
  if (acc !== undefined && expected.accumulatorBytes > acc) t.fail('accumulatorBytes', `at most the device's accumulator (${acc} bytes)`, expected.accumulatorBytes);
  return expected;
}

/**
 * Validates a PIM layout against its op's shape and device, and returns it (recomputed from the shape and the
 * device's params, so it is exactly what the policy would write).
 */
function parsePimTiling(r: FieldReader, shape: { m: number; k: number; n: number; batch: number }, device: MappedDevice): Tiling {
  const t = r.object('tiling');
  t.string('scheme', ['pim-gemv']);
  t.onlyKeys(['scheme', 'out', 'in', 'repeats', 'outputsPerRow', 'segmentsPerOutput', 'rowsPerBank', 'perChannel']);
  const implied = { out: shape.batch * shape.n, in: shape.k, repeats: shape.m };
  const why = { out: 'shape.batch x shape.n', in: 'shape.k', repeats: 'shape.m' };
  for (const key of ['out', 'in', 'repeats'] as const) {
    const v = t.number(key, positive);
    if (v !== implied[key]) t.fail(key, `${why[key]} = ${implied[key]}`, v);
  }
  const groups = t.objects('perChannel');
  groups.forEach((g) => {
    g.onlyKeys(['channels', ...PIM_GEMV_COMMANDS]);
    g.number('channels', positive);
    for (const c of PIM_GEMV_COMMANDS) g.number(c, count);
  });
  const expected = describePimGemv(device.params as unknown as PimLayoutParams, implied.out, implied.in, implied.repeats);
  expectSame(r, 'tiling', r.obj.tiling, expected, "what the shape and the device's params imply");
  return expected;
}

function parseOp(json: unknown, at: string, header: TraceHeader, seen: Map<string, number>, lineNo: number): Assignment {
  const r = FieldReader.root(at, json);
  if (r.obj.type !== 'op') {
    const found = r.obj.type === 'header' ? "a second header (only line 1 is one)" : `type ${describe(r.obj.type)}`;
    throw new StrataError(`${at}: expected an op record (type 'op'), found ${found}`);
  }
  r.onlyKeys(OP_KEYS);
  const id = r.string('id');
  if (id === '') r.fail('id', 'a non-empty op id', id);
  const dup = seen.get(id);
  if (dup !== undefined) r.fail('id', `an id not used before (line ${dup} has it)`, id);

  const kind = r.string('kind', OP_KINDS) as OpKind;
  const cls = r.string('cls', ['gemm', 'gemv', 'vector']) as OpClass;
  const s = r.object('shape');
  s.onlyKeys(['m', 'k', 'n', 'batch']);
  const shape = { m: s.number('m', positive), k: s.number('k', positive), n: s.number('n', positive), batch: s.number('batch', positive) };
  if (cls !== 'vector' && cls !== (shape.m === 1 ? 'gemv' : 'gemm')) r.fail('cls', `'${shape.m === 1 ? 'gemv' : 'gemm'}' for a matrix op with m = ${shape.m}`, cls);

  const deviceId = r.string('device');
  const device = header.devices.find((d) => d.id === deviceId);
  if (!device) return r.fail('device', `one of the header's devices (${header.devices.map((d) => d.id).join(', ')})`, deviceId);

  const b = r.object('bytes');
  b.onlyKeys(BYTE_KEYS);
  const bytes = Object.fromEntries(BYTE_KEYS.map((k) => [k, b.number(k, count)])) as Record<(typeof BYTE_KEYS)[number], number>;
  const sum = bytes.weights + bytes.activationsRead + bytes.activationsWritten + bytes.kvRead + bytes.kvWritten;
  if (bytes.total !== sum) b.fail('total', `the sum of the other byte counts (${sum})`, bytes.total);
  const flops = r.number('flops', count);
  const opPerByte = r.number('opPerByte', { min: 0 });
  const expectedOpB = sum > 0 ? flops / sum : 0;
  if (Math.abs(opPerByte - expectedOpB) > 1e-9 * Math.max(1, expectedOpB)) r.fail('opPerByte', `flops / bytes.total = ${expectedOpB}`, opPerByte);

  const deps = stringArray(r, 'deps');
  deps.forEach((dep, i) => {
    if (!seen.has(dep)) r.fail(`deps[${i}]`, `the id of an op on an earlier line (ops come after what they depend on)`, dep);
  });

  let tiling: Tiling | null = null;
  switch (device.kind) {
    case 'systolic-array':
      if (cls === 'vector') r.fail('device', `a device that runs vector ops ('${device.id}' is a systolic array)`, deviceId);
      if (r.obj.tiling === null || r.obj.tiling === undefined) r.fail('tiling', `a tiling (ops on systolic array '${device.id}' are tiled)`, r.obj.tiling);
      tiling = parseWsTiling(r, shape, device, header.model.precisionBytes);
      break;
    case 'pim':
      if (cls === 'vector') r.fail('device', `a device that runs vector ops ('${device.id}' is an in-bank PIM device: it runs matrix products only)`, deviceId);
      if (r.obj.tiling === null || r.obj.tiling === undefined) r.fail('tiling', `a tiling (ops on PIM device '${device.id}' carry their layout)`, r.obj.tiling);
      tiling = parsePimTiling(r, shape, device);
      break;
    case 'gpu':
    case 'cpu':
    case 'vector-unit':
    case 'asic':
    case 'bank-pim':
    case 'logic-pim':
      if (r.obj.tiling !== null) r.fail('tiling', `null (device '${device.id}' runs ops whole)`, r.obj.tiling);
      break;
    default: {
      const never: never = device.kind;
      throw new Error(`internal invariant broken: unhandled device kind ${String(never)}`);
    }
  }

  seen.set(id, lineNo);
  const op: Op = {
    id, kind, cls, layer: r.number('layer', { integer: true, min: -1 }), expert: r.number('expert', { integer: true, min: -1 }),
    m: shape.m, k: shape.k, n: shape.n, batch: shape.batch, flops,
    weightBytes: bytes.weights, activationReadBytes: bytes.activationsRead, activationWriteBytes: bytes.activationsWritten,
    kvReadBytes: bytes.kvRead, kvWriteBytes: bytes.kvWritten, opPerByte, deps,
  };
  return { op, device: deviceId, tiling };
}

/**
 * Parses and validates trace text; `file` names it in errors, which give the line (`trace.jsonl: line 7: field
 * 'shape.m': expected ...`). Checks every field's type and range, that deps refer to earlier ops, that devices
 * are declared, that tilings are exactly what their tile sizes imply, and the header's counts.
 */
export function parseTrace(text: string, file: string): DeviceTrace {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new StrataError(`${file}: empty file (expected a '${TRACE_SCHEMA}' header on line 1)`);
  const parseLine = (i: number): unknown => {
    const line = lines[i]!;
    if (line.trim() === '') throw new StrataError(`${file}: line ${i + 1}: empty line (JSON Lines: one record per line)`);
    try {
      return JSON.parse(line);
    } catch (e) {
      throw new StrataError(`${file}: line ${i + 1}: not valid JSON (${jsonSyntaxReason(e)})`);
    }
  };
  const header = parseHeader(parseLine(0), `${file}: line 1`);
  const seen = new Map<string, number>();
  const assignments: Assignment[] = [];
  for (let i = 1; i < lines.length; i++) assignments.push(parseOp(parseLine(i), `${file}: line ${i + 1}`, header, seen, i + 1));
  const { tiles, folds } = countTiles(assignments);
  const c = header.counts;
  if (c.ops !== assignments.length || c.tiles !== tiles || c.folds !== folds) {
    throw new StrataError(
      `${file}: the header (line 1) counts ${c.ops} ops, ${c.tiles} tiles and ${c.folds} folds but the file has ` +
      `${assignments.length} ops, ${tiles} tiles and ${folds} folds (truncated or edited?)`,
    );
  }
  return deepFreeze({ header, assignments });
}
