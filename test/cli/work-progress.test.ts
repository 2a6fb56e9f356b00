import { describe, expect, it, vi } from 'vitest';
import { workProgress } from '../../src/cli/progress.ts';

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
