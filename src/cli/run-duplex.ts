import { StrataError } from '../spec/errors.ts';
import { assertFits, formatGiB, memoryFootprint } from '../compiler/footprint.ts';
import { parameterCount } from '../compiler/model.ts';
import { duplex, loadTargetFor, repoRelative } from '../compiler/policies/index.ts';
import { loadDuplexSystem } from '../pim/duplex-system.ts';
import { runDuplexStep, type DuplexStepResult } from '../pim/duplex-step.ts';
import { oneOf, positiveInt } from './args.ts';
import { writeOutputs } from './output.ts';
import { planSteps } from './workload.ts';

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
}

/** Schema id of the JSON `strata run --policy duplex --out` writes. */
export const DUPLEX_RUN_SCHEMA = 'strata.duplex-run/1';

const ms = (ps: number) => `${(ps / 1e9).toFixed(3)} ms`;

/**
 * `strata run --policy duplex`: decode or prefill steps on a Duplex-family system (arch/systems/duplex): ops by
 * Op/B on the xPU or the near-memory PIM, co-processed (src/pim/duplex-step.ts). Prints latency, throughput,
 * device busy times and energy; `--out` writes the per-step results (schema strata.duplex-run/1).
 */
export function runDuplexCommand(v: DuplexRunValues): number {
  if (v.policy !== duplex.name) throw new StrataError(`run: --policy: expected gpu-roofline or duplex, got '${v.policy}'`);
  for (const flag of ['trace', 'timeline', 'csv'] as const) {
    if (v[flag] !== undefined) throw new StrataError(`run: --${flag} is not available with --policy duplex yet`);
  }
  const devices = positiveInt('devices', v.devices);
  const routing = oneOf('routing', v.routing, ['uniform', 'skewed'] as const);
  const name = v.system ?? duplex.defaultSystem;
  loadTargetFor(duplex, name); // names a system of another policy in the error
  const system = loadDuplexSystem(name, { devices });
  const tokens = positiveInt('tokens', v.tokens) ?? 1;
  const plan = planSteps('run', v, tokens);
  const model = plan.model;
  if (routing !== undefined && model.experts <= 1) throw new StrataError(`--routing: ${model.name} is a dense model (no experts to route to)`);
  const footprint = memoryFootprint(model, plan.steps[plan.steps.length - 1]!);
  const capacityBytes = system.xpu.capacityBytes * system.devices;
  try {
    assertFits(footprint, { name: `${system.name} (${system.devices} x ${system.xpu.name})`, capacityBytes }, plan.what);
  } catch (e) {
    if (e instanceof StrataError) throw new StrataError(`${e.message}; add devices with --devices N`);
    throw e;
  }
  const seed = v.seed ?? '0';
  const results: DuplexStepResult[] = plan.steps.map((step, i) => runDuplexStep(system, model, step, { seed: i === 0 ? seed : `${seed}.${i}`, routing }));
  const totalPs = results.reduce((s, r) => s + r.timePs, 0);
  const serialPs = results.reduce((s, r) => s + r.serialPs, 0);
  const generated = results.reduce((s, r) => s + r.tokens, 0);
  const energyPj = results.reduce((s, r) => s + r.energyPj.total, 0);

  if (v.out) {
    const report = {
      schema: DUPLEX_RUN_SCHEMA,
      system: { name: system.name, file: repoRelative(system.file), devices: system.devices, xpu: system.xpu.name, pim: system.pim?.spec.name ?? null },
      model: { name: model.name, file: repoRelative(model.file), parameters: parameterCount(model), precisionBytes: model.precisionBytes },
      workload: { phase: plan.phase, origin: plan.origin, seed, routing: routing ?? 'uniform' },
      memory: { neededBytes: footprint.totalBytes, availableBytes: capacityBytes },
      totals: { timePs: totalPs, serialPs, tokens: generated, energyPj },
      steps: results.map((r) => ({
        timePs: r.timePs, serialPs: r.serialPs, tokens: r.tokens, busyPs: r.busyPs, overlapPs: r.overlapPs, contendedPs: r.contendedPs,
        energyPj: r.energyPj, opsPerDevice: r.opsPerDevice,
      })),
      timeline: results[0]!.ops,
    };
    writeOutputs([{ path: v.out, content: `${JSON.stringify(report, null, 2)}\n` }]);
  }
  if (!v.quiet) {
    const first = results[0]!;
    const pim = system.pim ? ` + ${system.pim.spec.name} on ${system.pim.stacksPerDevice} HBM3 stacks each (Op/B <= ${system.pim.opPerByteThreshold} to PIM)` : '';
    const busy = (r: DuplexStepResult) => Object.entries(r.busyPs).map(([d, p]) => `${d} ${(r.opsPerDevice[d] ?? 0).toLocaleString('en-US')} ops, busy ${ms(p)}`).join('; ');
    const e = first.energyPj;
    const lines = [
      `Strata run — ${plan.what}, policy duplex on ${system.name} (${system.devices} x ${system.xpu.name}${pim}), ${results.length} step${results.length > 1 ? 's' : ''}, fp16`,
      plan.phase === 'decode'
        ? `  per-token latency  ${ms(totalPs / results.length)} (mean over ${results.length} step${results.length > 1 ? 's' : ''})`
        : `  step time          ${ms(totalPs)}`,
      `  throughput         ${(generated / (totalPs / 1e12)).toLocaleString('en-US', { maximumFractionDigits: 1 })} tokens/s (${generated} tokens in ${ms(totalPs)})`,
      `  devices            ${busy(first)} (first step)`,
      `  co-processing      ${ms(first.timePs)} vs ${ms(first.serialPs)} serial; both busy ${ms(first.overlapPs)}, slowed by shared DRAM ${ms(first.contendedPs)}`,
      `  energy             ${(energyPj / 1e12).toFixed(3)} J, ${(energyPj / 1e12 / Math.max(1, generated)).toFixed(4)} J/token (first step: xPU ${(e.xpu / 1e12).toFixed(3)} J, PIM DRAM ${(e.pimDram / 1e12).toFixed(3)} J, PIM compute ${(e.pimCompute / 1e12).toFixed(3)} J, interconnect ${(e.interconnect / 1e12).toFixed(3)} J)`,
      `  memory             ${formatGiB(footprint.totalBytes)} of ${formatGiB(capacityBytes)} (weights ${formatGiB(footprint.weightBytes)} + KV cache ${formatGiB(footprint.kvCacheBytes)})`,
    ];
    if (v.out) lines.push(`  wrote              ${v.out}`);
    console.log(lines.join('\n'));
  }
  return 0;
}
