import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lab } from 'd3';
import { checkDramReport } from '../../src/report/dram-report-file.ts';
import type { DramReport } from '../../src/report/dram-report.ts';
import {
  bankHeatmapChart,
  channelBandwidthChart,
  commandCountChart,
  DRAM_CHARTS,
  energyBreakdownChart,
  readLatencyChart,
} from '../../viz/dram-charts.ts';
import { bandwidthTimeChart, bankStateChart } from '../../viz/dram-timeline-charts.ts';
import { DEVICE_KINDS, DEVICE_STYLE, DRAM_CLASSES, DRAM_CLASS_STYLE } from '../../viz/palette.ts';
import { deepFreeze, count, textOf, wellFormed } from './svg-checks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURE = 'test/fixtures/reports/hbm2-mixed-2000.json';
/** `strata dram --spec hbm2 --pattern mixed --requests 2000 --seed fixture`: 8 channels x 16 banks, 1,608 cycles. */
const report: DramReport = checkDramReport(FIXTURE, JSON.parse(readFileSync(join(ROOT, FIXTURE), 'utf8')));



describe('static charts of the fixture report', () => {
  for (const chart of DRAM_CHARTS) {
    it(`${chart.name}: matches its snapshot`, async () => {
      await expect(chart.render(report)).toMatchFileSnapshot(`__snapshots__/${chart.name}.svg`);
    });
  }

  it('every chart is a well-formed standalone SVG with a title, a description, both axis labels and no NaN', () => {
    for (const chart of DRAM_CHARTS) {
      const svg = chart.render(report);
      expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'), chart.name).toBe(true);
      expect(wellFormed(svg), chart.name).toBe(true);
      expect(svg, chart.name).toMatch(/<title id="[^"]+">[^<]+<\/title>/);
      expect(svg, chart.name).toMatch(/<desc id="[^"]+">[^<]+<\/desc>/);
      expect(textOf(svg, 'chart-title'), chart.name).toHaveLength(1);
      expect(textOf(svg, 'axis-label x'), chart.name).toHaveLength(1);
      expect(textOf(svg, 'axis-label y'), chart.name).toHaveLength(1);
      expect(svg, chart.name).not.toMatch(/NaN|undefined|Infinity|\[object/);
    }
  });

  it('every value axis names its unit in parentheses', () => {
    const valueLabel: Record<string, string> = {
      'channel-bandwidth': textOf(channelBandwidthChart(report), 'axis-label y')[0]!,
      'command-counts': textOf(commandCountChart(report), 'axis-label y')[0]!,
      'energy-breakdown': textOf(energyBreakdownChart(report), 'axis-label y')[0]!,
      'bank-activity': textOf(bankHeatmapChart(report), 'axis-label colour')[0]!,
      'bank-column-commands': textOf(bankHeatmapChart(report, { metric: 'columnCommands' }), 'axis-label colour')[0]!,
      'read-latency': textOf(readLatencyChart(report), 'axis-label x')[0]!,
      'bandwidth-time': textOf(bandwidthTimeChart(report), 'axis-label y')[0]!,
      'bank-states': textOf(bankStateChart(report), 'axis-label x')[0]!,
    };
    expect(valueLabel).toEqual({
      'bandwidth-time': 'Bandwidth per channel (GB/s)',
      'bank-states': 'Cycle (dram clock; 1 cycle = 1,000 ps)',
      'channel-bandwidth': 'Bandwidth (GB/s)',
      'command-counts': 'Commands issued (count)',
      'energy-breakdown': 'Energy (µJ)',
      'bank-activity': 'Row-open time (fraction of window)',
      'bank-column-commands': 'Column commands (count)',
      'read-latency': 'Read latency (dram cycles; 1 cycle = 1,000 ps)',
    });
    expect(textOf(readLatencyChart(report), 'axis-label x2')).toEqual(['Read latency (ns)']);
  });

  it('draws the expected number of bars, cells and markers', () => {
    // One bar per channel: hbm2 has 8.
    expect(count(channelBandwidthChart(report), /class="bar"/g)).toBe(8);
    // Kinds issued: ACT, PRE, RD, WR, REFpb (PREA, RDA, WRA and REF are zero and left out).
    expect(count(commandCountChart(report), /class="bar"/g)).toBe(5);
    // IDD: activate, read, write, refresh (REFpb at IDD5PB above IDD3N, arch/dram/hbm2.json), background (I/O is not
    // in the model) = 5; path: activate, read, write, refresh, I/O (no background term) = 5.
    expect(count(energyBreakdownChart(report), /class="bar"/g)).toBe(10);
    // 8 channels x (4 bank groups x 4 banks).
    expect(count(bankHeatmapChart(report), /class="cell"/g)).toBe(128);
    expect(count(bankHeatmapChart(report, { metric: 'columnCommands' }), /class="cell"/g)).toBe(128);
    // median, mean, p99, max.
    expect(count(readLatencyChart(report), /class="marker"/g)).toBe(4);
  });

  it('puts the analytical peak line at 256 GB/s / 8 channels = 32 GB/s and labels it in the legend', () => {
    const svg = channelBandwidthChart(report);
    expect(svg).toContain('analytical peak per channel (32 GB/s)');
    expect(count(svg, /stroke-dasharray="6 3"/g)).toBe(2); // the line and its legend swatch
  });

  it('converts energy from pJ to µJ: the totals over the stacks are the report totals / 1e6', () => {
    const svg = energyBreakdownChart(report);
    expect(svg).toContain(`>${(report.energy.idd.total / 1e6).toFixed(3)} µJ<`); // 3569... pJ → 3.569 µJ
    expect(svg).toContain(`>${(report.energy.path.total / 1e6).toFixed(3)} µJ<`);
  });

  it('is deterministic: same report → byte-identical SVG, from a fresh copy and from a frozen one', () => {
    const copy = deepFreeze(JSON.parse(JSON.stringify(report)) as DramReport);
    for (const chart of DRAM_CHARTS) {
      const a = chart.render(report);
      expect(chart.render(report)).toBe(a);
      expect(chart.render(copy)).toBe(a);
    }
  });

  it('honours width and height options', () => {
    const svg = channelBandwidthChart(report, { width: 800, height: 500, title: 'Custom' });
    expect(svg).toContain('width="800" height="500" viewBox="0 0 800 500"');
    expect(textOf(svg, 'chart-title')).toEqual(['Custom']);
  });

  it('handles a run without reads and a channel with no traffic', () => {
    const noReads = structuredClone(report);
    noReads.requests.reads = 0;
    noReads.readLatency = { ...noReads.readLatency, mean: null, p50: null, p99: null, max: null, meanNs: null };
    noReads.channels[3]!.bandwidthGBps = 0;
    const lat = readLatencyChart(noReads);
    expect(lat).toContain('no reads completed in this window');
    expect(count(lat, /class="marker"/g)).toBe(0);
    for (const chart of DRAM_CHARTS) expect(chart.render(noReads), chart.name).not.toMatch(/NaN|Infinity/);
  });
});

describe('palette', () => {
  it('gives every device kind its own colour and pattern, at least 8 L* apart (readable in greyscale)', () => {
    const ls = DEVICE_KINDS.map((k) => lab(DEVICE_STYLE[k].fill).l).sort((a, b) => a - b);
    for (let i = 1; i < ls.length; i++) expect(ls[i]! - ls[i - 1]!).toBeGreaterThanOrEqual(8);
    expect(new Set(DEVICE_KINDS.map((k) => DEVICE_STYLE[k].fill)).size).toBe(7);
    expect(new Set(DEVICE_KINDS.map((k) => DEVICE_STYLE[k].pattern)).size).toBe(7);
  });

  it('spreads the DRAM activity classes 11 L* apart with a different pattern each', () => {
    const ls = DRAM_CLASSES.map((c) => lab(DRAM_CLASS_STYLE[c].fill).l);
    for (let i = 1; i < ls.length; i++) expect(ls[i]! - ls[i - 1]!).toBeGreaterThan(10);
    expect(new Set(DRAM_CLASSES.map((c) => DRAM_CLASS_STYLE[c].pattern)).size).toBe(DRAM_CLASSES.length);
  });
});

describe('viz/ stays a pure view of reports (style rule 3)', () => {
  it('imports only d3, node built-ins, its own modules and report modules that never load the simulator', () => {
    const dir = join(ROOT, 'viz');
    // A report module viz may load at run time imports, besides types, only other such modules and the error type.
    const pureReportModule = (file: string, seen: Set<string>): boolean => {
      if (seen.has(file)) return true;
      seen.add(file);
      const src = readFileSync(join(ROOT, 'src', 'report', file), 'utf8');
      for (const m of src.matchAll(/^import (type )?[^'"]*from '([^']+)'/gm)) {
        const [, typeOnly, from] = m;
        if (typeOnly || from === '../spec/errors.ts') continue;
        if (!from!.startsWith('./') || !pureReportModule(from!.slice(2), seen)) return false;
      }
      return true;
    };
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/^import (type )?[^'"]*from '([^']+)'/gm)) {
        const [, typeOnly, from] = m;
        const report = from!.startsWith('../src/report/') && (typeOnly !== undefined || pureReportModule(from!.slice('../src/report/'.length), new Set()));
        const ok = from === 'd3' || from!.startsWith('node:') || from!.startsWith('./') || report;
        expect(ok, `${f} imports '${from}'`).toBeTruthy();
      }
      // The PNG export alone drives a browser, loaded on demand so that nothing else pays for it.
      for (const m of src.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) expect(f === 'png.ts' && m[1] === 'playwright-core', `${f} imports '${m[1]}'`).toBe(true);
    }
  });
});
