import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { workProgress } from './progress.ts';
import { SERVING_REQUEST_COLUMNS, SERVING_STEP_COLUMNS } from '../report/serving-csv.ts';
import type { ServingReport } from '../report/serving-report.ts';
import {
  cdfPoints,
  indexOf,
  latencyCdfHead,
  StepSegmenter,
  StepStatsAccumulator,
  stepEndPs,
  weightedCdfPoints,
  type CdfSeries,
  type LatencyCdf,
  type ServingSeries,
} from '../../viz/serving-charts.ts';

/**
 * The charts' data of a serving report whose records were streamed to `requests.csv` and `steps.csv`
 * (ServingReport.streamed, issue #18): the same ServingSeries that viz/serving-charts.ts makes from an inline
 * report's records, read from the files a row at a time. Nothing holds a row once it is read: steps.csv feeds the
 * step segments and statistics and leaves each step's end (8 bytes a step); requests.csv leaves each request's
 * TTFT, end-to-end latency and mean TBT (24 bytes a request) for the exact CDFs, and marks the steps each request
 * decodes through (4 bytes a step), whose time differences are then the pooled token gaps, each with the number of
 * requests it is a gap of: the very gaps tokenGapsNs lists for an inline report, without listing them one by one.
 * Progress goes to stderr (workProgress) every `progressEveryRows` rows read.
 */
export function streamedServingSeries(report: ServingReport, dir: string, opts: { progressEveryRows?: number; quiet?: boolean } = {}): ServingSeries {
  const streamed = report.streamed!;
  const stepsFile = join(dir, streamed.stepsCsv);
  const requestsFile = join(dir, streamed.requestsCsv);
  for (const f of [stepsFile, requestsFile]) {
    if (!existsSync(f)) throw new StrataError(`report: ${f}: file not found (this serving report's records were streamed to ${streamed.requestsCsv} and ${streamed.stepsCsv} beside it; keep them in the report's folder)`);
  }

  // Progress (issue #18: every run longer than a few seconds shows it): a 1,000,000-request report's two CSVs
  // (440 MB) take about 15 s of CPU. The clock is read once every `progressEveryRows` rows (65,536).
  const progress = workProgress('report', 'CSV rows read', streamed.steps + streamed.requests, { quiet: opts.quiet });
  const every = opts.progressEveryRows ?? 65_536;
  let rowsRead = 0;
  const rowRead = (): void => {
    if (++rowsRead % every === 0) progress.update(rowsRead, rowsRead <= streamed.steps ? streamed.stepsCsv : streamed.requestsCsv);
  };

  // Steps: segments, statistics, and each step's end in ps.
  const nSteps = streamed.steps;
  const ends = new Float64Array(nSteps);
  const segmenter = new StepSegmenter();
  const stats = new StepStatsAccumulator();
  let i = 0;
  readCsv(stepsFile, SERVING_STEP_COLUMNS, nSteps, (cell) => {
    const s = {
      index: cell.integer('index'), startNs: cell.number('startNs'), timeNs: cell.number('timeNs'),
      prefillRequests: cell.integer('prefillRequests'), decodeRequests: cell.integer('decodeRequests'), waiting: cell.integer('waiting'),
      prefillTokens: cell.integer('prefillTokens'), decodeTokens: cell.integer('decodeTokens'),
    };
    if (s.index !== i) cell.fail('index', `step ${i} (steps in order from 0)`, String(s.index));
    if (i > 0 && stepEndPs(s) < ends[i - 1]!) cell.fail('timeNs', `a step that ends no earlier than the one before (at ${ends[i - 1]! / 1000} ns)`, String(s.timeNs));
    ends[i++] = stepEndPs(s);
    segmenter.add(s);
    stats.add(s);
    rowRead();
  });

  // Requests: latencies, and the steps each one's token gaps span (+1 where they start, -1 where they end).
  const nRequests = streamed.requests;
  const ttft = new Float64Array(nRequests);
  const e2e = new Float64Array(nRequests);
  const meanTbt = new Float64Array(nRequests);
  let meanTbtCount = 0;
  const span = new Int32Array(nSteps + 1);
  let gapsAccounted = true;
  let q = 0;
  readCsv(requestsFile, SERVING_REQUEST_COLUMNS, nRequests, (cell) => {
    ttft[q] = cell.number('ttftNs');
    e2e[q] = cell.number('e2eNs');
    const tbt = cell.numberOrEmpty('tbtMeanNs');
    if (tbt !== null) meanTbt[meanTbtCount++] = tbt;
    q++;
    rowRead();
    if (!gapsAccounted) return;
    // As tokenGapsNs: the first token at a step's end, the last outputTokens - 1 steps later.
    const a = indexOf(ends, Math.round(cell.number('firstTokenNs') * 1000));
    const b = indexOf(ends, Math.round(cell.number('finishNs') * 1000));
    if (a < 0 || b < 0 || b - a !== cell.integer('outputTokens') - 1) {
      gapsAccounted = false;
      return;
    }
    span[a]!++;
    span[b]!--;
  });
  progress.end();

  const sorted = (xs: Float64Array): Float64Array => xs.sort();
  const head = (which: 'ttft' | 'tbt' | 'meanTbt' | 'e2e') => latencyCdfHead(report, which);
  let tbt: CdfSeries;
  if (gapsAccounted) {
    // Gap k (between the ends of steps k and k + 1) is a gap of span[0] + ... + span[k] requests.
    const gap = new Float64Array(Math.max(0, nSteps - 1));
    const weight = new Float64Array(gap.length);
    let open = 0;
    let pairs = 0;
    for (let k = 0; k + 1 < nSteps; k++) {
      open += span[k]!;
      if (open > 0) {
        gap[pairs] = (ends[k + 1]! - ends[k]!) / 1000;
        weight[pairs++] = open;
      }
    }
    const order = Uint32Array.from({ length: pairs }, (_, p) => p).sort((x, y) => gap[x]! - gap[y]!);
    const values = Float64Array.from(order, (p) => gap[p]!);
    const weights = Float64Array.from(order, (p) => weight[p]!);
    const count = weights.reduce((a, w) => a + w, 0);
    tbt = { ...head('tbt'), count, minNs: pairs ? values[0]! : 0, maxNs: pairs ? values[pairs - 1]! : 0, points: weightedCdfPoints(values, weights) };
  } else {
    tbt = series(head('meanTbt'), sorted(meanTbt.subarray(0, meanTbtCount)));
  }
  return {
    cdfs: [series(head('ttft'), sorted(ttft)), tbt, series(head('e2e'), sorted(e2e))],
    segments: segmenter.segments,
    segmentBucketNs: segmenter.bucketPs / 1000,
    steps: stats.stats(),
  };
}

/** cdfSeries of sorted samples held in a typed array. */
function series(h: Omit<LatencyCdf, 'samplesNs'>, s: Float64Array): CdfSeries {
  const n = s.length;
  return { key: h.key, label: h.label, unit: h.unit, count: n, minNs: n ? s[0]! : 0, maxNs: n ? s[n - 1]! : 0, points: cdfPoints(s), p50Ns: h.p50Ns, p90Ns: h.p90Ns, p99Ns: h.p99Ns };
}

/** The cells of one CSV row by column name, read as numbers; a bad cell is one error naming the file, line and column. */
interface Cells {
  number(col: string): number;
  integer(col: string): number;
  numberOrEmpty(col: string): number | null;
  fail(col: string, expected: string, got: string): never;
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Bytes read from a CSV file at a time. */
const CHUNK_BYTES = 1 << 20;

/**
 * Reads a CSV file written by src/report/serving-csv.ts a chunk at a time and calls `row` for each data row: the
 * header must be `columns`, and there must be exactly `rows` rows (the count the report gives).
 */
function readCsv(file: string, columns: readonly string[], rows: number, row: (cells: Cells) => void): void {
  const at = new Map(columns.map((c, k) => [c, k]));
  let line = 0;
  let fields: string[] = [];
  const text = (col: string): string => fields[at.get(col)!]!;
  const cells: Cells = {
    fail(col, expected, got) {
      throw new StrataError(`report: ${file}: line ${line}, column '${col}': expected ${expected}, got '${got.length > 40 ? `${got.slice(0, 40)}...` : got}'`);
    },
    number(col) {
      const t = text(col);
      if (!NUMBER.test(t)) cells.fail(col, 'a number', t);
      return Number(t);
    },
    integer(col) {
      const v = cells.number(col);
      if (!Number.isSafeInteger(v) || v < 0) cells.fail(col, 'a whole number >= 0', text(col));
      return v;
    },
    numberOrEmpty(col) {
      return text(col) === '' ? null : cells.number(col);
    },
  };
  const take = (record: string): void => {
    line++;
    fields = splitCsvRecord(record);
    if (line === 1) {
      if (fields.join(',') !== columns.join(',')) throw new StrataError(`report: ${file}: line 1: expected the header ${columns.join(',')}, got '${record.slice(0, 200)}'`);
      return;
    }
    if (line - 1 > rows) throw new StrataError(`report: ${file}: line ${line}: more rows than the ${rows.toLocaleString('en-US')} the report counts`);
    if (fields.length !== columns.length) throw new StrataError(`report: ${file}: line ${line}: expected ${columns.length} cells, got ${fields.length}`);
    row(cells);
  };
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(CHUNK_BYTES);
    const decoder = new TextDecoder('utf-8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK_BYTES, null);
      const chunk = n > 0 ? decoder.decode(buf.subarray(0, n), { stream: true }) : decoder.decode();
      rest += chunk;
      // Records end at a line break outside quotes; a quoted id may hold one (csvField quotes it).
      let from = 0;
      for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n', nl + 1)) {
        const record = rest.slice(from, nl);
        if (quotes(record) % 2 !== 0) continue;
        take(record.endsWith('\r') ? record.slice(0, -1) : record);
        from = nl + 1;
      }
      rest = rest.slice(from);
      if (n === 0) break;
    }
    if (rest !== '') take(rest);
  } finally {
    closeSync(fd);
  }
  if (line === 0) throw new StrataError(`report: ${file}: empty, expected the header ${columns.join(',')}`);
  if (line - 1 !== rows) throw new StrataError(`report: ${file}: ${(line - 1).toLocaleString('en-US')} rows, but the report counts ${rows.toLocaleString('en-US')}`);
}

function quotes(s: string): number {
  let n = 0;
  for (let k = s.indexOf('"'); k >= 0; k = s.indexOf('"', k + 1)) n++;
  return n;
}

/** The fields of one CSV record (RFC 4180: a quoted field may hold commas, line breaks and doubled quotes). */
function splitCsvRecord(record: string): string[] {
  if (!record.includes('"')) return record.split(',');
  const out: string[] = [];
  let k = 0;
  for (;;) {
    if (record[k] === '"') {
      let v = '';
      k++;
      for (;;) {
        const q = record.indexOf('"', k);
        if (q < 0) {
          v += record.slice(k);
          k = record.length;
          break;
        }
        v += record.slice(k, q);
        if (record[q + 1] === '"') {
          v += '"';
          k = q + 2;
        } else {
          k = q + 1;
          break;
        }
      }
      out.push(v);
    } else {
      const c = record.indexOf(',', k);
      out.push(record.slice(k, c < 0 ? record.length : c));
      k = c < 0 ? record.length : c;
    }
    if (k >= record.length) break;
    k++; // the comma
    if (k === record.length) {
      out.push('');
      break;
    }
  }
  return out;
}
