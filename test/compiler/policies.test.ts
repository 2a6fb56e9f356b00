import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/compiler/model.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { decodeStep, prefillStep } from '../../src/compiler/step.ts';
import { getPolicy, knownPolicies, loadTargetFor } from '../../src/systems/registry.ts';
import { gpuRoofline, SYSTEM_ALIASES } from '../../src/systems/baseline/policy.ts';
import { npuOnly, NPU_DEVICES } from '../../src/compiler/policies/npu-only.ts';
import type { Mapping } from '../../src/compiler/policies/types.ts';
import { tileGemm } from '../../src/compiler/tiling.ts';
import { expandTiles, type GemmShape, type WsTiling } from '../../src/ir/tiling.ts';
import { knownNpus, loadNpu, NPU_DIR, parseNpu, type NpuSpec } from '../../src/npu/spec.ts';
import { errorOf } from '../helpers.ts';


const npu = loadNpu('neupims-npu');
const gpt2xl = loadModel('gpt2-xl');

describe('the policy registry', () => {
  it('knows gpu-roofline, npu-only, pim-gpt, duplex and neupims', () => {
    expect(knownPolicies()).toEqual(['gpu-roofline', 'npu-only', 'pim-gpt', 'duplex', 'neupims']);
    expect(getPolicy('npu-only')).toBe(npuOnly);
  });

  it('an unknown policy lists the known ones', () => {
    expect(errorOf(() => getPolicy('frob'))).toBe("unknown policy 'frob' (known: gpu-roofline, npu-only, pim-gpt, duplex, neupims)");
  });

  it('a system of another policy says which policy it belongs to', () => {
    expect(errorOf(() => loadTargetFor(gpuRoofline, 'neupims-npu'))).toMatch(/^system 'neupims-npu' is for policy npu-only, not gpu-roofline \(systems for gpu-roofline: cpu-xeon, gpu-a100, gpu-a100-40gb/);
    expect(errorOf(() => loadTargetFor(npuOnly, 'gpu-t4'))).toMatch(/^system 'gpu-t4' is for policy gpu-roofline, not npu-only \(systems for npu-only: neupims-npu\)$/);
  });

  it('each policy loads its default system', () => {
    expect(loadTargetFor(gpuRoofline)).toMatchObject({ kind: 'baseline', device: { name: 'gpu-a100-40gb' } });
    expect(loadTargetFor(npuOnly)).toMatchObject({ kind: 'npu', npu: { name: 'neupims-npu' } });
  });
});

describe('gpu-roofline', () => {
  const ops = buildOpGraph(gpt2xl, decodeStep([1023]));

  it('puts every op, whole, on the one device, in op order', () => {
    const m = gpuRoofline.map({ model: gpt2xl, ops, target: gpuRoofline.loadTarget('gpu-t4') });
    expect(m.devices).toEqual([{
      id: 'gpu0', kind: 'gpu', spec: 'gpu-t4', file: 'arch/systems/gpu-t4.json', units: 1,
      params: { bandwidthBytesPerS: 320e9, capacityBytes: 16 * 2 ** 30, launchOverheadPs: 4_000_000 }, // the T4 kernel floor (arch/systems/gpu-t4.json kernel.floorNs)
    }]);
    expect(m.assignments.map((a) => a.op)).toEqual(ops);
    expect(m.assignments.every((a) => a.device === 'gpu0' && a.tiling === null)).toBe(true);
    expect(m.target).toEqual({ kind: 'baseline', name: 'gpu-t4', file: 'arch/systems/gpu-t4.json' });
  });

  it('a CPU preset is device cpu0', () => {
    const m = gpuRoofline.map({ model: gpt2xl, ops, target: gpuRoofline.loadTarget('cpu-xeon') });
    expect(m.devices[0]!.id).toBe('cpu0');
  });

  it("gpu-a100 is an alias of gpu-a100-40gb (NeuPIMs' GPU-only baseline)", () => {
    expect(SYSTEM_ALIASES).toEqual({ 'gpu-a100': 'gpu-a100-40gb' });
    const t = gpuRoofline.loadTarget('gpu-a100');
    expect(t.kind === 'baseline' && t.device.name).toBe('gpu-a100-40gb');
  });

  it('an unknown system lists the known ones, aliases marked', () => {
    expect(errorOf(() => gpuRoofline.loadTarget('gpu-v100'))).toBe(
      "unknown system 'gpu-v100' for policy gpu-roofline (known: cpu-xeon, gpu-a100 (= gpu-a100-40gb), gpu-a100-40gb, gpu-a100-80gb, gpu-h100-sxm, gpu-t4; or give a path to a .json preset)",
    );
  });

  it('refuses an NPU target', () => {
    expect(errorOf(() => gpuRoofline.map({ model: gpt2xl, ops, target: { kind: 'npu', npu } }))).toMatch(/^policy gpu-roofline maps onto a GPU or CPU preset, not onto npu 'neupims-npu'/);
  });
});

describe('npu-only', () => {
  const ops = buildOpGraph(gpt2xl, decodeStep([1023]));
  const mapping: Mapping = npuOnly.map({ model: gpt2xl, ops, target: { kind: 'npu', npu } });

  it('declares the systolic arrays and vector units of the spec', () => {
    expect(mapping.devices).toEqual([
      {
        id: 'npu0.systolic-array', kind: 'systolic-array', spec: 'neupims-npu', file: 'arch/npu/neupims-npu.json', units: 8,
        params: { rows: 128, cols: 128, frequencyMHz: 1000, scratchpadBytes: 1_048_576, accumulatorBytes: 1_048_576 },
      },
      { id: 'npu0.vector-unit', kind: 'vector-unit', spec: 'neupims-npu', file: 'arch/npu/neupims-npu.json', units: 8, params: { lanes: 128, frequencyMHz: 1000 } },
    ]);
  });

  it('matrix ops go to the systolic arrays, tiled; vector ops to the vector units, whole', () => {
    for (const a of mapping.assignments) {
      if (a.op.cls === 'vector') {
        expect(a.device).toBe(NPU_DEVICES.vectorUnit);
        expect(a.tiling).toBeNull();
      } else {
        expect(a.device).toBe(NPU_DEVICES.systolicArray);
        expect(a.tiling).not.toBeNull();
      }
    }
    // GPT-2 XL decode: per layer qkv, score, context, out-proj, up, down on the arrays (6 x 48) plus the LM head
    expect(mapping.assignments.filter((a) => a.device === NPU_DEVICES.systolicArray)).toHaveLength(6 * 48 + 1);
  });

  it('tiles the GPT-2 XL decode QKV projection (1 x 1600 x 4800) as checked by hand', () => {
    const qkv = mapping.assignments.find((a) => a.op.id === 'L0.qkv-proj')!.tiling as WsTiling;
    // The weights (1600 x 4800) are read once whatever the tile (one row of activations: one m tile). What is left
    // to minimise is the input re-read per n tile, so tn is as wide as the scratchpad allows. Each half holds
    // 1 MiB / 2 / 2 B = 262,144 elements >= tk·tn + tm·tk: tk = 128, tn = 2048 needs 128·2049 = 262,272 (too
    // many by 128); tn = 1024 needs 128·1025 = 131,200 and fits. Larger tk only lowers tn.
    expect(qkv.tile).toEqual({ m: 1, k: 128, n: 1024 });
    expect(qkv.grid).toEqual({ m: 1, k: 13, n: 5, batch: 1 }); // ceil(1600 / 128), ceil(4800 / 1024)
    expect(qkv.edge).toEqual({ m: 1, k: 64, n: 704 }); // 1600 − 12·128, 4800 − 4·1024
    expect(qkv.tiles).toBe(65);
    expect(qkv.folds).toBe(13 * 38); // ceil(1600/128) · ceil(4800/128) array loads of 128 x 128
    expect(qkv.traffic).toEqual({ stationaryBytes: 1600 * 4800 * 2, inputBytes: 1600 * 2 * 5, outputBytes: 4800 * 2 });
    expect(qkv.scratchpadBytes).toBe(2 * (128 * 1024 + 1 * 128) * 2); // 524,800
    expect(qkv.accumulatorBytes).toBe(2 * 1 * 1024 * 2);
  });

  it('in decode every stationary operand (weights, cached K and V) is read exactly once', () => {
    for (const a of mapping.assignments) {
      if (a.tiling?.scheme !== 'ws-gemm') continue;
      expect(a.tiling.grid.m).toBe(1);
      expect(a.tiling.traffic.stationaryBytes).toBe(a.op.batch * a.op.k * a.op.n * 2);
    }
  });

  it('ops of one shape share one tiling', () => {
    const t0 = mapping.assignments.find((a) => a.op.id === 'L0.ffn-up')!.tiling;
    const t7 = mapping.assignments.find((a) => a.op.id === 'L7.ffn-up')!.tiling;
    expect(t7).toBe(t0);
  });

  it('refuses a baseline target', () => {
    expect(errorOf(() => npuOnly.map({ model: gpt2xl, ops, target: gpuRoofline.loadTarget('gpu-t4') }))).toMatch(/^policy npu-only maps onto an NPU spec, not onto baseline 'gpu-t4'/);
  });

  it('an unknown NPU lists the known ones', () => {
    expect(errorOf(() => npuOnly.loadTarget('tpu-v4'))).toBe("unknown system 'tpu-v4' for policy npu-only (known: neupims-npu; or give a path to a .json NPU spec)");
  });
});

/** Checks what every tiling must satisfy: it fits, its tiles cover the product exactly once, its counts agree. */
function checkTiling(spec: NpuSpec, s: GemmShape, p: number): void {
  const t = tileGemm(spec, s, p);
  expect(t.scratchpadBytes).toBeLessThanOrEqual(spec.scratchpadBytes);
  expect(t.accumulatorBytes).toBeLessThanOrEqual(spec.accumulatorBytes);
  expect(t.tile.k === s.k || t.tile.k % spec.systolicArrays.rows === 0).toBe(true);
  expect(t.tile.n === s.n || t.tile.n % spec.systolicArrays.cols === 0).toBe(true);
  if (t.tiles > 5000) return; // counts are still checked above; enumerating is for the small ones
  let tiles = 0;
  let volume = 0;
  for (const tile of expandTiles(t)) {
    tiles++;
    volume += tile.m * tile.k * tile.n;
  }
  expect(tiles).toBe(t.tiles);
  expect(volume).toBe(s.m * s.k * s.n * s.batch);
}

describe('the weight-stationary tiler', () => {
  it('never rejects a GEMM for its size: one element, or 100,000 on every side', () => {
    checkTiling(npu, { m: 1, k: 1, n: 1, batch: 1 }, 2);
    const huge = tileGemm(npu, { m: 100_000, k: 100_000, n: 100_000, batch: 1 }, 2);
    expect(huge.tiles).toBeGreaterThan(0);
    expect(huge.scratchpadBytes).toBeLessThanOrEqual(npu.scratchpadBytes);
    checkTiling(npu, { m: 100_000, k: 100_000, n: 100_000, batch: 1 }, 4);
  });

  it('in prefill, large GEMMs fill the scratchpad: Llama-3 8B QKV of 8192 tokens', () => {
    const t = tileGemm(npu, { m: 8192, k: 4096, n: 6144, batch: 1 }, 2);
    // 2 · (256·512 + 512·256) · 2 B = 1 MiB: both halves of the scratchpad full; 2 · 512·512 · 2 B = 1 MiB of partial sums
    expect(t.tile).toEqual({ m: 512, k: 256, n: 512 });
    expect(t.scratchpadBytes).toBe(npu.scratchpadBytes);
    expect(t.accumulatorBytes).toBe(npu.accumulatorBytes);
    // weights re-read once per m tile (16), inputs once per n tile (12)
    expect(t.traffic).toEqual({ stationaryBytes: 4096 * 6144 * 2 * 16, inputBytes: 8192 * 4096 * 2 * 12, outputBytes: 8192 * 6144 * 2 });
  });

  it('m tiles are evened out: 8192 rows in 5 tiles of 1639 and an edge of 1636', () => {
    // Llama-3 8B prefill attention context (P·V) per KV head: 4 query heads x 2048 tokens = 8192 rows, 2048 keys, 128 dims
    const t = tileGemm(npu, { m: 8192, k: 2048, n: 128, batch: 8 }, 2);
    expect(t.grid.m).toBe(5);
    expect(t.tile.m).toBe(1639); // ceil(8192 / 5)
    expect(t.edge.m).toBe(8192 - 4 * 1639);
    checkTiling(npu, { m: 8192, k: 2048, n: 128, batch: 8 }, 2);
  });

  it('property: any shape on any valid spec fits, covers the product once, and counts agree', () => {
    const spec = fc.record({
      rows: fc.constantFrom(8, 16, 32, 128), cols: fc.constantFrom(8, 16, 64, 128),
      spadExtra: fc.integer({ min: 0, max: 1 << 20 }), accExtra: fc.integer({ min: 0, max: 1 << 16 }),
    });
    const shape = fc.record({
      m: fc.integer({ min: 1, max: 3000 }), k: fc.integer({ min: 1, max: 3000 }), n: fc.integer({ min: 1, max: 3000 }), batch: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(fc.property(spec, shape, fc.constantFrom(1, 2, 4), (sp, s, p) => {
      const json = JSON.parse(readFileSync(join(NPU_DIR, 'neupims-npu.json'), 'utf8'));
      json.systolicArrays.rows = sp.rows;
      json.systolicArrays.cols = sp.cols;
      json.scratchpad.bytes = 2 * (sp.rows * sp.cols + sp.rows) * 4 + sp.spadExtra; // the smallest spec parseNpu accepts, and more
      json.accumulator.bytes = 2 * sp.cols * 4 + sp.accExtra;
      checkTiling(parseNpu(json, 'prop.json'), s, p);
    }), { numRuns: 150 });
  });
});

describe('NPU specs (arch/npu)', () => {
  it('neupims-npu carries the NeuPIMs numbers, each group with its source', () => {
    expect(knownNpus()).toEqual(['neupims-npu']);
    expect(npu).toMatchObject({
      name: 'neupims-npu', frequencyMHz: 1000, periodPs: 1000,
      systolicArrays: { count: 8, rows: 128, cols: 128, dataflow: 'weight-stationary' },
      vectorUnits: { count: 8, lanes: 128 }, scratchpadBytes: 1_048_576, accumulatorBytes: 1_048_576,
    });
    expect(Object.keys(npu.sources).sort()).toEqual(['accumulator', 'clock', 'scratchpad', 'systolicArrays', 'vectorUnits']);
    for (const s of Object.values(npu.sources)) expect(s).toMatch(/NeuPIMs/);
    expect(Object.isFrozen(npu.systolicArrays)).toBe(true);
  });

  const base = () => JSON.parse(readFileSync(join(NPU_DIR, 'neupims-npu.json'), 'utf8'));

  it('errors name the file and the field', () => {
    const missing = base();
    delete missing.systolicArrays.rows;
    expect(errorOf(() => parseNpu(missing, 'my.json'))).toBe("my.json: field 'systolicArrays.rows': expected an integer > 0 (field is missing)");
    const typo = base();
    typo.scratchpad.byts = 5;
    expect(errorOf(() => parseNpu(typo, 'my.json'))).toMatch(/^my\.json: field 'scratchpad\.byts': unknown field/);
    const dataflow = base();
    dataflow.systolicArrays.dataflow = 'output-stationary';
    expect(errorOf(() => parseNpu(dataflow, 'my.json'))).toBe("my.json: field 'systolicArrays.dataflow': expected one of weight-stationary, found \"output-stationary\"");
    const nosource = base();
    nosource.clock.source = ' ';
    expect(errorOf(() => parseNpu(nosource, 'my.json'))).toMatch(/^my\.json: field 'clock\.source': expected a non-empty citation/);
  });

  it('a scratchpad too small for one fold is a spec error, not a tiling failure', () => {
    const small = base();
    small.scratchpad.bytes = 65_536;
    // 2 halves · (128·128 + 128) elements · 4 B = 132,096
    expect(errorOf(() => parseNpu(small, 'small.json'))).toBe(
      "small.json: field 'scratchpad.bytes': expected at least 132096 (two halves, each holding one 128 x 128 fold and one input row of 4-byte elements), found 65536",
    );
    const acc = base();
    acc.accumulator.bytes = 1000;
    expect(errorOf(() => parseNpu(acc, 'small.json'))).toMatch(/^small\.json: field 'accumulator\.bytes': expected at least 1024 /);
  });

  it('unknown names list the known NPUs; missing files and bad JSON are named', () => {
    expect(errorOf(() => loadNpu('tpu-v4'))).toBe("unknown NPU 'tpu-v4' (known: neupims-npu; or give a path to a .json NPU spec)");
    expect(errorOf(() => loadNpu('/nonexistent/npu.json'))).toBe('/nonexistent/npu.json: file not found');
    const dir = mkdtempSync(join(tmpdir(), 'strata-npu-'));
    try {
      const f = join(dir, 'bad.json');
      writeFileSync(f, '{ "name": ');
      expect(errorOf(() => loadNpu(f))).toMatch(new RegExp(`^${f}: not valid JSON`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mapping a prefill with MoE (Mixtral, 2 prompts of 16 tokens)', () => {
  it('routes experts, tiles every expert FFN, and keeps the op order', () => {
    const m = loadModel('mixtral-8x7b');
    const ops = buildOpGraph(m, prefillStep([16, 16]), { seed: '3' });
    const mapped = npuOnly.map({ model: m, ops, target: { kind: 'npu', npu } });
    expect(mapped.assignments.map((a) => a.op.id)).toEqual(ops.map((o) => o.id));
    const experts = mapped.assignments.filter((a) => a.op.expert >= 0 && a.op.cls !== 'vector');
    expect(experts.length).toBeGreaterThan(0);
    for (const a of experts) expect((a.tiling as WsTiling).traffic.stationaryBytes).toBe(a.op.k * a.op.n * 2); // a few rows: weights read once
  });
});
