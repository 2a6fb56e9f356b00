import { describe, it, expect } from 'vitest';
import { loadPimSpec } from '../../src/pim/pim-spec.ts';
import { AloneStream, PimProgramBuilder, runDualBufferChannel, type NormalRequests } from '../../src/pim/dual-buffer-channel.ts';
import { npuTraffic } from '../../src/systems/neupims/npu-traffic.ts';
import { weightStream } from '../../src/systems/neupims/neupims-decode.ts';

const dual = loadPimSpec('neupims');
const single = loadPimSpec('neupims', { rowBuffers: 1 });

/** The first n requests of `r`, copied (what a caller would build for a stream of n requests). */
function firstOf(r: NormalRequests, n: number): NormalRequests {
  return {
    length: n, arrival: r.arrival.slice(0, n), write: r.write.slice(0, n), rank: r.rank.slice(0, n), bankGroup: r.bankGroup.slice(0, n),
    bank: r.bank.slice(0, n), row: r.row.slice(0, n), column: r.column.slice(0, n),
  };
}

describe('AloneStream: any prefix finishes at the cycle its own run gives', () => {
  // Loads near 1 keep a backlog after every refresh, so later requests' commands interleave with a prefix's last ones
  // in the whole run: a prefix's end cannot be read off the whole run, AloneStream picks it again from the queue.
  const cases = [
    { name: 'weight stream, load 1, dual buffers', spec: dual, requests: weightStream(dual.standard, 6000, 1), depth: 32 },
    { name: 'weight stream, load 0.25, one buffer', spec: single, requests: weightStream(single.standard, 6000, 0.25), depth: 32 },
    { name: 'random tiles with writes, load 0.9, queue of 8', spec: dual, requests: npuTraffic(dual.standard, { requests: 4000, load: 0.9, seed: 'alone', requestsPerRow: 5, writeFraction: 0.4 }), depth: 8 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const stream = new AloneStream(c.spec, c.requests, { queueDepth: c.depth });
      const ns = [0, 1, 2, 31, 32, 33, c.requests.length - 1, c.requests.length];
      for (let n = 40; n < c.requests.length; n += 173) ns.push(n);
      for (const n of ns) {
        const own = runDualBufferChannel(c.spec, new PimProgramBuilder().build(), firstOf(c.requests, n), { queueDepth: c.depth }).normalFinishCycle;
        expect(stream.finish(n), `prefix ${n}`).toBe(own);
      }
    });
  }
});
