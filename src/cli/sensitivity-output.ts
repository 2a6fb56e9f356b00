import { PACKAGE_ROOT } from '../spec/package-root.ts';
import { formatAssumptions, formatBands, sensitivity, type Headline, type Parts } from '../validation/sensitivity.ts';
import { progressLine } from './progress.ts';

/**
 * Runs a sensitivity study (`strata validate <pim-gpt|neupims|duplex> --sensitivity`) with sparse progress on stderr (none when `quiet`)
 * and prints its Markdown: the title, the bands, and every assumption on the path with its range and reason.
 */
export function printSensitivity(title: string, study: { readonly parts: Parts; readonly headlines: readonly Headline[] }, quiet = false): number {
  console.log(`${title}\n`);
  const result = sensitivity(study.parts, study.headlines, quiet ? () => {} : progressLine('sensitivity'));
  console.log(formatBands(result, PACKAGE_ROOT));
  console.log('\nThe assumptions on the path, each set to its low and high end in turn:\n');
  console.log(formatAssumptions(result, PACKAGE_ROOT));
  return 0;
}
