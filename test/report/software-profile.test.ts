import { describe, it, expect, vi, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { generateRequests } from '../../src/compiler/requests.ts';
import { loadDevice } from '../../src/systems/baseline/roofline.ts';
import { rooflineStepCost } from '../../src/systems/baseline/roofline-step-cost.ts';
import { duplexStepCostModel } from '../../src/systems/duplex/duplex-serving.ts';
import { loadDuplexSystem } from '../../src/systems/duplex/duplex-system.ts';
import { neupimsStepCostModel } from '../../src/systems/neupims/neupims-serving.ts';
import { loadNeuPimsSystem } from '../../src/systems/neupims/neupims-system.ts';
import { simulateServing } from '../../src/serving/serving-loop.ts';
import { loadStepCostModel } from '../../src/systems/registry.ts';
import { runMain } from '../helpers.ts';
import { servingReport, formatServingSummary } from '../../src/report/serving-report.ts';
import { validateReport } from '../../src/report/schema.ts';
import { loadLogicPim } from '../../src/pim/logic-pim.ts';
import { tsvStreamCost } from '../../src/pim/logic-pim-tsv.ts';
import { neupimsFigureData, pimGptFigureData, tableRecords } from '../../src/report/figure-data.ts';
import { comparePimGpt, PIM_GPT_BASELINES, PIM_GPT_PAPER } from '../../src/validation/pim-gpt.ts';

/*
 * Every report whose numbers rest on a GPU/CPU baseline names the software profile it used (issue #14): `eager`
 * (PyTorch launching kernel by kernel, 18,239 ns of host time per kernel on the shipped GPU presets) and `graphs`
 * (CUDA graphs, no host launch) give different times for the same step, so a number without its profile cannot
 * be checked. Run reports carry `system.softwareProfile`; serving reports carry it where a preset times the steps.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-profile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in-process; returns its printed lines and the JSON report it wrote. */
function cli(name: string, argv: string[]): { out: string; report: Record<string, any> } {
  const file = join(dir, `${name}.json`);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    expect(main([...argv, '--out', file]), error.mock.calls.join('\n')).toBe(0);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  return { out: lines.join('\n'), report: JSON.parse(readFileSync(file, 'utf8')) };
}

describe('strata run reports record the software profile', () => {
  const base = ['run', '--system', 'gpu-t4', '--model', 'gpt2-small', '--phase', 'decode', '--context', '64'];

  it("the preset's default (graphs on the T4) when none is named, with its host launch; the header says it", () => {
    const { out, report } = cli('t4-default', base);
    expect(report.system.softwareProfile).toEqual({
      name: 'graphs', hostLaunchNs: 0,
      description: 'the decoder\'s kernels replayed from one CUDA graph per step: no host launch per kernel',
    });
    expect(out.split('\n')[0]).toMatch(/, fp16, GPU profile graphs$/);
    expect(validateReport(report, 'r.json').schema).toBe('strata.run-report/1');
  });

  it('--profile eager: named in the report with its 18,239 ns host launch, and the step is slower by it', () => {
    const graphs = cli('t4-graphs', [...base, '--profile', 'graphs']).report;
    const { out, report } = cli('t4-eager', [...base, '--profile', 'eager']);
    expect(report.system.softwareProfile.name).toBe('eager');
    expect(report.system.softwareProfile.hostLaunchNs).toBe(18239);
    expect(out.split('\n')[0]).toMatch(/GPU profile eager$/);
    // gpt2-small at batch 1: the host's launches (kernels x 18.2 us) take longer than the GPU's kernels.
    expect(report.totals.timeNs).toBeGreaterThan(1.5 * graphs.totals.timeNs);
  });

  it('a CPU preset names its own default (eager)', () => {
    const { out, report } = cli('cpu', ['run', '--system', 'cpu-xeon', '--model', 'gpt2-small', '--phase', 'decode', '--context', '16']);
    expect(report.system.softwareProfile.name).toBe('eager');
    expect(report.system.softwareProfile.hostLaunchNs).toBe(0);
    expect(out.split('\n')[0]).toMatch(/CPU profile eager$/);
  });

  it("a Duplex run names its xPU's profile", () => {
    const { out, report } = cli('duplex', ['run', '--system', 'duplex', '--model', 'gpt2-small', '--phase', 'decode', '--context', '64']);
    expect(report.policy).toBe('duplex');
    expect(report.system.softwareProfile.name).toBe('graphs');
    expect(out.split('\n')[0]).toMatch(/xPU profile graphs$/);
    expect(validateReport(report, 'd.json').schema).toBe('strata.run-report/1');
  });

  it('a run report written before the field (without it) still validates', () => {
    const { report } = cli('old', base);
    delete report.system.softwareProfile;
    expect(validateReport(report, 'old.json').schema).toBe('strata.run-report/1');
  });
});

describe('serving reports record the profile where a GPU/CPU preset times the steps', () => {
  const set = generateRequests({ count: 4, lengths: { kind: 'fixed', inputTokens: 16, outputTokens: 4 }, seed: 1, arrivals: { kind: 'at-zero' } });
  const serve = (model: ReturnType<typeof loadModel>, costModel: Parameters<typeof simulateServing>[0]['costModel']) => {
    const result = simulateServing({ requests: set.requests, model, costModel, maxBatch: 4, prefill: 'whole' });
    return servingReport({ result, model, costModel, requestedSystem: costModel.system, requestSet: set, seed: '1' });
  };

  it('gpu-roofline: the profile asked for, in the report and the header', () => {
    const model = loadModel('gpt2-small');
    const rep = serve(model, rooflineStepCost(model, loadDevice('gpu-a100-40gb'), { profile: 'eager' }));
    expect(rep.system.softwareProfile).toMatchObject({ name: 'eager', hostLaunchNs: 18239 });
    expect(formatServingSummary(rep).split('\n')[0]).toContain('(gpu-roofline, profile eager)');
    expect(validateReport(JSON.parse(JSON.stringify(rep)), 's.json').schema).toBe('strata.serving-report/1');
  });

  it('the registry threads a profile to the GPU/CPU cost model (strata serve --profile) and refuses it for Duplex', () => {
    const model = loadModel('gpt2-small');
    expect(loadStepCostModel('gpu-t4', model, { seed: '0', profile: 'eager' }).softwareProfile).toMatchObject({ name: 'eager', hostLaunchNs: 18239 });
    expect(loadStepCostModel('gpu-t4', model, { seed: '0' }).softwareProfile?.name).toBe('graphs');
    expect(() => loadStepCostModel('duplex', model, { seed: '0', profile: 'eager' })).toThrow(/^--profile: does not apply to system 'duplex': Duplex-family systems run their xPU ops under the xPU preset's default profile/);
    // strata run refuses it on Duplex as well, rather than timing the step under 'graphs' with the flag ignored
    const r = runMain(['run', '--system', 'duplex', '--model', 'gpt2-small', '--phase', 'decode', '--context', '8', '--profile', 'eager']);
    expect([r.code, r.err]).toEqual([2, "strata: run: --profile applies to gpu-roofline; Duplex-family systems run their xPU ops under the xPU preset's default profile and charge no host launch (src/systems/duplex/duplex-step.ts)"]);
  });

  it("duplex: the xPU's profile; the description says what is simulated and what extrapolated", () => {
    const model = loadModel('gpt2-small');
    const rep = serve(model, duplexStepCostModel(loadDuplexSystem('duplex'), model));
    expect(rep.system.softwareProfile?.name).toBe('graphs');
    // arch/pim/logic-pim.json simulation.tileRequestsPerChannel = 256: streams up to two tiles are simulated.
    expect(rep.system.description).toContain('simulated command by command through the HBM DRAM model up to 512 requests per channel');
    expect(rep.system.description).toContain('longer streams extrapolated at the simulated steady-state rate');
    expect(rep.system.description).toContain("xPU ops analytical (the gpu-h100-sxm kernel model under its 'graphs' profile");
  });

  it('neupims: no GPU preset, no profile; the description says the NPU GEMMs are closed-form and names the test that bounds them', () => {
    const model = loadModel('neupims-gpt3-7b');
    const rep = serve(model, neupimsStepCostModel(loadNeuPimsSystem('neupims'), model));
    expect(rep.system.softwareProfile).toBeUndefined();
    expect(rep.system.description).toContain('NPU GEMMs closed-form');
    expect(rep.system.description).toContain('test/npu/neupims-gemm-timing.test.ts');
    expect(validateReport(JSON.parse(JSON.stringify(rep)), 'n.json').schema).toBe('strata.serving-report/1');
  });
});

describe('figure data of the paper comparisons name the GPU profile and show a serving engine beside the paper', () => {
  const inputs = { sha256: '0'.repeat(64), files: [] };

  it("PIM-GPT: every baseline row says 'eager' (the paper's setup); the T4 under 'graphs' is a row of its own", () => {
    const row = comparePimGpt('gpt2-small', 8, 2);
    const baselines = PIM_GPT_BASELINES.map((name) => ({ name, kind: loadDevice(name).kind, description: '' }));
    const d = pimGptFigureData([row], { promptTokens: 8, tokens: 2, baselines, paper: PIM_GPT_PAPER, paperGpu: 'gpu-t4', paperCpu: 'cpu-xeon' }, inputs);
    expect(validateReport(JSON.parse(JSON.stringify(d)), 'pim-gpt.json').schema).toBe('strata.figure-data/1');
    const t = tableRecords(d.tables.find((x) => x.name === 'baselines')!);
    expect(t.map((r) => [r.baseline, r.profile])).toEqual([['gpu-t4', 'eager'], ['gpu-a100-40gb', 'eager'], ['cpu-xeon', 'eager'], ['gpu-t4 graphs', 'graphs']]);
    // The same step without the host's 18 us launch per kernel: the serving-engine T4 is faster, so PIM-GPT's lead shrinks.
    const t4 = t.find((r) => r.baseline === 'gpu-t4')!;
    const graphs = t.find((r) => r.baseline === 'gpu-t4 graphs')!;
    expect(graphs.tokenUs as number).toBeLessThan(t4.tokenUs as number);
    expect(graphs.speedup as number).toBeCloseTo((row.t4Graphs!.tokenUs) / row.pimTokenUs, 9);
    // energy is board power x time on both: 70 W
    expect((graphs.tokenUj as number) / (graphs.tokenUs as number)).toBeCloseTo(70, 9);
    expect(d.parameters.baselineProfile).toBe('eager');
    expect(d.description).toContain("under the 'eager' profile");
  }, 120_000);

  it("NeuPIMs: GPU-only 'eager' (the paper's) and 'graphs' columns, and a summary row for each", () => {
    const row = { model: 'm', dataset: 'alpaca-like', batch: 4, devices: 1, meanContext: 10, gpu: 100, gpuGraphs: 125, npuOnly: 50, blocked: 80, neupims: 100, interleaveOff: 100, interleaveOn: 100, interleaved: false } as const;
    const u = { model: 'm', batch: 4, runs: [] };
    const d = neupimsFigureData([row], u, { datasets: ['alpaca-like'], batches: [4], gpu: 'gpu-a100-40gb', paper: { gpu: 3, npuOnly: 1.5, npuPim: 1.6 }, utilisationDataset: 'alpaca-like' }, inputs);
    const t = tableRecords(d.tables.find((x) => x.name === 'throughput')!)[0]!;
    expect([t.gpuTokensPerS, t.gpuGraphsTokensPerS, t.overGpu, t.overGpuGraphs]).toEqual([100, 125, 1, 0.8]);
    const paper = tableRecords(d.tables.find((x) => x.name === 'paper')!);
    expect(paper.map((r) => r.gain).slice(0, 2)).toEqual(["NeuPIMs / GPU-only ('eager', the paper's setup)", "NeuPIMs / GPU-only ('graphs', a serving engine)"]);
    expect(d.parameters.gpuProfile).toBe('eager');
  });
});

describe("the Duplex labels' claim about PIM streams holds", () => {
  it('streams up to two tiles are simulated; longer ones continue at the rate between one and two tiles (extrapolated)', () => {
    const spec = loadLogicPim('logic-pim');
    const tile = spec.tileRequestsPerChannel; // 256 in arch/pim/logic-pim.json
    const c = (n: number) => tsvStreamCost(spec, n).cycles;
    const perRequest = (c(2 * tile) - c(tile)) / tile;
    for (const n of [2 * tile + 1, 3 * tile, 10 * tile, 100 * tile]) {
      const expected = c(2 * tile) + (n - 2 * tile) * perRequest;
      expect(Math.abs(c(n) - expected), `${n} requests per channel`).toBeLessThanOrEqual(1);
    }
  });
});
