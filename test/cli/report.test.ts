import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderDramReport, reportCommand } from '../../src/cli/report.ts';
import { StrataError } from '../../src/spec/errors.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURE = join(ROOT, 'test/fixtures/reports/hbm2-mixed-2000.json');
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8'));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-report-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs the command with console.log captured. */
function run(argv: string[]): { code: number; out: string } {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const code = reportCommand(argv);
  return { code, out: log.mock.calls.map((c) => c.join(' ')).join('\n') };
}

/** The message of the StrataError the command throws (main prints it as `strata: …`, exit 2). */
function failure(argv: string[]): string {
  try {
    run(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return (e as Error).message;
  }
  throw new Error('expected a StrataError');
}

function writeJson(name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
}

const CHART_FILES = ['channel-bandwidth.svg', 'command-counts.svg', 'energy-breakdown.svg', 'bank-activity.svg', 'bank-column-commands.svg', 'read-latency.svg'];

describe('strata report RUN.json --out DIR', () => {
  it('writes one SVG per chart and report.html, and prints their paths, the HTML report last', () => {
    const out = join(dir, 'good', 'nested'); // does not exist yet
    const r = run([FIXTURE, '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([...CHART_FILES, 'report.html'].sort());
    const lines = r.out.split('\n');
    expect(lines).toHaveLength(7);
    expect(lines.at(-1)).toBe(`HTML report: ${join(out, 'report.html')}`);
    for (const f of CHART_FILES) expect(lines).toContain(`chart: ${join(out, f)}`);
    expect(readFileSync(join(out, 'channel-bandwidth.svg'), 'utf8')).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(readdirSync(out).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('renders the same files as renderDramReport (what the demo command calls)', () => {
    const out = join(dir, 'same');
    run([FIXTURE, '--out', out]);
    for (const f of renderDramReport(fixture)) expect(readFileSync(join(out, f.name), 'utf8'), f.name).toBe(f.content);
  });

  it('names the file when the schema is wrong, missing, or the JSON is bad, and writes nothing', () => {
    const out = join(dir, 'bad-out');
    const other = writeJson('run.json', { ...fixture, schema: 'strata.run-report/1' });
    expect(failure([other, '--out', out])).toBe(`${other}: field 'schema' is 'strata.run-report/1': this command renders DRAM reports ('strata.dram-report/1')`);
    const old = writeJson('old.json', { ...fixture, schema: 'strata.dram-report/0' });
    expect(failure([old, '--out', out])).toMatch(new RegExp(`^${old}: field 'schema' is 'strata.dram-report/0': a different version`));
    const none = writeJson('none.json', { hello: 1 });
    expect(failure([none, '--out', out])).toBe(`${none}: not a Strata report (no 'schema' field; expected 'strata.dram-report/1')`);
    const bad = writeJson('bad.json', '{"schema": ');
    expect(failure([bad, '--out', out])).toMatch(new RegExp(`^${bad}: not valid JSON \\(`));
    const array = writeJson('array.json', [1, 2]);
    expect(failure([array, '--out', out])).toBe(`${array}: expected a JSON object at the top level, found an array`);
    expect(failure([join(dir, 'missing.json'), '--out', out])).toBe(`cannot read report '${join(dir, 'missing.json')}': no such file`);
    expect(existsSync(out)).toBe(false);
  });

  it('names the field when a report misses one the charts need', () => {
    const { banks: _banks, ...noBanks } = fixture;
    const p = writeJson('nobanks.json', noBanks);
    expect(failure([p, '--out', join(dir, 'x')])).toBe(`${p}: field 'banks': expected an array, found nothing`);
    const badBank = structuredClone(fixture);
    badBank.banks[5].activeFraction = 1.5;
    const q = writeJson('badbank.json', badBank);
    expect(failure([q, '--out', join(dir, 'x')])).toBe(`${q}: field 'banks[5].activeFraction': expected a number <= 1, found 1.5`);
  });

  it('asks for the report file and --out', () => {
    expect(failure(['--out', dir])).toMatch(/^report: no report file given\nusage: strata report RUN.json --out DIR/);
    expect(failure([FIXTURE])).toMatch(/^report: --out DIR is required/);
    expect(failure([FIXTURE, FIXTURE, '--out', dir])).toMatch(/^report: expected one report file, got 2/);
    expect(failure([FIXTURE, '--out', dir, '--bogus'])).toMatch(/^report: Unknown option '--bogus'/);
  });
});
