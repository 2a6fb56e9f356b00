import { StrataError } from '../../spec/errors.ts';
import type { SystemModel } from '../system-model.ts';
import { describeBaselineSystems, gpuRoofline, SYSTEM_ALIASES } from './policy.ts';
import { rooflineStepCost } from './roofline-step-cost.ts';

/**
 * The GPU/CPU baselines (family `baseline`): one device preset of arch/systems timed by the analytical roofline
 * (roofline.ts), mapped by the `gpu-roofline` policy (policy.ts), served by `rooflineStepCost`
 * (roofline-step-cost.ts). A preset file without a `family` field is one of these.
 */
export const baselineSystems: SystemModel = {
  family: 'baseline',
  noun: 'a GPU/CPU baseline preset',
  policy: gpuRoofline,
  commands: ['run', 'serve', 'compile'],
  aliases: SYSTEM_ALIASES,
  describeSystems: describeBaselineSystems,
  capacityBytes(target) {
    if (target.kind !== 'baseline') throw new StrataError(`internal invariant broken: the baseline family measures baseline targets, not ${target.kind}`);
    return target.device.capacityBytes;
  },
  serving: {
    name: 'gpu-roofline',
    load(nameOrPath, model, opts) {
      const target = gpuRoofline.loadTarget(nameOrPath);
      if (target.kind !== 'baseline') throw new Error('internal invariant broken: gpu-roofline loads baseline targets');
      return rooflineStepCost(model, target.device, opts);
    },
  },
};
