import { it, expect } from 'vitest';
import { browserDescribe, hoverText, invalidFigures, itLoadsOffline, usePage } from './browser.ts';
import type { ServingReport } from '../../src/report/serving-report.ts';
import { servingHtmlReport } from '../../viz/html-report.ts';
import { stepSegments, tokenGapsNs } from '../../viz/serving-charts.ts';
import { fixtureReport } from './fixtures.ts';

const FIXTURE = 'test/fixtures/reports/serving-llama3-8b-h100.json';
const report = fixtureReport(FIXTURE) as ServingReport;

browserDescribe('serving-report', 'serving-report HTML in chromium', () => {
  const opened = usePage(() => servingHtmlReport(report), 2);

  itLoadsOffline(opened);

  it('both charts have data drawn: three CDF curves with their percentile markers, five stepped series of the batch; figures pass Plotly.validate', async () => {
    const charts = await opened.page.evaluate(() => {
      type Trace = { x?: unknown[] };
      return [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => {
        const data = (el as unknown as { data: Trace[] }).data;
        return {
          id: el.id,
          traces: data.length,
          points: data.map((t) => (t.x ?? []).length),
          lines: el.querySelectorAll('.scatterlayer .trace .lines path').length,
          markers: el.querySelectorAll('.scatterlayer .trace .points path').length,
          bars: el.querySelectorAll('.barlayer .point').length,
          legendEntries: el.querySelectorAll('.legend .traces').length,
          logAxis: el.querySelectorAll('.xaxislayer-above .xtick').length,
        };
      });
    });
    expect(await invalidFigures(opened.page)).toEqual([]);
    const [cdf, batch] = charts;
    const distinctGaps = new Set(tokenGapsNs(report)).size;
    // a line and a marker trace per latency: 12 TTFTs + 1, the distinct gaps + 1, 12 end-to-end + 1; 3 markers each
    expect(cdf).toMatchObject({ id: 'chart-latency-cdf', traces: 6, points: [13, 3, distinctGaps + 1, 3, 13, 3], lines: 3, markers: 9, legendEntries: 3 });
    expect(cdf!.logAxis).toBeGreaterThan(2);
    const segs = stepSegments(report);
    const busy = segs.filter((g) => g.steps !== null).length;
    // decode and prefill requests (bars), the queue (a line), decode and prompt tokens (bars)
    expect(batch).toMatchObject({ id: 'chart-batch-timeline', traces: 5, points: [busy, busy, segs.length + 1, busy, busy], legendEntries: 3 });
    expect(batch!.bars).toBeGreaterThan(busy);
  });

  it('hovering a percentile marker shows the latency in ms', async () => {
    // the last marker trace is end to end; its last marker is p99 = 1,038 ms
    const tip = await hoverText(opened.page, 'chart-latency-cdf', '.scatterlayer .trace:nth-of-type(6) .points path', 'last');
    expect(tip).toContain('end to end, p99');
    expect(tip).toContain('1,038');
    expect(tip).toContain('ms');
  });

  it('hovering a bar of the batch over time shows its steps\' requests and tokens', async () => {
    // the last decode bar: the last request decoding alone until 1,221 ms
    const tip = await hoverText(opened.page, 'chart-batch-timeline', '.barlayer .trace:nth-of-type(1) .point path', 'last');
    expect(tip).toMatch(/steps \d+–131, /);
    expect(tip).toContain('requests: 1 decoding, 0 prefilling, 0 waiting');
    expect(tip).toContain('tokens: 1 decode, 0 prompt');
  });
});
