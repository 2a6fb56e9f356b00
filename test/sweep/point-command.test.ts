import { describe, expect, it } from 'vitest';
import { findCommand } from '../../src/cli/commands.ts';
import { POINT_COMMANDS, runPointCommand } from '../../src/sweep/point-command.ts';

/*
 * A sweep point runs its command as `strata` does (src/sweep/point-command.ts reaches the three commands directly, so
 * that `strata figures` can run points without an import cycle): the functions must be the ones main's table runs,
 * and a user error must end the point with exit code 2 and its message, as main ends it.
 */
describe('a sweep point\'s command', () => {
  it('runs the functions of strata\'s own command table', () => {
    for (const [name, run] of Object.entries(POINT_COMMANDS)) expect(run).toBe(findCommand(name)!.run);
  });

  it('ends a user error with exit code 2 and its one-line message; --set paths are checked as strata checks them', () => {
    expect(runPointCommand(['run', '--system', 'pim-gpt', '--set', 'pim.unit.noSuchField=3', '--model', 'gpt2-small'])).toEqual({
      code: 2, message: expect.stringMatching(/noSuchField/),
    });
    expect(() => runPointCommand(['figures'])).toThrow(/a sweep point runs pim, run, serve, not 'figures'/);
  });
});
