import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/compiler/model.ts';
import { DUPLEX_SPLITS } from '../../src/systems/duplex/policy.ts';
import { loadDuplexSystem } from '../../src/systems/duplex/duplex-system.ts';
import { runDuplexStep, stepOfBatch } from '../../src/systems/duplex/duplex-step.ts';
import { duplexStepCoster } from '../../src/systems/duplex/duplex-step-cost.ts';
import {
  chargeRows, coProcessingBreakdown, compareServing, decodeCases, devicesFor, DuplexComparison, formatDecodeTable, formatPaperComparison, lengthsFor, requestsCsv,
} from '../../src/validation/duplex.ts';
import { runMain } from '../helpers.ts';

const mixtral = loadModel('mixtral-8x7b');
const llama70 = loadModel('llama3-70b');

type Entry = { contextLength: number; newTokens: number };
const batchArb = fc.array(
  fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.constant(1)).map(([c, n]): Entry => ({ contextLength: c, newTokens: n })), // decode
    fc.tuple(fc.constant(0), fc.integer({ min: 1, max: 200 })).map(([c, n]): Entry => ({ contextLength: c, newTokens: n })), // a prompt
  ),
  { minLength: 1, maxLength: 12 },
);

describe('Duplex step cost memoised by shape', () => {
  it('equals lowering the whole step and running it, under either split (time, busy, overlap exact; energy to rounding)', () => {
    const cases = [
      { system: loadDuplexSystem('duplex'), model: mixtral, routing: 'skewed' as const },
      { system: loadDuplexSystem('bg-pim'), model: mixtral, routing: 'uniform' as const },
      { system: loadDuplexSystem('duplex', { devices: 4 }), model: llama70, routing: undefined },
    ];
    for (const { system, model, routing } of cases) for (const split of DUPLEX_SPLITS) {
      const coster = duplexStepCoster(system, model, { routing, split });
      fc.assert(fc.property(batchArb, fc.integer({ min: 0, max: 99 }), (batch, i) => {
        const fast = coster.cost(batch, `t.${i}`);
        const full = runDuplexStep(system, model, stepOfBatch(batch), { seed: `t.${i}`, routing, split });
        expect([fast.timePs, fast.serialPs, fast.busyPs[0], fast.busyPs[1], fast.overlapPs, fast.contendedPs])
          .toEqual([full.timePs, full.serialPs, full.busyPs.xpu0, full.busyPs.pim0, full.overlapPs, full.contendedPs]);
        expect(fast.energyPj.total).toBeCloseTo(full.energyPj.total, -Math.ceil(Math.log10(full.energyPj.total)) + 9);
        expect(fast.tokens).toBe(full.tokens);
      }), { numRuns: 6, seed: 6 });
    }
  });

  it('memoised and recomputed parts give identical steps, and a repeated step is all memo hits', () => {
    const system = loadDuplexSystem('duplex');
    const memo = duplexStepCoster(system, mixtral);
    const fresh = duplexStepCoster(system, mixtral, { memoise: false });
    const steps: Entry[][] = [
      [{ contextLength: 0, newTokens: 40 }, { contextLength: 300, newTokens: 1 }],
      [{ contextLength: 40, newTokens: 1 }, { contextLength: 301, newTokens: 1 }],
      [{ contextLength: 41, newTokens: 1 }, { contextLength: 302, newTokens: 1 }, { contextLength: 0, newTokens: 40 }],
      [{ contextLength: 40, newTokens: 1 }, { contextLength: 301, newTokens: 1 }],
    ];
    steps.forEach((b, i) => expect(JSON.stringify(memo.cost(b, `s.${i}`))).toBe(JSON.stringify(fresh.cost(b, `s.${i}`))));
    expect(fresh.stats().hits).toBe(0);
    const before = memo.stats();
    memo.cost(steps[1]!, 's.1');
    const after = memo.stats();
    expect(after.hits - before.hits).toBe(after.lookups - before.lookups);
  });

  it('co-processing is never slower than running every op after the previous one', () => {
    for (const name of ['duplex', 'bg-pim', 'bank-pim']) {
      const system = loadDuplexSystem(name);
      const co = duplexStepCoster(system, mixtral);
      const serial = duplexStepCoster(system, mixtral, { coProcessing: false });
      fc.assert(fc.property(batchArb, (batch) => {
        const a = co.cost(batch, 'c');
        const b = serial.cost(batch, 'c');
        expect(b.timePs).toBe(b.serialPs);
        expect(a.serialPs).toBe(b.serialPs);
        expect(a.timePs).toBeLessThanOrEqual(b.timePs);
        // and no faster than the busier processor
        expect(a.timePs).toBeGreaterThanOrEqual(Math.max(a.busyPs[0], a.busyPs[1]));
      }), { numRuns: 8, seed: 7 });
    }
  });
});

describe('Duplex against GPU, 2xGPU, bank-PIM and BG-PIM', () => {
  const cmp = new DuplexComparison();

  it('devices hold the weights and batch 32 at the longest case; OPT-66B keeps to its 2048 positions', () => {
    expect(devicesFor(mixtral)).toBe(2); // 87 GiB + 32 x 8192 x 128 KiB = 119 GiB <= 160
    expect(devicesFor(llama70)).toBe(4); // 131 GiB + 32 x 8192 x 320 KiB = 211 GiB > 160
    expect(lengthsFor(loadModel('opt-66b'))).toEqual([[256, 256], [1024, 1024]]);
    // MoE models with both routings, dense once
    expect(decodeCases(['mixtral-8x7b', 'llama3-70b'], [32], [[256, 256]]).map((c) => c.routing)).toEqual(['uniform', 'skewed', 'dense']);
  });

  it('a decode comparison runs on every system; Duplex is faster than the GPU with as many devices', () => {
    const row = cmp.decode('mixtral-8x7b', 64, 64, 32, 'uniform');
    for (const k of ['duplex', 'gpu', 'gpu2', 'bankPim', 'bgPim'] as const) {
      expect(row.systems[k]!.tokensPerS).toBeGreaterThan(0);
      expect(row.systems[k]!.joulesPerToken).toBeGreaterThan(0);
    }
    expect(row.systems.gpu2!.devices).toBe(2 * row.systems.gpu!.devices);
    expect(row.systems.duplex!.tokensPerS).toBeGreaterThan(row.systems.gpu!.tokensPerS);
    // 2xGPU: twice the devices, a bit less than twice the throughput (all-reduces, launches)
    expect(row.systems.gpu2!.tokensPerS).toBeGreaterThan(row.systems.gpu!.tokensPerS);
    expect(formatDecodeTable([row])).toMatch(/\| mixtral-8x7b \(2\) \| 64\/64 \| 32 \| uniform \| [\d,.]+ \|/);
    expect(formatPaperComparison([row])).toMatch(/up to 2\.67x/);
  });

  it('Duplex beats bank-PIM where Op/B is above bank-PIM\'s 1: GQA attention over long contexts, experts with many tokens', () => {
    // Llama-3 70B: 8 query heads per KV head, attention at Op/B near 8, compute-bound on bank-PIM (Op/B 1).
    const gqa = cmp.decode('llama3-70b', 4096, 4096, 32, 'dense');
    expect(gqa.systems.duplex!.tokensPerS).toBeGreaterThan(gqa.systems.bankPim!.tokensPerS);
    // Mixtral at batch 128: 32 tokens per expert, Op/B about 32: past bank-PIM's threshold (16) to its xPU, on Logic-PIM in Duplex.
    const moe = cmp.decode('mixtral-8x7b', 256, 256, 128, 'uniform');
    expect(moe.systems.duplex!.tokensPerS).toBeGreaterThan(moe.systems.bankPim!.tokensPerS);
  });

  it('what does not fit is OOM, not a number', () => {
    const row = cmp.decode('mixtral-8x7b', 4096, 4096, 128, 'uniform');
    expect(row.systems.duplex).toBeNull();
    expect(row.systems.gpu2).not.toBeNull();
    expect(formatDecodeTable([row])).toMatch(/\| OOM \| OOM \| [\d,.]+ \| OOM \| OOM \|/);
  });

  it('a serving comparison serves every request on every system and keeps each request\'s latencies', () => {
    const row = compareServing({ model: 'mixtral-8x7b', lin: 32, lout: 6, count: 5, qps: 40, maxBatch: 4, seed: '1' }, cmp);
    for (const k of ['duplex', 'gpu', 'gpu2', 'bankPim', 'bgPim'] as const) {
      const s = row.systems[k]!;
      expect(s.requests).toHaveLength(5);
      for (const q of s.requests) {
        expect(q.ttftMs).toBeGreaterThan(0);
        expect(q.e2eMs).toBeGreaterThan(q.ttftMs);
        expect(q.tbtMeanMs).toBeGreaterThan(0);
      }
      expect(s.outputTokensPerS).toBeGreaterThan(0);
    }
    expect(requestsCsv([row]).trim().split('\n')).toHaveLength(1 + 5 * 5);
  });
});

describe('strata validate duplex', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'strata-duplex-val-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the tables and writes the decode, serving and per-request data', () => {
    const r = runMain(['validate', 'duplex', '--models', 'mixtral-8x7b', '--batches', '32', '--lengths', '64:64',
      '--serving-models', 'mixtral-8x7b', '--serving-lengths', '32:4', '--count', '3', '--qps', '20', '--max-batch', '4', '--out', dir]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/### Duplex: fixed-batch decode/);
    expect(r.out).toMatch(/### Duplex: serving 3 fixed-length requests, Poisson 20 requests\/s, max batch 4/);
    // the serving engine's charge and the paper's setup (the authors' charge) side by side, then the paper
    expect(r.out).toMatch(/Duplex \/ GPU decode throughput, best case \| \d+\.\d\dx \| \d+\.\d\dx \| up to 2\.67x/);
    const reqs = readFileSync(join(dir, 'duplex-requests.csv'), 'utf8').trim().split('\n');
    expect(reqs[0]).toBe('model,lin,lout,qps,system,request,arrivalMs,ttftMs,e2eMs,tbtMeanMs,tbtP99Ms');
    expect(reqs).toHaveLength(1 + 3 * 5);
    const decodeCsv = readFileSync(join(dir, 'duplex-decode.csv'), 'utf8').trim().split('\n');
    expect(decodeCsv).toHaveLength(1 + 2 * 5); // uniform + skewed
    // the authors' step for Duplex and the GPU system only (2xGPU, bank-PIM, BG-PIM empty)
    expect(decodeCsv.slice(1, 6).map((l) => l.split(',').at(-1) !== '')).toEqual([true, true, false, false, false]);
    const saved = JSON.parse(readFileSync(join(dir, 'duplex-validation.json'), 'utf8'));
    expect(saved.decode).toHaveLength(2);
    // The file says which GPU software profile its numbers rest on, and the method note names the same one.
    expect(saved.xpuProfile).toBe('graphs');
    expect(saved.method).toContain(`under the '${saved.xpuProfile}' profile`);
  });

  it('bad flags stop with one line naming the flag', () => {
    expect(runMain(['validate', 'duplex', '--models', 'glam']).err).toMatch(/^strata: --models: unknown model 'glam'/);
    expect(runMain(['validate', 'duplex', '--lengths', '256x256']).err).toMatch(/^strata: --lengths: expected IN:OUT pairs/);
    expect(runMain(['validate', 'duplex', '--batches', '0']).err).toMatch(/^strata: --batches: expected positive integers, got '0'/);
    expect(runMain(['validate', 'duplex', '--qps', '0']).err).toMatch(/^strata: --qps: expected a number > 0/);
    expect(runMain(['validate', 'duplex', '--batches', '100000']).err).toMatch(/^strata: --batches: expected positive integers up to 65,536, got '100000'/);
    expect(runMain(['validate', 'duplex', '--no-serving', '--qps', '5']).err).toBe('strata: --qps: applies to the serving table, which --no-serving leaves out');
    expect(runMain(['validate', 'duplex', '--split', 'even']).err).toBe("strata: --split: expected one of op-b, balanced, fastest, got 'even'");
    expect(runMain(['validate', 'duplex', '--co-processing', '--split', 'balanced']).err).toMatch(/^strata: --split: does not apply with --co-processing/);
  });

  it('--co-processing prints every split of a case, op class by op class', () => {
    const r = runMain(['validate', 'duplex', '--co-processing', '--models', 'mixtral-8x7b', '--lengths', '64:64', '--batches', '32']);
    expect(r.err).toBe('');
    const rows = r.out.split('\n').filter((l) => l.startsWith('| mixtral-8x7b'));
    // uniform and skewed routing, each under every split
    expect(rows.map((l) => l.split('|')[5]!.trim())).toEqual(['op-b', 'balanced', 'fastest', 'op-b', 'balanced', 'fastest']);
  });
});

describe("--authors-charge: the paper's setup beside the serving engine's", () => {
  it("gives Strata's charge exactly as the decode table does, the authors' charge beside it, and OOM where a system does not fit", () => {
    const cases = decodeCases(['mixtral-8x7b'], [32], [[64, 64]]);
    const rows = chargeRows(cases);
    const table = new DuplexComparison();
    for (const [i, c] of cases.entries()) {
      const d = table.decode(c.model, c.lin, c.lout, c.batch, c.routing).systems;
      // The same step model on the same ops: the co-processing breakdown's step is the decode table's.
      expect(rows[i]!.strata).toBeCloseTo(d.gpu!.stepPs / d.duplex!.stepPs, 9);
      // Mixtral at batch 32 puts every expert on Logic-PIM, many small ops each paying the 3.3 us floor under
      // Strata's charge: without floors (the authors' charge) Duplex gains more than the GPU does.
      expect(rows[i]!.authors!).toBeGreaterThan(rows[i]!.strata!);
    }
    // Mixtral on its 2 devices cannot hold batch 128's KV cache at 4096 + 4096 (OOM in the decode table).
    expect(chargeRows(decodeCases(['mixtral-8x7b'], [128], [[4096, 4096]]).slice(0, 1))[0]).toMatchObject({ strata: null, authors: null });
    expect(runMain(['validate', 'duplex', '--authors-charge', '--out', 'x']).err).toBe('strata: --out: does not apply with --authors-charge (it compares the decode cases under two charges)');
  });
});

describe("the decode table: the paper's setup (authors' charge) beside the serving engine's in one table", () => {
  it("the decode table's authors' charge is coProcessingBreakdown's on the whole op graph, under every split", () => {
    // The memoised coster with charge 'authors' drops every launch (keeps all-reduces) and the shared-bank slowdown;
    // the breakdown lowers the whole step and re-schedules its ops the same way: the same integer ps.
    for (const split of DUPLEX_SPLITS) {
      const cmp = new DuplexComparison(split);
      for (const [m, lin, lout, b, r] of [['mixtral-8x7b', 64, 64, 32, 'uniform'], ['mixtral-8x7b', 64, 64, 128, 'skewed']] as const) {
        const row = cmp.decode(m, lin, lout, b, r);
        const c = coProcessingBreakdown(m, lin, lout, b, r, split);
        expect([row.systems.duplex!.authorsStepPs, row.systems.gpu!.authorsStepPs], `${split} ${m} ${b} ${r}`).toEqual([c.freeStepPs, c.gpuFreeStepPs]);
        expect([row.systems.duplex!.stepPs, row.systems.gpu!.stepPs]).toEqual([c.stepPs, c.gpuStepPs]);
        // only Duplex and the GPU system are timed so
        expect(row.systems.gpu2!.authorsStepPs).toBeUndefined();
      }
    }
  }, 120_000);

  it("prints the authors' column and the paper's setup beside the serving engine's headline; '–' where it was not timed", () => {
    const row = new DuplexComparison().decode('mixtral-8x7b', 64, 64, 32, 'uniform');
    const d = row.systems.duplex!;
    const g = row.systems.gpu!;
    // Mixtral at batch 32: every expert on Logic-PIM, many small ops each paying the kernel floor under Strata's
    // charge; without floors Duplex gains more than the GPU does.
    expect(g.authorsStepPs! / d.authorsStepPs!).toBeGreaterThan(g.stepPs / d.stepPs);
    const authors = `${(g.authorsStepPs! / d.authorsStepPs!).toFixed(2)}x`;
    const line = formatDecodeTable([row]).split('\n')[2]!.split(' | ');
    expect(line[13]).toBe(authors);
    expect(formatDecodeTable([row]).split('\n')[0]).toContain("| / BG-PIM | Duplex / GPU, authors' charge | J/token Duplex |");
    const paper = formatPaperComparison([row]).split('\n');
    expect(paper[0]).toBe("| quantity | Strata, serving engine ('graphs') | Strata, the paper's setup (authors' charge) | paper |");
    expect(paper[2]).toBe(`| Duplex / GPU decode throughput, best case | ${(g.stepPs / d.stepPs).toFixed(2)}x | ${authors} | up to 2.67x |`);
    // The sensitivity study's comparison leaves the authors' charge out: the column says so rather than inventing it.
    const bare = new DuplexComparison('op-b', false).decode('mixtral-8x7b', 64, 64, 32, 'uniform');
    expect(bare.systems.duplex!.authorsStepPs).toBeUndefined();
    expect(formatDecodeTable([bare]).split('\n')[2]!.split(' | ')[13]).toBe('–');
    expect(formatPaperComparison([bare]).split('\n')[2]).toMatch(/ \| – \| up to 2\.67x \|$/);
  }, 60_000);
});

describe('co-processing breakdown: Strata\'s Op/B rule against the authors\' balanced split', () => {
  it('Mixtral decode, batch 32: Op/B leaves the xPU idle through the experts (no overlap); the authors\' split runs experts on both and is faster', () => {
    const opb = coProcessingBreakdown('mixtral-8x7b', 1024, 1024, 32, 'uniform', 'op-b');
    const bal = coProcessingBreakdown('mixtral-8x7b', 1024, 1024, 32, 'uniform', 'balanced');
    // About 8 tokens per expert: Op/B about 8 <= 32, every expert on PIM.
    expect(opb.classes.experts.xpuPs).toBe(0);
    expect(opb.overlapPs).toBe(0);
    expect(opb.stepPs).toBe(opb.serialPs);
    expect(bal.classes.experts.xpuPs).toBeGreaterThan(0);
    expect(bal.classes.experts.pimPs).toBeGreaterThan(0);
    expect(bal.overlapPs).toBeGreaterThan(0);
    expect(bal.stepPs).toBeLessThan(0.9 * opb.stepPs);
    // Each relaxation of Strata's charge can only shorten the step; the authors' charge relaxes both.
    for (const r of [opb, bal]) {
      expect(r.noLaunchStepPs).toBeLessThanOrEqual(r.stepPs);
      expect(r.noContentionStepPs).toBeLessThanOrEqual(r.stepPs);
      expect(r.freeStepPs).toBeLessThanOrEqual(Math.min(r.noLaunchStepPs, r.noContentionStepPs));
    }
  });

  it('Llama-3 70B decode, batch 32: the FC layers (Op/B just under 32) go to PIM under Op/B and stay on the xPU under the authors\' rule', () => {
    const opb = coProcessingBreakdown('llama3-70b', 1024, 1024, 32, 'dense', 'op-b');
    const bal = coProcessingBreakdown('llama3-70b', 1024, 1024, 32, 'dense', 'balanced');
    expect(opb.classes['dense matrix'].xpuPs).toBe(0);
    expect(bal.classes['dense matrix'].pimPs).toBe(0);
    // Decode attention is on PIM under both; nothing overlaps in a dense decode step (the out-projection needs attention).
    expect(bal.classes.attention).toEqual(opb.classes.attention);
    expect([opb.overlapPs, bal.overlapPs]).toEqual([0, 0]);
  });
});
