import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { parseAddressMapping } from '../dram/address-mapping.ts';
import { generatePattern, type Pattern } from '../dram/patterns.ts';
import { runDram } from '../dram/run.ts';
import { bytesPerRequest, loadStandard } from '../dram/standard.ts';
import { dramReport, formatDramSummary } from '../report/dram-report.ts';
import { reportJson } from '../report/json.ts';
import { formatShowcase } from '../report/showcase.ts';
import { runShowcase } from '../validation/showcase.ts';
import { showcaseCharts, showcaseHtml } from '../../viz/showcase-page.ts';
import { parseFlags } from './args.ts';
import { checkOutputPaths, writeOutputs } from './output.ts';
import { workProgress } from './progress.ts';
import { renderDramReport } from './report.ts';

/**
 * `strata demo` (what `npm start` runs): the showcase, one small run of each paper's comparison (PIM-GPT, NeuPIMs,
 * Duplex) with a table on stdout and an offline dashboard in out/showcase/; `strata demo dram`: the DRAM layer
 * alone, HBM2 streaming and random traffic with reports and charts in out/demo/.
 */
export function demoCommand(argv: string[]): number {
  if (argv[0] === 'dram') return dramDemo(argv.slice(1));
  const { values, positionals } = parseFlags('demo', argv, { out: { type: 'string' }, quiet: { type: 'boolean' } });
  if (positionals.length) throw new StrataError(`demo: unexpected argument '${positionals[0]}' (expected 'dram' or nothing)`);
  const outDir = values.out ?? join('out', 'showcase');
  const page = join(outDir, 'index.html');
  // Checked before the three studies run (about 15 s of CPU), not when their page is written.
  checkOutputPaths([page]);
  const started = process.cpuUsage();
  const total = 3;
  let done = 0;
  const showcase = runShowcase((label) => {
    if (!values.quiet) process.stderr.write(`[${++done}/${total}] ${label}\n`);
  });
  writeOutputs([{ path: page, content: showcaseHtml(showcase) }, ...showcaseCharts(showcase).map((c) => ({ path: join(outDir, `${c.name}.svg`), content: c.svg }))]);
  console.log(formatShowcase(showcase));
  const cpu = process.cpuUsage(started);
  console.log(`\ndashboard: ${page} (opens offline; ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU for the three studies)`);
  console.log('next: strata help · strata validate pim-gpt|neupims|duplex --sensitivity · strata figures · strata demo dram');
  return 0;
}

/** `strata demo dram`: HBM2 streaming and random traffic, 200,000 requests each, with reports, charts and HTML. */
function dramDemo(argv: string[]): number {
  const { values, positionals } = parseFlags('demo dram', argv, { out: { type: 'string' }, quiet: { type: 'boolean' } });
  if (positionals.length) throw new StrataError(`demo dram: unexpected argument '${positionals[0]}'`);
  const outDir = values.out ?? join('out', 'demo');
  const standard = loadStandard('hbm2');
  const mapping = parseAddressMapping(standard.controller.addressMapping, standard.organization);
  const outputs: Array<{ path: string; content: string }> = [];
  // Two runs of 200,000 requests and their charts: a few seconds, so progress on stderr (none with --quiet).
  const progress = workProgress('demo dram', 'traces', 2, { quiet: values.quiet });
  for (const [i, pattern] of (['stream', 'random'] as Pattern[]).entries()) {
    const trace = generatePattern({
      pattern, requests: 200_000, seed: 'demo', requestBytes: bytesPerRequest(standard), capacityBytes: mapping.capacityBytes,
    });
    const report = dramReport(runDram({ standard, trace }));
    console.log(`${formatDramSummary(report)}\n`);
    outputs.push({ path: join(outDir, `hbm2-${pattern}.json`), content: reportJson(report) });
    for (const f of renderDramReport(report)) outputs.push({ path: join(outDir, `hbm2-${pattern}`, f.name), content: f.content });
    progress.update(i + 1, `hbm2 ${pattern}`);
  }
  progress.end();
  writeOutputs(outputs);
  for (const o of outputs) if (o.path.endsWith('.json')) console.log(`report: ${o.path}`);
  console.log(`charts: ${join(outDir, 'hbm2-stream')}/*.svg, ${join(outDir, 'hbm2-random')}/*.svg`);
  for (const o of outputs) if (o.path.endsWith('.html')) console.log(`HTML report: ${o.path}`);
  return 0;
}
