import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { afterAll, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { StrataError } from '../../src/spec/errors.ts';

/*
 * Fuzzing (issue #18 item 5): fast-check mutates valid inputs of each format and runs the command that reads them.
 * Every mutation must end in exit 0, or exit 2 with exactly one line on stderr, without a stack trace (an error
 * that is not a StrataError propagates and fails the property) and in bounded time. Fixed seed; 2,000 cases per
 * format, 17 properties in two files that run in parallel (./fuzz.test.ts, ./fuzz-specs.test.ts; docs/limits.md
 * gives their CPU time); a longer run: `STRATA_FUZZ_RUNS=20000 npx vitest run test/fuzz`
 * (change SEED to explore other cases). Mutations that parse run a small simulation (20 requests, one decode step,
 * a few served requests), so each case also checks the run, not only the reader.
 */
export const ROOT = resolve(import.meta.dirname, '../..');
/**
 * Where each case's input is written: a memory file system where there is one. On the development machine a small
 * write to the disk's /tmp took 0.19 ms of CPU and 4.5 ms of wall clock, to /dev/shm 0.015 ms and 0.1 ms (2,000
 * writes of a 30-line trace, `fs.writeFileSync`, 2026-12-07): some 28,000 cases write one each.
 */
export const dir = mkdtempSync(join(memoryTmp() ?? tmpdir(), 'strata-fuzz-'));

function memoryTmp(): string | undefined {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return undefined;
  }
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));
export const SEED = 20261207;
export const RUNS = (_parseOnly: boolean) => Number(process.env.STRATA_FUZZ_RUNS ?? 2000);
/** A single case may take this long at most (a hang shows as a failure, not a stuck CI). */
export const CASE_MS = 10_000;

/** What the CLI wrote on stderr (console.error) during the current case, while `captureOutput` holds the console. */
const errs: string[] = [];

/**
 * Silences stdout and stderr and collects console.error lines into `errs` until the returned function restores them.
 * A property installs this once for all its cases: four spies set up and restored per case took 0.25 ms of CPU a
 * case (2,000 x 4 `vi.spyOn` + `mockRestore` in vitest: 504 ms), some 7 s of the 28,000 cases.
 */
function captureOutput(): () => void {
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(() => {}),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { errs.push(a.map(String).join(' ')); }),
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true),
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true),
  ];
  return () => { for (const s of spies) s.mockRestore(); };
}

/** Runs the CLI in-process (inside `captureOutput`); a non-StrataError escapes (a crash: the property fails). */
export async function cli(argv: string[]): Promise<{ code: number; err: string; ms: number }> {
  errs.length = 0;
  const t = Date.now();
  // `strata sweep` is asynchronous (its workers); every other command returns its exit code at once.
  const code = await main(argv);
  return { code, err: errs.join('\n'), ms: Date.now() - t };
}

/**
 * The contract every case must keep. Plain tests that throw with the message `expect` would give: vitest's `expect`
 * cost about 0.05 ms a call, and the contract makes up to four calls a case.
 */
export function expectClean(r: { code: number; err: string; ms: number }, what: string): void {
  if (r.code !== 0 && r.code !== 2) throw new Error(`${what}: exit ${r.code}: ${r.err}`);
  if (r.code === 2) {
    if (r.err.includes('\n')) throw new Error(`${what}: more than one line: ${r.err}`);
    if (!r.err.startsWith('strata: ')) throw new Error(`${what}: the line does not start with 'strata: ': ${r.err}`);
  }
  if (r.ms >= CASE_MS) throw new Error(`${what}: took ${r.ms} ms, more than ${CASE_MS}`);
}

/** Values a mutation writes into a field: edge numbers, wrong types, control characters, huge strings. */
export const hostileValue = fc.oneof(
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53 + 1, 1e23, -1e-9, 0.5, 3.7, Number.MAX_SAFE_INTEGER, 1e308),
  fc.integer({ min: -1000, max: 100000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('', ' ', 'x', '1e3', '\u0000\u001b[31m', 'hbm2', '../../etc/passwd', 'a'.repeat(5000)),
  fc.constantFrom(null, true, false, [], {}, [1, 2, 3], { a: 1 }),
);

/** All paths to leaves and containers of a JSON value. */
export function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length ? [prefix] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

/** A mutation of a JSON document: replace a value, delete a key, or add an unknown one. */
export function mutateJson(doc: unknown) {
  const all = paths(doc);
  return fc.record({ at: fc.nat({ max: Math.max(0, all.length - 1) }), op: fc.constantFrom('replace', 'delete', 'add'), value: hostileValue, times: fc.integer({ min: 1, max: 3 }) }).map(({ at, op, value }) => {
    const copy = structuredClone(doc) as Record<string, unknown>;
    const path = all[at]!;
    let parent: any = copy;
    for (const k of path.slice(0, -1)) parent = parent[k];
    const key = path[path.length - 1]!;
    if (op === 'replace') parent[key] = value;
    else if (op === 'delete') Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key];
    else if (parent && typeof parent === 'object' && !Array.isArray(parent)) parent[`zz${String(key)}`] = value;
    return JSON.stringify(copy);
  });
}

/** A mutation of a text file: replace, duplicate or delete a line, or splice hostile text into one. */
export function mutateText(text: string) {
  const lines = text.split('\n');
  const junk = fc.constantFrom('', '0x', '-1', '1e23', '9007199254740993', 'READ', '\u0000\u0007', ',,,', '[timing]', 'x = ', '\ufeff', ' '.repeat(3), 'NaN');
  return fc.record({ at: fc.nat({ max: lines.length - 1 }), op: fc.constantFrom('replace', 'dup', 'delete', 'splice', 'number'), junk, num: hostileValue }).map(({ at, op, junk: j, num }) => {
    const out = [...lines];
    if (op === 'replace') out[at] = j;
    else if (op === 'dup') out.splice(at, 0, out[at]!);
    else if (op === 'delete') out.splice(at, 1);
    else if (op === 'splice') out[at] = `${out[at]!.slice(0, 3)}${j}${out[at]!.slice(3)}`;
    else out[at] = out[at]!.replace(/\d+(\.\d+)?/, String(num));
    return out.join('\n');
  });
}

/**
 * Runs a loader (and what uses its result) directly, as a command would: a StrataError is the one line the CLI
 * prints (main writes any control characters it quotes as escapes) and exit 2; anything else escapes (a crash).
 */
export async function direct(f: () => unknown): Promise<{ code: number; err: string; ms: number }> {
  const t = Date.now();
  try {
    await f();
    return { code: 0, err: '', ms: Date.now() - t };
  } catch (e) {
    if (!(e instanceof StrataError)) throw e;
    return { code: 2, err: `strata: ${e.message.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ')}`, ms: Date.now() - t };
  }
}

/** Writes a case's input to a file of the format's extension and runs the command on it (or a loader, `direct`). */
export function property(name: string, ext: string, gen: fc.Arbitrary<string>, argv: (file: string) => string[] | (() => unknown), parseOnly: boolean): void {
  it(`${name}: ${RUNS(parseOnly)} mutations, each exit 0 or one line and exit 2, none over ${CASE_MS / 1000} s`, async () => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.${ext}`);
    const exits = { ok: 0, refused: 0 };
    const restore = captureOutput();
    try {
      await fc.assert(fc.asyncProperty(gen, async (text) => {
        writeFileSync(file, text);
        try {
          const how = argv(file);
          const r = Array.isArray(how) ? await cli(how) : await direct(how);
          expectClean(r, name);
          if (r.code === 0) exits.ok++;
          else exits.refused++;
        } catch (e) {
          if (e instanceof StrataError) throw new Error(`a StrataError escaped main: ${e.message}`);
          throw e;
        }
      }), { seed: SEED, numRuns: RUNS(parseOnly), endOnFailure: true });
    } finally {
      restore();
    }
    // Both outcomes occur: the mutations reach the simulation as well as the checks (a fuzzer that only ever makes
    // unreadable files tests one parser line).
    expect(exits.ok, `${name}: no mutation ran (${JSON.stringify(exits)})`).toBeGreaterThan(0);
    expect(exits.refused, `${name}: no mutation was refused (${JSON.stringify(exits)})`).toBeGreaterThan(0);
  }, 900_000);
}

export const json = (f: string) => JSON.parse(readFileSync(join(ROOT, f), 'utf8'));
/** A shipped YAML sweep file as a JSON document (its `$schema` path dropped: the mutated copy lives elsewhere). */
export const yamlToJson = (f: string): unknown => {
  const doc = parseYaml(readFileSync(join(ROOT, f), 'utf8')) as Record<string, unknown>;
  delete doc.$schema;
  return doc;
};

