import { StrataError } from '../../spec/errors.ts';
import { notApplicable, type SystemModel } from '../system-model.ts';
import { DEPRECATED_DUPLEX_NAMES, duplexCapacityBytes, knownDuplexSystems, loadDuplexSystem } from './duplex-system.ts';
import { duplexStepCostModel } from './duplex-serving.ts';
import { duplex } from './policy.ts';

/**
 * Duplex-family systems (family `duplex`; Yun et al., MICRO 2024): xPUs with optional near-memory PIM on their
 * stacks (duplex-system.ts), mapped by Op/B (policy.ts), a step co-scheduled over both processors (duplex-step.ts,
 * duplex-schedule.ts), costed by batch shape for serving (duplex-step-cost.ts, duplex-serving.ts). Its run report
 * fields are src/report/duplex-run-report.ts (the report layer: they extend the run report's schema).
 */
export const duplexSystems: SystemModel = {
  family: 'duplex',
  noun: 'a Duplex-family system',
  policy: duplex,
  commands: ['run', 'serve', 'compile'],
  // Old names (gpu-h100, gpu-h100x2) still resolve to their family; loadDuplexSystem says what replaces them.
  aliases: Object.fromEntries(Object.entries(DEPRECATED_DUPLEX_NAMES).map(([old, now]) => [old, now.name])),
  describeSystems: () => knownDuplexSystems().join(', '),
  capacityBytes(target) {
    if (target.kind !== 'duplex') throw new StrataError(`internal invariant broken: the duplex family measures duplex targets, not ${target.kind}`);
    return duplexCapacityBytes(target.system);
  },
  serving: {
    name: 'duplex',
    load(nameOrPath, model, opts) {
      notApplicable(nameOrPath, 'attention-launch', opts.attentionLaunch, "Duplex-family systems launch a layer's attention ops of one kind once for the batch (src/systems/duplex/duplex-step.ts)");
      notApplicable(nameOrPath, 'profile', opts.profile, "Duplex-family systems run their xPU ops under the xPU preset's default profile and charge no host launch (src/systems/duplex/duplex-step.ts)");
      return duplexStepCostModel(loadDuplexSystem(nameOrPath), model, { seed: opts.seed, routing: opts.routing });
    },
  },
};
