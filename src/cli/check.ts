import type { Violation } from '../dram/protocol-checker.ts';
import { formatCount } from '../dram/limits.ts';

/** How many violations `--check` asks the checker for: the first one fails the run, the count tells how bad it is. */
export const CHECK_MAX_VIOLATIONS = 100;

/**
 * The one line a failed `--check` prints on stderr: the Strata command, how many violations the protocol checker
 * found in how many DRAM/PIM commands, and the first one (its command, cycle, channel, rule and the distance needed).
 */
export function checkFailureLine(command: string, violations: readonly Violation[], commands: number): string {
  const first = violations[0]!;
  const count = violations.length >= CHECK_MAX_VIOLATIONS ? `at least ${CHECK_MAX_VIOLATIONS} violations` : `${violations.length} violation${violations.length === 1 ? '' : 's'}`;
  return `strata: ${command} --check: the protocol checker found ${count} in ${formatCount(commands)} commands; the first: ${first.command} at cycle ${first.cycle} on channel ${first.channel} breaks ${first.rule}: ${first.message}`;
}
