import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatTrace, parseTrace, readTraceFile } from '../../src/dram/trace.ts';
import { generatePattern, PATTERNS, type PatternOptions } from '../../src/dram/patterns.ts';
import { StrataError } from '../../src/spec/errors.ts';

const F = 'my.trace';
const errorOf = (text: string): string => {
  try {
    parseTrace(text, F);
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return (e as Error).message;
  }
  throw new Error('parsed, expected an error');
};

describe('parseTrace: good input', () => {
  it('reads address, type and cycle per line', () => {
    const t = parseTrace('0x40 READ 0\n0x80 WRITE 3\n0x1000 READ 3\n', F);
    expect(t.length).toBe(3);
    expect(Array.from(t.addr)).toEqual([0x40, 0x80, 0x1000]);
    expect(Array.from(t.isWrite)).toEqual([0, 1, 0]);
    expect(Array.from(t.cycle)).toEqual([0, 3, 3]); // equal cycles are allowed
    expect(t.origin).toBe(F);
  });

  it('skips comments and blank lines, and tolerates extra whitespace, tabs and CRLF', () => {
    const t = parseTrace('# header\n\n   \n  0x40   READ  1  \r\n\t# indented comment\n0x80\tWRITE\t2\r\n', F);
    expect(Array.from(t.addr)).toEqual([0x40, 0x80]);
    expect(Array.from(t.cycle)).toEqual([1, 2]);
  });

  it('reads addresses as hexadecimal with or without 0x (any case), as DRAMsim3 does, and lower-case types', () => {
    const t = parseTrace('0xFF READ 0\n0XaB read 1\n4096 write 2\n0 READ 3\n1f40 READ 4', F);
    expect(Array.from(t.addr)).toEqual([255, 0xab, 0x4096, 0, 0x1f40]);
    expect(Array.from(t.isWrite)).toEqual([0, 0, 1, 0, 0]);
  });

  it('records the line of each request', () => {
    const t = parseTrace('# header\n0x40 READ 0\n\n0x80 WRITE 1\n', F);
    expect(Array.from(t.line!)).toEqual([2, 4]);
  });

  it('accepts addresses up to 2^53 - 1', () => {
    const t = parseTrace('0x1fffffffffffff READ 0', F);
    expect(t.addr[0]).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('grows past its initial 1024-entry buffers', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `0x${(i * 64).toString(16)} ${i % 3 === 0 ? 'WRITE' : 'READ'} ${i}`);
    const t = parseTrace(lines.join('\n'), F);
    expect(t.length).toBe(3000);
    expect(t.addr[2999]).toBe(2999 * 64);
    expect(t.isWrite[2997]).toBe(1); // 2997 = 3 x 999: a WRITE
    expect(t.isWrite[2999]).toBe(0); // 2999 % 3 = 2: a READ
  });

  it('formatTrace and parseTrace round-trip', () => {
    const t = parseTrace('0x40 READ 0\n0x80 WRITE 3\n', F);
    const again = parseTrace(formatTrace(t), F);
    expect(Array.from(again.addr)).toEqual(Array.from(t.addr));
    expect(Array.from(again.isWrite)).toEqual(Array.from(t.isWrite));
    expect(Array.from(again.cycle)).toEqual(Array.from(t.cycle));
  });
});

describe('parseTrace: errors name file:line', () => {
  it('wrong field count', () => {
    expect(errorOf('0x40 READ 0\n0x80 READ')).toBe(`${F}:2: expected '0xADDRESS READ|WRITE CYCLE' (3 fields), found 2 field(s): "0x80 READ"`);
    expect(errorOf('0x40 READ 0 extra')).toMatch(/^my\.trace:1: .*found 4 field\(s\)/);
  });

  it('counts comment and blank lines in the line number', () => {
    expect(errorOf('# c\n\n0x40 READ 0\n0xZZ READ 1')).toMatch(/^my\.trace:4: /);
  });

  it('bad address', () => {
    expect(errorOf('0xZZ READ 0')).toBe(`${F}:1: address '0xZZ' is not a hexadecimal number (with or without 0x, as DRAMsim3 reads it)`);
    expect(errorOf('0x READ 0')).toMatch(/^my\.trace:1: address '0x' is not/);
    expect(errorOf('-64 READ 0')).toMatch(/^my\.trace:1: address '-64' is not/);
    expect(errorOf('12g READ 0')).toBe(`${F}:1: address '12g' is not a hexadecimal number (with or without 0x, as DRAMsim3 reads it)`);
    expect(errorOf('0x20000000000000 READ 0')).toBe(`${F}:1: address '0x20000000000000' is 2^53 or more (expected below 0x20000000000000)`);
  });

  it('bad type (not READ or WRITE)', () => {
    expect(errorOf('0x40 FETCH 0')).toBe(`${F}:1: request type 'FETCH' is not READ or WRITE`);
  });

  it('bad cycle', () => {
    expect(errorOf('0x40 READ -1')).toBe(`${F}:1: cycle '-1' is not a non-negative integer`);
    expect(errorOf('0x40 READ 1.5')).toMatch(/^my\.trace:1: cycle '1\.5'/);
    expect(errorOf('0x40 READ 0x10')).toMatch(/^my\.trace:1: cycle '0x10'/);
  });

  it('decreasing cycles', () => {
    expect(errorOf('0x40 READ 5\n0x80 READ 4')).toBe(
      `${F}:2: cycle 4 is earlier than the previous request's cycle 5 (traces must be in time order)`,
    );
  });

  it('empty trace', () => {
    expect(errorOf('')).toBe(`${F}: the trace holds no requests`);
    expect(errorOf('# only a comment\n\n')).toBe(`${F}: the trace holds no requests`);
  });
});

describe('readTraceFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-trace-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a gzipped DRAMsim3 fixture (detected by its magic bytes)', () => {
    const t = readTraceFile('test/fixtures/dramsim3/hbm2-8ch-stream-read.trace.gz');
    // 100 000 requests, request i = 64 B at address 64 i, arriving at cycle i (fixtures README)
    expect(t.length).toBe(100_000);
    expect(t.addr[0]).toBe(0);
    expect(t.addr[1]).toBe(0x40);
    expect(t.addr[99_999]).toBe(99_999 * 64);
    expect(t.cycle[99_999]).toBe(99_999);
    expect(t.isWrite.every((w) => w === 0)).toBe(true);
  });

  it('reads plain and gzipped copies of the same text identically, whatever the extension', () => {
    const text = '0x40 READ 0\n0x80 WRITE 1\n';
    const plain = join(dir, 'a.trace');
    const gz = join(dir, 'a.trace.gz');
    const gzNoExt = join(dir, 'b.trace');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    writeFileSync(gzNoExt, gzipSync(text));
    for (const f of [gz, gzNoExt]) {
      const t = readTraceFile(f);
      expect(Array.from(t.addr)).toEqual(Array.from(readTraceFile(plain).addr));
      expect(Array.from(t.isWrite)).toEqual([0, 1]);
      expect(t.origin).toBe(f);
    }
  });

  it('errors in a gzipped file name the file and line', () => {
    const gz = join(dir, 'bad.trace.gz');
    writeFileSync(gz, gzipSync('0x40 READ 0\n0x80 WRIT 1\n'));
    expect(() => readTraceFile(gz)).toThrow(`${gz}:2: request type 'WRIT' is not READ or WRITE`);
  });

  it('a missing file, a directory and a broken gzip file are named, each with one user error', () => {
    const f = join(dir, 'missing.trace');
    expect(() => readTraceFile(f)).toThrow(new StrataError(`${f}: file not found (expected a trace in DRAMsim3's format)`));
    expect(() => readTraceFile(dir)).toThrow(new StrataError(`${dir}: is a directory or special file, expected a trace in DRAMsim3's format`));
    const broken = join(dir, 'broken.trace');
    writeFileSync(broken, Buffer.from([0x1f, 0x8b, 0x67, 0x61, 0x72, 0x62]));
    expect(() => readTraceFile(broken)).toThrow(StrataError);
    expect(() => readTraceFile(broken)).toThrow(new RegExp(`^${broken}: starts like a gzip file but does not decompress \\(.+\\); expected a plain or gzipped trace$`));
  });
});

describe('generatePattern', () => {
  const base = { requests: 2000, seed: '1', requestBytes: 64, capacityBytes: 2 ** 33 } as const;
  const gen = (o: Partial<PatternOptions> & Pick<PatternOptions, 'pattern'>) => generatePattern({ ...base, ...o });

  it('is deterministic: the same seed gives identical arrays', () => {
    for (const pattern of PATTERNS) {
      const a = gen({ pattern, seed: 'abc' });
      const b = gen({ pattern, seed: 'abc' });
      expect(Array.from(a.addr)).toEqual(Array.from(b.addr));
      expect(Array.from(a.isWrite)).toEqual(Array.from(b.isWrite));
      expect(Array.from(a.cycle)).toEqual(Array.from(b.cycle));
    }
  });

  it('different seeds give different random and mixed traces', () => {
    for (const pattern of ['random', 'mixed'] as const) {
      const a = gen({ pattern, seed: '1' });
      const b = gen({ pattern, seed: '2' });
      expect(Array.from(a.addr)).not.toEqual(Array.from(b.addr));
      expect(Array.from(a.isWrite)).not.toEqual(Array.from(b.isWrite));
    }
  });

  it('stays below the capacity and aligned to the request size, wrapping at the end', () => {
    // 64 KiB = 1024 requests of 64 B, so 3000 requests wrap around for stream and strided
    for (const pattern of PATTERNS) {
      const t = gen({ pattern, requests: 3000, capacityBytes: 65536 });
      expect(t.length).toBe(3000);
      for (let i = 0; i < t.length; i++) {
        expect(t.addr[i]! < 65536 && t.addr[i]! % 64 === 0, `${pattern} request ${i}: ${t.addr[i]}`).toBe(true);
      }
    }
  });

  it('stream: consecutive 64-B requests, wrapping; all reads at cycle 0', () => {
    const t = gen({ pattern: 'stream', requests: 1030, capacityBytes: 65536 });
    expect(Array.from(t.addr.subarray(0, 3))).toEqual([0, 64, 128]);
    expect(t.addr[1023]).toBe(65536 - 64);
    expect(t.addr[1024]).toBe(0); // wrapped: 1024 x 64 B = 64 KiB
    expect(t.isWrite.every((w) => w === 0)).toBe(true);
    expect(t.cycle.every((c) => c === 0)).toBe(true);
    expect(t.origin).toBe('pattern:stream');
  });

  it('strided: default stride 2 KiB', () => {
    const t = gen({ pattern: 'strided', requests: 4 });
    expect(Array.from(t.addr)).toEqual([0, 2048, 4096, 6144]);
    expect(Array.from(gen({ pattern: 'strided', requests: 3, strideBytes: 128 }).addr)).toEqual([0, 128, 256]);
  });

  it('interval spaces the requests in memory cycles', () => {
    expect(Array.from(gen({ pattern: 'stream', requests: 4, interval: 5 }).cycle)).toEqual([0, 5, 10, 15]);
  });

  it('honours the write fraction within 3 % over 30 000 requests', () => {
    for (const pattern of ['random', 'mixed'] as const) {
      for (const writeFraction of [0, 0.25, 0.5, 1]) {
        const t = gen({ pattern, requests: 30_000, writeFraction });
        const writes = t.isWrite.reduce((a, w) => a + w, 0);
        expect(Math.abs(writes / 30_000 - writeFraction), `${pattern} ${writeFraction}`).toBeLessThan(0.03);
      }
      // default: one write in three
      const t = gen({ pattern, requests: 30_000 });
      expect(Math.abs(t.isWrite.reduce((a, w) => a + w, 0) / 30_000 - 1 / 3)).toBeLessThan(0.03);
    }
  });

  it('stream and strided only read, whatever the write fraction', () => {
    for (const pattern of ['stream', 'strided'] as const) {
      expect(gen({ pattern, writeFraction: 1 }).isWrite.every((w) => w === 0)).toBe(true);
    }
  });

  it('random addresses spread over the whole capacity', () => {
    // 30 000 uniform draws over 8 GiB: the top half should hold roughly half (well within 45..55 %)
    const t = gen({ pattern: 'random', requests: 30_000 });
    const high = t.addr.reduce((a, x) => a + (x >= 2 ** 32 ? 1 : 0), 0);
    expect(high / 30_000).toBeGreaterThan(0.45);
    expect(high / 30_000).toBeLessThan(0.55);
  });

  it('rejects a non-positive request count and a stride that is not a multiple of the request size', () => {
    expect(() => gen({ pattern: 'stream', requests: 0 })).toThrow(/--requests: expected a positive integer, got 0/);
    expect(() => gen({ pattern: 'stream', requests: 1.5 })).toThrow(StrataError);
    expect(() => gen({ pattern: 'strided', strideBytes: 100 })).toThrow(/--stride: expected a multiple of the request size \(64 B\), got 100/);
  });
});
