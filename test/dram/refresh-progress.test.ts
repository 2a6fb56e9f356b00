import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownStandards, loadStandard, parseStandard } from '../../src/dram/standard.ts';
import { extractAssumptions } from '../../src/spec/provenance.ts';

/*
 * Found by the fuzz suite (test/fuzz, issue #18): ddr4 with tRCDWR = 94121 cycles, longer than tREFI (12,480), hung:
 * each refresh closed the row before the write's ACT -> WR distance ran out, so the write never issued. A spec whose
 * ACT -> column distance does not fit between two refreshes is refused when it loads.
 */
const ROOT = resolve(import.meta.dirname, '../..');

describe('refresh leaves room for an activation and its column command', () => {
  it('refuses an ACT -> column distance of tREFI - tRFC or more, naming the rule and the window', () => {
    const json = JSON.parse(readFileSync(join(ROOT, 'arch/dram/ddr4.json'), 'utf8'));
    delete json.$schema;
    extractAssumptions(json, 'ddr4.json'); // as readJsonFile does before a loader sees the file
    json.timing.tRCDWR = 94121;
    expect(() => parseStandard(json, 'slow.json')).toThrow(
      "slow.json: field 'timing': ACT -> WR (same bank): tRCDWR = 94121 keeps a column command 94,121 cycles behind its ACT, but a refresh closes every row each tREFI: expected less than tREFI - tRFC = 11,920 cycles, or no request could ever be served");
    json.timing.tRCDWR = 11919;
    expect(parseStandard(json, 'ok.json').timing.tRCDWR).toBe(11919);
  });

  it('every shipped standard passes', () => {
    for (const name of knownStandards()) expect(loadStandard(name).name).toBe(name);
  });
});
