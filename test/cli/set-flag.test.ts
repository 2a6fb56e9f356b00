import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseSetFlags } from '../../src/spec/set-overrides.ts';
import { runMain } from '../helpers.ts';

/*
 * --set path=value (issue #16 item 1): a run with --set must equal the run on a copy of the specs with that value
 * written in, the shipped files must not change, and every bad path or value must be one line before anything runs.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'strata-set-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in-process with stderr captured as well (the --set notes go there). */
function run(argv: string[]) {
  const writes: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    writes.push(String(s));
    return true;
  });
  try {
    const r = runMain(argv);
    return { ...r, notes: writes.join('') };
  } finally {
    spy.mockRestore();
  }
}

/** A copy of a JSON file with `edit` applied, written into the temporary folder. */
function copyWith(file: string, name: string, edit: (j: Record<string, any>) => void): string {
  const j = JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
  edit(j);
  const out = join(dir, name);
  writeFileSync(out, JSON.stringify(j));
  return out;
}

describe('--set', () => {
  it('PIM-GPT: pim.unit.macsPerBank=32 runs exactly as a copied AiM spec with 32 MAC lanes, and says what it set', () => {
    const aim = copyWith('arch/pim/aim.json', 'aim32.json', (j) => { j.unit.macsPerBank = 32; });
    const system = copyWith('arch/systems/pim-gpt.json', 'pim-gpt-aim32.json', (j) => { j.pim = aim; });
    const args = ['pim', 'generate', '--model', 'gpt2-small', '--tokens', '2', '--prompt', '4'];
    const shipped = run(args);
    const set = run([...args, '--set', 'pim.unit.macsPerBank=32']);
    const copied = run([...args, '--system', system]);
    expect(set.code).toBe(0);
    expect(set.notes).toBe("strata: --set pim.unit.macsPerBank=32: arch/pim/aim.json field 'unit.macsPerBank' = 32\n");
    const body = (out: string) => out.split('\n').slice(1).join('\n'); // the first line names the system file
    expect(body(set.out)).toBe(body(copied.out));
    expect(body(set.out)).not.toBe(body(shipped.out));
    // scoped: the next run without --set is the shipped one again, and the shipped file is unchanged
    expect(run(args).out).toBe(shipped.out);
    expect(JSON.parse(readFileSync(join(ROOT, 'arch/pim/aim.json'), 'utf8')).unit.macsPerBank).toBe(16);
  });

  it('DRAM: a timing of the --spec standard, through the references of a PIM spec too (pim.base -> gddr6)', () => {
    const args = ['dram', '--spec', 'hbm2', '--pattern', 'random', '--requests', '3000', '--quiet', '--out', join(dir, 'a.json')];
    expect(run([...args, '--set', 'timing.tRCDRD=20', '--set=timing.tRCDWR=20']).code).toBe(0);
    const copy = copyWith('arch/dram/hbm2.json', 'hbm2-rcd20.json', (j) => { j.timing.tRCDRD = 20; j.timing.tRCDWR = 20; j.rules = j.rules; });
    // the copy lives elsewhere, so its constraint-table names resolve the same (they are names, not paths)
    expect(run([...args.slice(0, 2), copy, ...args.slice(3, -1), join(dir, 'b.json')]).code).toBe(0);
    const strip = (f: string) => { const r = JSON.parse(readFileSync(join(dir, f), 'utf8')); delete r.standard; delete r.spec; return JSON.stringify(r.requests) + JSON.stringify(r.commands) + JSON.stringify(r.readLatency); };
    expect(strip('a.json')).toBe(strip('b.json'));
    const notes = run(['pim', 'generate', '--model', 'gpt2-small', '--tokens', '1', '--prompt', '2', '--set', 'pim.base.timing.tRP=30']).notes;
    expect(notes).toBe("strata: --set pim.base.timing.tRP=30: arch/dram/gddr6.json field 'timing.tRP' = 30\n");
  });

  it('follows a system to its PIM spec and to the model file (model.)', () => {
    const r = run(['run', '--system', 'duplex', '--model', 'mixtral-8x7b', '--phase', 'decode', '--batch', '8', '--context', '256', '--set', 'pim.spec.compute.macsPerCyclePerChannel=64', '--set', 'model.layers=16']);
    expect(r.err).toBe('');
    expect(r.notes).toMatch(/^strata: --set pim\.spec\.compute\.macsPerCyclePerChannel=64: arch\/pim\/logic-pim\.json field 'compute\.macsPerCyclePerChannel' = 64\n/m);
    expect(r.notes).toMatch(/workloads\/models\/mixtral-8x7b\.json field 'layers' = 16/);
  });

  it('refuses, in one line and before running, a path or value that does not fit', () => {
    const gen = ['pim', 'generate', '--model', 'gpt2-small', '--tokens', '1'];
    const cases: Array<[string[], RegExp]> = [
      [[...gen, '--set', 'pim.unit.nope=3'], /^strata: --set pim\.unit\.nope=3: 'nope' is not a field of 'unit' of arch\/pim\/aim\.json \(expected one of macsPerBank, /],
      [[...gen, '--set', 'pim.unit.macsPerBank=abc'], /^strata: --set pim\.unit\.macsPerBank=abc: 'unit\.macsPerBank' of arch\/pim\/aim\.json is a number \(16\); got a string \("abc"\)$/],
      [[...gen, '--set', 'pim.unit=3'], /is a section, not a value \(set one of its fields: macsPerBank, /],
      [[...gen, '--set', 'pim.unit.macsPerBank'], /^strata: --set 'pim\.unit\.macsPerBank': expected path=value/],
      [['run', '--policy', 'duplex', '--model', 'gpt2-small', '--phase', 'decode', '--context', '8', '--set', 'x=1'], /^strata: run: --set needs --system NAME/],
      [['dram', '--spec', 'my.ini', '--pattern', 'random', '--set', 'timing.tRP=1'], /^strata: --set: applies to JSON specs; 'my\.ini' is a DRAMsim3 \.ini/],
      [['validate', 'gpu', '--set', 'x=1'], /^strata: validate: --set needs --system NAME here \(validate reads many presets/],
      [['validate', 'pim-gpt', '--system', 'pim-gpt', '--set', 'pim.unit.nope=3'], /^strata: --set pim\.unit\.nope=3: 'nope' is not a field of 'unit' of arch\/pim\/aim\.json/],
      [['figures', '--only', 'pim-gpt', '--set', 'pim.unit.macsPerBank=32'], /^strata: figures: --set needs --system NAME here/],
      [['figures', '--system', 'pim-gpt', '--set', 'pim.unit.macsPerBank=abc'], /^strata: --set pim\.unit\.macsPerBank=abc: 'unit\.macsPerBank' of arch\/pim\/aim\.json is a number/],
      [['report', 'x.json', '--set', 'x=1'], /^strata: report: --set is not taken here/],
      [['dram', '--spec', 'hbm2', '--pattern', 'random', '--set'], /^strata: --set: expected path=value after it$/],
    ];
    for (const [argv, re] of cases) {
      const r = run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(re);
      expect(r.out).toBe('');
    }
  });

  it("a PIM spec's timings say their clock: another base standard is refused, never read as cycles of another clock", () => {
    const swapped = run(['pim', 'generate', '--model', 'gpt2-small', '--tokens', '1', '--set', 'pim.base=hbm3']);
    expect(swapped.code).toBe(2);
    expect(swapped.err).toMatch(/arch\/pim\/aim\.json: field 'timing\.tCKPs': expected the clock of the base standard 'hbm3' \(769 ps\), since these timings count cycles of 500 ps .*found 500$/);
    const bare = copyWith('arch/pim/aim.json', 'aim-no-clock.json', (j) => { delete j.timing.tCKPs; });
    const r = run(['pim', 'gemv', '--spec', bare, '--m', '64', '--k', '64']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/aim-no-clock\.json: field 'timing\.tCKPs': expected an integer > 0 \(field is missing\)/);
  });

  it('an alias preset name (gpu-a100, gpu-h100) is a root, as --system takes it', () => {
    const args = ['run', '--system', 'gpu-a100', '--model', 'gpt2-small', '--phase', 'decode', '--context', '8'];
    const r = run([...args, '--set', 'power.boardPowerW=300']);
    expect(r.err).toBe('');
    expect(r.notes).toBe("strata: --set power.boardPowerW=300: arch/systems/gpu-a100-40gb.json field 'power.boardPowerW' = 300\n");
    expect(run(['run', '--system', 'gpu-h100', '--model', 'gpt2-small', '--phase', 'decode', '--context', '8', '--set', 'xpu.device.power.boardPowerW=600']).notes).toMatch(/^strata: --set xpu\.device\.power\.boardPowerW=600: arch\/systems\/gpu-h100-sxm\.json field 'power\.boardPowerW' = 600/);
  });

  it('validate: --system names the root of the paths (and is taken out); the comparison runs on the changed spec', () => {
    const args = ['validate', 'pim-gpt', '--models', 'gpt2-small'];
    const shipped = run(args);
    const set = run([...args, '--system', 'pim-gpt', '--set', 'pim.unit.macsPerBank=32']);
    expect(set.code).toBe(0);
    expect(set.notes).toMatch(/^strata: --set pim\.unit\.macsPerBank=32: arch\/pim\/aim\.json field 'unit\.macsPerBank' = 32\n/);
    // Twice the MAC lanes of the shipped AiM (16): a GPT-2 small token is faster than shipped (44.65 us), not twice.
    const us = (out: string) => Number(/\| gpt2-small \| ([0-9.]+) \|/.exec(out)![1]);
    expect(us(shipped.out)).toBeCloseTo(44.7, 0);
    expect(us(set.out)).toBeLessThan(us(shipped.out) * 0.9);
    expect(us(set.out)).toBeGreaterThan(us(shipped.out) / 2);
  }, 60_000);

  it('reads values as JSON where they parse (numbers in any notation, booleans, arrays), else as strings', () => {
    expect(parseSetFlags(['a.b=1e3', 'c=true', 'd=[1,2]', 'e=hbm3', 'f="x y"']).map((s) => s.value)).toEqual([1000, true, [1, 2], 'hbm3', 'x y']);
  });
});
