import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StrataError } from '../spec/errors.ts';
import { formatCount } from '../dram/limits.ts';
import { readNumber } from '../spec/number-text.ts';

/** What node's parseArgs returns for `options` (named, so the compiled declarations can say it). */
type ParsedFlags<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true; tokens: true }>>;

/**
 * Parses sub-command flags strictly: unknown flags, flags without their value or with an empty one, and flags
 * given twice are user errors (a repeated flag would otherwise silently keep its last value).
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: string[], options: T): { values: ParsedFlags<T>['values']; positionals: string[] } {
  const known = Object.keys(options).map((k) => `--${k}`).join(' ');
  // A negative number after a flag that takes a value is that flag's value (so `--qps -1` reaches the flag's own
  // check and its message), not an unknown option.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : '';
    if (name && options[name]?.type === 'string' && next !== undefined && /^-[0-9.]/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else {
      if (name && options[name]?.type === 'string' && next !== undefined && next.startsWith('--')) {
        throw new StrataError(`${command}: --${name}: expected a value, found the flag '${next}' (flags: ${known})`);
      }
      args.push(a);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    const first = (e as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, '');
    throw new StrataError(`${command}: ${first} (flags: ${known})`);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name)) throw new StrataError(`${command}: --${t.name} is given more than once; give it once`);
    seen.add(t.name);
    // No flag takes an empty value: '' is a slip (an unset shell variable), not a choice.
    if (t.value !== undefined && t.value.trim() === '') throw new StrataError(`${command}: --${t.name}: expected a value, got '${t.value}'`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** The largest value an integer flag takes unless it names its own bound: beyond it sizes and counts stop meaning anything. */
export const MAX_FLAG_INT = 2 ** 31 - 1;
/** Bounds of the flags that size what a run holds in memory (requests, steps, batches), so a typo fails at once, not out of memory. */
export const MAX_TRACE_REQUESTS = 50_000_000;
export const MAX_SERVED_REQUESTS = 1_000_000;
export const MAX_STEP_TOKENS = 100_000;
export const MAX_BATCH = 65_536;

/** The highest arrival rate a flag takes, requests per second: at a 1 us mean gap, far below one decode step (milliseconds), every request is there at once, so a higher rate changes nothing but the arithmetic. */
export const MAX_QPS = 1_000_000;

/** The number a flag's text writes, read the same way for every flag (src/spec/number-text.ts). */
export { readNumber };

/**
 * A flag's whole number (an index such as a SLURM task, a seed) from 0 up to `max`, read as every number flag is
 * (exponent notation included: `1e3` is 1000); `what` says what it is in the message.
 */
export function wholeNumber(flag: string, v: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = readNumber(v);
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > max) throw new StrataError(`--${flag}: expected ${what}, a whole number from 0 to ${formatCount(max)}, got '${v}'`);
  return n;
}

/**
 * An IN:OUT pair of whole numbers of tokens from 1 to MAX_STEP_TOKENS (`256:256`, `1e3:512`), each side read as
 * every number flag is; undefined when the text is no such pair (the caller's message names the bound).
 */
export function tokenPair(text: string): readonly [number, number] | undefined {
  const parts = text.split(':');
  if (parts.length !== 2) return undefined;
  const [a, b] = parts.map(readNumber);
  if (a === undefined || b === undefined || !Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < 1 || a > MAX_STEP_TOKENS || b > MAX_STEP_TOKENS) return undefined;
  return [a, b];
}

/** A flag that must be a positive integer, at most `max` (exponent notation such as 1e6 is read too). */
export function positiveInt(flag: string, v: string | undefined, max = MAX_FLAG_INT): number | undefined {
  if (v === undefined) return undefined;
  return positiveInts(flag, [v], max, 'a positive integer')[0];
}

/** Each item of a comma-separated list of positive integers (at most `max`), as `positiveInt` checks a flag. */
export function positiveInts(flag: string, items: readonly string[], max = MAX_FLAG_INT, what = 'positive integers'): number[] {
  return items.map((b) => {
    const n = readNumber(b);
    if (n === undefined || !Number.isInteger(n) || n < 1) throw new StrataError(`--${flag}: expected ${what}, got '${b}'`);
    if (n > max) throw new StrataError(`--${flag}: expected ${what} up to ${formatCount(max)}, got '${b}'`);
    return n;
  });
}

/** A flag that must be a number > 0 (decimals and exponents allowed), at most `max`, whose reason `why` the error gives. */
export function positiveNumber(flag: string, v: string | undefined, max: number, why: string): number | undefined {
  if (v === undefined) return undefined;
  const n = readNumber(v);
  if (n === undefined || !(n > 0)) throw new StrataError(`--${flag}: expected a number > 0 (such as 2.5 or 1e3), got '${v}'`);
  if (n > max) throw new StrataError(`--${flag}: expected a number > 0 up to ${formatCount(max)} (${why}), got '${v}'`);
  return n;
}

/** A flag that must be a number from 0 to 1 (decimals and exponents allowed). */
export function fraction(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = readNumber(v);
  if (n === undefined || n < 0 || n > 1) throw new StrataError(`--${flag}: expected a number from 0 to 1, got '${v}'`);
  return n;
}

/** A flag that must be one of `allowed`. */
export function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new StrataError(`--${flag}: expected one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

/** Where a usage error of `command` points for the flags: an error is one line, so the usage block is not printed with it. */
export function seeUsage(command: string): string {
  return ` ('strata help ${command}' shows the usage)`;
}
