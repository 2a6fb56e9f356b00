import { workProgress } from './progress.ts';
import { join } from 'node:path';
import { formatCount } from '../dram/limits.ts';
import { StrataError } from '../spec/errors.ts';
import { loadModel } from '../compiler/model.ts';
import { formatGiB } from '../compiler/footprint.ts';
import { generateRequests, loadRequests, type DatasetName, type RequestSet } from '../compiler/requests.ts';
import { formatServingSummary, servingReport } from '../report/serving-report.ts';
import { servingCsvFiles, streamedServingCsvFiles } from '../report/serving-csv.ts';
import { describeServingSystems, loadStepCostModel, SYSTEM_MODELS } from '../systems/registry.ts';
import { ATTENTION_LAUNCHES } from '../systems/baseline/roofline-step-cost.ts';
import { DEFAULT_CHUNK_TOKENS, DEFAULT_MAX_BATCH, PREFILL_MODES, simulateServing } from '../serving/serving-loop.ts';
import { MAX_BATCH, MAX_QPS, MAX_SERVED_REQUESTS, MAX_STEP_TOKENS, oneOf, parseFlags, positiveInt, positiveNumber, seeUsage, tokenPair } from './args.ts';

/** The largest --kv-capacity-gb: 1,000,000 GiB, a petabyte of KV cache, beyond any system. */
const MAX_KV_GIB = 1_000_000;
import { checkOutputPaths, writeOutputs, type OutputFile } from './output.ts';
import { checkSystemFor, familyOfSystem } from './system-flag.ts';
import { CheckFailed, StreamChecker } from './check.ts';
import { checkLogicPimStreams, refuseCheckWithoutCommands } from './run-check.ts';
import { loadDuplexSystem, type DuplexSystem } from '../systems/duplex/duplex-system.ts';
import { endPimGptCommandStreams } from '../systems/pim-gpt/pim-gpt-serving.ts';

export const SERVE_USAGE = `strata serve --model NAME --system NAME --requests sharegpt|alpaca|fixed:IN:OUT|FILE [--qps Q] [--count N] [--seed S]
             [--max-batch B] [--kv-capacity-gb G] [--prefill whole|chunked] [--chunk-tokens T] [--routing uniform|skewed]
             [--attention-launch per-request|per-layer] [--profile graphs|eager|fused] [--out DIR] [--check] [--quiet]
--check replays the DRAM/PIM commands the run's numbers come from through the independent protocol checker, each
             simulated stream as it ends (memory: one stream's log at a time); exit 1 with the first broken rule.
             NeuPIMs-family systems: every channel run the step costs simulate (the NPU streaming-rate sample, each
             distinct attention program alone and beside NPU traffic; repeated shapes and batches are simulated once
             and reused). Duplex-family systems with PIM: every Logic-PIM stream length the PIM ops are timed from.
             PIM-GPT: every channel of the one generation the token costs are read from (simulated without reuse).
             GPU/CPU baselines and duplex-gpu issue no DRAM commands: refused
--system pim-gpt serves one request at a time (max batch 1; a larger --max-batch is refused), each prompt token by
             token; every token is simulated cycle by cycle as strata pim generate runs it, each context once and
             kept (a request's token at context c costs the token at c of one generation from idle)`;

/** Requests in a generated set when --count is not given (the request count of issue #6's serving benchmark). */
export const DEFAULT_SERVE_COUNT = 256;

/** Names `--requests` accepts for the shipped length distributions. */
const DATASET_FLAGS: Readonly<Record<string, DatasetName>> = {
  sharegpt: 'sharegpt-like', 'sharegpt-like': 'sharegpt-like', alpaca: 'alpaca-like', 'alpaca-like': 'alpaca-like',
};


/** The request set of `--requests`: a shipped distribution, fixed lengths, or a file (whose arrivals and count are its own). */
function requestSet(v: { requests?: string; qps?: string; count?: string }, seed: string): RequestSet {
  const spec = v.requests;
  if (spec === undefined || spec === '') {
    throw new StrataError('serve: --requests is required: sharegpt or alpaca (generated lengths), fixed:IN:OUT (every request alike), or a .csv/.json request file');
  }
  const qps = positiveNumber('qps', v.qps, MAX_QPS, 'at a 1 us mean gap every request is there at once');
  const count = positiveInt('count', v.count, MAX_SERVED_REQUESTS);
  const fixed = /^fixed:(.*)$/.exec(spec);
  if (DATASET_FLAGS[spec] === undefined && !fixed) {
    if (!spec.includes('/') && !/\.(csv|json)$/i.test(spec)) {
      throw new StrataError(`--requests: unknown request set '${spec}' (known: ${Object.keys(DATASET_FLAGS).join(', ')}, fixed:IN:OUT; or a path to a .csv or .json request file)`);
    }
    for (const flag of ['qps', 'count'] as const) {
      if (v[flag] !== undefined) throw new StrataError(`serve: --${flag} applies to generated requests; ${spec} is a request file, whose requests and arrival times are its own`);
    }
    return loadRequests(spec);
  }
  let lengths: DatasetName | { kind: 'fixed'; inputTokens: number; outputTokens: number };
  if (fixed) {
    const pair = tokenPair(fixed[1]!);
    if (!pair) throw new StrataError(`--requests: expected fixed:IN:OUT with whole numbers of tokens from 1 to ${formatCount(MAX_STEP_TOKENS)} (fixed:256:256, fixed:1e3:512), got '${spec}'`);
    lengths = { kind: 'fixed', inputTokens: pair[0], outputTokens: pair[1] };
  } else {
    lengths = DATASET_FLAGS[spec]!;
  }
  return generateRequests({
    count: count ?? DEFAULT_SERVE_COUNT, lengths, seed,
    arrivals: qps !== undefined ? { kind: 'poisson', qps } : { kind: 'at-zero' },
  });
}

/**
 * Refuses `--profile` for a system whose steps no GPU/CPU baseline preset times under a profile of its choosing: a
 * software profile (arch/systems/gpu-*.json `software.profiles`) says how a framework turns ops into kernels and
 * what the host pays per launch, which only the roofline step cost model (src/systems/baseline/roofline-step-cost.ts)
 * charges. A Duplex-family system times its xPU under the preset's default profile and has no host-launch model
 * (src/systems/duplex/duplex-step.ts); NeuPIMs' NPU and PIM have no profile. Checked before anything is loaded.
 */
function checkProfileFor(system: string, profile: string | undefined): void {
  if (profile === undefined) return;
  const family = familyOfSystem(system);
  if (family === undefined || family === 'baseline') return;
  const why = family === 'duplex'
    ? "its xPU ops run under the xPU preset's default profile and it charges no host launch (src/systems/duplex/duplex-step.ts)"
    : 'no GPU/CPU preset times its steps';
  throw new StrataError(`--profile: does not apply to system '${system}' (${SYSTEM_MODELS[family].noun}): a software profile picks how a GPU/CPU baseline preset's steps are launched; ${why}`);
}

/**
 * `strata serve`: serves a request set with continuous batching on a system; prints a summary; writes the serving
 * report and its CSVs. Under `--check`, `given` (default: a new StreamChecker) replays the run's command streams
 * (`strata validate check` passes its own, to read the counts).
 */
export function serveCommand(argv: string[], given?: StreamChecker): number {
  const { values: v, positionals } = parseFlags('serve', argv, {
    model: { type: 'string' },
    system: { type: 'string' },
    requests: { type: 'string' },
    qps: { type: 'string' },
    count: { type: 'string' },
    seed: { type: 'string' },
    'max-batch': { type: 'string' },
    'kv-capacity-gb': { type: 'string' },
    prefill: { type: 'string' },
    'chunk-tokens': { type: 'string' },
    routing: { type: 'string' },
    'attention-launch': { type: 'string' },
    profile: { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
    check: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new StrataError(`serve: unexpected argument '${positionals[0]}'${seeUsage('serve')}`);
  if (!v.model) throw new StrataError('serve: --model is required (a name from workloads/models such as llama3-8b, or a path to a .json model)');
  if (!v.system) throw new StrataError(`serve: --system is required (known: ${describeServingSystems()})`);
  checkSystemFor('serve', v.system);
  checkProfileFor(v.system, v.profile);
  // --check is refused before anything runs for a system that issues no DRAM/PIM commands.
  const family = familyOfSystem(v.system);
  let checkedDuplex: DuplexSystem | undefined;
  if (v.check) {
    if (family === 'duplex') checkedDuplex = loadDuplexSystem(v.system);
    refuseCheckWithoutCommands('serve', `'${v.system}'`, family, checkedDuplex);
  }
  const checker = v.check ? given ?? new StreamChecker('serve') : undefined;
  const seed = v.seed ?? '0';
  // A family with a batch limit of its own (PIM-GPT: one request at a time) serves with it; a larger --max-batch is refused.
  const familyBatch = family === undefined ? undefined : SYSTEM_MODELS[family].serving?.maxBatch;
  const givenBatch = positiveInt('max-batch', v['max-batch'], MAX_BATCH);
  if (familyBatch !== undefined && givenBatch !== undefined && givenBatch > familyBatch.requests) {
    throw new StrataError(`--max-batch: '${v.system}' serves at most ${familyBatch.requests} request${familyBatch.requests === 1 ? '' : 's'} per step (${familyBatch.why}), got ${givenBatch}`);
  }
  const maxBatch = givenBatch ?? familyBatch?.requests ?? DEFAULT_MAX_BATCH;
  const kvGiB = positiveNumber('kv-capacity-gb', v['kv-capacity-gb'], MAX_KV_GIB, 'a petabyte, beyond any system');
  const prefill = oneOf('prefill', v.prefill, PREFILL_MODES) ?? 'whole';
  const chunkTokens = positiveInt('chunk-tokens', v['chunk-tokens']);
  if (chunkTokens !== undefined && prefill !== 'chunked') throw new StrataError('--chunk-tokens: applies to --prefill chunked (whole prefill has no token budget)');
  if (prefill === 'chunked' && (chunkTokens ?? DEFAULT_CHUNK_TOKENS) < maxBatch) {
    throw new StrataError(`--chunk-tokens: the token budget of a step must be at least --max-batch (${maxBatch}) so that every running request's decode token fits, got ${chunkTokens ?? DEFAULT_CHUNK_TOKENS}${chunkTokens === undefined ? ' (the default)' : ''}`);
  }
  // Output paths are checked before the run, which may take minutes.
  if (v.out !== undefined) checkOutputPaths(['serving-report.json', 'requests.csv', 'steps.csv'].map((f) => join(v.out!, f)));
  const routing = oneOf('routing', v.routing, ['uniform', 'skewed'] as const);
  const attentionLaunch = oneOf('attention-launch', v['attention-launch'], ATTENTION_LAUNCHES);

  const model = loadModel(v.model);
  if (routing !== undefined && model.experts <= 1) throw new StrataError(`--routing: ${model.name} is a dense model (no experts to route to)`);
  const set = requestSet(v, seed);
  const costModel = loadStepCostModel(v.system, model, { seed, routing, attentionLaunch, profile: v.profile, commandStreams: family === 'neupims' || family === 'pim-gpt' ? checker : undefined });
  const kvCapacityBytes = kvGiB !== undefined ? Math.floor(kvGiB * 2 ** 30) : undefined;
  const mem = costModel.memory;
  const left = mem ? mem.capacityBytes - mem.weightBytes : Infinity;
  if (kvCapacityBytes !== undefined && mem && left > 0 && kvCapacityBytes > left) {
    throw new StrataError(`--kv-capacity-gb: ${kvGiB} GiB does not fit in ${costModel.system}: its ${formatGiB(mem.capacityBytes)} minus ${model.name}'s weights (${formatGiB(mem.weightBytes)}) leave ${formatGiB(left)}`);
  }
  const label = set.generator.kind === 'file' ? set.generator.file : `the generated ${v.requests} requests`;
  const progress = workProgress('serve', 'requests finished', set.requests.length, { quiet: v.quiet });
  let result: ReturnType<typeof simulateServing>;
  let checked: string | undefined;
  try {
    result = simulateServing({
      requests: set.requests, model, costModel, maxBatch, prefill,
      kvCapacityBytes, label,
      chunkTokens: prefill === 'chunked' ? chunkTokens ?? DEFAULT_CHUNK_TOKENS : undefined,
      onStep: (finished, _total, ps) => progress.update(finished, `${(ps / 1e12).toFixed(2)} s simulated`),
    });
    // Duplex: the Logic-PIM streams the PIM ops were timed from (NeuPIMs' channel runs were checked as they ended);
    // PIM-GPT: the one generation every token's cost was read from, every channel.
    if (checker && checkedDuplex) checkLogicPimStreams(checkedDuplex, checker);
    if (checker && family === 'pim-gpt') endPimGptCommandStreams(costModel);
    if (checker) {
      checked = checker.summary(checkedDuplex
        ? `${checkedDuplex.pim!.spec.name}: every stream length the PIM ops are timed from`
        : family === 'pim-gpt'
          ? 'every channel of the one generation the token costs were read from'
          : `every channel run the step costs simulated; the largest ${checker.largestStream.toLocaleString('en-US')} commands`);
    }
  } catch (e) {
    if (!(e instanceof CheckFailed)) throw e;
    progress.end();
    console.error(e.line);
    return 1;
  }
  progress.end();
  const report = servingReport({ result, model, costModel, requestedSystem: v.system, requestSet: set, seed });

  const outputs: OutputFile[] = [];
  if (v.out !== undefined) {
    outputs.push({ path: join(v.out, 'serving-report.json'), content: `${JSON.stringify(report, null, 2)}\n` });
    // A long run's records do not fit a report: they go to the CSVs row by row (docs/limits.md, "Serving").
    if (report.streamed) for (const f of streamedServingCsvFiles(result)) outputs.push({ path: join(v.out, f.name), content: { pieces: f.pieces } });
    else for (const f of servingCsvFiles(report)) outputs.push({ path: join(v.out, f.name), content: f.content });
  }
  writeOutputs(outputs);
  if (!v.quiet) {
    console.log(formatServingSummary(report));
    if (checked !== undefined) console.log(`  check        ${checked}`);
    for (const o of outputs) console.log(`  wrote        ${o.path}`);
  }
  return 0;
}
