import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/compiler/model.ts';
import { validateReport } from '../../src/report/schema.ts';
import { loadPimGptSystem, pimGptGenerate } from '../../src/systems/pim-gpt/pim-gpt.ts';
import { tokenEnergyPj } from '../../src/systems/pim-gpt/token-sequence.ts';
import { runMain } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-pim-gpt-run-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A one-line user error, exit code 2. */
function userError(argv: string[]): string {
  const r = runMain(argv);
  expect(r.code, r.out).toBe(2);
  expect(r.err.split('\n')).toHaveLength(1);
  return r.err;
}

const system = loadPimGptSystem('pim-gpt');
const model = loadModel('gpt2-small');

describe('strata run --system pim-gpt (Strata issue #15 item 1)', () => {
  it('decode --context 6 --tokens 2 is, to the last bit, the tokens pim generate --prompt 5 --tokens 2 generates; the report validates; two runs are byte-identical', () => {
    const argv = ['run', '--system', 'pim-gpt', '--model', 'gpt2-small', '--phase', 'decode', '--context', '6', '--tokens', '2'];
    const a = runMain([...argv, '--out', join(dir, 'a.json')]);
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^Strata run — gpt2-small decode, batch 1, context 7, policy pim-gpt on pim-gpt \(aim \+ pim-gpt-asic\), 2 steps, bf16\n/);
    const b = runMain([...argv, '--out', join(dir, 'b.json')]);
    const text = readFileSync(join(dir, 'a.json'), 'utf8');
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe(text);
    expect(b.out.replace('b.json', 'X')).toBe(a.out.replace('a.json', 'X'));
    const report = validateReport(JSON.parse(text), 'a.json') as ReturnType<typeof JSON.parse>;
    expect(report.policy).toBe('pim-gpt');
    expect(report.system.kind).toBe('pim');
    const g = pimGptGenerate(system, model, 5, 2);
    report.steps.forEach((s: { timeNs: number; energyJ: number; maxContextLength: number }, i: number) => {
      const t = g.generated[i]!;
      expect(s.maxContextLength).toBe(5 + i);
      expect(s.timeNs).toBe(t.totalPs / 1000);
      expect(s.energyJ).toBe(tokenEnergyPj(t.energy) / 1e12);
    });
    // The timeline lists the first step's ops on the PIM device and the ASIC, inside the step.
    const ops = report.timeline.ops as Array<{ device: string; startNs: number; endNs: number; step: number }>;
    expect(new Set(ops.map((o) => o.device))).toEqual(new Set(['pim0', 'asic0']));
    expect(ops.every((o) => o.step === 0 && o.startNs >= 0 && o.endNs <= report.steps[0].endNs)).toBe(true);
  });

  it('prefill --context 4 is the prompt run token by token: pim generate --prompt 4 times it', () => {
    const r = runMain(['run', '--system', 'pim-gpt', '--model', 'gpt2-small', '--phase', 'prefill', '--context', '4', '--out', join(dir, 'p.json')]);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'));
    expect(report.steps).toHaveLength(1);
    expect(report.steps[0].newTokens).toBe(4);
    expect(report.steps[0].timeNs).toBe(pimGptGenerate(system, model, 4, 1).promptPs / 1000);
    expect(report.totals.perTokenLatencyNs).toBeNull();
  });

  it('refuses --batch other than 1 at start, in one line saying why', () => {
    expect(userError(['run', '--system', 'pim-gpt', '--model', 'gpt2-small', '--phase', 'decode', '--context', '6', '--batch', '2']))
      .toBe("strata: run: --batch: PIM-GPT is a batch-1 design (one request's GEMVs in the banks at a time), so strata run times batch 1 only, got 2");
    expect(userError(['run', '--system', 'pim-gpt', '--model', 'gpt2-small', '--phase', 'decode', '--context', '6', '--devices', '2']))
      .toBe('strata: run: --devices: does not apply to a PIM-GPT system: PIM-GPT is one PIM device and one ASIC');
  });

  it('--check replays every command of the generation the step was read from', () => {
    // A one-token prompt: the least a run simulates (every command of a gpt2-small token is about 600,000).
    const r = runMain(['run', '--system', 'pim-gpt', '--model', 'gpt2-small', '--phase', 'prefill', '--context', '1', '--check']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ {2}check {14}[\d,]+ commands in 1 simulated stream \(every channel of the 1-token generation the steps were read from\) replayed by the protocol checker: no violation/);
  });
});

describe('strata serve --system pim-gpt', () => {
  it('serves 8 requests one at a time: max batch 1, no two requests in flight at once, TTFT and TBT reported; byte-identical when run twice', () => {
    const argv = ['serve', '--system', 'pim-gpt', '--model', 'gpt2-small', '--requests', 'fixed:4:3', '--count', '8', '--qps', '20000', '--quiet'];
    expect(runMain([...argv, '--out', join(dir, 's1')]).code).toBe(0);
    expect(runMain([...argv, '--out', join(dir, 's2')]).code).toBe(0);
    for (const f of ['serving-report.json', 'requests.csv', 'steps.csv']) expect(readFileSync(join(dir, 's2', f), 'utf8'), f).toBe(readFileSync(join(dir, 's1', f), 'utf8'));
    const report = JSON.parse(readFileSync(join(dir, 's1', 'serving-report.json'), 'utf8'));
    expect(report.scheduler.maxBatch).toBe(1);
    expect(report.system.costModel).toBe('pim-gpt');
    expect(report.totals.maxBatch).toBe(1);
    expect(report.latency.ttft.p50Ns).toBeGreaterThan(0);
    expect(report.latency.tbt.p50Ns).toBeGreaterThan(0);
    // Requests in flight: from admission to finish, one after another (at 20,000 requests/s they queue).
    const rows = readFileSync(join(dir, 's1', 'requests.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    expect(rows).toHaveLength(8);
    const spans = rows.map((c) => ({ admitted: c[4]!, finish: c[6]! })).sort((x, y) => x.admitted - y.admitted);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.admitted).toBeGreaterThanOrEqual(spans[i - 1]!.finish);
    expect(rows.some((c) => c[7]! > 0)).toBe(true); // some requests waited for the one ahead
    // Every request is alike, so every request's tokens cost the same: TBT is the decode tokens at contexts 4 and 5.
    const g = pimGptGenerate(system, model, 4, 2);
    expect(report.latency.tbt.maxNs).toBe(Math.max(...g.generated.map((t) => t.totalPs)) / 1000);
  });

  it('refuses --max-batch above 1 in one line', () => {
    expect(userError(['serve', '--system', 'pim-gpt', '--model', 'gpt2-small', '--requests', 'fixed:4:3', '--count', '2', '--max-batch', '2']))
      .toBe("strata: --max-batch: 'pim-gpt' serves at most 1 request per step (PIM-GPT is a batch-1 design: its banks run one request's GEMVs at a time (Wu, Wang, Lu, arXiv 2310.09385)), got 2");
  });

  it('--check replays the one generation every token cost was read from', () => {
    const r = runMain(['serve', '--system', 'pim-gpt', '--model', 'gpt2-small', '--requests', 'fixed:1:1', '--count', '2', '--check']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/check {8}[\d,]+ commands in 1 simulated stream \(every channel of the one generation the token costs were read from\) replayed by the protocol checker: no violation/);
  });
});
