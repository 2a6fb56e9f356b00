import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileStep } from '../../src/systems/compile.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { decodeStep, prefillStep } from '../../src/compiler/step.ts';
import { describeTiling } from '../../src/compiler/tiling.ts';
import { parseTrace, readTrace, tilingCounts, traceOps, traceToJsonl, TRACE_SCHEMA } from '../../src/compiler/trace.ts';
import { errorOf } from '../helpers.ts';


let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-trace-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gpt2 = loadModel('gpt2-small');
const step = decodeStep([127, 63]);
const npuText = traceToJsonl(compileStep(gpt2, step, 'npu-only', { origin: '--batch 2 (test)' }));
const gpuText = traceToJsonl(compileStep(gpt2, step, 'gpu-roofline', { system: 'gpu-a100' }));

describe('write → read round trip', () => {
  it('npu-only: the text reads back to the same trace, and writes back to the same bytes', () => {
    const file = join(dir, 'npu.jsonl');
    writeFileSync(file, npuText);
    const t = readTrace(file);
    expect(traceToJsonl(t)).toBe(npuText);
    // the ops are the op graph's, field for field
    expect(traceOps(t)).toEqual(buildOpGraph(gpt2, step));
    expect(t.header).toMatchObject({
      schema: TRACE_SCHEMA, policy: 'npu-only', origin: '--batch 2 (test)', seed: '0', streams: [],
      model: { name: 'gpt2-small', file: 'workloads/models/gpt2-small.json', precisionBytes: 2, kvBytesPerToken: 2 * 12 * 768 * 2 },
      target: { kind: 'npu', name: 'neupims-npu', file: 'arch/npu/neupims-npu.json' },
      step: { phase: 'decode', requests: [{ id: 'r0', contextLength: 127, newTokens: 1 }, { id: 'r1', contextLength: 63, newTokens: 1 }] },
    });
    const tiled = t.assignments.filter((a) => a.tiling);
    expect(t.header.counts.tiles).toBe(tiled.reduce((s, a) => s + tilingCounts(a.tiling).tiles, 0));
  });

  it('gpu-roofline: one device, no tilings; the alias resolves to the preset in the header', () => {
    const t = parseTrace(gpuText, 'gpu.jsonl');
    expect(t.header.target).toEqual({ kind: 'baseline', name: 'gpu-a100-40gb', file: 'arch/systems/gpu-a100-40gb.json' });
    expect(t.header.devices.map((d) => d.id)).toEqual(['gpu0']);
    expect(t.assignments.every((a) => a.tiling === null)).toBe(true);
    expect(traceToJsonl(t)).toBe(gpuText);
  });

  it('a MoE trace records its seed and routing stream, and round-trips', () => {
    const mixtral = loadModel('mixtral-8x7b');
    const text = traceToJsonl(compileStep(mixtral, prefillStep([8]), 'npu-only', { seed: '42' }));
    const t = parseTrace(text, 'moe.jsonl');
    expect(t.header.seed).toBe('42');
    expect(t.header.streams).toEqual(['moe.routing.42']);
    expect(traceToJsonl(t)).toBe(text);
  });

  it('the first line is the header, then one op per line, with a final newline', () => {
    const lines = npuText.split('\n');
    expect(lines.pop()).toBe('');
    expect(JSON.parse(lines[0]!)).toMatchObject({ schema: 'strata.device-trace/1', type: 'header' });
    expect(lines.slice(1).every((l) => JSON.parse(l).type === 'op')).toBe(true);
    expect(lines.length).toBe(1 + buildOpGraph(gpt2, step).length);
  });

  it('GPT-3 175B decode at batch 64 stays small: one line per op, tiles described, not listed', () => {
    const m = loadModel('gpt3-175b');
    const t = compileStep(m, decodeStep(new Array(64).fill(1023)), 'npu-only');
    const text = traceToJsonl(t);
    // 96 layers x (9 + 3 attention ops x 64 requests) + embedding, final norm, LM head
    expect(t.assignments.length).toBe(96 * (9 + 3 * 64) + 3);
    expect(t.header.counts.tiles).toBeGreaterThan(2_000_000); // one line each would be hundreds of MB
    expect(text.length).toBeLessThan(16 * 2 ** 20);
  });
});

describe('schema errors name the file and the line', () => {
  const lines = npuText.trimEnd().split('\n');
  const header = () => JSON.parse(lines[0]!);
  const opAt = (i: number) => JSON.parse(lines[i]!);
  const firstTiled = lines.findIndex((l) => l.includes('"tiling":{'));
  const text = (ls: string[]) => `${ls.join('\n')}\n`;
  const withLine = (i: number, value: unknown) => text(lines.map((l, j) => (j === i ? JSON.stringify(value) : l)));

  it('empty file, blank line, invalid JSON', () => {
    expect(errorOf(() => parseTrace('', 't.jsonl'))).toBe("t.jsonl: empty file (expected a 'strata.device-trace/1' header on line 1)");
    expect(errorOf(() => parseTrace(text([lines[0]!, '', lines[1]!]), 't.jsonl'))).toBe('t.jsonl: line 2: empty line (JSON Lines: one record per line)');
    expect(errorOf(() => parseTrace(text([lines[0]!, '{"type": "op",']), 't.jsonl'))).toMatch(/^t\.jsonl: line 2: not valid JSON \(/);
  });

  it('the header must come first, with this schema version', () => {
    expect(errorOf(() => parseTrace(text(lines.slice(1)), 't.jsonl'))).toMatch(/^t\.jsonl: line 1: expected the header record .* found type "op"$/);
    expect(errorOf(() => parseTrace(withLine(0, { ...header(), schema: 'strata.device-trace/2' }), 't.jsonl'))).toBe(
      "t.jsonl: line 1: field 'schema': expected 'strata.device-trace/1' (a schema version this Strata does not read), found \"strata.device-trace/2\"",
    );
    expect(errorOf(() => parseTrace(withLine(0, { ...header(), schema: 'strata.dram-report/1' }), 't.jsonl'))).toMatch(/\(not a Strata device trace\)/);
    expect(errorOf(() => parseTrace(withLine(3, header()), 't.jsonl'))).toBe("t.jsonl: line 4: expected an op record (type 'op'), found a second header (only line 1 is one)");
  });

  it('header fields: the step is validated like a step file, devices by kind', () => {
    const badStep = header();
    badStep.step.requests[1].newTokens = 2;
    expect(errorOf(() => parseTrace(withLine(0, badStep), 't.jsonl'))).toBe(
      "t.jsonl: line 1: step: field 'requests[1].newTokens': expected 1 in a decode step (one generated token per request), found 2",
    );
    const badDevice = header();
    badDevice.devices[1].kind = 'tpu';
    expect(errorOf(() => parseTrace(withLine(0, badDevice), 't.jsonl'))).toMatch(/^t\.jsonl: line 1: field 'devices\[1\]\.kind': expected one of gpu, cpu, systolic-array, vector-unit, pim, asic, bank-pim, logic-pim, found "tpu"$/);
  });

  it('ops: unknown field, unknown kind, duplicate id, unknown device', () => {
    expect(errorOf(() => parseTrace(withLine(2, { ...opAt(2), colour: 'red' }), 't.jsonl'))).toMatch(/^t\.jsonl: line 3: field 'colour': unknown field/);
    expect(errorOf(() => parseTrace(withLine(2, { ...opAt(2), kind: 'conv2d' }), 't.jsonl'))).toMatch(/^t\.jsonl: line 3: field 'kind': expected one of embedding, norm, /);
    expect(errorOf(() => parseTrace(withLine(2, { ...opAt(2), id: opAt(1).id }), 't.jsonl'))).toBe(
      "t.jsonl: line 3: field 'id': expected an id not used before (line 2 has it), found \"embedding\"",
    );
    expect(errorOf(() => parseTrace(withLine(2, { ...opAt(2), device: 'gpu0' }), 't.jsonl'))).toBe(
      "t.jsonl: line 3: field 'device': expected one of the header's devices (npu0.systolic-array, npu0.vector-unit), found \"gpu0\"",
    );
  });

  it('ops: a dependency must be an op of an earlier line', () => {
    expect(errorOf(() => parseTrace(withLine(1, { ...opAt(1), deps: ['L0.norm-attn'] }), 't.jsonl'))).toBe(
      "t.jsonl: line 2: field 'deps[0]': expected the id of an op on an earlier line (ops come after what they depend on), found \"L0.norm-attn\"",
    );
  });

  it('ops: byte totals, Op/B and class must agree with the rest of the line', () => {
    const o = opAt(2);
    expect(errorOf(() => parseTrace(withLine(2, { ...o, bytes: { ...o.bytes, total: o.bytes.total + 1 } }), 't.jsonl'))).toBe(
      `t.jsonl: line 3: field 'bytes.total': expected the sum of the other byte counts (${o.bytes.total}), found ${o.bytes.total + 1}`,
    );
    expect(errorOf(() => parseTrace(withLine(2, { ...o, opPerByte: 99 }), 't.jsonl'))).toMatch(/^t\.jsonl: line 3: field 'opPerByte': expected flops \/ bytes\.total = /);
    expect(errorOf(() => parseTrace(withLine(2, { ...o, shape: { ...o.shape, m: -1 } }), 't.jsonl'))).toBe("t.jsonl: line 3: field 'shape.m': expected an integer > 0, found -1");
    const t = opAt(firstTiled);
    expect(errorOf(() => parseTrace(withLine(firstTiled, { ...t, cls: 'gemv' }), 't.jsonl'))).toMatch(/field 'cls': expected 'gemm' for a matrix op with m = 2, found "gemv"$/); // two requests: 2 rows
  });

  it('tilings must be exactly what their tile sizes imply, and only on systolic arrays', () => {
    const t = opAt(firstTiled);
    const at = `t.jsonl: line ${firstTiled + 1}`;
    expect(errorOf(() => parseTrace(withLine(firstTiled, { ...t, tiling: { ...t.tiling, grid: { ...t.tiling.grid, n: t.tiling.grid.n + 1 } } }), 't.jsonl'))).toBe(
      `${at}: field 'tiling.grid.n': expected ${t.tiling.grid.n} (what the shape, tile sizes and device imply), found ${t.tiling.grid.n + 1}`,
    );
    expect(errorOf(() => parseTrace(withLine(firstTiled, { ...t, tiling: { ...t.tiling, tile: { ...t.tiling.tile, k: 99_999 } } }), 't.jsonl'))).toMatch(
      new RegExp(`^${at}: field 'tiling.tile.k': expected at most shape.k \\(768\\), found 99999$`),
    );
    expect(errorOf(() => parseTrace(withLine(firstTiled, { ...t, tiling: null }), 't.jsonl'))).toBe(
      `${at}: field 'tiling': expected a tiling (ops on systolic array 'npu0.systolic-array' are tiled), found null`,
    );
    expect(errorOf(() => parseTrace(withLine(1, { ...opAt(1), tiling: t.tiling }), 't.jsonl'))).toBe(
      "t.jsonl: line 2: field 'tiling': expected null (device 'npu0.vector-unit' runs ops whole), found an object",
    );
    // a consistent tiling whose tile is too big for the declared device's scratchpad: the whole 2 x 768 x 2304 QKV
    // product in one tile needs 2 · (768·2304 + 2·768) · 2 B = 7,084,032 B
    const big = describeTiling(t.shape, { m: 2, k: 768, n: 2304 }, { rows: 128, cols: 128 }, 2);
    expect(errorOf(() => parseTrace(withLine(firstTiled, { ...t, tiling: big }), 't.jsonl'))).toBe(
      `${at}: field 'tiling.scratchpadBytes': expected at most the device's scratchpad (1048576 bytes), found 7084032`,
    );
  });

  it('the header counts catch a truncated file', () => {
    expect(errorOf(() => parseTrace(text(lines.slice(0, -1)), 't.jsonl'))).toMatch(
      new RegExp(`^t\\.jsonl: the header \\(line 1\\) counts ${lines.length - 1} ops, .* but the file has ${lines.length - 2} ops, `),
    );
  });

  it('readTrace names a missing file', () => {
    expect(errorOf(() => readTrace(join(dir, 'nope.jsonl')))).toBe(`${join(dir, 'nope.jsonl')}: file not found (expected a device trace (JSON Lines))`);
  });
});
