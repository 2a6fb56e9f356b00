import { StrataError } from '../../spec/errors.ts';
import { planPimGemv } from './gemv.ts';
import { loadPimGptSystem, runsInPim } from './pim-gpt.ts';
import type { Op } from '../../ir/op.ts';
import { pimCapacityBytes, pimGemvTilingFromPlan, pimLayoutParams, type PimGemvTiling } from '../../compiler/policies/pim-gemv-tiling.ts';
import { repoRelative, targetInfo, type Assignment, type Mapping, type MappingInput, type MappingPolicy, type MappingTarget } from '../../compiler/policies/types.ts';
import { systemNames } from '../presets.ts';

/**
 * `pim-gpt`: PIM-GPT (Wu, Wang, Lu; arXiv 2310.09385). Every matrix product over stored operands (weights, or the
 * KV cache for attention's scores and context) runs in the DRAM banks' MAC units (`runsInPim`, src/systems/pim-gpt/pim-gpt.ts),
 * laid out over all channels and banks as `planPimGemv` (src/systems/pim-gpt/gemv.ts) does; every other op (norms, softmax,
 * GELU, residual adds, embedding lookups) runs whole on the ASIC. PIM-GPT is a batch-1 GEMV engine: a matrix op
 * with m rows (m requests, or m prompt tokens) runs as m GEMVs, one after another.
 */

/** Device ids of a PIM-GPT system. */
export const PIM_GPT_DEVICES = { pim: 'pim0', asic: 'asic0' } as const;

/** Shipped PIM system names (arch/systems/*.json of family `pim-gpt`). */
export function knownPimSystems(): string[] {
  return systemNames('pim-gpt');
}

/** The `pim-gpt` policy. */
export const pimGpt: MappingPolicy = {
  name: 'pim-gpt',
  description: 'matrix products over weights and KV cache as GEMVs in the DRAM banks of an in-bank PIM device (arch/systems/pim-gpt.json), the rest on its ASIC',
  targetKind: 'pim',
  defaultSystem: 'pim-gpt',

  knownSystems(): string[] {
    return knownPimSystems();
  },

  loadTarget(nameOrPath: string): MappingTarget {
    return { kind: 'pim', system: loadPimGptSystem(nameOrPath) };
  },

  map({ ops, target }: MappingInput): Mapping {
    if (target.kind !== 'pim') throw new StrataError(`policy pim-gpt maps onto a PIM system, not onto ${target.kind} '${targetInfo(target).name}'`);
    const { pim, asic } = target.system;
    // Ops of one GEMV shape (every layer's FFN up projection, say) share one plan and, per repeat count, one tiling.
    const tilings = new Map<string, PimGemvTiling>();
    const tile = (op: Op): PimGemvTiling => {
      const out = op.batch * op.n;
      const key = `${out}x${op.k}x${op.m}`;
      let t = tilings.get(key);
      if (!t) {
        let plan;
        try {
          plan = planPimGemv(pim, out, op.k);
        } catch (e) {
          if (e instanceof StrataError) throw new StrataError(`op ${op.id}: ${e.message}`);
          throw e;
        }
        t = pimGemvTilingFromPlan(plan, pim.standard.commandNames, op.m);
        tilings.set(key, t);
      }
      return t;
    };
    const assignments: Assignment[] = ops.map((op) =>
      runsInPim(op) ? { op, device: PIM_GPT_DEVICES.pim, tiling: tile(op) } : { op, device: PIM_GPT_DEVICES.asic, tiling: null });
    const layout = pimLayoutParams(pim);
    return {
      policy: 'pim-gpt',
      target: targetInfo(target),
      devices: [
        {
          id: PIM_GPT_DEVICES.pim, kind: 'pim', spec: pim.name, file: repoRelative(pim.file), units: layout.channels * layout.banksPerChannel,
          params: { ...layout, capacityBytes: pimCapacityBytes(pim) },
        },
        {
          id: PIM_GPT_DEVICES.asic, kind: 'asic', spec: asic.name, file: repoRelative(asic.file), units: 1,
          params: { lanes: asic.lanes, clockPs: asic.clockPs, opLatencyCycles: asic.opLatencyCycles },
        },
      ],
      assignments,
    };
  },
};
