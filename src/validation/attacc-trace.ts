import { StrataError } from '../spec/errors.ts';
import type { AttAccPlacement } from '../pim/attacc-device.ts';
import { AttAccOp, type AttAccStream, type AttAccTrace } from '../pim/attacc-stream.ts';

/**
 * The command stream of AttAcc's attention on one HBM3 stack, as AttAcc's trace generators lay it out
 * (scale-snu/attacc_simulator pim_ramulator_src/trace_gen/gen_trace_attacc_{bank,bg,buffer}.py; the mechanism is
 * re-derived here, not copied): one (request, head) pair per legacy channel, 16 per round; per head, WRGB writes q
 * into the GEMV buffers, MACs stream the L keys, MVSB moves every 16th group of scores to the softmax buffer, one SFM
 * runs softmax, MVGB moves the probabilities into the GEMV buffers, MACs stream the values and MVSB moves the outputs.
 * Rounds run in pairs, the score of head i+1 beside the softmax and context of head i, with a barrier on every legacy
 * channel between phases. Addresses follow AttAcc's map (channel | pseudo-channel | stack ID | bank group | bank |
 * row | column | 32 B), so row changes and bank rotation come out of the layout, not out of a constant.
 *
 * It is a mapping (how heads are laid out over a stack), not a unit, and AttAcc is no Strata system family: it lives
 * with the AttAcc comparison (src/validation/attacc.ts) that runs it. The stream format it writes, and the channel
 * that runs it, are the device's (src/pim/attacc-stream.ts, src/pim/attacc-channel.ts).
 */

/** Which of AttAcc's trace generators to follow: the first (`v1`, with which `ramulator.out` was made) repeats the last odd round's softmax and MVGB. */
export type AttAccGenerator = 'v1' | 'v2';

/** One attention case: `nhead` (request, head) pairs on one stack, each over L keys of `dhead` elements of `dbyte` bytes. */
export interface AttAccCase {
  readonly L: number;
  readonly nhead: number;
  readonly dhead: number;
  readonly dbyte: number;
}

// AttAcc's address map (HBM3_8Gb_2R, 32 B access granularity): column 5 bits, row 14, bank 2, bank group 2, stack ID 1, pseudo-channel 1, channel 4.
const ACCESS = 32;
const COLUMNS = 32;
const ROWS = 1 << 14;
const ROW_BYTES = COLUMNS * ACCESS;
const BANK_BYTES = ROWS * ROW_BYTES;
const BG_BYTES = 4 * BANK_BYTES;
const RANK_BYTES = 4 * BG_BYTES;
const CH_BYTES = 2 * 2 * RANK_BYTES;
/** Legacy channels per stack and the rows reserved per head (the generator's default maximum L of 4096). */
const CHANNELS = 16;
const MAX_L = 4096;
/** Offset of the value matrix from the key matrix: 2^23 B. */
const V_OFFSET = 1 << 23;

/**
 * A list of requests of one kind as the addresses of legacy channel 0: the generator's list holds each of them once per
 * channel with work (`valid`), channel fastest, at the same offset in every channel (MAC and MVSB lists come in groups).
 */
type Flat = number[];
type Groups = number[][];

interface Round {
  valid: number;
  wrgb: Flat;
  scoreMac: Groups;
  scoreMvsb: Groups;
  sfm: Flat;
  mvgb: Flat;
  contextMac: Groups;
  contextMvsb: Groups;
}

/** Per placement: the lists of one head and the phase lengths and strides its generator uses. */
interface Layout {
  round(c: AttAccCase, itr: number, valid: number): Round;
  scoreLength(c: AttAccCase): number;
  contextLength(c: AttAccCase): number;
  wrgbStride(c: AttAccCase, valid: number, length: number): number;
  mvgbStride(c: AttAccCase, valid: number, length: number): number;
}

const ceil = Math.ceil;
const macLanes = (c: AttAccCase) => ACCESS / c.dbyte;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Bank-level: all-bank MACs walk the columns of one row in every bank (row-major over 32 columns). */
const BANK: Layout = {
  round(c, itr, valid) {
    const key = itr * ceil((MAX_L * c.dhead) / 64);
    const val = key + V_OFFSET;
    const kw = ceil(c.dhead / 4 / macLanes(c));
    const scoreN = ceil(c.L / 16);
    const ctxK = ceil(c.L / 16);
    const r: Round = { valid, wrgb: [], scoreMac: [], scoreMvsb: [], sfm: [], mvgb: [], contextMac: [], contextMvsb: [] };
    for (let ba = 0; ba < 4; ba++) for (let col = 0; col < kw; col++) r.wrgb.push(key + ba * BANK_BYTES + col);
    for (let n = 0; n < scoreN; n++) {
      const g: number[] = [];
      for (let k = 0; k < kw; k++) g.push(key + (k + n * kw) * ACCESS);
      r.scoreMac.push(g);
      if (n % 16 === 15 || n === scoreN - 1) {
        const m: number[] = [];
        for (let bg = 0; bg < 4; bg++) for (let rank = 0; rank < 2; rank++) m.push(key + rank * RANK_BYTES + bg * BG_BYTES);
        r.scoreMvsb.push(m);
      }
    }
    r.sfm.push(0);
    for (let rank = 0; rank < 2; rank++) for (let bg = 0; bg < 4; bg++) for (let col = 0; col < ceil(c.L / (16 * macLanes(c))); col++) r.mvgb.push(val + rank * RANK_BYTES + bg * BG_BYTES + col);
    for (let n = 0; n < kw; n++) {
      const g: number[] = [];
      for (let k = 0; k < ctxK; k++) g.push(val + (k + n * ctxK) * ACCESS);
      r.contextMac.push(g);
      const m: number[] = [];
      for (let ba = 0; ba < 4; ba++) for (let rank = 0; rank < 2; rank++) m.push(val + rank * RANK_BYTES + ba * BANK_BYTES);
      r.contextMvsb.push(m);
    }
    return r;
  },
  scoreLength: (c) => ceil(c.L / 256),
  contextLength: (c) => ceil(c.dhead / 4 / macLanes(c)),
  wrgbStride: (c, valid, length) => Math.trunc((4 * ceil(c.dhead / 4 / macLanes(c)) * valid) / length),
  mvgbStride: (c, valid, length) => Math.trunc((8 * ceil(c.L / (16 * macLanes(c))) * valid) / ceil(length / 2)),
};

/** Same-bank MACs rotate over the 4 bank indices every row of 32 columns. */
const sameBankAddress = (base: number, idx: number) => {
  const cols = Math.floor(idx / COLUMNS);
  return base + (cols % 4) * BANK_BYTES + Math.floor(cols / 4) * ROW_BYTES + (idx % COLUMNS) * ACCESS;
};

/** Bank-group-level: MACSB to bank b of every bank group. */
const BANK_GROUP: Layout = {
  round(c, itr, valid) {
    const key = itr * ceil((MAX_L * c.dhead) / 64);
    const val = key + V_OFFSET;
    const kw = ceil(c.dhead / macLanes(c));
    const scoreN = ceil(c.L / 16);
    const ctxK = ceil(c.L / 16);
    const r: Round = { valid, wrgb: [], scoreMac: [], scoreMvsb: [], sfm: [], mvgb: [], contextMac: [], contextMvsb: [] };
    for (let col = 0; col < kw; col++) r.wrgb.push(key + col);
    for (let n = 0; n < scoreN; n++) {
      const g: number[] = [];
      for (let k = 0; k < kw; k++) g.push(sameBankAddress(key, k + n * kw));
      r.scoreMac.push(g);
      if (n % 16 === 15 || n === scoreN - 1) {
        const m: number[] = [];
        for (let bg = 0; bg < 4; bg++) for (let rank = 0; rank < 2; rank++) m.push(key + rank * RANK_BYTES + bg * BG_BYTES);
        r.scoreMvsb.push(m);
      }
    }
    r.sfm.push(0);
    for (let rank = 0; rank < 2; rank++) for (let bg = 0; bg < 4; bg++) for (let col = 0; col < ceil(c.L / (16 * macLanes(c))); col++) r.mvgb.push(val + rank * RANK_BYTES + bg * BG_BYTES + col);
    for (let n = 0; n < kw; n++) {
      const g: number[] = [];
      for (let k = 0; k < ctxK; k++) g.push(sameBankAddress(val, k + n * ctxK));
      r.contextMac.push(g);
      const m: number[] = [];
      for (let rank = 0; rank < 2; rank++) m.push(val + rank * RANK_BYTES);
      r.contextMvsb.push(m);
    }
    return r;
  },
  scoreLength: (c) => ceil(c.L / 256),
  contextLength: (c) => ceil(c.dhead / macLanes(c)),
  wrgbStride: (c, valid, length) => Math.trunc((ceil(c.dhead / macLanes(c)) * valid) / length),
  mvgbStride: (c, valid, length) => Math.trunc((8 * ceil(c.L / (16 * macLanes(c))) * valid) / ceil(length / 2)),
};

/** Per-bank MACs rotate over the 8 (stack ID, bank group) pairs, then the 4 banks, then the columns, then the rows. */
const perBankAddress = (base: number, idx: number) => {
  const groups = Math.floor(idx / 8);
  const banks = Math.floor(groups / 4);
  return base + (idx % 8) * BG_BYTES + (groups % 4) * BANK_BYTES + Math.floor(banks / COLUMNS) * ROW_BYTES + (banks % COLUMNS) * ACCESS;
};

/** Buffer-die: MACPB to one bank of both pseudo-channels. */
const BUFFER: Layout = {
  round(c, itr, valid) {
    const key = itr * ceil((MAX_L * c.dhead) / 64);
    const val = key + V_OFFSET;
    const kw = ceil(c.dhead / macLanes(c));
    const scoreN = ceil(c.L / 2);
    const ctxK = ceil(c.L / 2);
    const r: Round = { valid, wrgb: [], scoreMac: [], scoreMvsb: [], sfm: [], mvgb: [], contextMac: [], contextMvsb: [] };
    for (let col = 0; col < kw; col++) r.wrgb.push(key + col);
    for (let n = 0; n < scoreN; n++) {
      const g: number[] = [];
      for (let k = 0; k < kw; k++) g.push(perBankAddress(key, k + n * kw));
      r.scoreMac.push(g);
      if (n % 16 === 15 || n === scoreN - 1) r.scoreMvsb.push([key]);
    }
    r.sfm.push(0);
    for (let col = 0; col < ceil(c.L / (2 * macLanes(c))); col++) r.mvgb.push(val + col);
    for (let n = 0; n < kw; n++) {
      const g: number[] = [];
      for (let k = 0; k < ctxK; k++) g.push(perBankAddress(val, k + n * ctxK));
      r.contextMac.push(g);
      r.contextMvsb.push([val]);
    }
    return r;
  },
  scoreLength: (c) => ceil(c.L / 32),
  contextLength: (c) => ceil(c.dhead / macLanes(c)),
  wrgbStride: (c, valid, length) => Math.trunc((ceil(c.dhead / macLanes(c)) * valid) / length),
  mvgbStride: (c, valid, length) => Math.trunc((ceil(c.L / (2 * macLanes(c))) * valid) / ceil(length / 2)),
};

const LAYOUTS: Readonly<Record<AttAccPlacement, Layout>> = { bank: BANK, 'bank-group': BANK_GROUP, 'buffer-die': BUFFER };

/** Checks a case: whole numbers, dbyte dividing the 32 B access, and a size AttAcc's layout holds (L up to its 4096). */
export function checkAttAccCase(c: AttAccCase, where: string): void {
  for (const k of ['L', 'nhead', 'dhead', 'dbyte'] as const) {
    const v = c[k];
    if (!Number.isInteger(v) || v < 1) throw new StrataError(`${where}: ${k} must be a whole number >= 1, got ${v}`);
  }
  if (ACCESS % c.dbyte !== 0) throw new StrataError(`${where}: dbyte must divide the 32 B access (1, 2, 4, 8, 16 or 32), got ${c.dbyte}`);
  if (c.L > MAX_L) throw new StrataError(`${where}: L must be at most ${MAX_L} (AttAcc's trace layout reserves rows for L <= ${MAX_L}), got ${c.L}`);
}

/** The stream of one legacy channel (default 0, which has work in every round); see attaccTrace. */
export function attaccStream(placement: AttAccPlacement, c: AttAccCase, opts: { generator?: AttAccGenerator; channel?: number } = {}): AttAccStream {
  const channel = opts.channel ?? 0;
  if (!Number.isInteger(channel) || channel < 0 || channel >= CHANNELS) throw new StrataError(`AttAcc stream: channel must be a legacy channel 0..${CHANNELS - 1}, got ${channel}`);
  return buildTrace(placement, c, opts.generator ?? 'v1', channel).streams[channel]!;
}

/**
 * Builds the stream of every legacy channel (default 0, which has work in every round) for one case, and the
 * command counts of the whole stack. Each legacy channel receives one barrier wherever the generator puts one.
 */
export function attaccTrace(placement: AttAccPlacement, c: AttAccCase, opts: { generator?: AttAccGenerator } = {}): AttAccTrace {
  return buildTrace(placement, c, opts.generator ?? 'v1', -1);
}

/** The trace of every channel (`only` -1, with the order) or of one channel only (the counts are the stack's either way). */
function buildTrace(placement: AttAccPlacement, c: AttAccCase, generator: AttAccGenerator, only: number): AttAccTrace {
  checkAttAccCase(c, 'AttAcc case');
  const layout = LAYOUTS[placement];
  const rounds: Round[] = [];
  const numItr = ceil(c.nhead / CHANNELS);
  for (let itr = 0; itr < numItr; itr++) {
    const remainder = c.nhead / ((itr + 1) * CHANNELS) < 1 ? c.nhead % CHANNELS : 0;
    rounds.push(layout.round(c, itr, remainder === 0 ? CHANNELS : remainder));
  }
  const ops: number[][] = range(CHANNELS).map(() => []);
  const addrs: number[][] = range(CHANNELS).map(() => []);
  const order: number[] = [];
  const counts = { mac: 0, softmax: 0, mvgb: 0, mvsb: 0, wrgb: 0 };
  const countKey = ['mac', 'wrgb', 'mvsb', 'mvgb', 'softmax'] as const;
  /** Emits entries [from, to) of a list in the generator's order (entry p is channel p % valid's copy of address p / valid). */
  const emit = (op: AttAccOp, bases: readonly number[], valid: number, from = 0, to = Infinity) => {
    const end = Math.min(to, bases.length * valid);
    if (end <= from) return;
    if (op !== AttAccOp.Barrier) counts[countKey[op]!] += end - from;
    if (only >= 0) {
      if (only >= valid) return;
      for (let p = from + ((((only - from) % valid) + valid) % valid); p < end; p += valid) {
        ops[only]!.push(op);
        addrs[only]!.push(bases[Math.floor(p / valid)]!);
      }
      return;
    }
    for (let p = from; p < end; p++) {
      const ch = p % valid;
      ops[ch]!.push(op);
      addrs[ch]!.push(bases[Math.floor(p / valid)]!);
      order.push(ch);
    }
  };
  const emitBarrier = () => emit(AttAccOp.Barrier, [0], CHANNELS);
  const groups = (op: AttAccOp, g: Groups, valid: number, from: number, n: number) => {
    for (let k = from; k < Math.min(from + n, g.length); k++) emit(op, g[k]!, valid);
  };
  const strided = (op: AttAccOp, list: Flat, valid: number, part: number, stride: number) => emit(op, list, valid, part * stride, part * stride + stride);
  const scoreLen = layout.scoreLength(c);
  const ctxLen = layout.contextLength(c);

  for (let i = 0; i + 1 < numItr; i += 2) {
    const h0 = rounds[i]!;
    const h1 = rounds[i + 1]!;
    // Head 0: score, with head 1's query written meanwhile.
    emit(AttAccOp.Wrgb, h0.wrgb, h0.valid);
    if (i === 0) emit(AttAccOp.Mac, h0.scoreMac[0]!, h0.valid, 0, h0.valid);
    emitBarrier();
    const wrgbStride = layout.wrgbStride(c, h1.valid, scoreLen);
    for (let j = 0; j <= scoreLen; j++) {
      if (j !== scoreLen) groups(AttAccOp.Mac, h0.scoreMac, h0.valid, j * 16, 16);
      if (j !== 0) emit(AttAccOp.Mvsb, h0.scoreMvsb[j - 1] ?? [], h0.valid);
      if (j !== scoreLen) strided(AttAccOp.Wrgb, h1.wrgb, h1.valid, j, wrgbStride);
      if (j !== scoreLen) emitBarrier();
    }
    // Head 0: softmax, head 1: score.
    const half = Math.floor(scoreLen / 2);
    const mvgb0 = layout.mvgbStride(c, h0.valid, scoreLen);
    for (let j = 0; j <= scoreLen; j++) {
      if (j !== scoreLen) groups(AttAccOp.Mac, h1.scoreMac, h1.valid, j * 16, 16);
      if (j !== 0) emit(AttAccOp.Mvsb, h1.scoreMvsb[j - 1] ?? [], h1.valid);
      if (j === 0) emit(AttAccOp.Sfm, h0.sfm, h0.valid);
      if (j !== scoreLen && j >= half) strided(AttAccOp.Mvgb, h0.mvgb, h0.valid, j - half, mvgb0);
      if (j !== scoreLen) emitBarrier();
    }
    // Head 0: context, head 1: softmax.
    const halfCtx = Math.floor(ctxLen / 2);
    const mvgb1 = layout.mvgbStride(c, h1.valid, ctxLen);
    for (let j = 0; j <= ctxLen; j++) {
      if (j !== ctxLen) emit(AttAccOp.Mac, h0.contextMac[j] ?? [], h0.valid);
      if (j !== 0) emit(AttAccOp.Mvsb, h0.contextMvsb[j - 1] ?? [], h0.valid);
      if (j === 0) emit(AttAccOp.Sfm, h1.sfm, h1.valid);
      if (j !== ctxLen && j >= halfCtx) strided(AttAccOp.Mvgb, h1.mvgb, h1.valid, j - halfCtx, mvgb1);
      if (j !== ctxLen) emitBarrier();
    }
    // Head 1: context. AttAcc's generator issues head 0's context lists here again (same counts, head 0's rows).
    for (let j = 0; j <= ctxLen; j++) {
      if (j !== ctxLen) emit(AttAccOp.Mac, h0.contextMac[j] ?? [], h0.valid);
      if (j !== 0) emit(AttAccOp.Mvsb, h0.contextMvsb[j - 1] ?? [], h0.valid);
      if (j !== ctxLen) emitBarrier();
    }
  }
  if (numItr % 2 !== 0) {
    const h = rounds[numItr - 1]!;
    const softmax = () => {
      emit(AttAccOp.Sfm, h.sfm, h.valid);
      emit(AttAccOp.Mvgb, h.mvgb, h.valid);
      emitBarrier();
    };
    emit(AttAccOp.Wrgb, h.wrgb, h.valid);
    emitBarrier();
    for (let j = 0; j <= scoreLen; j++) {
      if (j !== scoreLen) groups(AttAccOp.Mac, h.scoreMac, h.valid, j * 16, 16);
      if (j !== 0) emit(AttAccOp.Mvsb, h.scoreMvsb[j - 1] ?? [], h.valid);
      if (j !== scoreLen) emitBarrier();
      // The first generator's softmax block sat inside this loop (the reference's quirk).
      if (generator === 'v1') softmax();
    }
    if (generator === 'v2') softmax();
    for (let j = 0; j <= ctxLen; j++) {
      if (j !== ctxLen) emit(AttAccOp.Mac, h.contextMac[j] ?? [], h.valid);
      if (j !== 0) emit(AttAccOp.Mvsb, h.contextMvsb[j - 1] ?? [], h.valid);
      if (j !== ctxLen) emitBarrier();
    }
  }

  const streams = range(CHANNELS).map((ch) => decode(ops[ch]!, addrs[ch]!, counts));
  return { streams, order: Uint8Array.from(order), counts };
}

/** Splits the addresses of one channel's requests into stack ID, bank group, bank and row. */
function decode(ops: readonly number[], addrs: readonly number[], counts: AttAccStream['counts']): AttAccStream {
  const n = ops.length;
  const stream = {
    length: n,
    op: Uint8Array.from(ops),
    rank: new Uint8Array(n),
    bankGroup: new Uint8Array(n),
    bank: new Uint8Array(n),
    row: new Int32Array(n),
    counts,
  };
  for (let i = 0; i < n; i++) {
    let a = Math.floor(addrs[i]! / ACCESS / COLUMNS);
    stream.row[i] = a % ROWS;
    a = Math.floor(a / ROWS);
    stream.bank[i] = a % 4;
    stream.bankGroup[i] = Math.floor(a / 4) % 4;
    stream.rank[i] = Math.floor(a / 16) % 2;
  }
  return stream;
}
