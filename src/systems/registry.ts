import { StrataError } from '../spec/errors.ts';
import type { ModelSpec } from '../compiler/model.ts';
import { npuOnly } from '../compiler/policies/npu-only.ts';
import type { MappingPolicy, MappingTarget } from '../compiler/policies/types.ts';
import type { StepCostModel } from '../serving/step-cost.ts';
import { presetFamily } from './presets.ts';
import type { CostModelOptions, SystemCommand, SystemModel } from './system-model.ts';
import { baselineSystems } from './baseline/index.ts';
import { pimGptSystems } from './pim-gpt/index.ts';
import { duplexSystems } from './duplex/index.ts';
import { neupimsSystems } from './neupims/index.ts';

/**
 * The one registry of system families (Strata issue #15), keyed by family name: the `family` field of every
 * preset in arch/systems names its entry. A family is a folder src/systems/<family>/ whose index.ts exports its
 * `SystemModel` (src/systems/system-model.ts); adding a family is that folder and one line below. Everything else
 * here is derived from the entries: which policy `--system NAME` picks, which commands run a family, the policy
 * list of `strata compile`, the serving cost models of `strata serve`, the capacity of a mapping target.
 */
export const SYSTEM_MODELS = Object.freeze({
  baseline: baselineSystems,
  'pim-gpt': pimGptSystems,
  duplex: duplexSystems,
  neupims: neupimsSystems,
} satisfies Record<string, SystemModel>);

/** A registered family name. */
export type SystemFamily = keyof typeof SYSTEM_MODELS;
/** The registered families, in registry order. */
export const SYSTEM_FAMILIES = Object.freeze(Object.keys(SYSTEM_MODELS) as SystemFamily[]);

export type { CostModelOptions, SystemCommand, SystemModel } from './system-model.ts';

for (const f of SYSTEM_FAMILIES) {
  const m = SYSTEM_MODELS[f];
  if (m.family !== f) throw new Error(`internal invariant broken: registry key '${f}' holds family '${m.family}'`);
  if (m.commands.includes('serve') !== (m.serving !== undefined)) throw new Error(`internal invariant broken: family '${f}' lists serve in its commands only if it has a serving model`);
}

/** Whether `s` names a registered family. */
export function isSystemFamily(s: string): s is SystemFamily {
  return Object.hasOwn(SYSTEM_MODELS, s);
}

/**
 * The family of a system given by shipped name, alias (`gpu-a100`) or path; a file without a `family` field is a
 * baseline preset. Undefined for a name that is no shipped preset (an NPU of arch/npu, a typo) and for a family
 * the registry does not know.
 */
export function systemFamily(nameOrPath: string): SystemFamily | undefined {
  const alias = SYSTEM_FAMILIES.map((f) => SYSTEM_MODELS[f].aliases[nameOrPath]).find((n) => n !== undefined);
  const family = presetFamily(alias ?? nameOrPath);
  return family !== undefined && isSystemFamily(family) ? family : undefined;
}

/** The families `command` runs, in registry order. */
export function familiesOf(command: SystemCommand): SystemFamily[] {
  return SYSTEM_FAMILIES.filter((f) => SYSTEM_MODELS[f].commands.includes(command));
}

/** `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/**
 * The one-line refusal of a command that does not run `family`, naming the commands that do:
 * `run: 'npu-only' is a NeuPIMs-family system, which strata run does not run; use strata serve --system npu-only or strata compile --system npu-only`.
 */
export function notRunBy(command: SystemCommand, system: string, family: SystemFamily): string {
  const f = SYSTEM_MODELS[family];
  const others = f.commands.filter((c) => c !== command).map((c) => `strata ${c} --system ${system}`);
  return `${command}: '${system}' is ${f.noun}, which strata ${command} does not run; use ${orList(others)}`;
}

// Mapping policies: each family's, and `npu-only` (src/compiler/policies/npu-only.ts), a policy of no family whose
// targets are NPU unit specs (arch/npu); help texts list it after gpu-roofline.

/** Registered policies, in the order help texts list them. */
const POLICIES: readonly MappingPolicy[] = [SYSTEM_MODELS.baseline.policy, npuOnly, ...SYSTEM_FAMILIES.filter((f) => f !== 'baseline').map((f) => SYSTEM_MODELS[f].policy)];

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

/**
 * Memory capacity the target declares for `model`, bytes (its family's `capacityBytes`); null when it declares
 * none: an NPU spec describes no memory.
 */
export function targetCapacityBytes(t: MappingTarget, model?: ModelSpec): number | null {
  if (t.kind === 'npu') return null;
  const family = t.kind === 'system' ? (isSystemFamily(t.family) ? t.family : undefined) : SYSTEM_FAMILIES.find((f) => SYSTEM_MODELS[f].policy.targetKind === t.kind);
  if (family === undefined) throw new Error(`internal invariant broken: no family maps onto targets of kind ${t.kind}`);
  return SYSTEM_MODELS[family].capacityBytes(t, model);
}

// Serving: the families `strata serve` runs, each with its step cost model.

/** The families with a serving cost model, in registry order. */
export function servingFamilies(): SystemFamily[] {
  return SYSTEM_FAMILIES.filter((f) => SYSTEM_MODELS[f].serving !== undefined);
}

/** Every system name `strata serve` knows, listed for messages. */
export function describeServingSystems(): string {
  return servingFamilies().map((f) => SYSTEM_MODELS[f].describeSystems()).join(', ');
}

/** The step cost model of a system by name, alias or path, for a model. */
export function loadStepCostModel(nameOrPath: string, model: ModelSpec, opts: CostModelOptions): StepCostModel {
  const family = systemFamily(nameOrPath);
  const serving = family === undefined ? undefined : SYSTEM_MODELS[family].serving;
  if (!serving) throw new StrataError(`unknown serving system '${nameOrPath}' (known: ${describeServingSystems()}; or give a path to a .json system file of family ${orList(servingFamilies())})`);
  return serving.load(nameOrPath, model, opts);
}
