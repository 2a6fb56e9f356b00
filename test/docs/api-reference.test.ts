import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/spec/package-root.ts';
import { filesUnder } from '../helpers.ts';

/**
 * docs/api/ is the API reference TypeDoc generates from the doc comments of src/index.ts (`npm run docs:api`,
 * options in tools/api-docs/typedoc.config.mjs). The generator runs again here into a temporary folder: it must
 * finish without a warning (an exported name without a doc comment, a broken {@link}, a type the API reaches that is
 * neither exported nor listed as internal), and docs/api/ must hold exactly the pages it writes.
 */
const TOOL = join(PACKAGE_ROOT, 'tools', 'api-docs');
const TYPEDOC = join(TOOL, 'node_modules', 'typedoc', 'bin', 'typedoc');
const API = join(PACKAGE_ROOT, 'docs', 'api');

describe('docs/api', () => {
  it('is what the generator writes from the doc comments, with no warnings', () => {
    // The tools/api-docs workspace (TypeDoc with its own TypeScript 6) is installed by `npm ci` at the root.
    expect(existsSync(TYPEDOC), `${TYPEDOC} is missing: run 'npm ci' at the repository root`).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'strata-api-'));
    try {
      const r = spawnSync(process.execPath, [TYPEDOC, '--options', 'typedoc.config.mjs', '--out', out], { cwd: TOOL, encoding: 'utf8' });
      const log = `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
      expect(log.split('\n').filter((l) => /\[(warning|error)\]/.test(l)), 'the generator warns: fix what it names').toEqual([]);
      expect(r.status).toBe(0);

      const pages = (dir: string) => filesUnder(dir, '').map((f) => relative(dir, f));
      const written = pages(out);
      // Every exported name has a page: the two classes, runDram, the report types, the op kinds.
      for (const p of ['README.md', 'classes/StrataError.md', 'functions/runDram.md', 'interfaces/DramReport.md', 'variables/OP_KINDS.md']) {
        expect(written).toContain(p);
      }
      expect(pages(API), "docs/api/ has other pages than the generator writes: run 'npm run docs:api'").toEqual(written);
      const stale = written.filter((p) => readFileSync(join(API, p), 'utf8') !== readFileSync(join(out, p), 'utf8'));
      expect(stale, "these pages of docs/api/ differ from the doc comments: run 'npm run docs:api'").toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
