import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { loadDevice, parseDevice, runOpsOnDevice } from '../../src/systems/baseline/roofline.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { loadModel, parameterCount } from '../../src/compiler/model.ts';
import { makeStep } from '../../src/compiler/step.ts';
import { readJsonFile } from '../../src/spec/json-file.ts';
import { join } from 'node:path';
import { rooflineStepCost, batchStepRequests } from '../../src/systems/baseline/roofline-step-cost.ts';
import { loadStepCostModel } from '../../src/systems/registry.ts';
import type { BatchEntry } from '../../src/serving/step-cost.ts';
import { errorOf } from '../helpers.ts';
import { SYSTEMS_DIR } from '../../src/systems/presets.ts';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const h100 = loadDevice('gpu-h100-sxm');
// Mixtral's 87 GiB of weights do not fit an 80 GB H100; the cost does not depend on the capacity.
const bigH100 = parseDevice({ ...(readJsonFile(join(SYSTEMS_DIR, 'gpu-h100-sxm.json')) as object), name: 'h100-192gb' }, 'h100-192gb.json');

/** The time `strata run` gives the same batch: the whole op graph through runOpsOnDevice (same attention launches). */
function directPs(model: ReturnType<typeof loadModel>, device: typeof h100, entries: BatchEntry[], seed: string, attentionLaunch?: 'per-layer' | 'per-request'): number {
  const step = makeStep('mixed', batchStepRequests(entries));
  return runOpsOnDevice(device, buildOpGraph(model, step, { seed }), model.precisionBytes, { attentionLaunch }).totalPs;
}

const entries = (spec: Array<[number, number]>): BatchEntry[] =>
  spec.map(([contextLength, newTokens], i) => ({ id: `q${i}`, contextLength, newTokens, decode: contextLength > 0 && newTokens === 1 }));

const batchArb = (maxContext: number) => fc.array(
  fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: maxContext }), fc.constant(1)), // decode
    fc.tuple(fc.constant(0), fc.integer({ min: 1, max: 300 })), // a whole prompt
    fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 2, max: 100 })), // a later prompt chunk
  ),
  { minLength: 1, maxLength: 6 },
);

describe('roofline step cost', () => {
  it('equals the op graph timed op by op (dense, learned positions and GQA)', () => {
    for (const name of ['gpt2-small', 'llama3-8b']) {
      const model = loadModel(name);
      for (const attentionLaunch of ['per-layer', 'per-request'] as const) {
        const cost = rooflineStepCost(model, h100, { attentionLaunch });
        fc.assert(fc.property(batchArb(700), (spec) => {
          const e = entries(spec);
          expect(cost.cost({ index: 0, entries: e }).timePs).toBe(directPs(model, h100, e, '0', attentionLaunch));
        }), { numRuns: 10, seed: 1 });
      }
    }
  });

  it('equals the op graph for MoE, whose routing stream is moe.routing.<seed>.<step>', () => {
    const model = loadModel('mixtral-8x7b');
    const cost = rooflineStepCost(model, bigH100, { seed: 's' });
    fc.assert(fc.property(batchArb(2000), fc.integer({ min: 0, max: 50 }), (spec, index) => {
      const e = entries(spec);
      expect(cost.cost({ index, entries: e }).timePs).toBe(directPs(model, bigH100, e, `s.${index}`));
    }), { numRuns: 8, seed: 2 });
    expect(cost.streams).toEqual(['moe.routing.s.<step>']);
    // skewed routing reaches the lowering
    const skewed = rooflineStepCost(model, bigH100, { seed: 's', routing: 'skewed' });
    const e = entries([[0, 64]]);
    const step = makeStep('mixed', batchStepRequests(e));
    expect(skewed.cost({ index: 3, entries: e }).timePs).toBe(runOpsOnDevice(bigH100, buildOpGraph(model, step, { seed: 's.3', routing: 'skewed' })).totalPs);
  });

  it('a prefill longer in total than a learned position table is costed (each prompt fits)', () => {
    const model = loadModel('gpt2-small');
    const e = entries([[0, 1000], [0, 900], [10, 1]]);
    expect(rooflineStepCost(model, h100).cost({ index: 0, entries: e }).timePs).toBe(directPs(model, h100, e, '0'));
  });

  it('memoises parts exactly: a repeated batch is all hits and costs the same', () => {
    const model = loadModel('llama3-8b');
    const cost = rooflineStepCost(model, h100);
    const e = entries([[100, 1], [200, 1], [100, 1]]);
    const first = cost.cost({ index: 0, entries: e });
    // 3 attention lookups (one hit: the second context 100), head and body miss
    expect(cost.stats()).toEqual({ steps: 1, lookups: 5, hits: 1 });
    const again = cost.cost({ index: 7, entries: e });
    expect(again).toEqual(first);
    expect(cost.stats()).toEqual({ steps: 2, lookups: 10, hits: 6 });
  });

  it('per-layer attention launches: one launch per attention op kind and layer instead of one per request', () => {
    const model = loadModel('llama3-8b');
    const e = entries([[100, 1], [200, 1], [0, 50], [7, 1]]);
    const perRequest = rooflineStepCost(model, h100, { attentionLaunch: 'per-request' }).cost({ index: 0, entries: e }).timePs;
    // per-layer is the default (serving engines launch batched attention kernels)
    const perLayer = rooflineStepCost(model, h100);
    // 4 requests x 32 layers of fused attention kernels launched separately, against 32 shared ones; each is the
    // SDPA kernel and 2 KV-cache writes (3 kernels) of the 3.325 us floor
    expect(perLayer.cost({ index: 0, entries: e }).timePs).toBe(perRequest - (4 - 1) * 32 * 3 * 3_325_000);
    expect(perLayer.description).toContain('one fused attention kernel per layer for the whole batch');
  });

  it('energy is board power x time (W x ps = pJ); memory is the device less its runtime reserve, and the weights', () => {
    const model = loadModel('llama3-8b');
    const cost = rooflineStepCost(model, h100);
    const c = cost.cost({ index: 0, entries: entries([[0, 128]]) });
    expect(c.energyPj).toBe(700 * c.timePs);
    expect(c.busyPs).toEqual({ gpu0: c.timePs });
    // 80 GiB - 3 GiB reserved (arch/systems/gpu-h100-sxm.json memory.reservedBytes)
    expect(cost.memory).toEqual({ capacityBytes: 85_899_345_920 - 3_221_225_472, weightBytes: parameterCount(model) * 2 });
    expect(cost).toMatchObject({ name: 'gpu-roofline', system: 'gpu-h100-sxm', file: 'arch/systems/gpu-h100-sxm.json', energyMethod: 'board-power-x-time', streams: [] });
  });
});

describe('the serving-system registry', () => {
  it('serves baseline presets by name, alias or path; names the known systems otherwise', () => {
    const model = loadModel('gpt2-small');
    expect(loadStepCostModel('gpu-a100', model, { seed: '0' }).system).toBe('gpu-a100-40gb');
    expect(loadStepCostModel('arch/systems/gpu-t4.json', model, { seed: '0' }).system).toBe('gpu-t4');
    expect(errorOf(() => loadStepCostModel('tpu-v9', model, { seed: '0' }))).toMatch(/^unknown serving system 'tpu-v9' \(known: .*gpu-h100-sxm.*; or give a path to a \.json system file of family baseline, pim-gpt, duplex or neupims\)$/);
  });

  it('sends a system file given by path to the cost model of its family', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-serving-'));
    const copy = (name: string): string => {
      const file = join(dir, `my-${name}.json`);
      copyFileSync(join(SYSTEMS_DIR, `${name}.json`), file);
      return file;
    };
    expect(loadStepCostModel(copy('neupims'), loadModel('neupims-gpt3-7b'), { seed: '0' }).name).toBe('neupims');
    expect(loadStepCostModel(copy('duplex'), loadModel('mixtral-8x7b'), { seed: '0' }).name).toBe('duplex');
    expect(loadStepCostModel(copy('gpu-t4'), loadModel('gpt2-small'), { seed: '0' }).name).toBe('gpu-roofline');
  });
});
