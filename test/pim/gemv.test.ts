import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPimSpec, PIM_DIR } from '../../src/pim/pim-spec.ts';
import { planPimGemv, runPimGemv } from '../../src/systems/pim-gpt/gemv.ts';
import { checkProtocol } from '../../src/dram/protocol-checker.ts';
import { logEntries, type LoggedCommand } from '../../src/dram/command-log.ts';
import { generatePattern } from '../../src/dram/patterns.ts';
import { runDram } from '../../src/dram/run.ts';
import { bytesPerRequest } from '../../src/dram/standard.ts';
import { dramReport } from '../../src/report/dram-report.ts';
import { errorOf } from '../helpers.ts';

const aim = loadPimSpec('aim');

describe('AiM PIM spec', () => {
  it('adds its commands to the GDDR6 vocabulary after the JEDEC ones, with its constraint table', () => {
    expect(aim.standard.commandNames.slice(9)).toEqual(['ACT16', 'MAC16', 'WRGB', 'RDMAC16', 'AF16']);
    expect(aim.standard.organization.channels).toBe(32);
    const text = aim.standard.rules.map((r) => r.text);
    expect(text).toContain('ACT16 -> MAC16 (same rank): tRCDMAC = 56');
    expect(aim.standard.windows.map((w) => w.text)).toContain('1 x ACT16 per tPL = 42 (rank)');
  });

  function variant(edit: (j: Record<string, any>) => void): string {
    const j = JSON.parse(readFileSync(join(PIM_DIR, 'aim.json'), 'utf8'));
    edit(j);
    const f = join(mkdtempSync(join(tmpdir(), 'strata-pim-')), 'pim.json');
    writeFileSync(f, JSON.stringify(j));
    return f;
  }

  it('rejects a spec whose base standard does not exist, naming the field', () => {
    const f = variant((j) => (j.base = 'gddr9'));
    expect(errorOf(() => loadPimSpec(f))).toBe(`${f}: field 'base': no DRAM standard named 'gddr9' in arch/dram`);
  });

  it('rejects a PIM timing parameter that redefines one of the base standard', () => {
    const f = variant((j) => (j.timing.tRP = 10));
    expect(errorOf(() => loadPimSpec(f))).toMatch(/field 'timing.tRP': expected a new timing parameter \(the base 'gddr6' defines tRP already\)/);
  });

  it('rejects a rule naming an unknown command', () => {
    const f = variant((j) => (j.rules.rules[0].next = 'MAC32'));
    expect(errorOf(() => loadPimSpec(f))).toMatch(/field 'rules\[\d\]\.rules\[0\]\.next': expected a command name \(ACT, .*MAC16.*\), found "MAC32"/);
  });

  it('rejects a bad command scope', () => {
    const f = variant((j) => (j.commands[0].scope = 'everywhere'));
    expect(errorOf(() => loadPimSpec(f))).toMatch(/field 'commands\[0\]\.scope': expected one of bank, all-banks, channel/);
  });
});

describe('GEMV in in-bank PIM', () => {
  it('plans a 4096 x 4096 GEMV over every channel and bank', () => {
    const p = planPimGemv(aim, 4096, 4096);
    // 2 KB rows hold 1024 BF16 elements: each output row spans 4096 / 1024 = 4 DRAM rows.
    expect(p.segmentsPerOutput).toBe(4);
    // 4096 outputs over 32 channels x 16 banks = 8 output rows per bank.
    expect(p.rowsPerBank).toBe(8);
    const count = (name: string) => p.programs[0]!.filter((s) => s.cmd === aim.standard.commandNames.indexOf(name)).reduce((a, s) => a + s.count, 0);
    // Per channel: 8 rows x 4 segments = 32 activations; 32 x 1024 / 16 lanes = 2048 MACs; 4 segments x 2 KB / 32 B = 256 GB writes.
    expect(count('ACT16')).toBe(32);
    expect(count('MAC16')).toBe(2048);
    expect(count('WRGB')).toBe(256);
    expect(count('RDMAC16')).toBe(32);
  });

  const run = runPimGemv(aim, 4096, 4096, { commandLog: true });

  it('never exceeds the analytical MAC peak of the banks', () => {
    // Peak: 32 channels x 16 banks x 16 lanes per 1 ns processing-unit cycle = 8192 MACs/ns.
    expect(run.peakMacsPerNs).toBe(8192);
    expect(run.macsPerNs).toBeLessThanOrEqual(run.peakMacsPerNs);
    // 4096^2 MACs at the peak take 2048 ns; activations, precharges and buffer writes come on top.
    expect(run.timeNs).toBeGreaterThan(2048);
  });

  it('beats streaming the same matrix through the memory controller by at least 2x (PIMSimulator bar)', () => {
    const std = aim.standard;
    const bytes = 4096 * 4096 * 2;
    const trace = generatePattern({ pattern: 'stream', requests: bytes / bytesPerRequest(std), seed: 'gemv', requestBytes: bytesPerRequest(std), capacityBytes: 2 ** 34 });
    const streamed = dramReport(runDram({ standard: std, trace }));
    // The stream cannot beat the pins: 32 MB at 32 channels x 32 GB/s = 1.024 TB/s takes at least 32.8 us.
    expect(streamed.window.timeNs).toBeGreaterThan(32_768);
    expect(streamed.window.timeNs / run.timeNs).toBeGreaterThanOrEqual(2);
  });

  it('every command it issued passes the protocol checker', () => {
    const log = logEntries(run.logs, aim.standard.commandNames);
    // 32 channels x (32 ACT16 + 2048 MAC16 + 256 WRGB + 32 RDMAC16 + 32 PREA) + 1 REF per channel: 7,774 cycles hold
    // two tREFI of 3,800, but the second refresh falls due after the last row activation (refresh waits for one).
    expect(run.cycles).toBe(7774);
    expect(log.length).toBe(32 * (32 + 2048 + 256 + 32 + 32) + 32);
    expect(checkProtocol(aim.standard, log, { endCycle: run.cycles })).toEqual([]);
  });
});

describe('the checker on PIM commands', () => {
  const std = aim.standard;
  const cmd = (cycle: number, command: string, row = 7): LoggedCommand => ({ cycle, channel: 0, command, rank: 0, bankGroup: 0, bank: 0, row, column: -1 });
  const rules = (log: LoggedCommand[]) => checkProtocol(std, log).map((v) => v.rule);

  it('accepts a row worked at the minimum distances', () => {
    // ACT16 -> MAC16 tRCDMAC = 56; MAC16 -> MAC16 tMAC = 2; MAC16 -> RDMAC16 tMACRD = 8; ACT16 -> PREA tRAS = 54, MAC16 -> PREA tRTP = 12.
    expect(rules([cmd(0, 'ACT16'), cmd(56, 'MAC16'), cmd(58, 'MAC16'), cmd(66, 'RDMAC16'), cmd(70, 'PREA')])).toEqual([]);
  });

  it('catches a MAC16 one cycle inside tRCDMAC', () => {
    expect(rules([cmd(0, 'ACT16'), cmd(55, 'MAC16')])).toEqual(['pim-timing']);
  });

  it('catches an activation function issued before its lookup-table row is ready (tRCDAF = 86)', () => {
    expect(rules([cmd(0, 'ACT16'), cmd(86, 'AF16')])).toEqual([]);
    expect(rules([cmd(0, 'ACT16'), cmd(85, 'AF16')])).toEqual(['pim-timing']);
  });

  it('catches MAC16s closer than tMAC', () => {
    expect(rules([cmd(0, 'ACT16'), cmd(56, 'MAC16'), cmd(57, 'MAC16')])).toEqual(['pim-timing']);
  });

  it('catches an all-bank MAC on a row that is not open', () => {
    expect(rules([cmd(0, 'ACT16', 7), cmd(56, 'MAC16', 8)])).toEqual(['pim-state']);
    expect(rules([cmd(56, 'MAC16', 8)])).toEqual(['pim-state']);
  });

  it('catches an all-bank activation while rows are open', () => {
    // tRC = 89 is respected; the banks were never precharged.
    expect(rules([cmd(0, 'ACT16', 7), cmd(100, 'ACT16', 8)])).toEqual(['pim-state']);
  });

  it('catches two commands in one cycle (GDDR6 has one command bus)', () => {
    expect(rules([cmd(0, 'WRGB'), cmd(0, 'ACT16')])).toContain('command-bus');
  });

  it('catches an all-bank activation inside the power-limit window', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'strata-pim-')), 'pim.json');
    const j = JSON.parse(readFileSync(join(PIM_DIR, 'aim.json'), 'utf8'));
    j.timing.tPL = 200;
    writeFileSync(f, JSON.stringify(j));
    const wide = loadPimSpec(f).standard;
    // ACT16 at 0, PREA at 60 (tRAS 54), ACT16 at 150: tRC 89 and tRP 32 are met, tPL = 200 is not.
    const log = [cmd(0, 'ACT16', 7), cmd(60, 'PREA'), cmd(150, 'ACT16', 8)];
    expect(checkProtocol(wide, log).map((v) => v.rule)).toEqual(['pim-window']);
  });

  it('the controller on the PIM standard still issues only legal JEDEC traffic', () => {
    const trace = generatePattern({ pattern: 'random', requests: 3000, seed: 'pim', requestBytes: bytesPerRequest(std), capacityBytes: 2 ** 34 });
    const r = runDram({ standard: std, trace, commandLog: true });
    expect(checkProtocol(std, logEntries(r.logs, std.commandNames))).toEqual([]);
  });
});
