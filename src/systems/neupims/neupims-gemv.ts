import { StrataError } from '../../spec/errors.ts';
import { ACT, PRE } from '../../dram/commands.ts';
import type { CommandLog } from '../../dram/command-log.ts';
import { PimProgramBuilder, runDualBufferChannel, type ChannelRun, type NormalRequests, type PimProgram } from '../../pim/dual-buffer-channel.ts';
import { npuTraffic } from './npu-traffic.ts';
import { loadPimSpec, type PimSpec } from '../../pim/pim-spec.ts';

/** One request's attention in decode: `heads` heads of `headDim` elements over `context` cached tokens. */
export interface AttentionShape {
  readonly heads: number;
  readonly headDim: number;
  readonly context: number;
}

/** The GEMVs of one request's decode attention laid out in one channel, and the bank-level peak. */
export interface NeuPimsAttentionPlan {
  readonly shape: AttentionShape;
  /** s = K q (logits) then o = V^T softmax(s), one program after the other. */
  readonly logit: PimProgram;
  readonly attend: PimProgram;
  readonly program: PimProgram;
  /** Multiply-accumulates of the two GEMVs: 2 x context x heads x headDim. */
  readonly macs: number;
  /** COMP commands of the program (each runs every bank's lanes once). */
  readonly comps: number;
  /** DRAM rows per bank holding the request's K and V (plus two for the query and the softmax vector). */
  readonly rowsPerBank: number;
  /** Bank-level peak of the channel: banks x lanes per COMP interval, per DRAM cycle and per ns. */
  readonly peakMacsPerCycle: number;
  readonly peakMacsPerNs: number;
  /** Cycles the COMPs alone take at one per COMP interval: a lower bound on the program. */
  readonly compCycles: number;
}

/**
 * Lays out one request's decode attention the NeuPIMs way (its KV cache in one channel; NeuPIMs
 * NeuPIMSLogitSoftmax / NeuPIMSAttend):
 * - logits s = K q: token t's key is stored in bank t mod B (B = banks of the channel) of token row t / B,
 *   one DRAM row per chunk of heads that fills a row (1 KB = 512 FP16 = 4 heads of 128). Per chunk the query
 *   chunk is copied into the global buffer (ACT of the row the NPU wrote it to, GWRITE, PRE); per token row
 *   every bank group of every rank is activated (G_ACT, the two ranks alternating), each head takes headDim / 16
 *   COMPs and one READRES (the B banks' 16-bit dot products), and the PIM rows are closed (P_PRE).
 * - o = V^T p: output dimension d of a head is stored in bank d mod B of dimension row d / B, one DRAM row per
 *   chunk of 512 tokens. Per head and token chunk the softmax chunk is copied into the global buffer; per
 *   dimension row: G_ACTs, tokens / 16 COMPs, one READRES, P_PRE. The NPU adds the partial sums of chunks.
 */
export function planNeuPimsAttention(spec: PimSpec, shape: AttentionShape, firstRow = 0): NeuPimsAttentionPlan {
  const { heads, headDim, context } = shape;
  for (const [k, v] of Object.entries(shape)) {
    if (!Number.isInteger(v) || v <= 0) throw new StrataError(`attention shape: ${k} must be a whole number > 0, got ${v}`);
  }
  if (spec.commandSet !== 'newton') throw new StrataError(`${spec.file}: the NeuPIMs planner needs the newton command set (GWRITE, G_ACT, COMP, READRES, P_PRE), this spec has '${spec.commandSet}'`);
  const std = spec.standard;
  const o = std.organization;
  const cmd = (n: string) => std.commandNames.indexOf(n);
  const [G_ACT, COMP, READRES, P_PRE, GWRITE] = ['G_ACT', 'COMP', 'READRES', 'P_PRE', 'GWRITE'].map(cmd) as [number, number, number, number, number];
  const banks = o.ranks * o.bankGroups * o.banksPerGroup;
  const lanes = spec.unit.macsPerBank;
  const rowElements = (o.columns * (o.busWidthBits / 8)) / spec.unit.elementBytes;
  if (headDim > rowElements) throw new StrataError(`attention shape: headDim ${headDim} exceeds a DRAM row of ${rowElements} elements`);
  const headsPerRow = Math.floor(rowElements / headDim);
  const chunks = Math.ceil(heads / headsPerRow);
  const tokenRows = Math.ceil(context / banks);
  const tokenChunks = Math.ceil(context / rowElements);
  const dimRows = Math.ceil(headDim / banks);
  const kRows = tokenRows * chunks;
  const vRows = heads * tokenChunks * dimRows;
  const rowsPerBank = kRows + vRows + 2;
  if (firstRow + rowsPerBank > o.rows) {
    throw new StrataError(`attention over ${context} tokens x ${heads} heads x ${headDim} needs ${rowsPerBank} DRAM rows per bank from row ${firstRow}; a bank has ${o.rows}`);
  }
  const qRow = firstRow + kRows + vRows;
  const pRow = qRow + 1;
  let comps = 0;
  // Bank groups in turn, both ranks at each: tFAW spaces the G_ACTs of one rank (four banks each), not those of two
  // ranks, so rank 1 opens its bank group 1 cycle after rank 0 and the last G_ACT of a row comes 3 tFAW + 1 = 91
  // cycles after the first, not the 6 tFAW + 1 = 181 of rank 0's four G_ACTs followed by rank 1's (the channel
  // issues a program's steps in order). NewtonSim
  // (NeuPIMs extern/NewtonSim/src/channel_state.cc, GetReadyCommand) issues them the same way: each cycle the first
  // bank group of either rank whose G_ACT is ready.
  const openAll = (b: PimProgramBuilder, row: number) => {
    for (let g = 0; g < o.bankGroups; g++) for (let r = 0; r < o.ranks; r++) b.push(G_ACT, 1, r, g, 0, row);
  };
  const toGlobalBuffer = (b: PimProgramBuilder, row: number) => b.push(ACT, 1, 0, 0, 0, row).push(GWRITE, 1, 0, 0, 0, row).push(PRE, 1, 0, 0, 0, row);

  const lb = new PimProgramBuilder();
  for (let c = 0; c < chunks; c++) {
    const headsHere = Math.min(headsPerRow, heads - c * headsPerRow);
    toGlobalBuffer(lb, qRow);
    for (let ti = 0; ti < tokenRows; ti++) {
      const row = firstRow + ti * chunks + c;
      openAll(lb, row);
      for (let h = 0; h < headsHere; h++) {
        const n = Math.ceil(headDim / lanes);
        lb.push(COMP, n, 0, 0, 0, row).push(READRES, 1);
        comps += n;
      }
      lb.push(P_PRE, 1, 0, 0, 0, row);
    }
  }
  const ab = new PimProgramBuilder();
  for (let h = 0; h < heads; h++) {
    for (let ci = 0; ci < tokenChunks; ci++) {
      const tokens = Math.min(rowElements, context - ci * rowElements);
      toGlobalBuffer(ab, pRow);
      for (let ti = 0; ti < dimRows; ti++) {
        const row = firstRow + kRows + (h * tokenChunks + ci) * dimRows + ti;
        const n = Math.ceil(tokens / lanes);
        openAll(ab, row);
        ab.push(COMP, n, 0, 0, 0, row).push(READRES, 1).push(P_PRE, 1, 0, 0, 0, row);
        comps += n;
      }
    }
  }
  const logit = lb.build();
  const attend = ab.build();
  const compInterval = compIntervalCycles(spec);
  const peakMacsPerCycle = (banks * lanes) / compInterval;
  return {
    shape, logit, attend, program: concat(logit, attend), macs: 2 * context * heads * headDim, comps, rowsPerBank,
    peakMacsPerCycle, peakMacsPerNs: (peakMacsPerCycle * 1000) / std.tCKPs, compCycles: comps * compInterval,
  };
}

/**
 * PIM instructions the NPU issues one by one for `program` on a Newton-style device without fused commands
 * (NeuPIMs' npu+pim branch, NeuPIMSLogitSoftmax.cc / NeuPIMSAttend.cc on the Newton path): one P_HEADER per PIM
 * row opening (the controller expands it into the G_ACTs of every bank group; each opening of this planner ends
 * with one P_PRE, so those are counted), and every GWRITE, COMP and READRES.
 */
export function issuedInstructions(spec: PimSpec, program: PimProgram): number {
  const names = spec.standard.commandNames;
  const each = new Set(['GWRITE', 'COMP', 'READRES'].map((n) => names.indexOf(n)));
  const header = names.indexOf('P_PRE');
  let n = 0;
  for (let i = 0; i < program.length; i++) {
    const c = program.cmd[i]!;
    if (each.has(c)) n += program.count[i]!;
    else if (c === header) n++;
  }
  return n;
}

/** Cycles between two COMPs by the spec's constraint table (the MAC lanes' rate). */
export function compIntervalCycles(spec: PimSpec): number {
  const comp = spec.standard.commandNames.indexOf('COMP');
  let d = 1;
  for (const r of spec.standard.rules) if (r.prev === comp && r.next === comp) d = Math.max(d, r.cycles);
  return d;
}

function concat(a: PimProgram, b: PimProgram): PimProgram {
  const cat = (x: Int32Array, y: Int32Array) => {
    const z = new Int32Array(x.length + y.length);
    z.set(x);
    z.set(y, x.length);
    return z;
  };
  return {
    length: a.length + b.length, cmd: cat(a.cmd, b.cmd), rank: cat(a.rank, b.rank), bankGroup: cat(a.bankGroup, b.bankGroup),
    bank: cat(a.bank, b.bank), row: cat(a.row, b.row), count: cat(a.count, b.count),
  };
}

/** Options of runNeuPimsAttention. */
export interface NeuPimsAttentionOptions {
  /** 'single' (one row buffer per bank, blocked) or 'dual' (NeuPIMs). */
  mode: 'single' | 'dual';
  /** NPU traffic offered alongside, as a fraction of the channel's data-bus peak (0: none). */
  npuLoad?: number;
  /** Seed of the NPU traffic stream (default '1'). */
  seed?: string;
  /** The PIM spec (default the shipped `neupims`); loaded again in the requested mode. */
  spec?: string;
  log?: CommandLog;
}

/** A NeuPIMs attention run on one channel. */
export interface NeuPimsAttentionRun {
  readonly spec: PimSpec;
  readonly plan: NeuPimsAttentionPlan;
  readonly requests: NormalRequests;
  /** The PIM program alone on the channel in dual mode, which sizes the NPU traffic (the same in both modes). */
  readonly pimAloneCycles: number;
  readonly run: ChannelRun;
}

/**
 * Runs one request's attention GEMVs on one channel with NPU traffic at `npuLoad` of the channel's peak for
 * as long as the PIM program takes alone in dual mode (so the offered requests are the same in both modes).
 */
export function runNeuPimsAttention(shape: AttentionShape, opts: NeuPimsAttentionOptions): NeuPimsAttentionRun {
  const spec = loadPimSpec(opts.spec ?? 'neupims', { rowBuffers: opts.mode === 'single' ? 1 : 2 });
  const plan = planNeuPimsAttention(spec, shape);
  const none = npuTraffic(spec.standard, { requests: 0, load: 1, seed: 'none' });
  const dualSpec = spec.rowBuffers === 2 ? spec : loadPimSpec(opts.spec ?? 'neupims', { rowBuffers: 2 });
  const alone = runDualBufferChannel(dualSpec, planNeuPimsAttention(dualSpec, shape).program, none);
  const load = opts.npuLoad ?? 0;
  if (!(load >= 0 && load <= 1)) throw new StrataError(`NPU load must be a fraction from 0 to 1, got ${load}`);
  const n = load > 0 ? Math.ceil((load * alone.pimFinishCycle) / spec.standard.timing.tBURST!) : 0;
  const requests = n > 0 ? npuTraffic(spec.standard, { requests: n, load, seed: opts.seed ?? '1' }) : none;
  const run = runDualBufferChannel(spec, plan.program, requests, { log: opts.log });
  return { spec, plan, requests, pimAloneCycles: alone.pimFinishCycle, run };
}
