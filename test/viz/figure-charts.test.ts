import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { figureDataCsvFiles, figureDataMarkdown, figureTableMarkdown, type FigureData } from '../../src/report/figure-data.ts';
import {
  FIGURE_CHARTS,
  figureCharts,
  peakBandwidthChart,
  pimGptEfficiencyChart,
  pimGptEnergyBreakdownChart,
  pimGptLatencyBreakdownChart,
  pimGptSpeedupChart,
} from '../../viz/figure-charts.ts';
import { count, textOf } from './svg-checks.ts';
import { fixtureReport } from './fixtures.ts';

const load = (name: string) => fixtureReport(join('test/fixtures/reports', name)) as FigureData;
/** `strata figures`: data/pim-gpt.json (8 models, 64 + 64 tokens) and data/peak-bandwidth.json (6 presets). */
const pimGpt = load('figure-data-pim-gpt.json');
const peak = load('figure-data-peak-bandwidth.json');


describe('charts of figure-data files', () => {
  const all: Array<[string, FigureData]> = [
    ...FIGURE_CHARTS['pim-gpt']!.map((c) => [c.name, pimGpt] as [string, FigureData]),
    ...FIGURE_CHARTS['peak-bandwidth']!.map((c) => [c.name, peak] as [string, FigureData]),
  ];
  for (const [name, data] of all) {
    it(`${name}: matches its snapshot`, async () => {
      const chart = figureCharts(data).find((c) => c.name === name)!;
      await expect(chart.render(data)).toMatchFileSnapshot(`__snapshots__/${name}.svg`);
    });
  }

  it('every chart has a title, a description, axis titles with units and no NaN; same data → same bytes', () => {
    for (const [name, data] of all) {
      const svg = figureCharts(data).find((c) => c.name === name)!.render(data);
      expect(textOf(svg, 'chart-title'), name).toHaveLength(1);
      expect(textOf(svg, 'axis-label x')[0], name).toMatch(/\((µs|µJ|%|baseline)/);
      expect(textOf(svg, 'axis-label y'), name).toHaveLength(1);
      expect(svg, name).not.toMatch(/NaN|undefined|Infinity|\[object/);
      expect(figureCharts(structuredClone(data)).find((c) => c.name === name)!.render(structuredClone(data)), name).toBe(svg);
    }
  });

  it('speed-up: a panel per baseline (T4, A100, Xeon), a bar per model, the paper bands on the T4 and CPU panels', () => {
    const svg = pimGptSpeedupChart(pimGpt);
    expect(textOf(svg, 'panel-title')).toEqual(['vs gpu-t4 (GPU)', 'vs gpu-a100-40gb (GPU)', 'vs cpu-xeon (CPU)']);
    expect(count(svg, /class="bar"/g)).toBe(8 * 3);
    expect(count(svg, /<rect class="reference"/g)).toBe(2); // no published A100 value
    expect(svg).toContain('>paper 41–137x<');
    expect(svg).toContain('>paper 631–1,074x<');
    expect(svg).toContain('>no published value<');
    // bars in the device-kind colours: GPU panels light blue, the CPU panel near-black
    expect(count(svg, /class="bar" data-series="gpu-t4"[^>]*fill="#74c0f0"/g)).toBe(8);
    expect(count(svg, /class="bar" data-series="cpu-xeon"[^>]*fill="#2b2b2b"/g)).toBe(8);
  });

  it('energy efficiency: the bands of the paper\'s efficiency ranges', () => {
    const svg = pimGptEfficiencyChart(pimGpt);
    expect(svg).toContain('>paper 123–383x<');
    expect(svg).toContain('>paper 320–602x<');
  });

  it('breakdowns: five latency components and eight energy components per model, totals at the bar ends', () => {
    const lat = pimGptLatencyBreakdownChart(pimGpt);
    expect(count(lat, /class="bar"/g)).toBe(8 * 5);
    const pim = pimGpt.tables.find((t) => t.name === 'pim')!;
    // the breakdown adds up to the mean token latency of the pim table (µs, 1 decimal at the bar end)
    expect(textOf(lat, 'total')[0]).toBe(`${(pim.rows[0]![1] as number).toFixed(1)} µs · PIM ${(100 * (pim.rows[0]![2] as number)).toFixed(1)} %`);
    const en = pimGptEnergyBreakdownChart(pimGpt);
    expect(count(en, /class="bar"/g)).toBe(8 * 8);
    expect(textOf(en, 'total')[0]).toBe(`${(pim.rows[0]![3] as number).toFixed(1)} µJ`);
  });

  it('peak bandwidth: a dot per preset and the 95 % target line', () => {
    const svg = peakBandwidthChart(peak);
    expect(count(svg, /class="marker"/g)).toBe(6);
    expect(count(svg, /class="reference"/g)).toBe(1);
  });

  it('a data file without the table a chart needs is refused, naming the table', () => {
    const broken = { ...pimGpt, tables: pimGpt.tables.filter((t) => t.name !== 'latency-breakdown') };
    expect(() => pimGptLatencyBreakdownChart(broken)).toThrow("figure data 'pim-gpt' has no table 'latency-breakdown' (tables: pim, baselines, energy-breakdown, token-timeline)");
  });
});

describe('tables of figure-data files', () => {
  it('Markdown: headers with units, fractions as percentages, integers kept, booleans as yes/NO', () => {
    const md = figureTableMarkdown(peak.tables[0]!);
    const lines = md.split('\n');
    expect(lines[0]).toBe('| preset | requests | achievedGBps (GB/s) | peakGBps (GB/s) | percentOfPeak (%) | meetsTarget |');
    expect(lines[1]).toBe('|---|---:|---:|---:|---:|---|');
    expect(lines[2]).toMatch(/^\| ddr4 \| 200000 \| 24\.42 \| 25\.60 \| 95\.41 \| yes \|$/);
    expect(figureDataMarkdown(pimGpt)).toContain('| model | tokenUs (us) | pimShare (%) | tokenUj (uJ) |');
  });

  it('CSV: one file per table, header = column names, values as in the JSON', () => {
    const files = figureDataCsvFiles(pimGpt);
    expect(files.map((f) => f.name)).toEqual(['pim-gpt-pim.csv', 'pim-gpt-baselines.csv', 'pim-gpt-latency-breakdown.csv', 'pim-gpt-energy-breakdown.csv', 'pim-gpt-token-timeline.csv']);
    const baselines = files[1]!.content.trimEnd().split('\n');
    expect(baselines[0]).toBe('model,baseline,kind,tokenUs,tokenUj,speedup,efficiency');
    expect(baselines).toHaveLength(1 + 8 * 3);
    expect(figureDataCsvFiles(peak).map((f) => f.name)).toEqual(['peak-bandwidth.csv']);
  });
});
