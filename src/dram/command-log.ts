import { COMMANDS } from './commands.ts';

/** A growable, allocation-free record of every command a channel issued. */
export class CommandLog {
  length = 0;
  cycle = new Float64Array(1024);
  command = new Uint8Array(1024);
  rank = new Uint8Array(1024);
  bankGroup = new Uint8Array(1024);
  bank = new Uint8Array(1024);
  row = new Int32Array(1024);
  column = new Int32Array(1024);

  constructor(readonly channel: number) {}

  /** Appends one command. */
  push(cycle: number, command: number, rank: number, bankGroup: number, bank: number, row: number, column: number): void {
    if (this.length === this.cycle.length) this.grow();
    const i = this.length++;
    this.cycle[i] = cycle;
    this.command[i] = command;
    this.rank[i] = rank;
    this.bankGroup[i] = bankGroup;
    this.bank[i] = bank;
    this.row[i] = row;
    this.column[i] = column;
  }

  private grow(): void {
    const n = this.cycle.length * 2;
    const f = new Float64Array(n); f.set(this.cycle); this.cycle = f;
    const c = new Uint8Array(n); c.set(this.command); this.command = c;
    const r = new Uint8Array(n); r.set(this.rank); this.rank = r;
    const g = new Uint8Array(n); g.set(this.bankGroup); this.bankGroup = g;
    const b = new Uint8Array(n); b.set(this.bank); this.bank = b;
    const w = new Int32Array(n); w.set(this.row); this.row = w;
    const k = new Int32Array(n); k.set(this.column); this.column = k;
  }
}

/** One command of a log as a plain value (for the checker, tests and files). */
export interface LoggedCommand {
  cycle: number;
  channel: number;
  /** A JEDEC command name, or one a PIM spec adds. */
  command: string;
  rank: number;
  bankGroup: number;
  bank: number;
  row: number;
  column: number;
}

/** The commands of several channels' logs as values, ordered by (cycle, channel, issue order). */
export function logEntries(logs: readonly CommandLog[], names: readonly string[] = COMMANDS): LoggedCommand[] {
  const out: LoggedCommand[] = [];
  for (const log of logs) {
    for (let i = 0; i < log.length; i++) {
      out.push({
        cycle: log.cycle[i]!, channel: log.channel, command: names[log.command[i]!]!, rank: log.rank[i]!,
        bankGroup: log.bankGroup[i]!, bank: log.bank[i]!, row: log.row[i]!, column: log.column[i]!,
      });
    }
  }
  return out.sort((a, b) => a.cycle - b.cycle || a.channel - b.channel);
}

/** Text form, one command per line: `cycle channel command rank bankgroup bank row column`. */
export function formatLog(entries: readonly LoggedCommand[]): string {
  const lines = ['# cycle channel command rank bankgroup bank row column'];
  for (const e of entries) lines.push(`${e.cycle} ${e.channel} ${e.command} ${e.rank} ${e.bankGroup} ${e.bank} ${e.row} ${e.column}`);
  return `${lines.join('\n')}\n`;
}
