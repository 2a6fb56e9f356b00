/**
 * A multiset of byte addresses (the writes a controller holds, to answer reads of them from the write queue).
 * An open-addressing hash table in typed arrays (linear probing, backward-shift deletion): the controller asks
 * it once per request, and a Map keyed by floating-point addresses above 2^31 costs several times more.
 */
export class AddressMultiset {
  private bits = 6;
  private keys = new Float64Array(1 << this.bits);
  /** Occurrences of the address in each slot; 0 marks an empty slot. */
  private counts = new Int32Array(1 << this.bits);
  private distinct = 0;

  /** Number of distinct addresses held. */
  get size(): number {
    return this.distinct;
  }

  has(addr: number): boolean {
    if (this.distinct === 0) return false;
    const mask = this.counts.length - 1;
    for (let i = this.home(addr); ; i = (i + 1) & mask) {
      if (this.counts[i] === 0) return false;
      if (this.keys[i] === addr) return true;
    }
  }

  add(addr: number): void {
    if ((this.distinct + 1) * 2 > this.counts.length) this.grow();
    const mask = this.counts.length - 1;
    for (let i = this.home(addr); ; i = (i + 1) & mask) {
      if (this.counts[i] === 0) {
        this.keys[i] = addr;
        this.counts[i] = 1;
        this.distinct++;
        return;
      }
      if (this.keys[i] === addr) {
        this.counts[i]!++;
        return;
      }
    }
  }

  /** Removes one occurrence of `addr`, which must be held. */
  remove(addr: number): void {
    const mask = this.counts.length - 1;
    let i = this.home(addr);
    while (this.keys[i] !== addr || this.counts[i] === 0) i = (i + 1) & mask;
    if (--this.counts[i]! > 0) return;
    this.distinct--;
    // Backward shift: move later entries of the probe run into the hole when their home slot allows it.
    for (let j = (i + 1) & mask; this.counts[j] !== 0; j = (j + 1) & mask) {
      const h = this.home(this.keys[j]!);
      const between = i <= j ? h > i && h <= j : h > i || h <= j;
      if (between) continue;
      this.keys[i] = this.keys[j]!;
      this.counts[i] = this.counts[j]!;
      this.counts[j] = 0;
      i = j;
    }
  }

  /** Home slot of an address: a multiplicative hash of its 64-byte block number. */
  private home(addr: number): number {
    return Math.imul(Math.floor(addr / 64) | 0, 0x9e3779b1) >>> (32 - this.bits);
  }

  private grow(): void {
    const keys = this.keys;
    const counts = this.counts;
    this.bits++;
    this.keys = new Float64Array(1 << this.bits);
    this.counts = new Int32Array(1 << this.bits);
    const mask = this.counts.length - 1;
    for (let k = 0; k < counts.length; k++) {
      if (counts[k] === 0) continue;
      let i = this.home(keys[k]!);
      while (this.counts[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = keys[k]!;
      this.counts[i] = counts[k]!;
    }
  }
}
