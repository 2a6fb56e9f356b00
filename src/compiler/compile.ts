import { buildOpGraph, compileStreams, type LowerOptions } from './lower.ts';
import type { ModelSpec } from './model.ts';
import type { Step } from '../ir/step.ts';
import type { MappingPolicy, MappingTarget } from './policies/types.ts';
import { makeTrace, type DeviceTrace } from './trace.ts';

/** Options of `compileForTarget`. */
export interface CompileForTargetOptions {
  /** Seed of the MoE routing stream `moe.routing.<seed>`. Default '0'. */
  readonly seed?: string;
  readonly routing?: LowerOptions['routing'];
  /** How the step was specified, recorded in the trace header. Default 'library'. */
  readonly origin?: string;
}

/**
 * Model + step → op graph → `policy` onto a loaded `target` → device trace. Finding a policy by name and loading a
 * system by name are the system families' (`compileStep`, src/systems/compile.ts); this is the pipeline they share.
 */
export function compileForTarget(model: ModelSpec, step: Step, policy: MappingPolicy, target: MappingTarget, opts: CompileForTargetOptions = {}): DeviceTrace {
  const seed = opts.seed ?? '0';
  const ops = buildOpGraph(model, step, { seed, routing: opts.routing });
  const mapping = policy.map({ model, ops, target });
  return makeTrace({ model, step, mapping, seed, streams: compileStreams(model, seed), origin: opts.origin ?? 'library' });
}
