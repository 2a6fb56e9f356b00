import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lab } from 'd3';
import { checkDramReport } from '../../src/report/dram-report-file.ts';
import { bandwidthEpochs, type DramReport } from '../../src/report/dram-report.ts';
import { BANK_STATES } from '../../src/dram/timeline.ts';
import { DRAM_CHARTS } from '../../viz/dram-charts.ts';
import { bandwidthTimeChart, bandwidthTimeData, bankStateChart, bankStateShares, epochSeries, timeUnit } from '../../viz/dram-timeline-charts.ts';
import { BANK_STATE_KEYS, BANK_STATE_STYLE, LINE_STYLES } from '../../viz/palette.ts';
import { count, deepFreeze, textOf, wellFormed } from './svg-checks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURE = 'test/fixtures/reports/hbm2-mixed-2000.json';
/** `strata dram --spec hbm2 --pattern mixed --requests 2000 --seed fixture`: 8 channels, 1,608 cycles, 95 epochs of 17. */
const report: DramReport = deepFreeze(checkDramReport(FIXTURE, JSON.parse(readFileSync(join(ROOT, FIXTURE), 'utf8'))));
const { bandwidthSeries: _s, bankStates: _b, ...old } = report;

/** The report as a device with `n` channels: the first n channels of the fixture. */
function firstChannels(n: number): DramReport {
  const r = structuredClone(report) as DramReport;
  r.channels = r.channels.slice(0, n);
  r.bandwidthSeries!.channels = r.bandwidthSeries!.channels.slice(0, n);
  r.bandwidth.peakGBps = (256 * n) / 8;
  return r;
}

describe('bandwidth over time', () => {
  it('8 channels: the min–max band and the mean (a line per channel would be a tangle), with the peak per channel', () => {
    const svg = bandwidthTimeChart(report);
    expect(wellFormed(svg)).toBe(true);
    expect(count(svg, /class="band"/g)).toBe(1);
    expect(count(svg, /class="line"/g)).toBe(1);
    expect(svg).toContain('range over 8 channels (min to max)');
    expect(svg).toContain('analytical peak per channel (32 GB/s)');
    // 1,608 ns: below 10 µs, so the axis is in ns
    expect(textOf(svg, 'axis-label x')).toEqual(['Time (ns); each point is one epoch of 17 dram cycles (17 ns)']);
  });

  it('the plotted values are bytes / epoch time: the band holds every channel and the mean is their mean', () => {
    const d = bandwidthTimeData(report)!;
    expect(d.mode).toBe('band');
    const epochs = bandwidthEpochs(report);
    expect(epochSeries(report).map((e) => e.channelGBps)).toEqual(epochs.map((e) => e.channelGBps));
    const [max, mean, min] = d.lines;
    epochs.forEach((e, k) => {
      expect(max!.gbps[k]).toBe(Math.max(...e.channelGBps));
      expect(min!.gbps[k]).toBe(Math.min(...e.channelGBps));
      expect(mean!.gbps[k]).toBeCloseTo(e.channelGBps.reduce((a, b) => a + b, 0) / 8, 9);
    });
    // epoch 0 of channel 0: its bytes over 17 cycles of 1 ns
    expect(epochs[0]!.channelGBps[0]).toBe(report.bandwidthSeries!.channels[0]!.bytes[0]! / 17);
    // the last epoch is 1608 - 94 x 17 = 10 cycles long, plotted at its midpoint
    expect(d.lines[0]!.t.at(-1)).toBe(1603);
  });

  it('up to 4 channels: a line per channel, each with its own dash pattern and marker, all in the legend', () => {
    const svg = bandwidthTimeChart(firstChannels(4));
    expect(count(svg, /class="line"/g)).toBe(4);
    const dashes = [...svg.matchAll(/class="line" d="[^"]*" clip-path="[^"]*" fill="none" stroke="([^"]+)" stroke-width="1.6"(?: stroke-dasharray="([^"]+)")?/g)].map((m) => `${m[1]} ${m[2] ?? 'solid'}`);
    expect(new Set(dashes).size).toBe(4);
    for (const c of [0, 1, 2, 3]) expect(svg).toContain(`>channel ${c}<`);
    expect(svg).toContain('analytical peak per channel (32 GB/s)');
    // markers: about ten per line, plus one per legend swatch
    expect(count(svg, /class="marker"/g)).toBeGreaterThanOrEqual(4 * 10);
    // lines forced for 8 channels use all eight styles
    expect(count(bandwidthTimeChart(report, { mode: 'lines' }), /class="line"/g)).toBe(8);
  });

  it('line styles differ in dash and in marker shape or fill; times switch to µs and ms for long windows', () => {
    expect(new Set(LINE_STYLES.map((s) => s.dash)).size).toBe(8);
    expect(new Set(LINE_STYLES.map((s) => `${s.marker}/${s.filled}`)).size).toBe(8);
    expect(timeUnit(9_999)).toEqual({ unit: 'ns', perNs: 1 });
    expect(timeUnit(97_947)).toEqual({ unit: 'µs', perNs: 1e-3 });
    expect(timeUnit(2e7).unit).toBe('ms');
  });
});

describe('bank states', () => {
  it('one rect per non-idle run over an idle background, a legend of the five states, a row title per bank', () => {
    const svg = bankStateChart(report);
    expect(wellFormed(svg)).toBe(true);
    const w = report.bankStates!;
    const busy = w.banks.reduce((n, b) => n + b.runs.filter((r) => r[2] !== 0).length, 0);
    expect(count(svg.slice(svg.indexOf('<g class="cells">'), svg.indexOf('<g class="commands">')), /<rect /g)).toBe(1 + busy);
    expect(count(svg, /class="row"/g)).toBe(128);
    for (const label of ['idle (precharged)', 'active (row open)', 'reading', 'writing', 'refreshing']) expect(svg).toContain(`>${label}<`);
    expect(textOf(svg, 'axis-label y')).toEqual(['Bank (128 banks; channel, then bank group.bank)']);
    expect(svg).toContain('>ch 7<');
  });

  it('labels every bank row and marks every command of the window on its bank, ACT/RD/WR/PRE/REF in the legend', () => {
    const svg = bankStateChart(report);
    const w = report.bankStates!;
    expect(textOf(svg, 'bank-label')).toEqual(w.banks.map((b) => `${b.bankGroup}.${b.bank}`));
    const marks = svg.slice(svg.indexOf('<g class="commands">'), svg.indexOf('<g class="rows">'));
    const total = w.banks.reduce((n, b) => n + (b.commands?.length ?? 0), 0);
    expect(total).toBeGreaterThan(1000);
    expect(count(marks, /class="command"/g)).toBe(total);
    for (const k of ['ACT', 'RD', 'WR', 'PRE', 'REF']) expect(svg).toContain(`>${k}<`);
    // a report without command marks (written before them) draws the states alone
    const bare = structuredClone(report);
    delete bare.bankStates!.commandKinds;
    for (const b of bare.bankStates!.banks) delete b.commands;
    expect(count(bankStateChart(bare), /class="command"/g)).toBe(0);
  });

  it('shares of a bank add up to the window; the description gives the shares over all banks', () => {
    const shares = bankStateShares(report.bankStates!);
    for (const s of shares) expect(s.reduce((a, b) => a + b, 0)).toBe(1608);
    const desc = bankStateChart(report).match(/<desc[^>]*>([^<]*)<\/desc>/)![1]!;
    expect(desc).toMatch(/^Heat map of 128 banks over cycles 0 to 1608 of the dram clock: idle [\d.]+ %, active [\d.]+ %, reading [\d.]+ %, writing [\d.]+ %, refreshing [\d.]+ % of bank-cycles\. Command marks: [\d,]+ ACT, [\d,]+ RD, [\d,]+ WR, [\d,]+ PRE, [\d,]+ REF\.$/);
  });

  it('states read in greyscale: fills at least 18 L* apart, in the order of the report\'s states', () => {
    expect([...BANK_STATE_KEYS]).toEqual([...BANK_STATES]);
    const ls = BANK_STATE_KEYS.map((k) => lab(BANK_STATE_STYLE[k].fill).l);
    for (let i = 1; i < ls.length; i++) expect(ls[i - 1]! - ls[i]!).toBeGreaterThanOrEqual(18);
  });
});

describe('reports written before the time series', () => {
  it('are not drawn by renderers (applies) and, drawn anyway, say that the data is missing', () => {
    expect(DRAM_CHARTS.filter((c) => c.applies?.(old as DramReport) ?? true).map((c) => c.name)).toEqual(
      ['channel-bandwidth', 'command-counts', 'energy-breakdown', 'bank-activity', 'bank-column-commands', 'read-latency'],
    );
    expect(bandwidthTimeChart(old as DramReport)).toContain('no bandwidth series in this report');
    expect(bankStateChart(old as DramReport)).toContain('no bank-state window in this report');
    expect(wellFormed(bankStateChart(old as DramReport))).toBe(true);
  });
});
