import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { timedProgress } from '../../src/cli/progress.ts';
import { oneLine } from '../../src/cli/main.ts';
import { checkOutputPaths } from '../../src/cli/output.ts';
import { errorOf, runMain, runMainAsync } from '../helpers.ts';
import { knownStandards } from '../../src/dram/standard.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exit 2 with exactly one line on stderr, nothing on stdout: how every user error ends. */
function expectOneLineError(r: { code: number | null; out: string; err: string }): string {
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  return r.err.trimEnd();
}

// Hostile use of the command line (issue #18): every failure is one line on stderr with exit 2, every long run
// shows progress.

afterEach(() => vi.restoreAllMocks());

describe('progress of a long dram run', () => {
  it('stays quiet for 3 s, then prints at most one line every 2 s of wall-clock time', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    let ms = 0;
    const progress = timedProgress('dram', () => ms);
    for (const [t, cycle] of [[1000, 10], [2999, 20], [3000, 30], [4000, 40], [5000, 50], [7500, 120]] as const) {
      ms = t;
      progress(cycle, 100);
    }
    expect(lines).toEqual([
      'dram: simulated cycle 30 of at least 100 (30 % of the trace\'s span)\n',
      'dram: simulated cycle 50 of at least 100 (50 % of the trace\'s span)\n',
      'dram: simulated cycle 120 of at least 100 (draining the last requests)\n',
    ]);
  });
});

describe('numbers are read the same way in every flag, exponent notation included, and the bound is named', () => {
  it('--qps 1e9 names the bound of 1,000,000 and its reason', () => {
    const err = expectOneLineError(runMain(['serve', '--model', 'llama3-8b', '--system', 'duplex', '--requests', 'fixed:32:4', '--count', '3', '--qps', '1e9', '--quiet']));
    expect(err).toBe("strata: --qps: expected a number > 0 up to 1,000,000 (at a 1 us mean gap every request is there at once), got '1e9'");
  });

  it('--qps 0x10 and --qps Infinity are not numbers', () => {
    for (const q of ['0x10', 'Infinity']) {
      expect(expectOneLineError(runMain(['serve', '--model', 'llama3-8b', '--system', 'duplex', '--requests', 'fixed:32:4', '--qps', q]))).toBe(`strata: --qps: expected a number > 0 (such as 2.5 or 1e3), got '${q}'`);
    }
  });

  it('--requests 2e2 is 200 requests, and 2.5 is refused as not an integer', () => {
    const r = runMain(['dram', '--spec', 'ddr4', '--pattern', 'stream', '--requests', '2e2', '--write-fraction', '5e-1']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/200 completed \(\d+ reads, \d+ writes\) of 200 in the trace/);
    expect(expectOneLineError(runMain(['dram', '--spec', 'ddr4', '--pattern', 'stream', '--requests', '2.5']))).toBe("strata: --requests: expected a positive integer, got '2.5'");
  });

  it('--bank-window reads 0:2e3 as 0:2000', () => {
    const out = join(dir, 'bw.json');
    expect(runMain(['dram', '--spec', 'ddr4', '--pattern', 'stream', '--requests', '50', '--bank-window', '0:2e3', '--out', out, '--quiet']).code).toBe(0);
  });

  // The audit of issue #18 (2026-12-07) found four flags that read numbers their own way: --set took '5.2e1' but
  // called '.5' and '+52' strings, Ramulator 2's --seed took '0x10' and ' 7' (Number()), and the IN:OUT pairs and
  // `sweep shard --task` refused exponent notation. Each now reads numbers as readNumber does.
  it('--set reads a number as every number flag does: .4e2 and +40 are 40, 0x271 is not, 1e400 is refused', () => {
    const base = ['dram', '--spec', 'ddr4', '--pattern', 'random', '--requests', '200'];
    const plain = runMain([...base, '--set', 'timing.tFAW=40']);
    expect(plain.code).toBe(0);
    expect(plain.out).not.toBe(runMain(base).out); // tFAW 40 instead of 34 changes the run
    for (const v of ['.4e2', '+40', '4.0e1']) {
      const r = runMain([...base, '--set', `timing.tFAW=${v}`]);
      expect(r.code, `${v}: ${r.err}`).toBe(0);
      expect(r.out, v).toBe(plain.out);
    }
    expect(expectOneLineError(runMain([...base, '--set', 'clock.tCKPs=0x271']))).toMatch(/'clock\.tCKPs' of .*ddr4\.json is a number \(625\); got a string \("0x271"\)$/);
    expect(expectOneLineError(runMain([...base, '--set', 'clock.tCKPs=1e400']))).toBe("strata: --set 'clock.tCKPs=1e400': expected a finite number after '=', got '1e400'");
  });

  it('Ramulator 2\'s --seed reads 1e0 as 1 and refuses 0x10 and a padded number', () => {
    const base = ['dram', '--spec', join(ROOT, 'test/fixtures/export/ddr5.yaml'), '--pattern', 'random-rw', '--requests', '20'];
    expect(runMain([...base, '--seed', '1e0']).out).toBe(runMain([...base, '--seed', '1']).out);
    for (const s of ['0x10', ' 7', '1.5', '-1']) {
      expect(expectOneLineError(runMain([...base, '--seed', s]))).toBe(`strata: --seed: expected a seed of Python's random.Random, a whole number from 0 to 9,007,199,254,740,991, got '${s}'`);
    }
  });

  it('IN:OUT pairs read exponent notation (fixed:1e2:4 is fixed:100:4) and name their bound', () => {
    const base = ['serve', '--model', 'gpt2-small', '--system', 'gpu-t4', '--count', '3', '--quiet', '--out'];
    const a = runMain([...base, join(dir, 'fixed-e'), '--requests', 'fixed:1e2:4']);
    const b = runMain([...base, join(dir, 'fixed-plain'), '--requests', 'fixed:100:4']);
    expect(a.code).toBe(0);
    expect(readFileSync(join(dir, 'fixed-e', 'serving-report.json'), 'utf8')).toBe(readFileSync(join(dir, 'fixed-plain', 'serving-report.json'), 'utf8').replaceAll('fixed:100:4', 'fixed:1e2:4'));
    expect(b.code).toBe(0);
    expect(expectOneLineError(runMain([...base, join(dir, 'fixed-x'), '--requests', 'fixed:0x10:4']))).toBe("strata: --requests: expected fixed:IN:OUT with whole numbers of tokens from 1 to 100,000 (fixed:256:256, fixed:1e3:512), got 'fixed:0x10:4'");
    expect(expectOneLineError(runMain([...base, join(dir, 'fixed-big'), '--requests', 'fixed:1e6:4']))).toMatch(/from 1 to 100,000 .*got 'fixed:1e6:4'$/);
  });

  it('sweep shard --task reads 1e0 as task 1 (the task is checked before the submission folder) and refuses 0x1', async () => {
    const missing = join(dir, 'no-submission');
    const one = await runMainAsync(['sweep', 'shard', missing, '--task', '1e0']);
    const plain = await runMainAsync(['sweep', 'shard', missing, '--task', '1']);
    expect(one.code).toBe(2);
    expect(one.err).toBe(plain.err);
    expect(one.err).not.toMatch(/--task/);
    expect(expectOneLineError(await runMainAsync(['sweep', 'shard', missing, '--task', '0x1']))).toBe("strata: sweep shard: --task: expected a task number (0, 1, ...), a whole number from 0 to 9,007,199,254,740,991, got '0x1'");
  });
});

describe('every user error is one line', () => {
  it('binary junk in a trace is escaped, not echoed raw', () => {
    const trace = join(dir, 'junk.trace');
    writeFileSync(trace, Buffer.from('0x0 READ 0\n\x01\x02\x1b[31mjunk\x00 READ 5 \x07\n', 'latin1'));
    const err = expectOneLineError(runMain(['dram', '--spec', 'ddr4', '--trace', trace]));
    expect(err).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(err).toContain('\\x01\\x02\\x1b[31mjunk\\x00');
  });

  it('oneLine escapes line breaks and caps a long message, saying how much it left out', () => {
    expect(oneLine('a\nb\rc\u2028d')).toBe('a\\nb\\rc\\u2028d');
    expect(oneLine('x'.repeat(1500))).toBe(`${'x'.repeat(1000)}… (500 more characters)`);
  });

  it('a missing or duplicate --trace/--pattern, and report without --out, give no usage block', () => {
    const trace = join(dir, 'one.trace');
    writeFileSync(trace, '0x0 READ 0\n');
    for (const argv of [
      ['dram', '--spec', 'ddr4'],
      ['dram', '--spec', 'ddr4', '--trace', trace, '--pattern', 'stream'],
      ['dram', '--spec', 'ddr4', '--trace', trace, '--trace', trace],
      ['dram', '--pattern', 'stream'],
      ['dram', '--spec', 'ddr4', '--pattern', 'stream', 'extra'],
      ['report', trace],
      ['report'],
    ]) {
      expect(expectOneLineError(runMain(argv)), argv.join(' ')).toMatch(/^strata: /);
    }
    expect(runMain(['dram', '--spec', 'ddr4']).err).toBe("strata: dram: give exactly one of --trace FILE or --pattern NAME ('strata help dram' shows the usage)");
  });

  it('--refresh per-bank on ddr4 is refused when the command starts (50 M requests would run for minutes)', () => {
    const t0 = Date.now();
    const err = expectOneLineError(runMain(['dram', '--spec', 'ddr4', '--pattern', 'random', '--requests', '50000000', '--refresh', 'per-bank']));
    expect(err).toBe("strata: --refresh per-bank: standard 'ddr4' defines no tREFIpb/tRFCpb");
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('outputs', () => {
  it('an output below a file is refused before the run (50 M requests would run for minutes)', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const err = expectOneLineError(runMain(['dram', '--spec', 'ddr4', '--pattern', 'random', '--requests', '50000000', '--out', join(file, 'r.json')]));
    expect(err).toBe(`strata: cannot write output '${join(file, 'r.json')}': '${file}' is a file, not a directory`);
  });

  it.skipIf(!existsSync('/proc/self'))('--csv /proc/x ends at once with the folder it cannot create (Node\'s recursive mkdir spins there)', () => {
    const err = expectOneLineError(runMain(['dram', '--spec', 'ddr4', '--pattern', 'stream', '--requests', '10', '--csv', '/proc/strata-x']));
    expect(err).toBe("strata: cannot write output '/proc/strata-x/commands.csv': cannot create the folder '/proc/strata-x': no such file or directory");
  });

  // The audit of issue #18 (2026-12-07): the start-up check looked only at whether the path's parents were folders,
  // so an output in a folder that cannot be made (/proc/x) or written was found only at the first write:
  // `strata figures --out /proc/x` computed for 5 minutes first. The check now makes the missing folders, as the
  // write will, and removes them again.
  it.skipIf(!existsSync('/proc/self'))('an output folder that cannot be made (/proc/x) is refused before the run (50 M requests would run for minutes)', () => {
    const t0 = Date.now();
    const err = expectOneLineError(runMain(['dram', '--spec', 'ddr4', '--pattern', 'random', '--requests', '50000000', '--out', '/proc/strata-x/r.json']));
    expect(err).toBe("strata: cannot write output '/proc/strata-x/r.json': cannot create the folder '/proc/strata-x': no such file or directory");
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it.skipIf(!existsSync('/proc/self'))('checkOutputPaths refuses a folder that cannot be made, without writing anything', () => {
    expect(errorOf(() => checkOutputPaths([join(dir, 'fine.json'), '/proc/strata-y/a/b.json']))).toBe("cannot write output '/proc/strata-y/a/b.json': cannot create the folder '/proc/strata-y': no such file or directory");
    expect(existsSync(join(dir, 'fine.json'))).toBe(false);
  });

  it.skipIf(!existsSync('/proc/self'))('strata demo and strata report check --out before they compute or read', () => {
    const t0 = Date.now();
    expect(expectOneLineError(runMain(['demo', '--out', '/proc/strata-demo']))).toBe("strata: cannot write output '/proc/strata-demo/index.html': cannot create the folder '/proc/strata-demo': no such file or directory");
    expect(Date.now() - t0).toBeLessThan(5000); // the three studies take about 15 s of CPU
    // The report file does not exist: the folder is named first, before anything is read.
    expect(expectOneLineError(runMain(['report', join(dir, 'no-report.json'), '--out', '/proc/strata-report']))).toBe("strata: cannot write output '/proc/strata-report/report.html': cannot create the folder '/proc/strata-report': no such file or directory");
  });

  it('the start-up check of a new output folder leaves no folder behind', () => {
    checkOutputPaths([join(dir, 'made', 'deeper', 'r.json'), join(dir, 'made', 'other.csv')]);
    expect(existsSync(join(dir, 'made'))).toBe(false);
  });

  it.skipIf(!existsSync('/dev/full'))('stdout on a full disk (> /dev/full): one line, exit 2, no stack trace', () => {
    const r = spawnSync('sh', ['-c', `'${process.execPath}' --import tsx src/cli/entry.ts dram --spec ddr4 --pattern stream --requests 10 > /dev/full`], { cwd: ROOT, encoding: 'utf8' });
    expect(expectOneLineError({ code: r.status, out: r.stdout, err: r.stderr })).toBe('strata: cannot write to standard output: no space left on the device');
  });
});

describe('strata dram --check: the independent protocol checker over the whole run', () => {
  it('a shipped preset passes and the summary says how many commands were checked', () => {
    const r = runMain(['dram', '--spec', 'ddr4', '--pattern', 'random', '--requests', '2000', '--check']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\n {2}check {7}[0-9,]+ commands replayed by the protocol checker: no violation$/m);
  });

  it('every shipped preset passes --check on mixed reads and writes', () => {
    for (const name of knownStandards()) {
      const r = runMain(['dram', '--spec', name, '--pattern', 'mixed', '--requests', '3000', '--check']);
      expect(r.err, name).toBe('');
      expect(r.out, name).toMatch(/ commands replayed by the protocol checker: no violation$/m);
    }
  });

  it('a table whose ACT -> RD distance the checker disagrees with fails with the first broken rule, its command and cycles', () => {
    // The loader accepts it (the data bus is still kept), but the controller then reads 1 cycle after ACT, not tRCDRD = 22.
    const spec = join(dir, 'short-trcd.json');
    const ddr4 = JSON.parse(readFileSync(join(ROOT, 'arch/dram/ddr4.json'), 'utf8'));
    const jedec = JSON.parse(readFileSync(join(ROOT, 'arch/dram/rules/jedec.json'), 'utf8'));
    jedec.rules.find((x: { distance: string }) => x.distance === 'tRCDRD').distance = '1';
    writeFileSync(spec, JSON.stringify({ ...ddr4, rules: [jedec] }));
    const log = join(dir, 'short-trcd.log');
    const r = runMain(['dram', '--spec', spec, '--pattern', 'random', '--requests', '200', '--check', '--command-log', log, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^strata: dram --check: the protocol checker found \d+ violations? in [0-9,]+ commands; the first: RD at cycle \d+ on channel 0 breaks tRCDRD: .*22/);
    expect(existsSync(log)).toBe(true); // the log of the failing run is kept, to look at
  });
});
