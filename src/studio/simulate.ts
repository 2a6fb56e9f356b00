import { encodeAddress, parseAddressMapping } from '../dram/address-mapping.ts';
import { logEntries, type LoggedCommand } from '../dram/command-log.ts';
import { explainLog, type HeldBack } from '../dram/explain.ts';
import { PATTERNS, generatePattern, type Pattern } from '../dram/patterns.ts';
import { runDram } from '../dram/run.ts';
import type { DramStandard } from '../dram/standard.ts';
import { parseTrace } from '../dram/trace.ts';
import { runPimGemv } from '../pim/gemv.ts';
import type { PimSpec } from '../pim/pim-spec.ts';
import { StrataError } from '../spec/errors.ts';

// Browser-safe: the studio's worker runs this with standards and PIM specs that `strata studio` loaded and wrote
// into the page as JSON. Nothing here reads files, and it imports no module that touches node: modules when loaded
// (src/dram/standard.ts does: its loader finds arch/ at load time), which the studio's build checks.

/** The most requests a studio run takes (a page meant for stepping through commands one by one). */
export const STUDIO_MAX_REQUESTS = 1000;

/** What the student asked to simulate. */
export type StudioInput =
  | { readonly kind: 'pattern'; readonly standard: string; readonly pattern: Pattern; readonly requests: number; readonly seed: string; readonly writeFraction?: number }
  | { readonly kind: 'trace'; readonly standard: string; readonly text: string }
  | { readonly kind: 'pim-gemv'; readonly spec: string; readonly m: number; readonly k: number };

/** The standards and PIM specs the page carries, by name. */
export interface StudioData {
  readonly standards: Readonly<Record<string, DramStandard>>;
  readonly pimSpecs: Readonly<Record<string, PimSpec>>;
}

/** One command of the shown channel with why it issued when it did. */
export interface StudioCommand extends LoggedCommand {
  readonly earliestCycle: number;
  readonly heldBy?: HeldBack;
  readonly message: string;
}

/** What a studio run shows: one channel's command stream, explained. */
export interface StudioRun {
  readonly title: string;
  /** The device as simulated (one channel of the standard for DRAM runs). */
  readonly standard: DramStandard;
  /** Commands of channel 0, in issue order. */
  readonly commands: readonly StudioCommand[];
  /** Requests simulated, cycles until the last one finished, and the clock period. */
  readonly requests: number;
  readonly cycles: number;
  readonly tCKPs: number;
  /** Notes for the student (what was simulated, what was left out). */
  readonly notes: readonly string[];
}

/** The standard with one channel: the studio shows one channel's command stream, so it simulates just one. */
export function oneChannel(std: DramStandard): DramStandard {
  return { ...std, organization: { ...std.organization, channels: 1 } };
}

function need<T>(table: Readonly<Record<string, T>>, name: string, what: string): T {
  const v = table[name];
  if (v === undefined) throw new StrataError(`unknown ${what} '${name}' (known: ${Object.keys(table).join(', ')})`);
  return v;
}

/** Runs a studio input and explains every command of the shown channel (channel 0). */
export function simulateForStudio(input: StudioInput, data: StudioData): StudioRun {
  if (input.kind === 'pim-gemv') {
    const spec = need(data.pimSpecs, input.spec, 'PIM spec');
    for (const [key, v] of [['M', input.m], ['K', input.k]] as const) {
      if (!Number.isInteger(v) || v <= 0 || v > 65536) throw new StrataError(`GEMV ${key}: expected an integer from 1 to 65536, got ${v}`);
    }
    const run = runPimGemv(spec, input.m, input.k, { commandLog: true });
    const std = spec.standard;
    const log = logEntries(run.logs.filter((l) => l.channel === 0), std.commandNames);
    return finish(`${spec.name}: GEMV ${input.m} x ${input.k}, channel 0 of ${std.organization.channels}`, std, log, input.m, run.cycles, [
      `Every channel runs its share of the output rows; the page shows channel 0 (${log.length} commands).`,
    ]);
  }
  const std = oneChannel(need(data.standards, input.standard, 'DRAM standard'));
  const mapping = parseAddressMapping(std.controller.addressMapping, std.organization, `${std.name}: controller.addressMapping`);
  let trace;
  if (input.kind === 'pattern') {
    if (!(PATTERNS as readonly string[]).includes(input.pattern)) throw new StrataError(`pattern: expected one of ${PATTERNS.join(', ')}, got '${input.pattern}'`);
    if (!Number.isInteger(input.requests) || input.requests < 1 || input.requests > STUDIO_MAX_REQUESTS) {
      throw new StrataError(`requests: expected an integer from 1 to ${STUDIO_MAX_REQUESTS}, got ${input.requests}`);
    }
    trace = generatePattern({ pattern: input.pattern, requests: input.requests, seed: input.seed, capacityBytes: mapping.capacityBytes, requestBytes: mapping.requestBytes, writeFraction: input.writeFraction });
  } else {
    trace = parseTrace(input.text, 'typed trace');
    if (trace.length === 0) throw new StrataError('typed trace: no requests (one per line: HEXADDRESS READ|WRITE CYCLE)');
    if (trace.length > STUDIO_MAX_REQUESTS) throw new StrataError(`typed trace: ${trace.length} requests, the studio takes at most ${STUDIO_MAX_REQUESTS}`);
  }
  const r = runDram({ standard: std, trace, commandLog: true, bankWindow: false });
  const log = logEntries(r.logs, std.commandNames);
  const what = input.kind === 'pattern' ? `${input.requests} ${input.pattern} requests (seed ${input.seed})` : `a typed trace of ${trace.length} requests`;
  return finish(`${std.name}, one channel: ${what}`, std, log, trace.length, r.cycles, [
    `Controller: ${std.controller.scheduler}, ${std.controller.pagePolicy} page, mapping ${std.controller.addressMapping}, ${std.controller.refresh} refresh (the preset's own).`,
  ]);
}

function finish(title: string, std: DramStandard, log: LoggedCommand[], requests: number, cycles: number, notes: string[]): StudioRun {
  const why = explainLog(std, log);
  const commands = log.map((e, i) => ({ ...e, earliestCycle: why[i]!.earliestCycle, ...(why[i]!.heldBy ? { heldBy: why[i]!.heldBy } : {}), message: why[i]!.message }));
  return { title, standard: std, commands, requests, cycles, tCKPs: std.tCKPs, notes };
}

/** How many commands of a run each rule held back last (the rule that set their earliest cycle), most first. */
export function bindingRuleCounts(commands: readonly StudioCommand[]): { rule: string; commands: number }[] {
  const counts = new Map<string, number>();
  for (const c of commands) {
    if (!c.heldBy) continue;
    const key = `${c.heldBy.prevCommand} → ${c.command}: ${c.heldBy.distance}${c.heldBy.kind === 'window' ? ' window' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([rule, n]) => ({ rule, commands: n })).sort((a, b) => b.commands - a.commands || a.rule.localeCompare(b.rule));
}

/** A guided example: what to run, and what to look at. */
export interface StudioExample {
  readonly id: string;
  readonly title: string;
  /** What the student should look for, in two or three sentences. */
  readonly lesson: string;
  readonly input: StudioInput;
  /** The command to select first (index in the run's command list), found from the run. */
  readonly focus: (run: StudioRun) => number;
}

/** A DRAMsim3-format trace line for a read of (bank group, bank, row, column) at cycle 0 on the standard's one channel. */
function readAt(std: DramStandard, bankGroup: number, bank: number, row: number, column: number): string {
  const m = parseAddressMapping(std.controller.addressMapping, oneChannel(std).organization);
  const addr = encodeAddress(m, { channel: 0, rank: 0, bankGroup, bank, row, column });
  return `0x${addr.toString(16)} READ 0`;
}

/** The guided examples (HBM2 and AiM; the addresses are built from the preset's own address mapping). */
export function studioExamples(data: StudioData): StudioExample[] {
  const out: StudioExample[] = [];
  const hbm2 = data.standards.hbm2;
  if (hbm2) {
    out.push({
      id: 'row-hit',
      title: 'Row hit vs row conflict',
      lesson: 'Three reads to one bank: rows 1, 2, 1. The FR-FCFS scheduler serves the second read of row 1 first (a row hit: only the column spacing after the first RD); row 2 must wait for tRAS before its PRE, tRP before its ACT, and tRCD before its RD.',
      input: { kind: 'trace', standard: 'hbm2', text: [readAt(hbm2, 0, 0, 1, 0), readAt(hbm2, 0, 0, 2, 0), readAt(hbm2, 0, 0, 1, 1)].join('\n') },
      focus: (run) => Math.max(0, run.commands.findIndex((c) => c.command === 'ACT' && c.row === 2)),
    });
    out.push({
      id: 'tfaw',
      title: 'Four activations: tFAW',
      lesson: 'Eight reads to eight banks in four bank groups. The ACTs follow each other tRRD apart, but no more than four may start within tFAW: the fifth waits for the first to leave the window.',
      input: { kind: 'trace', standard: 'hbm2', text: [0, 1, 2, 3, 0, 1, 2, 3].map((g, i) => readAt(hbm2, g, i < 4 ? 0 : 1, 5 + i, 0)).join('\n') },
      focus: (run) => {
        const acts = run.commands.map((c, i) => (c.command === 'ACT' ? i : -1)).filter((i) => i >= 0);
        return acts[4] ?? 0;
      },
    });
  }
  if (data.pimSpecs.aim) {
    out.push({
      id: 'all-bank-mac',
      title: 'All-bank MAC (AiM GDDR6)',
      lesson: 'A GEMV on AiM: ACT16 opens the same row in all 16 banks at once, MAC16 streams it through every bank\'s multipliers, RDMAC16 reads the 16 partial sums, PREA closes the banks. The all-bank commands obey their own rules in the same constraint table.',
      input: { kind: 'pim-gemv', spec: 'aim', m: 64, k: 1024 },
      focus: (run) => Math.max(0, run.commands.findIndex((c) => c.command === 'MAC16')),
    });
  }
  return out;
}
