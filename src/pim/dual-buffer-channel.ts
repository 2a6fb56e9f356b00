import { invariant } from '../spec/errors.ts';
import type { CommandLog } from '../dram/command-log.ts';
import { Bank } from '../dram/bank.ts';
import { ACT, COMMANDS, PRE, PREA, RD, REF, WR } from '../dram/commands.ts';
import { Refresh } from '../dram/controller/refresh.ts';
import { EarliestFirstScheduler, ORDINARY_CLASS, PRIORITY_CLASS, REFRESH_CLASS, type QueuedRequests } from '../dram/controller/scheduler-earliest.ts';
import { bytesPerRequest, type DramStandard } from '../dram/standard.ts';
import { TimingState } from '../dram/timing-state.ts';
import type { PimSpec } from './pim-spec.ts';

/**
 * One HBM channel of a Newton-style PIM device (NeuPIMs) serving two traffic classes at once: a PIM program
 * (GWRITE, G_ACT, COMP, READRES, P_PRE, plus the ACT/PRE around a GWRITE) and a stream of ordinary 64 B reads
 * and writes (an NPU's DMA traffic) with their own ACT/RD/WR/PRE.
 *
 * - One row buffer per bank (`spec.rowBuffers` 1, the naive NPU+PIM "blocked" mode): PIM rows and ordinary
 *   rows share each bank's buffer, so the channel serves one class at a time. Ordinary requests are served
 *   until the PIM program starts; from then on the PIM program owns the channel until its last command (the
 *   NPU's memory accesses are blocked, as NeuPIMs describes the baseline), and a G_ACT first precharges the
 *   ordinary rows of its bank group (counted as switch precharges).
 * - Two row buffers (NeuPIMs): G_ACT/COMP/P_PRE use the PIM buffer, ordinary commands the other; the classes
 *   share only the command bus (one command per cycle), the data bus (READRES against RD/WR), the activation
 *   power window (a G_ACT takes a whole tFAW) and refresh.
 *
 * PIM has priority: when both classes can issue in a cycle the PIM command goes, and in dual mode an ordinary
 * command is held back if the constraint table says it would push the PIM program's next command later
 * (the guard of src/dram/controller/scheduler-earliest.ts, the scheduling policy this channel uses). Every command
 * issues at the earliest cycle the standard's constraint table allows (TimingState, shared by both classes), at
 * most one per cycle. All-bank refresh (one REF per rank every tREFI, all ranks due
 * together) closes both buffers first: new activations of either class wait, a PIM row in progress finishes up to
 * its P_PRE, then each rank's ordinary rows close with one PREA. The refresh schedule is the DRAM controller's
 * Refresh part (src/dram/controller/refresh.ts, with its simultaneous and PREA options), over the same Bank
 * objects (their open row is the ordinary buffer's) and the same TimingState.
 * Ordinary requests are scheduled FR-FCFS over a transaction queue (open page; a row is precharged only when
 * no queued request hits it). The run is event-driven: each step issues exactly one command, at the minimum
 * over the candidates' earliest legal cycles, so simulated time jumps over idle stretches. Typed arrays and no
 * allocation per command.
 */

/** A PIM program: steps of `count` back-to-back issues of one command at (rank, bank group, bank, row). */
export interface PimProgram {
  readonly length: number;
  readonly cmd: Int32Array;
  readonly rank: Int32Array;
  readonly bankGroup: Int32Array;
  readonly bank: Int32Array;
  readonly row: Int32Array;
  readonly count: Int32Array;
}

/** Builds a PimProgram step by step. */
export class PimProgramBuilder {
  private n = 0;
  private readonly cols = { cmd: [] as number[], rank: [] as number[], bankGroup: [] as number[], bank: [] as number[], row: [] as number[], count: [] as number[] };

  /** Appends `count` issues of `cmd` (a command index of the spec's standard). */
  push(cmd: number, count = 1, rank = 0, bankGroup = 0, bank = 0, row = -1): this {
    invariant(Number.isInteger(count) && count >= 1, 'a PIM program step issues its command at least once');
    this.cols.cmd.push(cmd);
    this.cols.rank.push(rank);
    this.cols.bankGroup.push(bankGroup);
    this.cols.bank.push(bank);
    this.cols.row.push(row);
    this.cols.count.push(count);
    this.n++;
    return this;
  }

  /** The program as typed arrays. */
  build(): PimProgram {
    const c = this.cols;
    return {
      length: this.n, cmd: Int32Array.from(c.cmd), rank: Int32Array.from(c.rank), bankGroup: Int32Array.from(c.bankGroup),
      bank: Int32Array.from(c.bank), row: Int32Array.from(c.row), count: Int32Array.from(c.count),
    };
  }
}

/** Ordinary 64 B requests of one channel, in arrival order (parallel typed arrays; arrival in cycles of the DRAM clock). */
export interface NormalRequests extends QueuedRequests {
  readonly column: Int32Array;
}

/** Options of runDualBufferChannel. */
export interface ChannelRunOptions {
  /** Cycle at which the PIM program may start (default 0). */
  pimStartCycle?: number;
  /** Transaction-queue entries for ordinary requests (default: the standard's read queue depth). */
  queueDepth?: number;
  /** All-bank refresh every tREFI (default true). */
  refresh?: boolean;
  /** Records every command (channel number of the log is the caller's). */
  log?: CommandLog;
}

/** What one channel run did. Cycles are of the DRAM clock. */
export interface ChannelRun {
  readonly rowBuffers: 1 | 2;
  /** Cycle at which the PIM program's last command issued and its last result returned (0 without a program). */
  readonly pimFinishCycle: number;
  /** Cycle at which the last ordinary request's data finished (0 without requests). */
  readonly normalFinishCycle: number;
  /** Cycle of the first command of each class (-1 if none). */
  readonly pimFirstCycle: number;
  readonly normalFirstCycle: number;
  /** max of the two finish cycles (and of the last refresh). */
  readonly endCycle: number;
  /** Commands issued, by command index. */
  readonly commandCounts: Float64Array;
  /** Commands by class: the PIM program's (with the precharges it needed), the ordinary requests', refresh (REF and its PREA). */
  readonly pimCommands: number;
  readonly normalCommands: number;
  readonly refreshCommands: number;
  /** Precharges of ordinary rows issued for the PIM program (single mode: mode switches; dual: a GWRITE's bank). */
  readonly switchPrecharges: number;
  /** Cycles the data bus carried bursts (RD, WR, READRES x tBURST) and the command bus carried commands, up to endCycle. */
  readonly dataBusBusyCycles: number;
  readonly commandBusBusyCycles: number;
  readonly requestsDone: number;
  /** Bytes the ordinary requests moved. */
  readonly normalBytes: number;
  /** MAC-lane operations COMP commands performed (banks of the channel x lanes per bank per COMP). */
  readonly macSlots: number;
}

const NONE = 0;

/**
 * Runs a PIM program and ordinary requests on one channel of a Newton-command-set PIM spec, in single- or
 * dual-row-buffer mode as the spec says (load the spec with `{ rowBuffers }` for the other mode).
 */
export function runDualBufferChannel(spec: PimSpec, program: PimProgram, requests: NormalRequests, opts: ChannelRunOptions = {}): ChannelRun {
  return runChannel(spec, program, requests, opts, null, null);
}

/**
 * The run of runDualBufferChannel. `rec` (StreamRecord) notes each step's ordinary command and when each request
 * entered the scheduler's queue; `guide` replays such a record's ordinary commands before its step `until` instead of
 * picking them, then picks as usual (AloneStream).
 */
function runChannel(spec: PimSpec, program: PimProgram, allRequests: NormalRequests, opts: ChannelRunOptions, rec: StreamRecord | null, guide: { readonly record: StreamRecord; readonly until: number } | null): ChannelRun {
  invariant(spec.commandSet === 'newton', 'the dual-buffer channel drives the newton command set');
  const std = spec.standard;
  const names = std.commandNames;
  const cmdOf = (n: string) => names.indexOf(n);
  const G_ACT = cmdOf('G_ACT');
  const COMP = cmdOf('COMP');
  const READRES = cmdOf('READRES');
  const P_PRE = cmdOf('P_PRE');
  const GWRITE = cmdOf('GWRITE');
  const o = std.organization;
  const t = std.timing;
  const tBURST = t.tBURST!;
  const readDone = t.CL! + tBURST;
  const writeDone = t.CWL! + tBURST;
  const bpg = o.banksPerGroup;
  const perRank = o.bankGroups * bpg;
  const banks = o.ranks * perRank;
  const dual = spec.rowBuffers === 2;
  const nc = names.length;

  const timing = new TimingState(std);
  // Open row per bank: the ordinary buffer's in its Bank (also the PIM rows', single mode); the PIM buffer's in pimRows (dual).
  const bankState: Bank[] = [];
  for (let i = 0; i < banks; i++) {
    const bg = Math.floor(i / bpg);
    bankState.push(new Bank(Math.floor(i / perRank), bg % o.bankGroups, i % bpg, i, bg));
  }
  const pimRows = new Int32Array(banks).fill(-1);
  const counts = new Float64Array(nc);
  const log = opts.log;
  const pimStart = opts.pimStartCycle ?? 0;
  const refreshOn = opts.refresh !== false;

  // PIM program cursor.
  let step = 0;
  let left = program.length > 0 ? program.count[0]! : 0;
  let pimRowsOpen = 0; // banks whose PIM buffer holds a row
  let hold = -1; // bank whose ordinary buffer the PIM program holds (ACT ... GWRITE ... PRE)
  let pimFirst = -1;
  let pimLast = -1;
  let pimDone = 0;
  let pimCommands = 0;
  let switchPrecharges = 0;
  let macSlots = 0;
  const banksLanes = banks * spec.unit.macsPerBank;

  // Ordinary requests: the earliest-first policy (FR-FCFS over a transaction queue, the PIM program its priority class).
  const depth = opts.queueDepth ?? std.controller.readQueueDepth;
  // Guided, the scheduler starts at the guide's step `until`, over the requests then unserved (`requests` from then on).
  let requests = allRequests;
  let scheduler = new EarliestFirstScheduler(std, bankState, timing, requests, depth);
  const guidedServed = guide ? new Uint8Array(requests.length) : null;
  let guided = guide !== null && guide.until > 0;
  let requestsBefore = 0;
  let requestsDone = 0;
  let normalFirst = -1;
  let normalDone = 0;
  let normalCommands = 0;

  // Refresh: all ranks due together every tREFI, closed by PREA (no scheduler to tell of a bank's change).
  const refresh = new Refresh(std, refreshOn ? 'all-bank' : 'none', bankState, timing, { bankChanged: () => {} }, { simultaneous: true, closeWithPrea: true });
  let refreshCommands = 0;

  let dataBusy = 0;
  let cursor = 0;
  let lastIssue = 0;

  const issue = (cmd: number, c: number, rank: number, bg: number, bank: number, row: number, column: number): void => {
    timing.issue(cmd, c, rank, bg, bank);
    counts[cmd]!++;
    log?.push(c, cmd, rank, bg, bank, row, column);
    cursor = c + 1;
    lastIssue = c;
  };
  const bankIndex = (rank: number, bg: number, bank: number) => (rank * o.bankGroups + bg) * bpg + bank;
  const ordinaryOpenIn = (lo: number, hi: number): number => {
    for (let b = lo; b < hi; b++) if (bankState[b]!.openRow !== -1) return b;
    return -1;
  };

  // Candidate of each class: cycle, command and target, recomputed every step.
  let pc = 0, pCmd = 0, pRank = 0, pBg = 0, pBank = 0, pRow = 0, pKind = NONE; // pKind: NONE, or 1 = program step, 2 = PRE for it
  for (let stepNo = 0; ; stepNo++) {
    const pimLeft = step < program.length;
    const normalLeft = requestsDone < requests.length;
    if (!pimLeft && !normalLeft) break;
    refresh.update(cursor);
    const refreshPending = refresh.pendingCount > 0;

    // PIM candidate.
    pKind = NONE;
    pc = Infinity;
    if (pimLeft) {
      pCmd = program.cmd[step]!;
      pRank = program.rank[step]!;
      pBg = program.bankGroup[step]!;
      pBank = program.bank[step]!;
      pRow = program.row[step]!;
      const startsRow = (pCmd === G_ACT && pimRowsOpen === 0) || (pCmd === ACT && hold < 0);
      if (!(refreshPending && startsRow)) {
        pKind = 1;
        if (pCmd === G_ACT && !dual) {
          // Single buffer: the bank group's ordinary rows must be closed first.
          const lo = bankIndex(pRank, pBg, 0);
          const open = ordinaryOpenIn(lo, lo + bpg);
          if (open >= 0) {
            pKind = 2;
            pBank = open - lo;
            pCmd = PRE;
          }
        } else if (pCmd === ACT) {
          const b = bankIndex(pRank, pBg, pBank);
          hold = b;
          if (bankState[b]!.openRow !== -1) {
            pKind = 2;
            pCmd = PRE;
          }
        }
        pc = Math.max(cursor, pimStart, timing.earliestCycle(pCmd, pRank, pBg, pBank));
      }
    }

    // Refresh candidate, once no PIM row is open (in single mode PIM rows share buffer 0): close the rank's
    // ordinary rows (PREA), then REF; not in the rank whose ordinary buffer the PIM program holds.
    let rc = Infinity, rCmd = 0, rRank = 0;
    if (refreshPending && pimRowsOpen === 0) {
      rc = refresh.earliest(cursor, hold >= 0 ? Math.floor(hold / perRank) : -1);
      rCmd = refresh.command;
      rRank = refresh.bank?.rank ?? 0;
    }

    // Ordinary candidate (single buffer: none from the PIM program's start until its end).
    // Not when the PIM command can issue at `cursor`: no ordinary command is earlier and ties go to PIM (the pick
    // would only fill the queue, which the next pick fills the same way).
    let nc0 = Infinity;
    if (normalLeft && !refreshPending && (dual || !pimLeft || cursor < pimStart) && pc > cursor) {
      if (guided && stepNo >= guide!.until) {
        // The step at which the record's queue first took a request past these: from here the run picks for itself.
        guided = false;
        requests = unservedOf(allRequests, guidedServed!);
        requestsBefore = requestsDone;
        requestsDone = 0;
        scheduler = new EarliestFirstScheduler(std, bankState, timing, requests, depth);
      }
      if (guided) {
        const r = guide!.record;
        nc0 = r.request[stepNo]! >= 0 ? r.cycle[stepNo]! : Infinity;
      } else {
        rec?.beforePick(stepNo);
        nc0 = scheduler.pick(cursor, hold, !dual && pimLeft ? pimStart : Infinity, pKind !== NONE ? pCmd : -1, pc);
      }
    }

    // The earliest goes; ties: refresh, then PIM, then ordinary.
    const kind = EarliestFirstScheduler.arbitrate(rc, pc, nc0);
    const c = kind === REFRESH_CLASS ? rc : kind === PRIORITY_CLASS ? pc : nc0;
    if (kind < 0 || !Number.isFinite(c)) invariant(false, `the dual-buffer channel always has a command to issue (step ${step}, requests done ${requestsDone})`);

    if (kind === REFRESH_CLASS) {
      issue(rCmd, c, rRank, 0, 0, -1, -1);
      refreshCommands++;
      if (rCmd === PREA) for (let b = rRank * perRank; b < (rRank + 1) * perRank; b++) bankState[b]!.openRow = -1;
      refresh.issued(rCmd, refresh.bank!);
    } else if (kind === PRIORITY_CLASS) {
      const b = bankIndex(pRank, pBg, pBank);
      issue(pCmd, c, pRank, pBg, pBank, pKind === 2 ? bankState[b]!.openRow : pRow, -1);
      pimCommands++;
      if (pimFirst < 0) pimFirst = c;
      pimLast = c;
      if (pKind === 2) {
        bankState[b]!.openRow = -1;
        switchPrecharges++;
      } else {
        if (pCmd === G_ACT) {
          const lo = bankIndex(pRank, pBg, 0);
          if (dual) pimRows.fill(pRow, lo, lo + bpg);
          else for (let k = lo; k < lo + bpg; k++) bankState[k]!.openRow = pRow;
          pimRowsOpen += bpg;
        } else if (pCmd === P_PRE) {
          if (dual) pimRows.fill(-1);
          else for (const bs of bankState) bs.openRow = -1;
          pimRowsOpen = 0;
        } else if (pCmd === ACT) {
          bankState[b]!.openRow = pRow;
        } else if (pCmd === PRE) {
          bankState[b]!.openRow = -1;
          if (b === hold) hold = -1;
        } else if (pCmd === COMP) {
          macSlots += banksLanes;
        } else if (pCmd === READRES) {
          dataBusy += tBURST;
          pimDone = Math.max(pimDone, c + readDone);
        }
        invariant(pCmd !== GWRITE || bankState[b]!.openRow === pRow, 'a GWRITE follows the ACT of its row');
        if (--left === 0 && ++step < program.length) left = program.count[step]!;
      }
    } else {
      invariant(kind === ORDINARY_CLASS, 'the arbiter picks one of three classes');
      const i = guided ? guide!.record.request[stepNo]! : scheduler.request;
      const nCmd = guided ? guide!.record.command[stepNo]! : scheduler.command;
      const rk = requests.rank[i]!, bg = requests.bankGroup[i]!, bk = requests.bank[i]!;
      const b = bankIndex(rk, bg, bk);
      issue(nCmd, c, rk, bg, bk, nCmd === PRE ? bankState[b]!.openRow : requests.row[i]!, nCmd === RD || nCmd === WR ? requests.column[i]! : -1);
      normalCommands++;
      rec?.issued(stepNo, i, nCmd, c);
      if (normalFirst < 0) normalFirst = c;
      if (nCmd === ACT) bankState[b]!.openRow = requests.row[i]!;
      else if (nCmd === PRE) bankState[b]!.openRow = -1;
      else {
        dataBusy += tBURST;
        normalDone = Math.max(normalDone, c + (nCmd === RD ? readDone : writeDone));
        requestsDone++;
        if (guided) guidedServed![i] = 1;
        else scheduler.served(i);
        rec?.served();
      }
    }
  }
  const pimFinish = program.length > 0 ? Math.max(pimDone, pimLast + 1) : 0;
  const endCycle = Math.max(pimFinish, normalDone, lastIssue + 1);
  let commandBus = 0;
  for (let k = 0; k < nc; k++) commandBus += counts[k]!;
  return {
    rowBuffers: spec.rowBuffers,
    pimFinishCycle: pimFinish,
    normalFinishCycle: normalDone,
    pimFirstCycle: pimFirst,
    normalFirstCycle: normalFirst,
    endCycle,
    commandCounts: counts,
    pimCommands,
    normalCommands,
    refreshCommands,
    switchPrecharges,
    dataBusBusyCycles: dataBusy,
    commandBusBusyCycles: commandBus,
    requestsDone: requestsBefore + requestsDone,
    normalBytes: (requestsBefore + requestsDone) * bytesPerRequest(std),
    macSlots,
  };
}

/**
 * What a run records for AloneStream: per step, the ordinary command it issued (request, command, cycle; request -1
 * where none), and per request the step at which it entered the scheduler's queue (mirrored: the queue fills in
 * arrival order up to its depth at each pick and a request leaves it when served, src/dram/controller/scheduler-earliest.ts).
 */
class StreamRecord {
  readonly enterStep: Int32Array;
  request: Int32Array;
  command: Uint8Array;
  cycle: Float64Array;
  private queued = 0;
  private next = 0;

  constructor(private readonly length: number, private readonly depth: number) {
    this.enterStep = new Int32Array(length);
    const steps = 2 * length + 64;
    this.request = new Int32Array(steps).fill(-1);
    this.command = new Uint8Array(steps);
    this.cycle = new Float64Array(steps);
  }

  /** The scheduler is about to pick at `step` (after filling its queue). */
  beforePick(step: number): void {
    while (this.queued < this.depth && this.next < this.length) {
      this.enterStep[this.next++] = step;
      this.queued++;
    }
  }

  /** An ordinary command issued at `step`. */
  issued(step: number, request: number, command: number, cycle: number): void {
    if (step >= this.request.length) {
      const request = new Int32Array(2 * this.request.length).fill(-1);
      const command = new Uint8Array(request.length);
      const cycle = new Float64Array(request.length);
      request.set(this.request);
      command.set(this.command);
      cycle.set(this.cycle);
      this.request = request;
      this.command = command;
      this.cycle = cycle;
    }
    this.request[step] = request;
    this.command[step] = command;
    this.cycle[step] = cycle;
  }

  /** A request was served (it left the queue). */
  served(): void {
    this.queued--;
  }
}

/** The first `n` of `r`, as views. */
function prefixOf(r: NormalRequests, n: number): NormalRequests {
  return {
    length: n, arrival: r.arrival.subarray(0, n), write: r.write.subarray(0, n), rank: r.rank.subarray(0, n), bankGroup: r.bankGroup.subarray(0, n),
    bank: r.bank.subarray(0, n), row: r.row.subarray(0, n), column: r.column.subarray(0, n),
  };
}

/** The requests of `r` not marked in `served`, in order. */
function unservedOf(r: NormalRequests, served: Uint8Array): NormalRequests {
  const keep: number[] = [];
  for (let i = 0; i < r.length; i++) if (!served[i]) keep.push(i);
  const pick = <T extends Float64Array | Uint8Array | Int32Array>(a: T): T => {
    const b = new (a.constructor as new (n: number) => T)(keep.length);
    keep.forEach((i, k) => (b[k] = a[i]!));
    return b;
  };
  return {
    length: keep.length, arrival: pick(r.arrival), write: pick(r.write), rank: pick(r.rank), bankGroup: pick(r.bankGroup), bank: pick(r.bank),
    row: pick(r.row), column: pick(r.column),
  };
}

/**
 * One stream of ordinary requests run alone on a channel (no PIM program), from which the finish cycle of any prefix
 * comes cheaply and exactly: finish(n) is runDualBufferChannel(spec, no program, the first n requests,
 * opts).normalFinishCycle, bit for bit.
 *
 * Why it is the same run. The scheduler queues requests in arrival order whatever their arrival cycle, so the run of
 * the first n requests issues, step for step, the commands of the whole stream's run until the step D at which
 * request n enters the whole run's queue (before D neither queue holds a request from n on). finish(n) replays the
 * recorded ordinary commands up to D instead of picking them (refresh runs as ever, on the same commands), and from D
 * picks for itself with a scheduler over the requests of the prefix then unserved (fewer than the queue's depth, in
 * order: the prefix run's queue at D). Replaying a command costs a small part of picking one (the pick scans the
 * queue), so a prefix costs about its length in replayed commands and a queue's worth of picks.
 */
export class AloneStream {
  private readonly record: StreamRecord;
  private readonly finishAll: number;

  constructor(private readonly spec: PimSpec, private readonly requests: NormalRequests, private readonly opts: Pick<ChannelRunOptions, 'queueDepth' | 'refresh'> = {}) {
    this.record = new StreamRecord(requests.length, opts.queueDepth ?? spec.standard.controller.readQueueDepth);
    this.finishAll = runChannel(spec, new PimProgramBuilder().build(), requests, opts, this.record, null).normalFinishCycle;
  }

  /** Requests of the stream. */
  get length(): number {
    return this.requests.length;
  }

  /** normalFinishCycle of the first `n` requests run alone (0 <= n <= length). */
  finish(n: number): number {
    invariant(Number.isInteger(n) && n >= 0 && n <= this.requests.length, 'a prefix of the stream');
    if (n === this.requests.length) return this.finishAll;
    const until = this.record.enterStep[n]!;
    return runChannel(this.spec, new PimProgramBuilder().build(), prefixOf(this.requests, n), this.opts, null, { record: this.record, until }).normalFinishCycle;
  }
}

/** Commands of a run by name (those issued at least once). */
export function commandsByName(std: DramStandard, run: ChannelRun): Record<string, number> {
  const out: Record<string, number> = {};
  std.commandNames.forEach((n, i) => {
    if (run.commandCounts[i]! > 0) out[n] = run.commandCounts[i]!;
  });
  return out;
}

/** IDD energy of the run's commands, pJ: JEDEC ACT/RD/WR/REF by the base's currents, PIM commands by the spec's scaling. */
export function commandEnergyPj(spec: PimSpec, run: ChannelRun): number {
  const std = spec.standard;
  const p = std.power;
  const t = std.timing;
  const k = p.VDD * std.organization.devicesPerRank * (std.tCKPs / 1000);
  const c = run.commandCounts;
  let e = k * (p.IDD0 * t.tRC! - (p.IDD3N * t.tRAS! + p.IDD2N * t.tRP!)) * c[ACT]!;
  e += k * (p.IDD4R - p.IDD3N) * t.tBURST! * c[RD]!;
  e += k * (p.IDD4W - p.IDD3N) * t.tBURST! * c[WR]!;
  e += k * (p.IDD5AB - p.IDD3N) * t.tRFC! * c[REF]!;
  for (let i = COMMANDS.length; i < std.commandNames.length; i++) e += (spec.commandEnergyPj[std.commandNames[i]!] ?? 0) * c[i]!;
  return e;
}
