import { runDram } from '../dram/run.ts';
import type { ChannelStats } from '../dram/channel-stats.ts';
import { canonicalKey, HiddenFields, TimingCache } from '../spec/timing-cache.ts';
import { addEnergy, NO_ENERGY, pathEnergy, type EnergyBreakdown } from '../dram/energy.ts';
import { bytesPerRequest, type DramStandard } from '../dram/standard.ts';
import type { MemTrace } from '../dram/trace.ts';
import { invariant } from '../spec/errors.ts';
import type { LogicPimSpec } from './logic-pim.ts';

/**
 * The PIM data path of one stack (TSVs for Logic-PIM), timed through the DRAM model: a stream of reads spread
 * evenly over the stack's pseudo-channels, issued by the channel controllers of the PIM view standard under
 * every timing rule of the base (src/pim/logic-pim.ts).
 *
 * Streams of n requests per channel are simulated command by command on a grid (n = 1, 2, 4, … up to twice the
 * spec's tile), each grid point once per spec (memoised); between grid points the time is interpolated
 * linearly, and past the grid it grows at the steady-state rate measured between the last two points (one tile
 * more). A line between two feasible points is feasible, so no stream beats the path's peak; the steady rate is
 * clamped to one burst per tBURST, the peak, which the simulation never exceeds.
 */

/** Time and energy of streaming `requestsPerChannel` bursts on every channel of one stack. */
export interface TsvStreamCost {
  readonly requestsPerChannel: number;
  /** Cycles of the DRAM clock (tCK of the view) until the last data returns. */
  readonly cycles: number;
  readonly timePs: number;
  readonly bytes: number;
  /** Per-bit path energy of the stream (activations, cell and datapath reads, TSV I/O, refresh), pJ. */
  readonly energy: EnergyBreakdown;
}

/** Grid points simulated so far, per spec. */
const simulated = new WeakMap<LogicPimSpec, Map<number, { cycles: number; energy: EnergyBreakdown }>>();

/**
 * Stream runs by content, for specs loaded anew with the same numbers: a sensitivity study reloads every spec at
 * each end of every assumption, and most ends (the HBM3 IDD currents and path energies, the xPU's fields, the
 * interconnect) leave the view's timing as it was (the mechanism of src/spec/timing-cache.ts). The run
 * sees the view with its energy fields (STREAM_PRICE_FIELDS) hidden: they stay out of the key unless the run reads
 * one, and the energy is priced afterwards from the run's command counts with the spec's own path energy.
 */
const streamRuns = new TimingCache<{ cycles: number; channels: readonly ChannelStats[] }>(256);

/** Fields of the PIM view that only price a stream (pathEnergy reads the path energy; power is the IDD method's). */
export const STREAM_PRICE_FIELDS = ['power', 'pathEnergy'] as const;

/** How many streams this thread simulated and how many it took from the content-keyed cache. */
export function tsvStreamRuns(): { simulated: number; reused: number } {
  return { simulated: streamRuns.misses, reused: streamRuns.hits };
}

/** Simulates `n` reads on every channel of one stack of the PIM view (channel-interleaved addresses from 0). */
function simulateStream(spec: LogicPimSpec, n: number): { cycles: number; energy: EnergyBreakdown } {
  let memo = simulated.get(spec);
  if (!memo) {
    memo = new Map();
    simulated.set(spec, memo);
  }
  const hit = memo.get(n);
  if (hit) return hit;
  const hidden = new HiddenFields();
  const std = hidden.hide(spec.view, 'view', STREAM_PRICE_FIELDS);
  const key = TimingCache.digest(canonicalKey({ view: std, name: spec.name, n }));
  const run = streamRuns.get(key, (path) => canonicalKey(spec.view[path.slice('view.'.length) as (typeof STREAM_PRICE_FIELDS)[number]], path), hidden, () => {
    const r = runDram({ standard: std, trace: logicPimStreamTrace(std, n, `${spec.name} stream of ${n} requests per channel`) });
    return { cycles: r.cycles, channels: r.channels };
  });
  let energy = NO_ENERGY;
  for (const ch of run.channels) energy = addEnergy(energy, pathEnergy(spec.view, ch));
  const result = { cycles: run.cycles, energy };
  memo.set(n, result);
  return result;
}

/**
 * The trace of a stream of `n` reads on every channel of `std` (one stack of the PIM view): channel-interleaved
 * addresses from 0, all offered at cycle 0. `origin` names it in messages.
 */
export function logicPimStreamTrace(std: DramStandard, n: number, origin: string): MemTrace {
  const total = n * std.organization.channels;
  const rb = bytesPerRequest(std);
  const addr = new Float64Array(total);
  for (let i = 0; i < total; i++) addr[i] = i * rb;
  return { length: total, addr, isWrite: new Uint8Array(total), cycle: new Float64Array(total), origin };
}

/** Grid of simulated stream lengths (requests per channel): powers of two up to the tile, then two tiles. */
export function logicPimStreamGrid(spec: LogicPimSpec): number[] {
  const tile = spec.tileRequestsPerChannel;
  const g: number[] = [];
  for (let n = 1; n < tile; n *= 2) g.push(n);
  g.push(tile, 2 * tile);
  return g;
}

function scaleEnergy(a: EnergyBreakdown, b: EnergyBreakdown, f: number): EnergyBreakdown {
  const mix = (x: number, y: number) => x + (y - x) * f;
  return {
    activate: mix(a.activate, b.activate), read: mix(a.read, b.read), write: mix(a.write, b.write), refresh: mix(a.refresh, b.refresh),
    background: mix(a.background, b.background), io: mix(a.io, b.io), total: mix(a.total, b.total),
  };
}

/** Cost of streaming `requestsPerChannel` bursts on every channel of one stack (0 costs nothing). */
export function tsvStreamCost(spec: LogicPimSpec, requestsPerChannel: number): TsvStreamCost {
  invariant(Number.isInteger(requestsPerChannel) && requestsPerChannel >= 0, `stream length is a whole number of requests (got ${requestsPerChannel})`);
  const std = spec.view;
  const bytes = requestsPerChannel * std.organization.channels * bytesPerRequest(std);
  if (requestsPerChannel === 0) return { requestsPerChannel, cycles: 0, timePs: 0, bytes: 0, energy: NO_ENERGY };
  const g = logicPimStreamGrid(spec);
  const tBurst = std.timing.tBURST!;
  let cycles: number;
  let energy: EnergyBreakdown;
  let i = 0;
  while (i < g.length && g[i]! < requestsPerChannel) i++;
  if (i < g.length && g[i] === requestsPerChannel) {
    ({ cycles, energy } = simulateStream(spec, requestsPerChannel));
  } else if (i < g.length) {
    const lo = g[i - 1]!;
    const hi = g[i]!;
    const a = simulateStream(spec, lo);
    const b = simulateStream(spec, hi);
    const f = (requestsPerChannel - lo) / (hi - lo);
    cycles = Math.ceil(a.cycles + (b.cycles - a.cycles) * f);
    energy = scaleEnergy(a.energy, b.energy, f);
  } else {
    const lo = g[g.length - 2]!;
    const hi = g[g.length - 1]!;
    const a = simulateStream(spec, lo);
    const b = simulateStream(spec, hi);
    const perRequest = Math.max((b.cycles - a.cycles) / (hi - lo), tBurst);
    cycles = Math.ceil(b.cycles + (requestsPerChannel - hi) * perRequest);
    energy = scaleEnergy(a.energy, b.energy, (requestsPerChannel - lo) / (hi - lo));
  }
  invariant(cycles >= requestsPerChannel * tBurst, `a ${spec.name} stream of ${requestsPerChannel} requests per channel takes at least one tBURST per request (${cycles} cycles)`);
  return { requestsPerChannel, cycles, timePs: cycles * std.tCKPs, bytes, energy };
}

/** Requests per channel that carry `bytes` spread evenly over one stack's channels (rounded up to whole bursts). */
export function requestsPerChannelFor(spec: LogicPimSpec, bytes: number): number {
  const std = spec.view;
  return Math.ceil(bytes / (std.organization.channels * bytesPerRequest(std)));
}
