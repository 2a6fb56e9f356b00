import { describe, expect, it } from 'vitest';
import { sensitivityFigureData, figureDataMarkdown } from '../../src/report/figure-data.ts';
import type { Assumption } from '../../src/spec/provenance.ts';
import type { SensitivityResult } from '../../src/validation/sensitivity.ts';
import { renderFigureData } from '../../src/cli/report.ts';
import { bandRows, MIN_BAND_AXIS_PX, paperRange, sensitivityBandsChart } from '../../viz/sensitivity-charts.ts';
import { figureCharts } from '../../viz/figure-charts.ts';
import { figureDataPlotlyFigures } from '../../viz/figures-plotly.ts';
import { count } from './svg-checks.ts';
import { validateReport } from '../../src/report/schema.ts';

const a = (path: string, low: number, high: number, value: number): Assumption => ({ file: '/repo/arch/pim/aim.json', path, value, low, high, why: 'test' });
const result: SensitivityResult = {
  assumptions: [a('organization.channels', 8, 32, 32), a('energy.macPj', 0.23, 1.84, 0.46)],
  bands: [
    {
      name: 'speed-up vs T4', paper: '41-137x', shipped: 40, low: 10, high: 44,
      swings: [
        { assumption: a('organization.channels', 8, 32, 32), also: [], atLow: 10, atHigh: 40 },
        { assumption: a('energy.macPj', 0.23, 1.84, 0.46), also: [], atLow: 40, atHigh: 40 },
      ],
    },
    { name: 'energy saving', paper: '', shipped: 0.5, low: 0.5, high: 0.5, swings: [] },
  ],
};
const data = sensitivityFigureData([{ study: 'pim-gpt', command: 'strata validate pim-gpt --sensitivity', result }], '/repo', { sha256: '0'.repeat(64), files: [] });

describe('the sensitivity figure set', () => {
  it('holds each band and each swing, with assumptions named relative to the repository', () => {
    expect(data.tables[0]!.rows).toEqual([
      ['pim-gpt', 'speed-up vs T4', '41-137x', 10, 40, 44, 'arch/pim/aim.json: organization.channels'],
      ['pim-gpt', 'energy saving', '', 0.5, 0.5, 0.5, null],
    ]);
    expect(data.tables[1]!.rows).toHaveLength(2);
    expect(figureDataMarkdown(data)).toContain('| pim-gpt | speed-up vs T4 | 41-137x | 10 | 40 | 44 | arch/pim/aim.json: organization.channels |');
  });

  it('draws one band per headline in % of its shipped value, and the reading a user needs beside it', () => {
    // 10 and 44 of a shipped 40: 25 % to 110 %.
    expect(bandRows(data).map((r) => [r.lowPct, r.highPct])).toEqual([[25, 110], [100, 100]]);
    const svg = sensitivityBandsChart(data);
    expect(count(svg, /class="band"/g)).toBe(2);
    expect(svg).toContain('10.0 – 44.0 (shipped 40.0)');
    expect(svg).toContain('most: pim/aim.json: organization.channels');
    expect(svg).toContain('most: no assumption moves it');
  });

  it("puts the paper's value beside each band on the same % scale, so a reader sees whether the band reaches it", () => {
    expect(['41-137x (GPU)', 'up to 2.67x', '3x', '0.42 (third-party, unconfirmed)', '1,074–631x', '–', ''].map(paperRange)).toEqual([
      { min: 41, max: 137 }, { min: 2.67, max: 2.67 }, { min: 3, max: 3 }, { min: 0.42, max: 0.42 }, { min: 631, max: 1074 }, null, null,
    ]);
    // 41-137x of a shipped 40 is 102.5-342.5 %: the box starts inside the axis and runs past it (an arrow at the edge).
    expect(bandRows(data).map((r) => r.paperPct)).toEqual([{ min: 102.5, max: 342.5 }, null]);
    const svg = sensitivityBandsChart(data);
    expect(count(svg, /class="paper"/g)).toBe(1);
    expect(count(svg, /class="beyond"/g)).toBe(1);
    expect(svg).toContain('10.0 – 44.0 (shipped 40.0) · paper 41-137x');
  });

  it("keeps the bands' axis readable when headline names and readings are long (the shipped studies' are)", () => {
    // The shipped chart set the width at 1200 px; its longest label (a Duplex headline under the authors' charge) and
    // reading (a PIM-GPT assumption) left the axis about 100 px, and every band a few pixels.
    const long = 'Duplex / GPU decode throughput, geometric mean, the paper\'s setup (authors\' charge)';
    const wide = sensitivityFigureData([{ study: 'duplex', command: 'strata validate duplex --sensitivity', result: {
      assumptions: [a('software.profiles.eager.launchNs.and.a.long.path', 10000, 25000, 18239)],
      bands: [{ name: long, paper: '', shipped: 40, low: 10, high: 44, swings: [{ assumption: a('software.profiles.eager.launchNs.and.a.long.path', 10000, 25000, 18239), also: [], atLow: 10, atHigh: 44 }] }],
    } }], '/repo', { sha256: '0'.repeat(64), files: [] });
    const svg = sensitivityBandsChart(wide);
    const band = svg.match(/<g class="band">.*?<line x1="([\d.]+)"[^>]*x2="([\d.]+)"/s)!;
    // 25 % to 110 % of the shipped value on an axis from 20 % to 110 %: 85 / 90 of the axis.
    expect(Number(band[2]) - Number(band[1])).toBeGreaterThanOrEqual((MIN_BAND_AXIS_PX * 85) / 90 - 1);
    expect(Number(svg.match(/<svg\b[^>]*\bwidth="([\d.]+)"/)![1])).toBeGreaterThan(1200);
    // Short names keep the 1200 px chart.
    expect(sensitivityBandsChart(data)).toMatch(/<svg\b[^>]*\bwidth="1200"/);
  });

  it('has its interactive twin on figures.html: each band an error bar around 100 %, the paper as diamonds on the same scale', () => {
    const figs = figureDataPlotlyFigures(data);
    expect(figs.map((f) => f.name)).toEqual(figureCharts(data).map((c) => c.name));
    const [band, paper] = figs[0]!.data as Array<{ x: number[]; y: string[]; error_x?: { array: number[]; arrayminus: number[] } }>;
    // 10 and 44 of a shipped 40: 75 points below 100 % and 10 above; the flat band has none.
    expect(band!.error_x!.arrayminus).toEqual([75, 0]);
    expect(band!.error_x!.array).toEqual([10, 0]);
    // 41-137x of a shipped 40: both ends of the paper's range, on the row of that headline only.
    expect(paper!.x).toEqual([102.5, 342.5]);
    expect(paper!.y).toEqual(['pim-gpt: speed-up vs T4', 'pim-gpt: speed-up vs T4']);
  });

  it('is a set `strata report` renders, and its data file passes the schema', () => {
    expect(() => validateReport(JSON.parse(JSON.stringify(data)), 'sensitivity.json')).not.toThrow();
    expect(renderFigureData(data).map((f) => f.name)).toEqual(['sensitivity-bands.svg', 'sensitivity.md', 'sensitivity-bands.csv', 'sensitivity-swings.csv']);
  });
});
