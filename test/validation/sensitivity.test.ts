import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonFile } from '../../src/spec/json-file.ts';
import { formatBands, runPart, runVariation, sensitivity, sensitivityBands, variations } from '../../src/validation/sensitivity.ts';
import { pimGptSensitivityParts } from '../../src/validation/pim-gpt.ts';
import { neupimsSensitivityParts } from '../../src/validation/neupims.ts';
import { decodeCases, DuplexComparison, duplexSensitivityParts } from '../../src/validation/duplex.ts';
import { recordAssumptions } from '../../src/spec/provenance.ts';
import { runMain } from '../helpers.ts';

describe('one-at-a-time sensitivity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-sens-'));
  const design = join(dir, 'design.json');
  const base = join(dir, 'baseline.json');
  writeFileSync(design, JSON.stringify({ unit: { source: 'datasheet table 1', ns: 10, assumptions: { ns: { low: 5, high: 20, why: 'x' } } } }));
  writeFileSync(base, JSON.stringify({ gpu: { source: 'datasheet table 2', ns: 100, fixed: 7, assumptions: { ns: { low: 80, high: 110, why: 'y' } } } }));
  const ns = (file: string, section: string) => ((readJsonFile(file) as Record<string, Record<string, number>>)[section]!).ns!;

  it('varies every assumption a part reads, reruns only those parts, and names the one that moves a headline most', () => {
    const calls = { design: 0, base: 0 };
    const parts = {
      design: () => (calls.design++, ns(design, 'unit')),
      base: () => (calls.base++, ns(base, 'gpu')),
    };
    const speedup = { name: 'speed-up', paper: '10x', value: (r: Readonly<Record<string, unknown>>) => (r.base as number) / (r.design as number) };
    const result = sensitivity(parts, [speedup]);
    const band = result.bands[0]!;
    // Shipped 100 / 10; the design's 5-20 ns gives 20x and 5x; the baseline's 80-110 ns gives 8x and 11x.
    expect([band.low, band.shipped, band.high]).toEqual([5, 10, 20]);
    expect(band.swings.map((s) => [s.assumption.path, s.atLow, s.atHigh])).toEqual([['unit.ns', 20, 5], ['gpu.ns', 8, 11]]);
    // Once as shipped, then twice for its own assumption; never for the other part's.
    expect(calls).toEqual({ design: 3, base: 3 });
    expect(formatBands(result, dir)).toContain('| speed-up | 10x | 5.00 | 10.00 | 20.00 | design.json: unit.ns (5-20: 20.00 / 5.00) |');
  });

  it('varies one assumption declared in several files (same value, range and reason) together', () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const shared = { source: 'paper table 4', ns: 5, assumptions: { ns: { low: 1, high: 9, why: 'all-reduce latency' } } };
    writeFileSync(a, JSON.stringify({ link: shared }));
    writeFileSync(b, JSON.stringify({ link: shared }));
    const ratio = { name: 'b / a', paper: '', value: (r: Readonly<Record<string, unknown>>) => (r.b as number) / (r.a as number) };
    const result = sensitivity({ a: () => ns(a, 'link'), b: () => ns(b, 'link') }, [ratio]);
    // Varied apart, a at 1 and b at 5 would give 5x; varied together the ratio stays 1.
    expect(result.bands[0]).toMatchObject({ low: 1, shipped: 1, high: 1 });
    expect(result.bands[0]!.swings).toHaveLength(1);
    expect(result.bands[0]!.swings[0]!.also.map((x) => x.file)).toEqual([b]);
    expect(result.assumptions).toHaveLength(2);
  });

  it('gives the same bands when its steps run apart, their results cloned, in any order (strata figures on threads)', () => {
    const parts = { design: () => ns(design, 'unit'), base: () => ns(base, 'gpu') };
    const headlines = [{ name: 'speed-up', paper: '', value: (r: Readonly<Record<string, unknown>>) => (r.base as number) / (r.design as number) }];
    // The steps as a pool runs them: every part alone, then every variation at each end, newest first.
    const runs = Object.keys(parts).reverse().map((n) => [n, structuredClone(runPart(parts, n))] as const).reverse();
    const vs = variations(runs);
    expect(vs.map((v) => [v.members[0]!.path, v.parts])).toEqual([['unit.ns', ['design']], ['gpu.ns', ['base']]]);
    const at = vs.map((v) => ({ high: structuredClone(runVariation(parts, v, 'high')), low: structuredClone(runVariation(parts, v, 'low')) }));
    const apart = sensitivityBands(headlines, runs, vs, (i, end) => at[i]![end]);
    expect(JSON.stringify(apart)).toBe(JSON.stringify(sensitivity(parts, headlines)));
    expect(apart.bands[0]).toMatchObject({ low: 5, shipped: 10, high: 20 });
  });

  it('computes nothing again for an end equal to the shipped value (a range that starts at the published number), with the same bands', () => {
    const edge = join(dir, 'edge.json');
    writeFileSync(edge, JSON.stringify({ link: { source: 'datasheet table 3', ns: 4, assumptions: { ns: { low: 4, high: 16, why: 'z' } } } }));
    const calls = { edge: 0 };
    const parts = { edge: () => (calls.edge++, ns(edge, 'link')) };
    const result = sensitivity(parts, [{ name: 'ns', paper: '', value: (r) => r.edge as number }]);
    // Once as shipped and once at the high end; the low end (4, the shipped value) reuses the shipped result.
    expect(calls.edge).toBe(2);
    expect(result.bands[0]!.swings.map((s) => [s.atLow, s.atHigh])).toEqual([[4, 16]]);
    expect(result.bands[0]).toMatchObject({ low: 4, shipped: 4, high: 16 });
    const [v] = variations([['edge', runPart(parts, 'edge')]]);
    expect(runVariation(parts, v!, 'low')).toEqual({});
  });

  it('says so when nothing on a headline\'s path is an assumption', () => {
    const result = sensitivity({ k: () => 3 }, [{ name: 'constant', paper: '', value: (r) => r.k as number }]);
    expect(result.bands[0]).toMatchObject({ low: 3, shipped: 3, high: 3, swings: [] });
    expect(formatBands(result, dir)).toContain('none (no assumption on its path moves it)');
  });
});

describe('PIM-GPT headline bands', () => {
  it('cover the PIM-side assumptions of the shipped system (a short run of gpt2-small)', () => {
    const { parts, headlines } = pimGptSensitivityParts(['gpt2-small'], 4, 2);
    const result = sensitivity(parts, headlines);
    const paths = result.assumptions.map((a) => a.path);
    expect(paths).toEqual(expect.arrayContaining(['timing.tMACRD', 'timing.tPL', 'energy.macPj', 'clock.clockPs', 'datapath.lanes', 'link.latencyPs']));
    for (const b of result.bands) expect(b.low <= b.shipped && b.shipped <= b.high).toBe(true);
    // A slower ASIC clock (2000 ps) makes every PIM-GPT token slower, so the speed-up vs the T4 falls at the high end.
    const speed = result.bands.find((b) => b.name === 'gpt2-small speed-up vs T4 eager')!;
    const clock = speed.swings.find((s) => s.assumption.path === 'clock.clockPs')!;
    expect(clock.atHigh).toBeLessThan(speed.shipped);
    expect(clock.atLow).toBeGreaterThan(speed.shipped);
    // The MAC energy changes energy, not time.
    const mac = speed.swings.find((s) => s.assumption.path === 'energy.macPj')!;
    expect([mac.atLow, mac.atHigh]).toEqual([speed.shipped, speed.shipped]);
  });
});

describe('NeuPIMs headline bands', () => {
  it('vary the NPU assumptions over every system that runs on the NPU, and the GPU ones over the GPU-only baseline', () => {
    const { parts, headlines } = neupimsSensitivityParts(['neupims-gpt3-7b'], ['alpaca-like'], [8]);
    expect(Object.keys(parts)).toEqual(['neupims', 'gpu eager', 'gpu graphs', 'npu-only', 'authors-npu-only', 'npu-pim-blocked', 'authors-naive']);
    const result = sensitivity(parts, headlines);
    expect(result.bands.map((b) => b.name)).toEqual([
      "NeuPIMs / GPU-only eager (the paper's setup), geometric mean", 'NeuPIMs / GPU-only graphs (a serving engine), geometric mean',
      'NeuPIMs / NPU-only, geometric mean', "NeuPIMs / authors' NPU-only, geometric mean",
      'NeuPIMs / NPU+PIM blocked, geometric mean', "NeuPIMs / authors' naive NPU+PIM, geometric mean",
    ]);
    // A step takes max(GPU time, host launch time), and graphs launch nothing from the host: the serving-engine GPU
    // is never slower than the eager one, so NeuPIMs' gain over it is at most its gain over eager.
    const [eager, graphs] = result.bands;
    expect(graphs!.shipped).toBeLessThanOrEqual(eager!.shipped);
    expect(result.assumptions.map((a) => a.path)).toEqual(expect.arrayContaining(['scratchpad.banks', 'accumulator.accessEnergyPj']));
    for (const b of result.bands) expect(b.low <= b.shipped && b.shipped <= b.high).toBe(true);
  });
});

describe('Duplex headline bands', () => {
  it("keep the Logic-PIM assumptions on the path when the spec was loaded earlier in the process (strata figures' duplex set)", () => {
    const cases = decodeCases(['mixtral-8x7b'], [32], [[64, 64]]).slice(0, 1);
    // The decode table of the same process loads and caches the shipped Logic-PIM spec first.
    new DuplexComparison().decodeAllOn('duplex', cases);
    const { parts } = duplexSensitivityParts(cases);
    // A cached spec is not read again, so its assumptions would not be recorded on the study's shipped run and
    // would never be varied: the figures' Duplex bands were 2.47-2.56x against the command's 1.86-2.81x.
    const { assumptions } = recordAssumptions(parts.duplex!);
    const names = assumptions.map((a) => `${a.file.replace(/^.*\/arch\//, 'arch/')}: ${a.path}`);
    expect(names).toEqual(expect.arrayContaining(['arch/pim/logic-pim.json: compute.clockPs', 'arch/dram/hbm3.json: power.IDD4R']));
  });
});

describe('strata validate --sensitivity: bad input', () => {
  it('is refused in one line where it does not apply, and with an unknown model', () => {
    expect(runMain(['validate', 'peak', '--sensitivity']).err).toBe("strata: validate peak: --sensitivity and --models apply to 'validate pim-gpt', 'validate neupims' and 'validate duplex'");
    expect(runMain(['validate', 'pim-gpt', '--sensitivity', '--models', 'gpt9']).err).toMatch(/^strata: --models: unknown model 'gpt9' \(known: /);
    expect(runMain(['validate', 'duplex', '--sensitivity', '--count', '8']).err).toBe("strata: --count: does not apply with --sensitivity (it varies the decode table's headlines)");
    expect(runMain(['validate', 'neupims', '--sensitivity', '--gemm', 'cycle-level']).err).toBe("strata: --gemm: does not apply with --sensitivity (it varies the throughput table's geometric means)");
  });
});
