import { describe, it, expect, afterEach, vi } from 'vitest';
import { timedProgress } from '../../src/cli/progress.ts';

// Hostile use of the command line (issue #18): every failure is one line on stderr with exit 2, every long run
// shows progress.

afterEach(() => vi.restoreAllMocks());

describe('progress of a long dram run', () => {
  it('stays quiet for 3 s, then prints at most one line every 2 s of wall-clock time', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    let ms = 0;
    const progress = timedProgress('dram', () => ms);
    for (const [t, cycle] of [[1000, 10], [2999, 20], [3000, 30], [4000, 40], [5000, 50], [7500, 120]] as const) {
      ms = t;
      progress(cycle, 100);
    }
    expect(lines).toEqual([
      'dram: simulated cycle 30 of at least 100 (30 % of the trace\'s span)\n',
      'dram: simulated cycle 50 of at least 100 (50 % of the trace\'s span)\n',
      'dram: simulated cycle 120 of at least 100 (draining the last requests)\n',
    ]);
  });
});
