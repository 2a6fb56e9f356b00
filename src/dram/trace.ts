import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { StrataError } from '../spec/errors.ts';

/** A memory trace held in typed arrays: request i is (addr[i], isWrite[i], cycle[i]) in memory cycles. */
export interface MemTrace {
  readonly length: number;
  readonly addr: Float64Array;
  readonly isWrite: Uint8Array;
  readonly cycle: Float64Array;
  /** Where it came from, for reports. */
  readonly origin: string;
}

/** Reads a trace file in DRAMsim3's format, `0xADDRESS READ|WRITE CYCLE` per line (gzip allowed). */
export function readTraceFile(file: string): MemTrace {
  if (!existsSync(file)) throw new StrataError(`${file}: trace file not found`);
  let buf = readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  return parseTrace(buf.toString('utf8'), file);
}

/**
 * Parses DRAMsim3-format trace text. Blank lines and lines starting with '#' are skipped. Cycles must not
 * decrease. Errors name the file and line.
 */
export function parseTrace(text: string, file: string): MemTrace {
  let cap = 1024;
  let addr = new Float64Array(cap);
  let isWrite = new Uint8Array(cap);
  let cycle = new Float64Array(cap);
  let n = 0;
  let lineNo = 0;
  let prevCycle = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).trim();
    pos = end + 1;
    lineNo++;
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const where = `${file}:${lineNo}`;
    if (parts.length !== 3) {
      throw new StrataError(`${where}: expected '0xADDRESS READ|WRITE CYCLE' (3 fields), found ${parts.length} field(s): "${line.slice(0, 60)}"`);
    }
    const [a, op, cy] = parts as [string, string, string];
    if (!/^0[xX][0-9a-fA-F]+$/.test(a) && !/^[0-9]+$/.test(a)) {
      throw new StrataError(`${where}: address '${a}' is not a hexadecimal (0x...) or decimal number`);
    }
    const value = Number(a.startsWith('0x') || a.startsWith('0X') ? BigInt(a) : BigInt(a));
    if (!Number.isSafeInteger(value)) throw new StrataError(`${where}: address '${a}' is larger than 2^53`);
    const kind = op.toUpperCase();
    if (kind !== 'READ' && kind !== 'WRITE') throw new StrataError(`${where}: request type '${op}' is not READ or WRITE`);
    if (!/^[0-9]+$/.test(cy)) throw new StrataError(`${where}: cycle '${cy}' is not a non-negative integer`);
    const c = Number(cy);
    if (c < prevCycle) throw new StrataError(`${where}: cycle ${c} is earlier than the previous request's cycle ${prevCycle} (traces must be in time order)`);
    prevCycle = c;
    if (n === cap) {
      cap *= 2;
      const a2 = new Float64Array(cap); a2.set(addr); addr = a2;
      const w2 = new Uint8Array(cap); w2.set(isWrite); isWrite = w2;
      const c2 = new Float64Array(cap); c2.set(cycle); cycle = c2;
    }
    addr[n] = value;
    isWrite[n] = kind === 'WRITE' ? 1 : 0;
    cycle[n] = c;
    n++;
  }
  if (n === 0) throw new StrataError(`${file}: the trace holds no requests`);
  return { length: n, addr: addr.subarray(0, n), isWrite: isWrite.subarray(0, n), cycle: cycle.subarray(0, n), origin: file };
}

/** Formats a trace in DRAMsim3's format. */
export function formatTrace(t: MemTrace): string {
  const lines: string[] = [];
  for (let i = 0; i < t.length; i++) lines.push(`0x${t.addr[i]!.toString(16)} ${t.isWrite[i] ? 'WRITE' : 'READ'} ${t.cycle[i]}`);
  return `${lines.join('\n')}\n`;
}
