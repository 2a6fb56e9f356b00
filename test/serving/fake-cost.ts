import type { StepBatch, StepCost, StepCostModel } from '../../src/serving/step-cost.ts';

/** A test cost model that records every batch it is asked about. */
export interface RecordingCostModel extends StepCostModel {
  readonly batches: StepBatch[];
}

/**
 * A cost model for hand-checkable tests: `timeOf(batch)` ps per step (a constant by default), 1 pJ per token,
 * no device memory (the KV capacity must be given).
 */
export function fakeCostModel(timeOf: number | ((b: StepBatch) => number), memory: StepCostModel['memory'] = null): RecordingCostModel {
  const batches: StepBatch[] = [];
  return {
    name: 'fake', system: 'test-system', file: 'test', description: 'a test cost model',
    energyMethod: 'per-token', energyNote: '1 pJ per token', memory, streams: [], batches,
    cost(b: StepBatch): StepCost {
      batches.push(b);
      const timePs = typeof timeOf === 'number' ? timeOf : timeOf(b);
      let tokens = 0;
      for (const e of b.entries) tokens += e.newTokens;
      return { timePs, energyPj: tokens, busyPs: { dev0: timePs } };
    },
    stats: () => ({ steps: batches.length, lookups: 0, hits: 0 }),
  };
}
