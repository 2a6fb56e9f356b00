import { describe, it, expect } from 'vitest';
import { loadDevice } from '../../src/systems/baseline/roofline.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { generateRequests, parseRequestsCsv } from '../../src/compiler/requests.ts';
import { rooflineStepCost } from '../../src/systems/baseline/roofline-step-cost.ts';
import { simulateServing, type PrefillMode } from '../../src/serving/serving-loop.ts';
import { servingReport, SERVING_REPORT_SCHEMA, formatServingSummary } from '../../src/report/serving-report.ts';
import { servingCsvFiles, servingRequestsCsv, servingStepsCsv, SERVING_REQUEST_COLUMNS, SERVING_STEP_COLUMNS } from '../../src/report/serving-csv.ts';
import { reportCsvFiles } from '../../src/report/csv.ts';
import { matchesReportSchema, validateReport } from '../../src/report/schema.ts';
import { readReport } from '../../src/report/dram-report-file.ts';
import { errorOf } from '../helpers.ts';

const model = loadModel('llama3-8b');
const device = loadDevice('gpu-a100-80gb');
const set = generateRequests({ count: 20, lengths: 'alpaca-like', seed: 3, arrivals: { kind: 'poisson', qps: 20 } });

function build(prefill: PrefillMode = 'whole') {
  const costModel = rooflineStepCost(model, device, { seed: '3' });
  const result = simulateServing({ requests: set.requests, model, costModel, maxBatch: 8, prefill, chunkTokens: prefill === 'chunked' ? 64 : undefined });
  return servingReport({ result, model, costModel, requestedSystem: 'gpu-a100-80gb', requestSet: set, seed: '3' });
}

describe('the serving report', () => {
  const rep = build();

  it('follows the schema and is byte-identical when rebuilt', () => {
    const json = JSON.parse(JSON.stringify(rep));
    expect(validateReport(json, 'serve.json').schema).toBe(SERVING_REPORT_SCHEMA);
    expect(matchesReportSchema(json)).toBe(true);
    expect(JSON.stringify(build())).toBe(JSON.stringify(rep));
    expect(validateReport(JSON.parse(JSON.stringify(build('chunked'))), 'chunked.json').schema).toBe(SERVING_REPORT_SCHEMA);
  });

  it('the schema catches a wrong field by name', () => {
    const bad = JSON.parse(JSON.stringify(rep));
    bad.steps[2].batch = 0;
    expect(errorOf(() => validateReport(bad, 's.json'))).toMatch(/^s\.json: field 'steps\[2\]\.batch': expected an integer > 0, found 0/);
    delete bad.steps[2].batch;
    bad.requests[0].ttftNs = -1;
    expect(errorOf(() => validateReport(bad, 's.json'))).toMatch(/field 'requests\[0\]\.ttftNs': expected a number >= 0, found -1/);
  });

  it('records what ran: system, model, workload with its streams, scheduler and memory', () => {
    expect(rep.system).toMatchObject({ name: 'gpu-a100-80gb', requested: 'gpu-a100-80gb', file: 'arch/systems/gpu-a100-80gb.json', costModel: 'gpu-roofline' });
    expect(rep.model).toMatchObject({ name: 'llama3-8b', file: 'workloads/models/llama3-8b.json', kvBytesPerToken: 131_072 });
    expect(rep.workload).toMatchObject({ origin: 'alpaca-like', requests: 20, arrivals: 'poisson', qps: 20, seed: '3', streams: ['requests.lengths.3', 'requests.arrivals.3'] });
    expect(rep.scheduler).toEqual({ admission: 'fcfs', maxBatch: 8, prefill: 'whole', chunkTokens: null, kvReservation: 'lifetime', preemption: false });
    expect(rep.memory.kvCapacityBytes).toBe(device.capacityBytes - device.reservedBytes - rep.memory.weightBytes!); // the runtime's reserve is not for KV
    expect(rep.memory.kvCapacitySource).toBe('device');
  });

  it('totals agree with the per-request and per-step records', () => {
    const t = rep.totals;
    expect(t.outputTokens).toBe(set.requests.reduce((a, q) => a + q.outputTokens, 0));
    expect(rep.steps.reduce((a, s) => a + s.prefillTokens + s.decodeTokens, 0)).toBe(t.inputTokens + t.outputTokens - t.requests);
    expect(t.busyNs).toBeCloseTo(rep.steps.reduce((a, s) => a + s.timeNs, 0), 3);
    expect(t.spanNs).toBeCloseTo(t.lastFinishNs - t.firstArrivalNs, 3);
    expect(t.idleNs).toBeCloseTo(t.spanNs - t.busyNs, 3);
    expect(t.outputTokensPerS).toBeCloseTo(t.outputTokens / (t.spanNs / 1e9), 6);
    expect(rep.latency.ttft.count).toBe(20);
    expect(rep.latency.tbt.count).toBe(t.outputTokens - t.requests);
    expect(rep.latency.ttft.maxNs).toBe(Math.max(...rep.requests.map((q) => q.ttftNs)));
    expect(rep.latency.e2e.p50Ns).toBe([...rep.requests.map((q) => q.e2eNs)].sort((a, b) => a - b)[9]); // rank ceil(0.5 x 20) = 10
    for (const q of rep.requests) {
      expect(q.ttftNs).toBeLessThanOrEqual(q.e2eNs);
      expect(q.ttftNs).toBeCloseTo(q.firstTokenNs - q.arrivalNs, 3);
      if (q.outputTokens === 1) expect(q.tbtP50Ns).toBeNull();
      else expect(q.tbtP99Ns).toBeGreaterThanOrEqual(q.tbtP50Ns!);
    }
    expect(rep.energy.joules).toBeCloseTo(device.boardPowerW * t.busyNs / 1e9, 9);
    expect(rep.devices).toEqual([{ id: 'gpu0', busyNs: t.busyNs, utilisation: t.busyNs / t.spanNs }]);
  });

  it('reads a request file: origin is the file, arrivals come from it', () => {
    const fileSet = parseRequestsCsv('id,arrival_ns,input_tokens,output_tokens\nx,0,10,3\ny,5000,20,2\n', 'workloads/requests/mine.csv');
    const costModel = rooflineStepCost(model, device);
    const result = simulateServing({ requests: fileSet.requests, model, costModel });
    const r = servingReport({ result, model, costModel, requestedSystem: 'gpu-a100-80gb', requestSet: fileSet, seed: '0' });
    expect(r.workload).toMatchObject({ origin: 'workloads/requests/mine.csv', arrivals: 'file', qps: null, requests: 2, meanInputTokens: 15, meanOutputTokens: 2.5 });
    expect(r.requests.map((q) => q.arrivalNs)).toEqual([0, 5000]);
  });

  it('the saved fixture (test/fixtures/reports/serving-llama3-8b-h100.json) still reads back', () => {
    const saved = readReport('test/fixtures/reports/serving-llama3-8b-h100.json');
    expect(saved.schema).toBe(SERVING_REPORT_SCHEMA);
    if (saved.schema === SERVING_REPORT_SCHEMA) expect(saved.totals.requests).toBe(12);
  });

  it('prints a summary with the percentiles', () => {
    const text = formatServingSummary(rep);
    expect(text).toMatch(/^Strata serve — llama3-8b on gpu-a100-80gb \(gpu-roofline, profile graphs\), 20 alpaca-like requests, Poisson 20 requests\/s, seed 3\n/);
    expect(text).toMatch(/\n {2}TTFT {9}p50 .* p90 .* p99 /);
    expect(text).toMatch(/\n {2}TBT {10}p50 /);
  });
});

describe('serving CSV exports', () => {
  const rep = build();
  it('requests.csv and steps.csv: a header of report fields, one row per request and per step', () => {
    const req = servingRequestsCsv(rep).split('\n');
    expect(req[0]).toBe(SERVING_REQUEST_COLUMNS.join(','));
    expect(req).toHaveLength(rep.requests.length + 2); // header, rows, final empty line
    const first = rep.requests[0]!;
    expect(req[1]).toBe(SERVING_REQUEST_COLUMNS.map((c) => (first[c] === null ? '' : String(first[c]))).join(','));
    const steps = servingStepsCsv(rep).split('\n');
    expect(steps[0]).toBe('index,startNs,timeNs,batch,prefillRequests,decodeRequests,prefillTokens,decodeTokens,waiting,admitted,kvBytesInUse,kvBytesReserved,energyPj');
    expect(steps).toHaveLength(rep.steps.length + 2);
    expect(servingCsvFiles(rep).map((f) => f.name)).toEqual(['requests.csv', 'steps.csv']);
    expect(reportCsvFiles(rep)).toEqual(servingCsvFiles(rep));
    expect(SERVING_STEP_COLUMNS).toHaveLength(13);
  });
});
