import { describe, it, expect, afterEach, vi } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderDramReport, renderFigureData, renderRunReport, reportCommand } from '../../src/cli/report.ts';
import { main } from '../../src/cli/main.ts';
import { haveChromium } from '../../viz/png.ts';
import { reportFailure as failure, runReport as run, tempDir } from '../viz/harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURE = join(ROOT, 'test/fixtures/reports/hbm2-mixed-2000.json');
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8'));

const dir = tempDir('strata-report-');
afterEach(() => vi.restoreAllMocks());

/** Runs the command with --png (a promise) with console.log captured. */
async function runAsync(argv: string[]): Promise<{ code: number; out: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const code = await reportCommand(argv);
  return { code, out: log.mock.calls.map((c) => c.join(' ')).join('\n') };
}

function writeJson(name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
}

const CHART_FILES = [
  'channel-bandwidth.svg', 'bandwidth-time.svg', 'command-counts.svg', 'energy-breakdown.svg', 'bank-activity.svg',
  'bank-column-commands.svg', 'bank-states.svg', 'read-latency.svg',
];

describe('strata report RUN.json --out DIR', () => {
  it('writes one SVG per chart and report.html, and prints their paths, the HTML report last', () => {
    const out = join(dir, 'good', 'nested'); // does not exist yet
    const r = run([FIXTURE, '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([...CHART_FILES, 'report.html'].sort());
    const lines = r.out.split('\n');
    expect(lines).toHaveLength(9);
    expect(lines.at(-1)).toBe(`HTML report: ${join(out, 'report.html')}`);
    for (const f of CHART_FILES) expect(lines).toContain(`chart: ${join(out, f)}`);
    expect(readFileSync(join(out, 'channel-bandwidth.svg'), 'utf8')).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(readdirSync(out).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('a report written before the time series (no bandwidthSeries, no bankStates) renders the six charts it has data for', () => {
    const { bandwidthSeries: _s, bankStates: _b, ...old } = fixture;
    const out = join(dir, 'old-report');
    expect(run([writeJson('before-series.json', old), '--out', out]).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([...CHART_FILES.filter((f) => f !== 'bandwidth-time.svg' && f !== 'bank-states.svg'), 'report.html'].sort());
  });

  it('--png: a PNG of every chart beside its SVG (twice its size); without chromium, skipped with a message', async () => {
    const missing = join(dir, 'png-missing');
    const old = process.env.STRATA_CHROMIUM;
    process.env.STRATA_CHROMIUM = '/nonexistent/chromium';
    try {
      const r = await runAsync([FIXTURE, '--out', missing, '--png']);
      expect(r.code).toBe(0);
      expect(r.out.split('\n')[0]).toMatch(/^png: skipped, no chromium at \/nonexistent\/chromium/);
      expect(readdirSync(missing).some((f) => f.endsWith('.png'))).toBe(false);
    } finally {
      if (old === undefined) delete process.env.STRATA_CHROMIUM;
      else process.env.STRATA_CHROMIUM = old;
    }
    if (!haveChromium()) {
      console.warn('report --png with chromium SKIPPED: /usr/bin/chromium is absent');
      return;
    }
    const out = join(dir, 'png');
    const r = await runAsync([FIXTURE, '--out', out, '--png']);
    expect(r.code).toBe(0);
    const pngs = CHART_FILES.map((f) => f.replace(/\.svg$/, '.png'));
    expect(readdirSync(out).sort()).toEqual([...CHART_FILES, ...pngs, 'report.html'].sort());
    for (const p of pngs) expect(r.out).toContain(`png: ${join(out, p)}`);
    const png = readFileSync(join(out, 'bandwidth-time.png'));
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    // IHDR: the SVG is 640 x 400 px, drawn at 2 device pixels per px
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 800]);
    // through the command line: main returns the promise, and a user error still becomes exit code 2
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    process.env.STRATA_CHROMIUM = '/bin/true';
    try {
      expect(await main(['report', FIXTURE, '--out', join(dir, 'png-broken'), '--png'])).toBe(2);
    } finally {
      if (old === undefined) delete process.env.STRATA_CHROMIUM;
      else process.env.STRATA_CHROMIUM = old;
    }
    expect(error.mock.calls[0]![0]).toMatch(/^strata: report --png: chromium at \/bin\/true could not render the charts \(.*\); nothing was written$/);
    expect(existsSync(join(dir, 'png-broken'))).toBe(false);
  }, 60_000);

  it('renders the same files as renderDramReport (what the demo command calls)', () => {
    const out = join(dir, 'same');
    run([FIXTURE, '--out', out]);
    for (const f of renderDramReport(fixture)) expect(readFileSync(join(out, f.name), 'utf8'), f.name).toBe(f.content);
  });

  it('names the file when the schema is wrong, missing, or the JSON is bad, and writes nothing', () => {
    const out = join(dir, 'bad-out');
    const relabelled = writeJson('relabelled.json', { ...fixture, schema: 'strata.run-report/1' });
    expect(failure([relabelled, '--out', out])).toMatch(new RegExp(`^${relabelled}: field 'system': expected an object, found nothing\n`));
    const old = writeJson('old.json', { ...fixture, schema: 'strata.dram-report/0' });
    expect(failure([old, '--out', out])).toMatch(new RegExp(`^${old}: field 'schema' is 'strata.dram-report/0': a different version`));
    const none = writeJson('none.json', { hello: 1 });
    expect(failure([none, '--out', out])).toMatch(new RegExp(`^${none}: not a Strata report \\(no 'schema' field; expected one of 'strata.dram-report/1', 'strata.run-report/1', 'strata.figure-data/1'`));
    const bad = writeJson('bad.json', '{"schema": ');
    expect(failure([bad, '--out', out])).toMatch(new RegExp(`^${bad}: not valid JSON \\(`));
    const array = writeJson('array.json', [1, 2]);
    expect(failure([array, '--out', out])).toBe(`${array}: expected a JSON object at the top level, found an array`);
    expect(failure([join(dir, 'missing.json'), '--out', out])).toBe(`cannot read report '${join(dir, 'missing.json')}': no such file`);
    expect(existsSync(out)).toBe(false);
  });

  it('names the field when a report misses one or breaks the schema', () => {
    const { banks: _banks, ...noBanks } = fixture;
    const p = writeJson('nobanks.json', noBanks);
    expect(failure([p, '--out', join(dir, 'x')])).toBe(`${p}: field 'banks': expected an array, found nothing`);
    const badBank = structuredClone(fixture);
    badBank.banks[5].activeFraction = 1.5;
    const q = writeJson('badbank.json', badBank);
    expect(failure([q, '--out', join(dir, 'x')])).toBe(`${q}: field 'banks[5].activeFraction': expected a number from 0 to 1, found 1.5`);
    const extra = writeJson('extra.json', { ...fixture, comment: 'hand-edited' });
    expect(failure([extra, '--out', join(dir, 'x')])).toMatch(new RegExp(`^${extra}: field 'comment': unknown field \\(known fields here: schema, standard, `));
  });

  it('asks for the report file and --out', () => {
    expect(failure(['--out', dir])).toMatch(/^report: no report file given \('strata help report' shows the usage\)$/);
    expect(failure([FIXTURE])).toMatch(/^report: --out DIR is required/);
    // several files are a serving sweep: each must be a serving report
    expect(failure([FIXTURE, FIXTURE, '--out', dir])).toMatch(/several report files make a serving sweep, so each must be a serving report .*this one is 'strata.dram-report\/1'$/);
    expect(failure([FIXTURE, '--out', dir, '--bogus'])).toMatch(/^report: Unknown option '--bogus'/);
    expect(failure([FIXTURE, '--out', dir, '--csv=yes'])).toMatch(/^report: Option '--csv' does not take an argument/);
  });

  it('--csv: writes the DRAM report\'s CSV exports beside the charts; the HTML report is still printed last', () => {
    const out = join(dir, 'with-csv');
    const r = run([FIXTURE, '--out', out, '--csv']);
    expect(r.code).toBe(0);
    const csv = ['commands.csv', 'energy.csv', 'channels.csv', 'banks.csv', 'bandwidth.csv', 'bank-states.csv'];
    expect(readdirSync(out).sort()).toEqual([...CHART_FILES, ...csv, 'report.html'].sort());
    const lines = r.out.split('\n');
    expect(lines).toHaveLength(15);
    expect(lines.at(-1)).toBe(`HTML report: ${join(out, 'report.html')}`);
    for (const f of csv) expect(lines).toContain(`csv: ${join(out, f)}`);
    expect(readFileSync(join(out, 'banks.csv'), 'utf8').split('\n')).toHaveLength(1 + 128 + 1); // header, 128 banks, final newline
  });

  it('a run report: the device timeline, the time by op kind and report.html; --csv adds its steps and ops', () => {
    const runJson = join(dir, 'run-report.json');
    expect(main(['run', '--system', 'gpu-a100', '--model', 'gpt2-small', '--phase', 'decode', '--context', '100', '--tokens', '2', '--out', runJson, '--quiet'])).toBe(0);
    const charts = join(dir, 'run-charts');
    const plain = run([runJson, '--out', charts]);
    vi.restoreAllMocks(); // a fresh console.log spy for the second run
    expect(plain.out).toBe(`chart: ${join(charts, 'device-timeline.svg')}\nchart: ${join(charts, 'op-kind-breakdown.svg')}\nHTML report: ${join(charts, 'report.html')}`);
    const saved = JSON.parse(readFileSync(runJson, 'utf8'));
    for (const f of renderRunReport(saved)) expect(readFileSync(join(charts, f.name), 'utf8'), f.name).toBe(f.content);
    const out = join(dir, 'run-csv');
    const r = run([runJson, '--out', out, '--csv']);
    expect(r.out).toBe(`chart: ${join(out, 'device-timeline.svg')}\nchart: ${join(out, 'op-kind-breakdown.svg')}\ncsv: ${join(out, 'steps.csv')}\ncsv: ${join(out, 'ops.csv')}\nHTML report: ${join(out, 'report.html')}`);
    expect(readFileSync(join(out, 'steps.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(1 + 2);
    expect(readFileSync(join(out, 'ops.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(1 + 147); // the first step's ops
  });

  it('a figure-data file of strata figures: its charts, its Markdown tables and its CSVs (with or without --csv)', () => {
    const data = join(ROOT, 'test/fixtures/reports/figure-data-pim-gpt.json');
    const out = join(dir, 'figure-data');
    const r = run([data, '--out', out]);
    const names = ['pim-gpt-speedup.svg', 'pim-gpt-energy-efficiency.svg', 'pim-gpt-latency-breakdown.svg', 'pim-gpt-energy-breakdown.svg', 'pim-gpt.md', 'pim-gpt-pim.csv', 'pim-gpt-baselines.csv', 'pim-gpt-latency-breakdown.csv', 'pim-gpt-energy-breakdown.csv', 'pim-gpt-token-gantt.svg', 'pim-gpt-token-timeline.csv'];
    expect(readdirSync(out).sort()).toEqual([...names].sort());
    expect(r.out.split('\n')).toContain(`table: ${join(out, 'pim-gpt.md')}`);
    for (const f of renderFigureData(JSON.parse(readFileSync(data, 'utf8')))) expect(readFileSync(join(out, f.name), 'utf8'), f.name).toBe(f.content);
  });
});

describe('strata report: a run report whose timeline contradicts itself', () => {
  const saved = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/gpt2-small-prefill-t4.json'), 'utf8'));

  it('an op ending before it starts, an op of a step the report does not have, or no ops is one user error naming the field', () => {
    const out = join(dir, 'run-bad');
    const backwards = structuredClone(saved);
    backwards.timeline.ops[3].endNs = backwards.timeline.ops[3].startNs - 1;
    const b = writeJson('backwards.json', backwards);
    expect(failure([b, '--out', out])).toBe(`${b}: field 'timeline.ops[3].endNs': expected at least startNs (${backwards.timeline.ops[3].startNs}), found ${backwards.timeline.ops[3].endNs}`);
    const stray = structuredClone(saved);
    stray.timeline.ops[0].step = 7;
    const st = writeJson('stray-step.json', stray);
    expect(failure([st, '--out', out])).toMatch(new RegExp(`^${st}: field 'timeline.ops\\[0\\].step': expected the index of one of the report's ${saved.steps.length} step`));
    const empty = structuredClone(saved);
    empty.timeline.ops = [];
    const e = writeJson('no-ops.json', empty);
    expect(failure([e, '--out', out])).toBe(`${e}: field 'timeline.ops': expected the ops of at least the first step, found none`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('strata report: a figure-data file that follows the schema but does not draw', () => {
  const data = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/figure-data-peak-bandwidth.json'), 'utf8'));

  it('an unknown figure set, a missing table or a missing column is one user error naming the file, and nothing is written', () => {
    const out = join(dir, 'figure-bad');
    const unknown = writeJson('nosuch-figure.json', { ...data, figure: 'nosuch' });
    expect(failure([unknown, '--out', out])).toMatch(new RegExp(`^${unknown}: field 'figure': unknown figure set 'nosuch' \\(known: pim-gpt, .*peak-bandwidth`));
    const renamedTable = structuredClone(data);
    renamedTable.tables[0].name = 'other';
    const t = writeJson('renamed-table.json', renamedTable);
    expect(failure([t, '--out', out])).toBe(`${t}: figure data 'peak-bandwidth' has no table 'peak' (tables: other)`);
    const renamedColumn = structuredClone(data);
    renamedColumn.tables[0].columns[2].name = 'achieved';
    const c = writeJson('renamed-column.json', renamedColumn);
    expect(failure([c, '--out', out])).toMatch(new RegExp(`^${c}: figure table 'peak' has no column 'achievedGBps'`));
    const text = structuredClone(data);
    text.tables[0].rows[0][2] = 'x';
    const x = writeJson('text-in-number.json', text);
    expect(failure([x, '--out', out])).toBe(`${x}: field 'tables[0].rows[0][2]': column 'achievedGBps' of table 'peak' is in GB/s, so expected a number or null, found "x"`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('--csv DIR on strata run and strata dram', () => {
  it('strata run writes steps.csv and ops.csv with the report, and prints every file written', () => {
    const csvDir = join(dir, 'run-dir');
    const json = join(dir, 'run-dir.json');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(main(['run', '--system', 'gpu-a100', '--model', 'gpt2-small', '--phase', 'decode', '--context', '100', '--tokens', '2', '--timeline', 'all', '--out', json, '--csv', csvDir])).toBe(0);
    const out = log.mock.calls.map((c) => c.join(' ')).join('\n');
    expect(out).toContain(`  wrote              ${json}\n  wrote              ${join(csvDir, 'steps.csv')}\n  wrote              ${join(csvDir, 'ops.csv')}`);
    expect(readdirSync(csvDir).sort()).toEqual(['ops.csv', 'steps.csv']);
    expect(readFileSync(join(csvDir, 'ops.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(1 + 2 * 147); // --timeline all
    // the same files as strata report --csv on the saved report
    const again = join(dir, 'run-dir-again');
    run([json, '--out', again, '--csv']);
    for (const f of ['steps.csv', 'ops.csv']) expect(readFileSync(join(again, f), 'utf8'), f).toBe(readFileSync(join(csvDir, f), 'utf8'));
  });

  it('strata dram writes the six DRAM exports; --csv without a directory is refused', () => {
    const csvDir = join(dir, 'dram-dir');
    vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(main(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--requests', '800', '--csv', csvDir, '--quiet'])).toBe(0);
    expect(readdirSync(csvDir).sort()).toEqual(['bandwidth.csv', 'bank-states.csv', 'banks.csv', 'channels.csv', 'commands.csv', 'energy.csv']);
    // a stream of 800 reads spreads evenly: 100 per channel
    const channels = readFileSync(join(csvDir, 'channels.csv'), 'utf8').trimEnd().split('\n').slice(1);
    expect(channels.map((l) => l.split(',')[1])).toEqual(new Array(8).fill('100'));
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(main(['run', '--system', 'gpu-a100', '--model', 'gpt2-small', '--phase', 'decode', '--context', '8', '--csv', ''])).toBe(2);
    expect(error.mock.calls[0]![0]).toBe("strata: run: --csv: expected a value, got ''");
    expect(main(['dram', '--spec', 'hbm2', '--pattern', 'stream', '--csv'])).toBe(2);
    expect(error.mock.calls[1]![0]).toMatch(/^strata: dram: Option '--csv <value>' argument missing/);
  });
});
