import { join } from 'node:path';
import { produce } from 'immer';
import { StrataError } from '../spec/errors.ts';
import { parseAddressMapping } from '../dram/address-mapping.ts';
import { importDramsim3Ini } from '../dram/dramsim3-ini.ts';
import { generatePattern, PATTERNS } from '../dram/patterns.ts';
import { runDram } from '../dram/run.ts';
import { bytesPerRequest, isIniPath, loadStandard, type ControllerSpec, type DramStandard } from '../dram/standard.ts';
import { readTraceFile, type MemTrace } from '../dram/trace.ts';
import { formatCount } from '../dram/limits.ts';
import { formatLog, logEntries } from '../dram/command-log.ts';
import { checkProtocol } from '../dram/protocol-checker.ts';
import { checkBankWindow, type CycleWindow } from '../dram/timeline.ts';
import { dramReport, formatDramSummary } from '../report/dram-report.ts';
import { reportJson } from '../report/json.ts';
import { reportCsvFiles } from '../report/csv.ts';
import { fraction, MAX_TRACE_REQUESTS, readNumber, parseFlags, positiveInt, oneOf, seeUsage } from './args.ts';
import { checkOutputPaths, writeOutputs } from './output.ts';
import { timedProgress } from './progress.ts';
import { CHECK_MAX_VIOLATIONS, checkFailureLine } from './check.ts';
import { dramRamulator2Command } from './dram-ramulator2.ts';
import { isRamulator2Path } from '../dram/ramulator2-config.ts';
import { dramExportCommand, DRAM_EXPORT_USAGE } from './dram-export.ts';

export const DRAM_USAGE = `strata dram --spec <standard | spec.json | dramsim3.ini | ramulator2.yaml> (--trace FILE | --pattern stream|random|strided|mixed)
            [--requests N] [--seed S] [--write-fraction F] [--stride BYTES] [--cycles N]
            [--frontend in-order|dramsim3|ramulator2] [--scheduler frfcfs|fcfs] [--page-policy open|closed]
            [--refresh all-bank|per-bank|none] [--address-mapping ro-ba-bg-ch-co] [--out report.json]
            [--command-log FILE] [--csv DIR] [--epoch CYCLES] [--bank-window START:END|none] [--check] [--quiet]
strata dram --spec ramulator2.yaml|ddr4|ddr5|... [--frontend ramulator2] (--trace LOADSTORE_FILE | --pattern stream-read|random-rw|hot-rows|hot16)
            [--requests N] [--seed S] [--frontend ramulator2 (implied)] [--out run.json] [--check] [--quiet]
${DRAM_EXPORT_USAGE}`;

/** Loads a standard from a shipped name, a Strata JSON spec or a DRAMsim3 .ini. */
export function resolveStandard(spec: string): { standard: DramStandard; ignoredKeys: string[]; notes: string[] } {
  if (isIniPath(spec)) return importDramsim3Ini(spec);
  return { standard: loadStandard(spec), ignoredKeys: [], notes: [] };
}

/**
 * `--bank-window START:END`: the cycles [START, END) whose bank states the report records; `none` records none;
 * absent: the first 2,000 cycles (undefined).
 */
export function bankWindowFlag(v: string | undefined): CycleWindow | false | undefined {
  if (v === undefined) return undefined;
  if (v === 'none') return false;
  const [start, end, ...rest] = v.split(':').map(readNumber);
  if (rest.length > 0 || start === undefined || end === undefined || !Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start) {
    throw new StrataError(`--bank-window: expected START:END in cycles of the dram clock with START < END (e.g. 0:2000), or 'none', got '${v}'`);
  }
  const w = { startCycle: start, cycles: end - start };
  checkBankWindow(w);
  return w;
}

/**
 * With STRATA_DRAM_PHASES=1 in the environment, `strata dram` writes to stderr, after each step, the process's CPU
 * time so far (user + system, ms): where a whole-process run's time goes (`npm run bench -- dram-cli` prints it).
 * Measurement only: the run and its outputs are the same.
 */
function phaseProbe(): (step: string) => void {
  if (process.env.STRATA_DRAM_PHASES !== '1') return () => {};
  return (step) => {
    const c = process.cpuUsage();
    process.stderr.write(`strata dram phase ${step} ${Math.round((c.user + c.system) / 1000)} ms\n`);
  };
}

/** `strata dram`: runs a trace or a synthetic pattern through a DRAM standard and reports. */
export function dramCommand(argv: string[]): number {
  const phase = phaseProbe();
  phase('start');
  if (argv[0] === 'export') return dramExportCommand(argv.slice(1));
  // A Ramulator 2 configuration runs Ramulator 2's controller and front end (src/cli/dram-ramulator2.ts).
  const specAt = argv.findIndex((a) => a === '--spec' || a.startsWith('--spec='));
  const spec = specAt < 0 ? undefined : argv[specAt]!.startsWith('--spec=') ? argv[specAt]!.slice(7) : argv[specAt + 1];
  const frontendAt = argv.findIndex((a) => a === '--frontend' || a.startsWith('--frontend='));
  const fe = frontendAt < 0 ? undefined : argv[frontendAt]!.startsWith('--frontend=') ? argv[frontendAt]!.slice(11) : argv[frontendAt + 1];
  if ((spec !== undefined && isRamulator2Path(spec)) || fe === 'ramulator2') return dramRamulator2Command(argv);
  const { values: v, positionals } = parseFlags('dram', argv, {
    spec: { type: 'string' },
    trace: { type: 'string' },
    pattern: { type: 'string' },
    requests: { type: 'string' },
    seed: { type: 'string' },
    'write-fraction': { type: 'string' },
    stride: { type: 'string' },
    cycles: { type: 'string' },
    frontend: { type: 'string' },
    scheduler: { type: 'string' },
    'page-policy': { type: 'string' },
    refresh: { type: 'string' },
    'address-mapping': { type: 'string' },
    out: { type: 'string' },
    'command-log': { type: 'string' },
    csv: { type: 'string' },
    epoch: { type: 'string' },
    'bank-window': { type: 'string' },
    quiet: { type: 'boolean' },
    check: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new StrataError(`dram: unexpected argument '${positionals[0]}'${seeUsage('dram')}`);
  if (!v.spec) throw new StrataError(`dram: --spec is required${seeUsage('dram')}`);
  const csvDir = v.csv;
  if (!v.trace === !v.pattern) throw new StrataError(`dram: give exactly one of --trace FILE or --pattern NAME${seeUsage('dram')}`);
  // Output paths are checked before the run, which may take minutes (the CSV file names are fixed: report/csv.ts).
  checkOutputPaths([v.out, v['command-log'], csvDir === undefined ? undefined : join(csvDir, 'commands.csv')].filter((p): p is string => p !== undefined));
  const { standard, ignoredKeys, notes } = resolveStandard(v.spec);
  const frontend = oneOf('frontend', v.frontend, ['in-order', 'dramsim3'] as const) ?? 'in-order';
  const scheduler = oneOf('scheduler', v.scheduler, ['frfcfs', 'fcfs'] as const);
  const pagePolicy = oneOf('page-policy', v['page-policy'], ['open', 'closed'] as const);
  const refresh = oneOf('refresh', v.refresh, ['all-bank', 'per-bank', 'none'] as const);
  if (refresh === 'per-bank' && standard.timing.tREFIpb === undefined) {
    throw new StrataError(`--refresh per-bank: standard '${standard.name}' defines no tREFIpb/tRFCpb`);
  }
  const controller: ControllerSpec = produce(standard.controller, (c) => {
    if (scheduler) c.scheduler = scheduler;
    if (pagePolicy) c.pagePolicy = pagePolicy;
    if (refresh) c.refresh = refresh;
    if (v['address-mapping']) c.addressMapping = v['address-mapping'];
  });
  const mapping = parseAddressMapping(controller.addressMapping, standard.organization, v['address-mapping'] ? '--address-mapping' : `${standard.file}: controller.addressMapping`);
  let trace: MemTrace;
  if (v.trace) {
    for (const flag of ['requests', 'seed', 'write-fraction', 'stride'] as const) {
      if (v[flag] !== undefined) throw new StrataError(`--${flag} applies to --pattern, not to --trace`);
    }
    phase('spec');
    trace = readTraceFile(v.trace);
    phase('trace');
  } else {
    const pattern = oneOf('pattern', v.pattern, PATTERNS)!;
    const writeFraction = fraction('write-fraction', v['write-fraction']);
    trace = generatePattern({
      pattern,
      requests: positiveInt('requests', v.requests, MAX_TRACE_REQUESTS) ?? 100_000,
      seed: v.seed ?? '1',
      requestBytes: bytesPerRequest(standard),
      capacityBytes: mapping.capacityBytes,
      writeFraction,
      strideBytes: positiveInt('stride', v.stride),
    });
  }
  const epochCycles = positiveInt('epoch', v.epoch);
  const bankWindow = bankWindowFlag(v['bank-window']);
  // The terminal summary shows neither the bandwidth series nor the bank states: only a file output computes them.
  const timeSeries = v.out !== undefined || csvDir !== undefined;
  const result = runDram({
    standard,
    controller,
    trace,
    frontend,
    cycles: positiveInt('cycles', v.cycles),
    addressOverflow: frontend === 'dramsim3' ? 'wrap' : 'error',
    commandLog: v['command-log'] !== undefined || v.check === true,
    bankWindow: timeSeries ? bankWindow : false,
    onProgress: v.quiet ? undefined : timedProgress('dram'),
  });
  phase('simulation');
  const report = dramReport(result, { epochCycles, timeSeries });
  const entries = v['command-log'] !== undefined || v.check ? logEntries(result.logs, standard.commandNames) : [];
  // The independent checker (src/dram/protocol-checker.ts) replays the whole log; the first broken rule fails the run.
  const violations = v.check ? checkProtocol(standard, entries, { endCycle: result.cycles, refresh: controller.refresh, maxViolations: CHECK_MAX_VIOLATIONS }) : [];
  const outputs: Array<{ path: string; content: string }> = [];
  if (v.out) outputs.push({ path: v.out, content: reportJson(report) });
  if (v['command-log']) outputs.push({ path: v['command-log'], content: formatLog(entries) });
  if (csvDir !== undefined) for (const f of reportCsvFiles(report)) outputs.push({ path: join(csvDir, f.name), content: f.content });
  writeOutputs(outputs);
  if (violations.length > 0) {
    console.error(checkFailureLine('dram', violations, entries.length));
    return 1;
  }
  if (!v.quiet) {
    console.log(formatDramSummary(report));
    if (ignoredKeys.length) console.log(`  note        keys DRAMsim3 accepts that have no effect here: ${ignoredKeys.join(', ')}`);
    for (const n of notes) console.log(`  note        ${n}`);
    if (v.check) console.log(`  check       ${formatCount(entries.length)} commands replayed by the protocol checker: no violation`);
    for (const o of outputs) console.log(`  wrote       ${o.path}`);
  }
  phase('report');
  return 0;
}
