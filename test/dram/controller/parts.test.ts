import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bank } from '../../../src/dram/bank.ts';
import { ACT, PRE, PREA, RD, RDA, REF, WR, WRA } from '../../../src/dram/commands.ts';
import { KIND_ACT, KIND_PRE, KIND_RD, KIND_WR } from '../../../src/dram/controller/kinds.ts';
import { PAGE_POLICIES } from '../../../src/dram/controller/page-policy.ts';
import { Readiness } from '../../../src/dram/controller/readiness.ts';
import { Refresh } from '../../../src/dram/controller/refresh.ts';
import { SCHEDULERS, Scheduler } from '../../../src/dram/controller/scheduler.ts';
import { EarliestFirstScheduler, NO_CLASS, ORDINARY_CLASS, PRIORITY_CLASS, REFRESH_CLASS, type QueuedRequests } from '../../../src/dram/controller/scheduler-earliest.ts';
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

  it('simultaneous with PREA (the NeuPIMs dual-buffer channel): every rank due at tREFI, a rank with open rows closed by one PREA, the earliest command first', () => {
    const banks = banksOf(ddr4);
    const timing = new TimingState(ddr4);
    const refresh = new Refresh(ddr4, 'all-bank', banks, timing, { bankChanged: () => {} }, { simultaneous: true, closeWithPrea: true });
    expect(refresh.firstDueCycle()).toBe(12480);
    refresh.update(12479);
    expect(refresh.pendingCount).toBe(0);
    refresh.update(12480);
    expect(refresh.pendingCount).toBe(2);
    // Rank 0 has two open banks: one PREA (at its first bank), not a PRE each. Rank 1 is closed: REF.
    banks[3]!.openRow = 7;
    banks[9]!.openRow = 2;
    expect(refresh.earliest(12480)).toBe(12480);
    expect([refresh.command, refresh.bank]).toEqual([PREA, banks[0]]);
    // Both legal at the cycle asked for: the lower rank goes first; skipping it leaves rank 1's REF.
    expect(refresh.earliest(12480, 0)).toBe(12480);
    expect([refresh.command, refresh.bank]).toEqual([REF, banks[16]]);
    // Rank 0's PREA issues at 12480: its REF waits tRP (PREA -> REF, ddr4.json), so rank 1's REF is earlier.
    timing.issue(PREA, 12480, 0, 0, 0);
    banks[3]!.openRow = -1;
    banks[9]!.openRow = -1;
    const tRP = ddr4.timing.tRP!;
    expect(timing.earliestCycle(REF, 0, 0, 0)).toBe(12480 + tRP);
    expect(refresh.earliest(12481)).toBe(12481);
    expect([refresh.command, refresh.bank]).toEqual([REF, banks[16]]);
    refresh.issued(REF, banks[16]!);
    expect(refresh.pendingCount).toBe(1);
    expect(refresh.earliest(12482)).toBe(12480 + tRP);
    expect([refresh.command, refresh.bank]).toEqual([REF, banks[0]]);
    refresh.issued(REF, banks[0]!);
    expect(refresh.pendingCount).toBe(0);
    expect(refresh.earliest(12482)).toBe(Infinity);
    // Both ranks fall due again together, tREFI later.
    expect(refresh.wakeCycle(12483)).toBe(2 * 12480);
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

describe('EarliestFirstScheduler', () => {
  /** Requests as the policy reads them: [bank index, row, write, arrival]. */
  function queued(std: DramStandard, rs: readonly [number, number, number, number][]): QueuedRequests {
    const o = std.organization;
    const perRank = o.bankGroups * o.banksPerGroup;
    return {
      length: rs.length, arrival: Float64Array.from(rs.map((r) => r[3])), write: Uint8Array.from(rs.map((r) => r[2])),
      rank: Uint8Array.from(rs.map((r) => Math.floor(r[0] / perRank))), bankGroup: Uint8Array.from(rs.map((r) => Math.floor((r[0] % perRank) / o.banksPerGroup))),
      bank: Uint8Array.from(rs.map((r) => r[0] % o.banksPerGroup)), row: Int32Array.from(rs.map((r) => r[1])),
    };
  }

  it('picks the command legal earliest, a row hit on a tie, keeps a held bank and anything from `until` out, and guards the priority command', () => {
    const banks = banksOf(ddr4);
    const timing = new TimingState(ddr4);
    // Two reads of row 5 in bank 0, a write of row 9 in bank 1 (same bank group), a read of row 3 in bank 0 arriving late.
    const s = new EarliestFirstScheduler(ddr4, banks, timing, queued(ddr4, [[0, 5, 0, 0], [0, 5, 0, 0], [1, 9, 1, 0], [0, 3, 0, 500]]), 3);
    // All banks closed: three ACTs legal at 0; the oldest goes (the queue holds 3: the late read is not seen yet).
    expect(s.pick(0, -1, Infinity, -1, Infinity)).toBe(0);
    expect([s.command, s.request, s.hit]).toEqual([ACT, 0, false]);
    timing.issue(ACT, 0, 0, 0, 0);
    banks[0]!.openRow = 5;
    // ddr4.json: the reads wait tRCD = 22; the other bank's ACT only tRRD_L = 8 (same bank group).
    expect(s.pick(1, -1, Infinity, -1, Infinity)).toBe(8);
    expect([s.command, s.request]).toEqual([ACT, 2]);
    // Holding bank 1 leaves the row hit; candidates from `until` on are dropped.
    expect(s.pick(1, 1, Infinity, -1, Infinity)).toBe(22);
    expect([s.command, s.request, s.hit]).toEqual([RD, 0, true]);
    expect(s.pick(1, 1, 22, -1, Infinity)).toBe(Infinity);
    // A priority ACT at cycle 20: an ACT at 8 must stay tRC = 74 ahead of it (the largest ACT -> ACT distance), so it
    // waits until just after it (21); so does the read at 22 (any candidate after the priority command is placed just
    // after it), and of the two at 21 the row hit goes.
    expect(ddr4.timing.tRC).toBe(74);
    expect(s.pick(1, -1, Infinity, ACT, 20)).toBe(21);
    expect([s.command, s.request]).toEqual([RD, 0]);
    expect(s.pick(1, 0, Infinity, ACT, 20)).toBe(21);
    expect([s.command, s.request]).toEqual([ACT, 2]);
    // The same priority ACT at 82 = 8 + 74 is not delayed: the ACT keeps cycle 8.
    expect(s.pick(1, -1, Infinity, ACT, 82)).toBe(8);
    // Served requests leave the queue; the late read enters it and, a row conflict behind a queued hit, waits.
    s.served(0);
    expect(s.pick(23, 1, Infinity, -1, Infinity)).toBe(23);
    expect([s.command, s.request, s.hit]).toEqual([RD, 1, true]);
    s.served(1);
    // Now bank 0's row 5 has no queued hit: the late read (arrival 500) precharges it.
    expect(s.pick(23, 1, Infinity, -1, Infinity)).toBe(500);
    expect([s.command, s.request]).toEqual([PRE, 3]);
  });

  it('arbitrates by earliest cycle, ties to refresh, then the priority class, then ordinary', () => {
    expect(EarliestFirstScheduler.arbitrate(5, 5, 5)).toBe(REFRESH_CLASS);
    expect(EarliestFirstScheduler.arbitrate(6, 5, 5)).toBe(PRIORITY_CLASS);
    expect(EarliestFirstScheduler.arbitrate(6, 7, 5)).toBe(ORDINARY_CLASS);
    expect(EarliestFirstScheduler.arbitrate(Infinity, Infinity, Infinity)).toBe(NO_CLASS);
  });
});

describe('TimingState node view', () => {
  it('a view restored elsewhere and later issues every command to that node at the same cycles, shifted (ddr4: 2 ranks, the tFAW window)', () => {
    const cmds = [ACT, PRE, PREA, RD, WR, REF];
    const node = [1, 2, 3] as const;
    const step = fc.tuple(fc.constantFrom(...cmds), fc.integer({ min: 0, max: 40 }), fc.boolean());
    fc.assert(fc.property(fc.array(step, { maxLength: 40 }), fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 100000 }), (before, after, shift) => {
      const a = new TimingState(ddr4);
      let cursor = 0;
      // Before the view: commands to the node and to its siblings (same rank and bank group, other bank; other rank).
      for (const [cmd, gap, elsewhere] of before) {
        const [r, g, b] = elsewhere ? (gap % 2 === 0 ? [1, 2, 0] : [0, 2, 3]) : node;
        const c = Math.max(cursor + gap, a.earliestCycle(cmd, r, g, b));
        a.issue(cmd, c, r, g, b);
        cursor = c + 1;
      }
      const view = new Float64Array(a.nodeViewLength);
      a.nodeSnapshot(...node, cursor, view);
      // Restored into a state that has a history of its own (its windows' ring heads elsewhere).
      const b = new TimingState(ddr4);
      for (let i = 0; i < (shift % 7); i++) b.issue(ACT, 50 * i, ...node);
      b.nodeRestore(...node, view, cursor + shift);
      let ca = cursor;
      for (const [cmd, gap] of after) {
        for (const k of cmds) expect(Math.max(ca, b.earliestCycle(k, ...node) - shift)).toBe(Math.max(ca, a.earliestCycle(k, ...node)));
        const c = Math.max(ca + gap, a.earliestCycle(cmd, ...node));
        a.issue(cmd, c, ...node);
        b.issue(cmd, c + shift, ...node);
        ca = c + 1;
      }
      // And the views agree, shifted.
      const va = new Float64Array(view.length);
      const vb = new Float64Array(view.length);
      a.nodeSnapshot(...node, ca, va);
      b.nodeSnapshot(...node, ca + shift, vb);
      expect(Array.from(vb)).toEqual(Array.from(va));
    }), { seed: 15, numRuns: 200 });
  });

  it('holds the tFAW window, oldest first: restored into a state whose window ring starts elsewhere, the next ACTs wait as in the original', () => {
    const a = new TimingState(ddr4);
    const tFAW = ddr4.windows.find((w) => w.command === ACT)!;
    expect([tFAW.count, tFAW.cycles, tFAW.level]).toEqual([4, 34, 'rank']); // ddr4.json: at most four ACTs per rank in 34 cycles
    // Five ACTs to bank groups of rank 0, 8 cycles apart where the window allows (tRRD_S = 4 would allow closer):
    // the fifth waits for the first to leave (100 + 34), and the window then holds 108, 116, 124, 134.
    const acts = [100, 108, 116, 124];
    acts.forEach((c, i) => a.issue(ACT, c, 0, i, 0));
    expect(a.earliestCycle(ACT, 0, 0, 1)).toBe(134);
    a.issue(ACT, 134, 0, 0, 1);
    const view = new Float64Array(a.nodeViewLength);
    a.nodeSnapshot(0, 1, 1, 140, view);
    const b = new TimingState(ddr4);
    b.issue(ACT, 0, 0, 3, 3);
    b.issue(ACT, 50, 0, 3, 3);
    b.nodeRestore(0, 1, 1, view, 1000);
    // Next: the oldest in the window is 108: 108 + 34 = 142 (2 after the view's base), then 116 + 34 = 150.
    expect(a.earliestCycle(ACT, 0, 1, 1)).toBe(142);
    expect(b.earliestCycle(ACT, 0, 1, 1)).toBe(1002);
    a.issue(ACT, 142, 0, 1, 1);
    b.issue(ACT, 1002, 0, 1, 1);
    // The same bank now waits tRC = 74; the rank's next ACT (any bank: the window is the rank's) waits for 116 to
    // leave the window, 116 + 34 = 150 (later than tRRD_S = 4 after 142).
    expect(a.earliestCycle(ACT, 0, 1, 1)).toBe(142 + 74);
    expect(b.earliestCycle(ACT, 0, 1, 1)).toBe(1002 + 74);
    expect(a.earliestCycle(ACT, 0, 2, 2)).toBe(150);
    expect(b.earliestCycle(ACT, 0, 2, 2)).toBe(1010);
  });

  it('leaves out what no longer constrains anything: states that differ only long before the view give equal views', () => {
    const views = [0, 5].map((offset) => {
      const t = new TimingState(ddr4);
      for (let i = 0; i < 4; i++) t.issue(ACT, offset + 10 * i, 0, i, 0);
      const v = new Float64Array(t.nodeViewLength);
      t.nodeSnapshot(0, 0, 0, 1000, v);
      return Array.from(v);
    });
    expect(views[1]).toEqual(views[0]);
    // Taken at cycle 40 instead, the ACTs still in the window (tFAW 34) tell the two apart.
    const near = [0, 5].map((offset) => {
      const t = new TimingState(ddr4);
      for (let i = 0; i < 4; i++) t.issue(ACT, offset + 10 * i, 0, i, 0);
      const v = new Float64Array(t.nodeViewLength);
      t.nodeSnapshot(0, 0, 0, 40, v);
      return Array.from(v);
    });
    expect(near[1]).not.toEqual(near[0]);
  });
});

describe('PagePolicy', () => {
  it('open serves with RD and WR, closed with the auto-precharge forms', () => {
    expect([PAGE_POLICIES.open.readCommand, PAGE_POLICIES.open.writeCommand]).toEqual([RD, WR]);
    expect([PAGE_POLICIES.closed.readCommand, PAGE_POLICIES.closed.writeCommand]).toEqual([RDA, WRA]);
  });
});
