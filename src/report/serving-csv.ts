import { toCsv, type CsvFile } from './csv-format.ts';
import type { ServingReport } from './serving-report.ts';

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
