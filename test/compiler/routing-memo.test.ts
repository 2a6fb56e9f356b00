import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { ROUTING_MEMO_CELLS, routeTokens, routeTokensFresh, routingMemoState } from '../../src/compiler/lower.ts';
import { loadModel } from '../../src/compiler/model.ts';
import type { LowerOptions } from '../../src/compiler/lower.ts';
import { RoutingStream } from '../../src/compiler/routing-stream.ts';

// routeTokens keeps its draws (src/compiler/lower.ts, ROUTING_MEMO_CELLS); a kept draw must be the draw a fresh
// computation makes for the same call, whatever came before it, and the memo must stay within its bound.
describe('MoE routing memo', () => {
  const mixtral = loadModel('mixtral-8x7b');

  it('returns the fresh draw on a planted sequence whose calls differ in one field each', () => {
    // Each call differs from another in exactly one thing the draw depends on (tokens, seed, layers, experts, topK,
    // routing, the Zipf exponent of skewed routing), and each is made twice: a key that left one out would hand
    // back another call's counts on the second pass.
    const calls: Array<[typeof mixtral, number, LowerOptions]> = [
      [mixtral, 64, { seed: '0.5' }],
      [mixtral, 65, { seed: '0.5' }],
      [mixtral, 64, { seed: '0.6' }],
      [{ ...mixtral, layers: 31 }, 64, { seed: '0.5' }],
      [{ ...mixtral, experts: 16 }, 64, { seed: '0.5' }],
      [{ ...mixtral, topK: 1 }, 64, { seed: '0.5' }],
      [mixtral, 64, { seed: '0.5', routing: 'skewed' }],
      [mixtral, 64, { seed: '0.5', routing: 'skewed', zipfExponent: 2 }],
      [mixtral, 64, { seed: '0.5', zipfExponent: 2 }], // uniform ignores the exponent: the first call's draw
      [mixtral, 64, {}], // seed '0'
      [mixtral, 64, { seed: '0' }],
    ];
    const before = routingMemoState();
    for (let pass = 0; pass < 2; pass++) {
      for (const [m, tokens, opts] of calls) {
        const fresh = routeTokensFresh(m, tokens, opts);
        expect(routeTokens(m, tokens, opts)).toEqual(fresh);
        expect(fresh).toHaveLength(m.layers);
        for (const c of fresh) expect(c.reduce((s, x) => s + x, 0)).toBe(tokens * m.topK);
      }
    }
    const after = routingMemoState();
    // 11 calls, 9 distinct draws (the uniform call with an exponent and the explicit seed '0' repeat one each).
    expect(after.misses - before.misses).toBe(9);
    expect(after.hits - before.hits).toBe(13);
    // The draws differ where the key does (a memo keyed too coarsely could not pass the comparisons above).
    expect(routeTokensFresh(mixtral, 64, { seed: '0.5', routing: 'skewed' })).not.toEqual(routeTokensFresh(mixtral, 64, { seed: '0.5', routing: 'skewed', zipfExponent: 2 }));
  });

  it('hands out frozen counts, so no caller can change another caller\'s draw', () => {
    const counts = routeTokens(mixtral, 8, { seed: 'frozen' });
    expect(Object.isFrozen(counts)).toBe(true);
    expect(counts.every((c) => Object.isFrozen(c))).toBe(true);
    expect(() => { (counts[0] as number[])[0] = 99; }).toThrow(TypeError);
  });

  it(`keeps at most ${ROUTING_MEMO_CELLS} counts, dropping the least recently used draw first`, () => {
    // 64 layers x 64 experts = 4,096 counts a draw (one token, top-1: 64 draws of the stream each), so 512 fill it.
    const wide = { ...mixtral, layers: 64, experts: 64, topK: 1 };
    const perDraw = wide.layers * wide.experts;
    const fit = ROUTING_MEMO_CELLS / perDraw;
    const seeds = Array.from({ length: fit + 40 }, (_, i) => `bound.${i}`);
    routeTokens(wide, 1, { seed: seeds[0] });
    for (let i = 1; i < seeds.length; i++) {
      routeTokens(wide, 1, { seed: seeds[i] });
      routeTokens(wide, 1, { seed: seeds[0] }); // kept in use: never the least recent
      expect(routingMemoState().cells).toBeLessThanOrEqual(ROUTING_MEMO_CELLS);
    }
    const full = routingMemoState();
    expect(full.cells).toBeLessThanOrEqual(ROUTING_MEMO_CELLS);
    expect(full.draws).toBeLessThanOrEqual(fit);
    // The first seed was used last but one: kept. The second was dropped long ago; the latest is kept.
    const hits = (seed: string) => {
      const h = routingMemoState().hits;
      expect(routeTokens(wide, 1, { seed })).toEqual(routeTokensFresh(wide, 1, { seed }));
      return routingMemoState().hits - h;
    };
    expect(hits(seeds[0]!)).toBe(1);
    expect(hits(seeds[seeds.length - 1]!)).toBe(1);
    expect(hits(seeds[1]!)).toBe(0);
  });

  it('does not keep a draw larger than an eighth of its bound', () => {
    const huge = { ...mixtral, layers: 512, experts: 1024, topK: 1 }; // 524,288 counts > 2^21 / 8
    const before = routingMemoState();
    expect(routeTokens(huge, 1, { seed: 'huge' })).toEqual(routeTokensFresh(huge, 1, { seed: 'huge' }));
    expect(routingMemoState().draws).toBe(before.draws);
    routeTokens(huge, 1, { seed: 'huge' });
    expect(routingMemoState().hits).toBe(before.hits);
  });
});

describe('uniform routing without the weighted scans', () => {
  // The weighted loop of src/compiler/lower.ts (drawRouting) with every weight 1, as lowering ran it before uniform
  // routing took the floor(u)-th untaken expert directly: the fast path must make the same picks from the same stream.
  const weightedLoop = (experts: number, topK: number, layers: number, tokens: number, seed: string): number[][] => {
    const rng = seedrandom(`moe.routing.${seed}`);
    const counts: number[][] = [];
    for (let layer = 0; layer < layers; layer++) {
      const perExpert = new Array<number>(experts).fill(0);
      for (let t = 0; t < tokens; t++) {
        const taken = new Uint8Array(experts);
        for (let pick = 0; pick < topK; pick++) {
          let total = 0;
          for (let e = 0; e < experts; e++) if (!taken[e]) total += 1;
          let u = rng() * total;
          let chosen = -1;
          for (let e = 0; e < experts; e++) {
            if (taken[e]) continue;
            chosen = e;
            u -= 1;
            if (u < 0) break;
          }
          taken[chosen] = 1;
          perExpert[chosen]! += 1;
        }
      }
      counts.push(perExpert);
    }
    return counts;
  };
  const mixtral = loadModel('mixtral-8x7b');

  it('picks as the weighted loop does, for 2 to 128 experts and top-1 to top-all (about 1.3 million picks)', () => {
    const shapes: Array<[number, number]> = [[2, 1], [2, 2], [8, 1], [8, 2], [8, 8], [16, 4], [64, 6], [128, 8], [40, 40]];
    let picks = 0;
    for (const [experts, topK] of shapes) {
      for (const seed of ['0.0', '0.1', 'x']) {
        const m = { ...mixtral, experts, topK, layers: 4 };
        const tokens = Math.ceil(40_000 / topK);
        expect(routeTokensFresh(m, tokens, { seed })).toEqual(weightedLoop(experts, topK, 4, tokens, seed));
        picks += 4 * tokens * topK;
      }
    }
    expect(picks).toBeGreaterThan(1_300_000);
  });
});

describe('RoutingStream: seedrandom\'s doubles', () => {
  it('gives the doubles seedrandom gives, in order, for routing seeds and odd ones (4.2 million draws)', () => {
    // A long seed (over 256 characters) and the empty one exercise seedrandom's key schedule at its edges; a double
    // needs an eighth byte about one time in 16 (a first byte under 16), so millions of draws cover that path often.
    const seeds = ['moe.routing.0', 'moe.routing.0.17', 'moe.routing.s.3', '', 'x'.repeat(300), 'moe.routing.template'];
    let draws = 0;
    let extraBytes = 0;
    for (const seed of seeds) {
      const a = seedrandom(seed);
      const b = new RoutingStream(seed);
      for (let k = 0; k < 700_000; k++) {
        const x = a();
        const y = b.next();
        if (x !== y) expect({ seed, k, y }).toEqual({ seed, k, y: x });
        if (x < 1 / 16) extraBytes++;
        draws++;
      }
    }
    expect(draws).toBe(4_200_000);
    expect(extraBytes).toBeGreaterThan(200_000);
  });
});
