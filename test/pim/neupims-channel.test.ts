import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { loadPimSpec } from '../../src/pim/pim-spec.ts';
import { planNeuPimsAttention } from '../../src/systems/neupims/neupims-gemv.ts';
import { runDualBufferChannel } from '../../src/pim/dual-buffer-channel.ts';
import { npuTraffic } from '../../src/systems/neupims/npu-traffic.ts';
import { checkProtocol, formatViolations } from '../../src/dram/protocol-checker.ts';
import { CommandLog, logEntries } from '../../src/dram/command-log.ts';
import { bytesPerRequest } from '../../src/dram/standard.ts';

const dual = loadPimSpec('neupims');
const single = loadPimSpec('neupims', { rowBuffers: 1 });
const oneChannel = (spec: typeof dual) => ({ ...spec.standard, organization: { ...spec.standard.organization, channels: 1 } });

/** A random mix: one request's attention and NPU traffic of random load, tiles, writes and start. */
const mix = fc.record({
  heads: fc.integer({ min: 1, max: 4 }),
  headDim: fc.constantFrom(64, 128),
  context: fc.integer({ min: 1, max: 300 }),
  requests: fc.integer({ min: 0, max: 1500 }),
  load: fc.double({ min: 0.05, max: 1, noNaN: true }),
  requestsPerRow: fc.integer({ min: 1, max: 16 }),
  writeFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  pimStartCycle: fc.integer({ min: 0, max: 3000 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

type Mix = typeof mix extends fc.Arbitrary<infer T> ? T : never;

function runBoth(m: Mix) {
  const out = [];
  for (const spec of [single, dual]) {
    const plan = planNeuPimsAttention(spec, { heads: m.heads, headDim: m.headDim, context: m.context });
    const requests = npuTraffic(spec.standard, { requests: m.requests, load: m.load, seed: String(m.seed), requestsPerRow: m.requestsPerRow, writeFraction: m.writeFraction });
    const log = new CommandLog(0);
    const run = runDualBufferChannel(spec, plan.program, requests, { pimStartCycle: m.pimStartCycle, log });
    out.push({ spec, plan, requests, run, log });
  }
  return out as [typeof out[0], typeof out[0]];
}

describe('dual vs single row buffers on random mixes (fast-check)', () => {
  it('dual buffers are never slower than single: ordinary requests finish no later, and all the work finishes no later', () => {
    fc.assert(
      fc.property(mix, (m) => {
        const [s, d] = runBoth(m);
        expect(s.run.requestsDone).toBe(m.requests);
        expect(d.run.requestsDone).toBe(m.requests);
        expect(d.run.normalFinishCycle).toBeLessThanOrEqual(s.run.normalFinishCycle);
        expect(Math.max(d.run.pimFinishCycle, d.run.normalFinishCycle)).toBeLessThanOrEqual(Math.max(s.run.pimFinishCycle, s.run.normalFinishCycle));
      }),
      { seed: 11, numRuns: 40 },
    );
  });

  it('PIM MACs never exceed the bank-level peak, ordinary bandwidth never the channel peak, and every command passes the checker', () => {
    fc.assert(
      fc.property(mix, (m) => {
        for (const { spec, plan, run, log } of runBoth(m)) {
          const std = spec.standard;
          const pimCycles = run.pimFinishCycle - run.pimFirstCycle;
          expect(plan.macs / pimCycles).toBeLessThanOrEqual(plan.peakMacsPerCycle);
          expect(run.macSlots / pimCycles).toBeLessThanOrEqual(plan.peakMacsPerCycle);
          if (m.requests > 0) {
            // Channel peak: one 64 B burst per tBURST = 2 cycles, over the cycles from the first ordinary command to the last data.
            const peakBytesPerCycle = bytesPerRequest(std) / std.timing.tBURST!;
            expect(run.normalBytes).toBe(m.requests * 64);
            expect(run.normalBytes / (run.normalFinishCycle - run.normalFirstCycle)).toBeLessThanOrEqual(peakBytesPerCycle);
          }
          expect(run.dataBusBusyCycles).toBeLessThanOrEqual(run.endCycle);
          expect(run.commandBusBusyCycles).toBeLessThanOrEqual(run.endCycle);
          const v = checkProtocol(oneChannel(spec), logEntries([log], std.commandNames), { endCycle: run.endCycle, refresh: 'all-bank' });
          expect(v, formatViolations(v)).toEqual([]);
        }
      }),
      { seed: 5, numRuns: 25 },
    );
  });
});
