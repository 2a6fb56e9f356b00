import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { readSweepRows, sweepReport, type SweepChart, type SweepChartChoice, type SweepReport } from './sweep-report.ts';

/**
 * The three shipped studies of workloads/sweeps/ (issue #16 item 7) as figures: for each, the charts that show what
 * it varies (which metric, which axes on the heatmap, which axis each line runs along). `strata figures` calls
 * `sweepFigure(name)` on a finished database and draws the returned charts with viz/sweep-charts.ts
 * (`sweepChartFiles(report)`) and viz/sweep-plotly.ts (`sweepHtmlReport(report)`).
 */

/** A shipped study: its sweep file and the charts chosen for it. */
export interface SweepStudy {
  /** The sweep file, relative to the package. */
  readonly file: string;
  /** One sentence: what the study asks. */
  readonly question: string;
  readonly choice: SweepChartChoice;
}

/** The shipped studies by sweep name. */
export const SWEEP_STUDIES: Readonly<Record<string, SweepStudy>> = {
  'pim-gpt-lanes': {
    file: 'workloads/sweeps/pim-gpt-lanes.yaml',
    question: 'PIM-GPT: how do channels and MAC lanes per bank trade per-token latency against energy, for GPT-2 small and medium?',
    // Lines along the channel count, one per lane count: channels nearly halve a token, lanes help less.
    choice: { x: 'latency_ns', y: 'joules_per_token', metric: 'latency_ns', axes: ['channels', 'mac_lanes'], group: 'mac_lanes', facet: 'model' },
  },
  'neupims-interleaving': {
    file: 'workloads/sweeps/neupims-interleaving.yaml',
    question: 'NeuPIMs: what do sub-batch interleaving and dual row buffers change in serving throughput and p99 time between tokens, at batch limits 64 and 256?',
    // Throughput against p99 TBT is the serving trade-off; lines along the batch limit, one per interleaving setting.
    choice: { x: 'tokens_per_s', y: 'tbt_p99_ns', metric: 'tokens_per_s', axes: ['max_batch', 'interleaving'], group: 'interleaving', facet: 'row_buffers' },
  },
  'duplex-opb': {
    file: 'workloads/sweeps/duplex-opb.yaml',
    question: 'Duplex: how do the Op/B threshold for offloading to Logic-PIM and Logic-PIM\'s bandwidth (its datapath width) change a decode step, for an MoE and a dense model?',
    choice: { x: 'latency_ns', y: 'joules_per_token', metric: 'latency_ns', axes: ['pim_bus_bits', 'opb_threshold'], group: 'opb_threshold', facet: 'model' },
  },
};

/** The figure sets of `strata figures` that draw the shipped studies (src/cli/figures-sweeps.ts): `sweep-<study>`. */
export const SWEEP_FIGURE_SETS: readonly string[] = Object.keys(SWEEP_STUDIES).map((s) => `sweep-${s}`);

/** The study a figure set draws, or undefined for a set that is not a shipped study's. */
export function sweepFigureSetStudy(set: string): string | undefined {
  return SWEEP_FIGURE_SETS.includes(set) ? set.slice('sweep-'.length) : undefined;
}

/** A study's figure: its sweep report (with the study's charts) and those charts, in drawing order. */
export interface SweepFigure {
  readonly study: SweepStudy;
  readonly report: SweepReport;
  readonly charts: readonly SweepChart[];
}

/**
 * The figure of a shipped study from its finished database (default `out/sweeps/<name>.duckdb`, where `strata
 * sweep <file>` writes it). An unknown study, or a database not there, is one line saying what to run.
 */
export async function sweepFigure(name: string, db: string = join('out', 'sweeps', `${name}.duckdb`)): Promise<SweepFigure> {
  const study = SWEEP_STUDIES[name];
  if (!study) throw new StrataError(`sweep figure: unknown study '${name}' (shipped: ${Object.keys(SWEEP_STUDIES).join(', ')})`);
  if (!existsSync(db)) {
    throw new StrataError(`sweep figure ${name}: ${db}: no such database; run it first: strata sweep ${relative(process.cwd(), join(PACKAGE_ROOT, study.file)) || study.file} --db ${db}`);
  }
  const report = sweepReport(await readSweepRows(db), study.choice);
  if (report.counts.ok === 0) throw new StrataError(`sweep figure ${name}: ${db}: no point succeeded (${report.counts.points} stored); see strata sweep query ${db} "SELECT point, error FROM points"`);
  return { study, report, charts: report.charts };
}
