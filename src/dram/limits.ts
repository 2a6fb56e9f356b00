/**
 * Bounds on the magnitudes a DRAM spec or trace may bring into the integer-picosecond kernel. Each is far above
 * any real device and keeps a run inside what the kernel can represent (times below 2^53 ps), what the memory
 * system can hold and what finishes in bounded time. docs/limits.md lists them with their reasons.
 */

/**
 * The longest timing parameter or rule distance, in picoseconds: 1 ms. The longest interval in JEDEC timing
 * tables is the refresh interval tREFI (7.8 us in DDR4 at normal temperature, JESD79-4 table 132; 3.9 us in
 * HBM2/LPDDR5), so 1 ms is over 100 times any real value; a distance of 2^31 cycles would instead stall a run
 * for seconds of simulated time per command, and 2^53 cycles is not an integer number of picoseconds.
 */
export const MAX_TIMING_PS = 1_000_000_000;

/**
 * The slowest clock period, in picoseconds: 1 us (1 MHz). JEDEC SDRAM clocks run at 66 MHz or faster (15 ns);
 * a longer period only pushes the run's times towards the 2^53 ps the kernel represents exactly.
 */
export const MAX_TCK_PS = 1_000_000;

/**
 * The most channels in one memory system: 1,024. Each channel's controller holds about 150 KB of state
 * (measured: `strata dram` on ddr4 with 4,096 channels and 10 requests takes 718 MB and 14 s); 1,024 channels
 * (270 MB, 5 s) are 4 times 8 HBM3 stacks of 32 pseudo-channels; 65,536 would need about 11 GB.
 */
export const MAX_CHANNELS = 1024;

/**
 * The most banks in one channel (ranks x bank groups x banks per group): 1,024. DDR5 has 32 banks per rank and
 * a DIMM at most 8 ranks (256 banks); the controller's timing state is per bank and per command kind.
 */
export const MAX_BANKS_PER_CHANNEL = 1024;

/** The most ranks, bank groups or banks per group: 256, as the command log stores each as one byte (0 to 255). */
export const MAX_NODE_COUNT = 256;

/** The most rows per bank: 2^30, as the command log and the controller store a row in a 32-bit signed integer. */
export const MAX_ROWS = 2 ** 30;

/**
 * The latest simulated time a DRAM run may reach, in picoseconds: 2^52 (about 75 simulated minutes). Times stay
 * exact integers below 2^53; the margin leaves room for the timing distances added to the last command's time.
 */
export const MAX_RUN_PS = 2 ** 52;

/**
 * The most refresh commands the span of a DRAM run may imply: 50,000,000, as many as the largest trace has
 * requests (MAX_TRACE_REQUESTS). An idle gap still costs its refreshes (as in DRAMsim3 or Ramulator, which
 * simulate them), at the 1 to 3 million refresh commands per second measured (docs/limits.md), so the bound keeps
 * such a run to about a minute.
 */
export const MAX_RUN_REFRESHES = 50_000_000;

/**
 * `n` with thousands separators, for messages: the text `n.toLocaleString('en-US')` gives (at most three fraction
 * digits, rounded half away from zero on the shortest decimal form of `n`, trailing zeros dropped), written by hand
 * because the first `toLocaleString` of a process sets up ICU's locale data (30 to 100 ms measured on the shared machine:
 * `node -e "const t = performance.now(); (1).toLocaleString('en-US'); console.log(performance.now() - t)"`), and every
 * `parseStandard` formats a count (a DRAMsim3 .ini import paid it on each load).
 */
export function formatCount(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  if (!Number.isFinite(n)) return `${sign}∞`;
  // The shortest decimal digits that read back as n, and the power of ten of the first one.
  const [mantissa, exponent] = Math.abs(n).toExponential().split('e') as [string, string];
  let digits = mantissa.replace('.', '');
  let intDigits = Number(exponent) + 1;
  if (intDigits <= 0) {
    digits = '0'.repeat(1 - intDigits) + digits;
    intDigits = 1;
  }
  if (digits.length < intDigits) digits += '0'.repeat(intDigits - digits.length);
  let kept = digits.slice(0, intDigits + 3);
  if (digits.length > intDigits + 3 && digits.charCodeAt(intDigits + 3) >= 53 /* '5' */) {
    // Round up: add one to the last kept digit, carrying leftwards.
    const d = kept.split('').map(Number);
    let i = d.length - 1;
    while (i >= 0 && d[i] === 9) d[i--] = 0;
    if (i < 0) {
      d.unshift(1);
      intDigits++;
    } else d[i]!++;
    kept = d.join('');
  }
  const whole = kept.slice(0, intDigits).replace(/^0+(?=\d)/, '');
  const fraction = kept.slice(intDigits).replace(/0+$/, '');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction ? `.${fraction}` : ''}`;
}
