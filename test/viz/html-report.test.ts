import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { browserDescribe, hoverText, invalidFigures, itLoadsOffline, usePage } from './browser.ts';
import { checkDramReport } from '../../src/report/dram-report-file.ts';
import { dramHtmlReport } from '../../viz/html-report.ts';
import { dramPlotlyFigures } from '../../viz/plotly-figures.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURE = 'test/fixtures/reports/hbm2-mixed-2000.json';
const report = checkDramReport(FIXTURE, JSON.parse(readFileSync(join(ROOT, FIXTURE), 'utf8')));


describe('HTML report page (no browser)', () => {
  const html = dramHtmlReport(report);

  it('is one self-contained file: plotly inlined, nothing loaded from elsewhere', () => {
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|@import/i);
    expect(html.length).toBeGreaterThan(3_000_000); // the inlined plotly.js bundle
    expect(html).toContain('<script type="application/json" id="strata-report">');
  });

  it('embeds the report JSON, escaped so that no "<" can close its script element', () => {
    const m = html.match(/<script type="application\/json" id="strata-report">([^<]*)<\/script>/);
    expect(m).not.toBeNull();
    expect(JSON.parse(m![1]!)).toEqual(report);
  });

  it('is deterministic: same report → byte-identical page', () => {
    expect(dramHtmlReport(structuredClone(report))).toBe(html);
  });

  it('has eight figures with titled axes, in the order of the static charts', () => {
    const figures = dramPlotlyFigures(report);
    expect(figures.map((f) => f.name)).toEqual(['channel-bandwidth', 'bandwidth-time', 'command-counts', 'energy-breakdown', 'bank-activity', 'bank-column-commands', 'bank-states', 'read-latency']);
    for (const f of figures) {
      const layout = f.layout as { xaxis: { title: { text: string } }; yaxis: { title: { text: string } } };
      expect(layout.xaxis.title.text, f.name).not.toBe('');
      expect(layout.yaxis.title.text, f.name).not.toBe('');
    }
  });
});

browserDescribe('html-report', 'HTML report in chromium', () => {
  const opened = usePage(() => dramHtmlReport(report), 8);

  itLoadsOffline(opened);

  it('every plotly chart has data: traces and points as expected, and every figure passes Plotly.validate', async () => {
    const charts = await opened.page.evaluate(() => {
      type Trace = { x?: unknown[]; z?: unknown[][] };
      return [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => {
        const data = (el as unknown as { data: Trace[] }).data;
        const points = data.reduce((s, t) => s + (t.z ? t.z.flat().length : (t.x ?? []).filter((v) => v !== null).length), 0);
        return {
          id: el.id, traces: data.length, points,
          drawn: el.querySelectorAll('.bars .point, .hm image, .scatterlayer .point, .scatterlayer .js-line').length,
          legendEntries: el.querySelectorAll('.legend .traces').length,
        };
      });
    });
    expect(await invalidFigures(opened.page)).toEqual([]);
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    // bars per channel (8) + the peak line (8 points).
    expect(byId['chart-channel-bandwidth']).toMatchObject({ traces: 2, points: 16 });
    // one trace per command class issued (activate, precharge, read, write, refresh), one bar per kind.
    expect(byId['chart-command-counts']).toMatchObject({ traces: 5, points: 5 });
    // six energy components, each with a bar per model.
    expect(byId['chart-energy-breakdown']).toMatchObject({ traces: 6, points: 12 });
    // 8 channels x 16 banks.
    expect(byId['chart-bank-activity']).toMatchObject({ traces: 1, points: 128 });
    expect(byId['chart-bank-column-commands']).toMatchObject({ traces: 1, points: 128 });
    // stems (4 x [0, value]) + four markers.
    expect(byId['chart-read-latency']).toMatchObject({ traces: 5, points: 12 });
    // 8 channels: max, min (filled to max) and mean over 95 epochs, and the peak line (2 points).
    expect(byId['chart-bandwidth-time']).toMatchObject({ traces: 4, points: 3 * 95 + 2 });
    // 128 banks x ceil(1608 / 5) = 322 bins of 5 cycles (at most 400 columns).
    expect(byId['chart-bank-states']).toMatchObject({ traces: 1, points: 128 * 322 });
    for (const c of charts) expect(c.drawn, c.id).toBeGreaterThan(0);
    // Legends: achieved + peak; band, mean and peak (the band's upper edge has none); five command classes; six
    // energy components; none on heat maps (colour bar) and latency.
    expect(charts.map((c) => c.legendEntries)).toEqual([2, 3, 5, 6, 0, 0, 0, 0]);
  });

  it('hovering a bar shows a tooltip with its value and unit', async () => {
    const tip = await hoverText(opened.page, 'chart-channel-bandwidth', '.bars .point path');
    expect(tip).toContain('Channel 0');
    expect(tip).toContain(`${report.channels[0]!.bandwidthGBps.toFixed(3)} GB/s`);
  });

  it('hovering a heat-map cell shows its channel, bank and value', async () => {
    const tip = await hoverText(opened.page, 'chart-bank-activity', '.nsewdrag');
    expect(tip).toMatch(/Channel \d, bank \d\.\d/);
    expect(tip).toContain('of the window');
  });

  it('hovering the bandwidth over time shows GB/s at a time; hovering a bank-state cell shows its bank and state', async () => {
    const line = await hoverText(opened.page, 'chart-bandwidth-time', '.nsewdrag');
    expect(line).toMatch(/[\d.]+ GB\/s/);
    const cell = await hoverText(opened.page, 'chart-bank-states', '.nsewdrag');
    expect(cell).toMatch(/Bank \d\.\d\.\d \(channel\.bank group\.bank\)/);
    expect(cell).toMatch(/cycles from [\d,]+ \(a bin of 5\)/);
    expect(cell).toMatch(/idle|active|reading|writing|refreshing/);
  });

  it('shows the embedded report JSON', async () => {
    const text = await opened.page.locator('#report-json').textContent();
    expect(JSON.parse(text!)).toEqual(report);
  });
});
