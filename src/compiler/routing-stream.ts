import seedrandom from 'seedrandom';

/**
 * The stream MoE routing draws from: seedrandom's default generator (ARC4, seedrandom 3.0.5, seedrandom.js), the
 * same doubles in the same order, written for the routing loop. Routing a serving run draws tens of millions of
 * doubles (the Duplex Mixtral 1024/1024 comparison: 18.8 million after its memo, docs/guide.md), and seedrandom's
 * own closure reads its state through object fields at every byte; this keeps the 256-byte state in a typed array
 * and the indices in locals. Seeding stays seedrandom's (its `state` option hands over the keyed state), so only
 * the output step is repeated here; test/compiler/routing-memo.test.ts compares the two over millions of doubles.
 */
export class RoutingStream {
  private readonly s: Uint8Array;
  private i: number;
  private j: number;

  /** The stream seedrandom(`seed`) returns. */
  constructor(seed: string) {
    const state = seedrandom(seed, { state: true }).state();
    this.s = Uint8Array.from(state.S);
    this.i = state.i;
    this.j = state.j;
  }

  /**
   * The next double in [0, 1), as seedrandom's prng() makes it: six ARC4 bytes as a 48-bit numerator over 2^48,
   * more bytes while it has fewer than 52 significant bits, then shifted right until it has exactly 53 (integer
   * arithmetic in doubles, exact below 2^53).
   */
  next(): number {
    const s = this.s;
    let i = this.i;
    let j = this.j;
    // One ARC4 output byte: i steps, j moves by S[i], the two swap, the byte is S[S[i] + S[j]].
    let t = s[i = (i + 1) & 255]!; let u = s[j = (j + t) & 255]!; s[i] = u; s[j] = t; const b0 = s[(u + t) & 255]!;
    t = s[i = (i + 1) & 255]!; u = s[j = (j + t) & 255]!; s[i] = u; s[j] = t; const b1 = s[(u + t) & 255]!;
    t = s[i = (i + 1) & 255]!; u = s[j = (j + t) & 255]!; s[i] = u; s[j] = t; const b2 = s[(u + t) & 255]!;
    t = s[i = (i + 1) & 255]!; u = s[j = (j + t) & 255]!; s[i] = u; s[j] = t; const b3 = s[(u + t) & 255]!;
    t = s[i = (i + 1) & 255]!; u = s[j = (j + t) & 255]!; s[i] = u; s[j] = t; const b4 = s[(u + t) & 255]!;
    t = s[i = (i + 1) & 255]!; u = s[j = (j + t) & 255]!; s[i] = u; s[j] = t; const b5 = s[(u + t) & 255]!;
    let n = ((b0 << 16) | (b1 << 8) | b2) * 0x1000000 + ((b3 << 16) | (b4 << 8) | b5);
    let d = 2 ** 48;
    let x = 0;
    while (n < 2 ** 52) {
      n = (n + x) * 256;
      d *= 256;
      t = s[i = (i + 1) & 255]!; u = s[j = (j + t) & 255]!; s[i] = u; s[j] = t; x = s[(u + t) & 255]!;
    }
    while (n >= 2 ** 53) {
      n /= 2;
      d /= 2;
      x >>>= 1;
    }
    this.i = i;
    this.j = j;
    return (n + x) / d;
  }
}
