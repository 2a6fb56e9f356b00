import { StrataError } from '../../spec/errors.ts';
import { FieldReader } from '../../spec/fields.ts';
import { deepFreeze } from '../../spec/freeze.ts';
import { OP_KINDS, opBytes, type Op, type OpClass, type OpKind } from '../../ir/op.ts';
import { readJsonFile } from '../../spec/json-file.ts';
import { checkFamily, systemFile, systemNames } from '../presets.ts';
import { extractAssumptions } from '../../spec/provenance.ts';

/**
 * Analytical GPU/CPU baselines, modelled as the measurements of bench/gpu/h100-measured.json say a GPU runs a
 * decoder: ops become kernels as a serving engine fuses them (fused QKV and gate/up projections, one fused causal
 * attention kernel per layer for the whole batch), every kernel costs a fixed GPU-side floor plus
 * max(compute, memory) at efficiencies that depend on the op (GEMM or fused attention), and a software profile
 * says how many kernels a framework runs per op and what the host pays to launch each one. A step takes
 * max(GPU time, host launch time): the host runs ahead of the GPU through CUDA's launch queue, so it only shows
 * when launching is slower than the kernels (eager PyTorch on small models). Energy is board power x time.
 * The formula, the profiles, the presets and where each number comes from: docs/baselines.md.
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
  /** Bytes the runtime keeps for itself (driver, CUDA context, library workspaces, allocator slack): not for weights or KV. */
  readonly reservedBytes: number;
  /** Fraction of peak FLOP/s that large GEMMs sustain (0, 1]. */
  readonly computeEfficiency: number;
  /** Fraction of peak FLOP/s that fused attention kernels (FlashAttention) sustain (0, 1]. */
  readonly attentionEfficiency: number;
  /** Fraction of peak bandwidth that long streams sustain (0, 1]: the plateau a kernel's bandwidth rises to with its bytes. */
  readonly memoryEfficiency: number;
  /** Fixed GPU-side time of one kernel (start, ramp-up, tail), integer ps; a kernel takes this plus max(compute, memory). */
  readonly launchOverheadPs: number;
  /** Software profiles by name (how ops become kernels and what launching one costs the host). */
  readonly profiles: Readonly<Record<string, SoftwareProfile>>;
  /** The profile used when none is named. */
  readonly defaultProfile: string;
  readonly boardPowerW: number;
  readonly energyMethod: EnergyMethod;
  /** Sources cited by the file, by section. */
  readonly sources: Readonly<Record<string, string>>;
}

/** Keys of `kernelsPerOp`: op kinds, and `ffn-act.gated` for the activation of gated FFNs (SwiGLU, GeGLU). */
export type KernelKey = OpKind | 'ffn-act.gated';

/**
 * A software setup: how many kernels the framework runs for one op of each kind (its unfused element-wise chains:
 * a plain-PyTorch rotary embedding is several kernels) and what the host pays to launch each kernel.
 */
export interface SoftwareProfile {
  readonly name: string;
  readonly description: string;
  /** Host time to issue one kernel, integer ps: 0 when a CUDA graph replays the step. */
  readonly hostLaunchPs: number;
  /** Kernels per op of a kind where not 1 (kinds fused into another op's kernel have none, whatever this says). */
  readonly kernelsPerOp: Readonly<Partial<Record<KernelKey, number>>>;
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
  const r = FieldReader.root(file, stripAssumptions(json, file));
  r.onlyKeys(['name', 'family', 'kind', 'description', 'compute', 'memory', 'efficiency', 'kernel', 'software', 'power', 'note'], 'a GPU/CPU baseline preset (arch/systems/gpu-*.json, cpu-*.json)');
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

  const m = section('memory', ['bandwidthBytesPerS', 'capacityBytes', 'reservedBytes']);
  const e = section('efficiency', ['compute', 'attention', 'memory']);
  const k = section('kernel', ['floorNs']);
  const sw = section('software', ['default', 'profiles']);
  const p = section('power', ['boardPowerW', 'energyMethod']);
  const profiles = parseProfiles(sw);
  const defaultProfile = sw.string('default', Object.keys(profiles));
  const capacityBytes = m.number('capacityBytes', { integer: true, positive: true });

  const device: DevicePreset = {
    name: r.string('name'),
    kind: r.string('kind', ['gpu', 'cpu']) as 'gpu' | 'cpu',
    description: r.optionalString('description', ''),
    file,
    peakFlopsPerS,
    bandwidthBytesPerS: m.number('bandwidthBytesPerS', { positive: true }),
    capacityBytes,
    reservedBytes: m.number('reservedBytes', { integer: true, min: 0, max: capacityBytes }),
    computeEfficiency: e.number('compute', { positive: true, max: 1 }),
    attentionEfficiency: e.number('attention', { positive: true, max: 1 }),
    memoryEfficiency: e.number('memory', { positive: true, max: 1 }),
    launchOverheadPs: Math.round(k.number('floorNs', { min: 0 }) * 1000),
    profiles,
    defaultProfile,
    boardPowerW: p.number('boardPowerW', { positive: true }),
    energyMethod: parseEnergyMethod(p),
    sources,
  };
  return deepFreeze(device);
}

/**
 * A preset parsed by the caller may still hold its `assumptions` blocks (readJsonFile removes them from files it
 * reads): check and drop them on a copy, as the central reader does (src/spec/provenance.ts).
 */
function stripAssumptions(json: unknown, file: string): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const copy: unknown = structuredClone(json);
  extractAssumptions(copy, file);
  return copy;
}

const KERNEL_KEYS: readonly string[] = [...OP_KINDS, 'ffn-act.gated'];

/** `software.profiles`: each a description, a host launch time and kernel counts per op kind. */
function parseProfiles(sw: FieldReader): Record<string, SoftwareProfile> {
  const all = sw.object('profiles');
  const names = Object.keys(all.obj);
  if (names.length === 0) sw.fail('profiles', 'at least one software profile (e.g. graphs, eager)');
  const out: Record<string, SoftwareProfile> = {};
  for (const name of names) {
    const q = all.object(name);
    q.onlyKeys(['description', 'launchNs', 'kernelsPerOp']);
    const counts = q.object('kernelsPerOp');
    counts.onlyKeys(KERNEL_KEYS);
    const kernelsPerOp: Partial<Record<KernelKey, number>> = {};
    for (const key of Object.keys(counts.obj)) kernelsPerOp[key as KernelKey] = counts.number(key, { integer: true, min: 0 });
    out[name] = { name, description: q.string('description'), hostLaunchPs: Math.round(q.number('launchNs', { min: 0 }) * 1000), kernelsPerOp };
  }
  return out;
}

/** The named profile of a device (its default when `name` is undefined); an unknown name lists the known ones. */
export function deviceProfile(device: DevicePreset, name?: string): SoftwareProfile {
  const n = name ?? device.defaultProfile;
  const prof = device.profiles[n];
  if (!prof) throw new StrataError(`${device.name} has no software profile '${n}' in ${device.file} (it has ${Object.keys(device.profiles).join(', ')})`);
  return prof;
}

/** Memory left for weights, KV cache and activations: capacity minus what the runtime reserves. */
export function usableBytes(device: DevicePreset): number {
  return device.capacityBytes - device.reservedBytes;
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
  /** Kernels this op starts (0 when fused into another op's kernel). */
  readonly kernels: number;
  /** The kernels' fixed GPU-side time: kernels x the device's kernel floor. */
  readonly launchPs: number;
  /** Host time to launch the kernels: kernels x the profile's host launch (0 under CUDA graphs). */
  readonly hostPs: number;
  /** GPU time: max(computePs, memoryPs) + launchPs. */
  readonly durationPs: number;
  /** Which roof sets the time; 'memory' on a tie (and for ops with no FLOPs). */
  readonly bound: 'compute' | 'memory';
}

/** Rounds a time in ps up to a whole ps, ignoring floating-point noise of a few ulps. */
function ceilPs(ps: number): number {
  return Math.ceil(ps - ps * 4 * Number.EPSILON);
}

/**
 * Op kinds that a serving engine's kernels fold into another op's kernel: the gate projection into the up
 * projection (one GEMM against the concatenated weights), the softmax and the P.V product into the attention
 * kernel that starts with the scores (FlashAttention: the scores never leave the chip).
 */
const FUSED_KINDS: ReadonlySet<OpKind> = new Set<OpKind>(['ffn-gate', 'softmax', 'attn-context']);

/** Attention op kinds whose work runs inside the fused attention kernel. */
const ATTENTION_MATH: ReadonlySet<OpKind> = new Set<OpKind>(['attn-score', 'attn-context']);

/** Whether `op` starts a kernel of its own under kernel fusion (see FUSED_KINDS). */
export function startsKernel(op: Op): boolean {
  return !FUSED_KINDS.has(op.kind);
}

/** Kernels a profile runs for one op that starts a kernel (its `kernelsPerOp`, 1 where unlisted). */
function kernelsFor(profile: SoftwareProfile, op: Op): number {
  if (op.kind === 'ffn-act' && op.activationReadBytes === 2 * op.activationWriteBytes) {
    return profile.kernelsPerOp['ffn-act.gated'] ?? profile.kernelsPerOp['ffn-act'] ?? 1;
  }
  return profile.kernelsPerOp[op.kind] ?? 1;
}

/**
 * FLOPs and bytes of an op as the fused kernels run it. Attention is causal and fused (FlashAttention): the
 * score matrix is neither written nor read back (the score op drops its write, the softmax moves nothing, the
 * context op drops its read of the probabilities), and the new tokens' queries skip the masked keys, so a prompt
 * of n new tokens after c cached ones computes n.c + n(n+1)/2 query-key pairs, not n(c + n). The op's newTokens
 * and context come back from its KV bytes: it reads c cached rows and writes n new ones of the same width.
 * Element-wise ops run as `kernels` unfused kernels each read and write the tensor once.
 */
function fusedWork(op: Op, kernels: number): { flops: number; bytes: number } {
  const bytes = opBytes(op);
  switch (op.kind) {
    case 'attn-score':
    case 'attn-context': {
      const keys = op.kind === 'attn-score' ? op.n : op.k;
      const newTokens = (keys * op.kvWriteBytes) / (op.kvReadBytes + op.kvWriteBytes);
      const context = keys - newTokens;
      const causal = (context + (newTokens + 1) / 2) / keys;
      const scoreBytes = op.kind === 'attn-score' ? op.activationWriteBytes : op.activationReadBytes - op.kvWriteBytes;
      return { flops: op.flops * causal, bytes: bytes - scoreBytes };
    }
    case 'softmax':
      return { flops: 0, bytes: 0 };
    default:
      return { flops: op.flops, bytes: op.cls === 'vector' ? bytes * Math.max(1, kernels) : bytes };
  }
}

/** Options of `opCost`. */
export interface OpCostOptions {
  /** Software profile name (default: the device's). */
  readonly profile?: string;
  /** The op's kernel is shared with an earlier op (another request's attention in a batched per-layer kernel). */
  readonly sharedKernel?: boolean;
}

/**
 * Cost of `op` on `device`: compute = FLOPs / (peak x efficiency), the efficiency of large GEMMs or of fused
 * attention; memory = bytes / (bandwidth x memory efficiency); plus, for an op that starts kernels, the kernel
 * floor per kernel on the GPU and the profile's host launch per kernel on the host. Times rounded up to a ps.
 */
export function opCost(device: DevicePreset, op: Op, precision: Precision | number, opts: OpCostOptions = {}): OpCost {
  const fmt = resolvePrecision(device, precision);
  const profile = deviceProfile(device, opts.profile);
  const kernels = startsKernel(op) && !opts.sharedKernel ? kernelsFor(profile, op) : 0;
  const work = fusedWork(op, kernelsFor(profile, op));
  const efficiency = ATTENTION_MATH.has(op.kind) ? device.attentionEfficiency : device.computeEfficiency;
  const computePs = ceilPs((work.flops * 1e12) / (device.peakFlopsPerS[fmt]! * efficiency));
  const memoryPs = ceilPs((work.bytes * 1e12) / (device.bandwidthBytesPerS * device.memoryEfficiency));
  const launchPs = kernels * device.launchOverheadPs;
  return {
    computePs,
    memoryPs,
    kernels,
    launchPs,
    hostPs: kernels * profile.hostLaunchPs,
    durationPs: Math.max(computePs, memoryPs) + launchPs,
    bound: computePs > memoryPs ? 'compute' : 'memory',
  };
}

/** GPU time of one op in ns (its kernels' floors plus max(compute, memory)); the host launch is not in it. */
export function opTimeNs(device: DevicePreset, op: Op, precision: Precision | number, opts: OpCostOptions = {}): number {
  return opCost(device, op, precision, opts).durationPs / 1000;
}

/**
 * Time of a sequence of kernels whose GPU times add to `gpuPs` and whose host launches add to `hostPs`: the
 * host enqueues kernels ahead of the GPU, so the slower of the two sets the time.
 */
export function stepTimePs(gpuPs: number, hostPs: number): number {
  return Math.max(gpuPs, hostPs);
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
  /** The software profile. */
  readonly profile: string;
  readonly ops: readonly BaselineOpRecord[];
  /** max(GPU time, host launch time), ps. */
  readonly totalPs: number;
  readonly totalNs: number;
  /** Sum of the ops' GPU times, ps. */
  readonly gpuPs: number;
  /** Sum of the host launch times, ps. */
  readonly hostPs: number;
  /** Kernels launched. */
  readonly kernels: number;
  readonly flops: number;
  readonly bytes: number;
  /** flops / total time (including launch overheads), FLOP/s. */
  readonly achievedFlopsPerS: number;
  /** bytes / total time, bytes/s. */
  readonly achievedBytesPerS: number;
  readonly computeBoundOps: number;
  readonly memoryBoundOps: number;
  /** Total kernel floor time, ps. */
  readonly launchPs: number;
  readonly energy: { readonly method: EnergyMethod; readonly joules: number; readonly averagePowerW: number };
}

/**
 * Kernel launches of attention, whose ops the compiler lowers one per request and layer (src/compiler/lower.ts).
 * `per-layer` (the default): a layer's attention for the whole batch is one fused kernel, as serving engines run
 * batched attention (vLLM's PagedAttention, FlashAttention's variable-length kernels: one launch per layer over
 * every sequence). `per-request`: every request's attention is a kernel of its own. Both are the same at batch 1.
 */
export const ATTENTION_LAUNCHES = ['per-request', 'per-layer'] as const;
/** An attention launch mode. */
export type AttentionLaunch = (typeof ATTENTION_LAUNCHES)[number];

/** Options of `runOpsOnDevice`. */
export interface RunOptions {
  readonly attentionLaunch?: AttentionLaunch;
  /** Software profile name (default: the device's). */
  readonly profile?: string;
}

/**
 * Runs `ops` one after another on `device` (a single stream: the next op starts when the previous ends), in list
 * order. An op's dependencies that are in the list must come before it. Precision defaults to 2 bytes. Ops start
 * kernels as `opCost` says; under `per-layer` attention launches (the default) only the first request's attention
 * of a layer starts the layer's attention kernel. The records hold GPU times back to back; when the host's
 * launches take longer (eager, small kernels), the total is the host time and the GPU idles in between.
 */
export function runOpsOnDevice(device: DevicePreset, ops: readonly Op[], precision: Precision | number = 2, opts: RunOptions = {}): BaselineRun {
  const fmt = resolvePrecision(device, precision);
  const profile = deviceProfile(device, opts.profile);
  const perLayer = (opts.attentionLaunch ?? 'per-layer') === 'per-layer';
  const launched = new Set<number>();
  const position = new Map<string, number>();
  ops.forEach((op, i) => {
    if (position.has(op.id)) throw new StrataError(`op list: id '${op.id}' appears twice (positions ${position.get(op.id)} and ${i})`);
    position.set(op.id, i);
  });
  const records: BaselineOpRecord[] = [];
  let t = 0;
  let hostPs = 0;
  let kernels = 0;
  let flops = 0;
  let bytes = 0;
  let launchPs = 0;
  let computeBoundOps = 0;
  ops.forEach((op, i) => {
    for (const dep of op.deps) {
      const at = position.get(dep);
      if (at !== undefined && at >= i) throw new StrataError(`op list: '${op.id}' (position ${i}) depends on '${dep}', which comes later (position ${at}); list ops in dependency order`);
    }
    const shared = perLayer && op.kind === 'attn-score' && launched.has(op.layer);
    if (op.kind === 'attn-score') launched.add(op.layer);
    const cost = opCost(device, op, fmt, { profile: profile.name, sharedKernel: shared });
    const b = opBytes(op);
    records.push({
      id: op.id, kind: op.kind, cls: op.cls, layer: op.layer,
      startPs: t, endPs: t + cost.durationPs, startNs: t / 1000, endNs: (t + cost.durationPs) / 1000,
      flops: op.flops, bytes: b, ...cost,
    });
    t += cost.durationPs;
    hostPs += cost.hostPs;
    kernels += cost.kernels;
    flops += op.flops;
    bytes += b;
    launchPs += cost.launchPs;
    if (cost.bound === 'compute') computeBoundOps++;
  });
  const total = stepTimePs(t, hostPs);
  const seconds = total / 1e12;
  const joules = energyJoules(device, total);
  return deepFreeze({
    device: device.name,
    kind: device.kind,
    precision: fmt,
    profile: profile.name,
    ops: records,
    totalPs: total,
    totalNs: total / 1000,
    gpuPs: t,
    hostPs,
    kernels,
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

/** Whether `bytes` (weights + KV cache + activations) fit in the device's memory less what the runtime reserves. */
export function fitsInMemory(device: DevicePreset, bytes: number): CapacityCheck {
  if (!Number.isFinite(bytes) || bytes < 0) throw new StrataError(`capacity check on ${device.name}: bytes must be a number >= 0, got ${bytes}`);
  const available = usableBytes(device);
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
