import { StrataError } from '../spec/errors.ts';
import { readInputText } from '../spec/input-file.ts';
import type { LoadStoreTrace } from './ramulator2-run.ts';

/**
 * Python's `random.Random(seed)` for a non-negative integer seed: the Mersenne Twister MT19937 seeded with
 * init_by_array over the seed's 32-bit words (CPython Modules/_randommodule.c), `getrandbits(k)` for k <= 32,
 * `randrange(0, n)` by rejection on getrandbits(n.bit_length()), and `random()` from two draws (53 bits). The
 * reference traces of shared/reference/ramulator2 are drawn with it (gen.py), so the same calls give the same trace.
 */
export class PythonRandom {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new StrataError(`seed: expected a non-negative integer, got ${seed}`);
    const key: number[] = [];
    let s = seed;
    do {
      key.push(s % 0x100000000);
      s = Math.floor(s / 0x100000000);
    } while (s > 0);
    this.initByArray(key);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = 624;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(624, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** The next 32-bit output. */
  uint32(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** random.random(): a float in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** random.getrandbits(k) for 1 <= k <= 53 (words drawn low first, as CPython fills them). */
  getrandbits(k: number): number {
    if (k <= 32) return this.uint32() >>> (32 - k);
    const low = this.uint32();
    const high = this.uint32() >>> (64 - k);
    return high * 0x100000000 + low;
  }

  /** random.randrange(0, n) for 1 <= n <= 2^53. */
  randbelow(n: number): number {
    const k = Math.floor(Math.log2(n)) + 1;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }
}

/** Trace patterns of shared/reference/ramulator2/gen.py. */
export const RAMULATOR2_PATTERNS = ['stream-read', 'random-rw', 'hot-rows', 'hot16'] as const;

/**
 * Generates a trace by the recipe of shared/reference/ramulator2/gen.py (PATTERN N SEED CAPACITY_BYTES): request i
 * of stream-read reads i x 64 mod capacity; random-rw draws a 64-byte-aligned address below the capacity, then
 * reads with probability 0.7; hot-rows and hot16 as that file describes.
 */
export function generateRamulator2Trace(pattern: string, n: number, seed: number, capacityBytes: number): LoadStoreTrace {
  if (!(RAMULATOR2_PATTERNS as readonly string[]).includes(pattern)) throw new StrataError(`pattern: expected one of ${RAMULATOR2_PATTERNS.join(', ')}, got '${pattern}'`);
  const r = new PythonRandom(seed);
  const addr = new Float64Array(n);
  const isWrite = new Uint8Array(n);
  const align = (a: number) => a - (a % 64);
  if (pattern === 'hot16') {
    const bases = Array.from({ length: 16 }, () => r.randbelow(Math.floor(capacityBytes / 1024)) * 1024);
    for (let i = 0; i < n; i++) {
      addr[i] = r.random() < 0.9 ? bases[r.randbelow(16)]! + r.randbelow(16) * 64 : align(r.randbelow(capacityBytes));
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (pattern === 'stream-read') {
        addr[i] = (i * 64) % capacityBytes;
      } else if (pattern === 'random-rw') {
        addr[i] = align(r.randbelow(capacityBytes));
        isWrite[i] = r.random() < 0.7 ? 0 : 1;
      } else {
        const row = r.randbelow(64);
        addr[i] = (row * 2 ** 20 + r.randbelow(1 << 14) * 64) % capacityBytes;
        isWrite[i] = r.random() < 0.8 ? 0 : 1;
      }
    }
  }
  return { length: n, addr, isWrite, origin: `gen.py ${pattern} ${n} ${seed} ${capacityBytes}` };
}

/** The trace in LoadStoreTrace text (`LD addr` / `ST addr`, decimal, one per line), as gen.py writes it. */
export function formatLoadStoreTrace(t: LoadStoreTrace): string {
  const parts: string[] = [];
  for (let i = 0; i < t.length; i++) parts.push(`${t.isWrite[i] ? 'ST' : 'LD'} ${t.addr[i]}\n`);
  return parts.join('');
}

/** Reads a LoadStoreTrace file (`LD|ST ADDRESS`, decimal or 0x hex). Errors name the file and line. */
export function readLoadStoreTrace(file: string): LoadStoreTrace {
  const lines = readInputText(file, 'a Ramulator 2 LoadStoreTrace (LD|ST ADDRESS per line)').split('\n');
  const addr: number[] = [];
  const isWrite: number[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(LD|ST)\s+(0[xX][0-9a-fA-F]+|[0-9]+)$/.exec(line);
    if (!m) throw new StrataError(`${file}:${i + 1}: expected 'LD ADDRESS' or 'ST ADDRESS' (decimal or 0x hex), found "${line.slice(0, 60)}"`);
    const a = Number(m[2]!.startsWith('0') && /[xX]/.test(m[2]!) ? BigInt(m[2]!) : BigInt(m[2]!));
    if (!Number.isSafeInteger(a)) throw new StrataError(`${file}:${i + 1}: address ${m[2]} is 2^53 or more`);
    addr.push(a);
    isWrite.push(m[1] === 'ST' ? 1 : 0);
  });
  if (addr.length === 0) throw new StrataError(`${file}: the trace holds no requests`);
  return { length: addr.length, addr: Float64Array.from(addr), isWrite: Uint8Array.from(isWrite), origin: file };
}
