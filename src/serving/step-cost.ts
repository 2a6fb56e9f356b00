/**
 * The step cost model: what the serving loop asks of a system. Given one iteration's batch composition (for
 * each scheduled request its context so far and the tokens it processes this step), a cost model returns the
 * step's time and energy. The loop knows nothing else about the hardware, so any system (a GPU roofline, NeuPIMs,
 * Duplex) serves requests by implementing `StepCostModel`.
 */

/** One request's share of a serving step: a prefill chunk (newTokens >= 1) or a decode token (newTokens = 1). */
export interface BatchEntry {
  readonly id: string;
  /** Tokens already in this request's KV cache before the step (0 for the first prefill chunk). */
  readonly contextLength: number;
  /** Tokens processed this step: a prompt chunk, or 1 in decode. */
  readonly newTokens: number;
  /** True for decode (the request has its first token); false for a prompt chunk. */
  readonly decode: boolean;
}

/** One iteration of the serving loop, as a cost model sees it. */
export interface StepBatch {
  /** Step number from 0; cost models that draw random numbers per step (MoE routing) seed from it. */
  readonly index: number;
  /** The scheduled requests in admission order: at least one. */
  readonly entries: readonly BatchEntry[];
}

/** What one step costs. */
export interface StepCost {
  /** Time of the step, integer ps > 0. */
  readonly timePs: number;
  /** Energy of the step, pJ >= 0. */
  readonly energyPj: number;
  /** Optional: time each device was busy during the step, ps, by device id (`gpu0`, `xpu`, `logic-pim`). */
  readonly busyPs?: Readonly<Record<string, number>>;
}

/** Device memory as a cost model's system declares it; the serving loop's default KV capacity is what the weights leave. */
export interface SystemMemory {
  readonly capacityBytes: number;
  readonly weightBytes: number;
}

/** Counters of a cost model's memoisation, for the report. */
export interface CostModelStats {
  /** Steps costed. */
  readonly steps: number;
  /** Parts (or whole steps) looked up in the model's memo tables, and how many were found there. */
  readonly lookups: number;
  readonly hits: number;
}

/** A system as the serving loop sees it. */
export interface StepCostModel {
  /** Short name of the method (`gpu-roofline`). */
  readonly name: string;
  /** The system's name (`gpu-h100-sxm`) and the file it came from (repository-relative for shipped presets). */
  readonly system: string;
  readonly file: string;
  /** One line on how time and energy are computed. */
  readonly description: string;
  /** How energy is computed (`board-power-x-time`, `command-energy`), and a note for the report. */
  readonly energyMethod: string;
  readonly energyNote: string;
  /** Device memory, or null when the system declares none (then the KV capacity must be given). */
  readonly memory: SystemMemory | null;
  /**
   * Where step times rest on a GPU/CPU baseline preset (the roofline, Duplex's xPU): the software profile its ops
   * are timed under (src/systems/baseline/roofline.ts), for the serving report. Absent for systems without one.
   */
  readonly softwareProfile?: { readonly name: string; readonly description: string; readonly hostLaunchNs: number };
  /** The seedrandom streams the model draws from, as names or patterns (`moe.routing.<seed>.<step>`); empty if none. */
  readonly streams: readonly string[];
  /** Cost of one step. Must be deterministic: the same batch (with the same index) gives the same cost. */
  cost(batch: StepBatch): StepCost;
  /** Memoisation counters so far. */
  stats(): CostModelStats;
}
