/**
 * The showcase of `npm start` (`strata demo`): one small run of each of the three papers' comparisons, with the
 * functions of `strata validate` (docs/validation.md): the PIM-GPT and NeuPIMs cases are cells of its tables (same
 * settings, same numbers); the Duplex serving run is a smaller version of its serving table (16 requests of
 * 256 + 64 tokens where the table serves 64 of 256 + 256):
 * - PIM-GPT: GPT-2 XL, a 64-token prompt and 64 generated tokens on PIM-GPT (GDDR6 in-bank PIM + ASIC) against
 *   the T4 the paper measured (eager, as the paper ran it) and under CUDA graphs;
 * - NeuPIMs: one decode iteration of GPT-3 7B at batch 256 (ShareGPT-like contexts) against NPU-only and the
 *   naive NPU+PIM baseline, as the hardware allows it and as the authors' simulator runs it;
 * - Duplex: 16 Mixtral-8x7B requests (256 tokens in, 64 out, Poisson 8 requests/s) served with continuous batching
 *   on Duplex against two H100s.
 * This module holds the showcase's data and its pure tables (what viz draws); src/validation/showcase.ts runs it.
 */
import type { PimGptRow } from '../validation/pim-gpt.ts';
import type { NeuPimsRow } from '../validation/neupims.ts';
import type { ServingRow } from '../validation/duplex.ts';

/** What the showcase runs: each study's case, as the validation commands name them. */
export const SHOWCASE_CASES = Object.freeze({
  pimGpt: { model: 'gpt2-xl', promptTokens: 64, tokens: 64 },
  neupims: { model: 'neupims-gpt3-7b', dataset: 'sharegpt-like', batch: 256 },
  duplex: { model: 'mixtral-8x7b', lin: 256, lout: 64, count: 16, qps: 8, maxBatch: 64, seed: 'showcase' },
} as const);

/** The three studies' results. */
export interface Showcase {
  readonly pimGpt: PimGptRow;
  readonly neupims: NeuPimsRow;
  readonly duplex: ServingRow;
}

/** One line of the showcase table: a system's result and, for a baseline, how the studied system compares. */
export interface ShowcaseLine {
  readonly study: string;
  readonly system: string;
  readonly value: number;
  readonly unit: string;
  /** The studied system's advantage over this one (> 1: the studied system is better); null on the studied system's own line. */
  readonly advantage: number | null;
  /** The studied system's short name (`PIM-GPT`). */
  readonly studied: string;
}

/** How a baseline line compares: `PIM-GPT 29.86x faster`, `NeuPIMs 1.27x slower`; empty on the studied system's line. */
export function advantageText(l: ShowcaseLine): string {
  if (l.advantage === null) return '';
  return l.advantage >= 1 ? `${l.studied} ${l.advantage.toFixed(2)}x faster` : `${l.studied} ${(1 / l.advantage).toFixed(2)}x slower`;
}

/** The showcase as table lines, per study: the studied system first, then its baselines. */
export function showcaseLines(s: Showcase): ShowcaseLine[] {
  const p = s.pimGpt;
  const t4 = p.gpu['gpu-t4']!;
  const n = s.neupims;
  const dx = s.duplex.systems.duplex;
  const gpu = s.duplex.systems.gpu;
  const pimStudy = 'PIM-GPT · GPT-2 XL · per generated token';
  const neuStudy = `NeuPIMs · GPT-3 7B · decode, batch ${n.batch}`;
  const dxStudy = `Duplex · Mixtral-8x7B · ${s.duplex.count} requests served`;
  const P = { study: pimStudy, studied: 'PIM-GPT', unit: 'us/token' };
  const N = { study: neuStudy, studied: 'NeuPIMs', unit: 'tokens/s' };
  const D = { study: dxStudy, studied: 'Duplex', unit: 'output tokens/s' };
  const lines: ShowcaseLine[] = [
    { ...P, system: 'PIM-GPT (GDDR6 in-bank PIM + ASIC)', value: p.pimTokenUs, advantage: null },
    { ...P, system: "T4, eager (the paper's setup)", value: t4.tokenUs, advantage: t4.speedup },
    { ...P, system: 'T4, CUDA graphs', value: p.t4Graphs!.tokenUs, advantage: p.t4Graphs!.speedup },
    { ...N, system: 'NeuPIMs (dual row buffers, sub-batch interleaving)', value: n.neupims, advantage: null },
    { ...N, system: 'NPU-only', value: n.npuOnly, advantage: n.neupims / n.npuOnly },
    { ...N, system: 'naive NPU+PIM (as the hardware allows)', value: n.blocked, advantage: n.neupims / n.blocked },
    { ...N, system: "naive NPU+PIM (as the authors' simulator runs it)", value: n.authorsNaive!, advantage: n.neupims / n.authorsNaive! },
  ];
  if (dx) lines.push({ ...D, system: `Duplex (xPU + logic-die PIM), ${dx.devices} devices`, value: dx.outputTokensPerS, advantage: null });
  if (dx && gpu) lines.push({ ...D, system: `${gpu.devices} x H100`, value: gpu.outputTokensPerS, advantage: dx.outputTokensPerS / gpu.outputTokensPerS });
  return lines;
}

const num = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));

/** The showcase table for the terminal: one block per study, the advantage of the studied system over each baseline. */
export function formatShowcase(s: Showcase): string {
  const lines = showcaseLines(s);
  const sysW = Math.max(...lines.map((l) => l.system.length));
  const numW = Math.max(...lines.map((l) => num(l.value).length));
  const unitW = Math.max(...lines.map((l) => l.unit.length));
  const out: string[] = [];
  let study = '';
  for (const l of lines) {
    if (l.study !== study) {
      if (study) out.push('');
      out.push(l.study);
      study = l.study;
    }
    out.push(`  ${l.system.padEnd(sysW)}  ${num(l.value).padStart(numW)} ${l.unit.padEnd(unitW)}  ${advantageText(l)}`.trimEnd());
  }
  const dx = s.duplex.systems.duplex;
  const gpu = s.duplex.systems.gpu;
  if (dx && gpu) out.push(`  latency p50: Duplex ${Math.round(dx.e2eP50Ms)} ms end to end, ${gpu.devices} x H100 ${Math.round(gpu.e2eP50Ms)} ms`);
  return out.join('\n');
}
