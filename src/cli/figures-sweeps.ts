import { relative } from 'node:path';
import { FIGURE_DATA_SCHEMA, figureDataCsvFiles, figureDataMarkdown, figureTable, tableRecords, type FigureColumn, type FigureData, type FigureInputs, type FigureValue } from '../report/figure-data.ts';
import { SWEEP_FIGURE_SETS, SWEEP_STUDIES, sweepFigureSetStudy } from '../report/sweep-figure.ts';
import { sweepReport, type SweepChart, type SweepReport, type SweepValue } from '../report/sweep-report.ts';
import { withContext } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { METRIC_COLUMNS } from '../sweep/metrics.ts';
import { runPointSync, type PointOutcome, type PointTask } from '../sweep/run-point.ts';
import { pointRow, sweepColumns, sweepPoints } from '../sweep/run-sweep.ts';
import { loadSweep, type Sweep } from '../sweep/sweep-file.ts';
import { renderSweepChart } from '../../viz/sweep-charts.ts';
import { sweepPlotlyFigure } from '../../viz/sweep-plotly.ts';
import type { PlotlyFigure } from '../../viz/plotly-figures.ts';
import { renderFigureData } from './figure-data-files.ts';
import type { FigureSet, FigureUnit } from './figures.ts';

/**
 * The shipped studies of workloads/sweeps/ in `strata figures` (issue #16 item 7): one figure set per study,
 * `sweep-<study>`. Its units are the study's points, built by the sweep engine (src/sweep/run-sweep.ts: the same
 * sampling, command lines and rows as `strata sweep`) and run by the same point runner (src/sweep/run-point.ts), one
 * unit per point on the figures' threads. Its data file holds the rows as a table (the columns of `strata sweep`'s
 * database but the key and the command, which every row shares); its charts are the study's sweep charts
 * (src/report/sweep-figure.ts chooses them), drawn from that table by the sweep report's code, so
 * `strata report out/sweeps/<study>.duckdb` with the study's choices draws the same charts from a `strata sweep` run.
 */

/** What the sets need from src/cli/figures.ts (passed in: figures.ts imports this file). */
export interface SweepSetHelpers {
  /** The Strata sources an entry loads (figures.ts sourceClosure). */
  readonly sourceClosure: (entries: readonly string[]) => string[];
}

/** Files each study's data is computed from besides the sources: every shipped spec a point's key covers (src/sweep/point.ts). */
const SPEC_INPUTS = ['arch', 'workloads/models', 'workloads/requests'];

/** The columns of the table: the database's, without `key` and `command` (the same in every row; the key names the code and specs, which the data file's input hash covers). */
function tableColumns(sweep: Sweep): FigureColumn[] {
  const metrics = new Map(Object.values(METRIC_COLUMNS).flat().map((m) => [m.column, m.what]));
  const unit = (c: string) => (c.endsWith('_ns') ? 'ns' : c === 'tokens_per_s' ? 'tokens/s' : c === 'joules_per_token' ? 'J/token' : c === 'bytes_per_s' ? 'B/s' : c === 'pim_share' ? 'fraction' : '');
  const axis = new Map(sweep.axes.map((a) => [a.name, a]));
  return sweepColumns(sweep).filter((c) => c.name !== 'key' && c.name !== 'command').map((c) => {
    const a = axis.get(c.name);
    const description = metrics.get(c.name)
      ?? (a ? (a.kind === 'set' ? `axis: --set ${a.target}` : a.kind === 'workload' ? `axis: workload field ${a.target}` : 'axis: the system')
        : c.name === 'point' ? 'the point\'s number in the sweep' : c.name === 'status' ? 'ok, or error' : c.name === 'error' ? 'why the point failed' : c.name === 'system' ? 'the system preset' : 'the model');
    return { name: c.name, unit: unit(c.name), description };
  });
}

/** The command that computes and charts the same study. */
function studyCommand(study: string): string {
  const s = SWEEP_STUDIES[study]!;
  const c = s.choice;
  const db = `out/sweeps/${study}.duckdb`;
  return `strata sweep ${s.file} --db ${db} && strata report ${db} --out out/sweeps/${study} --x ${c.x} --y ${c.y} --metric ${c.metric} --axes ${c.axes!.join(',')} --group ${c.group} --facet ${c.facet}`;
}

/** The figure sets of the shipped studies, in the order of SWEEP_STUDIES. */
export function sweepFigureSets(helpers: SweepSetHelpers): FigureSet[] {
  return SWEEP_FIGURE_SETS.map((name) => {
    const study = sweepFigureSetStudy(name)!;
    const file = SWEEP_STUDIES[study]!.file;
    // Loaded and sampled on first use, in the thread that plans the work; a worker thread only runs points (a unit's argument is its whole task).
    let planned: { sweep: Sweep; points: ReturnType<typeof sweepPoints> } | undefined;
    const plan = () => {
      if (planned) return planned;
      const sweep = loadSweep(relative(process.cwd(), `${PACKAGE_ROOT}/${file}`) || file);
      return (planned = { sweep, points: sweepPoints(sweep) });
    };
    return {
      name,
      inputs: () => [...helpers.sourceClosure(['src/sweep/run-sweep.ts', 'src/sweep/run-point.ts']), 'src/cli/figures-sweeps.ts', 'src/report/figure-data.ts', file, ...SPEC_INPUTS],
      parameters: { study, sweepFile: file },
      get work() {
        return `${plan().points.length} sweep points`;
      },
      get units(): readonly FigureUnit[] {
        const { sweep, points } = plan();
        return points.map((p) => ({ label: `point ${p.index} (${Object.entries(p.values).map(([k, v]) => `${k} ${v}`).join(', ')})`, arg: { command: sweep.spec.command, argv: p.argv, metrics: sweep.spec.metrics } satisfies PointTask }));
      },
      run: (task) => runPointSync(task as PointTask),
      combine: (inputs, results) => sweepFigureData(study, plan().sweep, results as PointOutcome[], inputs),
    };
  });
}

/** The data file of a study from its points' outcomes, in point order. */
export function sweepFigureData(study: string, sweep: Sweep, outcomes: readonly PointOutcome[], inputs: FigureInputs): FigureData {
  const points = sweepPoints(sweep);
  const columns = tableColumns(sweep);
  const rows = points.map((p, i) => {
    const row = pointRow(sweep, p, outcomes[i]!);
    return columns.map((c) => (row[c.name] ?? null) as FigureValue);
  });
  const s = SWEEP_STUDIES[study]!;
  return {
    schema: FIGURE_DATA_SCHEMA,
    figure: `sweep-${study}`,
    title: `Sweep ${study}`,
    description: `${s.question} ${sweep.spec.description ?? ''}`.trim(),
    command: studyCommand(study),
    parameters: { study, sweepFile: s.file, command: sweep.spec.command, points: points.length },
    inputs,
    tables: [{ name: 'points', title: `Every point of ${s.file}`, columns, rows }],
    references: [],
  };
}

/** The sweep report of a study's data file, with the study's charts, named for the set (so three studies' files do not collide). */
export function sweepFigureReport(d: FigureData): SweepReport {
  const study = sweepFigureSetStudy(d.figure)!;
  const t = figureTable(d, 'points');
  // The command every row ran (the chart subtitles name it) is a parameter of the data file, not a column.
  const rows = tableRecords(t).map((r) => ({ ...r, command: String(d.parameters.command) }));
  const report = sweepReport({ file: `data/${d.figure}.json`, sha256: d.inputs.sha256, columns: t.columns.map((c) => ({ name: c.name, type: '' })), rows: rows as Array<Record<string, SweepValue | null>> }, SWEEP_STUDIES[study]!.choice);
  const charts: SweepChart[] = report.charts.map((c) => ({ ...c, name: c.name.replace(/^sweep-/, `${d.figure}-`) }));
  return { ...report, name: study, charts };
}

/**
 * The files of a figure-data file: a study's charts (SVG), `<set>.md` and its CSV for a sweep set, what
 * `renderFigureData` renders for every other set.
 */
export function renderFigureSetFiles(data: FigureData, file = 'figure data'): { name: string; content: string }[] {
  if (sweepFigureSetStudy(data.figure) === undefined) return renderFigureData(data, file);
  return withContext(() => {
    const r = sweepFigureReport(data);
    return [
      ...r.charts.map((c) => ({ name: `${c.name}.svg`, content: renderSweepChart(r, c) })),
      { name: `${data.figure}.md`, content: figureDataMarkdown(data) },
      ...figureDataCsvFiles(data),
    ];
  }, (m) => `${file}: ${m}`);
}

/** The interactive charts of a sweep set's data file for figures.html (none for other sets: viz/figures-plotly.ts draws those). */
export function sweepSetPlotlyFigures(d: FigureData): PlotlyFigure[] {
  if (sweepFigureSetStudy(d.figure) === undefined) return [];
  const r = sweepFigureReport(d);
  return r.charts.map((c) => ({ ...sweepPlotlyFigure(r, c), id: `chart-${c.name}` }));
}
