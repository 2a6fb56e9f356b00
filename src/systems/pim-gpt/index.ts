import { StrataError } from '../../spec/errors.ts';
import { pimCapacityBytes } from '../../compiler/policies/pim-gemv-tiling.ts';
import type { SystemModel } from '../system-model.ts';
import { knownPimSystems, pimGpt } from './policy.ts';

/**
 * PIM-GPT (family `pim-gpt`; Wu, Wang, Lu, arXiv 2310.09385): in-bank PIM and an ASIC joined by links
 * (pim-gpt.ts), a token run as a dependency graph over both (token-graph.ts), mapped by the `pim-gpt` policy
 * (policy.ts). A batch-1 design timed token by token (`strata pim generate`); it has no step cost model for serving.
 */
export const pimGptSystems: SystemModel = {
  family: 'pim-gpt',
  noun: 'a PIM-GPT system',
  policy: pimGpt,
  commands: ['pim generate', 'compile'],
  aliases: {},
  describeSystems: () => knownPimSystems().join(', '),
  capacityBytes(target) {
    // Weights and KV cache live in the PIM banks.
    if (target.kind !== 'pim') throw new StrataError(`internal invariant broken: the pim-gpt family measures pim targets, not ${target.kind}`);
    return pimCapacityBytes(target.system.pim);
  },
};
