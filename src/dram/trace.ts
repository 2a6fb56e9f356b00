import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StrataError } from '../spec/errors.ts';

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

/**
 * Bytes of a trace file read at a time: the reader holds one such chunk (more only for a line longer than it), and
 * the requests in typed arrays, 17 bytes each, never the text (a 10 M-line trace: 170 MB of arrays, 1 MiB of text).
 */
const CHUNK_BYTES = 1 << 20;
/** The smallest first buffer: a page, for a file of a few lines. */
const MIN_CHUNK_BYTES = 4096;

/**
 * Bytes of the reader's buffer for a file of `fileBytes`: CHUNK_BYTES, or less for a smaller file (its size and one
 * byte, so that the read that finds its end has room; at least MIN_CHUNK_BYTES), so a short trace does not allocate
 * and zero a 1 MiB buffer. A file that grows while it is read is still read whole (the buffer grows for a line longer
 * than it).
 */
export function firstChunkBytes(fileBytes: number): number {
  return Math.min(CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, fileBytes + 1));
}
const WHAT = "a trace in DRAMsim3's format";
/** Most requests the arrays are first sized for from the first chunk (64 Mi: 1.1 GB of arrays at 17 bytes each). */
const ESTIMATE_CAP = 1 << 26;
const LF = 0x0a;

/**
 * Reads a trace file in DRAMsim3's format, `[0x]HEXADDRESS READ|WRITE CYCLE` per line (gzip allowed), a chunk at a
 * time. A gzipped file is decompressed whole first (zlib has no synchronous streaming reader).
 */
export function readTraceFile(file: string): MemTrace {
  // The same checks and messages as src/spec/input-file.ts's readInputFile, which reads a file whole.
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new StrataError(`${file}: file not found (expected ${WHAT})`);
    throw new StrataError(`${file}: cannot read ${WHAT}: ${(e as Error).message}`);
  }
  if (!isFile) throw new StrataError(`${file}: is a directory or special file, expected ${WHAT}`);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new StrataError(`${file}: cannot read ${WHAT}: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const parser = new TraceParser(file, size);
    let buf = new Uint8Array(firstChunkBytes(size));
    let have = 0;
    for (let first = true; ; first = false) {
      if (have === buf.length) {
        // One line longer than the buffer: make room for the rest of it.
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      let got: number;
      try {
        got = readSync(fd, buf, have, buf.length - have, null);
      } catch (e) {
        throw new StrataError(`${file}: cannot read ${WHAT}: ${(e as Error).message}`);
      }
      if (first && got >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
        const text = gunzipFile(file);
        return new TraceParser(file, text.length).whole(text);
      }
      if (got === 0) return parser.end(buf, have);
      have += got;
      const last = buf.lastIndexOf(LF, have - 1);
      if (last < 0) continue;
      parser.lines(buf, 0, last + 1);
      buf.copyWithin(0, last + 1, have);
      have -= last + 1;
    }
  } finally {
    closeSync(fd);
  }
}

/** The whole of a gzipped trace file, decompressed. */
function gunzipFile(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new StrataError(`${file}: cannot read ${WHAT}: ${(e as Error).message}`);
  }
  // node:zlib is loaded here, for a gzipped trace only: loading it costs about 30 M instructions (cachegrind), a
  // start-up cost every `strata dram --trace` paid for plain text (issue #19 item 4).
  const { gunzipSync } = createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw new StrataError(`${file}: starts like a gzip file but does not decompress (${(e as Error).message}); expected a plain or gzipped trace`);
  }
}

/**
 * Parses DRAMsim3-format trace text. Addresses are hexadecimal with or without `0x`, as DRAMsim3 reads them
 * (`100` is 0x100), cycles decimal and never decreasing. Blank lines and lines starting with '#' are skipped.
 * Errors name the file and line.
 */
export function parseTrace(text: string, file: string): MemTrace {
  const bytes = new TextEncoder().encode(text);
  return new TraceParser(file, bytes.length).whole(bytes);
}

/** Value of each byte as a hexadecimal digit, -1 for any other byte. */
const HEX = new Int8Array(256).fill(-1);
for (let d = 0; d < 10; d++) HEX[0x30 + d] = d;
for (let d = 0; d < 6; d++) {
  HEX[0x41 + d] = 10 + d;
  HEX[0x61 + d] = 10 + d;
}
/** The ASCII bytes that String.prototype.trim and /\s/ take for white space, less the line feed (a line's end). */
function isBlank(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d && b !== LF);
}

/**
 * Turns trace bytes into requests, line by line. Each line is read straight from the bytes (no string per line)
 * when it is plain ASCII of the usual form; anything else (an error, a non-ASCII byte, an unusual field) goes
 * through `slowLine`, the one definition of what a line may be, which gives the same result on every line the fast
 * path takes, and every message.
 */
class TraceParser {
  private addr: Float64Array;
  private isWrite: Uint8Array;
  private cycle: Float64Array;
  /**
   * The line of each request, kept as its breaks only: request i is on line i + 1 + the offset of the last break at
   * or before it, [request, offset] pairs, a pair wherever a skipped line (blank, a comment) changes the offset. A
   * 1 M-request trace without skipped lines held 4 MB more (a Uint32Array, written at every request) whose first
   * writes took a tenth of reading it (CPU profile); runDram reads the lines only for a message.
   */
  private readonly lineBreaks: number[] = [];
  private lineOffset = 0;
  private n = 0;
  private lineNo = 0;
  private prevCycle = 0;
  private estimated = false;
  /** Keeps a byte-order mark, as Buffer.toString does (trim() then removes it, as it did). */
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(
    private readonly file: string,
    /** Bytes of text in all (for sizing the arrays once the first chunk tells the bytes per line). */
    private readonly totalBytes: number,
  ) {
    this.addr = new Float64Array(1024);
    this.isWrite = new Uint8Array(1024);
    this.cycle = new Float64Array(1024);
  }

  /** Parses a whole text, in chunks of CHUNK_BYTES (so the arrays are sized from the first one). */
  whole(bytes: Uint8Array): MemTrace {
    let pos = 0;
    while (bytes.length - pos > CHUNK_BYTES) {
      const last = bytes.lastIndexOf(LF, pos + CHUNK_BYTES - 1);
      if (last < pos) break; // a line longer than a chunk: the rest goes whole
      this.lines(bytes, pos, last + 1);
      pos = last + 1;
    }
    const tail = bytes.subarray(pos);
    const last = tail.lastIndexOf(LF);
    if (last >= 0) this.lines(tail, 0, last + 1);
    return this.end(tail.subarray(last + 1), tail.length - last - 1);
  }

  /** The last bytes (`have` of `buf`, no line feed among them), then the trace. */
  end(buf: Uint8Array, have: number): MemTrace {
    if (have > 0) {
      // The last line has no line feed: parse it from a copy that has one.
      const last = new Uint8Array(have + 1);
      last.set(buf.subarray(0, have));
      last[have] = LF;
      this.lines(last, 0, have + 1);
    }
    if (this.n === 0) throw new StrataError(`${this.file}: the trace holds no requests`);
    const n = this.n;
    const breaks = this.lineBreaks;
    let line: Uint32Array | undefined;
    return {
      length: n, addr: this.addr.subarray(0, n), isWrite: this.isWrite.subarray(0, n), cycle: this.cycle.subarray(0, n), origin: this.file,
      // Built on first use, from the breaks (see lineBreaks).
      get line(): Uint32Array {
        if (line === undefined) {
          line = new Uint32Array(n);
          let k = 0;
          let offset = 0;
          for (let i = 0; i < n; i++) {
            while (k < breaks.length && breaks[k] === i) {
              offset = breaks[k + 1]!;
              k += 2;
            }
            line[i] = i + 1 + offset;
          }
        }
        return line;
      },
    };
  }

  /** Parses the lines in b[pos, end), which ends with a line feed. */
  lines(b: Uint8Array, pos: number, end: number): void {
    if (!this.estimated) {
      // Size the arrays for the whole text from the first chunk's bytes per line (plus 2 %), before parsing it: one
      // allocation, not a doubling (whose copy would briefly need three times the arrays of a 10 M-line trace), and
      // no growth while V8 optimises the loop below (code that has never run, such as the growth, makes the
      // optimised loop deoptimise when it first runs). Counting the line feeds is indexOf's native byte search.
      // Blank and comment lines count too; a first chunk denser than the rest (long comments further on)
      // over-estimates: the cap keeps that to 1.1 GB of address space, of which only the pages written become
      // resident; past it the arrays grow by half.
      this.estimated = true;
      let lines = 0;
      for (let at = b.indexOf(LF, pos); at >= 0 && at < end; at = b.indexOf(LF, at + 1)) lines++;
      const want = Math.min(ESTIMATE_CAP, Math.ceil((lines * this.totalBytes * 1.02) / (end - pos)) + 1024);
      if (want > this.addr.length) this.resize(want);
    }
    this.scan(b, pos, end);
  }

  /**
   * The loop over the lines of b[pos, end), alone in its function with no code after the loop: V8 optimises the loop
   * of a long first chunk while it runs (on-stack replacement), and code after it that had not yet run (so had no
   * type feedback) made the optimised loop deoptimise where it ended, at every chunk (`node --trace-deopt`:
   * "Insufficient type feedback"), so that each chunk began again in the interpreter.
   */
  private scan(b: Uint8Array, pos: number, end: number): void {
    const MAX = Number.MAX_SAFE_INTEGER;
    while (pos < end) {
      this.lineNo++;
      let i = pos;
      let ch = b[i]!;
      while (isBlank(ch)) ch = b[++i]!;
      if (ch === LF) { // blank line
        pos = i + 1;
        continue;
      }
      if (ch === 0x23) { // '#': a comment
        pos = b.indexOf(LF, i) + 1;
        continue;
      }
      // Address: [0x]HEX, below 2^53 (past it, or past any other check, the line goes the slow way for its message).
      if (ch === 0x30 && (b[i + 1]! | 0x20) === 0x78) i += 2;
      let a = 0;
      let digits = 0;
      for (let d = HEX[b[i]!]!; d >= 0; d = HEX[b[++i]!]!) {
        a = a * 16 + d;
        digits++;
      }
      ch = b[i]!;
      let fast = digits > 0 && a <= MAX && isBlank(ch);
      let write = 0;
      let c = 0;
      if (fast) {
        while (isBlank(ch)) ch = b[++i]!;
        // READ or WRITE, any case (ch | 0x20 folds ASCII upper case to lower case).
        if ((ch | 0x20) === 0x72 && (b[i + 1]! | 0x20) === 0x65 && (b[i + 2]! | 0x20) === 0x61 && (b[i + 3]! | 0x20) === 0x64) {
          i += 4;
        } else if ((ch | 0x20) === 0x77 && (b[i + 1]! | 0x20) === 0x72 && (b[i + 2]! | 0x20) === 0x69 && (b[i + 3]! | 0x20) === 0x74 && (b[i + 4]! | 0x20) === 0x65) {
          i += 5;
          write = 1;
        } else {
          fast = false;
        }
        ch = b[i]!;
        fast &&= isBlank(ch);
      }
      if (fast) {
        while (isBlank(ch)) ch = b[++i]!;
        // Cycle: decimal digits, below 2^53 (an intermediate past 2^53 only ever rounds to 2^53 or more).
        digits = 0;
        while (ch >= 0x30 && ch <= 0x39) {
          c = c * 10 + (ch - 0x30);
          digits++;
          ch = b[++i]!;
        }
        while (isBlank(ch)) ch = b[++i]!;
        fast = digits > 0 && c <= MAX && ch === LF && c >= this.prevCycle;
      }
      if (fast) {
        this.push(a, write, c);
        pos = i + 1;
      } else {
        const eol = b.indexOf(LF, pos);
        this.slowLine(this.decoder.decode(b.subarray(pos, eol)));
        pos = eol + 1;
      }
    }
  }

  /**
   * One line the fast path did not take, as a string: the definition of a trace line. Pushes its request, skips
   * it (blank or a comment), or throws the error that names what is wrong.
   */
  private slowLine(text: string): void {
    const content = text.trim();
    if (content === '' || content.startsWith('#')) return;
    const parts = content.split(/\s+/);
    const where = `${this.file}:${this.lineNo}`;
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
    if (c < this.prevCycle) throw new StrataError(`${where}: cycle ${c} is earlier than the previous request's cycle ${this.prevCycle} (traces must be in time order)`);
    this.push(value, kind === 'WRITE' ? 1 : 0, c);
  }

  private push(addr: number, write: number, cycle: number): void {
    if (this.n === this.addr.length) this.resize(Math.ceil(this.n * 1.5));
    const n = this.n;
    this.addr[n] = addr;
    this.isWrite[n] = write;
    this.cycle[n] = cycle;
    if (this.lineNo !== n + 1 + this.lineOffset) {
      this.lineOffset = this.lineNo - n - 1;
      this.lineBreaks.push(n, this.lineOffset);
    }
    this.prevCycle = cycle;
    this.n = n + 1;
  }

  private resize(cap: number): void {
    const n = this.n;
    const a = new Float64Array(cap); a.set(this.addr.subarray(0, n)); this.addr = a;
    const w = new Uint8Array(cap); w.set(this.isWrite.subarray(0, n)); this.isWrite = w;
    const c = new Float64Array(cap); c.set(this.cycle.subarray(0, n)); this.cycle = c;
  }
}

/** Formats a trace in DRAMsim3's format. */
export function formatTrace(t: MemTrace): string {
  const lines: string[] = [];
  for (let i = 0; i < t.length; i++) lines.push(`0x${t.addr[i]!.toString(16)} ${t.isWrite[i] ? 'WRITE' : 'READ'} ${t.cycle[i]}`);
  return `${lines.join('\n')}\n`;
}
