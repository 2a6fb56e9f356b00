import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import type { FigureData } from '../../src/report/figure-data.ts';
import { DUPLEX_AUTHORS_SERIES, duplexEnergyChart, duplexThroughputChart } from '../../viz/duplex-charts.ts';
import { figureDataPlotlyFigures } from '../../viz/figures-plotly.ts';
import { count, textOf } from './svg-checks.ts';
import { fixtureReport } from './fixtures.ts';

/*
 * Issue #14, "Done when": each paper's chart shows the paper's setup beside a modern serving engine's. The Duplex
 * throughput chart drew only the serving engine's charge ('graphs'); the authors' charge (the paper's setup) was in
 * its tooltip text and in the data file's table 'charges'. It is now a bar of its own after Duplex's, from that table.
 */

const base = fixtureReport(join('test/fixtures/reports', 'figure-data-duplex.json')) as FigureData;

/** The fixture plus a 'charges' table as `strata figures` writes it: 3.0x + 0.1 x (row index) per case, one OOM. */
function withCharges(): FigureData {
  const d = structuredClone(base) as unknown as { tables: Array<{ name: string; columns: Array<{ name: string; unit: string; description: string }>; rows: unknown[][] }> };
  const decode = d.tables.find((t) => t.name === 'decode')!;
  const rows = decode.rows.map((r, i) => [r[0], r[1], r[2], r[3], r[4], r[13] ?? null, i === 2 ? null : 3 + 0.1 * i]);
  const col = (name: string) => ({ name, unit: '', description: name });
  d.tables.push({ name: 'charges', columns: ['model', 'lin', 'lout', 'batch', 'routing', 'overGpu', 'overGpuAuthors'].map(col), rows });
  return d as unknown as FigureData;
}

describe("the Duplex throughput chart shows the paper's setup beside the serving engine's", () => {
  const d = withCharges();
  const svg = duplexThroughputChart(d);

  it("draws a bar per case for Duplex / GPU under the authors' charge, after Duplex's, with its legend entry", () => {
    // Mixtral: 4 uniform cases (one OOM under the authors' charge), Llama-3 70B: 4 dense cases.
    expect(count(svg, /class="bar" data-series="duplexAuthors"/g)).toBe(4 - 1 + 4);
    expect(svg).toContain(DUPLEX_AUTHORS_SERIES.label.replace(/'/g, '&#39;'));
    // The first Mixtral case (row 0): 3.0x; the second uniform one is row 2 (OOM: no bar, an OOM label).
    expect(svg).toContain('Lin/Lout 256/256, batch 32: Duplex, the paper&#39;s setup (both under the authors&#39; charge) throughput 3.00x the GPU&#39;s');
    expect(textOf(svg, 'missing')).toContain('OOM');
    // Each group holds Duplex, then the paper's setup, then the other systems.
    const order = [...svg.matchAll(/class="bar" data-series="(\w+)"/g)].map((m) => m[1]).slice(0, 6);
    expect(order).toEqual(['duplex', 'duplexAuthors', 'gpu2', 'bankPim', 'bgPim', 'duplex']);
  });

  it('leaves the energy chart and files without the table as they were', () => {
    expect(count(duplexEnergyChart(d), /data-series="duplexAuthors"/g)).toBe(0);
    expect(count(duplexThroughputChart(base), /data-series="duplexAuthors"/g)).toBe(0);
  });

  it('has the same bar in the interactive twin on figures.html', () => {
    const fig = figureDataPlotlyFigures(d).find((f) => f.name === 'duplex-throughput')!;
    const bars = (fig.data as Array<{ type: string; name: string; y?: Array<number | null> }>).filter((t) => t.type === 'bar' && t.name === DUPLEX_AUTHORS_SERIES.label);
    // Mixtral's uniform cases are rows 0, 2, 4, 6 (row 2 OOM); Llama-3 70B's rows 8-11.
    expect(bars.map((b) => b.y!.map((v) => (v === null ? null : Math.round(v * 10) / 10)))).toEqual([[3, null, 3.4, 3.6], [3.8, 3.9, 4, 4.1]]);
  });
});
