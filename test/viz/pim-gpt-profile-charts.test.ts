import { describe, it, expect } from 'vitest';
import { pimGptFigureData, type FigureData } from '../../src/report/figure-data.ts';
import { PIM_GPT_PAPER, type PimGptRow } from '../../src/validation/pim-gpt.ts';
import { pimGptEfficiencyChart, pimGptSpeedupChart, pimGptSubtitle } from '../../viz/figure-charts.ts';
import { figureDataPlotlyFigures } from '../../viz/figures-plotly.ts';
import { textOf } from './svg-checks.ts';

/*
 * Issue #14: a paper's chart states the baseline profile it uses and shows the paper's setup beside a serving
 * engine's. `strata figures` draws PIM-GPT's ratios over the T4 under 'eager' (the paper's setup) and under 'graphs'
 * (a serving engine). The panels used to read 'vs gpu-t4' and 'vs gpu-t4 graphs' under a subtitle that called every
 * baseline 'PyTorch eager', so the reader could not tell which T4 the paper's range belongs to.
 */

/** A row with round numbers (no simulation): the T4 600 us eager, 400 us graphs; PIM-GPT 10 us. */
function row(): PimGptRow {
  const side = (tokenUs: number, tokenUj: number) => ({ tokenUs, tokenUj, speedup: tokenUs / 10, efficiency: tokenUj / 4 });
  return {
    model: 'gpt2-small', pimTokenUs: 10, pimShare: 0.5, pimTokenUj: 4,
    time: { mac: 1, movement: 1, row: 1, refresh: 0, asic: 1 },
    energy: { activate: 1, arrayRead: 1, mac: 1, io: 0, buffers: 0, refresh: 0, background: 1, asic: 0 },
    gpu: { 'gpu-t4': side(600, 42), 'gpu-a100-40gb': side(500, 200), 'cpu-xeon': side(300, 105) },
    t4Graphs: side(400, 28),
  };
}

const baselines = [
  { name: 'gpu-t4', kind: 'gpu', description: '' },
  { name: 'gpu-a100-40gb', kind: 'gpu', description: '' },
  { name: 'cpu-xeon', kind: 'cpu', description: '' },
] as const;
const data: FigureData = pimGptFigureData([row()], { promptTokens: 64, tokens: 64, baselines, paper: PIM_GPT_PAPER, paperGpu: 'gpu-t4', paperCpu: 'cpu-xeon' }, { sha256: '0'.repeat(64), files: [] });

describe("PIM-GPT charts name each baseline's profile", () => {
  it("each panel says which profile its baseline runs: the paper's range sits on the 'eager' T4", () => {
    for (const svg of [pimGptSpeedupChart(data), pimGptEfficiencyChart(data)]) {
      expect(textOf(svg, 'panel-title')).toEqual(['vs gpu-t4 eager (GPU)', 'vs gpu-a100-40gb eager (GPU)', 'vs cpu-xeon eager (CPU)', 'vs gpu-t4 graphs (GPU)']);
    }
    // The serving-engine T4's bars: 400 us / 10 us and 28 uJ / 4 uJ.
    expect(pimGptSpeedupChart(data)).toContain('vs gpu-t4 graphs 40.0x–40.0x');
    expect(pimGptEfficiencyChart(data)).toContain('vs gpu-t4 graphs 7.0x–7.0x');
  });

  it("the subtitle names both profiles, not 'PyTorch eager' for every baseline", () => {
    const line = pimGptSubtitle(data);
    expect(line).toContain("under 'eager' (PyTorch kernel by kernel, as the paper measured)");
    expect(line).toContain("'gpu-t4 graphs': the T4 as a serving engine runs it (CUDA graphs)");
  });

  it('the interactive twin on figures.html titles its panels the same way', () => {
    const fig = figureDataPlotlyFigures(data).find((f) => f.name === 'pim-gpt-speedup')!;
    const titles = ((fig.layout as { annotations: Array<{ text: string }> }).annotations).map((a) => a.text.replace(/<\/?b>/g, '')).filter((t) => t.startsWith('vs '));
    expect(titles.map((t) => t.split(' · ')[0])).toEqual(['vs gpu-t4 eager (GPU)', 'vs gpu-a100-40gb eager (GPU)', 'vs cpu-xeon eager (CPU)', 'vs gpu-t4 graphs (GPU)']);
  });

  it("the baselines table's time column names the model that makes it, not 'roofline'", () => {
    const t = data.tables.find((x) => x.name === 'baselines')!;
    expect(t.columns.find((c) => c.name === 'tokenUs')!.description).toBe("baseline time per token (the analytical kernel model of docs/baselines.md under the row's profile)");
  });
});
