import { encodeAddress, parseAddressMapping } from '../dram/address-mapping.ts';
import { CommandLog, logEntries, type LoggedCommand } from '../dram/command-log.ts';
import { explainLog, type HeldBack } from '../dram/explain.ts';
import { BankReplay, bankIndex, hasPimBuffer } from './bank-state.ts';
import { PATTERNS, generatePattern, type Pattern } from '../dram/patterns.ts';
import { runDram } from '../dram/run.ts';
import type { DramStandard } from '../dram/standard.ts';
import { parseTrace } from '../dram/trace.ts';
import { runDualBufferChannel, type PimProgram } from '../pim/dual-buffer-channel.ts';
import { npuTraffic } from '../systems/neupims/npu-traffic.ts';
import { runPimGemv } from '../systems/pim-gpt/gemv.ts';
import { planNeuPimsAttention } from '../systems/neupims/neupims-gemv.ts';
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
  | { readonly kind: 'pim-gemv'; readonly spec: string; readonly m: number; readonly k: number }
  | NeuPimsStudioInput;

/**
 * One request's decode attention on one NeuPIMs channel (the GEMVs s = K q and o = V^T p,
 * src/systems/neupims/neupims-gemv.ts) with `npuRequests` ordinary 64 B requests of an NPU arriving at `npuLoad` of
 * the channel's peak alongside, run by the dual-buffer channel (src/pim/dual-buffer-channel.ts) in the spec's mode
 * (one or two row buffers per bank).
 */
export interface NeuPimsStudioInput {
  readonly kind: 'neupims';
  readonly spec: string;
  readonly heads: number;
  readonly headDim: number;
  readonly context: number;
  readonly npuRequests: number;
  readonly npuLoad: number;
  readonly seed: string;
  /** NPU requests per DRAM row before the stream moves to another bank and row (default 8). */
  readonly requestsPerRow?: number;
}

/** The most commands a NeuPIMs studio run's PIM program may have (the page steps through them one by one). */
export const STUDIO_MAX_PIM_COMMANDS = 5000;

/** The standards and PIM specs the page carries, by name. */
export interface StudioData {
  readonly standards: Readonly<Record<string, DramStandard>>;
  readonly pimSpecs: Readonly<Record<string, PimSpec>>;
}

/** Which traffic a command of a NeuPIMs run served: the PIM program, the NPU's ordinary requests, or refresh. */
export type CommandSource = 'pim' | 'npu' | 'refresh';

/** One command of a channel with why it issued when it did. */
export interface StudioCommand extends LoggedCommand {
  readonly earliestCycle: number;
  readonly heldBy?: HeldBack;
  readonly message: string;
  /** NeuPIMs runs only: the traffic it served (see sourcesOf). */
  readonly source?: CommandSource;
}

/** What a studio run shows: every simulated channel's command stream, explained. */
export interface StudioRun {
  readonly title: string;
  /** The device as simulated. */
  readonly standard: DramStandard;
  /** Commands of each simulated channel in issue order (index: channel number); the page shows one at a time. */
  readonly channels: readonly (readonly StudioCommand[])[];
  /** Row buffers per bank: 2 for NeuPIMs' dual-buffer banks (memory row and PIM row), else 1. */
  readonly rowBuffers: 1 | 2;
  /** Requests simulated, cycles until the last one finished, and the clock period. */
  readonly requests: number;
  readonly cycles: number;
  readonly tCKPs: number;
  /** Notes for the student (what was simulated, what was left out). */
  readonly notes: readonly string[];
}

function need<T>(table: Readonly<Record<string, T>>, name: string, what: string): T {
  const v = table[name];
  if (v === undefined) throw new StrataError(`unknown ${what} '${name}' (known: ${Object.keys(table).join(', ')})`);
  return v;
}

/** Runs a studio input and explains every command of every simulated channel. */
export function simulateForStudio(input: StudioInput, data: StudioData): StudioRun {
  if (input.kind === 'pim-gemv') {
    const spec = need(data.pimSpecs, input.spec, 'PIM spec');
    if (spec.commandSet === 'newton') throw new StrataError(`PIM spec '${input.spec}': a Newton-style (NeuPIMs) spec runs attention on one channel, not the all-bank GEMV`);
    for (const [key, v] of [['M', input.m], ['K', input.k]] as const) {
      if (!Number.isInteger(v) || v <= 0 || v > 65536) throw new StrataError(`GEMV ${key}: expected an integer from 1 to 65536, got ${v}`);
    }
    const run = runPimGemv(spec, input.m, input.k, { commandLog: true });
    const std = spec.standard;
    const channels = byChannel(std, logEntries(run.logs, std.commandNames));
    const busy = channels.filter((c) => c.length > 0).length;
    return finish(`${spec.name}: GEMV ${input.m} x ${input.k} over ${busy} of ${std.organization.channels} channels`, std, channels, 1, input.m, run.cycles, [
      `The output rows are spread over the channels, and every channel runs its share at the same time (${busy} have work): pick one under Channel.`,
    ]);
  }
  if (input.kind === 'neupims') return simulateNeuPims(input, data);
  const std = need(data.standards, input.standard, 'DRAM standard');
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
  const channels = byChannel(std, logEntries(r.logs, std.commandNames));
  const n = std.organization.channels;
  const busy = channels.filter((c) => c.length > 0).length;
  const what = input.kind === 'pattern' ? `${input.requests} ${input.pattern} requests (seed ${input.seed})` : `a typed trace of ${trace.length} requests`;
  return finish(`${std.name}: ${what}${busy > 1 ? ` over ${busy} of its ${n} channels` : n > 1 ? `, all on channel ${channels.findIndex((c) => c.length > 0)} of ${n}` : ''}`, std, channels, 1, trace.length, r.cycles, [
    `Controller: ${std.controller.scheduler}, ${std.controller.pagePolicy} page, mapping ${std.controller.addressMapping}, ${std.controller.refresh} refresh (the preset's own).`,
    ...(busy > 1 ? [`The address mapping spreads the requests over the channels, each with its own controller, banks and timing (commands per channel: ${channels.map((c) => c.length).join(' / ')}); pick one under Channel.`] : []),
  ]);
}

/** A log's commands split by channel (the standard's channel count; each list keeps issue order). */
function byChannel(std: DramStandard, log: readonly LoggedCommand[]): LoggedCommand[][] {
  const out: LoggedCommand[][] = Array.from({ length: std.organization.channels }, () => []);
  for (const e of log) out[e.channel]!.push(e);
  return out;
}

function positiveInt(field: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new StrataError(`${field}: expected an integer from ${lo} to ${hi}, got ${v}`);
}

/** A NeuPIMs attention run on one channel (the channel that holds the request's KV cache). */
function simulateNeuPims(input: NeuPimsStudioInput, data: StudioData): StudioRun {
  const spec = need(data.pimSpecs, input.spec, 'PIM spec');
  if (spec.commandSet !== 'newton') throw new StrataError(`PIM spec '${input.spec}': attention on one channel needs the newton command set (NeuPIMs), this spec has '${spec.commandSet}'`);
  positiveInt('heads', input.heads, 1, 64);
  positiveInt('head dim', input.headDim, 1, 512);
  positiveInt('context', input.context, 1, 8192);
  positiveInt('NPU requests', input.npuRequests, 0, STUDIO_MAX_REQUESTS);
  if (!(input.npuLoad > 0 && input.npuLoad <= 1)) throw new StrataError(`NPU load: expected a fraction of the channel's peak in (0, 1], got ${input.npuLoad}`);
  const std = spec.standard;
  const plan = planNeuPimsAttention(spec, { heads: input.heads, headDim: input.headDim, context: input.context });
  let programCommands = 0;
  for (let i = 0; i < plan.program.length; i++) programCommands += plan.program.count[i]!;
  if (programCommands > STUDIO_MAX_PIM_COMMANDS) {
    throw new StrataError(`attention ${input.heads} heads x ${input.headDim} x ${input.context} tokens: its PIM program has ${programCommands} commands, the studio steps through at most ${STUDIO_MAX_PIM_COMMANDS} (fewer heads or tokens)`);
  }
  const requests = npuTraffic(std, { requests: input.npuRequests, load: input.npuLoad, seed: input.seed, requestsPerRow: input.requestsPerRow ?? 8 });
  const log = new CommandLog(0);
  const r = runDualBufferChannel(spec, plan.program, requests, { log });
  const entries = logEntries([log], std.commandNames);
  const sources = sourcesOf(std, plan.program, entries);
  const run = finish(
    `${spec.name} (${spec.rowBuffers === 2 ? 'two row buffers per bank' : 'one row buffer per bank'}): attention ${input.heads} heads x ${input.headDim} over ${input.context} tokens, with ${input.npuRequests} NPU requests at ${input.npuLoad} of the peak, on one channel`,
    std, [entries], spec.rowBuffers, input.npuRequests, r.endCycle,
    [
      `The PIM program finished at cycle ${r.pimFinishCycle}, the NPU's last request at cycle ${r.normalFinishCycle}.`,
      ...(r.switchPrecharges > 0 ? [`The channel closed ${r.switchPrecharges} of the NPU's rows for the PIM program (a GWRITE reads the query through the memory row buffer of its bank).`] : []),
      spec.rowBuffers === 2
        ? 'Each bank has a memory row buffer (ACT/RD/WR/PRE, the NPU) and a PIM row buffer (G_ACT/COMP/P_PRE): they share only the command bus, the data bus (READRES against RD/WR), the activation window and refresh. PIM goes first when both could issue.'
        : 'One row buffer per bank: once the PIM program starts it owns the channel, and the NPU\'s requests wait until it ends (the blocked mode NeuPIMs improves on).',
      `NeuPIMs keeps one request's KV cache in one channel of ${std.organization.channels}, so one channel is simulated.`,
    ],
  );
  return { ...run, channels: [run.channels[0]!.map((c, i) => ({ ...c, source: sources[i]! }))] };
}

/**
 * The traffic each command of a dual-buffer channel's log served; the log does not record it. The PIM program's
 * commands are found as the program's steps in order (command, bank and row match the next step). A PRE that is not
 * a step but comes while the next step is an ACT of the same bank (two buffers: the NPU's row must close before a
 * GWRITE's row opens in the memory buffer) or, with one buffer, a G_ACT of the same bank group (the PIM row needs it) is a
 * precharge the channel issued for the program (its `switchPrecharges`): the channel keeps the NPU off a bank the
 * program is about to open (two buffers) and off the whole channel while the program runs (one buffer). REF and
 * PREA are refresh; every other command is the NPU's.
 */
export function sourcesOf(std: DramStandard, program: PimProgram, log: readonly LoggedCommand[]): CommandSource[] {
  const names = std.commandNames;
  const dual = hasPimBuffer(std);
  let step = 0;
  let left = program.length > 0 ? program.count[0]! : 0;
  return log.map((e) => {
    if (step < program.length) {
      const cmd = names[program.cmd[step]!];
      const sameGroup = program.rank[step] === e.rank && program.bankGroup[step] === e.bankGroup;
      if (cmd === e.command && sameGroup && program.bank[step] === e.bank && program.row[step] === e.row) {
        if (--left === 0 && ++step < program.length) left = program.count[step]!;
        return 'pim';
      }
      if (e.command === 'PRE' && sameGroup && (dual ? cmd === 'ACT' && program.bank[step] === e.bank : cmd === 'G_ACT')) return 'pim';
    }
    return e.command === 'REF' || e.command === 'PREA' ? 'refresh' : 'npu';
  });
}

function finish(title: string, std: DramStandard, channels: readonly (readonly LoggedCommand[])[], rowBuffers: 1 | 2, requests: number, cycles: number, notes: string[]): StudioRun {
  const explained = channels.map((log) => {
    const why = explainLog(std, log);
    return log.map((e, i) => ({ ...e, earliestCycle: why[i]!.earliestCycle, ...(why[i]!.heldBy ? { heldBy: why[i]!.heldBy } : {}), message: why[i]!.message }));
  });
  return { title, standard: std, channels: explained, rowBuffers, requests, cycles, tCKPs: std.tCKPs, notes };
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

/** A DRAMsim3-format trace line for a read of (bank group, bank, row, column) of channel 0 at cycle 0. */
function readAt(std: DramStandard, bankGroup: number, bank: number, row: number, column: number): string {
  const m = parseAddressMapping(std.controller.addressMapping, std.organization);
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
      focus: (run) => Math.max(0, run.channels[0]!.findIndex((c) => c.command === 'ACT' && c.row === 2)),
    });
    out.push({
      id: 'tfaw',
      title: 'Four activations: tFAW',
      lesson: 'Eight reads to eight banks in four bank groups. The ACTs follow each other tRRD apart, but no more than four may start within tFAW: the fifth waits for the first to leave the window.',
      input: { kind: 'trace', standard: 'hbm2', text: [0, 1, 2, 3, 0, 1, 2, 3].map((g, i) => readAt(hbm2, g, i < 4 ? 0 : 1, 5 + i, 0)).join('\n') },
      focus: (run) => {
        const acts = run.channels[0]!.map((c, i) => (c.command === 'ACT' ? i : -1)).filter((i) => i >= 0);
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
      focus: (run) => Math.max(0, run.channels[0]!.findIndex((c) => c.command === 'MAC16')),
    });
  }
  // NeuPIMs: one request's attention (4 heads of 128 over 64 tokens) with 200 NPU requests at half the channel's peak.
  const neupims = { heads: 4, headDim: 128, context: 64, npuRequests: 200, npuLoad: 0.5, seed: 'studio' } as const;
  if (data.pimSpecs.neupims?.rowBuffers === 2) {
    out.push({
      id: 'dual-buffer',
      title: 'Read while the bank computes (NeuPIMs dual buffer)',
      lesson: 'NeuPIMs on HBM2: one request\'s attention runs in PIM while an NPU reads and writes the same channel. Every bank has two row buffers: the PIM row (green) that G_ACT opens for the COMPs, and the memory row (blue) that the NPU\'s ACT opens for RD and WR. The selected RD reads its bank\'s memory row while that bank\'s PIM row stays open for the COMPs on either side of it: step forward and back to see them take turns on the command bus.',
      input: { kind: 'neupims', spec: 'neupims', ...neupims },
      focus: (run) => Math.max(0, readWhilePim(run)),
    });
  }
  if (data.pimSpecs['neupims-1rb']?.rowBuffers === 1) {
    out.push({
      id: 'single-buffer',
      title: 'The same with one row buffer (blocked)',
      lesson: 'The same attention and NPU requests, with one row buffer per bank (the NPU+PIM design NeuPIMs improves on): a bank\'s only buffer holds either a PIM row or a memory row, so once the PIM program starts the NPU waits until it ends. The selected command is the NPU\'s first after the program: compare when the NPU finished (the line above) with the dual-buffer example.',
      input: { kind: 'neupims', spec: 'neupims-1rb', ...neupims },
      focus: (run) => {
        const cmds = run.channels[0]!;
        let lastPim = -1;
        cmds.forEach((c, i) => { if (c.source === 'pim') lastPim = i; });
        return Math.max(0, cmds.findIndex((c, i) => i > lastPim && c.source === 'npu'));
      },
    });
  }
  return out;
}

/** The first RD of channel 0 that issued between two COMPs while its own bank held a row in its PIM row buffer (-1 if none). */
export function readWhilePim(run: StudioRun): number {
  const cmds = run.channels[0]!;
  const replay = new BankReplay(run.standard);
  for (let i = 0; i < cmds.length; i++) {
    const c = cmds[i]!;
    replay.apply(c);
    if (c.command === 'RD' && cmds[i - 1]?.command === 'COMP' && cmds[i + 1]?.command === 'COMP' && (replay.bank(bankIndex(run.standard, c), c.cycle).pimRow ?? -1) >= 0) return i;
  }
  return -1;
}
