import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { parseAddressMapping } from '../dram/address-mapping.ts';
import { generatePattern, type Pattern } from '../dram/patterns.ts';
import { runDram } from '../dram/run.ts';
import { bytesPerRequest, loadStandard } from '../dram/standard.ts';
import { dramReport, formatDramSummary } from '../report/dram-report.ts';
import { reportJson } from '../report/json.ts';
import { parseFlags } from './args.ts';
import { writeOutputs } from './output.ts';
import { renderDramReport } from './report.ts';

/** `strata demo`: the default run of the quick start. */
export function demoCommand(argv: string[]): number {
  const { values, positionals } = parseFlags('demo', argv, { out: { type: 'string' } });
  if (positionals.length) throw new StrataError(`demo: unexpected argument '${positionals[0]}'`);
  const outDir = values.out ?? join('out', 'demo');
  const standard = loadStandard('hbm2');
  const mapping = parseAddressMapping(standard.controller.addressMapping, standard.organization);
  const outputs: Array<{ path: string; content: string }> = [];
  for (const pattern of ['stream', 'random'] as Pattern[]) {
    const trace = generatePattern({
      pattern, requests: 200_000, seed: 'demo', requestBytes: bytesPerRequest(standard), capacityBytes: mapping.capacityBytes,
    });
    const report = dramReport(runDram({ standard, trace }));
    console.log(`${formatDramSummary(report)}\n`);
    outputs.push({ path: join(outDir, `hbm2-${pattern}.json`), content: reportJson(report) });
    for (const f of renderDramReport(report)) outputs.push({ path: join(outDir, `hbm2-${pattern}`, f.name), content: f.content });
  }
  writeOutputs(outputs);
  for (const o of outputs) if (o.path.endsWith('.json')) console.log(`report: ${o.path}`);
  console.log(`charts: ${join(outDir, 'hbm2-stream')}/*.svg, ${join(outDir, 'hbm2-random')}/*.svg`);
  for (const o of outputs) if (o.path.endsWith('.html')) console.log(`HTML report: ${o.path}`);
  return 0;
}
