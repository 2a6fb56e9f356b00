import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DEPRECATED_DUPLEX_NAMES, loadDuplexSystem } from '../src/systems/duplex/duplex-system.ts';
import { systemFamily } from '../src/systems/registry.ts';
import { runMain } from './helpers.ts';

/*
 * Issue #17 item 3: one naming scheme for presets (docs/formats.md, "Presets and their names"). A device is
 * `<kind>-<part>[-<variant>]`; a system is named for the architecture it models; no name carries a device count.
 * The old Duplex-family names gpu-h100 and gpu-h100x2 still work, as the same system with the same devices, after one
 * line on stderr.
 */
const ROOT = resolve(import.meta.dirname, '..');
const presets = readdirSync(join(ROOT, 'arch', 'systems')).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(ROOT, 'arch', 'systems', f), 'utf8')) as { name: string; family?: string; kind?: string; devices?: { count: number } });

describe('preset names', () => {
  it('a baseline device is <kind>-<part>[-<variant>] with kind its own kind field; no name holds a device count', () => {
    for (const p of presets) {
      if ((p.family ?? 'baseline') === 'baseline') expect(p.name, p.name).toMatch(new RegExp(`^${p.kind}-[a-z0-9]+(-[a-z0-9]+)?$`));
      // x2, 2x, -2gpu: a count belongs in devices.count and --devices, not in the name.
      expect(p.name, p.name).not.toMatch(/(^|-)(\d+x|x\d+)|\d+x|x\d+$|\d+-?(gpus?|devices?)\b/);
    }
    // One H100 device, one Duplex-family GPU-only system; names that read alike for both are gone.
    expect(presets.map((p) => p.name).filter((n) => n.includes('h100')).sort()).toEqual(['gpu-h100-sxm']);
    expect(presets.find((p) => p.name === 'duplex-gpu')?.devices?.count).toBe(presets.find((p) => p.name === 'duplex')?.devices?.count);
  });

  it('the old names load the same system with the same devices, after one line on stderr', () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const [old, now] of Object.entries(DEPRECATED_DUPLEX_NAMES)) {
        err.mockClear();
        const s = loadDuplexSystem(old);
        expect(s.name).toBe(now.name);
        expect(s.devices).toBe(now.devices);
        expect(loadDuplexSystem(old, { devices: 4 }).devices).toBe(4); // --devices still wins
        expect(err.mock.calls.map((c) => c.join(' '))).toEqual([`strata: '${old}' is an old preset name: use --system duplex-gpu --devices ${now.devices} (docs/formats.md, "Presets and their names")`]);
        expect(systemFamily(old)).toBe('duplex');
      }
    } finally {
      err.mockRestore();
    }
    // gpu-h100 (one H100) and gpu-h100x2 (two) as before.
    expect(DEPRECATED_DUPLEX_NAMES).toEqual({ 'gpu-h100': { name: 'duplex-gpu', devices: 1 }, 'gpu-h100x2': { name: 'duplex-gpu', devices: 2 } });
  });

  it('strata run with an old name prints what the new name prints', () => {
    const args = ['--model', 'mixtral-8x7b', '--phase', 'decode', '--batch', '8', '--context', '256'];
    const now = runMain(['run', '--system', 'duplex-gpu', ...args]);
    const old = runMain(['run', '--system', 'gpu-h100x2', ...args]);
    expect(now.code, now.err).toBe(0);
    expect(old.code, old.err).toBe(0);
    expect(old.out).toBe(now.out);
    // Besides the deprecation line (printed once per process, so perhaps by the test above), the same stderr.
    expect(old.err.split('\n').filter((l) => !l.includes('is an old preset name')).join('\n')).toBe(now.err);
  });
});
