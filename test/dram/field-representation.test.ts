import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../src/kernel/simulator.ts';
import { MemorySystem } from '../../src/dram/memory-system.ts';
import { generatePattern } from '../../src/dram/patterns.ts';
import { runDram } from '../../src/dram/run.ts';
import { loadStandard } from '../../src/dram/standard.ts';
import { TraceFrontend } from '../../src/dram/trace-frontend.ts';

// V8's own test hook: whether two objects share a hidden class (map). Natives syntax is read when a function is
// compiled, so the flag set here applies to the function made after it.
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

/** The objects of the DRAM run's hot path, made in a fresh simulator (not run). */
function parts(): Record<string, object> {
  const std = loadStandard('hbm2');
  const trace = generatePattern({ pattern: 'random', requests: 10, seed: '1', requestBytes: 64, capacityBytes: 2 ** 33, writeFraction: 0.5 });
  const sim = new Simulator();
  const memory = new MemorySystem(sim, std, std.controller);
  const frontend = new TraceFrontend(sim, memory, trace, 'dramsim3', true);
  const controller = memory.controllers[0]! as unknown as Record<string, object>;
  const request = memory.submit(2 ** 32 + 64, true, 1);
  return { simulator: sim, memory, frontend, controller, bank: memory.controllers[0]!.banks[0]!, drain: controller.drain!, readiness: controller.readiness!, request };
}

describe('DRAM run: number fields keep their V8 representation (src/kernel/double-field.ts)', () => {
  it('objects made before a run still share their maps with objects made after it: no map was deprecated mid-run', () => {
    // Each cycle or picosecond field written a double during the run (a Float64Array element, a division) would
    // deprecate its object's map if it started as a small integer: objects made before the run keep the old map.
    const before = parts();
    const std = loadStandard('hbm2');
    const trace = generatePattern({ pattern: 'random', requests: 6000, seed: '7', requestBytes: 64, capacityBytes: 2 ** 33, writeFraction: 0.3, interval: 1 });
    const r = runDram({ standard: std, trace, frontend: 'dramsim3', bankWindow: false });
    // The run must have written what the fields hold: cycles past the first refresh and row activity.
    expect(r.cycles).toBeGreaterThan(std.timing.tREFI!);
    expect(r.channels.reduce((n, s) => n + s.rowHits + s.rowMisses + s.rowConflicts, 0)).toBeGreaterThan(1000);
    const after = parts();
    const changed = Object.keys(before).filter((k) => !haveSameMap(before[k]!, after[k]!));
    expect(changed).toEqual([]);
  });
});
