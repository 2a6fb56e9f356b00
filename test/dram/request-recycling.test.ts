import { describe, expect, it } from 'vitest';
import { Simulator } from '../../src/kernel/simulator.ts';
import { MemorySystem } from '../../src/dram/memory-system.ts';
import { generatePattern } from '../../src/dram/patterns.ts';
import type { MemRequest } from '../../src/dram/request.ts';
import { bytesPerRequest, loadStandard } from '../../src/dram/standard.ts';
import { TraceFrontend } from '../../src/dram/trace-frontend.ts';

// MemorySystem.recycleRequests (a speed hack of runDram's trace runs): completed requests are reused for later
// ones. These tests show that reuse really happens, that a reused request carries the new request's fields, that the
// run is the same as without reuse, and that submit, which hands its request to the caller, is refused while
// requests are recycled.
describe('MemorySystem: recycled requests', () => {
  const std = loadStandard('hbm2');
  const trace = generatePattern({ pattern: 'random', requests: 3000, seed: 'recycle', requestBytes: bytesPerRequest(std), capacityBytes: 2 ** 30, writeFraction: 0.3, interval: 1 });

  it('a trace run reuses completed requests, each completion reporting the request it completes', () => {
    const sim = new Simulator();
    const memory = new MemorySystem(sim, std, std.controller);
    const frontend = new TraceFrontend(sim, memory, trace, 'dramsim3', true);
    // As runDram sets it (its front end is the only client).
    memory.recycleRequests = true;
    // Watch completions on their way to the front end: the ids must be those of the trace, each once.
    const seen = new Set<MemRequest>();
    const ids = new Set<number>();
    const onComplete = frontend.onComplete.bind(frontend);
    memory.client = {
      onSpace: (ch, c) => frontend.onSpace(ch, c),
      onComplete: (req, done) => {
        seen.add(req);
        expect(ids.has(req.id), `request ${req.id} completes once`).toBe(false);
        ids.add(req.id);
        expect(req.addr, `request ${req.id} carries its own address`).toBe(trace.addr[req.id]);
        expect(req.isWrite, `request ${req.id} carries its own kind`).toBe(trace.isWrite[req.id] === 1);
        onComplete(req, done);
      },
    };
    sim.run();
    expect(ids.size).toBe(trace.length);
    // At most the requests in flight at once exist: far fewer than the trace's 3000.
    expect(seen.size).toBeLessThan(trace.length / 4);
    // The same trace without reuse: every channel completes the same requests at the same cycles.
    const plainSim = new Simulator();
    const plain = new MemorySystem(plainSim, std, std.controller);
    new TraceFrontend(plainSim, plain, trace, 'dramsim3', true);
    plainSim.run();
    const summary = (m: MemorySystem): string[] =>
      m.controllers.map((c) => `${c.stats.count} ${c.stats.rowHits} ${c.stats.forwardedReads} ${c.stats.doneCycle.subarray(0, c.stats.count).join(',')} ${c.stats.latency.subarray(0, c.stats.count).join(',')}`);
    expect(summary(memory)).toEqual(summary(plain));
  });

  it('submit, whose caller keeps the request, is refused while requests are recycled', () => {
    const memory = new MemorySystem(new Simulator(), std, std.controller);
    expect(memory.submit(0, false, 0).id).toBe(0);
    memory.recycleRequests = true;
    expect(() => memory.submit(64, false, 1)).toThrow(/not called while requests are recycled/);
  });
});
