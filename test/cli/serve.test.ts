import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateReport } from '../../src/report/schema.ts';
import type { ServingReport } from '../../src/report/serving-report.ts';
import { runMain } from '../helpers.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-serve-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const BASE = ['serve', '--model', 'llama3-8b', '--system', 'gpu-h100-sxm'];

describe('strata serve', () => {
  it('writes the serving report and both CSVs, and prints the summary', () => {
    const out = join(dir, 'a');
    const r = runMain([...BASE, '--requests', 'alpaca', '--count', '16', '--qps', '10', '--seed', '4', '--max-batch', '8', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('Strata serve — llama3-8b on gpu-h100-sxm (gpu-roofline, profile graphs), 16 alpaca-like requests, Poisson 10 requests/s, seed 4');
    expect(lines[1]).toMatch(/^ {2}scheduler {4}max batch 8, KV capacity 62\.04 GiB \(device 77\.00 GiB − weights 14\.96 GiB; \d+ tokens\), lifetime reservation, prefill whole$/);
    expect(r.out).toMatch(/\n {2}throughput {3}[\d.]+ output tokens\/s/);
    expect(r.out).toMatch(/\n {2}wrote {8}.*serving-report\.json\n {2}wrote {8}.*requests\.csv\n {2}wrote {8}.*steps\.csv$/);
    expect(readdirSync(out).sort()).toEqual(['requests.csv', 'serving-report.json', 'steps.csv']);
    const rep = validateReport(JSON.parse(readFileSync(join(out, 'serving-report.json'), 'utf8')), 'serving-report.json') as ServingReport;
    expect(rep.scheduler.maxBatch).toBe(8);
    expect(rep.totals.requests).toBe(16);
    expect(readFileSync(join(out, 'requests.csv'), 'utf8').split('\n')).toHaveLength(18);
  });

  it('the same flags give byte-identical files', () => {
    const args = [...BASE, '--requests', 'sharegpt', '--count', '12', '--qps', '3', '--prefill', 'chunked', '--chunk-tokens', '256', '--quiet'];
    expect(runMain([...args, '--out', join(dir, 'd1')]).code).toBe(0);
    expect(runMain([...args, '--out', join(dir, 'd2')]).code).toBe(0);
    for (const f of ['serving-report.json', 'requests.csv', 'steps.csv']) {
      expect(readFileSync(join(dir, 'd2', f), 'utf8')).toBe(readFileSync(join(dir, 'd1', f), 'utf8'));
    }
    const rep = JSON.parse(readFileSync(join(dir, 'd1', 'serving-report.json'), 'utf8')) as ServingReport;
    expect(rep.scheduler).toMatchObject({ prefill: 'chunked', chunkTokens: 256 });
    expect(Math.max(...rep.steps.map((s) => s.prefillTokens + s.decodeTokens))).toBeLessThanOrEqual(256);
  });

  it('fixed lengths, a request file, a given KV capacity; strata report renders the saved report as charts, report.html and CSV', () => {
    const fixed = runMain([...BASE, '--requests', 'fixed:64:8', '--count', '4', '--kv-capacity-gb', '0.01', '--quiet', '--out', join(dir, 'f')]);
    expect(fixed.err).toBe('');
    const rep = JSON.parse(readFileSync(join(dir, 'f', 'serving-report.json'), 'utf8')) as ServingReport;
    // 0.01 GiB = 10,737,418 bytes = 81 tokens of 131,072 bytes: one request (64 + 8 - 1 = 71 tokens) at a time
    expect(rep.memory).toMatchObject({ kvCapacityBytes: 10_737_418, kvCapacityTokens: 81, kvCapacitySource: 'given' });
    expect(rep.totals.maxBatch).toBe(1);
    expect(rep.requests.map((q) => q.admittedNs)).toEqual([0, rep.requests[0]!.finishNs, rep.requests[1]!.finishNs, rep.requests[2]!.finishNs]);
    const file = join(dir, 'reqs.csv');
    writeFileSync(file, 'id,arrival_ns,input_tokens,output_tokens\nx,0,10,3\ny,5000,20,2\n');
    const r = runMain([...BASE, '--requests', file, '--kv-capacity-gb', '1', '--out', join(dir, 'g')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`2 ${file} requests, arrivals from the file, seed 0`);
    expect(r.out).toContain('KV capacity 1.00 GiB (given; 8192 tokens)');
    const rr = runMain(['report', join(dir, 'g', 'serving-report.json'), '--out', join(dir, 'g-report')]);
    expect(rr.code).toBe(0);
    expect(readdirSync(join(dir, 'g-report')).sort()).toEqual(['batch-timeline.svg', 'latency-cdf.svg', 'report.html', 'requests.csv', 'steps.csv']);
  });

  it('--profile eager: the report records it, and a decode step is the host issuing its kernels one by one', () => {
    const run = (profile: string | undefined, out: string) => {
      const r = runMain([...BASE, '--requests', 'fixed:128:16', '--count', '8', '--quiet', '--out', join(dir, out), ...(profile ? ['--profile', profile] : [])]);
      expect(r.err).toBe('');
      return validateReport(JSON.parse(readFileSync(join(dir, out, 'serving-report.json'), 'utf8')), `${out}.json`) as ServingReport;
    };
    const eager = run('eager', 'p-eager');
    const graphs = run(undefined, 'p-default');
    // arch/systems/gpu-h100-sxm.json software.profiles.eager.launchNs = 18,239 (PyTorch eager, measured); default graphs.
    expect(eager.system.softwareProfile).toMatchObject({ name: 'eager', hostLaunchNs: 18239 });
    expect(graphs.system.softwareProfile).toMatchObject({ name: 'graphs', hostLaunchNs: 0 });
    expect(eager.system.description).toContain('(profile eager)');
    // A batch-8 decode step of Llama-3 8B is host-bound in eager: 32 layers x 23 kernels (norm, QKV, rotary 10,
    // attention 3 once per layer, O, add, norm, gate+up, SiLU-and-multiply 2, down, add) + embedding 2 + final
    // norm + LM head = 740 launches of 18,239 ns = 13,496,860 ns, whatever the GPU does meanwhile.
    const decode = (rep: ServingReport) => rep.steps.filter((s) => s.decodeRequests === 8 && s.prefillRequests === 0);
    expect(decode(eager).length).toBe(15);
    for (const s of decode(eager)) expect(s.timeNs).toBe(740 * 18239);
    // Under graphs the same step is its kernels' GPU time alone: about 7.4 ms, so eager is 1.83x slower.
    for (const s of decode(graphs)) expect(s.timeNs).toBeLessThan(7.4e6);
    // The prefill step (1,024 tokens) is GPU-bound under both: the host's 740 launches hide behind the GEMMs.
    expect(eager.steps[0]!.timeNs).toBe(graphs.steps[0]!.timeNs);
    // graphs named explicitly is the default, byte for byte.
    run('graphs', 'p-graphs');
    expect(readFileSync(join(dir, 'p-graphs', 'serving-report.json'), 'utf8')).toBe(readFileSync(join(dir, 'p-default', 'serving-report.json'), 'utf8'));
  });

  it('serves on a Duplex-family system through its own step cost model', () => {
    const out = join(dir, 'dx');
    const r = runMain(['serve', '--model', 'llama3-8b', '--system', 'duplex', '--requests', 'fixed:32:4', '--count', '3', '--quiet', '--out', out]);
    expect(r.err).toBe('');
    const rep = validateReport(JSON.parse(readFileSync(join(out, 'serving-report.json'), 'utf8')), 'dx.json') as ServingReport;
    expect(rep.system).toMatchObject({ name: 'duplex', costModel: 'duplex' });
    // 3 prompts together, then 3 decode steps for the other 3 tokens of each
    expect(rep.steps.map((s) => s.batch)).toEqual([3, 3, 3, 3]);
  });
});

describe('strata serve: bad input stops with one line naming the flag, and writes nothing', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no model', ['serve', '--system', 'gpu-h100-sxm', '--requests', 'alpaca'], /^strata: serve: --model is required/],
    ['no system', ['serve', '--model', 'llama3-8b', '--requests', 'alpaca'], /^strata: serve: --system is required \(known: .*gpu-h100-sxm/],
    ['no requests', [...BASE], /^strata: serve: --requests is required: sharegpt or alpaca/],
    ['unknown system', ['serve', '--model', 'llama3-8b', '--system', 'tpu', '--requests', 'alpaca'], /^strata: unknown serving system 'tpu' \(known: /],
    ['unknown model', ['serve', '--model', 'gpt9', '--system', 'gpu-h100-sxm', '--requests', 'alpaca'], /^strata: unknown model 'gpt9'/],
    ['bad qps', [...BASE, '--requests', 'alpaca', '--qps', 'fast'], /^strata: --qps: expected a number > 0 \(such as 2\.5 or 1e3\), got 'fast'$/],
    ['zero qps', [...BASE, '--requests', 'alpaca', '--qps', '0'], /^strata: --qps: expected a number > 0 \(such as 2\.5 or 1e3\), got '0'$/],
    ['negative qps, as the next argument', [...BASE, '--requests', 'alpaca', '--qps', '-1'], /^strata: --qps: expected a number > 0 \(such as 2\.5 or 1e3\), got '-1'$/],
    ['zero count', [...BASE, '--requests', 'alpaca', '--count', '0'], /^strata: --count: expected a positive integer, got '0'$/],
    ['huge count', [...BASE, '--requests', 'alpaca', '--count', '100000000000'], /^strata: --count: expected a positive integer up to 1,000,000, got '100000000000'$/],
    ['bad max batch', [...BASE, '--requests', 'alpaca', '--max-batch', '1.5'], /^strata: --max-batch: expected a positive integer, got '1\.5'$/],
    ['bad prefill', [...BASE, '--requests', 'alpaca', '--prefill', 'lazy'], /^strata: --prefill: expected one of whole, chunked, got 'lazy'$/],
    ['chunk without chunked', [...BASE, '--requests', 'alpaca', '--chunk-tokens', '256'], /^strata: --chunk-tokens: applies to --prefill chunked/],
    ['budget below batch', [...BASE, '--requests', 'alpaca', '--prefill', 'chunked', '--max-batch', '1024'], /^strata: --chunk-tokens: the token budget of a step must be at least --max-batch \(1024\) .* got 512 \(the default\)$/],
    ['bad fixed', [...BASE, '--requests', 'fixed:10'], /^strata: --requests: expected fixed:IN:OUT with whole numbers of tokens from 1 to 100,000 \(fixed:256:256, fixed:1e3:512\), got 'fixed:10'$/],
    ['a file of another kind as the system', ['serve', '--model', 'gpt2-small', '--system', 'arch/pim/aim.json', '--requests', 'alpaca'], /^strata: arch\/pim\/aim\.json: does not look like a GPU\/CPU baseline preset \(arch\/systems\/gpu-\*\.json, cpu-\*\.json\): 7 of its 9 fields are unknown there \(base, organization, /],
    ['misspelt set', [...BASE, '--requests', 'sharegtp'], /^strata: --requests: unknown request set 'sharegtp' \(known: sharegpt, sharegpt-like, alpaca, alpaca-like, fixed:IN:OUT; or a path to a \.csv or \.json request file\)$/],
    ['missing file', [...BASE, '--requests', 'nope.csv'], /^strata: nope\.csv: file not found \(expected a request set \(\.csv or \.json\)\)$/],
    ['qps with a file', [...BASE, '--requests', 'workloads/requests/example.csv', '--qps', '4'], /^strata: serve: --qps applies to generated requests; .* is a request file/],
    ['KV capacity too large', [...BASE, '--requests', 'alpaca', '--kv-capacity-gb', '70'], /^strata: --kv-capacity-gb: 70 GiB does not fit in gpu-h100-sxm: its 77\.00 GiB minus llama3-8b's weights \(14\.96 GiB\) leave 62\.04 GiB$/],
    ['weights do not fit', ['serve', '--model', 'mixtral-8x7b', '--system', 'gpu-h100-sxm', '--requests', 'alpaca'], /^strata: serving: mixtral-8x7b's weights \(86\.99 GiB\) do not fit in gpu-h100-sxm's 77\.00 GiB of memory/],
    ['past learned positions', ['serve', '--model', 'gpt2-small', '--system', 'gpu-h100-sxm', '--requests', 'fixed:1000:100'], /^strata: the generated fixed:1000:100 requests: request '0' \(index 0\): 1000 input \+ 100 output tokens need 1099 positions, past gpt2-small's 1024 learned positions/],
    ['request larger than the KV cache', [...BASE, '--requests', 'fixed:64:8', '--kv-capacity-gb', '0.0001'], /^strata: the generated fixed:64:8 requests: request '0' \(index 0\): its KV cache \(71 tokens, .*\) is larger than the whole KV capacity/],
    ['bad attention launch', [...BASE, '--requests', 'alpaca', '--attention-launch', 'fused'], /^strata: --attention-launch: expected one of per-request, per-layer, got 'fused'$/],
    ['routing on a dense model', [...BASE, '--requests', 'alpaca', '--routing', 'skewed'], /^strata: --routing: llama3-8b is a dense model/],
    ['attention launch on Duplex', ['serve', '--model', 'llama3-8b', '--system', 'duplex', '--requests', 'alpaca', '--attention-launch', 'per-layer'], /^strata: --attention-launch: does not apply to system 'duplex': /],
    ['unknown profile', [...BASE, '--requests', 'alpaca', '--profile', 'fast'], /^strata: gpu-h100-sxm has no software profile 'fast' in .*gpu-h100-sxm\.json \(it has graphs, eager, fused\)$/],
    ['profile on Duplex', ['serve', '--model', 'llama3-8b', '--system', 'duplex', '--requests', 'alpaca', '--profile', 'eager'], /^strata: --profile: does not apply to system 'duplex' \(a Duplex-family system\): .*its xPU ops run under the xPU preset's default profile and it charges no host launch/],
    ['profile on NeuPIMs, before the model is read', ['serve', '--model', 'gpt9', '--system', 'neupims', '--requests', 'alpaca', '--profile', 'graphs'], /^strata: --profile: does not apply to system 'neupims' \(a NeuPIMs-family system\): .*no GPU\/CPU preset times its steps$/],
    ['unknown flag', [...BASE, '--requests', 'alpaca', '--batch', '4'], /^strata: serve: Unknown option '--batch' \(flags: --model /],
    ['positional', [...BASE, '--requests', 'alpaca', 'extra'], /^strata: serve: unexpected argument 'extra'/],
  ];
  for (const [name, argv, message] of cases) {
    it(name, () => {
      const out = join(dir, `bad-${name.replace(/\W+/g, '-')}`);
      const r = runMain([...argv, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    });
  }
});
