import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderFigureSetFiles, sweepFigureData } from '../../src/cli/figures-sweeps.ts';
import { PACKAGE_ROOT } from '../../src/spec/package-root.ts';
import { SWEEP_STUDIES } from '../../src/report/sweep-figure.ts';
import type { PointOutcome } from '../../src/sweep/run-point.ts';
import { sweepPoints } from '../../src/sweep/run-sweep.ts';
import { loadSweep } from '../../src/sweep/sweep-file.ts';
import { runMainAsync } from '../helpers.ts';

/*
 * `strata report data/sweep-<study>.json`: the data file strata figures writes for a shipped sweep study holds every
 * row, so it draws the study's charts on its own (without the study's DuckDB file): the files figures writes for the
 * set, byte for byte (figures writes what renderFigureSetFiles returns: src/cli/figures.ts), and the charts
 * interactive in <set>.html. The outcomes are made up from the axes: the drawing is under test, not the simulator.
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-report-sweep-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The study's figure data with made-up outcomes (latency falls with channels and lanes; point 3 failed), written as figures writes it. */
function studyData(study: string) {
  const sweep = loadSweep(join(PACKAGE_ROOT, SWEEP_STUDIES[study]!.file));
  const outcomes: PointOutcome[] = sweepPoints(sweep).map((p) => p.index === 3 ? { status: 'error', error: 'made-up failure' } : {
    status: 'ok',
    metrics: { latency_ns: 1e6 / (Number(p.values.channels) * Number(p.values.mac_lanes)), tokens_per_s: Number(p.values.channels), joules_per_token: 1e-3 * Number(p.values.mac_lanes), pim_share: 0.9 },
  });
  const data = sweepFigureData(study, sweep, outcomes, { sha256: 'cd'.repeat(32), files: [] });
  mkdirSync(join(dir, 'data'), { recursive: true });
  const file = join(dir, 'data', `${data.figure}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return { data, file };
}

describe('strata report data/sweep-<study>.json', () => {
  it('draws the study\'s Pareto, heatmap and lines charts: the same bytes strata figures writes, and an interactive page', async () => {
    const { data, file } = studyData('pim-gpt-lanes');
    const out = join(dir, 'out');
    const r = await runMainAsync(['report', file, '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const figures = renderFigureSetFiles(data, file);
    expect(readdirSync(out).sort()).toEqual([...figures.map((f) => f.name), 'sweep-pim-gpt-lanes.html'].sort());
    for (const f of figures) expect(readFileSync(join(out, f.name), 'utf8'), f.name).toBe(f.content);
    expect(figures.filter((f) => f.name.endsWith('.svg')).map((f) => f.name)).toEqual(['sweep-pim-gpt-lanes-pareto.svg', 'sweep-pim-gpt-lanes-heatmap.svg', 'sweep-pim-gpt-lanes-lines.svg']);
    // The interactive page holds the same three charts, offline (plotly inlined, nothing fetched).
    const html = readFileSync(join(out, 'sweep-pim-gpt-lanes.html'), 'utf8');
    for (const c of ['pareto', 'heatmap', 'lines']) expect(html).toContain(`sweep-pim-gpt-lanes-${c}`);
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
    // Every path printed, the HTML page last.
    expect(r.out.trim().split('\n').at(-1)).toBe(`HTML report: ${join(out, 'sweep-pim-gpt-lanes.html')}`);
  });

  it('refuses a data file whose table lacks a column the charts need, in one line naming the file', async () => {
    const { data, file } = studyData('pim-gpt-lanes');
    const t = data.tables[0]!;
    const drop = t.columns.findIndex((c) => c.name === 'latency_ns');
    const broken = { ...data, tables: [{ ...t, columns: t.columns.filter((_, i) => i !== drop), rows: t.rows.map((row) => row.filter((_, i) => i !== drop)) }] };
    const bad = join(dir, 'data', 'broken.json');
    writeFileSync(bad, JSON.stringify(broken));
    const r = await runMainAsync(['report', bad, '--out', join(dir, 'broken-out')]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(r.err).toMatch(new RegExp(`^strata: ${bad}: .*latency_ns`));
  });
});
