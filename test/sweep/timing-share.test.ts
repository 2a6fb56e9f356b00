import { describe, expect, it } from 'vitest';
import { pimGptTimingRuns } from '../../src/systems/pim-gpt/pim-gpt.ts';
import { runPointSync } from '../../src/sweep/run-point.ts';
import { sweepPoints } from '../../src/sweep/run-sweep.ts';
import { checkSweep } from '../../src/sweep/sweep-file.ts';
import { isPricePath, PRICE_PATHS, timingShareKey } from '../../src/sweep/timing-share.ts';

/*
 * Which points share a simulation (src/sweep/timing-share.ts): PIM-GPT points that differ only in fields that price
 * the work (PRICE_FIELDS of src/systems/pim-gpt/pim-gpt.ts) share one timing, so they get one share key and the pool
 * runs them on one thread; anything the timing reads (channels, lanes, the prompt) parts them.
 */
const DIGESTS = { specs: 'specs', code: 'code' };

describe('timing share keys', () => {
  it('PIM-GPT points that differ only in a price field share a key; a timing field parts them', () => {
    const sweep = checkSweep({
      name: 'share', command: 'generate', system: 'pim-gpt', workload: { model: 'gpt2-small', prompt: 1, tokens: 1 },
      axes: [{ name: 'channels', set: 'pim.organization.channels', values: [16, 32] }, { name: 'mac_pj', set: 'pim.energy.macPj', values: [0.3, 0.46, 0.6] }],
      metrics: ['latency', 'energy'],
    }, 'share.yaml');
    const points = sweepPoints(sweep, DIGESTS);
    expect(points).toHaveLength(6);
    const byChannels = new Map<unknown, Set<string>>();
    for (const p of points) {
      if (!byChannels.has(p.values.channels)) byChannels.set(p.values.channels, new Set());
      byChannels.get(p.values.channels)!.add(p.shareKey);
    }
    // 2 designs (channels), 3 MAC energies each: one key per design, and the two designs' keys differ.
    expect([...byChannels.values()].map((s) => s.size)).toEqual([1, 1]);
    expect(new Set(points.map((p) => p.shareKey)).size).toBe(2);
    // The result keys stay one per point: sharing a simulation is not sharing a row.
    expect(new Set(points.map((p) => p.key)).size).toBe(6);
  });

  it('a price path covers the fields inside it, and no other path', () => {
    const paths = PRICE_PATHS['pim-gpt']!;
    expect(isPricePath('pim.base.power.IDD0', paths)).toBe(true);
    expect(isPricePath('pim.energy', paths)).toBe(true);
    expect(isPricePath('pim.energyX', paths)).toBe(false);
    expect(isPricePath('pim.unit.macsPerBank', paths)).toBe(false);
  });

  it('each PIM-GPT price path really shares the timing: a second point that differs only there reuses it', () => {
    // A field of each path set to two values (about 1.1x apart, within what the loaders accept); the second run of
    // each pair must take its timing from the first (the thread's timing cache), or the path is no price path.
    // The last field says whether the energy changes: PIM-GPT prices its DRAM commands by the IDD method (power),
    // and the standard's pathEnergy, hidden with it, reaches none of its joules (the same energy, seen here).
    const pairs: Array<[string, number, number, boolean]> = [
      ['pim.energy.macPj', 0.46, 0.5, true], ['pim.base.power.IDD0', 35.5, 39, true], ['pim.base.pathEnergy.activatePj', 372.9, 410, false],
      ['link.pjPerBit', 0.57, 0.63, true], ['asic.energy.pjPerOp', 0.75, 0.83, true],
    ];
    const generate = (set: string) => runPointSync({ command: 'generate', argv: ['pim', 'generate', '--system', 'pim-gpt', '--model', 'gpt2-small', '--prompt', '1', '--tokens', '1', '--set', set], metrics: ['latency', 'energy'] });
    for (const [path, a, b, prices] of pairs) {
      expect(isPricePath(path, PRICE_PATHS['pim-gpt']!)).toBe(true);
      const first = generate(`${path}=${a}`);
      const before = pimGptTimingRuns();
      const second = generate(`${path}=${b}`);
      const after = pimGptTimingRuns();
      expect(first.status, path).toBe('ok');
      expect(second.status, path).toBe('ok');
      expect([after.simulated - before.simulated, after.reused - before.reused], path).toEqual([0, 1]);
      // Same timing, other price: the latency is the same and the energy is not.
      if (first.status === 'ok' && second.status === 'ok') {
        expect(second.metrics.latency_ns, path).toBe(first.metrics.latency_ns);
        expect(second.metrics.joules_per_token !== first.metrics.joules_per_token, path).toBe(prices);
      }
    }
  }, 120_000);

  it('a family without a timing cache keeps every override in its key', () => {
    const a = timingShareKey(['run', '--system', 'x', '--set', 'pim.macPj=1'], 'neupims');
    const b = timingShareKey(['run', '--system', 'x', '--set', 'pim.macPj=2'], 'neupims');
    expect(a).not.toBe(b);
    expect(timingShareKey(['pim', 'generate', '--set', 'pim.energy.macPj=1'], 'pim-gpt')).toBe(timingShareKey(['pim', 'generate', '--set', 'pim.energy.macPj=2'], 'pim-gpt'));
  });
});
