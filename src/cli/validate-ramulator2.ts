import { StrataError } from '../spec/errors.ts';
import { parseFlags, seeUsage } from './args.ts';
import { workProgress } from './progress.ts';
import { compareWithRamulator2, formatRamulator2Table, ramulator2Cases } from '../validation/ramulator2.ts';

/** Usage of `strata validate ramulator2`. */
export const VALIDATE_RAMULATOR2_USAGE = 'strata validate ramulator2 [--only TEXT]';

/**
 * `strata validate ramulator2`: reruns Ramulator 2's reference runs (../shared/reference/ramulator2/cases) with
 * their own configuration files, their traces regenerated from the recorded recipe, and Ramulator 2's front end,
 * and prints Strata beside Ramulator (Markdown). Exit 1 if a quantity is outside its tolerance.
 */
export function ramulator2ValidateCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('validate ramulator2', argv, { only: { type: 'string' } });
  if (positionals.length > 0) throw new StrataError(`validate ramulator2: unexpected argument '${positionals[0]}'${seeUsage('validate')}`);
  const cases = ramulator2Cases().filter((c) => v.only === undefined || c.includes(v.only));
  if (cases.length === 0) throw new StrataError(`--only: no reference run's name contains '${v.only}' (runs: ${ramulator2Cases().join(', ')})`);
  const progress = workProgress('validate ramulator2', 'runs', cases.length);
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
