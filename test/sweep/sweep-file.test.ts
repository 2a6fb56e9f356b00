import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gridPoints, latinHypercube, lhsPoints, randomPoints, samplePoints } from '../../src/sweep/sample.ts';
import { checkSweep, loadSweep, rangeValues, type Axis } from '../../src/sweep/sweep-file.ts';
import { progressText } from '../../src/sweep/progress.ts';
import { sweepPoints } from '../../src/sweep/run-sweep.ts';
import { PACKAGE_ROOT } from '../../src/spec/package-root.ts';
import { readdirSync } from 'node:fs';
import { errorOf } from '../helpers.ts';

/*
 * Sweep files (issue #16 item 2): the schema and the checks beyond it give one line naming the file and field;
 * ranges expand as written; grid, random and Latin-hypercube samples are seeded and reproducible, and a Latin
 * hypercube puts exactly one point in each stratum of each axis.
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-sweep-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  name: 't', command: 'generate', system: 'pim-gpt', workload: { model: 'gpt2-small', prompt: 1, tokens: 1 },
  axes: [{ set: 'pim.unit.macsPerBank', values: [8, 16] }], metrics: ['latency'],
};
const check = (edit: (s: any) => void) => {
  const s = structuredClone(base) as any;
  edit(s);
  return errorOf(() => checkSweep(s, 'my.yaml'));
};

describe('sweep file errors', () => {
  it('names the file and the field, with what was expected', () => {
    expect(check((s) => delete s.system)).toBe("my.yaml: field 'system': is required");
    expect(check((s) => (s.command = 'simulate'))).toBe(`my.yaml: field 'command': expected one of "generate", "run", "serve"`);
    expect(check((s) => (s.colour = 'red'))).toMatch(/^my\.yaml: field 'colour': is not a field of a sweep here/);
    expect(check((s) => (s.axes[0].values = 'x'))).toBe("my.yaml: field 'axes.0.values': expected array");
    expect(check((s) => (s.workload.tokens = 0))).toBe("my.yaml: field 'workload.tokens': expected >= 1");
    expect(check((s) => (s.axes[0].range = { from: 1, to: 4, step: 1 }))).toBe("my.yaml: field 'axes.0': expected exactly one of values or range");
    expect(check((s) => (s.metrics = ['ttft']))).toBe("my.yaml: field 'metrics': 'ttft' is not reported by command 'generate' (it reports latency, throughput, energy, pimShare)");
    expect(check((s) => (s.workload.batch = 4))).toBe("my.yaml: field 'workload.batch': command 'generate' takes model, prompt, tokens");
    expect(check((s) => s.axes.push({ set: 'pim.unit.macsPerBank', name: 'other', values: [4] }))).toBe("my.yaml: field 'axes.1': pim.unit.macsPerBank is swept by an earlier axis");
    expect(check((s) => (s.axes[0].name = 'status'))).toMatch(/^my\.yaml: field 'axes\.0': 'status' is a column of every sweep/);
    expect(check((s) => (s.sampling = { method: 'lhs' }))).toBe("my.yaml: field 'sampling.points': lhs sampling needs the number of points");
    expect(check((s) => (s.axes[0] = { set: 'x', range: { from: 4, to: 1, step: 1 } }))).toBe("my.yaml: field 'axes.0.range': expected to >= from, got from 4 to 1");
  });

  it('reads YAML and JSON files, and says where YAML is broken', () => {
    const yaml = join(dir, 's.yaml');
    writeFileSync(yaml, 'name: t\ncommand: generate\nsystem: pim-gpt\nworkload: { model: gpt2-small }\naxes:\n  - set: pim.unit.macsPerBank\n    values: [8, 16]\nmetrics: [latency]\n');
    expect(loadSweep(yaml).axes).toEqual([{ name: 'pim_unit_macs_per_bank', kind: 'set', target: 'pim.unit.macsPerBank', values: [8, 16] }]);
    const json = join(dir, 's.json');
    writeFileSync(json, JSON.stringify(base));
    expect(loadSweep(json).spec.command).toBe('generate');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: t\naxes: [1, 2\n');
    expect(errorOf(() => loadSweep(bad))).toMatch(/bad\.yaml: line \d+: not valid YAML or JSON/);
    expect(errorOf(() => loadSweep(join(dir, 'none.yaml')))).toMatch(/none\.yaml/);
  });

  it('expands ranges: linear by step, log-spaced by count, integers when the ends are', () => {
    expect(rangeValues({ from: 8, to: 32, step: 8 }, 'r')).toEqual([8, 16, 24, 32]);
    // 8 x 2^(i/2): 8, 11.3, 16, 22.6, 32, rounded since both ends are integers.
    expect(rangeValues({ from: 8, to: 32, count: 5, log: true }, 'r')).toEqual([8, 11, 16, 23, 32]);
    expect(rangeValues({ from: 0.1, to: 0.3, step: 0.1 }, 'r')).toEqual([0.1, 0.2, 0.3]);
    expect(errorOf(() => rangeValues({ from: 1, to: 2, step: 1, log: true }, 'r'))).toBe('r: a log-spaced range takes count, not step');
  });
});

describe('sampling', () => {
  const axes: Axis[] = [
    { name: 'a', kind: 'set', target: 'a', values: [1, 2, 3, 4, 5] },
    { name: 'b', kind: 'set', target: 'b', values: ['x', 'y', 'z', 'w', 'v'] },
    { name: 'c', kind: 'workload', target: 'batch', values: [10, 20, 30, 40, 50] },
  ];

  it('grid: every combination, the last axis fastest', () => {
    const g = gridPoints(axes.slice(0, 2));
    expect(g).toHaveLength(25);
    expect(g.slice(0, 2)).toEqual([{ a: 1, b: 'x' }, { a: 1, b: 'y' }]);
    expect(new Set(g.map((p) => JSON.stringify(p))).size).toBe(25);
  });

  it('random: the same seed gives the same points, another seed others', () => {
    expect(randomPoints(axes, 8, 's1')).toEqual(randomPoints(axes, 8, 's1'));
    expect(randomPoints(axes, 8, 's1')).not.toEqual(randomPoints(axes, 8, 's2'));
    for (const p of randomPoints(axes, 50, 's1')) expect(axes[0]!.values).toContain(p.a);
  });

  it('Latin hypercube: one point per stratum per axis, seeded', () => {
    const n = 7;
    const u = latinHypercube(n, 3, 'seed');
    for (let d = 0; d < 3; d++) {
      const strata = u.map((p) => Math.floor(p[d]! * n)).sort((x, y) => x - y);
      expect(strata).toEqual([0, 1, 2, 3, 4, 5, 6]);
    }
    expect(latinHypercube(n, 3, 'seed')).toEqual(u);
    expect(latinHypercube(n, 3, 'other')).not.toEqual(u);
    // As many points as values: each value of each axis exactly once.
    const pts = lhsPoints(axes, 5, 'seed');
    for (const a of axes) expect(pts.map((p) => p[a.name]).sort()).toEqual([...a.values].sort());
  });

  it('a sweep file picks its method', () => {
    const s = checkSweep({ ...base, axes: [{ set: 'a', values: [1, 2, 3, 4] }], sampling: { method: 'lhs', points: 4, seed: 'k' } }, 'f');
    expect(samplePoints(s).map((p) => p.a).sort()).toEqual([1, 2, 3, 4]);
    expect(samplePoints(checkSweep(base, 'f'))).toEqual([{ pim_unit_macs_per_bank: 8 }, { pim_unit_macs_per_bank: 16 }]);
  });
});

describe('progress', () => {
  it('shows done/total, the rate and the time left', () => {
    expect(progressText(16, 64, 8, 8)).toBe('[##------] 16/64 points, 2.0/s, ETA 24s');
    expect(progressText(0, 10, 0, 4)).toBe('[----] 0/10 points, 0.0/s, ETA ?');
  });
});

describe('shipped sweeps', () => {
  it("each file of workloads/sweeps checks, and every point's overrides resolve", () => {
    const folder = join(PACKAGE_ROOT, 'workloads', 'sweeps');
    const files = readdirSync(folder).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    expect(files).toEqual(['duplex-opb.yaml', 'neupims-interleaving.yaml', 'pim-gpt-lanes.yaml']);
    const sizes = files.map((f) => sweepPoints(loadSweep(join(folder, f))).length);
    expect(sizes).toEqual([18, 8, 18]);
  });
});
