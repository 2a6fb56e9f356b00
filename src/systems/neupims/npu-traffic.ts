import seedrandom from 'seedrandom';
import { StrataError } from '../../spec/errors.ts';
import type { DramStandard } from '../../dram/standard.ts';
import type { NormalRequests } from '../../pim/dual-buffer-channel.ts';

/*
 * The ordinary traffic an NPU offers one NeuPIMs channel beside its PIM program (the DMA of the NPU's blocks, as
 * src/pim/dual-buffer-channel.ts takes it): a workload of the NeuPIMs family, not a part of the channel, so it lives
 * here with the family's other mapping code (neupims-gemv.ts, neupims-decode.ts).
 */

/** Options of npuTraffic. */
export interface NpuTrafficOptions {
  /** Number of 64 B requests. */
  requests: number;
  /** Offered load as a fraction of the channel's data-bus peak (one burst per tBURST), in (0, 1]. */
  load: number;
  /** Seed of the stream `neupims.npu-traffic.<seed>`. */
  seed: string;
  /** Fraction of writes (default 0.25). */
  writeFraction?: number;
  /** Consecutive requests that fill one DRAM row before the tile moves to a random bank and row (default: a whole row). */
  requestsPerRow?: number;
  /** Rows the stream draws from, from row `firstRow` (default rows 16384 and up, away from the KV cache). */
  firstRow?: number;
  rows?: number;
  /** Cycle of the first arrival (default 0). */
  startCycle?: number;
}

/**
 * An NPU's DMA traffic on one channel: tiles of consecutive 64 B requests filling a row of a random bank,
 * arriving evenly at `load` x the channel's peak, each tile a read or a write. Deterministic for a seed.
 */
export function npuTraffic(std: DramStandard, o: NpuTrafficOptions): NormalRequests {
  if (!Number.isInteger(o.requests) || o.requests < 0) throw new StrataError(`NPU traffic: requests must be a whole number >= 0, got ${o.requests}`);
  if (!(o.load > 0 && o.load <= 1)) throw new StrataError(`NPU traffic: load must be a fraction in (0, 1], got ${o.load}`);
  const org = std.organization;
  const bursts = org.columns / org.burstLength;
  const perRow = o.requestsPerRow ?? bursts;
  if (!Number.isInteger(perRow) || perRow < 1 || perRow > bursts) throw new StrataError(`NPU traffic: requestsPerRow must be 1..${bursts}, got ${perRow}`);
  const firstRow = o.firstRow ?? org.rows / 2;
  const rows = o.rows ?? org.rows - firstRow;
  const rng = seedrandom(`neupims.npu-traffic.${o.seed}`);
  const n = o.requests;
  const r: NormalRequests = {
    length: n, arrival: new Float64Array(n), write: new Uint8Array(n), rank: new Uint8Array(n), bankGroup: new Uint8Array(n),
    bank: new Uint8Array(n), row: new Int32Array(n), column: new Int32Array(n),
  };
  const interval = std.timing.tBURST! / o.load;
  const start = o.startCycle ?? 0;
  const wf = o.writeFraction ?? 0.25;
  let rank = 0, bg = 0, bank = 0, row = 0, write = 0;
  for (let i = 0; i < n; i++) {
    const k = i % perRow;
    if (k === 0) {
      rank = Math.floor(rng() * org.ranks);
      bg = Math.floor(rng() * org.bankGroups);
      bank = Math.floor(rng() * org.banksPerGroup);
      row = firstRow + Math.floor(rng() * rows);
      write = rng() < wf ? 1 : 0;
    }
    r.arrival[i] = start + Math.floor(i * interval);
    r.write[i] = write;
    r.rank[i] = rank;
    r.bankGroup[i] = bg;
    r.bank[i] = bank;
    r.row[i] = row;
    r.column[i] = k * org.burstLength;
  }
  return r;
}
