import { StrataError } from '../spec/errors.ts';
import { gpuRoofline } from './baseline/policy.ts';
import { npuOnly } from '../compiler/policies/npu-only.ts';
import { pimGpt } from './pim-gpt/policy.ts';
import { duplex } from './duplex/policy.ts';
import { neupims } from './neupims/policy.ts';
import type { MappingPolicy, MappingTarget } from '../compiler/policies/types.ts';

/** Registered policies, in the order help texts list them. */
const POLICIES: readonly MappingPolicy[] = [gpuRoofline, npuOnly, pimGpt, duplex, neupims];

/** Names of the known mapping policies. */
export function knownPolicies(): string[] {
  return POLICIES.map((p) => p.name);
}

/** The policy called `name`; an unknown name lists the known ones. */
export function getPolicy(name: string): MappingPolicy {
  const p = POLICIES.find((q) => q.name === name);
  if (!p) throw new StrataError(`unknown policy '${name}' (known: ${knownPolicies().join(', ')})`);
  return p;
}

/**
 * Loads the target a policy maps onto: `system` (a shipped name, alias or path) or the policy's default. A
 * system that belongs to another policy says which.
 */
export function loadTargetFor(policy: MappingPolicy, system?: string): MappingTarget {
  const name = system ?? policy.defaultSystem;
  const other = POLICIES.find((q) => q !== policy && q.knownSystems().includes(name));
  if (other && !policy.knownSystems().includes(name)) {
    throw new StrataError(`system '${name}' is for policy ${other.name}, not ${policy.name} (systems for ${policy.name}: ${policy.knownSystems().join(', ')})`);
  }
  return policy.loadTarget(name);
}

export { gpuRoofline, SYSTEM_ALIASES, describeBaselineSystems } from './baseline/policy.ts';
export { npuOnly, NPU_DEVICES } from '../compiler/policies/npu-only.ts';
export { pimGpt, PIM_GPT_DEVICES, knownPimSystems } from './pim-gpt/policy.ts';
export { duplex, DUPLEX_DEVICES, duplexPlacement, prefersPim } from './duplex/policy.ts';
export { neupims, NEUPIMS_DEVICES, neupimsRunsInPim } from './neupims/policy.ts';
export * from '../compiler/policies/pim-gemv-tiling.ts';
export * from '../compiler/policies/types.ts';
