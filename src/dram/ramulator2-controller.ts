import type { Ramulator2Config } from './ramulator2-config.ts';
import { CLOSED, OPENED, Ramulator2Device, type R2Request } from './ramulator2-device.ts';

/** Statistics of one Ramulator 2 controller, named as Ramulator 2 names them. */
export interface Ramulator2Stats {
  readsAccepted: number;
  writesAccepted: number;
  readsServed: number;
  writesServed: number;
  readsForwarded: number;
  writesCoalesced: number;
  rowHits: number;
  rowMisses: number;
  rowConflicts: number;
  readRowHits: number;
  writeRowHits: number;
  /**
   * Sum over reads whose data has returned of (column command tick + read latency - enqueue tick), as
   * Ramulator 2 adds them when a read departs (serve_completed_reads); its mean divides by readsServed.
   */
  readLatencyTicks: number;
}

interface Candidate {
  req: R2Request;
  buf: R2Request[];
}

type Filter = ((r: R2Request) => boolean) | null;

/**
 * One channel's controller with Ramulator 2's request-level scheduling (src/ramulator/controller/
 * controller_base.cpp and impl/): a read buffer, a write buffer, a priority buffer for refreshes and an active
 * buffer of requests whose row this controller opened. Every tick it looks first at the active buffer, then at
 * the oldest refresh, then (only while no refresh waits) at the read or the write buffer; FR-FCFS picks the
 * request whose next command is ready, oldest first among equals, and no command may close a row an active
 * request still needs. A pending refresh therefore stops new row openings until it issues. Writes are served in
 * write mode, entered when the write buffer is over its high watermark or no read waits, and left below the low
 * watermark while a read waits.
 *
 * Three controller kinds: GenericDDR issues at most one command per tick; HBM34 (half-CK ticks) a column command
 * on the rising edge and a row command on either edge (only a precharge on the falling one, not to the bank or
 * pseudo-channel a rising-edge row command just addressed); LPDDR5 activates in two steps (ACT1, then ACT2 within
 * nAAD, the activating request owning its bank in between) and precedes a column command with a CAS
 * (WCK2CK sync) when the data clock has stopped, keeping it running nCL/nCWL + nBL + nWCKPST after each access.
 */
export class Ramulator2Controller {
  readonly device: Ramulator2Device;
  readonly stats: Ramulator2Stats = {
    readsAccepted: 0, writesAccepted: 0, readsServed: 0, writesServed: 0, readsForwarded: 0, writesCoalesced: 0,
    rowHits: 0, rowMisses: 0, rowConflicts: 0, readRowHits: 0, writeRowHits: 0, readLatencyTicks: 0,
  };
  clk = 0;
  private readonly read: R2Request[] = [];
  private readonly write: R2Request[] = [];
  private readonly priority: R2Request[] = [];
  private readonly active: R2Request[] = [];
  private readonly activeMax: number;
  private readonly activePerBank: Int32Array;
  private readonly writeAddrs = new Set<number>();
  /** Reads issued whose data has not returned: departure tick and latency, in departure order. */
  private readonly pendingDepart: number[] = [];
  private readonly pendingLatency: number[] = [];
  private pendingHead = 0;
  private writeMode = false;
  private readonly kind: 'generic' | 'hbm34' | 'lpddr5';
  private readonly rdCmd: number;
  private readonly wrCmd: number;
  private readonly refab: number;
  private readonly preab: number;
  private readonly prepb: number;
  private readonly act: number;
  private nextId = 0;
  private nextRefresh: number[];
  private readonly refreshNodes: Int32Array[];
  private readonly rowHitFirst: boolean;
  // HBM34 command pairing on the falling edge.
  private pairCmd = -1;
  private pairPc = -1;
  private pairBank = -1;
  private pairAt = -1;
  // LPDDR5 state.
  private readonly activating: R2Request[] = [];
  private readonly act2Owner: Uint8Array;
  private readonly act2Deadline: Float64Array;
  private wckExpiry = 0;
  private casReq: R2Request | null = null;
  private casBuf: R2Request[] | null = null;
  private readonly casRd: number;
  private readonly casWr: number;

  constructor(readonly cfg: Ramulator2Config) {
    this.device = new Ramulator2Device(cfg);
    const cmds = cfg.standard.commands;
    this.kind = cfg.controller.impl === 'HBM34' ? 'hbm34' : cfg.controller.impl === 'LPDDR5' ? 'lpddr5' : 'generic';
    this.rdCmd = cmds.indexOf('RD');
    this.wrCmd = cmds.indexOf('WR');
    this.refab = cmds.indexOf('REFab');
    this.preab = cmds.indexOf('PREab');
    this.prepb = cmds.indexOf('PREpb');
    this.act = cmds.indexOf('ACT');
    this.casRd = cmds.indexOf('CAS_RD');
    this.casWr = cmds.indexOf('CAS_WR');
    this.activeMax = this.device.banks;
    this.activePerBank = new Int32Array(this.device.banks);
    this.act2Owner = new Uint8Array(this.device.banks);
    this.act2Deadline = new Float64Array(this.device.banks).fill(-1);
    this.rowHitFirst = cfg.controller.scheduler === 'FRFCFS-RowHit';
    // All-bank refresh: one REFab per node of the standard's refresh scope (a rank, or an HBM pseudo-channel).
    const scope = cfg.standard.levels.indexOf(cfg.standard.refreshScope);
    this.refreshNodes = [];
    const walk = (level: number, vec: number[]) => {
      if (level > scope) {
        this.refreshNodes.push(Int32Array.from([...vec, ...new Array<number>(cfg.count.length - vec.length).fill(-1)]));
        return;
      }
      for (let i = 0; i < cfg.count[level]!; i++) walk(level + 1, [...vec, level === 0 ? 0 : i]);
    };
    walk(0, []);
    const nREFI = cfg.timing.nREFI!;
    const c = cfg.controller;
    if (c.refresh === 'NoRefresh') this.nextRefresh = this.refreshNodes.map(() => Infinity);
    else if (c.scatterInterval > 0) this.nextRefresh = this.refreshNodes.map((_, i) => (i + 1) * c.scatterInterval);
    else this.nextRefresh = this.refreshNodes.map(() => nREFI);
  }

  /** Builds a request from an address vector (Channel .. Column; -1 where it covers a whole level). */
  makeRequest(addr: number, type: number, finalCommand: number, vec: Int32Array): R2Request {
    const d = this.device;
    const nodes = new Int32Array(d.bankLevel + 1).fill(-1);
    nodes[0] = 0;
    for (let l = 1; l <= d.bankLevel; l++) {
      if (vec[l]! < 0) break;
      nodes[l] = nodes[l - 1]! * d.count[l]! + vec[l]!;
    }
    return { id: this.nextId++, addr, type, finalCommand, command: finalCommand, arrive: this.clk, vec, nodes, bank: nodes[d.bankLevel]!, row: vec[d.rowLevel]!, statDone: false };
  }

  /** Offers a read or write at the current tick (before this tick's scheduling); false when its buffer is full. */
  send(addr: number, isWrite: boolean, vec: Int32Array): boolean {
    const s = this.stats;
    if (!isWrite && this.writeAddrs.has(addr)) {
      // Served from the write buffer: it departs on the next tick.
      s.readsAccepted++;
      s.readsForwarded++;
      this.pendingDepart.push(this.clk + 1);
      this.pendingLatency.push(1);
      return true;
    }
    if (isWrite) {
      if (this.writeAddrs.has(addr)) {
        s.writesAccepted++;
        s.writesCoalesced++;
        return true;
      }
      if (this.write.length >= this.cfg.controller.writeBufferSize) return false;
      this.write.push(this.makeRequest(addr, 1, this.wrCmd, vec));
      this.writeAddrs.add(addr);
      s.writesAccepted++;
      return true;
    }
    if (this.read.length >= this.cfg.controller.readBufferSize) return false;
    this.read.push(this.makeRequest(addr, 0, this.rdCmd, vec));
    s.readsAccepted++;
    return true;
  }

  /** Requests still in the controller's buffers. */
  get queued(): number {
    return this.read.length + this.write.length + this.active.length + this.activating.length;
  }

  /** One controller tick. */
  tick(): void {
    this.clk++;
    while (this.pendingHead < this.pendingDepart.length && this.pendingDepart[this.pendingHead]! <= this.clk) {
      this.stats.readLatencyTicks += this.pendingLatency[this.pendingHead++]!;
    }
    this.refreshTick();
    if (this.kind === 'hbm34') this.tickHbm();
    else if (this.kind === 'lpddr5') this.tickLpddr();
    else this.tickGeneric();
  }

  private refreshTick(): void {
    for (let i = 0; i < this.refreshNodes.length; i++) {
      if (this.clk !== this.nextRefresh[i]) continue;
      this.nextRefresh[i]! += this.cfg.timing.nREFI!;
      this.priority.push(this.makeRequest(-1, -1, this.refab, this.refreshNodes[i]!));
    }
  }

  // ---- Scheduling (controller_base.cpp) ----

  /** The command a request needs next given its bank(s): what Ramulator 2 calls its prerequisite. */
  private preq(r: R2Request): number {
    const d = this.device;
    if (r.type === -1) {
      // All-bank refresh: close every open bank it covers first.
      let cmd = r.finalCommand;
      d.forEachBank(r.finalCommand, r, (b) => {
        if (d.state[b] !== CLOSED) cmd = this.preab;
      });
      return cmd;
    }
    const st = d.state[r.bank]!;
    if (st === CLOSED) return d.act1 >= 0 ? d.act1 : this.act;
    if (st === OPENED) return d.openRow[r.bank] === r.row ? r.finalCommand : this.prepb;
    return d.act2;
  }

  private bestOf(buf: R2Request[], filter: Filter): R2Request | null {
    if (buf.length === 0) return null;
    const d = this.device;
    let hitBanks: Set<number> | null = null;
    for (const r of buf) r.command = this.preq(r);
    if (this.rowHitFirst) {
      hitBanks = new Set();
      for (const r of buf) if (r.bank >= 0 && d.state[r.bank] === OPENED && d.openRow[r.bank] === r.row) hitBanks.add(r.bank);
    }
    let cand: R2Request | null = null;
    let candOk = false;
    for (const r of buf) {
      if (filter && !filter(r)) continue;
      // FRFCFS-RowHit: a precharge may not take a bank away from a queued row hit.
      if (hitBanks && r.command !== r.finalCommand && d.roles[r.command]!.closing && !d.roles[r.command]!.allBanks && hitBanks.has(r.bank)) continue;
      if (cand === null) {
        cand = r;
        candOk = d.check(r.command, r, this.clk);
        continue;
      }
      const ok = d.check(r.command, r, this.clk);
      if (ok !== candOk) {
        if (ok) {
          cand = r;
          candOk = true;
        }
      } else if (r.arrive < cand.arrive) {
        cand = r;
      }
    }
    return cand;
  }

  private pickReady(buf: R2Request[], filter: Filter): Candidate | null {
    const r = this.bestOf(buf, filter);
    if (r === null || !this.device.check(r.command, r, this.clk)) return null;
    return { req: r, buf };
  }

  private pickPriority(filter: Filter): Candidate | null {
    if (this.priority.length === 0) return null;
    const r = this.priority[0]!;
    r.command = this.preq(r);
    if (!this.device.check(r.command, r, this.clk)) return null;
    if (this.wouldCloseActive(r)) return null;
    if (filter && !filter(r)) return null;
    return { req: r, buf: this.priority };
  }

  private pickRw(filter: Filter): Candidate | null {
    const c = this.cfg.controller;
    if (!this.writeMode) {
      if (this.write.length > c.wrHighWatermark * c.writeBufferSize || this.read.length === 0) this.writeMode = true;
    } else if (this.write.length < c.wrLowWatermark * c.writeBufferSize && this.read.length !== 0) {
      this.writeMode = false;
    }
    return this.pickReady(this.writeMode ? this.write : this.read, (r) => !this.wouldCloseActive(r) && (!filter || filter(r)));
  }

  private wouldCloseActive(r: R2Request): boolean {
    const d = this.device;
    if (!d.roles[r.command]!.closing || this.active.length === 0) return false;
    if (!d.roles[r.command]!.allBanks) return this.activePerBank[r.bank]! > 0;
    let hit = false;
    d.forEachBank(r.command, r, (b) => {
      if (this.activePerBank[b]! > 0) hit = true;
    });
    return hit;
  }

  /** Row-hit statistics at a request's first command (hit: its row is open; conflict: another row is). */
  private takeStats(r: R2Request): void {
    r.statDone = true;
    if (r.type < 0) return;
    const d = this.device;
    const s = this.stats;
    if (d.state[r.bank] === OPENED && d.openRow[r.bank] === r.row) {
      s.rowHits++;
      if (r.type === 0) s.readRowHits++;
      else s.writeRowHits++;
    } else if (d.state[r.bank] === OPENED) {
      s.rowConflicts++;
    } else {
      s.rowMisses++;
    }
  }

  private issue(c: Candidate): void {
    const r = c.req;
    if (!r.statDone) this.takeStats(r);
    this.device.issue(r.command, r, this.clk);
    if (r.command === r.finalCommand) this.retire(r, c.buf);
    else if (this.device.roles[r.command]!.opening) this.promote(r, c.buf);
  }

  private retire(r: R2Request, buf: R2Request[]): void {
    if (buf === this.active) this.activePerBank[r.bank]!--;
    if (buf === this.write) this.writeAddrs.delete(r.addr);
    if (r.type === 0) {
      this.stats.readsServed++;
      this.pendingDepart.push(this.clk + this.cfg.readLatencyTicks);
      this.pendingLatency.push(this.clk + this.cfg.readLatencyTicks - r.arrive);
    } else if (r.type === 1) {
      this.stats.writesServed++;
    }
    remove(buf, r);
  }

  private promote(r: R2Request, buf: R2Request[]): void {
    if (this.active.length >= this.activeMax) return;
    this.active.push(r);
    this.activePerBank[r.bank]!++;
    if (buf === this.write) this.writeAddrs.delete(r.addr);
    remove(buf, r);
  }

  // ---- GenericDDR ----

  private tickGeneric(): void {
    const c = this.pickReady(this.active, null) ?? this.pickPriority(null) ?? (this.priority.length === 0 ? this.pickRw(null) : null);
    if (c) this.issue(c);
  }

  // ---- HBM34: a column and a row command bus, half-CK ticks ----

  private slotMatches(r: R2Request, column: boolean): boolean {
    const roles = this.device.roles[r.command]!;
    const rising = this.clk % 2 === 1;
    if (rising) return column ? roles.column : !roles.column && r.command !== this.device.act2;
    if (column) return false;
    if (r.command !== this.prepb && r.command !== this.preab) return false;
    if (this.clk !== this.pairAt || this.pairPc !== r.vec[1]) return true;
    if (this.pairBank < 0) return false;
    return r.command === this.prepb && this.bankKey(r) !== this.pairBank;
  }

  private bankKey(r: R2Request): number {
    // Flat (SID, bank group, bank) within the pseudo-channel.
    const c = this.cfg.count;
    return (r.vec[2]! * c[3]! + r.vec[3]!) * c[4]! + r.vec[4]!;
  }

  private trySlot(column: boolean): R2Request | null {
    const f = (r: R2Request) => this.slotMatches(r, column);
    let c: Candidate | null = column ? this.pickReady(this.active, f) : null;
    c ??= this.pickPriority(f);
    if (!c && this.priority.length === 0) c = this.pickRw(f);
    if (!c) return null;
    const r = c.req;
    const cmd = r.command;
    this.issue(c);
    if (!column && this.clk % 2 === 1) {
      const all = this.device.roles[cmd]!.allBanks;
      this.pairCmd = cmd;
      this.pairPc = r.vec[1]!;
      this.pairBank = all ? -1 : this.bankKey(r);
      this.pairAt = this.clk + (cmd === this.act ? 3 : 1);
    }
    return r;
  }

  private tickHbm(): void {
    if (this.clk % 2 === 1) this.trySlot(true);
    this.trySlot(false);
  }

  // ---- LPDDR5: two-step activation and WCK2CK sync ----

  private isAccess(cmd: number): boolean {
    return this.device.roles[cmd]!.access;
  }

  private pendingAct2(): boolean {
    return this.activating.length > 0;
  }

  private allowedDuringAct2(r: R2Request): boolean {
    if (!this.pendingAct2()) return true;
    const cmd = r.command;
    const d = this.device;
    if (cmd === d.act1) return false;
    if (cmd === this.casRd || cmd === this.casWr || this.isAccess(cmd)) return true;
    const roles = d.roles[cmd]!;
    if (roles.closing || roles.refreshing) {
      let blocked = false;
      d.forEachBank(cmd, r, (b) => {
        if (this.act2Owner[b]) blocked = true;
      });
      return !blocked;
    }
    return false;
  }

  private pickAct2(urgent: boolean): Candidate | null {
    let best: R2Request | null = null;
    let bestDeadline = -1;
    for (const r of this.activating) {
      const deadline = this.act2Deadline[r.bank]!;
      r.command = this.device.act2;
      const ok = this.device.check(r.command, r, this.clk);
      if (!ok || (urgent && deadline > this.clk)) continue;
      if (best === null || deadline < bestDeadline || (deadline === bestDeadline && r.arrive < best.arrive)) {
        best = r;
        bestDeadline = deadline;
      }
    }
    return best ? { req: best, buf: this.activating } : null;
  }

  private issueAct2(c: Candidate): void {
    const r = c.req;
    if (!r.statDone) this.takeStats(r);
    this.device.issue(this.device.act2, r, this.clk);
    // The activating request becomes active (it owns its bank until its access).
    const before = this.active.length;
    this.promote(r, this.activating);
    if (this.active.length === before) throw new Error('internal invariant broken: LPDDR5 active buffer full at ACT2');
    this.act2Owner[r.bank] = 0;
    this.act2Deadline[r.bank] = -1;
  }

  private extendWck(cmd: number): void {
    const t = this.cfg.timing;
    const lat = this.device.roles[cmd]!.read ? t.nCL! : t.nCWL!;
    const exp = this.clk + lat + t.nBL_min! + t.nWCKPST!;
    if (exp > this.wckExpiry) this.wckExpiry = exp;
  }

  private tickLpddr(): void {
    const urgent = this.pickAct2(true);
    if (this.casReq !== null) {
      // The column command follows its CAS as soon as it is legal; nothing else issues meanwhile.
      const r = this.casReq;
      if (this.device.check(r.command, r, this.clk)) {
        this.extendWck(r.command);
        if (!r.statDone) this.takeStats(r);
        this.device.issue(r.command, r, this.clk);
        if (r.command === r.finalCommand) this.retire(r, this.casBuf!);
        this.casReq = null;
        this.casBuf = null;
      }
      return;
    }
    // Only the activating request that owns a bank may send its ACT2 (from the activating buffer).
    const f = (r: R2Request) => r.command !== this.device.act2 && this.allowedDuringAct2(r);
    let c = urgent;
    if (!c) {
      c = this.pickReady(this.active, (r) => this.allowedDuringAct2(r)) ?? this.pickPriority(f);
      if (!c && this.priority.length === 0) c = this.pickRw(f);
    }
    if (!c) {
      const deferred = this.pickAct2(false);
      if (deferred) this.issueAct2(deferred);
      return;
    }
    if (c.buf === this.activating) {
      this.issueAct2(c);
      return;
    }
    const r = c.req;
    const cmd = r.command;
    if (this.isAccess(cmd) && this.clk >= this.wckExpiry) {
      // The data clock has stopped: synchronise it first (CAS), unless that would miss an ACT2 deadline.
      if (this.activating.some((a) => this.act2Deadline[a.bank]! <= this.clk + 1)) {
        const deferred = this.pickAct2(false);
        if (deferred) this.issueAct2(deferred);
        return;
      }
      const cas = this.device.roles[cmd]!.read ? this.casRd : this.casWr;
      if (this.device.check(cas, r, this.clk)) {
        this.device.issue(cas, r, this.clk);
        this.casReq = r;
        this.casBuf = c.buf;
      }
      return;
    }
    if (this.isAccess(cmd)) this.extendWck(cmd);
    if (!r.statDone) this.takeStats(r);
    this.device.issue(cmd, r, this.clk);
    if (cmd === this.device.act1) {
      this.activating.push(r);
      if (c.buf === this.write) this.writeAddrs.delete(r.addr);
      remove(c.buf, r);
      this.act2Owner[r.bank] = 1;
      this.act2Deadline[r.bank] = this.clk + this.cfg.timing.nAAD!;
    } else if (cmd === r.finalCommand) {
      this.retire(r, c.buf);
    } else if (this.device.roles[cmd]!.opening) {
      this.promote(r, c.buf);
    }
  }
}

function remove(buf: R2Request[], r: R2Request): void {
  const i = buf.indexOf(r);
  if (i >= 0) buf.splice(i, 1);
}
