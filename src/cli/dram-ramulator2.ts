import { parse as parseYaml } from 'yaml';
import { exportRamulator2Yaml } from '../dram/export.ts';
import { isRamulator2Path, loadRamulator2Config, parseRamulator2Config, ramulator2ChannelBytes, type Ramulator2Config } from '../dram/ramulator2-config.ts';
import { runRamulator2, type Ramulator2RunResult } from '../dram/ramulator2-run.ts';
import { checkRamulator2Run } from '../dram/ramulator2-check.ts';
import { formatCount } from '../dram/limits.ts';
import { generateRamulator2Trace, RAMULATOR2_PATTERNS, readLoadStoreTrace } from '../dram/ramulator2-trace.ts';
import { StrataError } from '../spec/errors.ts';
import { MAX_TRACE_REQUESTS, oneOf, parseFlags, positiveInt, seeUsage, wholeNumber } from './args.ts';
import { checkOutputPaths, writeOutputs } from './output.ts';
import { CHECK_MAX_VIOLATIONS, checkFailureLine } from './check.ts';
import { loadAnyStandard } from './dram-export.ts';

/**
 * `strata dram --spec config.yaml` or `--frontend ramulator2`: a Ramulator 2 configuration implies Ramulator 2's front end
 * (`--frontend ramulator2`): one request offered per controller tick, the run ending on the tick the last is
 * accepted, requests of one burst (32 B for HBM3 and LPDDR5), Ramulator's controller. The trace is a
 * LoadStoreTrace file (`LD|ST ADDRESS`) or one of gen.py's patterns over the channel's capacity.
 */
export function dramRamulator2Command(argv: string[]): number {
  const { values: v, positionals } = parseFlags('dram', argv, {
    spec: { type: 'string' },
    trace: { type: 'string' },
    pattern: { type: 'string' },
    requests: { type: 'string' },
    seed: { type: 'string' },
    frontend: { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
    check: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new StrataError(`dram: unexpected argument '${positionals[0]}'${seeUsage('dram')}`);
  if (isRamulator2Path(v.spec!) && v.frontend !== undefined && v.frontend !== 'ramulator2') throw new StrataError(`--frontend: a Ramulator 2 configuration (${v.spec}) runs with --frontend ramulator2 (implied), got '${v.frontend}'`);
  if (!v.trace === !v.pattern) throw new StrataError(`dram: give exactly one of --trace FILE (LD|ST ADDRESS per line) or --pattern ${RAMULATOR2_PATTERNS.join('|')}${seeUsage('dram')}`);
  if (v.out) checkOutputPaths([v.out]);
  const cfg = ramulator2ConfigOf(v.spec!);
  for (const n of cfg.presetNotes) console.error(`note: ${cfg.file}: ${n}`);
  for (const k of cfg.unknownKeys) console.error(`note: ${cfg.file}: key '${k.replace(/^\./, '')}' is not read by Strata's Ramulator 2 import (ignored)`);
  let trace;
  if (v.trace) {
    for (const flag of ['requests', 'seed'] as const) if (v[flag] !== undefined) throw new StrataError(`--${flag} applies to --pattern, not to --trace`);
    trace = readLoadStoreTrace(v.trace);
  } else {
    const pattern = oneOf('pattern', v.pattern, RAMULATOR2_PATTERNS)!;
    const seed = v.seed === undefined ? 1 : wholeNumber('seed', v.seed, "a seed of Python's random.Random");
    trace = generateRamulator2Trace(pattern, positiveInt('requests', v.requests, MAX_TRACE_REQUESTS) ?? 100_000, seed, ramulator2ChannelBytes(cfg) * cfg.channels);
  }
  const r = runRamulator2(cfg, trace, { commandLog: v.check === true });
  // The independent checker (src/dram/protocol-checker.ts) replays the whole log against the configuration's named
  // timings (src/dram/ramulator2-check.ts); the first broken rule fails the run.
  const check = v.check ? checkRamulator2Run(r, CHECK_MAX_VIOLATIONS) : null;
  if (v.out) writeOutputs([{ path: v.out, content: `${JSON.stringify(ramulator2Json(r), null, 2)}\n` }]);
  if (check !== null && check.violations.length > 0) {
    console.error(checkFailureLine('dram', check.violations, check.entries.length));
    return 1;
  }
  if (!v.quiet) {
    console.log(formatRamulator2Summary(r));
    if (check !== null) console.log(`  check       ${formatCount(check.entries.length)} commands replayed by the protocol checker: no violation`);
    if (v.out) console.log(`  wrote       ${v.out}`);
  }
  return 0;
}

/**
 * The Ramulator 2 configuration of a --spec: a .yaml as it is, any other spec (a preset, a Strata JSON, a DRAMsim3
 * .ini) written by `exportRamulator2Yaml` first (DDR4 and DDR5; what the export cannot carry is noted on stderr).
 */
export function ramulator2ConfigOf(spec: string): Ramulator2Config {
  if (isRamulator2Path(spec)) return loadRamulator2Config(spec);
  const e = exportRamulator2Yaml(loadAnyStandard(spec));
  for (const n of e.notes) console.error(`note: --frontend ramulator2 runs ${spec} as a Ramulator 2 configuration: ${n}`);
  return parseRamulator2Config(parseYaml(e.text), `${spec} (as a Ramulator 2 configuration, strata dram export)`);
}

/** The run as JSON (Ramulator 2's statistic names). */
export function ramulator2Json(r: Ramulator2RunResult): Record<string, unknown> {
  return {
    config: r.config.file, standard: r.config.standard.name, frontend: 'ramulator2', trace: r.traceOrigin, requests: r.requests,
    ticks: r.ticks, tickPs: r.tickPs, bytesPerRequest: r.config.txBytes, bandwidthGBps: r.bandwidthGBps, meanReadLatencyTicks: r.meanReadLatencyTicks,
    leftInQueues: r.leftInQueues, stats: r.stats, commands: r.commands,
  };
}

/** A few lines in the style of `strata dram`'s summary. */
export function formatRamulator2Summary(r: Ramulator2RunResult): string {
  const s = r.stats;
  const served = s.readsServed + s.writesServed;
  const nonzero = Object.entries(r.commands).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  return [
    `ramulator2  ${r.config.file} (${r.config.standard.name}, ${r.config.controller.impl} controller, ${r.config.controller.scheduler}, ${r.config.controller.addrMapper}), front end ramulator2`,
    `  trace       ${r.traceOrigin}: ${r.requests} requests of ${r.config.txBytes} B`,
    `  time        ${r.ticks} ticks of ${r.tickPs} ps until the last request was accepted (${((r.ticks * r.tickPs) / 1e6).toFixed(3)} us)`,
    `  served      ${served} (${s.readsServed} reads, ${s.writesServed} writes; ${r.leftInQueues} still queued), ${r.bandwidthGBps.toFixed(3)} GB/s`,
    `  row buffer  ${s.rowHits} hits, ${s.rowMisses} misses, ${s.rowConflicts} conflicts`,
    `  latency     mean read ${r.meanReadLatencyTicks === null ? '-' : r.meanReadLatencyTicks.toFixed(2)} ticks`,
    `  commands    ${nonzero}`,
  ].join('\n');
}
