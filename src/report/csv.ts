import type { EnergyBreakdown } from '../dram/energy.ts';
import { bandwidthEpochs, DRAM_REPORT_SCHEMA, type DramReport } from './dram-report.ts';
import { RUN_REPORT_SCHEMA, type RunReport } from './run-report.ts';
import type { StrataReport } from './schema.ts';
import { FIGURE_DATA_SCHEMA, figureDataCsvFiles } from './figure-data.ts';
import { SERVING_REPORT_SCHEMA } from './serving-report.ts';
import { servingCsvFiles } from './serving-csv.ts';
import { toCsv, type CsvFile, type CsvValue } from './csv-format.ts';

/**
 * CSV exports of reports: pure functions from a report to CSV text (RFC 4180 quoting, `\n` line ends, a header
 * row named after the report's fields, so units are in the column names). Columns: docs/report-format.md.
 */

export { csvField, toCsv, type CsvFile, type CsvValue } from './csv-format.ts';

/** The energy classes of a DRAM report, in report order (`total` is their sum and is left out of the CSV). */
const ENERGY_CLASSES = ['activate', 'read', 'write', 'refresh', 'background', 'io'] as const satisfies ReadonlyArray<keyof EnergyBreakdown>;

/** `commands.csv`: one row per command kind of the standard (zeros included, report order) with its count over all channels. */
export function dramCommandsCsv(r: DramReport): string {
  return toCsv(['command', 'count'], Object.entries(r.commands));
}

/** `energy.csv`: one row per command class with its IDD-model and path-model energy, pJ. */
export function dramEnergyCsv(r: DramReport): string {
  return toCsv(['class', 'iddPj', 'pathPj'], ENERGY_CLASSES.map((k) => [k, r.energy.idd[k], r.energy.path[k]]));
}

/** `channels.csv`: one row per channel: requests, bandwidth, data-bus utilisation and the count of every command kind of the standard. */
export function dramChannelsCsv(r: DramReport): string {
  // The standard's kinds in report order; a kind only a channel lists (hand-made reports) is kept, not dropped.
  const kinds = [...new Set([...Object.keys(r.commands), ...r.channels.flatMap((c) => Object.keys(c.commands))])];
  return toCsv(
    ['channel', 'completed', 'bandwidthGBps', 'dataBusUtilisation', ...kinds],
    r.channels.map((c) => [c.channel, c.completed, c.bandwidthGBps, c.dataBusUtilisation, ...kinds.map((k) => c.commands[k] ?? 0)]),
  );
}

/** `banks.csv`: one row per bank: its coordinates, column commands and row-open fraction. */
export function dramBanksCsv(r: DramReport): string {
  return toCsv(
    ['channel', 'rank', 'bankGroup', 'bank', 'columnCommands', 'activeFraction'],
    r.banks.map((b) => [b.channel, b.rank, b.bankGroup, b.bank, b.columnCommands, b.activeFraction]),
  );
}

/**
 * `bandwidth.csv`: the bandwidth series, one row per channel and epoch (epoch-major): the epoch's cycles and ns,
 * the bytes completed and their GB/s (rounded to 3 decimals). Empty (header only) for reports without a series.
 */
export function dramBandwidthCsv(r: DramReport): string {
  const rows: CsvValue[][] = [];
  for (const e of bandwidthEpochs(r)) {
    r.bandwidthSeries!.channels.forEach((c, i) => {
      rows.push([e.epoch, c.channel, e.startCycle, e.endCycle, e.startNs, e.endNs, c.bytes[e.epoch]!, Number(e.channelGBps[i]!.toFixed(3))]);
    });
  }
  return toCsv(['epoch', 'channel', 'startCycle', 'endCycle', 'startNs', 'endNs', 'bytes', 'bandwidthGBps'], rows);
}

/** `bank-states.csv`: the bank-state window, one row per run of one state of one bank (cycles of the dram clock). */
export function dramBankStatesCsv(r: DramReport): string {
  const w = r.bankStates;
  const rows: CsvValue[][] = [];
  if (w) {
    for (const b of w.banks) for (const [from, to, state] of b.runs) rows.push([b.channel, b.rank, b.bankGroup, b.bank, from, to, w.states[state]!]);
  }
  return toCsv(['channel', 'rank', 'bankGroup', 'bank', 'fromCycle', 'toCycle', 'state'], rows);
}

/** `steps.csv`: one row per step of a run report. */
export function runStepsCsv(r: RunReport): string {
  return toCsv(
    ['index', 'requests', 'newTokens', 'minContextLength', 'maxContextLength', 'seed', 'startNs', 'endNs', 'timeNs', 'ops', 'flops', 'bytes', 'computeBoundOps', 'memoryBoundOps', 'energyJ'],
    r.steps.map((s) => [s.index, s.requests, s.newTokens, s.minContextLength, s.maxContextLength, s.seed, s.startNs, s.endNs, s.timeNs, s.ops, s.flops, s.bytes, s.computeBoundOps, s.memoryBoundOps, s.energyJ]),
  );
}

/** `ops.csv`: one row per op of a run report's timeline (the first step's ops, or every step's with `--timeline all`). */
export function runOpsCsv(r: RunReport): string {
  return toCsv(
    ['step', 'op', 'kind', 'device', 'startNs', 'endNs', 'computeNs', 'memoryNs', 'launchNs', 'bound', 'flops', 'bytes'],
    r.timeline.ops.map((o) => [o.step, o.op, o.kind, o.device, o.startNs, o.endNs, o.computeNs, o.memoryNs, o.launchNs, o.bound, o.flops, o.bytes]),
  );
}

/**
 * Every CSV export of a report. DRAM reports: per command kind, per command class (energy), per channel, per bank,
 * and when the report has them the bandwidth series (per channel and epoch) and the bank-state window (per run).
 * Run reports: per step and per op. Serving reports: per request and per step (src/report/serving-csv.ts).
 * Figure data: one file per table.
 */
export function reportCsvFiles(r: StrataReport): CsvFile[] {
  switch (r.schema) {
    case DRAM_REPORT_SCHEMA:
      return [
        { name: 'commands.csv', content: dramCommandsCsv(r) },
        { name: 'energy.csv', content: dramEnergyCsv(r) },
        { name: 'channels.csv', content: dramChannelsCsv(r) },
        { name: 'banks.csv', content: dramBanksCsv(r) },
        ...(r.bandwidthSeries ? [{ name: 'bandwidth.csv', content: dramBandwidthCsv(r) }] : []),
        ...(r.bankStates ? [{ name: 'bank-states.csv', content: dramBankStatesCsv(r) }] : []),
      ];
    case RUN_REPORT_SCHEMA:
      return [
        { name: 'steps.csv', content: runStepsCsv(r) },
        { name: 'ops.csv', content: runOpsCsv(r) },
      ];
    case FIGURE_DATA_SCHEMA:
      return figureDataCsvFiles(r);
    case SERVING_REPORT_SCHEMA:
      return servingCsvFiles(r);
    default: {
      const never: never = r;
      throw new Error(`internal invariant broken: no CSV export for report ${JSON.stringify((never as { schema: unknown }).schema)}`);
    }
  }
}
