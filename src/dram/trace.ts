import { gunzipSync } from 'node:zlib';
import { StrataError } from '../spec/errors.ts';
import { readInputFile } from '../spec/input-file.ts';

/** A memory trace held in typed arrays: request i is (addr[i], isWrite[i], cycle[i]) in memory cycles. */
export interface MemTrace {
  readonly length: number;
  readonly addr: Float64Array;
  readonly isWrite: Uint8Array;
  readonly cycle: Float64Array;
  /** Where it came from, for reports. */
  readonly origin: string;
  /** For a trace read from a file: the line of each request, for messages. */
  readonly line?: Uint32Array;
}

/** Reads a trace file in DRAMsim3's format, `[0x]HEXADDRESS READ|WRITE CYCLE` per line (gzip allowed). */
export function readTraceFile(file: string): MemTrace {
  let buf = readInputFile(file, "a trace in DRAMsim3's format");
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new StrataError(`${file}: starts like a gzip file but does not decompress (${(e as Error).message}); expected a plain or gzipped trace`);
    }
  }
  return parseTrace(buf.toString('utf8'), file);
}

/**
 * Parses DRAMsim3-format trace text. Addresses are hexadecimal with or without `0x`, as DRAMsim3 reads them
 * (`100` is 0x100), cycles decimal and never decreasing. Blank lines and lines starting with '#' are skipped.
 * Errors name the file and line.
 */
export function parseTrace(text: string, file: string): MemTrace {
  let cap = 1024;
  let addr = new Float64Array(cap);
  let isWrite = new Uint8Array(cap);
  let cycle = new Float64Array(cap);
  let line = new Uint32Array(cap);
  let n = 0;
  let lineNo = 0;
  let prevCycle = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const content = text.slice(pos, end).trim();
    pos = end + 1;
    lineNo++;
    if (content === '' || content.startsWith('#')) continue;
    const parts = content.split(/\s+/);
    const where = `${file}:${lineNo}`;
    if (parts.length !== 3) {
      throw new StrataError(`${where}: expected '0xADDRESS READ|WRITE CYCLE' (3 fields), found ${parts.length} field(s): "${content.slice(0, 60)}"`);
    }
    const [a, op, cy] = parts as [string, string, string];
    const hex = /^0[xX]/.test(a) ? a.slice(2) : a;
    if (!/^[0-9a-fA-F]+$/.test(hex)) throw new StrataError(`${where}: address '${a}' is not a hexadecimal number (with or without 0x, as DRAMsim3 reads it)`);
    const value = Number(BigInt(`0x${hex}`));
    if (!Number.isSafeInteger(value)) throw new StrataError(`${where}: address '${a}' is 2^53 or more (expected below 0x20000000000000)`);
    const kind = op.toUpperCase();
    if (kind !== 'READ' && kind !== 'WRITE') throw new StrataError(`${where}: request type '${op}' is not READ or WRITE`);
    if (!/^[0-9]+$/.test(cy)) throw new StrataError(`${where}: cycle '${cy}' is not a non-negative integer`);
    const c = Number(cy);
    // Past 2^53 a cycle is no longer an exact number (2^53 + 1 reads as 2^53); runDram bounds the span further.
    if (!Number.isSafeInteger(c)) throw new StrataError(`${where}: cycle '${cy}' is 2^53 or more (expected below ${2 ** 53}, the largest exact integer; see docs/limits.md)`);
    if (c < prevCycle) throw new StrataError(`${where}: cycle ${c} is earlier than the previous request's cycle ${prevCycle} (traces must be in time order)`);
    prevCycle = c;
    if (n === cap) {
      cap *= 2;
      const a2 = new Float64Array(cap); a2.set(addr); addr = a2;
      const w2 = new Uint8Array(cap); w2.set(isWrite); isWrite = w2;
      const c2 = new Float64Array(cap); c2.set(cycle); cycle = c2;
      const l2 = new Uint32Array(cap); l2.set(line); line = l2;
    }
    addr[n] = value;
    isWrite[n] = kind === 'WRITE' ? 1 : 0;
    cycle[n] = c;
    line[n] = lineNo;
    n++;
  }
  if (n === 0) throw new StrataError(`${file}: the trace holds no requests`);
  return { length: n, addr: addr.subarray(0, n), isWrite: isWrite.subarray(0, n), cycle: cycle.subarray(0, n), origin: file, line: line.subarray(0, n) };
}

/** Formats a trace in DRAMsim3's format. */
export function formatTrace(t: MemTrace): string {
  const lines: string[] = [];
  for (let i = 0; i < t.length; i++) lines.push(`0x${t.addr[i]!.toString(16)} ${t.isWrite[i] ? 'WRITE' : 'READ'} ${t.cycle[i]}`);
  return `${lines.join('\n')}\n`;
}
