import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript beside bin/strata.mjs, without type declarations
import { buildBundle, bundleFile, bundleIsFresh } from '../../bin/cli-bundle.mjs';

/**
 * bin/strata.mjs in a checkout runs the sources bundled by esbuild (bin/cli-bundle.mjs) while the bundle matches every
 * file it was built from, and rebuilds it otherwise: the same bytes as tsx, and never stale code.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin', 'strata.mjs');

/** A tiny checkout: src/cli/entry.ts prints what src/cli/message.ts exports; every file an hour old. */
function tinyCheckout(message: string): { root: string; message: string } {
  const root = mkdtempSync(join(tmpdir(), 'strata-bundle-'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  writeFileSync(join(root, 'src', 'cli', 'entry.ts'), "import { MESSAGE } from './message.ts';\nconsole.log(MESSAGE);\n");
  const file = join(root, 'src', 'cli', 'message.ts');
  writeFileSync(file, `export const MESSAGE: string = ${JSON.stringify(message)};\n`);
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const f of ['entry.ts', 'message.ts']) utimesSync(join(root, 'src', 'cli', f), hourAgo, hourAgo);
  return { root, message: file };
}

const runNode = (file: string, env: Record<string, string> = {}, args: string[] = []) =>
  spawnSync(process.execPath, [file, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });

describe('the prebuilt command line (bin/cli-bundle.mjs)', () => {
  it('is fresh after a build and stale once an input changes, even to the same size', async () => {
    const t = tinyCheckout('one');
    expect(bundleIsFresh(t.root)).toBe(false); // nothing built yet
    const built = await buildBundle({ root: t.root, logLevel: 'silent' });
    expect(built.fresh).toBe(true);
    expect(built.inputs).toBe(2);
    expect(bundleIsFresh(t.root)).toBe(true);
    expect(runNode(bundleFile(t.root)).stdout).toBe('one\n');
    // Same size, new content: the modification time alone tells.
    writeFileSync(t.message, 'export const MESSAGE: string = "two";\n');
    expect(bundleIsFresh(t.root)).toBe(false);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(t.message, hourAgo, hourAgo);
    await buildBundle({ root: t.root, logLevel: 'silent' });
    expect(bundleIsFresh(t.root)).toBe(true);
    expect(runNode(bundleFile(t.root)).stdout).toBe('two\n');
  }, 60_000);

  it('leaves no manifest when an input was modified during the build (the next start rebuilds)', async () => {
    const t = tinyCheckout('now');
    const now = new Date();
    utimesSync(t.message, now, now);
    const built = await buildBundle({ root: t.root, logLevel: 'silent' });
    expect(built.fresh).toBe(false);
    expect(bundleIsFresh(t.root)).toBe(false);
  }, 60_000);

  it('loads the lazy packages on first use, and their stand-ins act as the packages (default exports included)', async () => {
    // A tiny checkout whose entry uses seedrandom (a function as default export), cli-progress (an object of classes)
    // and yaml (named exports, an error class), and prints which of them node had loaded before the first use.
    const t = tinyCheckout('unused');
    symlinkSync(join(ROOT, 'node_modules'), join(t.root, 'node_modules'), 'dir');
    writeFileSync(join(t.root, 'src', 'cli', 'entry.ts'), [
      "import { createRequire } from 'node:module';",
      "import seedrandom from 'seedrandom';",
      "import cliProgress from 'cli-progress';",
      "import { parse, YAMLParseError } from 'yaml';",
      "const req = createRequire(import.meta.url);",
      "const loaded = () => ['seedrandom', 'cli-progress', 'yaml'].filter((p) => Object.keys(req.cache).some((k) => k.includes(`/node_modules/${p}/`)));",
      "const before = loaded();",
      "const rng = seedrandom('strata');",
      "const bar = new cliProgress.SingleBar({ noTTYOutput: false }, cliProgress.Presets.shades_classic);",
      "let err = '';",
      "try { parse('a: [1,\\n'); } catch (e) { err = e instanceof YAMLParseError ? 'YAMLParseError' : 'other'; }",
      "console.log(JSON.stringify({ before, after: loaded(), draws: [rng(), rng()], bar: bar instanceof cliProgress.SingleBar, preset: cliProgress.Presets.shades_classic.barCompleteChar, yaml: parse('a: 1').a, err }));",
      '',
    ].join('\n'));
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(t.root, 'src', 'cli', 'entry.ts'), hourAgo, hourAgo);
    expect((await buildBundle({ root: t.root, logLevel: 'silent' })).fresh).toBe(true);
    // The bundle refers to the packages, it does not contain them.
    expect(readFileSync(bundleFile(t.root), 'utf8')).not.toMatch(/function seedrandom|class SingleBar/);
    const out = JSON.parse(runNode(bundleFile(t.root)).stdout);
    const seedrandom = (await import('seedrandom')).default;
    const real = seedrandom('strata');
    expect(out).toEqual({ before: [], after: ['seedrandom', 'cli-progress', 'yaml'], draws: [real(), real()], bar: true, preset: '\u2588', yaml: 1, err: 'YAMLParseError' });
  }, 60_000);

  it('bin/strata.mjs writes the same bytes and exit codes through the bundle as through tsx', () => {
    const args = ['dram', '--spec', 'hbm2', '--pattern', 'random', '--requests', '3000', '--seed', '7'];
    const bundled = runNode(BIN, {}, args);
    const tsx = runNode(BIN, { STRATA_NO_BUNDLE: '1' }, args);
    expect(bundled.status).toBe(0);
    expect(bundled.stdout).toBe(tsx.stdout);
    expect(bundled.stdout).toMatch(/3,000 completed/);
    expect(bundleIsFresh()).toBe(true);
    // A user error: one line on stderr, exit 2, either way.
    const bad = ['dram', '--spec', 'hbm2', '--pattern', 'nope'];
    const e1 = runNode(BIN, {}, bad);
    const e2 = runNode(BIN, { STRATA_NO_BUNDLE: '1' }, bad);
    expect(e1.status).toBe(2);
    expect(e1.stderr).toBe(e2.stderr);
    expect(e1.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
