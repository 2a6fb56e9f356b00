import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePattern } from '../../src/dram/patterns.ts';
import { formatTrace } from '../../src/dram/trace.ts';
import { runMain } from '../helpers.ts';

// STRATA_DRAM_PHASES=1: `strata dram` writes its CPU time after each step to stderr (npm run bench -- dram-cli reads
// it to show where a whole-process run's time goes); the run and its output stay the same.
describe('strata dram phase probe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-phases-'));
  const trace = join(dir, 't.trace');
  writeFileSync(trace, formatTrace(generatePattern({ pattern: 'random', requests: 300, seed: '3', requestBytes: 64, capacityBytes: 2 ** 30, writeFraction: 0.3 })));
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  function runCapturingStderr(): { out: string; phases: Array<[string, number]> } {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const r = runMain(['dram', '--spec', 'hbm2', '--trace', trace]);
      expect(r.code).toBe(0);
      const phases = writes.join('').split('\n').flatMap((l) => {
        const m = /^strata dram phase (\w+) (\d+) ms$/.exec(l);
        return m ? [[m[1]!, Number(m[2])] as [string, number]] : [];
      });
      return { out: r.out, phases };
    } finally {
      spy.mockRestore();
    }
  }

  it('writes the steps in order with CPU times that never decrease, and changes nothing else', () => {
    const plain = runCapturingStderr();
    expect(plain.phases).toEqual([]);
    vi.stubEnv('STRATA_DRAM_PHASES', '1');
    const probed = runCapturingStderr();
    expect(probed.phases.map(([step]) => step)).toEqual(['start', 'spec', 'trace', 'simulation', 'report']);
    for (let i = 1; i < probed.phases.length; i++) expect(probed.phases[i]![1]).toBeGreaterThanOrEqual(probed.phases[i - 1]![1]);
    expect(probed.out).toBe(plain.out);
    rmSync(dir, { recursive: true, force: true });
  });
});
