import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstChunkBytes, parseTrace, readTraceFile } from '../../src/dram/trace.ts';

// Issue #18 item 3: the trace reader allocated (and zeroed) a 1 MiB buffer for every file, a few lines or not.

const dir = mkdtempSync(join(tmpdir(), 'strata-trace-chunk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTraceFile: the first buffer fits the file', () => {
  it('is the file and one byte for a short file (at least a 4 KiB page), 1 MiB past that', () => {
    expect(firstChunkBytes(0)).toBe(4096);
    expect(firstChunkBytes(30)).toBe(4096);
    expect(firstChunkBytes(10_000)).toBe(10_001);
    expect(firstChunkBytes((1 << 20) - 1)).toBe(1 << 20);
    expect(firstChunkBytes(234_000_000)).toBe(1 << 20);
  });

  it('reads short files of every shape as the text parser does: around the buffer size, no final newline, a line longer than a page', () => {
    const request = (i: number) => `0x${(i * 64).toString(16)} ${i % 3 ? 'READ' : 'WRITE'} ${i}\n`;
    const texts: Record<string, string> = {
      'one line, no newline': '0x40 READ 7',
      'long comment then requests': `# ${'x'.repeat(6000)}\n${request(1)}${request(2)}`,
    };
    // files of 4,095 to 4,097 bytes, and one of 1 MiB + a few lines, ending with and without a newline
    for (const target of [4095, 4096, 4097, (1 << 20) + 100]) {
      let t = '';
      for (let i = 0; t.length < target - 40; i++) t += request(i);
      texts[`${target} bytes`] = `${t}${'#'.repeat(Math.max(0, target - t.length - 1))}\n`.slice(0, target);
      texts[`${target} bytes, no final newline`] = t.trimEnd();
    }
    for (const [name, text] of Object.entries(texts)) {
      const f = join(dir, `${name.replace(/\W+/g, '-')}.trace`);
      writeFileSync(f, text);
      const a = readTraceFile(f);
      const b = parseTrace(text, f);
      expect(a.length, name).toBe(b.length);
      expect(Array.from(a.addr), name).toEqual(Array.from(b.addr));
      expect(Array.from(a.cycle), name).toEqual(Array.from(b.cycle));
      expect(Array.from(a.isWrite), name).toEqual(Array.from(b.isWrite));
    }
  });

  it('an empty file is refused as before', () => {
    const f = join(dir, 'empty.trace');
    writeFileSync(f, '');
    expect(() => readTraceFile(f)).toThrow(`${f}: the trace holds no requests`);
  });
});
