import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonFileNames } from '../../src/spec/json-file.ts';
import { SYSTEMS_DIR } from '../../src/systems/presets.ts';
import { runMain } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-system-flag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A one-line user error, exit code 2. */
function userError(argv: string[]): string {
  const r = runMain(argv);
  expect(r.code, r.out).toBe(2);
  expect(r.err.split('\n')).toHaveLength(1);
  return r.err;
}

const MIXTRAL = ['--model', 'mixtral-8x7b', '--phase', 'decode', '--batch', '32', '--context', '1024'];
const SMALL = ['--model', 'gpt2-small', '--phase', 'decode', '--context', '64'];

describe('--system NAME alone picks the family and its policy (Strata issue #15)', () => {
  it('strata run --system duplex runs the Duplex policy: the same summary and report as --policy duplex', () => {
    const alone = runMain(['run', '--system', 'duplex', ...MIXTRAL, '--out', join(dir, 'alone.json')]);
    const both = runMain(['run', '--policy', 'duplex', '--system', 'duplex', ...MIXTRAL, '--out', join(dir, 'both.json')]);
    expect(alone.err).toBe('');
    expect(alone.code).toBe(0);
    // 2 x H100 + logic-PIM: the Duplex co-processing header, not the roofline one
    expect(alone.out).toMatch(/^Strata run — mixtral-8x7b decode, batch 32, context 1024, policy duplex on duplex \(2 x gpu-h100-sxm/);
    expect(alone.out.replace('alone.json', 'X')).toBe(both.out.replace('both.json', 'X'));
    const a = readFileSync(join(dir, 'alone.json'), 'utf8');
    expect(a).toBe(readFileSync(join(dir, 'both.json'), 'utf8'));
    expect(JSON.parse(a).policy).toBe('duplex');
  });

  it('every shipped preset runs with --system NAME alone on run, or gets a one-line redirect to the commands that run it', () => {
    // Written out (not read from the registry) so that a preset changing family, or the registry changing, fails here.
    const expected: Record<string, 'gpu-roofline' | 'duplex' | 'pim-gpt' | string> = {
      'cpu-xeon': 'gpu-roofline', 'gpu-a100-40gb': 'gpu-roofline', 'gpu-a100-80gb': 'gpu-roofline', 'gpu-h100-sxm': 'gpu-roofline', 'gpu-t4': 'gpu-roofline',
      duplex: 'duplex', 'duplex-gpu': 'duplex', 'bank-pim': 'duplex', 'bg-pim': 'duplex',
      'pim-gpt': 'pim-gpt',
    };
    for (const n of ['authors-naive', 'authors-npu-only', 'neupims', 'npu-only', 'npu-pim-blocked']) {
      expected[n] = `strata: run: '${n}' is a NeuPIMs-family system, which strata run does not run; use strata serve --system ${n} or strata compile --system ${n}`;
    }
    expect(Object.keys(expected).sort()).toEqual(jsonFileNames(SYSTEMS_DIR));
    for (const [name, want] of Object.entries(expected)) {
      const r = runMain(['run', '--system', name, ...SMALL, '--out', join(dir, `${name}.json`)]);
      if (want === 'gpu-roofline' || want === 'duplex' || want === 'pim-gpt') {
        expect(r.code, `${name}: ${r.err}`).toBe(0);
        const report = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
        expect(report.policy, name).toBe(want);
        expect(report.system.name, name).toBe(name);
      } else {
        expect(userError(['run', '--system', name, ...SMALL]), name).toBe(want);
      }
    }
  });

  it('a --policy that contradicts the system family is refused with one line, on run as on compile', () => {
    const duplexSystems = 'bank-pim, bg-pim, duplex, duplex-gpu';
    const baselines = 'cpu-xeon, gpu-a100, gpu-a100-40gb, gpu-a100-80gb, gpu-h100-sxm, gpu-t4';
    expect(userError(['run', '--policy', 'gpu-roofline', '--system', 'duplex', ...SMALL])).toBe(`strata: system 'duplex' is for policy duplex, not gpu-roofline (systems for gpu-roofline: ${baselines})`);
    expect(userError(['run', '--policy', 'duplex', '--system', 'gpu-a100', ...SMALL])).toBe(`strata: system 'gpu-a100' is for policy gpu-roofline, not duplex (systems for duplex: ${duplexSystems})`);
    expect(userError(['compile', '--policy', 'gpu-roofline', '--system', 'duplex-gpu', ...SMALL])).toBe(`strata: system 'duplex-gpu' is for policy duplex, not gpu-roofline (systems for gpu-roofline: ${baselines})`);
    // A path says its family in its file, as a shipped name does
    expect(userError(['run', '--policy', 'gpu-roofline', '--system', 'arch/systems/bank-pim.json', ...SMALL])).toMatch(/^strata: system 'arch\/systems\/bank-pim\.json' is for policy duplex, not gpu-roofline/);
    expect(userError(['run', '--policy', 'duplex', '--system', 'arch/systems/gpu-t4.json', ...SMALL])).toBe(`strata: system 'arch/systems/gpu-t4.json' is for policy gpu-roofline, not duplex (systems for duplex: ${duplexSystems})`);
    // A policy run has no report for, named before the system
    expect(userError(['run', '--policy', 'neupims', '--system', 'neupims', ...SMALL])).toBe("strata: run: --policy: expected gpu-roofline, pim-gpt or duplex, got 'neupims'");
  });

  it("flags of the other family's run are refused naming both ways of picking it", () => {
    expect(userError(['run', '--system', 'gpu-a100', '--devices', '2', ...SMALL])).toBe('strata: run: --devices applies to --policy duplex (a Duplex-family --system such as duplex)');
    const trace = join(dir, 'small.jsonl');
    expect(runMain(['compile', '--system', 'gpu-a100', ...SMALL, '--out', trace, '--quiet']).code).toBe(0);
    expect(userError(['run', '--trace', trace, '--system', 'duplex-gpu'])).toBe('strata: run: --trace is not available with --policy duplex or a Duplex-family --system (it times gpu-roofline traces); give --model, --phase and --context');
  });

  it('a path to a Duplex-family preset runs the Duplex policy too', () => {
    const r = runMain(['run', '--system', 'arch/systems/bank-pim.json', ...SMALL]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^Strata run — gpt2-small decode, batch 1, context 64, policy duplex on bank-pim /);
  });

  it('strata compile --system NAME alone maps with the family policy: the same trace as --policy', () => {
    const alone = runMain(['compile', '--system', 'neupims', ...SMALL, '--out', join(dir, 'alone.jsonl'), '--quiet']);
    const both = runMain(['compile', '--system', 'neupims', '--policy', 'neupims', ...SMALL, '--out', join(dir, 'both.jsonl'), '--quiet']);
    expect([alone.code, alone.err, both.code]).toEqual([0, '', 0]);
    const trace = readFileSync(join(dir, 'alone.jsonl'), 'utf8');
    expect(trace).toBe(readFileSync(join(dir, 'both.jsonl'), 'utf8'));
    expect(JSON.parse(trace.split('\n')[0]!).policy).toBe('neupims');
    // An NPU of arch/npu is no system family, but only npu-only maps onto it
    expect(runMain(['compile', '--system', 'neupims-npu', ...SMALL]).out).toMatch(/^Strata compile — gpt2-small decode, batch 1, context 64, policy npu-only on neupims-npu\n/);
    expect(userError(['compile', '--system', 'tpu', ...SMALL])).toBe('strata: compile: --policy is required unless --system names a shipped system (known: gpu-roofline, npu-only, pim-gpt, duplex, neupims)');
  });

  it('pim generate redirects a family it does not run in one line (serve now runs every family)', () => {
    expect(userError(['pim', 'generate', '--model', 'gpt2-xl', '--system', 'duplex']))
      .toBe("strata: pim generate: 'duplex' is a Duplex-family system, which strata pim generate does not run; use strata run --system duplex, strata serve --system duplex or strata compile --system duplex");
  });
});
