import { produce } from 'immer';
import { StrataError } from '../spec/errors.ts';
import { CommandLog, logEntries, type LoggedCommand } from '../dram/command-log.ts';
import { parseAddressMapping } from '../dram/address-mapping.ts';
import { generatePattern, type Pattern } from '../dram/patterns.ts';
import { checkProtocol, type Violation } from '../dram/protocol-checker.ts';
import { runDram } from '../dram/run.ts';
import { bytesPerRequest, knownStandards, loadStandard, type DramStandard } from '../dram/standard.ts';
import { runPimGemv } from '../systems/pim-gpt/gemv.ts';
import { loadPimSpec } from '../pim/pim-spec.ts';
import { runNeuPimsAttention } from '../systems/neupims/neupims-gemv.ts';
import { loadModel } from '../compiler/model.ts';
import { loadPimGptSystem, pimGptGenerate } from '../systems/pim-gpt/pim-gpt.ts';
import { ATTACC_DEVICES, loadAttAccDevice, type AttAccPlacement } from '../pim/attacc-device.ts';
import { attaccTrace } from '../validation/attacc-trace.ts';
import { runAttAccStack } from '../pim/attacc-channel.ts';
import { checkAttAccRun } from '../pim/attacc-check.ts';
import { CHECK_MAX_VIOLATIONS, checkFailureLine, StreamChecker } from './check.ts';
import { runCommand } from './run.ts';
import { serveCommand } from './serve.ts';
import { parseFlags } from './args.ts';
import { relative, join } from 'node:path';
import { haveRamulator2Reference, RAMULATOR2_REFERENCE_DIR, ramulator2Cases } from '../validation/ramulator2.ts';
import { loadRamulator2Config, ramulator2ChannelBytes } from '../dram/ramulator2-config.ts';
import { runRamulator2 } from '../dram/ramulator2-run.ts';
import { generateRamulator2Trace } from '../dram/ramulator2-trace.ts';
import { checkRamulator2Run } from '../dram/ramulator2-check.ts';
import { workProgress } from './progress.ts';

export const VALIDATE_CHECK_USAGE = 'strata validate check';

/** Requests of each DRAM case: enough for several refresh intervals on every preset (hbm2: ~ 7 x tREFI). */
const DRAM_CHECK_REQUESTS = 20_000;

/** One run `strata validate check` replays through the protocol checker. */
interface CheckCase {
  /** The preset (a DRAM standard, a PIM spec, a PIM system). */
  readonly preset: string;
  /** The Strata command that makes the same run with `--check`. */
  readonly command: string;
  /** Runs it; the standard checked against, the command log and the cycle the run ended at. */
  readonly run: () => CheckRun;
}

/**
 * A case's run: its command log and end, checked here against `std`, or already checked (`violations`); or a run of
 * many streams, each checked as it ended by `checker` (strata run / serve --check).
 */
type CheckRun = ({ entries: readonly LoggedCommand[]; endCycle: number; command?: string; checker?: undefined } & (
  | { std: DramStandard; refresh?: 'all-bank' | 'per-bank' | 'none'; violations?: undefined }
  | { violations: readonly Violation[] }
)) | { checker: StreamChecker; command?: undefined };

/** The DRAM cases: each preset's default controller, a random pattern with 30 % writes and a stream, under each refresh mode the standard has. */
function dramCases(): CheckCase[] {
  const out: CheckCase[] = [];
  for (const name of knownStandards()) {
    const std = loadStandard(name);
    // Both refresh modes where the standard has per-bank refresh (tREFIpb), the default one first.
    const modes: Array<'all-bank' | 'per-bank'> = std.timing.tREFIpb !== undefined ? ['all-bank', 'per-bank'] : ['all-bank'];
    const refreshes = [...modes].sort((a, b) => Number(b === std.controller.refresh) - Number(a === std.controller.refresh));
    for (const pattern of ['random', 'stream'] as Pattern[]) {
      for (const refresh of refreshes) {
        const flag = refresh === std.controller.refresh ? '' : ` --refresh ${refresh}`;
        out.push({
          preset: name,
          command: `strata dram --spec ${name} --pattern ${pattern} --requests ${DRAM_CHECK_REQUESTS}${pattern === 'random' ? ' --write-fraction 0.3' : ''}${flag} --check`,
          run: () => {
            const controller = produce(std.controller, (c) => { c.refresh = refresh; });
            const mapping = parseAddressMapping(controller.addressMapping, std.organization);
            const trace = generatePattern({ pattern, requests: DRAM_CHECK_REQUESTS, seed: '1', requestBytes: bytesPerRequest(std), capacityBytes: mapping.capacityBytes, writeFraction: pattern === 'random' ? 0.3 : undefined });
            let r = runDram({ standard: std, controller, trace, commandLog: true });
            // A run shorter than three refresh intervals (hbm3 drains 20,000 reads in ~1,300 cycles) is run on,
            // idle, to three: so that every case replays refreshes, and commands around them.
            const minCycles = 3 * std.timing.tREFI!;
            if (r.cycles >= minCycles) return { std, entries: logEntries(r.logs, std.commandNames), endCycle: r.cycles, refresh };
            r = runDram({ standard: std, controller, trace, commandLog: true, cycles: minCycles });
            const base = `strata dram --spec ${name} --pattern ${pattern} --requests ${DRAM_CHECK_REQUESTS}${pattern === 'random' ? ' --write-fraction 0.3' : ''}${flag}`;
            return { std, entries: logEntries(r.logs, std.commandNames), endCycle: r.cycles, refresh, command: `${base} --cycles ${minCycles} --check` };
          },
        });
      }
    }
  }
  return out;
}

/** The PIM cases: every shipped spec and system that issues DRAM/PIM commands, as its own command runs it. */
function pimCases(): CheckCase[] {
  const aim: CheckCase = {
    preset: 'aim', command: 'strata pim gemv --spec aim --m 512 --k 2048 --check',
    run: () => {
      const spec = loadPimSpec('aim');
      const r = runPimGemv(spec, 512, 2048, { commandLog: true });
      return { std: spec.standard, entries: logEntries(r.logs, spec.standard.commandNames), endCycle: r.cycles };
    },
  };
  const neupims = (mode: 'single' | 'dual'): CheckCase => ({
    preset: 'neupims', command: `strata pim neupims-gemv --context 512 --mode ${mode} --npu-load 0.5 --check`,
    run: () => {
      const log = new CommandLog(0);
      const r = runNeuPimsAttention({ heads: 32, headDim: 128, context: 512 }, { mode, npuLoad: 0.5, seed: '1', log });
      const std = r.spec.standard;
      // one channel is simulated: the checker sees a one-channel device (as pim neupims-gemv --check does)
      return { std: { ...std, organization: { ...std.organization, channels: 1 } }, entries: logEntries([log], std.commandNames), endCycle: r.run.endCycle, refresh: 'all-bank' };
    },
  });
  const pimGpt: CheckCase = {
    preset: 'pim-gpt (aim)', command: 'strata pim generate --model gpt2-small --prompt 1 --tokens 1 --check',
    run: () => {
      const system = loadPimGptSystem('pim-gpt');
      const logs: CommandLog[] = [];
      const g = pimGptGenerate(system, loadModel('gpt2-small'), 1, 1, { reuse: false, commandLogs: logs });
      const std = system.pim.standard;
      const endCycle = Math.ceil((g.promptPs + g.generated.reduce((a, t) => a + t.totalPs, 0)) / std.tCKPs);
      return { std, entries: logEntries(logs, std.commandNames), endCycle };
    },
  };
  return [aim, neupims('single'), neupims('dual'), pimGpt, ...attaccCases()];
}

/**
 * `strata run` and `strata serve` under --check, one case per family whose runs issue commands, run by the commands
 * themselves (quiet): Duplex (its Logic-PIM grid streams, which strata serve --system duplex --check replays too) and
 * NeuPIMs (every channel run of a served request set, checked as it ends); the Duplex family's three PIM placements.
 * Their cycles are the streams' summed.
 */
function runServeCases(): CheckCase[] {
  const viaCommand = (command: 'run' | 'serve', args: string[]): (() => CheckRun) => () => {
    const checker = new StreamChecker(command);
    const code = (command === 'run' ? runCommand : serveCommand)([...args, '--check', '--quiet'], checker);
    if (code !== 0 && checker.violations.length === 0) throw new Error(`internal invariant broken: strata ${command} --check exited ${code} without a violation`);
    return { checker };
  };
  const duplexRun = (system: string) => ['--system', system, '--model', 'mixtral-8x7b', '--phase', 'decode', '--batch', '4', '--context', '256'];
  const neupimsServe = ['--model', 'neupims-gpt3-7b', '--system', 'neupims', '--requests', 'sharegpt', '--count', '16', '--qps', '20'];
  return [
    ...(['duplex', 'bank-pim', 'bg-pim'] as const).map((system) => ({
      preset: `${system}${system === 'duplex' ? ' (logic-pim)' : ''}`, command: `strata run ${duplexRun(system).join(' ')} --check`, run: viaCommand('run', duplexRun(system)),
    })),
    { preset: 'neupims', command: `strata serve ${neupimsServe.join(' ')} --check`, run: viaCommand('serve', neupimsServe) },
  ];
}

/**
 * AttAcc's attention on each placement, the whole stack (16 legacy channels, 32 pseudo-channels) behind AttAcc's
 * front end, with AttAcc's refresh: a case per placement long enough for three refresh intervals or more (18,000 to
 * 24,000 cycles, tREFI 5,070). AttAcc's rows themselves are checked by `strata validate attacc --check`.
 */
function attaccCases(): CheckCase[] {
  const cases: ReadonlyArray<readonly [AttAccPlacement, number, number]> = [['bank', 4096, 64], ['bank-group', 2048, 32], ['buffer-die', 512, 24]];
  return cases.map(([placement, L, nhead]) => ({
    preset: ATTACC_DEVICES[placement],
    command: `AttAcc attention L=${L} nhead=${nhead} dhead=128 dbyte=2, whole stack (as strata validate attacc --stack --check runs AttAcc's rows)`,
    run: () => {
      const device = loadAttAccDevice(ATTACC_DEVICES[placement]);
      const run = runAttAccStack(device, attaccTrace(placement, { L, nhead, dhead: 128, dbyte: 2 }), { commandLog: true });
      const c = checkAttAccRun(device, run, { stack: true, refresh: true, maxViolations: CHECK_MAX_VIOLATIONS });
      return { entries: c.entries, endCycle: run.cycles, violations: c.violations };
    },
  }));
}

/**
 * The Ramulator 2 model (`strata dram --spec X.yaml`) on the eight reference runs' configurations and patterns
 * (../shared/reference/ramulator2: DDR4, DDR5, HBM3, LPDDR5; stream-read and random-rw), DRAM_CHECK_REQUESTS
 * requests each, so that every run replays refreshes (7 per pseudo-channel in HBM3's stream, up to 34 in LPDDR5's random
 * run). None when the reference runs are absent.
 */
function ramulator2CheckCases(): CheckCase[] {
  if (!haveRamulator2Reference()) return [];
  return ramulator2Cases().flatMap((name) => {
    const m = /^v\d+_(.+)_(random-rw|stream-read)_\d+_(\d+)$/.exec(name);
    if (m === null) return [];
    const [, part, pattern, seed] = m as unknown as [string, string, string, string];
    const file = join(RAMULATOR2_REFERENCE_DIR, 'configs', `${part}.yaml`);
    const spec = relative(process.cwd(), file);
    return [{
      preset: `${part} (Ramulator 2)`,
      command: `strata dram --spec ${spec} --pattern ${pattern} --requests ${DRAM_CHECK_REQUESTS}${seed === '1' ? '' : ` --seed ${seed}`} --check`,
      run: () => {
        const cfg = loadRamulator2Config(file);
        const trace = generateRamulator2Trace(pattern, DRAM_CHECK_REQUESTS, Number(seed), ramulator2ChannelBytes(cfg) * cfg.channels);
        const c = checkRamulator2Run(runRamulator2(cfg, trace, { commandLog: true }), CHECK_MAX_VIOLATIONS);
        return { entries: c.entries, endCycle: c.endCycle, violations: c.violations };
      },
    }];
  });
}

/**
 * `strata validate check`: `--check` on every DRAM preset and every PIM preset that issues commands: each run's
 * whole command log is replayed through the independent protocol checker (src/dram/protocol-checker.ts). Prints a
 * Markdown table, one row per run with the command that repeats it; exit 1 if any rule is broken, naming the first.
 * Then `strata run` and `strata serve` --check on the Duplex and NeuPIMs families; GPU/CPU baselines issue no commands
 * and are listed as not replayed.
 */
export function checkValidateCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('validate check', argv, { quiet: { type: 'boolean' } });
  if (positionals.length > 0) throw new StrataError(`validate check: unexpected argument '${positionals[0]}' (usage: ${VALIDATE_CHECK_USAGE})`);
  const cases = [...dramCases(), ...ramulator2CheckCases(), ...pimCases(), ...runServeCases()];
  const progress = workProgress('validate check', 'runs', cases.length, { quiet: v.quiet });
  const failures: string[] = [];
  const rows: string[] = [];
  cases.forEach((c, i) => {
    const r = c.run();
    const command = r.command ?? c.command;
    let commands: number, refs: number, endCycle: number, violations: readonly Violation[];
    if (r.checker !== undefined) {
      ({ commands, refreshes: refs, cycles: endCycle, violations } = r.checker);
    } else {
      const { entries } = r;
      endCycle = r.endCycle;
      commands = entries.length;
      violations = r.violations ?? checkProtocol(r.std, entries, { endCycle, refresh: r.refresh, maxViolations: CHECK_MAX_VIOLATIONS });
      refs = entries.reduce((n, e) => n + (e.command === 'REF' || e.command === 'REFpb' || e.command === 'REFab' ? 1 : 0), 0);
    }
    rows.push(`| ${c.preset} | ${command.startsWith('strata ') ? `\`${command}\`` : command} | ${commands.toLocaleString('en-US')} | ${refs.toLocaleString('en-US')} | ${endCycle.toLocaleString('en-US')} | ${violations.length === 0 ? 'none' : `**${violations.length}**`} |`);
    if (violations.length > 0) failures.push(checkFailureLine(command.replace(/^strata /, '').replace(/ --.*$/, ''), violations, commands));
    progress.update(i + 1, c.preset);
  });
  progress.end();
  console.log('### Protocol check of every preset (each run\'s whole command log replayed by the independent checker)\n');
  console.log('| preset | run | commands | refreshes | cycles | violations |');
  console.log('|---|---|---:|---:|---:|---|');
  for (const r of rows) console.log(r);
  console.log('\nThe last four rows replay every stream the run simulated, each as it ended (strata run / serve --check); their cycles are the streams\' summed.');
  console.log('Not replayed: GPU/CPU baselines and duplex-gpu (timed by the analytical roofline kernel model, src/systems/baseline/roofline.ts, which issues no commands).');
  if (!haveRamulator2Reference()) console.log(`Not replayed: the Ramulator 2 model's runs (${relative(process.cwd(), RAMULATOR2_REFERENCE_DIR)} not found).`);
  for (const f of failures) console.error(f);
  return failures.length === 0 ? 0 : 1;
}
