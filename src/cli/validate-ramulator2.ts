import { StrataError } from '../spec/errors.ts';
import { parseFlags, seeUsage, oneOf } from './args.ts';
import { workProgress } from './progress.ts';
import { takeSetFlags } from './set-flag.ts';
import { compareWithRamulator2, formatRamulator2Table, ramulator2Cases } from '../validation/ramulator2.ts';
import { compareStrataControllerWithRamulator2, formatStrataControllerTable } from '../validation/ramulator2-strata.ts';

/** Usage of `strata validate ramulator2`. */
export const VALIDATE_RAMULATOR2_USAGE = 'strata validate ramulator2 [--controller ramulator2|strata] [--set path=value ...] [--only TEXT]';

/**
 * `strata validate ramulator2`: reruns Ramulator 2's reference runs (../shared/reference/ramulator2/cases) with
 * their own configuration files, their traces regenerated from the recorded recipe, and Ramulator 2's front end,
 * and prints Strata beside Ramulator (Markdown). Exit 1 if a quantity is outside its tolerance.
 *
 * `--controller ramulator2` (default) runs Strata's model written to Ramulator's semantics; `--controller strata`
 * runs Strata's own controller on its preset of each standard made Ramulator's part (src/validation/ramulator2-strata.ts),
 * and `--set path=value` changes that preset further (after the part's own overrides), to show what one change does.
 * That table is a characterisation of another controller, whose gaps docs/validation.md explains: it exits 0.
 */
export function ramulator2ValidateCommand(argv: string[]): number {
  const { sets, rest } = takeSetFlags(argv);
  const { values: v, positionals } = parseFlags('validate ramulator2', rest, { only: { type: 'string' }, controller: { type: 'string' }, quiet: { type: 'boolean' } });
  if (positionals.length > 0) throw new StrataError(`validate ramulator2: unexpected argument '${positionals[0]}'${seeUsage('validate')}`);
  const controller = oneOf('controller', v.controller, ['ramulator2', 'strata'] as const) ?? 'ramulator2';
  if (sets.length > 0 && controller !== 'strata') throw new StrataError(`--set: validate ramulator2 takes it with --controller strata (it changes Strata's preset; Ramulator's configuration files are Ramulator's)`);
  const cases = ramulator2Cases().filter((c) => v.only === undefined || c.includes(v.only));
  if (cases.length === 0) throw new StrataError(`--only: no reference run's name contains '${v.only}' (runs: ${ramulator2Cases().join(', ')})`);
  const progress = workProgress('validate ramulator2', 'runs', cases.length, { quiet: v.quiet });
  if (controller === 'strata') {
    const results = cases.map((c, i) => {
      const r = compareStrataControllerWithRamulator2(c, sets);
      progress.update(i + 1, c);
      return r;
    });
    progress.end();
    console.log(`### Strata's own controller vs Ramulator 2.1 (CMU-SAFARI/ramulator2 @ c5b1c3a): ${cases.length} runs of 100,000 requests, Strata's presets made Ramulator's parts${sets.length ? `, with --set ${sets.join(' --set ')}` : ''}\n`);
    console.log("Tolerances as above. Ticks and read latency in Ramulator's ticks (half a CK for HBM3: Strata's cycles x 2). Strata's controller keeps its preset's policy (per-bank command queues of 8, row-hit cap 4, write drain when the write queue is full); the overrides below make the device and the buffers Ramulator's.\n");
    console.log(formatStrataControllerTable(results));
    // A characterisation of a different controller, not a check: its gaps are explained in docs/validation.md.
    return 0;
  }
  const results = cases.map((c, i) => {
    const r = compareWithRamulator2(c);
    progress.update(i + 1, c);
    return r;
  });
  progress.end();
  console.log(`### Strata vs Ramulator 2.1 (CMU-SAFARI/ramulator2 @ c5b1c3a): ${cases.length} runs of 100,000 requests, Ramulator's own configuration files and front end\n`);
  console.log('Tolerances: completed and GB/s 3 %, ACT 5 %, row hits 5 % of all requests, read latency 15 %, REF 5 %. Ticks are controller ticks (half a CK for HBM3) until the last request was accepted.\n');
  console.log(formatRamulator2Table(results));
  return results.every((r) => r.comparisons.every((c) => c.ok)) ? 0 : 1;
}
