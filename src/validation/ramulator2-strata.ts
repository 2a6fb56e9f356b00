import { join } from 'node:path';
import { runStrataOnRamulator2Trace, type StrataOnRamulator2Result } from '../dram/ramulator2-strata.ts';
import { loadStandard, type DramStandard } from '../dram/standard.ts';
import { StrataError } from '../spec/errors.ts';
import { ARCH_DIR } from '../spec/package-root.ts';
import { withOverrides } from '../spec/provenance.ts';
import { parseSetFlags, resolveSetFlags } from '../spec/set-overrides.ts';
import { ramulator2Case, ramulator2TableLines, type R2Comparison, type Ramulator2Reference } from './ramulator2.ts';

/**
 * Strata's own controller (src/dram/controller.ts) on Ramulator 2's eight reference runs. The device is Strata's
 * preset of the same standard (ddr4, ddr5, hbm3, lpddr5) made into Ramulator's part with `--set` overrides taken
 * from the case's resolved organisation and timings (so the two simulators time the same device where Strata's
 * standard can say it), and the controller is Strata's with the preset's own policy, its buffers sized as
 * Ramulator's (32 reads, 32 writes), open page, all-bank refresh and Ramulator's address mapping. What differs is
 * then the controller and what Strata's standard cannot say (listed by `ramulator2PartSets`).
 */

/** Strata's timing name and the Ramulator 2 parameter(s) it takes its value from (first one present). */
const TIMING_FROM: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['tBURST', ['nBL', 'nBL_min']], ['CL', ['nCL']], ['CWL', ['nCWL']], ['tRCDRD', ['nRCDRD', 'nRCD']], ['tRCDWR', ['nRCDWR', 'nRCD']],
  ['tRP', ['nRP']], ['tRAS', ['nRAS']], ['tRC', ['nRC']], ['tCCD_S', ['nCCDS']], ['tCCD_L', ['nCCDL']], ['tRRD_S', ['nRRDS']],
  ['tRRD_L', ['nRRDL']], ['tWTR_S', ['nWTRS']], ['tWTR_L', ['nWTRL']], ['tFAW', ['nFAW']], ['tWR', ['nWR']], ['tRTP', ['nRTP']],
  ['tRFC', ['nRFC']], ['tREFI', ['nREFI']], ['tRFCpb', ['nRFCpb']], ['tREFIpb', ['nREFIpb']], ['tPPD', ['nPPD']],
  ['tPBR2PBR', ['nPBR2PBR']], ['tPBR2ACT', ['nPBR2ACT']],
];

/** The `--set` overrides that make a Strata preset Ramulator's part and controller, and what they cannot carry. */
export interface Ramulator2Part {
  /** Strata's preset of the standard. */
  readonly preset: string;
  /** `path=value`, as `strata dram --spec PRESET --set ...` takes them. */
  readonly sets: readonly string[];
  /** Ramulator parameters (non-zero) that no field of the preset takes, with their values in CK. */
  readonly notCarried: readonly string[];
  /** Ramulator controller ticks per memory cycle (2 for HBM3, which ticks at half a CK). */
  readonly ticksPerCycle: number;
}

/**
 * The overrides for one reference run: organisation (one Ramulator channel; HBM3's two pseudo-channels are Strata
 * channels and its stack IDs ranks), tCK, every timing the preset names (rank switch tRTRS from Ramulator's nCS,
 * or for HBM3 nCCDR - nBL, the extra cycles a column command to the other stack ID waits), the controller's
 * buffer sizes, FR-FCFS, open page, all-bank refresh, and RoBaRaCoCh as a Strata mapping (column lowest, then
 * rank, bank group, bank, row; HBM3's pseudo-channel just above the column).
 */
export function ramulator2PartSets(ref: Ramulator2Reference): Ramulator2Part {
  const cls = ref.dram.class;
  const preset = cls.toLowerCase();
  const std = loadStandard(preset);
  const o = ref.dram.org;
  const t = ref.dram.timing_CK;
  const hbm = cls === 'HBM3';
  const sets: string[] = [];
  const org: Record<string, number> = {
    channels: hbm ? o.pseudochannel! : 1, ranks: hbm ? o.sid! : o.rank!, bankGroups: o.bankgroup!, banksPerGroup: o.bank!,
    rows: o.row!, columns: o.column!, busWidthBits: o.channel_width!, devicesPerRank: o.channel_width! / o.dq!,
  };
  for (const [k, v] of Object.entries(org)) if ((std.organization as unknown as Record<string, number>)[k] !== v) sets.push(`organization.${k}=${v}`);
  if (std.tCKPs !== t.tCK_ps) sets.push(`clock.tCKPs=${t.tCK_ps}`);
  const used = new Set(['rate', 'tCK_ps']);
  for (const [name, from] of TIMING_FROM) {
    const r = from.find((f) => t[f] !== undefined);
    if (r === undefined || std.timing[name] === undefined) continue;
    for (const f of from) if (t[f] !== undefined) used.add(f);
    if (std.timing[name] !== t[r]) sets.push(`timing.${name}=${t[r]}`);
  }
  const rtrs = hbm ? t.nCCDR! - t.nBL! : t.nCS!;
  used.add(hbm ? 'nCCDR' : 'nCS');
  if (std.timing.tRTRS !== undefined && std.timing.tRTRS !== rtrs) sets.push(`timing.tRTRS=${rtrs}`);
  const c = ref.controller;
  if (c.scheduler !== 'FRFCFS' || c.row_policy !== 'Open' || c.refresh !== 'AllBank' || c.addr_mapper !== 'RoBaRaCoCh') {
    throw new StrataError(`${ref.config}: Strata's controller is compared on FRFCFS, Open, AllBank and RoBaRaCoCh runs; this one has ${c.scheduler}, ${c.row_policy}, ${c.refresh}, ${c.addr_mapper}`);
  }
  const ctl: Record<string, string | number> = {
    readQueueDepth: c.read_buffer, writeQueueDepth: c.write_buffer, scheduler: 'frfcfs', pagePolicy: 'open', refresh: 'all-bank',
    addressMapping: hbm ? 'ro-ba-bg-ra-ch-co' : 'ro-ba-bg-ra-co',
  };
  const now = std.controller as unknown as Record<string, string | number>;
  for (const [k, v] of Object.entries(ctl)) if (now[k] !== v) sets.push(`controller.${k}=${v}`);
  const notCarried = Object.entries(t).filter(([k, v]) => !used.has(k) && v !== 0).map(([k, v]) => `${k} ${v}`);
  return { preset, sets, notCarried, ticksPerCycle: ref.dram.tick_multiplier };
}

/** Loads a preset with `--set` overrides, as `strata dram --spec PRESET --set ...` does. */
export function presetWithSets(preset: string, sets: readonly string[]): DramStandard {
  const file = join(ARCH_DIR, 'dram', `${preset}.json`);
  return withOverrides(resolveSetFlags(parseSetFlags(sets), { spec: file, specLabel: `--spec ${preset}` }), () => loadStandard(preset));
}

/** One reference run with Strata's own controller. */
export interface R2StrataCaseResult {
  readonly name: string;
  readonly part: Ramulator2Part;
  readonly run: StrataOnRamulator2Result;
  /** Ramulator's ticks and Strata's, in Ramulator ticks (cycles x ticks per cycle). */
  readonly ticks: { readonly strata: number; readonly ramulator: number };
  readonly comparisons: readonly R2Comparison[];
}

/**
 * Runs a reference case's trace through Strata's own controller on the preset made Ramulator's part (`extraSets`
 * are further overrides, after the part's, to show what one change does) and compares with Ramulator's key_stats
 * under the same tolerances as the Ramulator-semantics model. Latency and ticks are given in Ramulator ticks.
 */
export function compareStrataControllerWithRamulator2(name: string, extraSets: readonly string[] = []): R2StrataCaseResult {
  const { ref, trace } = ramulator2Case(name);
  const part = ramulator2PartSets(ref);
  const std = presetWithSets(part.preset, [...part.sets, ...extraSets]);
  const run = runStrataOnRamulator2Trace(std, std.controller, trace, part.ticksPerCycle);
  const k = ref.key_stats;
  const m = part.ticksPerCycle;
  const cmp = (metric: string, strata: number, ramulator: number, tolerance: number, base = ramulator): R2Comparison => {
    const gap = strata === ramulator ? 0 : Math.abs(strata - ramulator) / Math.max(1e-12, base);
    return { metric, strata, ramulator, gap, tolerance, ok: gap <= tolerance };
  };
  return {
    name,
    part,
    run,
    ticks: { strata: run.cycles * m, ramulator: k.cycles },
    comparisons: [
      cmp('completed requests', run.readsServed + run.writesServed, k.reads_served + k.writes_served, 0.03),
      cmp('bandwidth GB/s', run.bandwidthGBps, k.bandwidth_GBps, 0.03),
      cmp('ACT commands', run.commands.ACT ?? 0, k.ACT, 0.05),
      cmp('row hits', run.rowHits, k.row_hits, 0.05, ref.requests_in_trace),
      cmp('mean read latency (ticks)', (run.meanReadLatencyCycles ?? Infinity) * m, k.avg_read_latency_cycles, 0.15),
      cmp('REF commands', run.commands.REF ?? 0, k.REF, 0.05),
    ],
  };
}

/** A Markdown table, one row per run (as formatRamulator2Table), then the overrides of each preset. */
export function formatStrataControllerTable(results: readonly R2StrataCaseResult[]): string {
  const lines = ramulator2TableLines(results.map((r) => ({ name: r.name, strataTicks: r.ticks.strata, ramulatorTicks: r.ticks.ramulator, comparisons: r.comparisons })));
  const seen = new Set<string>();
  lines.push('');
  for (const r of results) {
    if (seen.has(r.part.preset)) continue;
    seen.add(r.part.preset);
    lines.push(`- \`${r.part.preset}\`: ${r.part.sets.map((s) => `--set ${s}`).join(' ')}; Ramulator parameters no field takes: ${r.part.notCarried.join(', ') || 'none'}`);
  }
  return lines.join('\n');
}
