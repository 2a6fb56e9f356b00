import { describe, it, expect } from 'vitest';
import { Simulator } from '../../src/kernel/simulator.ts';
import { encodeAddress, parseAddressMapping } from '../../src/dram/address-mapping.ts';
import { logEntries } from '../../src/dram/command-log.ts';
import { MemorySystem, type MemoryClient } from '../../src/dram/memory-system.ts';
import { generatePattern } from '../../src/dram/patterns.ts';
import type { MemRequest } from '../../src/dram/request.ts';
import { runDram } from '../../src/dram/run.ts';
import { bytesPerRequest, knownStandards, loadStandard, type ControllerSpec, type DramStandard } from '../../src/dram/standard.ts';
import type { MemTrace } from '../../src/dram/trace.ts';
import { TraceFrontend } from '../../src/dram/trace-frontend.ts';

interface Served {
  req: MemRequest;
  done: number;
}

/** Runs `trace` and returns every request with its completion cycle. */
function serve(std: DramStandard, controller: ControllerSpec, trace: MemTrace): Served[] {
  const sim = new Simulator();
  const memory = new MemorySystem(sim, std, controller);
  const fe = new TraceFrontend(sim, memory, trace, 'in-order', true);
  const served: Served[] = [];
  const recorder: MemoryClient = {
    onSpace: (channel, cycle) => fe.onSpace(channel, cycle),
    onComplete: (req, done) => {
      served.push({ req, done });
      fe.onComplete(req, done);
    },
  };
  memory.client = recorder;
  sim.run();
  return served;
}

/**
 * What a program sees of memory: every read returns the data of the latest earlier write to its address. The DRAM
 * must therefore serve the requests to one address in their order (no write overtakes an older read, no read an
 * older write), and a read answered from the write queue must have a write to its address that had not yet gone
 * to the DRAM when the read arrived. The transaction queues, the write drain and FR-FCFS all reorder requests;
 * this holds them to that contract.
 */
function consistencyViolations(std: DramStandard, served: Served[]): string[] {
  const t = std.timing;
  const columnCycle = (s: Served): number => s.done - (s.req.isWrite ? t.CWL! : t.CL!) - t.tBURST!;
  const isForwarded = (s: Served): boolean => !s.req.isWrite && s.done === s.req.arrivalCycle + 1;
  const byAddr = new Map<number, Served[]>();
  for (const s of served) {
    const list = byAddr.get(s.req.addr) ?? [];
    list.push(s);
    byAddr.set(s.req.addr, list);
  }
  const out: string[] = [];
  for (const [addr, list] of byAddr) {
    list.sort((a, b) => a.req.id - b.req.id);
    const dram = list.filter((s) => !isForwarded(s));
    for (let i = 1; i < dram.length; i++) {
      if (columnCycle(dram[i]!) <= columnCycle(dram[i - 1]!)) {
        out.push(`0x${addr.toString(16)}: request ${dram[i]!.req.id} went to the DRAM at cycle ${columnCycle(dram[i]!)}, not after the older request ${dram[i - 1]!.req.id} (cycle ${columnCycle(dram[i - 1]!)})`);
      }
    }
    let latestWrite: Served | undefined;
    for (const s of list) {
      if (s.req.isWrite) latestWrite = s;
      else if (isForwarded(s) && (latestWrite === undefined || columnCycle(latestWrite) < s.req.arrivalCycle)) {
        out.push(`0x${addr.toString(16)}: read ${s.req.id} was answered from the write queue with no write to its address waiting at its arrival`);
      }
    }
  }
  return out;
}

describe('Controller: memory consistency under reordering', () => {
  for (const std of knownStandards().map((n) => loadStandard(n))) {
    it(`serves the requests to each address in their order (${std.name})`, () => {
      // Few addresses and half writes: reads and writes to one address meet in the queues all the time. Small
      // queues and watermarks make drains, full command queues and blocked writes frequent.
      const small: ControllerSpec = { ...std.controller, readQueueDepth: 6, writeQueueDepth: 6, commandQueueDepth: 2, writeHighWatermark: 4, writeLowWatermark: 1, writeFlushIdleCycles: 30 };
      const variants: [string, ControllerSpec][] = [
        ['small queues', small],
        ['small queues, FCFS', { ...small, scheduler: 'fcfs' }],
        ['small queues, closed page', { ...small, pagePolicy: 'closed' }],
        ['default queues', std.controller],
      ];
      let forwarded = 0;
      for (const [label, controller] of variants) {
        for (const pattern of ['random', 'mixed'] as const) {
          const trace = generatePattern({ pattern, requests: 1500, seed: `consistency-${label}`, requestBytes: bytesPerRequest(std), capacityBytes: 48 * bytesPerRequest(std), writeFraction: 0.5, interval: 1 });
          const served = serve(std, controller, trace);
          expect(served.length, `${label}, ${pattern}`).toBe(trace.length);
          expect(consistencyViolations(std, served).slice(0, 3), `${label}, ${pattern}`).toEqual([]);
          forwarded += served.filter((s) => !s.req.isWrite && s.done === s.req.arrivalCycle + 1).length;
        }
      }
      // The traces exercise the write queue's answers too, not only the DRAM's order.
      expect(forwarded).toBeGreaterThan(0);
    });
  }

  it('catches a write served before an older read to its address', () => {
    const std = loadStandard('hbm2');
    const read = { req: { id: 0, addr: 64, isWrite: false, arrivalCycle: 0 } as MemRequest, done: 100 };
    const write = { req: { id: 1, addr: 64, isWrite: true, arrivalCycle: 1 } as MemRequest, done: 60 };
    expect(consistencyViolations(std, [read, write])).toHaveLength(1);
    const forwardedAlone = { req: { id: 2, addr: 128, isWrite: false, arrivalCycle: 5 } as MemRequest, done: 6 };
    expect(consistencyViolations(std, [forwardedAlone])).toHaveLength(1);
  });
});

describe('Controller: moving transactions into the bank queues', () => {
  it('moves the oldest transaction whose bank has room, past the ones whose bank is full', () => {
    const std = loadStandard('hbm2');
    const controller: ControllerSpec = { ...std.controller, commandQueueDepth: 1, refresh: 'none' };
    const mapping = parseAddressMapping(controller.addressMapping, std.organization);
    const at = (bank: number, column: number): number => encodeAddress(mapping, { channel: 0, rank: 0, bankGroup: 0, bank, row: 0, column });
    // Two reads for bank 0, then one each for banks 1 and 2, all ready at cycle 0: bank 0's queue is full after the
    // first, so bank 1's read moves next and then bank 2's; bank 0's second read moves once its first has issued.
    const addrs = [at(0, 0), at(0, 1), at(1, 0), at(2, 0)];
    const trace: MemTrace = { origin: 'test', length: 4, addr: Float64Array.from(addrs), isWrite: new Uint8Array(4), cycle: new Float64Array(4) };
    const r = runDram({ standard: std, controller, trace, commandLog: true, bankWindow: false });
    const acts = logEntries(r.logs).filter((e) => e.command === 'ACT').map((e) => e.bank);
    expect(acts).toEqual([0, 1, 2]);
    // Bank 0's second read waited in the read queue without holding up the others.
    const log = logEntries(r.logs);
    const act2 = log.find((e) => e.command === 'ACT' && e.bank === 2)!;
    const secondRead = log.find((e) => e.command === 'RD' && e.bank === 0 && e.column === 1)!;
    expect(act2.cycle).toBeLessThan(secondRead.cycle);
  });
});

describe('controller wake-ups', () => {
  /** Controller wake-ups of a run, counted on a spy. */
  function wakesOf(std: DramStandard, controller: ControllerSpec, trace: MemTrace): { wakes: number; commands: number } {
    const sim = new Simulator();
    const memory = new MemorySystem(sim, std, controller);
    const fe = new TraceFrontend(sim, memory, trace, 'in-order', true);
    let wakes = 0;
    for (const c of memory.controllers) {
      const wake = c.wake.bind(c);
      c.wake = (nowPs: number) => {
        wakes++;
        wake(nowPs);
      };
    }
    sim.run();
    expect(fe.drainedAtCycle).toBeGreaterThan(0);
    const commands = memory.controllers.reduce((n, c) => n + c.stats.commandCounts.reduce((a, b) => a + b, 0), 0);
    return { wakes, commands };
  }

  it('a pending refresh does not wake the controller every cycle while it waits for its banks to close', () => {
    // Sparse traffic leaves rows open (open page), so every refresh waits for a PRE and tRP before it issues.
    for (const [name, refresh] of [['hbm2', 'per-bank'], ['ddr4', 'all-bank']] as const) {
      const std = loadStandard(name);
      const controller = { ...std.controller, refresh };
      const capacity = parseAddressMapping(controller.addressMapping, std.organization).capacityBytes;
      const trace = generatePattern({ pattern: 'random', requests: 400, seed: 'sparse', requestBytes: bytesPerRequest(std), capacityBytes: capacity, interval: 200 });
      const { wakes, commands } = wakesOf(std, controller, trace);
      // Every wake-up has work: a command, a transaction move or an arrival (at most one of each per request),
      // or a refresh due. Waking every cycle of each pending refresh would add several per refresh.
      expect(wakes, name).toBeLessThanOrEqual(commands + 2 * trace.length);
    }
  });
});
