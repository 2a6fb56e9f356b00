import { StrataError } from '../../spec/errors.ts';
import { pimCapacityBytes } from '../../compiler/policies/pim-gemv-tiling.ts';
import { notApplicable, type SystemModel } from '../system-model.ts';
import { loadPimGptSystem } from './pim-gpt.ts';
import { PIM_GPT_MAX_BATCH, pimGptStepCostModel } from './pim-gpt-serving.ts';
import { knownPimSystems, pimGpt } from './policy.ts';

/**
 * PIM-GPT (family `pim-gpt`; Wu, Wang, Lu, arXiv 2310.09385): in-bank PIM and an ASIC joined by links
 * (pim-gpt.ts), a token run as a dependency graph over both (token-graph.ts), mapped by the `pim-gpt` policy
 * (policy.ts). A batch-1 design timed token by token: `strata pim generate` runs a generation, `strata run` one
 * step of it (token-sequence.ts, src/cli/run-pim-gpt.ts), `strata serve` requests one at a time (pim-gpt-serving.ts).
 */
export const pimGptSystems: SystemModel = {
  family: 'pim-gpt',
  noun: 'a PIM-GPT system',
  policy: pimGpt,
  commands: ['run', 'serve', 'pim generate', 'compile'],
  aliases: {},
  describeSystems: () => knownPimSystems().join(', '),
  capacityBytes(target) {
    // Weights and KV cache live in the PIM banks.
    if (target.kind !== 'pim') throw new StrataError(`internal invariant broken: the pim-gpt family measures pim targets, not ${target.kind}`);
    return pimCapacityBytes(target.system.pim);
  },
  serving: {
    name: 'pim-gpt',
    load(nameOrPath, model, opts) {
      notApplicable(nameOrPath, 'attention-launch', opts.attentionLaunch, 'PIM-GPT runs attention as GEMVs in the banks and softmax on its ASIC, with no kernel launches (src/systems/pim-gpt/pim-gpt.ts)');
      notApplicable(nameOrPath, 'routing', opts.routing, 'the PIM-GPT step cost model takes no expert routing');
      return pimGptStepCostModel(loadPimGptSystem(nameOrPath), model, { commandStreams: opts.commandStreams });
    },
    maxBatch: { requests: PIM_GPT_MAX_BATCH, why: 'PIM-GPT is a batch-1 design: its banks run one request\'s GEMVs at a time (Wu, Wang, Lu, arXiv 2310.09385)' },
  },
};
