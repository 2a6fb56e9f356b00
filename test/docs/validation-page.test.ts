import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { strataOutput } from '../../src/cli/validate-page.ts';
import { PACKAGE_ROOT } from '../../src/spec/package-root.ts';
import { generatedBlocks } from '../../src/validation/page.ts';

/**
 * docs/validation.md and docs/baselines.md quote their tables from the commands that print them (generated blocks,
 * src/validation/page.ts): each block here is rerun and must print exactly what the page shows. `strata validate
 * page` rewrites a page after a change that moves a number.
 *
 * Two sensitivity studies rerun every PIM-GPT or NeuPIMs simulation once per assumption end (minutes each); they
 * are left to `strata validate page --check` by hand and named here, so no other block can go unchecked.
 */
const SLOW = new Set(['validate pim-gpt --sensitivity', 'validate neupims --sensitivity']);
/** Blocks whose command reads reference data other projects ship (../shared/reference, never copied here). */
const NEEDS_SHARED = (command: string) => command.startsWith('validate attacc') || command.startsWith('validate neupims --reference') || command === 'validate dramsim3' || command.startsWith('validate ramulator2');
const SHARED = join(PACKAGE_ROOT, '..', 'shared', 'reference');
const haveShared = existsSync(SHARED);
if (!haveShared) console.warn(`docs pages: blocks that read ${SHARED} are skipped: the folder is absent`);

for (const [name, least] of [['validation.md', 10], ['baselines.md', 1]] as const) {
  const page = join(PACKAGE_ROOT, 'docs', name);
  const blocks = generatedBlocks(readFileSync(page, 'utf8'), page);

  describe(`docs/${name}`, () => {
    it('quotes its tables from commands', () => {
      expect(blocks.length).toBeGreaterThanOrEqual(least);
    });

    for (const b of blocks) {
      const command = b.argv.join(' ');
      it.skipIf(SLOW.has(command) || (NEEDS_SHARED(command) && !haveShared))(`line ${b.line}: 'strata ${command}' prints what the page shows`, () => {
        expect(strataOutput(b.argv)).toBe(b.output);
      }, 600_000);
    }
  });
}
