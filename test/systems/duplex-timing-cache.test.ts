import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { addEnergy, NO_ENERGY, pathEnergy } from '../../src/dram/energy.ts';
import { runDram } from '../../src/dram/run.ts';
import { bytesPerRequest } from '../../src/dram/standard.ts';
import { loadLogicPim, type LogicPimSpec } from '../../src/pim/logic-pim.ts';
import { tsvStreamCost, tsvStreamRuns } from '../../src/pim/logic-pim-tsv.ts';
import { ARCH_DIR } from '../../src/spec/package-root.ts';
import { withOverrides, type Override } from '../../src/spec/provenance.ts';
import { decodeCases, duplexSensitivityParts } from '../../src/validation/duplex.ts';
import { runPart, runVariation, variations } from '../../src/validation/sensitivity.ts';

const HBM3 = join(ARCH_DIR, 'dram', 'hbm3.json');
/** Logic-PIM loaded anew under `overrides` (a new spec object, as each end of a sensitivity study loads). */
const variant = (overrides: Override[]) => withOverrides(overrides, () => loadLogicPim('logic-pim'));
/** A stream length between grid points: two simulated streams and the interpolation. */
const REQUESTS = 100;

/** The stream's cost simulated here without any cache: runDram on the view, priced by the view's path energy. */
function fresh(spec: LogicPimSpec, n: number) {
  const std = spec.view;
  const total = n * std.organization.channels;
  const addr = new Float64Array(total);
  for (let i = 0; i < total; i++) addr[i] = i * bytesPerRequest(std);
  const run = runDram({ standard: std, trace: { length: total, addr, isWrite: new Uint8Array(total), cycle: new Float64Array(total), origin: 'test' } });
  let energy = NO_ENERGY;
  for (const ch of run.channels) energy = addEnergy(energy, pathEnergy(std, ch));
  return { cycles: run.cycles, energy };
}

describe('Duplex PIM streams kept by content and priced again', () => {
  it("a spec loaded anew whose view differs only in energy fields reuses the streams; the cost is priced by the new spec's path energy", () => {
    const shipped = loadLogicPim('logic-pim');
    const base = tsvStreamCost(shipped, 64);
    const cases: Array<[string, Override[]]> = [
      ['power.IDD0', [{ file: HBM3, path: 'power.IDD0', value: 45 }]],
      ['pathEnergy.refreshPj', [{ file: HBM3, path: 'pathEnergy.refreshPj', value: 37530 }]],
      ['pathEnergy.activatePj', [{ file: HBM3, path: 'pathEnergy.activatePj', value: 3 * shipped.base.pathEnergy.activatePj }]],
    ];
    for (const [name, o] of cases) {
      const spec = variant(o);
      expect(spec).not.toBe(shipped);
      const before = tsvStreamRuns();
      const cost = tsvStreamCost(spec, 64);
      expect(tsvStreamRuns().simulated, name).toBe(before.simulated);
      expect(tsvStreamRuns().reused, name).toBe(before.reused + 1);
      expect(cost.cycles).toBe(base.cycles);
      // 64 requests per channel is a grid point: exactly one simulated stream, priced with this spec's energies
      expect(cost.energy).toEqual(fresh(spec, 64).energy);
    }
    // IDD currents do not reach the path energy; refresh energy does, 2x the shipped per refresh
    expect(tsvStreamCost(variant(cases[0]![1]), 64).energy).toEqual(base.energy);
    expect(tsvStreamCost(variant(cases[2]![1]), 64).energy.activate).toBeCloseTo(3 * base.energy.activate, 6);
  });

  it('a field that reaches the stream timing is in the key: tRCDRD of HBM3 and the PIM path width simulate again, as fresh runs do', () => {
    const shipped = tsvStreamCost(loadLogicPim('logic-pim'), REQUESTS);
    const variants: Override[][] = [
      [{ file: HBM3, path: 'timing.tRCDRD', value: 2 * (loadLogicPim('logic-pim').base.timing.tRCDRD as number) }],
      [{ file: join(ARCH_DIR, 'pim', 'logic-pim.json'), path: 'datapath.busWidthBits', value: 512 }],
    ];
    for (const o of variants) {
      const spec = variant(o);
      const before = tsvStreamRuns().simulated;
      const cost = tsvStreamCost(spec, 64);
      expect(tsvStreamRuns().simulated).toBeGreaterThan(before);
      expect(cost).toMatchObject(fresh(spec, 64));
    }
    expect(shipped.cycles).toBeGreaterThan(0);
  });

  it("the sensitivity study's ends of the HBM3 energy assumptions simulate no stream again and leave the throughput headlines as shipped", () => {
    const { parts, headlines } = duplexSensitivityParts(decodeCases(['llama3-8b'], [32], [[256, 256]]));
    const runs = Object.keys(parts).map((p) => [p, runPart(parts, p)] as const);
    const energyEnds = variations(runs).filter((v) => v.members[0]!.file.endsWith('arch/dram/hbm3.json') && /^(power|pathEnergy)\./.test(v.members[0]!.path));
    expect(energyEnds.length).toBeGreaterThanOrEqual(10);
    const shipped = Object.fromEntries(runs.map(([p, r]) => [p, r.result]));
    const before = tsvStreamRuns().simulated;
    for (const v of energyEnds) {
      for (const end of ['low', 'high'] as const) {
        const r = { ...shipped, ...runVariation(parts, v, end) };
        // the three throughput headlines do not move with an energy (the fourth, energy per token, may)
        for (const h of headlines.slice(0, 3)) expect(h.value(r), `${v.members[0]!.path} ${end}: ${h.name}`).toBe(h.value(shipped));
      }
    }
    expect(tsvStreamRuns().simulated).toBe(before);
  }, 120_000);
});
