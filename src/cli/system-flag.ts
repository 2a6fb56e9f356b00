import { StrataError } from '../spec/errors.ts';
import { getPolicy, notRunBy, SYSTEM_FAMILIES, SYSTEM_MODELS, systemFamily, type SystemCommand, type SystemFamily } from '../systems/registry.ts';

/**
 * `--system NAME` on every command that takes it (Strata issue #15): the preset's family (its entry in
 * src/systems/registry.ts) picks the mapping policy, so `strata run --system duplex` runs the Duplex policy as
 * `strata serve --system duplex` serves it. `--policy` stays for a user who picks a mapping; one that contradicts
 * the family is refused.
 */

const isPath = (s: string) => s.includes('/') || s.endsWith('.json');

/** The family of a `--system` value: a shipped preset, an alias (`gpu-a100`), or a path; undefined for anything else. */
export function familyOfSystem(system: string): SystemFamily | undefined {
  return systemFamily(system);
}

/**
 * The policy `command` runs for `--system` and `--policy`: `--policy` when given, else the family's policy; a
 * `--policy` that contradicts the family, or a family the command does not run, is refused with one line. A
 * system of no family (an NPU of arch/npu, an unknown name) leaves `--policy` as given, for the policy's loader
 * to resolve or report.
 */
export function policyForSystem(command: SystemCommand, system: string | undefined, policy: string | undefined): string | undefined {
  if (system === undefined) return policy;
  const family = familyOfSystem(system);
  if (family === undefined) return policy;
  const own = SYSTEM_MODELS[family].policy.name;
  // A path given with a policy of no system family (npu-only, whose specs live in arch/npu) goes to that policy's
  // loader, which says what the file looks like instead ('does not look like an NPU spec').
  if (policy !== undefined && isPath(system) && !SYSTEM_FAMILIES.some((f) => SYSTEM_MODELS[f].policy.name === policy)) return policy;
  if (policy !== undefined && policy !== own) {
    // Worded as src/systems/registry.ts's loadTargetFor words the same mix-up.
    const p = getPolicy(policy);
    throw new StrataError(`system '${system}' is for policy ${own}, not ${p.name} (systems for ${p.name}: ${p.knownSystems().join(', ')})`);
  }
  if (!SYSTEM_MODELS[family].commands.includes(command)) throw new StrataError(notRunBy(command, system, family));
  return own;
}

/** Refuses a `--system` of a family `command` does not run (one line naming the commands that do). */
export function checkSystemFor(command: SystemCommand, system: string): void {
  const family = familyOfSystem(system);
  if (family !== undefined && !SYSTEM_MODELS[family].commands.includes(command)) throw new StrataError(notRunBy(command, system, family));
}
