import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { RunReport } from '../../src/report/run-report.ts';
import { validateReport } from '../../src/report/schema.ts';
import {
  deviceKindFromId,
  ganttChart,
  ganttLanes,
  ganttPlotlyFigure,
  plotlyMergeGapNs,
  type GanttOp,
  type GanttSpec,
} from '../../viz/gantt.ts';
import { DEVICE_STYLE, type DeviceKind } from '../../viz/palette.ts';
import { deviceTimelineChart, runGanttSpec } from '../../viz/run-charts.ts';
import { runPlotlyFigures } from '../../viz/run-plotly.ts';
import { count, textOf, wellFormed } from './svg-checks.ts';

const kindOf = (d: string): DeviceKind => deviceKindFromId(d) ?? 'xpu';

/**
 * A synthetic NPU + PIM + ASIC timeline of 3 x `n` ops: every 100 ns a 60 ns GEMM on the NPU and a 90 ns GEMV on
 * PIM, and a 10 ns softmax on the ASIC right after the GEMM.
 */
function synthetic(n: number): GanttOp[] {
  const ops: GanttOp[] = [];
  for (let i = 0; i < n; i++) {
    const t = i * 100;
    ops.push({ id: `L${i}.gemm`, kind: 'gemm', device: 'npu0', startNs: t, endNs: t + 60 });
    ops.push({ id: `L${i}.gemv`, kind: 'gemv', device: 'pim0', startNs: t, endNs: t + 90 });
    ops.push({ id: `L${i}.softmax`, kind: 'softmax', device: 'asic0', startNs: t + 60, endNs: t + 70 });
  }
  return ops;
}

function spec(ops: GanttOp[]): GanttSpec {
  return {
    id: 'test-gantt', name: 'device-timeline', title: 'Timeline', subtitle: 'synthetic', ops, deviceKind: kindOf,
    unit: { name: 'µs', perNs: 1e-3 }, timeTitle: 'Time (µs)', boundaries: [], boundaryLegend: 'start of a step',
    opTip: (o) => `${o.device} · ${o.id}`,
  };
}

describe('Gantt lanes and charts (synthetic NPU + PIM + ASIC timeline)', () => {
  it('device kinds come from the id prefix; lanes: each device, then its op kinds, in order of first use', () => {
    expect(['npu0.systolic-array', 'pim12', 'asic0', 'xpu0', 'gpu1', 'accelerator'].map(deviceKindFromId)).toEqual(['npu', 'pim', 'asic', 'xpu', 'gpu', undefined]);
    const lanes = ganttLanes(synthetic(3), kindOf);
    expect(lanes.map((l) => [l.device, l.opKind, l.deviceKind])).toEqual([
      ['npu0', null, 'npu'], ['npu0', 'gemm', 'npu'], ['pim0', null, 'pim'], ['pim0', 'gemv', 'pim'], ['asic0', null, 'asic'], ['asic0', 'softmax', 'asic'],
    ]);
    // 3 GEMMs of 60 ns, not back to back: 3 intervals and 180 ns busy
    expect(lanes[0]).toMatchObject({ busyNs: 180 });
    expect(lanes[0]!.intervals).toHaveLength(3);
  });

  it('busy time counts overlapping ops of a lane once; a merge gap joins ops closer than it', () => {
    const ops: GanttOp[] = [
      { id: 'a', kind: 'k', device: 'pim0', startNs: 0, endNs: 10 },
      { id: 'b', kind: 'k', device: 'pim0', startNs: 5, endNs: 15 },
      { id: 'c', kind: 'k', device: 'pim0', startNs: 20, endNs: 30 },
    ];
    const [device] = ganttLanes(ops, kindOf);
    expect(device!.busyNs).toBe(15 + 10);
    expect(device!.intervals.map((iv) => [iv.startNs, iv.endNs, iv.ops.length])).toEqual([[0, 15, 2], [20, 30, 1]]);
    expect(ganttLanes(ops, kindOf, 5)[0]!.intervals.map((iv) => [iv.startNs, iv.endNs, iv.ops.length])).toEqual([[0, 30, 3]]);
  });

  it('SVG of 15,000 ops: ops less than half a pixel apart share a rectangle, every device kind in its colour, utilisation per device', () => {
    const ops = synthetic(5000);
    const svg = ganttChart(spec(ops));
    expect(wellFormed(svg)).toBe(true);
    // 500 µs over about 700 px: ops 100 ns apart merge, so each lane is one rectangle
    expect(count(svg, /class="busy"/g)).toBe(3);
    expect(count(svg, /class="op"/g)).toBe(3);
    for (const k of ['npu', 'pim', 'asic'] as const) expect(svg).toContain(`fill="${DEVICE_STYLE[k].fill}"`);
    expect(textOf(svg, 'lane device')).toEqual(['npu0 (all ops)', 'pim0 (all ops)', 'asic0 (all ops)']);
    // busy shares of the 499,990 ns span: 60 %, 90 %, 10 %
    expect(textOf(svg, 'share').filter((_, i) => i % 2 === 0)).toEqual(['60.0 %', '90.0 %', '10.0 %']);
    expect(svg).toContain('5000 gemm ops from 0 to 500 µs, busy 300 µs');
    expect(svg.length).toBeLessThan(20_000);
  });

  it('plotly: one bar per op up to the limit; beyond it, ops merge over the smallest gap that fits, and the caption says so', () => {
    const few = ganttPlotlyFigure(spec(synthetic(100)), 'caption');
    const bars = (f: ReturnType<typeof ganttPlotlyFigure>) => (f.data.slice(1) as Array<{ x: number[] }>).reduce((s, t) => s + t.x.length, 0);
    expect(bars(few)).toBe(300);
    expect(few.caption).not.toMatch(/share one/);
    const ops = synthetic(1000);
    expect(plotlyMergeGapNs(ops, kindOf, 3000)).toBe(0);
    // span 99,990 ns (the last GEMV ends there); gaps tried: 1e-5 of it (~1 ns), then x4: at ~16 ns the GEMVs (10 ns apart) merge, at ~64 ns
    // the GEMMs (40 ns apart), at ~256 ns the softmaxes (90 ns apart): 3 bars, the first count within 600
    const gap = plotlyMergeGapNs(ops, kindOf, 600);
    expect(gap).toBeCloseTo(99_990e-5 * 256, 6);
    const merged = ganttPlotlyFigure(spec(ops), 'caption', 600);
    expect(bars(merged)).toBe(3);
    expect(merged.caption).toMatch(/The 3,000 ops are drawn as \d+ bars: ops of a row less than [\d.]+ µs apart share one/);
    const hover = (merged.data[1] as { hovertext: string[] }).hovertext;
    expect(hover.some((h) => /^npu0 · \d+ gemm ops from /.test(h))).toBe(true);
    // the busy row is never merged beyond back-to-back ops: it keeps the device's utilisation exact
    expect((merged.data[0] as { x: number[] }).x).toHaveLength(1000 + 1000 + 1000);
  });
});

let dir: string;
let duplex: RunReport;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-gantt-'));
  const out = join(dir, 'duplex.json');
  vi.spyOn(console, 'log').mockImplementation(() => {});
  expect(main(['run', '--policy', 'duplex', '--system', 'duplex', '--model', 'llama3-8b', '--phase', 'decode', '--batch', '8', '--context', '512', '--out', out, '--quiet'])).toBe(0);
  vi.restoreAllMocks();
  duplex = validateReport(JSON.parse(readFileSync(out, 'utf8')), out) as RunReport;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Gantt of a Duplex run (strata run --policy duplex: ops on the xPU and the logic-die PIM)', () => {
  it('lanes for xpu0 and pim0 in the xPU and PIM colours, and the time axis names the Duplex step model', () => {
    const svg = deviceTimelineChart(duplex);
    expect(textOf(svg, 'lane device').sort()).toEqual(['pim0 (all ops)', 'xpu0 (all ops)']);
    expect(svg).toContain(`fill="${DEVICE_STYLE.xpu.fill}"`);
    expect(svg).toContain(`fill="${DEVICE_STYLE.pim.fill}"`);
    expect(textOf(svg, 'axis-label x')).toEqual(['Simulated time from the start of the run (µs; Duplex step model, no cycle clock)']);
    expect(svg).toMatch(/Duplex 2 x \(xPU \+ logic-pim\)/);
  });

  it('plotly: every op of the step is a bar (below the limit), split into xPU and PIM traces', () => {
    const [timeline] = runPlotlyFigures(duplex);
    const traces = timeline!.data as Array<{ name: string; x: number[] }>;
    expect(traces.map((t) => t.name)).toEqual(['busy (ops back to back)', 'xPU op', 'PIM op']);
    expect(traces[1]!.x.length + traces[2]!.x.length).toBe(duplex.timeline.ops.length);
    expect(runGanttSpec(duplex).ops).toHaveLength(duplex.timeline.ops.length);
  });
});
