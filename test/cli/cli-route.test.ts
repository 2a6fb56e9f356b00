import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript beside bin/strata.mjs, without type declarations
import { dramOnly } from '../../bin/cli-route.mjs';
// @ts-expect-error: plain JavaScript beside bin/strata.mjs, without type declarations
import { bundleFile, bundleIsFresh, dramBundleFile } from '../../bin/cli-bundle.mjs';

/**
 * `strata dram` runs from a bundle of its own (dist/cli/strata-dram.mjs, src/cli/dram-entry.ts) for exactly the
 * command lines on which src/cli/main.ts would only call dramCommand (bin/cli-route.mjs); every other command line,
 * a dram one with a help flag or --set included, runs the whole command line.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'strata.mjs');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });

describe('bin/cli-route.mjs: which bundle runs a command line', () => {
  it('sends dram runs to the dram bundle, and dram with --help, -h or --set to the whole command line', () => {
    expect(dramOnly(['dram', '--spec', 'hbm2', '--pattern', 'random'])).toBe(true);
    expect(dramOnly(['dram', 'export', '--spec', 'hbm2', '--to', 'dramsim3'])).toBe(true);
    expect(dramOnly(['dram'])).toBe(true);
    expect(dramOnly(['dram', '--spec', 'hbm2', '--help'])).toBe(false);
    expect(dramOnly(['dram', '-h'])).toBe(false);
    expect(dramOnly(['dram', '--spec', 'hbm2', '--set', 'timing.tRCD=20'])).toBe(false);
    expect(dramOnly(['dram', '--spec', 'hbm2', '--set=timing.tRCD=20'])).toBe(false);
    expect(dramOnly(['run', '--system', 'pim-gpt'])).toBe(false);
    expect(dramOnly(['help', 'dram'])).toBe(false);
    expect(dramOnly([])).toBe(false);
    // A flag's value that merely contains the text is not the flag.
    expect(dramOnly(['dram', '--out', 'my--set=x.json'])).toBe(true);
  });

  it('gives the same bytes and exit codes from the dram bundle as from the whole command line and tsx', () => {
    const args = ['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests', '2000', '--quiet'];
    const ok = run(['dram', '--spec', 'hbm2', '--pattern', 'random', '--requests', '2000', '--seed', '3']);
    const tsx = run(['dram', '--spec', 'hbm2', '--pattern', 'random', '--requests', '2000', '--seed', '3'], { STRATA_NO_BUNDLE: '1' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/2,000 completed/);
    expect(ok.stdout).toBe(tsx.stdout);
    expect(run(args).status).toBe(0);
    // The dram bundle was built beside the whole one, is fresh with it, and is much smaller (what it is for).
    expect(bundleIsFresh()).toBe(true);
    expect(statSync(dramBundleFile()).size).toBeLessThan(statSync(bundleFile()).size / 2);
    // User errors: one line, exit 2, the same text either way.
    for (const bad of [['dram', '--spec', 'hbm2', '--pattern', 'nope'], ['dram', '--spec', 'hbm2', '--trace', 'no-such.trace'], ['dram', '--bogus']]) {
      const a = run(bad);
      const b = run(bad, { STRATA_NO_BUNDLE: '1' });
      expect(a.status).toBe(2);
      expect(a.stderr).toBe(b.stderr);
      expect(a.stderr.trim().split('\n')).toHaveLength(1);
    }
    // --help and --set go through the whole command line: its help table, its --set resolution.
    const help = run(['dram', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^strata dram: simulate a DRAM standard/);
    const set = run(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests', '500', '--quiet', '--set', 'timing.nope=1']);
    expect(set.status).toBe(2);
    expect(set.stderr).toMatch(/^strata: --set/);
  }, 120_000);
});
