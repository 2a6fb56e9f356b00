import type { DramStandard } from '../dram/standard.ts';
import { AllBankTiming } from './all-bank-timing.ts';
import type { PimStep } from './pim-channel.ts';

/**
 * Exact reuse of simulated PIM channel programs. A run of steps [from, to) of a program depends only on the
 * channel's timing state relative to the cycle it starts at (AllBankTiming.snapshot) and on where refreshes fall.
 * A segment is that run simulated once without refresh, from a given relative state; it records, before every
 * row activation (ACT16) step, the cursor, the timing state and the counts so far, because that is where the
 * channel inserts a refresh once it is due. The channel then replays a segment up to the activation where a
 * refresh falls, issues the refresh, and continues with the segment that starts there (src/pim/pim-channel.ts).
 * Every cycle is the one a command-by-command simulation gives (test/pim/pim-gpt-overlap.test.ts compares them).
 */

/**
 * Where each number of a mark sits in its record of Segment.data. A mark is the state of a run just before one ACT16
 * step (cycles relative to the segment's start): the step index of the ACT16; the cursor before it (the earliest cycle
 * the channel may issue its next command); the first and last issue cycle before it (-1: none yet), the last command
 * and the last result's return cycle (-Infinity: none); then the timing state before it (an AllBankTiming snapshot
 * relative to the segment's start, `stateLength` numbers), the commands issued before it (`nc`, by command index) and
 * the cycles by the command each stretch follows (`nc`).
 */
export const MARK = { step: 0, cursor: 1, first: 2, last: 3, lastCmd: 4, end: 5, state: 6 } as const;

/**
 * A run of steps [from, to) from a relative timing state, without refresh, simulated as far as it has been needed
 * (ProgramMemo.extend): its marks so far, and its end once reached. A channel cuts a run at the first activation
 * where a refresh is due, so the steps after it are often never needed; a run is extended, not simulated again,
 * when a later use needs more of it. With 8 PIM channels instead of 32 (a sensitivity study's low end) programs
 * are four times longer and a refresh falls in most of them: simulating every run to its end was most of such a
 * generation's CPU (docs/guide.md, `strata figures`, gives the unit's time before and after).
 *
 * The marks are records of `stride` numbers in one array (MARK gives the layout), not an object with three typed
 * arrays each: V8 keeps the storage of every typed array over 64 bytes outside its heap, to be allocated and freed
 * one by one, and with it a bench sweep point allocated 39 MiB on V8's heap against 30 now (docs/sweeps.md, "Speed").
 */
export class Segment {
  /** The marks' records, in step order, then the end's record once simulated (room for more after them). */
  data: Float64Array;
  /** Marks simulated so far (records 0 .. marks - 1). */
  marks = 0;
  /** Record of the run's end (a mark at `to`: record `marks`), or -1 until the run has been simulated that far. */
  final = -1;
  /** The state it starts from (relative), until the simulation has started. */
  start: Float64Array | null;

  /** `records`: room for that many records from the start (the ACT16 steps in [from, to), and the end). */
  constructor(readonly program: readonly PimStep[], readonly from: number, readonly to: number, start: Float64Array, readonly stride: number, records = 4) {
    this.start = start;
    this.data = new Float64Array(Math.max(1, records) * stride);
  }

  /** Step index of mark `i` (the end's: `to`). */
  stepAt(i: number): number {
    return this.data[i * this.stride + MARK.step]!;
  }

  /** Cursor at mark `i`. */
  cursorAt(i: number): number {
    return this.data[i * this.stride + MARK.cursor]!;
  }

  /** Offset in `data` of mark `i`'s record. */
  at(i: number): number {
    return i * this.stride;
  }

  /** Offset in `data` of record `i`, with room for it. */
  room(i: number): number {
    const o = i * this.stride;
    if (o + this.stride > this.data.length) {
      const grown = new Float64Array(2 * this.data.length);
      grown.set(this.data);
      this.data = grown;
    }
    return o;
  }
}

/** A kept segment with the range and relative state it was simulated from. */
interface Kept {
  readonly from: number;
  readonly to: number;
  readonly state: Float64Array;
  readonly segment: Segment;
}

/** The segments simulated so far for one PIM standard, keyed by program, range and relative state. */
export class ProgramMemo {
  /**
   * Segments by program id, then by a hash of range and state (several per hash where they collide; each is
   * compared in full); and the round in which each program was last used. A numeric hash, not a text key: a
   * generation looks segments up hundreds of thousands of times, and writing every state as text took more of it
   * than the lookups (--cpu-prof of a gpt2-xl generation).
   */
  private readonly segments = new Map<number, Map<number, Kept[]>>();
  private readonly lastUsed = new Map<number, number>();
  private round = 0;
  private readonly ids = new WeakMap<readonly PimStep[], number>();
  /** Per program id, ACT16 steps before each step index (length + 1 entries): how many marks a segment can have. */
  private readonly acts: Int32Array[] = [];
  private nextId = 0;
  private readonly scratch: AllBankTiming;
  private readonly act16: number;
  private readonly rdmac16: number;
  private readonly readDelay: number;
  /** Repeat spacing of each command kind when it has no rolling window (else -1). */
  private readonly windowFree: boolean[];
  /** Command kinds, and the length of a mark's record (MARK). */
  private readonly nc: number;
  private readonly stride: number;
  /** The counts and cycles-after of the run extend simulates (one at a time). */
  private readonly counts: Float64Array;
  private readonly after: Float64Array;
  /** Segments simulated and reused. */
  simulated = 0;
  reused = 0;

  constructor(readonly std: DramStandard) {
    this.scratch = new AllBankTiming(std);
    this.act16 = std.commandNames.indexOf('ACT16');
    this.rdmac16 = std.commandNames.indexOf('RDMAC16');
    this.readDelay = std.timing.CL! + std.timing.tBURST!;
    this.windowFree = std.commandNames.map((_, i) => this.scratch.windowFree(i));
    this.nc = std.commandNames.length;
    this.stride = MARK.state + this.scratch.stateLength + 2 * this.nc;
    this.counts = new Float64Array(this.nc);
    this.after = new Float64Array(this.nc);
  }

  /** A small number naming a program (by identity: plans are cached, so one shape is one array). */
  programId(program: readonly PimStep[]): number {
    let id = this.ids.get(program);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(program, id);
      const acts = new Int32Array(program.length + 1);
      for (let s = 0; s < program.length; s++) acts[s + 1] = acts[s]! + (program[s]!.cmd === this.act16 ? 1 : 0);
      this.acts[id] = acts;
    }
    return id;
  }

  /**
   * The segment of `program` [from, to) starting from relative state `state` (an AllBankTiming snapshot; not kept),
   * simulated at least until a mark past its first reaches cursor `dueCursor`, or to its end (Infinity: to its end).
   */
  segment(program: readonly PimStep[], from: number, to: number, state: Float64Array, dueCursor = Infinity): Segment {
    const id = this.programId(program);
    this.lastUsed.set(id, this.round);
    let byHash = this.segments.get(id);
    if (!byHash) {
      byHash = new Map();
      this.segments.set(id, byHash);
    }
    const h = stateHash(from, to, state);
    const kept = byHash.get(h);
    if (kept) {
      for (const k of kept) {
        if (k.from === from && k.to === to && sameState(k.state, state)) {
          this.reused++;
          this.extend(k.segment, dueCursor);
          return k.segment;
        }
      }
    }
    const copy = state.slice();
    const acts = this.acts[id]!;
    // Room for every mark the run can have and its end, up to 4 records (then doubled as needed): a long program's
    // run is often cut at its first due refresh, and room for all its marks at once (megabytes with 4 channels) made
    // V8 collect for the memory outside its heap (216 scavenges and 56 mark-compacts over the bench points against
    // 67 and 1; 8 records gave 69 and 5).
    const seg = new Segment(program, from, to, copy, this.stride, Math.min(4, acts[to]! - acts[from]! + 1));
    this.extend(seg, dueCursor);
    const entry = { from, to, state: copy, segment: seg };
    if (kept) kept.push(entry);
    else byHash.set(h, [entry]);
    this.simulated++;
    return seg;
  }

  /**
   * Ends a round (a token) and forgets the segments of programs not used in the last `keep` rounds (attention
   * programs of past context lengths), bounding memory; forgetting never changes a result, only what is reused.
   */
  endRound(keep = 2): void {
    this.round++;
    for (const [id, used] of this.lastUsed) {
      if (this.round - used > keep) {
        this.segments.delete(id);
        this.lastUsed.delete(id);
      }
    }
  }

  /**
   * Simulates `seg` further, from where it stopped, until it has a mark past its first whose cursor reaches
   * `dueCursor` (marks' cursors never decrease, so the first due mark is then among those simulated), or its end.
   * It resumes from its last mark's state exactly as a channel resumes from a mark (AllBankTiming.restore).
   */
  private extend(seg: Segment, dueCursor: number): void {
    if (seg.final >= 0 || enough(seg, dueCursor)) return;
    const t = this.scratch;
    const nc = this.nc;
    const program = seg.program;
    const counts = this.counts;
    const after = this.after;
    let cursor: number;
    let first: number;
    let last: number;
    let lastCmd: number;
    let end: number;
    let s: number;
    /** The ACT16 step whose mark is already taken (the one resumed before). */
    let marked = -1;
    if (seg.start) {
      t.restore(seg.start, 0);
      seg.start = null;
      counts.fill(0);
      after.fill(0);
      cursor = 0;
      first = -1;
      last = -1;
      lastCmd = -1;
      end = -Infinity;
      s = seg.from;
    } else {
      const d = seg.data;
      const o = seg.at(seg.marks - 1);
      t.restore(d, 0, o + MARK.state);
      const c = o + MARK.state + t.stateLength;
      for (let i = 0; i < nc; i++) {
        counts[i] = d[c + i]!;
        after[i] = d[c + nc + i]!;
      }
      cursor = d[o + MARK.cursor]!;
      first = d[o + MARK.first]!;
      last = d[o + MARK.last]!;
      lastCmd = d[o + MARK.lastCmd]!;
      end = d[o + MARK.end]!;
      s = d[o + MARK.step]!;
      marked = s;
    }
    for (; s < seg.to; s++) {
      const step = program[s]!;
      const cmd = step.cmd;
      if (cmd === this.act16 && s !== marked) {
        this.mark(seg, seg.marks, s, cursor, first, last, lastCmd, end);
        seg.marks++;
        // Stop before this activation: a later use resumes from this mark.
        if (enough(seg, dueCursor)) return;
      }
      let n = step.count;
      let prev = -1;
      let spacing = 0;
      while (n > 0) {
        let c: number;
        if (n > 1 && prev >= 0 && spacing > 0 && this.windowFree[cmd]) {
          // From the second repeat on, a command with no rolling window repeats at a constant spacing (its own
          // rule distance): jump to the last repeat; the state it leaves is the one the last repeat sets.
          c = prev + spacing * n;
          after[cmd]! += spacing * n;
          counts[cmd]! += n;
          n = 0;
        } else {
          c = Math.max(cursor, t.earliestCycle(cmd));
          if (lastCmd >= 0) after[lastCmd]! += c - last;
          if (prev >= 0) spacing = c - prev;
          counts[cmd]!++;
          n--;
        }
        t.issue(cmd, c);
        if (first < 0) first = c;
        if (cmd === this.rdmac16 && c + this.readDelay > end) end = c + this.readDelay;
        prev = c;
        last = c;
        lastCmd = cmd;
        cursor = c + 1;
      }
    }
    this.mark(seg, seg.marks, seg.to, cursor, first, last, lastCmd, end);
    seg.final = seg.marks;
  }

  /** Writes record `i` of `seg`: the run's state now, before step `step` (the counts and cycles-after are extend's). */
  private mark(seg: Segment, i: number, step: number, cursor: number, first: number, last: number, lastCmd: number, end: number): void {
    const o = seg.room(i);
    const d = seg.data;
    d[o + MARK.step] = step;
    d[o + MARK.cursor] = cursor;
    d[o + MARK.first] = first;
    d[o + MARK.last] = last;
    d[o + MARK.lastCmd] = lastCmd;
    d[o + MARK.end] = end;
    this.scratch.snapshot(0, d, o + MARK.state);
    const c = o + MARK.state + this.scratch.stateLength;
    const nc = this.nc;
    for (let k = 0; k < nc; k++) {
      d[c + k] = this.counts[k]!;
      d[c + nc + k] = this.after[k]!;
    }
  }
}

/** Whether `seg` has a mark past its first whose cursor reaches `dueCursor` (marks' cursors never decrease). */
function enough(seg: Segment, dueCursor: number): boolean {
  return seg.marks >= 2 && seg.cursorAt(seg.marks - 1) >= dueCursor;
}

/**
 * Zeroed Float64Arrays cut from shared chunks, each handed out once. A speed hack: a PIM-GPT generation makes a few
 * small arrays per channel job (counts and timelines by command kind, 14 numbers for aim), and V8 keeps the storage
 * of a typed array over 64 bytes outside its heap, which made allocating and collecting them a large share of a
 * generation's CPU. A chunk stays alive while any array cut from it does (a token's jobs die with its graph).
 */
export class Float64Slab {
  private chunk = new Float64Array(0);
  private at = 0;

  constructor(private readonly chunkLength = 8192) {}

  /** A zeroed array of `n` numbers. */
  take(n: number): Float64Array {
    if (this.at + n > this.chunk.length) {
      this.chunk = new Float64Array(Math.max(this.chunkLength, n));
      this.at = 0;
    }
    const a = this.chunk.subarray(this.at, this.at + n);
    this.at += n;
    return a;
  }
}

/** A 32-bit hash of a range and a relative state (whole cycles, as AllBankTiming snapshots are). */
function stateHash(from: number, to: number, state: Float64Array): number {
  let h = Math.imul(from ^ 0x2545f491, 0x9e3779b1) ^ to;
  for (let i = 0; i < state.length; i++) {
    const v = state[i]!;
    h = Math.imul(h ^ (v | 0) ^ ((v / 4294967296) | 0), 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h;
}

function sameState(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
