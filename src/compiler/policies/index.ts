import { StrataError } from '../../spec/errors.ts';
import { gpuRoofline } from './gpu-roofline.ts';
import { npuOnly } from './npu-only.ts';
import { pimGpt } from './pim-gpt.ts';
import { duplex } from './duplex.ts';
import { neupims } from './neupims.ts';
import type { MappingPolicy, MappingTarget } from './types.ts';

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

export { gpuRoofline, SYSTEM_ALIASES, describeBaselineSystems } from './gpu-roofline.ts';
export { npuOnly, NPU_DEVICES } from './npu-only.ts';
export { pimGpt, PIM_GPT_DEVICES, knownPimSystems } from './pim-gpt.ts';
export { duplex, DUPLEX_DEVICES, duplexPlacement, prefersPim } from './duplex.ts';
export { neupims, NEUPIMS_DEVICES, neupimsRunsInPim } from './neupims.ts';
export * from './pim-gemv-tiling.ts';
export * from './types.ts';
