import { describe, it, expect } from 'vitest';
import { loadModel } from '../../src/compiler/model.ts';
import { loadDevice, usableBytes } from '../../src/systems/baseline/roofline.ts';
import { duplexCapacityBytes, loadDuplexSystem, type DuplexSystem } from '../../src/systems/duplex/duplex-system.ts';
import { duplexStepCostModel } from '../../src/systems/duplex/duplex-serving.ts';
import { rooflineStepCost } from '../../src/systems/baseline/roofline-step-cost.ts';
import { devicesFor, fits } from '../../src/validation/duplex.ts';
import { runMain } from '../helpers.ts';
import { join } from 'node:path';
import { ARCH_DIR } from '../../src/spec/package-root.ts';
import { withOverrides } from '../../src/spec/provenance.ts';

const GiB = 2 ** 30;

/** The same system with its xPU's runtime reserve set to `bytes` (the ends of the assumption's range). */
const withReserve = (s: DuplexSystem, bytes: number): DuplexSystem => ({ ...s, xpu: { ...s.xpu, reservedBytes: bytes } });

describe("a Duplex-family system reserves what its xPU preset reserves, as the GPU baseline of that preset does", () => {
  it('each device gives the xPU capacity less the runtime reserve: 2 x (80 - 3) GiB, the roofline H100 77 GiB', () => {
    const h100 = loadDevice('gpu-h100-sxm');
    // arch/systems/gpu-h100-sxm.json: capacityBytes 80 GiB, memory.reservedBytes 3 GiB (assumption, 1.5-8 GiB)
    expect([h100.capacityBytes, h100.reservedBytes]).toEqual([80 * GiB, 3 * GiB]);
    for (const name of ['duplex', 'duplex-gpu', 'bank-pim', 'bg-pim']) {
      const s = loadDuplexSystem(name);
      expect(duplexCapacityBytes(s), name).toBe(2 * 77 * GiB);
      expect(duplexCapacityBytes(s)).toBe(s.devices * usableBytes(h100));
    }
    // serving: the KV cache gets what is left after the weights, on Duplex as on one roofline H100 per device
    const model = loadModel('llama3-8b');
    const duplex = duplexStepCostModel(loadDuplexSystem('duplex', { devices: 1 }), model).memory!;
    const gpu = rooflineStepCost(model, h100).memory!;
    expect(duplex).toEqual(gpu);
  });

  it('fit at the shipped 3 GiB and at the 8 GiB end: Mixtral 4096/4096 batch 64 (151.0 GiB) fits 154 GiB, not 144', () => {
    const mixtral = loadModel('mixtral-8x7b');
    const duplex = loadDuplexSystem('duplex');
    // 86.99 GiB of weights + 64 x 8192 tokens x 128 KiB = 151.0 GiB
    expect(fits(duplex, mixtral, 64, 4096, 4096)).toBe(true); // 2 x 77 = 154 GiB
    expect(fits(withReserve(duplex, 8 * GiB), mixtral, 64, 4096, 4096)).toBe(false); // 2 x 72 = 144 GiB
    // without a reserve (as before) batch 128 still would not fit: 215.0 GiB > 160
    expect(fits(withReserve(duplex, 0), mixtral, 128, 4096, 4096)).toBe(false);
    // the devices of the comparison do not move: 86.99 + 32 x 8192 x 128 KiB = 119.0 GiB fits 2 usable devices
    expect(devicesFor(mixtral)).toBe(2);
    // ... unless the reserve is changed (as --set or a sensitivity variant changes it): D follows the overrides in
    // effect. At 25 GiB reserved, 2 x 55 GiB < 119.0 GiB, so Mixtral needs 4 devices; after it, 2 again.
    const file = join(ARCH_DIR, 'systems', 'gpu-h100-sxm.json');
    expect(withOverrides([{ file, path: 'memory.reservedBytes', value: 25 * GiB }], () => devicesFor(mixtral))).toBe(4);
    expect(devicesFor(mixtral)).toBe(2);
  });

  it('strata run on Duplex checks the step against the same usable memory', () => {
    // Mixtral weights alone (86.99 GiB) exceed one device's 77 GiB; the message names the system and suggests devices.
    const r = runMain(['run', '--system', 'duplex', '--devices', '1', '--model', 'mixtral-8x7b', '--phase', 'decode', '--context', '16']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/duplex \(1 x gpu-h100-sxm\).*77\.00 GiB.*add devices with --devices N$/);
  });
});
