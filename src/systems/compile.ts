import type { ModelSpec } from '../compiler/model.ts';
import type { Step } from '../ir/step.ts';
import { compileForTarget, type CompileForTargetOptions } from '../compiler/compile.ts';
import type { DeviceTrace } from '../compiler/trace.ts';
import type { MappingPolicy, MappingTarget } from '../compiler/policies/types.ts';
import { getPolicy, loadTargetFor } from './registry.ts';

/** Options of `compileStep`. */
export interface CompileOptions extends CompileForTargetOptions {
  /** A loaded target; otherwise `system` (name, alias or path) or the policy's default is loaded. */
  readonly target?: MappingTarget;
  readonly system?: string;
}

/**
 * Model + step → op graph → mapping policy → device trace: the whole front end in one call, with the policy and
 * the system given by name (src/systems/registry.ts resolves both) or loaded.
 */
export function compileStep(model: ModelSpec, step: Step, policy: string | MappingPolicy, opts: CompileOptions = {}): DeviceTrace {
  const p = typeof policy === 'string' ? getPolicy(policy) : policy;
  const target = opts.target ?? loadTargetFor(p, opts.system);
  return compileForTarget(model, step, p, target, opts);
}
