import { workProgress } from './progress.ts';
import { join } from 'node:path';
import { printSensitivity } from './sensitivity-output.ts';
import { formatCount } from '../dram/limits.ts';
import { StrataError } from '../spec/errors.ts';
import { knownModels } from '../compiler/model.ts';
import {
  chargeRows, coProcessingBreakdown, compareServing, formatChargeTable, decodeCases, formatCoProcessingTable, duplexSensitivityParts, decodeCsv, DUPLEX_BATCHES, DUPLEX_LENGTHS, DUPLEX_MODELS, DUPLEX_PAPER, DuplexComparison, formatDecodeTable,
  formatPaperComparison, formatServingTable, requestsCsv, servingCsv, type DecodeRow, type ServingRow,
} from '../validation/duplex.ts';
import { MAX_BATCH, MAX_QPS, MAX_SERVED_REQUESTS, MAX_STEP_TOKENS, parseFlags, positiveInt, positiveInts, positiveNumber, seeUsage, tokenPair } from './args.ts';
import { writeOutputs } from './output.ts';
import { DUPLEX_CO_PROCESSING_TITLE, DUPLEX_METHOD, DUPLEX_SERVING_DEFAULTS, duplexServingTitle, duplexXpuProfile } from '../validation/duplex.ts';
import { DUPLEX_SPLITS, type DuplexSplit } from '../systems/duplex/policy.ts';

const list = (flag: string, v: string | undefined): string[] | undefined => {
  if (v === undefined) return undefined;
  const items = v.split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) throw new StrataError(`--${flag}: expected a comma-separated list without empty items, got '${v}'`);
  return items;
};

const lengthPair = (flag: string, s: string): readonly [number, number] => {
  const pair = tokenPair(s);
  if (!pair) throw new StrataError(`--${flag}: expected IN:OUT pairs of whole numbers from 1 to ${formatCount(MAX_STEP_TOKENS)} (256:256,1024:1024), got '${s}'`);
  return pair;
};

/** Serving comparison defaults: the subset of docs/validation.md (each run serves every system). */

export const VALIDATE_DUPLEX_USAGE = `strata validate duplex [--models A,B] [--lengths 256:256,1024:1024,4096:4096] [--batches 32,64,128]
                       [--serving-models A,B] [--serving-lengths IN:OUT,...] [--count N] [--qps Q] [--max-batch B] [--no-serving] [--out DIR]
                       [--split op-b|balanced|fastest]
       strata validate duplex --sensitivity [--models A,B] [--lengths ...] [--batches ...] [--split op-b|balanced|fastest]
       strata validate duplex --co-processing [--models A,B] [--lengths ...] [--batches ...]
       strata validate duplex --authors-charge [--models A,B] [--lengths ...] [--batches ...] [--split op-b|balanced|fastest]`;

/**
 * `strata validate duplex`: Duplex against GPU, 2xGPU, bank-PIM and BG-PIM (src/validation/duplex.ts). Prints the
 * fixed-batch decode table, the serving table and the paper's headline numbers beside ours (Markdown); `--out DIR`
 * writes duplex-decode.csv, duplex-serving.csv, duplex-requests.csv (every request's latencies, for CDFs) and
 * duplex-validation.json. `--split` picks how PIM systems split matrix ops between xPU and PIM (Strata's per-op
 * Op/B threshold, the default, or the Duplex authors' rules with and without co-processing, `balanced` and
 * `fastest`: src/systems/duplex/policy.ts); `--co-processing` prints, per decode case (default Mixtral-8x7B and
 * Llama-3-70B, 1024:1024, batches 32 and 128) and under every split, each op class's time on the xPU and on PIM and the step under Strata's and the authors'
 * charge. The decode table and the comparison with the paper give Duplex / GPU under both: Strata's charge (the
 * `graphs` profile, a serving engine's) and the authors' (no kernel floor or launch, no shared-bank slowdown: the
 * paper's setup); `--authors-charge` prints those two ratios alone, case by case.
 */
export function duplexValidateCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('validate duplex', argv, {
    models: { type: 'string' }, lengths: { type: 'string' }, batches: { type: 'string' },
    'serving-models': { type: 'string' }, 'serving-lengths': { type: 'string' }, count: { type: 'string' }, qps: { type: 'string' },
    'max-batch': { type: 'string' }, 'no-serving': { type: 'boolean' }, out: { type: 'string' }, sensitivity: { type: 'boolean' },
    split: { type: 'string' }, 'co-processing': { type: 'boolean' }, 'authors-charge': { type: 'boolean' }, quiet: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new StrataError(`validate duplex: unexpected argument '${positionals[0]}'${seeUsage('validate')}`);
  const checkModels = (flag: string, ms: readonly string[]) => {
    for (const m of ms) if (!knownModels().includes(m)) throw new StrataError(`--${flag}: unknown model '${m}' (known: ${knownModels().join(', ')})`);
    return ms;
  };
  if (v.split !== undefined && !(DUPLEX_SPLITS as readonly string[]).includes(v.split)) throw new StrataError(`--split: expected one of ${DUPLEX_SPLITS.join(', ')}, got '${v.split}'`);
  const split = (v.split ?? 'op-b') as DuplexSplit;
  const co = v['co-processing'] === true;
  const models = checkModels('models', list('models', v.models) ?? (co ? ['mixtral-8x7b', 'llama3-70b'] : [...DUPLEX_MODELS]));
  const lengths = (list('lengths', v.lengths)?.map((s) => lengthPair('lengths', s))) ?? (co ? [[1024, 1024] as const] : DUPLEX_LENGTHS);
  const batches = positiveInts('batches', list('batches', v.batches) ?? (co ? ['32', '128'] : DUPLEX_BATCHES.map(String)), MAX_BATCH);
  const servingModels = checkModels('serving-models', list('serving-models', v['serving-models']) ?? [...DUPLEX_SERVING_DEFAULTS.models]);
  const servingLengths = (list('serving-lengths', v['serving-lengths']) ?? [...DUPLEX_SERVING_DEFAULTS.lengths]).map((s) => lengthPair('serving-lengths', s));
  const count = positiveInt('count', v.count, MAX_SERVED_REQUESTS) ?? DUPLEX_SERVING_DEFAULTS.count;
  const maxBatch = positiveInt('max-batch', v['max-batch'], MAX_BATCH) ?? DUPLEX_SERVING_DEFAULTS.maxBatch;
  if (v['no-serving']) {
    for (const flag of ['serving-models', 'serving-lengths', 'count', 'qps', 'max-batch'] as const) {
      if (v[flag] !== undefined) throw new StrataError(`--${flag}: applies to the serving table, which --no-serving leaves out`);
    }
  }
  let qps: number = DUPLEX_SERVING_DEFAULTS.qps;
  if (v.qps !== undefined) {
    qps = positiveNumber('qps', v.qps, MAX_QPS, 'at a 1 us mean gap every request is there at once')!;
  }

  if (co) {
    for (const flag of ['serving-models', 'serving-lengths', 'count', 'qps', 'max-batch', 'no-serving', 'out', 'sensitivity', 'split', 'authors-charge'] as const) {
      if (v[flag] !== undefined) throw new StrataError(`--${flag}: does not apply with --co-processing (it prints every split of the decode cases)`);
    }
    console.log(`${DUPLEX_CO_PROCESSING_TITLE}\n`);
    const rows = decodeCases(models, batches, lengths).flatMap((c) => DUPLEX_SPLITS.map((s) => coProcessingBreakdown(c.model, c.lin, c.lout, c.batch, c.routing, s)));
    console.log(formatCoProcessingTable(rows));
    return 0;
  }
  if (v['authors-charge']) {
    for (const flag of ['serving-models', 'serving-lengths', 'count', 'qps', 'max-batch', 'no-serving', 'out', 'sensitivity'] as const) {
      if (v[flag] !== undefined) throw new StrataError(`--${flag}: does not apply with --authors-charge (it compares the decode cases under two charges)`);
    }
    const cases = decodeCases(models, batches, lengths);
    const progress = workProgress('validate duplex --authors-charge', 'cases', cases.length, { quiet: v.quiet });
    const cmp = new DuplexComparison(split);
    const rows = cases.map((c, i) => {
      const [row] = chargeRows([c], split, cmp);
      progress.update(i + 1, `${c.model} ${c.lin}/${c.lout} batch ${c.batch}`);
      return row!;
    });
    progress.end();
    console.log(`### Duplex / GPU under Strata's charge and under the authors' (split ${split}), every decode case\n`);
    console.log(formatChargeTable(rows));
    return 0;
  }
  if (v.sensitivity) {
    for (const flag of ['serving-models', 'serving-lengths', 'count', 'qps', 'max-batch', 'no-serving', 'out'] as const) {
      if (v[flag] !== undefined) throw new StrataError(`--${flag}: does not apply with --sensitivity (it varies the decode table's headlines)`);
    }
    return printSensitivity("### Duplex: sensitivity of each decode headline to every assumption on its path (GPU and xPU: the H100 under the 'graphs' profile, a serving engine's; rows marked 'the paper's setup': the authors' charge, no kernel floor or launch and no shared-bank slowdown)", duplexSensitivityParts(decodeCases(models, batches, lengths)), v.quiet);
  }
  const cmp = new DuplexComparison(split);
  const cases = decodeCases(models, batches, lengths);
  const servingCases = v['no-serving'] ? 0 : servingModels.length * servingLengths.length;
  const progress = workProgress('validate duplex', 'cases', cases.length + servingCases, { quiet: v.quiet });
  let done = 0;
  const decode: DecodeRow[] = cases.map((c) => {
    const row = cmp.decode(c.model, c.lin, c.lout, c.batch, c.routing);
    progress.update(++done, `${c.model} ${c.lin}/${c.lout} batch ${c.batch}`);
    return row;
  });
  const serving: ServingRow[] = [];
  if (!v['no-serving']) {
    for (const model of servingModels) {
      for (const [lin, lout] of servingLengths) {
        serving.push(compareServing({ model, lin, lout, count, qps, maxBatch, seed: '0' }, cmp));
        progress.update(++done, `serving ${model} ${lin}/${lout}`);
      }
    }
  }
  progress.end();
  console.log("### Duplex: fixed-batch decode (token at position Lin + Lout/2), tokens/s per system; GPU and xPU: the H100 under the 'graphs' profile (a serving engine), Duplex / GPU also under the authors' charge (the paper's setup)\n");
  console.log(formatDecodeTable(decode));
  if (serving.length > 0) {
    console.log(`\n${duplexServingTitle(count, qps, maxBatch)}\n`);
    console.log(formatServingTable(serving));
  }
  console.log('\n### Ours beside the paper\n');
  console.log(formatPaperComparison(decode));
  console.log(`\nPaper: ${DUPLEX_PAPER.source}.`);
  console.log(`\n${DUPLEX_METHOD}`);
  if (v.out !== undefined) {
    const data = { xpuProfile: duplexXpuProfile(), method: DUPLEX_METHOD, decode, serving: serving.map((r) => ({ ...r })), paper: DUPLEX_PAPER };
    const outputs = [
      { path: join(v.out, 'duplex-decode.csv'), content: decodeCsv(decode) },
      { path: join(v.out, 'duplex-serving.csv'), content: servingCsv(serving) },
      { path: join(v.out, 'duplex-requests.csv'), content: requestsCsv(serving) },
      { path: join(v.out, 'duplex-validation.json'), content: `${JSON.stringify(data, null, 2)}\n` },
    ];
    writeOutputs(outputs);
    for (const o of outputs) console.log(`wrote ${o.path}`);
  }
  return 0;
}
