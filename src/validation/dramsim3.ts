import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importDramsim3Ini } from '../dram/dramsim3-ini.ts';
import { runDram } from '../dram/run.ts';
import { readTraceFile } from '../dram/trace.ts';
import { dramReport, type DramReport } from '../report/dram-report.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';

/** Where the DRAMsim3 reference traces, configurations and outputs are kept (copied from shared/reference). */
export const DRAMSIM3_FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures', 'dramsim3');

/** The four reference cases. */
export const DRAMSIM3_CASES = ['hbm2-8ch-stream-read', 'hbm2-8ch-random-rw', 'hbm2-1ch-stream-read', 'hbm2-1ch-random-rw'] as const;

/** One compared quantity: Strata's value, DRAMsim3's, the relative gap and the tolerance it must meet. */
export interface Comparison {
  metric: string;
  strata: number;
  dramsim3: number;
  /** |strata - dramsim3| / base, where base is the reference value (or, for row hits, all requests). */
  gap: number;
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
  const ref = JSON.parse(readFileSync(join(DRAMSIM3_FIXTURES, `${name}.json`), 'utf8'));
  const s = ref.stats_summed_over_channels;
  const { standard } = importDramsim3Ini(join(DRAMSIM3_FIXTURES, ref.config));
  const trace = readTraceFile(join(DRAMSIM3_FIXTURES, `${name}.trace.gz`));
  const cycles: number = ref.simulated_cycles;
  const report = dramReport(runDram({ standard, trace, frontend: 'dramsim3', cycles, addressOverflow: 'wrap' }));
  const refCompleted = s.num_reads_done + s.num_writes_done;
  const cmp = (metric: string, strata: number, dramsim3: number, tolerance: number, base = dramsim3): Comparison => {
    const gap = Math.abs(strata - dramsim3) / Math.max(1e-12, base);
    return { metric, strata, dramsim3, gap, tolerance, ok: gap <= tolerance };
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
      cmp('IDD energy (pJ)', report.energy.idd.total, s.total_energy, 0.05),
    ],
  };
}

/** A Markdown table of case results. */
export function formatDramsim3Table(results: readonly CaseResult[]): string {
  const lines = ['| trace | metric | Strata | DRAMsim3 | gap | tolerance | |', '|---|---|---:|---:|---:|---:|---|'];
  for (const r of results) {
    for (const c of r.comparisons) {
      const f = (x: number) => (Number.isInteger(x) ? x.toString() : x.toFixed(2));
      lines.push(`| ${r.name} | ${c.metric} | ${f(c.strata)} | ${f(c.dramsim3)} | ${(c.gap * 100).toFixed(2)} % | ${(c.tolerance * 100).toFixed(0)} % | ${c.ok ? 'ok' : 'OUT'} |`);
    }
  }
  return lines.join('\n');
}
