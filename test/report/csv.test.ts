import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { csvField, dramBandwidthCsv, dramBankStatesCsv, dramBanksCsv, dramChannelsCsv, dramCommandsCsv, dramEnergyCsv, reportCsvFiles, runOpsCsv, runStepsCsv, toCsv } from '../../src/report/csv.ts';
import { checkDramReport } from '../../src/report/dram-report-file.ts';
import { runReport, type RunReport } from '../../src/report/run-report.ts';
import { loadModel, parameterCount } from '../../src/compiler/model.ts';
import { decodeStep } from '../../src/compiler/step.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { memoryFootprint } from '../../src/compiler/footprint.ts';
import { loadDevice, runOpsOnDevice } from '../../src/systems/baseline/roofline.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURE = 'test/fixtures/reports/hbm2-mixed-2000.json';
/** `strata dram --spec hbm2 --pattern mixed --requests 2000 --seed fixture`: 8 channels x 16 banks. */
const dram = checkDramReport(FIXTURE, JSON.parse(readFileSync(join(ROOT, FIXTURE), 'utf8')));

/** A small RFC 4180 reader (quoted fields, doubled quotes, line breaks inside quotes) to read the exports back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  expect(field, 'text ends with a line break').toBe('');
  expect(row).toEqual([]);
  return rows;
}

/** gpt2-small decoding 2 tokens after a 100-token context (batch 2) on the A100 40 GB, every step's ops listed. */
function gpt2Run(seed = '0'): RunReport {
  const model = loadModel('gpt2-small');
  const device = loadDevice('gpu-a100-40gb');
  const steps = [decodeStep([99, 99]), decodeStep([100, 100])].map((step, i) => ({
    step, seed: i === 0 ? seed : `${seed}.${i}`, deviceId: 'gpu0',
    run: runOpsOnDevice(device, buildOpGraph(model, step, { seed }), model.precisionBytes),
  }));
  return runReport({
    device, requestedSystem: 'gpu-a100', model: { name: model.name, file: 'workloads/models/gpt2-small.json', parameters: parameterCount(model), precisionBytes: 2 },
    phase: 'decode', origin: 'test', seed, streams: [], footprint: memoryFootprint(model, steps[1]!.step), steps, timeline: 'all',
  });
}

describe('CSV cells and tables', () => {
  it('quotes commas, quotes, line breaks and edge spaces; leaves everything else alone', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('')).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004'); // shortest round-trip form: nothing lost
    expect(csvField(-3)).toBe('-3');
    expect(csvField(true)).toBe('true');
  });

  it('a table is a header line and one line per row, each ending in \\n', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y'], [null, 'z']])).toBe('a,b\n1,"x,y"\n,z\n');
    expect(toCsv(['a'], [])).toBe('a\n');
    expect(() => toCsv(['a', 'b'], [[1]])).toThrow(/internal invariant broken: CSV row of 1 cells under a header of 2/);
  });

  it('property: any strings read back unchanged', () => {
    fc.assert(fc.property(
      fc.array(fc.array(fc.string({ unit: 'binary' }), { minLength: 3, maxLength: 3 }), { maxLength: 8 }),
      (rows) => {
        const back = parseCsv(toCsv(['x', 'y', 'z'], rows));
        expect(back).toEqual([['x', 'y', 'z'], ...rows]);
      },
    ));
  });
});

describe('DRAM report exports (the fixture)', () => {
  it('commands.csv: one row per command kind, zeros included', () => {
    const rows = parseCsv(dramCommandsCsv(dram));
    expect(rows[0]).toEqual(['command', 'count']);
    expect(rows).toHaveLength(1 + 9);
    expect(rows.slice(1)).toEqual([['ACT', '1127'], ['PRE', '1034'], ['PREA', '0'], ['RD', '1322'], ['WR', '678'], ['RDA', '0'], ['WRA', '0'], ['REF', '0'], ['REFpb', '96']]);
  });

  it('energy.csv: one row per command class, IDD and path energy in pJ; the rows add up to the totals', () => {
    const rows = parseCsv(dramEnergyCsv(dram));
    expect(rows[0]).toEqual(['class', 'iddPj', 'pathPj']);
    expect(rows.map((r) => r[0])).toEqual(['class', 'activate', 'read', 'write', 'refresh', 'background', 'io']);
    // IDD: 1127 ACT x 828 pJ = 933 156; 1322 RD x 804 pJ = 1 062 888; 678 WR x 1068 pJ = 724 104 (hbm2, test/report/dram-report.test.ts)
    expect(rows[1]).toEqual(['activate', '933156', '1024443']);
    expect(rows[2]![1]).toBe(String(1322 * 804));
    expect(rows[3]![1]).toBe(String(678 * 1068));
    const sum = (col: number) => rows.slice(1).reduce((s, r) => s + Number(r[col]), 0);
    expect(sum(1)).toBeCloseTo(dram.energy.idd.total, 2);
    expect(sum(2)).toBeCloseTo(dram.energy.path.total, 2);
  });

  it('channels.csv: one row per channel with every command kind as a column (0 when not issued)', () => {
    const rows = parseCsv(dramChannelsCsv(dram));
    expect(rows[0]).toEqual(['channel', 'completed', 'bandwidthGBps', 'dataBusUtilisation', 'ACT', 'PRE', 'PREA', 'RD', 'WR', 'RDA', 'WRA', 'REF', 'REFpb']);
    expect(rows).toHaveLength(1 + 8);
    expect(rows[1]).toEqual(['0', '254', '10.109', '0.3159', '146', '134', '0', '168', '86', '0', '0', '0', '12']);
    // per-channel command columns add up to commands.csv
    for (const [i, name] of rows[0]!.slice(4).entries()) {
      expect(rows.slice(1).reduce((s, r) => s + Number(r[4 + i]), 0), name).toBe(dram.commands[name]);
    }
  });

  it('banks.csv: one row per bank, in channel, rank, bank group, bank order', () => {
    const rows = parseCsv(dramBanksCsv(dram));
    expect(rows[0]).toEqual(['channel', 'rank', 'bankGroup', 'bank', 'columnCommands', 'activeFraction']);
    expect(rows).toHaveLength(1 + 8 * 16); // 8 channels x 4 bank groups x 4 banks
    expect(rows[1]).toEqual(['0', '0', '0', '0', '41', '0.7189']);
    expect(rows[128]).toEqual(['7', '0', '3', '3', '6', '0.791']);
    // every column command is a bank's: RD + WR = 1322 + 678
    expect(rows.slice(1).reduce((s, r) => s + Number(r[4]), 0)).toBe(2000);
  });

  it('a standard that adds commands: its kinds follow the nine, in commands.csv and as channel columns', () => {
    const pim = structuredClone(dram);
    pim.commands.MAC16 = 32;
    pim.channels[2]!.commands.MAC16 = 32;
    expect(parseCsv(dramCommandsCsv(pim)).at(-1)).toEqual(['MAC16', '32']);
    const rows = parseCsv(dramChannelsCsv(pim));
    expect(rows[0]!.at(-1)).toBe('MAC16');
    expect(rows.slice(1).map((r) => r.at(-1))).toEqual(['0', '0', '32', '0', '0', '0', '0', '0']);
  });

  it('reportCsvFiles names the six files; a report without time series has the first four', () => {
    expect(reportCsvFiles(dram).map((f) => f.name)).toEqual(['commands.csv', 'energy.csv', 'channels.csv', 'banks.csv', 'bandwidth.csv', 'bank-states.csv']);
    const { bandwidthSeries: _s, bankStates: _b, ...old } = dram;
    expect(reportCsvFiles(old).map((f) => f.name)).toEqual(['commands.csv', 'energy.csv', 'channels.csv', 'banks.csv']);
  });

  it('bandwidth.csv: one row per epoch and channel; bytes add up to the requests completed, GB/s = bytes / epoch ns', () => {
    const rows = parseCsv(dramBandwidthCsv(dram));
    expect(rows[0]).toEqual(['epoch', 'channel', 'startCycle', 'endCycle', 'startNs', 'endNs', 'bytes', 'bandwidthGBps']);
    const s = dram.bandwidthSeries!;
    // 1,608 cycles in epochs of ceil(1608 / 100) = 17: 95 epochs, the last 1608 - 94 x 17 = 10 cycles long
    expect([s.epochCycles, s.epochs]).toEqual([17, 95]);
    expect(rows).toHaveLength(1 + 95 * 8);
    expect(rows.at(-1)!.slice(0, 6)).toEqual(['94', '7', '1598', '1608', '1598', '1608']);
    const bytes = rows.slice(1).reduce((a, r) => a + Number(r[6]), 0);
    expect(bytes).toBe(dram.requests.completed * dram.bandwidth.bytesPerRequest);
    for (const r of rows.slice(1)) expect(Number(r[7])).toBeCloseTo(Number(r[6]) / (Number(r[5]) - Number(r[4])), 3);
    // per channel, the series adds up to the channel's requests
    for (const c of dram.channels) {
      const sum = rows.slice(1).filter((r) => r[1] === String(c.channel)).reduce((a, r) => a + Number(r[6]), 0);
      expect(sum, `channel ${c.channel}`).toBe(c.completed * 64);
    }
  });

  it('bank-states.csv: one row per run of one state, covering the window for every bank', () => {
    const rows = parseCsv(dramBankStatesCsv(dram));
    expect(rows[0]).toEqual(['channel', 'rank', 'bankGroup', 'bank', 'fromCycle', 'toCycle', 'state']);
    const w = dram.bankStates!;
    expect(rows).toHaveLength(1 + w.banks.reduce((n, b) => n + b.runs.length, 0));
    const cycles = new Map<string, number>();
    for (const r of rows.slice(1)) {
      expect(['idle', 'active', 'reading', 'writing', 'refreshing']).toContain(r[6]);
      const key = r.slice(0, 4).join('.');
      cycles.set(key, (cycles.get(key) ?? 0) + Number(r[5]) - Number(r[4]));
    }
    expect(cycles.size).toBe(128);
    for (const [k, n] of cycles) expect(n, k).toBe(w.endCycle - w.startCycle);
  });
});

describe('run report exports', () => {
  const run = gpt2Run();

  it('steps.csv: one row per step', () => {
    const rows = parseCsv(runStepsCsv(run));
    expect(rows[0]).toEqual(['index', 'requests', 'newTokens', 'minContextLength', 'maxContextLength', 'seed', 'startNs', 'endNs', 'timeNs', 'ops', 'flops', 'bytes', 'computeBoundOps', 'memoryBoundOps', 'energyJ']);
    expect(rows).toHaveLength(1 + 2);
    const [s0, s1] = [rows[1]!, rows[2]!];
    expect(s0.slice(0, 6)).toEqual(['0', '2', '2', '99', '99', '0']); // batch 2: 2 new tokens, 99 cached each
    expect(s1.slice(0, 6)).toEqual(['1', '2', '2', '100', '100', '0.1']);
    expect(Number(s1[6])).toBe(Number(s0[7])); // step 1 starts when step 0 ends
    // gpt2-small: embedding + 12 layers x (12 ops + 3 more for the second request's attention score, softmax and
    // context) + final norm + LM head = 1 + 12 x 15 + 2
    expect(s0[9]).toBe('183');
    expect(Number(s0[8])).toBe(run.steps[0]!.timeNs);
  });

  it('ops.csv: one row per op of the timeline, with device, times, bound, FLOPs and bytes', () => {
    const rows = parseCsv(runOpsCsv(run));
    expect(rows[0]).toEqual(['step', 'op', 'kind', 'device', 'startNs', 'endNs', 'computeNs', 'memoryNs', 'launchNs', 'bound', 'flops', 'bytes']);
    expect(rows).toHaveLength(1 + 2 * 183); // --timeline all: both steps
    const [step, op, kind, device, start, end, compute, memory, launch, bound, flops, bytes] = rows[1]!;
    expect([step, op, kind, device, bound]).toEqual(['0', 'embedding', 'embedding', 'gpu0', 'memory']);
    // 2 requests: each reads a token row and a position row of 768 fp16 values and writes one: 2 x 3 x 768 x 2 B
    expect(Number(bytes)).toBe(2 * 3 * 768 * 2);
    expect(Number(flops)).toBe(2 * 768); // the position add, one FLOP per element
    // a learned-position embedding is 2 kernels (gather, add), each moving the rows:
    // memory time 2 x 9216 B / (1555 GB/s x 0.958) = 12.373 ns, in whole ps rounded up
    expect(Number(memory)).toBe(Math.ceil(((2 * 9216) / (1555 * 0.958)) * 1000) / 1000);
    expect(Number(launch)).toBe(7000); // 2 kernels of the A100 preset's 3.5 us kernel floor
    expect(Number(start)).toBe(0);
    expect(Number(end)).toBe(Number(launch) + Math.max(Number(compute), Number(memory)));
    expect(rows[184]![0]).toBe('1'); // step 1's first op follows step 0's 183
    expect(rows[183]![0]).toBe('0');
  });

  it('a seed with a comma and quotes survives the round trip', () => {
    const tricky = gpt2Run('a,"b"');
    const text = runStepsCsv(tricky);
    expect(text.split('\n')[1]).toContain(',"a,""b""",');
    expect(parseCsv(text).map((r) => r[5])).toEqual(['seed', 'a,"b"', 'a,"b".1']);
  });

  it('reportCsvFiles names the two files; no requests.csv until reports carry requests', () => {
    expect(reportCsvFiles(run).map((f) => f.name)).toEqual(['steps.csv', 'ops.csv']);
  });
});
