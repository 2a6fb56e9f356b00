import type { Component, Simulator } from '../kernel/simulator.ts';
import { clockDomain, nextEdgePs, type ClockDomain } from '../kernel/clock.ts';
import type { MemorySystem } from '../dram/memory-system.ts';
import type { Op } from '../ir/op.ts';
import type { WsTiling } from '../ir/tiling.ts';
import { invariant, StrataError } from '../spec/errors.ts';
import { DmaEngine, type DmaClient } from './dma.ts';
import { bufferCount, sramAccesses } from './scratchpad.ts';
import type { NpuSpec } from './spec.ts';
import { foldInterval, foldLead, foldStream, foldTail, foldsPerArray, type ArrayDataflow, type SystolicArrayConfig } from './systolic-array.ts';
import { vectorCycles, type VectorUnitConfig } from './vector-unit.ts';

/*
 * The NPU core: runs the ops a mapping assigned to it (src/compiler/policies/npu-only.ts), one op at a time in
 * their order (dependency order). Every op reads its operands from DRAM and writes its results back, as NeuPIMs'
 * NPU (ONNXim) does: nothing stays on chip between ops.
 *
 * An op is a pipeline of steps, each a load (DMA reads into the scratchpad), a compute and, at the end of an
 * output block, a store (DMA writes from the accumulator):
 * - a matrix op (systolic arrays) has one step per tile of its tiling, in the tiling's loop order (batch, n, m,
 *   k). A tile loads its k x n stationary block and its m x k input block; its folds go to the arrays (timing in
 *   src/npu/systolic-array.ts); the last k tile of an (m, n) block stores the m x n outputs. The first tile also
 *   loads the bias, the last also writes the new tokens' K/V to the cache (attention ops).
 * - a vector op (vector units) has one step per chunk: its bytes cut so that a chunk's input and output fit one
 *   scratchpad half; a chunk computes for vectorCycles (src/npu/vector-unit.ts) over its share of the FLOPs.
 * Double buffering: step i + 1 loads (into the other scratchpad half) while step i computes, when two steps fit
 * the scratchpad (src/npu/scratchpad.ts); step i + 2's load may start once step i has streamed its last fold,
 * which frees that half. Likewise the accumulator: a new output block starts once the store of the block two back
 * (one back with a single buffer) has been accepted. On the arrays a tile whose data is ready continues the fold
 * stream of the previous one (its first fold starts `interval` after the previous tile's last), so fill and drain
 * are paid when the arrays wait for data, not per tile; results are complete `tail` cycles after the last fold's
 * stream. The next op starts when this one has finished (results stored).
 *
 * Memory layout (an assumption, stated because addresses decide channels and banks): each op's operands occupy
 * their own regions, allocated one after another; a stationary operand is stored tile-major (each k x n block
 * contiguous, pre-packed as NPU compilers pack weights), inputs and outputs block by block likewise, so every
 * transfer is one contiguous range. Addresses wrap at the device's capacity (larger models reuse addresses: only
 * timing is simulated, not data).
 */

/**
 * One op as the NPU is handed it, in op order: the op, the id of the device it was mapped to, and its tiling
 * (`ws-gemm` for the systolic arrays) or null for an op run whole. The compiler's `Assignment`
 * (src/compiler/policies/types.ts) has this shape; the unit names only what it reads, so it depends on no compiler
 * type (Strata issue #15; test/architecture.test.ts).
 */
export interface NpuAssignment {
  readonly op: Op;
  readonly device: string;
  readonly tiling: WsTiling | { readonly scheme: string } | null;
}

/** Which unit group runs an op. */
export type NpuUnit = 'systolic-array' | 'vector-unit';

/** What happened to one op. */
export interface NpuOpRecord {
  readonly id: string;
  readonly kind: Op['kind'];
  readonly unit: NpuUnit;
  startPs: number;
  endPs: number;
  /** Steps (tiles or chunks). */
  readonly steps: number;
  /** NPU cycles its unit group computed. */
  computeCycles: number;
  /** Bytes the DMA read and wrote for it, in whole requests. */
  readBytes: number;
  writeBytes: number;
  /** Multiply-accumulates (matrix ops) or element operations (vector ops). */
  readonly macs: number;
  readonly flops: number;
}

/** Options of the NPU core. */
export interface NpuOptions {
  /** Dataflow used to time the arrays (default: the spec's). The tiling is the same either way. */
  readonly dataflow?: ArrayDataflow;
  /** Requests the DMA keeps waiting per channel controller at most (default DMA_QUEUED_PER_CHANNEL). */
  readonly maxQueuedPerChannel?: number;
}

/**
 * Default bound on the requests the NPU's DMA keeps waiting in one channel's controller: one transaction queue's
 * worth (32, the hbm2 preset's and DRAMsim3's trans queue). Little's law asks for less: a channel delivers 64 B per
 * tBURST = 2 ns (0.5 requests/ns) and a row-hit read takes CL + tBURST = 16 ns plus queueing, so 8-15 requests
 * in flight keep it busy; 32 leaves FR-FCFS room to reorder. Without a bound the engine also fills every bank's
 * command queue, which lets the next tile's requests overtake this one's (GPT-2 small decode on hbm2-32ch: 649
 * GB/s unbounded, 697 GB/s at 32) and lengthens the controllers' queue scans (about 1.5x the simulation time).
 */
export const DMA_QUEUED_PER_CHANNEL = 32;

const LOAD = 0;
const STORE = 1;
/** Steps in flight are few (double buffering bounds them); the event rings hold this many minus one. */
const RING_MASK = 15;

interface OpPlan {
  readonly op: Op;
  readonly unit: NpuUnit;
  readonly tiling: WsTiling | null;
  readonly steps: number;
  /** Scratchpad halves for loads, accumulator halves for output blocks (1 or 2). */
  readonly loadBuffers: number;
  readonly outBuffers: number;
  readonly stationaryBase: number;
  readonly inputBase: number;
  readonly outputBase: number;
  readonly extraBase: number;
  readonly stationaryStride: number;
  readonly inputStride: number;
  readonly outputStride: number;
  /** Bias bytes (loaded with the first tile) and K/V bytes (written with the last). */
  readonly biasBytes: number;
  readonly kvWriteBytes: number;
  /** Vector ops: bytes read and written, FLOPs, over `steps` chunks. */
  readonly readBytes: number;
  readonly writeBytes: number;
  readonly record: NpuOpRecord;
}

/** A whole number of requests: regions start on request boundaries. */
const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;
/** Share j of `total` cut into `parts` near-equal whole pieces. */
const part = (total: number, j: number, parts: number) => Math.floor((total * (j + 1)) / parts) - Math.floor((total * j) / parts);

/**
 * An NPU core (systolic arrays, vector units, scratchpad, accumulator) with its DMA engine, as one kernel
 * component. Call `start()`, run the simulator; `done` says when every op finished and `records` holds them.
 */
export class Npu implements Component, DmaClient {
  readonly name = 'npu0';
  readonly clock: ClockDomain;
  readonly array: SystolicArrayConfig;
  readonly vector: VectorUnitConfig;
  readonly dma: DmaEngine;
  readonly records: NpuOpRecord[] = [];
  /** Totals over the run. */
  arrayBusyCycles = 0;
  arrayMacs = 0;
  vectorBusyCycles = 0;
  vectorFlops = 0;
  scratchpadAccesses = 0;
  accumulatorAccesses = 0;
  /** Time the last op finished, ps (-1 until then). */
  finishedPs = -1;

  private readonly handle: number;
  private readonly p: number;
  private readonly requestBytes: number;
  private readonly finishedOps = new Set<string>();
  private nextAddr = 0;
  private opIndex = 0;
  private plan: OpPlan | null = null;
  private nextLoad = 0;
  private computeStep = 0;
  /** Steps whose scratchpad half is free again, and steps whose results are complete. */
  private buffersFreed = 0;
  private stepsDone = 0;
  private readonly loadPending = new Int32Array(2);
  private readonly loadReady = new Uint8Array(2);
  private readonly storePending = new Int32Array(2);
  /** Accumulator halves holding an output block not yet stored. */
  private readonly accBusy = new Uint8Array(2);
  /** Earliest stream start of the arrays' next fold; when the vector units are next free. */
  private arrayNextStreamPs = 0;
  private vectorFreePs = 0;
  /** End of the busy-interval union per unit group. */
  private readonly busyEndPs = new Float64Array(2);
  /** Scheduled steps: when each frees its scratchpad half, and when its results are complete (both in step order). */
  private readonly freeAt = new Float64Array(RING_MASK + 1);
  private freeHead = 0;
  private freeTail = 0;
  private readonly doneAt = new Float64Array(RING_MASK + 1);
  private readonly doneStep = new Float64Array(RING_MASK + 1);
  private doneHead = 0;
  private doneTail = 0;
  private storesOutstanding = 0;
  private onFinish: (() => void) | null = null;

  // The step being described (describeStep writes these; no allocation per step).
  private sStationaryAddr = 0;
  private sStationaryBytes = 0;
  private sInputAddr = 0;
  private sInputBytes = 0;
  private sStoreAddr = 0;
  private sStoreBytes = 0;
  private sCycles = 0;
  private sM = 0;
  private sK = 0;
  private sN = 0;
  private sNewBlock = false;
  private sEndsBlock = false;
  private sOutSlot = 0;
  private sMacs = 0;
  private sArrayReadBytes = 0;
  private sAccumulatorBytes = 0;

  constructor(
    private readonly sim: Simulator,
    readonly spec: NpuSpec,
    readonly memory: MemorySystem,
    private readonly assignments: readonly NpuAssignment[],
    precisionBytes: number,
    opts: NpuOptions = {},
  ) {
    this.clock = clockDomain('npu', spec.periodPs);
    const sa = spec.systolicArrays;
    this.array = { rows: sa.rows, cols: sa.cols, count: sa.count, dataflow: opts.dataflow ?? sa.dataflow, doubleBuffered: sa.doubleBufferedWeights };
    this.vector = spec.vectorUnits;
    this.p = precisionBytes;
    this.handle = sim.add(this);
    this.dma = new DmaEngine(sim, memory, this, 'npu0.dma', opts.maxQueuedPerChannel ?? DMA_QUEUED_PER_CHANNEL);
    this.requestBytes = this.dma.bytesPerRequest;
    for (const a of assignments) this.unitOf(a);
  }

  /** Whether every op has finished. */
  get done(): boolean {
    return this.finishedPs >= 0;
  }

  /** Starts the first op now; `onFinish` runs when the last one ends. */
  start(onFinish?: () => void): void {
    this.onFinish = onFinish ?? null;
    this.advance(this.sim.nowPs);
  }

  wake(nowPs: number): void {
    const plan = this.plan;
    if (plan === null) return;
    while (this.freeHead < this.freeTail && this.freeAt[this.freeHead & RING_MASK]! <= nowPs) {
      this.freeHead++;
      this.buffersFreed++;
    }
    while (this.doneHead < this.doneTail && this.doneAt[this.doneHead & RING_MASK]! <= nowPs) {
      const step = this.doneStep[this.doneHead & RING_MASK]!;
      this.doneHead++;
      this.stepsDone++;
      this.describeStep(plan, step);
      if (this.sStoreBytes > 0) this.store(plan, this.sStoreAddr, this.sStoreBytes);
      if (step === plan.steps - 1 && plan.kvWriteBytes > 0) this.store(plan, plan.extraBase + alignUp(plan.biasBytes, this.requestBytes), plan.kvWriteBytes);
      // A block that ends with nothing to store frees its accumulator half at once.
      if (this.sEndsBlock && this.storePending[this.sOutSlot] === 0) this.accBusy[this.sOutSlot] = 0;
    }
    this.advance(nowPs);
    this.scheduleWake();
  }

  onTransferDone(tag: number, nowPs: number): void {
    const kind = tag >> 1;
    const slot = tag & 1;
    if (kind === LOAD) {
      if (--this.loadPending[slot]! === 0) this.loadReady[slot] = 1;
    } else {
      if (--this.storePending[slot]! === 0) this.accBusy[slot] = 0;
      this.storesOutstanding--;
    }
    this.advance(nowPs);
  }

  private scheduleWake(): void {
    let t = Infinity;
    if (this.freeHead < this.freeTail) t = this.freeAt[this.freeHead & RING_MASK]!;
    if (this.doneHead < this.doneTail) t = Math.min(t, this.doneAt[this.doneHead & RING_MASK]!);
    if (t !== Infinity) this.sim.wakeNoLaterThan(this.handle, t);
  }

  private unitOf(a: NpuAssignment): NpuUnit {
    if (a.tiling !== null && a.tiling.scheme === 'ws-gemm') return 'systolic-array';
    if (a.tiling === null && a.op.cls === 'vector') return 'vector-unit';
    throw new StrataError(`op '${a.op.id}' on device '${a.device}': the NPU runs matrix ops tiled for its systolic arrays (ws-gemm) and vector ops whole; map the step with policy npu-only`);
  }

  /** Reserves a region of `bytes`, aligned to requests. */
  private allocate(bytes: number): number {
    const base = this.nextAddr;
    this.nextAddr += alignUp(Math.max(bytes, 1), this.requestBytes);
    return base;
  }

  private makePlan(a: NpuAssignment, nowPs: number): OpPlan {
    const op = a.op;
    const p = this.p;
    const unit = this.unitOf(a);
    const rb = this.requestBytes;
    const record: NpuOpRecord = {
      id: op.id, kind: op.kind, unit, startPs: nowPs, endPs: -1, steps: 0, computeCycles: 0, readBytes: 0, writeBytes: 0,
      macs: unit === 'systolic-array' ? op.flops / 2 : 0, flops: op.flops,
    };
    if (unit === 'systolic-array') {
      const t = a.tiling as WsTiling;
      const stationaryStride = alignUp(t.tile.k * t.tile.n * p, rb);
      const inputStride = alignUp(t.tile.m * t.tile.k * p, rb);
      const outputStride = alignUp(t.tile.m * t.tile.n * p, rb);
      // Weight GEMMs: what the op's weight bytes hold beyond the K x N matrix is the bias.
      const biasBytes = op.weightBytes > 0 ? Math.max(0, op.weightBytes - op.batch * op.k * op.n * p) : 0;
      const footprint = t.scratchpadBytes / 2;
      const loadBuffers = bufferCount(this.spec.scratchpad, footprint);
      const outBuffers = bufferCount(this.spec.accumulator, t.accumulatorBytes / 2);
      invariant(loadBuffers > 0 && outBuffers > 0, `op '${op.id}': a tile fits the scratchpad and accumulator (the tiler and the trace reader check it)`);
      const plan: OpPlan = {
        op, unit, tiling: t, steps: t.tiles, loadBuffers, outBuffers,
        stationaryBase: this.allocate(t.grid.batch * t.grid.k * t.grid.n * stationaryStride),
        inputBase: this.allocate(t.grid.batch * t.grid.m * t.grid.k * inputStride),
        outputBase: this.allocate(t.grid.batch * t.grid.m * t.grid.n * outputStride),
        extraBase: this.allocate(alignUp(biasBytes, rb) + op.kvWriteBytes),
        stationaryStride, inputStride, outputStride, biasBytes, kvWriteBytes: op.kvWriteBytes, readBytes: 0, writeBytes: 0,
        record: { ...record, steps: t.tiles },
      };
      return plan;
    }
    const readBytes = op.weightBytes + op.activationReadBytes + op.kvReadBytes;
    const writeBytes = op.activationWriteBytes + op.kvWriteBytes;
    // A chunk's input and output share one scratchpad half, so two chunks double-buffer.
    const half = Math.floor(this.spec.scratchpad.bytes / 2);
    const steps = Math.max(1, Math.ceil((readBytes + writeBytes) / half));
    return {
      op, unit, tiling: null, steps, loadBuffers: 2, outBuffers: 2,
      stationaryBase: 0, inputBase: this.allocate(readBytes), outputBase: this.allocate(writeBytes), extraBase: 0,
      stationaryStride: 0, inputStride: 0, outputStride: 0, biasBytes: 0, kvWriteBytes: 0, readBytes, writeBytes,
      record: { ...record, steps },
    };
  }

  /** Fills the s* fields for step `s` of `plan`. */
  private describeStep(plan: OpPlan, s: number): void {
    const t = plan.tiling;
    if (t === null) {
      const n = plan.steps;
      this.sStationaryBytes = 0;
      this.sInputAddr = plan.inputBase + Math.floor((plan.readBytes * s) / n);
      this.sInputBytes = part(plan.readBytes, s, n);
      this.sStoreAddr = plan.outputBase + Math.floor((plan.writeBytes * s) / n);
      this.sStoreBytes = part(plan.writeBytes, s, n);
      this.sCycles = vectorCycles(this.vector, part(plan.op.flops, s, n));
      this.sNewBlock = true;
      this.sEndsBlock = true;
      this.sOutSlot = plan.outBuffers === 2 ? s & 1 : 0;
      this.sMacs = 0;
      this.sArrayReadBytes = this.sInputBytes;
      this.sAccumulatorBytes = this.sStoreBytes;
      return;
    }
    const g = t.grid;
    const ki = s % g.k;
    const r = (s - ki) / g.k;
    const mi = r % g.m;
    const r2 = (r - mi) / g.m;
    const ni = r2 % g.n;
    const b = (r2 - ni) / g.n;
    const m = mi === g.m - 1 ? t.edge.m : t.tile.m;
    const k = ki === g.k - 1 ? t.edge.k : t.tile.k;
    const n = ni === g.n - 1 ? t.edge.n : t.tile.n;
    const p = this.p;
    this.sStationaryAddr = plan.stationaryBase + ((b * g.k + ki) * g.n + ni) * plan.stationaryStride;
    this.sStationaryBytes = k * n * p;
    this.sInputAddr = plan.inputBase + ((b * g.m + mi) * g.k + ki) * plan.inputStride;
    this.sInputBytes = m * k * p;
    this.sStoreAddr = plan.outputBase + ((b * g.m + mi) * g.n + ni) * plan.outputStride;
    this.sStoreBytes = ki === g.k - 1 ? m * n * p : 0;
    this.sM = m;
    this.sK = k;
    this.sN = n;
    this.sNewBlock = ki === 0;
    this.sEndsBlock = ki === g.k - 1;
    this.sOutSlot = plan.outBuffers === 2 ? r & 1 : 0;
    this.sMacs = m * k * n;
    // The arrays read the stationary block once and the input block once per column of folds; every K fold
    // reads and writes the m x n partial sums in the accumulator.
    this.sArrayReadBytes = k * n * p + m * k * p * Math.ceil(n / this.array.cols);
    this.sAccumulatorBytes = 2 * m * n * p * Math.ceil(k / this.array.rows);
  }

  private load(plan: OpPlan, slot: number, addr: number, bytes: number): void {
    this.loadPending[slot]!++;
    plan.record.readBytes += this.dma.requestsFor(addr, bytes) * this.requestBytes;
    this.scratchpadAccesses += sramAccesses(this.spec.scratchpad, bytes);
    this.dma.enqueue(addr, bytes, false, (LOAD << 1) | slot);
  }

  private store(plan: OpPlan, addr: number, bytes: number): void {
    const slot = this.sOutSlot;
    this.storePending[slot]!++;
    this.storesOutstanding++;
    plan.record.writeBytes += this.dma.requestsFor(addr, bytes) * this.requestBytes;
    this.dma.enqueue(addr, bytes, true, (STORE << 1) | slot);
  }

  /**
   * Times step `s` (the s* fields describe it), its data ready at `readyPs`. On the arrays its folds continue the
   * fold stream: the first streams at max(the array's next free stream slot, ready + lead), the rest `interval`
   * apart (src/npu/systolic-array.ts); its scratchpad half is free when its last fold has streamed, its results
   * are complete `tail` cycles later. On the vector units chunks run one after another.
   */
  private schedule(plan: OpPlan, s: number, readyPs: number): void {
    const P = this.clock.periodPs;
    let startPs: number;
    let freePs: number;
    let donePs: number;
    if (plan.unit === 'systolic-array') {
      const a = this.array;
      const m = this.sM;
      const k = this.sK;
      const interval = foldInterval(a, m, k) * P;
      const first = Math.max(this.arrayNextStreamPs, readyPs + foldLead(a) * P);
      const last = first + (foldsPerArray(a, m, k, this.sN) - 1) * interval;
      startPs = first - foldLead(a) * P;
      freePs = last + foldStream(a, m, k) * P;
      donePs = freePs + foldTail(a) * P;
      this.arrayNextStreamPs = last + interval;
      this.arrayMacs += this.sMacs;
      this.arrayBusyCycles += this.busyIncrement(startPs, donePs, 0);
    } else {
      startPs = Math.max(this.vectorFreePs, readyPs);
      freePs = donePs = startPs + this.sCycles * P;
      this.vectorFreePs = donePs;
      this.vectorBusyCycles += this.busyIncrement(startPs, donePs, 1);
    }
    this.scratchpadAccesses += sramAccesses(this.spec.scratchpad, this.sArrayReadBytes);
    this.accumulatorAccesses += sramAccesses(this.spec.accumulator, this.sAccumulatorBytes);
    invariant(this.freeTail - this.freeHead <= RING_MASK && this.doneTail - this.doneHead <= RING_MASK, `${this.name}: at most ${RING_MASK + 1} steps in flight`);
    this.freeAt[this.freeTail++ & RING_MASK] = freePs;
    this.doneAt[this.doneTail & RING_MASK] = donePs;
    this.doneStep[this.doneTail++ & RING_MASK] = s;
    this.sim.wakeNoLaterThan(this.handle, freePs);
  }

  /** Cycles [startPs, donePs) adds to the union of busy intervals of unit group `g` (0 arrays, 1 vector units); also counted for the op. */
  private busyIncrement(startPs: number, donePs: number, g: number): number {
    const from = Math.max(startPs, this.busyEndPs[g]!);
    if (donePs <= from) return 0;
    this.busyEndPs[g] = donePs;
    const cycles = (donePs - from) / this.clock.periodPs;
    this.plan!.record.computeCycles += cycles;
    return cycles;
  }

  /** Starts whatever can start at `nowPs`: the next op, loads, the next compute step. */
  private advance(nowPs: number): void {
    for (;;) {
      if (this.plan === null) {
        if (this.opIndex === this.assignments.length) {
          if (this.finishedPs < 0) {
            this.finishedPs = nowPs;
            this.onFinish?.();
          }
          return;
        }
        const a = this.assignments[this.opIndex]!;
        for (const d of a.op.deps) invariant(this.finishedOps.has(d), `op '${a.op.id}' runs after its dependency '${d}'`);
        this.plan = this.makePlan(a, nowPs);
        this.records.push(this.plan.record);
        this.nextLoad = 0;
        this.computeStep = 0;
        this.buffersFreed = 0;
        this.stepsDone = 0;
        this.loadPending.fill(0);
        this.loadReady.fill(0);
        this.storePending.fill(0);
        this.accBusy.fill(0);
      }
      const plan = this.plan;
      while (this.nextLoad < plan.steps && this.nextLoad <= this.buffersFreed + plan.loadBuffers - 1) {
        const s = this.nextLoad++;
        const slot = plan.loadBuffers === 2 ? s & 1 : 0;
        this.describeStep(plan, s);
        this.loadReady[slot] = 0;
        if (this.sStationaryBytes > 0) this.load(plan, slot, this.sStationaryAddr, this.sStationaryBytes);
        if (this.sInputBytes > 0) this.load(plan, slot, this.sInputAddr, this.sInputBytes);
        if (s === 0 && plan.biasBytes > 0) this.load(plan, slot, plan.extraBase, plan.biasBytes);
        if (this.loadPending[slot] === 0) this.loadReady[slot] = 1;
      }
      while (this.computeStep < plan.steps) {
        const s = this.computeStep;
        const slot = plan.loadBuffers === 2 ? s & 1 : 0;
        if (s >= this.nextLoad || this.loadReady[slot] === 0) break;
        this.describeStep(plan, s);
        if (this.sNewBlock) {
          if (this.accBusy[this.sOutSlot] === 1) break;
          this.accBusy[this.sOutSlot] = 1;
        }
        this.loadReady[slot] = 0;
        this.computeStep++;
        this.schedule(plan, s, nextEdgePs(this.clock, nowPs));
      }
      if (this.stepsDone === plan.steps && this.storesOutstanding === 0) {
        plan.record.endPs = nowPs;
        if (plan.unit === 'vector-unit') this.vectorFlops += plan.op.flops;
        this.finishedOps.add(plan.op.id);
        this.plan = null;
        this.opIndex++;
        continue;
      }
      return;
    }
  }
}
