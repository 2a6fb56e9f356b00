import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../compiler/model.ts';
import { StrataError } from '../spec/errors.ts';
import { readJsonFile } from '../spec/json-file.ts';
import { neupimsDecode, neupimsNpuBlockPs, NeuPimsMemo, weightStream, type GemmTiming, type NeuPimsDecodeResult } from '../systems/neupims/neupims-decode.ts';
import { splitSubBatches } from '../systems/neupims/neupims-channels.ts';
import { planNeuPimsAttention } from '../systems/neupims/neupims-gemv.ts';
import { runDualBufferChannel } from '../pim/dual-buffer-channel.ts';
import { loadPimSpec } from '../pim/pim-spec.ts';
import { loadNeuPimsSystem, type NeuPimsSystem } from '../systems/neupims/neupims-system.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';

/*
 * Strata against the NeuPIMs authors' simulator (casys-kaist/NeuPIMs, its main, npu+pim and npu-only branches),
 * stage by stage, on the reference runs kept in ../shared/reference/neupims (results.json; README.md says what
 * each mode of the authors' code does). Each run is one decode step of one GPT-3 7B decoder layer (tensor
 * parallel 4: 8 heads and a quarter of every weight per device) for a batch of ShareGPT-like requests.
 *
 * Requests. The reference keeps each run's trace statistics, not the trace: the number of requests, their total
 * and longest context, and the most and least tokens a channel holds. Strata rebuilds a batch with exactly those
 * statistics (surrogateBatch): the longest request and the rest of the fullest channel's tokens on channel 0, the
 * emptiest channel's on channel 1, the remaining tokens spread evenly over the other 30, requests as even as
 * possible over the channels. A request of seq_len L attends to L keys: Strata's context L - 1 plus the new token.
 * Attention ends with the fullest channel, so this keeps what decides the PIM stages;
 * the split of a channel's requests between the two sub-batches is Strata's (by tokens), not the authors' (by
 * count, in trace order), which the statistics do not give.
 *
 * Stages (the authors' Scheduler.h:136-145). Interleaved: A = QKV of sub-batch 1; B = QKV 2 | MHA 1; C = Proj+FFN
 * 1 and the next layer's QKV 1 | MHA 2; D = the same for sub-batch 2 | MHA 1; E = Proj+FFN 1 | MHA 2; F = Proj+FFN
 * 2; a stage ends when both sides do; per layer in steady state = C + D. Not interleaved (blocked, naive):
 * A = QKV of the batch, B = MHA, E = Proj+FFN, per layer A + B + E. NPU-only: one layer, no stages.
 */

/** Where the reference is kept: ../shared/reference/neupims beside the repository. */
export const NEUPIMS_REFERENCE_DIR = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'neupims');

/** Statistics of a reference run's request trace. */
export interface TraceStats {
  readonly requests: number;
  readonly sumSeqLen: number;
  readonly maxSeqLen: number;
  readonly maxTokensPerChannel: number;
  readonly minTokensPerChannel: number;
}

/** One completed reference run of the authors' simulator. */
export interface ReferenceRun {
  readonly run: string;
  readonly mode: string;
  readonly channelAllocation: string;
  readonly stats: TraceStats;
  /** Core cycles (1 ns) per stage (A-F), empty for NPU-only. */
  readonly stages: Readonly<Record<string, number>>;
  /**
   * Per stage, the cycles of the NPU's ops (SA_stage_X of the run's breakdown) and of the PIM ops (PIM_stage_X), each
   * summed over the ops the stage ran one after another; a stage without a breakdown is absent.
   */
  readonly npuStages: Readonly<Record<string, number>>;
  readonly pimStages: Readonly<Record<string, number>>;
  readonly perLayerCycles: number;
}

/** How Strata runs one mode of the authors' simulator: which preset, with interleaving on or off. */
interface StrataMode {
  readonly system: string;
  readonly subBatch: 'on' | 'off';
  /** What the mode is in the authors' code and what the preset models. */
  readonly label: string;
}

/**
 * The compared modes. The naive NPU+PIM and NPU-only baselines each run twice: as the authors' simulator runs
 * them (authors-naive: one PIM instruction per NPU cycle for the device; authors-npu-only: attention head by
 * head, latency-bound) and bounded by the hardware (npu-pim-blocked: each channel as fast as its banks and bus;
 * npu-only: attention's products batched, bound by the arrays or the K/V traffic).
 */
export const REFERENCE_MODES: Readonly<Record<string, readonly StrataMode[]>> = {
  neupims: [{ system: 'neupims', subBatch: 'on', label: 'NeuPIMs: dual row buffers, sub-batches interleaved' }],
  neupims_dual_rb_no_interleaving: [{ system: 'neupims', subBatch: 'off', label: 'dual row buffers, not interleaved' }],
  naive_npu_pim: [
    { system: 'authors-naive', subBatch: 'off', label: "naive NPU+PIM, the authors' issue (one PIM instruction per NPU cycle)" },
    { system: 'npu-pim-blocked', subBatch: 'off', label: 'naive NPU+PIM, channel-bound' },
  ],
  whatif_naive_npu_pim_with_unthrottled_pim_issue: [{ system: 'npu-pim-blocked', subBatch: 'off', label: 'naive NPU+PIM, channel-bound (authors: what-if, every ready PIM instruction issued)' }],
  npu_only: [
    { system: 'authors-npu-only', subBatch: 'off', label: "NPU-only, the authors' head-by-head attention" },
    { system: 'npu-only', subBatch: 'off', label: 'NPU-only, batched attention (bandwidth-bound)' },
  ],
};

const num = (file: string, where: string, v: unknown, integer = true): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw new StrataError(`${file}: ${where}: expected ${integer ? 'a whole number' : 'a number'} >= 0, found ${JSON.stringify(v)}`);
  }
  return v;
};

/** Reads results.json of the reference folder: the completed GPT-3 7B runs of the compared modes. */
export function loadNeuPimsReference(dir = NEUPIMS_REFERENCE_DIR): ReferenceRun[] {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) throw new StrataError(`${file}: not found (the NeuPIMs authors' reference runs are kept in ../shared/reference/neupims beside the repository)`);
  const json = readJsonFile(file) as { runs?: unknown };
  if (!json || typeof json !== 'object' || !Array.isArray(json.runs)) throw new StrataError(`${file}: field 'runs': expected an array of runs`);
  const out: ReferenceRun[] = [];
  json.runs.forEach((r: Record<string, unknown>, i: number) => {
    const where = `runs[${i}]`;
    if (!r || typeof r !== 'object') throw new StrataError(`${file}: ${where}: expected an object`);
    if (r.model !== 'gpt3-7B' || r.completed !== true || !(String(r.mode) in REFERENCE_MODES)) return;
    const s = r.trace_stats as Record<string, unknown> | undefined;
    if (!s || typeof s !== 'object') throw new StrataError(`${file}: ${where}.trace_stats: expected an object`);
    const stages: Record<string, number> = {};
    const sc = (r.stage_cycles ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(sc)) stages[k] = num(file, `${where}.stage_cycles.${k}`, v);
    const { npu: npuStages, pim: pimStages } = breakdownSums(file, where, r.breakdown);
    out.push({
      run: String(r.run), mode: String(r.mode), channelAllocation: String(r.channel_allocation),
      stats: {
        requests: num(file, `${where}.trace_stats.n_requests`, s.n_requests),
        sumSeqLen: num(file, `${where}.trace_stats.sum_seq_len`, s.sum_seq_len),
        maxSeqLen: num(file, `${where}.trace_stats.max_seq_len`, s.max_seq_len),
        maxTokensPerChannel: num(file, `${where}.trace_stats.max_tokens_per_channel`, s.max_tokens_per_channel),
        minTokensPerChannel: num(file, `${where}.trace_stats.min_tokens_per_channel`, s.min_tokens_per_channel),
      },
      stages, npuStages, pimStages, perLayerCycles: num(file, `${where}.per_layer_cycles`, r.per_layer_cycles),
    });
  });
  if (out.length === 0) throw new StrataError(`${file}: no completed gpt3-7B run of the modes ${Object.keys(REFERENCE_MODES).join(', ')}`);
  return out;
}

/** Sums the op cycles of a run's breakdown per stage, NPU (SA_stage_X) and PIM (PIM_stage_X) apart; `breakdown` may be absent. */
function breakdownSums(file: string, where: string, breakdown: unknown): { npu: Record<string, number>; pim: Record<string, number> } {
  const npu: Record<string, number> = {};
  const pim: Record<string, number> = {};
  if (breakdown === undefined) return { npu, pim };
  if (!breakdown || typeof breakdown !== 'object') throw new StrataError(`${file}: ${where}.breakdown: expected an object of stages`);
  for (const [key, ops] of Object.entries(breakdown as Record<string, unknown>)) {
    const m = /^(SA|PIM)_stage_([A-Z])$/.exec(key);
    if (!m) continue;
    if (!Array.isArray(ops)) throw new StrataError(`${file}: ${where}.breakdown.${key}: expected an array of ops`);
    if (ops.length === 0) continue;
    let sum = 0;
    ops.forEach((o: Record<string, unknown>, j: number) => (sum += num(file, `${where}.breakdown.${key}[${j}].cycles`, o?.cycles)));
    (m[1] === 'SA' ? npu : pim)[m[2]!] = sum;
  }
  return { npu, pim };
}

/**
 * A batch with a trace's statistics (see the file comment): context lengths (the trace's seq_len) and the channel
 * of each request. Every request attends to at least two keys.
 */
export function surrogateBatch(s: TraceStats, channels = 32): { contexts: number[]; channels: number[] } {
  const { requests: n, sumSeqLen: sum, maxSeqLen: longest, maxTokensPerChannel: most, minTokensPerChannel: least } = s;
  if (channels < 3 || n < channels) throw new StrataError(`surrogate batch: needs at least 3 channels and one request per channel, got ${n} requests on ${channels}`);
  if (!(longest <= most && least <= most && most + least <= sum)) throw new StrataError(`surrogate batch: statistics do not fit together (longest ${longest}, channel most ${most} / least ${least}, total ${sum})`);
  const perChannel = Array.from({ length: channels }, (_, c) => Math.floor(n / channels) + (c < n % channels ? 1 : 0));
  const rest = sum - most - least;
  const tokens = Array.from({ length: channels }, (_, c) => (c === 0 ? most : c === 1 ? least : Math.floor(rest / (channels - 2)) + (c - 2 < rest % (channels - 2) ? 1 : 0)));
  const contexts: number[] = [];
  const ch: number[] = [];
  // Each request attends to at least 2 keys (context >= 1 in Strata's terms).
  for (let c = 0; c < channels; c++) {
    let left = tokens[c]!;
    let k = perChannel[c]!;
    if (c === 0) {
      contexts.push(longest);
      ch.push(0);
      left -= longest;
      k--;
    }
    for (let j = 0; j < k; j++) {
      const t = Math.max(2, Math.floor(left / (k - j)));
      contexts.push(t);
      ch.push(c);
      left -= t;
    }
  }
  return { contexts, channels: ch };
}

/** One stage of one run: the authors' cycles and Strata's. */
export interface StageComparison {
  readonly stage: string;
  readonly authors: number;
  readonly strata: number;
}

/**
 * One stage of an interleaved run split into its terms, core cycles: the NPU block of one sub-batch alone (nothing
 * beside it in the channels), the same block beside the other sub-batch's PIM attention, that attention, and the
 * stage (the larger of the two sides: a barrier ends every stage).
 */
export interface StageTerms {
  readonly stage: string;
  readonly npuAlone: number;
  readonly npuBeside: number;
  readonly pim: number;
  readonly total: number;
}

/** One reference run against one Strata mode. */
export interface RunComparison {
  readonly run: string;
  readonly mode: string;
  readonly batch: number;
  readonly system: string;
  readonly label: string;
  readonly stages: readonly StageComparison[];
  readonly perLayer: StageComparison;
  /** Interleaved runs: stages B-E split into terms, the authors' (from their breakdown) and Strata's. */
  readonly terms?: { readonly authors: readonly StageTerms[]; readonly strata: readonly StageTerms[] };
}

/** The interleaved stages whose NPU side runs beside PIM. */
const OVERLAPPED = ['B', 'C', 'D', 'E'] as const;

/**
 * The authors' terms from their breakdown. Their sub-batches are halves by count (Scheduler.cc), so the NPU block of
 * one half alone is read off the stages where nothing runs beside it: QKV in A, Proj+FFN in F.
 */
function authorsTerms(run: ReferenceRun): StageTerms[] | null {
  const n = run.npuStages, p = run.pimStages;
  if (n.A === undefined || n.F === undefined) return null;
  const alone: Record<string, number> = { B: n.A, C: n.A + n.F, D: n.A + n.F, E: n.F };
  return OVERLAPPED.map((st) => ({ stage: st, npuAlone: alone[st]!, npuBeside: n[st] ?? 0, pim: p[st] ?? 0, total: run.stages[st] ?? 0 }));
}

/** Strata's terms of an interleaved run: the phases' NPU and PIM sides, and each NPU block alone for its sub-batch's size. */
function strataTerms(r: NeuPimsDecodeResult, system: NeuPimsSystem, model: Parameters<typeof neupimsDecode>[1], keys: readonly number[], channels: readonly number[], memo: NeuPimsMemo, gemmTiming: GemmTiming | undefined): StageTerms[] {
  const half = splitSubBatches(keys, Int32Array.from(channels), system.pim.standard.organization.channels);
  const m1 = half.filter((h) => h === 0).length, m2 = half.length - m1;
  const ps = (which: 'pre' | 'post', m: number) => neupimsNpuBlockPs(system, model, which, m, { memo, gemmTiming });
  const alone: Record<string, number> = { B: ps('pre', m2), C: ps('post', m1) + ps('pre', m1), D: ps('post', m2) + ps('pre', m2), E: ps('post', m1) };
  const period = system.npu.periodPs;
  return OVERLAPPED.map((st) => {
    const p = r.phases.find((x) => PHASE_STAGE[x.name] === st)!;
    return { stage: st, npuAlone: Math.round(alone[st]! / period), npuBeside: Math.round(p.npuPs / period), pim: Math.round(p.pimPs / period), total: Math.round(p.durationPs / period) };
  });
}

const PHASE_STAGE: Readonly<Record<string, string>> = {
  pre1: 'A', 'pre2|att1': 'B', 'post1+pre1|att2': 'C', 'post2+pre2|att1': 'D', 'post1|att2': 'E', post2: 'F',
  pre: 'A', attention: 'B', post: 'E',
};

/** Strata's core cycles (NPU clock) per stage of one decode run, and per layer as the authors define it. */
export function strataStages(r: NeuPimsDecodeResult, periodPs: number): { stages: Record<string, number>; perLayer: number } {
  const stages: Record<string, number> = {};
  let layer = 0;
  for (const p of r.phases) {
    const st = PHASE_STAGE[p.name];
    if (p.name === 'layer') layer = p.durationPs / periodPs;
    if (st) stages[st] = p.durationPs / periodPs;
  }
  if (r.subBatchInterleaving) layer = stages.C! + stages.D!;
  else if (stages.A !== undefined) layer = stages.A + stages.B! + stages.E!;
  return { stages, perLayer: layer };
}

/**
 * `system` with NewtonSim's ACT -> G_ACT distance: an ordinary activation delays a G_ACT of the same rank by tRRD
 * (NeuPIMs extern/NewtonSim/src/timing.cc: the activation's same-rank list) instead of Strata's tFAW (a G_ACT
 * opens four banks, so Strata keeps the whole four-activate window before it; arch/pim/neupims.json). A what-if
 * that shows how much of the NPU's slowdown beside PIM comes from this one rule. The variant names its PIM spec
 * apart, so memo keys never mix it with the preset.
 */
export function withNewtonSimActToGAct(system: NeuPimsSystem): NeuPimsSystem {
  const std = system.pim.standard;
  const act = std.commandNames.indexOf('ACT');
  const gact = std.commandNames.indexOf('G_ACT');
  const tRRD = std.timing.tRRD_S;
  if (act < 0 || gact < 0 || tRRD === undefined) throw new StrataError(`${system.pim.file}: the NewtonSim what-if needs ACT, G_ACT and tRRD_S`);
  let changed = 0;
  const rules = std.rules.map((r) => {
    if (r.prev !== act || r.next !== gact || r.level !== 'rank') return r;
    changed++;
    return { ...r, cycles: tRRD, text: `${r.text} (what-if: tRRD_S as NewtonSim)` };
  });
  if (changed === 0) throw new StrataError(`${system.pim.file}: no rank-level ACT -> G_ACT rule to replace`);
  const pim = { ...system.pim, file: `${system.pim.file}#newtonsim-act-to-gact`, standard: { ...std, rules } };
  return { ...system, pim };
}

/** NewtonSim's memory controller (NeuPIMs extern/NewtonSim/configs/HBM2_8Gb_x128_dualpim.ini): its transaction queue and its per-bank command queues. */
export const NEWTONSIM_QUEUES = { transactions: 32, commandsPerBank: 128 } as const;

/**
 * `system` whose channels let the NPU's requests wait in as many places as NewtonSim's controller has: its 32
 * transactions plus 128 commands in each bank's queue (queue_structure PER_BANK, cmd_queue_size 128, trans_queue_size
 * 32; DRAMsim3's controller moves a transaction into its bank's command queue as soon as that has room, and its
 * scheduler picks any ready command of any bank queue). Strata's channel keeps the NPU's requests in one FR-FCFS queue
 * of `queueDepth` (32, the transaction queue alone), so at most two 1 KB rows of a weight stream are in sight when a
 * G_ACT keeps the ranks from activating for a tFAW. A what-if that shows how much of the NPU's slowdown beside PIM
 * comes from that lookahead.
 */
export function withNewtonSimQueues(system: NeuPimsSystem): NeuPimsSystem {
  const o = system.pim.standard.organization;
  const banks = o.ranks * o.bankGroups * o.banksPerGroup;
  return { ...system, queueDepth: NEWTONSIM_QUEUES.transactions + banks * NEWTONSIM_QUEUES.commandsPerBank };
}

/** Options of compareWithNeuPimsReference. */
export interface ReferenceOptions {
  readonly dir?: string;
  readonly gemmTiming?: GemmTiming;
  /** Override of the system loader (a variant of a preset); default loadNeuPimsSystem. */
  readonly loadSystem?: (name: string) => NeuPimsSystem;
}

/**
 * Runs every reference run's batch on Strata in each of its modes (REFERENCE_MODES). Interleaved runs simulate
 * two layers (the authors' A-F span two layers per sub-batch), the others one.
 */
export function compareWithNeuPimsReference(opts: ReferenceOptions = {}): RunComparison[] {
  const runs = loadNeuPimsReference(opts.dir);
  const base = loadModel('neupims-gpt3-7b');
  const load = opts.loadSystem ?? loadNeuPimsSystem;
  const memo = new NeuPimsMemo();
  const out: RunComparison[] = [];
  for (const run of runs) {
    const batch = surrogateBatch(run.stats);
    for (const m of REFERENCE_MODES[run.mode]!) {
      const system = load(m.system);
      const model = { ...base, layers: m.subBatch === 'on' ? 2 : 1 };
      // The authors' seq_len is the keys a request attends to; Strata's context is the tokens cached before the new one.
      const r = neupimsDecode(system, model, batch.contexts.map((c) => c - 1), { subBatch: m.subBatch, channels: batch.channels, memo, gemmTiming: opts.gemmTiming });
      const s = strataStages(r, system.npu.periodPs);
      const order = Object.keys(run.stages).sort();
      const authors = r.subBatchInterleaving ? authorsTerms(run) : null;
      out.push({
        run: run.run, mode: run.mode, batch: run.stats.requests, system: m.system, label: m.label,
        stages: order.map((st) => ({ stage: st, authors: run.stages[st]!, strata: Math.round(s.stages[st] ?? 0) })),
        perLayer: { stage: run.mode === 'neupims' ? 'C+D' : run.mode === 'npu_only' ? 'layer' : 'A+B+E', authors: run.perLayerCycles, strata: Math.round(s.perLayer) },
        ...(authors ? { terms: { authors, strata: strataTerms(r, system, model, batch.contexts, batch.channels, memo, opts.gemmTiming) } } : {}),
      });
    }
  }
  return out;
}

const err = (c: StageComparison) => (c.strata - c.authors) / c.authors;
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(0)} %`;
const kc = (x: number) => `${(x / 1000).toFixed(1)}k`;

/** The stage table: per run and mode, the authors' cycles, Strata's, and the error per stage and per layer. */
export function formatReferenceTable(rows: readonly RunComparison[]): string {
  const lines = [
    "| run (authors' simulator) | batch | Strata system | stage | authors (cycles) | Strata | error |",
    '|---|---:|---|---|---:|---:|---:|',
  ];
  for (const r of rows) {
    const row = (name: string, c: StageComparison) => lines.push(`| ${r.run} | ${r.batch} | ${r.system} | ${name} | ${kc(c.authors)} | ${kc(c.strata)} | ${pct(err(c))} |`);
    for (const c of r.stages) row(c.stage, c);
    row(`**per layer (${r.perLayer.stage})**`, r.perLayer);
  }
  return lines.join('\n');
}

/** Per batch: per-layer cycles of each mode, authors' beside Strata's, and NeuPIMs' speedup over each. */
export function formatReferenceOrdering(rows: readonly RunComparison[]): string {
  const lines = [
    "| batch | compared with | authors: its cycles / layer | NeuPIMs' speedup (authors) | Strata system | Strata: its cycles / layer | NeuPIMs' speedup (Strata) |",
    '|---:|---|---:|---:|---|---:|---:|',
  ];
  for (const batch of [...new Set(rows.map((r) => r.batch))].sort((a, b) => a - b)) {
    const neu = rows.find((r) => r.batch === batch && r.mode === 'neupims');
    if (!neu) continue;
    for (const r of rows.filter((x) => x.batch === batch && x.mode !== 'neupims')) {
      lines.push(`| ${batch} | ${r.run} | ${kc(r.perLayer.authors)} | ${(r.perLayer.authors / neu.perLayer.authors).toFixed(2)}x | ${r.system} | ${kc(r.perLayer.strata)} | ${(r.perLayer.strata / neu.perLayer.strata).toFixed(2)}x |`);
    }
  }
  return lines.join('\n');
}

/**
 * The interleaved stages term by term (core cycles, authors / Strata): the NPU block alone, beside the other
 * sub-batch's PIM attention, its slowdown (beside / alone), the PIM attention, and the stage.
 */
export function formatStageTerms(rows: readonly RunComparison[]): string {
  const lines = [
    '| run | Strata system | stage | NPU alone (authors / Strata) | NPU beside PIM | NPU slowdown | PIM attention | stage |',
    '|---|---|---|---:|---:|---:|---:|---:|',
  ];
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  for (const r of rows) {
    if (!r.terms) continue;
    r.terms.strata.forEach((t, i) => {
      const a = r.terms!.authors[i]!;
      lines.push(`| ${r.run} | ${r.system} | ${t.stage} | ${kc(a.npuAlone)} / ${kc(t.npuAlone)} | ${kc(a.npuBeside)} / ${kc(t.npuBeside)} | ${x(a.npuBeside, a.npuAlone)} / ${x(t.npuBeside, t.npuAlone)} | ${kc(a.pim)} / ${kc(t.pim)} | ${kc(a.total)} / ${kc(t.total)} |`);
    });
  }
  return lines.join('\n');
}

/** One of the authors' single-request attention runs against Strata's program for the same shape, alone on one channel. */
export interface UnitComparison {
  readonly run: string;
  readonly mode: string;
  readonly rowBuffers: 1 | 2;
  readonly keys: number;
  readonly heads: number;
  readonly headDim: number;
  /** K q (the authors' NeuPIMSLogitSoftmax op, its softmax on the NPU's vector units included) and V^T p (NeuPIMSAttend), core cycles. */
  readonly logit: { readonly authors: number; readonly strata: number };
  readonly attend: { readonly authors: number; readonly strata: number };
}

/**
 * The authors' unit runs (one request on channel 0 of GPT-3 7B at tensor parallel 1: 32 heads of 128; README of
 * the reference) against Strata's attention program of the same shape, alone on one channel of the `neupims` PIM
 * spec with the run's row buffers. Strata's softmax on the vector units (tens of cycles here) is not added.
 */
export function compareUnitAttention(dir = NEUPIMS_REFERENCE_DIR): UnitComparison[] {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) throw new StrataError(`${file}: not found (the NeuPIMs authors' reference runs are kept in ../shared/reference/neupims beside the repository)`);
  const json = readJsonFile(file) as { runs?: unknown };
  if (!json || typeof json !== 'object' || !Array.isArray(json.runs)) throw new StrataError(`${file}: field 'runs': expected an array of runs`);
  const model = loadModel('neupims-gpt3-7b');
  const out: UnitComparison[] = [];
  json.runs.forEach((r: Record<string, unknown>, i: number) => {
    const where = `runs[${i}]`;
    if (!r || typeof r !== 'object' || r.completed !== true || !String(r.mode).startsWith('unit_pim_attention')) return;
    const stats = r.trace_stats as Record<string, unknown> | undefined;
    const keys = num(file, `${where}.trace_stats.max_seq_len`, stats?.max_seq_len);
    const ops = ((r.breakdown as Record<string, unknown> | undefined)?.PIM_stage_B ?? []) as Array<Record<string, unknown>>;
    const op = (name: string) => {
      const j = Array.isArray(ops) ? ops.findIndex((o) => String(o?.op).endsWith(name)) : -1;
      if (j < 0) throw new StrataError(`${file}: ${where}.breakdown.PIM_stage_B: expected an op named *.${name}`);
      return num(file, `${where}.breakdown.PIM_stage_B[${j}].cycles`, ops[j]!.cycles);
    };
    const rowBuffers = String(r.mode).includes('single') ? 1 : 2;
    const spec = loadPimSpec('neupims', { rowBuffers });
    const plan = planNeuPimsAttention(spec, { heads: model.heads, headDim: model.headDim, context: keys });
    const none = weightStream(spec.standard, 0, 1);
    const ns = (cycles: number) => Math.round((cycles * spec.standard.tCKPs) / 1000);
    out.push({
      run: String(r.run), mode: String(r.mode), rowBuffers, keys, heads: model.heads, headDim: model.headDim,
      logit: { authors: op('NeuPIMSLogitSoftmax'), strata: ns(runDualBufferChannel(spec, plan.logit, none).pimFinishCycle) },
      attend: { authors: op('NeuPIMSAttend'), strata: ns(runDualBufferChannel(spec, plan.attend, none).pimFinishCycle) },
    });
  });
  if (out.length === 0) throw new StrataError(`${file}: no completed unit_pim_attention run`);
  return out;
}

/** The unit runs: per run, K q and V^T p, the authors' cycles beside Strata's, and the error. */
export function formatUnitAttention(rows: readonly UnitComparison[]): string {
  const lines = [
    "| run (authors' simulator) | mode | keys x heads | K q: authors | Strata | error | V^T p: authors | Strata | error |",
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.run} | ${r.mode} | ${r.keys} x ${r.heads} | ${kc(r.logit.authors)} | ${kc(r.logit.strata)} | ${pct(err({ stage: '', ...r.logit }))} | ${kc(r.attend.authors)} | ${kc(r.attend.strata)} | ${pct(err({ stage: '', ...r.attend }))} |`);
  }
  return lines.join('\n');
}
