import { StrataError } from '../spec/errors.ts';
import type { ModelSpec } from '../compiler/model.ts';
import type { LowerOptions } from '../compiler/lower.ts';
import type { MappingPolicy, MappingTarget } from '../compiler/policies/types.ts';
import type { StepCostModel } from '../serving/step-cost.ts';
import type { AttentionLaunch } from './baseline/roofline.ts';
import type { CommandLog } from '../dram/command-log.ts';
import type { DramStandard } from '../dram/standard.ts';

/**
 * What every system family offers the layers above it (Strata issue #15): one object per family, in one
 * registry keyed by family name (src/systems/registry.ts). A family is a folder src/systems/<family>/ holding its
 * preset loader, mapping policy, step or token cost and serving cost model; its `index.ts` builds this object
 * from them, and the registry line names it. The CLI, the serving loop and validation reach a family only
 * through this object (or through the folder's own exports where they need the family's particular results).
 */

/** The commands that take `--system` and run a family's presets. */
export type SystemCommand = 'run' | 'serve' | 'compile' | 'pim generate';

/** Options every serving cost model receives. */
export interface CostModelOptions {
  /** Seed of the model's random streams (MoE routing). */
  readonly seed: string;
  readonly routing?: LowerOptions['routing'];
  /** Attention kernel launches, for cost models with launch overheads (the roofline). */
  readonly attentionLaunch?: AttentionLaunch;
  /**
   * Software profile of a GPU/CPU baseline preset (`graphs`, `eager`, `fused`: the preset's `software.profiles`);
   * undefined: the preset's default. Only the baseline family's cost model takes one.
   */
  readonly profile?: string;
  /**
   * Receives every command stream the cost model simulates, for `--check` (src/cli/run-check.ts); undefined: no
   * logs are kept. Only families whose cost model issues DRAM/PIM commands take one (NeuPIMs). A hook of the
   * command line, not of the API (docs/api leaves it out).
   * @internal
   */
  readonly commandStreams?: CommandStreamSink;
}

/** One simulated command stream, ended: its logs (one per channel simulated) and what the checker replays them against. */
export interface EndedCommandStream {
  readonly logs: readonly CommandLog[];
  /** The standard the stream ran on, as the checker should see it (one channel for a one-channel run). */
  readonly standard: DramStandard;
  /** The refresh the stream ran with (the standard's controller's when undefined). */
  readonly refresh?: 'all-bank' | 'per-bank' | 'none';
  readonly endCycle: number;
  /** What was simulated, for messages (`neupims attention program, context 512, alone`). */
  readonly what: string;
}

/**
 * Where a cost model hands the command streams it simulates (`--check`): a fresh log before each simulated run,
 * the ended stream after it. The receiver checks each stream as it ends and drops it, so a long run keeps one
 * stream's log at a time; it may throw to stop the run at the first broken rule.
 */
export interface CommandStreamSink {
  /** A command log (channel 0) for the next simulated run. */
  begin(): CommandLog;
  /** The run logged in `stream.logs` has ended. */
  end(stream: EndedCommandStream): void;
}

/** How a family serves requests: the step cost model `strata serve` runs (src/serving/step-cost.ts). */
export interface ServingModel {
  /** Cost model name (`gpu-roofline`). */
  readonly name: string;
  /** The step cost model of preset `nameOrPath` (a name the family accepts, or a path) for `model`. */
  load(nameOrPath: string, model: ModelSpec, opts: CostModelOptions): StepCostModel;
  /**
   * The most requests one step of the family's systems may hold (PIM-GPT: 1, a batch-1 design); absent: no limit of
   * the family's own (the serving loop's `--max-batch` decides). `strata serve` runs with it and refuses a larger
   * `--max-batch` in one line.
   */
  readonly maxBatch?: { readonly requests: number; readonly why: string };
}

/** One system family. */
export interface SystemModel {
  /** The family's name: the `family` field of its presets in arch/systems, and its registry key. */
  readonly family: string;
  /** What a preset of the family is called in messages (`a Duplex-family system`). */
  readonly noun: string;
  /** The mapping policy a bare `--system NAME` of the family picks (its `targetKind` is the family's target kind). */
  readonly policy: MappingPolicy;
  /** The commands that run the family's presets, in the order a redirect names them. */
  readonly commands: readonly SystemCommand[];
  /** Short names accepted for presets (`gpu-a100` for `gpu-a100-40gb`); empty for most families. */
  readonly aliases: Readonly<Record<string, string>>;
  /** The family's shipped names (and aliases), as listed in messages. */
  describeSystems(): string;
  /**
   * Memory capacity `target` (of this family's kind) declares for `model`, bytes; null when it declares none
   * without a model (capacity that depends on how the model is sharded).
   */
  capacityBytes(target: MappingTarget, model?: ModelSpec): number | null;
  /** How the family serves requests; absent for a family `strata serve` does not run (PIM-GPT is batch-1). */
  readonly serving?: ServingModel;
}

/** A flag given for a system that has no use for it is an error, not silently ignored. */
export function notApplicable(system: string, flag: string, value: unknown, why: string): void {
  if (value !== undefined) throw new StrataError(`--${flag}: does not apply to system '${system}': ${why}`);
}
