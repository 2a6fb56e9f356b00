import { invariant } from '../../spec/errors.ts';
import type { Op } from '../../ir/op.ts';
import type { PimJobRun, PimStep } from '../../pim/pim-channel.ts';

/**
 * The work of one PIM-GPT token as a dependency graph of nodes, each run by one unit: a PIM node is one channel's
 * share of a matrix op (its program of that GEMV), an ASIC node a vector op or one instance of a batched one
 * (softmax of one attention head). A node may start once every predecessor has finished and its data has
 * crossed the ASIC-PIM link: a PIM result reaches the ASIC `linkPs` after the channel returned it, an ASIC result
 * reaches a channel's global buffer `linkPs` later, and a PIM result feeding another PIM op goes through the
 * ASIC (two crossings). The units (src/pim/pim-channel.ts `PimChannel`, src/pim/asic.ts `Asic`) run their nodes
 * as kernel components; the graph tells them when a node becomes ready.
 */

/** One node of a token graph. */
export interface TokenNode {
  readonly index: number;
  readonly kind: 'pim' | 'asic';
  readonly op: Op;
  /** PIM: the channel and its program, and how many channels it stands for (channels that run identically, see PimGptMachine). */
  readonly channel: number;
  readonly weight: number;
  readonly program: readonly PimStep[] | null;
  /** ASIC: cycles the lanes are occupied and pipeline latency after them (energy is priced apart: pim-gpt.ts priceToken). */
  readonly asicCycles: number;
  readonly asicLatencyCycles: number;
  readonly preds: number[];
  readonly succs: number[];
  /** Predecessors not finished yet. */
  remaining: number;
  /** When the last input arrives (ps) and which predecessor it came from (-1: the token's start). */
  readyPs: number;
  readyFrom: number;
  /** When the node started using its unit (ASIC: lanes; PIM: its first command) and finished, ps. */
  startPs: number;
  endPs: number;
  /** When its unit became free for it (ps) and the node that held the unit until then (-1: free). */
  unitFreePs: number;
  unitFrom: number;
  /** PIM: what the channel did. */
  job: PimJobRun | null;
}

/** What runs the nodes of one kind: told when a node becomes ready. */
export interface NodeRunner {
  nodeReady(node: TokenNode): void;
}

/** A token's dependency graph and the bookkeeping of a run over it. */
export class TokenGraph {
  readonly nodes: TokenNode[] = [];
  /** Nodes not finished yet. */
  unfinished = 0;
  private runners: Record<'pim' | 'asic', NodeRunner> | null = null;

  constructor(readonly startPs: number, readonly linkPs: number) {}

  /** Adds a node after its predecessors (indices of nodes added before). */
  add(n: Omit<TokenNode, 'index' | 'succs' | 'remaining' | 'readyPs' | 'readyFrom' | 'startPs' | 'endPs' | 'unitFreePs' | 'unitFrom' | 'job'>): TokenNode {
    // Every field named, in one order, rather than spread from `n`: PIM and ASIC nodes are built from literals of
    // different key orders, and spreading them made nodes of many shapes, slow to build and to read (with the spread,
    // building nodes took about half of a PIM-GPT generation's CPU in --cpu-prof profiles).
    const node: TokenNode = {
      index: this.nodes.length, kind: n.kind, op: n.op, channel: n.channel, weight: n.weight, program: n.program,
      asicCycles: n.asicCycles, asicLatencyCycles: n.asicLatencyCycles, preds: n.preds,
      succs: [], remaining: n.preds.length, readyPs: this.startPs, readyFrom: -1, startPs: -1, endPs: -1, unitFreePs: -1, unitFrom: -1, job: null,
    };
    for (const p of n.preds) {
      invariant(p < node.index, 'a token-graph node comes after its predecessors');
      this.nodes[p]!.succs.push(node.index);
    }
    this.nodes.push(node);
    this.unfinished++;
    return node;
  }

  /** Time for the output of `from` to reach a node of kind `to`, ps. */
  crossingPs(from: 'pim' | 'asic', to: 'pim' | 'asic'): number {
    if (from !== to) return this.linkPs;
    return from === 'pim' ? 2 * this.linkPs : 0;
  }

  /** Hands the nodes with no predecessors to their runners. */
  start(runners: Record<'pim' | 'asic', NodeRunner>): void {
    this.runners = runners;
    for (const n of this.nodes) if (n.remaining === 0) runners[n.kind].nodeReady(n);
  }

  /** Marks `node` finished at `endPs` and hands successors that became ready to their runners. */
  finish(node: TokenNode, endPs: number): void {
    node.endPs = endPs;
    this.unfinished--;
    for (const s of node.succs) {
      const succ = this.nodes[s]!;
      const arrival = endPs + this.crossingPs(node.kind, succ.kind);
      if (arrival > succ.readyPs) {
        succ.readyPs = arrival;
        succ.readyFrom = node.index;
      }
      if (--succ.remaining === 0) this.runners![succ.kind].nodeReady(succ);
    }
  }

  /** The token's end: its last node's result at the ASIC (a PIM result crosses the link once more). */
  endPs(): number {
    let end = this.startPs;
    for (const n of this.nodes) end = Math.max(end, n.endPs + (n.kind === 'pim' ? this.linkPs : 0));
    return end;
  }
}

/** One node of a token as it ran: which unit, which op, and when (ps from the token's start). */
export interface TokenSpan {
  readonly unit: 'pim' | 'asic';
  /** PIM: the channel simulated and how many channels ran identically with it (see PimGptMachine); ASIC: -1 and 1. */
  readonly channel: number;
  readonly channels: number;
  readonly op: string;
  readonly kind: Op['kind'];
  /** From the node's first use of its unit (PIM: first command, a refresh included; ASIC: lanes) to its result, ps. */
  readonly startPs: number;
  readonly endPs: number;
  /** When its last input arrived, ps (a PIM channel may open its first row before). */
  readonly readyPs: number;
}

/** Every node of a finished token graph as a span, in graph order, times relative to the token's start. */
export function tokenTimeline(g: TokenGraph): TokenSpan[] {
  return g.nodes.map((n) => {
    invariant(n.endPs >= 0, 'a token timeline is read after its graph has finished');
    return { unit: n.kind, channel: n.channel, channels: n.weight, op: n.op.id, kind: n.op.kind, startPs: n.startPs - g.startPs, endPs: n.endPs - g.startPs, readyPs: n.readyPs - g.startPs };
  });
}

/** Where a token's time went along its critical path, ps: PIM work of the critical channel by command class, link crossings, ASIC. */
export interface CriticalPath {
  mac: number;
  movement: number;
  row: number;
  refresh: number;
  asic: number;
}

/**
 * Splits the token's latency along its critical path: from the node that finished last, back through whatever
 * held it up (the input that arrived last, or the node that held its unit), to the token's start. Each node's
 * share is the stretch from that hold-up to its end (clipped at where its successor on the path took over); a
 * PIM node's share divides in proportion to its channel timeline by command class (after MAC16: MAC; after WRGB
 * or RDMAC16: data movement; after ACT16 or a precharge: row; after REF: refresh), an ASIC node's is ASIC time,
 * and link crossings are data movement. The parts sum to the token's latency.
 */
export function criticalPath(g: TokenGraph, names: readonly string[]): CriticalPath {
  const out: CriticalPath = { mac: 0, movement: 0, row: 0, refresh: 0, asic: 0 };
  let last: TokenNode | undefined;
  let cut = g.startPs;
  for (const n of g.nodes) {
    const t = n.endPs + (n.kind === 'pim' ? g.linkPs : 0);
    if (t > cut) {
      cut = t;
      last = n;
    }
  }
  if (last && last.kind === 'pim') {
    out.movement += g.linkPs;
    cut -= g.linkPs;
  }
  let node = last;
  while (node) {
    // What held the node up: its last input, or its unit if that was free later.
    const byUnit = node.unitFrom >= 0 && node.unitFreePs > node.readyPs;
    const from = byUnit ? node.unitFrom : node.readyFrom;
    const heldUntil = byUnit ? node.unitFreePs : node.readyPs;
    const share = Math.max(0, Math.min(node.endPs, cut) - heldUntil);
    if (node.kind === 'asic') out.asic += share;
    else addPimShare(out, node.job!, share, names);
    if (from < 0) {
      out.row += Math.max(0, heldUntil - g.startPs);
      break;
    }
    const prev = g.nodes[from]!;
    if (!byUnit) out.movement += Math.max(0, heldUntil - prev.endPs);
    cut = Math.min(heldUntil, prev.endPs);
    node = prev;
  }
  return out;
}

function addPimShare(out: CriticalPath, job: PimJobRun, share: number, names: readonly string[]): void {
  const a = job.cyclesAfter;
  const by = (name: string) => {
    const i = names.indexOf(name);
    return i >= 0 ? a[i]! : 0;
  };
  const parts = { mac: by('MAC16'), movement: by('WRGB') + by('RDMAC16'), row: by('ACT16') + by('PREA') + by('PRE'), refresh: by('REF') };
  const total = parts.mac + parts.movement + parts.row + parts.refresh;
  if (total === 0) {
    out.row += share;
    return;
  }
  out.mac += (share * parts.mac) / total;
  out.movement += (share * parts.movement) / total;
  out.row += (share * parts.row) / total;
  out.refresh += (share * parts.refresh) / total;
}
