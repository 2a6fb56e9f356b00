import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsText, shellWord } from '../../src/cli/figures.ts';
import type { FigureData } from '../../src/report/figure-data.ts';
import { runMainAsync } from '../helpers.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-figures-set-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The words a POSIX shell makes of `text` (sh -c with printf, one word a line). */
function shellWords(text: string): string[] {
  const r = spawnSync('sh', ['-c', `printf '%s\\n' ${text}`], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split('\n').slice(0, -1);
}

describe('figures --set: the data files say their overrides (issue #16)', () => {
  it('quotes for a shell only what needs it, and a shell gives back the words', () => {
    expect(shellWord('pim.unit.macsPerBank=32')).toBe('pim.unit.macsPerBank=32');
    expect(shellWord('a.b=[1,2]')).toBe("'a.b=[1,2]'");
    expect(shellWord("x=it's")).toBe("'x=it'\\''s'");
    const texts = ['pim.unit.macsPerBank=32', 'a.b= 2', 'c=$HOME', "d=it's", 'e=[1, 2]', 'f=*'];
    const flags = setFlagsText('pim-gpt', texts);
    expect(shellWords(flags)).toEqual(['--system', 'pim-gpt', ...texts.flatMap((t) => ['--set', t])]);
    expect(setFlagsText('pim-gpt', [])).toBe('');
  });

  it("a set computed with --system S --set P=V names them in its data file's command and its table page", async () => {
    const out = join(dir, 'fig');
    // A value with a space: the shell has to be told it is one word.
    const args = ['--only', 'pim-gpt', '--models', 'gpt2-small', '--workers', '1', '--quiet'];
    const r = await runMainAsync(['figures', '--out', out, ...args, '--system', 'pim-gpt', '--set', 'pim.unit.macsPerBank= 32']);
    expect(r.code).toBe(0);
    const data = JSON.parse(readFileSync(join(out, 'data', 'pim-gpt.json'), 'utf8')) as FigureData;
    expect(data.command).toBe("strata validate pim-gpt --system pim-gpt --set 'pim.unit.macsPerBank= 32'");
    expect(shellWords(data.command.slice('strata validate pim-gpt '.length))).toEqual(['--system', 'pim-gpt', '--set', 'pim.unit.macsPerBank= 32']);
    expect(readFileSync(join(out, 'pim-gpt.md'), 'utf8')).toContain("Same numbers: `npx strata validate pim-gpt --system pim-gpt --set 'pim.unit.macsPerBank= 32'`");
    // Without --set the command is the shipped one.
    const plain = await runMainAsync(['figures', '--out', join(dir, 'plain'), ...args]);
    expect(plain.code).toBe(0);
    expect((JSON.parse(readFileSync(join(dir, 'plain', 'data', 'pim-gpt.json'), 'utf8')) as FigureData).command).toBe('strata validate pim-gpt');
  }, 120_000);
});
