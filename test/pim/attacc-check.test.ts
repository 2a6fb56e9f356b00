import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProtocol } from '../../src/dram/protocol-checker.ts';
import type { LoggedCommand } from '../../src/dram/command-log.ts';
import { ATTACC_DIR, loadAttAccDevice, type AttAccPlacement } from '../../src/pim/attacc-device.ts';
import { attaccStream, attaccTrace } from '../../src/validation/attacc-trace.ts';
import { runAttAccChannel, runAttAccStack } from '../../src/pim/attacc-channel.ts';
import { checkAttAccRun } from '../../src/pim/attacc-check.ts';
import { checkFailureLine } from '../../src/cli/check.ts';
import { ATTACC_SAMPLE } from '../../src/validation/attacc.ts';
import { errorOf, runMain } from '../helpers.ts';

// Issue #18 item 2 for AttAcc: its channel records a command log on request, and the independent protocol checker
// replays it (`strata validate attacc --check`, `strata validate check`).

const PLACEMENTS: ReadonlyArray<readonly [AttAccPlacement, string]> = [['bank', 'attacc-bank'], ['bank-group', 'attacc-bank-group'], ['buffer-die', 'attacc-buffer']];
/** A case per placement long enough for several refreshes of both pseudo-channels (tREFI 5,070 cycles): 17,000 to 24,000 cycles. */
const CASES: Readonly<Record<AttAccPlacement, { L: number; nhead: number; dhead: number; dbyte: number }>> = {
  bank: { L: 4096, nhead: 64, dhead: 128, dbyte: 2 },
  'bank-group': { L: 2048, nhead: 32, dhead: 128, dbyte: 2 },
  'buffer-die': { L: 512, nhead: 24, dhead: 128, dbyte: 2 },
};

describe('AttAcc command log', () => {
  it('changes no result: cycles, front-end cycles and command counts are those of the run without it', () => {
    for (const [placement, name] of PLACEMENTS) {
      const dev = loadAttAccDevice(name);
      const s = attaccStream(placement, CASES[placement]);
      const off = runAttAccChannel(dev, s);
      const on = runAttAccChannel(dev, s, { commandLog: true });
      expect(off.logs).toEqual([]);
      expect({ ...on, logs: [] }).toEqual(off);
      // Every command counted is in the log (pseudo-channel 1's refreshes in its own log).
      const logged = on.logs.reduce((n, l) => n + l.length, 0);
      expect(logged).toBe(Object.values(on.issued).reduce((a, b) => a + b, 0));
      expect(on.logs.map((l) => l.channel)).toEqual([0, 1]);
    }
  });

  it('replays through the protocol checker with no violation on every placement, refreshes included, with and without the power constraint', () => {
    for (const [placement, name] of PLACEMENTS) {
      for (const powerConstraint of [false, true]) {
        const dev = loadAttAccDevice(name, { powerConstraint });
        const run = runAttAccChannel(dev, attaccStream(placement, CASES[placement]), { commandLog: true });
        const c = checkAttAccRun(dev, run, { stack: false, refresh: true, maxViolations: 10 });
        expect(run.cycles, name).toBeGreaterThan(3 * 5070);
        expect(c.entries.filter((e) => e.command === 'REF').length, name).toBeGreaterThanOrEqual(6);
        expect(c.violations, name).toEqual([]);
      }
    }
  });

  it('a whole stack: every pseudo-channel of the 16 legacy channels is logged (lockstep channels as copies) and replays clean', () => {
    const c = { L: 300, nhead: 40, dhead: 128, dbyte: 2 }; // 3 rounds, the last with 8 heads: channels differ
    const dev = loadAttAccDevice('attacc-bank-group');
    const run = runAttAccStack(dev, attaccTrace('bank-group', c), { commandLog: true });
    expect(run.logs.map((l) => l.channel)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(run.cycles).toBe(runAttAccStack(dev, attaccTrace('bank-group', c)).cycles);
    expect(checkAttAccRun(dev, run, { stack: true, refresh: true, maxViolations: 10 }).violations).toEqual([]);
  });

  it('a tampered log fails in one line naming the command, its cycle and the rule', () => {
    const dev = loadAttAccDevice('attacc-bank');
    const run = runAttAccChannel(dev, attaccStream('bank', CASES.bank), { commandLog: true });
    const c = checkAttAccRun(dev, run, { stack: false, refresh: true, maxViolations: 100 });
    const entries: LoggedCommand[] = c.entries.map((e) => ({ ...e }));
    // Move a MAC one cycle closer to the MAC before it, issued nCCDAB = 4 earlier: the spacing is broken.
    const macs = entries.filter((e) => e.command === 'MACAB');
    const k = macs.findIndex((m, i) => i > 0 && m.cycle - macs[i - 1]!.cycle === 4);
    const first = macs[k - 1]!;
    const second = macs[k]!;
    second.cycle -= 1;
    const v = checkProtocol(c.standard, entries, { endCycle: run.cycles, refresh: 'all-bank', rankWideCommandsSpanChannel: true });
    expect(v[0]).toMatchObject({ command: 'MACAB', cycle: second.cycle, rule: 'pim-timing' });
    const line = checkFailureLine('validate attacc', v, entries.length);
    expect(line).not.toContain('\n');
    expect(line).toContain(`the first: MACAB at cycle ${second.cycle} on channel 0 breaks pim-timing: ch0 r0 cycle ${second.cycle}: MACAB 3 cycles after MACAB at ${first.cycle}, needs MACAB -> MACAB (same channel): tCCDAB = 4`);
    // The precharge before a refresh dropped: the refresh finds a row open.
    const ch0 = c.entries.filter((e) => e.channel === 0);
    const r = ch0.findIndex((e, i) => e.command === 'REF' && ch0[i - 1]?.command === 'PREA');
    const noPre = c.entries.filter((e) => e !== ch0[r - 1]);
    expect(checkProtocol(c.standard, noPre, { endCycle: run.cycles, refresh: 'all-bank', rankWideCommandsSpanChannel: true })[0]).toMatchObject({ channel: 0, command: 'REF', cycle: ch0[r]!.cycle, rule: 'pim-state' });
  });
});

describe('What the checker had to learn of AttAcc (each failed before)', () => {
  it('PREA and REF cover both stack IDs (HBM3-PIM.cpp scopes them "channel"); by JEDEC reading, one rank only', () => {
    const dev = loadAttAccDevice('attacc-bank').standard;
    const std = { ...dev, organization: { ...dev.organization, channels: 1 } };
    const cmd = (cycle: number, command: string, rank = 0, row = 0): LoggedCommand => ({ cycle, channel: 0, command, rank, bankGroup: 0, bank: 0, row, column: -1 });
    // ACTAB opens row 0 in every bank of both stack IDs; the PREA (named on stack ID 0) closes them all; a new ACTAB.
    const log = [cmd(0, 'ACTAB'), cmd(19, 'MACAB'), cmd(100, 'PREA'), cmd(200, 'ACTAB', 0, 1)];
    expect(checkProtocol(std, log, { rankWideCommandsSpanChannel: true })).toEqual([]);
    expect(checkProtocol(std, log).map((v) => v.rule)).toEqual(['pim-state']);
    // A REF on stack ID 0 refreshes stack ID 1 too: no refresh-interval violation for rank 1.
    const refs = Array.from({ length: 12 }, (_, i) => cmd(i * 5070, 'REF'));
    expect(checkProtocol(std, refs, { endCycle: 12 * 5070, refresh: 'all-bank', rankWideCommandsSpanChannel: true })).toEqual([]);
    expect(checkProtocol(std, refs, { endCycle: 12 * 5070, refresh: 'all-bank' }).map((v) => v.rule)).toContain('refresh-interval');
  });

  it('a device whose SFM claims the whole channel but whose rules act per bank group is refused when it loads, in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attacc-scope-'));
    try {
      const j = JSON.parse(readFileSync(join(ATTACC_DIR, 'attacc-bank.json'), 'utf8'));
      j.commands.find((c: { name: string }) => c.name === 'SFM').scope = 'channel';
      const file = join(dir, 'sfm.json');
      writeFileSync(file, JSON.stringify(j));
      expect(errorOf(() => loadAttAccDevice(file))).toBe(`${file}: rule WRGB -> SFM (same rank): tCCD_S = 2: SFM acts on scope 'channel', so its rules must act at level channel or broader (channel), found rank`);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('strata validate attacc --check', () => {
  const present = existsSync(ATTACC_SAMPLE);
  it.skipIf(!present)('replays a row of AttAcc\'s sample (../shared/reference/attacc) with no violation; without --check the output is unchanged', () => {
    const lines = readFileSync(ATTACC_SAMPLE, 'utf8').split('\n');
    const dir = mkdtempSync(join(tmpdir(), 'attacc-rows-'));
    try {
      const file = join(dir, 'rows.csv');
      // The header and the first bank-level row (written at test time from the shared file, never committed).
      writeFileSync(file, `${lines[0]}\n${lines.find((l) => l.includes(',BA,'))}\n`);
      const plain = runMain(['validate', 'attacc', '--csv', file]);
      const checked = runMain(['validate', 'attacc', '--csv', file, '--check']);
      expect(checked.err).toBe('');
      expect(checked.code).toBe(plain.code);
      expect(checked.out.startsWith(plain.out)).toBe(true);
      expect(checked.out.slice(plain.out.length)).toMatch(/^\n+Protocol check: [1-9][\d,]* commands of 1 rows replayed by the independent checker, no violation\.\n?$/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  }, 60_000);
  if (!present) it.skip('needs ../shared/reference/attacc/ramulator-sample.csv (AttAcc\'s rows, kept outside the repository)', () => {});
});
