import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importDramsim3Ini } from '../dram/dramsim3-ini.ts';
import { runDram } from '../dram/run.ts';
import { readTraceFile, type MemTrace } from '../dram/trace.ts';
import { dramReport, type DramReport } from '../report/dram-report.ts';
import { StrataError } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';

/** Where DRAMsim3's statistics and the reference traces are kept (ours: copied from shared/reference, traces gzipped). */
export const DRAMSIM3_FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures', 'dramsim3');

/**
 * Where DRAMsim3's own configuration files are kept: ../shared/reference/dramsim3 beside the repository (its
 * HBM2 files at the top, every file DRAMsim3 ships in configs/). They are DRAMsim3's, never copied into the repository.
 */
export const DRAMSIM3_REFERENCE_DIR = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'dramsim3');

/** True when DRAMsim3's configuration files are at DRAMSIM3_REFERENCE_DIR (tests skip, saying so, when not). */
export function haveDramsim3Configs(): boolean {
  return existsSync(join(DRAMSIM3_REFERENCE_DIR, 'configs'));
}

/** Path of one of DRAMsim3's configuration files (`HBM2_8Gb_x128.ini`, `configs/DDR4_8Gb_x8_3200.ini`), or a clear error when absent. */
export function dramsim3Config(name: string): string {
  const file = join(DRAMSIM3_REFERENCE_DIR, name);
  if (!existsSync(file)) throw new StrataError(`${file}: not found (DRAMsim3's configuration files are kept in ../shared/reference/dramsim3 beside the repository, never copied into it)`);
  return file;
}

/** DRAMsim3's configuration files of the HBM2 cases (at the top of DRAMSIM3_REFERENCE_DIR). */
export const DRAMSIM3_CASE_CONFIGS = ['HBM2_8Gb_x128.ini', 'HBM2_8Gb_x128_1ch.ini'] as const;

/** The four HBM2 reference cases (100,000 requests, 150,000 cycles). */
export const DRAMSIM3_CASES = ['hbm2-8ch-stream-read', 'hbm2-8ch-random-rw', 'hbm2-1ch-stream-read', 'hbm2-1ch-random-rw'] as const;

/**
 * The twenty runs of ten other configurations (test/fixtures/dramsim3/more: 50,000 requests, 100,000 cycles), in
 * the order of the reference folder. Their traces are the first 50,000 lines of the HBM2 8-channel traces: the same
 * generator and seed (gen_trace.py stream-read|random-rw N 7), checked by test/validation/dramsim3.test.ts.
 */
export const DRAMSIM3_MORE_CASES = [
  'ddr3_8gb_x8_1600', 'ddr4_4gb_x16_2400', 'ddr4_8gb_x8_3200', 'gddr5_8gb_x32', 'gddr5x_8gb_x32', 'gddr6_8gb_x16',
  'hbm1_4gb_x128', 'hbm2_4gb_x128', 'lpddr3_8gb_x32_1600', 'lpddr4_8gb_x16_2400',
].flatMap((c) => [`${c}-stream-read`, `${c}-random-rw`]);

const sharedTraces = new Map<string, MemTrace>();

/** The trace of a case: its own file for the HBM2 cases, the first `requests` lines of the HBM2 trace of that pattern for the others. */
function caseTrace(name: string, requests: number): MemTrace {
  if ((DRAMSIM3_CASES as readonly string[]).includes(name)) return readTraceFile(join(DRAMSIM3_FIXTURES, `${name}.trace.gz`));
  const pattern = name.endsWith('-stream-read') ? 'stream-read' : 'random-rw';
  const file = join(DRAMSIM3_FIXTURES, `hbm2-8ch-${pattern}.trace.gz`);
  // Twenty runs share two traces: each is read once (the runs only read them).
  const t = sharedTraces.get(file) ?? readTraceFile(file);
  sharedTraces.set(file, t);
  return { length: requests, addr: t.addr.subarray(0, requests), isWrite: t.isWrite.subarray(0, requests), cycle: t.cycle.subarray(0, requests), origin: `${t.origin} (first ${requests} requests)`, ...(t.line ? { line: t.line.subarray(0, requests) } : {}) };
}

/** The statistics file of a case. */
function caseJson(name: string): string {
  return (DRAMSIM3_CASES as readonly string[]).includes(name) ? join(DRAMSIM3_FIXTURES, `${name}.json`) : join(DRAMSIM3_FIXTURES, 'more', `${name}.json`);
}

/** One compared quantity: Strata's value, DRAMsim3's, the relative gap and the tolerance it must meet. */
export interface Comparison {
  metric: string;
  strata: number;
  dramsim3: number;
  /** |strata - dramsim3| / base, where base is the reference value (or, for row hits, all requests): what the tolerance bounds. */
  gap: number;
  /** |strata - dramsim3| / dramsim3: the relative gap, which differs from `gap` where the tolerance has another base (row hits). */
  relative: number;
  tolerance: number;
  ok: boolean;
}

/** Result of one reference case. */
export interface CaseResult {
  name: string;
  config: string;
  cycles: number;
  comparisons: Comparison[];
  report: DramReport;
}

/**
 * Runs a reference trace with DRAMsim3's own configuration file and front end for exactly the reference's
 * simulated cycles, and compares with DRAMsim3's statistics under the tolerances of the reference README:
 * completed requests and bandwidth 3 %, ACT count 5 %, row hits 5 % of all requests, mean read latency 15 %.
 */
export function compareWithDramsim3(name: string): CaseResult {
  const ref = JSON.parse(readFileSync(caseJson(name), 'utf8'));
  const s = ref.stats_summed_over_channels;
  const hbm2 = (DRAMSIM3_CASES as readonly string[]).includes(name);
  const { standard } = importDramsim3Ini(dramsim3Config(hbm2 ? ref.config : join('configs', ref.config)));
  const trace = caseTrace(name, hbm2 ? Infinity : ref.requests_in_trace);
  const cycles: number = ref.simulated_cycles;
  const report = dramReport(runDram({ standard, trace, frontend: 'dramsim3', cycles, addressOverflow: 'wrap' }));
  const refCompleted = s.num_reads_done + s.num_writes_done;
  const cmp = (metric: string, strata: number, dramsim3: number, tolerance: number, base = dramsim3): Comparison => {
    const gap = Math.abs(strata - dramsim3) / Math.max(1e-12, base);
    const relative = strata === dramsim3 ? 0 : Math.abs(strata - dramsim3) / Math.max(1e-12, Math.abs(dramsim3));
    return { metric, strata, dramsim3, gap, relative, tolerance, ok: gap <= tolerance };
  };
  return {
    name,
    config: ref.config,
    cycles,
    report,
    comparisons: [
      cmp('completed requests', report.requests.completed, refCompleted, 0.03),
      cmp('bandwidth GB/s', report.bandwidth.achievedGBps, s.average_bandwidth_GBps, 0.03),
      cmp('ACT commands', report.commands.ACT!, s.num_act_cmds, 0.05),
      cmp('row hits (gap / all requests)', report.rowBuffer.hits, s.num_read_row_hits + s.num_write_row_hits, 0.05, refCompleted),
      // No completed read (null) counts as infinitely far from DRAMsim3's figure.
      cmp('mean read latency (cycles)', report.readLatency.mean ?? Infinity, s.average_read_latency_cycles, 0.15),
      cmp('REF commands', report.commands.REF!, s.num_ref_cmds, 0.05),
      // DRAMsim3 adds V x mA x cycles and labels the sum pJ (src/configuration.cc InitPowerParams,
      // src/simple_stats.cc): that is pJ only at tCK = 1 ns, so its figure is scaled by tCK in ns here.
      cmp('IDD energy (pJ)', report.energy.idd.total, s.total_energy * (standard.tCKPs / 1000), 0.05),
    ],
  };
}

/** A Markdown table of case results. */
export function formatDramsim3Table(results: readonly CaseResult[]): string {
  // 'relative' is always |Strata - DRAMsim3| / DRAMsim3; 'gap' is what the tolerance bounds (for row hits, the
  // difference over all requests, as the reference README defines it), so 14 vs 19 row hits reads 26 % relative.
  const lines = ['| trace | metric | Strata | DRAMsim3 | relative | gap (tolerance base) | tolerance | |', '|---|---|---:|---:|---:|---:|---:|---|'];
  for (const r of results) {
    for (const c of r.comparisons) {
      const f = (x: number) => (Number.isInteger(x) ? x.toString() : x.toFixed(2));
      lines.push(`| ${r.name} | ${c.metric} | ${f(c.strata)} | ${f(c.dramsim3)} | ${(c.relative * 100).toFixed(2)} % | ${(c.gap * 100).toFixed(2)} % | ${(c.tolerance * 100).toFixed(0)} % | ${c.ok ? 'ok' : 'OUT'} |`);
    }
  }
  return lines.join('\n');
}

/**
 * A Markdown table with one row per case: for each compared quantity, Strata's value, DRAMsim3's and the gap (ok
 * when every gap is within its tolerance). For the twenty runs of ten configurations, where one row per metric
 * would make 140 rows.
 */
export function formatDramsim3Summary(results: readonly CaseResult[]): string {
  const metrics = results[0]?.comparisons.map((c) => c.metric) ?? [];
  const short: Record<string, string> = {
    'completed requests': 'completed', 'bandwidth GB/s': 'GB/s', 'ACT commands': 'ACT', 'row hits (gap / all requests)': 'row hits',
    'mean read latency (cycles)': 'read latency (cycles)', 'REF commands': 'REF', 'IDD energy (pJ)': 'IDD energy (uJ)',
  };
  const lines = [
    `| run | ${metrics.map((m) => `${short[m] ?? m}: Strata / DRAMsim3 (gap)`).join(' | ')} | |`,
    `|---|${metrics.map(() => '---:').join('|')}|---|`,
  ];
  const f = (metric: string, x: number) => (metric.startsWith('IDD energy') ? (x / 1e6).toFixed(1) : metric.includes('GB/s') || !Number.isInteger(x) ? x.toFixed(2) : x.toString());
  for (const r of results) {
    // The gap the tolerance bounds; for row hits (bounded over all requests) the relative gap follows it.
    const cells = r.comparisons.map((c) => `${f(c.metric, c.strata)} / ${f(c.metric, c.dramsim3)} (${(c.gap * 100).toFixed(1)} %${c.gap !== c.relative ? `; ${(c.relative * 100).toFixed(1)} % relative` : ''})`);
    lines.push(`| ${r.name} | ${cells.join(' | ')} | ${r.comparisons.every((c) => c.ok) ? 'ok' : 'OUT'} |`);
  }
  return lines.join('\n');
}
