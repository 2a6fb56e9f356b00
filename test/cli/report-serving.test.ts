import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderFigureData, renderServingReport, reportCommand } from '../../src/cli/report.ts';
import { main } from '../../src/cli/main.ts';
import { readReport } from '../../src/report/dram-report-file.ts';
import type { FigureData } from '../../src/report/figure-data.ts';
import { haveChromium } from '../../viz/png.ts';
import { reportFailure as failure, runReport as run, tempDir } from '../viz/harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SERVING = join(ROOT, 'test/fixtures/reports/serving-llama3-8b-h100.json');
const RUN = join(ROOT, 'test/fixtures/reports/gpt2-small-prefill-t4.json');

const dir = tempDir('strata-report-serving-');
afterEach(() => vi.restoreAllMocks());

/** `strata serve` of six fixed-length requests (32 prompt, 8 output tokens) on the H100 roofline; returns the report's path. */
function serve(name: string, extra: string[]): string {
  const out = join(dir, name);
  vi.spyOn(console, 'log').mockImplementation(() => {});
  expect(main(['serve', '--model', 'llama3-8b', '--system', 'gpu-h100-sxm', '--requests', 'fixed:32:8', '--count', '6', '--quiet', '--out', out, ...extra])).toBe(0);
  vi.restoreAllMocks();
  return join(out, 'serving-report.json');
}

describe('strata report SERVING.json --out DIR', () => {
  it('writes the latency CDFs, the batch over time, requests.csv, steps.csv and report.html (printed last)', () => {
    const out = join(dir, 'serving');
    const r = run([SERVING, '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['batch-timeline.svg', 'latency-cdf.svg', 'report.html', 'requests.csv', 'steps.csv']);
    expect(r.out).toBe([
      `chart: ${join(out, 'latency-cdf.svg')}`, `chart: ${join(out, 'batch-timeline.svg')}`,
      `csv: ${join(out, 'requests.csv')}`, `csv: ${join(out, 'steps.csv')}`, `HTML report: ${join(out, 'report.html')}`,
    ].join('\n'));
    for (const f of renderServingReport(JSON.parse(readFileSync(SERVING, 'utf8')))) expect(readFileSync(join(out, f.name), 'utf8'), f.name).toBe(f.content);
    // 12 requests, 132 steps, each with a header and a final newline
    expect(readFileSync(join(out, 'requests.csv'), 'utf8').split('\n')).toHaveLength(1 + 12 + 1);
    expect(readFileSync(join(out, 'steps.csv'), 'utf8').split('\n')).toHaveLength(1 + 132 + 1);
  });

  it.skipIf(!haveChromium())('--png: a PNG of both charts beside the SVGs', async () => {
    const out = join(dir, 'serving-png');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await reportCommand([SERVING, '--out', out, '--png'])).toBe(0);
    const lines = log.mock.calls.map((c) => c.join(' '));
    expect(lines).toContain(`png: ${join(out, 'latency-cdf.png')}`);
    expect(lines).toContain(`png: ${join(out, 'batch-timeline.png')}`);
    // PNG signature
    expect([...readFileSync(join(out, 'latency-cdf.png')).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  }, 120_000);
});

describe('strata report A.json B.json … --out DIR (a serving sweep)', () => {
  let b1: string;
  let b2: string;
  let b4: string;
  beforeAll(() => {
    b1 = serve('b1', ['--max-batch', '1']);
    b2 = serve('b2', ['--max-batch', '2']);
    b4 = serve('b4', ['--max-batch', '4']);
  }, 120_000);

  it('writes the figure data, the throughput chart, its Markdown table and CSV; the data re-renders to the same files', () => {
    const out = join(dir, 'sweep');
    const r = run([b4, b1, b2, '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['data', 'serving-sweep.csv', 'serving-sweep.md', 'serving-throughput.svg']);
    expect(r.out.split('\n')[0]).toBe(`data: ${join(out, 'data', 'serving-sweep.json')}`);
    const data = readReport(join(out, 'data', 'serving-sweep.json')) as FigureData;
    expect(data).toMatchObject({ figure: 'serving-sweep', parameters: { x: 'maxBatch', reports: [b4, b1, b2] }, inputs: { files: [b4, b1, b2] } });
    const rows = data.tables[0]!.rows;
    // sorted by series, then max batch
    expect(rows.map((row) => row[5])).toEqual([1, 2, 4]);
    const csv = readFileSync(join(out, 'serving-sweep.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]!.split(',').slice(0, 7)).toEqual(['series', 'system', 'deviceKind', 'model', 'costModel', 'maxBatch', 'qps']);
    expect(csv).toHaveLength(1 + 3);
    // six requests all at time 0: batching them shortens the run, so throughput grows with the max batch
    const thr = rows.map((row) => row[9] as number);
    expect(thr[1]!).toBeGreaterThan(thr[0]!);
    expect(thr[2]!).toBeGreaterThan(thr[1]!);
    const again = join(dir, 'sweep-again');
    run([join(out, 'data', 'serving-sweep.json'), '--out', again]);
    for (const f of renderFigureData(data)) expect(readFileSync(join(again, f.name), 'utf8'), f.name).toBe(readFileSync(join(out, f.name), 'utf8'));
  });

  it('the input hash covers the reports\' bytes: a changed report gives another sha256', () => {
    const copy = join(dir, 'b2-copy.json');
    copyFileSync(b2, copy);
    const a = join(dir, 'hash-a');
    run([b1, copy, '--out', a]);
    // same path, one byte more (trailing whitespace: the same report)
    writeFileSync(copy, `${readFileSync(b2, 'utf8')} `);
    const b = join(dir, 'hash-b');
    run([b1, copy, '--out', b]);
    const sha = (d: string) => (JSON.parse(readFileSync(join(d, 'data', 'serving-sweep.json'), 'utf8')) as FigureData).inputs.sha256;
    expect(sha(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(sha(b)).not.toBe(sha(a));
  });

  it('sweeps QPS when the reports differ only in it', () => {
    const q1 = serve('q1', ['--max-batch', '2', '--qps', '5']);
    const q2 = serve('q2', ['--max-batch', '2', '--qps', '50']);
    const out = join(dir, 'qps');
    run([q2, q1, '--out', out]);
    const data = JSON.parse(readFileSync(join(out, 'data', 'serving-sweep.json'), 'utf8')) as FigureData;
    expect(data.parameters.x).toBe('qps');
    expect(data.tables[0]!.rows.map((row) => row[6])).toEqual([5, 50]);
    expect(readFileSync(join(out, 'serving-throughput.svg'), 'utf8')).toContain('Offered load (Poisson arrivals, requests/s; log scale)');
  }, 60_000);

  it('refuses a report of another kind, naming the file, and reports that differ in neither max batch nor QPS; writes nothing', () => {
    const out = join(dir, 'refused');
    expect(failure([b1, RUN, '--out', out])).toMatch(new RegExp(`^report: ${RUN.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: several report files make a serving sweep, so each must be a serving report .*this one is 'strata.run-report/1'$`));
    expect(failure([b1, b1, '--out', out])).toMatch(/all have max batch 1 and QPS none; a sweep needs reports that differ in --max-batch or --qps$/);
    expect(existsSync(out)).toBe(false);
  });
});
