import type { PimJobRun, PimStep } from './pim-channel.ts';

/*
 * The units' side of a schedule of dependent work. A PIM channel (pim-channel.ts, `PimChannel`) and the ASIC
 * (asic.ts, `Asic`) run the nodes handed to them and tell the schedule when each is done; which nodes there are and
 * how they depend on each other is a system's business (PIM-GPT's token graph, src/systems/pim-gpt/token-graph.ts,
 * whose `TokenNode` and `TokenGraph` have this shape). The units name only these, so a unit depends on no system,
 * not even by a type (Strata issue #15; test/architecture.test.ts).
 */

/** A node as a unit reads and writes it. */
export interface WorkNode {
  /** Its place in the schedule: of the nodes ready, the ASIC starts the lowest first. */
  readonly index: number;
  /** PIM: the channel program it runs; null for an ASIC node. */
  readonly program: readonly PimStep[] | null;
  /** ASIC: cycles the lanes are occupied, and the pipeline latency after them. */
  readonly asicCycles: number;
  readonly asicLatencyCycles: number;
  /** Predecessors not finished yet: a channel starts a queued node only at 0. */
  readonly remaining: number;
  /** When its last input arrives, ps. */
  readonly readyPs: number;
  /** Written by the unit: when it became free for the node (ps) and the node that held it until then (-1: free). */
  unitFreePs: number;
  unitFrom: number;
  /** Written by the unit: when the node started using it and finished, ps. */
  startPs: number;
  endPs: number;
  /** Written by a PIM channel: what it did. */
  job: PimJobRun | null;
}

/** A unit that runs nodes: told when one of its nodes becomes ready. */
export interface WorkRunner {
  nodeReady(node: WorkNode): void;
}

/** The schedule a unit reports to. */
export interface WorkSchedule {
  /** `node` finished at `endPs`; the schedule hands the successors that became ready to their runners. */
  finish(node: WorkNode, endPs: number): void;
}
