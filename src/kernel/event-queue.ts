/**
 * A binary min-heap of events ordered by (time, insertion sequence), kept in parallel typed arrays so the
 * hot path allocates nothing. Each event carries a target index and a token the owner uses to recognise
 * superseded entries.
 */
export class EventQueue {
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private targets = new Int32Array(64);
  private tokens = new Float64Array(64);
  private count = 0;
  private nextSeq = 0;

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.count;
  }

  /** Adds an event. */
  push(timePs: number, target: number, token: number): void {
    if (this.count === this.times.length) this.grow();
    let i = this.count++;
    const seq = this.nextSeq++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.times[parent]!;
      if (pt < timePs || (pt === timePs && this.seqs[parent]! < seq)) break;
      this.move(parent, i);
      i = parent;
    }
    this.times[i] = timePs;
    this.seqs[i] = seq;
    this.targets[i] = target;
    this.tokens[i] = token;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Infinity : this.times[0]!;
  }

  /** Target of the earliest event (valid only when not empty). */
  peekTarget(): number {
    return this.targets[0]!;
  }

  /** Token of the earliest event (valid only when not empty). */
  peekToken(): number {
    return this.tokens[0]!;
  }

  /** Removes the earliest event. */
  pop(): void {
    const last = --this.count;
    if (last === 0) return;
    const t = this.times[last]!;
    const s = this.seqs[last]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let c = l;
      if (r < last && (this.times[r]! < this.times[l]! || (this.times[r] === this.times[l] && this.seqs[r]! < this.seqs[l]!))) c = r;
      const ct = this.times[c]!;
      if (t < ct || (t === ct && s < this.seqs[c]!)) break;
      this.move(c, i);
      i = c;
    }
    this.times[i] = t;
    this.seqs[i] = s;
    this.targets[i] = this.targets[last]!;
    this.tokens[i] = this.tokens[last]!;
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.targets[to] = this.targets[from]!;
    this.tokens[to] = this.tokens[from]!;
  }

  private grow(): void {
    const n = this.times.length * 2;
    const t = new Float64Array(n); t.set(this.times); this.times = t;
    const s = new Float64Array(n); s.set(this.seqs); this.seqs = s;
    const g = new Int32Array(n); g.set(this.targets); this.targets = g;
    const k = new Float64Array(n); k.set(this.tokens); this.tokens = k;
  }
}
