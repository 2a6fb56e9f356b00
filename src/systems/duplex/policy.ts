import { StrataError } from '../../spec/errors.ts';
import { knownDuplexSystems, loadDuplexSystem, type DuplexSystem } from './duplex-system.ts';
import type { Op } from '../../ir/op.ts';
import { repoRelative, targetInfo, type Assignment, type Mapping, type MappedDevice, type MappingInput, type MappingPolicy, type MappingTarget } from '../../compiler/policies/types.ts';

/**
 * `duplex`: Duplex (Yun et al., MICRO 2024, arXiv 2409.01141). Each matrix op goes to the processor its Op/B
 * suits: at or below the system's `opPerByteThreshold` to the near-memory PIM device on the HBM stacks
 * (Logic-PIM; bank-PIM or bank-group PIM in the comparison systems), above it to the xPU. At decode this puts
 * MoE experts with few tokens and grouped-query attention on PIM, and prefill GEMMs on the xPU. A softmax
 * follows its score op and an expert's activation follows its up projection, so attention and expert FFNs stay
 * on one device; every other vector op (norms, RoPE, residual adds, embedding) runs on the xPU. A system without
 * PIM (duplex-gpu) runs everything on the xPU. Timing, co-processing and the shared DRAM:
 * src/systems/duplex/duplex-step.ts.
 */

/** Device ids of a Duplex-family system. */
export const DUPLEX_DEVICES = { xpu: 'xpu0', pim: 'pim0' } as const;

/** Whether a matrix op's Op/B sends it to the PIM device of `system`. */
export function prefersPim(system: DuplexSystem, op: Op): boolean {
  return system.pim !== null && op.cls !== 'vector' && op.opPerByte <= system.pim.opPerByteThreshold;
}

/**
 * How matrix ops are split between the xPU and PIM.
 * - `op-b` (Strata's rule): each matrix op by its own Op/B against the system's threshold (`prefersPim`).
 * - `balanced` (the rule of the Duplex authors' simulator, LLMSimulator with `parallel_execution` on: read in
 *   src/module/route.cpp, linear.cpp, attention.cpp and module_graph.cpp of the HeliosZhou/LLMSimulator fork @
 *   f71dde4): matrix ops outside the experts and attention stay on the xPU; decode attention (one new token per
 *   request) goes to PIM and prefill attention to the xPU; a layer's experts are split so that the two
 *   processors' estimated times balance (`balanceExperts`, src/systems/duplex/duplex-schedule.ts), the busiest experts on
 *   the xPU. The expert split needs costs, so the caller decides it and passes the experts the xPU takes.
 * - `fastest` (the same simulator with `parallel_execution` off, its config.yaml default; src/hardware/executor.cpp
 *   picks the faster processor per op): as `balanced`, but each expert goes to whichever processor runs it sooner
 *   (`fastestExperts`). Decode attention stays on PIM and prefill attention on the xPU, the faster of the two for
 *   decode (Op/B about the query heads per KV head, at most Logic-PIM's 8) and for prompts of more than a few
 *   tokens. The authors run this mode one op after another (`coProcessing: false`).
 */
export type DuplexSplit = 'op-b' | 'balanced' | 'fastest';
/** The splits, for flags and messages. */
export const DUPLEX_SPLITS: readonly DuplexSplit[] = ['op-b', 'balanced', 'fastest'];

/** Placement options: the split rule and, for `balanced`, what it needs. */
export interface DuplexPlacementOptions {
  /** Default `op-b`. */
  readonly split?: DuplexSplit;
  /** Query heads per KV head: a decode request's score and context ops have this many rows (`balanced`, `fastest`). */
  readonly group?: number;
  /** Experts the xPU takes, as `layer:expert` (`balanced`, `fastest`; the others run on PIM). */
  readonly expertsOnXpu?: ReadonlySet<string>;
}

/** Key of a layer's expert in `DuplexPlacementOptions.expertsOnXpu`. */
export function expertKey(layer: number, expert: number): string {
  return `${layer}:${expert}`;
}

/** Whether a matrix op runs on PIM under the `balanced` and `fastest` splits (see `DuplexSplit`). */
function balancedOnPim(op: Op, opts: DuplexPlacementOptions): boolean {
  if (op.expert >= 0) return !(opts.expertsOnXpu?.has(expertKey(op.layer, op.expert)) ?? false);
  if (op.kind === 'attn-score' || op.kind === 'attn-context') {
    if (opts.group === undefined) throw new StrataError(`duplex placement: the ${opts.split} split needs the model's query heads per KV head (group)`);
    return op.m === opts.group;
  }
  return false;
}

/** Device of every op, in op order (see the policy's description and `DuplexSplit`). */
export function duplexPlacement(system: DuplexSystem, ops: readonly Op[], opts: DuplexPlacementOptions = {}): string[] {
  const split = opts.split ?? 'op-b';
  const where = new Map<string, string>();
  return ops.map((op) => {
    let device: string = DUPLEX_DEVICES.xpu;
    if (op.cls !== 'vector') {
      const pim = split === 'op-b' ? prefersPim(system, op) : system.pim !== null && balancedOnPim(op, opts);
      if (pim) device = DUPLEX_DEVICES.pim;
    } else if (op.kind === 'softmax' || (op.kind === 'ffn-act' && op.expert >= 0)) {
      // Fused with the matrix op that produces its input: the score op, or the expert's up (and gate) projection.
      const producer = op.deps.find((d) => where.has(d));
      if (producer !== undefined && where.get(producer) === DUPLEX_DEVICES.pim) device = DUPLEX_DEVICES.pim;
    }
    where.set(op.id, device);
    return device;
  });
}

/** The devices of a mapping onto `system`: the xPUs, and the PIM devices of their stacks when there are any. */
export function duplexDevices(system: DuplexSystem): MappedDevice[] {
  const x = system.xpu;
  const devices: MappedDevice[] = [{
    id: DUPLEX_DEVICES.xpu, kind: 'gpu', spec: x.name, file: repoRelative(x.file), units: system.devices,
    params: { bandwidthBytesPerS: x.bandwidthBytesPerS, capacityBytes: x.capacityBytes, launchOverheadPs: x.launchOverheadPs, devices: system.devices },
  }];
  if (system.pim) {
    const { spec, stacksPerDevice } = system.pim;
    const channels = system.devices * stacksPerDevice * spec.view.organization.channels;
    // Lanes = MACs per clock of all the device's PIM units.
    devices.push({
      id: DUPLEX_DEVICES.pim, kind: spec.placement === 'logic-die' ? 'logic-pim' : 'bank-pim', spec: spec.name, file: repoRelative(spec.file), units: channels,
      params: { lanes: spec.macsPerCyclePerChannel * channels, clockPs: spec.clockPs, opLatencyCycles: 0 },
    });
  }
  return devices;
}

/** The `duplex` policy. */
export const duplex: MappingPolicy = {
  name: 'duplex',
  description: 'Op/B decides per matrix op: xPU above the system threshold, near-memory PIM on the HBM stacks at or below it (arch/systems/{duplex,bank-pim,bg-pim,duplex-gpu}.json)',
  targetKind: 'duplex',
  defaultSystem: 'duplex',

  knownSystems(): string[] {
    return knownDuplexSystems();
  },

  loadTarget(nameOrPath: string): MappingTarget {
    return { kind: 'duplex', system: loadDuplexSystem(nameOrPath) };
  },

  map({ ops, target }: MappingInput): Mapping {
    if (target.kind !== 'duplex') throw new StrataError(`policy duplex maps onto a Duplex-family system (arch/systems, family 'duplex'), not onto ${target.kind} '${targetInfo(target).name}'`);
    const placement = duplexPlacement(target.system, ops);
    const assignments: Assignment[] = ops.map((op, i) => ({ op, device: placement[i]!, tiling: null }));
    return { policy: 'duplex', target: targetInfo(target), devices: duplexDevices(target.system), assignments };
  },
};
