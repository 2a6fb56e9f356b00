/**
 * Which point each worker thread of a sweep runs next (src/sweep/point-pool.ts). Points that share a simulation (one
 * share key, src/sweep/timing-share.ts) form a group, and a thread takes a whole group and runs it point after point,
 * so the group's timing is simulated once, on that thread, and only priced again for the rest. Groups are taken in
 * the order of their first points. A group is never split: after its first point, the others only price a kept timing
 * (milliseconds where the first took the simulation's time), so a thread that took half of them would simulate the
 * timing again to save the other thread little (in the bench's price sweep, a split of the last group's 4 points
 * made 5 simulations of 4 designs). The deal depends on which thread asks first, never on what a point computes:
 * rows are the same on any number of threads.
 */

/** Points grouped by share key, in the order of each key's first point; no keys: every point its own group, in order. */
export function shareGroups(count: number, shareKeys?: readonly string[]): number[][] {
  if (!shareKeys) return Array.from({ length: count }, (_, i) => [i]);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const k = shareKeys[i]!;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(i);
  }
  return [...groups.values()];
}

/** Deals the points of a sweep to `lanes` threads (see the top of this file). */
export class PointDealer {
  private readonly groups: number[][];
  private nextGroup = 0;
  /** Per lane, the points it has taken and not yet started, in order. */
  private readonly queues: number[][];

  constructor(count: number, lanes: number, shareKeys?: readonly string[]) {
    this.groups = shareGroups(count, shareKeys);
    this.queues = Array.from({ length: lanes }, () => []);
  }

  /** The next point for `lane` to run, or undefined when none is left to it. */
  next(lane: number): number | undefined {
    const queue = this.queues[lane]!;
    if (queue.length === 0 && this.nextGroup < this.groups.length) queue.push(...this.groups[this.nextGroup++]!);
    return queue.shift();
  }
}
