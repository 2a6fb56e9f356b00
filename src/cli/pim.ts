import { workProgress } from './progress.ts';
import { StrataError, withContext } from '../spec/errors.ts';
import { CommandLog, formatLog, logEntries } from '../dram/command-log.ts';
import { generatePattern } from '../dram/patterns.ts';
import { checkProtocol } from '../dram/protocol-checker.ts';
import { runDram } from '../dram/run.ts';
import { formatCount } from '../dram/limits.ts';
import { bytesPerRequest } from '../dram/standard.ts';
import { runPimGemv } from '../systems/pim-gpt/gemv.ts';
import { loadPimSpec } from '../pim/pim-spec.ts';
import { dramReport } from '../report/dram-report.ts';
import { fraction, MAX_STEP_TOKENS, oneOf, parseFlags, positiveInt } from './args.ts';
import { loadModel } from '../compiler/model.ts';
import { loadPimGptSystem, pimGptGenerate } from '../systems/pim-gpt/pim-gpt.ts';
import { writeOutputs } from './output.ts';
import { checkSystemFor } from './system-flag.ts';
import { CHECK_MAX_VIOLATIONS, checkFailureLine } from './check.ts';
import { commandEnergyPj, commandsByName } from '../pim/dual-buffer-channel.ts';
import { runNeuPimsAttention } from '../systems/neupims/neupims-gemv.ts';
import { formatSensitivityTable, pimGptSensitivity, sensitivityParameters } from '../validation/pim-gpt-sensitivity.ts';

export const PIM_USAGE = `strata pim gemv --spec <pim spec | spec.json> --m ROWS --k COLS [--compare-stream] [--check] [--command-log FILE]
          strata pim generate --model NAME [--system pim-gpt] [--prompt N] [--tokens N] [--no-reuse] [--no-overlap] [--check] [--json] [--quiet]
          strata pim sensitivity [--models gpt2-xl,gpt3-xl] [--prompt N] [--tokens N] [--quiet]
          strata pim neupims-gemv --context N --mode single|dual [--npu-load FRACTION] [--heads H] [--head-dim D] [--seed S] [--check] [--command-log FILE]`;

/** `strata pim gemv`: runs y = W x on an in-bank PIM device and reports time and MAC throughput. */
export function pimCommand(argv: string[]): number {
  const [what, ...rest] = argv;
  if (what === 'generate') return generateCommand(rest);
  if (what === 'neupims-gemv') return neupimsGemvCommand(rest);
  if (what === 'sensitivity') return sensitivityCommand(rest);
  if (what !== 'gemv') throw new StrataError(`pim: expected 'gemv', 'generate', 'sensitivity' or 'neupims-gemv' (usage: ${PIM_USAGE})`);
  const { values: v, positionals } = parseFlags('pim gemv', rest, {
    spec: { type: 'string' },
    m: { type: 'string' },
    k: { type: 'string' },
    'compare-stream': { type: 'boolean' },
    check: { type: 'boolean' },
    'command-log': { type: 'string' },
  });
  if (positionals.length) throw new StrataError(`pim gemv: unexpected argument '${positionals[0]}'`);
  if (!v.spec || !v.m || !v.k) throw new StrataError(`pim gemv: --spec, --m and --k are required (usage: ${PIM_USAGE})`);
  const spec = loadPimSpec(v.spec);
  if (spec.commandSet !== 'aim') throw new StrataError(`pim gemv: ${spec.name} has the '${spec.commandSet}' command set; 'pim gemv' drives AiM-style specs (for NeuPIMs use 'strata pim neupims-gemv')`);
  const m = positiveInt('m', v.m)!;
  const k = positiveInt('k', v.k)!;
  const wantLog = v.check === true || v['command-log'] !== undefined;
  const run = runPimGemv(spec, m, k, { commandLog: wantLog });
  const std = spec.standard;
  const lines = [
    `Strata PIM GEMV — ${m} x ${k} (${spec.unit.elementBytes}-byte elements) on ${spec.name}: ${std.organization.channels} channels x ${std.organization.bankGroups * std.organization.banksPerGroup} banks x ${spec.unit.macsPerBank} MAC lanes`,
    `  time        ${formatCount(run.cycles)} cycles of the dram clock (${std.tCKPs} ps) = ${run.timeNs.toFixed(1)} ns`,
    `  MACs        ${formatCount(run.plan.macs)}: ${run.macsPerNs.toFixed(0)} MACs/ns of a ${run.peakMacsPerNs} MACs/ns peak (${((100 * run.macsPerNs) / run.peakMacsPerNs).toFixed(1)} %)`,
    `  commands    ${Object.entries(run.commands).map(([n, c]) => `${n} ${formatCount(c)}`).join(', ')}`,
  ];
  if (v['compare-stream']) {
    const bytes = m * k * spec.unit.elementBytes;
    const requests = Math.ceil(bytes / bytesPerRequest(std));
    const trace = generatePattern({ pattern: 'stream', requests, seed: 'gemv', requestBytes: bytesPerRequest(std), capacityBytes: requests * bytesPerRequest(std) });
    const streamed = dramReport(runDram({ standard: std, trace }));
    lines.push(`  streamed    reading the ${formatCount(bytes)}-byte matrix through the controllers takes ${streamed.window.timeNs.toFixed(1)} ns (${streamed.bandwidth.percentOfPeak} % of peak): PIM is ${(streamed.window.timeNs / run.timeNs).toFixed(2)}x faster`);
  }
  const log = wantLog ? logEntries(run.logs, std.commandNames) : [];
  if (v['command-log']) writeOutputs([{ path: v['command-log'], content: formatLog(log) }]);
  if (v.check) {
    const violations = checkProtocol(std, log, { endCycle: run.cycles, maxViolations: CHECK_MAX_VIOLATIONS });
    if (violations.length) {
      console.error(checkFailureLine('pim gemv', violations, log.length));
      return 1;
    }
    lines.push(`  checker     ${formatCount(log.length)} commands: no protocol violations`);
  }
  console.log(lines.join('\n'));
  return 0;
}

/** `strata pim generate`: a prompt, then N generated tokens on a PIM-GPT system; per-token latency and energy. */
function generateCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('pim generate', argv, {
    model: { type: 'string' },
    system: { type: 'string' },
    prompt: { type: 'string' },
    tokens: { type: 'string' },
    'no-reuse': { type: 'boolean' },
    'no-overlap': { type: 'boolean' },
    check: { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (positionals.length) throw new StrataError(`pim generate: unexpected argument '${positionals[0]}'`);
  if (!v.model) throw new StrataError(`pim generate: --model is required (usage: ${PIM_USAGE})`);
  if (v.system !== undefined) checkSystemFor('pim generate', v.system);
  const system = loadPimGptSystem(v.system ?? 'pim-gpt');
  const model = loadModel(v.model);
  const prompt = positiveInt('prompt', v.prompt) ?? 32;
  const tokens = positiveInt('tokens', v.tokens, MAX_STEP_TOKENS) ?? 32;
  const progress = workProgress('pim generate', 'tokens', prompt + tokens, { quiet: v.quiet });
  // --check records every command of every channel, so it simulates every program segment (reuse off: a reused
  // segment issues no commands; its timing is the same, test/pim/pim-gpt.test.ts).
  const logs: CommandLog[] | undefined = v.check ? [] : undefined;
  const g = pimGptGenerate(system, model, prompt, tokens, { reuse: v['no-reuse'] !== true && !v.check, overlap: v['no-overlap'] !== true, commandLogs: logs, onToken: (done) => progress.update(done) });
  progress.end();
  let checked = '';
  if (logs) {
    const std = system.pim.standard;
    const entries = logEntries(logs, std.commandNames);
    const endCycle = Math.ceil((g.promptPs + g.generated.reduce((a, t) => a + t.totalPs, 0)) / std.tCKPs);
    const failure = pimCheckFailure('pim generate', std, entries, endCycle);
    if (failure !== null) {
      console.error(failure);
      return 1;
    }
    checked = `  checker     ${formatCount(entries.length)} commands replayed by the protocol checker: no violation`;
  }
  const us = (ps: number) => (ps / 1e6).toFixed(2);
  const first = g.generated[0]!;
  const last = g.generated[g.generated.length - 1]!;
  const mean = (f: (t: (typeof g.generated)[number]) => number) => g.generated.reduce((a, t) => a + f(t), 0) / g.generated.length;
  const e = (k: keyof typeof first.energy) => mean((t) => t.energy[k]) / 1e6;
  const total = (['activate', 'arrayRead', 'mac', 'io', 'buffers', 'refresh', 'background', 'asic'] as const).reduce((a, k) => a + e(k), 0);
  if (v.json) {
    // One JSON object on stdout, what `strata sweep` reads of a point (src/sweep/metrics.ts).
    const pimPs = g.generated.reduce((a, t) => a + t.pimPs, 0);
    const tokenPs = g.generated.reduce((a, t) => a + t.totalPs, 0);
    console.log(JSON.stringify({
      schema: 'strata.pim-generation/1', system: system.name, model: model.name, promptTokens: prompt, tokens,
      meanTokenNs: g.meanTokenPs / 1000, promptNs: g.promptPs / 1000, tokensPerS: 1e12 / g.meanTokenPs,
      joulesPerToken: total / 1e6, pimShare: pimPs / tokenPs,
    }));
    return 0;
  }
  console.log([
    `Strata PIM generation — ${model.name} on ${system.name} (${system.pim.name} + ${system.asic.name}), prompt ${prompt} tokens, ${tokens} generated, batch 1`,
    `  per token   mean ${us(g.meanTokenPs)} us (first ${us(first.totalPs)}, last ${us(last.totalPs)}); prompt ${us(g.promptPs)} us in all`,
    `  breakdown   per token on the critical path: PIM ${us(mean((t) => t.pimPs))} us (MAC ${us(mean((t) => t.path.mac))}, data movement ${us(mean((t) => t.path.movement))}, row activate/precharge ${us(mean((t) => t.path.row))}, refresh ${us(mean((t) => t.path.refresh))}), ASIC ${us(mean((t) => t.asicPs))} us`,
    `  energy      ${total.toFixed(2)} uJ per token: activate ${e('activate').toFixed(2)}, array reads ${e('arrayRead').toFixed(2)}, MAC ${e('mac').toFixed(2)}, buffer/result I/O ${e('io').toFixed(2)}, global buffer and latches ${e('buffers').toFixed(2)}, refresh ${e('refresh').toFixed(2)}, standby ${e('background').toFixed(2)}, ASIC ${e('asic').toFixed(2)}`,
    `  simulation  ${formatCount(g.simulatedGemvs)} channel-program segments simulated command by command, ${formatCount(g.reusedGemvs)} reused (same program from the same relative channel state)`,
    ...(checked ? [checked] : []),
  ].join('\n'));
  return 0;
}

/**
 * Replays a PIM command log through the independent protocol checker (src/dram/protocol-checker.ts, the
 * standard's constraint tables and refresh) up to `endCycle`; null when no rule is broken, else the one line
 * `--check` fails with (the command, its cycle and channel, the rule and the distance it needed).
 */
export function pimCheckFailure(command: string, std: Parameters<typeof checkProtocol>[0], entries: Parameters<typeof checkProtocol>[1], endCycle: number): string | null {
  const violations = checkProtocol(std, entries, { endCycle, maxViolations: CHECK_MAX_VIOLATIONS });
  return violations.length ? checkFailureLine(command, violations, entries.length) : null;
}

/** `strata pim sensitivity`: per-token latency and energy of PIM-GPT as unsourced constants vary (Markdown table). */
function sensitivityCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('pim sensitivity', argv, {
    models: { type: 'string' },
    prompt: { type: 'string' },
    tokens: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (positionals.length) throw new StrataError(`pim sensitivity: unexpected argument '${positionals[0]}'`);
  const models = (v.models ?? 'gpt2-xl,gpt3-xl').split(',').map((m) => m.trim());
  for (const m of models) loadModel(m);
  const prompt = positiveInt('prompt', v.prompt) ?? 64;
  const tokens = positiveInt('tokens', v.tokens, MAX_STEP_TOKENS) ?? 16;
  const system = loadPimGptSystem();
  const progress = workProgress('pim sensitivity', 'models', models.length, { quiet: v.quiet });
  const points = pimGptSensitivity(system, models, prompt, tokens, (done, m) => progress.update(done, m));
  progress.end();
  console.log(`### PIM-GPT sensitivity: ${prompt}-token prompt, mean of ${tokens} generated tokens, batch 1; one parameter changed at a time\n`);
  console.log(formatSensitivityTable(sensitivityParameters(system), points, models));
  return 0;
}

/**
 * `strata pim neupims-gemv`: one request's decode attention (K q and softmax V) on one NeuPIMs channel, with
 * NPU traffic alongside, in single- or dual-row-buffer mode; finish cycles of both classes.
 */
function neupimsGemvCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('pim neupims-gemv', argv, {
    context: { type: 'string' },
    mode: { type: 'string' },
    'npu-load': { type: 'string' },
    heads: { type: 'string' },
    'head-dim': { type: 'string' },
    seed: { type: 'string' },
    spec: { type: 'string' },
    check: { type: 'boolean' },
    'command-log': { type: 'string' },
  });
  if (positionals.length) throw new StrataError(`pim neupims-gemv: unexpected argument '${positionals[0]}'`);
  if (!v.context || !v.mode) throw new StrataError(`pim neupims-gemv: --context and --mode are required (usage: ${PIM_USAGE})`);
  const mode = oneOf('mode', v.mode, ['single', 'dual'] as const)!;
  const context = positiveInt('context', v.context)!;
  const heads = positiveInt('heads', v.heads) ?? 32;
  const headDim = positiveInt('head-dim', v['head-dim']) ?? 128;
  const load = withContext(() => fraction('npu-load', v['npu-load']), (m) => `pim neupims-gemv: ${m}`) ?? 0;
  const wantLog = v.check === true || v['command-log'] !== undefined;
  const log = wantLog ? new CommandLog(0) : undefined;
  const r = runNeuPimsAttention({ heads, headDim, context }, { mode, npuLoad: load, seed: v.seed ?? '1', spec: v.spec, log });
  const { run, plan, spec } = r;
  const std = spec.standard;
  const ns = (c: number) => ((c * std.tCKPs) / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 });
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const pimCycles = run.pimFinishCycle - run.pimFirstCycle;
  const lines = [
    `Strata NeuPIMs attention — ${heads} heads x ${headDim}, context ${context}, one channel of ${spec.name}, ${mode} row buffer${mode === 'dual' ? 's' : ''}, NPU load ${load}`,
    `  PIM         finished at cycle ${formatCount(run.pimFinishCycle)} (${ns(run.pimFinishCycle)} ns; ${formatCount(r.pimAloneCycles)} alone): ${formatCount(plan.macs)} MACs, ${(plan.macs / pimCycles).toFixed(1)} MACs/cycle of a ${plan.peakMacsPerCycle} peak (${pct(plan.macs / pimCycles / plan.peakMacsPerCycle)})`,
    `  NPU traffic ${formatCount(r.requests.length)} requests of 64 B finished at cycle ${formatCount(run.normalFinishCycle)} (${ns(run.normalFinishCycle)} ns)`,
    `  buses       data ${pct(run.dataBusBusyCycles / run.endCycle)}, command ${pct(run.commandBusBusyCycles / run.endCycle)} of ${formatCount(run.endCycle)} cycles`,
    `  commands    ${Object.entries(commandsByName(std, run)).map(([n, c]) => `${n} ${formatCount(c)}`).join(', ')}; PIM ${formatCount(run.pimCommands)}, NPU ${formatCount(run.normalCommands)}, refresh ${run.refreshCommands}, switch precharges ${run.switchPrecharges}`,
    `  energy      ${(commandEnergyPj(spec, run) / 1e6).toFixed(3)} uJ in commands (IDD method; PIM commands scaled as NewtonSim)`,
  ];
  const entries = log ? logEntries([log], std.commandNames) : [];
  if (v.check) {
    const one = { ...std, organization: { ...std.organization, channels: 1 } };
    const violations = checkProtocol(one, entries, { endCycle: run.endCycle, refresh: 'all-bank', maxViolations: CHECK_MAX_VIOLATIONS });
    if (violations.length) {
      if (v['command-log']) writeOutputs([{ path: v['command-log'], content: formatLog(entries) }]);
      console.error(checkFailureLine('pim neupims-gemv', violations, entries.length));
      return 1;
    }
    lines.push(`  checker     ${formatCount(entries.length)} commands: no protocol violations`);
  }
  if (v['command-log']) writeOutputs([{ path: v['command-log'], content: formatLog(entries) }]);
  console.log(lines.join('\n'));
  return 0;
}
