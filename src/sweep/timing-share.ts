import { takeSetFlags } from '../cli/set-flag.ts';

/**
 * Which sweep points share a simulation, so that the pool can send them to one worker thread (src/sweep/point-pool.ts).
 * Each thread keeps its own timing cache (src/spec/timing-cache.ts): a PIM-GPT generation is simulated once per
 * thread for every design that differs only in fields that price the work (PRICE_FIELDS of
 * src/systems/pim-gpt/pim-gpt.ts: MAC energy, link pJ/bit, the DRAM's power), and only priced again for the others.
 * Points dealt to threads one by one spread a design's points over every thread, each of which simulates it again;
 * points of one design on one thread simulate it once. The share key is the point's command line without its
 * overrides of price fields: equal keys, one simulation (where the family has a timing cache; elsewhere each point's
 * key is its own command line, and grouping changes nothing). A key says only where a point runs, never what it
 * computes: rows are the same on any thread.
 */

/**
 * Dotted `--set` paths (as a sweep's axes write them, into the files) of fields that only price the work, by system
 * family. PIM-GPT's are PRICE_FIELDS spelt as the files hold them: the PIM device's `energy` (macPj,
 * globalBufferPjPerByte, resultLatchPjPerByte, and the commandScale its commandEnergyPj is made from), its DRAM
 * standard's `power` and `pathEnergy` (reached through `base`), the link's `pjPerBit` and the ASIC's `energy`
 * (pjPerOp, sramPjPerByte). A path listed here that timing did read would cost reuse, never a wrong row: the timing
 * cache keys every field a run reads (src/spec/timing-cache.ts), and a share key only says where a point runs
 * (test/sweep/timing-share.test.ts checks that each path is reused).
 */
export const PRICE_PATHS: Readonly<Record<string, readonly string[]>> = {
  'pim-gpt': ['pim.energy', 'pim.base.power', 'pim.base.pathEnergy', 'link.pjPerBit', 'asic.energy'],
};

/** True when `path` is one of `pricePaths` or inside one (`pim.standard.power.IDD0` is inside `pim.standard.power`). */
export function isPricePath(path: string, pricePaths: readonly string[]): boolean {
  return pricePaths.some((p) => path === p || path.startsWith(`${p}.`));
}

/**
 * The share key of a point: its arguments (`strata` argv, `--set` flags included) without the overrides of price
 * fields of its system's `family` (the system file's `family` field; a family without PRICE_PATHS: the argv whole).
 */
export function timingShareKey(argv: readonly string[], family: string | undefined): string {
  const pricePaths = family === undefined ? undefined : PRICE_PATHS[family];
  if (!pricePaths) return JSON.stringify(argv);
  const { sets, rest } = takeSetFlags(argv);
  const kept = sets.filter((s) => !isPricePath(s.slice(0, Math.max(0, s.indexOf('='))).trim(), pricePaths));
  return JSON.stringify([rest, kept]);
}
