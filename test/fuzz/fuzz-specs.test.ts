import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { asicOccupancyCycles, loadAsic } from '../../src/pim/asic.ts';
import { loadNpu } from '../../src/npu/spec.ts';
import { loadSweep } from '../../src/sweep/sweep-file.ts';
import { buildPoints } from '../../src/sweep/point.ts';
import { samplePoints } from '../../src/sweep/sample.ts';
import { sweepColumns } from '../../src/sweep/run-sweep.ts';
import { ROOT, json, mutateJson, mutateText, property, yamlToJson } from './fuzz-helpers.ts';

/*
 * Fuzzing (issue #18 item 5), part 2: Ramulator 2 YAML, sweep files, PIM specs (AiM, NeuPIMs), NPU and ASIC specs;
 * the contract, the mutations and the seed are in ./fuzz-helpers.ts (part 1: ./fuzz.test.ts).
 */
describe('fuzzing the remaining input formats', () => {
  // Ramulator 2 configurations (the fixture is Strata's own export of ddr5, `strata dram export --to ramulator2`).
  property('Ramulator 2 YAML', 'yaml', mutateText(readFileSync(join(ROOT, 'test/fixtures/export/ddr5.yaml'), 'utf8')), (f) => ['dram', '--spec', f, '--pattern', 'random-rw', '--requests', '20', '--quiet'], false);
  // Sweep files: the loader, then what `strata sweep --dry-run` does short of hashing the shipped specs (~100 ms
  // a call): sample every point, and build the first six's command lines and keys (each resolves its --set
  // overrides against the specs it names, a few ms); no point runs.
  const sweepPlan = (f: string) => () => {
    const sweep = loadSweep(f);
    const points = buildPoints(sweep, samplePoints(sweep).slice(0, 6), { specs: 'fuzz', code: 'fuzz' });
    sweepColumns(sweep);
    // a plain test, not `expect` (0.05 ms a call, six calls a case): it throws the same message
    for (const p of points) {
      if (!p.argv.every((a) => typeof a === 'string' && !a.includes('NaN') && !a.includes('Infinity'))) throw new Error(`a point's command line holds a non-number: ${p.argv.join(' ')}`);
    }
  };
  property('sweep YAML', 'yaml', mutateText(readFileSync(join(ROOT, 'workloads/sweeps/pim-gpt-lanes.yaml'), 'utf8').replace(/^\$schema: .*$/m, '')), sweepPlan, true);
  property('sweep JSON', 'json', mutateJson(yamlToJson('workloads/sweeps/duplex-opb.yaml')), sweepPlan, true);
  // PIM specs: an AiM spec through a small GEMV (its command stream replayed by the checker), and the NeuPIMs spec
  // through one head's attention on one channel.
  property('PIM spec JSON (AiM)', 'json', mutateJson(json('arch/pim/aim.json')), (f) => ['pim', 'gemv', '--spec', f, '--m', '16', '--k', '256', '--check'], false);
  property('PIM spec JSON (NeuPIMs)', 'json', mutateJson(json('arch/pim/neupims.json')), (f) => ['pim', 'neupims-gemv', '--spec', f, '--context', '16', '--heads', '1', '--head-dim', '64', '--mode', 'dual'], false);
  // NPU and ASIC specs through their loaders (a served step on the NPU takes half a second), with what the
  // systems compute from them first: every number the NPU spec yields must be finite, the ASIC's occupancy exact.
  property('NPU spec JSON', 'json', mutateJson(json('arch/npu/neupims-npu.json')), (f) => () => {
    const npu = loadNpu(f);
    const numbers: string[] = JSON.stringify(npu).match(/-?\d[\d.e+-]*|null/g) ?? [];
    expect(numbers.includes('null'), `${f}: a number is not finite`).toBe(false);
  }, true);
  property('ASIC spec JSON', 'json', mutateJson(json('arch/asic/pim-gpt-asic.json')), (f) => () => {
    const cycles = asicOccupancyCycles(loadAsic(f), 1_000_000);
    expect(Number.isSafeInteger(cycles) && cycles > 0, `${cycles} cycles`).toBe(true);
  }, true);
});
