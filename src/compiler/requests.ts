import { extname } from 'node:path';
import seedrandom from 'seedrandom';
import { StrataError } from '../spec/errors.ts';
import { FieldReader, describe } from '../spec/fields.ts';
import { deepFreeze } from '../spec/freeze.ts';
import { parseJsonText } from '../spec/json-file.ts';
import { readInputText } from '../spec/input-file.ts';

/**
 * Request sets for serving runs: who arrives when, with how many prompt tokens and how many tokens to generate.
 * Sets come from generators (fixed lengths, or seeded log-normal lengths shaped like ShareGPT and Alpaca, with
 * Poisson or all-at-zero arrivals) or from user files (CSV, JSON). Formats: workloads/requests/README.md.
 */

/** One inference request. Times are integer picoseconds, like all simulated time. */
export interface Request {
  readonly id: string;
  /** When the request reaches the server, ps from the start of the run. */
  readonly arrivalPs: number;
  /** Prompt length (prefill tokens), >= 1. */
  readonly inputTokens: number;
  /** Tokens to generate (decode steps), >= 1. */
  readonly outputTokens: number;
}

/** How arrival times are drawn: everything at time 0 (offline batch), or a Poisson process at `qps` requests/s. */
export type ArrivalProcess = { readonly kind: 'at-zero' } | { readonly kind: 'poisson'; readonly qps: number };

/** A log-normal token length rounded to a whole number and clipped to [1, maxTokens]; mu is solved so the mean after rounding and clipping is `meanTokens`. */
export interface LogNormalLength {
  readonly meanTokens: number;
  /** Standard deviation of ln(length): the spread; mean/median = exp(sigma^2 / 2) before clipping. */
  readonly sigma: number;
  readonly maxTokens: number;
}

/** How request lengths are chosen. */
export type LengthModel =
  | { readonly kind: 'fixed'; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly kind: 'lognormal'; readonly input: LogNormalLength; readonly output: LogNormalLength };

/** Names of the shipped length distributions. */
export const DATASETS = ['sharegpt-like', 'alpaca-like'] as const;
/** A shipped length distribution. */
export type DatasetName = (typeof DATASETS)[number];

/**
 * Shipped length distributions. Means are those of NeuPIMs' own token-count tables (casys-kaist/NeuPIMs @ f299af3
 * trace-generator/{share-gpt2,alpaca}/stats.tsv: ShareGPT 80.3 in / 295.0 out over 391,726 pairs, Alpaca
 * 12.1 / 55.8 over 52,002 pairs; the tables' column means); the shipped 80 / 296 and 12 / 56 are within 0.4 % of them. Sigmas are chosen, not fitted: they make the
 * median (mean / exp(sigma^2/2)) match what a sample of NeuPIMs' own token-count tables shows
 * (casys-kaist/NeuPIMs trace-generator/{share-gpt2,alpaca}/stats.tsv): ShareGPT prompts are mostly short with a
 * long tail of pasted documents (median ≈ 22, sigma 1.6), its answers cluster at a few hundred tokens
 * (median ≈ 230, sigma 0.7); Alpaca instructions are uniformly short (median ≈ 11, sigma 0.4) and its answers
 * range from one word to paragraphs (median ≈ 34, sigma 1.0). Caps: 2048 tokens (NeuPIMs' max_seq_len in
 * get_distributions.py) for ShareGPT, 512 for Alpaca. See workloads/requests/README.md.
 */
export const DATASET_LENGTHS: Readonly<Record<DatasetName, Extract<LengthModel, { kind: 'lognormal' }>>> = deepFreeze({
  'sharegpt-like': {
    kind: 'lognormal',
    input: { meanTokens: 80, sigma: 1.6, maxTokens: 2048 },
    output: { meanTokens: 296, sigma: 0.7, maxTokens: 2048 },
  },
  'alpaca-like': {
    kind: 'lognormal',
    input: { meanTokens: 12, sigma: 0.4, maxTokens: 512 },
    output: { meanTokens: 56, sigma: 1.0, maxTokens: 512 },
  },
});

/** Options of `generateRequests`. */
export interface GeneratorOptions {
  readonly count: number;
  /** A shipped distribution name, or a length model. */
  readonly lengths: DatasetName | LengthModel;
  /** Defaults to all requests at time 0. */
  readonly arrivals?: ArrivalProcess;
  /** Seeds every random stream; recorded in the set. Defaults to 0. */
  readonly seed?: string | number;
}

/** A log-normal length with its solved location parameter, as recorded in a set. */
export interface ResolvedLogNormal extends LogNormalLength {
  /** Mean of ln(length) before rounding and clipping, solved from meanTokens. */
  readonly mu: number;
}

/** Where a request set came from: enough to regenerate it or find its file. */
export type RequestSetOrigin =
  | {
      readonly kind: 'generated';
      readonly count: number;
      /** The shipped distribution name, when one was used. */
      readonly dataset: DatasetName | null;
      readonly lengths:
        | { readonly kind: 'fixed'; readonly inputTokens: number; readonly outputTokens: number }
        | { readonly kind: 'lognormal'; readonly input: ResolvedLogNormal; readonly output: ResolvedLogNormal };
      readonly arrivals: ArrivalProcess;
      readonly seed: string;
      /** seedrandom stream names actually drawn from (none for fixed lengths at time 0). */
      readonly streams: { readonly lengths?: string; readonly arrivals?: string };
    }
  | {
      readonly kind: 'file';
      readonly file: string;
      readonly format: 'csv' | 'json';
      readonly description: string;
      /** The `generator` object a JSON file carried (written by `requestSetToJson`), if any. */
      readonly recorded: unknown;
    };

/** A list of requests sorted by arrival time, with its origin. Frozen. */
export interface RequestSet {
  readonly requests: readonly Request[];
  readonly generator: RequestSetOrigin;
}

/** Largest simulated time the generators and readers accept (2^53 - 1 ps ≈ 2.5 hours). */
export const MAX_ARRIVAL_PS = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------------------------------------------------
// Generators

/** The seedrandom stream names used for a seed. */
export function requestStreamNames(seed: string | number): { lengths: string; arrivals: string } {
  return { lengths: `requests.lengths.${seed}`, arrivals: `requests.arrivals.${seed}` };
}

/** Generates a request set. Same options → identical set (lengths and arrivals come from separate named streams, so changing the rate keeps the lengths). */
export function generateRequests(opts: GeneratorOptions): RequestSet {
  const count = opts.count;
  if (!Number.isInteger(count) || count < 1) throw new StrataError(`request generator: 'count' must be a whole number >= 1, got ${describe(count)}`);
  const seed = String(opts.seed ?? 0);
  const streams = requestStreamNames(seed);
  const arrivals = checkArrivals(opts.arrivals ?? { kind: 'at-zero' });
  const dataset = typeof opts.lengths === 'string' ? opts.lengths : null;
  const model = resolveLengthModel(opts.lengths);

  const inputs = new Array<number>(count);
  const outputs = new Array<number>(count);
  let lengths: Extract<RequestSetOrigin, { kind: 'generated' }>['lengths'];
  const used: { lengths?: string; arrivals?: string } = {};
  if (model.kind === 'fixed') {
    inputs.fill(model.inputTokens);
    outputs.fill(model.outputTokens);
    lengths = { kind: 'fixed', inputTokens: model.inputTokens, outputTokens: model.outputTokens };
  } else {
    const input = { ...model.input, mu: solveLogNormalMu(model.input) };
    const output = { ...model.output, mu: solveLogNormalMu(model.output) };
    lengths = { kind: 'lognormal', input, output };
    used.lengths = streams.lengths;
    const rng = seedrandom(streams.lengths);
    for (let i = 0; i < count; i++) {
      // Box-Muller: one pair of uniforms gives two independent normals, one per length.
      const r = Math.sqrt(-2 * Math.log(1 - rng()));
      const angle = 2 * Math.PI * rng();
      inputs[i] = logNormalTokens(input, r * Math.cos(angle));
      outputs[i] = logNormalTokens(output, r * Math.sin(angle));
    }
  }

  const arrivalPs = new Array<number>(count).fill(0);
  if (arrivals.kind === 'poisson') {
    used.arrivals = streams.arrivals;
    const rng = seedrandom(streams.arrivals);
    const meanGapPs = 1e12 / arrivals.qps;
    let t = 0;
    for (let i = 0; i < count; i++) {
      // Exponential gaps (inverse CDF); the process starts at 0, so the first request arrives after one gap.
      t += Math.round(-Math.log(1 - rng()) * meanGapPs);
      if (t > MAX_ARRIVAL_PS) {
        throw new StrataError(`request generator: ${count} requests at ${arrivals.qps} requests/s would arrive past ${MAX_ARRIVAL_PS} ps (about 2.5 hours of simulated time); use fewer requests or a higher rate`);
      }
      arrivalPs[i] = t;
    }
  }

  const requests: Request[] = [];
  for (let i = 0; i < count; i++) {
    requests.push({ id: String(i), arrivalPs: arrivalPs[i]!, inputTokens: inputs[i]!, outputTokens: outputs[i]! });
  }
  return deepFreeze({ requests, generator: { kind: 'generated', count, dataset, lengths, arrivals, seed, streams: used } });
}

function checkArrivals(a: ArrivalProcess): ArrivalProcess {
  switch (a.kind) {
    case 'at-zero':
      return { kind: 'at-zero' };
    case 'poisson':
      if (typeof a.qps !== 'number' || !Number.isFinite(a.qps) || a.qps <= 0) {
        throw new StrataError(`request generator: Poisson arrivals need a rate 'qps' > 0 requests/s, got ${describe(a.qps)}`);
      }
      return { kind: 'poisson', qps: a.qps };
    default: {
      const never: never = a;
      throw new StrataError(`request generator: unknown arrival process ${describe((never as { kind: unknown }).kind)} (known: at-zero, poisson)`);
    }
  }
}

function resolveLengthModel(l: DatasetName | LengthModel): LengthModel {
  if (typeof l === 'string') {
    if (!(DATASETS as readonly string[]).includes(l)) throw new StrataError(`request generator: unknown length distribution '${l}' (known: ${DATASETS.join(', ')})`);
    return DATASET_LENGTHS[l];
  }
  switch (l.kind) {
    case 'fixed':
      for (const key of ['inputTokens', 'outputTokens'] as const) {
        if (!Number.isInteger(l[key]) || l[key] < 1) throw new StrataError(`request generator: fixed '${key}' must be a whole number >= 1, got ${describe(l[key])}`);
      }
      return l;
    case 'lognormal':
      checkLogNormal('input', l.input);
      checkLogNormal('output', l.output);
      return l;
    default: {
      const never: never = l;
      throw new StrataError(`request generator: unknown length model ${describe((never as { kind: unknown }).kind)} (known: fixed, lognormal, or ${DATASETS.join(', ')})`);
    }
  }
}

function checkLogNormal(which: string, d: LogNormalLength): void {
  const where = `request generator: ${which} lengths`;
  if (!Number.isInteger(d.maxTokens) || d.maxTokens < 2 || d.maxTokens > 1 << 20) {
    throw new StrataError(`${where}: 'maxTokens' must be a whole number from 2 to ${1 << 20}, got ${describe(d.maxTokens)}`);
  }
  if (typeof d.meanTokens !== 'number' || !(d.meanTokens > 1 && d.meanTokens < d.maxTokens)) {
    throw new StrataError(`${where}: 'meanTokens' must lie strictly between 1 and maxTokens (${d.maxTokens}), got ${describe(d.meanTokens)}; use fixed lengths for a constant`);
  }
  if (typeof d.sigma !== 'number' || !(d.sigma > 0 && d.sigma <= 4)) {
    throw new StrataError(`${where}: 'sigma' must be > 0 and <= 4, got ${describe(d.sigma)}`);
  }
}

function logNormalTokens(d: ResolvedLogNormal, z: number): number {
  const v = Math.round(Math.exp(d.mu + d.sigma * z));
  return v < 1 ? 1 : v > d.maxTokens ? d.maxTokens : v;
}

/**
 * Mean of round(X) clipped to [1, max] for X ~ LogNormal(mu, sigma): 1 + sum over k = 1 .. max-1 of P(X >= k + 1/2),
 * since the clipped, rounded value exceeds k exactly when X rounds to k + 1 or more.
 */
export function clippedLogNormalMean(mu: number, sigma: number, maxTokens: number): number {
  let mean = 1;
  const scale = sigma * Math.SQRT2;
  for (let k = 1; k < maxTokens; k++) {
    const tail = 0.5 * erfc((Math.log(k + 0.5) - mu) / scale);
    mean += tail;
    if (tail < 1e-17) break; // tails only shrink as k grows
  }
  return mean;
}

/** Solves mu so that the rounded, clipped log-normal has mean `meanTokens` (bisection; the mean grows with mu). */
export function solveLogNormalMu(d: LogNormalLength): number {
  const f = (mu: number) => clippedLogNormalMean(mu, d.sigma, d.maxTokens) - d.meanTokens;
  let lo = Math.log(d.meanTokens) - 1;
  while (f(lo) > 0) lo -= 1;
  let hi = Math.log(d.meanTokens) + 1;
  while (f(hi) < 0) hi += 1;
  for (let i = 0; i < 100 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Complementary error function, Chebyshev fit with fractional error below 1.2e-7 (Numerical Recipes, erfcc). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

// ---------------------------------------------------------------------------------------------------------
// Files

/** CSV columns: `id`, exactly one of `arrival_ps` / `arrival_ns`, `input_tokens`, `output_tokens`, in any order. */
export const CSV_COLUMNS = ['id', 'arrival_ps', 'arrival_ns', 'input_tokens', 'output_tokens'] as const;

/** Loads a request file by extension: `.csv` or `.json`. */
export function loadRequests(file: string): RequestSet {
  const text = readInputText(file, 'a request set (.csv or .json)');
  const ext = extname(file).toLowerCase();
  if (ext !== '.csv' && ext !== '.json') throw new StrataError(`${file}: request files must end in .csv or .json (formats: workloads/requests/README.md)`);
  return ext === '.csv' ? parseRequestsCsv(text, file) : parseRequestsJson(text, file);
}

/** Parses a request CSV; `file` names it in errors, which give the line number. */
export function parseRequestsCsv(text: string, file: string): RequestSet {
  const lines = text.split(/\r?\n/);
  let header: string[] | null = null;
  let headerLine = 0;
  const col: Partial<Record<(typeof CSV_COLUMNS)[number], number>> = {};
  const requests: Request[] = [];
  const seenIds = new Map<string, number>();
  let prevArrival = 0;
  let prevLine = 0;

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    const at = `${file}: line ${lineNo}`;

    if (header === null) {
      header = cells;
      headerLine = lineNo;
      cells.forEach((name, idx) => {
        if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
          throw new StrataError(`${at}: unknown column ${describe(name)} in the header (known: ${CSV_COLUMNS.join(', ')})`);
        }
        const key = name as (typeof CSV_COLUMNS)[number];
        if (col[key] !== undefined) throw new StrataError(`${at}: column '${name}' appears twice in the header`);
        col[key] = idx;
      });
      for (const name of ['id', 'input_tokens', 'output_tokens'] as const) {
        if (col[name] === undefined) throw new StrataError(`${at}: the header has no '${name}' column (expected id, arrival_ps or arrival_ns, input_tokens, output_tokens)`);
      }
      if (col.arrival_ps === undefined && col.arrival_ns === undefined) throw new StrataError(`${at}: the header has no arrival column (expected 'arrival_ps' or 'arrival_ns')`);
      if (col.arrival_ps !== undefined && col.arrival_ns !== undefined) throw new StrataError(`${at}: the header has both 'arrival_ps' and 'arrival_ns'; keep one`);
      continue;
    }

    if (cells.length !== header.length) {
      throw new StrataError(`${at}: expected ${header.length} comma-separated fields (${header.join(',')}), found ${cells.length}`);
    }
    const cell = (name: (typeof CSV_COLUMNS)[number]): string => cells[col[name]!]!;
    const id = cell('id');
    if (id === '') throw new StrataError(`${at}: column 'id' is empty`);
    const dup = seenIds.get(id);
    if (dup !== undefined) throw new StrataError(`${at}: id ${describe(id)} was already used on line ${dup}; ids must be unique`);
    seenIds.set(id, lineNo);

    const arrivalPs = col.arrival_ps !== undefined
      ? parseWholePs(cell('arrival_ps'), `${at}: column 'arrival_ps'`)
      : parseNsToPs(cell('arrival_ns'), `${at}: column 'arrival_ns'`);
    const inputTokens = parseTokens(cell('input_tokens'), `${at}: column 'input_tokens'`);
    const outputTokens = parseTokens(cell('output_tokens'), `${at}: column 'output_tokens'`);
    if (requests.length > 0 && arrivalPs < prevArrival) {
      throw new StrataError(`${at}: arrival ${arrivalPs} ps is earlier than line ${prevLine}'s ${prevArrival} ps; requests must be sorted by arrival time`);
    }
    prevArrival = arrivalPs;
    prevLine = lineNo;
    requests.push({ id, arrivalPs, inputTokens, outputTokens });
  }
  if (header === null) throw new StrataError(`${file}: empty request file (expected a header line 'id,arrival_ps,input_tokens,output_tokens' and one line per request)`);
  if (requests.length === 0) throw new StrataError(`${file}: no requests after the header on line ${headerLine}`);
  return deepFreeze({ requests, generator: { kind: 'file', file, format: 'csv', description: '', recorded: null } });
}

function parseWholePs(s: string, where: string): number {
  if (!/^\d+$/.test(s)) throw new StrataError(`${where}: expected a whole number of picoseconds >= 0, found ${describe(s)}`);
  const v = Number(s);
  if (v > MAX_ARRIVAL_PS) throw new StrataError(`${where}: ${s} ps is past the largest time Strata represents exactly (${MAX_ARRIVAL_PS} ps)`);
  return v;
}

function parseNsToPs(s: string, where: string): number {
  const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(s);
  if (!m) throw new StrataError(`${where}: expected a time in ns >= 0 with at most 3 decimals (whole picoseconds), found ${describe(s)}`);
  const v = Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
  if (v > MAX_ARRIVAL_PS) throw new StrataError(`${where}: ${s} ns is past the largest time Strata represents exactly (${MAX_ARRIVAL_PS} ps)`);
  return v;
}

function parseTokens(s: string, where: string): number {
  if (!/^\d+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s))) {
    throw new StrataError(`${where}: expected a whole number of tokens >= 1, found ${describe(s)}`);
  }
  return Number(s);
}

// `$schema` names the file's JSON Schema for editors (schemas/strata-requests.schema.json); it is not part of the set.
const JSON_KEYS = ['$schema', 'description', 'note', 'generator', 'requests'];
const JSON_REQUEST_KEYS = ['id', 'arrivalPs', 'arrivalNs', 'inputTokens', 'outputTokens', 'note'];

/** Parses a request JSON file (`{ "requests": [{ id, arrivalPs | arrivalNs, inputTokens, outputTokens }] }`); errors name the index and field. */
export function parseRequestsJson(text: string, file: string): RequestSet {
  const json = parseJsonText(text, file);
  if (Array.isArray(json)) throw new StrataError(`${file}: expected an object { "requests": [ ... ] } at the top level, found a bare array`);
  const r = FieldReader.root(file, json);
  r.onlyKeys(JSON_KEYS);
  const items = r.objects('requests');
  if (items.length === 0) r.fail('requests', 'at least one request (found an empty array)');
  const requests: Request[] = [];
  const seenIds = new Map<string, number>();
  items.forEach((q, i) => {
    q.onlyKeys(JSON_REQUEST_KEYS);
    const rawId = q.obj.id;
    if (!(typeof rawId === 'string' && rawId !== '') && !(typeof rawId === 'number' && Number.isInteger(rawId))) {
      q.fail('id', rawId === undefined ? 'a non-empty string or an integer (field is missing)' : 'a non-empty string or an integer', rawId);
    }
    const id = String(rawId);
    const dup = seenIds.get(id);
    if (dup !== undefined) q.fail('id', `an id not used before (requests[${dup}] has it)`, rawId);
    seenIds.set(id, i);

    if (q.has('arrivalPs') && q.has('arrivalNs')) q.fail('arrivalNs', "only one of 'arrivalPs' and 'arrivalNs'", q.obj.arrivalNs);
    let arrivalPs: number;
    if (q.has('arrivalNs')) {
      const ns = q.number('arrivalNs', { min: 0 });
      arrivalPs = Math.round(ns * 1000);
      if (Math.abs(arrivalPs - ns * 1000) > 1e-6 * Math.max(1, ns)) q.fail('arrivalNs', 'a whole number of picoseconds (at most 3 decimals in ns)', ns);
    } else {
      if (!q.has('arrivalPs')) q.fail('arrivalPs', "a whole number of ps >= 0 (field is missing; or give 'arrivalNs')");
      arrivalPs = q.number('arrivalPs', { integer: true, min: 0, max: MAX_ARRIVAL_PS });
    }
    const inputTokens = q.number('inputTokens', { integer: true, positive: true });
    const outputTokens = q.number('outputTokens', { integer: true, positive: true });
    const prev = requests[requests.length - 1];
    if (prev && arrivalPs < prev.arrivalPs) {
      q.fail(q.has('arrivalNs') ? 'arrivalNs' : 'arrivalPs', `an arrival no earlier than requests[${i - 1}] (${prev.arrivalPs} ps); requests must be sorted by arrival time`, q.obj.arrivalPs ?? q.obj.arrivalNs);
    }
    requests.push({ id, arrivalPs, inputTokens, outputTokens });
  });
  const description = r.optionalString('description', '');
  if (r.has('generator')) r.object('generator');
  return deepFreeze({
    requests,
    generator: { kind: 'file', file, format: 'json', description, recorded: r.has('generator') ? structuredClone(r.obj.generator) : null },
  });
}

/** Writes a set in the JSON request format (its origin goes in `generator`), so it can be read back by `parseRequestsJson`. */
export function requestSetToJson(set: RequestSet, description = ''): string {
  const requests = set.requests.map((q) => `    ${JSON.stringify({ id: q.id, arrivalPs: q.arrivalPs, inputTokens: q.inputTokens, outputTokens: q.outputTokens })}`);
  const head = [`  "description": ${JSON.stringify(description)}`, `  "generator": ${JSON.stringify(set.generator)}`];
  return `{\n${head.join(',\n')},\n  "requests": [\n${requests.join(',\n')}\n  ]\n}\n`;
}

/** Writes a set in the CSV request format (`id,arrival_ps,input_tokens,output_tokens`). Ids containing commas cannot be written. */
export function requestSetToCsv(set: RequestSet): string {
  const rows = set.requests.map((q) => {
    if (q.id.includes(',') || q.id.trim() !== q.id) throw new StrataError(`request id ${describe(q.id)} cannot be written to CSV (no commas or surrounding spaces)`);
    return `${q.id},${q.arrivalPs},${q.inputTokens},${q.outputTokens}`;
  });
  return `id,arrival_ps,input_tokens,output_tokens\n${rows.join('\n')}\n`;
}

/** Summary numbers of a set: counts, mean lengths, the span of arrivals. */
export function summarizeRequests(set: RequestSet): { count: number; meanInputTokens: number; meanOutputTokens: number; firstArrivalPs: number; lastArrivalPs: number } {
  const n = set.requests.length;
  let inSum = 0;
  let outSum = 0;
  for (const q of set.requests) {
    inSum += q.inputTokens;
    outSum += q.outputTokens;
  }
  return {
    count: n,
    meanInputTokens: n ? inSum / n : 0,
    meanOutputTokens: n ? outSum / n : 0,
    firstArrivalPs: set.requests[0]?.arrivalPs ?? 0,
    lastArrivalPs: set.requests[n - 1]?.arrivalPs ?? 0,
  };
}
