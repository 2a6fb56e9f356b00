import { DOUBLE_FIELD } from '../../kernel/double-field.ts';
import type { ControllerSpec } from '../standard.ts';
import * as transactionQueues from './transaction-queues.ts';
import type { TransactionQueues } from './transaction-queues.ts';

// Speed hack: module-local copies of imported constants (why: controller.ts).
const { READS, WRITES } = transactionQueues;

/**
 * When writes move ahead of reads (the policy of DRAMsim3's controller). A drain starts when
 * `writeHighWatermark` writes wait, or more than `writeLowWatermark` wait while every command queue is empty,
 * and moves the writes queued at its start. Writes that stay below the watermarks are flushed once no request
 * has arrived for `writeFlushIdleCycles`. Contract: the controller asks queueAt which queue moves next, reports
 * each write moved (movedWrite) and a drain cut short by a read that must go first (end).
 */
export class WriteDrain {
  /** Writes still to move in the current drain (0: reads have priority). */
  remaining = 0;
  /** Arrival cycle of the newest admitted transaction: the idle flush counts from it. */
  lastArrivalCycle = DOUBLE_FIELD;

  constructor(
    private readonly config: ControllerSpec,
    private readonly queues: TransactionQueues,
  ) {
    // A cycle: a double field from the start (DOUBLE_FIELD says why), then its initial value.
    this.lastArrivalCycle = 0;
  }

  /**
   * The queue that moves at cycle `c` (READS or WRITES) with `commandQueueCount` requests in the command queues;
   * a drain that starts then takes the writes queued now.
   */
  begin(c: number, commandQueueCount: number): number {
    if (this.remaining === 0 && this.startsAt(c, commandQueueCount)) this.remaining = this.queues.queued[WRITES]!;
    return this.remaining > 0 ? WRITES : READS;
  }

  /** The queue that would move at cycle `c` if nothing changed before (begin without starting the drain). */
  queueAt(c: number, commandQueueCount: number): number {
    return this.remaining > 0 || this.startsAt(c, commandQueueCount) ? WRITES : READS;
  }

  /** A write of the drain moved. */
  movedWrite(): void {
    this.remaining--;
  }

  /** A queued read must see the old data first: the drain ends and reads go ahead. */
  end(): void {
    this.remaining = 0;
  }

  /**
   * Whether a write that makes the write queue `writes` long starts a drain or joins one (so admitting it can
   * change what the controller does at once).
   */
  joinsDrain(writes: number, commandQueueCount: number): boolean {
    const cfg = this.config;
    return this.remaining > 0 || writes >= cfg.writeHighWatermark || (writes > cfg.writeLowWatermark && commandQueueCount === 0);
  }

  /** The cycle idle writes flush, if only a few writes wait and nothing else happens (Infinity otherwise). */
  flushCycle(commandQueueCount: number): number {
    const q = this.queues.queued;
    if (q[WRITES]! > 0 && q[READS]! === 0 && this.remaining === 0 && commandQueueCount === 0) return this.lastArrivalCycle + this.config.writeFlushIdleCycles;
    return Infinity;
  }

  /**
   * Whether a write drain starts at cycle `c`: the write queue reached the high watermark, or more than the low
   * watermark wait while no command does, or writes have waited idle for writeFlushIdleCycles.
   */
  private startsAt(c: number, commandQueueCount: number): boolean {
    const cfg = this.config;
    const w = this.queues.queued[WRITES]!;
    if (w >= cfg.writeHighWatermark) return true;
    if (commandQueueCount !== 0) return false;
    return w > cfg.writeLowWatermark || (w > 0 && this.queues.queued[READS]! === 0 && c - this.lastArrivalCycle >= cfg.writeFlushIdleCycles);
  }
}
