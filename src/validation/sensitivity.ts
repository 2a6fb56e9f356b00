import { relative, resolve } from 'node:path';
import { recordAssumptions, withOverrides, type Assumption } from '../spec/provenance.ts';

/**
 * One-at-a-time sensitivity of headline numbers to every assumption on their path.
 *
 * A comparison is split into parts (a PIM-GPT generation, one baseline's decode step, ...), each a function that
 * reads its specs through `readJsonFile`. The shipped run records which assumptions (src/spec/provenance.ts) each
 * part read. Then every assumption is set to its low and to its high end, one at a time, and only the parts that
 * read it are computed again; the headlines are recomputed from the parts. A headline's band is the lowest and
 * highest value over all of these runs, and the assumption whose range moves it most is named.
 *
 * Assumptions declared with the same value, range and reason in several files are one assumption and vary together.
 *
 * One at a time is the usual tornado study: it shows which assumption decides a result, not the joint worst case
 * (which would multiply the runs and combine ends that no single design has).
 */

/** The parts of a comparison, by name; each computes from the specs it reads. */
export type Parts = Readonly<Record<string, () => unknown>>;

/** A headline number computed from the parts' results. */
export interface Headline {
  /** The headline's row in the table. */
  readonly name: string;
  /** The paper's value or range, for the table (text; '' when there is none). */
  readonly paper: string;
  /** The number from the parts' results, keyed by part name (shipped or with one assumption at an end). */
  readonly value: (results: Readonly<Record<string, unknown>>) => number;
}

/** How much one assumption moves one headline. */
export interface Swing {
  /** The assumption varied. */
  readonly assumption: Assumption;
  /** The same assumption declared in other files (same value, range and reason), varied with it. */
  readonly also: readonly Assumption[];
  /** The headline with the assumption at its low end. */
  readonly atLow: number;
  /** The headline with the assumption at its high end. */
  readonly atHigh: number;
}

/** One headline's band. */
export interface Band {
  /** The headline's name. */
  readonly name: string;
  /** The paper's value or range, as text ('' when there is none). */
  readonly paper: string;
  /** The headline with every assumption at its shipped value. */
  readonly shipped: number;
  /** The lowest value: shipped, or any assumption at either end. */
  readonly low: number;
  /** The highest value: shipped, or any assumption at either end. */
  readonly high: number;
  /** Every assumption on the headline's path, largest swing first. */
  readonly swings: readonly Swing[];
}

/** The bands of every headline, and every assumption the comparison read. */
export interface SensitivityResult {
  /** One band per headline, in the order the headlines were given. */
  readonly bands: readonly Band[];
  /** Every assumption the parts read, once per (file, path). */
  readonly assumptions: readonly Assumption[];
}

const keyOf = (a: Assumption) => `${resolve(a.file)}\u0000${a.path}`;
/**
 * Assumptions with the same value, range and reason are one assumption declared in several files (the all-reduce
 * latency of every compared system, say): they vary together, or a band would compare systems under different
 * values of the same unknown.
 */
const groupOf = (a: Assumption) => `${a.value}\u0000${a.low}\u0000${a.high}\u0000${a.why}`;

/** The shipped run of one part: its result and every assumption it read. */
export interface PartRun {
  readonly result: unknown;
  readonly assumptions: readonly Assumption[];
}

/** One assumption to vary (with the same assumption declared in other files), and the parts that read it. */
export interface Variation {
  readonly members: readonly Assumption[];
  readonly parts: readonly string[];
}

/** Runs one part as shipped, recording the assumptions it reads. */
export function runPart(parts: Parts, name: string): PartRun {
  return recordAssumptions(parts[name]!);
}

/**
 * The assumptions to vary, one per group of equal declarations, in the order the parts (given in their order) first
 * read them; each with the parts to compute again.
 */
export function variations(runs: ReadonlyArray<readonly [string, PartRun]>): Variation[] {
  const groups = new Map<string, { members: Map<string, Assumption>; parts: Set<string> }>();
  for (const [name, run] of runs) {
    for (const a of run.assumptions) {
      const g = groups.get(groupOf(a)) ?? { members: new Map<string, Assumption>(), parts: new Set<string>() };
      if (!g.members.has(keyOf(a))) g.members.set(keyOf(a), a);
      g.parts.add(name);
      groups.set(groupOf(a), g);
    }
  }
  return [...groups.values()].map((g) => ({ members: [...g.members.values()], parts: [...g.parts] }));
}

/**
 * The results of a variation's parts with its assumption at one end of its range. An end equal to the shipped value
 * (a range that starts at the published number: the link's 0.57 pJ/bit) reads every spec as shipped, so the parts
 * would compute their shipped results again: none is computed, and the bands take the shipped results for it.
 */
export function runVariation(parts: Parts, v: Variation, end: 'low' | 'high'): Record<string, unknown> {
  if (v.members.every((a) => a[end] === a.value)) return {};
  const results: Record<string, unknown> = {};
  withOverrides(v.members.map((a) => ({ file: a.file, path: a.path, value: a[end] })), () => {
    for (const n of v.parts) results[n] = parts[n]!();
  });
  return results;
}

/**
 * The bands, from the shipped results and each variation's results at its low and high end (`at(i, end)` for
 * variation i). Pure: the same results give the same bands however they were computed (in order, or in a pool).
 */
export function sensitivityBands(
  headlines: readonly Headline[],
  runs: ReadonlyArray<readonly [string, PartRun]>,
  vs: readonly Variation[],
  at: (index: number, end: 'low' | 'high') => Readonly<Record<string, unknown>>,
): SensitivityResult {
  const shipped: Record<string, unknown> = {};
  for (const [name, run] of runs) shipped[name] = run.result;
  const shippedValues = headlines.map((h) => h.value(shipped));
  const swings: Swing[][] = headlines.map(() => []);
  vs.forEach((v, i) => {
    const low = headlines.map((h) => h.value({ ...shipped, ...at(i, 'low') }));
    const high = headlines.map((h) => h.value({ ...shipped, ...at(i, 'high') }));
    headlines.forEach((_, j) => swings[j]!.push({ assumption: v.members[0]!, also: v.members.slice(1), atLow: low[j]!, atHigh: high[j]! }));
  });
  const bands = headlines.map((h, i): Band => {
    const values = [shippedValues[i]!, ...swings[i]!.flatMap((s) => [s.atLow, s.atHigh])];
    const sorted = [...swings[i]!].sort((x, y) => spread(y) - spread(x) || keyOf(x.assumption).localeCompare(keyOf(y.assumption)));
    return { name: h.name, paper: h.paper, shipped: shippedValues[i]!, low: Math.min(...values), high: Math.max(...values), swings: sorted };
  });
  return { bands, assumptions: vs.flatMap((v) => v.members) };
}

/**
 * Computes the parts as shipped and with each assumption they read at each end of its range; returns each headline's
 * band. `onProgress` is told after every variant (done, total). `strata figures` runs the same steps in a pool of
 * worker threads (runPart, runVariation, sensitivityBands).
 */
export function sensitivity(parts: Parts, headlines: readonly Headline[], onProgress?: (done: number, total: number) => void): SensitivityResult {
  const runs = Object.keys(parts).map((name) => [name, runPart(parts, name)] as const);
  const vs = variations(runs);
  const total = vs.length * 2;
  let done = 0;
  const results = vs.map((v) => {
    const low = runVariation(parts, v, 'low');
    onProgress?.(++done, total);
    const high = runVariation(parts, v, 'high');
    onProgress?.(++done, total);
    return { low, high };
  });
  return sensitivityBands(headlines, runs, vs, (i, end) => results[i]![end]);
}

function spread(s: Swing): number {
  return Math.abs(s.atHigh - s.atLow);
}

/** `arch/pim/aim.json: timing.tPL` for an assumption, relative to `root` (the repository, for messages and tables). */
export function assumptionName(a: Assumption, root: string): string {
  return `${relative(root, resolve(a.file))}: ${a.path}`;
}

/** A swing's assumption, with `(+N files)` when the same assumption is declared in others. */
function swingName(s: Swing, root: string): string {
  return `${assumptionName(s.assumption, root)}${s.also.length ? ` (+${s.also.length} more file${s.also.length > 1 ? 's' : ''})` : ''}`;
}

/**
 * The Markdown table of bands: headline, paper, low, shipped, high, and the assumption that moves it most with its
 * range and the headline at each end.
 */
export function formatBands(result: SensitivityResult, root: string, digits = 2): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
  const lines = ['| headline | paper | low | shipped | high | moved most by (range: headline at low / high end) |', '|---|---|---:|---:|---:|---|'];
  for (const b of result.bands) {
    const top = b.swings[0];
    const most = top && Math.abs(top.atHigh - top.atLow) > 0 ? `${swingName(top, root)} (${top.assumption.low}-${top.assumption.high}: ${f(top.atLow)} / ${f(top.atHigh)})` : 'none (no assumption on its path moves it)';
    lines.push(`| ${b.name} | ${b.paper} | ${f(b.low)} | ${f(b.shipped)} | ${f(b.high)} | ${most} |`);
  }
  return lines.join('\n');
}

/** The Markdown list of every assumption read, with its range and reason. */
export function formatAssumptions(result: SensitivityResult, root: string): string {
  const lines = ['| assumption | shipped | low | high | why |', '|---|---:|---:|---:|---|'];
  for (const a of result.assumptions) lines.push(`| ${assumptionName(a, root)} | ${a.value} | ${a.low} | ${a.high} | ${a.why.replace(/\|/g, '/')} |`);
  return lines.join('\n');
}
