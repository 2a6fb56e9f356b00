import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
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

/**
 * The reader takes the usual lines straight from the bytes and hands every other line to the string parser that
 * defines the format (src/dram/trace.ts). This oracle is that definition as it stood before the byte reader (a
 * regular-expression parser of the decoded text): the two must agree on every text, requests and messages alike.
 */
function oracle(text: string, file: string): { addr: number[]; isWrite: number[]; cycle: number[]; line: number[] } | string {
  const out = { addr: [] as number[], isWrite: [] as number[], cycle: [] as number[], line: [] as number[] };
  let prev = 0;
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    if (k === lines.length - 1 && lines[k] === '') break;
    const content = lines[k]!.trim();
    if (content === '' || content.startsWith('#')) continue;
    const parts = content.split(/\s+/);
    const where = `${file}:${k + 1}`;
    if (parts.length !== 3) return `${where}: expected '0xADDRESS READ|WRITE CYCLE' (3 fields), found ${parts.length} field(s): "${content.slice(0, 60)}"`;
    const [a, op, cy] = parts as [string, string, string];
    const hex = /^0[xX]/.test(a) ? a.slice(2) : a;
    if (!/^[0-9a-fA-F]+$/.test(hex)) return `${where}: address '${a}' is not a hexadecimal number (with or without 0x, as DRAMsim3 reads it)`;
    const value = Number(BigInt(`0x${hex}`));
    if (!Number.isSafeInteger(value)) return `${where}: address '${a}' is 2^53 or more (expected below 0x20000000000000)`;
    const kind = op.toUpperCase();
    if (kind !== 'READ' && kind !== 'WRITE') return `${where}: request type '${op}' is not READ or WRITE`;
    if (!/^[0-9]+$/.test(cy)) return `${where}: cycle '${cy}' is not a non-negative integer`;
    const c = Number(cy);
    if (!Number.isSafeInteger(c)) return `${where}: cycle '${cy}' is 2^53 or more (expected below ${2 ** 53}, the largest exact integer; see docs/limits.md)`;
    if (c < prev) return `${where}: cycle ${c} is earlier than the previous request's cycle ${prev} (traces must be in time order)`;
    prev = c;
    out.addr.push(value);
    out.isWrite.push(kind === 'WRITE' ? 1 : 0);
    out.cycle.push(c);
    out.line.push(k + 1);
  }
  return out.addr.length === 0 ? `${file}: the trace holds no requests` : out;
}

const parsed = (text: string, file = F) => {
  try {
    const t = parseTrace(text, file);
    return { addr: Array.from(t.addr), isWrite: Array.from(t.isWrite), cycle: Array.from(t.cycle), line: Array.from(t.line!) };
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return (e as Error).message;
  }
};

describe('parseTrace: the byte reader agrees with the definition of a line', () => {
  // Pieces that sit on both sides of every branch of the byte reader: separators JavaScript's trim and \s take
  // (tab, CR, VT, FF, NBSP, BOM, U+2028), prefixes, case, letters toUpperCase maps to ASCII (the dotless i), and
  // numbers at and past 2^53.
  const pieces = [
    ' ', '  ', '\t', '\r', '\v', '\f', '\u00a0', '\ufeff', '\u2028', '#', '0x', '0X', '0', '40', 'fF', 'g', 'x', '-',
    'READ', 'read', 'Write', 'WRITE', 'WRıTE', 'READX', 'R', '1', '9', '12', '.5', '1fffffffffffff', '20000000000000',
    '9007199254740991', '9007199254740992', '9007199254740993', '1e3', '\u0000', 'é',
  ];
  const seps = ['', ' ', '\t', '  ', '\r', '\v', '\f', '\u00a0', '\ufeff', ' \u2028'];
  const token = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 2 }).map((p) => p.join(''));
  const sep = fc.oneof({ arbitrary: fc.constant(' '), weight: 5 }, { arbitrary: fc.constantFrom(...seps), weight: 3 });
  // Mostly three fields with separators, each field near a valid one; sometimes any sequence of pieces.
  const address = fc.tuple(fc.constantFrom('', '0x', '0X', 'x', '-', '#', '\u00a0'), fc.constantFrom('40', 'fF', '0', '1fffffffffffff', '20000000000000', 'g', '', 'é')).map((p) => p.join(''));
  const type = fc.constantFrom('READ', 'read', 'Write', 'WRITE', 'WRıTE', 'READX', 'R', '', '#', 'READ9');
  const cycle = fc.tuple(fc.constantFrom('1', '9', '12', '9007199254740991', '9007199254740992', '9007199254740993', '-1', '0x10', ''), fc.constantFrom('', '', '', '.5', 'e3', 'x')).map((p) => p.join(''));
  const field = (f: fc.Arbitrary<string>) => fc.oneof({ arbitrary: f, weight: 5 }, { arbitrary: token, weight: 1 });
  const fields = fc.tuple(sep, field(address), sep, field(type), sep, field(cycle), sep, fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, { arbitrary: token, weight: 1 })).map((p) => p.join(''));
  const line = fc.oneof(fields, fields, fc.array(fc.constantFrom(...pieces), { maxLength: 9 }).map((p) => p.join('')));
  const good = fc.tuple(fc.nat({ max: 2 ** 40 }), fc.boolean(), fc.nat({ max: 50 }), fc.constantFrom(' ', '\t', '  ', ' \t')).map(
    ([a, w, c, sep]) => `0x${a.toString(16)}${sep}${w ? 'WRITE' : 'READ'}${sep}${c}`,
  );

  it('on lines built from tricky pieces, and on valid lines among them', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(line, good, good), { minLength: 1, maxLength: 8 }), fc.boolean(), (ls, finalLf) => {
        const text = ls.join('\n') + (finalLf ? '\n' : '');
        expect(parsed(text)).toEqual(oracle(text, F));
      }),
      { numRuns: 3000, seed: 19 },
    );
  });

  it('a single line of each piece sequence on its own, with cycles kept in order', () => {
    fc.assert(
      fc.property(line, (l) => {
        const text = `0x40 READ 0\n${l}\n`;
        expect(parsed(text)).toEqual(oracle(text, F));
      }),
      { numRuns: 3000, seed: 4 },
    );
  });
});

describe('readTraceFile: chunks', () => {
  it('reads a file of several 1 MiB chunks, with lines across chunk ends and a 3 MB comment, as parseTrace reads its text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-trace-chunks-'));
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++) lines.push(`0x${(i * 4160).toString(16)}${i % 7 === 0 ? '\t' : ' '}${i % 3 === 0 ? 'WRITE' : 'read'} ${i >> 2}`);
    lines.splice(30_000, 0, `#${'x'.repeat(3_000_000)}`);
    const text = `${lines.join('\r\n')}`; // no final line feed
    const file = join(dir, 'big.trace');
    writeFileSync(file, text);
    expect(text.length).toBeGreaterThan(4 * 2 ** 20);
    const t = readTraceFile(file);
    const want = oracle(text, file);
    expect(typeof want).toBe('object');
    expect({ addr: Array.from(t.addr), isWrite: Array.from(t.isWrite), cycle: Array.from(t.cycle), line: Array.from(t.line!) }).toEqual(want);
    // An error past the first chunk names its line.
    writeFileSync(file, `${lines.slice(0, 50_000).join('\n')}\n0x40 READ 1\n`);
    expect(() => readTraceFile(file)).toThrow(`${file}:50001: cycle 1 is earlier than the previous request's cycle 12499 (traces must be in time order)`);
    rmSync(dir, { recursive: true, force: true });
  });
});
