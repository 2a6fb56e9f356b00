import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { readInputText } from '../spec/input-file.ts';
import { generatedBlocks, regeneratePage } from '../validation/page.ts';
import { parseFlags, seeUsage } from './args.ts';
import { writeOutputs } from './output.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';

export const VALIDATE_PAGE_USAGE = 'strata validate page [--check] [--only TEXT] [FILE (default docs/validation.md)]';

const STRATA_BIN = join(PACKAGE_ROOT, 'bin', 'strata.mjs');

/** Runs `strata ARGV` in a child process (the output exactly as a user sees it); a failing command is a user error. */
export function strataOutput(argv: readonly string[]): string {
  const r = spawnSync(process.execPath, [STRATA_BIN, ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new StrataError(`'strata ${argv.join(' ')}' exited with ${r.status ?? r.signal}: ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 300)}`);
  return r.stdout;
}

/**
 * `strata validate page`: runs the command of every generated block of docs/validation.md again and rewrites the
 * block with its output. With `--check`, writes nothing and exits 1 naming each block whose output differs.
 * `--only TEXT` limits it to blocks whose command contains TEXT.
 */
export function validatePageCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('validate page', argv, { check: { type: 'boolean' }, only: { type: 'string' }, quiet: { type: 'boolean' } });
  if (positionals.length > 1) throw new StrataError(`validate page: expected at most one file, got '${positionals.join(' ')}'${seeUsage('validate')}`);
  const file = positionals[0] ?? join(dirname(STRATA_BIN), '..', 'docs', 'validation.md');
  const text = readInputText(file, 'a Markdown page');
  const chosen = (args: readonly string[]) => v.only === undefined || args.join(' ').includes(v.only);
  const blocks = generatedBlocks(text, file).filter((b) => chosen(b.argv));
  if (blocks.length === 0) throw new StrataError(`${file}: no generated block${v.only === undefined ? '' : ` whose command contains '${v.only}'`}`);
  const fresh = new Map<string, string>();
  for (const b of blocks) {
    const key = b.argv.join(' ');
    if (!fresh.has(key)) {
      if (!v.quiet) process.stderr.write(`validate page: strata ${key}\n`);
      fresh.set(key, strataOutput(b.argv));
    }
  }
  if (v.check) {
    const stale = blocks.filter((b) => fresh.get(b.argv.join(' ')) !== b.output);
    for (const b of stale) console.log(`${file}:${b.line}: 'strata ${b.argv.join(' ')}' prints something else now`);
    if (stale.length === 0) console.log(`${file}: ${blocks.length} generated block(s) agree with their commands`);
    return stale.length === 0 ? 0 : 1;
  }
  const kept = new Map(generatedBlocks(text, file).map((b) => [b.argv.join(' '), b.output]));
  const next = regeneratePage(text, file, (args) => fresh.get(args.join(' ')) ?? kept.get(args.join(' '))!);
  writeOutputs([{ path: file, content: next }]);
  console.log(`rewrote ${blocks.length} generated block(s) of ${file}`);
  return 0;
}
