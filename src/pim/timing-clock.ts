import type { FieldReader } from '../spec/fields.ts';

/**
 * The clock of a PIM spec's own timings (issue #16 item 1). A PIM spec adds timing parameters in cycles to a base
 * DRAM standard, whose controller counts them in its own clock. So each PIM timing section says which clock its
 * cycles are (`tCKPs`), and a spec whose base runs at another clock (AiM's GDDR6 timings on an HBM3 base, through
 * an edited file or `--set pim.base=hbm3`) is refused rather than silently read as cycles of another clock.
 * Converting is the author's call (rounding a cycle count up or down changes the device), so nothing converts.
 */
export const TIMING_CLOCK_KEY = 'tCKPs';

/** Checks `timing.tCKPs` against the base standard's clock; call before merging the section into the base. */
export function checkTimingClock(timing: FieldReader, base: Record<string, unknown>, baseName: string): void {
  const declared = timing.number(TIMING_CLOCK_KEY, { integer: true, positive: true });
  const baseClock = (base.clock as { tCKPs?: unknown } | undefined)?.tCKPs;
  if (declared !== baseClock) {
    timing.fail(
      TIMING_CLOCK_KEY,
      `the clock of the base standard '${baseName}' (${String(baseClock)} ps), since these timings count cycles of ${declared} ps and the base's controller counts cycles of its own clock: rewrite them in '${baseName}' cycles and set ${TIMING_CLOCK_KEY} to ${String(baseClock)}`,
      declared,
    );
  }
}
