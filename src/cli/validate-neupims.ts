import { StrataError } from '../spec/errors.ts';
import { knownModels } from '../compiler/model.ts';
import { DATASETS, type DatasetName } from '../compiler/requests.ts';
import { NeuPimsMemo } from '../npu/neupims-decode.ts';
import { compareNeuPims, formatNeuPimsTable, formatNeuPimsUtilisation, NEUPIMS_BATCHES, NEUPIMS_MODELS, neupimsUtilisation } from '../validation/neupims.ts';
import { MAX_BATCH, parseFlags, positiveInts } from './args.ts';
import { writeOutputs } from './output.ts';

const list = (flag: string, v: string | undefined): string[] | undefined => {
  if (v === undefined) return undefined;
  const items = v.split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) throw new StrataError(`--${flag}: expected a comma-separated list without empty items, got '${v}'`);
  return items;
};

/**
 * `strata validate neupims [--models A,B] [--batches 64,256] [--datasets sharegpt-like] [--intervals FILE]`: the
 * NeuPIMs throughput table of docs/validation.md (GPU-only, NPU-only, NPU+PIM blocked, NeuPIMs, the sub-batch
 * interleaving ablation) and the NPU/PIM utilisation of blocked vs NeuPIMs; `--intervals` writes the busy
 * intervals of those runs as JSON.
 */
export function neupimsValidateCommand(argv: string[]): number {
  const { values, positionals } = parseFlags('validate neupims', argv, {
    models: { type: 'string' }, batches: { type: 'string' }, datasets: { type: 'string' }, intervals: { type: 'string' },
  });
  if (positionals.length > 0) throw new StrataError(`validate neupims: unexpected argument '${positionals[0]}'`);
  const models = list('models', values.models) ?? [...NEUPIMS_MODELS];
  for (const m of models) if (!knownModels().includes(m)) throw new StrataError(`--models: unknown model '${m}' (known: ${knownModels().join(', ')})`);
  const batches = positiveInts('batches', list('batches', values.batches) ?? NEUPIMS_BATCHES.map(String), MAX_BATCH);
  const datasets = (list('datasets', values.datasets) ?? [...DATASETS]).map((d) => {
    if (!(DATASETS as readonly string[]).includes(d)) throw new StrataError(`--datasets: expected ${DATASETS.join(' or ')}, got '${d}'`);
    return d as DatasetName;
  });
  const rows = [];
  for (const m of models) {
    const memo = new NeuPimsMemo();
    for (const d of datasets) for (const b of batches) rows.push(compareNeuPims(m, d, b, memo));
  }
  console.log('### NeuPIMs: decode throughput (generated tokens/s of the tp x pp devices), requests at their mean decode position\n');
  console.log(formatNeuPimsTable(rows));
  const u = neupimsUtilisation(models[0]!, datasets[0]!, batches[batches.length - 1]!);
  console.log('\nNPU and PIM busy time over one decode iteration:\n');
  console.log(formatNeuPimsUtilisation(u));
  if (values.intervals) {
    writeOutputs([{ path: values.intervals, content: `${JSON.stringify({ schema: 'strata.neupims-utilisation/1', ...u }, null, 1)}\n` }]);
    console.log(`\nwrote ${values.intervals}`);
  }
  return 0;
}
