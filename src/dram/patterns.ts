import seedrandom from 'seedrandom';
import { StrataError } from '../spec/errors.ts';
import type { MemTrace } from './trace.ts';

/** Synthetic access patterns. */
export const PATTERNS = ['stream', 'random', 'strided', 'mixed'] as const;
/** A synthetic access pattern. */
export type Pattern = (typeof PATTERNS)[number];

/** Options of a synthetic trace. All requests are ready at cycle 0 unless `interval` spaces them. */
export interface PatternOptions {
  pattern: Pattern;
  requests: number;
  seed: string;
  /** Bytes of one request (the device's burst). */
  requestBytes: number;
  /** Addresses stay below this. */
  capacityBytes: number;
  /** Fraction of writes for random and mixed (stream and strided only read). */
  writeFraction?: number;
  /** Stride in bytes for `strided` (default: 2 KiB, a different row or bank each time under most mappings). */
  strideBytes?: number;
  /** Memory cycles between consecutive requests (0 = all ready at once). */
  interval?: number;
}

/**
 * Generates a synthetic trace. `stream`: consecutive requests; `random`: uniform request-aligned
 * addresses, `writeFraction` writes (default 1/3); `strided`: fixed stride; `mixed`: each request is a
 * stream continuation or a random access with equal odds. Every random choice comes from the seeded stream
 * `dram.pattern.<seed>`.
 */
export function generatePattern(o: PatternOptions): MemTrace {
  if (!Number.isInteger(o.requests) || o.requests <= 0) throw new StrataError(`--requests: expected a positive integer, got ${o.requests}`);
  const rng = seedrandom(`dram.pattern.${o.seed}`);
  const n = o.requests;
  const addr = new Float64Array(n);
  const isWrite = new Uint8Array(n);
  const cycle = new Float64Array(n);
  const units = Math.floor(o.capacityBytes / o.requestBytes);
  const wf = o.writeFraction ?? 1 / 3;
  const stride = o.strideBytes ?? 2048;
  if (stride % o.requestBytes !== 0) throw new StrataError(`--stride: expected a multiple of the request size (${o.requestBytes} B), got ${stride}`);
  let streamUnit = 0;
  for (let i = 0; i < n; i++) {
    let unit: number;
    let write = false;
    switch (o.pattern) {
      case 'stream':
        unit = i % units;
        break;
      case 'random':
        unit = Math.floor(rng() * units);
        write = rng() < wf;
        break;
      case 'strided':
        unit = ((i * stride) / o.requestBytes) % units;
        break;
      case 'mixed':
        if (rng() < 0.5) {
          unit = streamUnit;
          streamUnit = (streamUnit + 1) % units;
        } else {
          unit = Math.floor(rng() * units);
        }
        write = rng() < wf;
        break;
      default: {
        const never: never = o.pattern;
        throw new StrataError(`unknown pattern ${String(never)}`);
      }
    }
    addr[i] = unit * o.requestBytes;
    isWrite[i] = write ? 1 : 0;
    cycle[i] = (o.interval ?? 0) * i;
  }
  return { length: n, addr, isWrite, cycle, origin: `pattern:${o.pattern}` };
}
