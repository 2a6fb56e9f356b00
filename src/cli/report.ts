import { join } from 'node:path';
import type { DramReport } from '../report/dram-report.ts';
import { readDramReport } from '../report/dram-report-file.ts';
import { StrataError } from '../spec/errors.ts';
import { DRAM_CHARTS } from '../../viz/dram-charts.ts';
import { dramHtmlReport } from '../../viz/html-report.ts';
import { parseFlags } from './args.ts';
import { writeOutputs } from './output.ts';

export const REPORT_USAGE = `strata report RUN.json --out DIR
            writes DIR/<chart>.svg (one per chart) and DIR/report.html (interactive, opens offline)`;

/** The files that render a DRAM report: one standalone SVG per chart, then `report.html`. */
export function renderDramReport(report: DramReport): { name: string; content: string }[] {
  return [
    ...DRAM_CHARTS.map((c) => ({ name: `${c.name}.svg`, content: c.render(report) })),
    { name: 'report.html', content: dramHtmlReport(report) },
  ];
}

/** `strata report RUN.json --out DIR`: renders a saved DRAM report to SVG charts and an HTML page. */
export function reportCommand(argv: string[]): number {
  const { values, positionals } = parseFlags('report', argv, { out: { type: 'string' } });
  if (positionals.length !== 1) {
    const got = positionals.length === 0 ? 'no report file given' : `expected one report file, got ${positionals.length}`;
    throw new StrataError(`report: ${got}\nusage: ${REPORT_USAGE}`);
  }
  if (!values.out) throw new StrataError(`report: --out DIR is required\nusage: ${REPORT_USAGE}`);
  const report = readDramReport(positionals[0]!);
  const outputs = renderDramReport(report).map((f) => ({ path: join(values.out!, f.name), content: f.content }));
  writeOutputs(outputs);
  for (const o of outputs) console.log(`${o.path.endsWith('.html') ? 'HTML report' : 'chart'}: ${o.path}`);
  return 0;
}
