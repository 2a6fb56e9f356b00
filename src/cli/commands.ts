/**
 * The commands of the `strata` command line, in one table: what each does, its usage, its examples and the function
 * that runs it. `strata help`, `strata <command> --help`, `strata help <command>` and docs/cli.md (`strata help
 * --markdown`) are all printed from this table, so the help and the reference page cannot drift apart
 * (test/cli/help.test.ts compares the page with the command).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { compileCommand, COMPILE_USAGE } from './compile.ts';
import { demoCommand } from './demo.ts';
import { dramCommand, DRAM_USAGE } from './dram.ts';
import { figuresCommand, FIGURES_USAGE } from './figures.ts';
import { pimCommand, PIM_USAGE } from './pim.ts';
import { reportCommand, REPORT_USAGE } from './report.ts';
import { runCommand, RUN_USAGE } from './run.ts';
import { serveCommand, SERVE_USAGE } from './serve.ts';
import { SET_COMMANDS } from './set-flag.ts';
import { studioCommand, STUDIO_USAGE } from './studio.ts';
import { sweepCommand, SWEEP_USAGE } from './sweep.ts';
import { validateCommand } from './validate.ts';

/** One example of a command: the command line and what it shows. */
export interface CommandExample {
  readonly command: string;
  readonly what: string;
}

/** A command of the `strata` command line. */
export interface CliCommand {
  readonly name: string;
  /** One line: what the command is for. */
  readonly summary: string;
  /** Usage lines: the first of each form starts with `strata`, continuation lines carry flags or explanations. */
  readonly usage: string;
  readonly examples: readonly CommandExample[];
  /**
   * The subcommands (`strata validate neupims`, `strata pim gemv`): `strata help <command> <subcommand>` prints the
   * command's help, whose usage has every subcommand's form (test/cli/help.test.ts checks each is named there).
   */
  readonly subcommands?: readonly string[];
  /** Runs the command on its arguments (after the command name); returns the exit code. */
  readonly run: (argv: string[]) => number | Promise<number>;
}

const VALIDATE_USAGE = `strata validate [dramsim3|ramulator2|peak|gpu|pim-gpt|neupims|duplex|attacc|page|check] [--sensitivity] [--quiet]
strata validate ramulator2 [--controller ramulator2|strata] [--set path=value ...] [--only TEXT]
strata validate pim-gpt [--models LIST] [--sensitivity]
strata validate neupims [--reference] [--what-if newtonsim-act] [--gemm cycle-level] [--sensitivity]
strata validate duplex [--co-processing] [--split op-b|balanced|fastest] [--sensitivity]
strata validate page [--check] [--only TEXT] [FILE]
strata validate check
accuracy tables: Strata against DRAMsim3's reference outputs, streaming bandwidth against the analytical peak, the
GPU baseline against H100 measurements, the three papers (PIM-GPT, NeuPIMs, Duplex) with --sensitivity bands over
every assumption on a headline's path, and AttAcc's cycles; 'page' reruns the generated tables of
docs/validation.md and docs/baselines.md (--check fails when a page and its command disagree); 'check' replays
every DRAM preset's and every command-issuing PIM preset's run through the protocol checker (as --check does),
and strata run --check on the Duplex family's PIM systems and strata serve --check on NeuPIMs; exit 1 when a check
fails; progress on stderr (a bar on a terminal, sparse lines otherwise; page: a line per command) for every
subcommand and --sensitivity study; --quiet prints none`;

const DEMO_USAGE = `strata demo [--out DIR] [--quiet]
strata demo dram [--out DIR] [--quiet]
the showcase (what npm start runs): GPT-2 XL on PIM-GPT against the T4, one NeuPIMs decode iteration against
NPU-only and naive NPU+PIM, 16 Mixtral requests served on Duplex against two H100s; a table on stdout and an offline
dashboard in out/showcase/ (about 15 s of CPU); 'dram': the DRAM layer alone, HBM2 streaming and random traffic
(200,000 requests each) with JSON reports, SVG charts and HTML reports in out/demo/`;

/** Every command, in the order the global help lists them. */
export const COMMANDS: readonly CliCommand[] = Object.freeze([
  {
    name: 'dram',
    summary: 'simulate a DRAM standard on a trace or a synthetic pattern, cycle by cycle',
    usage: DRAM_USAGE,
    examples: [
      { command: 'strata dram --spec hbm2 --pattern random --requests 10000', what: 'random reads and writes on HBM2: bandwidth, latency, row hits, energy' },
      { command: 'strata dram --spec ddr4 --pattern stream --requests 20000 --out out/ddr4.json', what: 'streaming reads on DDR4, the JSON report saved for `strata report`' },
      { command: 'strata dram --spec my.ini --trace my.trace --frontend dramsim3', what: 'a DRAMsim3 configuration and trace, offered as DRAMsim3 offers them' },
      { command: 'strata dram export --spec hbm2 --to dramsim3 --out hbm2.ini', what: 'a preset written as a DRAMsim3 configuration (--to ramulator2: a Ramulator 2 .yaml, DDR4 and DDR5)' },
      { command: 'strata dram --spec DDR5_4800AN.yaml --pattern random-rw --requests 100000', what: "a Ramulator 2 configuration: Ramulator 2's controller and front end (one request per tick, the run ends when the last is accepted)" },
      { command: 'strata dram --spec hbm3 --pattern random --requests 5000 --check', what: 'the same run replayed through the independent protocol checker; exit 1 with the first broken rule' },
    ],
    subcommands: ['export'],
    run: dramCommand,
  },
  {
    name: 'compile',
    summary: 'lower a model step to an op graph, map it with a policy, write the device trace (JSON Lines)',
    usage: COMPILE_USAGE,
    examples: [
      { command: 'strata compile --system pim-gpt --model gpt2-small --phase decode --context 128 --out out/gpt2.jsonl', what: 'one GPT-2 decode token mapped onto PIM-GPT: which ops run in the banks, which on the ASIC' },
    ],
    run: compileCommand,
  },
  {
    name: 'run',
    summary: 'time prefill or decode steps on a GPU/CPU baseline, a Duplex-family system or PIM-GPT: latency, throughput, energy',
    usage: RUN_USAGE,
    examples: [
      { command: 'strata run --system gpu-h100-sxm --model llama3-8b --phase decode --batch 32 --context 1024', what: 'one decode step of Llama-3 8B on an H100 (kernel model calibrated on measurements)' },
      { command: 'strata run --system duplex --model mixtral-8x7b --phase decode --batch 32 --context 1024', what: 'the same kind of step on Duplex (xPU + logic-die PIM)' },
      { command: 'strata run --system duplex --model mixtral-8x7b --phase decode --batch 32 --context 1024 --check', what: 'the same, with every Logic-PIM stream its PIM ops are timed from replayed through the independent protocol checker' },
      { command: 'strata run --system pim-gpt --model gpt2-xl --phase decode --context 129', what: 'one GPT-2 XL token on PIM-GPT (batch 1), cycle by cycle: the token strata pim generate --prompt 128 generates first' },
    ],
    run: runCommand,
  },
  {
    name: 'serve',
    summary: 'serve a request set with continuous batching on a system: TTFT, TBT, end-to-end latency, throughput',
    usage: SERVE_USAGE,
    examples: [
      { command: 'strata serve --model llama3-8b --system gpu-h100-sxm --requests alpaca --count 16 --qps 40 --out out/serve', what: '16 Alpaca-like requests arriving at 40 per second on an H100' },
      { command: 'strata serve --model llama3-8b --system gpu-h100-sxm --requests alpaca --count 16 --qps 40 --profile eager', what: 'the same with PyTorch eager launching every kernel from the host (default: graphs, a serving engine replaying CUDA graphs)' },
      { command: 'strata serve --model neupims-gpt3-7b --system neupims --requests sharegpt --count 64 --qps 20 --check', what: 'NeuPIMs serving with every simulated channel run (PIM attention programs, NPU traffic) replayed through the protocol checker; exit 1 with the first broken rule' },
      { command: 'strata serve --model gpt2-xl --system pim-gpt --requests alpaca --count 32 --qps 5', what: 'PIM-GPT serving one request at a time (batch 1): every token simulated cycle by cycle, once per context' },
    ],
    run: serveCommand,
  },
  {
    name: 'sweep',
    summary: 'a design-space sweep from a YAML/JSON file: points on worker threads or a SLURM job array, resumable, into a DuckDB file to query or export',
    usage: SWEEP_USAGE,
    examples: [
      { command: 'strata sweep workloads/sweeps/pim-gpt-lanes.yaml --workers 2', what: 'PIM-GPT MAC lanes x channels x model, 18 points, into out/sweeps/pim-gpt-lanes.duckdb (also shipped: duplex-opb.yaml, neupims-interleaving.yaml)' },
      { command: 'strata sweep query out/sweeps/pim-gpt-lanes.duckdb "SELECT model, mac_lanes, channels, latency_ns FROM points ORDER BY point"', what: 'the rows as a table' },
      { command: 'strata sweep export out/sweeps/pim-gpt-lanes.duckdb --parquet', what: 'out/sweeps/pim-gpt-lanes.parquet, for pandas or R' },
      { command: 'strata sweep workloads/sweeps/pim-gpt-lanes.yaml --executor slurm --partition short --array-size 2 --sbatch-options "--time=00:30:00 --mem=1G"', what: 'the same 18 points as a SLURM job array of 2 tasks (prints the job id; docs/sweeps.md)' },
      { command: 'strata sweep collect workloads/sweeps/pim-gpt-lanes.yaml', what: 'merges the finished tasks\' shards into out/sweeps/pim-gpt-lanes.duckdb (again: adds nothing)' },
    ],
    subcommands: ['collect', 'shard', 'query', 'export'],
    run: sweepCommand,
  },
  {
    name: 'validate',
    summary: 'accuracy tables (dramsim3, ramulator2, peak, gpu, pim-gpt, neupims, duplex, attacc; page; check) against references, with sensitivity bands',
    usage: VALIDATE_USAGE,
    examples: [
      { command: 'strata validate gpu', what: 'the GPU kernel model against every measured H100 step, then the A100, T4 and Xeon presets against published measurements, with the errors' },
      { command: 'strata validate duplex --sensitivity', what: 'Duplex headline ratios as bands over every assumption on their path' },
      { command: 'strata validate attacc', what: "AttAcc's golden attention cycles, row by row" },
      { command: 'strata validate ramulator2', what: "the eight Ramulator 2.1 reference runs (DDR4, DDR5, HBM3, LPDDR5) with Ramulator's own configuration files" },
      { command: 'strata validate ramulator2 --controller strata --set controller.commandQueueDepth=1', what: "Strata's own controller on the same runs, its presets made Ramulator's parts, one more change by --set" },
      { command: 'strata validate check', what: 'every DRAM and PIM preset run with --check: the protocol checker over each whole command log; exit 1 with the first broken rule' },
    ],
    subcommands: ['dramsim3', 'ramulator2', 'peak', 'gpu', 'pim-gpt', 'neupims', 'duplex', 'attacc', 'page', 'check'],
    run: validateCommand,
  },
  {
    name: 'pim',
    summary: 'in-bank PIM (gemv, generate, sensitivity, neupims-gemv): GEMVs command by command, PIM-GPT tokens',
    usage: PIM_USAGE,
    examples: [
      { command: 'strata pim gemv --spec aim --m 1024 --k 1024', what: 'a 1024 x 1024 GEMV in AiM GDDR6 banks: cycles, MAC utilisation, commands' },
      { command: 'strata pim generate --model gpt2-small --tokens 8', what: 'eight GPT-2 tokens on PIM-GPT, op by op' },
    ],
    subcommands: ['gemv', 'generate', 'sensitivity', 'neupims-gemv'],
    run: pimCommand,
  },
  {
    name: 'report',
    summary: 'charts, an offline HTML report and CSV tables from saved reports or a sweep database',
    usage: REPORT_USAGE,
    examples: [
      { command: 'strata report out/ddr4.json --out out/ddr4-report --csv', what: 'every chart of a DRAM report, report.html and its CSV exports' },
      { command: 'strata report out/sweeps/pim-gpt-lanes.duckdb --out out/sweep-charts --png', what: "a sweep's Pareto front, heatmap and lines (SVG and PNG), sweep-report.json and sweep.html" },
      { command: 'strata report out/sweeps/duplex-opb.duckdb --out out/duplex-opb --x latency_ns --y joules_per_token --axes pim_bus_bits,opb_threshold --group opb_threshold', what: 'the same with chosen metrics and axes' },
    ],
    run: reportCommand,
  },
  {
    name: 'figures',
    summary: "every figure and comparison table of the papers' comparisons, with their data, reused when inputs did not change",
    usage: FIGURES_USAGE,
    examples: [
      { command: 'strata figures --only pim-gpt,peak-bandwidth', what: 'two figure sets into out/figures, with index.html' },
    ],
    run: figuresCommand,
  },
  {
    name: 'demo',
    summary: 'the showcase of the three papers (what npm start runs); demo dram: the DRAM layer alone',
    usage: DEMO_USAGE,
    examples: [
      { command: 'strata demo', what: 'PIM-GPT, NeuPIMs and Duplex against their baselines: a table and out/showcase/index.html' },
      { command: 'strata demo dram', what: 'HBM2 traffic command by command: reports, charts and HTML reports in out/demo/' },
    ],
    subcommands: ['dram'],
    run: demoCommand,
  },
  {
    name: 'studio',
    summary: 'a teaching page: step through DRAM and PIM commands in the browser and see which timing rule held each back',
    usage: STUDIO_USAGE,
    examples: [
      { command: 'strata studio', what: 'writes out/studio/index.html; open it and pick a guided example (row hit vs conflict, tFAW, all-bank MAC, a NeuPIMs read while the bank computes)' },
    ],
    run: studioCommand,
  },
]);

/** The command named `name`, or undefined. */
export function findCommand(name: string): CliCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Strata's version, from its package.json. */
export function strataVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Usage lines with one indentation: each form flush left, its continuation lines indented by four spaces. */
export function usageLines(usage: string): string[] {
  return usage.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => (l.startsWith('strata ') ? l : `    ${l}`));
}

/** What `--set` does, for the help of every command that takes it. */
export const SET_HELP = "--set path=value (repeatable): change one value of the command's spec before it loads, e.g. --set pim.unit.macsPerBank=32; paths start at the --system preset (--spec for dram and pim gemv), follow the names of other specs (pim, pim.spec, xpu.device, base, ...), and 'model.' starts at --model (docs/guide.md, 'Changing a spec with --set')";

/** `strata <command> --help`: what the command is for, its usage and its examples. */
export function commandHelp(c: CliCommand): string {
  const examples = c.examples.flatMap((e) => [`  ${e.command}`, `      ${e.what}`]);
  const set = (SET_COMMANDS as readonly string[]).includes(c.name) ? ['', 'also:', `  ${SET_HELP}`] : [];
  return [`strata ${c.name}: ${c.summary}`, '', 'usage:', ...usageLines(c.usage).map((l) => `  ${l}`), ...set, '', 'examples:', ...examples].join('\n');
}

/** `strata help`: every command in one line, and where to read more. */
export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `strata ${strataVersion()}: a cycle-accurate simulator of memory-centric LLM accelerators (DRAM, PIM, NPU)`,
    '',
    'usage: strata <command> [flags]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  this text; 'strata help <command>' or 'strata <command> --help' for one command`,
    '',
    'flags of every command: --help (this command\'s usage and examples); strata --version prints the version.',
    `flag of ${SET_COMMANDS.join(', ')}: --set path=value (repeatable), a value of the spec changed before it loads.`,
    'Reference of every command: docs/cli.md (the same text as --help).',
  ].join('\n');
}

/**
 * docs/cli.md: the command reference, generated from the same table as `--help` (`strata help --markdown >
 * docs/cli.md`; test/cli/help.test.ts fails when the page is stale).
 */
export function cliMarkdown(): string {
  const out = [
    '# Command reference',
    '',
    '<!-- Generated by `strata help --markdown > docs/cli.md` from src/cli/commands.ts, the table `strata --help` prints',
    'from; test/cli/help.test.ts fails when this page and the command disagree. Do not edit by hand. -->',
    '',
    'Every command prints its own usage and examples with `--help` (or `strata help <command>`, and for a subcommand',
    '`strata help validate neupims` or `strata validate neupims --help`); exit code 0 on',
    'success, 1 when a check fails (`validate`, `--check`), 2 on a usage or input error (one line on stderr; docs/limits.md lists the bounds).',
    '',
    `${SET_COMMANDS.map((n) => `\`${n}\``).join(', ')} also take ${SET_HELP.replace(/^--set path=value/, '`--set path=value`')}.`,
    '',
    '| command | what it is for |',
    '|---|---|',
    ...COMMANDS.map((c) => `| [\`${c.name}\`](#strata-${c.name}) | ${c.summary} |`),
    '',
  ];
  for (const c of COMMANDS) {
    out.push(`## strata ${c.name}`, '', `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`, '', '```', ...usageLines(c.usage), '```', '', 'Examples:', '');
    for (const e of c.examples) out.push(`- \`${e.command}\`: ${e.what}.`);
    out.push('');
  }
  return out.join('\n');
}
