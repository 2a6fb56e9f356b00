import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cliMarkdown, COMMANDS, commandHelp, usageLines } from '../../src/cli/commands.ts';
import { main } from '../../src/cli/main.ts';
import { runMain } from '../helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('help for every command (issue #17 item 4)', () => {
  for (const c of COMMANDS) {
    it(`strata ${c.name} --help, -h and strata help ${c.name} print its usage and examples, exit 0, and run nothing`, () => {
      const spy = vi.spyOn(c, 'run');
      const help = runMain([c.name, '--help']);
      expect(help.code).toBe(0);
      expect(help.err).toBe('');
      expect(help.out).toBe(commandHelp(c));
      expect(help.out).toMatch(new RegExp(`^strata ${c.name}: .*\\n\\nusage:\\n  strata ${c.name}\\b`));
      expect(help.out).toContain('\nexamples:\n  strata ');
      expect(runMain([c.name, '-h']).out).toBe(help.out);
      expect(runMain(['help', c.name]).out).toBe(help.out);
      // --help wins over every other flag, even ones the command would refuse
      expect(runMain([c.name, '--no-such-flag', '--help']).code).toBe(0);
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    });
  }

  it('every usage form names its own command, and every example starts with it', () => {
    for (const c of COMMANDS) {
      for (const l of usageLines(c.usage).filter((x) => x.startsWith('strata '))) expect(l.startsWith(`strata ${c.name}`)).toBe(true);
      expect(c.examples.length).toBeGreaterThan(0);
      for (const e of c.examples) expect(e.command.startsWith(`strata ${c.name}`)).toBe(true);
    }
  });

  it('the global help lists every command and the validate subcommands; --version prints the package version', () => {
    const g = runMain(['help']);
    expect(g.code).toBe(0);
    for (const c of COMMANDS) expect(g.out).toMatch(new RegExp(`\\n  ${c.name} +\\S`));
    for (const v of ['dramsim3', 'gpu', 'pim-gpt', 'neupims', 'duplex', 'attacc']) expect(g.out).toContain(v);
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
    expect(runMain(['--version'])).toEqual({ code: 0, out: version, err: '' });
    expect(runMain(['-V']).out).toBe(version);
    expect(runMain(['help', 'frob'])).toMatchObject({ code: 2, err: expect.stringMatching(/^strata: help: expected a command name \(dram, .*\) or --markdown, got 'frob'$/) });
  });

  it('strata help <command> <subcommand> prints the command\'s help for every subcommand, which its usage names; exit 0', () => {
    const withSubs = COMMANDS.filter((c) => c.subcommands?.length);
    expect(withSubs.map((c) => c.name)).toEqual(['dram', 'sweep', 'validate', 'pim', 'demo']);
    for (const c of withSubs) {
      for (const sub of c.subcommands!) {
        // the usage has the subcommand's own form, or lists it among the alternatives of `strata validate [a|b|...]`
        expect(c.usage, `${c.name} ${sub}`).toMatch(new RegExp(`strata ${c.name} (${sub}\\b|\\[([a-z0-9-]+\\|)*${sub}[|\\]])`));
        const r = runMain(['help', c.name, sub]);
        expect(r, `strata help ${c.name} ${sub}`).toEqual({ code: 0, out: commandHelp(c), err: '' });
        expect(runMain([c.name, sub, '--help']).out).toBe(r.out);
      }
    }
    expect(runMain(['help', 'validate', 'frob'])).toMatchObject({ code: 2, err: "strata: help: validate has the subcommands dramsim3, ramulator2, peak, gpu, pim-gpt, neupims, duplex, attacc, page, check, got 'frob'" });
    expect(runMain(['help', 'run', 'frob'])).toMatchObject({ code: 2, err: "strata: help: run has no subcommands, got 'frob'" });
    expect(runMain(['help', 'validate', 'neupims', 'x']).code).toBe(2);
    // help about help is the global help
    for (const h of ['help', '--help', '-h']) expect(runMain(['help', h])).toEqual(runMain(['help']));
  });

  it('docs/cli.md is the generated reference (regenerate: strata help --markdown > docs/cli.md)', () => {
    const page = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
    expect(page, 'docs/cli.md is stale: run `npx strata help --markdown > docs/cli.md`').toBe(cliMarkdown());
    for (const c of COMMANDS) {
      expect(page).toContain(`## strata ${c.name}\n`);
      for (const l of usageLines(c.usage)) expect(page).toContain(l);
    }
  });
});

describe('the quick examples run as printed', () => {
  // The examples that finish in seconds and write nothing; the others (figures, validate, serve) are the commands'
  // own tests' business.
  const quick = ['strata dram --spec hbm2 --pattern random --requests 10000', 'strata pim gemv --spec aim --m 1024 --k 1024',
    'strata run --system gpu-h100-sxm --model llama3-8b --phase decode --batch 32 --context 1024'];
  for (const line of quick) {
    it(line, () => {
      expect(COMMANDS.flatMap((c) => c.examples.map((e) => e.command))).toContain(line);
      const r = runMain(line.split(' ').slice(1));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    });
  }
  it('main is the function every example goes through', () => expect(typeof main).toBe('function'));
});
