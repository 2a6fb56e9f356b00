import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimingState } from '../../src/dram/timing-state.ts';
import { ATTACC_DIR, loadAttAccDevice } from '../../src/pim/attacc-device.ts';
import { AttAccOp } from '../../src/pim/attacc-stream.ts';
import { attaccStream, attaccTrace } from '../../src/validation/attacc-trace.ts';
import { AttAccChannel, runAttAccChannel, runAttAccStack } from '../../src/pim/attacc-channel.ts';
import { errorOf } from '../helpers.ts';

describe('AttAcc devices', () => {
  it('load with AttAcc\'s MAC spacing, changed only by the power constraint', () => {
    // HBM3-PIM.cpp presets: nCCDAB = nCCDSB = 4 without the power constraint (_NPC), 6 with it; MACPB is spaced like reads.
    expect(loadAttAccDevice('attacc-bank').standard.timing.tCCDAB).toBe(4);
    expect(loadAttAccDevice('attacc-bank', { powerConstraint: true }).standard.timing.tCCDAB).toBe(6);
    expect(loadAttAccDevice('attacc-bank-group').standard.timing.tCCDSB).toBe(4);
    expect(loadAttAccDevice('attacc-bank-group', { powerConstraint: true }).standard.timing.tCCDSB).toBe(6);
    const buffer = loadAttAccDevice('attacc-buffer', { powerConstraint: true });
    expect(buffer.standard.timing.tCCDAB).toBeUndefined();
    expect(buffer.requestBufferEntries).toBe(33); // Ramulator 2 ReqBuffer: max_size 32, accepts while size <= 32
    // The base HBM3 clock and timing (arch/dram/hbm3.json) are kept.
    expect(buffer.standard.tCKPs).toBe(769);
    expect([buffer.standard.timing.tRCDRD, buffer.standard.timing.tRFC, buffer.standard.timing.tREFI]).toEqual([19, 455, 5070]);
  });

  it('reject an unknown name and a power-constraint value for a parameter the device lacks, in one line', () => {
    expect(errorOf(() => loadAttAccDevice('attacc-bnak'))).toBe("unknown AttAcc device 'attacc-bnak' (known: attacc-bank, attacc-bank-group, attacc-buffer)");
    const dir = mkdtempSync(join(tmpdir(), 'attacc-'));
    try {
      const j = JSON.parse(readFileSync(join(ATTACC_DIR, 'attacc-buffer.json'), 'utf8'));
      j.powerConstraint.tCCDAB = 6;
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(j));
      expect(errorOf(() => loadAttAccDevice(file))).toBe(`${file}: field 'powerConstraint.tCCDAB': expected a timing parameter of this device's 'timing' section (tACTCMD), found 6`);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('AttAcc command stream (the trace generators\' counting rules)', () => {
  it('one round of 16 heads on bank-level PIM: MACs per head = ceil(L/16) x ceil(dhead/64), twice (score, context)', () => {
    // L 64, dhead 128, FP16 (16 MACs per command per bank, 4 banks per unit): 4 x 2 = 8 score and 8 context MACs per head.
    // WRGB: q of 128 x 2 B = 4 banks x 2 columns; MVSB: 8 (bank group x stack ID) after the scores, 8 per context
    // column; softmax once per head, MVGB 8 per head. The first generator repeats an odd last round's softmax and MVGB
    // once per score chunk plus once (ceil(64/256) + 1 = 2 times).
    const c = { L: 64, nhead: 16, dhead: 128, dbyte: 2 };
    expect(attaccStream('bank', c, { generator: 'v2' }).counts).toEqual({ mac: 256, softmax: 16, mvgb: 128, mvsb: 384, wrgb: 128 });
    expect(attaccStream('bank', c, { generator: 'v1' }).counts).toEqual({ mac: 256, softmax: 32, mvgb: 256, mvsb: 384, wrgb: 128 });
  });

  it('two rounds run as a pair: one extra MAC per channel opens the first row, and head 0\'s context lists run twice', () => {
    const c = { L: 64, nhead: 32, dhead: 128, dbyte: 2 };
    // MAC: 2 heads' scores (2 x 128) + 16 + head 0's context twice (2 x 128) = 528; MVSB 128 + 128 + 2 x 256 = 768.
    expect(attaccStream('bank', c).counts).toEqual({ mac: 528, softmax: 32, mvgb: 256, mvsb: 768, wrgb: 256 });
    const s = attaccStream('bank', c);
    const ops = Array.from(s.op);
    expect(ops.filter((o) => o === AttAccOp.Mac).length).toBe(528 / 16);
    // Legacy channel 0's first requests: its 8 WRGB of head 0 (4 banks x 2 columns of q), the extra MAC, then a barrier.
    expect(ops.slice(0, 10)).toEqual([...Array(8).fill(AttAccOp.Wrgb), AttAccOp.Mac, AttAccOp.Barrier]);
  });

  it('pads dhead to whole MAC commands: 160 x 1 B on bank groups is ceil(160/32) = 5 MACSB per key', () => {
    const c = { L: 32, nhead: 16, dhead: 160, dbyte: 1 };
    // Score: ceil(32/16) = 2 outputs per bank group x 5; context: 5 x 2; 16 heads.
    expect(attaccStream('bank-group', c).counts.mac).toBe(16 * (2 * 5 + 5 * 2));
  });

  it('refuses a case AttAcc\'s layout cannot hold, naming the field', () => {
    expect(errorOf(() => attaccStream('bank', { L: 5000, nhead: 1, dhead: 128, dbyte: 2 }))).toBe("AttAcc case: L must be at most 4096 (AttAcc's trace layout reserves rows for L <= 4096), got 5000");
    expect(errorOf(() => attaccStream('bank', { L: 64, nhead: 1, dhead: 128, dbyte: 3 }))).toBe('AttAcc case: dbyte must divide the 32 B access (1, 2, 4, 8, 16 or 32), got 3');
    expect(errorOf(() => attaccStream('bank', { L: 64, nhead: 0, dhead: 128, dbyte: 2 }))).toBe('AttAcc case: nhead must be a whole number >= 1, got 0');
  });
});

/** The cycles at which each command of a one-channel run issued, by command name. */
function issueLog(placement: 'bank' | 'bank-group' | 'buffer-die', name: string, c: { L: number; nhead: number; dhead: number; dbyte: number }, powerConstraint = false) {
  const dev = loadAttAccDevice(name, { powerConstraint });
  const s = attaccStream(placement, c);
  const ch = new AttAccChannel(dev, s);
  const log: { cycle: number; cmd: string }[] = [];
  ch.onIssue = (cycle, cmd) => log.push({ cycle, cmd: dev.standard.commandNames[cmd]! });
  for (let i = 0; ; i++) {
    while (!ch.full && ch.next < s.length) ch.push();
    if (ch.next >= s.length && ch.idle) break;
    ch.tick(i + 1);
  }
  return { log, cycles: ch.lastIssue };
}

describe('AttAcc channel: commands through the HBM3 timing engine', () => {
  it('spaces all-bank MACs of one row by nCCDAB (4, or 6 under the power constraint) and opens the row tRCD before them', () => {
    for (const [pc, gap] of [[false, 4], [true, 6]] as const) {
      const { log } = issueLog('bank', 'attacc-bank', { L: 256, nhead: 16, dhead: 128, dbyte: 2 }, pc);
      const macs = log.filter((x) => x.cmd === 'MACAB').map((x) => x.cycle);
      // Every activation is followed by its first MAC tRCDRD = 19 later at the earliest (activations issue early,
      // past barriers, so the MACs often wait longer).
      const waits = log.filter((x) => x.cmd === 'ACTAB').map((a) => macs.find((m) => m > a.cycle)! - a.cycle);
      expect(Math.min(...waits)).toBeGreaterThanOrEqual(19);
      const dev = loadAttAccDevice('attacc-bank', { powerConstraint: pc });
      const ts = new TimingState(dev.standard);
      ts.issue(dev.commands.act, 100, 0, 0, 0);
      expect(ts.earliestCycle(dev.commands.mac, 0, 0, 0)).toBe(119);
      ts.issue(dev.commands.mac, 119, 0, 0, 0);
      expect(ts.earliestCycle(dev.commands.mac, 1, 3, 3)).toBe(119 + gap); // all-bank: every bank of the pseudo-channel waits
      expect(ts.earliestCycle(dev.commands.prea, 0, 0, 0)).toBe(145); // tRAS 45 after the activation > tRTP 8 after the MAC
      // The 16 score outputs x 2 commands of the first head fill one row (32 columns), back to back.
      const gaps = macs.slice(1, 32).map((m, i) => m - macs[i]!);
      expect(gaps).toEqual(Array(31).fill(gap));
      // A precharge follows the row's last MAC by tRTP = 8 at the earliest.
      const pre = log.find((x) => x.cmd === 'PREA' && x.cycle > macs[31]!)!.cycle;
      expect(pre - macs[31]!).toBeGreaterThanOrEqual(8);
    }
  });

  it('issues per-bank MACs every nBL = 2 across bank groups (the external bandwidth)', () => {
    const { log } = issueLog('buffer-die', 'attacc-buffer', { L: 256, nhead: 16, dhead: 128, dbyte: 2 });
    const macs = log.filter((x) => x.cmd === 'MACPB').map((x) => x.cycle);
    const gaps = macs.slice(1).map((m, i) => m - macs[i]!);
    const two = gaps.filter((g) => g === 2).length;
    expect(Math.min(...gaps)).toBe(2);
    expect(two / gaps.length).toBeGreaterThan(0.8);
  });

  it('refreshes both pseudo-channels every tREFI = 5070 cycles and loses about tRFC of MAC time to each', () => {
    const c = { L: 2048, nhead: 16, dhead: 128, dbyte: 2 };
    const on = runAttAccChannel(loadAttAccDevice('attacc-bank-group'), attaccStream('bank-group', c));
    expect(on.issued.REF).toBe(2 * Math.floor(on.cycles / 5070));
  });

  it('running all 16 legacy channels behind the stalling front end gives legacy channel 0\'s cycles to 0.1 %', () => {
    for (const [placement, name] of [['bank', 'attacc-bank'], ['bank-group', 'attacc-bank-group'], ['buffer-die', 'attacc-buffer']] as const) {
      const c = { L: 300, nhead: 40, dhead: 128, dbyte: 2 }; // 3 rounds, the last with 8 heads: channels differ
      const t = attaccTrace(placement, c);
      const dev = loadAttAccDevice(name);
      const one = runAttAccChannel(dev, t.streams[0]!).cycles;
      const all = runAttAccStack(dev, t).cycles;
      expect(Math.abs(all - one) / one).toBeLessThan(0.001);
    }
  });
});
