import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStudio } from '../../src/studio/build.ts';

/**
 * `strata studio` from a fresh clone: only the committed files and the installed node_modules (linked, as
 * `npm install` would make them), no dist/ or out/ of this checkout, plain node running bin/strata.mjs. When this
 * checkout's sources, specs and page code are committed as they are, the clone's page is byte for byte this one's.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'strata-clone-'));
const hasGit = existsSync(join(ROOT, '.git'));

describe.skipIf(!hasGit)(`strata studio from a fresh clone${hasGit ? '' : ' — SKIPPED: not a git checkout'}`, () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the page with plain node, bundling the committed TypeScript sources', async () => {
    const clone = join(dir, 'clone');
    execFileSync('git', ['clone', '--quiet', ROOT, clone], { stdio: 'pipe' });
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    const r = spawnSync(process.execPath, ['bin/strata.mjs', 'studio', '--out', 'lab'], { cwd: clone, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^studio: lab\/index\.html \(\d+ KB: .*the scripts bundled now from the TypeScript sources\)/);
    const page = readFileSync(join(clone, 'lab', 'index.html'), 'utf8');
    expect(page).toContain('<script type="text/plain" id="studio-worker">');
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'viz', 'arch', 'package.json'], { cwd: ROOT, encoding: 'utf8' });
    if (dirty === '') expect(page).toBe(readFileSync((await buildStudio(join(dir, 'here'))).file, 'utf8'));
    else console.warn(`fresh-clone studio test: uncommitted changes under src/viz/arch, the byte comparison with this checkout is left out:\n${dirty}`);
  }, 180_000);
});
