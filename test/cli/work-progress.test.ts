import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workProgress } from '../../src/cli/progress.ts';
import { knownStandards } from '../../src/dram/standard.ts';
import { runMain } from '../helpers.ts';

/** Captures what a function writes to stderr. */
function stderrOf(fn: () => void): string {
  const out: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

describe('workProgress (issue #17: progress on every long command)', () => {
  it('off a terminal: nothing for a short run, then a line at most every 2 s, and the last unit always', () => {
    let t = 0;
    const text = stderrOf(() => {
      const p = workProgress('serve', 'requests finished', 100, { tty: false, now: () => t });
      for (let done = 1; done <= 100; done++) {
        t += 100; // 100 ms of work per request: 10 s in all
        p.update(done, `${done} s simulated`);
      }
      p.end();
    });
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('serve: 20 of 100 requests finished (20 s simulated)'); // first at 2 s
    expect(lines[lines.length - 1]).toBe('serve: 100 of 100 requests finished (100 s simulated)');
    expect(lines.length).toBe(5); // at 2, 4, 6, 8 and 10 s, never more often
  });

  it('prints nothing under 2 s, with --quiet, or for no work', () => {
    let t = 0;
    expect(stderrOf(() => { const p = workProgress('x', 'units', 10, { tty: false, now: () => t }); for (let i = 1; i <= 10; i++) { t += 150; p.update(i); } })).toBe('');
    expect(stderrOf(() => { const p = workProgress('x', 'units', 10, { tty: false, quiet: true, now: () => (t += 5000) }); p.update(5); p.update(10); })).toBe('');
    expect(stderrOf(() => workProgress('x', 'units', 0, { tty: false, now: () => (t += 5000) }).update(0))).toBe('');
  });

  it('on a terminal: a bar with done/total, rate and ETA, redrawn in place, cleared at the end', () => {
    let t = 0;
    const text = stderrOf(() => {
      const p = workProgress('pim generate', 'tokens', 4, { tty: true, now: () => t });
      for (let i = 1; i <= 4; i++) { t += 1000; p.update(i); }
      p.end();
    });
    expect(text).toMatch(/pim generate \[[^\]]*\] \d\/4 tokens · [\d.]+\/s · ETA \d+s/);
    expect(text).toContain('4/4 tokens');
  });
});

describe('the validation tables show progress (issue #18: every run longer than a few seconds)', () => {
  // The wall clock advances 1 s at each reading, so the 2 s before the first line pass during the run whatever the
  // machine's speed; the lines go to stderr (console.error is not used: stdout stays the Markdown table).
  function withClock<T>(fn: () => T): { result: T; err: string } {
    let t = 0;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => (t += 1000));
    let result!: T;
    try {
      const err = stderrOf(() => { result = fn(); });
      return { result, err };
    } finally {
      now.mockRestore();
    }
  }

  it('validate attacc: a line before a next row once 2 s have passed, none after the last (stdout unchanged)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attacc-progress-'));
    try {
      const f = join(dir, 'rows.csv');
      // Three small bank-level rows of AttAcc's format (L 64 and 128; the cycles are made up: only progress is read).
      writeFileSync(f, 'L,nhead,dhead,dbyte,pim_type,power_constraint,cycle,mac,softmax,mvgb,mvsb,wrgb\n64,16,128,2,BA,False,99999,256,32,256,384,128\n128,16,128,2,BA,False,99999,512,64,512,768,256\n64,16,128,2,BA,False,99999,256,32,256,384,128\n');
      const { result, err } = withClock(() => runMain(['validate', 'attacc', '--csv', f]));
      // Lines at most every 2 s of the (mocked) clock: the first row's line, perhaps not the second's.
      expect(err.split('\n')[0]).toBe('validate attacc: 1 of 3 rows (next: line 3, BA L=128)');
      for (const line of err.trimEnd().split('\n')) expect(line).toMatch(/^validate attacc: [12] of 3 rows \(next: line [34], BA L=\d+\)$/);
      expect(result.out).toBe(runMain(['validate', 'attacc', '--csv', f]).out);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('validate peak: a line before each next preset once 2 s have passed', () => {
    const { result, err } = withClock(() => runMain(['validate', 'peak']));
    expect(result.code).toBe(0);
    const names = knownStandards();
    const lines = err.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2); // at most one every 2 s of the clock
    expect(lines[0]).toBe(`validate peak: 1 of ${names.length} runs (next: ${names[1]} streaming)`);
    for (const line of lines) expect(names.slice(1).map((n, i) => `validate peak: ${i + 1} of ${names.length} runs (next: ${n} streaming)`)).toContain(line);
  }, 60_000);
});
