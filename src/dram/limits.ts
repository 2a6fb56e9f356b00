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

/** `n` with thousands separators, for messages. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
