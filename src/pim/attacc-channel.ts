import { invariant } from '../spec/errors.ts';
import { CommandLog } from '../dram/command-log.ts';
import { TimingState } from '../dram/timing-state.ts';
import type { AttAccDevice } from './attacc-device.ts';
import { AttAccOp, type AttAccStream, type AttAccTrace } from './attacc-stream.ts';

/** What running a stream (one legacy channel or a whole stack) took. */
export interface AttAccRun {
  /**
   * Memory cycles until every request has issued and no refresh is pending: AttAcc's Ramulator (its patched
   * main.cpp) stops once the trace front end is finished and no controller holds a request, so its
   * `memory_system_cycles` count up to the cycle of the last command.
   */
  readonly cycles: number;
  /** Memory cycles until the trace front end had sent its last request. */
  readonly frontEndCycles: number;
  /** Commands issued by name, of the legacy channels simulated (activations and precharges the MACs needed and both pseudo-channels' refreshes included). */
  readonly issued: Readonly<Record<string, number>>;
  /**
   * With `commandLog`: every command of the simulated legacy channels, one log per pseudo-channel (legacy channel i's
   * pseudo-channel p is log channel 2i + p, as arch/dram/hbm3.json numbers its 32 pseudo-channels); empty otherwise.
   */
  readonly logs: readonly CommandLog[];
}

/** Options of runAttAccChannel and runAttAccStack. */
export interface AttAccRunOptions {
  /** Set false to leave refresh out (to measure what it costs). */
  readonly refresh?: boolean;
  /** Record every command in a command log (off by default: it costs memory and time, and changes no result). */
  readonly commandLog?: boolean;
}

const NONE = -1;
const BARRIER = -2;

/**
 * One legacy channel of an AttAcc HBM3-PIM stack under AttAcc's PIM controller (the mechanism of
 * pim_ramulator_src/hbm3_pim_controller.cpp and pim_scheduler.cpp, re-derived): requests wait in an in-order buffer
 * of `requestBufferEntries`; every cycle the controller issues one command, and a second one on the other bus (row
 * beside column) when ready. It picks, in buffer order, the first request whose next command (the activation or
 * precharge a MAC needs first, or the request's own command) is ready, except that a ready command that is not a row
 * hit yields to an earlier row hit on its bank (no precharge under an open row's pending MACs); past the next barrier
 * only activations and precharges may be picked, and a barrier leaves the buffer once it reaches the front. Every
 * tREFI an all-bank refresh of each pseudo-channel takes priority: the open rows are precharged and the refresh
 * blocks activations for tRFC, while column commands of the PIM buffer still issue beside it.
 *
 * Every command goes through Strata's TimingState with the device's constraint table. Pseudo-channel 0 is simulated;
 * pseudo-channel 1 receives the same MACs (every AttAcc MAC command covers both pseudo-channels and its data-path
 * commands all address pseudo-channel 0), so its only own command is its refresh, which takes one command slot.
 */
export class AttAccChannel {
  /** Cycle of the last command issued (0 before any). */
  lastIssue = 0;
  /** Requests handed to the buffer so far (indices into the stream). */
  next = 0;
  private readonly buffer: number[] = [];
  private readonly ts: TimingState;
  private readonly openRow: Int32Array;
  private open = 0;
  private pendingRefresh = 0;
  private clk = 0;
  private readonly issued: Float64Array;
  private readonly hitBanks = new Uint8Array(32);
  private readonly isRow: Uint8Array;
  private readonly opCommand: number[];
  private readonly unitShift: number;

  /** Called for every command issued (cycle, command index, stream index or -1 for a refresh) when set. */
  onIssue: ((cycle: number, cmd: number, request: number) => void) | null = null;

  /** Set false to leave refresh out (to measure what it costs). */
  refresh = true;

  /**
   * When set, every command issued is recorded here in the form the other PIM channels use (src/dram/command-log.ts),
   * for the independent protocol checker: pseudo-channel 0's commands in `logs[0]` (a MAC, activation or precharge
   * with the row it addresses), pseudo-channel 1's refresh in `logs[1]`. Pseudo-channel 1's MACs are pseudo-channel
   * 0's (one MAC command covers both), so they are not repeated there.
   */
  logs: readonly [CommandLog, CommandLog] | null = null;

  constructor(private readonly device: AttAccDevice, private readonly stream: AttAccStream) {
    const std = device.standard;
    const c = device.commands;
    this.ts = new TimingState(std);
    // Row state per unit: one for all-bank MACs, one per bank index (same-bank), one per bank (per-bank).
    this.unitShift = device.placement === 'bank' ? 0 : device.placement === 'bank-group' ? 1 : 2;
    this.openRow = new Int32Array(this.unitShift === 0 ? 1 : this.unitShift === 1 ? 4 : 32).fill(-1);
    this.opCommand = [c.mac, c.wrgb, c.mvsb, c.mvgb, c.sfm];
    this.isRow = new Uint8Array(std.commandNames.length);
    for (const k of [c.act, c.pre, c.prea, c.ref]) this.isRow[k] = 1;
    this.issued = new Float64Array(std.commandNames.length);
  }

  /** True when the buffer has no room for another request. */
  get full(): boolean {
    return this.buffer.length >= this.device.requestBufferEntries;
  }

  /** True when every request handed over has issued and no refresh is pending. */
  get idle(): boolean {
    return this.buffer.length === 0 && this.pendingRefresh === 0;
  }

  /** Hands the stream's next request to the buffer. */
  push(): void {
    invariant(!this.full && this.next < this.stream.length, 'a request is pushed only into room, from the stream');
    this.buffer.push(this.next++);
  }

  /** Commands issued so far by name. */
  issuedByName(into: Record<string, number> = {}): Record<string, number> {
    this.device.standard.commandNames.forEach((n, k) => {
      if (this.issued[k]! > 0) into[n] = (into[n] ?? 0) + this.issued[k]!;
    });
    return into;
  }

  private unitOf(e: number): number {
    const s = this.stream;
    return this.unitShift === 0 ? 0 : this.unitShift === 1 ? s.bank[e]! : s.rank[e]! * 16 + s.bankGroup[e]! * 4 + s.bank[e]!;
  }

  /** The command request e needs next (its activation or precharge first, for a MAC). */
  private preq(e: number): number {
    const o = this.stream.op[e]!;
    if (o === AttAccOp.Barrier) return BARRIER;
    if (o !== AttAccOp.Mac) return this.opCommand[o]!;
    const r = this.openRow[this.unitOf(e)]!;
    const c = this.device.commands;
    return r === -1 ? c.act : r === this.stream.row[e] ? c.mac : c.pre;
  }

  private bankKey(e: number): number {
    const s = this.stream;
    return s.rank[e]! * 16 + s.bankGroup[e]! * 4 + s.bank[e]!;
  }

  private ready(cmd: number, e: number): boolean {
    const s = this.stream;
    return cmd === BARRIER || this.ts.earliestCycle(cmd, s.rank[e]!, s.bankGroup[e]!, s.bank[e]!) <= this.clk;
  }

  /** The buffer position the scheduler picks (NONE when empty); a barrier at the front leaves first. */
  private best(): number {
    const buffer = this.buffer;
    const s = this.stream;
    if (buffer.length > 0 && s.op[buffer[0]!] === AttAccOp.Barrier) buffer.shift();
    if (buffer.length === 0) return NONE;
    if (this.ready(this.preq(buffer[0]!), buffer[0]!)) return 0;
    const mac = this.device.commands.mac;
    let hitsKnown = false;
    let pastBarrier = false;
    for (let k = 1; k < buffer.length; k++) {
      const e = buffer[k]!;
      if (s.op[e] === AttAccOp.Barrier) {
        pastBarrier = true;
        continue;
      }
      const cmd = this.preq(e);
      if (pastBarrier && !this.isRow[cmd]) continue;
      if (!this.ready(cmd, e)) continue;
      if (cmd !== mac) {
        // A ready command that is not a row hit yields to an earlier row hit on its bank (row hits anywhere in the buffer count).
        if (!hitsKnown) {
          this.hitBanks.fill(0);
          for (const x of buffer) if (s.op[x] === AttAccOp.Mac && this.preq(x) === mac) this.hitBanks[this.bankKey(x)] = 1;
          hitsKnown = true;
        }
        if (this.hitBanks[this.bankKey(e)]) continue;
      }
      return k;
    }
    return 0;
  }

  private issue(cmd: number, e: number): void {
    const s = this.stream;
    const c = this.device.commands;
    this.ts.issue(cmd, this.clk, s.rank[e]!, s.bankGroup[e]!, s.bank[e]!);
    this.issued[cmd]!++;
    this.lastIssue = this.clk;
    this.onIssue?.(this.clk, cmd, e);
    this.logs?.[0].push(this.clk, cmd, s.rank[e]!, s.bankGroup[e]!, s.bank[e]!, s.row[e]!, -1);
    if (cmd === c.act) {
      const u = this.unitOf(e);
      if (this.openRow[u] === -1) this.open++;
      this.openRow[u] = s.row[e]!;
    } else if (cmd === c.prea) {
      this.openRow.fill(-1);
      this.open = 0;
    } else if (cmd === c.pre) {
      const u = this.unitOf(e);
      if (this.openRow[u] !== -1) this.open--;
      this.openRow[u] = -1;
    }
  }

  /** Issues the picked request's next command if ready and not on bus `excludeRow` (1 row, 0 column); returns it or NONE. */
  private tryPim(excludeRow: number): number {
    const k = this.best();
    if (k === NONE) return NONE;
    const e = this.buffer[k]!;
    const cmd = this.preq(e);
    if (cmd === BARRIER) {
      // A barrier that reaches the pick (two in a row) takes a command slot of its own.
      if (excludeRow !== NONE) return NONE;
      this.buffer.splice(k, 1);
      this.lastIssue = this.clk;
      return BARRIER;
    }
    if (excludeRow !== NONE && this.isRow[cmd] === excludeRow) return NONE;
    if (!this.ready(cmd, e)) return NONE;
    this.issue(cmd, e);
    const c = this.device.commands;
    if (cmd !== c.act && cmd !== c.pre) this.buffer.splice(k, 1);
    return cmd;
  }

  /** One memory cycle: a due refresh first (the precharge it needs, then one refresh per pseudo-channel), else the PIM buffer; then a command on the other bus. */
  tick(clk: number): void {
    this.clk = clk;
    const c = this.device.commands;
    if (this.refresh && clk % this.device.standard.timing.tREFI! === 0) this.pendingRefresh += 2;
    if (this.pendingRefresh === 0 && this.buffer.length === 0) return;
    let primaryRow = 1;
    if (this.pendingRefresh === 1) {
      // Pseudo-channel 1's refresh: its state is pseudo-channel 0's of a cycle earlier, so it is ready; it takes the slot.
      this.issued[c.ref]!++;
      this.onIssue?.(clk, c.ref, -1);
      this.logs?.[1].push(clk, c.ref, 0, 0, 0, -1, -1);
      this.pendingRefresh = 0;
      this.lastIssue = clk;
    } else if (this.pendingRefresh === 2) {
      const cmd = this.open > 0 ? c.prea : c.ref;
      if (this.ts.earliestCycle(cmd, 0, 0, 0) <= clk) {
        this.ts.issue(cmd, clk, 0, 0, 0);
        this.issued[cmd]!++;
        this.onIssue?.(clk, cmd, -1);
        this.logs?.[0].push(clk, cmd, 0, 0, 0, -1, -1);
        this.lastIssue = clk;
        if (cmd === c.prea) {
          this.openRow.fill(-1);
          this.open = 0;
        } else this.pendingRefresh = 1;
      }
    } else {
      const got = this.tryPim(NONE);
      if (got === NONE || got === BARRIER) return;
      primaryRow = this.isRow[got]!;
    }
    this.tryPim(primaryRow);
  }
}

/** Runs one legacy channel's stream alone, its buffer topped up before every cycle (all legacy channels in lockstep). */
export function runAttAccChannel(device: AttAccDevice, stream: AttAccStream, opts: AttAccRunOptions = {}): AttAccRun {
  const ch = new AttAccChannel(device, stream);
  ch.refresh = opts.refresh !== false;
  if (opts.commandLog) ch.logs = [new CommandLog(0), new CommandLog(1)];
  let frontEnd = -1;
  for (let i = 0; ; i++) {
    while (!ch.full && ch.next < stream.length) ch.push();
    if (frontEnd < 0 && ch.next >= stream.length) frontEnd = i;
    if (ch.next >= stream.length && ch.idle) break;
    ch.tick(i + 1);
  }
  return { cycles: ch.lastIssue, frontEndCycles: frontEnd, issued: ch.issuedByName(), logs: ch.logs ?? [] };
}

/**
 * Runs a whole stack: every legacy channel with its own controller, fed by one trace front end that hands the
 * requests out in trace order and stalls at the first one whose channel's buffer is full (AttAcc's PIMLoadStoreTrace),
 * so a channel with more work holds the others back. Channels whose streams are identical run in lockstep and are
 * simulated once.
 */
export function runAttAccStack(device: AttAccDevice, trace: AttAccTrace, opts: AttAccRunOptions = {}): AttAccRun {
  const n = trace.streams.length;
  const rep = new Int32Array(n).fill(-1);
  for (let a = 0; a < n; a++) {
    if (rep[a]! >= 0) continue;
    rep[a] = a;
    for (let b = a + 1; b < n; b++) if (rep[b]! < 0 && sameStream(trace.streams[a]!, trace.streams[b]!)) rep[b] = a;
  }
  const channels = trace.streams.map((s, i) => (rep[i] === i ? new AttAccChannel(device, s) : null));
  const live = channels.filter((x): x is AttAccChannel => x !== null);
  channels.forEach((ch, i) => {
    if (!ch) return;
    ch.refresh = opts.refresh !== false;
    if (opts.commandLog) ch.logs = [new CommandLog(2 * i), new CommandLog(2 * i + 1)];
  });
  const order = trace.order;
  let g = 0;
  let frontEnd = -1;
  for (let i = 0; ; i++) {
    while (g < order.length) {
      const ch = channels[order[g]!];
      if (ch) {
        if (ch.full) break;
        ch.push();
      }
      g++;
    }
    if (frontEnd < 0 && g >= order.length) frontEnd = i;
    if (g >= order.length && live.every((ch) => ch.idle)) break;
    for (const ch of live) ch.tick(i + 1);
  }
  const issued: Record<string, number> = {};
  channels.forEach((ch, i) => {
    const r = channels[rep[i]!]!;
    r.issuedByName(issued);
    void ch;
  });
  // A channel run in lockstep with its representative issued the same commands at the same cycles: its logs are copies.
  const logs = opts.commandLog ? channels.flatMap((_, i) => channels[rep[i]!]!.logs!.map((log, p) => (rep[i] === i ? log : relabel(log, 2 * i + p)))) : [];
  return { cycles: Math.max(...live.map((ch) => ch.lastIssue)), frontEndCycles: frontEnd, issued, logs };
}

/** A copy of `log` for another channel. */
function relabel(log: CommandLog, channel: number): CommandLog {
  const out = new CommandLog(channel);
  for (let i = 0; i < log.length; i++) out.push(log.cycle[i]!, log.command[i]!, log.rank[i]!, log.bankGroup[i]!, log.bank[i]!, log.row[i]!, log.column[i]!);
  return out;
}

function sameStream(a: AttAccStream, b: AttAccStream): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a.op[i] !== b.op[i] || a.row[i] !== b.row[i] || a.bank[i] !== b.bank[i] || a.bankGroup[i] !== b.bankGroup[i] || a.rank[i] !== b.rank[i]) return false;
  }
  return true;
}
