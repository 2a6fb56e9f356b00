import { describe, expect, it } from 'vitest';
import { Bank } from '../../../src/dram/bank.ts';
import { ACT, PRE, RD, RDA, REF, WR, WRA } from '../../../src/dram/commands.ts';
import { KIND_ACT, KIND_PRE, KIND_RD, KIND_WR } from '../../../src/dram/controller/kinds.ts';
import { PAGE_POLICIES } from '../../../src/dram/controller/page-policy.ts';
import { Readiness } from '../../../src/dram/controller/readiness.ts';
import { Refresh } from '../../../src/dram/controller/refresh.ts';
import { SCHEDULERS, Scheduler } from '../../../src/dram/controller/scheduler.ts';
import { READS, TransactionQueues, WRITES } from '../../../src/dram/controller/transaction-queues.ts';
import { WriteDrain } from '../../../src/dram/controller/write-drain.ts';
import type { MemRequest } from '../../../src/dram/request.ts';
import { loadStandard, type ControllerSpec, type DramStandard } from '../../../src/dram/standard.ts';
import { TimingState } from '../../../src/dram/timing-state.ts';

// Unit tests of the controller's parts (src/dram/controller/), each through its own contract. The controller as a
// whole is tested in test/dram/controller.test.ts; bench/exactness.ts pins its behaviour.

const ddr4 = loadStandard('ddr4');

function banksOf(std: DramStandard): Bank[] {
  const o = std.organization;
  const banks: Bank[] = [];
  for (let r = 0; r < o.ranks; r++) for (let g = 0; g < o.bankGroups; g++) for (let b = 0; b < o.banksPerGroup; b++) banks.push(new Bank(r, g, b, banks.length, r * o.bankGroups + g));
  return banks;
}

let nextId = 0;
function request(bank: Bank, row: number, isWrite = false, addr = nextId * 64, arrivalCycle = 0): MemRequest {
  return { id: nextId++, addr, isWrite, arrivalCycle, rank: bank.rank, bankGroup: bank.bankGroup, bank: bank.bank, row, column: 0, bankIndex: bank.index };
}

describe('Refresh', () => {
  it('staggers the ranks over tREFI, holds a due rank, precharges its open bank, then issues REF and moves the due time', () => {
    const banks = banksOf(ddr4);
    const timing = new TimingState(ddr4);
    const changed: number[] = [];
    const refresh = new Refresh(ddr4, 'all-bank', banks, timing, { bankChanged: (b) => changed.push(b.index) });
    const tREFI = ddr4.timing.tREFI!;
    // ddr4.json: 2 ranks, tREFI 12480 cycles: rank 0 due at 12480 / 2, rank 1 at 12480.
    expect(tREFI).toBe(12480);
    expect(refresh.firstDueCycle()).toBe(6240);
    refresh.update(6239);
    expect(refresh.pendingCount).toBe(0);
    expect(refresh.wakeCycle(100)).toBe(6240);
    banks[3]!.openRow = 7;
    refresh.update(6240);
    expect(refresh.pendingCount).toBe(1);
    // Every bank of rank 0 (16 of them) leaves the scheduler; rank 1 stays.
    expect(changed).toEqual(banks.filter((b) => b.rank === 0).map((b) => b.index));
    expect(refresh.holds(banks[0]!)).toBe(true);
    expect(refresh.holds(banks[16]!)).toBe(false);
    // The open bank must close first: PRE to bank 3, legal at once (nothing issued before).
    expect(refresh.ready(6240)).toBe(PRE);
    expect(refresh.bank).toBe(banks[3]);
    banks[3]!.openRow = -1;
    expect(refresh.ready(6240)).toBe(REF);
    refresh.issued(REF, refresh.bank!);
    expect(refresh.pendingCount).toBe(0);
    expect(refresh.holds(banks[0]!)).toBe(false);
    // Next due: rank 1 at 12480, then rank 0 again at 6240 + 12480.
    expect(refresh.wakeCycle(6241)).toBe(12480);
  });

  it('without refresh never falls due', () => {
    const refresh = new Refresh(ddr4, 'none', banksOf(ddr4), new TimingState(ddr4), { bankChanged: () => {} });
    expect(refresh.firstDueCycle()).toBe(Infinity);
    refresh.update(1e9);
    expect(refresh.pendingCount).toBe(0);
  });
});

describe('TransactionQueues', () => {
  it('moves the oldest transaction whose bank has room, and skips banks whose command queue is full', () => {
    const banks = banksOf(ddr4);
    const q = new TransactionQueues(banks, 2);
    // Ids grow in arrival order: the older request is at the higher bank, so bank order would pick wrong.
    const older = request(banks[9]!, 1);
    const newer = request(banks[0]!, 1);
    q.add(older, READS);
    q.add(newer, READS);
    expect(q.oldestMovable(READS)).toBe(older);
    q.bankFull(9, true);
    expect(q.oldestMovable(READS)).toBe(newer);
    q.bankFull(9, false);
    q.take(READS, 9);
    expect(q.queued[READS]).toBe(1);
    expect(q.oldestMovable(READS)).toBe(newer);
    expect(q.hasMovable(WRITES)).toBe(false);
    const write = request(banks[5]!, 1, true);
    q.add(write, WRITES);
    expect(q.hasMovable(WRITES)).toBe(true);
    expect(q.oldestMovable(WRITES)).toBe(write);
  });

  it('holds a write back while a read of its address waits', () => {
    const banks = banksOf(ddr4);
    const q = new TransactionQueues(banks, 8);
    q.add(request(banks[2]!, 1, false, 4096), READS);
    expect(q.readPending(request(banks[2]!, 1, true, 4096))).toBe(true);
    expect(q.readPending(request(banks[2]!, 1, true, 8192))).toBe(false);
  });

  it('agrees with one plain array per bank over a long seeded run that keeps hundreds queued for one bank', () => {
    // A model of the contract (oldest movable = smallest id among the heads of banks with room; take removes it;
    // readPending sees reads queued and in the command queue), with up to 300 transactions waiting for one bank,
    // banks filling and freeing, for any later representation of the lists.
    const banks = banksOf(ddr4).slice(0, 4);
    const q = new TransactionQueues(banks, 8);
    const model: MemRequest[][][] = [[[], [], [], []], [[], [], [], []]];
    const full = [false, false, false, false];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const oldestInModel = (k: number) => {
      let best: MemRequest | undefined;
      for (let i = 0; i < banks.length; i++) if (!full[i] && model[k]![i]!.length > 0 && (best === undefined || model[k]![i]![0]!.id < best.id)) best = model[k]![i]![0];
      return best;
    };
    let taken = 0;
    for (let step = 0; step < 20_000; step++) {
      const k = rand(2);
      const bank = rand(8) < 6 ? 0 : rand(4); // bank 0 gets most of the traffic, so its list grows long
      const waiting = model[k]![bank]!.length;
      if (rand(100) < (waiting > 300 ? 20 : 55)) {
        const r = request(banks[bank]!, 1, k === WRITES, rand(64) * 64);
        q.add(r, k);
        model[k]![bank]!.push(r);
      } else if (rand(10) === 0) {
        // The contract: the bank's command queue fills (or frees a slot), then the controller tells bankFull.
        full[bank] = !full[bank];
        const cq = banks[bank]!.queue;
        if (full[bank]) while (cq.length < 8) cq.push(request(banks[bank]!, 1));
        else cq.length = 0;
        q.bankFull(bank, full[bank]!);
      } else {
        const oldest = oldestInModel(k);
        expect(q.oldestMovable(k)).toBe(oldest);
        if (oldest !== undefined) {
          q.take(k, oldest.bankIndex);
          model[k]![oldest.bankIndex]!.shift();
          taken++;
        }
      }
      expect(q.queued[k]).toBe(model[k]!.reduce((a, l) => a + l.length, 0));
      expect(q.hasMovable(k)).toBe(oldestInModel(k) !== undefined);
      const probe = request(banks[bank]!, 1, true, rand(64) * 64);
      const readsThere = model[READS]![bank]!.some((r) => r.addr === probe.addr) || banks[bank]!.queue.some((r) => !r.isWrite && r.addr === probe.addr);
      expect(q.readPending(probe)).toBe(readsThere);
    }
    expect(taken).toBeGreaterThan(5_000);
    expect(Math.max(...model[READS]!.map((l) => l.length), ...model[WRITES]!.map((l) => l.length))).toBeGreaterThan(150);
  });
});

describe('WriteDrain', () => {
  const config: ControllerSpec = { ...ddr4.controller, writeHighWatermark: 4, writeLowWatermark: 1, writeFlushIdleCycles: 100 };
  it('starts at the high watermark and moves the writes queued at its start', () => {
    const banks = banksOf(ddr4);
    const q = new TransactionQueues(banks, 8);
    const drain = new WriteDrain(config, q);
    for (let i = 0; i < 3; i++) q.add(request(banks[i]!, 1, true), WRITES);
    // 3 writes, below the high watermark of 4, and commands queued: reads go first.
    expect(drain.begin(10, 5)).toBe(READS);
    q.add(request(banks[3]!, 1, true), WRITES);
    expect(drain.begin(10, 5)).toBe(WRITES);
    expect(drain.remaining).toBe(4);
    drain.movedWrite();
    expect(drain.remaining).toBe(3);
    drain.end();
    expect(drain.begin(10, 5)).toBe(WRITES); // still 4 writes queued: a new drain starts
  });

  it('drains above the low watermark once the command queues are empty, and flushes idle writes', () => {
    const banks = banksOf(ddr4);
    const q = new TransactionQueues(banks, 8);
    const drain = new WriteDrain(config, q);
    q.add(request(banks[0]!, 1, true), WRITES);
    drain.lastArrivalCycle = 20;
    // One write: not above the low watermark of 1; it flushes writeFlushIdleCycles after the last arrival.
    expect(drain.queueAt(21, 0)).toBe(READS);
    expect(drain.flushCycle(0)).toBe(120);
    expect(drain.queueAt(120, 0)).toBe(WRITES);
    q.add(request(banks[1]!, 1, true), WRITES);
    expect(drain.queueAt(21, 0)).toBe(WRITES);
    expect(drain.queueAt(21, 1)).toBe(READS);
  });
});

describe('Scheduler', () => {
  function setup(name: 'frfcfs' | 'fcfs') {
    const banks = banksOf(ddr4);
    const timing = new TimingState(ddr4);
    const page = PAGE_POLICIES.open;
    const readiness = new Readiness(ddr4, banks, timing, Int32Array.from([ACT, page.readCommand, page.writeCommand, PRE]));
    return { banks, scheduler: new Scheduler(SCHEDULERS[name], ddr4.controller, page, banks, timing, readiness), readiness };
  }

  it('FR-FCFS serves a queued row hit before closing the row for an older request; FCFS closes it at once', () => {
    for (const name of ['frfcfs', 'fcfs'] as const) {
      const { banks, scheduler } = setup(name);
      const bank = banks[0]!;
      bank.openRow = 5;
      bank.queue.push(request(bank, 7), request(bank, 5, true));
      expect(scheduler.kindsNeeded(bank)).toBe(name === 'frfcfs' ? KIND_WR : KIND_PRE);
      // After rowHitCap hits (ddr4.json: 4) FR-FCFS also lets the row close for the older request.
      bank.hitsSinceActivate = ddr4.controller.rowHitCap;
      expect(scheduler.kindsNeeded(bank)).toBe(name === 'frfcfs' ? KIND_WR | KIND_PRE : KIND_PRE);
    }
  });

  it('asks for ACT at a closed bank and nothing at an empty one', () => {
    const { banks, scheduler } = setup('frfcfs');
    expect(scheduler.kindsNeeded(banks[1]!)).toBe(0);
    banks[1]!.queue.push(request(banks[1]!, 3));
    expect(scheduler.kindsNeeded(banks[1]!)).toBe(KIND_ACT);
    banks[1]!.openRow = 3;
    expect(scheduler.kindsNeeded(banks[1]!)).toBe(KIND_RD);
  });

  it('kindsAfterPush gives what kindsNeeded finds after an append, from the kinds before it and the new request', () => {
    // The controller's move relies on it instead of rescanning the queue. Seeded walk over queues of up to twice
    // ddr4's command-queue depth (8), rows 0-3, open or closed banks, hits since activation 0-5 (rowHitCap 4).
    for (const name of ['frfcfs', 'fcfs'] as const) {
      const { banks, scheduler } = setup(name);
      const bank = banks[0]!;
      let seed = 12345;
      const rand = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return (seed >>> 16) % n; // the high bits: an LCG's low bits repeat with a short period
      };
      let checked = 0;
      let changed = 0;
      for (let trial = 0; trial < 2000; trial++) {
        bank.queue.length = 0;
        bank.openRow = rand(5) - 1;
        bank.hitsSinceActivate = rand(6);
        const n = rand(2 * ddr4.controller.commandQueueDepth);
        for (let k = 0; k < n; k++) bank.queue.push(request(bank, rand(4), rand(2) === 1));
        const before = scheduler.kindsNeeded(bank);
        bank.queue.push(request(bank, rand(4), rand(2) === 1));
        const after = scheduler.kindsNeeded(bank);
        expect(scheduler.kindsAfterPush(bank, before)).toBe(after);
        checked++;
        if (after !== before) changed++;
      }
      expect(checked).toBe(2000);
      // The walk reaches both outcomes (kinds changed by the append, and not).
      expect(changed).toBeGreaterThan(100);
      expect(changed).toBeLessThan(1900);
    }
  });

  it('picks the legal command round-robin from the bank after the last one that issued', () => {
    const { banks, scheduler, readiness } = setup('frfcfs');
    for (const i of [2, 6]) {
      banks[i]!.queue.push(request(banks[i]!, 1));
      readiness.setNeeds(i, scheduler.kindsNeeded(banks[i]!));
    }
    readiness.computeReady();
    scheduler.beginCycle();
    expect(scheduler.pick(0, 0)).toBe(ACT);
    expect(scheduler.bank).toBe(banks[2]);
    // Bank 2 issued last, so bank 6 comes next (its ACT is legal: nothing has issued to the timing state).
    scheduler.beginCycle();
    expect(scheduler.pick(0, 0)).toBe(ACT);
    expect(scheduler.bank).toBe(banks[6]);
  });
});

describe('PagePolicy', () => {
  it('open serves with RD and WR, closed with the auto-precharge forms', () => {
    expect([PAGE_POLICIES.open.readCommand, PAGE_POLICIES.open.writeCommand]).toEqual([RD, WR]);
    expect([PAGE_POLICIES.closed.readCommand, PAGE_POLICIES.closed.writeCommand]).toEqual([RDA, WRA]);
  });
});
