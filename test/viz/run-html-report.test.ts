import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { haveChromium, openHtml, type OpenedPage } from './browser.ts';
import type { RunReport } from '../../src/report/run-report.ts';
import { validateReport } from '../../src/report/schema.ts';
import { runHtmlReport } from '../../viz/html-report.ts';
import { DEFAULT_CHROMIUM } from '../../viz/png.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURE = 'test/fixtures/reports/gpt2-small-prefill-t4.json';
const report = validateReport(JSON.parse(readFileSync(join(ROOT, FIXTURE), 'utf8')), FIXTURE) as RunReport;

const browserSuite = haveChromium ? describe : describe.skip;
if (!haveChromium) console.warn(`run-report browser tests SKIPPED: ${DEFAULT_CHROMIUM} is absent (install Debian's chromium: apt-get install chromium)`);

browserSuite(`run-report HTML in chromium${haveChromium ? '' : ' — SKIPPED: /usr/bin/chromium is absent (apt-get install chromium)'}`, () => {
  let opened: OpenedPage;
  let page: Page;
  let consoleErrors: string[];
  let offsite: string[];

  beforeAll(async () => {
    opened = await openHtml(runHtmlReport(report), 2);
    ({ page, consoleErrors, offsite } = opened);
  }, 90_000);

  afterAll(async () => {
    await opened?.close();
  });

  it('loads from file:// without console errors and without a network request', () => {
    expect(consoleErrors).toEqual([]);
    expect(offsite).toEqual([]);
  });

  it('both charts have data: the busy stretch and 147 ops on the timeline, 13 kinds x 3 parts; figures pass Plotly.validate', async () => {
    const charts = await page.evaluate(() => {
      type Trace = { x?: unknown[] };
      const P = (window as unknown as { Plotly: { validate: (d: unknown, l: unknown) => unknown[] | undefined } }).Plotly;
      const figures = JSON.parse(document.getElementById('strata-figures')!.textContent!) as Array<{ id: string; data: unknown; layout: unknown }>;
      // plotly.js 4.1's Plotly.validate throws on any layout.legend: the legend is checked as drawn below.
      const invalid = figures.map((f) => {
        const { legend: _legend, ...layout } = f.layout as Record<string, unknown>;
        return { id: f.id, errors: P.validate(f.data, layout) ?? [] };
      }).filter((v) => v.errors.length > 0);
      return {
        invalid,
        charts: [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => {
          const data = (el as unknown as { data: Trace[] }).data;
          return {
            id: el.id,
            traces: data.length,
            points: data.reduce((s, t) => s + (t.x ?? []).length, 0),
            drawn: el.querySelectorAll('.bars .point').length,
            legendEntries: el.querySelectorAll('.legend .traces').length,
            height: el.getBoundingClientRect().height,
          };
        }),
      };
    });
    expect(charts.invalid).toEqual([]);
    const [timeline, kinds] = charts.charts;
    // busy trace (1 stretch: ops back to back) + the GPU ops (147)
    expect(timeline).toMatchObject({ id: 'chart-device-timeline', traces: 2, points: 1 + 147, legendEntries: 1 });
    // compute-bound, memory-bound and launch traces over 13 op kinds (zero-height parts are still points)
    expect(kinds).toMatchObject({ id: 'chart-op-kind-breakdown', traces: 3, points: 3 * 13, legendEntries: 3 });
    for (const c of charts.charts) expect(c.drawn, c.id).toBeGreaterThan(0);
    // the timeline's container is as tall as its 14 rows need (150 + 22 px per row)
    expect(timeline!.height).toBe(150 + 22 * 14);
  });

  async function hoverText(chartId: string, target: string, which: 'first' | 'last'): Promise<string> {
    const all = page.locator(`#${chartId} ${target}`);
    const el = which === 'first' ? all.first() : all.last();
    await el.scrollIntoViewIfNeeded();
    const box = await el.boundingBox();
    expect(box, `${chartId} ${target}`).not.toBeNull();
    await page.mouse.move(0, 0);
    await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2, { steps: 4 });
    const tip = page.locator(`#${chartId} .hoverlayer .hovertext`).first();
    await tip.waitFor({ state: 'visible', timeout: 10_000 });
    return (await tip.textContent()) ?? '';
  }

  it('hovering an op on the timeline shows its id, times and bound', async () => {
    // the last op of the GPU trace: lm-head, 350 µs wide
    const tip = await hoverText('chart-device-timeline', '.barlayer .trace:nth-of-type(2) .point path', 'last');
    expect(tip).toContain('lm-head');
    expect(tip).toContain('memory-bound');
    expect(tip).toMatch(/µs/);
  });

  it('hovering a part of an op kind bar shows its time in µs', async () => {
    // the first compute-bound part: ffn-down, the longest kind, on top
    const tip = await hoverText('chart-op-kind-breakdown', '.barlayer .trace:nth-of-type(1) .point path', 'first');
    expect(tip).toContain('ffn-down');
    expect(tip).toMatch(/compute-bound ops \(compute time\)/);
    expect(tip).toMatch(/µs/);
  });
});
