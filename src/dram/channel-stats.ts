
/** Statistics of one channel, filled by its controller. Reports are computed from these alone. */
export class ChannelStats {
  readonly commandCounts: Float64Array;
  rowHits = 0;
  rowMisses = 0;
  rowConflicts = 0;
  /** Reads served from the write queue without a DRAM access. */
  forwardedReads = 0;
  /** Completion cycle, latency (cycles) and kind of every completed request, in issue order. */
  count = 0;
  doneCycle = new Float64Array(1024);
  latency = new Float64Array(1024);
  isWrite = new Uint8Array(1024);
  /** Cycles with at least one open bank, per rank (closed intervals only; see Controller.finish). */
  rankActiveCycles: Float64Array;
  /** Cycles each bank had a row open. */
  bankActiveCycles: Float64Array;
  /** Column commands per bank. */
  bankColumnCommands: Float64Array;
  /** Data-bus busy cycles (bursts). */
  dataBusCycles = 0;

  constructor(ranks: number, banks: number, commands: number) {
    this.commandCounts = new Float64Array(commands);
    this.rankActiveCycles = new Float64Array(ranks);
    this.bankActiveCycles = new Float64Array(banks);
    this.bankColumnCommands = new Float64Array(banks);
  }

  /** Records one completed request. */
  complete(doneCycle: number, latency: number, isWrite: boolean): void {
    if (this.count === this.doneCycle.length) {
      const n = this.count * 2;
      const d = new Float64Array(n); d.set(this.doneCycle); this.doneCycle = d;
      const l = new Float64Array(n); l.set(this.latency); this.latency = l;
      const w = new Uint8Array(n); w.set(this.isWrite); this.isWrite = w;
    }
    this.doneCycle[this.count] = doneCycle;
    this.latency[this.count] = latency;
    this.isWrite[this.count] = isWrite ? 1 : 0;
    this.count++;
  }
}
