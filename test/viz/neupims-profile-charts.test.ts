import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import type { FigureData } from '../../src/report/figure-data.ts';
import { neupimsSpeedupChart, neupimsSubtitle, neupimsThroughputChart } from '../../viz/neupims-charts.ts';
import { figureDataPlotlyFigures } from '../../viz/figures-plotly.ts';
import { fixtureReport } from './fixtures.ts';
import { count } from './svg-checks.ts';

/*
 * Issue #14, "Done when": each paper figure states the baseline profile it uses and shows the paper's setup beside a
 * serving engine's. `strata validate neupims` computes NeuPIMs' gain over the A100 under 'eager' (PyTorch, as the
 * paper measured) and under 'graphs' (a serving engine), and the data file of `strata figures` carries both, but the
 * gains chart drew only the 'eager' one under a subtitle that called the GPU a "roofline" and named no profile.
 */

/** An SVG's text with the apostrophes it escapes turned back. */
const plain = (svg: string) => svg.replace(/&#39;|&#x27;|&apos;/g, "'");

const saved = fixtureReport(join('test/fixtures/reports', 'figure-data-neupims.json')) as FigureData;

/** The saved file (made before the profiles were recorded) with the serving engine's gain added: half the eager one. */
function withGraphs(): FigureData {
  const d = structuredClone(saved) as unknown as { parameters: Record<string, unknown>; tables: Array<{ name: string; columns: Array<{ name: string; unit: string; description: string }>; rows: unknown[][] }> };
  d.parameters.gpuProfile = 'eager';
  d.parameters.servingEngineProfile = 'graphs';
  const t = d.tables.find((x) => x.name === 'throughput')!;
  const over = t.columns.findIndex((c) => c.name === 'overGpu');
  t.columns.push({ name: 'overGpuGraphs', unit: 'x', description: "NeuPIMs / GPU-only 'graphs'" });
  const gpu = t.columns.findIndex((c) => c.name === 'gpuTokensPerS');
  t.columns.push({ name: 'gpuGraphsTokensPerS', unit: 'tokens/s', description: "GPU-only under the 'graphs' profile" });
  for (const r of t.rows) r.push((r[over] as number) / 2, (r[gpu] as number) * 2);
  return d as unknown as FigureData;
}

describe("NeuPIMs gains chart: the paper's GPU setup beside a serving engine's", () => {
  it("draws the gain over the GPU under 'graphs' beside the 'eager' one, each case's bar from its row", () => {
    const d = withGraphs();
    const svg = plain(neupimsSpeedupChart(d));
    // 2 models x 2 request sets x 2 batches; 4 bars each (GPU eager, GPU graphs, NPU-only, NPU+PIM blocked)
    expect(count(svg, /class="bar"/g)).toBe(8 * 4);
    expect(count(svg, /class="bar" data-series="gpu-only-graphs"/g)).toBe(8);
    expect(svg).toContain("over GPU-only, 'graphs' (a serving engine)");
    const t = d.tables.find((x) => x.name === 'throughput')!;
    const first = t.rows[0]!;
    const g = first[t.columns.findIndex((c) => c.name === 'overGpuGraphs')] as number;
    expect(svg).toContain(`${first[0]}, ${first[1]} batch ${first[2]}: NeuPIMs over GPU-only, 'graphs' (a serving engine) ${g.toFixed(2)}x</title>`);
    const fig = figureDataPlotlyFigures(d).find((f) => f.name === 'neupims-speedup')!;
    expect((fig.data as Array<{ name: string }>).filter((s) => s.name === "over GPU-only, 'graphs' (a serving engine)").length).toBeGreaterThan(0);
  });

  it("the throughput chart draws the GPU under 'graphs' beside the 'eager' GPU", () => {
    const svg = plain(neupimsThroughputChart(withGraphs()));
    expect(count(svg, /class="bar"/g)).toBe(8 * 5);
    expect(count(svg, /class="bar" data-series="gpu-only-graphs"/g)).toBe(8);
    expect(count(plain(neupimsThroughputChart(saved)), /class="bar"/g)).toBe(8 * 4);
  });

  it("the subtitle names the GPU's profiles, not 'roofline'", () => {
    const line = neupimsSubtitle(withGraphs());
    expect(line).toContain(`GPU-only: ${String(saved.parameters.gpu)} 'eager' (the paper's) and 'graphs' (a serving engine)`);
    expect(line).not.toContain('roofline');
  });

  it('a file without the serving engine column draws the three gains as before', () => {
    const svg = plain(neupimsSpeedupChart(saved));
    expect(count(svg, /class="bar"/g)).toBe(8 * 3);
    expect(svg).not.toContain("'graphs'");
    expect(neupimsSubtitle(saved)).toContain(`GPU-only: ${String(saved.parameters.gpu)} kernel model ·`);
  });
});
