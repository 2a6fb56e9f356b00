import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Bank } from '../../src/dram/bank.ts';
import { PREA, REF } from '../../src/dram/commands.ts';
import { CommandLog, logEntries } from '../../src/dram/command-log.ts';
import { Refresh } from '../../src/dram/controller/refresh.ts';
import { TimingState } from '../../src/dram/timing-state.ts';
import { PimChannelSequencer, type PimStep } from '../../src/pim/pim-channel.ts';
import { ProgramMemo } from '../../src/pim/program-memo.ts';
import { loadPimSpec } from '../../src/pim/pim-spec.ts';
import { errorOf } from '../helpers.ts';

// The PIM-GPT channel sequencer refreshes through the DRAM controller's Refresh part (issue #15 item 3). These
// tests pin the schedule it had as its own code: one all-bank REF per tREFI (the k-th due at k x tREFI), issued
// before the first row activation whose cursor has reached the due cycle, or, when it falls due while the channel
// waits for a job's input, at max(cursor, due) or as soon as the timing table allows.

const aim = loadPimSpec('aim');
const std = aim.standard;
const id = (name: string) => std.commandNames.indexOf(name);
const [ACT16, MAC16, WRGB, RDMAC16] = ['ACT16', 'MAC16', 'WRGB', 'RDMAC16'].map(id) as [number, number, number, number];
const tREFI = std.timing.tREFI!;

/** The schedule written out on a bare TimingState, independently of Refresh: the REF cycles of a job sequence. */
function expectedRefreshes(jobs: readonly (readonly [readonly PimStep[], number])[]): number[] {
  const t = new TimingState(std);
  let cursor = 0;
  let due = tREFI;
  const refs: number[] = [];
  const issue = (cmd: number): void => {
    const c = Math.max(cursor, t.earliestCycle(cmd, 0, 0, 0));
    t.issue(cmd, c, 0, 0, 0);
    if (cmd === REF) refs.push(c);
    cursor = c + 1;
  };
  for (const [program, input] of jobs) {
    while (due <= Math.max(cursor, input)) {
      cursor = Math.max(cursor, due);
      issue(REF);
      due += tREFI;
    }
    const w = Math.max(0, program.findIndex((s) => s.cmd === WRGB));
    program.forEach((step, s) => {
      if (s === w) cursor = Math.max(cursor, input);
      if (step.cmd === ACT16 && cursor >= due) {
        issue(REF);
        due += tREFI;
      }
      for (let i = 0; i < step.count; i++) issue(step.cmd);
    });
  }
  return refs;
}

/** GEMV-like row blocks: ACT16, global-buffer writes, MAC16 runs each read out, PREA. */
const programArb = fc.array(fc.record({ wrgb: fc.integer({ min: 1, max: 70 }), macs: fc.integer({ min: 1, max: 300 }) }), { minLength: 1, maxLength: 10 }).map((blocks) => {
  const p: PimStep[] = [];
  blocks.forEach((b, r) => {
    p.push({ cmd: ACT16, row: r, count: 1 }, { cmd: WRGB, row: -1, count: b.wrgb }, { cmd: MAC16, row: r, count: b.macs }, { cmd: RDMAC16, row: -1, count: 1 }, { cmd: PREA, row: -1, count: 1 });
  });
  return p;
});

describe('PIM-GPT channel refresh (the controller\'s Refresh part)', () => {
  it('issues one REF per tREFI, before the first row activation due or while waiting for input, with and without the program memo', () => {
    fc.assert(fc.property(fc.array(fc.tuple(programArb, fc.integer({ min: 0, max: 9000 })), { minLength: 1, maxLength: 6 }), (gaps) => {
      const log = new CommandLog(0);
      const full = new PimChannelSequencer(std, { log });
      const fast = new PimChannelSequencer(std, { memo: new ProgramMemo(std) });
      const jobs: [readonly PimStep[], number][] = [];
      let input = 0;
      let refsInJobs = 0;
      for (const [program, gap] of gaps) {
        input = Math.max(full.cursor, input) + gap;
        jobs.push([program, input]);
        const a = full.runJob(program, input);
        expect(fast.runJob(program, input)).toEqual(a);
        refsInJobs += a.commandCounts[REF]!;
      }
      const refs = logEntries([log], std.commandNames).filter((e) => e.command === 'REF').map((e) => e.cycle);
      expect(refs).toEqual(expectedRefreshes(jobs));
      expect(refs.length).toBe(refsInJobs + full.idleRefreshes);
      expect(fast.idleRefreshes).toBe(full.idleRefreshes);
      // The k-th refresh never issues before it falls due.
      refs.forEach((c, k) => expect(c).toBeGreaterThanOrEqual((k + 1) * tREFI));
    }), { numRuns: 40 });
  });

  it('a refresh that falls due mid-job waits for the next row activation', () => {
    // One row of 2,000 MACs (about 4,000 cycles, past tREFI = 3,800), then a second row: the REF goes between them.
    const row = (r: number): PimStep[] => [{ cmd: ACT16, row: r, count: 1 }, { cmd: MAC16, row: r, count: 2000 }, { cmd: RDMAC16, row: -1, count: 1 }, { cmd: PREA, row: -1, count: 1 }];
    const log = new CommandLog(0);
    const job = new PimChannelSequencer(std, { log }).runJob([...row(0), ...row(1)], 0);
    const cmds = logEntries([log], std.commandNames).map((e) => e.command);
    const at = cmds.indexOf('REF');
    expect(cmds[at - 1]).toBe('PREA');
    expect(cmds[at + 1]).toBe('ACT16');
    expect(cmds.indexOf('ACT16', 1)).toBe(at + 1);
    expect(job.commandCounts[REF]).toBe(1);
  });

  it('copies the refresh schedule with the rest of a channel\'s state', () => {
    const program: PimStep[] = [{ cmd: ACT16, row: 0, count: 1 }, { cmd: MAC16, row: 0, count: 1000 }, { cmd: RDMAC16, row: -1, count: 1 }, { cmd: PREA, row: -1, count: 1 }];
    const a = new PimChannelSequencer(std, { memo: new ProgramMemo(std) });
    for (let i = 0; i < 3; i++) a.runJob(program, a.cursor + 500); // one refresh issued, the next due at 2 x tREFI
    const b = new PimChannelSequencer(std, { memo: new ProgramMemo(std) });
    const idleBefore = a.idleRefreshes;
    b.copyStateFrom(a, 0);
    expect(b.stateKey()).toBe(a.stateKey());
    const input = a.cursor + 2000;
    expect(b.runJob(program, input)).toEqual(a.runJob(program, input));
    expect(b.idleRefreshes).toBe(a.idleRefreshes - idleBefore);
    // A channel at the same cursor that did not copy the schedule still owes every refresh since cycle 0 and
    // issues them all while it waits (so the comparisons above can fail).
    const fresh = new PimChannelSequencer(std, { memo: new ProgramMemo(std) });
    fresh.cursor = b.cursor;
    expect(fresh.stateKey()).not.toBe(b.stateKey());
    fresh.runJob(program, input + 4000);
    b.runJob(program, input + 4000);
    expect(fresh.idleRefreshes).toBeGreaterThan(b.idleRefreshes);
  });

  it('Refresh.copyFrom takes over due cycles and the pending refresh', () => {
    const banks = Array.from({ length: 16 }, (_, i) => new Bank(0, i >> 2, i & 3, i, i >> 2));
    const none = { bankChanged: (): void => {} };
    const opts = { simultaneous: true, closeWithPrea: true };
    const a = new Refresh(std, 'all-bank', banks, new TimingState(std), none, opts);
    a.update(tREFI);
    a.issued(REF, banks[0]!);
    a.update(2 * tREFI + 5);
    const b = new Refresh(std, 'all-bank', banks, new TimingState(std), none, opts);
    expect(b.firstDueCycle()).toBe(tREFI);
    b.copyFrom(a);
    expect([b.firstDueCycle(), b.pendingCount, b.pending[0]]).toEqual([2 * tREFI, 1, 1]);
  });

  it('rejects a PIM standard with more than one rank, in one line', () => {
    const twoRanks = { ...std, organization: { ...std.organization, ranks: 2 } };
    expect(errorOf(() => new PimChannelSequencer(twoRanks))).toBe(`${std.name}: organization.ranks is 2; a PIM-GPT channel program addresses one rank (expected 1)`);
  });
});
