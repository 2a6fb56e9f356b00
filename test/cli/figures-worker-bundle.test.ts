import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript beside bin/strata.mjs, without type declarations
import { buildBundle, bundleIsFresh } from '../../bin/cli-bundle.mjs';

/**
 * The worker threads of `strata figures` run the figures worker bundled beside the command line
 * (dist/cli/figures-worker.mjs, bin/cli-bundle.mjs) while the bundle is fresh, not the sources through tsx (about
 * 1.5 s of CPU per thread at every start, issue #17 item 4); both give the same results.
 */
const ROOT = resolve(import.meta.dirname, '../..');

/** Loads bin/figures-worker.mjs in a fresh node process, runs one unit of the peak-bandwidth set, prints where the code came from and the result. */
function unitInChild(env: Record<string, string>) {
  const script = `
    const m = await import('./bin/figures-worker.mjs');
    const choices = { models: ['gpt2-small'], neupims: { models: ['neupims-gpt3-7b'], batches: [64], datasets: ['alpaca-like'] },
      duplex: { models: ['llama3-8b'], lengths: [[256, 256]], batches: [32], servingModels: ['llama3-8b'], servingLengths: [[256, 256]], count: 8 } };
    const out = m.default({ choices, set: 'peak-bandwidth', arg: 'hbm2' });
    console.log(JSON.stringify({ loadedFrom: m.loadedFrom, out }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as { loadedFrom: string; out: { ok: boolean; result: unknown } };
}

describe('the figures worker bundle', () => {
  it('is built with the command line, loaded by bin/figures-worker.mjs while fresh, and computes what the sources compute', async () => {
    const built = await buildBundle({ root: ROOT, logLevel: 'silent' });
    // Fresh unless a source was edited during the build (then bin/figures-worker.mjs would run the sources).
    expect(built.fresh).toBe(true);
    expect(bundleIsFresh(ROOT)).toBe(true);
    const bundled = unitInChild({});
    expect(bundled.loadedFrom).toBe('bundle');
    expect(bundled.out.ok).toBe(true);
    const sources = unitInChild({ STRATA_NO_BUNDLE: '1' });
    expect(sources.loadedFrom).toBe('sources');
    expect(bundled.out).toEqual(sources.out);
  }, 120_000);
});
