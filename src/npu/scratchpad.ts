import type { SramSpec } from './spec.ts';

/*
 * On-chip SRAM (the scratchpad for inputs and stationary operands, the accumulator for partial sums): capacity,
 * banks accessed in parallel, bytes per bank access, energy per access.
 *
 * Double buffering: the SRAM is used as two halves; tile i + 1 loads into one while tile i computes out of the
 * other. That overlap is possible only if both tiles fit at once: footprint(i) + footprint(i + 1) <= capacity.
 * Otherwise a tile loads only after the previous one has finished computing (one buffer).
 */

/** Bank accesses to move `bytes` through the SRAM: ceil(bytes / bankWidthBytes). */
export function sramAccesses(s: SramSpec, bytes: number): number {
  return Math.ceil(bytes / s.bankWidthBytes);
}

/** Cycles to move `bytes` with all banks in parallel, one access per bank per cycle. */
export function sramCycles(s: SramSpec, bytes: number): number {
  return Math.ceil(bytes / (s.banks * s.bankWidthBytes));
}

/** Energy of moving `bytes` through the SRAM (reads and writes cost the same per access), pJ. */
export function sramEnergyPj(s: SramSpec, bytes: number): number {
  return sramAccesses(s, bytes) * s.accessEnergyPj;
}

/** Whether a tile's load can overlap the previous tile's compute: both footprints fit at once. */
export function canOverlap(s: SramSpec, previousBytes: number, nextBytes: number): boolean {
  return previousBytes + nextBytes <= s.bytes;
}

/**
 * Buffers a stream of equal tiles of `footprintBytes` gets: 2 (double-buffered) when two fit, 1 when only one does.
 * A footprint larger than the SRAM has no buffer at all (0): the caller must tile smaller.
 */
export function bufferCount(s: SramSpec, footprintBytes: number): 0 | 1 | 2 {
  if (footprintBytes > s.bytes) return 0;
  return canOverlap(s, footprintBytes, footprintBytes) ? 2 : 1;
}
