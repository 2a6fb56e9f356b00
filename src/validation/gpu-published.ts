import { join } from 'node:path';
import { opCost, runOpsOnDevice, type DevicePreset } from '../systems/baseline/roofline.ts';
import { buildOpGraph } from '../compiler/lower.ts';
import { loadModel } from '../compiler/model.ts';
import { decodeStep, prefillStep } from '../compiler/step.ts';
import type { Op } from '../ir/op.ts';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { readJsonFile } from '../spec/json-file.ts';
import { ARCH_DIR } from '../spec/package-root.ts';

/*
 * The T4 and A100 presets against PUBLISHED measurements (bench/gpu/published/*.json, one file per card, a source on
 * every point), with the discipline of the H100 calibration (src/validation/gpu.ts): parameters come from the
 * micro-level points only (a stream's bandwidth, the best matrix product, back-to-back small kernels), and the
 * step-level points (whole FasterTransformer generations, BERT encoders) are only checked.
 *
 * What the micro points give, and how (docs/baselines.md, "Published measurements"):
 * - memory efficiency: the `read` stream's GB/s over the datasheet bandwidth. A weight GEMV is a read stream; our
 *   H100 shows the two agree to about 2 % (its GEMV plateau 0.930 of the SXM5's pins, gpu-benches' H100 PCIe read
 *   stream 1,942 of 2,039 GB/s = 0.952).
 * - compute efficiency: the best product of a shape search (MAMF) bounds it from above. The H100's typical
 *   products reach 0.673 of peak (our fit) where its MAMF is 0.803, so the same table's A100 MAMF scales to
 *   0.673 x (A100 MAMF / H100 MAMF): a transfer, not a measurement of typical A100 products.
 * - kernel floor: the same back-to-back small-kernel benchmark on the A100 and on an H200 (the H100 SXM's chip)
 *   scales our H100 floor by the ratio of their times per kernel: again a transfer.
 */

/** Where the published measurement files live. */
export const PUBLISHED_DIR = join(ARCH_DIR, '..', 'bench', 'gpu', 'published');

/** The cards (and the CPU) with a published-measurement file, in the order `strata validate gpu` prints them. */
export const PUBLISHED_CARDS = ['a100-40gb', 'a100-80gb', 't4', 'xeon-8480'] as const;

/** One published bandwidth point: a streaming kernel over arrays far larger than the caches, or a device copy. */
export interface PublishedBandwidth {
  /** `read` (1 load stream), `init` (1 store), `scale` (1 load, 1 store), `triad` (2 loads, 1 store), `copy`. */
  readonly kernel: 'read' | 'init' | 'scale' | 'triad' | 'copy';
  /** Bytes read plus bytes written per second, 10^9. */
  readonly GBps: number;
  /** Bytes of one array (one copy's size); the stream kernels use 1 GiB arrays. */
  readonly bytesPerArray: number;
  /** `fit`: sets the memory efficiency; `check`: compared only. */
  readonly role: 'fit' | 'check';
  readonly source: string;
}

/** The best matrix product a shape search found on a card (bf16). */
export interface PublishedMatmul {
  readonly card: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly tflops: number;
  /** `bound` (this card: an upper bound on typical products) or `reference` (the H100 row the transfer scales by). */
  readonly role: 'bound' | 'reference';
  readonly source: string;
}

/** Back-to-back small kernels replayed from a CUDA graph: time per kernel = bytes / GB/s. */
export interface PublishedSmallKernel {
  readonly card: string;
  readonly bytesPerKernel: number;
  readonly GBps: number;
  readonly source: string;
}

/** One whole generation (context phase, then output - 1 decoder steps) of a serving engine; output 1 is the first token's latency. */
export interface PublishedGeneration {
  /** The engine and its setup (FasterTransformer, TensorRT-LLM). */
  readonly engine: string;
  /** Strata's model of the published one. */
  readonly model: string;
  readonly publishedModel: string;
  readonly batch: number;
  readonly input: number;
  readonly output: number;
  readonly ms: number;
  readonly source: string;
}

/** One BERT-base encoder run (batch x sequence), costed as the 12 layers of a gpt2-small prefill. */
export interface PublishedEncoder {
  readonly framework: string;
  readonly batch: number;
  readonly seq: number;
  readonly ms: number;
  readonly source: string;
}

/** A card's published measurements. */
export interface PublishedCard {
  readonly file: string;
  readonly card: string;
  /** The arch/systems preset they check. */
  readonly preset: string;
  readonly bandwidth: readonly PublishedBandwidth[];
  readonly matmul: readonly PublishedMatmul[];
  readonly smallKernels: readonly PublishedSmallKernel[];
  readonly generation: readonly PublishedGeneration[];
  readonly encoderEngine?: string;
  readonly encoder: readonly PublishedEncoder[];
}

const GIB = 1024 ** 3;
const count = { integer: true, positive: true };

/** Reads one published-measurement file (`name` of PUBLISHED_CARDS, or a path). Bad fields: one line naming them. */
export function loadPublishedCard(nameOrPath: string): PublishedCard {
  const file = nameOrPath.endsWith('.json') ? nameOrPath : join(PUBLISHED_DIR, `${nameOrPath}.json`);
  const r = FieldReader.root(file, readJsonFile(file));
  r.onlyKeys(['card', 'preset', 'description', 'bandwidth', 'matmul', 'smallKernels', 'generation', 'encoder']);
  const bandwidth = r.objects('bandwidth').map((b) => ({
    kernel: b.string('kernel', ['read', 'init', 'scale', 'triad', 'copy']) as PublishedBandwidth['kernel'],
    GBps: b.number('GBps', { positive: true }),
    bytesPerArray: b.optionalNumber('bytesPerArray', 128 * 1024 * 1024 * 8, count),
    role: b.string('role', ['fit', 'check']) as PublishedBandwidth['role'],
    source: b.string('source'),
  }));
  const matmul = r.objects('matmul').map((x) => ({
    card: x.string('card'), m: x.number('m', count), n: x.number('n', count), k: x.number('k', count),
    tflops: x.number('tflops', { positive: true }), role: x.string('role', ['bound', 'reference']) as PublishedMatmul['role'], source: x.string('source'),
  }));
  const smallKernels = r.objects('smallKernels').map((x) => ({
    card: x.string('card'), bytesPerKernel: x.number('bytesPerKernel', count), GBps: x.number('GBps', { positive: true }), source: x.string('source'),
  }));
  const generation = (r.has('generation') ? r.objects('generation') : []).flatMap((set) => set.objects('steps').map((s) => ({
    engine: set.string('engine'), model: s.string('model'), publishedModel: s.string('publishedModel'), batch: s.number('batch', count), input: s.number('input', count),
    output: s.number('output', count), ms: s.number('ms', { positive: true }), source: s.string('source'),
  })));
  const enc = r.has('encoder') ? r.object('encoder') : undefined;
  const encoder = enc ? enc.objects('steps').map((s) => ({
    framework: s.string('framework'), batch: s.number('batch', count), seq: s.number('seq', count), ms: s.number('ms', { positive: true }), source: s.string('source'),
  })) : [];
  return {
    file, card: r.string('card'), preset: r.string('preset'), bandwidth, matmul, smallKernels, generation, encoder,
    ...(enc ? { encoderEngine: enc.string('engine') } : {}),
  };
}

/** Bytes a stream kernel moves per pass: its arrays read plus written. */
function streamBytes(b: PublishedBandwidth): number {
  const arrays = { read: 1, init: 1, scale: 2, triad: 3, copy: 2 }[b.kernel];
  return arrays * b.bytesPerArray;
}

/** A kernel that moves `bytes` and computes nothing, as an op. */
function streamOp(bytes: number): Op {
  return {
    id: 'stream', kind: 'residual-add', cls: 'vector', layer: 0, expert: -1, m: 1, k: 1, n: 1, batch: 1, flops: 0,
    weightBytes: 0, activationReadBytes: bytes, activationWriteBytes: 0, kvReadBytes: 0, kvWriteBytes: 0, opPerByte: 0, deps: [],
  };
}

/** A bf16 matrix product as an op. */
function matmulOp(x: Pick<PublishedMatmul, 'm' | 'n' | 'k'>): Op {
  const flops = 2 * x.m * x.n * x.k;
  const bytes = 2 * (x.m * x.k + x.k * x.n + x.m * x.n);
  return {
    id: 'mm', kind: 'ffn-up', cls: 'gemm', layer: 0, expert: -1, m: x.m, k: x.k, n: x.n, batch: 1, flops,
    weightBytes: 2 * x.k * x.n, activationReadBytes: 2 * x.m * x.k, activationWriteBytes: 2 * x.m * x.n, kvReadBytes: 0, kvWriteBytes: 0,
    opPerByte: flops / bytes, deps: [],
  };
}

/** One compared point: the published value, Strata's, and the error. */
export interface PublishedRow {
  /** What was measured, in words (`read stream`, `GPT-1.3B b8 128+8`). */
  readonly point: string;
  readonly unit: 'GB/s' | 'TFLOP/s' | 'ms';
  readonly published: number;
  readonly strata: number;
  /** (Strata - published) / published, percent. */
  readonly errorPct: number;
  /** `fit` (sets a parameter), `bound` (an upper bound), `check` (compared only). */
  readonly role: 'fit' | 'bound' | 'check';
  readonly source: string;
}

const err = (strata: number, published: number) => (100 * (strata - published)) / published;

/** Micro-level rows: every bandwidth point (Strata's GB/s for the same bytes) and this card's best product. */
export function comparePublishedMicro(device: DevicePreset, data: PublishedCard): PublishedRow[] {
  const rows: PublishedRow[] = [];
  for (const b of data.bandwidth) {
    const bytes = streamBytes(b);
    const ps = opCost(device, streamOp(bytes), 'fp16', { profile: 'graphs' }).durationPs;
    const strata = bytes / (ps / 1e12) / 1e9;
    const gib = b.bytesPerArray / GIB;
    const size = b.kernel === 'copy' ? `${(b.bytesPerArray / 1e6).toFixed(0)} MB copy` : `${b.kernel} stream, ${Number.isInteger(gib) ? gib : gib.toFixed(2)} GiB arrays`;
    rows.push({ point: size, unit: 'GB/s', published: b.GBps, strata, errorPct: err(strata, b.GBps), role: b.role, source: b.source });
  }
  for (const x of data.matmul.filter((y) => y.role === 'bound')) {
    const ps = opCost(device, matmulOp(x), 'bf16', { profile: 'graphs' }).durationPs;
    const strata = (2 * x.m * x.n * x.k) / (ps / 1e12) / 1e12;
    rows.push({ point: `best bf16 product ${x.m}x${x.n}x${x.k}`, unit: 'TFLOP/s', published: x.tflops, strata, errorPct: err(strata, x.tflops), role: 'bound', source: x.source });
  }
  return rows;
}

/** Time of one generation on `device`: the context phase, then output - 1 decode steps (none for a first-token latency), ms. */
export function generationMs(device: DevicePreset, g: Pick<PublishedGeneration, 'model' | 'batch' | 'input' | 'output'>, profile: string): number {
  const model = loadModel(g.model);
  const run = (ops: readonly Op[]) => runOpsOnDevice(device, ops, model.precisionBytes, { profile }).totalPs;
  let ps = run(buildOpGraph(model, prefillStep(new Array<number>(g.batch).fill(g.input))));
  for (let j = 0; j < g.output - 1; j++) ps += run(buildOpGraph(model, decodeStep(new Array<number>(g.batch).fill(g.input + j))));
  return ps / 1e9;
}

/** Time of the 12 encoder layers of BERT-base as those of a gpt2-small prefill of the same batch and length, ms. */
export function encoderMs(device: DevicePreset, e: Pick<PublishedEncoder, 'batch' | 'seq'>, profile: string): number {
  const model = loadModel('gpt2-small');
  const ops = buildOpGraph(model, prefillStep(new Array<number>(e.batch).fill(e.seq))).filter((o) => o.layer >= 0);
  return runOpsOnDevice(device, ops, model.precisionBytes, { profile }).totalPs / 1e9;
}

/**
 * The software profile the step-level points run under: FasterTransformer launches fused C++ kernels, without
 * CUDA graphs or Python, so the `fused` profile (one kernel per op, no host launch counted) is the nearest.
 */
export const PUBLISHED_STEP_PROFILE = 'fused';

/** Step-level rows (only checked): every generation and encoder point. */
export function comparePublishedSteps(device: DevicePreset, data: PublishedCard, profile = PUBLISHED_STEP_PROFILE): PublishedRow[] {
  const rows: PublishedRow[] = [];
  for (const g of data.generation) {
    const strata = generationMs(device, g, profile);
    rows.push({ point: `${g.publishedModel} (${g.model}), batch ${g.batch}, ${g.input} in + ${g.output} out`, unit: 'ms', published: g.ms, strata, errorPct: err(strata, g.ms), role: 'check', source: g.source });
  }
  for (const e of data.encoder) {
    const strata = encoderMs(device, e, profile);
    rows.push({ point: `BERT-base (${e.framework}), batch ${e.batch}, ${e.seq} tokens`, unit: 'ms', published: e.ms, strata, errorPct: err(strata, e.ms), role: 'check', source: e.source });
  }
  return rows;
}

/**
 * Differences between two published generations of models with the same number of layers (and so the same
 * kernels per step), at the same batch and lengths: whatever the engine pays per kernel or per step (sampling,
 * host work) cancels, and what is left is the extra weights and FLOPs of the wider model. `rows` are
 * comparePublishedSteps' rows of `data`, in its order.
 */
export function comparePublishedDifferences(data: PublishedCard, rows: readonly PublishedRow[]): PublishedRow[] {
  const out: PublishedRow[] = [];
  const gens = data.generation.map((g, i) => ({ g, row: rows[i]!, layers: loadModel(g.model).layers }));
  for (const wide of gens) {
    for (const narrow of gens) {
      const same = wide.layers === narrow.layers && wide.g.model !== narrow.g.model && wide.g.engine === narrow.g.engine && wide.g.batch === narrow.g.batch && wide.g.input === narrow.g.input && wide.g.output === narrow.g.output;
      if (!same || wide.g.ms <= narrow.g.ms) continue;
      const published = wide.g.ms - narrow.g.ms;
      const strata = wide.row.strata - narrow.row.strata;
      out.push({
        point: `${wide.g.publishedModel} - ${narrow.g.publishedModel}, batch ${wide.g.batch}, ${wide.g.input} in + ${wide.g.output} out`, unit: 'ms', published, strata,
        errorPct: err(strata, published), role: 'check', source: `${wide.g.source}; ${narrow.g.source}`,
      });
    }
  }
  return out;
}

/** What the micro points say each parameter should be (undefined where the card's file has no such point). */
export interface PublishedFit {
  /** `read` stream GB/s over the datasheet bandwidth. */
  readonly memoryEfficiency?: number;
  /** This card's best product over its bf16 peak: an upper bound on the compute efficiency. */
  readonly computeEfficiencyBound?: number;
  /** The H100's fitted compute efficiency scaled by the ratio of the two cards' best products (each over its peak). */
  readonly computeEfficiencyTransfer?: number;
  /** The H100's fitted floor scaled by the ratio of the small-kernel times (this card over the H200). */
  readonly kernelFloorNsTransfer?: number;
  /** The H100 compute efficiency the transfer starts from. */
  readonly h100ComputeEfficiency: number;
}

/**
 * Derives the parameters the micro points pin (see the file comment): `h100` is the calibrated H100 preset
 * (its compute efficiency and floor are fitted by fitGpu from bench/gpu/h100-measured.json).
 */
export function fitPublished(device: DevicePreset, data: PublishedCard, h100: DevicePreset): PublishedFit {
  const read = data.bandwidth.find((b) => b.kernel === 'read' && b.role === 'fit');
  const own = data.matmul.find((x) => x.role === 'bound');
  const ref = data.matmul.find((x) => x.role === 'reference');
  const peak = device.peakFlopsPerS.bf16 ?? device.peakFlopsPerS.fp16!;
  const fit: { -readonly [K in keyof PublishedFit]: PublishedFit[K] } = { h100ComputeEfficiency: h100.computeEfficiency };
  if (read) fit.memoryEfficiency = (read.GBps * 1e9) / device.bandwidthBytesPerS;
  if (own) fit.computeEfficiencyBound = (own.tflops * 1e12) / peak;
  if (own && ref) fit.computeEfficiencyTransfer = h100.computeEfficiency * (fit.computeEfficiencyBound! / ((ref.tflops * 1e12) / h100.peakFlopsPerS.bf16!));
  const mine = data.smallKernels.find((s) => !/H200|H100/.test(s.card));
  const hopper = data.smallKernels.find((s) => /H200|H100/.test(s.card));
  if (mine && hopper) {
    const perKernel = (s: PublishedSmallKernel) => s.bytesPerKernel / s.GBps;
    fit.kernelFloorNsTransfer = (h100.launchOverheadPs / 1000) * (perKernel(mine) / perKernel(hopper));
  }
  return fit;
}

/** Median and worst |error| of rows, percent. */
export function publishedErrorSummary(rows: readonly PublishedRow[]): { medianPct: number; worstPct: number; points: number } {
  if (rows.length === 0) throw new StrataError('published comparison: no rows');
  const abs = rows.map((r) => Math.abs(r.errorPct)).sort((a, b) => a - b);
  const mid = abs.length >> 1;
  return { medianPct: abs.length % 2 ? abs[mid]! : (abs[mid - 1]! + abs[mid]!) / 2, worstPct: abs[abs.length - 1]!, points: abs.length };
}

const fmt = (x: number, unit: PublishedRow['unit']) => (unit === 'ms' ? x.toFixed(2) : x.toFixed(1));
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
/** The short citation of a micro point's source: its repository and file, without the commit and the quoted cell. */
const shortSource = (s: string) => s.replace(/ @ [0-9a-f]{40}/, '').replace(/ \(github\.com[^)]*\)/, '').replace(/: .*$/, '').replace(/, "Maximum.*$/, '');
/** The files (and lines, where given) that a set of step rows cite (`NVIDIA/FasterTransformer, docs/gpt_guide.md lines 1322-1392`). */
function citedLines(rows: readonly PublishedRow[]): string {
  const byFile = new Map<string, number[]>();
  for (const r of rows) {
    for (const m of r.source.matchAll(/([\w./-]+) @ [0-9a-f]{40}, ([\w./-]+)(?:, line (\d+))?/g)) {
      const key = `${m[1]}, ${m[2]}`;
      byFile.set(key, [...(byFile.get(key) ?? []), ...(m[3] !== undefined ? [Number(m[3])] : [])]);
    }
  }
  return [...byFile].map(([f, ls]) => (ls.length > 0 ? `${f} lines ${Math.min(...ls)}-${Math.max(...ls)}` : f)).join('; ');
}

/** The Markdown section `strata validate gpu` prints for one card. */
export function formatPublishedSection(device: DevicePreset, data: PublishedCard, micro: readonly PublishedRow[], steps: readonly PublishedRow[], differences: readonly PublishedRow[], fit: PublishedFit): string {
  const file = data.file.replace(/^.*\/(bench\/)/, '$1');
  const lines = [
    `### ${data.card}: ${device.name} against published measurements`,
    '',
    `Points and their sources: ${file}. Preset: memory efficiency ${device.memoryEfficiency}, compute ${device.computeEfficiency}, attention ${device.attentionEfficiency}, kernel floor ${device.launchOverheadPs / 1000} ns.`,
    '',
  ];
  const summary = (what: string, rows: readonly PublishedRow[]) => {
    const s = publishedErrorSummary(rows);
    const below = rows.filter((r) => r.errorPct < 0).length;
    lines.push('', `${what} (${s.points}): median |error| ${s.medianPct.toFixed(1)} %, worst ${s.worstPct.toFixed(1)} %; Strata's number below the published one on ${below} of ${s.points}.`, '');
  };
  if (micro.length > 0) {
    lines.push('| micro point | unit | published | Strata | error % | role | source |', '|---|---|---:|---:|---:|---|---|');
    for (const r of micro) lines.push(`| ${r.point} | ${r.unit} | ${fmt(r.published, r.unit)} | ${fmt(r.strata, r.unit)} | ${signed(r.errorPct)} | ${r.role} | ${shortSource(r.source)} |`);
    summary('Micro', micro);
  }
  const stepTable = (title: string, rows: readonly PublishedRow[]) => {
    lines.push(`${title} (${citedLines(rows)}):`, '', '| step | published ms | Strata ms | error % |', '|---|---:|---:|---:|');
    for (const r of rows) lines.push(`| ${r.point} | ${fmt(r.published, 'ms')} | ${fmt(r.strata, 'ms')} | ${signed(r.errorPct)} |`);
  };
  if (steps.length > 0) {
    const engine = [...new Set(data.generation.map((g) => g.engine)), ...(data.encoderEngine !== undefined ? [data.encoderEngine] : [])].join('; ');
    stepTable(`Steps, checked only, \`${PUBLISHED_STEP_PROFILE}\` profile: ${engine}`, steps);
    summary('Steps', steps);
    const models = [...new Set(steps.map((r) => r.point.split(' ')[0]!))];
    if (models.length > 1) {
      lines.push(`By model: ${models.map((m) => {
        const s = publishedErrorSummary(steps.filter((r) => r.point.startsWith(`${m} `)));
        return `${m} median ${s.medianPct.toFixed(1)} %, worst ${s.worstPct.toFixed(1)} %`;
      }).join('; ')}.`, '');
    }
  }
  if (differences.length > 0) {
    stepTable('Differences between models of equal depth (same kernels per step, so per-kernel and per-step engine costs cancel)', differences);
    summary('Differences', differences);
  }
  const parts: string[] = [];
  if (fit.memoryEfficiency !== undefined) parts.push(`memory efficiency ${fit.memoryEfficiency.toFixed(3)} (read stream over the datasheet bandwidth; preset ${device.memoryEfficiency})`);
  if (fit.computeEfficiencyBound !== undefined) parts.push(`compute efficiency at most ${fit.computeEfficiencyBound.toFixed(3)} (best product of a shape search)`);
  if (fit.computeEfficiencyTransfer !== undefined) parts.push(`${fit.computeEfficiencyTransfer.toFixed(3)} by transfer (the H100's fitted ${fit.h100ComputeEfficiency.toFixed(3)} x this card's best-product fraction over the H100's; preset ${device.computeEfficiency})`);
  if (fit.kernelFloorNsTransfer !== undefined) parts.push(`kernel floor ${fit.kernelFloorNsTransfer.toFixed(0)} ns by transfer (the H100's fitted floor x the ratio of graph-replayed small-kernel times, this card over the H200; preset ${device.launchOverheadPs / 1000} ns)`);
  lines.push(parts.length > 0 ? `From the micro points: ${parts.join('; ')}.` : 'No micro point pins a parameter of this card: its efficiencies and floor keep their ranges.');
  return lines.join('\n');
}
