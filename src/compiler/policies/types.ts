import type { DevicePreset } from '../../systems/baseline/roofline.ts';
import type { NpuSpec } from '../../npu/spec.ts';
import type { PimGptSystem } from '../../systems/pim-gpt/pim-gpt.ts';
import type { DuplexSystem } from '../../systems/duplex/duplex-system.ts';
import type { NeuPimsSystem } from '../../systems/neupims/neupims-system.ts';
import type { ModelSpec } from '../model.ts';
import type { Op } from '../../ir/op.ts';
import type { WsTiling } from '../../ir/tiling.ts';
import type { PimGemvTiling } from './pim-gemv-tiling.ts';

/** What a policy maps onto: an analytical baseline device (GPU or CPU preset), an NPU spec, a PIM system (in-bank PIM device and ASIC), or a Duplex-family system (xPUs, optionally with near-memory PIM on their stacks). */
export type MappingTarget =
  | { readonly kind: 'baseline'; readonly device: DevicePreset }
  | { readonly kind: 'npu'; readonly npu: NpuSpec }
  | { readonly kind: 'pim'; readonly system: PimGptSystem }
  | { readonly kind: 'duplex'; readonly system: DuplexSystem }
  | { readonly kind: 'neupims'; readonly system: NeuPimsSystem }
  | SystemTarget;

/**
 * The target of a system family with no kind of its own above (src/systems/registry.ts: a new family is one folder
 * and one registry line, without editing this union): the family's name, and the loaded system's name and file.
 * Its policy reloads what else it needs from the file.
 */
export interface SystemTarget {
  readonly kind: 'system';
  /** The family (the registry key) whose policy loaded it. */
  readonly family: string;
  readonly system: { readonly name: string; readonly file: string };
}

/** Kinds of mapping targets. */
export const TARGET_KINDS = ['baseline', 'npu', 'pim', 'duplex', 'neupims', 'system'] as const satisfies readonly MappingTarget['kind'][];

/**
 * Kinds of devices ops can be assigned to: `pim` is an in-bank PIM device whose ops carry their layout in the trace
 * (PIM-GPT; its units are the banks), `asic` a PIM system's ASIC, `bank-pim` in-bank (or bank-group) PIM that runs
 * ops whole in a layout of its system's own (NeuPIMs attention in the channel holding a KV cache, Duplex's bank and
 * bank-group PIM variants), `logic-pim` processing units on an HBM logic die (Duplex).
 */
export const DEVICE_KINDS = ['gpu', 'cpu', 'systolic-array', 'vector-unit', 'pim', 'asic', 'bank-pim', 'logic-pim'] as const;
/** A device kind. */
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** A device, or a group of identical units sharing one queue of ops (the 8 systolic arrays of an NPU). */
export interface MappedDevice {
  /** Unique within a mapping: `gpu0`, `npu0.systolic-array`. */
  readonly id: string;
  readonly kind: DeviceKind;
  /** Name of the spec it comes from (`gpu-a100-40gb`, `neupims-npu`). */
  readonly spec: string;
  /** That spec's file, relative to the repository for shipped specs. */
  readonly file: string;
  /** Identical units behind this id (1 for a GPU). */
  readonly units: number;
  /** Numbers a reader of the trace needs about the device, named with their units (`rows`, `scratchpadBytes`). */
  readonly params: Readonly<Record<string, number>>;
}

/** How an op is tiled on its device: `ws-gemm` on systolic arrays, `pim-gemv` on an in-bank PIM device. */
export type Tiling = WsTiling | PimGemvTiling;

/** One op and where it runs. */
export interface Assignment {
  readonly op: Op;
  /** Id of a device of the mapping. */
  readonly device: string;
  /** How the op is cut into tiles; null when the device runs it whole. */
  readonly tiling: Tiling | null;
}

/** Name and file of a mapping's target, for traces and reports. */
export interface TargetInfo {
  readonly kind: MappingTarget['kind'];
  readonly name: string;
  readonly file: string;
}

/** A policy's result: the devices and one assignment per op, in op order (dependencies first). */
export interface Mapping {
  readonly policy: string;
  readonly target: TargetInfo;
  readonly devices: readonly MappedDevice[];
  readonly assignments: readonly Assignment[];
}

/** What a policy maps: the model (for its element size), its op graph, and the target. */
export interface MappingInput {
  readonly model: ModelSpec;
  readonly ops: readonly Op[];
  readonly target: MappingTarget;
}

/** A named mapping policy: which device runs each op, and how the op is tiled there. */
export interface MappingPolicy {
  readonly name: string;
  /** One line for help texts. */
  readonly description: string;
  /** The kind of target the policy maps onto. */
  readonly targetKind: MappingTarget['kind'];
  /** The system used when none is named. */
  readonly defaultSystem: string;
  /** Shipped system names the policy accepts (aliases included), sorted. */
  knownSystems(): string[];
  /** Loads a target by shipped name, alias or path to a .json spec. */
  loadTarget(nameOrPath: string): MappingTarget;
  /** Assigns every op to a device of the target. Deterministic; the ops keep their order. */
  map(input: MappingInput): Mapping;
}

/** Shipped spec files are named relative to the repository (`arch/npu/neupims-npu.json`), so outputs do not depend on where it is checked out. */
export function repoRelative(file: string): string {
  return file.replace(/^.*\/(arch|workloads|test)\//, '$1/');
}

/** Name and file of a target. */
export function targetInfo(t: MappingTarget): TargetInfo {
  switch (t.kind) {
    case 'baseline':
      return { kind: t.kind, name: t.device.name, file: repoRelative(t.device.file) };
    case 'npu':
      return { kind: t.kind, name: t.npu.name, file: repoRelative(t.npu.file) };
    case 'pim':
    case 'duplex':
    case 'neupims':
    case 'system':
      return { kind: t.kind, name: t.system.name, file: repoRelative(t.system.file) };
    default: {
      const never: never = t;
      throw new Error(`internal invariant broken: unhandled target ${String((never as { kind: unknown }).kind)}`);
    }
  }
}
