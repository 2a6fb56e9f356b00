import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/compiler/model.ts';
import { loadAsic } from '../../src/pim/asic.ts';
import { loadPimSpec } from '../../src/pim/pim-spec.ts';
import { loadPimGptSystem, pimGptGenerate, pimGptTimingRuns, PRICE_FIELDS, type PimGptGeneration, type PimGptSystem } from '../../src/systems/pim-gpt/pim-gpt.ts';
import { canonicalKey, HiddenFields, TimingCache } from '../../src/spec/timing-cache.ts';

const system = loadPimGptSystem();
const gpt2 = loadModel('gpt2-small');
/** A short generation (2 prompt + 2 generated tokens: every op kind, a growing KV cache). */
const generate = (s: PimGptSystem, uncached = false) => pimGptGenerate(s, gpt2, 2, 2, uncached ? { onToken: () => {} } : {});
/** What timing decides: everything of a generation but the energy. */
const timingOf = (g: PimGptGeneration) => ({ ...g, generated: g.generated.map(({ energy: _, ...t }) => t) });

/** Every number below `v` times 3 (a price field is a number or an object of numbers: power, pathEnergy). */
function tripled(v: unknown): unknown {
  if (typeof v === 'number') return v * 3;
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tripled(x)]));
  return v;
}

/** `system` with one price field (`where` of PRICE_FIELDS, `field`) tripled. */
function withPrice(where: keyof typeof PRICE_FIELDS, field: string): PimGptSystem {
  const bump = <T extends object>(o: T): T => ({ ...o, [field]: tripled((o as Record<string, unknown>)[field]) });
  if (where === 'pim.standard') return { ...system, pim: { ...system.pim, standard: bump(system.pim.standard) } };
  if (where === 'pim') return { ...system, pim: bump(system.pim) };
  if (where === 'link') return { ...system, link: bump(system.link) };
  return { ...system, asic: bump(system.asic) };
}

const priceFields = Object.entries(PRICE_FIELDS).flatMap(([where, fields]) => fields.map((f) => [where as keyof typeof PRICE_FIELDS, f] as const));

describe('PIM-GPT timing runs kept and priced again', () => {
  it('no field listed as a price field changes the timing of a fresh simulation (if one did, this fails and the field must leave the list)', () => {
    const shipped = timingOf(generate(system, true));
    for (const [where, field] of priceFields) {
      const changed = generate(withPrice(where, field), true);
      expect(timingOf(changed), `${where}.${field}`).toEqual(shipped);
    }
  });

  it('a generation that differs only in price fields reuses the kept timing and prices it exactly as a fresh simulation does', () => {
    generate(system);
    for (const [where, field] of priceFields) {
      const s = withPrice(where, field);
      const before = pimGptTimingRuns();
      const kept = generate(s);
      const after = pimGptTimingRuns();
      expect(after.simulated, `${where}.${field} simulated again`).toBe(before.simulated);
      expect(after.reused).toBe(before.reused + 1);
      expect(kept, `${where}.${field}`).toEqual(generate(s, true));
    }
    // The MAC energy reaches the energy: 3x the pJ per MAC is 3x the MAC energy of every token.
    const mac = generate(withPrice('pim', 'macPj'));
    generate(system).generated.forEach((t, i) => expect(mac.generated[i]!.energy.mac).toBeCloseTo(3 * t.energy.mac, 6));
  });

  it('a field that reaches timing is in the key: tMACRD, the ASIC clock and the link latency each simulate again', () => {
    const shipped = generate(system);
    const variants: PimGptSystem[] = [
      { ...system, pim: loadPimSpec(system.pim.file, { timing: { tMACRD: 16 } }) },
      { ...system, asic: { ...loadAsic(system.asic.file), clockPs: 2000 } },
      { ...system, link: { ...system.link, latencyPs: 5000 } },
    ];
    for (const s of variants) {
      const before = pimGptTimingRuns().simulated;
      const g = generate(s);
      expect(pimGptTimingRuns().simulated).toBe(before + 1);
      expect(g.meanTokenPs).toBeGreaterThan(shipped.meanTokenPs);
      expect(g).toEqual(generate(s, true));
    }
  });
});

describe('timing cache', () => {
  it('puts a hidden field that a run reads into its key: a run with another value of it runs again', () => {
    const cache = new TimingCache<number>();
    const run = (energy: number) => {
      const hidden = new HiddenFields();
      const spec = hidden.hide({ cycles: 10, energy }, 'spec', ['energy']);
      // This "timing" reads the hidden field: its result depends on it.
      return cache.get(canonicalKey(spec), (path) => (path === 'spec.energy' ? canonicalKey(energy) : ''), hidden, () => spec.cycles * spec.energy);
    };
    expect(run(2)).toBe(20);
    expect(run(3)).toBe(30);
    expect(run(2)).toBe(20);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 2 });
  });

  it('reuses a run that never read the hidden field, whatever its value', () => {
    const cache = new TimingCache<number>();
    const run = (energy: number) => {
      const hidden = new HiddenFields();
      const spec = hidden.hide({ cycles: 10, energy }, 'spec', ['energy']);
      return cache.get(canonicalKey(spec), () => canonicalKey(energy), hidden, () => spec.cycles);
    };
    expect([run(2), run(3), run(4)]).toEqual([10, 10, 10]);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 1 });
  });

  it('keys plain data only, telling apart values JSON would merge', () => {
    expect(canonicalKey({ b: 1, a: [NaN, Infinity, -0, 0] })).toBe('{"a":[NaN,Infinity,-0,0],"b":1}');
    expect(canonicalKey({ a: 1, b: 2 })).toBe(canonicalKey({ b: 2, a: 1 }));
    expect(canonicalKey(new Float64Array([1, 2]))).not.toBe(canonicalKey(new Int32Array([1, 2])));
    expect(() => canonicalKey({ m: new Map() })).toThrow(/plain data only, found a Map at \$\.m/);
    expect(() => canonicalKey({ f: () => 1 })).toThrow(/plain data only, found a function at \$\.f/);
  });

  it('keeps the most recently used runs only', () => {
    const cache = new TimingCache<string>(2);
    const get = (k: string) => cache.get(k, () => '', new HiddenFields(), () => k);
    ['a', 'b', 'a', 'c', 'a', 'b'].forEach(get);
    // a, b kept; c pushes out b (a was used later); a is still kept; b runs again.
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 4 });
  });
});
