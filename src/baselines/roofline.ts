import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { deepFreeze } from '../dram/standard.ts';
import { opBytes, type Op, type OpClass, type OpKind } from '../compiler/op.ts';
import { readJsonFile } from '../spec/json-file.ts';
import { checkFamily, systemFile, systemNames } from '../spec/systems.ts';

/**
 * Analytical GPU/CPU baselines: each op takes max(compute time, memory time) plus a fixed launch overhead, ops
 * run one after another in list order (one stream), and energy is board power x time. The formula, the presets
 * and where each number comes from: docs/baselines.md.
 */

/** Number formats a preset may list a peak for. */
export const PRECISIONS = ['fp32', 'fp16', 'bf16', 'fp8', 'int8'] as const;
/** A number format. */
export type Precision = (typeof PRECISIONS)[number];
/** Bytes per element of each format. */
export const PRECISION_BYTES: Readonly<Record<Precision, number>> = Object.freeze({ fp32: 4, fp16: 2, bf16: 2, fp8: 1, int8: 1 });

/** Energy methods a preset may name; only board power x time is implemented. */
export const ENERGY_METHODS = ['board-power-x-time'] as const;
/** An energy method. */
export type EnergyMethod = (typeof ENERGY_METHODS)[number];

/** A loaded, validated baseline device preset (arch/systems/gpu-*.json, cpu-*.json). Frozen. */
export interface DevicePreset {
  readonly name: string;
  readonly kind: 'gpu' | 'cpu';
  readonly description: string;
  /** File it came from. */
  readonly file: string;
  /** Dense peak throughput per format, FLOP/s (OP/s for int8; a multiply-add counts 2). */
  readonly peakFlopsPerS: Readonly<Partial<Record<Precision, number>>>;
  readonly bandwidthBytesPerS: number;
  readonly capacityBytes: number;
  /** Fraction of peak FLOP/s that real kernels sustain (0, 1]. */
  readonly computeEfficiency: number;
  /** Fraction of peak bandwidth that real kernels sustain (0, 1]. */
  readonly memoryEfficiency: number;
  /** Fixed cost added to every op (kernel launch / dispatch), integer ps. */
  readonly launchOverheadPs: number;
  readonly boardPowerW: number;
  readonly energyMethod: EnergyMethod;
  /** Sources cited by the file, by section. */
  readonly sources: Readonly<Record<string, string>>;
}

/** Names of shipped baseline presets: the arch/systems/*.json files of family `baseline`. */
export function knownDevices(): string[] {
  return systemNames('baseline');
}

/** Loads a baseline preset by shipped name (`gpu-a100-40gb`) or by path to a .json file. */
export function loadDevice(nameOrPath: string): DevicePreset {
  const file = systemFile(nameOrPath, 'baseline', 'baseline device');
  return parseDevice(readJsonFile(file), file);
}

/** Validates a parsed preset and returns it frozen; `file` names it in errors. */
export function parseDevice(json: unknown, file: string): DevicePreset {
  const r = FieldReader.root(file, json);
  r.onlyKeys(['name', 'family', 'kind', 'description', 'compute', 'memory', 'efficiency', 'overhead', 'power', 'note'], 'a GPU/CPU baseline preset (arch/systems/gpu-*.json, cpu-*.json)');
  checkFamily(r, 'baseline');
  const sources: Record<string, string> = {};
  const section = (key: string, keys: string[]): FieldReader => r.sourcedSection(key, keys, sources);

  const c = section('compute', ['peakFlopsPerS']);
  const peaks = c.object('peakFlopsPerS');
  peaks.onlyKeys(PRECISIONS);
  const peakFlopsPerS: Partial<Record<Precision, number>> = {};
  for (const p of PRECISIONS) if (peaks.has(p)) peakFlopsPerS[p] = peaks.number(p, { positive: true });
  if (peakFlopsPerS.fp16 === undefined && peakFlopsPerS.bf16 === undefined) {
    peaks.fail('fp16', 'a peak for fp16 or bf16 (LLM weights are 16-bit by default; field is missing)');
  }

  const m = section('memory', ['bandwidthBytesPerS', 'capacityBytes']);
  const e = section('efficiency', ['compute', 'memory']);
  const o = section('overhead', ['launchNs']);
  const p = section('power', ['boardPowerW', 'energyMethod']);

  const device: DevicePreset = {
    name: r.string('name'),
    kind: r.string('kind', ['gpu', 'cpu']) as 'gpu' | 'cpu',
    description: r.optionalString('description', ''),
    file,
    peakFlopsPerS,
    bandwidthBytesPerS: m.number('bandwidthBytesPerS', { positive: true }),
    capacityBytes: m.number('capacityBytes', { integer: true, positive: true }),
    computeEfficiency: e.number('compute', { positive: true, max: 1 }),
    memoryEfficiency: e.number('memory', { positive: true, max: 1 }),
    launchOverheadPs: Math.round(o.number('launchNs', { min: 0 }) * 1000),
    boardPowerW: p.number('boardPowerW', { positive: true }),
    energyMethod: parseEnergyMethod(p),
    sources,
  };
  return deepFreeze(device);
}

function parseEnergyMethod(p: FieldReader): EnergyMethod {
  const v = p.string('energyMethod');
  if (v === 'per-byte-per-flop') p.fail('energyMethod', "'board-power-x-time' (per-byte/per-flop energy tables are not implemented yet)", v);
  return p.string('energyMethod', ENERGY_METHODS) as EnergyMethod;
}

/**
 * The format an op runs in. A name must be listed by the device; a byte width picks the device's fastest format
 * of that width (2 bytes: fp16 or bf16, whichever is faster; ties go to fp16).
 */
export function resolvePrecision(device: DevicePreset, precision: Precision | number): Precision {
  const listed = PRECISIONS.filter((p) => device.peakFlopsPerS[p] !== undefined);
  if (typeof precision === 'string') {
    if (device.peakFlopsPerS[precision] === undefined) {
      throw new StrataError(`${device.name} has no ${precision} peak in ${device.file} (it lists ${listed.join(', ')})`);
    }
    return precision;
  }
  let best: Precision | null = null;
  for (const p of listed) {
    if (PRECISION_BYTES[p] === precision && (best === null || device.peakFlopsPerS[p]! > device.peakFlopsPerS[best]!)) best = p;
  }
  if (best === null) {
    throw new StrataError(`${device.name} has no ${precision}-byte format in ${device.file} (it lists ${listed.map((q) => `${q} (${PRECISION_BYTES[q]} B)`).join(', ')})`);
  }
  return best;
}

/** Time of one op on a device, split into its parts (integer ps, rounded up). */
export interface OpCost {
  readonly computePs: number;
  readonly memoryPs: number;
  readonly launchPs: number;
  /** max(computePs, memoryPs) + launchPs. */
  readonly durationPs: number;
  /** Which roof sets the time; 'memory' on a tie (and for ops with no FLOPs). */
  readonly bound: 'compute' | 'memory';
}

/** Rounds a time in ps up to a whole ps, ignoring floating-point noise of a few ulps. */
function ceilPs(ps: number): number {
  return Math.ceil(ps - ps * 4 * Number.EPSILON);
}

/** Cost of `op` on `device`: compute = FLOPs / (peak x computeEff), memory = bytes / (bandwidth x memEff), each rounded up to a ps. */
export function opCost(device: DevicePreset, op: Op, precision: Precision | number): OpCost {
  const fmt = resolvePrecision(device, precision);
  const computePs = ceilPs((op.flops * 1e12) / (device.peakFlopsPerS[fmt]! * device.computeEfficiency));
  const memoryPs = ceilPs((opBytes(op) * 1e12) / (device.bandwidthBytesPerS * device.memoryEfficiency));
  const launchPs = device.launchOverheadPs;
  return {
    computePs,
    memoryPs,
    launchPs,
    durationPs: Math.max(computePs, memoryPs) + launchPs,
    bound: computePs > memoryPs ? 'compute' : 'memory',
  };
}

/** Roofline time of one op in ns: max(FLOPs / (peak x computeEff), bytes / (bandwidth x memEff)) + launch overhead. */
export function opTimeNs(device: DevicePreset, op: Op, precision: Precision | number): number {
  return opCost(device, op, precision).durationPs / 1000;
}

/** One op in a baseline run's timeline. Times in ps (integers) and in ns. */
export interface BaselineOpRecord extends OpCost {
  readonly id: string;
  readonly kind: OpKind;
  readonly cls: OpClass;
  readonly layer: number;
  readonly startPs: number;
  readonly endPs: number;
  readonly startNs: number;
  readonly endNs: number;
  readonly flops: number;
  readonly bytes: number;
}

/** Result of running an op list on a baseline device. */
export interface BaselineRun {
  readonly device: string;
  readonly kind: 'gpu' | 'cpu';
  readonly precision: Precision;
  readonly ops: readonly BaselineOpRecord[];
  readonly totalPs: number;
  readonly totalNs: number;
  readonly flops: number;
  readonly bytes: number;
  /** flops / total time (including launch overheads), FLOP/s. */
  readonly achievedFlopsPerS: number;
  /** bytes / total time, bytes/s. */
  readonly achievedBytesPerS: number;
  readonly computeBoundOps: number;
  readonly memoryBoundOps: number;
  /** Total launch overhead, ps. */
  readonly launchPs: number;
  readonly energy: { readonly method: EnergyMethod; readonly joules: number; readonly averagePowerW: number };
}

/**
 * Kernel launches of attention, whose ops the compiler lowers one per request and layer (src/compiler/lower.ts).
 * `per-layer` (the default): a layer's attention ops of one kind (score, softmax, context) share one launch for
 * the whole batch, as serving engines run batched attention kernels (vLLM's PagedAttention, FlashAttention's
 * variable-length kernels: one launch per layer over every sequence). `per-request`: every attention op pays its
 * own launch (one kernel per sequence). Both are the same at batch 1.
 */
export const ATTENTION_LAUNCHES = ['per-request', 'per-layer'] as const;
/** An attention launch mode. */
export type AttentionLaunch = (typeof ATTENTION_LAUNCHES)[number];

/** Op kinds of the per-request attention ops (one launch per layer and kind with `per-layer` launches). */
const ATTENTION_OP_KINDS: ReadonlySet<string> = new Set(['attn-score', 'softmax', 'attn-context']);

/**
 * Runs `ops` one after another on `device` (a single stream: the next op starts when the previous ends), in list
 * order. An op's dependencies that are in the list must come before it. Precision defaults to 2 bytes. Every op
 * pays the launch overhead, except later attention ops of a layer and kind under `per-layer` launches (the default;
 * see ATTENTION_LAUNCHES).
 */
export function runOpsOnDevice(
  device: DevicePreset, ops: readonly Op[], precision: Precision | number = 2, opts: { attentionLaunch?: AttentionLaunch } = {},
): BaselineRun {
  const fmt = resolvePrecision(device, precision);
  const perLayer = (opts.attentionLaunch ?? 'per-layer') === 'per-layer';
  const launched = new Set<string>();
  const position = new Map<string, number>();
  ops.forEach((op, i) => {
    if (position.has(op.id)) throw new StrataError(`op list: id '${op.id}' appears twice (positions ${position.get(op.id)} and ${i})`);
    position.set(op.id, i);
  });
  const records: BaselineOpRecord[] = [];
  let t = 0;
  let flops = 0;
  let bytes = 0;
  let launchPs = 0;
  let computeBoundOps = 0;
  ops.forEach((op, i) => {
    for (const dep of op.deps) {
      const at = position.get(dep);
      if (at !== undefined && at >= i) throw new StrataError(`op list: '${op.id}' (position ${i}) depends on '${dep}', which comes later (position ${at}); list ops in dependency order`);
    }
    let cost = opCost(device, op, fmt);
    if (perLayer && ATTENTION_OP_KINDS.has(op.kind)) {
      const key = `${op.layer}:${op.kind}`;
      if (launched.has(key)) cost = { ...cost, launchPs: 0, durationPs: cost.durationPs - cost.launchPs };
      launched.add(key);
    }
    const b = opBytes(op);
    records.push({
      id: op.id, kind: op.kind, cls: op.cls, layer: op.layer,
      startPs: t, endPs: t + cost.durationPs, startNs: t / 1000, endNs: (t + cost.durationPs) / 1000,
      flops: op.flops, bytes: b, ...cost,
    });
    t += cost.durationPs;
    flops += op.flops;
    bytes += b;
    launchPs += cost.launchPs;
    if (cost.bound === 'compute') computeBoundOps++;
  });
  const seconds = t / 1e12;
  const joules = energyJoules(device, t);
  return deepFreeze({
    device: device.name,
    kind: device.kind,
    precision: fmt,
    ops: records,
    totalPs: t,
    totalNs: t / 1000,
    flops,
    bytes,
    achievedFlopsPerS: seconds > 0 ? flops / seconds : 0,
    achievedBytesPerS: seconds > 0 ? bytes / seconds : 0,
    computeBoundOps,
    memoryBoundOps: ops.length - computeBoundOps,
    launchPs,
    energy: { method: device.energyMethod, joules, averagePowerW: seconds > 0 ? joules / seconds : 0 },
  });
}

/** Energy of `timePs` of work: board power x time (the board is assumed at its rated power throughout), J. */
export function energyJoules(device: DevicePreset, timePs: number): number {
  switch (device.energyMethod) {
    case 'board-power-x-time':
      return device.boardPowerW * (timePs / 1e12);
    default: {
      const never: never = device.energyMethod;
      throw new Error(`internal invariant broken: unhandled energy method ${String(never)}`);
    }
  }
}

/** Result of a capacity check. */
export interface CapacityCheck {
  readonly fits: boolean;
  readonly neededBytes: number;
  readonly availableBytes: number;
  /** Says how much is needed and available, and by how much it falls short. */
  readonly message: string;
}

/** Whether `bytes` (weights + KV cache + activations) fit in the device's memory. */
export function fitsInMemory(device: DevicePreset, bytes: number): CapacityCheck {
  if (!Number.isFinite(bytes) || bytes < 0) throw new StrataError(`capacity check on ${device.name}: bytes must be a number >= 0, got ${bytes}`);
  const available = device.capacityBytes;
  const fits = bytes <= available;
  const message = fits
    ? `${device.name}: needs ${formatBytes(bytes)}, has ${formatBytes(available)} (${formatBytes(available - bytes)} to spare)`
    : `${device.name}: needs ${formatBytes(bytes)} but has ${formatBytes(available)}; short by ${formatBytes(bytes - available)}`;
  return { fits, neededBytes: bytes, availableBytes: available, message };
}

/** `12.50 GiB (13421772800 bytes)`. */
function formatBytes(b: number): string {
  return `${(b / 2 ** 30).toFixed(2)} GiB (${b} bytes)`;
}
