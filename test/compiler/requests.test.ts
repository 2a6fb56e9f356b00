import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DATASET_LENGTHS, MAX_ARRIVAL_PS, clippedLogNormalMean, generateRequests, loadRequests, parseRequestsCsv, parseRequestsJson,
  requestSetToCsv, requestSetToJson, requestStreamNames, solveLogNormalMu, summarizeRequests, type RequestSet,
} from '../../src/compiler/requests.ts';
import { errorOf } from '../helpers.ts';

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../workloads/requests');


const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('generators', () => {
  it('same seed → identical set; different seed → different lengths', () => {
    const opts = { count: 500, lengths: 'sharegpt-like' as const, arrivals: { kind: 'poisson' as const, qps: 8 }, seed: 7 };
    const a = generateRequests(opts);
    const b = generateRequests(opts);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = generateRequests({ ...opts, seed: 8 });
    expect(c.requests.map((q) => q.inputTokens)).not.toEqual(a.requests.map((q) => q.inputTokens));
  });

  it('records the seed, the streams it drew from and the solved parameters', () => {
    const s = generateRequests({ count: 10, lengths: 'alpaca-like', arrivals: { kind: 'poisson', qps: 2 }, seed: 'abc' });
    const g = s.generator;
    if (g.kind !== 'generated' || g.lengths.kind !== 'lognormal') throw new Error('expected a generated log-normal set');
    expect(g.seed).toBe('abc');
    expect(g.dataset).toBe('alpaca-like');
    expect(g.streams).toEqual({ lengths: 'requests.lengths.abc', arrivals: 'requests.arrivals.abc' });
    expect(requestStreamNames('abc')).toEqual({ lengths: 'requests.lengths.abc', arrivals: 'requests.arrivals.abc' });
    expect(g.lengths.input.meanTokens).toBe(12);
    expect(Number.isFinite(g.lengths.input.mu)).toBe(true);
    expect(g.arrivals).toEqual({ kind: 'poisson', qps: 2 });
  });

  it('lengths and arrivals use separate streams: changing the rate keeps the lengths', () => {
    const a = generateRequests({ count: 200, lengths: 'sharegpt-like', arrivals: { kind: 'poisson', qps: 1 }, seed: 3 });
    const b = generateRequests({ count: 200, lengths: 'sharegpt-like', arrivals: { kind: 'poisson', qps: 50 }, seed: 3 });
    const c = generateRequests({ count: 200, lengths: 'sharegpt-like', seed: 3 });
    expect(b.requests.map((q) => [q.inputTokens, q.outputTokens])).toEqual(a.requests.map((q) => [q.inputTokens, q.outputTokens]));
    expect(c.requests.map((q) => q.inputTokens)).toEqual(a.requests.map((q) => q.inputTokens));
    // Arrival gaps scale exactly with 1/qps up to the rounding of each gap to 1 ps.
    const ratio = a.requests[199]!.arrivalPs / b.requests[199]!.arrivalPs;
    expect(ratio).toBeCloseTo(50, 6);
  });

  for (const [name, target] of [['sharegpt-like', { input: 80, output: 296 }], ['alpaca-like', { input: 12, output: 56 }]] as const) {
    it(`${name}: means of 20,000 requests within 5 % of ${target.input} / ${target.output} tokens, lengths in [1, max]`, () => {
      const s = generateRequests({ count: 20000, lengths: name, seed: 1 });
      const inputs = s.requests.map((q) => q.inputTokens);
      const outputs = s.requests.map((q) => q.outputTokens);
      expect(Math.abs(mean(inputs) / target.input - 1)).toBeLessThan(0.05);
      expect(Math.abs(mean(outputs) / target.output - 1)).toBeLessThan(0.05);
      const d = DATASET_LENGTHS[name];
      for (const [xs, max] of [[inputs, d.input.maxTokens], [outputs, d.output.maxTokens]] as const) {
        expect(Math.min(...xs)).toBeGreaterThanOrEqual(1);
        expect(Math.max(...xs)).toBeLessThanOrEqual(max);
        expect(xs.every(Number.isInteger)).toBe(true);
      }
      const sum = summarizeRequests(s);
      expect(sum.meanInputTokens).toBeCloseTo(mean(inputs), 9);
      expect(sum.count).toBe(20000);
    });
  }

  it('solves mu so that the mean after rounding and clipping is the target', () => {
    for (const d of [DATASET_LENGTHS['sharegpt-like'].input, DATASET_LENGTHS['alpaca-like'].output, { meanTokens: 3, sigma: 2, maxTokens: 8 }]) {
      const mu = solveLogNormalMu(d);
      expect(clippedLogNormalMean(mu, d.sigma, d.maxTokens)).toBeCloseTo(d.meanTokens, 6);
    }
    // A narrow distribution far from both clips has mean ≈ exp(mu + sigma^2/2), so mu ≈ ln(100) - 0.005 = 4.600.
    expect(solveLogNormalMu({ meanTokens: 100, sigma: 0.1, maxTokens: 100000 })).toBeCloseTo(Math.log(100) - 0.005, 3);
  });

  it('Poisson: mean gap of 20,000 arrivals within 5 % of 1/QPS; arrivals are sorted integers', () => {
    const qps = 10; // mean gap 1/10 s = 1e11 ps
    const s = generateRequests({ count: 20000, lengths: { kind: 'fixed', inputTokens: 8, outputTokens: 8 }, arrivals: { kind: 'poisson', qps }, seed: 5 });
    const t = s.requests.map((q) => q.arrivalPs);
    expect(t.every(Number.isInteger)).toBe(true);
    const gaps = t.map((x, i) => x - (i === 0 ? 0 : t[i - 1]!));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
    expect(Math.abs(mean(gaps) / 1e11 - 1)).toBeLessThan(0.05);
    // Exponential gaps: the standard deviation equals the mean.
    const sd = Math.sqrt(mean(gaps.map((g) => (g - mean(gaps)) ** 2)));
    expect(Math.abs(sd / mean(gaps) - 1)).toBeLessThan(0.05);
  });

  it('fixed lengths at time 0 use no random stream', () => {
    const s = generateRequests({ count: 3, lengths: { kind: 'fixed', inputTokens: 128, outputTokens: 64 } });
    expect(s.requests).toEqual([
      { id: '0', arrivalPs: 0, inputTokens: 128, outputTokens: 64 },
      { id: '1', arrivalPs: 0, inputTokens: 128, outputTokens: 64 },
      { id: '2', arrivalPs: 0, inputTokens: 128, outputTokens: 64 },
    ]);
    expect(s.generator.kind === 'generated' && s.generator.streams).toEqual({});
    expect(s.generator.kind === 'generated' && s.generator.seed).toBe('0');
  });

  it('sets are frozen', () => {
    const s = generateRequests({ count: 2, lengths: 'alpaca-like' });
    expect(Object.isFrozen(s.requests)).toBe(true);
    expect(Object.isFrozen(s.requests[0])).toBe(true);
    expect(Object.isFrozen(s.generator)).toBe(true);
  });

  it('rejects bad options with the option named', () => {
    expect(errorOf(() => generateRequests({ count: 0, lengths: 'sharegpt-like' }))).toMatch(/'count' must be a whole number >= 1, got 0/);
    expect(errorOf(() => generateRequests({ count: 1.5, lengths: 'sharegpt-like' }))).toMatch(/'count'/);
    expect(errorOf(() => generateRequests({ count: 1, lengths: 'sharegpt' as never }))).toMatch(/unknown length distribution 'sharegpt' \(known: sharegpt-like, alpaca-like\)/);
    expect(errorOf(() => generateRequests({ count: 1, lengths: 'alpaca-like', arrivals: { kind: 'poisson', qps: 0 } }))).toMatch(/'qps' > 0/);
    expect(errorOf(() => generateRequests({ count: 1, lengths: { kind: 'fixed', inputTokens: 0, outputTokens: 5 } }))).toMatch(/fixed 'inputTokens' must be a whole number >= 1, got 0/);
    const ln = { meanTokens: 10, sigma: 1, maxTokens: 100 };
    expect(errorOf(() => generateRequests({ count: 1, lengths: { kind: 'lognormal', input: { ...ln, meanTokens: 100 }, output: ln } }))).toMatch(/input lengths: 'meanTokens' must lie strictly between 1 and maxTokens \(100\)/);
    expect(errorOf(() => generateRequests({ count: 1, lengths: { kind: 'lognormal', input: ln, output: { ...ln, sigma: 0 } } }))).toMatch(/output lengths: 'sigma'/);
    expect(errorOf(() => generateRequests({ count: 1, lengths: { kind: 'lognormal', input: { ...ln, maxTokens: 1 }, output: ln } }))).toMatch(/'maxTokens'/);
  });

  it('refuses arrivals past the largest exact time', () => {
    // 100,000 requests at 0.01 QPS span about 1e7 s = 1e19 ps, past 2^53 ps.
    expect(errorOf(() => generateRequests({ count: 100000, lengths: 'alpaca-like', arrivals: { kind: 'poisson', qps: 0.01 } }))).toMatch(new RegExp(`past ${MAX_ARRIVAL_PS} ps`));
  });
});

describe('CSV files', () => {
  it('reads the shipped example', () => {
    const s = loadRequests(join(EXAMPLES, 'example.csv'));
    expect(s.requests.length).toBe(8);
    expect(s.requests[0]).toEqual({ id: 'chat-0', arrivalPs: 0, inputTokens: 80, outputTokens: 296 });
    expect(s.requests[7]).toEqual({ id: 'chat-7', arrivalPs: 1_000_000_000, inputTokens: 48, outputTokens: 512 });
    expect(s.generator).toMatchObject({ kind: 'file', format: 'csv' });
  });

  it('accepts any column order, arrival_ns with up to 3 decimals, comments, blank lines, CRLF and spaces', () => {
    const text = '# comment\r\n\r\noutput_tokens, id ,input_tokens,arrival_ns\r\n5,a,7,0\r\n6, b ,8,1.5\r\n\r\n9,c,10,2.25\r\n';
    const s = parseRequestsCsv(text, 'r.csv');
    expect(s.requests).toEqual([
      { id: 'a', arrivalPs: 0, inputTokens: 7, outputTokens: 5 },
      { id: 'b', arrivalPs: 1500, inputTokens: 8, outputTokens: 6 },
      { id: 'c', arrivalPs: 2250, inputTokens: 10, outputTokens: 9 },
    ]);
  });

  it('round-trips through requestSetToCsv', () => {
    const s = generateRequests({ count: 50, lengths: 'sharegpt-like', arrivals: { kind: 'poisson', qps: 3 }, seed: 2 });
    expect(parseRequestsCsv(requestSetToCsv(s), 'x.csv').requests).toEqual(s.requests);
  });

  const H = 'id,arrival_ps,input_tokens,output_tokens\n';
  const cases: [string, string, RegExp][] = [
    ['empty file', '\n# nothing\n', /^e\.csv: empty request file/],
    ['header only', H, /^e\.csv: no requests after the header on line 1/],
    ['missing id column', 'arrival_ps,input_tokens,output_tokens\n0,1,1\n', /^e\.csv: line 1: the header has no 'id' column/],
    ['missing output column', 'id,arrival_ps,input_tokens\na,0,1\n', /line 1: the header has no 'output_tokens' column/],
    ['missing arrival column', 'id,input_tokens,output_tokens\na,1,1\n', /line 1: the header has no arrival column \(expected 'arrival_ps' or 'arrival_ns'\)/],
    ['both arrival columns', 'id,arrival_ps,arrival_ns,input_tokens,output_tokens\n', /line 1: the header has both 'arrival_ps' and 'arrival_ns'/],
    ['unknown column', 'id,arrival_ps,input_tokens,output_tokens,prio\n', /line 1: unknown column "prio" in the header \(known: id, arrival_ps, arrival_ns, input_tokens, output_tokens\)/],
    ['repeated column', 'id,id,arrival_ps,input_tokens,output_tokens\n', /line 1: column 'id' appears twice/],
    ['missing field', `${H}a,0,5\n`, /^e\.csv: line 2: expected 4 comma-separated fields \(id,arrival_ps,input_tokens,output_tokens\), found 3/],
    ['extra field', `${H}a,0,5,5,5\n`, /line 2: expected 4 comma-separated fields .* found 5/],
    ['empty id', `${H} ,0,5,5\n`, /line 2: column 'id' is empty/],
    ['duplicate id', `${H}a,0,5,5\nb,0,5,5\na,1,5,5\n`, /line 4: id "a" was already used on line 2/],
    ['zero input', `${H}a,0,0,5\n`, /line 2: column 'input_tokens': expected a whole number of tokens >= 1, found "0"/],
    ['negative output', `${H}a,0,5,-3\n`, /line 2: column 'output_tokens': expected a whole number of tokens >= 1, found "-3"/],
    ['fractional tokens', `${H}a,0,5.5,3\n`, /column 'input_tokens': expected a whole number of tokens >= 1, found "5.5"/],
    ['non-numeric tokens', `${H}a,0,five,3\n`, /column 'input_tokens'.*found "five"/],
    ['fractional ps', `${H}a,0.5,5,3\n`, /line 2: column 'arrival_ps': expected a whole number of picoseconds >= 0, found "0.5"/],
    ['negative arrival', `${H}a,-1,5,3\n`, /column 'arrival_ps': expected a whole number of picoseconds >= 0, found "-1"/],
    ['too late', `${H}a,9007199254740993,5,3\n`, /column 'arrival_ps': 9007199254740993 ps is past the largest time/],
    ['sub-ps ns', 'id,arrival_ns,input_tokens,output_tokens\na,1.0005,5,3\n', /column 'arrival_ns': expected a time in ns >= 0 with at most 3 decimals/],
    ['unsorted', `${H}a,0,5,5\nb,300,5,5\n\nc,200,5,5\n`, /^e\.csv: line 5: arrival 200 ps is earlier than line 3's 300 ps; requests must be sorted by arrival time/],
  ];
  for (const [what, text, message] of cases) {
    it(`error: ${what}`, () => {
      expect(errorOf(() => parseRequestsCsv(text, 'e.csv'))).toMatch(message);
    });
  }
});

describe('JSON files', () => {
  it('reads the shipped example, which matches the CSV one', () => {
    const j = loadRequests(join(EXAMPLES, 'example.json'));
    const c = loadRequests(join(EXAMPLES, 'example.csv'));
    expect(j.requests).toEqual(c.requests);
    expect(j.generator).toMatchObject({ kind: 'file', format: 'json' });
    expect(j.generator.kind === 'file' && j.generator.description).toMatch(/eight requests/);
  });

  it('round-trips a generated set, keeping its origin as the recorded generator', () => {
    const s = generateRequests({ count: 40, lengths: 'alpaca-like', arrivals: { kind: 'poisson', qps: 100 }, seed: 9 });
    const back: RequestSet = parseRequestsJson(requestSetToJson(s, 'alpaca sample'), 'g.json');
    expect(back.requests).toEqual(s.requests);
    if (back.generator.kind !== 'file') throw new Error('expected a file origin');
    expect(back.generator.recorded).toEqual(JSON.parse(JSON.stringify(s.generator)));
    expect(back.generator.description).toBe('alpaca sample');
  });

  it('accepts integer ids (kept as strings)', () => {
    const s = parseRequestsJson('{"requests":[{"id":3,"arrivalPs":0,"inputTokens":1,"outputTokens":1}]}', 'i.json');
    expect(s.requests[0]!.id).toBe('3');
  });

  const req = (fields: Record<string, unknown>) => ({ id: 'a', arrivalPs: 0, inputTokens: 4, outputTokens: 4, ...fields });
  const doc = (...requests: unknown[]) => JSON.stringify({ requests });
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{', /^e\.json: not valid JSON/],
    ['bare array', '[]', /^e\.json: expected an object \{ "requests": \[ \.\.\. \] \} at the top level, found a bare array/],
    ['no requests field', '{}', /^e\.json: field 'requests': expected an array, found nothing/],
    ['empty requests', doc(), /field 'requests': expected at least one request \(found an empty array\)/],
    ['unknown top-level key', JSON.stringify({ requests: [req({})], seed: 1 }), /field 'seed': unknown field/],
    ['request not an object', doc(5), /field 'requests\[0\]': expected an object, found 5/],
    ['unknown request key', doc(req({ prompt: 'hi' })), /field 'requests\[0\]\.prompt': unknown field/],
    ['missing id', doc(req({ id: undefined })), /field 'requests\[0\]\.id': expected a non-empty string or an integer \(field is missing\)/],
    ['fractional id', doc(req({ id: 1.5 })), /field 'requests\[0\]\.id': expected a non-empty string or an integer, found 1\.5/],
    ['duplicate id', doc(req({}), req({ arrivalPs: 1 })), /field 'requests\[1\]\.id': expected an id not used before \(requests\[0\] has it\), found "a"/],
    ['zero input', doc(req({}), req({ id: 'b', inputTokens: 0 })), /field 'requests\[1\]\.inputTokens': expected an integer > 0, found 0/],
    ['negative output', doc(req({ outputTokens: -2 })), /field 'requests\[0\]\.outputTokens': expected an integer > 0, found -2/],
    ['fractional tokens', doc(req({ inputTokens: 2.5 })), /field 'requests\[0\]\.inputTokens': expected an integer, found 2\.5/],
    ['string tokens', doc(req({ inputTokens: '4' })), /field 'requests\[0\]\.inputTokens': expected an integer, found "4"/],
    ['missing output', doc(req({ outputTokens: undefined })), /field 'requests\[0\]\.outputTokens': expected an integer > 0 \(field is missing\)/],
    ['missing arrival', doc(req({ arrivalPs: undefined })), /field 'requests\[0\]\.arrivalPs': expected a whole number of ps >= 0 \(field is missing; or give 'arrivalNs'\)/],
    ['both arrivals', doc(req({ arrivalNs: 0 })), /field 'requests\[0\]\.arrivalNs': expected only one of 'arrivalPs' and 'arrivalNs'/],
    ['fractional ps', doc(req({ arrivalPs: 0.5 })), /field 'requests\[0\]\.arrivalPs': expected an integer, found 0\.5/],
    ['negative arrival', doc(req({ arrivalPs: -1 })), /field 'requests\[0\]\.arrivalPs': expected an integer >= 0, found -1/],
    ['sub-ps ns', doc(req({ arrivalPs: undefined, arrivalNs: 0.0001 })), /field 'requests\[0\]\.arrivalNs': expected a whole number of picoseconds/],
    ['unsorted', doc(req({ arrivalPs: 10 }), req({ id: 'b', arrivalPs: 20 }), req({ id: 'c', arrivalPs: 15 })),
      /field 'requests\[2\]\.arrivalPs': expected an arrival no earlier than requests\[1\] \(20 ps\); requests must be sorted by arrival time, found 15/],
    ['unsorted ns', doc(req({ arrivalPs: 2000 }), req({ id: 'b', arrivalPs: undefined, arrivalNs: 1 })),
      /field 'requests\[1\]\.arrivalNs': expected an arrival no earlier than requests\[0\] \(2000 ps\).*found 1$/],
    ['generator not an object', JSON.stringify({ requests: [req({})], generator: 'x' }), /field 'generator': expected an object, found "x"/],
  ];
  for (const [what, text, message] of cases) {
    it(`error: ${what}`, () => {
      expect(errorOf(() => parseRequestsJson(text, 'e.json'))).toMatch(message);
    });
  }
});

describe('parsers, property-based', () => {
  const requestList = fc
    .uniqueArray(
      fc.record({
        id: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,12}$/),
        gapPs: fc.integer({ min: 0, max: 1e12 }),
        inputTokens: fc.integer({ min: 1, max: 1 << 20 }),
        outputTokens: fc.integer({ min: 1, max: 1 << 20 }),
      }),
      { minLength: 1, maxLength: 30, selector: (r) => r.id },
    )
    .map((rs) => {
      let t = 0;
      return rs.map(({ gapPs, ...r }) => ({ id: r.id, arrivalPs: (t += gapPs), inputTokens: r.inputTokens, outputTokens: r.outputTokens }));
    });
  const asSet = (requests: RequestSet['requests']): RequestSet => ({ requests, generator: { kind: 'file', file: 'p', format: 'csv', description: '', recorded: null } });

  it('any valid set survives CSV and JSON round trips unchanged', () => {
    fc.assert(fc.property(requestList, (requests) => {
      expect(parseRequestsCsv(requestSetToCsv(asSet(requests)), 'p.csv').requests).toEqual(requests);
      expect(parseRequestsJson(requestSetToJson(asSet(requests)), 'p.json').requests).toEqual(requests);
    }), { numRuns: 200 });
  });

  it('any single corrupted token count is reported on its own line', () => {
    fc.assert(fc.property(requestList, fc.nat(), fc.constantFrom('0', '-1', '2.5', 'x', ''), (requests, pick, bad) => {
      const lines = requestSetToCsv(asSet(requests)).trimEnd().split('\n');
      const row = 1 + (pick % requests.length);
      const cells = lines[row]!.split(',');
      cells[2] = bad;
      lines[row] = cells.join(',');
      expect(errorOf(() => parseRequestsCsv(lines.join('\n'), 'p.csv'))).toMatch(new RegExp(`^p\\.csv: line ${row + 1}: column 'input_tokens'`));
    }), { numRuns: 200 });
  });
});

describe('loadRequests', () => {
  it('names a missing file and a wrong extension', () => {
    expect(errorOf(() => loadRequests('/nonexistent/r.csv'))).toBe('/nonexistent/r.csv: file not found (expected a request set (.csv or .json))');
    const dir = mkdtempSync(join(tmpdir(), 'strata-req-'));
    try {
      const f = join(dir, 'r.txt');
      writeFileSync(f, 'id,arrival_ps,input_tokens,output_tokens\na,0,1,1\n');
      expect(errorOf(() => loadRequests(f))).toMatch(/r\.txt: request files must end in \.csv or \.json/);
      const g = join(dir, 'bad.csv');
      writeFileSync(g, 'id,arrival_ps,input_tokens,output_tokens\na,0,0,1\n');
      expect(errorOf(() => loadRequests(g))).toBe(`${g}: line 2: column 'input_tokens': expected a whole number of tokens >= 1, found "0"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
