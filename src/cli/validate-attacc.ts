import { StrataError } from '../spec/errors.ts';
import { parseFlags, seeUsage } from './args.ts';
import { workProgress } from './progress.ts';
import { ATTACC_SAMPLE, attaccPasses, compareAttAccRow, formatAttAccTables, readAttAccRows } from '../validation/attacc.ts';
import type { AttAccGenerator } from '../validation/attacc-trace.ts';
import { CHECK_MAX_VIOLATIONS, checkFailureLine } from './check.ts';

/** Usage of `strata validate attacc`. */
export const VALIDATE_ATTACC_USAGE = 'strata validate attacc [--csv FILE] [--stack] [--generator v1|v2] [--no-refresh] [--check]';

/**
 * `strata validate attacc`: reruns AttAcc's Ramulator rows (default: the sample in ../shared/reference/attacc) command
 * by command on Strata's AttAcc devices and prints Strata's cycles beside AttAcc's, the summary by placement and the
 * slopes in L (Markdown). Exit 1 if a row is more than 10 % off, its command counts differ, or a slope is 10 % off.
 * `--check` records every row's command log and replays it through the independent protocol checker: one more line
 * says how many commands were replayed, and the first broken rule fails the command (exit 1) in one line on stderr.
 */
export function attaccValidateCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('validate attacc', argv, { csv: { type: 'string' }, stack: { type: 'boolean' }, generator: { type: 'string' }, 'no-refresh': { type: 'boolean' }, check: { type: 'boolean' }, quiet: { type: 'boolean' } });
  if (positionals.length > 0) throw new StrataError(`validate attacc: unexpected argument '${positionals[0]}'${seeUsage('validate')}`);
  if (v.generator !== undefined && v.generator !== 'v1' && v.generator !== 'v2') throw new StrataError(`--generator: expected v1 (the generator AttAcc's table was made with) or v2 (its fixed successor), got '${v.generator}'`);
  const file = v.csv ?? ATTACC_SAMPLE;
  const rows = readAttAccRows(file);
  if (rows.length === 0) throw new StrataError(`${file}: no rows after the header`);
  const check = v.check === true;
  const progress = workProgress('validate attacc', 'rows', rows.length, { quiet: v.quiet });
  const results = rows.map((row, i) => {
    const r = compareAttAccRow(row, { generator: v.generator as AttAccGenerator | undefined, stack: v.stack === true, refresh: v['no-refresh'] !== true, checkMaxViolations: check ? CHECK_MAX_VIOLATIONS : undefined });
    progress.update(i + 1, `${row.pimType} L=${row.L}`);
    return r;
  });
  progress.end();
  console.log(`### AttAcc's Ramulator cycles (${file.endsWith('ramulator-sample.csv') ? 'the sample' : file}) beside Strata's, ${v.stack ? 'all 16 legacy channels' : 'legacy channel 0'}, generator ${v.generator ?? 'v1'}${v['no-refresh'] ? ', refresh left out' : ''}\n`);
  console.log(formatAttAccTables(results));
  if (!check) return attaccPasses(results) ? 0 : 1;
  const commands = results.reduce((n, r) => n + r.check!.entries.length, 0);
  const failed = results.find((r) => r.check!.violations.length > 0);
  console.log(`\nProtocol check: ${commands.toLocaleString('en-US')} commands of ${results.length} rows replayed by the independent checker, ${failed ? 'violations found' : 'no violation'}.`);
  if (failed) {
    const w = failed.row;
    console.error(checkFailureLine(`validate attacc (${file}: line ${w.line}, ${w.pimType} L=${w.L} nhead=${w.nhead})`, failed.check!.violations, failed.check!.entries.length));
    return 1;
  }
  return attaccPasses(results) ? 0 : 1;
}
