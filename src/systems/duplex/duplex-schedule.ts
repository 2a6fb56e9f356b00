import { invariant } from '../../spec/errors.ts';

/**
 * Expert/attention co-processing on a Duplex device: two processors (0 = xPU, 1 = PIM) each run their ops in
 * op order, an op starting once its processor is free and its dependencies are done, so an op on one processor
 * overlaps whatever the other runs (experts with few tokens on PIM beside the busy experts on the xPU, decode
 * attention on PIM beside prefill attention on the xPU). Step time is the critical path, not the sum.
 *
 * Both draw on the same DRAM banks. An op first pays its launch (no traffic), then its body, which at full speed
 * moves `bytes` in `bodyPs`. While two bodies run, their byte rates share the bank array's bandwidth
 * (`arrayBytesPerPs`: the PIM path's peak, which the banks can just feed): if the two natural rates add up to
 * more, both slow down by the same factor. Each op's natural rate is at most the array bandwidth, so two ops
 * together always progress at least as fast as one alone, and the step never takes longer than running every op
 * one after another. Time advances from event to event in whole picoseconds (each event rounds up by under 1 ps).
 */

/** One op to schedule. */
export interface CoItem {
  /** 0 = xPU, 1 = PIM. */
  readonly device: 0 | 1;
  /** Indices of earlier items this one needs. */
  readonly deps: readonly number[];
  /** Launch (issue) time before the body, ps; moves no data. */
  readonly launchPs: number;
  /** Body time at full speed, ps. */
  readonly bodyPs: number;
  /** Bytes the body moves from or to the DRAM banks. */
  readonly bytes: number;
}

/** When each item ran and how busy each processor was. Integer ps. */
export interface CoSchedule {
  readonly startPs: readonly number[];
  readonly endPs: readonly number[];
  readonly makespanPs: number;
  /** Time each processor had an op running (including time slowed down by the shared DRAM). */
  readonly busyPs: readonly [number, number];
  /** Time both processors had a body running at once. */
  readonly overlapPs: number;
  /** Time the shared DRAM slowed the two bodies down. */
  readonly contendedPs: number;
}

/**
 * Runs the items on two processors sharing `arrayBytesPerPs` of DRAM bandwidth (see the module comment).
 *
 * The serving loop schedules every step's attention and each layer's experts anew (thousands of calls a run), so
 * the loop keeps its state in a few small arrays made once per call (a typed array costs more to make than the loop
 * of a short segment) and builds an invariant's message only when it fails.
 */
export function coSchedule(items: readonly CoItem[], arrayBytesPerPs: number): CoSchedule {
  const n = items.length;
  let pimItems = 0;
  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    for (const d of it.deps) if (!(d < i)) invariant(false, `co-scheduled item ${i} depends on an earlier item (dep ${d})`);
    if (!(it.bytes === 0 || it.bodyPs > 0)) invariant(false, `item ${i} moving ${it.bytes} bytes takes time`);
    if (!(it.bytes === 0 || it.bytes / it.bodyPs <= arrayBytesPerPs * (1 + 1e-9))) invariant(false, `item ${i} moves at most the DRAM array's bandwidth`);
    if (it.device === 1) pimItems++;
  }
  if (pimItems === 0 || pimItems === n) return oneProcessor(items, pimItems === 0 ? 0 : 1, arrayBytesPerPs);
  // Each processor's items in op order: the xPU's from the front of `queue`, PIM's after them.
  const queue = new Array<number>(n);
  const end = [n - pimItems, n];
  const head = [0, n - pimItems];
  {
    const fill = [0, n - pimItems];
    for (let i = 0; i < n; i++) queue[fill[items[i]!.device]!++] = i;
  }
  const startPs = new Array<number>(n).fill(-1);
  const endPs = new Array<number>(n).fill(-1);
  const running = [-1, -1];
  const inBody = [false, false];
  const rem = [0, 0];
  const rate = [0, 0];
  const busy: [number, number] = [0, 0];
  let overlapPs = 0;
  let contendedPs = 0;
  let t = 0;
  let done = 0;
  const ready = (i: number) => {
    for (const d of items[i]!.deps) if (!(endPs[d]! >= 0)) return false;
    return true;
  };

  while (done < n) {
    // Start what can start; items with no work finish on the spot, which may free the next.
    let changed = true;
    while (changed) {
      changed = false;
      for (let dev = 0; dev < 2; dev++) {
        if (running[dev]! >= 0) {
          const i = running[dev]!;
          if (!inBody[dev] && rem[dev]! <= 1e-6) {
            inBody[dev] = true;
            rem[dev] = items[i]!.bodyPs;
          }
          if (inBody[dev] && rem[dev]! <= 1e-6) {
            endPs[i] = t;
            running[dev] = -1;
            done++;
            changed = true;
          }
          continue;
        }
        if (head[dev]! < end[dev]! && ready(queue[head[dev]!]!)) {
          const i = queue[head[dev]!++]!;
          running[dev] = i;
          startPs[i] = t;
          inBody[dev] = false;
          rem[dev] = items[i]!.launchPs;
          changed = true;
        }
      }
    }
    if (done === n) break;
    if (!(running[0]! >= 0 || running[1]! >= 0)) invariant(false, 'co-scheduling makes progress (an op is running while ops remain)');

    let demand = 0;
    for (let dev = 0; dev < 2; dev++) {
      const i = running[dev]!;
      if (i >= 0 && inBody[dev]) demand += items[i]!.bytes / items[i]!.bodyPs;
    }
    const share = demand > arrayBytesPerPs ? arrayBytesPerPs / demand : 1;
    let dt = Infinity;
    for (let dev = 0; dev < 2; dev++) {
      rate[dev] = 0;
      if (running[dev]! < 0) continue;
      rate[dev] = inBody[dev] ? share : 1;
      dt = Math.min(dt, rem[dev]! / rate[dev]!);
    }
    const step = Math.max(1, Math.ceil(dt - 1e-9));
    for (let dev = 0; dev < 2; dev++) {
      if (running[dev]! < 0) continue;
      rem[dev] = Math.max(0, rem[dev]! - rate[dev]! * step);
      busy[dev]! += step;
    }
    if (running[0]! >= 0 && running[1]! >= 0 && inBody[0] && inBody[1]) {
      overlapPs += step;
      if (share < 1) contendedPs += step;
    }
    t += step;
  }
  return { startPs, endPs, makespanPs: t, busyPs: busy, overlapPs, contendedPs };
}

/**
 * coSchedule when every item runs on one processor (a GPU system's steps, a segment the policy placed on one
 * side): the same events without the other processor. Items run in order, each dependency being an earlier item on
 * the same processor; each phase (launch, then body) advances time by whole-picosecond steps until under 1e-6 ps
 * remain, the body at its natural rate or the array's, as coSchedule's loop advances it with one processor running.
 */
function oneProcessor(items: readonly CoItem[], dev: 0 | 1, arrayBytesPerPs: number): CoSchedule {
  const n = items.length;
  const startPs = new Array<number>(n);
  const endPs = new Array<number>(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    startPs[i] = t;
    let rem = it.launchPs;
    while (!(rem <= 1e-6)) {
      const step = Math.max(1, Math.ceil(rem / 1 - 1e-9));
      rem = Math.max(0, rem - 1 * step);
      t += step;
    }
    rem = it.bodyPs;
    if (!(rem <= 1e-6)) {
      const demand = 0 + it.bytes / it.bodyPs;
      const share = demand > arrayBytesPerPs ? arrayBytesPerPs / demand : 1;
      while (!(rem <= 1e-6)) {
        const step = Math.max(1, Math.ceil(rem / share - 1e-9));
        rem = Math.max(0, rem - share * step);
        t += step;
      }
    }
    endPs[i] = t;
  }
  const busyPs: [number, number] = [0, 0];
  busyPs[dev] = t;
  return { startPs, endPs, makespanPs: t, busyPs, overlapPs: 0, contendedPs: 0 };
}

/** One expert of a layer for `balanceExperts`: its tokens and its time alone on each processor. */
export interface ExpertLoad {
  readonly tokens: number;
  /** Time of the expert's FFN alone on the xPU, ps (0 with no tokens). */
  readonly xpuPs: number;
  /** Time of the expert's FFN alone on PIM, ps (0 with no tokens). */
  readonly pimPs: number;
}

/**
 * The experts of a layer the xPU takes under expert co-processing as the Duplex authors' simulator decides it
 * (LLMSimulator with `parallel_execution` on; src/module/route.cpp of the HeliosZhou/LLMSimulator fork @ f71dde4,
 * read, not copied): every expert starts on PIM; experts are taken in groups (one expert per group for up to 4
 * experts, otherwise 4 groups of consecutive experts), groups with the most tokens first, and a group moves to the
 * xPU while that lowers the larger of the two processors' summed times; the first group that does not lower it
 * stops the search. The authors estimate the two times in units of a weight read; here each expert's times are
 * Strata's own costs of its FFN on each processor (`loads`), so the rule is theirs and the costs are Strata's.
 * Returns expert indices, ascending.
 */
export function balanceExperts(loads: readonly ExpertLoad[]): number[] {
  const n = loads.length;
  const size = n <= 4 ? 1 : Math.ceil(n / 4);
  const groups: Array<{ experts: number[]; tokens: number; xpuPs: number; pimPs: number }> = [];
  for (let first = 0; first < n; first += size) {
    const experts: number[] = [];
    for (let e = first; e < Math.min(n, first + size); e++) experts.push(e);
    groups.push({
      experts,
      tokens: experts.reduce((s, e) => s + loads[e]!.tokens, 0),
      xpuPs: experts.reduce((s, e) => s + loads[e]!.xpuPs, 0),
      pimPs: experts.reduce((s, e) => s + loads[e]!.pimPs, 0),
    });
  }
  // Most tokens first; ties keep expert order (deterministic).
  const order = groups.map((_, i) => i).sort((a, b) => groups[b]!.tokens - groups[a]!.tokens || a - b);
  let xpuPs = 0;
  let pimPs = groups.reduce((s, g) => s + g.pimPs, 0);
  let best = pimPs;
  const taken: number[] = [];
  for (const gi of order) {
    const g = groups[gi]!;
    const x = xpuPs + g.xpuPs;
    const p = pimPs - g.pimPs;
    if (Math.max(x, p) >= best) break;
    xpuPs = x;
    pimPs = p;
    best = Math.max(x, p);
    taken.push(...g.experts);
  }
  return taken.sort((a, b) => a - b);
}

/**
 * The experts of a layer the xPU takes when each expert runs on whichever processor finishes it sooner (the Duplex
 * authors' simulator with `parallel_execution` off: src/hardware/executor.cpp of the HeliosZhou/LLMSimulator fork
 * @ f71dde4 times an op on each processor and keeps the faster). Ties stay on PIM. Expert indices, ascending.
 */
export function fastestExperts(loads: readonly ExpertLoad[]): number[] {
  const taken: number[] = [];
  loads.forEach((l, e) => { if (l.tokens > 0 && l.xpuPs < l.pimPs) taken.push(e); });
  return taken;
}
