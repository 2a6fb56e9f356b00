import { parameterCount, type ModelSpec } from '../compiler/model.ts';
import type { LowerOptions } from '../compiler/lower.ts';
import { repoRelative } from '../compiler/policies/types.ts';
import type { StepBatch, StepCost, StepCostModel } from '../serving/step-cost.ts';
import { duplexCapacityBytes, type DuplexSystem } from './duplex-system.ts';
import { runDuplexStep, stepOfBatch } from './duplex-step.ts';

/**
 * A serving-loop step cost model (src/serving/step-cost.ts) for a Duplex-family system: each step's batch is
 * lowered to its op graph and run by `runDuplexStep` (src/pim/duplex-step.ts). MoE routing is drawn per step from
 * `moe.routing.<seed>.<step>`; dense models' steps are memoised by their (context, new tokens) multiset, which
 * fixes their graph exactly. PIM op costs are memoised by shape underneath (src/pim/logic-pim-gemv.ts).
 */
export function duplexStepCostModel(system: DuplexSystem, model: ModelSpec, opts: { seed?: string; routing?: LowerOptions['routing'] } = {}): StepCostModel {
  const seed = opts.seed ?? '0';
  const moe = model.experts > 1;
  const memo = new Map<string, StepCost>();
  let steps = 0;
  let lookups = 0;
  let hits = 0;
  const pim = system.pim ? ` + ${system.pim.spec.name} on ${system.pim.stacksPerDevice} stacks each` : '';
  return {
    name: 'duplex',
    system: system.name,
    file: repoRelative(system.file),
    description: `${system.devices} x ${system.xpu.name}${pim}: ops by Op/B on xPU or PIM, co-processed, PIM traffic through the DRAM model (src/pim/duplex-step.ts)`,
    energyMethod: 'board-power-x-busy-time + dram-path-energy',
    energyNote: `xPU at ${system.xpu.boardPowerW} W while busy; PIM by per-bit DRAM path energy and MAC energy; interconnect per bit`,
    memory: { capacityBytes: duplexCapacityBytes(system), weightBytes: parameterCount(model) * model.precisionBytes },
    streams: moe ? [`moe.routing.${seed}.<step>`] : [],

    cost(batch: StepBatch): StepCost {
      steps++;
      let key = '';
      if (!moe) {
        lookups++;
        key = batch.entries.map((e) => `${e.contextLength}:${e.newTokens}`).sort().join(',');
        const known = memo.get(key);
        if (known) {
          hits++;
          return known;
        }
      }
      const r = runDuplexStep(system, model, stepOfBatch(batch.entries), { seed: `${seed}.${batch.index}`, routing: opts.routing });
      const cost: StepCost = { timePs: r.timePs, energyPj: r.energyPj.total, busyPs: r.busyPs };
      if (!moe) memo.set(key, cost);
      return cost;
    },

    stats() {
      return { steps, lookups, hits };
    },
  };
}
