import { describe, it, expect } from 'vitest';
import { decodeStep, makeStep, parseStep, prefillStep } from '../../src/compiler/step.ts';
import { stepTokens } from '../../src/ir/step.ts';
import { StrataError } from '../../src/spec/errors.ts';

describe('steps', () => {
  it('builds prefill, decode and mixed steps, frozen', () => {
    const p = prefillStep([512, 7]);
    expect(p.requests).toEqual([{ id: 'r0', contextLength: 0, newTokens: 512 }, { id: 'r1', contextLength: 0, newTokens: 7 }]);
    expect(stepTokens(p)).toBe(519);
    expect(Object.isFrozen(p.requests[0])).toBe(true);
    expect(stepTokens(decodeStep([10, 20, 30]))).toBe(3);
    const mixed = makeStep('mixed', [{ id: 'a', contextLength: 128, newTokens: 64 }, { id: 'b', contextLength: 9, newTokens: 1 }]);
    expect(mixed.phase).toBe('mixed');
  });

  it('rejects zero and negative lengths, naming the field', () => {
    expect(() => prefillStep([0])).toThrow(StrataError);
    expect(() => prefillStep([16, 0])).toThrow(/step: field 'requests\[1\].newTokens': expected an integer > 0, found 0/);
    expect(() => makeStep('prefill', [{ id: 'a', contextLength: -1, newTokens: 4 }])).toThrow(
      /field 'requests\[0\].contextLength': expected an integer >= 0, found -1/,
    );
    expect(() => makeStep('prefill', [{ id: 'a', contextLength: 0, newTokens: 2.5 }])).toThrow(/requests\[0\].newTokens': expected an integer/);
  });

  it('holds decode steps to one token on an existing context', () => {
    expect(() => decodeStep([0])).toThrow(/requests\[0\].contextLength': expected at least 1 in a decode step/);
    expect(() => makeStep('decode', [{ id: 'a', contextLength: 5, newTokens: 2 }])).toThrow(/requests\[0\].newTokens': expected 1 in a decode step/);
  });

  it('rejects empty batches, duplicate ids, unknown phases and fields', () => {
    expect(() => makeStep('decode', [])).toThrow(/field 'requests': expected at least one request/);
    expect(() => makeStep('prefill', [{ id: 'a', contextLength: 0, newTokens: 1 }, { id: 'a', contextLength: 0, newTokens: 2 }])).toThrow(
      /requests\[1\].id': expected an id no other request of this step uses, found "a"/,
    );
    expect(() => parseStep({ phase: 'generate', requests: [] }, 'steps.json')).toThrow(/steps.json: field 'phase': expected one of prefill, decode, mixed/);
    expect(() => parseStep({ phase: 'prefill', requests: [{ id: 'a', contextLength: 0, newTokens: 1, prompt: 'hi' }] }, 'steps.json')).toThrow(
      /steps.json: field 'requests\[0\].prompt': unknown field/,
    );
  });
});
