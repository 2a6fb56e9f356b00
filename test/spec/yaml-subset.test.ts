import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseYamlSubset } from '../../src/spec/yaml-subset.ts';
import { ROOT, SEED, mutateText } from '../fuzz/fuzz-helpers.ts';

// The fast YAML reader of Ramulator 2 configurations (src/spec/yaml-subset.ts) must give what the `yaml` package
// gives, or step aside (undefined): on the fixture, on Ramulator's own configurations, and on every mutation the
// fuzz suite makes of the fixture (the same generator and seed as test/fuzz/fuzz-specs.test.ts), and more.

/** What `yaml` makes of a text, or 'error' when it refuses it. */
function viaYaml(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return 'error';
  }
}

describe('the YAML subset reader', () => {
  const fixture = readFileSync(join(ROOT, 'test/fixtures/export/ddr5.yaml'), 'utf8');

  it('reads Strata\'s exported configuration as yaml does', () => {
    expect(parseYamlSubset(fixture)).toEqual(parseYaml(fixture));
  });

  const ramulator = join(ROOT, '..', 'shared', 'reference', 'ramulator2', 'configs');
  it.skipIf(!existsSync(ramulator))('reads Ramulator 2\'s own configurations as yaml does, or steps aside (../shared/reference/ramulator2)', () => {
    for (const f of readdirSync(ramulator).filter((x) => x.endsWith('.yaml'))) {
      const text = readFileSync(join(ramulator, f), 'utf8');
      const fast = parseYamlSubset(text);
      if (fast !== undefined) expect(fast, f).toEqual(parseYaml(text));
    }
  });

  it('on 2,000 mutations of the fixture: the same value as yaml whenever it answers, and no answer where yaml refuses', () => {
    let answered = 0;
    fc.assert(fc.property(mutateText(fixture), (text) => {
      const fast = parseYamlSubset(text);
      if (fast === undefined) return;
      answered++;
      expect(fast).toEqual(viaYaml(text));
    }), { seed: SEED, numRuns: 2000 });
    // Most mutations leave the text in the subset (they change one line): the fast path is taken.
    expect(answered).toBeGreaterThan(800);
  }, 120_000);

  it('steps aside for what it does not read: other scalars, escapes, anchors, tags, block scalars, tabs, duplicate keys', () => {
    for (const text of ['a: 0x1F', 'a: .inf', 'a: "x\\ny"', 'a: &x 1', 'a: !!str 1', 'a: |\n  x', 'a:\t1', 'a: 1\na: 2', 'a: 1 # c', 'a:\n- 1', '', 'a: [1,2]', 'a: -0', '__proto__: 1', 'true: 1', 'a: "x', 'a: 1 ']) {
      expect(parseYamlSubset(text), JSON.stringify(text)).toBeUndefined();
    }
    expect(parseYamlSubset('a:\n  - [1, [2], "x"]\n  - b: true\n    c: -1.5e-3\nd:\ne: [null, ~, READ]\n')).toEqual({ a: [[1, [2], 'x'], { b: true, c: -1.5e-3 }], d: null, e: [null, null, 'READ'] });
    for (const t of ['a: Null', 'a: True', 'a: 00', 'a: -01', 'a: .5', 'a: +1']) expect(parseYamlSubset(t), t).toBeUndefined();
    // YAML 1.2 words that YAML 1.1 read as booleans are strings to yaml's core schema, and here.
    for (const t of ['a: yes', 'a: off', 'a: [y, n]', '- a']) expect(parseYamlSubset(t), t).toEqual(parseYaml(t));
  });
});
