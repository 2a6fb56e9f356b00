import { parameterCount, type ModelSpec } from '../../compiler/model.ts';
import { repoRelative } from '../../compiler/policies/types.ts';
import type { StepBatch, StepCost, StepCostModel } from '../../serving/step-cost.ts';
import { neupimsDecode, neupimsPrefill, NeuPimsMemo, type NeuPimsDecodeOptions } from './neupims-decode.ts';
import { parallelismFor, type NeuPimsSystem } from './neupims-system.ts';

/**
 * A serving-loop step cost model (src/serving/step-cost.ts) for a NeuPIMs-family system. A step's decode requests
 * cost one decode iteration (src/systems/neupims/neupims-decode.ts: channel placement, PIM attention, sub-batch interleaving);
 * its prompt chunks run on the NPU before them (NeuPIMs runs prefill on the NPU). One memo serves every step, so
 * attention programs and NPU ops of a shape are simulated once; whole steps are memoised by their ordered
 * (context, new tokens) list, which fixes the channel placement (round-robin depends on the order).
 */
export function neupimsStepCostModel(system: NeuPimsSystem, model: ModelSpec, opts: Pick<NeuPimsDecodeOptions, 'subBatch' | 'balancing' | 'tp' | 'commandStreams'> = {}): StepCostModel {
  const memo = new NeuPimsMemo();
  const steps = new Map<string, StepCost>();
  const par = parallelismFor(system, model.name);
  const tp = opts.tp ?? par.tp;
  const devices = tp * par.pp;
  let count = 0;
  let lookups = 0;
  let hits = 0;
  return {
    name: 'neupims',
    system: system.name,
    file: repoRelative(system.file),
    // The NPU's GEMMs are closed-form here (neupimsDecode's default gemmTiming); test/npu/neupims-gemm-timing.test.ts
    // holds them 10-20 % faster than the cycle-level NPU on GPT-3 7B, tp 4, batches 128 and 256.
    description: `${devices} NeuPIMs-family device(s) (tp ${tp} x pp ${par.pp}) (src/systems/neupims/neupims-decode.ts): NPU GEMMs closed-form (the systolic arrays' closed-form cycles or the weight traffic at the channels' streaming rate, whichever is longer; 10-20 % faster than the cycle-level NPU on GPT-3 7B at batch 128-256: test/npu/neupims-gemm-timing.test.ts), prompts on the NPU, ${system.attention === 'pim' ? `decode attention in ${system.pim.rowBuffers === 2 ? 'dual' : 'single'}-row-buffer PIM with every PIM and DRAM command simulated at a cycle the HBM2 constraint table allows (repeated channel programs simulated once and reused)` : 'attention on the NPU (closed-form)'}`,
    energyMethod: 'dram-command-energy',
    energyNote: 'DRAM IDD command energy of the NPU traffic and PIM programs; NPU logic and SRAM not counted',
    memory: { capacityBytes: system.deviceBytes * devices, weightBytes: parameterCount(model) * model.precisionBytes },
    streams: [],

    cost(batch: StepBatch): StepCost {
      count++;
      lookups++;
      const key = batch.entries.map((e) => `${e.contextLength}+${e.newTokens}${e.decode ? 'd' : 'p'}`).join(',');
      const known = steps.get(key);
      if (known) {
        hits++;
        return known;
      }
      const decode = batch.entries.filter((e) => e.decode && e.newTokens === 1);
      const prefill = batch.entries.filter((e) => !(e.decode && e.newTokens === 1));
      let timePs = 0;
      let energyPj = 0;
      let npuPs = 0;
      let pimPs = 0;
      if (prefill.length > 0) {
        const p = neupimsPrefill(system, model, prefill.map((e) => ({ id: e.id, contextLength: e.contextLength, newTokens: e.newTokens })), { tp, memo, commandStreams: opts.commandStreams });
        timePs += p.timePs;
        energyPj += p.energyPj;
        npuPs += p.timePs;
      }
      if (decode.length > 0) {
        const r = neupimsDecode(system, model, decode.map((e) => e.contextLength), { ...opts, tp, memo });
        timePs += r.timePs;
        energyPj += r.energyPj;
        npuPs += r.npuBusyPs;
        pimPs += r.pimBusyPs;
      }
      const cost: StepCost = { timePs, energyPj, busyPs: system.attention === 'pim' ? { npu: npuPs, pim: pimPs } : { npu: npuPs } };
      steps.set(key, cost);
      return cost;
    },

    stats: () => ({ steps: count, lookups, hits }),
  };
}
