import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { dramCommand } from '../../src/cli/dram.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRamulator2Config, parseRamulator2Config, ramulator2ChannelBytes } from '../../src/dram/ramulator2-config.ts';
import { ramulator2AddressVector, runRamulator2 } from '../../src/dram/ramulator2-run.ts';
import { generateRamulator2Trace, PythonRandom, readLoadStoreTrace } from '../../src/dram/ramulator2-trace.ts';
import { StrataError } from '../../src/spec/errors.ts';

/** A small resolved DDR4 configuration written for these tests (one rank, 2 bank groups x 2 banks). */
function ddr4(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const ctrl = {
    impl: 'GenericDDR', read_buffer_size: 8, write_buffer_size: 8,
    scheduler: { impl: 'FRFCFS' }, refresh_manager: { impl: 'AllBank' }, row_policy: { impl: 'Open' }, addr_mapper: { impl: 'RoBaRaCoCh' },
    dram: {
      impl: 'DDR4',
      org: { dq: 8, count: [1, 1, 2, 2, 1024, 1024] },
      // rate nBL nCL nRCD nRP nRAS nRC nWR nRTP nCWL nCCDS nCCDL nRRDS nRRDL nWTRS nWTRL nFAW nRFC nREFI nCS tCK_ps
      timing: [3200, 4, 22, 22, 22, 52, 74, 24, 12, 16, 4, 8, 4, 8, 4, 12, 34, 576, 12480, 2, 625],
      channel_width: 64,
      read_latency: 26,
      timing_constraints: [
        [0, [3, 5], [3, 5], 4], [0, [4, 6], [4, 6], 4], [1, [0], [0], 4], [1, [0], [0], 34, 4], [1, [2], [0], 22], [1, [7], [0], 576],
        [3, [0], [3, 5], 22], [3, [0], [4, 6], 22], [3, [0], [1], 52], [3, [1], [0], 22], [3, [0], [0], 74], [3, [3], [1], 12], [3, [4], [1], 44],
      ],
      ...overrides,
    },
  };
  return { frontend: { impl: 'LoadStoreTrace', clock_ratio: 1, path: 'x' }, memory_system: { impl: 'GenericDRAM', clock_ratio: 1, controllers: [ctrl] } };
}

describe('Python random (the reference traces are drawn with it)', () => {
  it("gives CPython's numbers for the same seeds", () => {
    // python3 -c "import random; r=random.Random(1); print(r.random(), r.getrandbits(32), r.randrange(0, 2**33), r.randrange(0,1000))"
    const r = new PythonRandom(1);
    expect(r.random()).toBe(0.13436424411240122);
    expect(r.getrandbits(32)).toBe(3639700191);
    expect(r.randbelow(2 ** 33)).toBe(4566009041);
    expect(r.randbelow(1000)).toBe(120);
    // A seed over 32 bits is split into two key words.
    expect(new PythonRandom(123456789012).random()).toBe(0.37701448538609916);
  });

  it('generates gen.py patterns', () => {
    const t = generateRamulator2Trace('stream-read', 3, 1, 128);
    expect(Array.from(t.addr)).toEqual([0, 64, 0]);
    const rw = generateRamulator2Trace('random-rw', 1000, 1, 1 << 20);
    const writes = rw.isWrite.reduce((a, b) => a + b, 0);
    expect(writes).toBeGreaterThan(250);
    expect(writes).toBeLessThan(350);
    expect(() => generateRamulator2Trace('zigzag', 1, 1, 64)).toThrow("pattern: expected one of stream-read, random-rw, hot-rows, hot16, got 'zigzag'");
  });
});

describe('Ramulator 2 configuration import', () => {
  it('reads the resolved form: levels, timing by name, constraints, controller', () => {
    const c = parseRamulator2Config(ddr4(), 'x.yaml');
    expect(c.standard.name).toBe('DDR4');
    expect(c.timing.nRCD).toBe(22);
    expect(c.timing.tCK_ps).toBe(625);
    expect(c.txBytes).toBe(64);
    expect(ramulator2ChannelBytes(c)).toBe(2 * 2 * 1024 * 128 * 64);
    expect(c.constraints[3]).toEqual({ level: 1, prev: [0], next: [0], ticks: 34, window: 4, sibling: false });
    expect(c.controller.readBufferSize).toBe(8);
    expect(c.unknownKeys).toEqual([]);
  });

  it('notes keys it does not read and refuses bad values naming the key', () => {
    const doc = ddr4();
    (doc as { extra: number }).extra = 1;
    expect(parseRamulator2Config(doc, 'x.yaml').unknownKeys).toEqual(['.extra']);
    expect(() => parseRamulator2Config(ddr4({ timing: [1, 2] }), 'x.yaml')).toThrow(/x.yaml: 'memory_system.controllers\[0\].dram.timing': expected 21 values \(rate, nBL/);
    expect(() => parseRamulator2Config(ddr4({ impl: 'DDR9' }), 'x.yaml')).toThrow(`x.yaml: 'memory_system.controllers[0].dram.impl': expected one of DDR4, DDR5, HBM3, LPDDR5, found "DDR9"`);
    expect(() => parseRamulator2Config(ddr4({ org: { dq: 8, count: [1, 1, 3, 2, 1024, 1024] } }), 'x.yaml')).toThrow(StrataError);
    expect(() => parseRamulator2Config(ddr4({ timing_constraints: [[9, [0], [0], 1]] }), 'x.yaml')).toThrow(/level': expected a level number 0..3/);
  });

  it('reads YAML files and says where they are broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2-'));
    writeFileSync(join(dir, 'bad.yaml'), 'memory_system: [1, 2');
    expect(() => loadRamulator2Config(join(dir, 'bad.yaml'))).toThrow(/bad.yaml: not valid YAML/);
    writeFileSync(join(dir, 't.trace'), 'LD 64\nST 0x80\nXX 1\n');
    expect(() => readLoadStoreTrace(join(dir, 't.trace'))).toThrow(/t.trace:3: expected 'LD ADDRESS' or 'ST ADDRESS'/);
  });
});

describe('Ramulator 2 model', () => {
  it('maps RoBaRaCoCh: column lowest, then rank, bank group, bank, row', () => {
    const c = parseRamulator2Config(ddr4(), 'x.yaml');
    // 64 B requests; 128 columns of 8-burst; then 1 rank, 2 bank groups, 2 banks.
    expect(Array.from(ramulator2AddressVector(c, 64 * 5))).toEqual([0, 0, 0, 0, 0, 5]);
    expect(Array.from(ramulator2AddressVector(c, 64 * 128))).toEqual([0, 0, 1, 0, 0, 0]);
    expect(Array.from(ramulator2AddressVector(c, 64 * 128 * 4 * 3))).toEqual([0, 0, 0, 0, 3, 0]);
  });

  it('serves a stream: one ACT per row, the rest row hits; the run ends when the last request is accepted', () => {
    const c = parseRamulator2Config(ddr4(), 'x.yaml');
    const n = 128 * 4;
    const r = runRamulator2(c, generateRamulator2Trace('stream-read', n, 1, ramulator2ChannelBytes(c)));
    // Four rows (one per bank) of 128 requests: 4 ACTs, each request after the first of its row a hit.
    expect(r.commands.ACT).toBe(4);
    expect(r.stats.rowHits).toBe(r.stats.readsServed - 4);
    // The read buffer (8) still holds requests when the last is accepted.
    expect(r.leftInQueues).toBeGreaterThan(0);
    expect(r.stats.readsServed + r.leftInQueues).toBe(n);
    // Row hits stream one burst (nBL = 4 ticks) apart: about 4 ticks per request.
    expect(r.ticks / n).toBeGreaterThan(3.9);
    expect(r.ticks / n).toBeLessThan(4.5);
  });
});

describe('strata dram --spec config.yaml', () => {
  it('runs the Ramulator 2 model with its front end (implied) and writes the run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2-'));
    const spec = join(dir, 'ddr4.yaml');
    writeFileSync(spec, stringify(ddr4()));
    const out = join(dir, 'run.json');
    expect(dramCommand(['--spec', spec, '--pattern', 'stream-read', '--requests', '512', '--out', out, '--quiet'])).toBe(0);
    const run = JSON.parse(readFileSync(out, 'utf8'));
    expect(run.frontend).toBe('ramulator2');
    expect(run.commands.ACT).toBe(4);
    expect(run.stats.readsServed + run.leftInQueues).toBe(512);
    expect(() => dramCommand(['--spec', spec, '--pattern', 'stream-read', '--frontend', 'dramsim3'])).toThrow(/--frontend: a Ramulator 2 configuration .* runs with --frontend ramulator2 \(implied\), got 'dramsim3'/);
  });
});

describe('--frontend ramulator2 with a Strata standard (exported to Ramulator 2 first)', () => {
  it('runs a two-channel preset with CacheLineInterleave: consecutive requests alternate channels', () => {
    const dir = mkdtempSync(join(tmpdir(), 'r2-'));
    const out = join(dir, 'run.json');
    expect(dramCommand(['--spec', 'ddr5', '--frontend', 'ramulator2', '--pattern', 'stream-read', '--requests', '2048', '--out', out, '--quiet'])).toBe(0);
    const run = JSON.parse(readFileSync(out, 'utf8'));
    // Two 32-bit sub-channels of 64 B requests; each sees 1,024 consecutive requests, rows of 1,024 columns / 16 = 64
    // requests: 16 rows opened per channel, the rest row hits; 32 requests still in each channel's read buffer.
    expect(run.commands.ACT).toBe(32);
    expect(run.stats.rowHits).toBe(run.stats.readsServed - 32);
    expect(run.leftInQueues).toBe(64);
  });
});
