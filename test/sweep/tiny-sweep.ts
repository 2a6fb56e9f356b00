import { SweepDatabase } from '../../src/sweep/database.ts';
import { checkSweep } from '../../src/sweep/sweep-file.ts';

/**
 * The sweep tests' four tiny PIM-GPT points: MAC lanes 8 and 16 x a model that exists and one that does not (two
 * rows are errors, which must go through every path a row takes: local runs, shards, collect).
 */
export const TINY_SWEEP = checkSweep({
  name: 'tiny', command: 'generate', system: 'pim-gpt', workload: { model: 'gpt2-small', prompt: 1, tokens: 1 },
  axes: [{ name: 'lanes', set: 'pim.unit.macsPerBank', values: [8, 16] }, { workload: 'model', values: ['gpt2-small', 'no-such-model'] }],
  metrics: ['latency', 'energy', 'pimShare'],
}, 'tiny.yaml');

/** Every row of a sweep database, ordered by point, as strings. */
export async function allRows(file: string): Promise<Array<Array<string | null>>> {
  const db = await SweepDatabase.open(file, { readOnly: true });
  try {
    return (await db.query('SELECT * FROM points ORDER BY point')).rows;
  } finally {
    db.close();
  }
}
