import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMainAsync } from '../helpers.ts';

// The cache of `strata figures` (issue #18 item 4): a data file carries the hash of its own content beside the
// input hash, so an edited file is recomputed; each finished set is saved as it goes; outputs are checked first.
// One set, peak-bandwidth (6 presets, no reference files needed), keeps this to a few runs.

let dir: string;
let out: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-figures-cache-'));
  out = join(dir, 'figures');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ONLY = ['--only', 'peak-bandwidth'];
const dataFile = (): string => join(out, 'data', 'peak-bandwidth.json');

describe('strata figures: cache integrity', () => {
  it('an output path below a file is refused before any set is computed', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const r = await runMainAsync(['figures', '--out', join(file, 'figures'), ...ONLY]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`strata: cannot write output '${join(file, 'figures', 'data', 'peak-bandwidth.json')}': '${file}' is a file, not a directory`); // no progress line: nothing ran
  });

  it.skipIf(!existsSync('/proc/self'))('an output folder that cannot be made (/proc/x) is refused before any set is computed', async () => {
    const t0 = Date.now();
    const r = await runMainAsync(['figures', '--out', '/proc/strata-figures']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("strata: cannot write output '/proc/strata-figures/data/dramsim3.json': cannot create the folder '/proc/strata-figures': no such file or directory"); // no progress line: nothing ran
    expect(Date.now() - t0).toBeLessThan(10_000); // every set: minutes of computing before the audit's fix
  });

  it('a set is saved as soon as it is computed: a run that fails afterwards (--png through a broken chromium) keeps it, and the next run reuses it', async () => {
    const saved = process.env.STRATA_CHROMIUM;
    process.env.STRATA_CHROMIUM = '/bin/true';
    let r;
    try {
      r = await runMainAsync(['figures', '--out', out, ...ONLY, '--png']);
    } finally {
      if (saved === undefined) delete process.env.STRATA_CHROMIUM;
      else process.env.STRATA_CHROMIUM = saved;
    }
    expect(r.code).toBe(2);
    expect(r.err.split('\n').at(-1)).toMatch(/could not render the charts .*; no chart or table was written \(the data files of the sets computed are kept\)$/);
    expect(existsSync(dataFile())).toBe(true);
    expect(existsSync(join(out, 'peak-bandwidth.md'))).toBe(false);
    const again = await runMainAsync(['figures', '--out', out, ...ONLY]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^peak-bandwidth: inputs unchanged \(sha256 [0-9a-f]{12}\), reusing /m);
  });

  it('the data file carries the sha256 of its own content (the JSON without that field), beside the input hash', () => {
    const text = readFileSync(dataFile(), 'utf8');
    const { contentSha256, ...rest } = JSON.parse(text) as { contentSha256: string; inputs: { sha256: string } };
    expect(contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(contentSha256).toBe(createHash('sha256').update(JSON.stringify(rest, null, 2)).digest('hex'));
    expect(rest.inputs.sha256).not.toBe(contentSha256);
    expect(text.trimEnd().split('\n').at(-2)).toMatch(/^ {2}"contentSha256": "[0-9a-f]{64}"$/); // last field
  });

  it('a hand-edited number (still valid, still drawable, inputs unchanged) is recomputed, not published', async () => {
    const data = JSON.parse(readFileSync(dataFile(), 'utf8')) as { tables: Array<{ rows: unknown[][] }> };
    const row = data.tables[0]!.rows[0]!;
    const col = row.findIndex((x) => typeof x === 'number');
    const original = row[col];
    row[col] = 999.5;
    writeFileSync(dataFile(), JSON.stringify(data, null, 2));
    const r = await runMainAsync(['figures', '--out', out, ...ONLY]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^peak-bandwidth: computed 6 presets in [\d.]+ s \(the data file was edited after it was written: its content hash does not match\)/m);
    expect((JSON.parse(readFileSync(dataFile(), 'utf8')) as typeof data).tables[0]!.rows[0]![col]).toBe(original);
  });
});
