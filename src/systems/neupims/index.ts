import { StrataError } from '../../spec/errors.ts';
import { pimCapacityBytes } from '../../compiler/policies/pim-gemv-tiling.ts';
import { notApplicable, type SystemModel } from '../system-model.ts';
import { knownNeuPimsSystems, loadNeuPimsSystem } from './neupims-system.ts';
import { neupimsStepCostModel } from './neupims-serving.ts';
import { neupims } from './policy.ts';

/**
 * NeuPIMs-family systems (family `neupims`; Heo et al., ASPLOS 2024): an NPU beside in-bank PIM channels
 * (neupims-system.ts), mapped by the `neupims` policy (policy.ts), a decode iteration simulated channel by
 * channel (neupims-decode.ts, neupims-channels.ts, npu-run.ts), served by `neupimsStepCostModel`
 * (neupims-serving.ts). `strata run` writes run reports of roofline or Duplex steps and has no NeuPIMs report yet.
 */
export const neupimsSystems: SystemModel = {
  family: 'neupims',
  noun: 'a NeuPIMs-family system',
  policy: neupims,
  commands: ['serve', 'compile'],
  aliases: {},
  describeSystems: () => knownNeuPimsSystems().join(', '),
  capacityBytes(target, model) {
    // One HBM2 device per tensor x pipeline shard of the model (its `parallelism`), each of the PIM standard's capacity.
    if (target.kind !== 'neupims') throw new StrataError(`internal invariant broken: the neupims family measures neupims targets, not ${target.kind}`);
    if (!model) return null;
    const p = target.system.parallelism.models[model.name] ?? target.system.parallelism.default;
    return pimCapacityBytes(target.system.pim) * p.tp * p.pp;
  },
  serving: {
    name: 'neupims',
    load(nameOrPath, model, opts) {
      notApplicable(nameOrPath, 'attention-launch', opts.attentionLaunch, 'the NeuPIMs step cost model has no launch choice: decode attention runs in PIM (src/systems/neupims/neupims-decode.ts)');
      notApplicable(nameOrPath, 'routing', opts.routing, 'the NeuPIMs step cost model takes no expert routing');
      return neupimsStepCostModel(loadNeuPimsSystem(nameOrPath), model, { commandStreams: opts.commandStreams });
    },
  },
};
