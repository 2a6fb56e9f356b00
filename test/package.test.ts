import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildStudio } from '../src/studio/build.ts';

/**
 * The published package: `npm pack` (which builds dist/ first), installed into an empty project, imported by name in
 * plain node (no tsx), runs a DRAM trace and a PIM-GPT token; its `strata` command starts from the prebuilt bundle, and
 * `strata studio` writes the page from the scripts prebuilt into dist/studio.
 */
const ROOT = resolve(import.meta.dirname, '..');
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the packed package', () => {
  it('installs into an empty project and runs in plain node by its name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-pack-'));
    npm(['pack', '--pack-destination', dir, '--silent'], ROOT);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', `./${tarball}`], dir);
    writeFileSync(join(dir, 'use.mjs'), `
      import { loadStandard, bytesPerRequest, generatePattern, runDram, dramReport, checkProtocol, logEntries, loadPimGptSystem, pimGptGenerate, loadModel } from 'strata-sim';
      const hbm2 = loadStandard('hbm2');
      const trace = generatePattern({ pattern: 'stream', requests: 2000, seed: 'x', requestBytes: bytesPerRequest(hbm2), capacityBytes: 2 ** 33 });
      const result = runDram({ standard: hbm2, trace, commandLog: true });
      const gen = pimGptGenerate(loadPimGptSystem(), loadModel('gpt2-small'), 2, 1);
      console.log(JSON.stringify({ completed: dramReport(result).requests.completed, violations: checkProtocol(hbm2, logEntries(result.logs)).length, tokenUs: gen.meanTokenPs / 1e6 }));
    `);
    // Plain node: no loader, so only compiled JavaScript can run.
    const r = spawnSync(process.execPath, ['use.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { completed: number; violations: number; tokenUs: number };
    expect(out.completed).toBe(2000);
    expect(out.violations).toBe(0);
    expect(out.tokenUs).toBeGreaterThan(1);
    // The installed command has no sources beside it, so it runs what `npm run build` made for it.
    const pkg = join(dir, 'node_modules', 'strata-sim');
    const cli = spawnSync(process.execPath, [join(pkg, 'bin', 'strata.mjs'), 'validate', 'peak'], { cwd: dir, encoding: 'utf8' });
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/\| hbm2 \| [\d.]+ \| 256 \| /);
    // The studio from the installed package: no TypeScript sources there, so the page's scripts are the ones
    // `npm run build` prebuilt into dist/studio; the page is byte for byte the one this checkout bundles now.
    const studio = spawnSync(process.execPath, [join(dir, 'node_modules', 'strata-sim', 'bin', 'strata.mjs'), 'studio', '--out', 'lab'], { cwd: dir, encoding: 'utf8' });
    expect(studio.stderr).toBe('');
    expect(studio.status).toBe(0);
    expect(studio.stdout).toMatch(/^studio: lab\/index\.html \(\d+ KB: .*the scripts prebuilt by npm run build\)/);
    const fromCheckout = await buildStudio(join(dir, 'checkout'));
    expect(fromCheckout.scripts).toBe('sources');
    expect(readFileSync(join(dir, 'lab', 'index.html'), 'utf8')).toBe(readFileSync(fromCheckout.file, 'utf8'));
    // It starts from the prebuilt bundle (dist/cli/strata.mjs: about 0.27 s of CPU for --version against 1.1 s for the
    // compiled modules, docs/guide.md): with the compiled entry module gone it still runs.
    expect(existsSync(join(pkg, 'dist', 'cli', 'strata.mjs'))).toBe(true);
    rmSync(join(pkg, 'dist', 'src', 'cli', 'entry.js'));
    const bundled = spawnSync(process.execPath, [join(pkg, 'bin', 'strata.mjs'), '--version'], { cwd: dir, encoding: 'utf8' });
    expect(bundled.stderr).toBe('');
    expect(bundled.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    // `strata dram` runs from its own bundle (dist/cli/strata-dram.mjs, bin/cli-route.mjs), which loads seedrandom,
    // the YAML parser and cli-progress from the installing project's node_modules on first use.
    expect(existsSync(join(pkg, 'dist', 'cli', 'strata-dram.mjs'))).toBe(true);
    const dram = spawnSync(process.execPath, [join(pkg, 'bin', 'strata.mjs'), 'dram', '--spec', 'hbm2', '--pattern', 'random', '--requests', '500'], { cwd: dir, encoding: 'utf8' });
    expect(dram.stderr).toBe('');
    expect(dram.stdout).toMatch(/500 completed/);
  }, 300_000);
});
