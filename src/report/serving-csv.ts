import { csvField, toCsv, type CsvFile, type CsvValue } from './csv-format.ts';
import { servingRequestRecord, servingStepRecord, type ServingReport } from './serving-report.ts';
import type { ServingResult } from '../serving/serving-loop.ts';

/**
 * CSV exports of serving reports (pure functions of the report; format and quoting as in src/report/csv.ts):
 * one row per request and one per step, columns named after the report's fields (docs/report-format.md).
 */

/** Columns of `requests.csv`, in order. */
export const SERVING_REQUEST_COLUMNS = [
  'id', 'arrivalNs', 'inputTokens', 'outputTokens', 'admittedNs', 'firstTokenNs', 'finishNs', 'queueingNs', 'ttftNs', 'e2eNs',
  'prefillSteps', 'tbtMeanNs', 'tbtP50Ns', 'tbtP90Ns', 'tbtP99Ns', 'tbtMaxNs',
] as const;

/** Columns of `steps.csv`, in order. */
export const SERVING_STEP_COLUMNS = [
  'index', 'startNs', 'timeNs', 'batch', 'prefillRequests', 'decodeRequests', 'prefillTokens', 'decodeTokens', 'waiting', 'admitted',
  'kvBytesInUse', 'kvBytesReserved', 'energyPj',
] as const;

/** `requests.csv`: one row per request, in the order of the request set; TBT cells are empty for one-token requests. */
export function servingRequestsCsv(r: ServingReport): string {
  return toCsv(SERVING_REQUEST_COLUMNS, r.requests.map((q) => SERVING_REQUEST_COLUMNS.map((c) => q[c])));
}

/** `steps.csv`: one row per step (iteration) of the serving loop. */
export function servingStepsCsv(r: ServingReport): string {
  return toCsv(SERVING_STEP_COLUMNS, r.steps.map((s) => SERVING_STEP_COLUMNS.map((c) => s[c])));
}

/** Every CSV export of a serving report: `requests.csv` and `steps.csv`. */
export function servingCsvFiles(r: ServingReport): CsvFile[] {
  return [
    { name: 'requests.csv', content: servingRequestsCsv(r) },
    { name: 'steps.csv', content: servingStepsCsv(r) },
  ];
}

/** Rows per piece a streamed CSV is written in (a few hundred KB of text at a time). */
const STREAM_ROWS = 4096;

function* csvPieces(header: readonly string[], count: number, row: (i: number) => readonly CsvValue[]): Iterable<string> {
  yield `${header.map(csvField).join(',')}\n`;
  for (let from = 0; from < count; from += STREAM_ROWS) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(count, from + STREAM_ROWS); i++) lines.push(`${row(i).map(csvField).join(',')}\n`);
    yield lines.join('');
  }
}

/**
 * `requests.csv` and `steps.csv` of a run whose report streams its records (ServingReport.streamed): the same
 * text servingCsvFiles gives for an inline report, made row by row from the run's columns as the file is written.
 */
export function streamedServingCsvFiles(result: ServingResult): Array<{ name: string; pieces: () => Iterable<string> }> {
  return [
    { name: 'requests.csv', pieces: () => csvPieces(SERVING_REQUEST_COLUMNS, result.requestSet.length, (i) => { const q = servingRequestRecord(result, i); return SERVING_REQUEST_COLUMNS.map((c) => q[c]); }) },
    { name: 'steps.csv', pieces: () => csvPieces(SERVING_STEP_COLUMNS, result.stepCount, (i) => { const s = servingStepRecord(result, i); return SERVING_STEP_COLUMNS.map((c) => s[c]); }) },
  ];
}
