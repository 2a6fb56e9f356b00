import { ACT, RD, WR, RDA, WRA, REF, REFPB } from './commands.ts';
import type { ChannelStats } from './channel-stats.ts';
import type { DramStandard } from './standard.ts';
import { bytesPerRequest } from './standard.ts';

/** Energy by command class, picojoules. */
export interface EnergyBreakdown {
  activate: number;
  read: number;
  write: number;
  refresh: number;
  background: number;
  io: number;
  total: number;
}

/**
 * IDD-based energy (the Micron power-calculator method that DRAMsim3 uses): each command adds the current
 * above active standby for its duration, and every rank pays active standby (IDD3N) while a bank is open,
 * precharge standby (IDD2N) otherwise. mA x V x ns = pJ; currents are per die, times dies per rank.
 * Power-down and self-refresh are not modelled.
 */
export function iddEnergy(std: DramStandard, s: ChannelStats, cycles: number): EnergyBreakdown {
  const p = std.power;
  const t = std.timing as Record<string, number>;
  const ns = std.tCKPs / 1000;
  const k = p.VDD * std.organization.devicesPerRank * ns;
  const c = s.commandCounts;
  const act = k * (p.IDD0 * t.tRC! - (p.IDD3N * t.tRAS! + p.IDD2N * t.tRP!)) * c[ACT]!;
  const read = k * (p.IDD4R - p.IDD3N) * t.tBURST! * (c[RD]! + c[RDA]!);
  const write = k * (p.IDD4W - p.IDD3N) * t.tBURST! * (c[WR]! + c[WRA]!);
  const refresh = k * (p.IDD5AB - p.IDD3N) * t.tRFC! * c[REF]! + k * Math.max(0, p.IDD5PB - p.IDD3N) * (t.tRFCpb ?? 0) * c[REFPB]!;
  let background = 0;
  for (let r = 0; r < s.rankActiveCycles.length; r++) {
    const active = Math.min(cycles, s.rankActiveCycles[r]!);
    background += k * (p.IDD3N * active + p.IDD2N * (cycles - active));
  }
  return { activate: act, read, write, refresh, background, io: 0, total: act + read + write + refresh + background };
}

/**
 * Per-bit path energy (FGDRAM-style): a fixed energy per activation and per refresh, and per bit moved the
 * cell array, the on-die datapath and the off-die I/O. Per-bank refresh costs a bank's share of a refresh.
 */
export function pathEnergy(std: DramStandard, s: ChannelStats): EnergyBreakdown {
  const e = std.pathEnergy;
  const c = s.commandCounts;
  const bits = bytesPerRequest(std) * 8;
  const readBits = (c[RD]! + c[RDA]!) * bits;
  const writeBits = (c[WR]! + c[WRA]!) * bits;
  const banksPerRank = std.organization.bankGroups * std.organization.banksPerGroup;
  const activate = e.activatePj * c[ACT]!;
  const array = e.cellPjPerBit + e.datapathPjPerBit;
  const read = array * readBits;
  const write = array * writeBits;
  const io = e.ioPjPerBit * (readBits + writeBits);
  const refresh = e.refreshPj * c[REF]! + (e.refreshPj / banksPerRank) * c[REFPB]!;
  return { activate, read, write, refresh, background: 0, io, total: activate + read + write + refresh + io };
}

/** Sums breakdowns. */
export function addEnergy(a: EnergyBreakdown, b: EnergyBreakdown): EnergyBreakdown {
  return {
    activate: a.activate + b.activate, read: a.read + b.read, write: a.write + b.write, refresh: a.refresh + b.refresh,
    background: a.background + b.background, io: a.io + b.io, total: a.total + b.total,
  };
}

/** A zero breakdown. */
export const NO_ENERGY: EnergyBreakdown = Object.freeze({ activate: 0, read: 0, write: 0, refresh: 0, background: 0, io: 0, total: 0 });
