import { describe, it, expect, vi } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDevice } from '../../src/systems/baseline/roofline.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { generateRequests } from '../../src/compiler/requests.ts';
import { rooflineStepCost } from '../../src/systems/baseline/roofline-step-cost.ts';
import { simulateServing, type PrefillMode } from '../../src/serving/serving-loop.ts';
import { servingReport, type ServingReport } from '../../src/report/serving-report.ts';
import { servingCsvFiles, streamedServingCsvFiles } from '../../src/report/serving-csv.ts';
import { streamedServingSeries } from '../../src/cli/report-serving-records.ts';
import { servingSeries, weightedCdfPoints, cdfPoints } from '../../viz/serving-charts.ts';
import { servingPlotlyFigures } from '../../viz/serving-plotly.ts';
import { reportFailure, runReport, tempDir } from '../viz/harness.ts';

// Issue #18 / item 2 of the hostile-inputs follow-up: `strata report` draws a serving report whose records were
// streamed to requests.csv and steps.csv (a run past 10,000 requests or 100,000 steps) from those files, read a row
// at a time, with the same charts as the same run's inline report. Before, it refused such a report.

const dir = tempDir('strata-report-streamed-');
const model = loadModel('llama3-8b');

/** One run written twice as `strata serve --out` writes it: inline, and streamed (the inline limits lowered to 5). */
function writeBoth(name: string, opts: { count: number; qps: number; prefill: PrefillMode; maxBatch: number }): { inline: string; streamed: string; report: ServingReport } {
  const set = generateRequests({ count: opts.count, lengths: 'sharegpt-like', seed: 7, arrivals: { kind: 'poisson', qps: opts.qps } });
  const costModel = rooflineStepCost(model, loadDevice('gpu-a100-80gb'), { seed: '7' });
  const result = simulateServing({ requests: set.requests, model, costModel, maxBatch: opts.maxBatch, prefill: opts.prefill, chunkTokens: opts.prefill === 'chunked' ? 64 : undefined });
  const input = { result, model, costModel, requestedSystem: 'gpu-a100-80gb', requestSet: set, seed: '7' };
  const inline = servingReport(input);
  const streamed = servingReport({ ...input, inlineLimits: { requests: 5, steps: 5 } });
  expect(inline.streamed).toBeUndefined();
  expect(streamed.streamed).toEqual({ requests: opts.count, steps: result.stepCount, requestsCsv: 'requests.csv', stepsCsv: 'steps.csv' });
  expect(streamed.requests).toEqual([]);
  const a = join(dir, name, 'inline');
  const b = join(dir, name, 'streamed');
  mkdirSync(a, { recursive: true });
  mkdirSync(b, { recursive: true });
  writeFileSync(join(a, 'serving-report.json'), `${JSON.stringify(inline, null, 2)}\n`);
  for (const f of servingCsvFiles(inline)) writeFileSync(join(a, f.name), f.content);
  writeFileSync(join(b, 'serving-report.json'), `${JSON.stringify(streamed, null, 2)}\n`);
  for (const f of streamedServingCsvFiles(result)) writeFileSync(join(b, f.name), [...f.pieces()].join(''));
  return { inline: join(a, 'serving-report.json'), streamed: join(b, 'serving-report.json'), report: streamed };
}

describe('strata report on a streamed serving report', () => {
  it('shows progress while it reads the CSVs (issue #18: a 1,000,000-request report reads for about 15 s)', () => {
    const { report } = writeBoth('progress', { count: 10, qps: 20, prefill: 'whole', maxBatch: 4 });
    const total = report.streamed!.steps + report.streamed!.requests;
    let t = 0;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => (t += 3000)); // past 2 s at every reading
    const err: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
    let quiet: ReturnType<typeof streamedServingSeries>;
    try {
      quiet = streamedServingSeries(report, join(dir, 'progress', 'streamed'), { progressEveryRows: 4 });
    } finally {
      now.mockRestore();
      write.mockRestore();
    }
    const lines = err.join('').trimEnd().split('\n');
    expect(lines.length).toBe(Math.floor(total / 4));
    const n = (x: number) => x.toLocaleString('en-US');
    expect(lines[0]).toBe(`report: 4 of ${n(total)} CSV rows read (steps.csv)`);
    expect(lines.at(-1)).toBe(`report: ${n(Math.floor(total / 4) * 4)} of ${n(total)} CSV rows read (requests.csv)`);
    // the same chart data as without progress
    expect(quiet).toEqual(streamedServingSeries(report, join(dir, 'progress', 'streamed')));
  });

  it('--quiet: no progress while it reads the CSVs (issue #17: nothing with --quiet)', () => {
    const { report } = writeBoth('progress-quiet', { count: 10, qps: 20, prefill: 'whole', maxBatch: 4 });
    let t = 0;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => (t += 3000));
    const err: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
    try {
      streamedServingSeries(report, join(dir, 'progress-quiet', 'streamed'), { progressEveryRows: 4, quiet: true });
    } finally {
      now.mockRestore();
      write.mockRestore();
    }
    expect(err).toEqual([]);
  });

  const cases = [
    { name: 'chunked', count: 60, qps: 20, prefill: 'chunked' as const, maxBatch: 8 },
    // a low rate leaves idle gaps between steps; whole prefill
    { name: 'whole-idle', count: 10, qps: 0.05, prefill: 'whole' as const, maxBatch: 4 },
  ];
  for (const c of cases) {
    it(`${c.name}: the same chart data and the same SVG charts as the inline report of the same run; the CSVs are copied`, () => {
      const { inline, streamed, report } = writeBoth(c.name, c);
      const inlineReport = JSON.parse(readFileSync(inline, 'utf8')) as ServingReport;
      const fromFiles = streamedServingSeries(report, join(dir, c.name, 'streamed'));
      const fromRecords = servingSeries(inlineReport);
      expect(fromFiles).toEqual(fromRecords);
      // the TBT curve is the pooled token gaps, not the per-request means
      expect(fromFiles.cdfs[1]!.unit).toBe('token gaps');
      expect(fromFiles.cdfs[1]!.count).toBe(inlineReport.latency.tbt.count);
      if (c.name === 'whole-idle') expect(fromFiles.segments.some((s) => s.steps === null)).toBe(true);
      expect(servingPlotlyFigures(report, fromFiles)).toEqual(servingPlotlyFigures(inlineReport));

      const outA = join(dir, c.name, 'out-inline');
      const outB = join(dir, c.name, 'out-streamed');
      expect(runReport([inline, '--out', outA]).code).toBe(0);
      const r = runReport([streamed, '--out', outB]);
      expect(r.code).toBe(0);
      expect(readdirSync(outB).sort()).toEqual(['batch-timeline.svg', 'latency-cdf.svg', 'report.html', 'requests.csv', 'steps.csv']);
      for (const f of ['latency-cdf.svg', 'batch-timeline.svg', 'requests.csv', 'steps.csv']) expect(readFileSync(join(outB, f), 'utf8'), f).toBe(readFileSync(join(outA, f), 'utf8'));
    }, 60_000);
  }

  it('into the report\'s own folder: the charts are added, the streamed CSVs left as they are', () => {
    const { streamed } = writeBoth('own', { count: 12, qps: 20, prefill: 'chunked', maxBatch: 4 });
    const folder = join(dir, 'own', 'streamed');
    const before = readFileSync(join(folder, 'steps.csv'), 'utf8');
    expect(runReport([streamed, '--out', folder]).code).toBe(0);
    expect(readFileSync(join(folder, 'steps.csv'), 'utf8')).toBe(before);
    expect(readdirSync(folder).sort()).toEqual(['batch-timeline.svg', 'latency-cdf.svg', 'report.html', 'requests.csv', 'serving-report.json', 'steps.csv']);
  });

  it('a missing, short or hand-edited CSV is one line naming the file, line and column', () => {
    const { streamed } = writeBoth('bad', { count: 12, qps: 20, prefill: 'chunked', maxBatch: 4 });
    const folder = join(dir, 'bad', 'streamed');
    const steps = readFileSync(join(folder, 'steps.csv'), 'utf8');
    const lines = steps.split('\n');
    writeFileSync(join(folder, 'steps.csv'), [...lines.slice(0, 3), lines[3]!.replace(/^2,[^,]*,/, '2,abc,'), ...lines.slice(4)].join('\n'));
    expect(reportFailure([streamed, '--out', join(dir, 'bad', 'o1')])).toBe(`report: ${join(folder, 'steps.csv')}: line 4, column 'startNs': expected a number, got 'abc'`);
    writeFileSync(join(folder, 'steps.csv'), lines.slice(0, 5).join('\n'));
    expect(reportFailure([streamed, '--out', join(dir, 'bad', 'o2')])).toMatch(new RegExp(`^report: ${join(folder, 'steps.csv')}: 4 rows, but the report counts [\\d,]+$`));
    writeFileSync(join(folder, 'steps.csv'), steps);
    writeFileSync(join(folder, 'requests.csv'), '');
    expect(reportFailure([streamed, '--out', join(dir, 'bad', 'o3')])).toBe(`report: ${join(folder, 'requests.csv')}: empty, expected the header id,arrivalNs,inputTokens,outputTokens,admittedNs,firstTokenNs,finishNs,queueingNs,ttftNs,e2eNs,prefillSteps,tbtMeanNs,tbtP50Ns,tbtP90Ns,tbtP99Ns,tbtMaxNs`);
  });

  it('weightedCdfPoints equals cdfPoints of the expanded samples, thinned or not', () => {
    const values = [1, 2, 2, 3, 5, 8];
    const weights = [3, 1, 4, 0, 2, 7];
    const expanded = values.flatMap((v, k) => Array<number>(weights[k]!).fill(v));
    for (const max of [2000, 5, 2, 1]) expect(weightedCdfPoints(values, weights, max), String(max)).toEqual(cdfPoints(expanded, max));
  });
});
