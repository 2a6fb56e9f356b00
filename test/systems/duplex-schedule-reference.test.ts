import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { coSchedule, type CoItem, type CoSchedule } from '../../src/systems/duplex/duplex-schedule.ts';

// coSchedule was rewritten for speed (state in typed arrays, invariant messages built only on failure); it must give
// the schedule the earlier loop gave, to the picosecond. `reference` is that loop as it stood (commit 1a96ae5 of
// src/systems/duplex/duplex-schedule.ts), without its input checks.
function reference(items: readonly CoItem[], arrayBytesPerPs: number): CoSchedule {
  const n = items.length;
  const queues: number[][] = [[], []];
  items.forEach((it, i) => queues[it.device]!.push(i));
  const startPs = new Array<number>(n).fill(-1);
  const endPs = new Array<number>(n).fill(-1);
  const head = [0, 0];
  const running = [-1, -1];
  const inBody = [false, false];
  const rem = [0, 0];
  const busy: [number, number] = [0, 0];
  let overlapPs = 0;
  let contendedPs = 0;
  let t = 0;
  let done = 0;
  const ready = (i: number) => items[i]!.deps.every((d) => endPs[d]! >= 0);
  while (done < n) {
    let changed = true;
    while (changed) {
      changed = false;
      for (const dev of [0, 1] as const) {
        if (running[dev]! >= 0) {
          const i = running[dev]!;
          if (!inBody[dev] && rem[dev]! <= 1e-6) {
            inBody[dev] = true;
            rem[dev] = items[i]!.bodyPs;
          }
          if (inBody[dev] && rem[dev]! <= 1e-6) {
            endPs[i] = t;
            running[dev] = -1;
            done++;
            changed = true;
          }
          continue;
        }
        const q = queues[dev]!;
        if (head[dev]! < q.length && ready(q[head[dev]!]!)) {
          const i = q[head[dev]!++]!;
          running[dev] = i;
          startPs[i] = t;
          inBody[dev] = false;
          rem[dev] = items[i]!.launchPs;
          changed = true;
        }
      }
    }
    if (done === n) break;
    let demand = 0;
    for (const dev of [0, 1]) {
      const i = running[dev]!;
      if (i >= 0 && inBody[dev]) demand += items[i]!.bytes / items[i]!.bodyPs;
    }
    const share = demand > arrayBytesPerPs ? arrayBytesPerPs / demand : 1;
    const rate = [0, 0];
    let dt = Infinity;
    for (const dev of [0, 1]) {
      if (running[dev]! < 0) continue;
      rate[dev] = inBody[dev] ? share : 1;
      dt = Math.min(dt, rem[dev]! / rate[dev]!);
    }
    const step = Math.max(1, Math.ceil(dt - 1e-9));
    for (const dev of [0, 1]) {
      if (running[dev]! < 0) continue;
      rem[dev] = Math.max(0, rem[dev]! - rate[dev]! * step);
      busy[dev]! += step;
    }
    if (running[0]! >= 0 && running[1]! >= 0 && inBody[0] && inBody[1]) {
      overlapPs += step;
      if (share < 1) contendedPs += step;
    }
    t += step;
  }
  return { startPs, endPs, makespanPs: t, busyPs: busy, overlapPs, contendedPs };
}

/** Random segments like the step coster's: chains and fans on both processors, zero launches and bodies, fractional times. */
function randomItems(rng: () => number, n: number, arrayBytesPerPs: number, only?: 0 | 1): CoItem[] {
  const items: CoItem[] = [];
  for (let i = 0; i < n; i++) {
    const deps: number[] = [];
    for (let d = 0; d < i; d++) if (rng() < 2 / (i + 1)) deps.push(d);
    const bodyPs = rng() < 0.1 ? 0 : rng() < 0.5 ? Math.floor(rng() * 1e6) + 1 : rng() * 1e5 + 0.5;
    // At most the array's bandwidth, as coSchedule requires; often near it, so two bodies contend; now and then a hair
    // over it (coSchedule allows 1e-9), so even a body alone runs at the array's rate.
    const r = rng();
    const bytes = bodyPs === 0 ? 0 : r < 0.05 ? bodyPs * arrayBytesPerPs * (1 + 5e-10) : Math.floor(bodyPs * arrayBytesPerPs * (0.3 + 0.7 * r));
    const device = rng() < 0.5 ? 0 : 1;
    items.push({ device: only ?? device, deps, launchPs: rng() < 0.3 ? 0 : Math.floor(rng() * 5000), bodyPs, bytes });
  }
  return items;
}

describe('coSchedule against the loop it replaced', () => {
  it('gives the same starts, ends, makespan, busy, overlap and contended time on 3,000 random segments', () => {
    const rng = seedrandom('co-schedule-reference');
    let contended = 0;
    for (let k = 0; k < 3000; k++) {
      const array = [0.5, 1.7, 40][k % 3]!;
      const items = randomItems(rng, 1 + Math.floor(rng() * 40), array);
      for (const a of [array, Infinity]) {
        const got = coSchedule(items, a);
        expect(got).toEqual(reference(items, a));
        if (got.contendedPs > 0) contended++;
      }
    }
    // The shared-array path was exercised, not only the free one.
    expect(contended).toBeGreaterThan(500);
  });

  it('gives the same schedule when every item runs on one processor (its own path), with times up to 10^11 ps', () => {
    const rng = seedrandom('co-schedule-one-processor');
    for (let k = 0; k < 2000; k++) {
      const array = [0.5, 1.7, 40][k % 3]!;
      const items = randomItems(rng, Math.floor(rng() * 40), array, k % 2 === 0 ? 0 : 1);
      // Long bodies too (to 10^11 ps), where the rounding of rem / share in a step is largest.
      const scaled = k % 5 === 0 ? items.map((it) => ({ ...it, bodyPs: it.bodyPs * 1e5, bytes: it.bytes * 1e5 })) : items;
      for (const a of [array, Infinity]) expect(coSchedule(scaled, a)).toEqual(reference(scaled, a));
    }
  });

  it('still names a broken input in one line', () => {
    expect(() => coSchedule([{ device: 0, deps: [1], launchPs: 0, bodyPs: 1, bytes: 0 }, { device: 1, deps: [], launchPs: 0, bodyPs: 1, bytes: 0 }], 1))
      .toThrow('internal invariant broken: co-scheduled item 0 depends on an earlier item (dep 1)');
    expect(() => coSchedule([{ device: 0, deps: [], launchPs: 0, bodyPs: 1, bytes: 5 }], 1)).toThrow("item 0 moves at most the DRAM array's bandwidth");
  });
});
