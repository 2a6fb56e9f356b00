import { describe, it, expect, afterEach, vi, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/compiler/model.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { decodeStep, prefillStep } from '../../src/compiler/step.ts';
import { getPolicy, knownPolicies, loadTargetFor } from '../../src/systems/registry.ts';
import { duplex, DUPLEX_DEVICES } from '../../src/systems/duplex/policy.ts';
import { compileStep } from '../../src/systems/compile.ts';
import { readTrace, traceToJsonl } from '../../src/compiler/trace.ts';
import { loadDuplexSystem, parseDuplexSystem } from '../../src/systems/duplex/duplex-system.ts';
import { duplexStepCost, runDuplexStep } from '../../src/systems/duplex/duplex-step.ts';
import { coSchedule } from '../../src/systems/duplex/duplex-schedule.ts';
import { duplexStepCostModel } from '../../src/systems/duplex/duplex-serving.ts';
import { validateReport } from '../../src/report/schema.ts';
import { errorOf, runMain } from '../helpers.ts';
import { SYSTEMS_DIR } from '../../src/systems/presets.ts';
import { extractAssumptions } from '../../src/spec/provenance.ts';

const mixtral = loadModel('mixtral-8x7b');
const llama70 = loadModel('llama3-70b');
const sys = loadDuplexSystem('duplex');
const decode32 = decodeStep(Array.from({ length: 32 }, () => 1024));

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'strata-duplex-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const deviceOf = (mapping: ReturnType<typeof duplex.map>) => new Map(mapping.assignments.map((a) => [a.op.id, a.device]));

describe('duplex policy: Op/B dispatch', () => {
  it('is registered with its systems', () => {
    expect(knownPolicies()).toContain('duplex');
    expect(getPolicy('duplex').knownSystems()).toEqual(['bank-pim', 'bg-pim', 'duplex', 'duplex-gpu']);
    expect(errorOf(() => loadTargetFor(duplex, 'gpu-a100'))).toMatch(/system 'gpu-a100' is for policy gpu-roofline, not duplex/);
    expect(errorOf(() => loadTargetFor(duplex, 'nope'))).toMatch(/unknown system 'nope' for policy duplex \(known: bank-pim, bg-pim, duplex, duplex-gpu/);
  });

  it('puts MoE experts and attention on Logic-PIM at decode (Mixtral, batch 32), norms and residuals on the xPU', () => {
    const ops = buildOpGraph(mixtral, decode32);
    const where = deviceOf(duplex.map({ model: mixtral, ops, target: { kind: 'duplex', system: sys } }));
    for (const op of ops) {
      if (op.expert >= 0) expect(where.get(op.id), op.id).toBe(DUPLEX_DEVICES.pim);
      if (op.kind === 'attn-score' || op.kind === 'attn-context' || op.kind === 'softmax') expect(where.get(op.id), op.id).toBe(DUPLEX_DEVICES.pim);
      if (op.kind === 'norm' || op.kind === 'residual-add' || op.kind === 'rope') expect(where.get(op.id), op.id).toBe(DUPLEX_DEVICES.xpu);
      if (where.get(op.id) === DUPLEX_DEVICES.pim && op.cls !== 'vector') expect(op.opPerByte).toBeLessThanOrEqual(32);
    }
  });

  it('puts GQA attention on PIM at decode (Llama-3 70B: 8 query heads per KV head, Op/B near 8)', () => {
    const ops = buildOpGraph(llama70, decodeStep([2048, 2048]));
    const where = deviceOf(duplex.map({ model: llama70, ops, target: { kind: 'duplex', system: sys } }));
    const score = ops.find((o) => o.kind === 'attn-score')!;
    expect(score.m).toBe(8);
    expect(score.opPerByte).toBeGreaterThan(4);
    expect(score.opPerByte).toBeLessThan(8);
    expect(where.get(score.id)).toBe(DUPLEX_DEVICES.pim);
  });

  it('puts dense prefill GEMMs and prefill attention on the xPU (the LM head, one row per request, is a GEMV: PIM)', () => {
    const ops = buildOpGraph(llama70, prefillStep([512]));
    const where = deviceOf(duplex.map({ model: llama70, ops, target: { kind: 'duplex', system: sys } }));
    for (const op of ops) {
      if (op.cls !== 'vector') expect(where.get(op.id), `${op.id} (Op/B ${op.opPerByte})`).toBe(op.kind === 'lm-head' ? DUPLEX_DEVICES.pim : DUPLEX_DEVICES.xpu);
    }
  });

  it('splits experts by token count under the bank-group PIM threshold (Op/B 8): hot experts on the xPU, cold ones on PIM', () => {
    const bgSys = loadDuplexSystem('bg-pim');
    const ops = buildOpGraph(mixtral, decode32, { routing: 'skewed' });
    const where = deviceOf(duplex.map({ model: mixtral, ops, target: { kind: 'duplex', system: bgSys } }));
    const ups = ops.filter((o) => o.kind === 'ffn-up' && o.expert >= 0);
    expect(ups.some((o) => where.get(o.id) === DUPLEX_DEVICES.xpu)).toBe(true);
    expect(ups.some((o) => where.get(o.id) === DUPLEX_DEVICES.pim)).toBe(true);
    for (const o of ups) expect(where.get(o.id)).toBe(o.opPerByte <= 8 ? DUPLEX_DEVICES.pim : DUPLEX_DEVICES.xpu);
  });

  it('GPU-only systems run everything on the xPU', () => {
    const ops = buildOpGraph(mixtral, decode32);
    const m = duplex.map({ model: mixtral, ops, target: { kind: 'duplex', system: loadDuplexSystem('duplex-gpu') } });
    expect(m.devices.map((d) => d.id)).toEqual(['xpu0']);
    expect(m.assignments.every((a) => a.device === 'xpu0')).toBe(true);
  });

  it('writes a device trace that reads back', () => {
    const trace = compileStep(llama70, decodeStep([128, 256]), 'duplex', { system: 'duplex' });
    const file = join(dir, 't.jsonl');
    writeFileSync(file, traceToJsonl(trace));
    const back = readTrace(file);
    expect(back.header.target).toEqual({ kind: 'duplex', name: 'duplex', file: 'arch/systems/duplex.json' });
    expect(back.header.devices.map((d) => d.kind)).toEqual(['gpu', 'logic-pim']);
    expect(back.assignments.length).toBe(trace.assignments.length);
  });
});

describe('co-processing', () => {
  it('step time is at most the serial sum, and strictly less when both processors work at once', () => {
    const bgSys = loadDuplexSystem('bg-pim');
    const co = runDuplexStep(bgSys, mixtral, decode32);
    const serial = runDuplexStep(bgSys, mixtral, decode32, { coProcessing: false });
    expect(serial.timePs).toBe(co.serialPs);
    expect(co.timePs).toBeLessThan(serial.timePs);
    expect(co.overlapPs).toBeGreaterThan(0);
    // The critical path is at least each processor's own work.
    expect(co.timePs).toBeGreaterThanOrEqual(Math.max(co.busyPs.xpu0!, co.busyPs.pim0!) - co.contendedPs);
  });

  it('shared DRAM: two memory-bound ops that together want more than the array slow down, but never past serial', () => {
    // Each alone moves 600 bytes in 100 ps (6 B/ps); the array gives 8 B/ps: together 1200 B take 150 ps.
    const s = coSchedule([
      { device: 0, deps: [], launchPs: 0, bodyPs: 100, bytes: 600 },
      { device: 1, deps: [], launchPs: 0, bodyPs: 100, bytes: 600 },
    ], 8);
    expect(s.makespanPs).toBe(150);
    expect(s.contendedPs).toBe(150);
    // Without contention they overlap fully; with a dependency they run one after the other.
    expect(coSchedule([
      { device: 0, deps: [], launchPs: 0, bodyPs: 100, bytes: 100 },
      { device: 1, deps: [], launchPs: 0, bodyPs: 100, bytes: 100 },
    ], 8).makespanPs).toBe(100);
    expect(coSchedule([
      { device: 0, deps: [], launchPs: 10, bodyPs: 100, bytes: 100 },
      { device: 1, deps: [0], launchPs: 0, bodyPs: 50, bytes: 100 },
    ], 8).endPs).toEqual([110, 160]);
  });

  it('Duplex beats two H100s on Mixtral decode at batch 32, and the step-cost function agrees with the step', () => {
    const d = runDuplexStep(sys, mixtral, decode32);
    const gpu = runDuplexStep(loadDuplexSystem('duplex-gpu'), mixtral, decode32);
    expect(d.timePs).toBeLessThan(gpu.timePs);
    expect(d.energyPj.total).toBeLessThan(gpu.energyPj.total);
    const cost = duplexStepCost(sys, mixtral, decode32.requests.map((q) => ({ contextLength: q.contextLength, newTokens: q.newTokens })));
    expect(cost).toEqual({ timePs: d.timePs, energyPj: d.energyPj.total, busyPs: d.busyPs });
  });

  it('a serving step-cost model: mixed batches, deterministic per step index', () => {
    const model = duplexStepCostModel(sys, mixtral, { seed: '3' });
    const batch = { index: 4, entries: [{ id: 'a', contextLength: 0, newTokens: 256, decode: false }, { id: 'b', contextLength: 700, newTokens: 1, decode: true }] };
    const a = model.cost(batch);
    const b = model.cost(batch);
    expect(a).toEqual(b);
    expect(a.timePs).toBeGreaterThan(0);
    // two H100s of 80 GiB, each less its runtime reserve of 3 GiB (arch/systems/gpu-h100-sxm.json memory.reservedBytes)
    expect(model.memory!.capacityBytes).toBe(2 * (80 - 3) * 2 ** 30);
  });
});

describe('Duplex-family system files', () => {
  const good = JSON.parse(readFileSync(join(SYSTEMS_DIR, 'duplex.json'), 'utf8'));
  // The JSON reader strips the assumption blocks before a loader sees the spec (src/spec/provenance.ts).
  extractAssumptions(good, 'duplex.json');
  const bad = (edit: (j: any) => void) => {
    const j = structuredClone(good);
    edit(j);
    return errorOf(() => parseDuplexSystem(j, 'my/duplex.json'));
  };
  it('name the file and field of a mistake', () => {
    expect(bad((j) => { j.pim.opPerByteThreshold = 0; })).toMatch(/my\/duplex\.json: field 'pim\.opPerByteThreshold': expected a number > 0, found 0/);
    expect(bad((j) => { j.pim.stacksPerDevice = 4; })).toMatch(/field 'pim\.stacksPerDevice': expected stacks whose capacity adds up to the xPU's memory/);
    expect(bad((j) => { j.pim.spec = 'aim'; })).toMatch(/field 'pim\.spec': unknown near-memory PIM spec 'aim'/);
    expect(bad((j) => { j.xpu.device = 'cpu-xeon'; })).toMatch(/field 'xpu\.device': expected a GPU preset/);
    expect(bad((j) => { j.devices.count = 1.5; })).toMatch(/field 'devices\.count': expected an integer/);
    expect(bad((j) => { delete j.interconnect.source; })).toMatch(/field 'interconnect\.source'/);
    expect(bad((j) => { j.pim.threshold = 3; })).toMatch(/field 'pim\.threshold': unknown field/);
  });
});

describe('strata run --policy duplex', () => {
  it('runs Mixtral 8x7B decode at batch 32 and writes its result', () => {
    const out = join(dir, 'mixtral.json');
    const r = runMain(['run', '--policy', 'duplex', '--model', 'mixtral-8x7b', '--phase', 'decode', '--batch', '32', '--context', '1024', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/policy duplex on duplex \(2 x gpu-h100-sxm \+ logic-pim on 5 HBM3 stacks each/);
    expect(r.out).toMatch(/per-token latency +\d+\.\d{3} ms/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    // A run report like the baselines' (so `strata report` draws it), with the Duplex fields.
    expect(validateReport(json, out).schema).toBe('strata.run-report/1');
    expect(json.policy).toBe('duplex');
    expect(json.totals.tokens).toBe(32);
    expect(json.steps[0].timeNs).toBeLessThanOrEqual(json.steps[0].serialNs);
    expect(json.system.duplex).toMatchObject({ devices: 2, pim: { spec: 'logic-pim', placement: 'logic-die', stacksPerDevice: 5 } });
    expect(new Set(json.timeline.ops.map((o: { device: string }) => o.device))).toEqual(new Set(['xpu0', 'pim0']));
    const e = json.energy.breakdownJ;
    expect(e.xpu + e.pimDram + e.pimCompute + e.interconnect).toBeCloseTo(json.energy.joules, 9);
  });

  it('refuses what does not fit, and flags that belong to the other policy', () => {
    const r = runMain(['run', '--policy', 'duplex', '--system', 'duplex-gpu', '--devices', '1', '--model', 'mixtral-8x7b', '--phase', 'decode', '--batch', '32', '--context', '1024']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does not fit in duplex-gpu \(1 x gpu-h100-sxm\)'s memory.*add devices with --devices N/);
    expect(runMain(['run', '--policy', 'duplex', '--model', 'llama3-8b', '--phase', 'decode', '--context', '64', '--routing', 'skewed']).err).toMatch(/--routing: llama3-8b is a dense model/);
    expect(runMain(['run', '--system', 'gpu-a100', '--model', 'gpt2-small', '--phase', 'decode', '--context', '64', '--devices', '2']).err).toMatch(/--devices applies to --policy duplex/);
    expect(runMain(['run', '--policy', 'neupims', '--model', 'gpt2-small', '--phase', 'decode', '--context', '64']).err).toMatch(/--policy: expected gpu-roofline, pim-gpt or duplex/);
  });
});
