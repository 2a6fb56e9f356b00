import { StrataError } from '../../spec/errors.ts';
import { FieldReader } from '../../spec/fields.ts';
import { readJsonFile } from '../../spec/json-file.ts';
import { deepFreeze } from '../../spec/freeze.ts';
import { loadDevice, usableBytes, type DevicePreset } from '../baseline/roofline.ts';
import { capacityBytes } from '../../dram/standard.ts';
import { loadLogicPim, type LogicPimSpec } from '../../pim/logic-pim.ts';
import { checkFamily, systemFile, systemNames, warnDeprecatedName } from '../presets.ts';

/**
 * Systems of the Duplex comparison (arch/systems/*.json of family `duplex`): `devices` identical devices working tensor
 * parallel, each an xPU (a GPU baseline preset of arch/systems, timed by the analytical roofline) on HBM3
 * stacks, optionally with a near-memory PIM device on every stack (Duplex: Logic-PIM; or bank-PIM, bank-group
 * PIM). Devices talk over an interconnect (NVLink). The folder keeps these presets apart from the GPU/CPU
 * baseline presets (arch/systems/gpu-*.json), which have another schema.
 */

/** PIM on the xPU's stacks and when ops go to it. */
export interface DuplexPim {
  readonly spec: LogicPimSpec;
  /** HBM stacks per device, each with its own PIM device. */
  readonly stacksPerDevice: number;
  /** Matrix ops with Op/B at or below this run on the PIM device. */
  readonly opPerByteThreshold: number;
}

/** The link between devices (tensor-parallel all-reduces). */
export interface Interconnect {
  /** Bandwidth per direction per device, bytes/s. */
  readonly bandwidthBytesPerS: number;
  /** Fixed cost of one all-reduce, ps. */
  readonly latencyPs: number;
  readonly energyPjPerBit: number;
}

/** A loaded Duplex-family system. Frozen. */
export interface DuplexSystem {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly xpu: DevicePreset;
  /** Devices (tensor-parallel degree). */
  readonly devices: number;
  readonly interconnect: Interconnect;
  /** Null for a GPU-only system. */
  readonly pim: DuplexPim | null;
  readonly sources: Readonly<Record<string, string>>;
}

/** Names of the shipped Duplex-family systems (arch/systems/*.json of family `duplex`). */
export function knownDuplexSystems(): string[] {
  return systemNames('duplex');
}

/**
 * Checks that a model splits over `devices` tensor-parallel devices the way a serving engine splits it (vLLM's
 * rules): the query heads evenly; the KV heads evenly, or each replicated on a whole group of devices; each FFN (each
 * expert's, for a mixture of experts: the step model splits every op evenly, src/systems/duplex/duplex-step.ts)
 * evenly over its inner width. One line naming the first that does not divide, and the degrees that would.
 */
export function checkTensorParallel(model: { name: string; heads: number; kvHeads: number; ffnSize: number; experts: number }, devices: number, flag = '--devices'): void {
  const fits = (n: number) => model.heads % n === 0 && (model.kvHeads % n === 0 || n % model.kvHeads === 0) && model.ffnSize % n === 0;
  if (fits(devices)) return;
  const ok: number[] = [];
  for (let n = 1; n <= model.heads && ok.length < 8; n++) if (fits(n)) ok.push(n);
  const why = model.heads % devices !== 0 ? `${model.heads} query heads`
    : !(model.kvHeads % devices === 0 || devices % model.kvHeads === 0) ? `${model.kvHeads} KV heads (nor is ${devices} a multiple of them)`
      : `FFN inner width of ${model.ffnSize}${model.experts > 1 ? ' per expert' : ''}`;
  throw new StrataError(`${flag} ${devices}: ${model.name} cannot be split over ${devices} tensor-parallel devices: ${devices} does not divide its ${why}; degrees that do: ${ok.join(', ')}`);
}

/**
 * Old names of Duplex-family presets and what they stand for now: one GPU-only preset, `duplex-gpu`, whose device
 * count comes from the file or `--devices`, replaced `gpu-h100` (one device) and `gpu-h100x2` (two), which put a
 * count in the name and read like the roofline's single H100 `gpu-h100-sxm` (docs/formats.md, "Presets and their
 * names"). They load the same system with the same devices, after one line on stderr.
 */
export const DEPRECATED_DUPLEX_NAMES: Readonly<Record<string, { readonly name: string; readonly devices: number }>> = Object.freeze({
  'gpu-h100': { name: 'duplex-gpu', devices: 1 },
  'gpu-h100x2': { name: 'duplex-gpu', devices: 2 },
});

/** Loads a Duplex-family system by shipped name (or old name) or path; `devices` overrides the preset's device count. */
export function loadDuplexSystem(nameOrPath: string, opts: { devices?: number } = {}): DuplexSystem {
  const old = Object.hasOwn(DEPRECATED_DUPLEX_NAMES, nameOrPath) ? DEPRECATED_DUPLEX_NAMES[nameOrPath]! : undefined;
  if (old) {
    warnDeprecatedName(nameOrPath, `--system ${old.name} --devices ${old.devices}`);
    return loadDuplexSystem(old.name, { devices: opts.devices ?? old.devices });
  }
  const file = systemFile(nameOrPath, 'duplex', 'system', ' for policy duplex');
  const system = parseDuplexSystem(readJsonFile(file), file);
  if (opts.devices === undefined) return system;
  if (!Number.isInteger(opts.devices) || opts.devices < 1) throw new StrataError(`--devices: expected a positive integer, got ${opts.devices}`);
  return deepFreeze({ ...system, devices: opts.devices });
}

/** Validates a parsed system; `file` names it in errors. */
export function parseDuplexSystem(json: unknown, file: string): DuplexSystem {
  const r = FieldReader.root(file, json);
  r.onlyKeys(['name', 'family', 'description', 'source', 'xpu', 'devices', 'interconnect', 'pim', 'note']);
  checkFamily(r, 'duplex');
  const sources: Record<string, string> = { system: r.string('source') };
  const section = (key: string, keys: string[]): FieldReader => r.sourcedSection(key, keys, sources);
  const x = section('xpu', ['device']);
  const xpuName = x.string('device');
  let xpu: DevicePreset;
  try {
    xpu = loadDevice(xpuName);
  } catch (e) {
    if (e instanceof StrataError) throw new StrataError(`${x.where('device')}: ${e.message}`);
    throw e;
  }
  if (xpu.kind !== 'gpu') x.fail('device', 'a GPU preset (the xPU)', xpuName);
  const d = section('devices', ['count']);
  const devices = d.number('count', { integer: true, positive: true });
  const i = section('interconnect', ['bandwidthBytesPerS', 'latencyNs', 'energyPjPerBit']);
  const interconnect: Interconnect = {
    bandwidthBytesPerS: i.number('bandwidthBytesPerS', { positive: true }),
    latencyPs: Math.round(i.number('latencyNs', { min: 0 }) * 1000),
    energyPjPerBit: i.number('energyPjPerBit', { min: 0 }),
  };
  let pim: DuplexPim | null = null;
  if (r.has('pim')) {
    const p = section('pim', ['spec', 'stacksPerDevice', 'opPerByteThreshold']);
    let spec: LogicPimSpec;
    try {
      spec = loadLogicPim(p.string('spec'));
    } catch (e) {
      if (e instanceof StrataError) throw new StrataError(`${p.where('spec')}: ${e.message}`);
      throw e;
    }
    const stacksPerDevice = p.number('stacksPerDevice', { integer: true, positive: true });
    const stackBytes = capacityBytes(spec.view);
    if (stacksPerDevice * stackBytes !== xpu.capacityBytes) {
      p.fail('stacksPerDevice', `stacks whose capacity adds up to the xPU's memory (${xpu.capacityBytes} B in ${xpu.file} = ${xpu.capacityBytes / stackBytes} stacks of ${stackBytes} B)`, stacksPerDevice);
    }
    pim = { spec, stacksPerDevice, opPerByteThreshold: p.number('opPerByteThreshold', { positive: true }) };
  }
  return deepFreeze({ name: r.string('name'), description: r.optionalString('description', ''), file, xpu, devices, interconnect, pim, sources });
}

/**
 * Memory of the whole system for weights and KV cache, bytes: on every device the xPU's capacity less what its
 * runtime reserves (the xPU preset's `memory.reservedBytes`, a ranged assumption: 3 GiB of gpu-h100-sxm's 80 GiB),
 * exactly what a GPU baseline of the same preset may use (`usableBytes`, src/systems/baseline/roofline.ts). The
 * xPU's runtime (driver, CUDA context, library workspaces) lives in the same HBM with or without PIM on the stacks,
 * so Duplex, its GPU-only system and the roofline GPU are all charged it alike.
 */
export function duplexCapacityBytes(s: DuplexSystem): number {
  return usableBytes(s.xpu) * s.devices;
}
