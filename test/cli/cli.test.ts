import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { runMain } from '../helpers.ts';
import { DRAMSIM3_REFERENCE_DIR, dramsim3Config, haveDramsim3Configs } from '../../src/validation/dramsim3.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const run = runMain;

/** Runs the real entry point in a child process (slower: used sparingly). */
function runChild(argv: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...argv], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const GOOD = ['dram', '--spec', 'hbm2', '--pattern', 'random', '--requests', '400', '--seed', '7', '--quiet'];

describe('strata dram: a good run', () => {
  it('writes the --out report (schema strata.dram-report/1) and the --command-log', () => {
    const out = join(dir, 'good', 'report.json'); // the directory does not exist yet
    const log = join(dir, 'good', 'commands.log');
    const r = run([...GOOD, '--out', out, '--command-log', log]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(''); // --quiet

    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.schema).toBe('strata.dram-report/1');
    expect(report.standard).toEqual({ name: 'hbm2', standard: 'HBM2', file: 'arch/dram/hbm2.json' });
    expect(report.workload.origin).toBe('pattern:random');
    expect(report.workload.requestsInTrace).toBe(400);
    expect(report.requests.completed).toBe(400); // no --cycles: runs until the trace drains
    expect(report.bandwidth.bytesPerRequest).toBe(64);

    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('# cycle channel command rank bankgroup bank row column');
    // one line per issued command
    const issued = Object.values(report.commands as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(lines.length - 1).toBe(issued);
    expect(lines[1]).toMatch(/^\d+ [0-7] (ACT|PRE|PREA|RD|WR|RDA|WRA|REF|REFpb) 0 [0-3] [0-3] \d+ -?\d+$/); // row commands log column -1
    // no temporary files left behind by the atomic writer
    expect(readdirSync(join(dir, 'good')).sort()).toEqual(['commands.log', 'report.json']);
  });

  it('prints a summary without --quiet', () => {
    const r = run(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests', '200']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Strata DRAM run — hbm2 \(HBM2\), pattern:stream, front end in-order/);
    expect(r.out).toMatch(/200 completed \(200 reads, 0 writes\) of 200 in the trace/);
  });

  // DRAMsim3's .ini lives in ../shared/reference, never in the repository.
  it.skipIf(!haveDramsim3Configs())(`with a DRAMsim3 .ini, prints the keys without effect and the DRAMsim3 defaults used (skipped when ${DRAMSIM3_REFERENCE_DIR} is absent)`, () => {
    const r = run(['dram', '--spec', dramsim3Config('HBM2_8Gb_x128.ini'), '--pattern', 'random', '--requests', '200']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\n {2}note {8}keys DRAMsim3 accepts that have no effect here: \[dram_structure\] num_dies, /);
    expect(r.out).toMatch(/\n {2}note {8}DRAMsim3 defaults used for keys the file leaves out: bankgroup_enable=true, .*IDD5PB=5(\n|$)/);
  });

  it('is deterministic: the same command twice gives byte-identical reports and logs', () => {
    const a = join(dir, 'det-a.json');
    const b = join(dir, 'det-b.json');
    expect(run([...GOOD, '--out', a, '--command-log', `${a}.log`]).code).toBe(0);
    expect(run([...GOOD, '--out', b, '--command-log', `${b}.log`]).code).toBe(0);
    expect(readFileSync(a)).toEqual(readFileSync(b));
    expect(readFileSync(`${a}.log`)).toEqual(readFileSync(`${b}.log`));
    // a different seed gives a different report
    const c = join(dir, 'det-c.json');
    expect(run([...GOOD.slice(0, -3), '--seed', '8', '--quiet', '--out', c]).code).toBe(0);
    expect(readFileSync(c)).not.toEqual(readFileSync(a));
  });

  it('the real entry point (child process) writes the same bytes as an in-process run', () => {
    const inProcess = join(dir, 'same-in.json');
    const child = join(dir, 'same-child.json');
    expect(run([...GOOD, '--out', inProcess]).code).toBe(0);
    const r = runChild([...GOOD, '--out', child]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(child)).toEqual(readFileSync(inProcess));
  });
});

describe('strata dram: user errors exit 2 with a message, no stack trace, no output', () => {
  /**
   * Checks a user error: exit code 2, the first line is the 'strata: ' message, no stack frame, and the --out
   * file was not written. The message is one line (the usage is 'strata help').
   */
  let errorRuns = 0;
  function expectUserError(args: string[], message: RegExp): string {
    const out = join(dir, `err-${++errorRuns}.json`);
    // --out goes right after the command, so it cannot become the value of a flag left without one
    const r = run([args[0]!, '--out', out, ...args.slice(1)]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).not.toContain('    at ');
    const [first, ...rest] = r.err.split('\n');
    expect(first).toMatch(/^strata: /);
    expect(first).toMatch(message);
    expect(rest).toEqual([]);
    expect(existsSync(out)).toBe(false);
    return r.err;
  }

  it('unknown flag', () => {
    expectUserError([...GOOD, '--bogus'], /^strata: dram: Unknown option '--bogus' \(flags: --spec --trace --pattern/);
  });

  it('a flag without its value', () => {
    expectUserError(['dram', '--spec', 'hbm2', '--pattern'], /^strata: dram: Option '--pattern <value>' argument missing \(flags: /);
  });

  it('a flag whose value is missing before the next flag names both', () => {
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests', '--seed', '3'], /^strata: dram: --requests: expected a value, found the flag '--seed' \(flags: /);
  });

  it('a flag with an empty value', () => {
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--seed', ''], /^strata: dram: --seed: expected a value, got ''$/);
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--command-log=  '], /^strata: dram: --command-log: expected a value, got ' {2}'$/);
  });

  it('counts past their bound fail at once, not out of memory', () => {
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests', '50000001'], /^strata: --requests: expected a positive integer up to 50,000,000, got '50000001'$/);
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--cycles', '99999999999999999999'], /^strata: --cycles: expected a positive integer up to 2,147,483,647, got '99999999999999999999'$/);
  });

  it('a flag given twice', () => {
    expectUserError(['dram', '--spec', 'hbm2', '--spec', 'ddr4', '--pattern', 'stream'], /^strata: dram: --spec is given more than once; give it once$/);
  });

  it('a directory, or a file that is not what it claims, as --trace or --spec', () => {
    expectUserError(['dram', '--spec', 'hbm2', '--trace', dir], new RegExp(`^strata: ${dir}: is a directory or special file, expected a trace in DRAMsim3's format$`));
    expectUserError(['dram', '--spec', join(dir, 'x.json'), '--pattern', 'stream'], new RegExp(`^strata: ${dir}/x\\.json: file not found$`));
    const folderSpec = join(dir, 'folder.json');
    mkdirSync(folderSpec, { recursive: true });
    expectUserError(['dram', '--spec', folderSpec, '--pattern', 'stream'], new RegExp(`^strata: ${folderSpec}: is a directory or special file, expected a JSON file$`));
    const gz = join(dir, 'not-really.trace.gz');
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65]));
    expectUserError(['dram', '--spec', 'hbm2', '--trace', gz], new RegExp(`^strata: ${gz}: starts like a gzip file but does not decompress`));
  });

  it('outputs that are directories or share a path write nothing and leave no temporary files', () => {
    const outDir = join(dir, 'outputs');
    mkdirSync(join(outDir, 'a-folder'), { recursive: true });
    const report = join(outDir, 'r.json');
    const cases: [string[], RegExp][] = [
      [['--out', report, '--command-log', join(outDir, 'a-folder')], /^strata: cannot write output: '.*a-folder' is a directory, expected a file path$/],
      [['--out', join(outDir, 'a-folder')], /^strata: cannot write output: '.*a-folder' is a directory, expected a file path$/],
      [['--out', report, '--command-log', report], /^strata: cannot write output: '.*r\.json' is named for two outputs/],
      [['--out', join(report, 'below-a-file.json')], /^strata: cannot write output '.*below-a-file\.json': '.*r\.json' is a file, not a directory$/],
    ];
    for (const [flags, message] of cases) {
      if (flags.includes(join(report, 'below-a-file.json'))) writeFileSync(report, 'a file, not a folder');
      const r = run([...GOOD, ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.err.split('\n')[0]).toMatch(message);
      expect(r.err).not.toContain('    at ');
      expect(readdirSync(outDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      expect(readdirSync(join(outDir, 'a-folder'))).toEqual([]);
      if (!flags.includes(join(report, 'below-a-file.json'))) expect(existsSync(report), flags.join(' ')).toBe(false);
    }
  });

  it('a device or a pipe as an output is written in place, a symbolic link is written through', () => {
    const linkDir = join(dir, 'links');
    mkdirSync(linkDir, { recursive: true });
    const real = join(linkDir, 'real.json');
    writeFileSync(real, 'old');
    const link = join(linkDir, 'link.json');
    symlinkSync(real, link);
    expect(run([...GOOD, '--out', link, '--command-log', '/dev/null']).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(real, 'utf8')).schema).toBe('strata.dram-report/1');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    // /dev/stdout when stdout is a pipe: its real path names the pipe, so it is written through the path as given.
    // (A shell pipe: node's own child-process pipes are sockets, which /dev/stdout cannot open.)
    const cmd = `"${process.execPath}" --import tsx src/cli/entry.ts ${GOOD.map((a) => `'${a}'`).join(' ')} --out /dev/stdout | cat`;
    const piped = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { cwd: ROOT, encoding: 'utf8' });
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    expect(JSON.parse(piped.stdout).schema).toBe('strata.dram-report/1');
    // A full device: the write fails, the run is a user error and no regular output appears.
    if (existsSync('/dev/full')) {
      const report = join(linkDir, 'not-written.json');
      const r = run([...GOOD, '--out', report, '--command-log', '/dev/full']);
      expect(r.code).toBe(2);
      expect(r.err).toBe("strata: cannot write output '/dev/full': no space left on the device");
      expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
      expect(existsSync(report)).toBe(false);
    }
  });

  it('--requests=-5 and --requests 0', () => {
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests=-5'], /^strata: --requests: expected a positive integer, got '-5'$/);
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests', '0'], /^strata: --requests: expected a positive integer, got '0'$/);
    // 1e3 is read as 1000, as every number flag reads exponents (test/cli/hostile.test.ts); 2.5 is not an integer
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests', '2.5'], /got '2\.5'/);
  });

  it('--requests -5 exits 2 without a stack trace or output', () => {
    // "-5" right after a flag that takes a value is that flag's value, so the flag's own range check reports it
    const out = join(dir, 'requests-minus-5.json');
    const r = run(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests', '-5', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^strata: .*--requests/);
    expect(r.err).not.toContain('    at ');
    expect(existsSync(out)).toBe(false);
  });

  // A negative number after a flag that takes a value is that flag's value, checked by the flag itself.
  it('--requests -5 gives the flag\'s own one-line message', () => {
    const r = run(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests', '-5']);
    expect(r.err).toBe("strata: --requests: expected a positive integer, got '-5'");
  });

  it('--pattern nope lists the patterns', () => {
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'nope'], /^strata: --pattern: expected one of stream, random, strided, mixed, got 'nope'$/);
  });

  it('both --trace and --pattern, or neither', () => {
    const trace = join(dir, 'ok.trace');
    writeFileSync(trace, '0x0 READ 0\n');
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--trace', trace], /^strata: dram: give exactly one of --trace FILE or --pattern NAME \('strata help dram' shows the usage\)$/);
    expectUserError(['dram', '--spec', 'hbm2'], /^strata: dram: give exactly one of --trace FILE or --pattern NAME \('strata help dram' shows the usage\)$/);
  });

  it('missing --spec', () => {
    expectUserError(['dram', '--pattern', 'stream'], /^strata: dram: --spec is required \('strata help dram' shows the usage\)$/);
  });

  it('unknown standard lists the known ones', () => {
    expectUserError(['dram', '--spec', 'hbm9', '--pattern', 'stream'], /^strata: unknown DRAM standard 'hbm9' \(known: .*hbm2/);
    expectUserError(['dram', '--spec', 'DDR4', '--pattern', 'stream'], /^strata: unknown DRAM standard 'DDR4' \(did you mean 'ddr4'\? Names are lower case; known: /);
  });

  it('pattern-only flags with --trace', () => {
    const trace = join(dir, 'ok2.trace');
    writeFileSync(trace, '0x0 READ 0\n');
    expectUserError(['dram', '--spec', 'hbm2', '--trace', trace, '--requests', '10'], /^strata: --requests applies to --pattern, not to --trace$/);
  });

  it('--write-fraction out of range', () => {
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'random', '--write-fraction', '1.5'], /^strata: --write-fraction: expected a number from 0 to 1, got '1.5'$/);
  });

  it('bad --address-mapping is named as the flag', () => {
    expectUserError(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--address-mapping', 'ro-ba-bg-co'], /^strata: --address-mapping 'ro-ba-bg-co': field 'ch' is missing/);
  });

  it('a bad trace names file:line', () => {
    const trace = join(dir, 'bad.trace');
    writeFileSync(trace, '0x0 READ 0\n0x40 READ\n');
    expectUserError(['dram', '--spec', 'hbm2', '--trace', trace], new RegExp(`^strata: ${trace}:2: expected '0xADDRESS READ\\|WRITE CYCLE'`));
  });

  it('an address beyond the capacity names the request, the address and the capacity, and writes nothing', () => {
    const trace = join(dir, 'beyond.trace');
    // hbm2 under its default mapping covers 2^33 B = 8 GiB, so 0x200000000 is the first byte beyond it
    writeFileSync(trace, '# the line number counts comments\n0x0 READ 0\n0x200000000 READ 1\n0x40 READ 2\n');
    const log = join(dir, 'beyond.log');
    const err = expectUserError(['dram', '--spec', 'hbm2', '--trace', trace, '--command-log', log], /request 2 \(address 0x200000000\)/);
    expect(err).toContain(`${trace}:3: request 2 (address 0x200000000) is beyond the device's capacity of 8589934592 bytes`);
    expect(existsSync(log)).toBe(false);
  });

  it('with --frontend dramsim3 the same trace runs, its high bits ignored as DRAMsim3 does', () => {
    const trace = join(dir, 'beyond2.trace');
    writeFileSync(trace, '0x0 READ 0\n0x200000000 READ 1\n0x40 READ 2\n');
    const out = join(dir, 'wrapped.json');
    const r = run(['dram', '--spec', 'hbm2', '--trace', trace, '--frontend', 'dramsim3', '--quiet', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.workload.wrappedAddresses).toBe(1);
    expect(report.requests.completed).toBe(3);
  });

  it('unknown command and bare invocation', () => {
    const r = run(['frob']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^strata: unknown command 'frob' \(known: dram, .*help; strata help lists them\)$/);
    const bare = run([]);
    expect(bare.code).toBe(2);
    expect(bare.out).toMatch(/^strata [\d.]+: .*\n\nusage: strata <command>/);
    expect(run(['help']).code).toBe(0);
  });

  it('the real entry point ends quietly when its reader closes the pipe early (strata dram ... | head -c 0)', () => {
    // `head -c 0` exits at once, so every line the run prints meets a closed pipe; bash reports the run's exit code.
    const out = join(dir, 'piped.json');
    const args = [...GOOD.filter((a) => a !== '--quiet'), '--out', out, '--command-log', join(dir, 'piped.log')];
    const cmd = `"${process.execPath}" --import tsx src/cli/entry.ts ${args.map((a) => `'${a}'`).join(' ')} | head -c 0; echo "exit $\{PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', cmd], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('exit 0\n');
    expect(JSON.parse(readFileSync(out, 'utf8')).schema).toBe('strata.dram-report/1');
  });

  it('the real entry point exits 2 with a one-line message and no stack trace', () => {
    const out = join(dir, 'child-bad.json');
    const r = runChild(['dram', '--spec', 'hbm2', '--pattern', 'nope', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe("strata: --pattern: expected one of stream, random, strided, mixed, got 'nope'\n");
    expect(existsSync(out)).toBe(false);
  });
});
