import { StrataError } from '../spec/errors.ts';
import { loadModel, type ModelSpec } from '../compiler/model.ts';
import { makeStep } from '../compiler/step.ts';
import type { Step, StepRequest } from '../ir/step.ts';
import { loadRequests } from '../compiler/requests.ts';
import { MAX_BATCH, oneOf, positiveInt } from './args.ts';

/**
 * The `--seed` of step i of a multi-token run: the seed itself for the first step, `<seed>.<i>` after it, so
 * every decoded token routes its MoE experts afresh (and a one-step run matches `strata compile`).
 */
export function stepSeed(seed: string, i: number): string {
  return i === 0 ? seed : `${seed}.${i}`;
}

/** Flags shared by `strata compile` and `strata run` to describe the workload. */
export const WORKLOAD_OPTIONS = {
  model: { type: 'string' },
  phase: { type: 'string' },
  batch: { type: 'string' },
  context: { type: 'string' },
  seed: { type: 'string' },
} as const;

/** Phases the command line offers (mixed steps come from the serving loop). */
export const CLI_PHASES = ['prefill', 'decode'] as const;

/** Op graphs beyond this many attention ops (requests x layers x 3) are refused before they exhaust memory. */
export const MAX_ATTENTION_OPS = 3_000_000;

/** The steps a command runs, and how to name them in messages. */
export interface StepPlan {
  readonly model: ModelSpec;
  readonly phase: (typeof CLI_PHASES)[number];
  /** One step, or one per decoded token. */
  readonly steps: readonly Step[];
  /** For the trace header / report: `--batch 64 --context 1024`, `requests file F`. */
  readonly origin: string;
  /** For messages: `gpt2-xl decode, batch 1, context 1024`. */
  readonly what: string;
}

interface WorkloadValues {
  model?: string;
  phase?: string;
  batch?: string;
  context?: string;
  requests?: string;
}

/**
 * Builds the steps from the flags. `--context L` is the sequence length the step's last token sees: the prompt
 * length in prefill (L new tokens), and in decode the position of the generated token (L − 1 cached tokens plus
 * the new one, so L keys in attention). With `tokens` > 1 (decode only) the context grows by one per step.
 * A request file gives one request per line: its prompt in prefill, or its first decode step after the prompt
 * (inputTokens cached, one new token) in decode; arrival times are ignored.
 */
export function planSteps(command: string, v: WorkloadValues, tokens = 1): StepPlan {
  if (!v.model) throw new StrataError(`${command}: --model is required (a name from workloads/models such as gpt2-xl, or a path to a .json model)`);
  if (!v.phase) throw new StrataError(`${command}: --phase is required (${CLI_PHASES.join(' or ')})`);
  const phase = oneOf('phase', v.phase, CLI_PHASES)!;
  const model = loadModel(v.model);
  if (tokens > 1 && phase !== 'decode') throw new StrataError(`--tokens applies to --phase decode (a prefill is one step)`);

  let plan: StepPlan;
  if (v.requests !== undefined) {
    if (v.batch !== undefined || v.context !== undefined) throw new StrataError(`${command}: give --requests FILE or --batch/--context, not both`);
    const set = loadRequests(v.requests);
    const requests: StepRequest[] = set.requests.map((q) => phase === 'prefill'
      ? { id: q.id, contextLength: 0, newTokens: q.inputTokens }
      : { id: q.id, contextLength: q.inputTokens, newTokens: 1 });
    checkOpCount(model, requests.length);
    plan = {
      model, phase,
      steps: [makeStep(phase, requests, v.requests)],
      origin: `requests file ${v.requests}`,
      what: `${model.name} ${phase} of the ${requests.length} requests of ${v.requests}`,
    };
  } else {
    if (v.context === undefined) throw new StrataError(`${command}: --context is required (prefill: the prompt length; decode: the position of the generated token)`);
    const context = positiveInt('context', v.context)!;
    const batch = positiveInt('batch', v.batch, MAX_BATCH) ?? 1;
    if (phase === 'decode' && context < 2) {
      throw new StrataError(`--context: a decode step extends a context, so it needs at least 2 (the token at position L sees L − 1 cached tokens and itself), got ${context}`);
    }
    const last = context + tokens - 1;
    if (model.positionScheme === 'learned' && last > model.maxPositions) {
      const reach = tokens > 1 ? `--context ${context} with --tokens ${tokens} reaches position ${last}` : `--context ${context}`;
      throw new StrataError(`${reach}, past ${model.name}'s ${model.maxPositions} learned positions (maxPositions)`);
    }
    checkOpCount(model, batch);
    const steps: Step[] = [];
    for (let t = 0; t < tokens; t++) {
      const requests: StepRequest[] = [];
      for (let i = 0; i < batch; i++) {
        requests.push(phase === 'prefill'
          ? { id: `r${i}`, contextLength: 0, newTokens: context }
          : { id: `r${i}`, contextLength: context - 1 + t, newTokens: 1 });
      }
      steps.push(makeStep(phase, requests));
    }
    plan = {
      model, phase, steps,
      origin: `--batch ${batch} --context ${context}${tokens > 1 ? ` --tokens ${tokens}` : ''}`,
      what: `${model.name} ${phase}, batch ${batch}, context ${last}`,
    };
  }
  return plan;
}

function checkOpCount(model: ModelSpec, requests: number): void {
  const attention = requests * model.layers * 3;
  if (attention > MAX_ATTENTION_OPS) {
    throw new StrataError(`${requests} requests x ${model.layers} layers would make ${attention} attention ops (more than ${MAX_ATTENTION_OPS}); use a smaller batch`);
  }
}

/** A number with an SI prefix and 3 significant digits: `3.54 G`. */
export function si(x: number, unit: string): string {
  if (x === 0) return `0 ${unit}`;
  const prefixes = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
  let i = 0;
  let v = x;
  while (Math.abs(v) >= 999.5 && i < prefixes.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toPrecision(3)} ${prefixes[i]}${unit}`;
}
