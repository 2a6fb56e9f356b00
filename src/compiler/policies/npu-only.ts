import { StrataError } from '../../spec/errors.ts';
import { knownNpus, loadNpu } from '../../npu/spec.ts';
import { tileGemm } from '../tiling.ts';
import type { WsTiling } from '../../ir/tiling.ts';
import { repoRelative, targetInfo, type Assignment, type Mapping, type MappingInput, type MappingPolicy, type MappingTarget } from './types.ts';

/**
 * `npu-only`: every op on one NPU. Matrix ops (GEMMs, GEMVs, attention's batched products) go to the systolic
 * arrays, tiled for their weight-stationary dataflow and the scratchpad (src/compiler/tiling.ts); vector ops
 * (norms, softmax, activations, residual adds, RoPE, embedding lookups) go to the vector units, whole. This is
 * NeuPIMs' NPU-only baseline (its `npu-only` branch: everything on the NPU).
 */

/** Device ids of the NPU's two unit groups. */
export const NPU_DEVICES = { systolicArray: 'npu0.systolic-array', vectorUnit: 'npu0.vector-unit' } as const;

/** The `npu-only` policy. */
export const npuOnly: MappingPolicy = {
  name: 'npu-only',
  description: 'matrix ops tiled on the systolic arrays of an NPU (arch/npu), vector ops on its vector units',
  targetKind: 'npu',
  defaultSystem: 'neupims-npu',

  knownSystems(): string[] {
    return knownNpus();
  },

  loadTarget(nameOrPath: string): MappingTarget {
    const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
    if (!looksLikePath && !knownNpus().includes(nameOrPath)) {
      throw new StrataError(`unknown system '${nameOrPath}' for policy npu-only (known: ${knownNpus().join(', ')}; or give a path to a .json NPU spec)`);
    }
    return { kind: 'npu', npu: loadNpu(nameOrPath) };
  },

  map({ model, ops, target }: MappingInput): Mapping {
    if (target.kind !== 'npu') throw new StrataError(`policy npu-only maps onto an NPU spec, not onto ${target.kind} '${targetInfo(target).name}'`);
    const npu = target.npu;
    const file = repoRelative(npu.file);
    // Ops of one shape (every layer's QKV projection, say) share one tiling.
    const tilings = new Map<string, WsTiling>();
    const assignments: Assignment[] = ops.map((op) => {
      switch (op.cls) {
        case 'gemm':
        case 'gemv': {
          const key = `${op.m}x${op.k}x${op.n}x${op.batch}`;
          let tiling = tilings.get(key);
          if (!tiling) {
            tiling = tileGemm(npu, op, model.precisionBytes);
            tilings.set(key, tiling);
          }
          return { op, device: NPU_DEVICES.systolicArray, tiling };
        }
        case 'vector':
          return { op, device: NPU_DEVICES.vectorUnit, tiling: null };
        default: {
          const never: never = op.cls;
          throw new Error(`internal invariant broken: unhandled op class ${String(never)}`);
        }
      }
    });
    const { count, rows, cols } = npu.systolicArrays;
    return {
      policy: 'npu-only',
      target: targetInfo(target),
      devices: [
        {
          id: NPU_DEVICES.systolicArray, kind: 'systolic-array', spec: npu.name, file, units: count,
          params: { rows, cols, frequencyMHz: npu.frequencyMHz, scratchpadBytes: npu.scratchpadBytes, accumulatorBytes: npu.accumulatorBytes },
        },
        {
          id: NPU_DEVICES.vectorUnit, kind: 'vector-unit', spec: npu.name, file, units: npu.vectorUnits.count,
          params: { lanes: npu.vectorUnits.lanes, frequencyMHz: npu.frequencyMHz },
        },
      ],
      assignments,
    };
  },
};
