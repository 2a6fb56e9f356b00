import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRamulator2Config } from '../../src/dram/ramulator2-config.ts';
import { runRamulator2 } from '../../src/dram/ramulator2-run.ts';
import { StrataError } from '../../src/spec/errors.ts';
import { haveRamulator2Reference, ramulator2Case, RAMULATOR2_REFERENCE_DIR } from '../../src/validation/ramulator2.ts';

/** A Ramulator 2 configuration as its users write it: preset names for the device, with overrides beside them. */
function presetYaml(dram: string): string {
  return `frontend:
  impl: LoadStoreTrace
  clock_ratio: 1
memory_system:
  impl: GenericDRAM
  clock_ratio: 1
  channel_mapper:
    impl: CacheLineInterleave
    interleave_bits: 0
  controllers:
    - impl: GenericDDR
      scheduler:
        impl: FRFCFS
      refresh_manager:
        impl: AllBank
      row_policy:
        impl: Open
      addr_mapper:
        impl: RoBaRaCoCh
      dram:
${dram.replace(/^/gm, '        ').replace(/^ {8}impl/, '        impl')}
`;
}
const dir = mkdtempSync(join(tmpdir(), 'strata-r2-presets-'));
function write(name: string, dram: string): string {
  const f = join(dir, name);
  writeFileSync(f, presetYaml(dram));
  return f;
}

describe('Ramulator 2 preset names', () => {
  it("resolves DDR4_8Gb_x8 + DDR4_3200AA from Strata's JEDEC-sourced ddr4", () => {
    const cfg = loadRamulator2Config(write('ddr4.yaml', 'impl: DDR4\norg:\n  preset: DDR4_8Gb_x8\n  channel_width: 64\n  rank: 1\ntiming:\n  preset: DDR4_3200AA'));
    // DDR4-3200AA 22-22-22 (JESD79-4), tRFC 350 ns = 560 CK at 0.625 ns, Strata's rank switch 1; one rank of 8 x8 devices.
    expect(cfg.timing).toMatchObject({ nCL: 22, nRCD: 22, nRP: 22, nRAS: 52, nRC: 74, nCWL: 16, nFAW: 34, nRFC: 560, nREFI: 12480, nCS: 1, tCK_ps: 625 });
    expect(cfg.count).toEqual([1, 1, 4, 4, 65536, 1024]);
    expect(cfg.dq).toBe(8);
    expect(cfg.txBytes).toBe(64);
    expect(cfg.presetNotes[0]).toMatch(/DDR4_8Gb_x8 \+ DDR4_3200AA resolved from Strata's ddr4 standard .*nRFC 560, nCS 1/);
    expect(cfg.unknownKeys).toEqual([]);
  });

  it('takes overrides beside the names, in clock cycles', () => {
    const cfg = loadRamulator2Config(write('ddr4-o.yaml', 'impl: DDR4\norg:\n  preset: DDR4_8Gb_x8\n  rank: 2\ntiming:\n  preset: DDR4_3200AA\n  nRCD: 24\n  nRFC: 576'));
    expect(cfg.timing.nRCD).toBe(24);
    expect(cfg.timing.nRFC).toBe(576);
    expect(cfg.count[1]).toBe(2);
  });

  it('refuses a name no Strata standard describes, listing the ones it resolves', () => {
    const f = write('ddr5.yaml', 'impl: DDR5\norg:\n  preset: DDR4_8Gb_x8\ntiming:\n  preset: DDR5_4800AN');
    expect(() => loadRamulator2Config(f)).toThrow(StrataError);
    expect(() => loadRamulator2Config(f)).toThrow(/'memory_system\.controllers\[0\]\.dram\.timing\.preset': "DDR5_4800AN" is not a preset name Strata resolves: Strata resolves org presets DDR4_8Gb_x8 and timing presets DDR4_3200AA/);
    expect(() => loadRamulator2Config(write('hbm.yaml', 'impl: HBM3\norg:\n  preset: HBM3_8Gb_8hi\ntiming:\n  preset: HBM3_6400Mbps'))).toThrow(/org\.preset': "HBM3_8Gb_8hi" is not a preset name/);
    expect(() => loadRamulator2Config(write('den.yaml', 'impl: DDR4\norg:\n  preset: DDR4_8Gb_x8\n  density: 4096\ntiming:\n  preset: DDR4_3200AA'))).toThrow(/org\.density': not an organisation key .* 'density' names the part/);
    expect(() => loadRamulator2Config(write('ns.yaml', 'impl: DDR4\norg:\n  preset: DDR4_8Gb_x8\ntiming:\n  preset: DDR4_3200AA\n  tRCD: 13.75'))).toThrow(/timing\.tRCD': expected an integer number of clock cycles/);
  });
});

const have = haveRamulator2Reference();
if (!have) console.warn(`Ramulator 2 preset names against the reference run: skipped, ${RAMULATOR2_REFERENCE_DIR} is absent`);

describe.skipIf(!have)("Ramulator 2 preset names against Ramulator's own run", () => {
  it("with nRFC 576 and nCS 2 set beside the names, reproduces Ramulator's DDR4_3200AA stream run exactly", () => {
    const { ref, trace } = ramulator2Case('v21_DDR4_3200AA_stream-read_100000_1');
    const cfg = loadRamulator2Config(write('ddr4-r.yaml', 'impl: DDR4\norg:\n  preset: DDR4_8Gb_x8\n  channel_width: 64\n  rank: 1\ntiming:\n  preset: DDR4_3200AA\n  nRFC: 576\n  nCS: 2'));
    const resolved = loadRamulator2Config(join(RAMULATOR2_REFERENCE_DIR, ref.config));
    // The same device as Ramulator's own resolution of the names (its file), timing by timing.
    expect(cfg.timing).toEqual(resolved.timing);
    const r = runRamulator2(cfg, trace);
    const k = ref.key_stats;
    expect(r.ticks).toBe(k.cycles);
    expect(r.stats.readsServed).toBe(k.reads_served);
    expect(r.commands.ACT).toBe(k.ACT);
    expect(r.stats.rowHits).toBe(k.row_hits);
    expect(r.commands.REFab).toBe(k.REF);
    expect(Math.abs(r.meanReadLatencyTicks! - k.avg_read_latency_cycles)).toBeLessThan(0.001);
  }, 60_000);
});
