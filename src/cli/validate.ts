import { workProgress } from './progress.ts';
import { StrataError } from '../spec/errors.ts';
import { knownStandards, loadStandard } from '../dram/standard.ts';
import { compareWithDramsim3, DRAMSIM3_CASES, DRAMSIM3_MORE_CASES, formatDramsim3Summary, formatDramsim3Table } from '../validation/dramsim3.ts';
import { streamingPeak } from '../validation/peak-bandwidth.ts';
import { parseFlags } from './args.ts';
import { comparePimGpt, formatPimGptTable, PIM_GPT_MODELS, PIM_GPT_TABLE_TITLE, pimGptSensitivityParts, sensitivityModels } from '../validation/pim-gpt.ts';
import { printSensitivity } from './sensitivity-output.ts';
import { knownModels } from '../compiler/model.ts';
import { neupimsValidateCommand } from './validate-neupims.ts';
import { duplexValidateCommand } from './validate-duplex.ts';
import { validatePageCommand } from './validate-page.ts';
import { attaccValidateCommand } from './validate-attacc.ts';
import { checkValidateCommand } from './validate-check.ts';
import { ramulator2ValidateCommand } from './validate-ramulator2.ts';
import { loadDevice } from '../systems/baseline/roofline.ts';
import { compareGpu, fitGpu, formatGpuTable, gpuErrorSummary, GPU_CALIBRATION_LIMITS, loadDecoderSteps, loadGpuMeasurements } from '../validation/gpu.ts';
import { formatShapeSweep } from '../validation/gpu-shapes.ts';
import { comparePublishedDifferences, comparePublishedMicro, comparePublishedSteps, fitPublished, formatPublishedSection, loadPublishedCard, PUBLISHED_CARDS } from '../validation/gpu-published.ts';

/**
 * `strata validate gpu`: every step of bench/gpu/h100-measured.json under the graphs and eager profiles, Strata's
 * time on gpu-h100-sxm and the error, with the median and worst, and the parameters fitted from the file; the
 * model's error on the cold-L2 shape sweep by shape regime (bench/gpu/h100-shape-sweep.json, checks only); then one
 * section per card of bench/gpu/published (A100 40/80 GB, T4): each published point, Strata's number and the
 * error, and what the micro points say the preset's parameters should be. Exit 1 if the H100's graphs profile
 * misses the calibration limits (median <= 10 %, worst <= 25 %); the published sections are checks and never fail.
 */
function gpuValidateCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('validate gpu', argv, { quiet: { type: 'boolean' } });
  if (positionals.length > 0) throw new StrataError(`validate gpu: unexpected argument '${positionals[0]}'`);
  // About 10 s of CPU: progress by section (the H100's steps, then each published card).
  const progress = workProgress('validate gpu', 'sections', 1 + PUBLISHED_CARDS.length, { quiet: v.quiet });
  const device = loadDevice('gpu-h100-sxm');
  const data = loadGpuMeasurements();
  const rows = compareGpu(device, data, loadDecoderSteps());
  progress.update(1, 'gpu-h100-sxm');
  console.log('### GPU baseline against measured H100 steps\n');
  console.log(formatGpuTable(device, rows, fitGpu(device, data)));
  console.log('');
  console.log(formatShapeSweep(device));
  for (const [i, name] of PUBLISHED_CARDS.entries()) {
    const card = loadPublishedCard(name);
    const preset = loadDevice(card.preset);
    const steps = comparePublishedSteps(preset, card);
    console.log('');
    console.log(formatPublishedSection(preset, card, comparePublishedMicro(preset, card), steps, comparePublishedDifferences(card, steps), fitPublished(preset, card, device)));
    progress.update(2 + i, card.preset);
  }
  progress.end();
  const g = gpuErrorSummary(rows.filter((r) => r.profile === 'graphs'));
  return g.medianPct <= GPU_CALIBRATION_LIMITS.medianPct && g.worstPct <= GPU_CALIBRATION_LIMITS.worstPct ? 0 : 1;
}

/** `strata validate`: prints the accuracy tables of docs/validation.md (Markdown). Exit 1 if a check fails. */
export function validateCommand(argv: string[]): number {
  if (argv[0] === 'neupims') return neupimsValidateCommand(argv.slice(1));
  if (argv[0] === 'duplex') return duplexValidateCommand(argv.slice(1));
  if (argv[0] === 'gpu') return gpuValidateCommand(argv.slice(1));
  if (argv[0] === 'page') return validatePageCommand(argv.slice(1));
  if (argv[0] === 'attacc') return attaccValidateCommand(argv.slice(1));
  if (argv[0] === 'check') return checkValidateCommand(argv.slice(1));
  if (argv[0] === 'ramulator2') return ramulator2ValidateCommand(argv.slice(1));
  const { values: v, positionals } = parseFlags('validate', argv, { sensitivity: { type: 'boolean' }, models: { type: 'string' }, quiet: { type: 'boolean' } });
  const what = positionals[0] ?? 'all';
  if (!['all', 'dramsim3', 'peak', 'pim-gpt'].includes(what) || positionals.length > 1) {
    throw new StrataError(`validate: expected 'dramsim3', 'ramulator2', 'peak', 'pim-gpt', 'neupims', 'duplex', 'gpu', 'attacc', 'page', 'check' or nothing, got '${positionals.join(' ')}'`);
  }
  if ((v.sensitivity || v.models !== undefined) && what !== 'pim-gpt') throw new StrataError(`validate ${what}: --sensitivity and --models apply to 'validate pim-gpt', 'validate neupims' and 'validate duplex'`);
  if (what === 'pim-gpt') {
    const models = v.models === undefined ? [...PIM_GPT_MODELS] : modelList(v.models);
    if (v.sensitivity) {
      const studied = v.models === undefined ? sensitivityModels(models) : models;
      return printSensitivity(`### PIM-GPT: sensitivity of each headline to every assumption on its path (${studied.join(', ')}; 64-token prompt, 64 generated tokens)`, pimGptSensitivityParts(studied, 64, 64), v.quiet);
    }
    console.log(`${PIM_GPT_TABLE_TITLE}\n`);
    const progress = workProgress('validate pim-gpt', 'models', models.length, { quiet: v.quiet });
    const rows = models.map((m, i) => {
      const row = comparePimGpt(m, 64, 64);
      progress.update(i + 1, m);
      return row;
    });
    progress.end();
    console.log(formatPimGptTable(rows));
    return 0;
  }
  let ok = true;
  // One progress over every run of the tables asked for (the DRAMsim3 traces, then the presets' streaming runs).
  const runs = (what === 'peak' ? 0 : DRAMSIM3_CASES.length + DRAMSIM3_MORE_CASES.length) + (what === 'dramsim3' ? 0 : knownStandards().length);
  const progress = workProgress(`validate ${what === 'all' ? '' : what}`.trim(), 'runs', runs, { quiet: v.quiet });
  let done = 0;
  const compared = (c: Parameters<typeof compareWithDramsim3>[0]) => {
    const r = compareWithDramsim3(c);
    progress.update(++done, c);
    return r;
  };
  if (what === 'all' || what === 'dramsim3') {
    const results = DRAMSIM3_CASES.map(compared);
    console.log('### Strata vs DRAMsim3 on the HBM2 reference traces (150,000 memory cycles, DRAMsim3 front end)\n');
    console.log(formatDramsim3Table(results));
    console.log('');
    const more = DRAMSIM3_MORE_CASES.map(compared);
    console.log('### Strata vs DRAMsim3 on ten more of its configurations (50,000 requests, 100,000 memory cycles, DRAMsim3 front end)\n');
    console.log('Tolerances: completed and GB/s 3 %, ACT 5 %, row hits 5 % of all requests, read latency 15 %, REF and IDD energy 5 %.\n');
    console.log(formatDramsim3Summary(more));
    console.log('');
    ok &&= [...results, ...more].every((r) => r.comparisons.every((c) => c.ok));
  }
  if (what === 'all' || what === 'peak') {
    console.log('### Streaming reads against the analytical peak (200,000 reads, default controller of each preset)\n');
    console.log('| preset | achieved GB/s | analytical peak GB/s | % of peak | >= 95 % |');
    console.log('|---|---:|---:|---:|---|');
    for (const name of knownStandards()) {
      const r = streamingPeak(loadStandard(name));
      progress.update(++done, name);
      const pass = r.percentOfPeak >= 95;
      ok &&= pass;
      console.log(`| ${name} | ${r.achievedGBps} | ${r.peakGBps} | ${r.percentOfPeak} | ${pass ? 'yes' : 'NO'} |`);
    }
  }
  progress.end();
  return ok ? 0 : 1;
}

/** A comma-separated list of shipped model names (`--models`). */
function modelList(v: string): string[] {
  const items = v.split(',').map((x) => x.trim());
  for (const m of items) if (!knownModels().includes(m)) throw new StrataError(`--models: unknown model '${m}' (known: ${knownModels().join(', ')})`);
  return items;
}
