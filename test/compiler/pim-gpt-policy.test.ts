import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileStep } from '../../src/systems/compile.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { decodeStep } from '../../src/compiler/step.ts';
import { getPolicy, knownPolicies, loadTargetFor, targetCapacityBytes } from '../../src/systems/registry.ts';
import { pimGpt, PIM_GPT_DEVICES } from '../../src/systems/pim-gpt/policy.ts';
import { describePimGemv, pimGemvTilingFromPlan, pimLayoutParams, type PimGemvTiling } from '../../src/compiler/policies/pim-gemv-tiling.ts';
import { targetInfo, type Assignment } from '../../src/compiler/policies/types.ts';
import { parseTrace, readTrace, traceOps, traceToJsonl } from '../../src/compiler/trace.ts';
import { planPimGemv, runPimGemv } from '../../src/systems/pim-gpt/gemv.ts';
import { loadPimGptSystem, runsInPim } from '../../src/systems/pim-gpt/pim-gpt.ts';
import { errorOf, runMain } from '../helpers.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-pim-gpt-policy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gpt2 = loadModel('gpt2-small');
const system = loadPimGptSystem();
const target = pimGpt.loadTarget('pim-gpt');
const { pim0, asic0 } = { pim0: PIM_GPT_DEVICES.pim, asic0: PIM_GPT_DEVICES.asic };

/** The pim-gemv tiling of an op of a mapping. */
function tilingOf(m: { readonly assignments: readonly Assignment[] }, id: string): PimGemvTiling {
  const t = m.assignments.find((a) => a.op.id === id)!.tiling;
  if (t?.scheme !== 'pim-gemv') throw new Error(`${id} has no pim-gemv tiling`);
  return t;
}

describe('the pim-gpt policy in the registry', () => {
  it('is registered, knows the shipped PIM system, and loads it by default', () => {
    expect(knownPolicies()).toContain('pim-gpt');
    expect(getPolicy('pim-gpt')).toBe(pimGpt);
    expect(pimGpt.knownSystems()).toEqual(['pim-gpt']);
    const t = loadTargetFor(pimGpt);
    expect(t.kind).toBe('pim');
    expect(targetInfo(t)).toEqual({ kind: 'pim', name: 'pim-gpt', file: 'arch/systems/pim-gpt.json' });
    // Weights and KV cache live in the banks: 32 channels · 16 banks · 16,384 rows · 2 KiB = 16 GiB
    expect(targetCapacityBytes(t)).toBe(32 * 16 * 16384 * 2048);
  });

  it('a system of another policy says which; an unknown one lists the known', () => {
    expect(errorOf(() => loadTargetFor(pimGpt, 'gpu-a100'))).toBe("system 'gpu-a100' is for policy gpu-roofline, not pim-gpt (systems for pim-gpt: pim-gpt)");
    expect(errorOf(() => loadTargetFor(getPolicy('npu-only'), 'pim-gpt'))).toBe("system 'pim-gpt' is for policy pim-gpt, not npu-only (systems for npu-only: neupims-npu)");
    expect(errorOf(() => pimGpt.loadTarget('pim-foo'))).toBe("unknown system 'pim-foo' for policy pim-gpt (known: pim-gpt; or give a path to a .json file)");
  });

  it('refuses a target of another kind', () => {
    const ops = buildOpGraph(gpt2, decodeStep([15]));
    expect(errorOf(() => pimGpt.map({ model: gpt2, ops, target: loadTargetFor(getPolicy('npu-only')) }))).toBe(
      "policy pim-gpt maps onto a PIM system, not onto npu 'neupims-npu'",
    );
  });
});

describe('pim-gpt on GPT-2 small decode (batch 1, context 1024)', () => {
  const ops = buildOpGraph(gpt2, decodeStep([1023]));
  const m = pimGpt.map({ model: gpt2, ops, target });

  it('declares the PIM banks and the ASIC', () => {
    expect(m.devices).toEqual([
      {
        id: 'pim0', kind: 'pim', spec: 'aim', file: 'arch/pim/aim.json', units: 32 * 16,
        params: { channels: 32, banksPerChannel: 16, macsPerBank: 16, rowBytes: 2048, elementBytes: 2, globalBufferBytes: 2048, capacityBytes: 2 ** 34 },
      },
      { id: 'asic0', kind: 'asic', spec: 'pim-gpt-asic', file: 'arch/asic/pim-gpt-asic.json', units: 1, params: { lanes: 128, clockPs: 1000, opLatencyCycles: 20 } },
    ]);
  });

  it('assigns every op: matrix products over weights or KV to the banks (tiled), the rest to the ASIC (whole)', () => {
    expect(m.assignments.map((a) => a.op)).toEqual(ops);
    const inPim = new Set(['qkv-proj', 'attn-score', 'attn-context', 'out-proj', 'ffn-up', 'ffn-down', 'lm-head']);
    const onAsic = new Set(['embedding', 'norm', 'softmax', 'residual-add', 'ffn-act', 'final-norm']);
    for (const a of m.assignments) {
      expect(inPim.has(a.op.kind) || onAsic.has(a.op.kind)).toBe(true);
      expect(a.device).toBe(inPim.has(a.op.kind) ? pim0 : asic0);
      expect(a.device).toBe(runsInPim(a.op) ? pim0 : asic0); // the rule src/systems/pim-gpt/pim-gpt.ts times
      expect(a.tiling === null).toBe(a.device === asic0);
    }
    // per layer: QKV, scores, context, out projection, FFN up, FFN down (6 x 12), plus the LM head
    expect(m.assignments.filter((a) => a.device === pim0)).toHaveLength(6 * 12 + 1);
    // per layer: 2 norms, softmax, 2 residual adds, GELU (6 x 12), plus embedding and final norm
    expect(m.assignments.filter((a) => a.device === asic0)).toHaveLength(6 * 12 + 2);
  });

  it('lays out FFN up (768 → 3072) as checked by hand', () => {
    const t = tilingOf(m, 'L0.ffn-up');
    // A 2 KB row holds 2048 / 2 B = 1024 elements. in = 768 < 1024: one output per DRAM row (floor(1024 / 768)
    // = 1), one segment (ceil(768 / 1024)). 3072 outputs over 32 channels x 16 banks = 512 banks: 6 per bank.
    expect(t).toMatchObject({ scheme: 'pim-gemv', out: 3072, in: 768, repeats: 1, outputsPerRow: 1, segmentsPerOutput: 1, rowsPerBank: 6 });
    // Every channel: one WRGB per 32 B of input, ceil(768 · 2 / 32) = 48; per output (6 per bank) one DRAM row:
    // ACT16, 768 / 16 lanes = 48 MAC16, one RDMAC16, PREA. MAC16 = 6 · 48 = 288.
    expect(t.perChannel).toEqual([{ channels: 32, ACT16: 6, MAC16: 288, WRGB: 48, RDMAC16: 6, PREA: 6 }]);
  });

  it('QKV (768 → 2304): the last busy channel has fewer outputs, the rest idle', () => {
    const t = tilingOf(m, 'L0.qkv-proj');
    // ceil(2304 / 512) = 5 outputs per bank, 16 · 5 = 80 per channel: 2304 = 28 · 80 + 64, so channels 0-27 are
    // full, channel 28 has 64 outputs (4 per bank) and channels 29-31 none.
    expect(t.rowsPerBank).toBe(5);
    expect(t.perChannel).toEqual([
      { channels: 28, ACT16: 5, MAC16: 5 * 48, WRGB: 48, RDMAC16: 5, PREA: 5 },
      { channels: 1, ACT16: 4, MAC16: 4 * 48, WRGB: 48, RDMAC16: 4, PREA: 4 },
      { channels: 3, ACT16: 0, MAC16: 0, WRGB: 0, RDMAC16: 0, PREA: 0 },
    ]);
  });

  it('attention scores (12 heads x 1024 keys, 64-wide): 16 outputs packed per DRAM row', () => {
    const t = tilingOf(m, 'L0.attn-score.r0');
    // out = 12 · 1024 = 12,288 = 512 · 24: 24 per bank. in = 64: floor(1024 / 64) = 16 outputs per DRAM row, so
    // ceil(24 / 16) = 2 rows (ACT16, PREA); 24 RDMAC16; 24 · 64 / 16 = 96 MAC16; the global buffer holds the
    // input 16 times: ceil(64 · 16 · 2 / 32) = 64 WRGB.
    expect(t).toMatchObject({ out: 12288, in: 64, outputsPerRow: 16, segmentsPerOutput: 1, rowsPerBank: 24 });
    expect(t.perChannel).toEqual([{ channels: 32, ACT16: 2, MAC16: 96, WRGB: 64, RDMAC16: 24, PREA: 2 }]);
  });

  it('attention context (1024 → 12 · 64) and FFN down (3072 → 768) span several segments', () => {
    // FFN down: in = 3072 = 3 segments of 1024; 768 outputs over 512 banks: 2 per bank on 24 channels (768 = 24 · 32)
    const down = tilingOf(m, 'L0.ffn-down');
    expect(down).toMatchObject({ segmentsPerOutput: 3, outputsPerRow: 1, rowsPerBank: 2 });
    // per channel: 3 segments x 2 DRAM rows; 2 · 3072 / 16 = 384 MAC16; 3 · 64 WRGB (1024 · 2 / 32 each)
    expect(down.perChannel).toEqual([
      { channels: 24, ACT16: 6, MAC16: 384, WRGB: 192, RDMAC16: 6, PREA: 6 },
      { channels: 8, ACT16: 0, MAC16: 0, WRGB: 0, RDMAC16: 0, PREA: 0 },
    ]);
    expect(tilingOf(m, 'L0.attn-context.r0')).toMatchObject({ out: 768, in: 1024, segmentsPerOutput: 1, rowsPerBank: 2 });
  });

  it('ops of one shape share one tiling', () => {
    expect(tilingOf(m, 'L7.ffn-up')).toBe(tilingOf(m, 'L0.ffn-up'));
  });
});

describe('batch > 1: each request row is its own GEMV', () => {
  const ops = buildOpGraph(gpt2, decodeStep([127, 63, 31]));
  const m = pimGpt.map({ model: gpt2, ops, target });

  it('weight products repeat per request; attention is one op per request', () => {
    expect(tilingOf(m, 'L0.ffn-up')).toMatchObject({ out: 3072, in: 768, repeats: 3 });
    expect(tilingOf(m, 'L0.attn-score.r1')).toMatchObject({ out: 12 * 64, in: 64, repeats: 1 });
    // per layer: 4 weight products + 3 requests x (scores, context); plus the LM head
    expect(m.assignments.filter((a) => a.device === pim0)).toHaveLength(12 * (4 + 3 * 2) + 1);
  });
});

describe('the layout in closed form matches the plan the PIM model runs', () => {
  const layout = pimLayoutParams(system.pim);
  const names = system.pim.standard.commandNames;

  it('for any GEMV shape, describePimGemv gives what the channel programs of planPimGemv issue', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 13_000 }), fc.integer({ min: 1, max: 4 }), (out, inLength, repeats) => {
        expect(describePimGemv(layout, out, inLength, repeats)).toEqual(pimGemvTilingFromPlan(planPimGemv(system.pim, out, inLength), names, repeats));
      }),
      { numRuns: 100 },
    );
  });

  it('the GPT-2 XL LM head: the counts are the commands the simulated run issues (refreshes aside)', () => {
    const t = describePimGemv(layout, 50257, 1600, 1);
    const run = runPimGemv(system.pim, 50257, 1600);
    for (const c of ['ACT16', 'MAC16', 'WRGB', 'RDMAC16', 'PREA'] as const) {
      expect(t.perChannel.reduce((s, g) => s + g.channels * g[c], 0)).toBe(run.commands[c]);
    }
    // 31 full channels of 99 outputs per bank, 2 segments each: 198 rows; the last has 50257 − 31 · 1584 = 1153 → 73 per bank
    expect(t.perChannel.map((g) => [g.channels, g.ACT16])).toEqual([[31, 198], [1, 146]]);
    expect(t.perChannel.reduce((s, g) => s + g.channels * (g.ACT16 + g.MAC16 + g.WRGB + g.RDMAC16 + g.PREA), 0)).toBe(336_252);
  });
});

describe('pim-gpt traces', () => {
  const step = decodeStep([127, 63]);
  const text = traceToJsonl(compileStep(gpt2, step, 'pim-gpt', { origin: '--batch 2 (test)' }));
  const lines = text.trimEnd().split('\n');
  const header = () => JSON.parse(lines[0]!);
  const idx = (id: string) => lines.findIndex((l) => l.includes(`"id":"${id}"`));
  const opAt = (i: number) => JSON.parse(lines[i]!);
  const withLine = (i: number, value: unknown) => `${lines.map((l, j) => (j === i ? JSON.stringify(value) : l)).join('\n')}\n`;

  it('write → read → write gives the same trace and the same bytes', () => {
    const file = join(dir, 'pim.jsonl');
    writeFileSync(file, text);
    const t = readTrace(file);
    expect(traceToJsonl(t)).toBe(text);
    expect(traceOps(t)).toEqual(buildOpGraph(gpt2, step));
    expect(t.header).toMatchObject({
      policy: 'pim-gpt', target: { kind: 'pim', name: 'pim-gpt', file: 'arch/systems/pim-gpt.json' }, counts: { ops: lines.length - 1, tiles: 0, folds: 0 },
    });
    expect(t.assignments.map((a) => a.tiling)).toEqual(compileStep(gpt2, step, 'pim-gpt').assignments.map((a) => a.tiling));
  });

  it('a tiling must be what the shape and the device imply, on the PIM device only', () => {
    const i = idx('L0.ffn-up');
    const o = opAt(i);
    const at = `t.jsonl: line ${i + 1}`;
    const groups = o.tiling.perChannel;
    expect(errorOf(() => parseTrace(withLine(i, { ...o, tiling: { ...o.tiling, perChannel: [{ ...groups[0], MAC16: 287 }] } }), 't.jsonl'))).toBe(
      `${at}: field 'tiling.perChannel[0].MAC16': expected 288 (what the shape and the device's params imply), found 287`,
    );
    expect(errorOf(() => parseTrace(withLine(i, { ...o, tiling: { ...o.tiling, out: 768 } }), 't.jsonl'))).toBe(
      `${at}: field 'tiling.out': expected shape.batch x shape.n = 3072, found 768`,
    );
    expect(errorOf(() => parseTrace(withLine(i, { ...o, tiling: { ...o.tiling, repeats: 1 } }), 't.jsonl'))).toBe(
      `${at}: field 'tiling.repeats': expected shape.m = 2, found 1`,
    );
    expect(errorOf(() => parseTrace(withLine(i, { ...o, tiling: { ...o.tiling, rowsPerBank: 7 } }), 't.jsonl'))).toBe(
      `${at}: field 'tiling.rowsPerBank': expected 6 (what the shape and the device's params imply), found 7`,
    );
    expect(errorOf(() => parseTrace(withLine(i, { ...o, tiling: { ...o.tiling, perChannel: [{ ...groups[0], REF: 1 }] } }), 't.jsonl'))).toMatch(
      new RegExp(`^${at}: field 'tiling.perChannel\\[0\\].REF': unknown field`),
    );
    expect(errorOf(() => parseTrace(withLine(i, { ...o, tiling: null }), 't.jsonl'))).toBe(
      `${at}: field 'tiling': expected a tiling (ops on PIM device 'pim0' carry their layout), found null`,
    );
    expect(errorOf(() => parseTrace(withLine(i, { ...o, tiling: { ...o.tiling, scheme: 'ws-gemm' } }), 't.jsonl'))).toMatch(
      new RegExp(`^${at}: field 'tiling.scheme': expected one of pim-gemv, found "ws-gemm"`),
    );
    const v = idx('L0.norm-ffn');
    expect(errorOf(() => parseTrace(withLine(v, { ...opAt(v), device: 'pim0' }), 't.jsonl'))).toBe(
      `t.jsonl: line ${v + 1}: field 'device': expected a device that runs vector ops ('pim0' is an in-bank PIM device: it runs matrix products only), found "pim0"`,
    );
    expect(errorOf(() => parseTrace(withLine(v, { ...opAt(v), tiling: o.tiling }), 't.jsonl'))).toBe(
      `t.jsonl: line ${v + 1}: field 'tiling': expected null (device 'asic0' runs ops whole), found an object`,
    );
  });

  it('pim and asic devices declare exactly their params, consistently', () => {
    const h = header();
    const withPim = (params: Record<string, number>, units = 512) => {
      const x = header();
      x.devices[0] = { ...x.devices[0], params, units };
      return withLine(0, x);
    };
    const p = h.devices[0].params;
    const { capacityBytes: _, ...noCapacity } = p;
    expect(errorOf(() => parseTrace(withPim(noCapacity), 't.jsonl'))).toBe("t.jsonl: line 1: field 'devices[0].params.capacityBytes': expected an integer > 0 (field is missing)");
    expect(errorOf(() => parseTrace(withPim({ ...p, rows: 16384 }), 't.jsonl'))).toMatch(/^t\.jsonl: line 1: field 'devices\[0\]\.params\.rows': unknown field \(known fields here: channels, banksPerChannel, /);
    expect(errorOf(() => parseTrace(withPim(p, 256), 't.jsonl'))).toBe(
      "t.jsonl: line 1: field 'devices[0].units': expected params.channels x params.banksPerChannel = 512 (the banks of a pim device), found 256",
    );
    expect(errorOf(() => parseTrace(withPim({ ...p, globalBufferBytes: 1024 }), 't.jsonl'))).toMatch(/field 'devices\[0\]\.params\.globalBufferBytes': expected at least rowBytes \(2048\)/);
    expect(errorOf(() => parseTrace(withPim({ ...p, macsPerBank: 1.5 }), 't.jsonl'))).toMatch(/field 'devices\[0\]\.params\.macsPerBank': expected an integer, found 1\.5$/);
    const badAsic = header();
    delete badAsic.devices[1].params.clockPs;
    expect(errorOf(() => parseTrace(withLine(0, badAsic), 't.jsonl'))).toBe("t.jsonl: line 1: field 'devices[1].params.clockPs': expected an integer > 0 (field is missing)");
    const badTarget = header();
    badTarget.target.kind = 'fpga';
    expect(errorOf(() => parseTrace(withLine(0, badTarget), 't.jsonl'))).toBe("t.jsonl: line 1: field 'target.kind': expected one of baseline, npu, pim, duplex, neupims, system, found \"fpga\"");
  });

  it('a consistent trace for another PIM device reads back (the reader needs no spec file)', () => {
    // 16 channels of 8 banks, 1 KB rows: the header's params alone define the layout the reader checks against
    const params = { channels: 16, banksPerChannel: 8, macsPerBank: 16, rowBytes: 1024, elementBytes: 2, globalBufferBytes: 1024, capacityBytes: 2 ** 30 };
    const h = header();
    h.devices[0] = { ...h.devices[0], units: 128, params };
    // the header alone changed: the first PIM op's layout no longer matches
    expect(errorOf(() => parseTrace(withLine(0, h), 't.jsonl'))).toMatch(new RegExp(`^t\\.jsonl: line ${idx('L0.qkv-proj') + 1}: field 'tiling\\.`));
    // every PIM op re-laid out for the new device: the file reads
    const relaid = lines.map((l, j) => {
      if (j === 0) return JSON.stringify(h);
      const op = JSON.parse(l);
      if (op.device !== 'pim0') return l;
      return JSON.stringify({ ...op, tiling: describePimGemv(params, op.shape.batch * op.shape.n, op.shape.k, op.shape.m) });
    });
    const t = parseTrace(`${relaid.join('\n')}\n`, 't.jsonl');
    expect(tilingOf(t, 'L0.ffn-up')).toMatchObject({ outputsPerRow: 1, segmentsPerOutput: 2, rowsPerBank: 24 }); // 768 > 512 per row; 3072 / 128
  });
});

describe('strata compile --policy pim-gpt', () => {
  const XL = ['--model', 'gpt2-xl', '--phase', 'decode', '--batch', '1', '--context', '1024', '--policy', 'pim-gpt'];

  it('writes the device trace of GPT-2 XL decode and prints the devices', () => {
    const out = join(dir, 'xl.jsonl');
    const r = runMain(['compile', ...XL, '--system', 'pim-gpt', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('Strata compile — gpt2-xl decode, batch 1, context 1024, policy pim-gpt on pim-gpt');
    expect(lines[1]).toBe('  memory      3.19 GiB needed (weights 2.90 GiB + KV cache 0.29 GiB), 16.00 GiB available');
    // 48 layers x 6 products + LM head in the banks; 48 x 6 vector ops + embedding and final norm on the ASIC
    expect(r.out).toContain('  devices     pim0 (512 x pim): 289 ops, 289 GEMVs in the banks; asic0 (1 x asic): 290 ops');
    expect(r.out).not.toContain('note');
    const t = readTrace(out);
    expect(t.header.policy).toBe('pim-gpt');
    expect(traceOps(t)).toEqual(buildOpGraph(loadModel('gpt2-xl'), decodeStep([1023])));
    // the default system is pim-gpt: the same bytes without --system
    const out2 = join(dir, 'xl-default.jsonl');
    expect(runMain(['compile', ...XL, '--out', out2, '--quiet']).code).toBe(0);
    expect(readFileSync(out2, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('batch > 1 is accepted; the summary says the requests run one after another', () => {
    const r = runMain(['compile', '--model', 'gpt2-small', '--phase', 'decode', '--batch', '4', '--context', '128', '--policy', 'pim-gpt']);
    expect(r.code).toBe(0);
    // 12 layers x (4 weight products x 4 requests + 4 x scores, context) + LM head x 4 = 292 GEMVs in 145 ops
    expect(r.out).toContain('pim0 (512 x pim): 145 ops, 292 GEMVs in the banks');
    expect(r.out).toContain("  note        PIM-GPT is batch 1: each of the 4 requests' GEMVs run one after another in the banks (292 in all)");
  });

  it('a system of another policy is refused with the clear message, and nothing is written', () => {
    const out = join(dir, 'bad.jsonl');
    const r = runMain(['compile', ...XL, '--system', 'gpu-a100', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe('strata: system \'gpu-a100\' is for policy gpu-roofline, not pim-gpt (systems for pim-gpt: pim-gpt)');
    expect(existsSync(out)).toBe(false);
  });

  it('a model that does not fit in the banks is refused', () => {
    const r = runMain(['compile', '--model', 'gpt3-175b', '--phase', 'decode', '--context', '128', '--policy', 'pim-gpt']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does not fit in pim-gpt's memory: needs 325\.79 GiB .* but has 16\.00 GiB/);
  });
});
