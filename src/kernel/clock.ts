/** A clock domain: a named period in integer picoseconds. Time 0 is a rising edge of every domain. */
export interface ClockDomain {
  readonly name: string;
  readonly periodPs: number;
}

/** Creates a clock domain; the period must be a positive whole number of picoseconds. */
export function clockDomain(name: string, periodPs: number): ClockDomain {
  if (!Number.isInteger(periodPs) || periodPs <= 0) {
    throw new RangeError(`clock '${name}': period must be a positive integer number of ps, got ${periodPs}`);
  }
  return Object.freeze({ name, periodPs });
}

/** The cycle of `domain` that contains time `timePs` (edges belong to the cycle they start). */
export function cycleAt(domain: ClockDomain, timePs: number): number {
  return Math.floor(timePs / domain.periodPs);
}

/** The first edge of `domain` at or after `timePs`. */
export function nextEdgePs(domain: ClockDomain, timePs: number): number {
  return Math.ceil(timePs / domain.periodPs) * domain.periodPs;
}

/** The time of edge `cycle` of `domain`. */
export function edgePs(domain: ClockDomain, cycle: number): number {
  return cycle * domain.periodPs;
}
