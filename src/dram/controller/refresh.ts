import type { Bank } from '../bank.ts';
import * as commands from '../commands.ts';
import type { ControllerSpec, DramStandard } from '../standard.ts';
import type { TimingState } from '../timing-state.ts';

// Speed hack: module-local copies of imported constants (why: controller.ts).
const { PRE, PREA, REF, REFPB } = commands;

/** Told when refresh takes a bank away from the scheduler or gives it back. */
export interface BankChangeListener {
  /** `bank`'s state changed: what it waits for must be worked out again. */
  bankChanged(bank: Bank): void;
}

/** How a channel other than the DRAM controller's runs all-bank refresh (the defaults are the controller's). */
export interface RefreshOptions {
  /**
   * All ranks fall due together, every tREFI from tREFI (default false: staggered evenly over tREFI), as the
   * NeuPIMs dual-row-buffer channel (src/pim/dual-buffer-channel.ts) has refreshed since it was written.
   */
  readonly simultaneous?: boolean;
  /** A rank with open rows is closed by one PREA, not a PRE per open bank (default false). */
  readonly closeWithPrea?: boolean;
}

/**
 * Refresh of one channel. All-bank: each rank's REF falls due every tREFI, the ranks staggered evenly over
 * tREFI so their refreshes do not coincide (or all at once: RefreshOptions). Per-bank: one bank at a time,
 * round-robin, every tREFIpb. Once a refresh is due it is pending: its banks take no scheduler command (holds) and
 * their open rows are precharged (a PRE per bank, or one PREA), then REF (REFpb) issues. Contract: update marks
 * refreshes due at a cycle pending; ready names the refresh command legal at a cycle (command, bank) for the DRAM
 * controller, earliest the pending command that can issue first for a channel that issues at the earliest legal
 * cycle (src/pim/dual-buffer-channel.ts, src/pim/pim-channel.ts); the channel issues it and reports it with issued.
 */
export class Refresh {
  /** Per rank: the cycle its next all-bank refresh falls due (Infinity without all-bank refresh). */
  private readonly due: Float64Array;
  /** Per rank: 1 while its all-bank refresh is pending (read by Controller.bankChanged, holds inlined for speed). */
  readonly pending: Uint8Array;
  /** Refreshes pending (all-bank ones and the per-bank one). */
  pendingCount = 0;
  /** The cycle the next per-bank refresh falls due (Infinity without per-bank refresh), and its bank. */
  private perBankDue = Infinity;
  private perBankNext = 0;
  /** Output of ready and nextStep: the refresh command to issue and its bank. */
  command = REF;
  bank: Bank | undefined;
  private readonly tREFI: number;
  private readonly tREFIpb: number;
  private readonly closeWithPrea: boolean;

  constructor(
    std: DramStandard,
    mode: ControllerSpec['refresh'],
    private readonly banks: readonly Bank[],
    private readonly timing: TimingState,
    private readonly changes: BankChangeListener,
    options: RefreshOptions = {},
  ) {
    const ranks = std.organization.ranks;
    this.tREFI = std.timing.tREFI!;
    this.tREFIpb = std.timing.tREFIpb ?? Infinity;
    this.closeWithPrea = options.closeWithPrea === true;
    this.due = new Float64Array(ranks);
    this.pending = new Uint8Array(ranks);
    if (mode === 'all-bank') {
      for (let r = 0; r < ranks; r++) this.due[r] = options.simultaneous === true ? this.tREFI : Math.floor((this.tREFI * (r + 1)) / ranks);
    } else {
      this.due.fill(Infinity);
      if (mode === 'per-bank') this.perBankDue = this.tREFIpb;
    }
  }

  /** The cycle the first refresh falls due (Infinity without refresh). */
  firstDueCycle(): number {
    return Math.min(this.perBankDue, ...this.due);
  }

  /** The cycle rank `r`'s next all-bank refresh falls due (Infinity without all-bank refresh). */
  dueCycle(r: number): number {
    return this.due[r]!;
  }

  /** Whether a pending refresh holds `bank`: the scheduler leaves it alone until the refresh issues. */
  holds(bank: Bank): boolean {
    return bank.refreshPending || this.pending[bank.rank] === 1;
  }

  /** Marks the refreshes due by cycle `c` pending. */
  update(c: number): void {
    for (let r = 0; r < this.due.length; r++) {
      if (!this.pending[r] && c >= this.due[r]!) {
        this.pending[r] = 1;
        for (const b of this.banks) if (b.rank === r) this.changes.bankChanged(b);
        this.pendingCount++;
      }
    }
    if (c >= this.perBankDue) {
      const bank = this.banks[this.perBankNext]!;
      if (!bank.refreshPending) {
        bank.refreshPending = true;
        this.changes.bankChanged(bank);
        this.pendingCount++;
      }
    }
  }

  /** The pending refresh command legal at `c` (sets command and bank), or -1. */
  ready(c: number): number {
    for (let r = 0; r < this.pending.length; r++) {
      if (this.pending[r] && this.nextStep(r) <= c) return this.command;
    }
    if (this.perBankDue !== Infinity && this.banks[this.perBankNext]!.refreshPending && this.nextPerBankStep() <= c) return this.command;
    return -1;
  }

  /**
   * The pending all-bank refresh command that can issue first at or after cycle `from`, over the ranks other than
   * `skipRank` (-1: none skipped): sets command and bank (ties, also of ranks legal before `from`: the lower rank)
   * and returns its cycle, Infinity when none.
   */
  earliest(from: number, skipRank = -1): number {
    let t = Infinity;
    let command = this.command;
    let bank = this.bank;
    for (let r = 0; r < this.pending.length; r++) {
      if (!this.pending[r] || r === skipRank) continue;
      const e = Math.max(from, this.nextStep(r));
      if (e < t) {
        t = e;
        command = this.command;
        bank = this.bank;
      }
    }
    this.command = command;
    this.bank = bank;
    return t;
  }

  /**
   * Takes over the schedule of another Refresh over a channel of the same shape (due cycles, pending refreshes,
   * the per-bank turn): for a channel that copies the state of one that ran the same commands (the PIM-GPT channel,
   * src/pim/pim-channel.ts). Banks' own refreshPending flags are the banks' state, not copied here.
   */
  copyFrom(other: Refresh): void {
    this.due.set(other.due);
    this.pending.set(other.pending);
    this.pendingCount = other.pendingCount;
    this.perBankDue = other.perBankDue;
    this.perBankNext = other.perBankNext;
  }

  /** A refresh command issued (PRE needs no bookkeeping here: it only closes a row the refresh needs closed). */
  issued(cmd: number, bank: Bank): void {
    if (cmd === REF) {
      this.pending[bank.rank] = 0;
      for (const b of this.banks) if (b.rank === bank.rank) this.changes.bankChanged(b);
      this.pendingCount--;
      this.due[bank.rank]! += this.tREFI;
    } else if (cmd === REFPB) {
      bank.refreshPending = false;
      this.pendingCount--;
      this.perBankNext = (this.perBankNext + 1) % this.banks.length;
      this.perBankDue += this.tREFIpb;
    }
  }

  /**
   * Next cycle at which refresh needs attention: a due time not yet reached, or the earliest next step of a
   * refresh already pending (whose due time has passed: counting it would wake the controller every cycle until
   * the refresh issues, with nothing to do).
   */
  wakeCycle(c: number): number {
    let t = Infinity;
    for (let r = 0; r < this.due.length; r++) {
      const e = this.pending[r] ? this.nextStep(r) : this.due[r]!;
      if (e < t) t = e;
    }
    if (this.perBankDue !== Infinity) {
      const e = this.banks[this.perBankNext]!.refreshPending ? this.nextPerBankStep() : this.perBankDue;
      if (e < t) t = e;
    }
    return Math.max(t, c + 1);
  }

  /**
   * The next command of rank `r`'s pending all-bank refresh: a PRE for its open bank that can close first (or a
   * PREA for the rank, closeWithPrea), or REF once every bank is closed. Sets command and bank; returns the
   * command's earliest cycle.
   */
  private nextStep(r: number): number {
    if (this.closeWithPrea) return this.preaStep(r);
    let t = Infinity;
    for (const b of this.banks) {
      if (b.rank !== r || b.openRow < 0) continue;
      const e = this.timing.earliestCycle(PRE, r, b.bankGroup, b.bank);
      if (e < t) {
        t = e;
        this.command = PRE;
        this.bank = b;
      }
    }
    if (t === Infinity) {
      this.command = REF;
      this.bank = this.banks[r * (this.banks.length / this.pending.length)]!;
      t = this.timing.earliestCycle(REF, r, 0, 0);
    }
    return t;
  }

  /** nextStep closing the rank with one PREA: PREA while any of its banks is open, then REF (at its first bank). */
  private preaStep(r: number): number {
    const perRank = this.banks.length / this.pending.length;
    let open = false;
    for (let i = r * perRank; i < (r + 1) * perRank; i++) {
      if (this.banks[i]!.openRow >= 0) {
        open = true;
        break;
      }
    }
    this.command = open ? PREA : REF;
    this.bank = this.banks[r * perRank]!;
    return this.timing.earliestCycle(this.command, r, 0, 0);
  }

  /** The next command of the pending per-bank refresh: PRE if its bank is open, else REFpb (as nextStep). */
  private nextPerBankStep(): number {
    const b = this.banks[this.perBankNext]!;
    this.command = b.openRow >= 0 ? PRE : REFPB;
    this.bank = b;
    return this.timing.earliestCycle(this.command, b.rank, b.bankGroup, b.bank);
  }
}
