import { StrataError } from '../spec/errors.ts';
import type { ModelSpec } from '../compiler/model.ts';
import type { LowerOptions } from '../compiler/lower.ts';
import { describeBaselineSystems, gpuRoofline, SYSTEM_ALIASES } from './baseline/policy.ts';
import { rooflineStepCost, type AttentionLaunch } from './baseline/roofline-step-cost.ts';
import { knownDuplexSystems, loadDuplexSystem } from './duplex/duplex-system.ts';
import { duplexStepCostModel } from './duplex/duplex-serving.ts';
import { knownNeuPimsSystems, loadNeuPimsSystem } from './neupims/neupims-system.ts';
import { neupimsStepCostModel } from './neupims/neupims-serving.ts';
import type { StepCostModel } from '../serving/step-cost.ts';
import { systemFamily } from './presets.ts';
import { orList, type SystemFamily } from './families.ts';

/**
 * Which step cost model serves a system: the registry `strata serve --system` looks names up in. GPU/CPU
 * baseline presets (family `baseline`, aliases such as `gpu-a100`, or a path to a preset) are
 * costed by the roofline (`roofline-step-cost.ts`); Duplex-family systems (family `duplex`, by name or path) by
 * `duplexStepCostModel` (src/pim/duplex-serving.ts); NeuPIMs-family systems by `neupimsStepCostModel`. Which
 * kind serves a system is its family (src/spec/system-families.ts), whose registry lists `serve` among the
 * commands of exactly the families below (test/spec/system-families.test.ts checks they agree).
 */

/** Options every cost model receives. */
export interface CostModelOptions {
  /** Seed of the model's random streams (MoE routing). */
  readonly seed: string;
  readonly routing?: LowerOptions['routing'];
  /** Attention kernel launches, for cost models with launch overheads (the roofline). */
  readonly attentionLaunch?: AttentionLaunch;
}

/** A family of systems with one way of costing a step. */
export interface ServingSystemKind {
  /** Cost model name (`gpu-roofline`). */
  readonly name: string;
  /** The family of system presets it serves. */
  readonly family: SystemFamily;
  /** Names it serves, for help and error texts. */
  readonly describe: () => string;
  /** Whether this kind serves `nameOrPath`. */
  readonly accepts: (nameOrPath: string) => boolean;
  readonly load: (nameOrPath: string, model: ModelSpec, opts: CostModelOptions) => StepCostModel;
}

/** Whether `s` (a shipped name, a baseline alias, or a path: files without a family are baseline presets) is of `family`. */
const isOf = (s: string, family: SystemFamily) => systemFamily(SYSTEM_ALIASES[s] ?? s) === family;

/** The registered kinds, tried in order. */
export const SERVING_SYSTEMS: ServingSystemKind[] = [
  {
    name: 'gpu-roofline',
    family: 'baseline',
    describe: describeBaselineSystems,
    accepts: (s) => isOf(s, 'baseline'),
    load: (s, model, opts) => {
      const target = gpuRoofline.loadTarget(s);
      if (target.kind !== 'baseline') throw new Error('internal invariant broken: gpu-roofline loads baseline targets');
      return rooflineStepCost(model, target.device, opts);
    },
  },
  {
    name: 'duplex',
    family: 'duplex',
    describe: () => knownDuplexSystems().join(', '),
    accepts: (s) => isOf(s, 'duplex'),
    load: (s, model, opts) => {
      notApplicable(s, 'attention-launch', opts.attentionLaunch, "Duplex-family systems launch a layer's attention ops of one kind once for the batch (src/pim/duplex-step.ts)");
      return duplexStepCostModel(loadDuplexSystem(s), model, { seed: opts.seed, routing: opts.routing });
    },
  },
  {
    name: 'neupims',
    family: 'neupims',
    describe: () => knownNeuPimsSystems().join(', '),
    accepts: (s) => isOf(s, 'neupims'),
    load: (s, model, opts) => {
      notApplicable(s, 'attention-launch', opts.attentionLaunch, 'the NeuPIMs step cost model has no launch choice: decode attention runs in PIM (src/npu/neupims-decode.ts)');
      notApplicable(s, 'routing', opts.routing, 'the NeuPIMs step cost model takes no expert routing');
      return neupimsStepCostModel(loadNeuPimsSystem(s), model);
    },
  },
];

/** A flag given for a system that has no use for it is an error, not silently ignored. */
function notApplicable(system: string, flag: string, value: unknown, why: string): void {
  if (value !== undefined) throw new StrataError(`--${flag}: does not apply to system '${system}': ${why}`);
}

/** Every system name `strata serve` knows, listed for messages. */
export function describeServingSystems(): string {
  return SERVING_SYSTEMS.map((k) => k.describe()).join(', ');
}

/** The step cost model of a system by name or path, for a model. */
export function loadStepCostModel(nameOrPath: string, model: ModelSpec, opts: CostModelOptions): StepCostModel {
  const kind = SERVING_SYSTEMS.find((k) => k.accepts(nameOrPath));
  if (!kind) throw new StrataError(`unknown serving system '${nameOrPath}' (known: ${describeServingSystems()}; or give a path to a .json system file of family ${orList(SERVING_SYSTEMS.map((k) => k.family))})`);
  return kind.load(nameOrPath, model, opts);
}
