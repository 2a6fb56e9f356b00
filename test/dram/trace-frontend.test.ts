import { describe, it, expect } from 'vitest';
import type { Component } from '../../src/kernel/simulator.ts';
import { Simulator } from '../../src/kernel/simulator.ts';
import { formatLog, logEntries } from '../../src/dram/command-log.ts';
import { importDramsim3Ini } from '../../src/dram/dramsim3-ini.ts';
import { MemorySystem, type MemoryClient } from '../../src/dram/memory-system.ts';
import { generatePattern, PATTERNS } from '../../src/dram/patterns.ts';
import type { MemRequest } from '../../src/dram/request.ts';
import { runDram } from '../../src/dram/run.ts';
import { bytesPerRequest, capacityBytes, knownStandards, loadStandard, type ControllerSpec, type DramStandard } from '../../src/dram/standard.ts';
import type { MemTrace } from '../../src/dram/trace.ts';
import { TraceFrontend, type FrontendKind } from '../../src/dram/trace-frontend.ts';
import { DRAMSIM3_REFERENCE_DIR, dramsim3Config, haveDramsim3Configs } from '../../src/validation/dramsim3.ts';

/**
 * The front end's semantics written the slow, obvious way: it wakes 1 ps after every memory clock edge (so after
 * every controller's actions of that cycle) and offers the requests whose cycle has come, as long as their queues
 * take them. TraceFrontend hands requests over ahead of their cycle and wakes only once; the runs must be equal.
 */
class CycleByCycleFrontend implements Component, MemoryClient {
  readonly name = 'reference-frontend';
  private next = 0;
  private handle: number;
  private outstanding = 0;
  drained = false;

  constructor(private readonly sim: Simulator, private readonly memory: MemorySystem, private readonly trace: MemTrace, private readonly kind: FrontendKind) {
    memory.client = this;
    this.handle = sim.add(this);
    sim.wakeAt(this.handle, trace.cycle[0]! * memory.clock.periodPs + 1);
  }

  wake(nowPs: number): void {
    const c = Math.floor(nowPs / this.memory.clock.periodPs);
    let sent = 0;
    while (this.next < this.trace.length && this.trace.cycle[this.next]! <= c && (this.kind === 'in-order' || sent === 0)) {
      this.outstanding++;
      if (!this.memory.trySubmit(this.trace.addr[this.next]!, this.trace.isWrite[this.next] === 1, c)) {
        this.outstanding--;
        break;
      }
      this.next++;
      sent++;
    }
    if (this.next < this.trace.length) this.sim.wakeAt(this.handle, Math.max(c + 1, this.trace.cycle[this.next]!) * this.memory.clock.periodPs + 1);
  }

  onSpace(): void {}

  onComplete(_req: MemRequest, _doneCycle: number): void {
    if (--this.outstanding === 0 && this.next === this.trace.length) {
      this.drained = true;
      this.sim.stop();
    }
  }
}

/** Per-channel statistics and command logs of a trace run with either front end, as lines of text. */
function outcome(std: DramStandard, controller: ControllerSpec, trace: MemTrace, kind: FrontendKind, reference: boolean): string[] {
  const sim = new Simulator();
  const memory = new MemorySystem(sim, std, controller, { commandLog: true });
  if (reference) new CycleByCycleFrontend(sim, memory, trace, kind);
  else new TraceFrontend(sim, memory, trace, kind, true);
  sim.run();
  const lines = memory.controllers.map((c, ch) => {
    const s = c.stats;
    const done = Array.from(s.doneCycle.subarray(0, s.count)).join(',');
    const latency = Array.from(s.latency.subarray(0, s.count)).join(',');
    return `ch${ch}: hits ${s.rowHits} misses ${s.rowMisses} conflicts ${s.rowConflicts} forwarded ${s.forwardedReads} done ${done} latency ${latency}`;
  });
  return [...lines, formatLog(logEntries(memory.logs))];
}

/** The first line where two outcomes differ (empty when equal), so a failure prints one line, not two runs. */
function firstDifference(a: string[], b: string[]): string {
  const al = a.join('\n').split('\n');
  const bl = b.join('\n').split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}: ahead '${al[i]?.slice(0, 200)}' vs cycle by cycle '${bl[i]?.slice(0, 200)}'`;
  }
  return '';
}

// DRAMsim3's own HBM2 .ini is read from ../shared/reference; without it, only the shipped standards run.
const hbm2Ini = haveDramsim3Configs() ? [importDramsim3Ini(dramsim3Config('HBM2_8Gb_x128.ini')).standard] : [];
if (hbm2Ini.length === 0) console.warn(`trace-frontend: skipping DRAMsim3's HBM2_8Gb_x128.ini: ${DRAMSIM3_REFERENCE_DIR} is absent`);

describe('TraceFrontend: handing requests over ahead of their cycle', () => {
  const standards = [...knownStandards().map((n) => loadStandard(n)), ...hbm2Ini];
  for (const std of standards) {
    it(`gives the same commands and statistics as offering each request at its cycle (${std.name})`, () => {
      // Small queues make blocking frequent; writes to a few addresses make reads answered from the write queue.
      const small: ControllerSpec = { ...std.controller, readQueueDepth: 4, writeQueueDepth: 6, commandQueueDepth: 2, writeHighWatermark: 5, writeLowWatermark: 2, writeFlushIdleCycles: 40 };
      const variants = [...PATTERNS.map((p) => [small, p] as const), [std.controller, 'random'] as const, [{ ...small, refresh: 'none' as const }, 'random'] as const];
      for (const [controller, pattern] of variants) {
        for (const kind of ['in-order', 'dramsim3'] as const) {
          for (const interval of [0, 1, 7]) {
            const trace = generatePattern({ pattern, requests: 600, seed: `fe-${interval}`, requestBytes: bytesPerRequest(std), capacityBytes: pattern === 'random' ? 64 * bytesPerRequest(std) : Math.min(capacityBytes(std), 2 ** 33), writeFraction: 0.4, interval });
            expect(firstDifference(outcome(std, controller, trace, kind, false), outcome(std, controller, trace, kind, true)), `${pattern} ${kind} interval ${interval}`).toBe('');
          }
        }
      }
    });
  }
});

describe('TraceFrontend: what the controller sees of an early hand-over', () => {
  const hbm2 = loadStandard('hbm2');
  const trace = (rows: [number, boolean, number][]): MemTrace => ({
    origin: 'test',
    length: rows.length,
    addr: Float64Array.from(rows, (r) => r[0]),
    isWrite: Uint8Array.from(rows, (r) => (r[1] ? 1 : 0)),
    cycle: Float64Array.from(rows, (r) => r[2]),
  });

  it('a request handed over early issues nothing and counts no latency before its cycle', () => {
    const r = runDram({ standard: hbm2, trace: trace([[0, false, 500]]), commandLog: true, bankWindow: false });
    const first = logEntries(r.logs).find((e) => e.command === 'ACT')!;
    expect(first.cycle).toBeGreaterThan(500);
    const ch = r.channels.find((c) => c.count === 1)!;
    expect(ch.latency[0]).toBe(ch.doneCycle[0]! - 500);
  });

  it('a read is answered from the write queue only if the write is still queued when the read arrives', () => {
    // The write waits for the idle flush (writeFlushIdleCycles after the last arrival); a read arriving before
    // that is forwarded, one arriving long after goes to the DRAM, although both were handed over at cycle 0.
    const early = runDram({ standard: hbm2, trace: trace([[4096, true, 0], [4096, false, 1]]), bankWindow: false });
    expect(early.channels.reduce((s, c) => s + c.forwardedReads, 0)).toBe(1);
    const late = runDram({ standard: hbm2, trace: trace([[4096, true, 0], [4096, false, 5000]]), commandLog: true, bankWindow: false });
    expect(late.channels.reduce((s, c) => s + c.forwardedReads, 0)).toBe(0);
    expect(logEntries(late.logs).map((e) => e.command)).toContain('RD');
  });

  it('writes below the watermarks flush after the idle time even when no refresh wakes the controller', () => {
    const r = runDram({ standard: hbm2, controller: { ...hbm2.controller, refresh: 'none' }, trace: trace([[4096, true, 0], [8192, true, 3]]), bankWindow: false });
    expect(r.channels.reduce((s, c) => s + c.count, 0)).toBe(2);
    expect(r.cycles).toBeGreaterThanOrEqual(3 + hbm2.controller.writeFlushIdleCycles);
  });

  it('a fixed window counts as offered only the requests handed over before its end', () => {
    const rows: [number, boolean, number][] = Array.from({ length: 100 }, (_, i) => [i * 64, false, i * 10]);
    const r = runDram({ standard: hbm2, trace: trace(rows), cycles: 255, bankWindow: false });
    expect(r.requestsOffered).toBe(26); // cycles 0, 10, ..., 250
  });
});
