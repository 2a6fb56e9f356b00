import { parameterCount, type ModelSpec } from '../../compiler/model.ts';
import type { LowerOptions } from '../../compiler/lower.ts';
import { repoRelative } from '../../compiler/policies/types.ts';
import type { StepBatch, StepCost, StepCostModel } from '../../serving/step-cost.ts';
import { duplexCapacityBytes, type DuplexSystem } from './duplex-system.ts';
import { duplexStepCoster } from './duplex-step-cost.ts';
import { DUPLEX_DEVICES, type DuplexSplit } from './policy.ts';
import { deviceProfile } from '../baseline/roofline.ts';

/**
 * A serving-loop step cost model (src/serving/step-cost.ts) for a Duplex-family system: each step's batch is
 * costed by `duplexStepCoster` (src/systems/duplex/duplex-step-cost.ts), which gives exactly what lowering the whole step and
 * running it with `runDuplexStep` (src/systems/duplex/duplex-step.ts) gives, from parts memoised by shape (layer ops by token
 * count, attention by (context, new tokens), experts by tokens per expert, PIM streams by length). MoE routing is
 * drawn per step from `moe.routing.<seed>.<step>`.
 */
export function duplexStepCostModel(
  system: DuplexSystem, model: ModelSpec, opts: { seed?: string; routing?: LowerOptions['routing']; coProcessing?: boolean; split?: DuplexSplit } = {},
): StepCostModel {
  const seed = opts.seed ?? '0';
  const moe = model.experts > 1;
  const coster = duplexStepCoster(system, model, { routing: opts.routing, coProcessing: opts.coProcessing, split: opts.split });
  const pim = system.pim ? ` + ${system.pim.spec.name} on ${system.pim.stacksPerDevice} stacks each` : '';
  // The xPU's ops are timed under its preset's default profile (duplex-step.ts calls opCost without one).
  const prof = deviceProfile(system.xpu);
  // What is simulated and what is not (src/pim/logic-pim-tsv.ts tsvStreamCost): stream lengths on a grid of
  // powers of two up to the tile, and two tiles, run command by command through the DRAM model; lengths between
  // grid points are interpolated, longer streams extrapolated at the simulated steady-state rate.
  const pimHow = system.pim
    ? `; PIM ops: each pseudo-channel's stream simulated command by command through the HBM DRAM model up to ${2 * system.pim.spec.tileRequestsPerChannel} requests per channel (lengths on a power-of-two grid simulated, lengths between them interpolated), longer streams extrapolated at the simulated steady-state rate (src/pim/logic-pim-tsv.ts)`
    : '';
  const rule = opts.split === 'balanced' ? 'experts split to balance xPU and PIM, decode attention on PIM'
    : opts.split === 'fastest' ? 'each expert on the faster processor, decode attention on PIM' : 'ops by Op/B on xPU or PIM';
  return {
    name: 'duplex',
    system: system.name,
    file: repoRelative(system.file),
    description: `${system.devices} x ${system.xpu.name}${pim}: ${rule}, ${opts.coProcessing === false ? 'one after another' : 'co-processed'} (src/systems/duplex/duplex-step.ts); xPU ops analytical (the ${system.xpu.name} kernel model under its '${prof.name}' profile, src/systems/baseline/roofline.ts)${pimHow}`,
    softwareProfile: { name: prof.name, description: prof.description, hostLaunchNs: prof.hostLaunchPs / 1000 },
    energyMethod: 'board-power-x-step-time + dram-path-energy',
    energyNote: `every xPU at ${system.xpu.boardPowerW} W for the whole step (computing or waiting for PIM, as the GPU baselines are charged); PIM by per-bit DRAM path energy and MAC energy; interconnect per bit`,
    memory: { capacityBytes: duplexCapacityBytes(system), weightBytes: parameterCount(model) * model.precisionBytes },
    streams: moe ? [`moe.routing.${seed}.<step>`] : [],

    cost(batch: StepBatch): StepCost {
      const r = coster.cost(batch.entries, `${seed}.${batch.index}`);
      const busyPs: Record<string, number> = { [DUPLEX_DEVICES.xpu]: r.busyPs[0] };
      if (system.pim) busyPs[DUPLEX_DEVICES.pim] = r.busyPs[1];
      return { timePs: r.timePs, energyPj: r.energyPj.total, busyPs };
    },

    stats: () => coster.stats(),
  };
}
