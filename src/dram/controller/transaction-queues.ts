import { AddressMultiset } from '../address-multiset.ts';
import type { Bank } from '../bank.ts';
import { requestList, type MemRequest } from '../request.ts';

/** Index of the read queue and of the write queue. */
export const READS = 0;
export const WRITES = 1;

/**
 * The read queue and the write queue of one channel: transactions admitted and not yet moved into their bank's
 * command queue, oldest first. Contract: add puts an admitted transaction at the back of its queue; oldestMovable
 * names the oldest transaction of a queue whose bank's command queue has room (the controller tells bankFull when
 * that room comes and goes); take removes it. Writes not yet issued stay in pendingWrites until the controller
 * issues them, so a read of their address is answered from here.
 */
export class TransactionQueues {
  /**
   * Kept per bank: waiting[queue * banks + bank] holds the queue's transactions for that bank, oldest first. Ids
   * grow in arrival order, so the oldest transaction of a queue whose bank has room is the smallest id among the
   * heads of the banks with room.
   */
  private readonly waiting: MemRequest[][];
  /** Transactions in the read queue (index READS) and the write queue (index WRITES). */
  readonly queued = new Int32Array(2);
  /** Per queue (words each): banks with transactions in it whose command queue has room. */
  private readonly movableBits: Int32Array;
  /** Addresses of writes not yet issued, with counts (a read of one is answered from the write queue). */
  readonly pendingWrites = new AddressMultiset();
  private readonly words: number;

  constructor(
    private readonly banks: readonly Bank[],
    private readonly commandQueueDepth: number,
  ) {
    this.words = Math.ceil(banks.length / 32);
    this.waiting = Array.from({ length: 2 * banks.length }, requestList);
    this.movableBits = new Int32Array(2 * this.words);
  }

  /** Puts `req` at the back of queue `q` (READS or WRITES). */
  add(req: MemRequest, q: number): void {
    const i = req.bankIndex;
    this.waiting[q * this.banks.length + i]!.push(req);
    this.queued[q]!++;
    if (this.banks[i]!.queue.length < this.commandQueueDepth) this.movableBits[q * this.words + (i >> 5)]! |= 1 << (i & 31);
  }

  /** The oldest transaction of queue `q` whose bank's command queue has room, or undefined. */
  oldestMovable(q: number): MemRequest | undefined {
    const n = this.banks.length;
    const words = this.words;
    let oldest: MemRequest | undefined;
    for (let w = 0; w < words; w++) {
      let m = this.movableBits[q * words + w]!;
      while (m !== 0) {
        const i = (w << 5) + (31 - Math.clz32(m & -m));
        m &= m - 1;
        const head = this.waiting[q * n + i]![0]!;
        if (oldest === undefined || head.id < oldest.id) oldest = head;
      }
    }
    return oldest;
  }

  /** Removes the oldest transaction of queue `q` for bank `i` (the one oldestMovable returned). */
  take(q: number, i: number): void {
    const fifo = this.waiting[q * this.banks.length + i]!;
    fifo.shift();
    this.queued[q]!--;
    if (fifo.length === 0) this.movableBits[q * this.words + (i >> 5)]! &= ~(1 << (i & 31));
  }

  /** Whether queue `q` holds a transaction whose bank's command queue has room. */
  hasMovable(q: number): boolean {
    for (let w = 0; w < this.words; w++) if (this.movableBits[q * this.words + w] !== 0) return true;
    return false;
  }

  /** Bank `i`'s command queue became full (or has room again): its waiting transactions stop (or start) being movable. */
  bankFull(i: number, full: boolean): void {
    const bit = 1 << (i & 31);
    for (let q = READS; q <= WRITES; q++) {
      const k = q * this.words + (i >> 5);
      if (full) this.movableBits[k]! &= ~bit;
      else if (this.waiting[q * this.banks.length + i]!.length > 0) this.movableBits[k]! |= bit;
    }
  }

  /** Whether a read of the same address waits (in the read queue or its bank's queue): it must go first. */
  readPending(write: MemRequest): boolean {
    const rq = this.waiting[READS * this.banks.length + write.bankIndex]!;
    for (let i = 0; i < rq.length; i++) if (rq[i]!.addr === write.addr) return true;
    const bq = this.banks[write.bankIndex]!.queue;
    for (let i = 0; i < bq.length; i++) if (!bq[i]!.isWrite && bq[i]!.addr === write.addr) return true;
    return false;
  }
}
