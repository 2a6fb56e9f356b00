import { describe, it, expect } from 'vitest';
import { runMain } from '../helpers.ts';
import { knownStandards, loadStandard } from '../../src/dram/standard.ts';
import { haveRamulator2Reference } from '../../src/validation/ramulator2.ts';

// Issue #18 item 2: `strata validate` runs --check on every DRAM and PIM preset (and so does this suite).

describe('strata validate check', () => {
  it('replays a run of every DRAM preset (each refresh mode) and every command-issuing PIM preset through the protocol checker: no violation', () => {
    const r = runMain(['validate', 'check']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = r.out.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| preset'));
    // two patterns per DRAM preset and refresh mode (all-bank, and per-bank where tREFIpb exists), then the PIM runs
    const dramRows = knownStandards().reduce((n, s) => n + 2 * (loadStandard(s).timing.tREFIpb !== undefined ? 2 : 1), 0);
    // the Ramulator 2 model on the eight reference runs' configurations and patterns (when ../shared has them)
    const r2Rows = haveRamulator2Reference() ? 8 : 0;
    // aim, neupims single and dual, pim-gpt, and AttAcc's three placements (a whole stack each); then strata run --check
    // on the Duplex family's three PIM placements and strata serve --check on NeuPIMs
    expect(rows).toHaveLength(dramRows + r2Rows + 7 + 4);
    for (const row of rows) {
      const cells = row.split('|').map((c) => c.trim());
      expect(cells[6], row).toBe('none');
      expect(Number(cells[3]!.replace(/,/g, '')), row).toBeGreaterThan(1000); // commands replayed
    }
    for (const s of knownStandards()) expect(r.out).toContain(`| ${s} | \`strata dram --spec ${s} --pattern random`);
    expect(r.out).toMatch(/\| aim \| `strata pim gemv --spec aim/);
    expect(r.out).toMatch(/\| neupims \| `strata pim neupims-gemv --context 512 --mode dual/);
    expect(r.out).toMatch(/\| pim-gpt \(aim\) \| `strata pim generate --model gpt2-small --prompt 1 --tokens 1 --check` \| [\d,]+ \| [1-9][\d,]* \|/);
    for (const d of ['attacc-bank', 'attacc-bank-group', 'attacc-buffer']) expect(r.out).toMatch(new RegExp(`\\| ${d} \\| AttAcc attention L=\\d+ nhead=\\d+ dhead=128 dbyte=2, whole stack [^|]*\\| [\\d,]+ \\| [1-9][\\d,]* \\|`));
    expect(r.out).not.toMatch(/Not replayed:.*AttAcc/);
    for (const system of ['duplex', 'bank-pim', 'bg-pim']) expect(r.out).toMatch(new RegExp(`\\| ${system}( \\(logic-pim\\))? \\| \`strata run --system ${system} --model mixtral-8x7b --phase decode --batch 4 --context 256 --check\` \\| [\\d,]+ \\|`));
    expect(r.out).toContain('| neupims | `strata serve --model neupims-gpt3-7b --system neupims --requests sharegpt --count 16 --qps 20 --check` |');
    expect(r.out).toContain('Not replayed: GPU/CPU baselines and duplex-gpu');
    // every DRAM run covers refreshes: the checker sees refresh commands, not just their absence
    for (const row of rows.slice(0, dramRows + r2Rows)) expect(Number(row.split('|')[4]!.trim().replace(/,/g, '')), row).toBeGreaterThan(0);
    if (r2Rows > 0) {
      for (const part of ['DDR4_3200AA', 'DDR5_4800AN', 'HBM3_6400', 'LPDDR5_6400']) {
        for (const pattern of ['random-rw', 'stream-read']) expect(r.out).toContain(`| ${part} (Ramulator 2) | \`strata dram --spec ../shared/reference/ramulator2/configs/${part}.yaml --pattern ${pattern} --requests 20000 --check\` |`);
      }
    } else {
      expect(r.out).toContain("Not replayed: the Ramulator 2 model's runs");
    }
  }, 240_000);

  it('takes no arguments', () => {
    expect(runMain(['validate', 'check', 'ddr4']).err).toBe("strata: validate check: unexpected argument 'ddr4' (usage: strata validate check)");
  });
});
