import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRamulator2Config } from '../dram/ramulator2-config.ts';
import { runRamulator2, type LoadStoreTrace, type Ramulator2RunResult } from '../dram/ramulator2-run.ts';
import { formatLoadStoreTrace, generateRamulator2Trace } from '../dram/ramulator2-trace.ts';
import { StrataError } from '../spec/errors.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';

/**
 * Where Ramulator 2's reference runs are kept: ../shared/reference/ramulator2 beside the repository (configs/ holds
 * Ramulator's configuration files, cases/ one JSON per run with its statistics and trace recipe). They are
 * Ramulator's, never copied into the repository.
 */
export const RAMULATOR2_REFERENCE_DIR = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'ramulator2');

/** True when the reference runs are at RAMULATOR2_REFERENCE_DIR (tests skip, saying so, when not). */
export function haveRamulator2Reference(): boolean {
  return existsSync(join(RAMULATOR2_REFERENCE_DIR, 'cases')) && existsSync(join(RAMULATOR2_REFERENCE_DIR, 'configs'));
}

/** The reference runs, by file name without `.json` (v21_DDR4_3200AA_random-rw_100000_1, ...), in name order. */
export function ramulator2Cases(): string[] {
  const dir = join(RAMULATOR2_REFERENCE_DIR, 'cases');
  if (!existsSync(dir)) throw new StrataError(`${dir}: not found (Ramulator 2's reference runs are kept in ../shared/reference/ramulator2 beside the repository, never copied into it)`);
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

/** One compared quantity (as in the DRAMsim3 comparison): Strata's value, Ramulator's, the gap its tolerance bounds. */
export interface R2Comparison {
  metric: string;
  strata: number;
  ramulator: number;
  /** |strata - ramulator| / base (the reference value, or all requests for row hits). */
  gap: number;
  tolerance: number;
  ok: boolean;
}

/** The result of one reference run. */
export interface R2CaseResult {
  name: string;
  run: Ramulator2RunResult;
  comparisons: R2Comparison[];
}

/** The parts of a reference run's JSON that the comparisons read (shared/reference/ramulator2/cases). */
export interface Ramulator2Reference {
  readonly config: string;
  readonly requests_in_trace: number;
  readonly dram: { readonly class: string; readonly org: Readonly<Record<string, number>>; readonly timing_CK: Readonly<Record<string, number>>; readonly tick_multiplier: number };
  readonly controller: { readonly read_buffer: number; readonly write_buffer: number; readonly scheduler: string; readonly row_policy: string; readonly refresh: string; readonly addr_mapper: string };
  readonly key_stats: {
    readonly cycles: number; readonly reads_served: number; readonly writes_served: number; readonly bandwidth_GBps: number;
    readonly ACT: number; readonly REF: number; readonly row_hits: number; readonly avg_read_latency_cycles: number;
  };
  readonly trace: { readonly recreate: string; readonly sha256: string };
}

/**
 * A reference run: its JSON (Ramulator's resolved organisation and timings, controller settings, key_stats) and its
 * trace, regenerated from the recorded recipe (gen.py PATTERN N SEED CAPACITY) and checked against its sha256.
 */
export function ramulator2Case(name: string): { file: string; ref: Ramulator2Reference; trace: LoadStoreTrace } {
  const file = join(RAMULATOR2_REFERENCE_DIR, 'cases', `${name}.json`);
  if (!existsSync(file)) throw new StrataError(`${file}: not found (known cases: ${ramulator2Cases().join(', ')})`);
  const ref = JSON.parse(readFileSync(file, 'utf8'));
  const recipe = /gen\.py (\S+) (\d+) (\d+) (\d+)/.exec(String(ref.trace?.recreate));
  if (!recipe) throw new StrataError(`${file}: 'trace.recreate': expected 'python3 gen.py PATTERN N SEED CAPACITY', found ${JSON.stringify(ref.trace?.recreate)}`);
  const trace = generateRamulator2Trace(recipe[1]!, Number(recipe[2]), Number(recipe[3]), Number(recipe[4]));
  const sha = createHash('sha256').update(formatLoadStoreTrace(trace)).digest('hex');
  if (sha !== ref.trace.sha256) throw new StrataError(`${file}: the regenerated trace (${trace.origin}) has sha256 ${sha}, the case records ${ref.trace.sha256}`);
  return { file, ref, trace };
}

/**
 * Regenerates a case's trace from its recipe (gen.py PATTERN N SEED CAPACITY), checks it against the sha256 the
 * case records, runs it with the case's own configuration and Ramulator 2's front end, and compares with the
 * case's key_stats under the tolerances of issue #19: completed requests and bandwidth 3 %, ACT 5 %, row hits 5 %
 * of all requests, mean read latency 15 % (REF 5 % besides).
 */
export function compareWithRamulator2(name: string): R2CaseResult {
  const { ref, trace } = ramulator2Case(name);
  const run = runRamulator2(loadRamulator2Config(join(RAMULATOR2_REFERENCE_DIR, ref.config)), trace);
  const k = ref.key_stats;
  const refServed = k.reads_served + k.writes_served;
  const cmp = (metric: string, strata: number, ramulator: number, tolerance: number, base = ramulator): R2Comparison => {
    const gap = strata === ramulator ? 0 : Math.abs(strata - ramulator) / Math.max(1e-12, base);
    return { metric, strata, ramulator, gap, tolerance, ok: gap <= tolerance };
  };
  const s = run.stats;
  const act = run.commands.ACT ?? run.commands.ACT1 ?? 0;
  return {
    name,
    run,
    comparisons: [
      cmp('completed requests', s.readsServed + s.writesServed, refServed, 0.03),
      cmp('bandwidth GB/s', run.bandwidthGBps, k.bandwidth_GBps, 0.03),
      cmp('ACT commands', act, k.ACT, 0.05),
      cmp('row hits', s.rowHits, k.row_hits, 0.05, ref.requests_in_trace),
      cmp('mean read latency (ticks)', run.meanReadLatencyTicks ?? Infinity, k.avg_read_latency_cycles, 0.15),
      cmp('REF commands', run.commands.REFab ?? 0, k.REF, 0.05),
    ],
  };
}

/** One row of a comparison table: a run's name, both simulators' ticks and its compared quantities. */
export interface R2TableRow {
  name: string;
  strataTicks: number;
  ramulatorTicks: number;
  comparisons: readonly R2Comparison[];
}

/**
 * The lines of a Markdown comparison table, one row per run: for each quantity Strata's value / Ramulator's (gap),
 * ok when all are within tolerance. Both Ramulator 2 tables (its semantics; Strata's own controller) use it.
 */
export function ramulator2TableLines(rows: readonly R2TableRow[]): string[] {
  const short: Record<string, string> = {
    'completed requests': 'completed', 'bandwidth GB/s': 'GB/s', 'ACT commands': 'ACT', 'row hits': 'row hits',
    'mean read latency (ticks)': 'read latency (ticks)', 'REF commands': 'REF',
  };
  const metrics = rows[0]?.comparisons.map((c) => c.metric) ?? [];
  const lines = [
    `| run | ticks: Strata / Ramulator | ${metrics.map((m) => `${short[m] ?? m}: Strata / Ramulator (gap)`).join(' | ')} | |`,
    `|---|---:|${metrics.map(() => '---:').join('|')}|---|`,
  ];
  const f = (metric: string, x: number) => (metric.includes('GB/s') ? x.toFixed(3) : Number.isInteger(x) ? x.toString() : x.toFixed(2));
  for (const r of rows) {
    const cells = r.comparisons.map((c) => `${f(c.metric, c.strata)} / ${f(c.metric, c.ramulator)} (${(c.gap * 100).toFixed(2)} %)`);
    lines.push(`| ${r.name.replace(/^v21_/, '').replace(/_100000_1$/, '')} | ${r.strataTicks} / ${r.ramulatorTicks} | ${cells.join(' | ')} | ${r.comparisons.every((c) => c.ok) ? 'ok' : 'OUT'} |`);
  }
  return lines;
}

/** A Markdown table, one row per run: for each quantity Strata's value / Ramulator's (gap), ok when all are within tolerance. */
export function formatRamulator2Table(results: readonly R2CaseResult[]): string {
  return ramulator2TableLines(results.map((r) => ({
    name: r.name, strataTicks: r.run.ticks, comparisons: r.comparisons,
    ramulatorTicks: JSON.parse(readFileSync(join(RAMULATOR2_REFERENCE_DIR, 'cases', `${r.name}.json`), 'utf8')).key_stats.cycles,
  }))).join('\n');
}
