import { StrataError } from '../spec/errors.ts';
import type { Ramulator2Config } from './ramulator2-config.ts';
import { parseStandard, type DramStandard } from './standard.ts';

/** Strata's command of each Ramulator 2 DDR4/DDR5 command. */
const FROM_RAMULATOR_COMMAND: Record<string, string> = { ACT: 'ACT', PREpb: 'PRE', PREab: 'PREA', RD: 'RD', WR: 'WR', RDA: 'RDA', WRA: 'WRA', REFab: 'REF' };
const LEVEL_NAME = ['channel', 'rank', 'bankgroup', 'bank'];

/**
 * Rebuilds a Strata standard from a DDR4 or DDR5 Ramulator 2 configuration: organisation from the counts, the
 * timings from Ramulator's names (nRCD for both tRCDRD and tRCDWR, nCS as tRTRS), and Ramulator's constraint list
 * as an inline constraint table (windows with their count). Currents, per-bit energies, Strata's controller
 * settings and timings Ramulator has no name for come from the `strata` key that `exportRamulator2Yaml` writes: a
 * Ramulator configuration has no power section, so one without that key is refused (it still runs with
 * `strata dram --spec X.yaml`, on Ramulator 2's own controller).
 */
export function ramulator2Standard(cfg: Ramulator2Config): DramStandard {
  const s = cfg.standard.name;
  if (s !== 'DDR4' && s !== 'DDR5') throw new StrataError(`${cfg.file}: a ${s} configuration does not convert to a Strata standard (DDR4 and DDR5 do); run it with 'strata dram --spec ${cfg.file}'`);
  const x = cfg.strata as Record<string, unknown> | undefined;
  if (x === undefined || typeof x !== 'object' || x === null) throw new StrataError(`${cfg.file}: 'strata': expected the section Strata's exporter writes (power, pathEnergy, controller): a Ramulator 2 configuration has no currents; run it with 'strata dram --spec ${cfg.file}' instead`);
  const t = cfg.timing;
  const src = `${cfg.file} (Ramulator 2 configuration; layout of ${s} as in CMU-SAFARI/ramulator2 @ c5b1c3a python/ramulator/dram/${s.toLowerCase()}.py)`;
  const cmds = cfg.standard.commands;
  const rules: unknown[] = [];
  const windows: unknown[] = [];
  for (const c of cfg.constraints) {
    const prev = c.prev.map((i) => FROM_RAMULATOR_COMMAND[cmds[i]!]!);
    const next = c.next.map((i) => FROM_RAMULATOR_COMMAND[cmds[i]!]!);
    if (c.window > 1) {
      for (const p of prev) windows.push({ command: p, level: LEVEL_NAME[c.level], count: c.window, window: String(c.ticks) });
    } else {
      rules.push({ prev, next, level: LEVEL_NAME[c.level], ...(c.sibling ? { sibling: true } : {}), distance: String(c.ticks) });
    }
  }
  const extra = (x.timing ?? {}) as Record<string, number>;
  const json = {
    name: x.name ?? cfg.file.replace(/^.*\//, '').replace(/\.ya?ml$/i, ''),
    standard: x.standard ?? s,
    description: x.description ?? `Imported from Ramulator 2 configuration ${cfg.file}`,
    rules: [{ source: src, rules, windows }, ...(x.rules === undefined ? [] : [x.rules])],
    organization: {
      source: src, channels: cfg.channels, ranks: cfg.count[1], bankGroups: cfg.count[2], banksPerGroup: cfg.count[3], rows: cfg.count[4], columns: cfg.count[5],
      busWidthBits: cfg.channelWidthBits, burstLength: cfg.standard.prefetch, devicesPerRank: cfg.channelWidthBits / cfg.dq,
    },
    clock: { source: src, tCKPs: t.tCK_ps },
    features: { dualCommandIssue: x.dualCommandIssue === true, perBankRefresh: x.perBankRefresh === true },
    timing: {
      source: src, tBURST: t.nBL, CL: t.nCL, CWL: t.nCWL, tRCDRD: t.nRCD, tRCDWR: t.nRCD, tRP: t.nRP, tRAS: t.nRAS, tRC: t.nRC, tCCD_S: t.nCCDS, tCCD_L: t.nCCDL,
      tRRD_S: t.nRRDS, tRRD_L: t.nRRDL, tWTR_S: t.nWTRS, tWTR_L: t.nWTRL, tFAW: t.nFAW, tWR: t.nWR, tRTP: t.nRTP, tRFC: t.nRFC, tREFI: t.nREFI, tRTRS: t.nCS,
      ...(s === 'DDR5' && t.nPPD! > 0 ? { tPPD: t.nPPD } : {}),
      ...extra,
    },
    power: { source: `${cfg.file}: strata.power`, ...(x.power as object) },
    pathEnergy: { source: `${cfg.file}: strata.pathEnergy`, ...(x.pathEnergy as object) },
    controller: { source: `${cfg.file}: strata.controller`, ...(x.controller as object) },
  };
  return parseStandard(json, cfg.file);
}
