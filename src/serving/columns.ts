/**
 * Growable numeric columns in fixed-size typed-array chunks: a serving run of 1,000,000 requests keeps each
 * per-request or per-step quantity in 8 (or 4) bytes, where an object per record costs about ten times that, and
 * growing never copies what is already stored past the first chunk (which starts at 256 values and doubles up to a
 * whole one), so a long column has no transient peak of twice its size.
 */

/** Values per chunk: 65,536 (512 KiB of float64). */
const CHUNK = 1 << 16;
const SHIFT = 16;
const MASK = CHUNK - 1;
/** Values of the first chunk when it is made; it doubles up to CHUNK. */
const FIRST_CHUNK = 256;

/** A column of float64 values (exact integers of ps below 2^53, energies) or int32 counts, appended in order. */
export class Column {
  private readonly chunks: Array<Float64Array | Int32Array> = [];
  /** Values stored. */
  length = 0;

  /** `int32` for counts that fit 32 bits (batch sizes, tokens of a step, step indices); `float64` for times. */
  constructor(private readonly kind: 'float64' | 'int32') {}

  /** Appends a value. */
  push(v: number): void {
    const c = this.length >>> SHIFT;
    if (c === this.chunks.length) this.chunks.push(this.chunk(c === 0 ? FIRST_CHUNK : CHUNK));
    else if (c === 0 && this.length === this.chunks[0]!.length) {
      // The first chunk starts small and doubles up to a whole one: a short run (a test, a fuzz case) need not
      // allocate and zero 512 KiB per column. Copying it costs at most one chunk's worth, once per doubling.
      const grown = this.chunk(Math.min(CHUNK, 2 * this.length));
      grown.set(this.chunks[0]!);
      this.chunks[0] = grown;
    }
    this.chunks[c]![this.length & MASK] = v;
    this.length++;
  }

  private chunk(n: number): Float64Array | Int32Array {
    return this.kind === 'float64' ? new Float64Array(n) : new Int32Array(n);
  }

  /** The value at index i (0 <= i < length). */
  get(i: number): number {
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }

  /** Overwrites the value at index i (0 <= i < length). */
  set(i: number, v: number): void {
    this.chunks[i >>> SHIFT]![i & MASK] = v;
  }

  /** Values [from, to) as a new Float64Array. */
  slice(from: number, to: number): Float64Array {
    const out = new Float64Array(Math.max(0, to - from));
    for (let i = from; i < to; i++) out[i - from] = this.get(i);
    return out;
  }
}

/** A column of `n` values known in advance (per-request results): one typed array. */
export function fixedColumn(kind: 'float64' | 'int32', n: number): Float64Array | Int32Array {
  return kind === 'float64' ? new Float64Array(n) : new Int32Array(n);
}
