import { describe, it, expect } from 'vitest';
import { dramReport, formatDramSummary, DRAM_REPORT_SCHEMA, type DramReport } from '../../src/report/dram-report.ts';
import { runDram } from '../../src/dram/run.ts';
import { generatePattern, type Pattern } from '../../src/dram/patterns.ts';
import { parseAddressMapping } from '../../src/dram/address-mapping.ts';
import { bytesPerRequest, loadStandard, type ControllerSpec } from '../../src/dram/standard.ts';
import { reportJson } from '../../src/report/json.ts';
import { validateReport } from '../../src/report/schema.ts';

const hbm2 = loadStandard('hbm2');
const capacity = parseAddressMapping(hbm2.controller.addressMapping, hbm2.organization).capacityBytes;

function report(pattern: Pattern, requests: number, opts: { controller?: ControllerSpec; cycles?: number } = {}): DramReport {
  const trace = generatePattern({ pattern, requests, seed: '1', requestBytes: bytesPerRequest(hbm2), capacityBytes: capacity });
  return dramReport(runDram({ standard: hbm2, trace, ...opts }));
}

const columnCommands = (r: DramReport) => r.commands.RD! + r.commands.WR! + r.commands.RDA! + r.commands.WRA!;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// Per-command IDD energies for hbm2 (VDD 1.2 V, currents in mA, one die per rank, tCK = 1 ns; mA x V x ns = pJ):
/** RD: VDD x (IDD4R - IDD3N) x tBURST x tCK = 1.2 x (390 - 55) x 2 x 1 = 804 pJ. */
const READ_PJ = 804;
/** WR: 1.2 x (IDD4W - IDD3N) x 2 = 1.2 x (500 - 55) x 2 = 1068 pJ. */
const WRITE_PJ = 1068;
/** ACT: VDD x (IDD0 x tRC - (IDD3N x tRAS + IDD2N x tRP)) = 1.2 x (65 x 48 - (55 x 34 + 40 x 14)) = 1.2 x 690 = 828 pJ. */
const ACT_PJ = 828;
/** REF: VDD x (IDD5AB - IDD3N) x tRFC = 1.2 x 195 x 260 = 60 840 pJ. */
const REF_PJ = 60_840;
/** REFpb: VDD x (IDD5PB - IDD3N) x tRFCpb = 1.2 x (74.8 - 55) x 160 = 3 801.6 pJ, about 1/16 of a REF (IDD5PB is derived so). */
const REFPB_PJ = 3801.6;

describe('dram report: stream, 2000 requests on hbm2', () => {
  const r = report('stream', 2000);

  it('has the schema and names its standard', () => {
    expect(r.schema).toBe(DRAM_REPORT_SCHEMA);
    expect(r.schema).toBe('strata.dram-report/1');
    expect(r.standard.file).toBe('arch/dram/hbm2.json');
    expect(r.clock).toEqual({ name: 'dram', periodPs: 1000 });
    expect(r.window.fixed).toBe(false);
  });

  it('completes every request, all reads', () => {
    expect(r.requests.completed).toBe(2000);
    expect(r.requests.reads).toBe(2000);
    expect(r.requests.writes).toBe(0);
    expect(r.requests.completed).toBe(r.requests.reads + r.requests.writes);
  });

  it('row-buffer outcomes add up to the column commands, one per request', () => {
    const rb = r.rowBuffer;
    expect(rb.hits + rb.misses + rb.conflicts).toBe(columnCommands(r));
    expect(columnCommands(r) + r.requests.forwardedReads).toBe(r.requests.completed);
    expect(rb.hitRate).toBeCloseTo(rb.hits / (rb.hits + rb.misses + rb.conflicts), 4);
    // every miss or conflict opens a row
    expect(r.commands.ACT).toBeGreaterThanOrEqual(rb.misses + rb.conflicts);
  });

  it('per-channel counts add up to the totals; a stream spreads evenly over the 8 channels', () => {
    expect(r.channels).toHaveLength(8);
    expect(sum(r.channels.map((c) => c.completed))).toBe(r.requests.completed);
    for (const c of r.channels) expect(c.completed).toBe(250); // 2000 / 8
    for (const name of Object.keys(r.commands)) {
      expect(sum(r.channels.map((c) => c.commands[name] ?? 0)), name).toBe(r.commands[name]);
    }
    expect(sum(r.banks.map((b) => b.columnCommands))).toBe(columnCommands(r));
    expect(r.banks).toHaveLength(8 * 16); // 8 channels x 16 banks
  });

  it('bandwidth = completed x 64 B / time, and percentOfPeak = achieved / 256 GB/s', () => {
    const bw = r.bandwidth;
    expect(bw.bytesPerRequest).toBe(64);
    expect(bw.peakGBps).toBe(256);
    // B/ns = GB/s
    expect(bw.achievedGBps).toBeCloseTo((r.requests.completed * 64) / r.window.timeNs, 2);
    expect(bw.percentOfPeak).toBeCloseTo((100 * bw.achievedGBps) / 256, 1);
    expect(bw.achievedGBps).toBeLessThanOrEqual(bw.peakGBps);
    expect(r.window.timeNs).toBe(r.window.cycles); // tCK = 1 ns
    expect(sum(r.channels.map((c) => c.bandwidthGBps))).toBeCloseTo(bw.achievedGBps, 1);
    // each request holds a channel's data bus for tBURST = 2 cycles
    for (const c of r.channels) expect(c.dataBusUtilisation).toBeCloseTo((c.completed * 2) / r.window.cycles, 3);
  });

  it('IDD energy per command: 804 pJ per RD, 828 pJ per ACT', () => {
    const e = r.energy.idd;
    expect(e.read).toBeCloseTo(r.commands.RD! * READ_PJ, 2);
    expect(e.read).toBeCloseTo(2000 * READ_PJ, 2); // 1 608 000 pJ
    expect(e.write).toBe(0);
    expect(e.activate).toBeCloseTo(r.commands.ACT! * ACT_PJ, 2);
    expect(e.refresh).toBeCloseTo(r.commands.REF! * REF_PJ + r.commands.REFpb! * REFPB_PJ, 2);
    expect(r.commands.REFpb).toBeGreaterThan(0); // hbm2 refreshes per bank
    // background: every channel pays IDD2N (40 mA) to IDD3N (55 mA) x 1.2 V for every cycle
    const cycles = r.window.cycles;
    expect(e.background).toBeGreaterThanOrEqual(8 * 1.2 * 40 * cycles - 1e-6);
    expect(e.background).toBeLessThanOrEqual(8 * 1.2 * 55 * cycles + 1e-6);
    expect(e.total).toBeCloseTo(e.activate + e.read + e.write + e.refresh + e.background + e.io, 2);
    expect(r.energy.pjPerBitIdd).toBeCloseTo(e.total / (r.requests.completed * 512), 3); // 64 B = 512 bits
    expect(r.energy.averagePowerMwIdd).toBeCloseTo(e.total / r.window.timeNs, 2); // pJ / ns = mW
  });

  it('path energy: per-bit array and I/O terms, 909 pJ per ACT', () => {
    const p = r.energy.path;
    // read: (cell 0.44 + datapath 2.24) pJ/bit x 512 bits = 1372.16 pJ per RD; io: 0.8 x 512 = 409.6 pJ
    expect(p.read).toBeCloseTo(r.commands.RD! * 1372.16, 2);
    expect(p.io).toBeCloseTo(columnCommands(r) * 409.6, 2);
    expect(p.activate).toBeCloseTo(r.commands.ACT! * 909, 2);
    // per-bank refresh costs one bank's share of an all-bank refresh: 60 840 / 16 = 3802.5 pJ
    expect(p.refresh).toBeCloseTo(r.commands.REF! * 60_840 + r.commands.REFpb! * 3802.5, 2);
  });

  it('read latency statistics are ordered', () => {
    const l = r.readLatency as { [K in keyof typeof r.readLatency]: NonNullable<(typeof r.readLatency)[K]> };
    expect(Object.values(l)).not.toContain(null);
    // the shortest possible read is an ACT then RD: tRCDRD + CL + tBURST = 14 + 14 + 2 cycles
    expect(l.p50).toBeGreaterThanOrEqual(30);
    expect(l.p50).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(l.mean).toBeLessThanOrEqual(l.max);
    expect(l.meanNs).toBeCloseTo(l.mean, 3); // tCK = 1 ns
  });

  it('is a pure function of the run: the same run gives the same report', () => {
    expect(JSON.stringify(report('stream', 2000))).toBe(JSON.stringify(r));
  });

  it('summarises in text', () => {
    const text = formatDramSummary(r);
    expect(text).toContain('2,000 completed (2,000 reads, 0 writes) of 2,000 in the trace');
    expect(text).toContain(`${r.bandwidth.achievedGBps} GB/s achieved, 256 GB/s analytical peak`);
  });
});

describe('dram report: random reads and writes', () => {
  const r = report('random', 2000);

  it('counts add up, with writes', () => {
    expect(r.requests.completed).toBe(2000);
    expect(r.requests.writes).toBeGreaterThan(0);
    expect(r.requests.completed).toBe(r.requests.reads + r.requests.writes);
    expect(r.rowBuffer.hits + r.rowBuffer.misses + r.rowBuffer.conflicts).toBe(columnCommands(r));
    // a read served from the write queue completes without a column command
    expect(columnCommands(r) + r.requests.forwardedReads).toBe(r.requests.completed);
    expect(r.commands.WR! + r.commands.WRA!).toBe(r.requests.writes);
    expect(sum(r.channels.map((c) => c.completed))).toBe(r.requests.completed);
  });

  it('IDD energy: 804 pJ per RD, 1068 pJ per WR, 828 pJ per ACT', () => {
    const e = r.energy.idd;
    expect(e.read).toBeCloseTo((r.commands.RD! + r.commands.RDA!) * READ_PJ, 2);
    expect(e.write).toBeCloseTo((r.commands.WR! + r.commands.WRA!) * WRITE_PJ, 2);
    expect(e.activate).toBeCloseTo(r.commands.ACT! * ACT_PJ, 2);
  });
});

describe('dram report: closed page (RDA/WRA)', () => {
  const r = report('random', 1000, { controller: { ...hbm2.controller, pagePolicy: 'closed' } });

  it('counts auto-precharge commands with the column commands', () => {
    expect(r.controller.pagePolicy).toBe('closed');
    expect(r.requests.completed).toBe(1000);
    expect(r.rowBuffer.hits + r.rowBuffer.misses + r.rowBuffer.conflicts).toBe(columnCommands(r));
    expect(r.energy.idd.read).toBeCloseTo((r.commands.RD! + r.commands.RDA!) * READ_PJ, 2);
    expect(r.energy.idd.write).toBeCloseTo((r.commands.WR! + r.commands.WRA!) * WRITE_PJ, 2);
  });
});

describe('dram report: a window in which no read completes', () => {
  // The first read needs at least tRCDRD + CL + tBURST = 30 cycles.
  const r = report('stream', 2000, { cycles: 10 });

  it('counts in the summary agree in number', () => {
    const one = { ...r, requests: { ...r.requests, completed: 2, reads: 1, writes: 1 } };
    expect(formatDramSummary(one)).toContain('2 completed (1 read, 1 write) of');
  });

  it('gives null read latencies (not 0), which validate against the schema, and says so in the summary', () => {
    expect(r.requests.reads).toBe(0);
    expect(r.readLatency).toEqual({ unit: 'cycles', clock: 'dram', mean: null, p50: null, p99: null, max: null, meanNs: null });
    expect(() => validateReport(JSON.parse(reportJson(r)), 'no-reads.json')).not.toThrow();
    expect(formatDramSummary(r)).toContain('  read lat.   none: no read completed');
  });
});

describe('dram report: fixed window', () => {
  const r = report('stream', 2000, { cycles: 200 });

  it('counts only requests completed inside the window', () => {
    expect(r.window).toEqual({ cycles: 200, timeNs: 200, fixed: true });
    expect(r.requests.completed).toBeLessThan(2000);
    expect(r.requests.completed).toBeGreaterThan(0);
    // at most one 64-B burst per tBURST = 2 cycles per channel: 8 x 200 / 2 = 800
    expect(r.requests.completed).toBeLessThanOrEqual(800);
    expect(r.requests.completed).toBeLessThanOrEqual(columnCommands(r));
    expect(sum(r.channels.map((c) => c.completed))).toBe(r.requests.completed);
    expect(r.bandwidth.achievedGBps).toBeCloseTo((r.requests.completed * 64) / 200, 2);
  });
});

describe('dram report: read latency statistics against sorting (the one-pass histogram)', () => {
  /** The nearest-rank percentiles and the mean of the counted reads, by sorting every one of them. */
  function oracle(run: ReturnType<typeof runDram>) {
    const xs: number[] = [];
    let total = 0;
    for (const s of run.channels) {
      for (let i = 0; i < s.count; i++) {
        if (s.isWrite[i] || (run.fixedWindow && s.doneCycle[i]! >= run.cycles)) continue;
        xs.push(s.latency[i]!);
        total += s.latency[i]!;
      }
    }
    xs.sort((a, b) => a - b);
    const at = (q: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))]!;
    return { mean: Number((total / xs.length).toFixed(3)), p50: at(0.5), p99: at(0.99), max: xs[xs.length - 1]! };
  }
  const run = (cycles?: number) => {
    const trace = generatePattern({ pattern: 'random', requests: 3000, seed: '7', requestBytes: bytesPerRequest(hbm2), capacityBytes: capacity, writeFraction: 0.3 });
    return runDram({ standard: hbm2, trace, cycles, bankWindow: false });
  };
  const picked = (rep: DramReport) => ({ mean: rep.readLatency.mean, p50: rep.readLatency.p50, p99: rep.readLatency.p99, max: rep.readLatency.max });

  it('a drained random run with writes: the histogram gives what sorting gives', () => {
    const r = run();
    expect(picked(dramReport(r, { timeSeries: false }))).toEqual(oracle(r));
  });

  it('a fixed window counts only reads done inside it', () => {
    const r = run(700);
    const rep = dramReport(r, { timeSeries: false });
    expect(picked(rep)).toEqual(oracle(r));
    // the window cuts the run short, so fewer reads count than the drained run has
    expect(rep.requests.reads).toBeLessThan(run().channels.reduce((a, s) => a + s.count - s.isWrite.subarray(0, s.count).reduce((x, y) => x + y, 0), 0));
  });

  it('latencies past the first histogram size grow it; a fractional or huge one switches to sorting', () => {
    for (const odd of [5000.0, 2.5, 2 ** 25]) {
      const r = run();
      const s = r.channels.find((c) => c.count > 0 && c.isWrite[0] === 0)!;
      s.latency[0] = odd; // the channel's first completion is a read
      const got = picked(dramReport(r, { timeSeries: false }));
      expect(got, `latency ${odd}`).toEqual(oracle(r));
      // every other read latency of this run is under 2,300 cycles
      if (odd > 2.5) expect(got.max).toBe(odd);
    }
  });
});
