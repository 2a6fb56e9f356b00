import { invariant } from '../spec/errors.ts';
import { TimingState } from '../dram/timing-state.ts';
import type { AttAccDevice } from './attacc-device.ts';
import { AttAccOp, type AttAccStream } from './attacc-trace.ts';

/** What running one legacy channel's stream took. */
export interface AttAccChannelRun {
  /**
   * Memory cycles until every request has issued (and no refresh is pending): AttAcc's Ramulator (its patched
   * main.cpp) stops once the trace front end is finished and no controller has a request left, so its
   * `memory_system_cycles` count up to the cycle of the last command.
   */
  readonly cycles: number;
  /** Memory cycles until the trace front end had sent the last request into the buffer. */
  readonly frontEndCycles: number;
  /** Commands issued by name (activations and precharges the MACs needed, refreshes of both pseudo-channels included). */
  readonly issued: Readonly<Record<string, number>>;
}

const NONE = -1;
const BARRIER = -2;

/**
 * One legacy channel of an AttAcc HBM3-PIM stack under AttAcc's PIM controller (the mechanism of
 * pim_ramulator_src/hbm3_pim_controller.cpp and pim_scheduler.cpp, re-derived): requests enter an in-order buffer of
 * `requestBufferEntries` as space frees; every cycle the controller issues one command, and a second one of the other
 * bus (row beside column) when ready. It picks, in buffer order, the first request whose next command (an activation
 * or precharge the MAC needs first, or the request's own command) is ready, except that a ready precharge or other
 * command to a bank for which an earlier request is a row hit waits; past the next barrier only activations and
 * precharges may be picked, and a barrier leaves the buffer once it reaches the front. Every tREFI an all-bank refresh
 * of each pseudo-channel takes priority: the rows are precharged and the refresh blocks activations for tRFC, while
 * column commands of the PIM buffer may still issue beside it.
 *
 * Every command goes through Strata's TimingState with the device's constraint table. Pseudo-channel 0 is simulated;
 * pseudo-channel 1 receives the same MACs (all of AttAcc's MAC commands cover both pseudo-channels and its data-path
 * commands all address pseudo-channel 0), so its only own command is its refresh, which takes one command slot.
 */
export function runAttAccChannel(device: AttAccDevice, stream: AttAccStream): AttAccChannelRun {
  const std = device.standard;
  const c = device.commands;
  const ts = new TimingState(std);
  const tREFI = std.timing.tREFI!;
  const cap = device.requestBufferEntries;
  const placement = device.placement;
  // Open row per unit of row state: one for all-bank, one per bank index (same-bank), one per bank (per-bank).
  const units = placement === 'bank' ? 1 : placement === 'bank-group' ? 4 : 32;
  const openRow = new Int32Array(units).fill(-1);
  let open = 0;
  const { op, rank, bankGroup, bank, row } = stream;
  const unitOf = (e: number): number => (placement === 'bank' ? 0 : placement === 'bank-group' ? bank[e]! : rank[e]! * 16 + bankGroup[e]! * 4 + bank[e]!);
  const opCommand = [c.mac, c.wrgb, c.mvsb, c.mvgb, c.sfm];
  const isRow = new Uint8Array(std.commandNames.length);
  for (const k of [c.act, c.pre, c.prea, c.ref]) isRow[k] = 1;
  const issued = new Float64Array(std.commandNames.length);

  /** The command request e needs next (its activation or precharge first, for a MAC). */
  const preq = (e: number): number => {
    const o = op[e]!;
    if (o === AttAccOp.Barrier) return BARRIER;
    if (o !== AttAccOp.Mac) return opCommand[o]!;
    const r = openRow[unitOf(e)]!;
    return r === -1 ? c.act : r === row[e] ? c.mac : c.pre;
  };
  const bankKey = (e: number): number => rank[e]! * 16 + bankGroup[e]! * 4 + bank[e]!;

  const buffer: number[] = [];
  const hitBanks = new Uint8Array(32);
  let clk = 0;
  const ready = (cmd: number, e: number): boolean => cmd === BARRIER || ts.earliestCycle(cmd, rank[e]!, bankGroup[e]!, bank[e]!) <= clk;

  /** The buffer position the scheduler picks (NONE when empty); a barrier at the front leaves first. */
  const best = (): number => {
    if (buffer.length > 0 && op[buffer[0]!] === AttAccOp.Barrier) buffer.shift();
    if (buffer.length === 0) return NONE;
    hitBanks.fill(0);
    for (const e of buffer) if (op[e] === AttAccOp.Mac && preq(e) === c.mac) hitBanks[bankKey(e)] = 1;
    let cand = 0;
    let candCmd = preq(buffer[0]!);
    let candReady = ready(candCmd, buffer[0]!);
    let pastBarrier = false;
    for (let k = 1; k < buffer.length; k++) {
      const e = buffer[k]!;
      if (op[e] === AttAccOp.Barrier) pastBarrier = true;
      const cmd = preq(e);
      if (pastBarrier && (cmd < 0 || !isRow[cmd])) continue;
      if (candReady) continue;
      if (!ready(cmd, e)) continue;
      // A ready command that is not a row hit yields to an earlier row hit on its bank (no precharge under it).
      if (cmd !== c.mac && hitBanks[bankKey(e)]) continue;
      cand = k;
      candCmd = cmd;
      candReady = true;
    }
    return cand;
  };

  const issue = (cmd: number, e: number): void => {
    ts.issue(cmd, clk, rank[e]!, bankGroup[e]!, bank[e]!);
    issued[cmd]!++;
    if (cmd === c.act) {
      const u = unitOf(e);
      if (openRow[u] === -1) open++;
      openRow[u] = row[e]!;
    } else if (cmd === c.pre && cmd !== c.prea) {
      const u = unitOf(e);
      if (openRow[u] !== -1) open--;
      openRow[u] = -1;
    } else if (cmd === c.prea) {
      openRow.fill(-1);
      open = 0;
    }
  };

  /** Issues the picked request's next command if ready; returns the command (NONE if nothing issued). */
  const tryPim = (excludeType: number): number => {
    const k = best();
    if (k === NONE) return NONE;
    const e = buffer[k]!;
    const cmd = preq(e);
    if (cmd === BARRIER) {
      if (excludeType !== NONE) return NONE;
      buffer.splice(k, 1);
      return BARRIER;
    }
    if (excludeType !== NONE && isRow[cmd] === excludeType) return NONE;
    if (!ready(cmd, e)) return NONE;
    issue(cmd, e);
    if (cmd !== c.act && cmd !== c.pre) buffer.splice(k, 1);
    return cmd;
  };

  let next = 0;
  let pendingRefresh = 0;
  let lastIssue = 0;
  let endCycles = -1;
  for (let i = 0; ; i++) {
    // The trace front end tops the buffer up before each memory cycle; AttAcc's run ends once it has sent the last request.
    while (buffer.length < cap && next < stream.length) buffer.push(next++);
    if (endCycles < 0 && next >= stream.length) endCycles = i;
    if (next >= stream.length && buffer.length === 0 && pendingRefresh === 0) break;
    clk = i + 1;
    if (clk % tREFI === 0) pendingRefresh += 2;
    // Primary command: a due refresh first (the precharge it needs, then one refresh per pseudo-channel), else the PIM buffer.
    let primaryType = 1;
    if (pendingRefresh === 1) {
      // Pseudo-channel 1's refresh: the same state as pseudo-channel 0's a cycle earlier, so ready; it takes the slot.
      issued[c.ref]!++;
      pendingRefresh = 0;
      lastIssue = clk;
    } else if (pendingRefresh === 2) {
      const cmd = open > 0 ? c.prea : c.ref;
      if (ts.earliestCycle(cmd, 0, 0, 0) <= clk) {
        ts.issue(cmd, clk, 0, 0, 0);
        issued[cmd]!++;
        lastIssue = clk;
        if (cmd === c.prea) {
          openRow.fill(-1);
          open = 0;
        } else pendingRefresh = 1;
      }
    } else {
      const got = tryPim(NONE);
      if (got === NONE) continue;
      lastIssue = clk;
      if (got === BARRIER) continue;
      primaryType = isRow[got]!;
    }
    // A second command on the other bus (column beside row or row beside column) from the PIM buffer.
    if (tryPim(primaryType) !== NONE) lastIssue = clk;
  }
  invariant(buffer.length === 0, 'the AttAcc channel issues every request');
  const out: Record<string, number> = {};
  std.commandNames.forEach((n, k) => {
    if (issued[k]! > 0) out[n] = issued[k]!;
  });
  return { cycles: lastIssue, frontEndCycles: endCycles, issued: out };
}
