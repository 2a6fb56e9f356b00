import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../helpers.ts';
import { readJsonFile } from '../../src/spec/json-file.ts';
import { extractAssumptions, provenanceGaps, recordAssumptions, withOverrides } from '../../src/spec/provenance.ts';

const spec = () => ({
  name: 'x',
  overhead: {
    source: 'vendor datasheet, table 3',
    launchNs: 5000,
    peak: { fp16: 65e12, fp32: 8e12 },
    assumptions: {
      launchNs: { low: 2000, high: 8000, why: 'one launch from a framework' },
      'peak.fp32': { low: 4e12, high: 8.1e12, why: 'clock held under the power cap' },
    },
  },
});

describe('assumption blocks', () => {
  it('are recorded with their full path and removed from the spec', () => {
    const json = spec();
    const found = extractAssumptions(json, 'a.json');
    expect(found.map((a) => [a.path, a.value, a.low, a.high])).toEqual([
      ['overhead.launchNs', 5000, 2000, 8000],
      ['overhead.peak.fp32', 8e12, 4e12, 8.1e12],
    ]);
    expect('assumptions' in json.overhead).toBe(false);
  });

  it('accept a value outside its range when a spec is read (a user\'s copy may explore beyond it)', () => {
    const json = spec();
    json.overhead.launchNs = 9000;
    expect(extractAssumptions(json, 'a.json')[0]).toMatchObject({ value: 9000, low: 2000, high: 8000 });
  });

  it('refuse a name that is not a number of the section, an empty reason, an unknown key and low >= high', () => {
    const bad = (edit: (a: Record<string, unknown>) => void): string => {
      const json = spec();
      edit(json.overhead.assumptions as unknown as Record<string, unknown>);
      return errorOf(() => extractAssumptions(json, 'a.json'));
    };
    expect(bad((a) => (a.launch = { low: 1, high: 2, why: 'x' }))).toMatch(/'overhead.assumptions.launch': expected the name of a number in 'overhead', found nothing there/);
    expect(bad((a) => ((a.launchNs as { why: string }).why = ' '))).toMatch(/'overhead.assumptions.launchNs.why': expected a non-empty reason/);
    expect(bad((a) => ((a.launchNs as Record<string, unknown>).unit = 'ns'))).toMatch(/unknown key 'unit'/);
    expect(bad((a) => ((a.launchNs as { low: number }).low = 8000))).toMatch(/expected low < high, found 8000 and 8000/);
  });
});

describe('provenance gaps', () => {
  it('count a number covered by a primary source or an assumption, not one under an estimate', () => {
    expect(provenanceGaps(spec())).toEqual([]);
    const json = spec();
    json.overhead.source = 'Strata estimate';
    // fp16 is not an assumption, and its section's source is an estimate.
    expect(provenanceGaps(json).map((g) => g.path)).toEqual(['overhead.peak.fp16']);
    expect(provenanceGaps({ a: { b: 1 } }).map((g) => g.path)).toEqual(['a.b']);
    const outside = spec();
    outside.overhead.launchNs = 9000;
    expect(provenanceGaps(outside)).toEqual([{ path: 'overhead.launchNs', reason: 'the value 9000 is outside its assumption\'s range [2000, 8000]' }]);
    expect(provenanceGaps({ a: { source: 'see pim-anchors.md 3.2', b: [1, 2] } }).map((g) => g.path)).toEqual(['a.b.0', 'a.b.1']);
  });
});

describe('reading a spec file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-prov-'));
  const file = join(dir, 'dev.json');
  writeFileSync(file, JSON.stringify(spec()));

  it('records the assumptions read inside a recorder, and overrides numbers only inside withOverrides', () => {
    const { result, assumptions } = recordAssumptions(() => withOverrides([{ file, path: 'overhead.launchNs', value: 2000 }], () => readJsonFile(file)));
    expect((result as ReturnType<typeof spec>).overhead.launchNs).toBe(2000);
    expect(assumptions.map((a) => `${a.path}=${a.value}`)).toEqual(['overhead.launchNs=5000', 'overhead.peak.fp32=8000000000000']);
    expect((readJsonFile(file) as ReturnType<typeof spec>).overhead.launchNs).toBe(5000);
  });

  it('refuses an override of something that is not a number', () => {
    expect(errorOf(() => withOverrides([{ file, path: 'overhead.nope', value: 1 }], () => readJsonFile(file)))).toBe(`${file}: field 'overhead.nope': expected a number to override, found nothing`);
  });
});
