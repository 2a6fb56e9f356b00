import { checkProtocol, type Violation } from '../dram/protocol-checker.ts';
import { formatCount } from '../dram/limits.ts';
import { CommandLog, logEntries } from '../dram/command-log.ts';
import type { CommandStreamSink, EndedCommandStream } from '../systems/system-model.ts';

/** How many violations `--check` asks the checker for: the first one fails the run, the count tells how bad it is. */
export const CHECK_MAX_VIOLATIONS = 100;

/**
 * The one line a failed `--check` prints on stderr: the Strata command, how many violations the protocol checker
 * found in how many DRAM/PIM commands, and the first one (its command, cycle, channel, rule and the distance needed);
 * `stream` names the simulated stream it is in, for a run of many (the commands counted are those replayed so far).
 */
export function checkFailureLine(command: string, violations: readonly Violation[], commands: number, stream?: string): string {
  const first = violations[0]!;
  const count = violations.length >= CHECK_MAX_VIOLATIONS ? `at least ${CHECK_MAX_VIOLATIONS} violations` : `${violations.length} violation${violations.length === 1 ? '' : 's'}`;
  return `strata: ${command} --check: the protocol checker found ${count} in ${formatCount(commands)} commands; the first: ${first.command} at cycle ${first.cycle} on channel ${first.channel}${stream === undefined ? '' : ` of ${stream}`} breaks ${first.rule}: ${first.message}`;
}

/** A `--check` that found a broken rule: `line` is checkFailureLine's, for stderr; the command exits 1. */
export class CheckFailed extends Error {
  constructor(readonly line: string) {
    super(line);
    this.name = 'CheckFailed';
  }
}

/**
 * The `--check` of a command whose run simulates many command streams (`strata run`, `strata serve`): each stream is
 * replayed through the independent protocol checker as it ends, then dropped, so memory holds one stream's log at a
 * time however long the run. The first stream with a broken rule stops the run (CheckFailed).
 */
export class StreamChecker implements CommandStreamSink {
  /** Commands replayed so far, over all streams. */
  commands = 0;
  /** Streams replayed so far. */
  streams = 0;
  /** The most commands one stream held: what memory holds at once. */
  largestStream = 0;
  /** Refresh commands (REF, REFab, REFpb) among those replayed. */
  refreshes = 0;
  /** The streams' cycles, summed. */
  cycles = 0;
  /** The violations of the stream that failed (empty while every stream is clean). */
  violations: readonly Violation[] = [];

  /** `command` names the Strata command in the failure line (`serve`). */
  constructor(readonly command: string) {}

  begin(): CommandLog {
    return new CommandLog(0);
  }

  end(s: EndedCommandStream): void {
    const entries = logEntries(s.logs, s.standard.commandNames);
    this.commands += entries.length;
    this.streams++;
    this.largestStream = Math.max(this.largestStream, entries.length);
    this.cycles += s.endCycle;
    for (const e of entries) if (e.command === 'REF' || e.command === 'REFab' || e.command === 'REFpb') this.refreshes++;
    const violations = checkProtocol(s.standard, entries, { endCycle: s.endCycle, refresh: s.refresh ?? s.standard.controller.refresh, maxViolations: CHECK_MAX_VIOLATIONS });
    if (violations.length > 0) {
      this.violations = violations;
      throw new CheckFailed(checkFailureLine(this.command, violations, this.commands, s.what));
    }
  }

  /** The summary line of a clean check (stdout, beside the run's summary, as `strata dram --check` prints it). */
  summary(what: string): string {
    return `${formatCount(this.commands)} commands in ${formatCount(this.streams)} simulated stream${this.streams === 1 ? '' : 's'} (${what}) replayed by the protocol checker: no violation`;
  }
}
