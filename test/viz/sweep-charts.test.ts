import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HeatmapChart, LinesChart, ParetoChart, SweepReport } from '../../src/report/sweep-report.ts';
import { renderSweepChart, sweepChartFiles, sweepHeatmapChart, sweepLinesChart, sweepParetoChart } from '../../viz/sweep-charts.ts';
import { sweepHtmlReport } from '../../viz/sweep-plotly.ts';
import { browserDescribe, hoverText, invalidFigures, itLoadsOffline, usePage } from './browser.ts';
import { count, deepFreeze, textOf, wellFormed } from './svg-checks.ts';

/*
 * Charts of a sweep report (issue #16 item 5), from two real sweep reports:
 * - sweep-fixtures/pim-gpt-lanes.json: `strata report out/sweeps/pim-gpt-lanes.duckdb` of the shipped PIM-GPT study
 *   as it was (MAC lanes 8/16/32 x channels 8/16/32 x gpt2-small/medium, 4 + 4 tokens): 18 points, one system;
 * - sweep-fixtures/systems-batch.json: the report of sweep-fixtures/systems-batch.yaml (three GPUs x batch 1-64 x
 *   Llama-3 8B / GPT-2 XL, one decode step): 24 points, 4 failed (Llama-3 8B does not fit a 15 GiB T4), so it has
 *   the per-system chart and failed heatmap cells.
 * Snapshots are in __snapshots__/sweep-*.svg, which test/viz/clip.test.ts checks too.
 */
const load = (name: string) => deepFreeze(JSON.parse(readFileSync(join(import.meta.dirname, 'sweep-fixtures', name), 'utf8')) as SweepReport);
const pimGpt = load('pim-gpt-lanes.json');
const systems = load('systems-batch.json');
const chart = <K extends 'pareto' | 'heatmap' | 'lines'>(r: SweepReport, kind: K, name?: string) =>
  r.charts.find((c) => c.kind === kind && (name === undefined || c.name === name)) as Extract<SweepReport['charts'][number], { kind: K }>;

describe('charts of a sweep report', () => {
  for (const [label, r] of [['pim-gpt', pimGpt], ['systems', systems]] as const) {
    for (const c of r.charts) {
      it(`${label} ${c.name}: matches its snapshot; title, axis titles, no NaN; same report → same bytes`, async () => {
        const svg = renderSweepChart(r, c);
        await expect(svg).toMatchFileSnapshot(`__snapshots__/${c.name}-${label}.svg`);
        expect(wellFormed(svg)).toBe(true);
        expect(textOf(svg, 'chart-title')).toHaveLength(1);
        expect(textOf(svg, 'axis-label y')).toHaveLength(1);
        expect(svg).not.toMatch(/NaN|undefined|Infinity|\[object/);
        expect(renderSweepChart(structuredClone(r) as SweepReport, c)).toBe(svg);
      });
    }
  }

  it('the report charts: a Pareto front, a heatmap, lines, and a line per system only when there are several systems', () => {
    expect(sweepChartFiles(pimGpt).map((f) => f.name)).toEqual(['sweep-pareto.svg', 'sweep-heatmap.svg', 'sweep-lines.svg']);
    expect(sweepChartFiles(systems).map((f) => f.name)).toEqual(['sweep-pareto.svg', 'sweep-heatmap.svg', 'sweep-lines.svg', 'sweep-systems.svg']);
  });

  it('Pareto: a marker per successful point, the dominated ones faded, one front per model drawn as a clipped line', () => {
    for (const r of [pimGpt, systems]) {
      const c: ParetoChart = chart(r, 'pareto');
      const svg = sweepParetoChart(r, c);
      const onFront = c.fronts.reduce((n, f) => n + f.points.length, 0);
      expect(count(svg, /<g class="point/g)).toBe(r.counts.ok);
      expect(count(svg, /class="marker dominated"/g)).toBe(r.counts.ok - onFront);
      expect(count(svg, /<path class="line"[^>]*clip-path="url\(#strata-sweep-pareto-plot\)"/g)).toBe(r.models.length);
    }
    // PIM-GPT's fronts: the 32-lane points (fewest joules per token) from 8 to 32 channels, for each model
    expect(chart(pimGpt, 'pareto').fronts.map((f) => f.points.length)).toEqual([3, 3]);
    const svg = sweepParetoChart(pimGpt, chart(pimGpt, 'pareto'));
    expect(textOf(svg, 'axis-label x')[0]).toBe('Latency (µs) — lower is better');
    expect(textOf(svg, 'axis-label y')[0]).toBe('Energy per token (mJ/token) — lower is better');
    // Several systems: points coloured by system, each model's front labelled
    const s = sweepParetoChart(systems, chart(systems, 'pareto'));
    expect(s).toContain('>system gpu-t4<');
    expect(textOf(s, 'front-label')).toEqual(['llama3-8b front', 'gpt2-xl front']);
  });

  it('heatmap: a shaded cell per pair of axis values in each panel; pairs whose point failed are outlined and say so', () => {
    const c: HeatmapChart = chart(pimGpt, 'heatmap');
    const svg = sweepHeatmapChart(pimGpt, c);
    expect([c.x, c.y, c.facet]).toEqual(['mac_lanes', 'channels', 'model']);
    expect(count(svg, /<rect class="heat"/g)).toBe(18);
    expect(textOf(svg, 'panel-title')).toEqual(['model gpt2-small', 'model gpt2-medium']);
    // the cell labels are the points' latencies in µs: gpt2-small, 8 lanes, 8 channels = 197.6 µs
    expect(textOf(svg, 'cell-label')).toContain('197.6');
    const h: HeatmapChart = chart(systems, 'heatmap');
    const hs = sweepHeatmapChart(systems, h);
    expect(count(hs, /<g class="cell empty">/g)).toBe(4);
    expect(count(hs, />failed</g)).toBe(4);
    expect(hs).toMatch(/does not fit in gpu-t4&#39;s memory/);
  });

  it('lines: a line per group value in each panel, the swept values as ticks, one y scale for every panel', () => {
    const c: LinesChart = chart(pimGpt, 'lines');
    expect([c.x, c.group, c.facet]).toEqual(['mac_lanes', 'channels', 'model']);
    const svg = sweepLinesChart(pimGpt, c);
    expect(count(svg, /<g class="series"/g)).toBe(6);
    expect(count(svg, /<path class="line"/g)).toBe(6);
    const sys: LinesChart = chart(systems, 'lines', 'sweep-systems');
    expect([sys.x, sys.group, sys.facet]).toEqual(['batch', 'system', 'model']);
    const ss = sweepLinesChart(systems, sys);
    // llama3-8b has no T4 line (it does not fit); gpt2-xl has all three
    expect(count(ss, /<g class="series"/g)).toBe(5);
    expect(textOf(ss, 'axis-label x')[0]).toBe('batch (log scale)');
  });
});

browserDescribe('sweep-report', 'sweep report HTML in chromium', () => {
  const opened = usePage(() => sweepHtmlReport(systems), 4);

  itLoadsOffline(opened);

  it('draws the four charts, which pass Plotly.validate, and a table row per point', async () => {
    expect(await invalidFigures(opened.page)).toEqual([]);
    const charts = await opened.page.evaluate(() => [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => ({
      id: el.id, traces: (el as unknown as { data: unknown[] }).data.length, heat: el.querySelectorAll('.heatmaplayer image, .hm image').length,
    })));
    expect(charts.map((c) => c.id)).toEqual(['chart-sweep-pareto', 'chart-sweep-heatmap', 'chart-sweep-lines', 'chart-sweep-systems']);
    // heatmap: a trace per system; lines: a trace per (system, model) that has points (5 of 6); systems the same
    expect(charts.map((c) => c.traces).slice(1)).toEqual([3, 5, 5]);
    expect(await opened.page.locator('table.points tbody tr').count()).toBe(24);
    expect(await opened.page.locator('table.points tbody tr.error').count()).toBe(4);
  });

  it('hovering a Pareto point names its axis values', async () => {
    const tip = await hoverText(opened.page, 'chart-sweep-pareto', '.scatterlayer .trace .points path');
    expect(tip).toMatch(/point \d+: system gpu-/);
    expect(tip).toMatch(/Latency [\d.,]+ ms/);
  });
});
