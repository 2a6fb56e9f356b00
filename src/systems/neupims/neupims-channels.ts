import { StrataError } from '../../spec/errors.ts';
import type { ChannelBalancing } from './neupims-system.ts';

/*
 * Where NeuPIMs keeps each request's KV cache, and how a batch is cut into two sub-batches.
 *
 * NeuPIMs stores a request's whole KV cache in one channel, so its attention GEMVs run in that channel's banks and
 * the channel with the most attention work decides when attention ends. The load of a request is its context
 * length (the rows its GEMVs open grow with it), as NeuPIMs' trace generator counts it (seq_len per request).
 * - greedy: longest first, each request to the least-loaded channel (ties: the lowest channel). This is LPT
 *   scheduling, within 4/3 of the best possible maximum load.
 * - round-robin: request i (in batch order) to channel i mod C, NeuPIMs' `rr` traces.
 */

/** Channel of every request (in the batch's order) under `policy`. */
export function assignChannels(contexts: readonly number[], channels: number, policy: ChannelBalancing): Int32Array {
  if (!Number.isInteger(channels) || channels < 1) throw new StrataError(`channels must be a whole number >= 1, got ${channels}`);
  const out = new Int32Array(contexts.length);
  if (policy === 'round-robin') {
    for (let i = 0; i < contexts.length; i++) out[i] = i % channels;
    return out;
  }
  const order = contexts.map((_, i) => i).sort((a, b) => contexts[b]! - contexts[a]! || a - b);
  const load = new Float64Array(channels);
  for (const i of order) {
    let best = 0;
    for (let c = 1; c < channels; c++) if (load[c]! < load[best]!) best = c;
    out[i] = best;
    load[best]! += contexts[i]!;
  }
  return out;
}

/** Sum of the contexts placed on each channel. */
export function channelLoads(contexts: readonly number[], channelOf: Int32Array, channels: number): Float64Array {
  const load = new Float64Array(channels);
  for (let i = 0; i < contexts.length; i++) load[channelOf[i]!]! += contexts[i]!;
  return load;
}

/**
 * Splits a batch into two sub-batches for interleaving so that each channel's attention work is halved as evenly
 * as possible: per channel, its requests longest first go to the sub-batch with less load on that channel (ties:
 * the sub-batch with fewer requests so far, then sub-batch 0). Returns 0 or 1 per request.
 */
export function splitSubBatches(contexts: readonly number[], channelOf: Int32Array, channels: number): Uint8Array {
  const out = new Uint8Array(contexts.length);
  const load = new Float64Array(2 * channels);
  const size = [0, 0];
  const order = contexts.map((_, i) => i).sort((a, b) => contexts[b]! - contexts[a]! || a - b);
  for (const i of order) {
    const c = channelOf[i]!;
    const l0 = load[2 * c]!, l1 = load[2 * c + 1]!;
    const s = l0 < l1 ? 0 : l1 < l0 ? 1 : size[0]! <= size[1]! ? 0 : 1;
    out[i] = s;
    load[2 * c + s]! += contexts[i]!;
    size[s]!++;
  }
  return out;
}
