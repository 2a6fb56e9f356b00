import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Simulator, type Component } from '../../src/kernel/simulator.ts';
import { EventQueue } from '../../src/kernel/event-queue.ts';
import { clockDomain, cycleAt, edgePs, nextEdgePs, type ClockDomain } from '../../src/kernel/clock.ts';

type Wake = [name: string, timePs: number];

/** A component that records its wake-ups in a shared log and then runs `then`, if given. */
function recorder(name: string, log: Wake[], then?: (nowPs: number) => void): Component {
  return {
    name,
    wake(nowPs: number) {
      log.push([name, nowPs]);
      then?.(nowPs);
    },
  };
}

describe('Simulator: event order', () => {
  it('runs wake-ups in time order, whatever the order they were scheduled in', () => {
    const { sim, log, a } = oneComponent();
    const b = sim.add(recorder('b', log));
    const c = sim.add(recorder('c', log));
    sim.wakeAt(a, 300);
    sim.wakeAt(b, 100);
    sim.wakeAt(c, 200);
    sim.run();
    expect(log).toEqual([['b', 100], ['c', 200], ['a', 300]]);
    expect(sim.nowPs).toBe(300);
  });

  it('breaks ties at equal times by insertion sequence, not by component handle', () => {
    const { sim, log, a } = oneComponent();
    const b = sim.add(recorder('b', log));
    const c = sim.add(recorder('c', log));
    // Scheduled c, a, b: all at 100 ps, so they run in that order.
    sim.wakeAt(c, 100);
    sim.wakeAt(a, 100);
    sim.wakeAt(b, 100);
    sim.run();
    expect(log).toEqual([['c', 100], ['a', 100], ['b', 100]]);
  });

  it('runs a wake-up scheduled for the current time after those already queued for that time', () => {
    const sim = new Simulator();
    const log: Wake[] = [];
    const handles: number[] = [];
    // a, at 100 ps, asks for b at 100 ps too; c was queued for 100 ps before that, so c runs first.
    handles.push(sim.add(recorder('a', log, (now) => sim.wakeAt(handles[1]!, now))));
    handles.push(sim.add(recorder('b', log)));
    handles.push(sim.add(recorder('c', log)));
    sim.wakeAt(handles[0]!, 100);
    sim.wakeAt(handles[2]!, 100);
    sim.run();
    expect(log).toEqual([['a', 100], ['c', 100], ['b', 100]]);
  });

  it('rejects a wake-up in the past or at a fractional picosecond', () => {
    const { sim, log, a } = oneComponent();
    sim.run(1000);
    expect(() => sim.wakeAt(a, 999)).toThrow(/wake-up of 'a' at 999 ps, now is 1000 ps/);
    expect(() => sim.wakeAt(a, 1000.5)).toThrow(RangeError);
    expect(() => sim.wakeAt(a, NaN)).toThrow(RangeError);
  });
});

/** A simulator with one recording component `a`. */
function oneComponent(): { sim: Simulator; log: Wake[]; a: number } {
  const sim = new Simulator();
  const log: Wake[] = [];
  return { sim, log, a: sim.add(recorder('a', log)) };
}

describe('Simulator: one pending wake-up per component', () => {
  it.each([
    ['later', 500, 100],
    ['earlier', 100, 500],
  ])('a newer wakeAt supersedes an older, %s one: the old one never fires', (_, older, newer) => {
    const { sim, log, a } = oneComponent();
    sim.wakeAt(a, older);
    sim.wakeAt(a, newer);
    expect(sim.pendingWakePs(a)).toBe(newer);
    sim.run();
    expect(log).toEqual([['a', newer]]);
  });

  it('wakeNoLaterThan keeps an earlier pending wake-up and replaces a later one', () => {
    const { sim, log, a } = oneComponent();
    sim.wakeAt(a, 200);
    sim.wakeNoLaterThan(a, 300); // 200 is earlier: kept
    expect(sim.pendingWakePs(a)).toBe(200);
    sim.wakeNoLaterThan(a, 200); // equal: kept
    expect(sim.pendingWakePs(a)).toBe(200);
    sim.wakeNoLaterThan(a, 150); // 150 is earlier: replaces
    expect(sim.pendingWakePs(a)).toBe(150);
    sim.run();
    expect(log).toEqual([['a', 150]]);
  });

  it('wakeNoLaterThan schedules when nothing is pending', () => {
    const { sim, log, a } = oneComponent();
    expect(sim.pendingWakePs(a)).toBe(Infinity);
    sim.wakeNoLaterThan(a, 700);
    sim.run();
    expect(log).toEqual([['a', 700]]);
  });

  it('cancel drops the pending wake-up; a later wakeAt works again', () => {
    const { sim, log, a } = oneComponent();
    const b = sim.add(recorder('b', log));
    sim.wakeAt(a, 100);
    sim.wakeAt(b, 200);
    sim.cancel(a);
    expect(sim.pendingWakePs(a)).toBe(Infinity);
    sim.run();
    expect(log).toEqual([['b', 200]]);
    sim.wakeAt(a, 300);
    sim.run();
    expect(log).toEqual([['b', 200], ['a', 300]]);
  });

  it('the pending time is cleared (Infinity) while the component runs', () => {
    const sim = new Simulator();
    const seen: number[] = [];
    let a = -1;
    a = sim.add({ name: 'a', wake: () => seen.push(sim.pendingWakePs(a)) });
    sim.wakeAt(a, 10);
    sim.run();
    expect(seen).toEqual([Infinity]);
  });
});

describe('Simulator: run(untilPs) and stop', () => {
  it('does not run events at untilPs and sets nowPs to untilPs; a second run continues', () => {
    const { sim, log, a } = oneComponent();
    const b = sim.add(recorder('b', log));
    sim.wakeAt(a, 100);
    sim.wakeAt(b, 200);
    sim.run(200);
    expect(log).toEqual([['a', 100]]);
    expect(sim.nowPs).toBe(200);
    sim.run();
    expect(log).toEqual([['a', 100], ['b', 200]]);
  });

  it('advances nowPs to untilPs even with no events', () => {
    const sim = new Simulator();
    sim.run(5000);
    expect(sim.nowPs).toBe(5000);
  });

  it('stop ends run after the current event', () => {
    const sim = new Simulator();
    const log: Wake[] = [];
    const a = sim.add(recorder('a', log, () => sim.stop()));
    const b = sim.add(recorder('b', log));
    sim.wakeAt(a, 100);
    sim.wakeAt(b, 200);
    sim.run(1000);
    expect(log).toEqual([['a', 100]]);
    // stopped: nowPs stays at the last event, not at untilPs
    expect(sim.nowPs).toBe(100);
    sim.run();
    expect(log).toEqual([['a', 100], ['b', 200]]);
  });
});

describe('Simulator: nothing runs while idle', () => {
  it('a component that schedules nothing is never woken again', () => {
    const { sim, log, a } = oneComponent();
    sim.wakeAt(a, 0);
    sim.run(1e12);
    expect(log).toEqual([['a', 0]]);
    expect(sim.nowPs).toBe(1e12);
  });

  it('a jump of 1e12 ps costs one wake-up, not one per cycle', () => {
    const sim = new Simulator();
    let wakes = 0;
    let a = -1;
    // Wakes at 0, asks for 1e12 ps, then stops asking: exactly 2 wake-ups over 1e12 ps.
    a = sim.add({
      name: 'sleeper',
      wake: (now) => {
        wakes++;
        if (now === 0) sim.wakeAt(a, 1e12);
      },
    });
    sim.wakeAt(a, 0);
    sim.run();
    expect(wakes).toBe(2);
    expect(sim.nowPs).toBe(1e12);
  });
});

describe('Simulator: a scan of few components, the event queue for many', () => {
  /**
   * Runs a scripted scenario on `active` components and returns the wake-up log. Each wake-up takes the next step
   * of the script (whatever component wakes), so two runs that wake in different orders diverge. `pad` idle
   * components are added after the active ones (none: the kernel scans; past 16 in all: it uses its event queue),
   * at the start or, with `padMidRun`, during the first wake-up (the pending wake-ups then move into the queue).
   */
  function scripted(active: number, steps: readonly (readonly [number, number, number])[], pad: number, padMidRun: boolean): Wake[] {
    const sim = new Simulator();
    const log: Wake[] = [];
    let step = 0;
    const addPadding = (): void => {
      for (let i = 0; i < pad; i++) sim.add(recorder(`idle${i}`, log));
    };
    for (let k = 0; k < active; k++) {
      sim.add(
        recorder(`c${k}`, log, (now) => {
          if (padMidRun && step === 0) addPadding();
          // Up to 2 steps a wake: (target, delay in 100 ps, action: 0 cancel, 1 wakeAt, 2 wakeNoLaterThan).
          for (let j = 0; j < 2 && step < steps.length; j++, step++) {
            const [target, delay, action] = steps[step]!;
            const h = target % active;
            if (action === 0) sim.cancel(h);
            else if (action === 1) sim.wakeAt(h, now + 100 * delay);
            else sim.wakeNoLaterThan(h, now + 100 * delay);
          }
        }),
      );
    }
    if (!padMidRun) addPadding();
    // Every active component starts at 0 or 100 ps, in an order that differs from the handles' (ties by sequence).
    for (let k = active - 1; k >= 0; k--) sim.wakeAt(k, 100 * (k % 2));
    sim.run();
    return log;
  }

  it('property: the scan wakes components in the event queue\'s order (time, then the order the wake-ups were asked for)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.tuple(fc.nat(5), fc.nat(3), fc.integer({ min: 0, max: 2 })), { minLength: 5, maxLength: 60 }),
        (active, steps) => {
          const scanned = scripted(active, steps, 0, false);
          // The active components alone are scanned; with 17 idle ones beside them the queue orders them.
          expect(scripted(active, steps, 17, false)).toEqual(scanned);
          expect(scripted(active, steps, 17, true)).toEqual(scanned);
        },
      ),
      { seed: 19, numRuns: 200 },
    );
  });

  it('a planted scenario: ties at one time run in the order asked, not by handle, in both ways', () => {
    // c2 then c0 asked for 300 ps by c1's and c0's steps; the log must keep that order in both ways.
    const steps: [number, number, number][] = [[2, 3, 1], [0, 3, 1], [1, 0, 0], [1, 0, 0]];
    // c2's steps move c0's pending wake-up from 0 to 300 ps (one pending wake-up per component).
    const expected: Wake[] = [['c2', 0], ['c1', 100], ['c2', 300], ['c0', 300]];
    expect(scripted(3, steps, 0, false)).toEqual(expected);
    expect(scripted(3, steps, 17, false)).toEqual(expected);
  });
});

describe('clock domains', () => {
  const d769 = clockDomain('mem', 769);

  it('maps times to cycles and edges', () => {
    // edges of a 769 ps clock: 0, 769, 1538, ...; an edge belongs to the cycle it starts
    expect(cycleAt(d769, 0)).toBe(0);
    expect(cycleAt(d769, 768)).toBe(0);
    expect(cycleAt(d769, 769)).toBe(1);
    expect(nextEdgePs(d769, 769)).toBe(769);
    expect(nextEdgePs(d769, 770)).toBe(1538);
    expect(edgePs(d769, 3)).toBe(2307); // 3 x 769
  });

  it('rejects a period that is not a positive whole number of ps', () => {
    expect(() => clockDomain('x', 0)).toThrow(/clock 'x': period must be a positive integer number of ps, got 0/);
    expect(() => clockDomain('x', -5)).toThrow(RangeError);
    expect(() => clockDomain('x', 1.5)).toThrow(RangeError);
    expect(Object.isFrozen(d769)).toBe(true);
  });

  it('components in 1000, 769 and 1250 ps domains wake on their own edges, interleaved in time order', () => {
    const domains: ClockDomain[] = [clockDomain('core', 1000), clockDomain('mem', 769), clockDomain('io', 1250)];
    // 769 is prime, lcm(1000, 1250) = 5000, so all three edges coincide first at 5000 x 769 = 3 845 000 ps.
    const lcmPs = 3_845_000;
    const sim = new Simulator();
    const log: Wake[] = [];
    const handles: number[] = [];
    for (const d of domains) {
      const i = handles.length;
      handles.push(
        sim.add(
          recorder(d.name, log, (now) => {
            // on an edge of its own domain
            expect(now).toBe(edgePs(d, cycleAt(d, now)));
            sim.wakeAt(handles[i]!, nextEdgePs(d, now + 1));
          }),
        ),
      );
      sim.wakeAt(handles[i]!, 0);
    }
    sim.run(lcmPs + 1);

    // Edges in [0, lcm]: lcm / period + 1 each.
    const count = (name: string) => log.filter(([n]) => n === name).length;
    expect(count('core')).toBe(3846); // 3 845 000 / 1000 + 1
    expect(count('mem')).toBe(5001); // 3 845 000 / 769 + 1
    expect(count('io')).toBe(3077); // 3 845 000 / 1250 + 1

    // Time order overall: the wake times are exactly the sorted union of the three edge sets.
    const times = log.map(([, t]) => t);
    const expected = domains.flatMap((d) => Array.from({ length: lcmPs / d.periodPs + 1 }, (_, k) => k * d.periodPs));
    expected.sort((x, y) => x - y);
    expect(times).toEqual(expected);

    // At time 0 all were scheduled in handle order: core, mem, io.
    expect(log.slice(0, 3)).toEqual([['core', 0], ['mem', 0], ['io', 0]]);
    // At 5000 ps (common edge of 1000 and 1250): io asked at 3750, core at 4000, so io runs first.
    expect(log.filter(([, t]) => t === 5000)).toEqual([['io', 5000], ['core', 5000]]);
    // At the LCM: io asked at lcm - 1250, core at lcm - 1000, mem at lcm - 769: that is the order.
    expect(log.slice(-3)).toEqual([['io', lcmPs], ['core', lcmPs], ['mem', lcmPs]]);
    expect(sim.nowPs).toBe(lcmPs + 1);
  });
});

describe('EventQueue', () => {
  /** Pops everything as [time, target] pairs. */
  function drain(q: EventQueue): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    while (q.peekTime() !== Infinity) {
      out.push([q.peekTime(), q.peekTarget()]);
      q.pop();
    }
    return out;
  }

  it('is empty at first: peekTime is Infinity', () => {
    const q = new EventQueue();
    expect(q.peekTime()).toBe(Infinity);
    expect(q.size).toBe(0);
  });

  it('keeps targets and tokens with their events, across growth beyond the initial 64 entries', () => {
    const q = new EventQueue();
    for (let i = 0; i < 200; i++) q.push(1000 - i, i, i * 10);
    expect(q.size).toBe(200);
    expect(q.peekTime()).toBe(801); // 1000 - 199
    expect(q.peekTarget()).toBe(199);
    expect(q.peekToken()).toBe(1990);
  });

  it('property: pops yield non-decreasing times, ties in push order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), (times) => {
        const q = new EventQueue();
        // target = push index, so push order among ties is visible
        times.forEach((t, i) => q.push(t, i, 0));
        const popped = drain(q);
        expect(popped.length).toBe(times.length);
        for (let k = 1; k < popped.length; k++) {
          const [t0, i0] = popped[k - 1]!;
          const [t1, i1] = popped[k]!;
          expect(t1 >= t0).toBe(true);
          if (t1 === t0) expect(i1 > i0).toBe(true);
        }
      }),
    );
  });

  it('property: interleaved pushes and pops match a stable sort by (time, push order)', () => {
    const op = fc.oneof(fc.record({ push: fc.integer({ min: 0, max: 1e12 }) }), fc.record({ push: fc.integer({ min: 0, max: 5 }) }), fc.constant({ pop: true as const }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const q = new EventQueue();
        const model: Array<[number, number]> = [];
        let seq = 0;
        for (const o of ops) {
          if ('push' in o) {
            q.push(o.push, seq, seq);
            model.push([o.push, seq]);
            seq++;
          } else if (model.length > 0) {
            let best = 0;
            for (let k = 1; k < model.length; k++) {
              const [t, s] = model[k]!;
              const [bt, bs] = model[best]!;
              if (t < bt || (t === bt && s < bs)) best = k;
            }
            const [bt, bs] = model.splice(best, 1)[0]!;
            expect([q.peekTime(), q.peekTarget(), q.peekToken()]).toEqual([bt, bs, bs]);
            q.pop();
          }
        }
        expect(q.size).toBe(model.length);
      }),
    );
  });
});
