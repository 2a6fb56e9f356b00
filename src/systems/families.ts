/**
 * The one registry of system families (Strata issue #15): every preset of arch/systems names its family in a
 * `family` field, and this table says, per family, what its presets are called in messages, which mapping
 * policy maps a step onto them (so `--system NAME` alone picks it), and which commands run them. Loaders
 * (src/spec/systems.ts), `strata run`, `strata compile` and `strata serve` (src/cli/system-flag.ts,
 * src/serving/cost-models.ts) read it instead of keeping their own lists; a new family is one entry here.
 */

/** The families of system presets. */
export const SYSTEM_FAMILIES = ['baseline', 'pim-gpt', 'duplex', 'neupims'] as const;
/** A family of system presets. */
export type SystemFamily = (typeof SYSTEM_FAMILIES)[number];

/** The commands that take `--system` and run a family's presets. */
export type SystemCommand = 'run' | 'serve' | 'compile' | 'pim generate';

/** What the registry says of one family. */
export interface SystemFamilyInfo {
  /** What a preset of the family is called in messages (`a Duplex-family system`). */
  readonly noun: string;
  /** The mapping policy (src/compiler/policies) a bare `--system NAME` of this family picks. */
  readonly policy: string;
  /** The commands that run the family's presets, in the order a redirect names them. */
  readonly commands: readonly SystemCommand[];
}

/** The registry, by family name. */
export const FAMILIES: Readonly<Record<SystemFamily, SystemFamilyInfo>> = Object.freeze({
  // Timed by the analytical roofline (src/baselines/roofline.ts); served by rooflineStepCost.
  baseline: { noun: 'a GPU/CPU baseline preset', policy: 'gpu-roofline', commands: ['run', 'serve', 'compile'] },
  // A batch-1 design timed token by token (src/pim/pim-gpt.ts); no step cost model for serving.
  'pim-gpt': { noun: 'a PIM-GPT system', policy: 'pim-gpt', commands: ['pim generate', 'compile'] },
  // Steps timed by src/pim/duplex-step.ts; served by duplexStepCostModel.
  duplex: { noun: 'a Duplex-family system', policy: 'duplex', commands: ['run', 'serve', 'compile'] },
  // Channel programs simulated per iteration (src/npu/neupims-decode.ts); served by neupimsStepCostModel.
  // `strata run` writes run reports of one step kind (roofline or Duplex) and has no NeuPIMs report yet.
  neupims: { noun: 'a NeuPIMs-family system', policy: 'neupims', commands: ['serve', 'compile'] },
});

/** Whether `s` names a registered family. */
export function isSystemFamily(s: string): s is SystemFamily {
  return (SYSTEM_FAMILIES as readonly string[]).includes(s);
}

/** The families `command` runs, in registry order. */
export function familiesOf(command: SystemCommand): SystemFamily[] {
  return SYSTEM_FAMILIES.filter((f) => FAMILIES[f].commands.includes(command));
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
  const f = FAMILIES[family];
  const others = f.commands.filter((c) => c !== command).map((c) => `strata ${c} --system ${system}`);
  return `${command}: '${system}' is ${f.noun}, which strata ${command} does not run; use ${orList(others)}`;
}
