import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { formatGiB, memoryFootprint } from '../compiler/footprint.ts';
import { parameterCount } from '../compiler/model.ts';
import { pimCapacityBytes } from '../compiler/policies/pim-gemv-tiling.ts';
import { repoRelative } from '../compiler/policies/types.ts';
import { pimGptRunReport } from '../report/pim-gpt-run-report.ts';
import { reportCsvFiles } from '../report/csv.ts';
import { formatNs, type TimelineScope } from '../report/run-report.ts';
import { loadTargetFor } from '../systems/registry.ts';
import { loadPimGptSystem, type TokenCost } from '../systems/pim-gpt/pim-gpt.ts';
import { pimGpt } from '../systems/pim-gpt/policy.ts';
import { PimGptTokenSequence } from '../systems/pim-gpt/token-sequence.ts';
import { MAX_STEP_TOKENS, oneOf, positiveInt } from './args.ts';
import { writeOutputs } from './output.ts';
import { workProgress } from './progress.ts';
import { planSteps, stepSeed } from './workload.ts';
import { CheckFailed, StreamChecker } from './check.ts';
import type { DuplexRunValues } from './run-duplex.ts';

/**
 * `strata run --system pim-gpt` (or `--policy pim-gpt`): decode or prefill steps of batch 1 on a PIM-GPT system,
 * timed by the simulator `strata pim generate` uses (src/systems/pim-gpt/pim-gpt.ts), every token of the generation
 * from its first prompt token simulated on one machine (src/systems/pim-gpt/token-sequence.ts).
 *
 * - Decode `--context L [--tokens T]`: the tokens with L − 1 .. L + T − 2 cached tokens, after the L − 1 before them:
 *   to the last bit the tokens `strata pim generate --prompt L-1 --tokens T` generates (test/systems/pim-gpt-run.test.ts).
 * - Prefill `--context L`: the prompt as PIM-GPT runs it, token by token (a GEMV engine: the tokens with 0 .. L − 1
 *   cached tokens), as `strata pim generate --prompt L` times its prompt.
 * - `--batch` other than 1 is refused: PIM-GPT is a batch-1 design.
 * - `--check`: every command of every channel of the whole simulated generation, replayed through the protocol checker.
 */
export function runPimGptCommand(v: DuplexRunValues, given?: StreamChecker): number {
  for (const [flag, why] of [
    ['devices', 'PIM-GPT is one PIM device and one ASIC'],
    ['routing', 'PIM-GPT takes no expert routing'],
    ['attention-launch', 'PIM-GPT runs attention as GEMVs in the banks and softmax on its ASIC, with no kernel launches'],
    ['profile', 'no GPU/CPU preset times PIM-GPT\'s steps'],
    ['trace', 'it times gpu-roofline traces; give --model, --phase and --context'],
  ] as const) {
    if (v[flag] !== undefined) throw new StrataError(`run: --${flag}: does not apply to a PIM-GPT system: ${why}`);
  }
  if (v.batch !== undefined && v.batch !== '1') {
    throw new StrataError(`run: --batch: PIM-GPT is a batch-1 design (one request's GEMVs in the banks at a time), so strata run times batch 1 only, got ${v.batch}`);
  }
  const timelineScope: TimelineScope = oneOf('timeline', v.timeline, ['first', 'all'] as const) ?? 'first';
  const name = v.system ?? pimGpt.defaultSystem;
  loadTargetFor(pimGpt, name); // names a system of another policy in the error
  const system = loadPimGptSystem(name);
  const tokens = positiveInt('tokens', v.tokens, MAX_STEP_TOKENS) ?? 1;
  const plan = planSteps('run', v, tokens);
  const model = plan.model;
  const footprint = memoryFootprint(model, plan.steps[plan.steps.length - 1]!);
  // Each step's tokens, by context: a decode step its one token, a prefill its prompt's.
  const contexts = plan.steps.map((step) => {
    const q = step.requests[0]!;
    return Array.from({ length: q.newTokens }, (_, i) => q.contextLength + i);
  });
  const listed = new Set(contexts.filter((_, i) => timelineScope === 'all' || i === 0).map((c) => c[0]!));
  // A step at context L simulates the L tokens before it too: a few seconds from a few hundred tokens, so progress by token.
  const needed = Math.max(...contexts.map((c) => c[c.length - 1]!)) + 1;
  const progress = workProgress('run', 'tokens simulated', needed, { quiet: v.quiet });
  const sequence = new PimGptTokenSequence(system, model, { commandLogs: v.check === true, timeline: (c) => listed.has(c), onToken: (n) => progress.update(n) });
  const seed = v.seed ?? '0';
  // Dense models only draw no random numbers; PIM-GPT's token graph routes no experts (it has no --seed of its own).
  const steps = plan.steps.map((step, i) => ({ step, seed: stepSeed(seed, i), tokens: contexts[i]!.map((c) => sequence.at(c)) as readonly TokenCost[] }));
  progress.end();
  const report = pimGptRunReport({
    system, requestedSystem: name, modelSpec: model,
    model: { name: model.name, file: repoRelative(model.file), parameters: parameterCount(model), precisionBytes: model.precisionBytes },
    phase: plan.phase, origin: plan.origin, seed, streams: [], footprint, steps, timeline: timelineScope,
  });
  // --check: the one stream every number above comes from, replayed before anything is written.
  let checked: string | undefined;
  if (v.check) {
    const checker = given ?? new StreamChecker('run');
    const std = system.pim.standard;
    try {
      checker.end({ logs: sequence.logs!, standard: std, endCycle: Math.ceil(sequence.endPs / std.tCKPs), what: `the ${system.name} generation of ${sequence.simulated} tokens` });
    } catch (e) {
      if (!(e instanceof CheckFailed)) throw e;
      console.error(e.line);
      return 1;
    }
    checked = checker.summary(`every channel of the ${sequence.simulated}-token generation the steps were read from`);
  }
  const outputs: Array<{ path: string; content: string }> = [];
  if (v.out) outputs.push({ path: v.out, content: `${JSON.stringify(report, null, 2)}\n` });
  if (v.csv !== undefined) for (const f of reportCsvFiles(report)) outputs.push({ path: join(v.csv, f.name), content: f.content });
  writeOutputs(outputs);

  if (!v.quiet) {
    const tot = report.totals;
    const e = report.energy.pimGptJ!;
    const all = steps.flatMap((s) => s.tokens);
    const mean = (f: (t: TokenCost) => number) => formatNs(all.reduce((a, t) => a + f(t), 0) / all.length / 1000);
    const n = report.steps.length;
    const mJ = (j: number) => (j * 1e3).toFixed(3);
    const lines = [
      `Strata run — ${plan.what}, policy pim-gpt on ${system.name} (${system.pim.name} + ${system.asic.name}), ${n} step${n > 1 ? 's' : ''}, ${report.system.precision}`,
      plan.phase === 'decode'
        ? `  per-token latency  ${formatNs(tot.perTokenLatencyNs!)} (mean over ${n} step${n > 1 ? 's' : ''})`
        : `  prefill latency    ${formatNs(tot.meanStepNs)} (time to first token: the ${all.length}-token prompt run token by token)`,
      `  throughput         ${tot.tokensPerS.toFixed(1)} tokens/s (${tot.tokens} token${tot.tokens === 1 ? '' : 's'} in ${formatNs(tot.timeNs)})`,
      `  critical path      per token: PIM ${mean((t) => t.pimPs)} (MAC ${mean((t) => t.path.mac)}, data movement ${mean((t) => t.path.movement)}, row ${mean((t) => t.path.row)}, refresh ${mean((t) => t.path.refresh)}), ASIC ${mean((t) => t.asicPs)}`,
      `  energy             ${mJ(report.energy.joules)} mJ, ${mJ(report.energy.joulesPerToken)} mJ/token (activate ${mJ(e.activate)}, array reads ${mJ(e.arrayRead)}, MAC ${mJ(e.mac)}, I/O ${mJ(e.io)}, buffers ${mJ(e.buffers)}, refresh ${mJ(e.refresh)}, standby ${mJ(e.background)}, ASIC ${mJ(e.asic)} mJ)`,
      `  memory             ${formatGiB(footprint.totalBytes)} of ${formatGiB(pimCapacityBytes(system.pim))} (weights ${formatGiB(footprint.weightBytes)} + KV cache ${formatGiB(footprint.kvCacheBytes)})`,
      `  simulation         ${sequence.simulated} tokens simulated (contexts 0 to ${sequence.simulated - 1}: each step after the tokens before it in one generation)`,
    ];
    if (checked !== undefined) lines.push(`  check              ${checked}`);
    for (const o of outputs) lines.push(`  wrote              ${o.path}`);
    console.log(lines.join('\n'));
  }
  return 0;
}
