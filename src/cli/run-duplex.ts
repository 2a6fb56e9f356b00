import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { compileStreams } from '../compiler/lower.ts';
import { duplexRunReport } from '../report/duplex-run-report.ts';
import { reportCsvFiles } from '../report/csv.ts';
import type { TimelineScope } from '../report/run-report.ts';
import { assertFits, formatGiB, memoryFootprint } from '../compiler/footprint.ts';
import { parameterCount } from '../compiler/model.ts';
import { loadTargetFor } from '../systems/registry.ts';
import { duplex } from '../systems/duplex/policy.ts';
import { repoRelative } from '../compiler/policies/types.ts';
import { checkTensorParallel, duplexCapacityBytes, loadDuplexSystem } from '../systems/duplex/duplex-system.ts';
import { runDuplexStep, type DuplexStepResult } from '../systems/duplex/duplex-step.ts';
import { MAX_STEP_TOKENS, oneOf, positiveInt } from './args.ts';
import { writeOutputs } from './output.ts';
import { workProgress } from './progress.ts';
import { logicPimStreamGrid } from '../pim/logic-pim-tsv.ts';
import { planSteps, stepSeed } from './workload.ts';
import { CheckFailed, StreamChecker } from './check.ts';
import { checkLogicPimStreams, refuseCheckWithoutCommands } from './run-check.ts';

/** Flags of `strata run --policy duplex` (a subset of `strata run`'s, plus the Duplex ones). */
export interface DuplexRunValues {
  policy?: string;
  system?: string;
  model?: string;
  phase?: string;
  batch?: string;
  context?: string;
  seed?: string;
  tokens?: string;
  devices?: string;
  routing?: string;
  out?: string;
  quiet?: boolean;
  trace?: string;
  timeline?: string;
  csv?: string;
  'attention-launch'?: string;
  profile?: string;
  check?: boolean;
}

const ms = (ps: number) => `${(ps / 1e9).toFixed(3)} ms`;

/**
 * `strata run --policy duplex`: decode or prefill steps on a Duplex-family system (arch/systems/*.json of family `duplex`): ops by
 * Op/B on the xPU or the near-memory PIM, co-processed (src/systems/duplex/duplex-step.ts). Prints latency, throughput,
 * device busy times and energy; `--out` writes a run report (`strata.run-report/1`, policy `duplex`,
 * src/report/duplex-run-report.ts) that `strata report` draws, `--csv DIR` its steps and ops as CSV.
 */
export function runDuplexCommand(v: DuplexRunValues, given?: StreamChecker): number {
  if (v.policy !== duplex.name) throw new StrataError(`run: --policy: expected gpu-roofline or duplex, got '${v.policy}'`);
  if (v['attention-launch'] !== undefined) {
    throw new StrataError('run: --attention-launch applies to gpu-roofline; Duplex-family systems launch a layer\'s attention ops of one kind once for the batch (src/systems/duplex/duplex-step.ts)');
  }
  // Refused as strata serve refuses it (src/cli/serve.ts): a Duplex step has no software profile to choose.
  if (v.profile !== undefined) {
    throw new StrataError("run: --profile applies to gpu-roofline; Duplex-family systems run their xPU ops under the xPU preset's default profile and charge no host launch (src/systems/duplex/duplex-step.ts)");
  }
  if (v.trace !== undefined) throw new StrataError('run: --trace is not available with --policy duplex or a Duplex-family --system (it times gpu-roofline traces); give --model, --phase and --context');
  const timelineScope: TimelineScope = oneOf('timeline', v.timeline, ['first', 'all'] as const) ?? 'first';
  const csvDir = v.csv;
  const devices = positiveInt('devices', v.devices);
  const routing = oneOf('routing', v.routing, ['uniform', 'skewed'] as const);
  const name = v.system ?? duplex.defaultSystem;
  loadTargetFor(duplex, name); // names a system of another policy in the error
  const system = loadDuplexSystem(name, { devices });
  if (v.check) refuseCheckWithoutCommands('run', `'${name}'`, 'duplex', system);
  const tokens = positiveInt('tokens', v.tokens, MAX_STEP_TOKENS) ?? 1;
  const plan = planSteps('run', v, tokens);
  const model = plan.model;
  if (routing !== undefined && model.experts <= 1) throw new StrataError(`--routing: ${model.name} is a dense model (no experts to route to)`);
  checkTensorParallel(model, system.devices, devices === undefined ? `${system.name}'s ${system.devices} devices:` : '--devices');
  const footprint = memoryFootprint(model, plan.steps[plan.steps.length - 1]!);
  const capacityBytes = duplexCapacityBytes(system);
  try {
    assertFits(footprint, { name: `${system.name} (${system.devices} x ${system.xpu.name})`, capacityBytes }, plan.what);
  } catch (e) {
    if (e instanceof StrataError) throw new StrataError(`${e.message}; add devices with --devices N`);
    throw e;
  }
  const seed = v.seed ?? '0';
  const streams: string[] = [];
  const steps = plan.steps.map((step, i) => {
    const s = stepSeed(seed, i);
    streams.push(...compileStreams(model, s));
    return { step, seed: s, result: runDuplexStep(system, model, step, { seed: s, routing }) };
  });
  const results: DuplexStepResult[] = steps.map((s) => s.result);
  const totalPs = results.reduce((s, r) => s + r.timePs, 0);
  const generated = results.reduce((s, r) => s + r.tokens, 0);
  const energyPj = results.reduce((s, r) => s + r.energyPj.total, 0);
  const report = duplexRunReport({
    system, requestedSystem: name,
    model: { name: model.name, file: repoRelative(model.file), parameters: parameterCount(model), precisionBytes: model.precisionBytes },
    phase: plan.phase, origin: `${plan.origin}${routing ? ` --routing ${routing}` : ''}`, seed, streams, footprint, coProcessing: true, steps, timeline: timelineScope,
  });
  // --check: the streams the PIM numbers above come from, replayed before anything is written.
  let checked: string | undefined;
  if (v.check) {
    const checker = given ?? new StreamChecker('run');
    // Ten or so streams of thousands of commands each, re-simulated and replayed: a few seconds, so progress by stream.
    const progress = workProgress('run --check', 'streams replayed', logicPimStreamGrid(system.pim!.spec).length, { quiet: v.quiet });
    try {
      checkLogicPimStreams(system, checker, (done) => progress.update(done));
    } catch (e) {
      if (!(e instanceof CheckFailed)) throw e;
      console.error(e.line);
      return 1;
    } finally {
      progress.end();
    }
    checked = checker.summary(`${system.pim!.spec.name}: every stream length the PIM ops are timed from`);
  }
  const outputs: Array<{ path: string; content: string }> = [];
  if (v.out) outputs.push({ path: v.out, content: `${JSON.stringify(report, null, 2)}\n` });
  if (csvDir !== undefined) for (const f of reportCsvFiles(report)) outputs.push({ path: join(csvDir, f.name), content: f.content });
  writeOutputs(outputs);

  if (!v.quiet) {
    const first = results[0]!;
    const pim = system.pim ? ` + ${system.pim.spec.name} on ${system.pim.stacksPerDevice} HBM3 stacks each (Op/B <= ${system.pim.opPerByteThreshold} to PIM)` : '';
    const busy = (r: DuplexStepResult) => Object.entries(r.busyPs).map(([d, p]) => `${d} ${(r.opsPerDevice[d] ?? 0).toLocaleString('en-US')} ops, busy ${ms(p)}`).join('; ');
    const e = first.energyPj;
    const lines = [
      `Strata run — ${plan.what}, policy duplex on ${system.name} (${system.devices} x ${system.xpu.name}${pim}), ${results.length} step${results.length > 1 ? 's' : ''}, fp16, xPU profile ${report.system.softwareProfile!.name}`,
      plan.phase === 'decode'
        ? `  per-token latency  ${ms(totalPs / results.length)} (mean over ${results.length} step${results.length > 1 ? 's' : ''})`
        : `  step time          ${ms(totalPs)}`,
      `  throughput         ${(generated / (totalPs / 1e12)).toLocaleString('en-US', { maximumFractionDigits: 1 })} tokens/s (${generated} tokens in ${ms(totalPs)})`,
      `  devices            ${busy(first)} (first step)`,
      `  co-processing      ${ms(first.timePs)} vs ${ms(first.serialPs)} serial; both busy ${ms(first.overlapPs)}, slowed by shared DRAM ${ms(first.contendedPs)}`,
      `  energy             ${(energyPj / 1e12).toFixed(3)} J, ${(energyPj / 1e12 / Math.max(1, generated)).toFixed(4)} J/token (first step: xPU ${(e.xpu / 1e12).toFixed(3)} J, PIM DRAM ${(e.pimDram / 1e12).toFixed(3)} J, PIM compute ${(e.pimCompute / 1e12).toFixed(3)} J, interconnect ${(e.interconnect / 1e12).toFixed(3)} J)`,
      `  memory             ${formatGiB(footprint.totalBytes)} of ${formatGiB(capacityBytes)} (weights ${formatGiB(footprint.weightBytes)} + KV cache ${formatGiB(footprint.kvCacheBytes)})`,
    ];
    if (checked !== undefined) lines.push(`  check              ${checked}`);
    for (const o of outputs) lines.push(`  wrote              ${o.path}`);
    console.log(lines.join('\n'));
  }
  return 0;
}
