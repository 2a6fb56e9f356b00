import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  energyJoules, fitsInMemory, knownDevices, loadDevice, opCost, opTimeNs, parseDevice, resolvePrecision, runOpsOnDevice,
} from '../../../src/systems/baseline/roofline.ts';
import type { Op } from '../../../src/ir/op.ts';
import { errorOf } from '../../helpers.ts';
import { SYSTEMS_DIR } from '../../../src/systems/presets.ts';
import { loadModel } from '../../../src/compiler/model.ts';
import { memoryFootprint } from '../../../src/compiler/footprint.ts';
import { decodeStep } from '../../../src/compiler/step.ts';


/** A hand-made FP16 matrix product (M x K activations times K x N weights), as the op-graph builder would describe it. */
function matmul(id: string, m: number, k: number, n: number, deps: string[] = []): Op {
  const B = 2;
  const weightBytes = k * n * B;
  const activationReadBytes = m * k * B;
  const activationWriteBytes = m * n * B;
  const flops = 2 * m * k * n;
  return {
    id, kind: 'ffn-up', cls: m === 1 ? 'gemv' : 'gemm', layer: 0, expert: -1, m, k, n, batch: 1, flops,
    weightBytes, activationReadBytes, activationWriteBytes, kvReadBytes: 0, kvWriteBytes: 0,
    opPerByte: flops / (weightBytes + activationReadBytes + activationWriteBytes), deps,
  };
}

/** An op that moves nothing and computes nothing: only its launch costs time. */
function emptyOp(id: string): Op {
  return { ...matmul(id, 1, 1, 1), flops: 0, weightBytes: 0, activationReadBytes: 0, activationWriteBytes: 0, opPerByte: 0 };
}

// GEMM 4096 x 4096 x 4096: FLOPs = 2 * 4096^3 = 137,438,953,472; bytes = 3 * 4096^2 * 2 B = 100,663,296.
const GEMM = matmul('gemm', 4096, 4096, 4096);
// GEMV 1 x 4096 x 4096 (one decode token): FLOPs = 2 * 4096^2 = 33,554,432;
// bytes = 4096^2 * 2 (weights) + 4096 * 2 (input) + 4096 * 2 (output) = 33,570,816.
const GEMV = matmul('gemv', 1, 4096, 4096);

/**
 * Expected times per preset, in ps: compute = FLOPs * 1e12 / (peak * computeEff), memory = bytes * 1e12 /
 * (bandwidth * memEff), each rounded up; total = max + the kernel floor (the op starts one kernel).
 */
const EXPECTED: Record<string, { precision: string; gemm: [number, number, number]; gemv: [number, number, number]; launchPs: number }> = {
  // T4: fp16 65e12 x 0.5 = 32.5e12 FLOP/s; 320e9 x 0.75 = 240e9 B/s; floor 4 us.
  //   GEMM compute 137438953472 / 32.5 = 4,228,890,876.06 → 4,228,890,877; memory 100663296 / 0.24 = 419,430,400 exactly
  //   GEMV compute 33554432 / 32.5 = 1,032,444.06 → 1,032,445; memory 33570816 / 0.24 = 139,878,400 exactly
  'gpu-t4': { precision: 'fp16', gemm: [4228890877, 419430400, 4228890877 + 4e6], gemv: [1032445, 139878400, 139878400 + 4e6], launchPs: 4e6 },
  // A100 40GB: fp16 312e12 x 0.7 = 218.4e12; 1555e9 x 0.958 = 1489.69e9 B/s (the published read stream,
  // bench/gpu/published/a100-40gb.json); floor 3.5 us.
  //   GEMM compute 137438953472 / 218.4 = 629,299,237.5 → 629,299,238; memory 100663296 / 1.48969 = 67,573,317.9 → 67,573,318
  //   GEMV compute 33554432 / 218.4 = 153,637.5 → 153,638; memory 33570816 / 1.48969 = 22,535,437.6 → 22,535,438
  'gpu-a100-40gb': { precision: 'fp16', gemm: [629299238, 67573318, 629299238 + 3.5e6], gemv: [153638, 22535438, 22535438 + 3.5e6], launchPs: 3.5e6 },
  // A100 80GB: same compute; 2039e9 x 0.868 = 1769.852e9 B/s (bench/gpu/published/a100-80gb.json).
  //   GEMM memory 100663296 / 1.769852 = 56,876,674.4 → 56,876,675; GEMV memory 33570816 / 1.769852 = 18,968,148.7 → 18,968,149
  'gpu-a100-80gb': { precision: 'fp16', gemm: [629299238, 56876675, 629299238 + 3.5e6], gemv: [153638, 18968149, 18968149 + 3.5e6], launchPs: 3.5e6 },
  // H100 SXM (fitted on bench/gpu/h100-measured.json): fp16 989.4e12 x 0.673 = 665.8662e12; 3350e9 x 0.93 = 3115.5e9 B/s; floor 3.325 us.
  //   GEMM compute 137438953472 / 665.8662 = 206,406,262.6 → 206,406,263; memory 100663296 / 3.1155 = 32,310,478.7 → 32,310,479
  //   GEMV compute 33554432 / 665.8662 = 50,392.3 → 50,393; memory 33570816 / 3.1155 = 10,775,418.4 → 10,775,419
  'gpu-h100-sxm': { precision: 'fp16', gemm: [206406263, 32310479, 206406263 + 3.325e6], gemv: [50393, 10775419, 10775419 + 3.325e6], launchPs: 3.325e6 },
  // Xeon 8480+: a 2-byte op runs in bf16 on AMX, 114.688e12 x 0.5 = 57.344e12; 307.2e9 x 0.8 = 245.76e9 B/s; per-op cost 8 us.
  //   GEMM compute 137438953472 / 57.344 = 2,396,745,142.86 → 2,396,745,143; memory 100663296 / 0.24576 = 409,600,000 exactly
  //   GEMV compute 33554432 / 57.344 = 585,142.86 → 585,143; memory 33570816 / 0.24576 = 136,600,000 exactly
  'cpu-xeon': { precision: 'bf16', gemm: [2396745143, 409600000, 2396745143 + 8e6], gemv: [585143, 136600000, 136600000 + 8e6], launchPs: 8e6 },
};

describe('shipped presets', () => {
  it('are the five documented ones', () => {
    expect(knownDevices()).toEqual(['cpu-xeon', 'gpu-a100-40gb', 'gpu-a100-80gb', 'gpu-h100-sxm', 'gpu-t4']);
  });

  for (const name of Object.keys(EXPECTED)) {
    describe(name, () => {
      const d = loadDevice(name);

      it('loads frozen, named as its file, with a source for every section and efficiencies below 1', () => {
        expect(d.name).toBe(name);
        expect(Object.isFrozen(d)).toBe(true);
        expect(Object.isFrozen(d.peakFlopsPerS)).toBe(true);
        for (const s of ['compute', 'memory', 'efficiency', 'kernel', 'software', 'power']) expect(d.sources[s], `${name}: ${s}.source`).toMatch(/\S/);
        expect(d.computeEfficiency).toBeLessThan(1);
        expect(d.memoryEfficiency).toBeLessThan(1);
        expect(d.energyMethod).toBe('board-power-x-time');
      });

      it('compute-bound GEMM 4096^3, hand-computed', () => {
        const c = opCost(d, GEMM, 2);
        const [computePs, memoryPs, totalPs] = EXPECTED[name]!.gemm;
        expect(resolvePrecision(d, 2)).toBe(EXPECTED[name]!.precision);
        expect(c).toEqual({ computePs, memoryPs, kernels: 1, launchPs: EXPECTED[name]!.launchPs, hostPs: 0, durationPs: totalPs, bound: 'compute' });
        expect(opTimeNs(d, GEMM, 2)).toBe(totalPs / 1000);
      });

      it('memory-bound GEMV 1 x 4096 x 4096, hand-computed', () => {
        const c = opCost(d, GEMV, 2);
        const [computePs, memoryPs, totalPs] = EXPECTED[name]!.gemv;
        expect(c).toEqual({ computePs, memoryPs, kernels: 1, launchPs: EXPECTED[name]!.launchPs, hostPs: 0, durationPs: totalPs, bound: 'memory' });
      });
    });
  }
});

describe('runOpsOnDevice', () => {
  const a100 = loadDevice('gpu-a100-40gb');

  it('runs ops back to back and adds the kernel floor once per op', () => {
    const ops = [matmul('a', 1, 4096, 4096), matmul('b', 1, 4096, 4096, ['a']), emptyOp('c')];
    const run = runOpsOnDevice(a100, ops);
    // Each GEMV: 22,535,438 ps memory + 3,500,000 floor = 26,035,438; the empty op: 0 + 3,500,000.
    expect(run.ops.map((o) => [o.id, o.startPs, o.endPs, o.bound])).toEqual([
      ['a', 0, 26035438, 'memory'],
      ['b', 26035438, 52070876, 'memory'],
      ['c', 52070876, 55570876, 'memory'],
    ]);
    expect(run.totalPs).toBe(55570876);
    expect(run.totalNs).toBe(55570.876);
    expect(run.ops[1]!.startNs).toBe(26035.438);
    expect(run.launchPs).toBe(3 * 3_500_000);
    expect(run.kernels).toBe(3);
    expect(run.profile).toBe('graphs');
    expect(run.memoryBoundOps).toBe(3);
    expect(run.computeBoundOps).toBe(0);
    expect(run.precision).toBe('fp16');
  });

  it('eager: the host launches each kernel, and the step takes the slower of GPU and host', () => {
    const ops = [matmul('a', 1, 4096, 4096), emptyOp('b'), emptyOp('c')];
    const run = runOpsOnDevice(a100, ops, 2, { profile: 'eager' });
    // GPU: 26,035,438 + 2 x 3,500,000 = 33,035,438 ps; host: 3 kernels x 18,239,000 = 54,717,000 ps: host-bound.
    expect(run.gpuPs).toBe(33035438);
    expect(run.hostPs).toBe(54717000);
    expect(run.totalPs).toBe(54717000);
    // A long GEMM hides the launches: 632,799,238 ps of GPU time against 2 x 18,239,000 of host time.
    expect(runOpsOnDevice(a100, [GEMM, emptyOp('d')], 2, { profile: 'eager' }).totalPs).toBe(632799238 + 3500000);
    expect(errorOf(() => runOpsOnDevice(a100, ops, 2, { profile: 'jit' }))).toMatch(/^gpu-a100-40gb has no software profile 'jit' in .*gpu-a100-40gb\.json \(it has graphs, eager, fused\)$/);
  });

  it('without a kernel floor the total is the pure roofline sum', () => {
    const json = JSON.parse(readFileSync(join(SYSTEMS_DIR, 'gpu-a100-40gb.json'), 'utf8'));
    json.kernel.floorNs = 0;
    delete json.kernel.assumptions;
    const bare = parseDevice(json, 'bare.json');
    const run = runOpsOnDevice(bare, [GEMM, GEMV]);
    expect(run.totalPs).toBe(629299238 + 22535438); // compute of the GEMM + memory of the GEMV
    expect(run.launchPs).toBe(0);
  });

  it('reports achieved rates, energy as board power x time, and bounds', () => {
    const run = runOpsOnDevice(a100, [GEMM, GEMV]);
    const totalPs = 632799238 + 26035438; // 658,834,676 ps
    expect(run.totalPs).toBe(totalPs);
    expect(run.flops).toBe(137438953472 + 33554432);
    expect(run.bytes).toBe(100663296 + 33570816);
    expect(run.achievedFlopsPerS).toBeCloseTo(run.flops / (totalPs * 1e-12), 0);
    expect(run.achievedBytesPerS).toBeCloseTo(run.bytes / (totalPs * 1e-12), 0);
    expect(run.computeBoundOps).toBe(1);
    expect(run.memoryBoundOps).toBe(1);
    // 400 W x 658,834,676 ps = 0.2635338704 J
    expect(run.energy.method).toBe('board-power-x-time');
    expect(run.energy.joules).toBeCloseTo(0.2635338704, 12);
    expect(run.energy.averagePowerW).toBeCloseTo(400, 9);
    expect(energyJoules(a100, 1e12)).toBe(400);
  });

  it('an empty op list takes no time and reports zero rates, not NaN', () => {
    const run = runOpsOnDevice(a100, []);
    expect([run.totalPs, run.achievedFlopsPerS, run.achievedBytesPerS, run.energy.joules, run.energy.averagePowerW]).toEqual([0, 0, 0, 0, 0]);
  });

  it('is deterministic and frozen', () => {
    const a = runOpsOnDevice(a100, [GEMM, GEMV]);
    expect(JSON.stringify(runOpsOnDevice(a100, [GEMM, GEMV]))).toBe(JSON.stringify(a));
    expect(Object.isFrozen(a.ops[0])).toBe(true);
  });

  it('rejects ops out of dependency order and repeated ids', () => {
    expect(errorOf(() => runOpsOnDevice(a100, [matmul('x', 1, 8, 8, ['y']), matmul('y', 1, 8, 8)])))
      .toBe("op list: 'x' (position 0) depends on 'y', which comes later (position 1); list ops in dependency order");
    expect(errorOf(() => runOpsOnDevice(a100, [matmul('x', 1, 8, 8), matmul('x', 1, 8, 8)]))).toMatch(/id 'x' appears twice \(positions 0 and 1\)/);
    // Dependencies outside the list (ops of an earlier step) are taken as done.
    expect(runOpsOnDevice(a100, [matmul('x', 1, 8, 8, ['elsewhere'])]).ops.length).toBe(1);
  });
});

describe('precision', () => {
  it('a byte width picks the fastest format of that width; a name must be listed', () => {
    const t4 = loadDevice('gpu-t4');
    const h100 = loadDevice('gpu-h100-sxm');
    const a100 = loadDevice('gpu-a100-40gb');
    expect(resolvePrecision(t4, 2)).toBe('fp16');
    expect(resolvePrecision(loadDevice('cpu-xeon'), 2)).toBe('bf16'); // AMX bf16 114.7 TFLOPS beats AVX-512 fp16 14.3
    expect(resolvePrecision(a100, 1)).toBe('int8');
    expect(resolvePrecision(h100, 1)).toBe('fp8'); // fp8 and int8 tie at 1978.9e12; the first listed wins
    expect(resolvePrecision(h100, 4)).toBe('fp32');
    expect(resolvePrecision(a100, 'bf16')).toBe('bf16');
    expect(errorOf(() => resolvePrecision(t4, 'bf16'))).toMatch(/^gpu-t4 has no bf16 peak in .*gpu-t4\.json \(it lists fp32, fp16, int8\)$/);
    expect(errorOf(() => resolvePrecision(t4, 3))).toMatch(/^gpu-t4 has no 3-byte format/);
  });

  it('INT8 GEMM on A100 runs at the 624 TOPS peak', () => {
    const a100 = loadDevice('gpu-a100-40gb');
    // 137438953472 * 1e12 / (624e12 * 0.7 = 436.8e12) = 314,649,618.8 → 314,649,619 ps
    expect(opCost(a100, GEMM, 'int8').computePs).toBe(314649619);
  });
});

describe('fitsInMemory', () => {
  it('says how much is needed and available after the runtime reserve', () => {
    const a100 = loadDevice('gpu-a100-40gb');
    // A 7B-parameter model in FP16: 14e9 bytes = 13.04 GiB, against 40 GiB - 2 GiB reserved = 40,802,189,312 bytes.
    const ok = fitsInMemory(a100, 14e9);
    expect(ok.fits).toBe(true);
    expect(ok.message).toBe('gpu-a100-40gb: needs 13.04 GiB (14000000000 bytes), has 38.00 GiB (40802189312 bytes) (24.96 GiB (26802189312 bytes) to spare)');
    const t4 = loadDevice('gpu-t4');
    // 16 GiB - 1 GiB reserved = 16,106,127,360 bytes; 16.5e9 needed is short by 393,872,640 bytes = 0.37 GiB.
    const no = fitsInMemory(t4, 16.5e9);
    expect(no).toMatchObject({ fits: false, neededBytes: 16.5e9, availableBytes: 16106127360 });
    expect(no.message).toBe('gpu-t4: needs 15.37 GiB (16500000000 bytes) but has 15.00 GiB (16106127360 bytes); short by 0.37 GiB (393872640 bytes)');
    expect(fitsInMemory(t4, 16106127360).fits).toBe(true); // exactly full fits
  });

  it('Llama-3-8B at batch 256 and context 2048 does not fit an H100 80 GB, as it cannot in practice', () => {
    const h100 = loadDevice('gpu-h100-sxm');
    const model = loadModel('llama3-8b');
    // weights 8,030,261,248 params x 2 B = 16,060,522,496 B; KV 256 x 2048 tokens x 32 layers x 2 x 1024 x 2 B = 68,719,476,736 B;
    // 84,779,999,232 B needed against 80 GiB - 3 GiB = 82,678,120,448 B usable (the 80 GiB alone would hold it).
    const f = memoryFootprint(model, decodeStep(new Array<number>(256).fill(2047)));
    expect(f.totalBytes).toBe(84779999232);
    expect(f.totalBytes).toBeLessThan(h100.capacityBytes);
    expect(fitsInMemory(h100, f.totalBytes)).toMatchObject({ fits: false, availableBytes: 82678120448 });
    expect(errorOf(() => fitsInMemory(h100, -1))).toMatch(/bytes must be a number >= 0/);
  });
});

describe('bad presets', () => {
  const base = (): Record<string, any> => JSON.parse(readFileSync(join(SYSTEMS_DIR, 'gpu-a100-40gb.json'), 'utf8'));
  const cases: [string, (j: Record<string, any>) => void, RegExp][] = [
    ['missing compute source', (j) => delete j.compute.source, /^bad\.json: field 'compute\.source': expected a string \(field is missing\)$/],
    ['blank source', (j) => (j.power.source = ' '), /field 'power\.source': expected a non-empty citation/],
    ['missing memory section', (j) => delete j.memory, /field 'memory': expected an object \(field is missing\)/],
    ['efficiency above 1', (j) => { j.efficiency.compute = 1.2; delete j.efficiency.assumptions; }, /field 'efficiency\.compute': expected a number <= 1, found 1\.2/],
    ['zero efficiency', (j) => { j.efficiency.memory = 0; delete j.efficiency.assumptions; }, /field 'efficiency\.memory': expected a number > 0, found 0/],
    ['no 16-bit peak', (j) => { delete j.compute.peakFlopsPerS.fp16; delete j.compute.peakFlopsPerS.bf16; }, /field 'compute\.peakFlopsPerS\.fp16': expected a peak for fp16 or bf16/],
    ['unknown format', (j) => (j.compute.peakFlopsPerS.tf32 = 156e12), /field 'compute\.peakFlopsPerS\.tf32': unknown field \(known fields here: fp32, fp16, bf16, fp8, int8\)/],
    ['negative peak', (j) => (j.compute.peakFlopsPerS.int8 = -1), /field 'compute\.peakFlopsPerS\.int8': expected a number > 0, found -1/],
    ['string bandwidth', (j) => (j.memory.bandwidthBytesPerS = '1.5 TB/s'), /field 'memory\.bandwidthBytesPerS': expected a number, found "1\.5 TB\/s"/],
    ['fractional capacity', (j) => (j.memory.capacityBytes = 40.5e9 + 0.5), /field 'memory\.capacityBytes': expected an integer/],
    ['negative floor', (j) => { j.kernel.floorNs = -5; delete j.kernel.assumptions; }, /field 'kernel\.floorNs': expected a number >= 0, found -5/],
    ['unknown default profile', (j) => (j.software.default = 'jit'), /field 'software\.default': expected one of graphs, eager, fused, found "jit"/],
    ['kernel count of an unknown op kind', (j) => (j.software.profiles.eager.kernelsPerOp.conv = 2), /field 'software\.profiles\.eager\.kernelsPerOp\.conv': unknown field/],
    ['fractional kernel count', (j) => (j.software.profiles.eager.kernelsPerOp.rope = 1.5), /field 'software\.profiles\.eager\.kernelsPerOp\.rope': expected an integer/],
    ['reserve above capacity', (j) => { j.memory.reservedBytes = 2 ** 40; delete j.memory.assumptions; }, /field 'memory\.reservedBytes': expected an integer <= 42949672960/],
    ['unknown kind', (j) => (j.kind = 'tpu'), /field 'kind': expected one of gpu, cpu, found "tpu"/],
    ['unknown top-level field', (j) => (j.tdp = 400), /field 'tdp': unknown field/],
    ['typo in a section', (j) => (j.power.boardPower = 400), /field 'power\.boardPower': unknown field/],
    ['per-byte energy', (j) => (j.power.energyMethod = 'per-byte-per-flop'), /field 'power\.energyMethod': expected 'board-power-x-time' \(per-byte\/per-flop energy tables are not implemented yet\)/],
    ['unknown energy method', (j) => (j.power.energyMethod = 'measured'), /field 'power\.energyMethod': expected one of board-power-x-time, found "measured"/],
    ['missing power', (j) => delete j.power.boardPowerW, /field 'power\.boardPowerW': expected a number > 0 \(field is missing\)/],
  ];
  for (const [what, mutate, message] of cases) {
    it(what, () => {
      const j = base();
      mutate(j);
      expect(errorOf(() => parseDevice(j, 'bad.json'))).toMatch(message);
    });
  }

  it('names the file for unreadable files and lists the known devices for an unknown name', () => {
    expect(errorOf(() => loadDevice('gpu-v100'))).toBe(
      "unknown baseline device 'gpu-v100' (known: cpu-xeon, gpu-a100-40gb, gpu-a100-80gb, gpu-h100-sxm, gpu-t4; or give a path to a .json file)",
    );
    expect(errorOf(() => loadDevice('/nonexistent/dev.json'))).toBe('/nonexistent/dev.json: file not found');
    const dir = mkdtempSync(join(tmpdir(), 'strata-dev-'));
    try {
      const f = join(dir, 'broken.json');
      writeFileSync(f, '{ "name": ');
      expect(errorOf(() => loadDevice(f))).toMatch(/broken\.json: not valid JSON/);
      const g = join(dir, 'mine.json');
      const j = base();
      j.name = 'mine';
      j.efficiency.compute = 1;
      delete j.efficiency.assumptions;
      writeFileSync(g, JSON.stringify(j));
      expect(loadDevice(g).computeEfficiency).toBe(1); // an ideal roofline is allowed
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
