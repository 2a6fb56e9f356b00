import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/spec/package-root.ts';

/*
 * "Adding a system family means adding one folder and one registry line" (Strata issue #15, item 1). The worked
 * example of docs/architecture.md (section "Adding a system family": a toy family, not part of the product) is
 * built here in a temporary copy of the repository, from the code blocks of that section itself, so the example
 * cannot drift from what works: the preset, the folder's index.ts, and the registry line. Then the CLI runs on it.
 */

/** The fenced blocks of one language in the docs section `### Adding a system family`. */
function exampleBlocks(lang: string): string[] {
  const doc = readFileSync(join(PACKAGE_ROOT, 'docs', 'architecture.md'), 'utf8');
  const start = doc.indexOf('### Adding a system family');
  expect(start, 'docs/architecture.md has the section "### Adding a system family"').toBeGreaterThan(0);
  const section = doc.slice(start, doc.indexOf('\n## ', start));
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

describe('a fourth system family is one folder and one registry line (docs/architecture.md)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-toy-family-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the toy family of the docs in a copy of the repository and runs compile, serve, run and pim generate on it', () => {
    for (const d of ['src', 'viz', 'arch', 'workloads', 'schemas']) cpSync(join(PACKAGE_ROOT, d), join(dir, d), { recursive: true });
    cpSync(join(PACKAGE_ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(dir, 'node_modules'));

    const [preset] = exampleBlocks('json');
    const [folder, registryLine] = exampleBlocks('ts');
    writeFileSync(join(dir, 'arch', 'systems', 'toy.json'), preset!);
    mkdirSync(join(dir, 'src', 'systems', 'toy'));
    writeFileSync(join(dir, 'src', 'systems', 'toy', 'index.ts'), folder!);
    // The registry line: the docs show its import and its entry after the last shipped family.
    const registryFile = join(dir, 'src', 'systems', 'registry.ts');
    const importLine = registryLine!.split('\n').find((l) => l.startsWith('import '))!;
    const entry = registryLine!.split('\n').find((l) => l.trim().startsWith('toy:'))!;
    let registry = readFileSync(registryFile, 'utf8');
    registry = registry.replace("import { neupimsSystems } from './neupims/index.ts';\n", `import { neupimsSystems } from './neupims/index.ts';\n${importLine}\n`);
    registry = registry.replace('  neupims: neupimsSystems,\n', `  neupims: neupimsSystems,\n${entry}\n`);
    expect(registry).toContain(entry);
    writeFileSync(registryFile, registry);

    // One node process runs the four commands through the CLI's main (tsx compiles the copy once).
    const commands = [
      ['compile', '--system', 'toy', '--model', 'gpt2-small', '--phase', 'decode', '--context', '128'],
      ['serve', '--system', 'toy', '--model', 'gpt2-small', '--requests', 'fixed:64:16', '--count', '4'],
      ['run', '--system', 'toy', '--model', 'gpt2-small', '--phase', 'decode', '--context', '128'],
      ['pim', 'generate', '--system', 'toy', '--model', 'gpt2-small'],
    ];
    writeFileSync(join(dir, 'toy-run.ts'), [
      "import { main } from './src/cli/main.ts';",
      `for (const argv of ${JSON.stringify(commands)}) {`,
      "  console.log(`== ${argv.slice(0, 2).join(' ')}`);",
      '  console.log(`exit ${await main(argv)}`);',
      '}',
    ].join('\n'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'toy-run.ts'], { cwd: dir, encoding: 'utf8' });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    const parts = Object.fromEntries(out.split(/^== /m).slice(1).map((p) => [p.slice(0, p.indexOf('\n')), p]));
    // compile: --system alone picks the toy policy, which maps all 147 ops of a GPT-2 small decode step onto its one device.
    const compile = parts['compile --system']!;
    expect(compile, out).toMatch(/policy toy on toy/);
    expect(compile).toMatch(/toy0 \(1 x asic\): 147 ops/);
    expect(compile).toMatch(/exit 0/);
    // serve: the registry gives serve the toy's cost model. 4 requests of 64 prompt and 16 output tokens take 16 steps
    // (one prefill, 15 decodes); a decode step reads at least GPT-2 small's 247 MB of weights (the compile summary's
    // weight column) at the toy's 1e12 B/s, so the mean gap between tokens is above 247 us.
    const serve = parts['serve --system']!;
    expect(serve, out).toMatch(/Strata serve — gpt2-small on toy \(toy\)/);
    expect(serve).toMatch(/run {10}16 steps/);
    const tbtMeanUs = Number(/TBT .*\(mean ([\d.]+) us/.exec(serve)?.[1]);
    expect(tbtMeanUs).toBeGreaterThan(247);
    expect(tbtMeanUs).toBeLessThan(300);
    expect(serve).toMatch(/exit 0/);
    // run and pim generate: refused in one line naming the commands that run the family.
    expect(out).toContain("run: 'toy' is a toy system, which strata run does not run; use strata compile --system toy or strata serve --system toy");
    expect(out).toContain("pim generate: 'toy' is a toy system, which strata pim generate does not run; use strata compile --system toy or strata serve --system toy");
  }, 120_000);
});
