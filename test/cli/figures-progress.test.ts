import { describe, it, expect } from 'vitest';
import { Writable } from 'node:stream';
import { FiguresProgress } from '../../src/cli/figures-progress.ts';

/** A progress that prints plain lines into an array, on a clock that moves 100 ms per unit. */
function plain(total: number, quiet = false) {
  const lines: string[] = [];
  let t = 0;
  const p = new FiguresProgress(total, { tty: false, quiet, write: (l) => lines.push(l), now: () => t });
  const step = (label: string) => {
    t += 100;
    p.step(label);
  };
  return { p, lines, step };
}

describe('strata figures progress (issue #17: sparse plain lines, a bar with ETA on a terminal)', () => {
  it('a cold run of 304 units prints a line at each tenth, not one per unit, and a line per set written or failed', () => {
    const { p, lines, step } = plain(300);
    for (let i = 0; i < 150; i++) step(`neupims: case ${i}`);
    p.setDone('neupims', 150, 'out/figures/data/neupims.json');
    p.grow(4); // a second round found later
    for (let i = 0; i < 153; i++) step(`sensitivity: end ${i}`);
    p.setFailed('sensitivity', 'figures: sensitivity: end 3: boom\n  at a stack frame');
    step('dramsim3: charts and tables');
    p.end();
    const unitLines = lines.filter((l) => / units in /.test(l));
    // tenths 0..10 of the work: at most 11 lines for any number of units
    expect(unitLines.length).toBe(11);
    expect(unitLines[0]).toBe('figures: 1/300 units in 0.1 s (last: neupims: case 0)');
    expect(unitLines.at(-1)).toBe('figures: 304/304 units in 30.4 s (last: dramsim3: charts and tables)');
    expect(lines).toContain('figures: neupims done, 150 units, at 15.0 s: out/figures/data/neupims.json');
    // a failure: one line, its first line only (the command reports the whole error at the end)
    expect(lines).toContain('figures: sensitivity failed at 30.3 s: figures: sensitivity: end 3: boom');
    expect(lines).toHaveLength(13);
  });

  it('prints nothing with --quiet', () => {
    const { p, lines, step } = plain(10, true);
    for (let i = 0; i < 10; i++) step(`u${i}`);
    p.setDone('x', 10, 'f');
    p.setFailed('y', 'why');
    p.end();
    expect(lines).toEqual([]);
  });

  it('on a terminal draws one bar with done/total and the time left, with set lines above it and no plain lines', () => {
    let text = '';
    const stream = new Writable({ write: (chunk, _, done) => { text += String(chunk); done(); } }) as Writable & { isTTY?: boolean; columns?: number };
    stream.isTTY = true;
    stream.columns = 120;
    const lines: string[] = [];
    const p = new FiguresProgress(4, { tty: true, write: (l) => lines.push(l), stream });
    p.step('neupims: case 0');
    p.setDone('neupims', 1, 'data/neupims.json');
    p.step('neupims: charts and tables');
    p.end();
    expect(lines).toEqual([]);
    expect(text).toMatch(/figures \[[^\]]+\] 1\/4 units · ETA \S+ · neupims: case 0/);
    expect(text).toContain('figures: neupims done, 1 unit, at ');
  });
});
