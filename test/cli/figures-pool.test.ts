import { describe, expect, it } from 'vitest';
import { FigureUnitRunner, pickUnit } from '../../src/cli/figures-pool.ts';
import type { FigureChoices } from '../../src/cli/figures.ts';

/**
 * Plays pickUnit as the runner does: units of known cost, each thread taking its next unit when it has finished
 * the last (ties: the lower thread first). Returns each thread's units in order and when each thread finished.
 */
function play(units: ReadonlyArray<{ name: string; key?: string; cost: number }>, threads: number) {
  const waiting = units.map((u) => ({ ...u, key: u.key }));
  const warm = Array.from({ length: threads }, () => new Set<string>());
  const free = Array.from({ length: threads }, () => 0);
  const ran: string[][] = Array.from({ length: threads }, () => []);
  while (waiting.length) {
    const t = free.indexOf(Math.min(...free));
    const [u] = waiting.splice(pickUnit(waiting, t, warm), 1);
    if (u!.key !== undefined) warm[t]!.add(u!.key);
    ran[t]!.push(u!.name);
    free[t]! += u!.cost;
  }
  return { ran, free };
}

describe('figures pool: a key\'s units on one thread, every thread busy (pickUnit)', () => {
  it('an idle thread takes its own key first, then a unit of no key or of a key no thread has run, then another thread\'s key', () => {
    const warm = [new Set(['a']), new Set(['b'])];
    const q = (...keys: Array<string | undefined>) => keys.map((key) => ({ key }));
    expect(pickUnit(q('b', undefined, 'a'), 0, warm)).toBe(2); // its own key, though later in the queue
    expect(pickUnit(q('b', 'c', undefined), 0, warm)).toBe(1); // a key no thread has run yet: it takes it
    expect(pickUnit(q('b', 'b', undefined), 0, warm)).toBe(2); // no key
    expect(pickUnit(q('b', 'b'), 0, warm)).toBe(0); // only thread 1's key waits: taken rather than idle
    expect(pickUnit([], 0, warm)).toBe(-1);
  });

  it('two models of four units each and unkeyed work: each model stays on one thread while neither idles', () => {
    const units = [
      { name: 'x1', cost: 4 }, { name: 'x2', cost: 4 },
      ...[1, 2, 3, 4].map((i) => ({ name: `a${i}`, key: 'a', cost: 1 })),
      ...[1, 2, 3, 4].map((i) => ({ name: `b${i}`, key: 'b', cost: 1 })),
    ];
    const { ran, free } = play(units, 2);
    expect(ran).toEqual([['x1', 'a1', 'a2', 'a3', 'a4'], ['x2', 'b1', 'b2', 'b3', 'b4']]);
    expect(free).toEqual([8, 8]);
  });

  it('one key left at the end: the idle thread takes its units (balanced, the memo built twice)', () => {
    const units = [{ name: 'x', cost: 1 }, ...[1, 2, 3, 4, 5, 6].map((i) => ({ name: `a${i}`, key: 'a', cost: 2 }))];
    const { ran, free } = play(units, 2);
    expect(ran).toEqual([['x', 'a2', 'a4', 'a6'], ['a1', 'a3', 'a5']]);
    expect(Math.max(...free) - Math.min(...free)).toBeLessThanOrEqual(2);
  });

  it('STRATA_FIGURES_AFFINITY takes 0 or 1 and refuses anything else in one line', () => {
    const choices = {} as FigureChoices;
    expect(() => new FigureUnitRunner(choices, 1, { STRATA_FIGURES_AFFINITY: '0' })).not.toThrow();
    expect(() => new FigureUnitRunner(choices, 1, { STRATA_FIGURES_AFFINITY: 'yes' })).toThrow("STRATA_FIGURES_AFFINITY: expected 1 (a key's units on one thread, the default) or 0 (any thread), got 'yes'");
  });
});
