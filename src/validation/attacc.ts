import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StrataError } from '../spec/errors.ts';
import { ATTACC_DEVICES, loadAttAccDevice, type AttAccDevice, type AttAccPlacement } from '../pim/attacc-device.ts';
import type { AttAccStream } from '../pim/attacc-stream.ts';
import { attaccStream, attaccTrace, type AttAccGenerator } from './attacc-trace.ts';
import { runAttAccChannel, runAttAccStack } from '../pim/attacc-channel.ts';
import { checkAttAccRun, type AttAccCheck } from '../pim/attacc-check.ts';

/**
 * AttAcc's golden cycles (Strata issue #14, item 5): AttAcc's Ramulator-based cycle counts of attention on HBM3 PIM
 * (scale-snu/attacc_simulator `ramulator.out`; a sample of its rows in ../shared/reference/attacc, never copied into
 * this repository), each rerun command by command on Strata's AttAcc devices (arch/pim/attacc/attacc-*.json).
 */

/** The sample of AttAcc's rows kept beside the repository (absent in a bare checkout). */
export const ATTACC_SAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/reference/attacc/ramulator-sample.csv');

/** AttAcc's `pim_type` names and the placements they are. */
export const ATTACC_PIM_TYPES: Readonly<Record<string, AttAccPlacement>> = { BA: 'bank', BG: 'bank-group', BUFFER: 'buffer-die' };

/** Largest relative gap of a row's cycles (and of a slope in L) that counts as a match. */
export const ATTACC_TOLERANCE = 0.1;

/** One row of AttAcc's table: the case, its cycles and the PIM command counts of the run. */
export interface AttAccRow {
  readonly line: number;
  readonly L: number;
  readonly nhead: number;
  readonly dhead: number;
  readonly dbyte: number;
  readonly pimType: string;
  readonly powerConstraint: boolean;
  readonly cycle: number;
  readonly counts: { readonly mac: number; readonly softmax: number; readonly mvgb: number; readonly mvsb: number; readonly wrgb: number };
}

const COLUMNS = ['L', 'nhead', 'dhead', 'dbyte', 'pim_type', 'power_constraint', 'cycle', 'mac', 'softmax', 'mvgb', 'mvsb', 'wrgb'] as const;

/** Reads AttAcc's CSV (its `ramulator.out` columns); a malformed line is one error naming the file, line and column. */
export function readAttAccRows(file: string): AttAccRow[] {
  if (!existsSync(file)) throw new StrataError(`${file}: file not found (AttAcc's rows; see ../shared/reference/attacc/README.md)`);
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const header = lines[0]!.split(',').map((h) => h.trim());
  const at = Object.fromEntries(COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<(typeof COLUMNS)[number], number>;
  const missing = COLUMNS.filter((c) => at[c] < 0);
  if (missing.length > 0) throw new StrataError(`${file}: line 1: expected the columns ${COLUMNS.join(', ')}; missing ${missing.join(', ')}`);
  const rows: AttAccRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const f = lines[i]!.split(',').map((x) => x.trim());
    const where = (col: string) => `${file}: line ${i + 1}, column ${col}`;
    const int = (col: (typeof COLUMNS)[number]) => {
      const v = f[at[col]] ?? '';
      if (!/^[0-9]+$/.test(v)) throw new StrataError(`${where(col)}: expected a whole number, got '${v}'`);
      return Number(v);
    };
    const pimType = f[at.pim_type] ?? '';
    if (!(pimType in ATTACC_PIM_TYPES)) throw new StrataError(`${where('pim_type')}: expected ${Object.keys(ATTACC_PIM_TYPES).join(', ')}, got '${pimType}'`);
    const pc = f[at.power_constraint] ?? '';
    if (pc !== 'True' && pc !== 'False') throw new StrataError(`${where('power_constraint')}: expected True or False, got '${pc}'`);
    rows.push({
      line: i + 1, L: int('L'), nhead: int('nhead'), dhead: int('dhead'), dbyte: int('dbyte'), pimType, powerConstraint: pc === 'True', cycle: int('cycle'),
      counts: { mac: int('mac'), softmax: int('softmax'), mvgb: int('mvgb'), mvsb: int('mvsb'), wrgb: int('wrgb') },
    });
  }
  return rows;
}

/** Strata's run of one of AttAcc's rows. */
export interface AttAccComparison {
  readonly row: AttAccRow;
  /** Strata's memory cycles (tCK 769 ps) and Strata / AttAcc. */
  readonly cycles: number;
  readonly ratio: number;
  /** Strata's command counts of the whole stack, and whether all five equal the row's. */
  readonly counts: AttAccStream['counts'];
  readonly countsMatch: boolean;
  /** Commands the simulated legacy channel issued, by name. */
  readonly issued: Readonly<Record<string, number>>;
  /** With the `check` option: the run's command log replayed through the protocol checker. */
  readonly check?: AttAccCheck;
}

/** Options of compareAttAccRow. */
export interface AttAccOptions {
  /** Trace generator to follow (default `v1`, the one AttAcc's table was made with). */
  readonly generator?: AttAccGenerator;
  /** Simulate all 16 legacy channels behind AttAcc's stalling front end instead of legacy channel 0 alone. */
  readonly stack?: boolean;
  /** Leave refresh out (default: AttAcc's all-bank refresh every tREFI). */
  readonly refresh?: boolean;
  /** Record the run's command log and replay it through the protocol checker (at most this many violations). */
  readonly checkMaxViolations?: number;
}

const devices = new Map<string, AttAccDevice>();
function device(placement: AttAccPlacement, powerConstraint: boolean): AttAccDevice {
  const key = `${placement}|${powerConstraint}`;
  let d = devices.get(key);
  if (!d) devices.set(key, (d = loadAttAccDevice(ATTACC_DEVICES[placement], { powerConstraint })));
  return d;
}

/**
 * Reruns one row: builds the stream of AttAcc's trace generator for its case and issues it command by command on the
 * device of its placement and power constraint. By default legacy channel 0 runs alone (it has work in every round
 * and the most requests of any channel); `stack` runs every channel behind the shared front end.
 */
export function compareAttAccRow(row: AttAccRow, opts: AttAccOptions = {}): AttAccComparison {
  const placement = ATTACC_PIM_TYPES[row.pimType]!;
  const dev = device(placement, row.powerConstraint);
  const c = { L: row.L, nhead: row.nhead, dhead: row.dhead, dbyte: row.dbyte };
  let run;
  let counts;
  const commandLog = opts.checkMaxViolations !== undefined;
  if (opts.stack) {
    const trace = attaccTrace(placement, c, { generator: opts.generator });
    run = runAttAccStack(dev, trace, { refresh: opts.refresh, commandLog });
    counts = trace.counts;
  } else {
    const stream = attaccStream(placement, c, { generator: opts.generator });
    run = runAttAccChannel(dev, stream, { refresh: opts.refresh, commandLog });
    counts = stream.counts;
  }
  const r = row.counts;
  const countsMatch = counts.mac === r.mac && counts.softmax === r.softmax && counts.mvgb === r.mvgb && counts.mvsb === r.mvsb && counts.wrgb === r.wrgb;
  const check = commandLog ? checkAttAccRun(dev, run, { stack: opts.stack === true, refresh: opts.refresh !== false, maxViolations: opts.checkMaxViolations! }) : undefined;
  return { row, cycles: run.cycles, ratio: run.cycles / row.cycle, counts, countsMatch, issued: run.issued, ...(check ? { check } : {}) };
}

/** The slope in L of rows that share everything else: AttAcc's and Strata's, by least squares over their L. */
export interface AttAccSlope {
  readonly key: string;
  readonly lengths: readonly number[];
  /** Cycles per unit of L. */
  readonly attacc: number;
  readonly strata: number;
  readonly ratio: number;
}

/** Slopes in L of every group of compared rows (same pim_type, power constraint, nhead, dhead, dbyte) with two or more L. */
export function attaccSlopes(results: readonly AttAccComparison[]): AttAccSlope[] {
  const groups = new Map<string, AttAccComparison[]>();
  for (const r of results) {
    const w = r.row;
    const key = `${w.pimType} pc=${w.powerConstraint ? 'on' : 'off'} nhead=${w.nhead} dhead=${w.dhead} dbyte=${w.dbyte}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  const out: AttAccSlope[] = [];
  for (const [key, g] of groups) {
    const ls = [...new Set(g.map((r) => r.row.L))];
    if (ls.length < 2) continue;
    const attacc = slope(g.map((r) => [r.row.L, r.row.cycle]));
    const strata = slope(g.map((r) => [r.row.L, r.cycles]));
    out.push({ key, lengths: ls.sort((a, b) => a - b), attacc, strata, ratio: strata / attacc });
  }
  return out;
}

function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxy / sxx;
}

/** Per placement (pim_type): rows, median and extreme Strata / AttAcc, and whether every row is within the tolerance. */
export interface AttAccSummary {
  readonly pimType: string;
  readonly rows: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly ok: boolean;
}

/** Summarises the comparisons by placement. */
export function summariseAttAcc(results: readonly AttAccComparison[]): AttAccSummary[] {
  return Object.keys(ATTACC_PIM_TYPES).flatMap((pimType) => {
    const rs = results.filter((r) => r.row.pimType === pimType).map((r) => r.ratio).sort((a, b) => a - b);
    if (rs.length === 0) return [];
    const mid = rs.length / 2;
    const median = rs.length % 2 ? rs[Math.floor(mid)]! : (rs[mid - 1]! + rs[mid]!) / 2;
    return [{ pimType, rows: rs.length, median, min: rs[0]!, max: rs[rs.length - 1]!, ok: rs.every((x) => Math.abs(x - 1) <= ATTACC_TOLERANCE) }];
  });
}

/** True when every row is within the tolerance, its command counts equal AttAcc's, and every slope in L is within the tolerance. */
export function attaccPasses(results: readonly AttAccComparison[]): boolean {
  return results.every((r) => r.countsMatch && Math.abs(r.ratio - 1) <= ATTACC_TOLERANCE) && attaccSlopes(results).every((s) => Math.abs(s.ratio - 1) <= ATTACC_TOLERANCE);
}

const fmt = (x: number, d = 3) => x.toFixed(d);

/** Markdown tables: every row beside AttAcc's, the summary by placement, and the slopes in L. */
export function formatAttAccTables(results: readonly AttAccComparison[]): string {
  const out: string[] = [];
  out.push('| pim_type | power constraint | L | nhead | dhead | dbyte | AttAcc cycles | Strata cycles | Strata / AttAcc | command counts |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const w = r.row;
    out.push(`| ${w.pimType} | ${w.powerConstraint ? 'on' : 'off'} | ${w.L} | ${w.nhead} | ${w.dhead} | ${w.dbyte} | ${w.cycle} | ${r.cycles} | ${fmt(r.ratio)} | ${r.countsMatch ? 'equal' : `DIFFER (mac ${r.counts.mac}, softmax ${r.counts.softmax}, mvgb ${r.counts.mvgb}, mvsb ${r.counts.mvsb}, wrgb ${r.counts.wrgb})`} |`);
  }
  out.push('');
  out.push(`| pim_type | rows | median Strata / AttAcc | min | max | all within ${ATTACC_TOLERANCE * 100} % |`);
  out.push('|---|---:|---:|---:|---:|---|');
  for (const s of summariseAttAcc(results)) out.push(`| ${s.pimType} | ${s.rows} | ${fmt(s.median)} | ${fmt(s.min)} | ${fmt(s.max)} | ${s.ok ? 'yes' : 'NO'} |`);
  const slopes = attaccSlopes(results);
  out.push('');
  if (slopes.length === 0) {
    out.push('No two rows share everything but L: no slope in L to compare.');
  } else {
    out.push(`| rows sharing all but L | L | AttAcc cycles per L | Strata cycles per L | ratio | within ${ATTACC_TOLERANCE * 100} % |`);
    out.push('|---|---|---:|---:|---:|---|');
    for (const s of slopes) out.push(`| ${s.key} | ${s.lengths.join(', ')} | ${fmt(s.attacc, 2)} | ${fmt(s.strata, 2)} | ${fmt(s.ratio)} | ${Math.abs(s.ratio - 1) <= ATTACC_TOLERANCE ? 'yes' : 'NO'} |`);
  }
  return out.join('\n');
}
