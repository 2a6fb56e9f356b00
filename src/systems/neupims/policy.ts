import { StrataError } from '../../spec/errors.ts';
import { knownNeuPimsSystems, loadNeuPimsSystem, type NeuPimsSystem } from './neupims-system.ts';
import { compIntervalCycles } from './neupims-gemv.ts';
import type { Op } from '../../ir/op.ts';
import { tileGemm } from '../../compiler/tiling.ts';
import type { WsTiling } from '../../ir/tiling.ts';
import { repoRelative, targetInfo, type Assignment, type Mapping, type MappedDevice, type MappingInput, type MappingPolicy, type MappingTarget } from '../../compiler/policies/types.ts';

/**
 * `neupims`: NeuPIMs (Heo et al., ASPLOS 2024). Weight GEMMs (QKV, output projection, FFN, LM head) go to the
 * NPU's systolic arrays, tiled for their weight-stationary dataflow; attention's two matrix products per request
 * (q K^T and softmax V, GEMVs in decode) go to the in-bank PIM of the channel holding the request's KV cache;
 * softmax, norms, activations and residual adds go to the NPU's vector units. On a system whose attention runs on
 * the NPU (`npu-only`) attention's products are tiled for the arrays like the GEMMs. Which channel, sub-batch
 * interleaving and the timing: src/systems/neupims/neupims-decode.ts.
 *
 * Prefill attention (many query rows) is a GEMM: it stays on the arrays, as NeuPIMs runs prefill on the NPU.
 * In traces the PIM device has kind `bank-pim` (lanes = MAC lanes of all banks, clock = the COMP rate): in-bank PIM
 * whose layout is the system's own, unlike the `pim` kind, whose ops carry PIM-GPT's layout.
 */

/** Device ids of a NeuPIMs-family system. */
export const NEUPIMS_DEVICES = { systolicArray: 'npu0.systolic-array', vectorUnit: 'npu0.vector-unit', pim: 'pim0' } as const;

/** Whether `op` runs in PIM on `system`: decode attention products (one query row per head) when the system puts attention in PIM. */
export function neupimsRunsInPim(system: NeuPimsSystem, op: Op): boolean {
  return system.attention === 'pim' && (op.kind === 'attn-score' || op.kind === 'attn-context') && op.m === 1;
}

/** The devices of a mapping onto `system`. */
export function neupimsDevices(system: NeuPimsSystem): MappedDevice[] {
  const npu = system.npu;
  const file = repoRelative(npu.file);
  const { count, rows, cols } = npu.systolicArrays;
  const devices: MappedDevice[] = [
    {
      id: NEUPIMS_DEVICES.systolicArray, kind: 'systolic-array', spec: npu.name, file, units: count,
      params: { rows, cols, frequencyMHz: npu.frequencyMHz, scratchpadBytes: npu.scratchpadBytes, accumulatorBytes: npu.accumulatorBytes },
    },
    {
      id: NEUPIMS_DEVICES.vectorUnit, kind: 'vector-unit', spec: npu.name, file, units: npu.vectorUnits.count,
      params: { lanes: npu.vectorUnits.lanes, frequencyMHz: npu.frequencyMHz },
    },
  ];
  if (system.attention === 'pim') {
    const o = system.pim.standard.organization;
    const banks = o.ranks * o.bankGroups * o.banksPerGroup;
    devices.push({
      id: NEUPIMS_DEVICES.pim, kind: 'bank-pim', spec: system.pim.name, file: repoRelative(system.pim.file), units: o.channels,
      params: { lanes: o.channels * banks * system.pim.unit.macsPerBank, clockPs: compIntervalCycles(system.pim) * system.pim.standard.tCKPs, opLatencyCycles: 0 },
    });
  }
  return devices;
}

/** The `neupims` policy. */
export const neupims: MappingPolicy = {
  name: 'neupims',
  description: 'GEMMs on the NPU systolic arrays, decode attention GEMVs in the in-bank PIM of the channel holding each KV cache, vector ops on the NPU vector units (arch/systems/{neupims,npu-pim-blocked,npu-only}.json)',
  targetKind: 'neupims',
  defaultSystem: 'neupims',

  knownSystems(): string[] {
    return knownNeuPimsSystems();
  },

  loadTarget(nameOrPath: string): MappingTarget {
    return { kind: 'neupims', system: loadNeuPimsSystem(nameOrPath) };
  },

  map({ model, ops, target }: MappingInput): Mapping {
    if (target.kind !== 'neupims') throw new StrataError(`policy neupims maps onto a NeuPIMs-family system (arch/systems, family 'neupims'), not onto ${target.kind} '${targetInfo(target).name}'`);
    const system = target.system;
    const tilings = new Map<string, WsTiling>();
    const assignments: Assignment[] = ops.map((op) => {
      if (op.cls === 'vector') return { op, device: NEUPIMS_DEVICES.vectorUnit, tiling: null };
      if (neupimsRunsInPim(system, op)) return { op, device: NEUPIMS_DEVICES.pim, tiling: null };
      const key = `${op.m}x${op.k}x${op.n}x${op.batch}`;
      let tiling = tilings.get(key);
      if (!tiling) {
        tiling = tileGemm(system.npu, op, model.precisionBytes);
        tilings.set(key, tiling);
      }
      return { op, device: NEUPIMS_DEVICES.systolicArray, tiling };
    });
    return { policy: 'neupims', target: targetInfo(target), devices: neupimsDevices(system), assignments };
  },
};
