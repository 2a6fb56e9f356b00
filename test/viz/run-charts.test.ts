import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { RunReport } from '../../src/report/run-report.ts';
import { runHtmlReport } from '../../viz/html-report.ts';
import {
  deviceKindOf,
  deviceTimelineChart,
  opKindBreakdownChart,
  opKindTimes,
  RUN_CHARTS,
  stepBoundaries,
  timelineLanes,
} from '../../viz/run-charts.ts';
import { runPlotlyFigures } from '../../viz/run-plotly.ts';
import { deepFreeze, count, textOf, wellFormed } from './svg-checks.ts';
import { fixtureReport } from './fixtures.ts';

const FIXTURE = 'test/fixtures/reports/gpt2-small-prefill-t4.json';
/** `strata run --system gpu-t4 --model gpt2-small --phase prefill --context 256`: one step of 147 ops on gpu0. */
const report = fixtureReport(FIXTURE) as RunReport;



let dir: string;
let decode: RunReport;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-run-charts-'));
  // Two decode steps, every op of both in the timeline: the chart marks where step 1 starts.
  const out = join(dir, 'decode.json');
  vi.spyOn(console, 'log').mockImplementation(() => {});
  expect(main(['run', '--system', 'gpu-a100', '--model', 'gpt2-small', '--phase', 'decode', '--context', '100', '--tokens', '2', '--timeline', 'all', '--out', out, '--quiet'])).toBe(0);
  vi.restoreAllMocks();
  decode = JSON.parse(readFileSync(out, 'utf8'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run-report charts of the fixture report', () => {
  for (const chart of RUN_CHARTS) {
    it(`${chart.name}: matches its snapshot`, async () => {
      await expect(chart.render(report)).toMatchFileSnapshot(`__snapshots__/${chart.name}.svg`);
    });
  }

  it('every chart is a well-formed standalone SVG with a title, a description, both axis labels and no NaN', () => {
    for (const r of [report, decode]) {
      for (const chart of RUN_CHARTS) {
        const svg = chart.render(r);
        expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'), chart.name).toBe(true);
        expect(wellFormed(svg), chart.name).toBe(true);
        expect(svg, chart.name).toMatch(/<desc id="[^"]+">[^<]+<\/desc>/);
        expect(textOf(svg, 'chart-title'), chart.name).toHaveLength(1);
        expect(textOf(svg, 'axis-label x'), chart.name).toHaveLength(1);
        expect(textOf(svg, 'axis-label y'), chart.name).toHaveLength(1);
        expect(svg, chart.name).not.toMatch(/NaN|undefined|Infinity|\[object/);
      }
    }
  });

  it('time axes are in µs and say that run reports have no cycle clock', () => {
    expect(textOf(deviceTimelineChart(report), 'axis-label x')).toEqual(['Simulated time from the start of the run (µs; analytical kernel model, no cycle clock)']);
    expect(textOf(opKindBreakdownChart(report), 'axis-label x')).toEqual(['Time over the timeline (µs)']);
  });

  it("a baseline run names its timing model and the software profile it ran under, not a bare 'roofline'", () => {
    // Issue #14 item 6: the kernel model's floors and the profile's launches decide small models' times (for GPT-2
    // sizes 'eager' is 4-5x slower than 'graphs', docs/baselines.md), so the chart says which profile timed the run.
    const eager = { ...report, system: { ...report.system, softwareProfile: { name: 'eager', description: '', hostLaunchNs: 18239 } } } as RunReport;
    const svg = deviceTimelineChart(eager).replace(/&#39;|&#x27;|&apos;/g, "'");
    expect(textOf(svg, 'axis-label x')).toEqual(["Simulated time from the start of the run (µs; analytical kernel model, 'eager' profile, no cycle clock)"]);
    expect(textOf(svg, 'chart-subtitle')[0]).toContain("analytical kernel model, 'eager' profile");
    expect(svg).not.toContain('roofline');
  });

  it('a PIM-GPT run is labelled as its cycle-level token simulation, not as the roofline', () => {
    // `strata run --system pim-gpt` times tokens cycle by cycle (src/systems/pim-gpt/token-sequence.ts); the axis and
    // subtitle must not call that the analytical roofline.
    const pim = { ...report, policy: 'pim-gpt' } as RunReport;
    const svg = deviceTimelineChart(pim);
    expect(textOf(svg, 'axis-label x')).toEqual(['Simulated time from the start of the run (µs; cycle-level PIM-GPT simulation, cycles shown in µs)']);
    expect(svg).not.toContain('analytical roofline');
  });

  it('timeline: a row of all ops on gpu0, then one per op kind in order of first use; one bar per op', () => {
    const svg = deviceTimelineChart(report);
    expect(textOf(svg, 'lane device')).toEqual(['gpu0 (all ops)']);
    expect(textOf(svg, 'lane')).toEqual(['embedding', 'norm', 'qkv-proj', 'attn-score', 'softmax', 'attn-context', 'out-proj', 'residual-add', 'ffn-up', 'ffn-act', 'ffn-down', 'final-norm', 'lm-head']);
    // 147 ops; two ops of one kind are always at least one 5 µs launch apart (> half a pixel), so none merge.
    expect(count(svg, /class="op"/g)).toBe(147);
    // The roofline runs ops back to back: the device row is one busy stretch, 100 % of the time.
    expect(count(svg, /class="busy"/g)).toBe(1);
    const shares = textOf(svg, 'share').map((s) => Number(s.replace(' %', '')));
    expect(shares[0]).toBe(100);
    expect(shares.slice(1).reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0); // kinds partition the time (rounding)
    // GPU ops in the GPU colour of the palette
    expect(svg).toContain('fill="#74c0f0"');
    expect(stepBoundaries(report)).toEqual([]);
  });

  it('timeline: steps after the first are marked where they start', () => {
    expect(stepBoundaries(decode)).toEqual([{ step: 1, startNs: decode.steps[1]!.startNs }]);
    const svg = deviceTimelineChart(decode);
    expect(svg).toContain('>step 1</text>');
    expect(svg).toContain('start of a step');
    expect(count(svg, /class="op"/g)).toBe(2 * 147);
  });

  it('time by op kind: the kinds partition the run time; qkv, out-proj and FFN matrices are compute-bound at 256 tokens on the T4', () => {
    const times = opKindTimes(report);
    // each op takes max(compute, memory) + launch, so the kinds add up to the step
    expect(times.reduce((s, t) => s + t.totalNs, 0)).toBeCloseTo(report.totals.timeNs, 3);
    expect(times.reduce((s, t) => s + t.launchNs, 0)).toBeCloseTo(report.totals.launchNs, 3);
    expect(times.map((t) => t.kind).filter((k) => times.find((t) => t.kind === k)!.computeBoundNs > 0).sort()).toEqual(['ffn-down', 'ffn-up', 'out-proj', 'qkv-proj']);
    expect(times.reduce((s, t) => s + t.ops, 0)).toBe(147);
    // longest first
    for (let i = 1; i < times.length; i++) expect(times[i]!.totalNs).toBeLessThanOrEqual(times[i - 1]!.totalNs);
    // 13 kinds x launch + 4 compute-bound kinds + 9 memory-bound kinds
    expect(count(opKindBreakdownChart(report), /class="bar"/g)).toBe(13 + 4 + 9);
  });

  it('device kinds: from the device id when it names one, else the system kind', () => {
    expect(deviceKindOf(report, 'gpu0')).toBe('gpu');
    expect(deviceKindOf(report, 'npu0.systolic-array')).toBe('npu');
    expect(deviceKindOf(report, 'pim3')).toBe('pim');
    expect(deviceKindOf(report, 'accelerator')).toBe('gpu');
    expect(timelineLanes(report).map((l) => l.deviceKind)).toEqual(new Array(14).fill('gpu'));
  });

  it('is deterministic: same report → byte-identical SVG, from a fresh copy and from a frozen one', () => {
    const copy = deepFreeze(JSON.parse(JSON.stringify(report)) as RunReport);
    for (const chart of RUN_CHARTS) {
      const a = chart.render(report);
      expect(chart.render(report)).toBe(a);
      expect(chart.render(copy)).toBe(a);
    }
    expect(runHtmlReport(copy)).toBe(runHtmlReport(report));
  });

  it('honours width, height and title options', () => {
    const svg = deviceTimelineChart(report, { width: 1200, height: 600, title: 'Custom' });
    expect(svg).toContain('width="1200" height="600" viewBox="0 0 1200 600"');
    expect(textOf(svg, 'chart-title')).toEqual(['Custom']);
  });
});

describe('run-report HTML page (no browser)', () => {
  const html = runHtmlReport(report);

  it('is self-contained and embeds the report', () => {
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|@import/i);
    const m = html.match(/<script type="application\/json" id="strata-report">([^<]*)<\/script>/);
    expect(JSON.parse(m![1]!)).toEqual(report);
    expect(html).toContain('<title>Strata run report — gpt2-small prefill on gpu-t4</title>');
  });

  it('has the timeline and the op-kind breakdown, with titled axes and one point per op', () => {
    const figures = runPlotlyFigures(report);
    expect(figures.map((f) => f.name)).toEqual(['device-timeline', 'op-kind-breakdown']);
    for (const f of figures) {
      const layout = f.layout as { xaxis: { title: { text: string } }; yaxis: { title: { text: string } } };
      expect(layout.xaxis.title.text, f.name).toMatch(/\(µs/);
      expect(layout.yaxis.title.text, f.name).not.toBe('');
    }
    const [busy, ops] = figures[0]!.data as Array<{ x: number[]; name: string }>;
    expect(busy!.x).toHaveLength(1);
    expect(ops!.name).toBe('GPU op');
    expect(ops!.x).toHaveLength(147);
  });
});
