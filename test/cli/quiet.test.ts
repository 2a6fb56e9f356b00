import { afterEach, describe, expect, it, vi } from 'vitest';
import { runMain } from '../helpers.ts';

/**
 * `--quiet` on every command that shows progress (issue #17 item 4: "nothing with --quiet"). The clock is made to run
 * 3 s per reading, so each command's progress prints at once (workProgress shows nothing in a run's first 2 s); the
 * same small run then prints progress lines without --quiet and nothing on stderr with it.
 */
let clock = 0;
function stderrOf(argv: string[]): { code: number; err: string } {
  clock = 0;
  vi.spyOn(Date, 'now').mockImplementation(() => (clock += 3000));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const r = runMain(argv);
    return { code: r.code, err: r.err + write.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('--quiet silences progress (issue #17)', () => {
  const runs: Array<[string, string[], RegExp]> = [
    ['validate neupims', ['validate', 'neupims', '--models', 'neupims-gpt3-7b', '--batches', '64', '--datasets', 'alpaca-like'], /^validate neupims: 1 of 1 cases \(neupims-gpt3-7b alpaca-like batch 64\)$/m],
    // (validate dramsim3 / peak: the same progress over their 14 and 6 runs; about 10 s of CPU, too long for here.)
    ['pim generate', ['pim', 'generate', '--model', 'gpt2-small', '--prompt', '2', '--tokens', '2'], /^pim generate: 1 of 4 tokens/m],
    // A PIM-GPT decode step at context L is the token with L - 1 cached, after the L - 1 before it (token-sequence.ts).
    // run --check on Duplex replays every Logic-PIM grid stream (src/cli/run-check.ts): progress by stream.
    ['run --check (duplex)', ['run', '--system', 'duplex', '--model', 'gpt2-small', '--phase', 'decode', '--context', '64', '--check'], /^run --check: 1 of \d+ streams replayed/m],
    ['run --system pim-gpt', ['run', '--system', 'pim-gpt', '--model', 'gpt2-small', '--phase', 'decode', '--context', '3'], /^run: 1 of 3 tokens simulated/m],
  ];
  for (const [name, argv, line] of runs) {
    it(`strata ${name}: progress lines on stderr, none with --quiet`, () => {
      const loud = stderrOf(argv);
      expect(loud.code).toBe(0);
      expect(loud.err).toMatch(line);
      expect(stderrOf([...argv, '--quiet'])).toEqual({ code: 0, err: '' });
    }, 60_000);
  }

  it('every validate subcommand with progress takes --quiet (refused before: Unknown option)', () => {
    // A bad value of another flag stops each before it runs: the error must be that flag's, not --quiet's.
    const cases: Array<[string[], RegExp]> = [
      [['validate', 'pim-gpt', '--models', 'nope', '--quiet'], /^strata: --models: unknown model 'nope'/],
      [['validate', 'dramsim3', '--models', 'x', '--quiet'], /^strata: validate dramsim3: --sensitivity and --models apply to/],
      [['validate', 'neupims', '--models', 'nope', '--quiet'], /^strata: --models: unknown model 'nope'/],
      [['validate', 'neupims', '--sensitivity', '--gemm', 'cycle-level', '--quiet'], /^strata: --gemm: does not apply with --sensitivity/],
      [['validate', 'duplex', '--models', 'nope', '--quiet'], /^strata: --models: unknown model 'nope'/],
      [['validate', 'ramulator2', '--only', 'zzz-none', '--quiet'], /^strata: --only: no reference run's name contains 'zzz-none'|not found/],
      [['validate', 'check', 'extra', '--quiet'], /^strata: validate check: unexpected argument 'extra'/],
      [['validate', 'gpu', 'extra', '--quiet'], /^strata: validate gpu: unexpected argument 'extra'/],
      [['validate', 'attacc', '--generator', 'v9', '--quiet'], /^strata: --generator: expected v1/],
      [['validate', 'page', 'a.md', 'b.md', '--quiet'], /^strata: validate page: expected at most one file/],
      [['demo', 'dram', 'extra', '--quiet'], /^strata: demo dram: unexpected argument 'extra'/],
      [['pim', 'generate', '--quiet'], /^strata: pim generate: --model is required/],
      [['pim', 'sensitivity', '--prompt', '0', '--quiet'], /^strata: --prompt: expected a positive integer/],
    ];
    for (const [argv, err] of cases) expect(runMain(argv), argv.join(' ')).toMatchObject({ code: 2, err: expect.stringMatching(err) });
  });
});
