import { invariant } from '../spec/errors.ts';
import type { Ramulator2Config } from './ramulator2-config.ts';

/** Bank states (Ramulator 2's Closed, Opened and, for LPDDR5's two-step activation, Activating). */
export const CLOSED = 0;
export const OPENED = 1;
export const ACTIVATING = 2;

/** A request as the Ramulator 2 model tracks it: its address per level (-1: every node of that level). */
export interface R2Request {
  readonly id: number;
  readonly addr: number;
  /** 0 read, 1 write, -1 maintenance (refresh). */
  readonly type: number;
  /** The command that completes it (RD, WR or REFab). */
  readonly finalCommand: number;
  /** The command it needs next (set by the scheduler each time it looks). */
  command: number;
  /** Tick it entered the controller. */
  readonly arrive: number;
  /** Address per level (Channel .. Column); -1 where the request covers every node of a level. */
  readonly vec: Int32Array;
  /** Node index per level down to the bank (flat within the level), or -1 below a wildcard. */
  readonly nodes: Int32Array;
  /** Flat bank index (-1 for a request that covers several banks). */
  readonly bank: number;
  readonly row: number;
  /** Row-hit statistics were taken (at its first command). */
  statDone: boolean;
}

/** Command roles the controller and the device act on, by command name (Ramulator 2's command headers). */
export interface CommandRoles {
  readonly opening: boolean;
  readonly closing: boolean;
  readonly refreshing: boolean;
  readonly access: boolean;
  readonly read: boolean;
  readonly column: boolean;
  /** Targets every bank its address covers (PREab, REFab, RFMab), not one bank. */
  readonly allBanks: boolean;
}

const ROLE: Record<string, Partial<CommandRoles>> = {
  ACT: { opening: true },
  ACT1: { opening: true },
  ACT2: {},
  PREpb: { closing: true },
  PREab: { closing: true, allBanks: true },
  RD: { access: true, read: true, column: true },
  WR: { access: true, column: true },
  RDA: { access: true, read: true, column: true, closing: true },
  WRA: { access: true, column: true, closing: true },
  REFab: { refreshing: true, allBanks: true },
  REFpb: { refreshing: true },
  RFMab: { refreshing: true, allBanks: true },
  RFMpb: { refreshing: true },
  CAS_RD: {},
  CAS_WR: {},
};

/**
 * The DRAM device of one Ramulator 2 channel: the earliest tick of every command at every node of the hierarchy
 * (channel down to bank), the recent issue ticks that windowed constraints (tFAW) count, and each bank's state.
 * Issuing a command at a node pushes the earliest ticks of the commands its constraints name at that node and, for
 * sibling constraints, at the other nodes of the same level under the same parent; a request that leaves a level
 * open (-1, e.g. a refresh of a whole rank) acts on every node of it. This is how Ramulator 2's DRAMNode keeps
 * timing (src/ramulator/dram/node.cpp), so the resolved constraint list of a configuration means here what it
 * means there.
 */
export class Ramulator2Device {
  readonly nc: number;
  readonly bankLevel: number;
  readonly rowLevel: number;
  readonly count: readonly number[];
  /** Nodes at each level (1 at the channel level). */
  readonly nodesAt: number[];
  readonly roles: CommandRoles[];
  readonly banks: number;
  readonly state: Uint8Array;
  readonly openRow: Int32Array;
  private readonly ready: Float64Array[];
  private readonly hist: Float64Array[];
  private readonly histW: number[];
  /** [level][cmd]: constraints on the node itself and on its siblings. */
  private readonly own: { next: number; ticks: number; window: number }[][][];
  private readonly sib: { next: number; ticks: number }[][][];
  private readonly hasSib: boolean[][];
  /** Commands issued, by command. */
  readonly issued: Float64Array;
  /** LPDDR5's two activation steps (-1 where the standard has one ACT). */
  readonly act1: number;
  readonly act2: number;
  /**
   * Called with every command as it issues, when set (`strata dram --spec X.yaml --check` keeps a command log for
   * the protocol checker this way). Null by default: a run without a log pays one comparison per command.
   */
  onIssue: ((cmd: number, req: R2Request, clk: number) => void) | null = null;

  constructor(cfg: Ramulator2Config) {
    const s = cfg.standard;
    this.nc = s.commands.length;
    this.act1 = s.commands.indexOf('ACT1');
    this.act2 = s.commands.indexOf('ACT2');
    this.bankLevel = s.levels.indexOf('Bank');
    this.rowLevel = s.levels.indexOf('Row');
    invariant(this.bankLevel > 0 && this.rowLevel === this.bankLevel + 1, `${s.name}: levels end Bank, Row, Column`);
    this.count = cfg.count;
    this.nodesAt = [];
    let n = 1;
    for (let l = 0; l <= this.bankLevel; l++) {
      if (l > 0) n *= cfg.count[l]!;
      this.nodesAt.push(n);
    }
    this.banks = n;
    this.roles = s.commands.map((name) => ({ opening: false, closing: false, refreshing: false, access: false, read: false, column: false, allBanks: false, ...ROLE[name] }));
    this.state = new Uint8Array(this.banks);
    this.openRow = new Int32Array(this.banks).fill(-1);
    this.issued = new Float64Array(this.nc);
    const levels = this.bankLevel + 1;
    this.own = Array.from({ length: levels }, () => Array.from({ length: this.nc }, () => []));
    this.sib = Array.from({ length: levels }, () => Array.from({ length: this.nc }, () => []));
    this.hasSib = Array.from({ length: levels }, () => new Array<boolean>(this.nc).fill(false));
    this.histW = new Array<number>(levels).fill(1);
    for (const c of cfg.constraints) {
      for (const p of c.prev) {
        for (const q of c.next) {
          if (c.sibling) {
            this.sib[c.level]![p]!.push({ next: q, ticks: c.ticks });
            this.hasSib[c.level]![p] = true;
          } else {
            this.own[c.level]![p]!.push({ next: q, ticks: c.ticks, window: c.window });
            if (c.window > this.histW[c.level]!) this.histW[c.level] = c.window;
          }
        }
      }
    }
    this.ready = this.nodesAt.map((k) => new Float64Array(k * this.nc).fill(-1));
    this.hist = this.nodesAt.map((k, l) => new Float64Array(k * this.nc * this.histW[l]!).fill(-1));
  }

  /** Whether `cmd` for `req` is legal at tick `clk` at every node on its path (every node below a wildcard). */
  check(cmd: number, req: R2Request, clk: number): boolean {
    const nodes = req.nodes;
    const nc = this.nc;
    for (let l = 0; l <= this.bankLevel; l++) {
      const node = nodes[l]!;
      if (node < 0) return this.checkBelow(cmd, req.vec, l - 1, nodes[l - 1]!, clk);
      if (this.ready[l]![node * nc + cmd]! > clk) return false;
    }
    return true;
  }

  /** check() for the children of `node` at `level` and below, following the request's address (all where -1). */
  private checkBelow(cmd: number, vec: Int32Array, level: number, node: number, clk: number): boolean {
    if (level === this.bankLevel) return true;
    const cl = level + 1;
    const size = this.count[cl]!;
    const a = vec[cl]!;
    for (let i = a < 0 ? 0 : a; i < (a < 0 ? size : a + 1); i++) {
      const child = node * size + i;
      if (this.ready[cl]![child * this.nc + cmd]! > clk) return false;
      if (!this.checkBelow(cmd, vec, cl, child, clk)) return false;
    }
    return true;
  }

  /** Issues `cmd` for `req` at tick `clk`: timing at every node it reaches, then its effect on the banks. */
  issue(cmd: number, req: R2Request, clk: number): void {
    this.issued[cmd]!++;
    if (this.onIssue !== null) this.onIssue(cmd, req, clk);
    this.update(0, 0, cmd, req.vec, clk);
    const r = this.roles[cmd]!;
    if (r.opening || cmd === this.act2) {
      // ACT and LPDDR5's ACT2 open the row; ACT1 starts the activation.
      if (cmd === this.act1) {
        this.state[req.bank] = ACTIVATING;
      } else {
        this.state[req.bank] = OPENED;
        this.openRow[req.bank] = req.row;
      }
    } else if (r.closing && !r.access) {
      this.forEachBank(cmd, req, (b) => {
        this.state[b] = CLOSED;
        this.openRow[b] = -1;
      });
    } else if (r.closing && r.access) {
      this.state[req.bank] = CLOSED;
      this.openRow[req.bank] = -1;
    }
  }

  private update(level: number, node: number, cmd: number, vec: Int32Array, clk: number): void {
    const nc = this.nc;
    const ready = this.ready[level]!;
    const w = this.histW[level]!;
    const hist = this.hist[level]!;
    const h = (node * nc + cmd) * w;
    for (let k = w - 1; k > 0; k--) hist[h + k] = hist[h + k - 1]!;
    hist[h] = clk;
    for (const c of this.own[level]![cmd]!) {
      const past = hist[h + c.window - 1]!;
      if (past < 0) continue;
      const k = node * nc + c.next;
      if (ready[k]! < past + c.ticks) ready[k] = past + c.ticks;
    }
    if (level === this.bankLevel) return;
    const cl = level + 1;
    const size = this.count[cl]!;
    const a = vec[cl]!;
    if (a < 0) {
      for (let i = 0; i < size; i++) this.update(cl, node * size + i, cmd, vec, clk);
      return;
    }
    if (this.hasSib[cl]![cmd]) {
      const cready = this.ready[cl]!;
      for (let i = 0; i < size; i++) {
        if (i === a) continue;
        const child = node * size + i;
        for (const c of this.sib[cl]![cmd]!) {
          const k = child * nc + c.next;
          if (cready[k]! < clk + c.ticks) cready[k] = clk + c.ticks;
        }
      }
    }
    this.update(cl, node * size + a, cmd, vec, clk);
  }

  /** Calls `f` with every bank `cmd` acts on for `req`: its own bank, or every bank its address covers. */
  forEachBank(cmd: number, req: R2Request, f: (bank: number) => void): void {
    if (req.bank >= 0 && !this.roles[cmd]!.allBanks) {
      f(req.bank);
      return;
    }
    this.banksBelow(req.vec, 0, 0, f);
  }

  private banksBelow(vec: Int32Array, level: number, node: number, f: (bank: number) => void): void {
    if (level === this.bankLevel) {
      f(node);
      return;
    }
    const cl = level + 1;
    const size = this.count[cl]!;
    const a = vec[cl]!;
    for (let i = a < 0 ? 0 : a; i < (a < 0 ? size : a + 1); i++) this.banksBelow(vec, cl, node * size + i, f);
  }
}
