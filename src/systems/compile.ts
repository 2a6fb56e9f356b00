import { buildOpGraph, type LowerOptions } from '../compiler/lower.ts';
import type { ModelSpec } from '../compiler/model.ts';
import type { Step } from '../ir/step.ts';
import { getPolicy, loadTargetFor, type MappingPolicy, type MappingTarget } from './policies.ts';
import { makeTrace, type DeviceTrace } from '../compiler/trace.ts';

/** Options of `compileStep`. */
export interface CompileOptions {
  /** A loaded target; otherwise `system` (name, alias or path) or the policy's default is loaded. */
  readonly target?: MappingTarget;
  readonly system?: string;
  /** Seed of the MoE routing stream `moe.routing.<seed>`. Default '0'. */
  readonly seed?: string;
  readonly routing?: LowerOptions['routing'];
  /** How the step was specified, recorded in the trace header. Default 'library'. */
  readonly origin?: string;
}

/** The seedrandom streams lowering `model` draws from with `seed` (MoE routing only). */
export function compileStreams(model: ModelSpec, seed: string): string[] {
  return model.experts > 1 ? [`moe.routing.${seed}`] : [];
}

/** Model + step → op graph → mapping policy → device trace: the whole front end in one call. */
export function compileStep(model: ModelSpec, step: Step, policy: string | MappingPolicy, opts: CompileOptions = {}): DeviceTrace {
  const p = typeof policy === 'string' ? getPolicy(policy) : policy;
  const target = opts.target ?? loadTargetFor(p, opts.system);
  const seed = opts.seed ?? '0';
  const ops = buildOpGraph(model, step, { seed, routing: opts.routing });
  const mapping = p.map({ model, ops, target });
  return makeTrace({ model, step, mapping, seed, streams: compileStreams(model, seed), origin: opts.origin ?? 'library' });
}
