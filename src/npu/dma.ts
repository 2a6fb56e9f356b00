import type { Component, Simulator } from '../kernel/simulator.ts';
import type { MemoryClient, MemorySystem } from '../dram/memory-system.ts';
import type { MemRequest } from '../dram/request.ts';
import { bytesPerRequest } from '../dram/standard.ts';
import { invariant } from '../spec/errors.ts';

/** Told by the DMA engine when a transfer is done. */
export interface DmaClient {
  /** Transfer `tag` is done at `nowPs` (a read: its last data returned; a write: its last request accepted). */
  onTransferDone(tag: number, nowPs: number): void;
}

/** Traffic the engine has moved, in whole requests. */
export interface DmaStats {
  readRequests: number;
  writeRequests: number;
  /** Latest completion cycle of any request (memory clock). */
  lastDoneCycle: number;
}

/**
 * A DMA engine: moves byte ranges between DRAM and on-chip SRAM as real requests of the standard's size (64 B for
 * HBM2: 128-bit bus x BL4) through a MemorySystem, so transfers contend in the controllers' queues and banks.
 *
 * Transfers are served in the order they were queued. The engine submits their requests in address order as fast
 * as the controllers accept them (any number per memory cycle); when the next request's channel queue is full it
 * waits for that channel's onSpace, so a full channel holds up the requests behind it (head-of-line blocking,
 * as a single in-order DMA queue has). A read transfer is done when its last request's data has returned; a
 * write transfer when its last request has been accepted by its controller (posted writes, as DRAMsim3 and AXI
 * write responses from the memory controller count them); the writes still reach DRAM, and `onDrained` tells
 * when every request has.
 *
 * The engine is the memory system's client (MemorySystem has one client slot), so request ids, which the memory
 * system numbers in submission order, are consecutive per transfer: a completion finds its transfer by id range.
 * Transfers live in typed-array rings; per request the engine allocates nothing (MemorySystem allocates the
 * MemRequest itself).
 */
export class DmaEngine implements Component, MemoryClient {
  readonly name: string;
  readonly stats: DmaStats = { readRequests: 0, writeRequests: 0, lastDoneCycle: 0 };
  private readonly handle: number;
  private readonly periodPs: number;
  private readonly requestBytes: number;
  private readonly capacityBytes: number;
  /** Ring of transfers, indexed by sequence number & mask. */
  private mask = 63;
  private firstRequest = new Float64Array(64);
  private requests = new Float64Array(64);
  private submitted = new Float64Array(64);
  private completed = new Float64Array(64);
  private firstId = new Float64Array(64);
  private doneCycle = new Float64Array(64);
  private isWrite = new Uint8Array(64);
  private signalled = new Uint8Array(64);
  private tag = new Int32Array(64);
  /** Oldest transfer not yet signalled; the transfer being submitted; the next free slot (sequence numbers). */
  private head = 0;
  private sub = 0;
  private tail = 0;
  /** Requests submitted so far: the id the memory system gives the next one. */
  private issued = 0;
  private outstanding = 0;
  private blockedChannel = -1;
  private inWake = false;
  private drained: (() => void) | null = null;

  /**
   * `maxQueuedPerChannel`: the engine submits to a channel only while fewer than this many requests wait in its
   * controller (transaction and command queues), like a DMA engine with a bounded number of outstanding requests
   * per memory port. Infinity: as many as the controller's queues take.
   */
  constructor(
    private readonly sim: Simulator,
    private readonly memory: MemorySystem,
    private readonly client: DmaClient,
    name = 'npu0.dma',
    private readonly maxQueuedPerChannel = Infinity,
  ) {
    this.name = name;
    memory.client = this;
    this.handle = sim.add(this);
    this.periodPs = memory.clock.periodPs;
    this.requestBytes = bytesPerRequest(memory.std);
    this.capacityBytes = memory.mapping.capacityBytes;
  }

  /** Bytes per request (the standard's burst). */
  get bytesPerRequest(): number {
    return this.requestBytes;
  }

  /** Requests a transfer of [addr, addr + bytes) would issue: every request-sized block it touches. */
  requestsFor(addr: number, bytes: number): number {
    if (bytes <= 0) return 0;
    const rb = this.requestBytes;
    return Math.ceil((addr + bytes) / rb) - Math.floor(addr / rb);
  }

  /**
   * Queues a transfer of `bytes` bytes at DRAM address `addr` (wrapped at the device's capacity). `tag` comes back
   * in onTransferDone. A transfer of 0 bytes is done at once (on the engine's next memory cycle).
   */
  enqueue(addr: number, bytes: number, isWrite: boolean, tag: number): void {
    if (this.tail - this.head > this.mask) this.grow();
    const i = this.tail & this.mask;
    const rb = this.requestBytes;
    this.firstRequest[i] = Math.floor(addr / rb);
    this.requests[i] = this.requestsFor(addr, bytes);
    this.submitted[i] = 0;
    this.completed[i] = 0;
    this.doneCycle[i] = 0;
    this.isWrite[i] = isWrite ? 1 : 0;
    this.signalled[i] = 0;
    this.tag[i] = tag;
    this.tail++;
    if (!this.inWake) this.sim.wakeNoLaterThan(this.handle, Math.ceil(this.sim.nowPs / this.periodPs) * this.periodPs);
  }

  /** Calls `f` once every queued transfer has been signalled and every request has completed in DRAM (at once if so now). */
  onDrained(f: () => void): void {
    this.drained = f;
    this.checkDrained(Math.floor(this.sim.nowPs / this.periodPs));
  }

  /** Runs the onDrained callback if everything is done by cycle `c`, or wakes when the last completion is due. */
  private checkDrained(c: number): void {
    if (this.drained === null || this.outstanding !== 0 || this.head !== this.tail) return;
    if (c >= this.stats.lastDoneCycle) {
      const f = this.drained;
      this.drained = null;
      f();
    } else {
      this.sim.wakeNoLaterThan(this.handle, this.stats.lastDoneCycle * this.periodPs);
    }
  }

  /** Transfers queued and not yet signalled. */
  get pendingTransfers(): number {
    return this.tail - this.head;
  }

  wake(nowPs: number): void {
    const c = nowPs / this.periodPs;
    if (!Number.isInteger(c)) {
      this.sim.wakeAt(this.handle, Math.ceil(c) * this.periodPs);
      return;
    }
    this.inWake = true;
    this.signal(c);
    this.submit(c);
    this.inWake = false;
    this.scheduleNext(c);
    this.checkDrained(c);
  }

  onSpace(channel: number, cycle: number): void {
    if (channel === this.blockedChannel) this.sim.wakeNoLaterThan(this.handle, cycle * this.periodPs);
  }

  onComplete(req: MemRequest, doneCycle: number): void {
    this.outstanding--;
    // The request has left its controller's queues: room for the next one if that channel was the holdup.
    if (this.blockedChannel >= 0 && this.maxQueuedPerChannel !== Infinity && this.memory.channelOf(req.addr) === this.blockedChannel) {
      this.sim.wakeNoLaterThan(this.handle, Math.ceil(this.sim.nowPs / this.periodPs) * this.periodPs);
    }
    if (doneCycle > this.stats.lastDoneCycle) this.stats.lastDoneCycle = doneCycle;
    if (!req.isWrite) {
      const id = req.id;
      let s = this.head;
      for (; s <= this.sub && s < this.tail; s++) {
        const i = s & this.mask;
        if (id >= this.firstId[i]! && id < this.firstId[i]! + this.submitted[i]! && this.isWrite[i] === 0) break;
      }
      invariant(s <= this.sub && s < this.tail, `DMA read completion ${id} belongs to a transfer in flight`);
      const i = s & this.mask;
      this.completed[i]!++;
      if (doneCycle > this.doneCycle[i]!) this.doneCycle[i] = doneCycle;
      if (this.completed[i] === this.requests[i]) this.sim.wakeNoLaterThan(this.handle, doneCycle * this.periodPs);
    }
    if (this.outstanding === 0 && this.drained !== null) this.sim.wakeNoLaterThan(this.handle, this.stats.lastDoneCycle * this.periodPs);
  }

  /** Whether transfer slot `i` has all it needs to be signalled (reads: every completion; writes: every acceptance). */
  private isDone(i: number): boolean {
    return this.isWrite[i] === 1 ? this.submitted[i] === this.requests[i] : this.completed[i] === this.requests[i] && this.submitted[i] === this.requests[i];
  }

  /** Signals, in queue order, every fully submitted transfer that is done by cycle `c`. */
  private signal(c: number): void {
    for (let s = this.head; s < this.sub; s++) {
      const i = s & this.mask;
      if (this.signalled[i] === 1 || !this.isDone(i) || this.doneCycle[i]! > c) continue;
      this.signalled[i] = 1;
      this.client.onTransferDone(this.tag[i]!, c * this.periodPs);
    }
    while (this.head < this.sub && this.signalled[this.head & this.mask] === 1) this.head++;
  }

  /** Submits requests in order until a controller refuses one or nothing is left. */
  private submit(c: number): void {
    const memory = this.memory;
    const rb = this.requestBytes;
    this.blockedChannel = -1;
    while (this.sub < this.tail) {
      const i = this.sub & this.mask;
      const n = this.requests[i]!;
      const write = this.isWrite[i] === 1;
      while (this.submitted[i]! < n) {
        const addr = ((this.firstRequest[i]! + this.submitted[i]!) * rb) % this.capacityBytes;
        const ch = memory.channelOf(addr);
        const ctrl = memory.controllers[ch]!;
        if (!ctrl.canAccept(write) || ctrl.queuedRequests >= this.maxQueuedPerChannel) {
          this.blockedChannel = ch;
          return;
        }
        if (this.submitted[i] === 0) this.firstId[i] = this.issued;
        const id = this.issued++;
        this.submitted[i]!++;
        this.outstanding++;
        if (write) this.stats.writeRequests++;
        else this.stats.readRequests++;
        // A read of an address with a write still queued completes inside submit (onComplete runs first).
        const req = memory.submit(addr, write, c);
        invariant(req.id === id, `the DMA engine is its memory system's only client (request id ${req.id}, expected ${id})`);
      }
      if (write || n === 0) this.doneCycle[i] = c;
      this.sub++;
      // Done at once (posted writes, empty transfers): signal in this same cycle.
      if (this.isDone(i)) this.signal(c);
    }
  }

  private scheduleNext(c: number): void {
    let next = Infinity;
    for (let s = this.head; s < this.sub; s++) {
      const i = s & this.mask;
      if (this.signalled[i] === 0 && this.isDone(i) && this.doneCycle[i]! < next) next = this.doneCycle[i]!;
    }
    if (this.sub < this.tail && this.blockedChannel < 0) next = Math.min(next, c + 1);
    if (next !== Infinity) this.sim.wakeNoLaterThan(this.handle, Math.max(next, c) * this.periodPs);
  }

  /** Doubles the transfer ring, keeping sequence numbers. */
  private grow(): void {
    const size = (this.mask + 1) * 2;
    const copyF = (a: Float64Array) => {
      const b = new Float64Array(size);
      for (let s = this.head; s < this.tail; s++) b[s & (size - 1)] = a[s & this.mask]!;
      return b;
    };
    const copyU = (a: Uint8Array) => {
      const b = new Uint8Array(size);
      for (let s = this.head; s < this.tail; s++) b[s & (size - 1)] = a[s & this.mask]!;
      return b;
    };
    const t = new Int32Array(size);
    for (let s = this.head; s < this.tail; s++) t[s & (size - 1)] = this.tag[s & this.mask]!;
    this.firstRequest = copyF(this.firstRequest);
    this.requests = copyF(this.requests);
    this.submitted = copyF(this.submitted);
    this.completed = copyF(this.completed);
    this.firstId = copyF(this.firstId);
    this.doneCycle = copyF(this.doneCycle);
    this.isWrite = copyU(this.isWrite);
    this.signalled = copyU(this.signalled);
    this.tag = t;
    this.mask = size - 1;
  }
}
