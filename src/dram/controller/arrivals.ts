import { AddressMultiset } from '../address-multiset.ts';
import { requestList, type MemRequest } from '../request.ts';

/**
 * Transactions handed to the controller and not yet admitted into its transaction queues, oldest first. The
 * controller sees a transaction after its own actions of the arrival cycle (as DRAMsim3's controller sees one
 * its front end adds after the memory clock tick), so arrivals wait here until its next wake. Contract: push in
 * arrival order; takeBefore(c) hands them out in that order; the counts and write addresses cover exactly the
 * transactions still here (canAccept counts them against the queue depths, and a read may be answered from a
 * write still here).
 */
export class Arrivals {
  /** The transactions (from head on), oldest first. */
  readonly list: MemRequest[] = requestList();
  head = 0;
  /** Reads and writes among them. */
  reads = 0;
  writes = 0;
  /** Addresses of the writes among them, with counts. */
  readonly writeAddrs = new AddressMultiset();

  /** Whether none waits. */
  get empty(): boolean {
    return this.list.length === this.head;
  }

  /** Adds `req`, the newest arrival. */
  push(req: MemRequest): void {
    this.list.push(req);
    if (req.isWrite) {
      this.writes++;
      this.writeAddrs.add(req.addr);
    } else {
      this.reads++;
    }
  }

  /** Removes and returns the oldest transaction if it arrived before cycle `c`, else undefined. */
  takeBefore(c: number): MemRequest | undefined {
    const list = this.list;
    if (this.head === list.length || list[this.head]!.arrivalCycle >= c) return undefined;
    const req = list[this.head++]!;
    if (req.isWrite) {
      this.writes--;
      this.writeAddrs.remove(req.addr);
    } else {
      this.reads--;
    }
    return req;
  }

  /** Drops the taken entries from the list, at once when it is empty, else in batches of 64 (cheaper than shift). */
  compact(): void {
    const list = this.list;
    if (this.head === list.length) {
      list.length = 0;
      this.head = 0;
    } else if (this.head >= 64) {
      list.copyWithin(0, this.head);
      list.length -= this.head;
      this.head = 0;
    }
  }
}
