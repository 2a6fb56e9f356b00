import { FieldReader } from '../spec/fields.ts';
import { deepFreeze } from '../spec/freeze.ts';
import { PHASES, type Phase, type Step, type StepRequest } from '../ir/step.ts';

/**
 * Builds and validates a step; `where` names its origin in errors (a file, or 'step' for steps built in code).
 * Rules: at least one request; ids unique and non-empty; newTokens >= 1; contextLength >= 0; a decode request
 * has a context to extend (contextLength >= 1) and generates exactly one token.
 */
export function makeStep(phase: Phase, requests: readonly StepRequest[], where = 'step'): Step {
  return parseStep({ phase, requests }, where);
}

/** Validates a step read from JSON (`{ phase, requests: [{ id, contextLength, newTokens }] }`) and returns it frozen. */
export function parseStep(json: unknown, file: string): Step {
  const r = FieldReader.root(file, json);
  r.onlyKeys(['phase', 'requests', 'note']);
  const phase = r.string('phase', PHASES) as Phase;
  const items = r.objects('requests');
  if (items.length === 0) r.fail('requests', 'at least one request', []);
  const seen = new Set<string>();
  const requests = items.map((q) => {
    q.onlyKeys(['id', 'contextLength', 'newTokens']);
    const id = q.string('id');
    if (id.trim() === '') q.fail('id', 'a non-empty request id', id);
    if (seen.has(id)) q.fail('id', 'an id no other request of this step uses', id);
    seen.add(id);
    const contextLength = q.number('contextLength', { integer: true, min: 0 });
    const newTokens = q.number('newTokens', { integer: true, positive: true });
    if (phase === 'decode') {
      if (contextLength < 1) q.fail('contextLength', 'at least 1 in a decode step (a decode extends an existing context)', contextLength);
      if (newTokens !== 1) q.fail('newTokens', '1 in a decode step (one generated token per request)', newTokens);
    }
    return { id, contextLength, newTokens };
  });
  return deepFreeze({ phase, requests });
}

/** A prefill step: one fresh request per prompt length (ids r0, r1, …). */
export function prefillStep(promptLengths: readonly number[]): Step {
  return makeStep('prefill', promptLengths.map((n, i) => ({ id: `r${i}`, contextLength: 0, newTokens: n })));
}

/** A decode step: one token for each request, given its context length (ids r0, r1, …). */
export function decodeStep(contextLengths: readonly number[]): Step {
  return makeStep('decode', contextLengths.map((c, i) => ({ id: `r${i}`, contextLength: c, newTokens: 1 })));
}
