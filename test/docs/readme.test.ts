import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.ts';

/*
 * The README guides (issue #17 item 2): at most about 15 KB, the two-command quick start, every relative link
 * resolving to a file (and an anchor that exists), and every `strata` command it shows naming a real command.
 * The detail lives in docs/guide.md and the generated docs/cli.md.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** GitHub's anchor of a heading: lower case, punctuation but hyphens and spaces dropped, spaces to hyphens. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

describe('README', () => {
  it('is at most 15 KB', () => expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(15 * 1024));

  it('opens with a two-command quick start: npm install && npm start, then npm test', () => {
    const block = README.slice(README.indexOf('## Quick start')).match(/```sh\n([\s\S]*?)```/)![1]!;
    const commands = block.split('\n').filter((l) => l.trim() !== '').map((l) => l.replace(/\s+#.*$/, '').trim());
    expect(commands).toEqual(['npm install && npm start', 'npm test']);
  });

  it('every relative link names a file that exists, and a #fragment names one of its headings', () => {
    const links = [...README.matchAll(/\]\(([^)#\s]+)(#[^)\s]+)?\)/g)].filter((m) => !/^https?:/.test(m[1]!));
    expect(links.length).toBeGreaterThan(5);
    for (const [, file, fragment] of links) {
      expect(existsSync(join(ROOT, file!)), `README links to ${file}, which does not exist`).toBe(true);
      if (fragment) {
        const headings = [...readFileSync(join(ROOT, file!), 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!));
        expect(headings, `README links to ${file}${fragment}: no such heading`).toContain(fragment.slice(1));
      }
    }
  });

  it('every strata command it shows is one the CLI has', () => {
    const names = new Set(COMMANDS.map((c) => c.name));
    const shown = [...README.matchAll(/\bnpx strata ([a-z-]+)/g)].map((m) => m[1]!);
    expect(shown.length).toBeGreaterThan(8);
    for (const n of shown) expect(names.has(n), `README shows 'strata ${n}'`).toBe(true);
  });
});
