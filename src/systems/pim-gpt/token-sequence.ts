import { StrataError } from '../../spec/errors.ts';
import { assertFits, tokensFootprint } from '../../compiler/footprint.ts';
import { pimCapacityBytes } from '../../compiler/policies/pim-gemv-tiling.ts';
import type { ModelSpec } from '../../compiler/model.ts';
import { CommandLog } from '../../dram/command-log.ts';
import { PimGptMachine, type PimGptEnergy, type PimGptSystem, type TokenCost } from './pim-gpt.ts';

/** Options of a PimGptTokenSequence. */
export interface PimGptSequenceOptions {
  /**
   * Record every command of every channel for `--check` (simulates every program segment command by command: the
   * memo issues no commands; the timing is the same, test/pim/pim-gpt.test.ts).
   */
  readonly commandLogs?: boolean;
  /** Which contexts' tokens keep their node spans (TokenCost.timeline); none by default. Changes no time. */
  readonly timeline?: (contextLength: number) => boolean;
  /** Called after each token is simulated, with the number simulated so far (a command's progress). Changes no time. */
  readonly onToken?: (simulated: number) => void;
}

/**
 * The tokens of one PIM-GPT generation, context by context, simulated on demand: the token with c cached tokens is
 * the (c + 1)-th token a machine runs from idle, after the tokens with 0 .. c − 1 cached tokens. That is the order
 * `strata pim generate` runs them in (pimGptGenerate: its prompt's tokens one by one, then the generated ones, on one
 * machine), so `at(c)` is, to the last bit, the token `pim generate --prompt P --tokens T` times at context c for
 * any P <= c < P + T (test/systems/pim-gpt-run.test.ts): a token's timing depends on the tokens before it only
 * through the machine's state (refresh phase, open rows, the memo of program segments), and those are the same.
 *
 * `strata run --system pim-gpt` reads its steps from one (a prefill of L tokens is the tokens at 0 .. L − 1, as
 * PIM-GPT runs a prompt: token by token, a GEMV engine); `strata serve --system pim-gpt` prices every request's
 * tokens from one shared sequence (pimGptStepCostModel), each context simulated once.
 */
export class PimGptTokenSequence {
  private readonly machine: PimGptMachine;
  private readonly tokens: TokenCost[] = [];
  /** Per channel, the command log of everything simulated (with `commandLogs: true` only). */
  readonly logs: CommandLog[] | null;

  private readonly timelineOf: (contextLength: number) => boolean;
  private readonly onToken: ((simulated: number) => void) | undefined;

  constructor(readonly system: PimGptSystem, readonly model: ModelSpec, opts: PimGptSequenceOptions = {}) {
    this.logs = opts.commandLogs ? [] : null;
    this.timelineOf = opts.timeline ?? (() => false);
    this.onToken = opts.onToken;
    this.machine = new PimGptMachine(system, this.logs ? { reuse: false, commandLogs: this.logs } : {});
  }

  /** Contexts simulated so far: tokens 0 .. simulated − 1. */
  get simulated(): number {
    return this.tokens.length;
  }

  /** The token with `contextLength` cached tokens, simulating every token before it not yet simulated. */
  at(contextLength: number): TokenCost {
    if (!Number.isInteger(contextLength) || contextLength < 0) throw new Error(`internal invariant broken: a context length is a whole number >= 0, got ${contextLength}`);
    if (contextLength >= this.model.maxPositions && this.model.positionScheme === 'learned') {
      throw new StrataError(`a token with ${contextLength} cached tokens is at position ${contextLength + 1}, past ${this.model.name}'s ${this.model.maxPositions} learned positions (maxPositions)`);
    }
    if (contextLength >= this.tokens.length) {
      // Every weight and the whole KV cache live in the PIM banks (as pimGptGenerate checks).
      assertFits(tokensFootprint(this.model, contextLength + 1), { name: `${this.system.name} (${this.system.pim.name})`, capacityBytes: pimCapacityBytes(this.system.pim) },
        `${this.model.name} with ${contextLength + 1} tokens in its KV cache`);
    }
    while (this.tokens.length <= contextLength) {
      this.tokens.push(this.machine.token(this.model, this.tokens.length, this.timelineOf(this.tokens.length)));
      this.onToken?.(this.tokens.length);
    }
    return this.tokens[contextLength]!;
  }

  /** The ps the sequence has simulated: the end of its last token (the stream's end for the checker). */
  get endPs(): number {
    let ps = 0;
    for (const t of this.tokens) ps += t.totalPs;
    return ps;
  }
}

/** A token's energy, pJ: the sum of its components. */
export function tokenEnergyPj(e: PimGptEnergy): number {
  return e.activate + e.arrayRead + e.mac + e.io + e.buffers + e.refresh + e.background + e.asic;
}
