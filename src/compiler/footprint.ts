import { StrataError } from '../spec/errors.ts';
import { kvBytesPerToken, parameterCount, type ModelSpec } from './model.ts';
import type { Step } from '../ir/step.ts';

/** Device memory a step needs: every weight, and the KV cache of every request after the step. Activations are not counted (they are transient and small next to these). */
export interface MemoryFootprint {
  readonly weightBytes: number;
  /** Tokens held in the KV cache after the step: sum over requests of contextLength + newTokens. */
  readonly kvTokens: number;
  readonly kvCacheBytes: number;
  readonly totalBytes: number;
}

/** Weights (parameterCount x precision) plus the KV cache of all requests after the step. */
export function memoryFootprint(model: ModelSpec, step: Step): MemoryFootprint {
  let kvTokens = 0;
  for (const q of step.requests) kvTokens += q.contextLength + q.newTokens;
  return tokensFootprint(model, kvTokens);
}

/** Weights plus the KV cache of `kvTokens` tokens. */
export function tokensFootprint(model: ModelSpec, kvTokens: number): MemoryFootprint {
  const weightBytes = parameterCount(model) * model.precisionBytes;
  const kvCacheBytes = kvTokens * kvBytesPerToken(model);
  return { weightBytes, kvTokens, kvCacheBytes, totalBytes: weightBytes + kvCacheBytes };
}

/** `3.13 GiB`. */
export function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

/**
 * Throws a one-line StrataError when `footprint` exceeds `capacityBytes`: what is needed (weights + KV cache),
 * what there is, and what ran out. `what` names the workload (`gpt3-175b decode, batch 64, context 2048`).
 */
export function assertFits(footprint: MemoryFootprint, device: { name: string; capacityBytes: number }, what: string): void {
  if (footprint.totalBytes <= device.capacityBytes) return;
  const f = footprint;
  throw new StrataError(
    `${what} does not fit in ${device.name}'s memory: needs ${formatGiB(f.totalBytes)} (weights ${formatGiB(f.weightBytes)} + KV cache ` +
    `${formatGiB(f.kvCacheBytes)} for ${f.kvTokens} tokens) but has ${formatGiB(device.capacityBytes)}; ` +
    `short by ${formatGiB(f.totalBytes - device.capacityBytes)}`,
  );
}
