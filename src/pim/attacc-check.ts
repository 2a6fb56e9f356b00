import { logEntries, type LoggedCommand } from '../dram/command-log.ts';
import { checkProtocol, type Violation } from '../dram/protocol-checker.ts';
import type { DramStandard } from '../dram/standard.ts';
import type { AttAccDevice } from './attacc-device.ts';
import type { AttAccRun } from './attacc-channel.ts';

/** What replaying an AttAcc run's command log found. */
export interface AttAccCheck {
  /** The standard the log was checked against (the device's, its channels cut to those the run simulated). */
  readonly standard: DramStandard;
  readonly entries: readonly LoggedCommand[];
  readonly violations: readonly Violation[];
}

/**
 * Replays the command log of an AttAcc run (made with `commandLog`) through the independent protocol checker
 * (src/dram/protocol-checker.ts with the device's constraint table, src/dram/table-checker.ts): every pseudo-channel
 * of the simulated legacy channels, to the run's last cycle, refresh interval included unless refresh was left out.
 * AttAcc's PREA and REFab cover both stack IDs of the channel (HBM3-PIM.cpp scopes them 'channel'), so the checker
 * reads them so. A run of legacy channel 0 alone is checked as a device of its two pseudo-channels.
 */
export function checkAttAccRun(device: AttAccDevice, run: AttAccRun, opts: { stack: boolean; refresh: boolean; maxViolations: number }): AttAccCheck {
  const std = device.standard;
  const standard = opts.stack ? std : { ...std, organization: { ...std.organization, channels: device.pseudoChannelsPerLegacyChannel } };
  const entries = logEntries(run.logs, std.commandNames);
  const violations = checkProtocol(standard, entries, {
    endCycle: run.cycles,
    refresh: opts.refresh ? 'all-bank' : 'none',
    maxViolations: opts.maxViolations,
    rankWideCommandsSpanChannel: true,
  });
  return { standard, entries, violations };
}
