import { join } from 'node:path';
import { StrataError, withContext } from '../spec/errors.ts';
import { ATTENTION_LAUNCHES, runOpsOnDevice, usableBytes, type DevicePreset } from '../systems/baseline/roofline.ts';
import { compileStreams } from '../compiler/lower.ts';
import { assertFits, memoryFootprint, type MemoryFootprint } from '../compiler/footprint.ts';
import { buildOpGraph } from '../compiler/lower.ts';
import { parameterCount } from '../compiler/model.ts';
import { describeBaselineSystems, gpuRoofline } from '../systems/baseline/policy.ts';
import { npuOnly } from '../compiler/policies/npu-only.ts';
import { repoRelative } from '../compiler/policies/types.ts';
import { readTrace, traceOps } from '../compiler/trace.ts';
import { formatRunSummary, runReport, type RunInput, type TimelineScope } from '../report/run-report.ts';
import { reportCsvFiles } from '../report/csv.ts';
import { MAX_STEP_TOKENS, oneOf, parseFlags, positiveInt, seeUsage } from './args.ts';
import { writeOutputs } from './output.ts';
import { planSteps, stepSeed, WORKLOAD_OPTIONS } from './workload.ts';
import { runDuplexCommand } from './run-duplex.ts';
import { runPimGptCommand } from './run-pim-gpt.ts';
import { pimGpt } from '../systems/pim-gpt/policy.ts';
import { policyForSystem } from './system-flag.ts';
import { familiesOf, orList, SYSTEM_MODELS } from '../systems/registry.ts';
import { refuseCheckWithoutCommands } from './run-check.ts';
import type { StreamChecker } from './check.ts';

export const RUN_USAGE = `strata run --system NAME --model NAME --phase prefill|decode --context L [--batch N] [--tokens N] [--seed S]
           [--attention-launch per-layer|per-request] [--profile graphs|eager|fused] [--timeline first|all] [--out report.json] [--csv DIR] [--quiet]
strata run --trace FILE.jsonl [--system NAME] [--timeline first|all] [--out report.json] [--csv DIR] [--quiet]
strata run --system duplex|duplex-gpu|bank-pim|bg-pim (or --policy duplex: default system duplex) --model NAME --phase prefill|decode --context L
           [--batch N] [--tokens N] [--seed S] [--devices N] [--routing uniform|skewed] [--timeline first|all] [--out report.json] [--csv DIR] [--check] [--quiet]
strata run --system pim-gpt (or --policy pim-gpt) --model NAME --phase prefill|decode --context L [--batch 1] [--tokens N]
           [--timeline first|all] [--out report.json] [--csv DIR] [--check] [--quiet]
           PIM-GPT is batch 1 (--batch other than 1 is refused). Every token is simulated cycle by cycle as strata pim
           generate runs it, from the generation's first token: decode --context L is the token with L-1 cached tokens
           (the first token of pim generate --prompt L-1), --tokens N the next ones; prefill --context L is the prompt
           run token by token, as PIM-GPT runs a prompt (pim generate --prompt L's prompt time)
--check (Duplex-family systems with PIM): every Logic-PIM stream the PIM ops are timed from (each length of the
           simulated grid, every pseudo-channel of a stack) is replayed through the independent protocol checker;
           (PIM-GPT): every command of every channel of the simulated generation (simulated without reuse);
           exit 1 with the first broken rule. GPU/CPU baselines and duplex-gpu issue no DRAM commands: refused`;

/** Loads a baseline system for `run`, with a message that points NPU names to `strata compile`. */
function loadSystem(name: string): DevicePreset {
  if (npuOnly.knownSystems().includes(name)) {
    throw new StrataError(`run: '${name}' is an NPU; strata run times GPU and CPU baselines for now (known: ${describeBaselineSystems()}); map onto it with strata compile --policy npu-only`);
  }
  const target = gpuRoofline.loadTarget(name);
  if (target.kind !== 'baseline') throw new Error('internal invariant broken: gpu-roofline loads baseline targets');
  return target.device;
}

/**
 * `strata run`: times decode or prefill steps of a model on a GPU/CPU baseline, or on a Duplex-family system
 * (`--system` of family duplex, or `--policy duplex`: src/cli/run-duplex.ts); prints latency, throughput and
 * energy; writes a run report. Under `--check`, `checker` (default: a new one) replays the run's command streams
 * (`strata validate check` passes its own, to read the counts).
 */
export function runCommand(argv: string[], checker?: StreamChecker): number {
  const { values: v, positionals } = parseFlags('run', argv, {
    ...WORKLOAD_OPTIONS,
    system: { type: 'string' },
    tokens: { type: 'string' },
    trace: { type: 'string' },
    timeline: { type: 'string' },
    out: { type: 'string' },
    csv: { type: 'string' },
    quiet: { type: 'boolean' },
    policy: { type: 'string' },
    devices: { type: 'string' },
    routing: { type: 'string' },
    'attention-launch': { type: 'string' },
    profile: { type: 'string' },
    check: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new StrataError(`run: unexpected argument '${positionals[0]}'${seeUsage('run')}`);
  // The policies of the families run times (gpu-roofline, duplex); --system alone picks its family's.
  const runPolicies = familiesOf('run').map((f) => SYSTEM_MODELS[f].policy.name);
  if (v.policy !== undefined && !runPolicies.includes(v.policy)) throw new StrataError(`run: --policy: expected ${orList(runPolicies)}, got '${v.policy}'`);
  const policy = policyForSystem('run', v.system, v.policy);
  if (policy === pimGpt.name) return runPimGptCommand({ ...v, policy }, checker);
  if (policy !== undefined && policy !== gpuRoofline.name) return runDuplexCommand({ ...v, policy }, checker);
  for (const flag of ['devices', 'routing'] as const) {
    if (v[flag] !== undefined) throw new StrataError(`run: --${flag} applies to --policy duplex (a Duplex-family --system such as duplex)`);
  }
  if (v.check) refuseCheckWithoutCommands('run', v.system !== undefined ? `'${v.system}'` : `the system of ${v.trace ?? 'the run'}`, 'baseline');
  const timeline: TimelineScope = oneOf('timeline', v.timeline, ['first', 'all'] as const) ?? 'first';
  const csvDir = v.csv;
  const launch = { attentionLaunch: oneOf('attention-launch', v['attention-launch'], ATTENTION_LAUNCHES), profile: v.profile };

  let input: RunInput;
  if (v.trace !== undefined) {
    for (const flag of ['model', 'phase', 'batch', 'context', 'tokens', 'seed'] as const) {
      if (v[flag] !== undefined) throw new StrataError(`run: --${flag} comes from the trace; drop it when giving --trace`);
    }
    const trace = readTrace(v.trace);
    const h = trace.header;
    if (h.policy !== gpuRoofline.name) {
      throw new StrataError(`run: ${v.trace} was mapped by policy ${h.policy}; strata run times gpu-roofline traces (compile with --policy gpu-roofline)`);
    }
    if (h.step.phase === 'mixed') throw new StrataError(`run: ${v.trace} holds a mixed step; strata run times prefill or decode steps`);
    // A shipped preset by name; a user's preset by the path the trace recorded.
    const requested = v.system ?? (gpuRoofline.knownSystems().includes(h.target.name) ? h.target.name : h.target.file);
    // A system taken from the trace's header is named as such, since the user did not name it.
    const device = v.system !== undefined
      ? loadSystem(requested)
      : withContext(() => loadSystem(requested), (m) => `${v.trace}: line 1: field 'target': the system this trace was mapped onto cannot be loaded (${m}); give --system to time it on another`);
    const kvTokens = h.step.requests.reduce((s, q) => s + q.contextLength + q.newTokens, 0);
    const weightBytes = h.model.parameters * h.model.precisionBytes;
    const footprint: MemoryFootprint = { weightBytes, kvTokens, kvCacheBytes: kvTokens * h.model.kvBytesPerToken, totalBytes: weightBytes + kvTokens * h.model.kvBytesPerToken };
    assertFits(footprint, { name: device.name, capacityBytes: usableBytes(device) }, `the step of ${v.trace} (${h.model.name} ${h.step.phase}, ${h.step.requests.length} requests)`);
    const run = runOpsOnDevice(device, traceOps(trace), h.model.precisionBytes, launch);
    const deviceId = `${device.kind}0`; // as gpu-roofline names it: --system may swap the trace's GPU for a CPU
    input = {
      device, requestedSystem: requested, model: { name: h.model.name, file: h.model.file, parameters: h.model.parameters, precisionBytes: h.model.precisionBytes },
      phase: h.step.phase, origin: `trace ${v.trace}`, seed: h.seed, streams: h.streams, footprint,
      steps: [{ step: h.step, seed: h.seed, run, deviceId }], timeline,
    };
  } else {
    if (!v.system) throw new StrataError(`run: --system is required (known: ${describeBaselineSystems()})`);
    const device = loadSystem(v.system);
    const tokens = positiveInt('tokens', v.tokens, MAX_STEP_TOKENS) ?? 1;
    const plan = planSteps('run', v, tokens);
    const model = plan.model;
    const last = plan.steps[plan.steps.length - 1]!;
    const footprint = memoryFootprint(model, last);
    assertFits(footprint, { name: device.name, capacityBytes: usableBytes(device) }, plan.what);
    const seed = v.seed ?? '0';
    const target = { kind: 'baseline' as const, device };
    const streams: string[] = [];
    const steps = plan.steps.map((step, i) => {
      const s = stepSeed(seed, i);
      streams.push(...compileStreams(model, s));
      const mapping = gpuRoofline.map({ model, ops: buildOpGraph(model, step, { seed: s }), target });
      const run = runOpsOnDevice(device, mapping.assignments.map((a) => a.op), model.precisionBytes, launch);
      return { step, seed: s, run, deviceId: mapping.devices[0]!.id };
    });
    input = {
      device, requestedSystem: v.system,
      model: { name: model.name, file: repoRelative(model.file), parameters: parameterCount(model), precisionBytes: model.precisionBytes },
      phase: plan.phase, origin: plan.origin, seed, streams, footprint, steps, timeline,
    };
  }
  const report = runReport(input);
  const outputs: Array<{ path: string; content: string }> = [];
  if (v.out) outputs.push({ path: v.out, content: `${JSON.stringify(report, null, 2)}\n` });
  if (csvDir !== undefined) for (const f of reportCsvFiles(report)) outputs.push({ path: join(csvDir, f.name), content: f.content });
  writeOutputs(outputs);
  if (!v.quiet) {
    console.log(formatRunSummary(report));
    for (const o of outputs) console.log(`  wrote              ${o.path}`);
  }
  return 0;
}
