import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import {
  duplexFigureData,
  figureDataCsvFiles,
  figureDataMarkdown,
  neupimsFigureData,
  type FigureData,
  type FigureInputs,
} from '../../src/report/figure-data.ts';
import { validateReport } from '../../src/report/schema.ts';
import type { NeuPimsRow, NeuPimsUtilisation } from '../../src/validation/neupims.ts';
import type { DecodeResult, DecodeRow, ServingResultRow, ServingRow } from '../../src/validation/duplex.ts';
import { DUPLEX_ENERGY_METHOD_NOTE, duplexEnergyChart, duplexLatencyCdfChart, duplexThroughputChart } from '../../viz/duplex-charts.ts';
import { FIGURE_CHARTS, figureCharts, pimGptTokenGanttChart } from '../../viz/figure-charts.ts';
import { neupimsInterleavingChart, neupimsSpeedupChart, neupimsThroughputChart, neupimsUtilisationChart } from '../../viz/neupims-charts.ts';
import { count, deepFreeze, textOf, wellFormed } from './svg-checks.ts';
import { esc, textWidth } from '../../viz/svg.ts';
import { fixtureReport } from './fixtures.ts';

const load = (name: string) => fixtureReport(join('test/fixtures/reports', name)) as FigureData;
/** `strata figures` data files (test/fixtures/reports/README.md): small NeuPIMs and Duplex subsets, eight PIM-GPT models. */
const neupims = load('figure-data-neupims.json');
const duplex = load('figure-data-duplex.json');
const pimGpt = load('figure-data-pim-gpt.json');

describe('charts of the NeuPIMs, Duplex and PIM-GPT token sets', () => {
  const all: Array<[string, FigureData]> = [
    ...FIGURE_CHARTS.neupims!.map((c) => [c.name, neupims] as [string, FigureData]),
    ...FIGURE_CHARTS.duplex!.map((c) => [c.name, duplex] as [string, FigureData]),
    ['pim-gpt-token-gantt', pimGpt],
  ];
  for (const [name, data] of all) {
    it(`${name}: matches its snapshot`, async () => {
      const chart = figureCharts(data).find((c) => c.name === name)!;
      await expect(chart.render(data)).toMatchFileSnapshot(`__snapshots__/${name}.svg`);
    });
  }

  it('every chart is well formed, titled, has axis titles with units and no NaN; frozen data, same bytes twice', () => {
    for (const [name, data] of all) {
      const chart = figureCharts(data).find((c) => c.name === name)!;
      const svg = chart.render(deepFreeze(structuredClone(data)));
      expect(wellFormed(svg), name).toBe(true);
      expect(textOf(svg, 'chart-title'), name).toHaveLength(1);
      expect(textOf(svg, 'axis-label x')[0], name).toMatch(/\((ms|µs|requests|Lin\/Lout)/);
      expect(textOf(svg, 'axis-label y'), name).toHaveLength(1);
      expect(svg, name).not.toMatch(/NaN|undefined|Infinity|\[object/);
      expect(chart.render(structuredClone(data)), name).toBe(svg);
    }
  });

  it('NeuPIMs throughput: a panel per model, a bar per system and case, tooltips with the table values', () => {
    const svg = neupimsThroughputChart(neupims);
    expect(textOf(svg, 'panel-title')).toEqual(['neupims-gpt3-7b', 'neupims-gpt3-13b']);
    // 2 models x 2 request sets x 2 batches, 4 systems each
    expect(count(svg, /class="bar"/g)).toBe(8 * 4);
    expect(textOf(svg, 'outer')).toEqual(['sharegpt-like', 'alpaca-like', 'sharegpt-like', 'alpaca-like']);
    const t = neupims.tables.find((x) => x.name === 'throughput')!;
    const first = t.rows[0]!;
    expect(svg).toContain(`>${first[0]}, ${first[1]} batch ${first[2]}, NeuPIMs (dual row buffers): ${Math.round(first[8] as number).toLocaleString('en-US')} tokens/s</title>`);
  });

  it("NeuPIMs gains: three bars per case and the paper's 3x, 2.4x and 1.6x as lines in every panel, with parity", () => {
    const svg = neupimsSpeedupChart(neupims);
    expect(count(svg, /class="bar"/g)).toBe(8 * 3);
    expect(count(svg, /<line class="reference"/g)).toBe(2 * 4);
    expect(textOf(svg, 'reference-label').slice(0, 4)).toEqual(['3x', '2.4x', '1.6x', '1x']);
    expect(svg).toContain('paper: NeuPIMs 2.4x NPU-only');
  });

  it('NeuPIMs interleaving: off and on per case; batches where the preset interleaves are starred', () => {
    const svg = neupimsInterleavingChart(neupims);
    expect(count(svg, /class="bar" data-series="off"/g)).toBe(8);
    expect(count(svg, /class="bar" data-series="on"/g)).toBe(8);
    // the preset interleaves from batch 256
    expect(textOf(svg, 'group')).toEqual(['64', '256*', '64', '256*', '64', '256*', '64', '256*']);
  });

  it('NeuPIMs utilisation: NPU and PIM rows of both systems, one bar per busy interval, shares from the utilisation table', () => {
    const svg = neupimsUtilisationChart(neupims);
    expect(textOf(svg, 'lane')).toEqual(['npu-pim-blocked · NPU', 'npu-pim-blocked · PIM', 'neupims · NPU', 'neupims · PIM']);
    const intervals = neupims.tables.find((x) => x.name === 'busy-intervals')!.rows;
    expect(count(svg, /class="busy"/g)).toBe(intervals.length);
    const u = neupims.tables.find((x) => x.name === 'utilisation')!.rows;
    expect(textOf(svg, 'share')).toEqual(u.flatMap((r) => [`${(100 * (r[3] as number)).toFixed(1)} %`, `${(100 * (r[4] as number)).toFixed(1)} %`]));
    // the blocked system's units never work at once: one row buffer
    const blocked = intervals.filter((r) => r[0] === 'npu-pim-blocked').map((r) => [r[3] as number, r[4] as number]).sort((a, b) => a[0]! - b[0]!);
    for (let i = 1; i < blocked.length; i++) expect(blocked[i]![0]).toBeGreaterThanOrEqual(blocked[i - 1]![1]! - 1e-9);
    expect(count(svg, /class="end"/g)).toBe(2);
  });

  it("Duplex throughput and energy: 4 systems over the GPU's per uniform/dense case, the paper's lines, OOM where empty", () => {
    const svg = duplexThroughputChart(duplex);
    // mixtral (MoE: uniform cases only) and llama3-70b (dense): 4 cases each, 4 systems each
    expect(textOf(svg, 'panel-title')).toEqual(['mixtral-8x7b (D = 2)', 'llama3-70b (D = 4)']);
    expect(count(svg, /class="bar"/g)).toBe(8 * 4);
    expect(textOf(svg, 'reference-label').slice(0, 2)).toEqual(['2.67x', '1x']);
    const decode = duplex.tables.find((t) => t.name === 'decode')!;
    const r = decode.rows[0]!;
    expect(svg).toContain(`Lin/Lout 256/256, batch 32: Duplex (duplex) throughput ${((r[7] as number) / (r[8] as number)).toFixed(2)}x the GPU&#39;s`);
    const energy = duplexEnergyChart(duplex);
    expect(textOf(energy, 'reference-label').slice(0, 2)).toEqual(['0.58x', '1x']);
    // The energy chart says how energy is charged (issue #14 item 6); the throughput chart has no such line.
    expect(textOf(energy, 'chart-note')).toEqual([esc(DUPLEX_ENERGY_METHOD_NOTE)]);
    expect(DUPLEX_ENERGY_METHOD_NOTE).toContain('at board power for the whole step, also while it waits for PIM');
    expect(textWidth(DUPLEX_ENERGY_METHOD_NOTE, 10.5)).toBeLessThanOrEqual(960 - 40); // one line inside the chart
    expect(textOf(svg, 'chart-note')).toEqual([]);
    // a system out of memory: no bar, an OOM label and its legend line
    const oom = structuredClone(duplex) as unknown as { tables: Array<{ name: string; rows: unknown[][] }> };
    const rows = oom.tables.find((t) => t.name === 'decode')!.rows;
    rows[0]![10] = null; // bankPimTokensPerS of the first case
    const svgOom = duplexThroughputChart(oom as unknown as FigureData);
    expect(count(svgOom, /class="bar"/g)).toBe(8 * 4 - 1);
    expect(textOf(svgOom, 'missing')).toEqual(['OOM']);
    expect(textOf(svgOom, 'missing-legend')[0]).toMatch(/^OOM: the system/);
    // The paper's setup (authors' charge) beside the serving engine's best, when the data file has its row.
    const withAuthors = structuredClone(duplex) as unknown as { tables: Array<{ name: string; rows: unknown[][] }> };
    withAuthors.tables.find((t) => t.name === 'paper')!.rows.push(["Duplex / GPU decode throughput, best case, the paper's setup (authors' charge)", 'x', 3.27, 2.67]);
    expect(duplexThroughputChart(withAuthors as unknown as FigureData)).toContain('Duplex&#39;s best: 2.26x the GPU under a serving engine&#39;s charge (&#39;graphs&#39;), 3.27x under the paper&#39;s setup (the authors&#39; charge).');
  });

  it('Duplex latency CDFs: a row per serving case, a panel per metric, a line per system', () => {
    const svg = duplexLatencyCdfChart(duplex);
    expect(textOf(svg, 'case-title')).toEqual(['mixtral-8x7b, Lin/Lout 256/256']);
    expect(textOf(svg, 'panel-title')).toEqual(['time to first token', 'mean time between tokens', 'end to end']);
    expect(count(svg, /<g class="series"/g)).toBe(3 * 5);
    // the staircase reaches 100 %: every one of the 32 requests is counted
    expect(svg).toMatch(/Duplex, time to first token: 32 requests, p50 [\d.,]+ ms/);
  });

  it('PIM-GPT token Gantt: a PIM lane (32 channels) and an ASIC lane with their op kinds', () => {
    const svg = pimGptTokenGanttChart(pimGpt);
    const lanes = textOf(svg, 'lane device');
    expect(lanes).toEqual(['asic (all ops)', 'pim (32 channels) (all ops)']);
    const kinds = textOf(svg, 'lane');
    expect(kinds).toEqual(expect.arrayContaining(['qkv-proj', 'attn-score', 'ffn-down', 'lm-head', 'softmax', 'norm']));
    expect(svg).toMatch(/and \d+ more that ran it identically/);
    // a data file written before the token timeline existed has no Gantt
    const old = { ...pimGpt, tables: pimGpt.tables.filter((t) => t.name !== 'token-timeline') };
    expect(figureCharts(old).map((c) => c.name)).not.toContain('pim-gpt-token-gantt');
    expect(figureCharts(pimGpt).map((c) => c.name)).toContain('pim-gpt-token-gantt');
  });
});

const INPUTS: FigureInputs = { sha256: '0'.repeat(64), files: [] };

describe('figure-data builders of the NeuPIMs and Duplex sets', () => {
  const row = (batch: number, interleaved: boolean, tps: [number, number, number, number], off: number, on: number, gpuGraphs?: number): NeuPimsRow => ({
    model: 'm', dataset: 'alpaca-like', batch, devices: 4, meanContext: 40, gpu: tps[0], npuOnly: tps[1], blocked: tps[2], neupims: tps[3], interleaveOff: off, interleaveOn: on, interleaved,
    ...(gpuGraphs === undefined ? {} : { gpuGraphs }),
  });
  const util: NeuPimsUtilisation = {
    model: 'm', batch: 128,
    runs: [
      { system: 'npu-pim-blocked', subBatchInterleaving: false, timePs: 4e6, npuUtilisation: 0.5, pimUtilisation: 0.5, intervals: [{ unit: 'npu', label: 'pre L0', startPs: 0, endPs: 2e6 }, { unit: 'pim', label: 'attention L0', startPs: 2e6, endPs: 4e6 }] },
      { system: 'neupims', subBatchInterleaving: true, timePs: 3e6, npuUtilisation: 1, pimUtilisation: 0.5, intervals: [{ unit: 'npu', label: 'pre1 L0', startPs: 0, endPs: 3e6 }] },
    ],
  };
  const params = { datasets: ['alpaca-like'], batches: [64, 128], gpu: 'gpu-a100-80gb', paper: { gpu: 3, npuOnly: 2.4, npuPim: 1.6 }, utilisationDataset: 'alpaca-like' };

  it('NeuPIMs: gains per case, geometric means beside the paper, intervals in µs; valid against the schema', () => {
    // NeuPIMs 200 tokens/s over 100 and 400: gains 2 and 0.5, geometric mean 1
    const d = neupimsFigureData([row(64, false, [100, 50, 200, 200], 200, 100), row(128, true, [400, 100, 100, 200], 100, 200)], util, params, INPUTS);
    expect(validateReport(JSON.parse(JSON.stringify(d)), 'neupims')).toEqual(d);
    const t = d.tables.find((x) => x.name === 'throughput')!;
    expect(t.rows.map((r) => r.slice(10))).toEqual([[2, 4, 1, null, null], [0.5, 2, 2, null, null]]);
    // With the GPU also timed under 'graphs', the last two columns are its tokens/s and NeuPIMs' gain over it, and the
    // paper table gains a 'graphs' summary row (NeuPIMs 200 tokens/s over 400 and 100: 0.5 and 2, geometric mean 1).
    const g = neupimsFigureData([row(64, false, [100, 50, 200, 200], 200, 100, 400), row(128, true, [400, 100, 100, 200], 100, 200, 100)], util, params, INPUTS);
    expect(validateReport(JSON.parse(JSON.stringify(g)), 'neupims')).toEqual(g);
    expect(g.tables.find((x) => x.name === 'throughput')!.rows.map((r) => r.slice(13))).toEqual([[400, 0.5], [100, 2]]);
    const graphsRow = g.tables.find((x) => x.name === 'paper')!.rows.find((r) => r[1] === 'gpu-only graphs');
    expect(graphsRow?.slice(2, 5)).toEqual([1, 0.5, 2]);
    const paper = d.tables.find((x) => x.name === 'paper')!.rows;
    expect(paper[0]).toEqual(["NeuPIMs / GPU-only ('eager', the paper's setup)", 'gpu-only', 1, 0.5, 2, 3]);
    expect(paper[3]!.slice(2)).toEqual([1, 0.5, 2, null]);
    expect(d.tables.find((x) => x.name === 'utilisation')!.rows).toEqual([['npu-pim-blocked', false, 4, 0.5, 0.5], ['neupims', true, 3, 1, 0.5]]);
    expect(d.tables.find((x) => x.name === 'busy-intervals')!.rows[1]).toEqual(['npu-pim-blocked', 'pim', 'attention L0', 2, 4]);
    expect(d.references.map((r) => [r.appliesTo[0], r.max])).toEqual([['gpu-only', 3], ['npu-only', 2.4], ['npu-pim-blocked', 1.6]]);
    expect(d.command).toBe('strata validate neupims --models m --batches 64,128 --datasets alpaca-like');
  });

  const result = (tokensPerS: number, joulesPerToken: number): DecodeResult => ({ devices: 2, stepPs: 1e9, tokensPerS, joulesPerToken, serialPs: 1e9 });
  const systems = [
    { key: 'duplex', preset: 'duplex', label: 'Duplex', times: 1 },
    { key: 'gpu', preset: 'duplex-gpu', label: 'GPU', times: 1 },
    { key: 'gpu2', preset: 'duplex-gpu', label: '2xGPU', times: 2 },
    { key: 'bankPim', preset: 'bank-pim', label: 'bank-PIM', times: 1 },
    { key: 'bgPim', preset: 'bg-pim', label: 'BG-PIM', times: 1 },
  ] as const;
  const dparams = {
    systems, batches: [32], lengths: ['256:256'], servingModels: ['m'], servingLengths: ['256:256'], count: 2, qps: 8, maxBatch: 64,
    paper: { throughputOverGpu: 2.67, energySavingVsGpu: 0.4203, source: 'Duplex abstract' },
  };

  it('Duplex: wide decode rows with OOM as empty cells, headline numbers, serving and per-request rows', () => {
    const decode: DecodeRow[] = [
      { model: 'm', lin: 256, lout: 256, batch: 32, routing: 'dense', context: 384, devices: 2, systems: { duplex: result(300, 0.1), gpu: result(100, 0.5), gpu2: result(150, 0.6), bankPim: null, bgPim: result(200, 0.2) } },
      { model: 'm', lin: 256, lout: 256, batch: 64, routing: 'dense', context: 384, devices: 2, systems: { duplex: result(400, 0.1), gpu: result(200, 0.2), gpu2: result(400, 0.3), bankPim: result(100, 0.1), bgPim: result(100, 0.1) } },
    ];
    const served: ServingResultRow = {
      devices: 2, steps: 10, outputTokensPerS: 50, meanBatch: 2, ttftP50Ms: 1, ttftP99Ms: 2, tbtP50Ms: 3, tbtP99Ms: 4, e2eP50Ms: 5, e2eP99Ms: 6, joulesPerOutputToken: 0.5,
      requests: [{ id: '0', arrivalMs: 0, ttftMs: 1, e2eMs: 5, tbtMeanMs: 3, tbtP99Ms: 4 }, { id: '1', arrivalMs: 10, ttftMs: 2, e2eMs: 6, tbtMeanMs: null, tbtP99Ms: null }],
    };
    const serving: ServingRow[] = [{ model: 'm', lin: 256, lout: 256, count: 2, qps: 8, maxBatch: 64, seed: '0', systems: { duplex: served, gpu: served, gpu2: served, bankPim: null, bgPim: served } }];
    const d = duplexFigureData(decode, serving, dparams, INPUTS);
    expect(validateReport(JSON.parse(JSON.stringify(d)), 'duplex')).toEqual(d);
    // The data file says how its energy per token is charged (issue #14 item 6), as the validation page does.
    expect(d.description).toContain('energy per token = step energy / B (every xPU at its board power for the whole step, also while it waits for PIM; PIM per bit on the DRAM path and per MAC; links between devices per bit)');
    const t = d.tables.find((x) => x.name === 'decode')!;
    const cols = t.columns.map((c) => c.name);
    expect(cols.slice(7)).toEqual([
      'duplexTokensPerS', 'gpuTokensPerS', 'gpu2TokensPerS', 'bankPimTokensPerS', 'bgPimTokensPerS', 'overGpu', 'overGpu2', 'overBankPim', 'overBgPim',
      'duplexJoulesPerToken', 'gpuJoulesPerToken', 'gpu2JoulesPerToken', 'bankPimJoulesPerToken', 'bgPimJoulesPerToken',
    ]);
    // 300 / 100, 300 / 150, OOM, 300 / 200
    expect(t.rows[0]!.slice(12, 16)).toEqual([3, 2, null, 1.5]);
    expect(t.rows[0]![cols.indexOf('bankPimJoulesPerToken')]).toBeNull();
    const paper = d.tables.find((x) => x.name === 'paper')!.rows;
    // best over the GPU 3x (paper 2.67x); geometric mean of 3 and 2 = sqrt(6); energy savings 0.8 and 0.5, mean 0.65
    expect(paper[0]!.slice(2)).toEqual([3, 2.67]);
    expect(paper[1]![2]).toBeCloseTo(Math.sqrt(6), 12);
    expect(paper[4]![2]).toBeCloseTo(0.65, 12);
    // serving: a row per system (by key: GPU and 2xGPU share the preset duplex-gpu), the OOM one empty; requests: 2 per system that fits
    const s = d.tables.find((x) => x.name === 'serving')!.rows;
    expect(s.map((r) => [r[3], r[4]])).toEqual([['duplex', 2], ['gpu', 2], ['gpu2', 2], ['bankPim', null], ['bgPim', 2]]);
    const q = d.tables.find((x) => x.name === 'requests')!.rows;
    expect(q).toHaveLength(2 * 4);
    expect(q[1]).toEqual(['m', 256, 256, 'duplex', '1', 10, 2, null, 6]);
  });

  it('Markdown prints short tables and names the CSV of long ones (over 100 rows)', () => {
    const md = figureDataMarkdown(duplex);
    expect(md).toContain('| key | preset | label | deviceMultiple |');
    expect(md).toContain('160 rows, columns `model`, `lin`, `lout`, `system`, `request`, `arrivalMs`, `ttftMs`, `tbtMeanMs`, `e2eMs`: see [`duplex-requests.csv`](duplex-requests.csv).');
    expect(figureDataCsvFiles(duplex).map((f) => f.name)).toContain('duplex-requests.csv');
    expect(figureDataMarkdown(neupims)).toContain('228 rows, columns `system`, `unit`, `label`, `startUs`, `endUs`: see [`neupims-busy-intervals.csv`](neupims-busy-intervals.csv).');
  });
});
