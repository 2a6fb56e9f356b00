import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { readTrace, traceOps } from '../../src/compiler/trace.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { decodeStep } from '../../src/compiler/step.ts';
import { summarizeOps } from '../../src/compiler/summary.ts';
import { runMain } from '../helpers.ts';

const run = runMain;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-compile-run-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const XL_DECODE = ['--model', 'gpt2-xl', '--phase', 'decode', '--context', '1024'];

describe('strata compile', () => {
  it('gpu-roofline: writes the trace and prints the table by op kind', () => {
    const out = join(dir, 'c1', 'xl.jsonl');
    const r = run(['compile', ...XL_DECODE, '--policy', 'gpu-roofline', '--system', 'gpu-a100', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('Strata compile — gpt2-xl decode, batch 1, context 1024, policy gpu-roofline on gpu-a100-40gb');
    // 40 GiB less the 2 GiB the runtime reserves (arch/systems/gpu-a100-40gb.json memory.reservedBytes), as run and serve count it
    expect(lines[1]).toBe("  memory      3.19 GiB needed (weights 2.90 GiB + KV cache 0.29 GiB), 38.00 GiB available (40.00 GiB less the runtime's 2.00 GiB reserve)");
    expect(lines[2]).toMatch(/^ {2}kind +ops +FLOPs +weights +activations +KV +bytes +Op\/B$/);
    // FFN up of 48 layers: 48 · 2 · 1600 · 6400 FLOPs = 983 M; weights 48 · (1600 · 6400 + 6400) · 2 B = 984 MB
    expect(r.out).toMatch(/\n {2}ffn-up +48 +983 MFLOP +984 MB +768 kB +0 B +984 MB +1\.00\n/);
    expect(r.out).toMatch(/\n {2}total +579 +3\.43 GFLOP /);
    expect(r.out).toContain('  devices     gpu0 (1 x gpu): 579 ops');
    expect(r.out).toMatch(/ {2}wrote {7}.*xl\.jsonl \(580 lines, \d+ kB\)$/);
    const t = readTrace(out);
    expect(t.header.policy).toBe('gpu-roofline');
    expect(traceOps(t)).toEqual(buildOpGraph(loadModel('gpt2-xl'), decodeStep([1023])));
    expect(readdirSync(join(dir, 'c1'))).toEqual(['xl.jsonl']); // no temporary file left behind
  });

  it('npu-only on the default NPU: tiles counted per device; the memory is not checked', () => {
    const out = join(dir, 'npu.jsonl');
    const r = run(['compile', ...XL_DECODE, '--batch', '4', '--policy', 'npu-only', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Strata compile — gpt2-xl decode, batch 4, context 1024, policy npu-only on neupims-npu\n/);
    expect(r.out).toContain('not checked: neupims-npu declares no memory');
    expect(r.out).toMatch(/devices {5}npu0\.systolic-array \(8 x systolic-array\): [\d,]+ ops, [\d,]+ tiles, [\d,]+ array folds; npu0\.vector-unit \(8 x vector-unit\): [\d,]+ ops/);
    expect(readTrace(out).header.step.requests).toHaveLength(4);
  });

  it('--requests FILE: one request per line (decode: the prompt is cached)', () => {
    const out = join(dir, 'req.jsonl');
    const r = run(['compile', '--model', 'llama3-8b', '--phase', 'decode', '--requests', 'workloads/requests/example.csv', '--policy', 'npu-only', '--out', out, '--quiet']);
    expect(r.err).toBe('');
    expect(r.out).toBe('');
    const t = readTrace(out);
    expect(t.header.origin).toBe('requests file workloads/requests/example.csv');
    expect(t.header.step.requests.map((q) => [q.id, q.contextLength, q.newTokens])).toEqual([
      ['chat-0', 80, 1], ['chat-1', 12, 1], ['chat-2', 512, 1], ['chat-3', 24, 1],
      ['chat-4', 1024, 1], ['chat-5', 8, 1], ['chat-6', 160, 1], ['chat-7', 48, 1],
    ]);
  });

  it('a MoE model records its seed and stream; the same seed gives the same bytes', () => {
    const a = join(dir, 'moe-a.jsonl');
    const b = join(dir, 'moe-b.jsonl');
    const args = ['compile', '--model', 'mixtral-8x7b', '--phase', 'prefill', '--context', '16', '--batch', '2', '--policy', 'npu-only', '--seed', '9', '--quiet'];
    expect(run([...args, '--out', a]).code).toBe(0);
    expect(run([...args, '--out', b]).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true); // Buffer.equals: toEqual walks large buffers byte by byte, slowly
    expect(readTrace(a).header.streams).toEqual(['moe.routing.9']);
  });
});

describe('strata run', () => {
  const model = loadModel('gpt2-xl');
  const ops = buildOpGraph(model, decodeStep([1023]));

  it('GPT-2 XL decode on gpu-a100: per-token latency = sum over kernels of max(compute, memory) + the kernel floor', () => {
    const out = join(dir, 'run', 'xl.json');
    const r = run(['run', '--system', 'gpu-a100', ...XL_DECODE, '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(readFileSync(out, 'utf8'));
    expect(rep.schema).toBe('strata.run-report/1');
    expect(rep.system).toMatchObject({ name: 'gpu-a100-40gb', requested: 'gpu-a100', precision: 'fp16', launchOverheadNs: 3500 });

    // One op by hand, L0.ffn-up, a 1 x 1600 x 6400 GEMV with bias:
    //   bytes   = (1600·6400 + 6400) · 2 (weights) + 1600 · 2 (input) + 6400 · 2 (output) = 20,508,800 B
    //   memory  = 20,508,800 B / (1555e9 B/s · 0.958) = 13,767,159.6 ps → 13,767,160 ps (rounded up; 0.958 is the
    //             read stream of bench/gpu/published/a100-40gb.json over the datasheet's 1,555 GB/s)
    //   compute = 2 · 1600 · 6400 FLOP / (312e12 FLOP/s · 0.7) = 93,772.9 ps → 93,773 ps: memory-bound
    //   time    = 13,767,160 + 3,500,000 (one kernel's floor) = 17,267,160 ps
    const up = rep.timeline.ops.find((o: { op: string }) => o.op === 'L0.ffn-up');
    expect(up).toMatchObject({ bytes: 20_508_800, flops: 20_480_000, memoryNs: 13_767.16, computeNs: 93.773, launchNs: 3500, bound: 'memory', device: 'gpu0' });
    expect(up.endNs - up.startNs).toBeCloseTo(17_267.16, 6);

    // At batch 1 every op is memory-bound. 580 kernels of 3.5 us: 48 layers x 12 (LayerNorm, QKV, attention = SDPA
    // + 2 KV-cache writes, out, add, LayerNorm, up, GELU, down, add) + embedding (gather, add) + final norm + LM head.
    expect(rep.totals.memoryBoundOps).toBe(579);
    expect(rep.totals.launchNs).toBe(580 * 3500);
    const memoryNs = rep.timeline.ops.reduce((a: number, o: { memoryNs: number }) => a + o.memoryNs, 0);
    expect(rep.totals.perTokenLatencyNs).toBeCloseTo(memoryNs + 580 * 3500, 3);
    expect(rep.totals.perTokenLatencyNs).toBeCloseTo(4_334_160.525, 3); // ≈ 2.304 ms of memory + 2.030 ms of kernel floors
    expect(rep.totals.tokensPerS).toBeCloseTo(1e9 / 4_334_160.525, 6);
    // energy: board power x time = 400 W · 4.334 ms
    expect(rep.energy).toMatchObject({ method: 'board-power-x-time' });
    expect(rep.energy.joules).toBeCloseTo(400 * 4_334_160.525e-9, 9);
    // available: 40 GiB less the 2 GiB the runtime reserves (arch/systems/gpu-a100-40gb.json memory.reservedBytes)
    expect(rep.memory).toMatchObject({ weightBytes: 1_557_611_200 * 2, kvTokens: 1024, kvCacheBytes: 1024 * 307_200, availableBytes: 38 * 2 ** 30 });
    expect(rep.timeline.ops).toHaveLength(579);

    expect(r.out.split('\n')[0]).toBe('Strata run — gpt2-xl decode on gpu-a100-40gb (as gpu-a100), batch 1, context 1024, 1 step, fp16, GPU profile graphs');
    expect(r.out).toContain('  per-token latency  4.334 ms (mean over 1 step of 579 ops; launch overhead 2.030 ms of it)');
    expect(r.out).toContain('  throughput         230.7 tokens/s (1 token in 4.334 ms)');
    expect(r.out).toContain('  energy             1.734 J, 1.7337 J/token (board-power-x-time, 400 W)');
  });

  it('--tokens N decodes N tokens, the context growing by one each step', () => {
    const out = join(dir, 'tokens.json');
    const r = run(['run', '--system', 'gpu-a100-80gb', '--model', 'gpt2-small', '--phase', 'decode', '--context', '100', '--batch', '2', '--tokens', '3', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(readFileSync(out, 'utf8'));
    expect(rep.steps.map((s: { maxContextLength: number }) => s.maxContextLength)).toEqual([99, 100, 101]);
    expect(rep.steps[1].startNs).toBe(rep.steps[0].endNs);
    expect(rep.totals.tokens).toBe(6); // 2 requests x 3 steps
    expect(rep.totals.perTokenLatencyNs).toBeCloseTo(rep.totals.timeNs / 3, 6);
    expect(rep.timeline.scope).toBe('first');
    expect(new Set(rep.timeline.ops.map((o: { step: number }) => o.step))).toEqual(new Set([0]));
    // a longer context reads more KV: each step is slower than the one before
    expect(rep.steps[2].timeNs).toBeGreaterThan(rep.steps[0].timeNs);
    const all = join(dir, 'tokens-all.json');
    expect(run(['run', '--system', 'gpu-a100-80gb', '--model', 'gpt2-small', '--phase', 'decode', '--context', '100', '--tokens', '2', '--timeline', 'all', '--out', all, '--quiet']).code).toBe(0);
    expect(JSON.parse(readFileSync(all, 'utf8')).timeline.ops.filter((o: { step: number }) => o.step === 1).length).toBeGreaterThan(0);
  });

  it('prefill reports the time to first token and prompt tokens per second', () => {
    const r = run(['run', '--system', 'gpu-h100-sxm', '--model', 'llama3-8b', '--phase', 'prefill', '--context', '512', '--batch', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\n {2}prefill latency {4}[\d.]+ ms \(time to first token; /);
    expect(r.out).toMatch(/\n {2}throughput {9}[\d.]+ tokens\/s \(1024 tokens in /);
  });

  it('a saved gpu-roofline trace runs to the same timeline as the flags', () => {
    const trace = join(dir, 'saved.jsonl');
    expect(run(['compile', ...XL_DECODE, '--policy', 'gpu-roofline', '--system', 'gpu-a100', '--out', trace, '--quiet']).code).toBe(0);
    const fromTrace = join(dir, 'from-trace.json');
    const fromFlags = join(dir, 'from-flags.json');
    expect(run(['run', '--trace', trace, '--out', fromTrace, '--quiet']).code).toBe(0);
    expect(run(['run', '--system', 'gpu-a100-40gb', ...XL_DECODE, '--out', fromFlags, '--quiet']).code).toBe(0);
    const a = JSON.parse(readFileSync(fromTrace, 'utf8'));
    const b = JSON.parse(readFileSync(fromFlags, 'utf8'));
    expect(a.workload.origin).toBe(`trace ${trace}`);
    expect(a.timeline).toEqual(b.timeline);
    expect(a.totals).toEqual(b.totals);
  });

  it('is deterministic: the same command twice gives byte-identical reports', () => {
    const a = join(dir, 'det-a.json');
    const b = join(dir, 'det-b.json');
    const args = ['run', '--system', 'gpu-t4', '--model', 'gpt2-medium', '--phase', 'decode', '--context', '64', '--tokens', '2', '--quiet'];
    expect(run([...args, '--out', a]).code).toBe(0);
    expect(run([...args, '--out', b]).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true); // Buffer.equals: toEqual walks large buffers byte by byte, slowly
  });
});

describe('bad input: one strata: line, exit 2, nothing written', () => {
  let n = 0;
  /** Runs with an --out that must not appear; checks the one-line message. */
  function expectUserError(args: string[], message: RegExp | string): string {
    const ext = args[0] === 'compile' ? 'jsonl' : 'json';
    const out = join(dir, `err-${++n}.${ext}`);
    const r = run([args[0]!, '--out', out, ...args.slice(1)]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^strata: /);
    if (typeof message === 'string') expect(r.err).toBe(`strata: ${message}`);
    else expect(r.err).toMatch(message);
    expect(existsSync(out)).toBe(false);
    return r.err;
  }

  it('unknown model lists the known ones', () => {
    expectUserError(['compile', '--model', 'gpt5', '--phase', 'decode', '--context', '8', '--policy', 'npu-only'], /^strata: unknown model 'gpt5' \(known: gpt2-large, gpt2-medium, .*llama3-8b.*; or give a path to a \.json model file\)$/);
    expectUserError(['run', '--system', 'gpu-a100', '--model', 'gpt5', '--phase', 'decode', '--context', '8'], /^strata: unknown model 'gpt5' \(known: /);
  });

  it('unknown policy lists the known ones; a missing one too', () => {
    expectUserError(['compile', ...XL_DECODE, '--policy', 'frob'], "unknown policy 'frob' (known: gpu-roofline, npu-only, pim-gpt, duplex, neupims)");
    expectUserError(['compile', ...XL_DECODE], 'compile: --policy is required (known: gpu-roofline, npu-only, pim-gpt, duplex, neupims)');
  });

  it('unknown system lists the known ones (with the alias); an NPU for run says what to do instead', () => {
    const known = 'cpu-xeon, gpu-a100 (= gpu-a100-40gb), gpu-a100-40gb, gpu-a100-80gb, gpu-h100-sxm, gpu-t4';
    expectUserError(['run', '--system', 'gpu-v100', ...XL_DECODE], `unknown system 'gpu-v100' for policy gpu-roofline (known: ${known}; or give a path to a .json preset)`);
    expectUserError(['run', ...XL_DECODE], `run: --system is required (known: ${known})`);
    expectUserError(['compile', ...XL_DECODE, '--policy', 'npu-only', '--system', 'tpu'], "unknown system 'tpu' for policy npu-only (known: neupims-npu; or give a path to a .json NPU spec)");
    expectUserError(['compile', ...XL_DECODE, '--policy', 'npu-only', '--system', 'gpu-a100'], /^strata: system 'gpu-a100' is for policy gpu-roofline, not npu-only/);
    expectUserError(['run', '--system', 'neupims-npu', ...XL_DECODE], /^strata: run: 'neupims-npu' is an NPU; strata run times GPU and CPU baselines for now .*strata compile --policy npu-only$/);
  });

  it('a batch that does not fit says how much is needed and how much there is', () => {
    // Llama-2 70B: 68.98 G parameters · 2 B = 128.48 GiB of weights, more than any shipped GPU holds
    expectUserError(['run', '--system', 'gpu-a100', '--model', 'llama2-70b', '--phase', 'decode', '--context', '1024'],
      /^strata: llama2-70b decode, batch 1, context 1024 does not fit in gpu-a100-40gb's memory: needs 128\.\d\d GiB \(weights 128\.\d\d GiB \+ KV cache 0\.31 GiB for 1024 tokens\) but has 38\.00 GiB; short by 90\.\d\d GiB$/);
    // GPT-2 XL fits alone, but its KV cache at batch 128 x 1024 tokens (128 · 1024 · 300 KiB = 37.5 GiB) does not
    expectUserError(['compile', ...XL_DECODE, '--batch', '128', '--policy', 'gpu-roofline'],
      "gpt2-xl decode, batch 128, context 1024 does not fit in gpu-a100-40gb's memory: needs 40.40 GiB (weights 2.90 GiB + KV cache 37.50 GiB for 131072 tokens) but has 38.00 GiB; short by 2.40 GiB");
    // --tokens: the last step's KV cache counts
    expectUserError(['run', '--system', 'gpu-t4', '--model', 'gpt2-xl', '--phase', 'decode', '--context', '512', '--batch', '64', '--tokens', '512'],
      /^strata: gpt2-xl decode, batch 64, context 1023 does not fit in gpu-t4's memory: needs 21\.\d\d GiB /);
  });

  it('malformed request files name the file and line', () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'id,arrival_ps,input_tokens,output_tokens\na,0,80,296\nb,0,0,10\n');
    expectUserError(['compile', '--model', 'gpt2-xl', '--phase', 'prefill', '--requests', csv, '--policy', 'npu-only'],
      `${csv}: line 3: column 'input_tokens': expected a whole number of tokens >= 1, found "0"`);
    const json = join(dir, 'bad.json');
    writeFileSync(json, '{ "requests": [ { "id": "a", "arrivalPs": 0, "inputTokens": 8 } ] }');
    expectUserError(['compile', '--model', 'gpt2-xl', '--phase', 'prefill', '--requests', json, '--policy', 'npu-only'],
      `${json}: field 'requests[0].outputTokens': expected an integer > 0 (field is missing)`);
    expectUserError(['compile', '--model', 'gpt2-xl', '--phase', 'prefill', '--requests', join(dir, 'none.csv'), '--policy', 'npu-only'], `${join(dir, 'none.csv')}: file not found (expected a request set (.csv or .json))`);
    expectUserError(['compile', '--model', 'gpt2-xl', '--phase', 'prefill', '--requests', csv, '--batch', '2', '--policy', 'npu-only'], 'compile: give --requests FILE or --batch/--context, not both');
  });

  it('zero or negative lengths and batches', () => {
    expectUserError(['compile', ...XL_DECODE, '--batch', '0', '--policy', 'npu-only'], "--batch: expected a positive integer, got '0'");
    expectUserError(['compile', ...XL_DECODE, '--batch=-4', '--policy', 'npu-only'], "--batch: expected a positive integer, got '-4'");
    expectUserError(['compile', '--model', 'gpt2-xl', '--phase', 'prefill', '--context', '0', '--policy', 'npu-only'], "--context: expected a positive integer, got '0'");
    expectUserError(['run', '--system', 'gpu-a100', '--model', 'gpt2-xl', '--phase', 'decode', '--context=-1'], "--context: expected a positive integer, got '-1'");
    expectUserError(['run', '--system', 'gpu-a100', ...XL_DECODE, '--tokens', '0'], "--tokens: expected a positive integer, got '0'");
    expectUserError(['run', '--system', 'gpu-a100', '--model', 'gpt2-xl', '--phase', 'decode', '--context', '-3'], "--context: expected a positive integer, got '-3'");
    expectUserError(['run', '--system', 'gpu-a100', '--model', 'gpt2-xl', '--phase', 'decode', '--context', '1'],
      '--context: a decode step extends a context, so it needs at least 2 (the token at position L sees L − 1 cached tokens and itself), got 1');
  });

  it('other flag errors: missing context, --tokens with prefill, past the learned positions, unknown flag, --phase mixed', () => {
    expectUserError(['compile', '--model', 'gpt2-xl', '--phase', 'decode', '--policy', 'npu-only'], /^strata: compile: --context is required/);
    expectUserError(['run', '--system', 'gpu-a100', '--model', 'gpt2-xl', '--phase', 'prefill', '--context', '8', '--tokens', '2'], '--tokens applies to --phase decode (a prefill is one step)');
    expectUserError(['run', '--system', 'gpu-a100', ...XL_DECODE, '--tokens', '2'], "--context 1024 with --tokens 2 reaches position 1025, past gpt2-xl's 1024 learned positions (maxPositions)");
    expectUserError(['compile', ...XL_DECODE, '--policy', 'npu-only', '--bogus'], /^strata: compile: Unknown option '--bogus' \(flags: --model --phase /);
    expectUserError(['compile', '--model', 'gpt2-xl', '--phase', 'mixed', '--context', '8', '--policy', 'npu-only'], "--phase: expected one of prefill, decode, got 'mixed'");
  });

  it('run --trace: only gpu-roofline traces, workload flags come from the trace, bad traces name the line', () => {
    const npuTrace = join(dir, 'npu-for-run.jsonl');
    expect(run(['compile', '--model', 'gpt2-small', '--phase', 'decode', '--context', '8', '--policy', 'npu-only', '--out', npuTrace, '--quiet']).code).toBe(0);
    expectUserError(['run', '--trace', npuTrace], `run: ${npuTrace} was mapped by policy npu-only; strata run times gpu-roofline traces (compile with --policy gpu-roofline)`);
    expectUserError(['run', '--trace', npuTrace, '--model', 'gpt2-small'], 'run: --model comes from the trace; drop it when giving --trace');
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, `${readFileSync(npuTrace, 'utf8').split('\n')[0]}\n{"type":"op"\n`);
    expectUserError(['run', '--trace', broken], new RegExp(`^strata: ${broken}: line 2: not valid JSON`));
    // A trace mapped onto a user's system file that is gone: the message points at the trace's header.
    const gpuTrace = join(dir, 'gpu-for-run.jsonl');
    expect(run(['compile', '--model', 'gpt2-small', '--phase', 'decode', '--context', '8', '--policy', 'gpu-roofline', '--out', gpuTrace, '--quiet']).code).toBe(0);
    const [header, ...rest] = readFileSync(gpuTrace, 'utf8').split('\n');
    const moved = JSON.parse(header!);
    moved.target = { ...moved.target, name: 'my-gpu', file: join(dir, 'my-gpu.json') };
    const orphan = join(dir, 'orphan.jsonl');
    writeFileSync(orphan, [JSON.stringify(moved), ...rest].join('\n'));
    expectUserError(['run', '--trace', orphan], new RegExp(`^strata: ${orphan}: line 1: field 'target': the system this trace was mapped onto cannot be loaded \\(${dir}/my-gpu\\.json: file not found\\); give --system`));
  });

  it('a GPU preset given where an NPU spec is expected is named as another kind of file', () => {
    expectUserError(['compile', '--model', 'gpt2-small', '--phase', 'decode', '--context', '8', '--policy', 'npu-only', '--system', 'arch/systems/gpu-h100-sxm.json'],
      /^strata: arch\/systems\/gpu-h100-sxm\.json: does not look like an NPU spec \(arch\/npu\/\*\.json\): 8 of its 10 fields are unknown there \(family, kind, /);
  });

  it('unknown command lists compile and run', () => {
    const r = run(['frob']);
    expect(r.err).toBe("strata: unknown command 'frob' (known: dram, compile, run, serve, sweep, validate, pim, report, figures, demo, studio, help; strata help lists them)");
    const help = run(['help']);
    expect(help.out).toMatch(/\n {2}compile {3}lower a model step/);
    expect(help.out).toMatch(/\n {2}run {7}time prefill or decode steps/);
  });
});

