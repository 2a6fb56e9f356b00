import { join } from 'node:path';
import { StrataError } from '../../spec/errors.ts';
import { FieldReader } from '../../spec/fields.ts';
import { readSpecFile } from '../../spec/json-file.ts';
import { buildOpGraph } from '../../compiler/lower.ts';
import { assertFits, tokensFootprint } from '../../compiler/footprint.ts';
import { pimCapacityBytes } from '../../compiler/policies/pim-gemv-tiling.ts';
import type { ModelSpec } from '../../compiler/model.ts';
import type { Op } from '../../ir/op.ts';
import { CommandLog } from '../../dram/command-log.ts';
import { decodeStep, prefillStep } from '../../compiler/step.ts';
import { opBytes } from '../../ir/op.ts';
import { Simulator } from '../../kernel/simulator.ts';
import { invariant, withContext } from '../../spec/errors.ts';
import { Asic, asicOccupancyCycles, loadAsic, type AsicSpec } from '../../pim/asic.ts';
import { planPimGemv, type PimGemvPlan } from './gemv.ts';
import { globalBuffer, globalBufferEnergyPj } from '../../pim/global-buffer.ts';
import { PimChannel, PimChannelSequencer, type PimStep } from '../../pim/pim-channel.ts';
import { parseLink, type PimLink } from '../../pim/pim-link.ts';
import { loadPimSpec, type PimSpec } from '../../pim/pim-spec.ts';
import { ProgramMemo } from '../../pim/program-memo.ts';
import { resultLatch, resultLatchEnergyPj } from '../../pim/result-latch.ts';
import { criticalPath, TokenGraph, tokenTimeline, type CriticalPath, type TokenNode, type TokenSpan } from './token-graph.ts';
import { checkFamily, systemFile } from '../presets.ts';
import { canonicalKey, HiddenFields, readPathOf, TimingCache } from '../../spec/timing-cache.ts';

/** A PIM-GPT style system: in-bank PIM for every matrix-vector product, an ASIC for the rest, a link per channel between them. */
export interface PimGptSystem {
  readonly name: string;
  readonly file: string;
  readonly pim: PimSpec;
  readonly asic: AsicSpec;
  readonly link: PimLink;
  /** Fields of the system file with no public source. */
  readonly assumptions: readonly string[];
}

/** Loads arch/systems/NAME.json naming a PIM spec and an ASIC and describing the link. */
export function loadPimGptSystem(name = 'pim-gpt'): PimGptSystem {
  const file = systemFile(name, 'pim-gpt', 'system', ' for policy pim-gpt');
  const { json, assumptions } = readSpecFile(file);
  const r = FieldReader.root(file, json);
  r.onlyKeys(['name', 'family', 'description', 'source', 'pim', 'asic', 'link']);
  checkFamily(r, 'pim-gpt');
  r.string('source');
  const pim = withContext(() => loadPimSpec(r.string('pim')), (m) => `${r.where('pim')}: ${m}`);
  return { name: r.string('name'), file, pim, asic: withContext(() => loadAsic(r.string('asic')), (m) => `${r.where('asic')}: ${m}`), link: parseLink(r.object('link'), pim), assumptions: assumptions.map((a) => a.path) };
}

/** Energy of PIM-GPT work by component, pJ. */
export interface PimGptEnergy {
  /** All-bank row activations (with their precharges), IDD method per bank. */
  activate: number;
  /** Array reads feeding the MAC lanes: 32 B per bank per MAC16 at the cell energy per bit. */
  arrayRead: number;
  /** MAC lanes. */
  mac: number;
  /** Input vectors into the global buffers and results out of the channels: the DRAM's datapath plus the ASIC-PIM link, per bit. */
  io: number;
  /** Global-buffer writes and reads (every MAC16 reads its 32 B) and result-latch reads. */
  buffers: number;
  refresh: number;
  /** Active standby of every channel for the token's whole time. */
  background: number;
  asic: number;
}

/** Where a token's time went along its critical path, ps (src/systems/pim-gpt/token-graph.ts criticalPath). */
export type PimTime = CriticalPath;

/** One token's work. Times in ps. */
export interface TokenCost {
  readonly contextLength: number;
  /** The token's latency: from the end of the previous token to its last result at the ASIC. */
  readonly totalPs: number;
  /** Of it, on the critical path: in PIM (channels and link crossings) and on the ASIC. */
  readonly pimPs: number;
  readonly asicPs: number;
  /** The critical path split by what it waited for; sums to totalPs. */
  readonly path: PimTime;
  readonly energy: PimGptEnergy;
  /** Commands issued over all channels in the token, by name (refreshes while idle included). */
  readonly commands: Readonly<Record<string, number>>;
  /** Channel-program segments simulated command by command in this token, and reused (src/pim/program-memo.ts). */
  readonly simulatedGemvs: number;
  readonly reusedGemvs: number;
  /** Every node's unit and start/end times (ps from the token's start), with `timeline: true` only. */
  readonly timeline?: readonly TokenSpan[];
}

/**
 * One token as the timing simulation leaves it, before pricing: a TokenCost without its energy, with what the
 * energy is priced from (priceToken). Nothing in it depends on a field that only prices work (PRICE_FIELDS).
 */
export interface TokenTiming extends Omit<TokenCost, 'energy'> {
  /** MACs of every PIM op's plan. */
  readonly macs: number;
  /** Per ASIC op in graph order, its element operations and the bytes it moves: [flops, bytes, flops, bytes, ...]. */
  readonly asicWork: readonly number[];
}

const zero = (): PimGptEnergy => ({ activate: 0, arrayRead: 0, mac: 0, io: 0, buffers: 0, refresh: 0, background: 0, asic: 0 });

/** Ops that PIM-GPT runs in the banks: matrix products over weights or the KV cache. */
export function runsInPim(op: Op): boolean {
  return (op.cls === 'gemm' || op.cls === 'gemv') && (op.weightBytes > 0 || op.kvReadBytes > 0);
}

/** Options of a PIM-GPT run. */
export interface PimGptOptions {
  /** Told after every token (prompt and generated): tokens done, of all (for progress; it changes nothing). */
  onToken?: (done: number, total: number) => void;
  /** Simulate even where a timing with the same key is kept (to compare a kept timing with a fresh one). */
  fresh?: boolean;
  /**
   * Reuse simulated channel-program segments (default true; exact: a segment's cycles depend only on the
   * program and the channel's relative timing state). False issues every command through TimingState.
   */
  reuse?: boolean;
  /**
   * Let work overlap where the dependencies allow (default true): a channel opens the first row of its next
   * GEMV before the input arrives, and softmax runs per attention head, each head's context GEMV starting when
   * its own softmax is done. False waits for every input and runs softmax whole (the serial schedule).
   */
  overlap?: boolean;
  /**
   * Split softmax per attention head (default false): each head's softmax waits only for the channels holding its
   * scores, and each channel's context program only for its heads' softmax. With PIM-GPT's layout (every head's
   * rows spread over whole channels, all channels finishing together) it does not shorten a token (measured in
   * docs/validation.md), and it gives channels different inputs, so it turns off grouping identical channels.
   */
  perHeadSoftmax?: boolean;
  /** Record every command of every channel (needs reuse: false). */
  commandLogs?: CommandLog[];
  /** Record each token's node spans in `TokenCost.timeline` (default false; timing is the same either way). */
  timeline?: boolean;
}

/** For each key, the index of its first occurrence, written into `out`. */
function firstOfEqual(keys: readonly string[], out: Int32Array): void {
  const first = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) {
    const f = first.get(keys[i]!);
    if (f === undefined) first.set(keys[i]!, i);
    out[i] = f ?? i;
  }
}

/** Per op of a token graph: its nodes and, per node, the range of batch instances (attention heads) it covers. */
interface PlacedOp {
  readonly batch: number;
  readonly nodes: TokenNode[];
  readonly lo: number[];
  readonly hi: number[];
}

/**
 * The indices of the nodes a node of `op` covering batch instances [lo, hi] waits for: every node of each placed
 * dependency, or with per-head softmax (`perHead`) between ops of the same batch, those covering an overlapping range.
 */
function predsOf(placed: ReadonlyMap<string, PlacedOp>, perHead: boolean, op: Op, lo: number, hi: number): number[] {
  const preds: number[] = [];
  for (const d of op.deps) {
    const p = placed.get(d);
    if (!p) continue;
    const matched = perHead && op.batch > 1 && p.batch === op.batch;
    for (let i = 0; i < p.nodes.length; i++) {
      if (!matched || (p.lo[i]! <= hi && p.hi[i]! >= lo)) preds.push(p.nodes[i]!.index);
    }
  }
  return preds;
}

/**
 * The ops of one batch-1 token at `contextLength` cached tokens (0: the prompt's first token, a one-token prefill).
 * A function of its own, so that the first prefill after decode tokens finds no call site without feedback in
 * tokenTiming (one of its deopts, "insufficient type feedback for call").
 */
function tokenOps(model: ModelSpec, contextLength: number): Op[] {
  return buildOpGraph(model, contextLength === 0 ? prefillStep([1]) : decodeStep([contextLength]));
}

/** Share j of `total` cut into `parts` near-equal whole pieces. */
const part = (total: number, j: number, parts: number) => Math.floor((total * (j + 1)) / parts) - Math.floor((total * j) / parts);

/**
 * A PIM-GPT machine: the event kernel with one component per PIM channel and one ASIC, whose state (timing,
 * refresh, the memo of simulated program segments) carries over from token to token. `token` runs one decode
 * token of batch 1 as a dependency graph (src/systems/pim-gpt/token-graph.ts): every matrix product over weights or the KV
 * cache as one node per channel with work (its program of the op's GEMV; an op with m rows runs m GEMVs), every
 * other op on the ASIC. Attention over several heads is one GEMV whose outputs are all heads' scores (or context
 * values), each head's rows in its own banks; with overlap on, the heads' softmax nodes each wait only for the
 * channels holding that head's scores, and each channel's context program only for its heads' softmax.
 */
export class PimGptMachine {
  readonly sim = new Simulator();
  readonly channels: PimChannel[];
  readonly asic: Asic;
  readonly memo: ProgramMemo | null;
  /**
   * Plans by shape, with their channel programs (equal ones shared) and, per channel, 1 + the memo's id of its
   * program (0: none), or null where every channel has the same program or there is no memo (groupChannels).
   */
  private readonly plans = new Map<string, { plan: PimGemvPlan; programs: readonly (readonly PimStep[])[]; programIds: readonly number[] | null }>();
  private readonly interned = new Map<string, readonly PimStep[]>();
  private readonly overlap: boolean;
  private readonly perHead: boolean;
  private readonly timeline: boolean;
  private endPs = 0;
  /** The units that run a token graph's nodes (made once: a token only hands them to its graph). */
  private readonly runners: Record<'pim' | 'asic', { nodeReady(node: TokenNode): void }>;
  /**
   * Per-channel scratch of a token, made once per machine (typed arrays over 64 bytes live outside V8's heap, and
   * made per token they had V8 run mark-compacts for that memory): each channel's leader (groupChannels), how many
   * channels a leader stands for, the lists groupChannels refines, and idle refreshes before the token.
   */
  private readonly leader: Int32Array;
  private readonly groupSize: Int32Array;
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private readonly idleBefore: Float64Array;
  /** Each channel's state key (groupChannels), in one array for every token. */
  private readonly stateKeys: string[];

  constructor(readonly system: PimGptSystem, opts: PimGptOptions = {}) {
    const std = system.pim.standard;
    this.memo = opts.reuse === false ? null : new ProgramMemo(std);
    invariant(!(this.memo && opts.commandLogs), 'command logs need reuse: false');
    this.overlap = opts.overlap !== false;
    this.perHead = opts.perHeadSoftmax === true;
    this.timeline = opts.timeline === true;
    this.channels = Array.from({ length: std.organization.channels }, (_, c) => {
      let log: CommandLog | undefined;
      if (opts.commandLogs) {
        log = new CommandLog(c);
        opts.commandLogs.push(log);
      }
      return new PimChannel(this.sim, c, new PimChannelSequencer(std, { memo: this.memo, log, prefetch: this.overlap }), std.tCKPs);
    });
    this.asic = new Asic(this.sim, system.asic);
    const nch = this.channels.length;
    this.leader = new Int32Array(nch);
    this.groupSize = new Int32Array(nch);
    this.head = new Int32Array(nch);
    this.next = new Int32Array(nch);
    this.idleBefore = new Float64Array(nch);
    this.stateKeys = Array.from({ length: nch }, () => '');
    const channels = this.channels;
    this.runners = { pim: { nodeReady: (n) => channels[n.channel]!.nodeReady() }, asic: this.asic };
  }

  /** The plan of a GEMV shape, with channel programs that are equal shared (one array), so the memo sees them as one. */
  private planFor(out: number, k: number): { plan: PimGemvPlan; programs: readonly (readonly PimStep[])[]; programIds: readonly number[] | null } {
    const key = `${out}x${k}`;
    let p = this.plans.get(key);
    if (!p) {
      const plan = planPimGemv(this.system.pim, out, k);
      // The plan shares one array among its channels with equal programs: each is interned once.
      const seen = new Map<readonly PimStep[], readonly PimStep[]>();
      const programs = plan.programs.map((prog) => {
        let shared = seen.get(prog);
        if (shared) return shared;
        const text = prog.map((s) => `${s.cmd},${s.row},${s.count}`).join(';');
        shared = this.interned.get(text);
        if (!shared) {
          shared = prog;
          this.interned.set(text, prog);
        }
        seen.set(prog, shared);
        return shared;
      });
      const memo = this.memo;
      const ids = memo ? programs.map((prog) => (prog.length ? 1 + memo.programId(prog) : 0)) : null;
      p = { plan, programs, programIds: ids && ids.some((id) => id !== ids[0]) ? ids : null };
      this.plans.set(key, p);
    }
    return p;
  }

  /**
   * For each channel, the channel that runs its share of this token for it: channels that start the token in the
   * same state and receive the same programs (every channel of an op gets the same inputs) run identically, so one
   * of them is simulated and the others take over its state afterwards. Without a memo (command-by-command
   * reference runs) or with per-head softmax every channel runs itself.
   */
  private groupChannels(ops: readonly Op[]): Int32Array {
    const n = this.channels.length;
    const leader = this.leader;
    if (!this.memo || this.perHead) {
      for (let c = 0; c < n; c++) leader[c] = c;
      return leader;
    }
    // Classes of channels with the same start state, split by each PIM op's program in turn (every channel of an op
    // has the op's repeat count, so only the programs tell channels apart); each class is named by its lowest
    // channel. Refined op by op rather than keyed by one text per channel of every op's program: a gpt2-xl token
    // wrote 9,000 such pieces of text.
    // Loops rather than map, Array.from and their closures here and in tokenTiming: this runs once per token, and
    // the closures' call sites were among the deopts that had a sweep thread recompile tokenTiming (--trace-deopt).
    const keys = this.stateKeys;
    for (let c = 0; c < n; c++) keys[c] = this.channels[c]!.sequencer.stateKey()!;
    firstOfEqual(keys, leader);
    // Per class (named by its lowest channel), its channels that lead a (class, program) pair so far, as a list
    // through `next`; refined in place (a channel's new leader is at or below it, visited before it).
    const head = this.head;
    const next = this.next;
    for (const op of ops) {
      if (!runsInPim(op)) continue;
      const { programIds } = this.planFor(op.batch * op.n, op.k);
      if (programIds === null) continue;
      head.fill(-1);
      for (let c = 0; c < n; c++) {
        const l = leader[c]!;
        const id = programIds[c]!;
        let r = head[l]!;
        while (r >= 0 && programIds[r] !== id) r = next[r]!;
        if (r < 0) {
          next[c] = head[l]!;
          head[l] = c;
          r = c;
        }
        leader[c] = r;
      }
    }
    return leader;
  }

  /**
   * Runs one decode token of batch 1 at `contextLength` cached tokens (0: the prompt's first token, a one-token
   * prefill). `timeline` records this token's node spans (default: the machine's `timeline` option); it changes no time.
   */
  token(model: ModelSpec, contextLength: number, timeline = this.timeline): TokenCost {
    return priceToken(this.system, this.tokenTiming(model, contextLength, timeline));
  }

  /**
   * Adds the nodes of a token's ops to `graph` and queues its PIM nodes on their channels (only on channels that
   * lead their group, `leader`, each standing for its group's size); pushes each ASIC op's [flops, bytes] onto
   * `asicWork`; returns the MACs of every PIM op's plan. Apart from tokenTiming, and with predsOf a function rather
   * than a closure over the machine: TurboFan compiled tokenTiming, then some 2,900 bytes of bytecode with all this
   * inlined, again after each deopt in any part of it, in every sweep thread (--trace-opt).
   */
  private placeOps(graph: TokenGraph, ops: readonly Op[], leader: Int32Array, asicWork: number[]): number {
    const asic = this.system.asic;
    const o = this.system.pim.standard.organization;
    const banks = o.bankGroups * o.banksPerGroup;
    const placed = new Map<string, PlacedOp>();
    let macs = 0;
    /** How many channels each leader stands for. */
    const groupSize = this.groupSize;
    groupSize.fill(0);
    for (let c = 0; c < leader.length; c++) groupSize[leader[c]!]!++;
    for (const op of ops) {
      const entry: PlacedOp = { batch: op.batch, nodes: [], lo: [], hi: [] };
      if (runsInPim(op)) {
        const out = op.batch * op.n;
        const { plan, programs } = this.planFor(out, op.k);
        const perChannel = banks * plan.rowsPerBank;
        for (let rep = 0; rep < op.m; rep++) {
          for (let ch = 0; ch < programs.length; ch++) {
            const program = programs[ch]!;
            if (program.length === 0 || leader[ch] !== ch) continue;
            const first = ch * perChannel;
            const last = Math.min(out, first + perChannel) - 1;
            const lo = Math.floor(first / op.n);
            const hi = Math.floor(last / op.n);
            const node = graph.add({ kind: 'pim', op, channel: ch, weight: groupSize[ch]!, program, asicCycles: 0, asicLatencyCycles: 0, preds: predsOf(placed, this.perHead, op, lo, hi) });
            this.channels[ch]!.enqueue(graph, node);
            entry.nodes.push(node);
            entry.lo.push(lo);
            entry.hi.push(hi);
          }
          macs += plan.macs;
        }
      } else {
        const split = this.perHead && op.batch > 1 ? op.batch : 1;
        asicWork.push(op.flops, opBytes(op));
        for (let j = 0; j < split; j++) {
          const lo = split > 1 ? j : 0;
          const hi = split > 1 ? j : op.batch - 1;
          const node = graph.add({
            kind: 'asic', op, channel: -1, weight: 1, program: null, asicCycles: asicOccupancyCycles(asic, part(op.flops, j, split)),
            asicLatencyCycles: asic.opLatencyCycles, preds: predsOf(placed, this.perHead, op, lo, hi),
          });
          entry.nodes.push(node);
          entry.lo.push(lo);
          entry.hi.push(hi);
        }
      }
      placed.set(op.id, entry);
    }
    return macs;
  }

  /** The timing of one token (as `token`), unpriced: reads no field of PRICE_FIELDS. */
  tokenTiming(model: ModelSpec, contextLength: number, timeline = this.timeline): TokenTiming {
    const std = this.system.pim.standard;
    const ops = tokenOps(model, contextLength);
    const graph = new TokenGraph(this.endPs, this.system.link.latencyPs);
    const asicWork: number[] = [];
    const leader = this.groupChannels(ops);
    const macs = this.placeOps(graph, ops, leader, asicWork);
    const memoBefore = { simulated: this.memo?.simulated ?? 0, reused: this.memo?.reused ?? 0 };
    const nch = this.channels.length;
    const idleBefore = this.idleBefore;
    for (let c = 0; c < nch; c++) idleBefore[c] = this.channels[c]!.sequencer.idleRefreshes;
    this.asic.begin(graph);
    graph.start(this.runners);
    this.sim.run();
    invariant(graph.unfinished === 0, 'every node of a token graph finishes');
    for (const c of this.channels) c.release();
    const startPs = this.endPs;
    this.endPs = graph.endPs();
    this.memo?.endRound();
    const totalPs = this.endPs - startPs;

    // Channels that stood for others hand their state over.
    for (let i = 0; i < nch; i++) {
      const l = leader[i]!;
      if (l !== i) this.channels[i]!.sequencer.copyStateFrom(this.channels[l]!.sequencer, this.channels[l]!.sequencer.idleRefreshes - idleBefore[l]!);
    }
    const counts = new Float64Array(std.commandNames.length);
    for (const n of graph.nodes) {
      if (!n.job) continue;
      const c = n.job.commandCounts;
      for (let i = 0; i < c.length; i++) counts[i]! += c[i]! * n.weight;
    }
    const REF = std.commandNames.indexOf('REF');
    for (let i = 0; i < nch; i++) counts[REF]! += this.channels[i]!.sequencer.idleRefreshes - idleBefore[i]!;
    const commands: Record<string, number> = {};
    for (let i = 0; i < std.commandNames.length; i++) if (counts[i]! > 0) commands[std.commandNames[i]!] = counts[i]!;
    const path = criticalPath(graph, std.commandNames);
    return {
      contextLength,
      totalPs,
      pimPs: totalPs - path.asic,
      asicPs: path.asic,
      path,
      commands,
      simulatedGemvs: (this.memo?.simulated ?? 0) - memoBefore.simulated,
      reusedGemvs: (this.memo?.reused ?? 0) - memoBefore.reused,
      ...(timeline ? { timeline: tokenTimeline(graph) } : {}),
      macs,
      asicWork,
    };
  }
}

/** A token's cost: its timing priced by `system`'s energy fields (the same system, or one differing only in PRICE_FIELDS). */
export function priceToken(system: PimGptSystem, t: TokenTiming): TokenCost {
  const { asic } = system;
  // Summed op by op in graph order, as the ASIC's energy always was (the same sum to the last bit).
  let asicEnergy = 0;
  for (let i = 0; i < t.asicWork.length; i += 2) asicEnergy += t.asicWork[i]! * asic.pjPerOp + t.asicWork[i + 1]! * asic.sramPjPerByte;
  return {
    contextLength: t.contextLength,
    totalPs: t.totalPs,
    pimPs: t.pimPs,
    asicPs: t.asicPs,
    path: t.path,
    energy: tokenEnergy(system, t.commands, t.macs, asicEnergy, t.totalPs),
    commands: t.commands,
    simulatedGemvs: t.simulatedGemvs,
    reusedGemvs: t.reusedGemvs,
    ...(t.timeline ? { timeline: t.timeline } : {}),
  };
}

/**
 * Prices a token's commands: per all-bank activation the base standard's IDD activation energy times the banks,
 * per MAC16 the array read of 32 B in every bank at the cell energy per bit, per MAC the unit's energy, per 32 B
 * buffer write or result read the DRAM datapath and the link per bit, the global buffer and result latches per
 * byte (src/pim/global-buffer.ts, result-latch.ts), per refresh its IDD energy, and active standby (IDD3N) of
 * every channel for the token's whole time.
 */
function tokenEnergy(system: PimGptSystem, c: Readonly<Record<string, number>>, macs: number, asicPj: number, totalPs: number): PimGptEnergy {
  const { pim, link } = system;
  const std = pim.standard;
  const p = std.power;
  const t = std.timing as Record<string, number>;
  const o = std.organization;
  const k = p.VDD * o.devicesPerRank * (std.tCKPs / 1000);
  const banks = o.bankGroups * o.banksPerGroup;
  const actPj = k * (p.IDD0 * t.tRC! - (p.IDD3N * t.tRAS! + p.IDD2N * t.tRP!)) * banks;
  const n = (name: string) => c[name] ?? 0;
  const e = zero();
  e.activate = n('ACT16') * actPj;
  e.arrayRead = n('MAC16') * banks * 32 * 8 * std.pathEnergy.cellPjPerBit;
  e.mac = macs * pim.macPj;
  e.io = (n('WRGB') + n('RDMAC16')) * 32 * 8 * (std.pathEnergy.datapathPjPerBit + link.pjPerBit);
  e.buffers = globalBufferEnergyPj(globalBuffer(pim), n('WRGB'), n('MAC16')) + resultLatchEnergyPj(resultLatch(pim), n('RDMAC16'));
  e.refresh = n('REF') * k * (p.IDD5AB - p.IDD3N) * t.tRFC!;
  e.background = (k * p.IDD3N * totalPs * o.channels) / std.tCKPs;
  e.asic = asicPj;
  return e;
}

/** Costs one token on a fresh machine (a convenience for one-off questions; generation keeps one machine). */
export function pimGptToken(system: PimGptSystem, model: ModelSpec, contextLength: number, opts: PimGptOptions = {}): TokenCost {
  return new PimGptMachine(system, opts).token(model, contextLength);
}

/** A generation: the prompt's tokens one by one (PIM-GPT is a GEMV engine), then `tokens` new ones. */
export interface PimGptGeneration {
  readonly model: string;
  readonly promptTokens: number;
  readonly generated: readonly TokenCost[];
  readonly promptPs: number;
  /** Mean over the generated tokens. */
  readonly meanTokenPs: number;
  /** Channel-program segments simulated command by command, and reused, over the whole run. */
  readonly simulatedGemvs: number;
  readonly reusedGemvs: number;
}

/**
 * The fields of a PIM-GPT system that price work (tokenEnergy, priceToken) and that the timing simulation does
 * not read. A generation simulates on a copy of the system with these hidden (src/spec/timing-cache.ts HiddenFields): they
 * stay out of the key of its timing run unless the run reads one, so a change to any of them alone (a sensitivity
 * study's MAC energy) reuses the timing and only prices it again. Listing a field here that timing does read costs
 * speed, never a wrong result: the read puts it in the key.
 */
export const PRICE_FIELDS = {
  pim: ['macPj', 'globalBufferPjPerByte', 'resultLatchPjPerByte', 'commandEnergyPj'],
  'pim.standard': ['power', 'pathEnergy'],
  link: ['pjPerBit'],
  asic: ['pjPerOp', 'sramPjPerByte'],
} as const;

/** `system` with PRICE_FIELDS hidden, recording in `hidden` each one read. */
function timingView(system: PimGptSystem, hidden: HiddenFields): PimGptSystem {
  const standard = hidden.hide(system.pim.standard, 'pim.standard', PRICE_FIELDS['pim.standard']);
  return {
    ...system,
    pim: hidden.hide({ ...system.pim, standard }, 'pim', PRICE_FIELDS.pim),
    link: hidden.hide(system.link, 'link', PRICE_FIELDS.link),
    asic: hidden.hide(system.asic, 'asic', PRICE_FIELDS.asic),
  };
}

/** A generation's timing: the prompt's total, each generated token unpriced, and the program segments simulated and reused. */
interface GenerationTiming {
  readonly promptPs: number;
  readonly generated: readonly TokenTiming[];
  readonly simulatedGemvs: number;
  readonly reusedGemvs: number;
}

/** The timing runs of this thread (a process-wide cache of pure results: a generation is the same with or without it). */
const timings = new TimingCache<GenerationTiming>();

/** How many generations this thread simulated and how many it took from the timing cache. */
export function pimGptTimingRuns(): { simulated: number; reused: number } {
  return { simulated: timings.misses, reused: timings.hits };
}

/** Runs a prompt of `promptTokens` and generates `tokens` tokens with a growing KV cache, on one machine. */
export function pimGptGenerate(system: PimGptSystem, model: ModelSpec, promptTokens: number, tokens: number, opts: PimGptOptions = {}): PimGptGeneration {
  if (!Number.isInteger(promptTokens) || promptTokens < 1) throw new StrataError(`--prompt: expected a positive integer, got ${promptTokens}`);
  if (!Number.isInteger(tokens) || tokens < 1) throw new StrataError(`--tokens: expected a positive integer, got ${tokens}`);
  if (promptTokens + tokens > model.maxPositions && model.positionScheme === 'learned') {
    throw new StrataError(`prompt ${promptTokens} + ${tokens} tokens exceeds ${model.name}'s ${model.maxPositions} learned positions`);
  }
  // Every weight and the whole KV cache live in the PIM banks (as compile --policy pim-gpt checks).
  assertFits(tokensFootprint(model, promptTokens + tokens), { name: `${system.name} (${system.pim.name})`, capacityBytes: pimCapacityBytes(system.pim) },
    `${model.name} with a ${promptTokens}-token prompt and ${tokens} generated tokens`);
  const hidden = new HiddenFields();
  const view = timingView(system, hidden);
  const simulate = () => generationTiming(view, model, promptTokens, tokens, opts);
  // A run with command logs has effects beyond its result: it always simulates. A progress callback changes nothing
  // (a kept timing is told as one last call), so a sweep point or `strata pim generate`, which always pass one, can
  // reuse a kept timing too.
  const timing = opts.commandLogs || opts.fresh
    ? simulate()
    : timings.get(
      TimingCache.digest(canonicalKey({ system: view, model, promptTokens, tokens, reuse: opts.reuse !== false, overlap: opts.overlap !== false, perHeadSoftmax: opts.perHeadSoftmax === true, timeline: opts.timeline === true })),
      readPathOf(system),
      hidden,
      simulate,
    );
  opts.onToken?.(promptTokens + tokens, promptTokens + tokens);
  const generated = timing.generated.map((t) => priceToken(system, t));
  const meanTokenPs = generated.reduce((a, t) => a + t.totalPs, 0) / generated.length;
  return { model: model.name, promptTokens, generated, promptPs: timing.promptPs, meanTokenPs, simulatedGemvs: timing.simulatedGemvs, reusedGemvs: timing.reusedGemvs };
}

/** Simulates a generation on one machine (pimGptGenerate has checked its arguments). */
function generationTiming(system: PimGptSystem, model: ModelSpec, promptTokens: number, tokens: number, opts: PimGptOptions): GenerationTiming {
  const machine = new PimGptMachine(system, opts);
  let promptPs = 0;
  let simulated = 0;
  let reused = 0;
  for (let i = 0; i < promptTokens; i++) {
    const t = machine.tokenTiming(model, i);
    promptPs += t.totalPs;
    simulated += t.simulatedGemvs;
    reused += t.reusedGemvs;
    opts.onToken?.(i + 1, promptTokens + tokens);
  }
  const generated: TokenTiming[] = [];
  for (let i = 0; i < tokens; i++) {
    const t = machine.tokenTiming(model, promptTokens + i);
    // Frozen: a kept timing is handed to every later generation with the same key.
    Object.freeze(t.commands);
    Object.freeze(t.path);
    generated.push(Object.freeze(t));
    simulated += t.simulatedGemvs;
    reused += t.reusedGemvs;
    opts.onToken?.(promptTokens + i + 1, promptTokens + tokens);
  }
  return { promptPs, generated, simulatedGemvs: simulated, reusedGemvs: reused };
}
