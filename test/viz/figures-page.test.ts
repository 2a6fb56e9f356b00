import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { haveChromium, hoverText, openHtml, type OpenedPage } from './browser.ts';
import { FIGURE_DATA_SCHEMA, type FigureData } from '../../src/report/figure-data.ts';
import { figureCharts } from '../../viz/figure-charts.ts';
import { figuresHtmlPage } from '../../viz/figures-page.ts';
import { figureDataPlotlyFigures } from '../../viz/figures-plotly.ts';
import { plotlyBundle } from '../../viz/html-report.ts';
import { DEFAULT_CHROMIUM } from '../../viz/png.ts';
import { DEVICE_STYLE } from '../../viz/palette.ts';
import { fixtureReport } from './fixtures.ts';

const load = (name: string) => fixtureReport(join('test/fixtures/reports', name)) as FigureData;
/** The four figure sets with charts (test/fixtures/reports/README.md), in the order `strata figures` makes them. */
const sets = ['peak-bandwidth', 'pim-gpt', 'neupims', 'duplex'].map((s) => load(`figure-data-${s}.json`));
/** A set without charts (a small stand-in for data/dramsim3.json): its table is shown instead. */
const dramsim3: FigureData = {
  schema: FIGURE_DATA_SCHEMA,
  figure: 'dramsim3',
  title: 'Strata vs DRAMsim3 on the HBM2 reference traces',
  description: 'One trace, two metrics.',
  command: 'strata validate dramsim3',
  parameters: { traces: ['hbm2-8ch-stream-read'] },
  inputs: { sha256: '0'.repeat(64), files: [] },
  tables: [{
    name: 'comparison',
    title: 'Strata vs DRAMsim3',
    columns: [
      { name: 'trace', unit: '', description: '' }, { name: 'metric', unit: '', description: '' },
      { name: 'gap', unit: 'fraction', description: '' }, { name: 'ok', unit: '', description: '' },
    ],
    rows: [['hbm2-8ch-stream-read', 'bandwidth (GB/s)', 0.0123, true], ['hbm2-8ch-stream-read', 'row hits | misses', 0.5, false]],
  }],
  references: [],
};
const all = [dramsim3, ...sets];

describe('figures.html (no browser)', () => {
  const html = figuresHtmlPage(all);

  it('is one self-contained file: plotly inlined, the data files embedded, nothing loaded from elsewhere', () => {
    // (a boolean: a failing match would print the 3.5 MB page)
    expect(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|@import/i.test(html)).toBe(false);
    expect(html.length).toBeGreaterThan(3_000_000); // the inlined plotly.js bundle
    const m = html.match(/<script type="application\/json" id="strata-figure-data">([^<]*)<\/script>/);
    expect(JSON.parse(m![1]!)).toEqual(all);
    // its only link (outside the plotly bundle) goes back to the index beside it
    expect([...html.replace(plotlyBundle(), '').matchAll(/href="([^"#][^"]*)"/g)].map((x) => x[1])).toEqual(['index.html']);
  });

  it('is deterministic: same data files → byte-identical page', () => {
    expect(figuresHtmlPage(structuredClone(all))).toBe(html);
  });

  it('has the same charts as the SVGs of each set, in the same order, a section per set; a set without charts shows its tables', () => {
    for (const d of sets) expect(figureDataPlotlyFigures(d).map((f) => f.name), d.figure).toEqual(figureCharts(d).map((c) => c.name));
    expect(figureDataPlotlyFigures(dramsim3)).toEqual([]);
    expect([...html.matchAll(/<section class="set" id="([^"]+)">/g)].map((x) => x[1])).toEqual(['dramsim3', 'peak-bandwidth', 'pim-gpt', 'neupims', 'duplex']);
    // the table as the Markdown prints it: fractions as percentages, booleans yes/NO, an escaped '|' restored
    expect(html).toContain('<th>gap (%)</th>');
    expect(html).toContain('<td class="n">1.23</td><td>yes</td>');
    expect(html).toContain('<td>row hits | misses</td>');
  });

  it('bars keep the device-kind colours of viz/palette.ts', () => {
    const pim = figureDataPlotlyFigures(sets[1]!);
    const speedup = pim.find((f) => f.name === 'pim-gpt-speedup')!;
    // a panel per baseline (T4, A100, Xeon): GPU blue twice, CPU near-black
    expect(speedup.data.map((t) => (t.marker as { color: string }).color)).toEqual([DEVICE_STYLE.gpu.fill, DEVICE_STYLE.gpu.fill, DEVICE_STYLE.cpu.fill]);
    const util = figureDataPlotlyFigures(sets[2]!).find((f) => f.name === 'neupims-utilisation')!;
    expect(util.data.map((t) => (t.marker as { color: string }).color)).toEqual([DEVICE_STYLE.npu.fill, DEVICE_STYLE.pim.fill]);
    const gantt = pim.find((f) => f.name === 'pim-gpt-token-gantt')!;
    // the token starts on the ASIC (its first node is a vector op), then the PIM channels
    expect(gantt.data.slice(1).map((t) => t.name)).toEqual(['ASIC op', 'PIM op']);
    expect(gantt.data.slice(1).map((t) => (t.marker as { color: string }).color)).toEqual([DEVICE_STYLE.asic.fill, DEVICE_STYLE.pim.fill]);
  });
});

const browserSuite = haveChromium ? describe : describe.skip;
if (!haveChromium) console.warn(`figures.html browser tests SKIPPED: ${DEFAULT_CHROMIUM} is absent (install Debian's chromium: apt-get install chromium)`);

browserSuite(`figures.html in chromium${haveChromium ? '' : ' — SKIPPED: /usr/bin/chromium is absent (apt-get install chromium)'}`, () => {
  const figures = all.flatMap(figureDataPlotlyFigures);
  let opened: OpenedPage;
  let page: Page;

  beforeAll(async () => {
    opened = await openHtml(figuresHtmlPage(all), figures.length);
    page = opened.page;
  }, 120_000);

  afterAll(async () => {
    await opened?.close();
  });

  it('loads from file:// without console errors and without a network request', () => {
    expect(figures).toHaveLength(1 + 5 + 4 + 3);
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.offsite).toEqual([]);
  });

  it('every chart is drawn and has data', async () => {
    const charts = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => {
      const data = (el as unknown as { data: Array<{ x?: unknown[] }> }).data;
      const points = data.reduce((s, t) => s + (t.x ?? []).flat().filter((v) => v !== null).length, 0);
      return { id: el.id, traces: data.length, points, drawn: el.querySelectorAll('.bars .point, .scatterlayer .point, .scatterlayer .js-line').length };
    }));
    expect(charts.map((c) => c.id)).toEqual(figures.map((f) => f.id));
    for (const c of charts) {
      expect(c.traces, c.id).toBeGreaterThan(0);
      expect(c.points, c.id).toBeGreaterThan(0);
      expect(c.drawn, c.id).toBeGreaterThan(0);
    }
  });

  it('hovering a bar shows its value and unit', async () => {
    const tip = await hoverText(page, 'chart-pim-gpt-latency-breakdown', '.barlayer .trace:nth-of-type(1) .point path');
    expect(tip).toMatch(/^gpt2-small, PIM: MAC: [\d,.]+ µs \([\d.]+ % of [\d,.]+ µs\)$/);
  });

  it('hovering a node of the token timeline shows its op and times; the timeline zooms', async () => {
    const tip = await hoverText(page, 'chart-pim-gpt-token-gantt', '.barlayer .trace:nth-of-type(2) .point path');
    expect(tip).toMatch(/on channel \d+|on the ASIC/);
    expect(tip).toMatch(/[\d.]+–[\d.]+ µs/);
    // drag across the plot: the time axis zooms to the dragged stretch
    const xRange = () => page.evaluate(() => (document.getElementById('chart-pim-gpt-token-gantt') as unknown as { layout: { xaxis: { range: number[] } } }).layout.xaxis.range.slice());
    const before = await xRange();
    const box = (await page.locator('#chart-pim-gpt-token-gantt .nsewdrag').first().boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + 0.3 * box.width, y);
    await page.mouse.down();
    await page.mouse.move(box.x + 0.5 * box.width, y, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction((b) => (document.getElementById('chart-pim-gpt-token-gantt') as unknown as { layout: { xaxis: { range: number[] } } }).layout.xaxis.range[1] !== b, before[1]);
    const after = await xRange();
    // about a fifth of the span, starting about 30 % in
    const span = before[1]! - before[0]!;
    expect((after[1]! - after[0]!) / span).toBeCloseTo(0.2, 1);
    expect((after[0]! - before[0]!) / span).toBeCloseTo(0.3, 1);
  });
});
