import type { Bank } from '../bank.ts';
import type { ChannelStats } from '../channel-stats.ts';
import type { CommandLog } from '../command-log.ts';
import * as commands from '../commands.ts';
import type { MemRequest } from '../request.ts';

// Speed hack: module-local copies of imported constants and helpers. V8 reads an imported binding from its
// module cell, and checks it for the hole, at every use even in optimized code; a module-local const is folded
// into the code (bench/instructions.ts stream: 2.4 % fewer instructions per request; see controller.ts).
const { ACT, PRE, RDA, WRA, isColumn } = commands;

/**
 * Told of every command the controller issues. Contract: onIssue runs before the command changes the bank's
 * state (its open row, its hits since activation, its queue), so a listener sees the state the command acts
 * on; a listener only records and never changes the controller's state or the bank's row and queue.
 */
export interface IssueListener {
  /** `cmd` issues to `bank` at cycle `c` for `req` (ACT and column commands; undefined for PRE, REF, REFpb). */
  onIssue(c: number, cmd: number, bank: Bank, req: MemRequest | undefined): void;
}

/**
 * The statistics of issued commands: counts per command, row hits, misses and conflicts, column commands per
 * bank, data-bus cycles, and the cycles each bank and each rank had a row open.
 */
export class IssueStats implements IssueListener {
  /** Per rank: banks with a row open, and the cycle the first of them opened. */
  private readonly rankOpenBanks: Int32Array;
  private readonly rankActiveSince: Float64Array;

  constructor(
    private readonly stats: ChannelStats,
    ranks: number,
    private readonly tBURST: number,
  ) {
    this.rankOpenBanks = new Int32Array(ranks);
    this.rankActiveSince = new Float64Array(ranks);
  }

  onIssue(c: number, cmd: number, bank: Bank, _req: MemRequest | undefined): void {
    const stats = this.stats;
    stats.commandCounts[cmd]!++;
    if (cmd === ACT) {
      bank.openedAtCycle = c;
      if (this.rankOpenBanks[bank.rank]!++ === 0) this.rankActiveSince[bank.rank] = c;
    } else if (isColumn(cmd)) {
      // The first column command after an ACT is a miss, or a conflict when a request for another row forced
      // the precharge before that ACT.
      if (bank.hitsSinceActivate > 0) stats.rowHits++;
      else if (bank.openedByConflict) stats.rowConflicts++;
      else stats.rowMisses++;
      stats.bankColumnCommands[bank.index]!++;
      stats.dataBusCycles += this.tBURST;
    }
    if (cmd === PRE || cmd === RDA || cmd === WRA) {
      bank.activeCycles += c - bank.openedAtCycle;
      if (--this.rankOpenBanks[bank.rank]! === 0) stats.rankActiveCycles[bank.rank]! += c - this.rankActiveSince[bank.rank]!;
    }
  }

  /** Closes open-row intervals at `endCycle` so active-time statistics cover the whole run. */
  finish(banks: readonly Bank[], endCycle: number): void {
    for (const b of banks) {
      if (b.openRow >= 0) b.activeCycles += Math.max(0, endCycle - b.openedAtCycle);
      this.stats.bankActiveCycles[b.index] = b.activeCycles;
    }
    for (let r = 0; r < this.rankOpenBanks.length; r++) {
      if (this.rankOpenBanks[r]! > 0) this.stats.rankActiveCycles[r]! += Math.max(0, endCycle - this.rankActiveSince[r]!);
    }
  }
}

/** Records every issued command, with the row it acts on and the column it reads or writes, in a CommandLog. */
export class IssueLog implements IssueListener {
  constructor(private readonly log: CommandLog) {}

  onIssue(c: number, cmd: number, bank: Bank, req: MemRequest | undefined): void {
    const row = cmd === ACT ? req!.row : bank.openRow;
    this.log.push(c, cmd, bank.rank, bank.bankGroup, bank.bank, row, isColumn(cmd) ? req!.column : -1);
  }
}
