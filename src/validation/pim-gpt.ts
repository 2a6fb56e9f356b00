import { loadDevice, runOpsOnDevice, energyJoules } from '../systems/baseline/roofline.ts';
import { buildOpGraph } from '../compiler/lower.ts';
import { loadModel, parameterCount } from '../compiler/model.ts';
import { decodeStep } from '../compiler/step.ts';
import { loadPimGptSystem, pimGptGenerate, type PimGptEnergy } from '../systems/pim-gpt/pim-gpt.ts';
import type { Headline, Parts } from './sensitivity.ts';

/** The eight models PIM-GPT evaluates (paper abstract: "8 GPT models with up to 1.4 billion parameters"). */
export const PIM_GPT_MODELS = ['gpt2-small', 'gpt2-medium', 'gpt2-large', 'gpt2-xl', 'gpt3-small', 'gpt3-medium', 'gpt3-large', 'gpt3-xl'] as const;

/** Headline ranges of the npj / v2 paper (Wu, Wang, Lu, npj Unconventional Computing 2024; arXiv 2310.09385v2, abstract). */
export const PIM_GPT_PAPER = { speedupGpu: [41, 137], speedupCpu: [631, 1074], efficiencyGpu: [123, 383], efficiencyCpu: [320, 602] } as const;

/** One model's comparison row. */
export interface PimGptRow {
  model: string;
  /** Mean generated-token latency on PIM-GPT and the share of it in PIM MAC work vs the ASIC. */
  pimTokenUs: number;
  pimShare: number;
  /** Mean per-token latency split (ps): PIM MACs, PIM data movement, PIM row activation/precharge, refresh, ASIC. */
  time: { mac: number; movement: number; row: number; refresh: number; asic: number };
  pimTokenUj: number;
  energy: PimGptEnergy;
  gpu: Record<string, { tokenUs: number; tokenUj: number; speedup: number; efficiency: number }>;
  /** The T4 under the `graphs` profile (a serving engine replaying CUDA graphs), beside the paper's eager setup. */
  t4Graphs?: { tokenUs: number; speedup: number; tokenUj: number; efficiency: number };
}

/**
 * The models a PIM-GPT sensitivity study reruns by default: the smallest and the largest of `models` by parameter
 * count (each assumption end reruns every model's generation, so the ends of the range stand for the rest).
 */
export function sensitivityModels(models: readonly string[]): string[] {
  const sized = models.map((m) => ({ m, n: parameterCount(loadModel(m)) })).sort((a, b) => a.n - b.n || a.m.localeCompare(b.m));
  return [...new Set([sized[0]!.m, sized[sized.length - 1]!.m])];
}

/** PIM-GPT's side of a row: mean generated-token latency, its split, and energy per token by component. */
export type PimGptSide = Pick<PimGptRow, 'pimTokenUs' | 'pimShare' | 'time' | 'pimTokenUj' | 'energy'> & { readonly meanTokenPs: number };

/** Runs `promptTokens` + `tokens` of `modelName` on the shipped PIM-GPT system and averages over the generated tokens. */
export function pimGptSide(modelName: string, promptTokens: number, tokens: number): PimGptSide {
  const system = loadPimGptSystem();
  const model = loadModel(modelName);
  const g = pimGptGenerate(system, model, promptTokens, tokens);
  const n = g.generated.length;
  const energy: PimGptEnergy = { activate: 0, arrayRead: 0, mac: 0, io: 0, buffers: 0, refresh: 0, background: 0, asic: 0 };
  const time = { mac: 0, movement: 0, row: 0, refresh: 0, asic: 0 };
  let pim = 0;
  for (const t of g.generated) {
    pim += t.pimPs;
    time.mac += t.path.mac / n;
    time.movement += t.path.movement / n;
    time.row += t.path.row / n;
    time.refresh += t.path.refresh / n;
    time.asic += t.path.asic / n;
    for (const k of Object.keys(energy) as (keyof PimGptEnergy)[]) energy[k] += t.energy[k] / n;
  }
  const tokenPj = Object.values(energy).reduce((a, b) => a + b, 0);
  return { meanTokenPs: g.meanTokenPs, pimTokenUs: g.meanTokenPs / 1e6, pimShare: pim / n / g.meanTokenPs, time, pimTokenUj: tokenPj / 1e6, energy };
}

/** A baseline's side of a row: the decode step at the mean decode position of the run, in ps and uJ. */
export function pimGptBaselineSide(device: string, modelName: string, promptTokens: number, tokens: number, profile: 'eager' | 'graphs' = 'eager'): { ps: number; uj: number } {
  const model = loadModel(modelName);
  const ops = buildOpGraph(model, decodeStep([promptTokens + Math.floor(tokens / 2)]));
  const d = loadDevice(device);
  // The paper measured its GPU and CPU with PyTorch launching kernel by kernel: the eager profile by default.
  const run = runOpsOnDevice(d, ops, model.precisionBytes, { profile });
  return { ps: run.totalPs, uj: energyJoules(d, run.totalPs) * 1e6 };
}

/**
 * Runs `promptTokens` + `tokens` on PIM-GPT and, for the mean decode position, the same decode step on the
 * analytical baselines; speed-up = baseline time / PIM-GPT time per token, energy efficiency = baseline
 * energy / PIM-GPT energy per token (baselines: board power x time).
 */
export function comparePimGpt(modelName: string, promptTokens: number, tokens: number, baselines: readonly string[] = PIM_GPT_BASELINES): PimGptRow {
  const pim = pimGptSide(modelName, promptTokens, tokens);
  const gpu: PimGptRow['gpu'] = {};
  for (const name of baselines) {
    const b = pimGptBaselineSide(name, modelName, promptTokens, tokens);
    gpu[name] = { tokenUs: b.ps / 1e6, tokenUj: b.uj, speedup: b.ps / pim.meanTokenPs, efficiency: b.uj / pim.pimTokenUj };
  }
  const graphs = pimGptBaselineSide('gpu-t4', modelName, promptTokens, tokens, 'graphs');
  const { meanTokenPs: _, ...side } = pim;
  return { model: modelName, ...side, gpu, t4Graphs: { tokenUs: graphs.ps / 1e6, speedup: graphs.ps / pim.meanTokenPs, tokenUj: graphs.uj, efficiency: graphs.uj / pim.pimTokenUj } };
}

/** The baselines of the table: the T4 (the paper's GPU), an A100 and a CPU. */
export const PIM_GPT_BASELINES = ['gpu-t4', 'gpu-a100-40gb', 'cpu-xeon'] as const;

/**
 * The comparison as parts for a sensitivity study (src/validation/sensitivity.ts): PIM-GPT per model and each
 * baseline per model, with headlines speed-up and energy efficiency of PIM-GPT over the T4 (eager, the paper's setup, and
 * graphs, a serving engine's) and the CPU (eager) per model.
 */
export function pimGptSensitivityParts(models: readonly string[], promptTokens: number, tokens: number): { parts: Parts; headlines: Headline[] } {
  const parts: Record<string, () => unknown> = {};
  const headlines: Headline[] = [];
  const p = PIM_GPT_PAPER;
  for (const m of models) {
    parts[`pim ${m}`] = () => pimGptSide(m, promptTokens, tokens);
    const pim = (r: Readonly<Record<string, unknown>>) => r[`pim ${m}`] as PimGptSide;
    for (const [device, profile, label, speed, eff] of [
      ['gpu-t4', 'eager', 'T4 eager', `${p.speedupGpu[0]}-${p.speedupGpu[1]}x (GPU)`, `${p.efficiencyGpu[0]}-${p.efficiencyGpu[1]}x (GPU)`],
      ['gpu-t4', 'graphs', 'T4 graphs', '', ''],
      ['cpu-xeon', 'eager', 'CPU eager', `${p.speedupCpu[0]}-${p.speedupCpu[1]}x`, `${p.efficiencyCpu[0]}-${p.efficiencyCpu[1]}x`],
    ] as const) {
      const key = `${device} ${profile} ${m}`;
      parts[key] = () => pimGptBaselineSide(device, m, promptTokens, tokens, profile);
      const base = (r: Readonly<Record<string, unknown>>) => r[key] as { ps: number; uj: number };
      headlines.push({ name: `${m} speed-up vs ${label}`, paper: speed, value: (r) => base(r).ps / pim(r).meanTokenPs });
      headlines.push({ name: `${m} energy efficiency vs ${label}`, paper: eff, value: (r) => base(r).uj / pim(r).pimTokenUj });
    }
  }
  return { parts, headlines };
}

/**
 * Title of `strata validate pim-gpt`'s table: it names the baseline profile of every column (issue #14, "Done when":
 * each paper table states the profile it uses and shows the paper's setup beside a serving engine's).
 */
export const PIM_GPT_TABLE_TITLE = "### PIM-GPT: 64-token prompt, 64 generated tokens, batch 1; baselines at the mean decode position, under the 'eager' profile (the paper's setup) and the T4 also under 'graphs' (a serving engine)";

/** The Markdown table of docs/validation.md. */
export function formatPimGptTable(rows: readonly PimGptRow[]): string {
  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    '| model | PIM-GPT us/token | PIM share | uJ/token | T4 eager us/token | T4 graphs us/token | speed-up vs T4 eager | vs T4 graphs | vs A100 eager | vs CPU eager | energy eff. vs T4 eager | vs T4 graphs | vs A100 eager | vs CPU eager |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const t4 = r.gpu['gpu-t4']!;
    const a100 = r.gpu['gpu-a100-40gb']!;
    const cpu = r.gpu['cpu-xeon']!;
    const g = r.t4Graphs;
    const graphsUs = g ? f(g.tokenUs) : '–';
    const graphsSpeedup = g ? `${f(g.speedup)}x` : '–';
    const graphsEfficiency = g ? `${f(g.efficiency)}x` : '–';
    lines.push(`| ${r.model} | ${f(r.pimTokenUs)} | ${f(100 * r.pimShare)} % | ${f(r.pimTokenUj)} | ${f(t4.tokenUs)} | ${graphsUs} | ${f(t4.speedup)}x | ${graphsSpeedup} | ${f(a100.speedup)}x | ${f(cpu.speedup)}x | ${f(t4.efficiency)}x | ${graphsEfficiency} | ${f(a100.efficiency)}x | ${f(cpu.efficiency)}x |`);
  }
  const p = PIM_GPT_PAPER;
  lines.push(`| paper (npj) | | | | | | ${p.speedupGpu[0]}-${p.speedupGpu[1]}x (GPU) | | | ${p.speedupCpu[0]}-${p.speedupCpu[1]}x | ${p.efficiencyGpu[0]}-${p.efficiencyGpu[1]}x (GPU) | | | ${p.efficiencyCpu[0]}-${p.efficiencyCpu[1]}x |`);
  lines.push('', "Baselines: the decode step at the mean decode position on the analytical kernel model (docs/baselines.md). 'eager' launches kernel by kernel from PyTorch, as the paper measured its GPU and CPU; 'graphs' replays the step as a CUDA graph, as a serving engine runs it. PIM-GPT: every DRAM and PIM command of every token at a cycle its GDDR6 constraint table allows (repeated channel programs simulated once and reused exactly); ASIC operations analytical (lanes, clock, pipeline latency). Energy: each baseline its board power x time; PIM-GPT per command (IDD energy per all-bank activation and refresh, cell energy per bit of every MAC16's array reads, a per-MAC energy, DRAM datapath and link energy per bit of buffer writes and result reads, global buffer and result latches per byte) plus active standby (IDD3N) of every channel for the whole token, and the ASIC per element operation and SRAM access.");
  lines.push('', 'Latency per token along its critical path by component (share of the mean token time) and energy per token by component (share of the total):', '');
  lines.push('| model | PIM MAC | PIM data movement | PIM row act./pre. | refresh | ASIC | activate | array reads | MAC | buffer/result I/O | global buffer, latches | refresh | standby | ASIC |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const tt = r.time.mac + r.time.movement + r.time.row + r.time.refresh + r.time.asic;
    const et = Object.values(r.energy).reduce((a, b) => a + b, 0);
    const pc = (x: number, total: number) => `${((100 * x) / total).toFixed(1)} %`;
    const e = r.energy;
    lines.push(`| ${r.model} | ${pc(r.time.mac, tt)} | ${pc(r.time.movement, tt)} | ${pc(r.time.row, tt)} | ${pc(r.time.refresh, tt)} | ${pc(r.time.asic, tt)} | ${pc(e.activate, et)} | ${pc(e.arrayRead, et)} | ${pc(e.mac, et)} | ${pc(e.io, et)} | ${pc(e.buffers, et)} | ${pc(e.refresh, et)} | ${pc(e.background, et)} | ${pc(e.asic, et)} |`);
  }
  return lines.join('\n');
}
