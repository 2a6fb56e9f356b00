import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCH_DIR } from '../src/spec/package-root.ts';
import { extractAssumptions, provenanceGaps } from '../src/spec/provenance.ts';
import { filesUnder } from './helpers.ts';

/**
 * Every number in arch/ has a primary public source (the `source` of its section: a paper with section, table or
 * figure, a datasheet, a JEDEC standard, or a measurement in this repository) or is declared in an `assumptions`
 * block with a range and a reason (src/spec/provenance.ts).
 */

/**
 * Files still being re-sourced (issue #14, item 2). Each must still have a gap, so the list can only shrink: a file
 * that passes must leave it.
 */
const PENDING = new Set<string>([]);

const files = filesUnder(ARCH_DIR, '.json').map((f) => ({ file: f, name: relative(ARCH_DIR, f) }));

describe('arch/ provenance', () => {
  it('finds the spec files', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  for (const { file, name } of files) {
    it(`${name}: every number has a primary source or a declared assumption`, () => {
      const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
      const gaps = provenanceGaps(json).map((g) => `${g.path}: ${g.reason}`);
      if (PENDING.has(name)) expect(gaps.length, `${name} passes now: remove it from PENDING`).toBeGreaterThan(0);
      else expect(gaps).toEqual([]);
      // Its assumption blocks are well formed (the same check every load makes).
      expect(() => extractAssumptions(json, file)).not.toThrow();
    });
  }

  it('lists only files that exist as pending', () => {
    const names = new Set(files.map((f) => f.name));
    expect([...PENDING].filter((n) => !names.has(n))).toEqual([]);
  });
});
