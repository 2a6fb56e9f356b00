/*
 * A step of the model: one forward pass over a batch of requests. Pure data types; the validating constructors
 * (makeStep, parseStep, prefillStep, decodeStep) live in src/compiler/step.ts, which reads fields and reports bad
 * input. This file imports nothing from Strata.
 */

/** What a step does: process prompts, generate one token per request, or both (continuous batching). */
export const PHASES = ['prefill', 'decode', 'mixed'] as const;
/** A step phase. */
export type Phase = (typeof PHASES)[number];

/** One request's share of a step. */
export interface StepRequest {
  /** The request's id, unique within the step (`r0`, `r1`, … for generated steps). */
  readonly id: string;
  /** Tokens already in the KV cache before this step (0 for a fresh prompt). */
  readonly contextLength: number;
  /** Tokens processed in this step (the prompt or a chunk of it in prefill, 1 in decode). */
  readonly newTokens: number;
}

/** One forward pass of the model over a batch of requests. Frozen once validated. */
export interface Step {
  /** Prefill, decode, or mixed (both in one batch). */
  readonly phase: Phase;
  /** The batch: each request's context and new tokens. */
  readonly requests: readonly StepRequest[];
}

/** Tokens processed by the step (sum of newTokens). */
export function stepTokens(step: Step): number {
  let n = 0;
  for (const q of step.requests) n += q.newTokens;
  return n;
}
