import { describe, it, expect } from 'vitest';
import { runMain } from '../helpers.ts';
import { pimCheckFailure } from '../../src/cli/pim.ts';
import { runPimGemv } from '../../src/systems/pim-gpt/gemv.ts';
import { loadPimSpec } from '../../src/pim/pim-spec.ts';
import { logEntries } from '../../src/dram/command-log.ts';

// Issue #18 item 2: --check on every command that issues DRAM or PIM commands. `pim generate` had none.

describe('strata pim generate --check', () => {
  it('replays every command of a PIM-GPT generation through the protocol checker; the timing is that of the run without it', () => {
    const plain = runMain(['pim', 'generate', '--model', 'gpt2-small', '--prompt', '1', '--tokens', '1']);
    const checked = runMain(['pim', 'generate', '--model', 'gpt2-small', '--prompt', '1', '--tokens', '1', '--check']);
    expect(checked.code).toBe(0);
    // --check simulates every segment (no reuse), which must not change a number: the same per-token line.
    const perToken = (out: string) => out.split('\n').find((l) => l.startsWith('  per token'));
    expect(perToken(checked.out)).toBe(perToken(plain.out));
    expect(perToken(checked.out)).toMatch(/^ {2}per token {3}mean \d/);
    // 2 tokens of GPT-2 small on 32 channels issue over a million commands (each GEMV row a column command per bank)
    const m = /checker {5}([\d,]+) commands replayed by the protocol checker: no violation/.exec(checked.out);
    expect(m).not.toBeNull();
    expect(Number(m![1]!.replace(/,/g, ''))).toBeGreaterThan(1_000_000);
  }, 120_000);

  it('a command moved earlier than its rule allows fails with one line naming the command, the rule and the cycles', () => {
    const spec = loadPimSpec('aim');
    const run = runPimGemv(spec, 64, 1024, { commandLog: true });
    const entries = logEntries(run.logs, spec.standard.commandNames);
    expect(pimCheckFailure('pim gemv', spec.standard, entries, run.cycles)).toBeNull();
    // channel 0's first MAC16 moved onto its row activation's cycle: it needs tRCD after the ACT16
    const act = entries.findIndex((e) => e.channel === 0 && e.command === 'ACT16');
    const mac = entries.findIndex((e) => e.channel === 0 && e.command === 'MAC16');
    expect(act).toBeGreaterThanOrEqual(0);
    expect(mac).toBeGreaterThan(act);
    const tampered = entries.map((e) => ({ ...e }));
    tampered[mac]!.cycle = entries[act]!.cycle;
    tampered.sort((a, b) => a.cycle - b.cycle);
    const line = pimCheckFailure('pim gemv', spec.standard, tampered, run.cycles);
    expect(line).toMatch(new RegExp(`^strata: pim gemv --check: the protocol checker found \\d+ violations? in ${entries.length.toLocaleString('en-US')} commands; the first: MAC16 at cycle ${entries[act]!.cycle} on channel 0 breaks `));
    expect(line!.split('\n')).toHaveLength(1);
  });

  it('--check is refused by pim sensitivity, which issues no command log', () => {
    expect(runMain(['pim', 'sensitivity', '--check']).code).toBe(2);
  });
});
