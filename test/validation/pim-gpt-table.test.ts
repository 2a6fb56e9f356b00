import { describe, it, expect } from 'vitest';
import { formatPimGptTable, PIM_GPT_TABLE_TITLE, type PimGptRow } from '../../src/validation/pim-gpt.ts';

/*
 * Issue #14, "Done when": each paper table states the baseline profile it uses and shows the paper's setup beside a
 * modern serving engine's. For PIM-GPT the paper's setup is the T4 under 'eager' (PyTorch launching kernel by
 * kernel); the serving engine is the same T4 under 'graphs'. Both the speed-up and the energy efficiency must show
 * both (the energy column of the 'graphs' T4 was missing: the table printed only its speed-up).
 */

/** A row with round numbers, so that every printed cell can be checked by hand. */
function row(): PimGptRow {
  const side = (tokenUs: number, tokenUj: number) => ({ tokenUs, tokenUj, speedup: tokenUs / 10, efficiency: tokenUj / 4 });
  return {
    model: 'm',
    pimTokenUs: 10,
    pimShare: 0.5,
    time: { mac: 1, movement: 1, row: 1, refresh: 0, asic: 1 },
    pimTokenUj: 4,
    energy: { activate: 1, arrayRead: 1, mac: 1, io: 0, buffers: 0, refresh: 0, background: 1, asic: 0 },
    gpu: { 'gpu-t4': side(600, 42), 'gpu-a100-40gb': side(500, 200), 'cpu-xeon': side(300, 105) },
    // The T4 without the host's launch per kernel: faster, and its board power (70 W) for a shorter time.
    t4Graphs: side(400, 28),
  };
}

describe('strata validate pim-gpt: the table names its profiles and shows the serving-engine T4 beside the paper\'s', () => {
  const lines = formatPimGptTable([row()]).split('\n');
  const header = lines[0]!.split('|').slice(1, -1).map((c) => c.trim());
  const cells = lines[2]!.split('|').slice(1, -1).map((c) => c.trim());
  const at = (name: string, from = 0) => header.indexOf(name, from);

  it('the title states the profile of every baseline column', () => {
    expect(PIM_GPT_TABLE_TITLE).toContain("'eager' profile (the paper's setup)");
    expect(PIM_GPT_TABLE_TITLE).toContain("'graphs' (a serving engine)");
  });

  it('every speed-up and energy column names its profile', () => {
    const speed = at('speed-up vs T4 eager');
    const energy = at('energy eff. vs T4 eager');
    expect(header.slice(speed, energy)).toEqual(['speed-up vs T4 eager', 'vs T4 graphs', 'vs A100 eager', 'vs CPU eager']);
    expect(header.slice(energy)).toEqual(['energy eff. vs T4 eager', 'vs T4 graphs', 'vs A100 eager', 'vs CPU eager']);
    expect(lines[1]!.split('|').length).toBe(lines[0]!.split('|').length);
  });

  it("the 'graphs' T4's time, speed-up and energy efficiency are printed beside the 'eager' T4's", () => {
    expect(cells[at('T4 eager us/token')]).toBe('600.0');
    expect(cells[at('T4 graphs us/token')]).toBe('400.0');
    const energy = at('energy eff. vs T4 eager');
    expect(cells[at('speed-up vs T4 eager')]).toBe('60.0x');
    expect(cells[at('vs T4 graphs')]).toBe('40.0x');
    expect(cells[energy]).toBe('10.5x');
    expect(cells[at('vs T4 graphs', energy)]).toBe('7.0x');
    expect(cells[at('vs CPU eager', energy)]).toBe('26.3x');
  });

  it("the paper's ranges sit under the 'eager' columns, none under the 'graphs' ones", () => {
    const paper = lines[3]!.split('|').slice(1, -1).map((c) => c.trim());
    const energy = at('energy eff. vs T4 eager');
    expect(paper[at('speed-up vs T4 eager')]).toBe('41-137x (GPU)');
    expect(paper[at('vs T4 graphs')]).toBe('');
    expect(paper[energy]).toBe('123-383x (GPU)');
    expect(paper[at('vs T4 graphs', energy)]).toBe('');
    expect(paper[at('vs CPU eager', energy)]).toBe('320-602x');
    expect(paper.length).toBe(header.length);
  });
});
