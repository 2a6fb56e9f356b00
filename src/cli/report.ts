import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DRAM_REPORT_SCHEMA, type DramReport } from '../report/dram-report.ts';
import { readReport } from '../report/dram-report-file.ts';
import { reportCsvFiles } from '../report/csv.ts';
import { FIGURE_DATA_SCHEMA, servingSweepFigureData, type FigureData, type ServingSweepInput } from '../report/figure-data.ts';
import { RUN_REPORT_SCHEMA, type RunReport } from '../report/run-report.ts';
import { SERVING_REPORT_SCHEMA, type ServingReport } from '../report/serving-report.ts';
import { sweepFigureSetStudy } from '../report/sweep-figure.ts';
import { isDuckDbFile, readSweepRows, sweepReport, type SweepChartChoice, type SweepReport } from '../report/sweep-report.ts';
import { StrataError, withContext } from '../spec/errors.ts';
import { DRAM_CHARTS } from '../../viz/dram-charts.ts';
import { dramHtmlReport, runHtmlReport, servingHtmlReport } from '../../viz/html-report.ts';
import { DEFAULT_CHROMIUM, haveChromium, svgsToPng } from '../../viz/png.ts';
import { RUN_CHARTS } from '../../viz/run-charts.ts';
import { SERVING_CHARTS, servingSeries } from '../../viz/serving-charts.ts';
import { sweepChartFiles } from '../../viz/sweep-charts.ts';
import { sweepHtmlReport } from '../../viz/sweep-plotly.ts';
import { parseFlags, seeUsage } from './args.ts';
import { checkOutputPaths, writeOutputs, type OutputFile, type StreamedContent } from './output.ts';
import { streamedServingSeries } from './report-serving-records.ts';
import { renderFigureData } from './figure-data-files.ts';

/** Re-exported: callers of strata report's renderers find it here (it lives apart so figures-sweeps.ts can use it without a cycle). */
export { renderFigureData };

export const REPORT_USAGE = `strata report RUN.json --out DIR [--csv] [--png] [--quiet]
       strata report SERVING1.json SERVING2.json ... --out DIR [--png]
            DRAM, run and serving reports: DIR/<chart>.svg (one per chart) and DIR/report.html (interactive, opens offline);
            serving reports also DIR/requests.csv and DIR/steps.csv (with or without --csv);
            several serving reports (a sweep over --max-batch or --qps): DIR/serving-sweep.json (figure data), its chart,
            serving-sweep.md and serving-sweep.csv;
            figure data (strata figures' data/<set>.json): its charts, <set>.md and its CSV tables (a sweep study's
            set, data/sweep-<study>.json: the study's Pareto, heatmap and lines charts, and <set>.html, interactive);
       strata report SWEEP.duckdb --out DIR [--x M --y M] [--metric M] [--axes A,B] [--group G] [--facet F] [--png]
            a sweep's database (strata sweep): DIR/sweep-report.json, DIR/sweep-pareto.svg (Pareto front of metrics
            --x and --y, default latency_ns and joules_per_token), DIR/sweep-heatmap.svg (--metric over --axes A,B),
            DIR/sweep-lines.svg (--metric along A, a line per --group), DIR/sweep-systems.svg (a line per system, when
            the sweep has several) and DIR/sweep.html (interactive, opens offline); --facet F: a panel per value of F;
            --csv adds DIR/*.csv (DRAM: commands, energy, channels, banks, bandwidth, bank-states; run reports: steps, ops);
            --png adds DIR/<chart>.png of every chart (headless chromium, ${DEFAULT_CHROMIUM} or $STRATA_CHROMIUM);
            --quiet: no progress on stderr (shown while a streamed serving report's CSVs are read)`;

/**
 * The files that render a DRAM report: one standalone SVG per chart the report has data for (reports written
 * before the bandwidth series and bank-state window lack those two), then `report.html`.
 */
export function renderDramReport(report: DramReport): { name: string; content: string }[] {
  return [
    ...DRAM_CHARTS.filter((c) => c.applies?.(report) ?? true).map((c) => ({ name: `${c.name}.svg`, content: c.render(report) })),
    { name: 'report.html', content: dramHtmlReport(report) },
  ];
}

/** The files that render a run report: the device timeline and the time by op kind as SVG, then `report.html`. */
export function renderRunReport(report: RunReport): { name: string; content: string }[] {
  return [
    ...RUN_CHARTS.map((c) => ({ name: `${c.name}.svg`, content: c.render(report) })),
    { name: 'report.html', content: runHtmlReport(report) },
  ];
}

/**
 * The files that render a serving report: the latency CDFs and the batch over time as SVG, `report.html`, then its
 * CSVs. A report whose records were streamed (a run past 10,000 requests or 100,000 steps, issue #18) is drawn from
 * its `requests.csv` and `steps.csv` in `recordsDir` (the report's folder), read a row at a time
 * (src/cli/report-serving-records.ts): the same charts as the same run's inline report; its CSVs are then copied a
 * chunk at a time.
 */
export function renderServingReport(report: ServingReport, recordsDir?: string, opts: { quiet?: boolean } = {}): Array<{ name: string; content: string | StreamedContent }> {
  if (report.streamed && recordsDir === undefined) {
    throw new StrataError(`report: this serving report's ${report.streamed.requests.toLocaleString('en-US')} request and ${report.streamed.steps.toLocaleString('en-US')} step records were streamed to ${report.streamed.requestsCsv} and ${report.streamed.stepsCsv} beside it; the charts need the folder that holds them`);
  }
  const series = report.streamed ? streamedServingSeries(report, recordsDir!, { quiet: opts.quiet }) : servingSeries(report);
  const csvs = report.streamed
    ? [report.streamed.requestsCsv, report.streamed.stepsCsv].map((name) => ({ name, content: { pieces: () => fileChunks(join(recordsDir!, name)) } }))
    : reportCsvFiles(report);
  return [
    ...SERVING_CHARTS.map((c) => ({ name: `${c.name}.svg`, content: c.render(report, {}, series) })),
    { name: 'report.html', content: servingHtmlReport(report, series) },
    ...csvs,
  ];
}

/** A file's text a MiB at a time (a streamed report's CSVs, copied without holding them). */
function* fileChunks(file: string): Iterable<string> {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    const decoder = new TextDecoder('utf-8');
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) yield decoder.decode(buf.subarray(0, n), { stream: true });
    const tail = decoder.decode();
    if (tail) yield tail;
  } finally {
    closeSync(fd);
  }
}

/**
 * The figure data of several serving reports (a sweep): the reports as given, hashed (sha256 over the schema id,
 * then each file's path as given, its length and its bytes, in the order given) so that the data file records
 * exactly what it was made from.
 */
export function servingSweepData(files: readonly string[]): FigureData {
  const runs: ServingSweepInput[] = [];
  const h = createHash('sha256');
  h.update(`strata serving sweep\0${FIGURE_DATA_SCHEMA}\0`);
  for (const file of files) {
    const report = readReport(file);
    if (report.schema !== SERVING_REPORT_SCHEMA) {
      throw new StrataError(`report: ${file}: several report files make a serving sweep, so each must be a serving report (strata serve --out DIR writes DIR/serving-report.json); this one is '${report.schema}'`);
    }
    const bytes = readFileSync(file);
    h.update(`${file}\0${bytes.length}\0`);
    h.update(bytes);
    runs.push({ file, report });
  }
  return servingSweepFigureData(runs, { sha256: h.digest('hex'), files: [...files] });
}

/** The files that render a sweep report: the report itself, its charts (SVG), then `sweep.html`. */
export function renderSweepReport(report: SweepReport): { name: string; content: string }[] {
  return [
    { name: 'sweep-report.json', content: `${JSON.stringify(report, null, 2)}\n` },
    ...sweepChartFiles(report),
    { name: 'sweep.html', content: sweepHtmlReport(report) },
  ];
}

/** `strata report DB.duckdb`: reads the sweep database, builds its report with the chosen charts, renders it. */
async function sweepReportCommand(file: string, out: string, png: boolean, choice: SweepChartChoice): Promise<number> {
  const report = sweepReport(await readSweepRows(file), choice);
  if (report.counts.ok === 0) throw new StrataError(`report: ${file}: no point of the sweep succeeded (${report.counts.points} stored), nothing to chart; see strata sweep query ${file} "SELECT point, error FROM points"`);
  const varied = report.axes.filter((a) => a.values.length > 1).length;
  if (varied > 0 && !report.charts.some((c) => c.kind === 'lines')) {
    console.log(`report: ${file}: ${report.counts.points} points spread over more combinations of their axes than a grid of them holds (a sampled sweep): only the Pareto chart; --axes A[,B] draws the heatmap and lines anyway`);
  }
  return emit(renderSweepReport(report), out, png);
}

/**
 * `strata report data/sweep-<study>.json`: the data file `strata figures` writes for a shipped sweep study holds every
 * row of the study, so it draws the study's charts without the study's database: the files figures writes for the
 * set (its Pareto, heatmap and lines SVGs, byte for byte, <set>.md and its CSV) and the same charts interactive in
 * <set>.html, as a database's report has sweep.html. figures-sweeps.ts is loaded here, on use: it imports this file.
 */
async function sweepFigureDataCommand(data: FigureData, file: string, out: string, png: boolean): Promise<number> {
  const { renderFigureSetFiles, sweepFigureReport } = await import('./figures-sweeps.ts');
  const files = renderFigureSetFiles(data, file);
  const html = withContext(() => sweepHtmlReport(sweepFigureReport(data)), (m) => `${file}: ${m}`);
  return emit([...files, { name: `${data.figure}.html`, content: html }], out, png);
}

/**
 * `strata report RUN.json --out DIR [--csv] [--png]`: validates a saved report against the report schema, renders
 * it (SVG charts and an HTML page for DRAM and run reports; charts and tables for figure data), with `--csv`
 * exports the report's tables as CSV beside them, and with `--png` a PNG of every chart through chromium. Returns
 * the exit code, or a promise of it with `--png` (the export drives a browser) or for a sweep database (a DuckDB
 * file, told by its name or its header; DuckDB reads asynchronously).
 */
export function reportCommand(argv: string[]): number | Promise<number> {
  const { values, positionals } = parseFlags('report', argv, {
    out: { type: 'string' }, csv: { type: 'boolean' }, png: { type: 'boolean' }, quiet: { type: 'boolean' },
    x: { type: 'string' }, y: { type: 'string' }, metric: { type: 'string' }, axes: { type: 'string' }, group: { type: 'string' }, facet: { type: 'string' },
  });
  if (positionals.length === 0) throw new StrataError(`report: no report file given${seeUsage('report')}`);
  if (!values.out) throw new StrataError(`report: --out DIR is required${seeUsage('report')}`);
  // The folder is checked before any reading or drawing (a streamed 1,000,000-request report takes 15 s of CPU).
  checkOutputPaths([join(values.out, 'report.html')]);
  const sweepFlags = (['x', 'y', 'metric', 'axes', 'group', 'facet'] as const).filter((k) => values[k] !== undefined);
  if (positionals.length === 1 && isDuckDbFile(positionals[0]!)) {
    if (values.csv) throw new StrataError('report: --csv: a sweep database exports its table with strata sweep export DB --csv');
    const axes = values.axes?.split(',').map((a) => a.trim());
    if (axes && (axes.length < 1 || axes.length > 2 || axes.some((a) => a === ''))) throw new StrataError(`report: --axes '${values.axes}': expected one or two axis names separated by a comma`);
    return sweepReportCommand(positionals[0]!, values.out, values.png === true, { x: values.x, y: values.y, metric: values.metric, axes, group: values.group, facet: values.facet });
  }
  if (sweepFlags.length > 0) throw new StrataError(`report: --${sweepFlags[0]}: only a sweep database (strata sweep's .duckdb file) takes it`);
  const files: Array<{ name: string; content: string | StreamedContent }> = [];
  if (positionals.length > 1) {
    const data = servingSweepData(positionals);
    files.push({ name: `data/${data.figure}.json`, content: `${JSON.stringify(data, null, 2)}\n` }, ...renderFigureData(data));
    return emit(files, values.out, values.png === true);
  }
  const file = positionals[0]!;
  const report = readReport(file);
  switch (report.schema) {
    case DRAM_REPORT_SCHEMA:
      files.push(...renderDramReport(report));
      if (values.csv) files.push(...reportCsvFiles(report));
      break;
    case RUN_REPORT_SCHEMA:
      files.push(...renderRunReport(report));
      if (values.csv) files.push(...reportCsvFiles(report));
      break;
    case FIGURE_DATA_SCHEMA:
      // A shipped sweep study's set (data/sweep-<study>.json) draws the study's charts, as strata figures does.
      if (sweepFigureSetStudy(report.figure) !== undefined) return sweepFigureDataCommand(report, file, values.out, values.png === true);
      // Tables are what figure data holds: its CSVs come with or without --csv.
      files.push(...renderFigureData(report, file));
      break;
    case SERVING_REPORT_SCHEMA: {
      // Its tables (requests.csv, steps.csv) come with or without --csv, as before it had charts.
      const dir = dirname(file);
      // Charts into the report's own folder: its streamed CSVs are there already (and are what is read).
      const same = report.streamed !== undefined && resolve(values.out) === resolve(dir);
      files.push(...renderServingReport(report, dir, { quiet: values.quiet }).filter((f) => !same || typeof f.content === 'string'));
      break;
    }
    default: {
      const never: never = report;
      throw new Error(`internal invariant broken: no renderer for ${JSON.stringify((never as { schema: unknown }).schema)}`);
    }
  }
  return emit(files, values.out, values.png === true);
}

/** Writes the rendered files to `out` (with PNGs of the charts when `png`), printing every path. */
function emit(files: ReadonlyArray<{ name: string; content: string | StreamedContent }>, out: string, png: boolean): number | Promise<number> {
  const outputs: OutputFile[] = files.map((f) => ({ path: join(out, f.name), content: f.content }));
  if (!png) return finish(outputs, []);
  const chromium = process.env.STRATA_CHROMIUM || DEFAULT_CHROMIUM;
  if (!haveChromium(chromium)) {
    return finish(outputs, [`png: skipped, no chromium at ${chromium} (install Debian's chromium: apt-get install chromium, or set STRATA_CHROMIUM to a chromium executable)`]);
  }
  const svgs = files.filter((f) => f.name.endsWith('.svg')).map((f) => ({ name: join(out, f.name.replace(/\.svg$/, '.png')), svg: f.content as string }));
  return svgsToPng(svgs, { executablePath: chromium }).then(
    (pngs) => finish([...outputs, ...pngs.map((p) => ({ path: p.name, content: p.png }))], []),
    (e: unknown) => {
      throw new StrataError(`report --png: chromium at ${chromium} could not render the charts (${(e as Error).message.split('\n')[0]}); nothing was written`);
    },
  );
}

/** Writes every output at once, prints the messages, then each path (the HTML report last: it is what a person opens). */
function finish(outputs: OutputFile[], messages: string[]): number {
  writeOutputs(outputs);
  for (const m of messages) console.log(m);
  const label = (p: string) => (p.endsWith('sweep-report.json') ? 'sweep report' : p.endsWith('.svg') ? 'chart' : p.endsWith('.png') ? 'png' : p.endsWith('.csv') ? 'csv' : p.endsWith('.md') ? 'table' : p.endsWith('.json') ? 'data' : 'HTML report');
  const ordered = [...outputs.filter((o) => !o.path.endsWith('.html')), ...outputs.filter((o) => o.path.endsWith('.html'))];
  for (const o of ordered) console.log(`${label(o.path)}: ${o.path}`);
  return 0;
}
