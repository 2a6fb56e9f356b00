import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { strataOutput } from '../../src/cli/validate-page.ts';
import { PACKAGE_ROOT } from '../../src/spec/package-root.ts';
import { generatedBlocks } from '../../src/validation/page.ts';

/**
 * docs/validation.md quotes its tables from the commands that print them (generated blocks, src/validation/page.ts):
 * each block here is rerun and must print exactly what the page shows. `strata validate page` rewrites the page
 * after a change that moves a number.
 *
 * Two sensitivity studies rerun every PIM-GPT or NeuPIMs simulation once per assumption end (minutes each); they
 * are left to `strata validate page --check` by hand and named here, so no other block can go unchecked.
 */
const SLOW = new Set(['validate pim-gpt --sensitivity', 'validate neupims --sensitivity']);

const PAGE = join(PACKAGE_ROOT, 'docs', 'validation.md');
const blocks = generatedBlocks(readFileSync(PAGE, 'utf8'), PAGE);

describe('docs/validation.md', () => {
  it('quotes its tables from commands', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  for (const b of blocks) {
    const command = b.argv.join(' ');
    it.skipIf(SLOW.has(command))(`line ${b.line}: 'strata ${command}' prints what the page shows`, () => {
      expect(strataOutput(b.argv)).toBe(b.output);
    }, 600_000);
  }
});
