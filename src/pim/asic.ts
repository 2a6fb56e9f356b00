import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { readSpecFile, jsonFileNames } from '../spec/json-file.ts';
import { ARCH_DIR } from '../spec/package-root.ts';
import { deepFreeze } from '../spec/freeze.ts';
import { clockDomain, nextEdgePs, type ClockDomain } from '../kernel/clock.ts';
import type { Component, Simulator } from '../kernel/simulator.ts';
import { invariant } from '../spec/errors.ts';
import type { WorkNode, WorkRunner, WorkSchedule } from './work-node.ts';

/** The vector datapath of a PIM system's ASIC. */
export interface AsicSpec {
  readonly name: string;
  readonly file: string;
  readonly clockPs: number;
  /** Element operations per cycle. */
  readonly lanes: number;
  /** Fixed pipeline latency per operator, cycles. */
  readonly opLatencyCycles: number;
  readonly pjPerOp: number;
  readonly sramPjPerByte: number;
  readonly sources: Readonly<Record<string, string>>;
  /** Fields (`section.key`) with no public source. */
  readonly assumptions: readonly string[];
}

/** Directory of ASIC specs. */
export const ASIC_DIR = join(ARCH_DIR, 'asic');

/** Names of the shipped ASIC specs. */
export function knownAsics(): string[] {
  return jsonFileNames(ASIC_DIR);
}

/** Loads an ASIC spec by name or path, with errors naming file and field. */
export function loadAsic(nameOrPath: string): AsicSpec {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = looksLikePath ? nameOrPath : join(ASIC_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (looksLikePath) throw new StrataError(`${nameOrPath}: file not found`);
    throw new StrataError(`unknown ASIC '${nameOrPath}' (known: ${knownAsics().join(', ')})`);
  }
  const { json, assumptions } = readSpecFile(file);
  const r = FieldReader.root(file, json);
  r.onlyKeys(['name', 'description', 'clock', 'datapath', 'energy', 'note']);
  const c = r.object('clock');
  c.onlyKeys(['source', 'clockPs']);
  const d = r.object('datapath');
  d.onlyKeys(['source', 'lanes', 'opLatencyCycles']);
  const e = r.object('energy');
  e.onlyKeys(['source', 'pjPerOp', 'sramPjPerByte']);
  return deepFreeze({
    name: r.string('name'),
    file,
    clockPs: c.number('clockPs', { integer: true, positive: true }),
    lanes: d.number('lanes', { integer: true, positive: true }),
    opLatencyCycles: d.number('opLatencyCycles', { integer: true, min: 0 }),
    pjPerOp: e.number('pjPerOp', { min: 0 }),
    sramPjPerByte: e.number('sramPjPerByte', { min: 0 }),
    sources: { clock: c.string('source'), datapath: d.string('source'), energy: e.string('source') },
    assumptions: assumptions.map((a) => a.path),
  });
}

/**
 * Time (ps, a whole number of ASIC cycles) and energy (pJ) of a vector op of `flops` element operations over the
 * lanes, moving `bytes` through the ASIC's SRAM (an op's `opBytes`). It takes the numbers rather than the Op so the
 * unit does not depend on the IR at run time (test/architecture.test.ts).
 */
export function asicOpCost(asic: AsicSpec, work: { readonly flops: number; readonly bytes: number }): { timePs: number; energyPj: number } {
  const cycles = asic.opLatencyCycles + Math.ceil(work.flops / asic.lanes);
  return { timePs: cycles * asic.clockPs, energyPj: work.flops * asic.pjPerOp + work.bytes * asic.sramPjPerByte };
}

/** Cycles the lanes are busy with `flops` element operations (the pipeline latency comes after). */
export function asicOccupancyCycles(asic: AsicSpec, flops: number): number {
  return Math.ceil(flops / asic.lanes);
}

/**
 * The ASIC's vector datapath as a kernel component. It runs ASIC nodes of token graphs one after another through
 * its lanes, pipelined: a node occupies the lanes for its element operations over the lanes, and its result is
 * ready `opLatencyCycles` later, while the next node already streams in. Of the nodes ready, the earliest in the
 * graph goes first. Nodes start on edges of the ASIC clock.
 */
export class Asic implements Component, WorkRunner {
  readonly name = 'asic0';
  readonly clock: ClockDomain;
  private readonly handle: number;
  /** Ready nodes not started, and started nodes not finished. */
  private readonly waiting: WorkNode[] = [];
  private readonly inFlight: WorkNode[] = [];
  private lanesFreePs = 0;
  private lastNode = -1;
  private graph: WorkSchedule | null = null;
  /** Cycles the lanes were busy, over the run. */
  busyCycles = 0;

  constructor(private readonly sim: Simulator, readonly spec: AsicSpec) {
    this.clock = clockDomain('asic', spec.clockPs);
    this.handle = sim.add(this);
  }

  /** Switches to a new token graph (the previous one has finished). */
  begin(graph: WorkSchedule): void {
    invariant(this.waiting.length === 0 && this.inFlight.length === 0, 'the ASIC finishes one token graph before the next');
    this.graph = graph;
    this.lastNode = -1;
  }

  nodeReady(node: WorkNode): void {
    this.waiting.push(node);
    this.sim.wakeNoLaterThan(this.handle, Math.max(this.sim.nowPs, node.readyPs));
  }

  wake(nowPs: number): void {
    for (let i = 0; i < this.inFlight.length; ) {
      const n = this.inFlight[i]!;
      if (n.endPs <= nowPs) {
        this.inFlight.splice(i, 1);
        this.graph!.finish(n, n.endPs);
      } else i++;
    }
    while (this.lanesFreePs <= nowPs) {
      let pick = -1;
      for (let i = 0; i < this.waiting.length; i++) {
        const n = this.waiting[i]!;
        if (n.readyPs <= nowPs && (pick < 0 || n.index < this.waiting[pick]!.index)) pick = i;
      }
      if (pick < 0) break;
      const n = this.waiting.splice(pick, 1)[0]!;
      const start = nextEdgePs(this.clock, Math.max(nowPs, this.lanesFreePs));
      n.unitFreePs = this.lanesFreePs;
      n.unitFrom = this.lastNode;
      n.startPs = start;
      this.lanesFreePs = start + n.asicCycles * this.spec.clockPs;
      n.endPs = this.lanesFreePs + n.asicLatencyCycles * this.spec.clockPs;
      this.busyCycles += n.asicCycles;
      this.lastNode = n.index;
      this.inFlight.push(n);
      if (start > nowPs) break;
    }
    let next = Infinity;
    for (const n of this.inFlight) next = Math.min(next, n.endPs);
    for (const n of this.waiting) next = Math.min(next, Math.max(n.readyPs, this.lanesFreePs));
    if (next < Infinity) this.sim.wakeAt(this.handle, Math.max(next, nowPs));
  }
}
