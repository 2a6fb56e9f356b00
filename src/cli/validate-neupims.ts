import { workProgress } from './progress.ts';
import { StrataError } from '../spec/errors.ts';
import { knownModels } from '../compiler/model.ts';
import { DATASETS, type DatasetName } from '../compiler/requests.ts';
import { NeuPimsMemo, type GemmTiming } from '../systems/neupims/neupims-decode.ts';
import { loadNeuPimsSystem } from '../systems/neupims/neupims-system.ts';
import { compareUnitAttention, compareWithNeuPimsReference, formatReferenceOrdering, formatReferenceTable, formatStageTerms, formatUnitAttention, NEUPIMS_REFERENCE_DIR, withNewtonSimActToGAct, withNewtonSimQueues } from '../validation/neupims-reference.ts';
import { compareNeuPims, formatNeuPimsTable, formatNeuPimsUtilisation, NEUPIMS_BATCHES, NEUPIMS_MODELS, neupimsSensitivityParts, neupimsUtilisation } from '../validation/neupims.ts';
import { printSensitivity } from './sensitivity-output.ts';
import { relative, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { MAX_BATCH, parseFlags, positiveInts } from './args.ts';
import { writeOutputs } from './output.ts';

const list = (flag: string, v: string | undefined): string[] | undefined => {
  if (v === undefined) return undefined;
  const items = v.split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) throw new StrataError(`--${flag}: expected a comma-separated list without empty items, got '${v}'`);
  return items;
};

const GEMM_TIMINGS: readonly GemmTiming[] = ['closed-form', 'cycle-level'];

/**
 * `strata validate neupims [--models A,B] [--batches 64,256] [--datasets sharegpt-like] [--intervals FILE]
 * [--gemm closed-form|cycle-level] [--what-if newtonsim-act|newtonsim-queues]`: the NeuPIMs throughput table of docs/validation.md (GPU-only, NPU-only and
 * NPU+PIM blocked, each NeuPIMs baseline also as the authors' simulator runs it, NeuPIMs, the sub-batch
 * interleaving ablation) and the NPU/PIM utilisation of blocked vs NeuPIMs; `--intervals` writes the busy
 * intervals of those runs as JSON; `--what-if newtonsim-act` runs the neupims preset with NewtonSim's ACT -> G_ACT
 * distance (withNewtonSimActToGAct), `newtonsim-queues` with NewtonSim's controller queues (withNewtonSimQueues).
 * `strata validate neupims --reference [DIR] [--gemm ...]`: Strata against the NeuPIMs authors' simulator, stage by
 * stage, on its reference runs (default ../shared/reference/neupims), with what-ifs of NewtonSim's ACT -> G_ACT rule
 * and controller queues, the interleaved stages term by term, and the authors' single-request attention runs.
 */
export function neupimsValidateCommand(argv: string[]): number {
  if (argv[0] === '--reference') {
    const dir = argv[1] !== undefined && !argv[1].startsWith('--') ? argv[1] : undefined;
    return referenceCommand(dir ?? NEUPIMS_REFERENCE_DIR, argv.slice(dir === undefined ? 1 : 2));
  }
  const { values, positionals } = parseFlags('validate neupims', argv, {
    models: { type: 'string' }, batches: { type: 'string' }, datasets: { type: 'string' }, intervals: { type: 'string' }, gemm: { type: 'string' },
    'what-if': { type: 'string' }, sensitivity: { type: 'boolean' }, quiet: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new StrataError(`validate neupims: unexpected argument '${positionals[0]}'`);
  const gemm = gemmTiming(values.gemm);
  const whatIf = values['what-if'];
  if (whatIf !== undefined && whatIf !== 'newtonsim-act' && whatIf !== 'newtonsim-queues') throw new StrataError(`--what-if: expected newtonsim-act (NewtonSim's ACT -> G_ACT distance on the neupims preset) or newtonsim-queues (NewtonSim's controller queues), got '${whatIf}'`);
  const variant = whatIf === 'newtonsim-queues' ? withNewtonSimQueues : withNewtonSimActToGAct;
  const load = whatIf ? (n: string) => (n === 'neupims' ? variant(loadNeuPimsSystem(n)) : loadNeuPimsSystem(n)) : loadNeuPimsSystem;
  const models = list('models', values.models) ?? [...NEUPIMS_MODELS];
  for (const m of models) if (!knownModels().includes(m)) throw new StrataError(`--models: unknown model '${m}' (known: ${knownModels().join(', ')})`);
  const batches = positiveInts('batches', list('batches', values.batches) ?? NEUPIMS_BATCHES.map(String), MAX_BATCH);
  const datasets = (list('datasets', values.datasets) ?? [...DATASETS]).map((d) => {
    if (!(DATASETS as readonly string[]).includes(d)) throw new StrataError(`--datasets: expected ${DATASETS.join(' or ')}, got '${d}'`);
    return d as DatasetName;
  });
  if (values.sensitivity) {
    for (const flag of ['intervals', 'gemm', 'what-if'] as const) if (values[flag] !== undefined) throw new StrataError(`--${flag}: does not apply with --sensitivity (it varies the throughput table's geometric means)`);
    // Every assumption end reruns every system over every case: unless told otherwise, the 7B model at the two
    // batches where NeuPIMs interleaves sub-batches stands for the table.
    const sm = values.models === undefined ? ['neupims-gpt3-7b'] : models;
    const sb = values.batches === undefined ? [256, 512] : batches;
    return printSensitivity(`### NeuPIMs: sensitivity of each geometric-mean gain to every assumption on its path (${sm.join(', ')}; ${datasets.join(', ')}; batches ${sb.join(', ')})`, neupimsSensitivityParts(sm, datasets, sb), values.quiet);
  }
  const rows = [];
  const progress = workProgress('validate neupims', 'cases', models.length * datasets.length * batches.length, { quiet: values.quiet });
  for (const m of models) {
    const memo = new NeuPimsMemo();
    for (const d of datasets) {
      for (const b of batches) {
        rows.push(compareNeuPims(m, d, b, memo, gemm, load));
        progress.update(rows.length, `${m} ${d} batch ${b}`);
      }
    }
  }
  progress.end();
  const whatIfText = whatIf === 'newtonsim-queues' ? "; what-if: NeuPIMs with NewtonSim's controller queues" : whatIf ? "; what-if: NeuPIMs with NewtonSim's ACT -> G_ACT distance" : '';
  console.log(`### NeuPIMs: decode throughput (generated tokens/s of the tp x pp devices), requests at their mean decode position; NPU GEMMs ${gemm}${whatIfText}\n`);
  console.log(formatNeuPimsTable(rows));
  const u = neupimsUtilisation(models[0]!, datasets[0]!, batches[batches.length - 1]!, load);
  console.log('\nNPU and PIM busy time over one decode iteration:\n');
  console.log(formatNeuPimsUtilisation(u));
  if (values.intervals) {
    writeOutputs([{ path: values.intervals, content: `${JSON.stringify({ schema: 'strata.neupims-utilisation/1', ...u }, null, 1)}\n` }]);
    console.log(`\nwrote ${values.intervals}`);
  }
  return 0;
}

function gemmTiming(v: string | undefined): GemmTiming {
  if (v === undefined) return 'closed-form';
  if (!(GEMM_TIMINGS as readonly string[]).includes(v)) throw new StrataError(`--gemm: expected ${GEMM_TIMINGS.join(' or ')}, got '${v}'`);
  return v as GemmTiming;
}

/** `validate neupims --reference [DIR]`: the stage table against the authors' simulator, the ordering, the what-if. */
function referenceCommand(dir: string, argv: string[]): number {
  const { values, positionals } = parseFlags('validate neupims --reference', argv, { gemm: { type: 'string' } });
  if (positionals.length > 0) throw new StrataError(`validate neupims --reference: unexpected argument '${positionals[0]}'`);
  const gemm = gemmTiming(values.gemm);
  const rows = compareWithNeuPimsReference({ dir, gemmTiming: gemm });
  console.log(`### NeuPIMs: Strata against the authors' simulator (${relative(PACKAGE_ROOT, resolve(dir)) || '.'}), GPT-3 7B, one decode layer, core cycles of 1 ns; NPU GEMMs ${gemm}\n`);
  console.log(formatReferenceTable(rows));
  console.log("\nPer layer, and NeuPIMs' speedup over each baseline (its cycles / NeuPIMs' cycles):\n");
  console.log(formatReferenceOrdering(rows));
  // A what-if changes the neupims preset only; the baselines load as shipped.
  const neupimsAs = (f: typeof withNewtonSimQueues) => (name: string) => (name === 'neupims' ? f(loadNeuPimsSystem(name)) : loadNeuPimsSystem(name));
  const whatIf = compareWithNeuPimsReference({ dir, gemmTiming: gemm, loadSystem: neupimsAs(withNewtonSimActToGAct) }).filter((r) => r.mode === 'neupims');
  console.log("\nWhat-if: NeuPIMs interleaved with NewtonSim's ACT -> G_ACT distance (tRRD_S instead of Strata's tFAW):\n");
  console.log(formatReferenceTable(whatIf));
  console.log("\nThe interleaved stages term by term, core cycles (authors / Strata): one sub-batch's NPU block alone and beside the other's PIM attention, that attention, and the stage (the authors' NPU block alone is their A or F, where nothing runs beside it):\n");
  console.log(formatStageTerms(rows.filter((r) => r.mode === 'neupims')));
  console.log("\nThe same with NewtonSim's ACT -> G_ACT distance:\n");
  console.log(formatStageTerms(whatIf));
  const queues = compareWithNeuPimsReference({ dir, gemmTiming: gemm, loadSystem: neupimsAs(withNewtonSimQueues) }).filter((r) => r.system === 'neupims');
  console.log("\nWhat-if: NeuPIMs (interleaved and not) with NewtonSim's controller queues (the NPU's requests in sight of the scheduler: 32 transactions + 128 commands per bank = 4,128 instead of Strata's 32):\n");
  console.log(formatReferenceTable(queues));
  console.log('\nIts interleaved stages term by term:\n');
  console.log(formatStageTerms(queues));
  console.log("\nOne request's attention alone on one channel (the authors' unit runs: 1,024 keys x 32 heads of 128, GPT-3 7B at tensor parallel 1), core cycles:\n");
  console.log(formatUnitAttention(compareUnitAttention(dir)));
  return 0;
}
