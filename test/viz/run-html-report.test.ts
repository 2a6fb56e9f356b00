import { it, expect } from 'vitest';
import { browserDescribe, hoverText, invalidFigures, itLoadsOffline, usePage } from './browser.ts';
import type { RunReport } from '../../src/report/run-report.ts';
import { runHtmlReport } from '../../viz/html-report.ts';
import { fixtureReport } from './fixtures.ts';

const FIXTURE = 'test/fixtures/reports/gpt2-small-prefill-t4.json';
const report = fixtureReport(FIXTURE) as RunReport;

browserDescribe('run-report', 'run-report HTML in chromium', () => {
  const opened = usePage(() => runHtmlReport(report), 2);

  itLoadsOffline(opened);

  it('both charts have data: the busy stretch and 147 ops on the timeline, 13 kinds x 3 parts; figures pass Plotly.validate', async () => {
    const charts = await opened.page.evaluate(() => {
      type Trace = { x?: unknown[] };
      return [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => {
        const data = (el as unknown as { data: Trace[] }).data;
        return {
          id: el.id,
          traces: data.length,
          points: data.reduce((s, t) => s + (t.x ?? []).length, 0),
          drawn: el.querySelectorAll('.bars .point').length,
          legendEntries: el.querySelectorAll('.legend .traces').length,
          height: el.getBoundingClientRect().height,
        };
      });
    });
    expect(await invalidFigures(opened.page)).toEqual([]);
    const [timeline, kinds] = charts;
    // busy trace (1 stretch: ops back to back) + the GPU ops (147)
    expect(timeline).toMatchObject({ id: 'chart-device-timeline', traces: 2, points: 1 + 147, legendEntries: 1 });
    // compute-bound, memory-bound and launch traces over 13 op kinds (zero-height parts are still points)
    expect(kinds).toMatchObject({ id: 'chart-op-kind-breakdown', traces: 3, points: 3 * 13, legendEntries: 3 });
    for (const c of charts) expect(c.drawn, c.id).toBeGreaterThan(0);
    // the timeline's container is as tall as its 14 rows need (150 + 22 px per row)
    expect(timeline!.height).toBe(150 + 22 * 14);
  });

  it('hovering an op on the timeline shows its id, times and bound', async () => {
    // the last op of the GPU trace: lm-head, 350 µs wide
    const tip = await hoverText(opened.page, 'chart-device-timeline', '.barlayer .trace:nth-of-type(2) .point path', 'last');
    expect(tip).toContain('lm-head');
    expect(tip).toContain('memory-bound');
    expect(tip).toMatch(/µs/);
  });

  it('hovering a part of an op kind bar shows its time in µs', async () => {
    // the first compute-bound part: ffn-down, the longest kind, on top
    const tip = await hoverText(opened.page, 'chart-op-kind-breakdown', '.barlayer .trace:nth-of-type(1) .point path', 'first');
    expect(tip).toContain('ffn-down');
    expect(tip).toMatch(/compute-bound ops \(compute time\)/);
    expect(tip).toMatch(/µs/);
  });
});
