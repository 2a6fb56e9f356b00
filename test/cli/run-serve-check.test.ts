import { describe, it, expect } from 'vitest';
import { runMain } from '../helpers.ts';
import { loadDuplexSystem } from '../../src/systems/duplex/duplex-system.ts';
import { logicPimStreamGrid } from '../../src/pim/logic-pim-tsv.ts';
import { StreamChecker, CheckFailed } from '../../src/cli/check.ts';
import { loadModel } from '../../src/compiler/model.ts';
import { loadNeuPimsSystem } from '../../src/systems/neupims/neupims-system.ts';
import { neupimsDecode, NeuPimsMemo } from '../../src/systems/neupims/neupims-decode.ts';
import type { CommandStreamSink, EndedCommandStream } from '../../src/systems/system-model.ts';
import { CommandLog, logEntries } from '../../src/dram/command-log.ts';

// Issue #18 item 2: --check on every command that issues DRAM or PIM commands, `strata run` and `strata serve` included.

/** The summary without the --check line: what the run reports must not change under --check. */
const withoutCheck = (out: string) => out.split('\n').filter((l) => !l.startsWith('  check ')).join('\n');
const count = (s: string) => Number(s.replace(/,/g, ''));
/** stderr without the lines where --set names its overrides (main prints them; the in-process runner may not). */
const failureLines = (err: string) => err.split('\n').filter((l) => !l.startsWith('strata: --set '));

// Planted: the controller's constraint table lets a RD follow its ACT after 1 cycle; the checker reads tRCDRD itself.
const SHORT_TRCD_DUPLEX = 'pim.spec.base.rules.0.rules.1.distance="1"'; // duplex -> logic-pim -> hbm3 -> jedec.json rule 1 (ACT -> RD)
const SHORT_TRCD_NEUPIMS = 'memory.pim.base.rules.0.rules.1.distance="1"'; // neupims -> PIM spec neupims -> hbm2 -> jedec.json

describe('strata run --check', () => {
  const args = ['run', '--system', 'duplex', '--model', 'llama3-8b', '--phase', 'decode', '--batch', '4', '--context', '256'];

  it('Duplex: replays every Logic-PIM grid stream on every pseudo-channel; the reported numbers are those of the run without it', () => {
    const plain = runMain(args);
    const checked = runMain([...args, '--check']);
    expect(checked.err).toBe('');
    expect(checked.code).toBe(0);
    expect(withoutCheck(checked.out)).toBe(plain.out);
    const m = /^ {2}check {14}([\d,]+) commands in (\d+) simulated streams \(logic-pim: every stream length the PIM ops are timed from\) replayed by the protocol checker: no violation$/m.exec(checked.out);
    expect(m).not.toBeNull();
    // 1, 2, 4, ..., 128, 256 (the tile) and 512 requests per pseudo-channel: 10 streams
    const spec = loadDuplexSystem('duplex').pim!.spec;
    expect(logicPimStreamGrid(spec)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    expect(Number(m![2])).toBe(10);
    // every read needs a column command: at least (1 + 2 + ... + 512) requests x 32 pseudo-channels
    expect(count(m![1]!)).toBeGreaterThanOrEqual((1023 + 0) * spec.view.organization.channels);
  }, 60_000);

  it('bank-pim and bg-pim replay their own grids (tiles of 64 and 128 requests per channel)', () => {
    for (const [system, streams] of [['bank-pim', 8], ['bg-pim', 9]] as const) {
      const r = runMain(['run', '--system', system, '--model', 'llama3-8b', '--phase', 'decode', '--batch', '2', '--context', '128', '--check']);
      expect(r.code, system).toBe(0);
      expect(r.out, system).toMatch(new RegExp(`commands in ${streams} simulated streams \\(${system}: `));
    }
  }, 60_000);

  it('a constraint table that lets RD follow ACT after 1 cycle fails with exit 1 and one line: the command, the rule, the cycles and the stream', () => {
    const r = runMain([...args, '--check', '--quiet', '--set', SHORT_TRCD_DUPLEX]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    const lines = failureLines(r.err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^strata: run --check: the protocol checker found \d+ violations? in [\d,]+ commands; the first: RD at cycle (\d+) on channel \d+ of the logic-pim stream of 1 request per pseudo-channel breaks tRCDRD: .*RD 1 cycles after ACT at \d+, needs tRCDRD = 19$/);
  }, 60_000);

  it('systems that issue no DRAM or PIM commands are refused at start in one line (exit 2)', () => {
    const gpu = runMain(['run', '--system', 'gpu-h100-sxm', '--model', 'llama3-8b', '--phase', 'decode', '--context', '256', '--check']);
    expect(gpu.code).toBe(2);
    expect(gpu.out).toBe('');
    expect(gpu.err).toBe("strata: run: --check: 'gpu-h100-sxm' is a GPU/CPU baseline, timed by the analytical roofline kernel model (src/systems/baseline/roofline.ts), which issues no DRAM or PIM commands to check");
    const xpu = runMain(['run', '--system', 'duplex-gpu', '--model', 'llama3-8b', '--phase', 'decode', '--context', '256', '--check']);
    expect(xpu.code).toBe(2);
    expect(xpu.err).toMatch(/^strata: run: --check: 'duplex-gpu' is a Duplex-family system without PIM: its xPU is timed by the analytical roofline kernel model .*no DRAM or PIM commands to check$/);
    // refused before the model is read
    expect(runMain(['run', '--system', 'gpu-h100-sxm', '--model', 'no-such-model', '--phase', 'decode', '--context', '256', '--check']).err).toMatch(/^strata: run: --check: 'gpu-h100-sxm' is a GPU\/CPU baseline/);
  });
});

describe('strata serve --check', () => {
  const neupims = ['serve', '--model', 'neupims-gpt3-7b', '--system', 'neupims', '--requests', 'fixed:64:4', '--count', '8'];

  it('NeuPIMs: every channel run the step costs simulate is replayed as it ends; the report is that of the run without it', () => {
    const plain = runMain([...neupims]);
    const checked = runMain([...neupims, '--check']);
    expect(checked.code).toBe(0);
    expect(withoutCheck(checked.out)).toBe(plain.out);
    const m = /^ {2}check {8}([\d,]+) commands in (\d+) simulated streams? \(every channel run the step costs simulated; the largest ([\d,]+) commands\) replayed by the protocol checker: no violation$/m.exec(checked.out);
    expect(m).not.toBeNull();
    // the NPU streaming-rate sample (8,192 reads) and the attention program of contexts 64-67 (one shape)
    expect(Number(m![2])).toBe(2);
    expect(count(m![3]!)).toBeGreaterThan(8192);
    expect(count(m![1]!)).toBeGreaterThan(count(m![3]!));
  }, 60_000);

  it('NeuPIMs: a constraint table the checker disagrees with fails in one line naming the channel run', () => {
    const r = runMain([...neupims, '--quiet', '--check', '--set', SHORT_TRCD_NEUPIMS]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    const lines = failureLines(r.err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^strata: serve --check: the protocol checker found (at least 100|\d+) violations? in [\d,]+ commands; the first: RD at cycle \d+ on channel 0 of neupims channel: NPU streaming-rate sample of 8192 requests breaks tRCDRD: .*needs tRCDRD = 14$/);
  }, 60_000);

  it('Duplex: the Logic-PIM grid streams, as strata run --check replays them', () => {
    const r = runMain(['serve', '--model', 'llama3-8b', '--system', 'duplex', '--requests', 'fixed:32:4', '--count', '3', '--check']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}check {8}[\d,]+ commands in 10 simulated streams \(logic-pim: every stream length the PIM ops are timed from\) replayed by the protocol checker: no violation$/m);
    const bad = runMain(['serve', '--model', 'llama3-8b', '--system', 'duplex', '--requests', 'fixed:32:4', '--count', '3', '--check', '--quiet', '--set', SHORT_TRCD_DUPLEX]);
    expect(bad.code).toBe(1);
    expect(failureLines(bad.err)).toHaveLength(1);
    expect(failureLines(bad.err)[0]).toMatch(/^strata: serve --check: .* the first: RD at cycle \d+ on channel \d+ of the logic-pim stream of 1 request per pseudo-channel breaks tRCDRD: /);
  }, 60_000);

  it('GPU/CPU baselines and duplex-gpu are refused at start in one line (exit 2)', () => {
    const r = runMain(['serve', '--model', 'llama3-8b', '--system', 'gpu-h100-sxm', '--requests', 'fixed:32:4', '--count', '3', '--check']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("strata: serve: --check: 'gpu-h100-sxm' is a GPU/CPU baseline, timed by the analytical roofline kernel model (src/systems/baseline/roofline.ts), which issues no DRAM or PIM commands to check");
    const x = runMain(['serve', '--model', 'llama3-8b', '--system', 'duplex-gpu', '--requests', 'fixed:32:4', '--count', '3', '--check']);
    expect(x.code).toBe(2);
    expect(x.err).toMatch(/^strata: serve: --check: 'duplex-gpu' is a Duplex-family system without PIM/);
  });
});

describe('the NeuPIMs command-stream hook', () => {
  it('hands over each simulated channel run once, does not change a number, and the memo\'s reused runs are not handed over again', () => {
    const system = loadNeuPimsSystem('neupims');
    const model = loadModel('neupims-gpt3-7b');
    const contexts = [100, 300, 700, 1500];
    const seen: string[] = [];
    const sink: CommandStreamSink = { begin: () => new CommandLog(0), end: (s: EndedCommandStream) => void seen.push(s.what) };
    const memo = new NeuPimsMemo();
    const plain = neupimsDecode(system, model, contexts, { memo: new NeuPimsMemo() });
    const logged = neupimsDecode(system, model, contexts, { memo, commandStreams: sink });
    expect(logged.timePs).toBe(plain.timePs);
    expect(logged.energyPj).toBe(plain.energyPj);
    expect(new Set(seen).size).toBe(seen.length); // every run handed over is a distinct run
    expect(seen[0]).toBe('neupims channel: NPU streaming-rate sample of 8192 requests');
    expect(seen.filter((w) => w.includes(', alone')).length).toBeGreaterThanOrEqual(contexts.length); // one program per context shape at least
    const n = seen.length;
    neupimsDecode(system, model, contexts, { memo, commandStreams: sink });
    expect(seen.length).toBe(n);
  }, 60_000);

  it('with sub-batch interleaving, the attention programs beside NPU traffic and that traffic alone are handed over too, and replay clean', () => {
    const system = loadNeuPimsSystem('neupims');
    const model = loadModel('neupims-gpt3-7b');
    const checker = new StreamChecker('serve');
    const seen: string[] = [];
    const tap: CommandStreamSink = { begin: () => checker.begin(), end: (s) => { seen.push(s.what); checker.end(s); } };
    const contexts = [200, 400, 600, 800, 1000, 1200, 1400, 1600];
    const plain = neupimsDecode(system, model, contexts, { subBatch: 'on' });
    const logged = neupimsDecode(system, model, contexts, { subBatch: 'on', commandStreams: tap });
    expect(logged.timePs).toBe(plain.timePs);
    expect(seen.some((w) => / beside \d+ NPU requests$/.test(w))).toBe(true);
    expect(seen.some((w) => / NPU requests alone \(the pace of the co-run's\)$/.test(w))).toBe(true);
    expect(checker.violations).toEqual([]);
    expect(checker.streams).toBe(seen.length);
  }, 60_000);

  it('StreamChecker: a PIM command moved onto the cycle of the command before it fails with the rule and the stream named', () => {
    const system = loadNeuPimsSystem('neupims');
    const model = loadModel('neupims-gpt3-7b');
    const clean = new StreamChecker('serve');
    let kept: EndedCommandStream | undefined;
    const tap: CommandStreamSink = {
      begin: () => clean.begin(),
      end: (s) => {
        if (s.what.endsWith(', alone')) kept ??= s;
        clean.end(s);
      },
    };
    neupimsDecode(system, model, [512], { commandStreams: tap });
    expect(clean.streams).toBeGreaterThanOrEqual(2);
    expect(kept).toBeDefined();
    // the program's second COMP issued on the cycle of its first: the checker's column-to-column spacing breaks
    const entries = logEntries(kept!.logs, kept!.standard.commandNames);
    const comps = entries.map((e, i) => [e, i] as const).filter(([e]) => e.command === 'COMP');
    expect(comps.length).toBeGreaterThan(2);
    const log = new CommandLog(0);
    const names = kept!.standard.commandNames;
    for (const [i, e] of entries.entries()) {
      const cycle = i === comps[1]![1] ? comps[0]![0].cycle : e.cycle;
      log.push(cycle, names.indexOf(e.command), e.rank, e.bankGroup, e.bank, e.row, e.column);
    }
    const checker = new StreamChecker('serve');
    let line = '';
    try {
      checker.end({ ...kept!, logs: [log] });
    } catch (e) {
      expect(e).toBeInstanceOf(CheckFailed);
      line = (e as CheckFailed).line;
    }
    expect(line).toMatch(new RegExp(`^strata: serve --check: the protocol checker found \\d+ violations? in ${entries.length.toLocaleString('en-US')} commands; the first: COMP at cycle ${comps[0]![0].cycle} on channel 0 of neupims channel: attention program .* at context \\d+, alone breaks `));
  }, 60_000);
});
