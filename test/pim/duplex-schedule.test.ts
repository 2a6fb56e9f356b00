import { describe, it, expect } from 'vitest';
import { loadModel } from '../../src/compiler/model.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { makeStep } from '../../src/compiler/step.ts';
import { DUPLEX_DEVICES, duplexPlacement, expertKey } from '../../src/systems/duplex/policy.ts';
import { balanceExperts, coSchedule, fastestExperts, type ExpertLoad } from '../../src/systems/duplex/duplex-schedule.ts';
import { loadDuplexSystem } from '../../src/systems/duplex/duplex-system.ts';
import { balancedExpertsOnXpu, expertChainPs, runDuplexOps } from '../../src/systems/duplex/duplex-step.ts';

const load = (tokens: number, xpuPs: number, pimPs: number): ExpertLoad => ({ tokens, xpuPs, pimPs });

describe('balanceExperts: the Duplex authors\' expert co-processing split', () => {
  it('8 experts go in 4 groups of 2, busiest group first, while the larger of the two times falls', () => {
    // xPU 10 per expert with tokens (weight-bound), PIM 3 per token. Groups {0,1} 12 tokens (x 20, p 36),
    // {2,3} 2 (x 20, p 6), {4,5} 12 (x 20, p 36), {6,7} 0. All on PIM: max(0, 78) = 78.
    // {0,1} to the xPU: max(20, 42) = 42 < 78, taken; {4,5}: max(40, 6) = 40 < 42, taken; {2,3}: max(60, 0) = 60 >= 40, stop.
    const loads = [load(10, 10, 30), load(2, 10, 6), load(1, 10, 3), load(1, 10, 3), load(6, 10, 18), load(6, 10, 18), load(0, 0, 0), load(0, 0, 0)];
    expect(balanceExperts(loads)).toEqual([0, 1, 4, 5]);
  });

  it('up to 4 experts are taken one by one', () => {
    // All on PIM: 27. Expert 1 (5 tokens): max(10, 12) = 12, taken; expert 2 (3 tokens): max(20, 3) = 20 >= 12, stop.
    expect(balanceExperts([load(1, 10, 3), load(5, 10, 15), load(3, 10, 9)])).toEqual([1]);
  });

  it('nothing moves when the xPU would finish after PIM alone', () => {
    // All on PIM: 2. Expert 0 to the xPU: max(10, 1) = 10 >= 2.
    expect(balanceExperts([load(1, 10, 1), load(1, 10, 1)])).toEqual([]);
  });
});

describe('fastestExperts: the authors\' rule without co-processing', () => {
  it('each expert with tokens goes where it finishes sooner; a tie and an idle expert stay on PIM', () => {
    // Expert 1: xPU 10 < PIM 15, taken. Expert 0: 10 > 3. Expert 2: no tokens. Expert 3: 10 = 10, stays.
    expect(fastestExperts([load(1, 10, 3), load(5, 10, 15), load(0, 0, 0), load(3, 10, 10)])).toEqual([1]);
  });
});

describe('co-processing charge: the authors\' (branches at full speed) vs Strata\'s (shared DRAM array)', () => {
  // An expert on the xPU (100 ps, 400 bytes: 4 B/ps) beside one on PIM (100 ps, 1000 bytes: 10 B/ps), array 10 B/ps.
  const items = [
    { device: 0 as const, deps: [], launchPs: 0, bodyPs: 100, bytes: 400 },
    { device: 1 as const, deps: [], launchPs: 0, bodyPs: 100, bytes: 1000 },
  ];
  it('authors: the later branch, 100 ps (serial 200 ps)', () => {
    const s = coSchedule(items, Infinity);
    expect([s.makespanPs, s.overlapPs, s.contendedPs]).toEqual([100, 100, 0]);
  });
  it('Strata: demand 14 B/ps on a 10 B/ps array slows both by 10/14, so both end at 140 ps', () => {
    const s = coSchedule(items, 10);
    expect([s.makespanPs, s.overlapPs, s.contendedPs]).toEqual([140, 140, 140]);
  });
  it('Strata with a 20 ps launch on the xPU: PIM runs alone 20 ps (80 left), then both share until PIM ends at 20 + 80 x 14/10 = 132; the xPU has 100 - 112 x 10/14 = 20 left, alone, so 152', () => {
    const s = coSchedule([{ ...items[0]!, launchPs: 20 }, items[1]!], 10);
    expect(s.endPs).toEqual([152, 132]);
    expect(s.overlapPs).toBe(112);
  });
});

describe('balanced split on a Mixtral-8x7B decode step', () => {
  const system = loadDuplexSystem('duplex');
  const model = loadModel('mixtral-8x7b');
  const step = makeStep('decode', Array.from({ length: 32 }, (_, i) => ({ id: `r${i}`, contextLength: 1024, newTokens: 1 })), 'test');
  const ops = buildOpGraph(model, step, { seed: '0' });

  it('non-expert matrix ops on the xPU, decode attention on PIM, each layer\'s experts as balanceExperts splits them on Strata\'s costs', () => {
    const onXpu = balancedExpertsOnXpu(system, model, ops);
    const place = duplexPlacement(system, ops, { split: 'balanced', group: model.heads / model.kvHeads, expertsOnXpu: onXpu });
    ops.forEach((op, i) => {
      if (op.cls === 'vector') return;
      if (op.kind === 'attn-score' || op.kind === 'attn-context') expect(place[i]).toBe(DUPLEX_DEVICES.pim);
      else if (op.expert < 0) expect(place[i]).toBe(DUPLEX_DEVICES.xpu);
      else expect(place[i]).toBe(onXpu.has(expertKey(op.layer, op.expert)) ? DUPLEX_DEVICES.xpu : DUPLEX_DEVICES.pim);
    });
    // Layer 0 again by hand: loads from expertChainPs, split by balanceExperts.
    const chains = Array.from({ length: model.experts }, (_, e) => ops.filter((op) => op.layer === 0 && op.expert === e));
    const loads = chains.map((c) => ({ tokens: c.find((op) => op.kind === 'ffn-up')?.m ?? 0, ...expertChainPs(system, model, c) }));
    const taken = balanceExperts(loads);
    expect(taken.length).toBeGreaterThan(0);
    expect(taken.length).toBeLessThan(model.experts);
    expect([...onXpu].filter((k) => k.startsWith('0:')).map((k) => Number(k.split(':')[1])).sort((a, b) => a - b)).toEqual(taken);
  });

  it('the xPU and PIM run experts at once: the step is shorter than serial and no shorter than the busier processor', () => {
    const r = runDuplexOps(system, model, 'decode', ops, true, 'balanced');
    expect(r.overlapPs).toBeGreaterThan(0);
    expect(r.timePs).toBeLessThan(r.serialPs);
    expect(r.timePs).toBeGreaterThanOrEqual(Math.max(r.busyPs.xpu0!, r.busyPs.pim0!));
  });

  it('the balanced split needs the model\'s query heads per KV head', () => {
    expect(() => duplexPlacement(system, ops, { split: 'balanced' })).toThrow(/group/);
  });
});
