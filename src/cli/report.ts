import { join } from 'node:path';
import { DRAM_REPORT_SCHEMA, type DramReport } from '../report/dram-report.ts';
import { readReport } from '../report/dram-report-file.ts';
import { reportCsvFiles } from '../report/csv.ts';
import { RUN_REPORT_SCHEMA } from '../report/run-report.ts';
import { StrataError } from '../spec/errors.ts';
import { DRAM_CHARTS } from '../../viz/dram-charts.ts';
import { dramHtmlReport } from '../../viz/html-report.ts';
import { parseFlags } from './args.ts';
import { writeOutputs } from './output.ts';

export const REPORT_USAGE = `strata report RUN.json --out DIR [--csv]
            DRAM reports: DIR/<chart>.svg (one per chart) and DIR/report.html (interactive, opens offline);
            --csv adds DIR/*.csv (DRAM: commands, energy, channels, banks; run reports: steps, ops)`;

/** The files that render a DRAM report: one standalone SVG per chart, then `report.html`. */
export function renderDramReport(report: DramReport): { name: string; content: string }[] {
  return [
    ...DRAM_CHARTS.map((c) => ({ name: `${c.name}.svg`, content: c.render(report) })),
    { name: 'report.html', content: dramHtmlReport(report) },
  ];
}

/**
 * `strata report RUN.json --out DIR [--csv]`: validates a saved report against the report schema, renders a DRAM
 * report to SVG charts and an HTML page, and with `--csv` exports the report's tables as CSV beside them.
 */
export function reportCommand(argv: string[]): number {
  const { values, positionals } = parseFlags('report', argv, { out: { type: 'string' }, csv: { type: 'boolean' } });
  if (positionals.length !== 1) {
    const got = positionals.length === 0 ? 'no report file given' : `expected one report file, got ${positionals.length}`;
    throw new StrataError(`report: ${got}\nusage: ${REPORT_USAGE}`);
  }
  if (!values.out) throw new StrataError(`report: --out DIR is required\nusage: ${REPORT_USAGE}`);
  const file = positionals[0]!;
  const report = readReport(file);
  const files: { name: string; content: string }[] = [];
  if (report.schema === RUN_REPORT_SCHEMA && !values.csv) {
    throw new StrataError(`report: ${file} is a run report ('${RUN_REPORT_SCHEMA}'); charts are drawn for DRAM reports ('${DRAM_REPORT_SCHEMA}') so far: give --csv to export its steps and ops as CSV`);
  }
  if (report.schema === DRAM_REPORT_SCHEMA) files.push(...renderDramReport(report));
  if (values.csv) files.push(...reportCsvFiles(report));
  const outputs = files.map((f) => ({ path: join(values.out!, f.name), content: f.content }));
  writeOutputs(outputs);
  const label = (p: string) => (p.endsWith('.svg') ? 'chart' : p.endsWith('.csv') ? 'csv' : 'HTML report');
  // The HTML report is printed last: it is what a person opens.
  const ordered = [...outputs.filter((o) => !o.path.endsWith('.html')), ...outputs.filter((o) => o.path.endsWith('.html'))];
  for (const o of ordered) console.log(`${label(o.path)}: ${o.path}`);
  return 0;
}
