import { StrataError, invariant } from '../../spec/errors.ts';
import { buildOpGraph } from '../../compiler/lower.ts';
import type { ModelSpec } from '../../compiler/model.ts';
import type { Op, OpKind } from '../../ir/op.ts';
import { decodeStep, makeStep } from '../../compiler/step.ts';
import type { StepRequest } from '../../ir/step.ts';
import { tileGemm } from '../../compiler/tiling.ts';
import { VECTOR_FLOPS } from '../../compiler/lower.ts';
import { AloneStream, commandEnergyPj, PimProgramBuilder, runDualBufferChannel, type ChannelRun, type NormalRequests, type PimProgram } from '../../pim/dual-buffer-channel.ts';
import { npuTraffic } from './npu-traffic.ts';
import type { CommandStreamSink } from '../system-model.ts';
import { planNeuPimsAttention, compIntervalCycles, issuedInstructions, type AttentionShape } from './neupims-gemv.ts';
import { bytesPerRequest, type DramStandard } from '../../dram/standard.ts';
import type { PimSpec } from '../../pim/pim-spec.ts';
import { assignChannels, channelLoads, splitSubBatches } from './neupims-channels.ts';
import { parallelismFor, type ChannelBalancing, type NeuPimsSystem } from './neupims-system.ts';
import { gemmCycles, type SystolicArrayConfig } from '../../npu/systolic-array.ts';
import { runNpuAssignments } from './npu-run.ts';
import { vectorCycles } from '../../npu/vector-unit.ts';
import { canonicalKey, TimingCache } from '../../spec/timing-cache.ts';

/*
 * One decode iteration of a NeuPIMs-family system (src/systems/neupims/neupims-system.ts) for a batch of requests.
 *
 * Devices. A model runs tensor parallel over `tp` devices (each holds 1/tp of every layer: heads, weight columns
 * or rows) and pipeline parallel over `pp` stages. The stages of one batch run one after another (no
 * micro-batches), so the iteration takes every layer of one tensor-parallel shard; all-reduces between the tp
 * devices are not modelled. One device: the NPU and 32 HBM2 channels whose banks compute.
 *
 * Work of a layer, for a (sub-)batch of M requests:
 * - pre (NPU): LayerNorm and the QKV GEMM; post (NPU): output projection, residual, LayerNorm, FFN GEMMs, GELU,
 *   residual. Each op alone takes max(compute, memory): compute is the arrays' closed-form time of the op's
 *   weight-stationary tiling (src/npu/systolic-array.ts `gemmCycles`, tiles from src/compiler/tiling.ts) or the
 *   vector units' cycles; memory is the tiling's traffic in 64 B requests spread evenly over the channels (the
 *   address map interleaves 1 KB rows over channels) at the streaming rate one channel sustains alone, measured
 *   once by running NPU-like traffic through the dual-buffer channel model (src/pim/dual-buffer-channel.ts).
 *   Ops of a block run one after another (as src/npu/npu.ts runs them).
 * - attention (PIM systems): each request's K q and softmax V GEMVs run in the channel that holds its KV cache
 *   (neupims-gemv.ts lays them out), requests of a channel one after another, channels in parallel;
 *   the longest channel decides. Each request's program is simulated command by command on the channel model
 *   from an idle channel (rows closed, refresh counter at zero); softmax runs on the vector units while the
 *   channel moves on, so one softmax (the longest of the channel) is exposed at the end.
 * - attention (npu-only): each request's score, softmax and context ops on the NPU like the other ops, its K and V
 *   read through the channels.
 *
 * Schedule. Without sub-batch interleaving a layer is pre, attention, post. With it the batch is split in two
 * (splitSubBatches balances each channel's share) and the NPU work of one sub-batch overlaps the attention of the
 * other: phases [pre1] [pre2 | att1] then per layer [post1 + pre1' | att2] [post2 + pre2' | att1'] ... [post2].
 * Phases follow one another (a phase ends when both its NPU block and its attention end). Inside a phase the two
 * share the channels: each request's PIM program is simulated together with the NPU block's traffic on that channel
 * (offered at the block's memory intensity, at most the block's share of requests over the program's length);
 * the PIM program comes out slower by what the simulation says, and the NPU block by the slowest channel's extra
 * time for its requests against the streaming rate. With one row buffer (npu-pim-blocked) the channel model
 * blocks the NPU's requests while PIM computes, so overlapping gains nothing there.
 *
 * Memoisation (exact). A request's PIM program depends on its context only through ceil(keys / g), g = the gcd of
 * the MAC lanes per bank, banks per channel and elements per DRAM row (16 on NeuPIMs), because every row and COMP
 * count of the layout is a ceiling over a multiple of g; so programs are keyed by (heads, head size, keys rounded
 * up to g), co-runs additionally by the offered load (rounded up to 1/32 of the channel peak), and NPU ops by their
 * shape. `memo: null` simulates every request with its own context instead; the tests check both agree exactly.
 * With a memo, a co-run's baseline (its NPU requests alone) is a prefix of one weight stream per load (AloneStream,
 * the prefix's own run bit for bit), and the channel runs are shared by every memo of the thread (SharedChannelRuns).
 * Every layer of the model is the same work, so a layer's phases are costed once and repeated.
 */

/** Loads are offered in steps of 1/LOAD_STEPS of a channel's peak (memoisation key). */
const LOAD_STEPS = 32;
/** 64 B requests of the sample that measures a channel's streaming rate. */
const STREAM_SAMPLE = 8192;

/**
 * The NPU's weight reads on one channel as the address map lays them out (rorabgbachco: column, then channel, then
 * bank, bank group, rank, row): consecutive 1 KB rows of a channel go to bank 0, 1, 2, 3 of bank group 0, then the
 * next bank group, then the other rank, then the next row; 64 B reads arriving evenly at `load` x the channel's
 * peak (one burst per tBURST). Rows start at half the bank, away from the KV caches the PIM layout puts at row 0.
 */
export function weightStream(std: DramStandard, requests: number, load: number): NormalRequests {
  const o = std.organization;
  const perRow = o.columns / o.burstLength;
  const r: NormalRequests = {
    length: requests, arrival: new Float64Array(requests), write: new Uint8Array(requests), rank: new Uint8Array(requests),
    bankGroup: new Uint8Array(requests), bank: new Uint8Array(requests), row: new Int32Array(requests), column: new Int32Array(requests),
  };
  const interval = std.timing.tBURST! / load;
  const firstRow = o.rows / 2;
  for (let i = 0; i < requests; i++) {
    const tile = Math.floor(i / perRow);
    r.arrival[i] = Math.floor(i * interval);
    r.bank[i] = tile % o.banksPerGroup;
    r.bankGroup[i] = Math.floor(tile / o.banksPerGroup) % o.bankGroups;
    const perRank = o.banksPerGroup * o.bankGroups;
    r.rank[i] = Math.floor(tile / perRank) % o.ranks;
    r.row[i] = firstRow + (Math.floor(tile / (perRank * o.ranks)) % (o.rows - firstRow));
    r.column[i] = (i % perRow) * o.burstLength;
  }
  return r;
}

/** Options of neupimsDecode. */
export interface NeuPimsDecodeOptions {
  /** Sub-batch interleaving: 'auto' (the system's rule, default), 'on' or 'off'. */
  readonly subBatch?: 'auto' | 'on' | 'off';
  /** Channel balancing, overriding the system's. */
  readonly balancing?: ChannelBalancing;
  /** Tensor-parallel degree, overriding the system's table. */
  readonly tp?: number;
  /** Memo tables to use and fill (share one per system across calls); null simulates every request afresh. */
  readonly memo?: NeuPimsMemo | null;
  /**
   * Channel of every request (as a NeuPIMs request trace's ch_idx column gives it), overriding the balancing
   * policy: whole numbers from 0 to channels - 1, one per request.
   */
  readonly channels?: readonly number[];
  /**
   * How the NPU's GEMMs are timed: `closed-form` (default: max of the arrays' closed-form cycles and the traffic at
   * the channels' streaming rate) or `cycle-level` (each distinct GEMM shape run once on the event-driven NPU of
   * src/npu/npu.ts, with DMA, double-buffered scratchpad and every request through the system's DRAM controllers).
   */
  readonly gemmTiming?: GemmTiming;
  /**
   * Receives the command log of every channel run this call simulates (`--check`, src/cli/run-check.ts): the NPU
   * streaming-rate sample, each attention program alone and beside NPU traffic. Runs taken from `memo` were handed
   * over when they were simulated.
   */
  readonly commandStreams?: CommandStreamSink;
}

/** How the NPU's GEMMs are timed (see NeuPimsDecodeOptions.gemmTiming). */
export type GemmTiming = 'closed-form' | 'cycle-level';

/** A span of time during which the NPU or the PIM banks work, ps from the start of the iteration. */
export interface BusyInterval {
  readonly unit: 'npu' | 'pim';
  /** What runs: `pre`, `post`, `attention`, `post1+pre1`, `att2`, `head`, ... with the layer. */
  readonly label: string;
  readonly startPs: number;
  readonly endPs: number;
}

/** One distinct phase of the schedule and how often it repeats. */
export interface PhaseRecord {
  readonly name: string;
  readonly repeats: number;
  /** NPU work (ps, 0 if none), attention (ps, 0 if none) and the phase (their max). */
  readonly npuPs: number;
  readonly pimPs: number;
  readonly durationPs: number;
}

/** What a decode iteration costs. Times in integer ps. */
export interface NeuPimsDecodeResult {
  readonly system: string;
  readonly model: string;
  readonly batch: number;
  readonly tp: number;
  readonly pp: number;
  /** Devices of the system (tp x pp). */
  readonly devices: number;
  readonly subBatchInterleaving: boolean;
  readonly balancing: ChannelBalancing;
  readonly rowBuffers: 1 | 2;
  readonly timePs: number;
  /** Generated tokens per second of the whole system (one per request). */
  readonly tokensPerSecond: number;
  readonly phases: readonly PhaseRecord[];
  /** NPU and PIM busy intervals over the iteration, in time order per unit. */
  readonly intervals: readonly BusyInterval[];
  /** Busy time of each unit and its fraction of the iteration. */
  readonly npuBusyPs: number;
  readonly pimBusyPs: number;
  readonly npuUtilisation: number;
  readonly pimUtilisation: number;
  /** Per channel of one device: context tokens placed there, and one layer's attention cycles and MACs on it. */
  readonly channels: { readonly loads: readonly number[]; readonly attentionCycles: readonly number[]; readonly macs: readonly number[] };
  /** Channel peaks: MACs per DRAM cycle of the banks, and bytes per cycle of the data bus. */
  readonly peak: { readonly macsPerCycle: number; readonly bytesPerCycle: number };
  /** Bytes the NPU moved through one device's channels in the iteration. */
  readonly npuBytes: number;
  /** DRAM command energy (IDD method) of the tp devices of a stage times the stages' layers, pJ: the NPU's traffic and the PIM programs (NPU logic and SRAM not counted). */
  readonly energyPj: number;
  /** PIM programs simulated command by command, and reused from the memo. */
  readonly simulated: number;
  readonly reused: number;
}

interface PimCost {
  readonly cycles: number;
  readonly energyPj: number;
  /** PIM instructions the NPU issues for the program, one by one (issuedInstructions). */
  readonly instructions: number;
}
interface CoRunCost {
  readonly pimCycles: number;
  readonly npuRequests: number;
  readonly npuCycles: number;
  /** When the same NPU requests, offered at the same pace, finish on the channel with no PIM program. */
  readonly npuAloneCycles: number;
  readonly energyPj: number;
}
interface Stream {
  readonly cyclesPerRequest: number;
  readonly energyPjPerRequest: number;
}
/** An NPU block's cost alone: time, memory-bound part, requests, compute and energy. */
interface Block {
  readonly ps: number;
  readonly memoryPs: number;
  readonly requests: number;
  readonly energyPj: number;
  readonly bytes: number;
}

/** Memo tables of one system (keyed by everything they depend on, so one memo may serve several systems). */
export class NeuPimsMemo {
  readonly pim = new Map<string, PimCost>();
  readonly coRun = new Map<string, CoRunCost>();
  readonly stream = new Map<string, Stream>();
  readonly ops = new Map<string, Block>();
  readonly blocks = new Map<string, Block>();
  simulated = 0;
  reused = 0;
}

/**
 * Channel simulations shared by every memo of this thread, per PIM spec (by content) and queue depth: a request's PIM
 * program alone, a co-run, and the NPU's weight stream alone per load (co-runs' baselines are its prefixes). Each
 * depends on nothing else but its key (shape, load, requests), so the memos of different models, of systems with the
 * same PIM spec and of calls that start a memo of their own (the utilisation run of `strata figures` after its
 * case) reuse them. A memo's counters count as before (a run it did not hold is `simulated`). The last SHARED_SPECS
 * specs are kept: a sensitivity study's variants do not pile up.
 */
class SharedChannelRuns {
  readonly pim = new Map<string, PimCost>();
  readonly coRun = new Map<string, CoRunCost>();
  readonly aloneStreams = new Map<string, AloneStream>();
  readonly aloneFinish = new Map<string, number>();
}
const SHARED_SPECS = 4;
const sharedRuns = new Map<string, SharedChannelRuns>();
const specDigests = new WeakMap<PimSpec, string>();

/** The shared runs of `spec` at `queueDepth` (most recently used last). */
function sharedRunsOf(spec: PimSpec, queueDepth: number): SharedChannelRuns {
  let digest = specDigests.get(spec);
  if (digest === undefined) {
    digest = TimingCache.digest(canonicalKey(spec));
    specDigests.set(spec, digest);
  }
  const key = `${digest}|q${queueDepth}`;
  const known = sharedRuns.get(key);
  sharedRuns.delete(key);
  if (!known && sharedRuns.size >= SHARED_SPECS) sharedRuns.delete(sharedRuns.keys().next().value!);
  const runs = known ?? new SharedChannelRuns();
  sharedRuns.set(key, runs);
  return runs;
}

const ATTENTION_KINDS: ReadonlySet<OpKind> = new Set<OpKind>(['attn-score', 'softmax', 'attn-context']);
const COLUMN_PARALLEL: ReadonlySet<OpKind> = new Set<OpKind>(['qkv-proj', 'ffn-up', 'ffn-gate', 'lm-head']);
const ROW_PARALLEL: ReadonlySet<OpKind> = new Set<OpKind>(['out-proj', 'ffn-down']);

/**
 * One tensor-parallel shard of an op (Megatron-style): QKV, FFN up/gate and the LM head split their output columns,
 * the output projection and FFN down their reduction rows, attention and the FFN activation their heads or
 * columns; norms, residual adds and the embedding are replicated.
 */
export function shardOp(op: Op, tp: number): Op {
  if (tp === 1) return op;
  let { m, k, n, batch } = op;
  let f = 1 / tp, w = 1 / tp, ar = 1, aw = 1, kv = 1 / tp;
  if (COLUMN_PARALLEL.has(op.kind)) {
    n = Math.ceil(n / tp);
    aw = 1 / tp;
  } else if (ROW_PARALLEL.has(op.kind)) {
    k = Math.ceil(k / tp);
    ar = 1 / tp;
  } else if (op.kind === 'attn-score' || op.kind === 'attn-context') {
    batch = Math.ceil(batch / tp);
    ar = aw = 1 / tp;
  } else if (op.kind === 'softmax' || op.kind === 'ffn-act') {
    n = Math.ceil(n / tp);
    ar = aw = 1 / tp;
  } else {
    f = w = kv = 1;
  }
  const r = (x: number, s: number) => Math.ceil(x * s);
  const fields = {
    flops: r(op.flops, f), weightBytes: r(op.weightBytes, w), activationReadBytes: r(op.activationReadBytes, ar),
    activationWriteBytes: r(op.activationWriteBytes, aw), kvReadBytes: r(op.kvReadBytes, kv), kvWriteBytes: r(op.kvWriteBytes, kv),
  };
  const bytes = fields.weightBytes + fields.activationReadBytes + fields.activationWriteBytes + fields.kvReadBytes + fields.kvWriteBytes;
  return { ...op, m, k, n, batch, ...fields, opPerByte: bytes > 0 ? fields.flops / bytes : 0 };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Cost model state for one (system, model) pair. */
class DecodeModel {
  readonly spec: PimSpec;
  readonly std: DramStandard;
  readonly org: DramStandard['organization'];
  readonly channels: number;
  readonly tBurst: number;
  readonly requestBytes: number;
  readonly tCKPs: number;
  readonly period: number;
  readonly array: SystolicArrayConfig;
  readonly heads: number;
  readonly granule: number;
  readonly oneLayer: ModelSpec;
  readonly mode: string;

  constructor(readonly system: NeuPimsSystem, readonly model: ModelSpec, readonly tp: number, readonly memo: NeuPimsMemo | null, readonly counters: NeuPimsMemo, readonly gemmTiming: GemmTiming = 'closed-form', readonly commandStreams?: CommandStreamSink) {
    this.spec = system.pim;
    this.std = this.spec.standard;
    this.org = this.std.organization;
    this.channels = this.org.channels;
    this.tBurst = this.std.timing.tBURST!;
    this.requestBytes = bytesPerRequest(this.std);
    this.tCKPs = this.std.tCKPs;
    this.period = system.npu.periodPs;
    const sa = system.npu.systolicArrays;
    this.array = { rows: sa.rows, cols: sa.cols, count: sa.count, dataflow: sa.dataflow, doubleBuffered: sa.doubleBufferedWeights };
    if (model.heads % tp !== 0 || model.kvHeads % tp !== 0 || model.ffnSize % tp !== 0) {
      throw new StrataError(`model '${model.name}': tensor parallelism ${tp} must divide its heads (${model.heads}), KV heads (${model.kvHeads}) and FFN size (${model.ffnSize})`);
    }
    if (model.kvHeads !== model.heads) throw new StrataError(`model '${model.name}': NeuPIMs' attention GEMVs need multi-head attention (kvHeads = heads), this model has ${model.kvHeads} KV heads for ${model.heads} heads`);
    this.heads = model.heads / tp;
    const banks = this.org.ranks * this.org.bankGroups * this.org.banksPerGroup;
    const rowElements = (this.org.columns * (this.org.busWidthBits / 8)) / this.spec.unit.elementBytes;
    this.granule = gcd(gcd(this.spec.unit.macsPerBank, banks), rowElements);
    this.oneLayer = { ...model, layers: 1 };
    this.mode = `${system.npu.file}|${system.pim.file}|rb${this.spec.rowBuffers}|q${system.queueDepth}|${gemmTiming}`;
  }

  /** One channel run of the system's PIM spec, its command log handed to `commandStreams` when there is one. */
  private channelRun(program: PimProgram, requests: NormalRequests, what: string): ChannelRun {
    const sink = this.commandStreams;
    const log = sink?.begin();
    const run = runDualBufferChannel(this.spec, program, requests, { queueDepth: this.system.queueDepth, log });
    // One channel is simulated, with all-bank refresh (runDualBufferChannel's default): the checker sees a one-channel device.
    if (sink && log) sink.end({ logs: [log], standard: { ...this.std, organization: { ...this.org, channels: 1 } }, refresh: 'all-bank', endCycle: run.endCycle, what: `${this.spec.name} channel: ${what}` });
    return run;
  }

  private sharedRuns: SharedChannelRuns | null = null;

  /**
   * Whether runs are shared with the thread's other memos: only with a memo, and not under `--check`
   * (`commandStreams`), where every run this model uses must be simulated here and handed to the checker, not taken
   * from an earlier model's runs or read off a longer stream (AloneStream).
   */
  private get sharesRuns(): boolean {
    return this.memo !== null && this.commandStreams === undefined;
  }

  /** This thread's runs of the system's PIM spec and queue depth (only when `sharesRuns`). */
  private shared(): SharedChannelRuns {
    return (this.sharedRuns ??= sharedRunsOf(this.spec, this.system.queueDepth));
  }

  private none(): NormalRequests {
    return npuTraffic(this.std, { requests: 0, load: 1, seed: 'none' });
  }

  /** The channel's streaming rate for NPU traffic alone (measured once per spec and mode). */
  stream(): Stream {
    const key = this.mode;
    const known = this.counters.stream.get(key);
    if (known) return known;
    const none = new PimProgramBuilder().build();
    const reqs = weightStream(this.std, STREAM_SAMPLE, 1);
    const run = this.channelRun(none, reqs, `NPU streaming-rate sample of ${STREAM_SAMPLE} requests`);
    const s = { cyclesPerRequest: run.normalFinishCycle / STREAM_SAMPLE, energyPjPerRequest: commandEnergyPj(this.spec, run) / STREAM_SAMPLE };
    this.counters.stream.set(key, s);
    return s;
  }

  /** The attention shape of a request with `keys` keys (canonical when memoising). */
  shape(keys: number): AttentionShape {
    const context = this.memo ? Math.ceil(keys / this.granule) * this.granule : keys;
    return { heads: this.heads, headDim: this.model.headDim, context };
  }

  private shapeKey(s: AttentionShape): string {
    return `${this.mode}|${s.heads}x${s.headDim}@${s.context}`;
  }

  /** A request's attention program alone on its channel. */
  pimAlone(keys: number): PimCost {
    const s = this.shape(keys);
    const key = this.shapeKey(s);
    const known = this.memo?.pim.get(key);
    if (known) {
      this.counters.reused++;
      return known;
    }
    this.counters.simulated++;
    const sharedKey = `${s.heads}x${s.headDim}@${s.context}`;
    const shared = this.sharesRuns ? this.shared().pim.get(sharedKey) : undefined;
    if (shared) {
      this.memo!.pim.set(key, shared);
      return shared;
    }
    const plan = planNeuPimsAttention(this.spec, s);
    const run = this.channelRun(plan.program, this.none(), `attention program ${s.heads} heads x ${s.headDim} at context ${s.context}, alone`);
    const c = { cycles: run.pimFinishCycle, energyPj: commandEnergyPj(this.spec, run), instructions: issuedInstructions(this.spec, plan.program) };
    this.memo?.pim.set(key, c);
    if (this.sharesRuns) this.shared().pim.set(sharedKey, c);
    return c;
  }

  /** A request's attention program with NPU traffic offered at `loadSteps` / LOAD_STEPS of the channel peak for the program's length. */
  coRun(keys: number, loadSteps: number): CoRunCost {
    const s = this.shape(keys);
    const key = `${this.shapeKey(s)}|load${loadSteps}`;
    const known = this.memo?.coRun.get(key);
    if (known) {
      this.counters.reused++;
      return known;
    }
    const alone = this.pimAlone(keys);
    this.counters.simulated++;
    const sharedKey = `${s.heads}x${s.headDim}@${s.context}|load${loadSteps}`;
    const shared = this.sharesRuns ? this.shared().coRun.get(sharedKey) : undefined;
    if (shared) {
      this.memo!.coRun.set(key, shared);
      return shared;
    }
    const load = loadSteps / LOAD_STEPS;
    const n = Math.ceil((alone.cycles * load) / this.tBurst);
    const reqs = weightStream(this.std, n, load);
    const plan = planNeuPimsAttention(this.spec, s);
    const run = this.channelRun(plan.program, reqs, `attention program ${s.heads} heads x ${s.headDim} at context ${s.context} beside ${n} NPU requests`);
    // The requests' own pace (offered over the program's length) is not interference: measure it without PIM.
    const npuAloneCycles = this.sharesRuns
      ? this.npuAloneCycles(reqs, loadSteps)
      : this.channelRun(new PimProgramBuilder().build(), reqs, `${n} NPU requests alone (the pace of the co-run's)`).normalFinishCycle;
    const c = { pimCycles: run.pimFinishCycle, npuRequests: n, npuCycles: run.normalFinishCycle, npuAloneCycles, energyPj: commandEnergyPj(this.spec, run) };
    this.memo?.coRun.set(key, c);
    if (this.sharesRuns) this.shared().coRun.set(sharedKey, c);
    return c;
  }

  /**
   * When the weight stream `reqs` (weightStream at `loadSteps`) finishes alone on the channel (only when `sharesRuns`): a prefix
   * of one longer stream per load, run once (AloneStream: the same cycle as running the prefix, bit for bit), which
   * grows by doubling when a longer prefix is asked for.
   */
  private npuAloneCycles(reqs: NormalRequests, loadSteps: number): number {
    const opts = { queueDepth: this.system.queueDepth };
    const n = reqs.length;
    const shared = this.shared();
    const key = `load${loadSteps}`;
    const known = shared.aloneFinish.get(`${key}|${n}`);
    if (known !== undefined) return known;
    let stream = shared.aloneStreams.get(key);
    if (!stream || stream.length < n) {
      stream = new AloneStream(this.spec, weightStream(this.std, Math.max(n, 2 * (stream?.length ?? 0)), loadSteps / LOAD_STEPS), opts);
      shared.aloneStreams.set(key, stream);
    }
    const f = stream.finish(n);
    shared.aloneFinish.set(`${key}|${n}`, f);
    return f;
  }

  /** One op alone on the NPU: max(compute, its traffic at the streaming rate). */
  op(op: Op): Block {
    const key = `${this.mode}|${op.kind}|${op.cls}|${op.m}x${op.k}x${op.n}x${op.batch}|${op.flops}|${op.weightBytes},${op.activationReadBytes},${op.activationWriteBytes},${op.kvReadBytes},${op.kvWriteBytes}`;
    const known = this.counters.ops.get(key);
    if (known) return known;
    const p = this.model.precisionBytes;
    let computeCycles: number;
    let bytes: number;
    if (op.cls === 'vector') {
      computeCycles = vectorCycles(this.system.npu.vectorUnits, op.flops);
      bytes = op.weightBytes + op.activationReadBytes + op.activationWriteBytes + op.kvReadBytes + op.kvWriteBytes;
    } else {
      const t = tileGemm(this.system.npu, op, p);
      computeCycles = gemmCycles(this.array, t).cycles;
      const bias = op.weightBytes > 0 ? Math.max(0, op.weightBytes - op.batch * op.k * op.n * p) : 0;
      bytes = t.traffic.stationaryBytes + t.traffic.inputBytes + t.traffic.outputBytes + bias + op.kvWriteBytes;
      if (this.gemmTiming === 'cycle-level') {
        // The op alone on the event-driven NPU over this system's DRAM: its time is the run's, its traffic the DMA's.
        const run = runNpuAssignments([{ op: { ...op, deps: [] }, device: 'npu', tiling: t }], p, { npu: this.system.npu, memory: this.std });
        const requests = Math.ceil(run.dram.bytes / this.requestBytes);
        const st = this.stream();
        const b = { ps: run.timePs, memoryPs: Math.min(run.timePs, Math.ceil(Math.ceil(requests / this.channels) * st.cyclesPerRequest * this.tCKPs)), requests, energyPj: requests * st.energyPjPerRequest, bytes: run.dram.bytes };
        this.counters.ops.set(key, b);
        return b;
      }
    }
    const requests = Math.ceil(bytes / this.requestBytes);
    const st = this.stream();
    const memoryPs = Math.ceil(Math.ceil(requests / this.channels) * st.cyclesPerRequest * this.tCKPs);
    const ps = Math.max(computeCycles * this.period, memoryPs);
    const b = { ps, memoryPs, requests, energyPj: requests * st.energyPjPerRequest, bytes };
    this.counters.ops.set(key, b);
    return b;
  }

  /** Ops run one after another: summed. */
  sum(ops: readonly Op[]): Block {
    let ps = 0, memoryPs = 0, requests = 0, energyPj = 0, bytes = 0;
    for (const o of ops) {
      const b = this.op(shardOp(o, this.tp));
      ps += b.ps;
      memoryPs += b.memoryPs;
      requests += b.requests;
      energyPj += b.energyPj;
      bytes += b.bytes;
    }
    return { ps, memoryPs, requests, energyPj, bytes };
  }

  /** Layer-0 ops of an M-request decode outside attention, split into pre (before attention) and post; head ops (layer -1). */
  layerOps(m: number): { pre: Op[]; post: Op[]; head: Op[] } {
    const ops = buildOpGraph(this.oneLayer, decodeStep(new Array<number>(m).fill(1)));
    const pre: Op[] = [], post: Op[] = [], head: Op[] = [];
    let seenAttention = false;
    for (const op of ops) {
      if (op.layer < 0) head.push(op);
      else if (ATTENTION_KINDS.has(op.kind)) seenAttention = true;
      else (seenAttention ? post : pre).push(op);
    }
    return { pre, post, head };
  }

  block(which: 'pre' | 'post' | 'head', m: number): Block {
    const key = `${this.mode}|${this.model.name}|tp${this.tp}|${which}|${m}`;
    const known = this.counters.blocks.get(key);
    if (known) return known;
    const b = this.sum(this.layerOps(m)[which]);
    this.counters.blocks.set(key, b);
    return b;
  }

  /** NPU-only attention of one request (score, softmax, context on the NPU), timed by the system's schedule. */
  npuAttention(context: number): Block {
    const ops = buildOpGraph(this.oneLayer, decodeStep([context])).filter((o) => ATTENTION_KINDS.has(o.kind));
    const batched = this.sum(ops);
    if (this.system.npuAttentionSchedule === 'batched') return batched;
    // Head by head (NeuPIMs' npu-only branch, src/operations/FusedMHA.cc): per head one matrix instruction for
    // q K^T, a softmax, then one per R keys (ceil((keys + R - 1) / R) of them) for softmax x V. Each instruction
    // starts when the previous one finishes (SystolicWS.cc: start = previous finish) and takes R + C - 1 cycles
    // of fill and drain plus its streamed rows, which the 8 arrays, modelled as one array 8x as fast, divide by
    // their count (size = keys / 8 for q K^T, head size / 8 for softmax x V). The K/V loads overlap the chain.
    const a = this.array;
    const keys = context + 1;
    const fill = a.rows + a.cols - 1;
    const score = fill + Math.floor(keys / a.count);
    const contextCycles = Math.ceil((keys + a.rows - 1) / a.rows) * (fill + Math.floor(this.model.headDim / a.count));
    const chainPs = this.heads * ((score + contextCycles) * this.period + this.softmaxPs(keys) / this.heads);
    return { ...batched, ps: Math.max(batched.memoryPs, Math.ceil(chainPs)) };
  }

  /** Cycles of a request's softmax on the vector units (heads x keys elements). */
  softmaxPs(keys: number): number {
    return vectorCycles(this.system.npu.vectorUnits, VECTOR_FLOPS.softmax * this.heads * keys) * this.period;
  }
}

/** The attention of one (sub-)batch on PIM, alone or beside an NPU block. */
interface AttentionPhase {
  readonly pimPs: number;
  readonly npuPs: number;
  readonly energyPj: number;
  readonly cycles: Float64Array;
}

function attentionPhase(d: DecodeModel, keys: readonly number[], members: readonly number[], channelOf: Int32Array, beside: Block | null): AttentionPhase {
  const C = d.channels;
  const perChannel: number[][] = Array.from({ length: C }, () => []);
  for (const i of members) perChannel[channelOf[i]!]!.push(i);
  const cycles = new Float64Array(C);
  let energyPj = 0;
  let pimPs = 0;
  let worstDelay = 0;
  const share = beside ? Math.ceil(beside.requests / C) : 0;
  const intensity = beside && beside.ps > 0 ? Math.min(1, beside.memoryPs / beside.ps) : 0;
  for (let c = 0; c < C; c++) {
    const list = perChannel[c]!;
    if (list.length === 0) continue;
    let softmax = 0;
    for (const i of list) softmax = Math.max(softmax, d.softmaxPs(keys[i]!));
    let alone = 0;
    for (const i of list) alone += d.pimAlone(keys[i]!).cycles;
    if (!beside || share === 0) {
      for (const i of list) energyPj += d.pimAlone(keys[i]!).energyPj;
      cycles[c] = alone;
    } else {
      // Offered load: the block's memory intensity, at most its share of requests over the programs' length.
      const load = Math.min(intensity, (share * d.tBurst) / alone);
      const steps = Math.max(1, Math.ceil(load * LOAD_STEPS - 1e-9));
      let pim = 0, served = 0, npu = 0, npuAlone = 0;
      for (const i of list) {
        const r = d.coRun(keys[i]!, steps);
        pim += r.pimCycles;
        served += r.npuRequests;
        npu += r.npuCycles;
        npuAlone += r.npuAloneCycles;
        energyPj += r.energyPj;
      }
      cycles[c] = pim;
      // Extra time the block's requests took on this channel because the PIM programs ran beside them (against the
      // same requests at the same pace without PIM), for at most the block's share.
      const delay = Math.max(0, npu - npuAlone) * Math.min(1, share / served);
      worstDelay = Math.max(worstDelay, delay);
    }
    pimPs = Math.max(pimPs, Math.ceil(cycles[c]! * d.tCKPs) + softmax);
  }
  const rate = d.system.pimIssuePerCycle;
  if (rate !== null) {
    // One NPU-side queue feeds every channel at `rate` instructions per NPU cycle (NeuPIMs' npu+pim branch), so
    // the attention lasts at least as long as issuing all the channels' instructions one after another.
    let instructions = 0;
    for (const i of members) instructions += d.pimAlone(keys[i]!).instructions;
    pimPs = Math.max(pimPs, Math.ceil(instructions / rate) * d.period);
  }
  const npuPs = beside ? beside.ps + Math.ceil(worstDelay * d.tCKPs) : 0;
  return { pimPs, npuPs, energyPj, cycles };
}

/** One decode iteration of `model` on `system` for requests with `contexts` tokens cached each (see the file comment). */
export function neupimsDecode(system: NeuPimsSystem, model: ModelSpec, contexts: readonly number[], opts: NeuPimsDecodeOptions = {}): NeuPimsDecodeResult {
  if (contexts.length === 0) throw new StrataError('a NeuPIMs decode iteration needs at least one request');
  contexts.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 1) throw new StrataError(`request ${i}: context length must be a whole number >= 1 (tokens cached), got ${c}`);
    if (c + 1 > model.maxPositions && model.positionScheme === 'learned') throw new StrataError(`request ${i}: context ${c} + 1 exceeds model '${model.name}''s ${model.maxPositions} positions`);
  });
  const par = parallelismFor(system, model.name);
  const tp = opts.tp ?? par.tp;
  if (!Number.isInteger(tp) || tp < 1) throw new StrataError(`tensor parallelism must be a whole number >= 1, got ${tp}`);
  const memo = opts.memo === undefined ? new NeuPimsMemo() : opts.memo;
  const counters = memo ?? new NeuPimsMemo();
  const sim0 = counters.simulated, reuse0 = counters.reused;
  const d = new DecodeModel(system, model, tp, memo, counters, opts.gemmTiming ?? 'closed-form', opts.commandStreams);
  const B = contexts.length;
  const keys = contexts.map((c) => c + 1);
  const L = model.layers;
  const balancing = opts.balancing ?? system.channelBalancing;
  let channelOf: Int32Array;
  if (opts.channels) {
    const given = opts.channels;
    if (given.length !== B) throw new StrataError(`channels: expected one channel per request (${B}), got ${given.length}`);
    given.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c >= d.channels) throw new StrataError(`channels: request ${i}: expected a whole number from 0 to ${d.channels - 1}, got ${c}`);
    });
    channelOf = Int32Array.from(given);
  } else channelOf = assignChannels(keys, d.channels, balancing);
  const sub = opts.subBatch ?? 'auto';
  const interleave = system.attention === 'pim' && B >= 2 &&
    (sub === 'on' || (sub === 'auto' && system.subBatchMinBatch !== null && B >= system.subBatchMinBatch));

  const phases: PhaseRecord[] = [];
  const intervals: BusyInterval[] = [];
  let t = 0;
  let energy = 0;
  let npuBusy = 0;
  let pimBusy = 0;
  let npuRequests = 0;
  const layerCycles = new Float64Array(d.channels);
  const layerMacs = new Float64Array(d.channels);
  for (let i = 0; i < B; i++) layerMacs[channelOf[i]!]! += system.attention === 'pim' ? 2 * keys[i]! * d.heads * model.headDim : 0;

  /** Appends `repeats` copies of a phase at the current time. */
  const run = (name: string, repeats: number, npu: Block | null, npuPs: number, att: AttentionPhase | null, label: (r: number) => string) => {
    const pimPs = att ? att.pimPs : 0;
    const dur = Math.max(npuPs, pimPs);
    phases.push({ name, repeats, npuPs, pimPs, durationPs: dur });
    for (let r = 0; r < repeats; r++) {
      if (npuPs > 0) intervals.push({ unit: 'npu', label: `${name} ${label(r)}`.trim(), startPs: t, endPs: t + npuPs });
      if (pimPs > 0) intervals.push({ unit: 'pim', label: `${name} ${label(r)}`.trim(), startPs: t, endPs: t + pimPs });
      t += dur;
    }
    npuBusy += npuPs * repeats;
    pimBusy += pimPs * repeats;
    energy += ((npu ? npu.energyPj : 0) + (att ? att.energyPj : 0)) * repeats;
    npuRequests += (npu ? npu.requests : 0) * repeats;
    if (att) for (let c = 0; c < d.channels; c++) layerCycles[c]! += (att.cycles[c]! * repeats) / L;
  };
  const all = keys.map((_, i) => i);
  const combine = (a: Block, b: Block): Block => ({
    ps: a.ps + b.ps, memoryPs: a.memoryPs + b.memoryPs, requests: a.requests + b.requests, energyPj: a.energyPj + b.energyPj, bytes: a.bytes + b.bytes,
  });

  if (system.attention === 'npu') {
    const pre = d.block('pre', B);
    const post = d.block('post', B);
    let att: Block = { ps: 0, memoryPs: 0, requests: 0, energyPj: 0, bytes: 0 };
    for (const c of contexts) att = combine(att, d.npuAttention(c));
    const layer = combine(combine(pre, att), post);
    run('layer', L, layer, layer.ps, null, (r) => `L${r}`);
  } else if (!interleave) {
    const pre = d.block('pre', B);
    const post = d.block('post', B);
    const att = attentionPhase(d, keys, all, channelOf, null);
    for (let l = 0; l < L; l++) {
      run('pre', 1, pre, pre.ps, null, () => `L${l}`);
      run('attention', 1, null, 0, att, () => `L${l}`);
      run('post', 1, post, post.ps, null, () => `L${l}`);
    }
    // Intervals above are per layer; phases are merged below into distinct records.
  } else {
    const half = splitSubBatches(keys, channelOf, d.channels);
    const s1 = all.filter((i) => half[i] === 0);
    const s2 = all.filter((i) => half[i] === 1);
    const pre1 = d.block('pre', s1.length), pre2 = d.block('pre', s2.length);
    const post1 = d.block('post', s1.length), post2 = d.block('post', s2.length);
    const np1 = combine(post1, pre1), np2 = combine(post2, pre2);
    run('pre1', 1, pre1, pre1.ps, null, () => 'L0');
    const p1 = attentionPhase(d, keys, s1, channelOf, pre2);
    run('pre2|att1', 1, pre2, p1.npuPs, p1, () => 'L0');
    if (L > 1) {
      const a = attentionPhase(d, keys, s2, channelOf, np1);
      const b = attentionPhase(d, keys, s1, channelOf, np2);
      for (let l = 0; l < L - 1; l++) {
        run('post1+pre1|att2', 1, np1, a.npuPs, a, () => `L${l}`);
        run('post2+pre2|att1', 1, np2, b.npuPs, b, () => `L${l}`);
      }
    }
    const last = attentionPhase(d, keys, s2, channelOf, post1);
    run('post1|att2', 1, post1, last.npuPs, last, () => `L${L - 1}`);
    run('post2', 1, post2, post2.ps, null, () => `L${L - 1}`);
  }
  const head = d.block('head', B);
  run('head', 1, head, head.ps, null, () => '');

  // Merge repeated phases of the same name into one record each, in first-seen order.
  const merged: PhaseRecord[] = [];
  for (const p of phases) {
    const m = merged.find((q) => q.name === p.name && q.npuPs === p.npuPs && q.pimPs === p.pimPs);
    if (m) (m as { repeats: number }).repeats += p.repeats;
    else merged.push({ ...p });
  }
  invariant(t > 0, 'a decode iteration takes time');
  const devices = tp * par.pp;
  return {
    system: system.name, model: model.name, batch: B, tp, pp: par.pp, devices, subBatchInterleaving: interleave, balancing,
    rowBuffers: system.pim.rowBuffers, timePs: t, tokensPerSecond: B / (t / 1e12), phases: merged, intervals,
    npuBusyPs: npuBusy, pimBusyPs: pimBusy, npuUtilisation: npuBusy / t, pimUtilisation: pimBusy / t,
    channels: { loads: Array.from(channelLoads(keys, channelOf, d.channels)), attentionCycles: Array.from(layerCycles), macs: Array.from(layerMacs) },
    peak: {
      macsPerCycle: (d.org.ranks * d.org.bankGroups * d.org.banksPerGroup * system.pim.unit.macsPerBank) / compIntervalCycles(system.pim),
      bytesPerCycle: d.requestBytes / d.tBurst,
    },
    npuBytes: npuRequests * d.requestBytes,
    energyPj: energy * tp,
    simulated: counters.simulated - sim0, reused: counters.reused - reuse0,
  };
}

/** Options of neupimsPrefill. */
export interface NeuPimsPrefillOptions {
  readonly tp?: number;
  readonly memo?: NeuPimsMemo | null;
  /** As NeuPimsDecodeOptions.commandStreams (the NPU streaming-rate sample, when this call simulates it). */
  readonly commandStreams?: CommandStreamSink;
}

/**
 * Prompt processing on a NeuPIMs-family system: every op of the prefill (or chunked-prefill) step on the NPU, one
 * after another, each timed as in neupimsDecode (attention's products are GEMMs here; NeuPIMs runs prefill on
 * the NPU). Returns the time of one tensor-parallel shard (all layers) and the DRAM energy of the tp devices.
 */
export function neupimsPrefill(system: NeuPimsSystem, model: ModelSpec, requests: readonly StepRequest[], opts: NeuPimsPrefillOptions = {}): { timePs: number; energyPj: number } {
  const tp = opts.tp ?? parallelismFor(system, model.name).tp;
  const memo = opts.memo === undefined ? new NeuPimsMemo() : opts.memo;
  const d = new DecodeModel(system, model, tp, memo, memo ?? new NeuPimsMemo(), 'closed-form', opts.commandStreams);
  const b = d.sum(buildOpGraph(model, makeStep('mixed', requests)));
  return { timePs: b.ps, energyPj: b.energyPj * tp };
}

/**
 * The NPU's time alone (ps, nothing beside it in the channels) for one layer's `pre` block (LayerNorm and QKV) or
 * `post` block (projection, residuals, LayerNorm, FFN) of `m` requests, costed as neupimsDecode costs it. The
 * stage comparison with the NeuPIMs authors' simulator (src/validation/neupims-reference.ts) sets it beside the
 * same block's time next to PIM, to split an interleaved stage into the NPU's own time and its slowdown.
 */
export function neupimsNpuBlockPs(system: NeuPimsSystem, model: ModelSpec, which: 'pre' | 'post', m: number, opts: { tp?: number; memo?: NeuPimsMemo | null; gemmTiming?: GemmTiming } = {}): number {
  if (!Number.isInteger(m) || m < 1) throw new StrataError(`NPU block: requests must be a whole number >= 1, got ${m}`);
  const tp = opts.tp ?? parallelismFor(system, model.name).tp;
  const memo = opts.memo === undefined ? new NeuPimsMemo() : opts.memo;
  const d = new DecodeModel(system, model, tp, memo, memo ?? new NeuPimsMemo(), opts.gemmTiming ?? 'closed-form');
  return d.block(which, m).ps;
}
