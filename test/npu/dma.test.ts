import { describe, it, expect } from 'vitest';
import { Simulator } from '../../src/kernel/simulator.ts';
import { MemorySystem } from '../../src/dram/memory-system.ts';
import { loadStandard } from '../../src/dram/standard.ts';
import { DmaEngine } from '../../src/npu/dma.ts';

const hbm2 = loadStandard('hbm2');

/** A DMA engine on a fresh 8-channel HBM2 system that records (tag, ps) of every finished transfer. */
function setup() {
  const sim = new Simulator();
  const memory = new MemorySystem(sim, hbm2, hbm2.controller);
  const done: [number, number][] = [];
  const dma = new DmaEngine(sim, memory, { onTransferDone: (tag, ps) => done.push([tag, ps]) });
  const run = () => {
    let drained = -1;
    dma.onDrained(() => {
      drained = sim.nowPs;
      sim.stop();
    });
    sim.run(10_000_000_000);
    return drained;
  };
  return { sim, memory, dma, done, run };
}

describe('DMA engine over HBM2 (8 channels, 64 B requests, 32 GB/s per channel)', () => {
  it('moves a 64 KB read as 1024 requests across the channels, within the peak bandwidth', () => {
    const { memory, dma, done, run } = setup();
    dma.enqueue(0, 65_536, false, 7);
    run();
    expect(dma.stats.readRequests).toBe(1024);
    expect(done).toHaveLength(1);
    const [tag, ps] = done[0]!;
    expect(tag).toBe(7);
    // 128 requests per channel x tBURST 2 cycles = 256 cycles of data bus at least, plus tRCD + CL = 28.
    expect(ps).toBeGreaterThanOrEqual((256 + 28) * 1000);
    // and not much more: the mapping spreads a contiguous range over every channel and bank group.
    expect(ps).toBeLessThan(400 * 1000);
    for (const c of memory.controllers) expect(c.stats.count).toBe(128);
  });

  it('counts every 64 B block an unaligned range touches; an empty transfer is done at once', () => {
    const { dma, done, run } = setup();
    expect(dma.requestsFor(32, 64)).toBe(2);
    expect(dma.requestsFor(64, 64)).toBe(1);
    dma.enqueue(32, 64, false, 1);
    dma.enqueue(4096, 0, false, 2);
    run();
    expect(dma.stats.readRequests).toBe(2);
    expect(done.map(([t]) => t).sort()).toEqual([1, 2]);
    // The empty transfer did not wait for the DRAM (tRCD + CL = 28 cycles for the read).
    expect(done.find(([t]) => t === 2)![1]).toBe(0);
  });

  it('contention is real: 64 requests on one channel take 8x the data-bus time of 64 spread over 8', () => {
    const time = (stride: number) => {
      const { dma, done, run } = setup();
      for (let i = 0; i < 64; i++) dma.enqueue(i * stride, 64, false, i);
      run();
      return Math.max(...done.map(([, ps]) => ps));
    };
    // ro-ba-co-bg-ch: the channel is the lowest field, so a 64 B stride rotates over the 8 channels and a
    // 512 B stride (8 x 64) stays on channel 0 (rotating over its bank groups).
    const spread = time(64);
    const one = time(512);
    // One channel: 64 bursts x tBURST 2 = 128 cycles of data bus at least; spread: 8 per channel = 16.
    expect(one).toBeGreaterThanOrEqual(128 * 1000);
    expect(spread).toBeLessThan(64 * 1000);
    expect(one - spread).toBeGreaterThanOrEqual((128 - 16) * 1000);
  });

  it('writes are done when accepted (posted); onDrained waits until they reach DRAM', () => {
    const { dma, done, run } = setup();
    dma.enqueue(0, 4096, true, 3);
    const drained = run();
    expect(dma.stats.writeRequests).toBe(64);
    // 64 writes fit the 8 write queues of 32: all accepted at cycle 0.
    expect(done).toEqual([[3, 0]]);
    // Below the write watermarks they wait to be flushed; they complete later, and onDrained fires then.
    expect(drained).toBeGreaterThan(0);
    expect(dma.stats.lastDoneCycle * 1000).toBe(drained);
  });

  it('transfers are signalled in queue order when they finish together, and each with its own tag', () => {
    const { dma, done, run } = setup();
    for (let i = 0; i < 5; i++) dma.enqueue(i * 8192, 8192, false, 10 + i);
    run();
    expect(done.map(([t]) => t)).toEqual([10, 11, 12, 13, 14]);
    for (let i = 1; i < done.length; i++) expect(done[i]![1]).toBeGreaterThanOrEqual(done[i - 1]![1]);
    expect(dma.pendingTransfers).toBe(0);
  });
});
