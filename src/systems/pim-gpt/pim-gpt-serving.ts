import { StrataError } from '../../spec/errors.ts';
import { parameterCount, type ModelSpec } from '../../compiler/model.ts';
import { pimCapacityBytes } from '../../compiler/policies/pim-gemv-tiling.ts';
import { repoRelative } from '../../compiler/policies/types.ts';
import type { StepBatch, StepCost, StepCostModel } from '../../serving/step-cost.ts';
import type { CommandStreamSink } from '../system-model.ts';
import type { PimGptSystem } from './pim-gpt.ts';
import { PIM_GPT_DEVICES } from './policy.ts';
import { PimGptTokenSequence, tokenEnergyPj } from './token-sequence.ts';

/** The batch limit of PIM-GPT: one request at a time (a batch-1 GEMV engine, as src/systems/pim-gpt/policy.ts maps it; Wu, Wang, Lu, arXiv 2310.09385). */
export const PIM_GPT_MAX_BATCH = 1;

/** A PIM-GPT step cost model; `endCommandStreams` hands the simulated stream to the `--check` sink once serving is done. */
export interface PimGptStepCostModel extends StepCostModel {
  /** Contexts simulated (tokens 0 .. n − 1 of the shared sequence). */
  readonly simulatedContexts: () => number;
  /**
   * Under `--check`: replays the one command stream the costs came from (every channel, every token simulated) through
   * the sink given at load. Call once, after the last step. A no-op without a sink.
   */
  endCommandStreams(): void;
}

/**
 * The serving-loop step cost model (src/serving/step-cost.ts) of a PIM-GPT system. PIM-GPT serves one request at a
 * time (PIM_GPT_MAX_BATCH; `strata serve` runs it with max batch 1), and runs a request's prompt token by token, like
 * its generated tokens. A step costs the tokens it processes: a prompt (or a chunk of one) of n tokens after c cached
 * tokens is the tokens at contexts c .. c + n − 1; a decode step is the token at its context.
 *
 * Each token's cost is taken from one PimGptTokenSequence: the token at context c is the one `strata pim generate`
 * times at context c, simulated cycle by cycle once and kept, so a serve simulates each context once, up to the
 * longest request. What this leaves out: a real machine carries its state (the refresh phase, the open rows) from one
 * request into the next, and refreshes while it waits for an arrival; the sequence starts every request's token at
 * context c from the state the tokens 0 .. c − 1 of one generation leave. Measured against simulating the requests
 * back to back on one machine: docs/guide.md "PIM-GPT under strata run and serve".
 */
export function pimGptStepCostModel(system: PimGptSystem, model: ModelSpec, opts: { readonly commandStreams?: CommandStreamSink } = {}): PimGptStepCostModel {
  const sink = opts.commandStreams;
  const sequence = new PimGptTokenSequence(system, model, { commandLogs: sink !== undefined });
  let steps = 0;
  let lookups = 0;
  let hits = 0;
  let ended = false;
  return {
    name: 'pim-gpt',
    system: system.name,
    file: repoRelative(system.file),
    description: `one request at a time on ${system.name} (${system.pim.name} in-bank PIM + ${system.asic.name} ASIC; src/systems/pim-gpt/pim-gpt.ts): every token, prompt tokens included, simulated as PIM-GPT runs it, every PIM command at a cycle the constraint table allows; the token at each context simulated once, from the state the tokens before it in one generation leave (src/systems/pim-gpt/token-sequence.ts)`,
    energyMethod: 'pim-command-energy',
    energyNote: 'per token: all-bank activations, array reads, MACs, buffer and link I/O, refresh and active standby of every channel (IDD method), and the ASIC per op and SRAM byte (src/systems/pim-gpt/pim-gpt.ts tokenEnergy)',
    memory: { capacityBytes: pimCapacityBytes(system.pim), weightBytes: parameterCount(model) * model.precisionBytes },
    streams: [],

    cost(batch: StepBatch): StepCost {
      if (batch.entries.length > PIM_GPT_MAX_BATCH) {
        throw new StrataError(`serving: PIM-GPT runs one request at a time (batch 1), but step ${batch.index} holds ${batch.entries.length} requests; serve it with --max-batch 1`);
      }
      steps++;
      let timePs = 0;
      let energyPj = 0;
      let pimPs = 0;
      let asicPs = 0;
      for (const e of batch.entries) {
        for (let c = e.contextLength; c < e.contextLength + e.newTokens; c++) {
          lookups++;
          if (c < sequence.simulated) hits++;
          const t = sequence.at(c);
          timePs += t.totalPs;
          energyPj += tokenEnergyPj(t.energy);
          pimPs += t.pimPs;
          asicPs += t.asicPs;
        }
      }
      // The critical path's split: time spent in PIM (channels, link) and on the ASIC; they sum to the step's time.
      return { timePs, energyPj, busyPs: { [PIM_GPT_DEVICES.pim]: pimPs, [PIM_GPT_DEVICES.asic]: asicPs } };
    },

    stats: () => ({ steps, lookups, hits }),
    simulatedContexts: () => sequence.simulated,

    endCommandStreams(): void {
      if (!sink || ended) return;
      ended = true;
      const std = system.pim.standard;
      sink.end({
        logs: sequence.logs!, standard: std, endCycle: Math.ceil(sequence.endPs / std.tCKPs),
        what: `the ${system.name} generation of ${sequence.simulated} tokens the costs were read from`,
      });
    },
  };
}

/** Whether `m` is a PIM-GPT step cost model (pimGptStepCostModel's). */
export function isPimGptStepCostModel(m: StepCostModel): m is PimGptStepCostModel {
  return m.name === 'pim-gpt' && typeof (m as Partial<PimGptStepCostModel>).endCommandStreams === 'function';
}

/** `--check` under `strata serve`: hands the stream a PIM-GPT cost model simulated to the sink it was loaded with. */
export function endPimGptCommandStreams(m: StepCostModel): void {
  if (!isPimGptStepCostModel(m)) throw new Error(`internal invariant broken: cost model ${m.name} is not PIM-GPT's`);
  m.endCommandStreams();
}
