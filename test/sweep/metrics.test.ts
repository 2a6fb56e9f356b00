import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { metricColumns, readMetrics } from '../../src/sweep/metrics.ts';
import { runPoint } from '../../src/sweep/run-point.ts';
import { runMain } from '../helpers.ts';

/* The metric columns of run and serve points are read from the reports those commands write. */
const dir = mkdtempSync(join(tmpdir(), 'strata-sweep-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sweep metrics', () => {
  it('run: latency, throughput, energy and bandwidth from the run report', () => {
    const file = join(dir, 'run.json');
    expect(runMain(['run', '--system', 'gpu-h100-sxm', '--model', 'llama3-8b', '--phase', 'decode', '--batch', '4', '--context', '512', '--quiet', '--out', file]).code).toBe(0);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const m = readMetrics('run', report, ['latency', 'throughput', 'energy', 'bandwidth']);
    expect(Object.keys(m)).toEqual(metricColumns(['latency', 'throughput', 'energy', 'bandwidth']).map((c) => c.column));
    expect(m).toEqual({ latency_ns: report.totals.meanStepNs, tokens_per_s: report.totals.tokensPerS, joules_per_token: report.energy.joulesPerToken, bytes_per_s: report.totals.achievedBytesPerS });
    // A decode step of 4 requests makes 4 tokens: throughput = 4 / step time.
    expect(m.tokens_per_s).toBeCloseTo(4e9 / m.latency_ns!, 3);
  });

  it('serve: TTFT and TBT percentiles from the serving report', () => {
    const out = join(dir, 'serve');
    expect(runMain(['serve', '--system', 'gpu-h100-sxm', '--model', 'llama3-8b', '--requests', 'fixed:64:4', '--count', '4', '--quiet', '--out', out]).code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'serving-report.json'), 'utf8'));
    const m = readMetrics('serve', report, ['ttft', 'tbt']);
    expect(m).toEqual({
      ttft_p50_ns: report.latency.ttft.p50Ns, ttft_p90_ns: report.latency.ttft.p90Ns, ttft_p99_ns: report.latency.ttft.p99Ns,
      tbt_p50_ns: report.latency.tbt.p50Ns, tbt_p90_ns: report.latency.tbt.p90Ns, tbt_p99_ns: report.latency.tbt.p99Ns,
    });
    expect(m.ttft_p50_ns).toBeLessThanOrEqual(m.ttft_p99_ns!);
  });

  it('points run one after another in one worker each see only their own overrides (no spec kept between points)', async () => {
    const latency = async (bits?: number) => {
      const set = bits === undefined ? [] : ['--set', `pim.spec.datapath.busWidthBits=${bits}`];
      const r = await runPoint({ command: 'run', argv: ['run', '--system', 'duplex', '--model', 'mixtral-8x7b', '--phase', 'decode', '--batch', '32', '--context', '1024', '--set', 'pim.opPerByteThreshold=8', ...set], metrics: ['latency'] });
      if (r.status !== 'ok') throw new Error(r.error);
      return r.metrics.latency_ns!;
    };
    // Logic-PIM's datapath width: 64 bits is half the shipped 128, 256 twice it; the step gets faster with width.
    const narrow = await latency(64);
    const wide = await latency(256);
    const shipped = await latency();
    expect(wide).toBeLessThan(shipped);
    expect(shipped).toBeLessThan(narrow);
    expect(await latency(64)).toBe(narrow);
  });
});
