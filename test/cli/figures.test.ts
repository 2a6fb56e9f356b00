import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hashInputs, sourceClosure } from '../../src/cli/figures.ts';
import { renderFigureData } from '../../src/cli/report.ts';
import type { FigureData } from '../../src/report/figure-data.ts';
import { validateReport } from '../../src/report/schema.ts';
import { figuresHtmlPage } from '../../viz/figures-page.ts';
import { haveChromium } from '../../viz/png.ts';
import { runMainAsync } from '../helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');

let dir: string;
let out: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-figures-'));
  out = join(dir, 'figures');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under the folder with the sha256 of its bytes (comparing the 3.5 MB figures.html byte by byte is slow). */
function snapshot(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = join(folder, f);
    if (statSync(p).isFile()) files.set(f, createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return files;
}

const DATA = ['dramsim3.json', 'peak-bandwidth.json', 'pim-gpt.json'];
const OUTPUTS = [
  'dramsim3.csv', 'dramsim3.md',
  'peak-bandwidth.csv', 'peak-bandwidth.md', 'peak-bandwidth.svg',
  'pim-gpt-baselines.csv', 'pim-gpt-energy-breakdown.csv', 'pim-gpt-energy-breakdown.svg', 'pim-gpt-energy-efficiency.svg',
  'pim-gpt-latency-breakdown.csv', 'pim-gpt-latency-breakdown.svg', 'pim-gpt-pim.csv', 'pim-gpt-speedup.svg', 'pim-gpt.md',
  'pim-gpt-token-timeline.csv', 'pim-gpt-token-gantt.svg',
  'figures.html', 'index.html',
];
/** One PIM-GPT model keeps the suite fast (the eight take a few seconds more). */
const FAST = ['--models', 'gpt2-small'];
/** The first three sets: the NeuPIMs and Duplex sets have their own tests below (--only). */
const FIRST = ['--only', 'dramsim3,peak-bandwidth,pim-gpt'];
/** Small NeuPIMs and Duplex subsets (a few seconds each; the defaults take about 40 s and 25 s). */
const NEUPIMS_FAST = ['--neupims-models', 'neupims-gpt3-7b', '--neupims-batches', '64,256', '--neupims-datasets', 'alpaca-like'];
/** Progress lines with their seconds replaced by T (the lines depend on the clock only through these). */
const timeless = (err: string) => err.split('\n').map((l) => l.replace(/ [\d.]+ s\b/g, ' T s'));
const DUPLEX_FAST = ['--duplex-models', 'mixtral-8x7b', '--duplex-lengths', '256:256', '--duplex-batches', '32', '--duplex-serving-models', 'mixtral-8x7b', '--duplex-serving-lengths', '256:256', '--duplex-count', '8'];

describe('strata figures', () => {
  it('first run: computes every set, writes the data files, charts and tables, with progress on stderr', async () => {
    // One thread: the progress lines come in the order of the units (on threads, in the order they finish).
    const r = await runMainAsync(['figures', '--out', out, ...FAST, ...FIRST, '--workers', '1']);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['data', ...OUTPUTS].sort());
    expect(readdirSync(join(out, 'data')).sort()).toEqual(DATA);
    expect(r.out).toMatch(new RegExp(`^dramsim3: computed 4 traces in [\\d.]+ s \\(no data file yet\\), wrote ${join(out, 'data', 'dramsim3.json')}$`, 'm'));
    expect(r.out).toMatch(/^peak-bandwidth: computed 6 presets in [\d.]+ s \(no data file yet\)/m);
    expect(r.out).toMatch(/^pim-gpt: computed 1 model and a token timeline in [\d.]+ s \(no data file yet\)/m);
    expect(r.out.split('\n').at(-1)).toBe(`figures: ${out}`);
    // not a terminal: sparse plain lines (issue #17), 4 traces + 6 presets + 1 model + 1 token timeline + 3 sets
    // rendered = 15 units: a line at each tenth of them, and one per set when its data file is written
    const progress = timeless(r.err);
    expect(progress[0]).toBe('figures: 1/15 units in T s (last: dramsim3: hbm2-8ch-stream-read)');
    expect(progress).toContain(`figures: dramsim3 done, 4 units, at T s: ${join(out, 'data', 'dramsim3.json')}`);
    expect(progress).toContain(`figures: peak-bandwidth done, 6 units, at T s: ${join(out, 'data', 'peak-bandwidth.json')}`);
    expect(progress).toContain(`figures: pim-gpt done, 2 units, at T s: ${join(out, 'data', 'pim-gpt.json')}`);
    const unitLines = progress.filter((l) => /^figures: \d+\/15 units in T s \(last: .+\)$/.test(l));
    expect(unitLines.length + 3).toBe(progress.length);
    expect(unitLines.length).toBeLessThanOrEqual(11);
    expect(progress.at(-1)).toBe('figures: 15/15 units in T s (last: pim-gpt: charts and tables)');
    // no temporary files of the atomic writer
    expect(readdirSync(out).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('index.html links every chart, table and data file written, by relative links that resolve, and loads nothing', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const hrefs = [...html.matchAll(/<a href="([^"#][^"]*)"/g)].map((m) => decodeURIComponent(m[1]!));
    const files = [...OUTPUTS.filter((f) => f !== 'index.html'), ...DATA.map((d) => `data/${d}`)];
    expect([...new Set(hrefs)].sort()).toEqual(files.sort());
    for (const h of hrefs) expect(existsSync(join(out, h)), h).toBe(true);
    // every chart also shown as a thumbnail, from the same folder
    const imgs = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    expect(imgs.sort()).toEqual(OUTPUTS.filter((f) => f.endsWith('.svg')).sort());
    // self-contained: no script, no stylesheet link, no absolute or remote URL
    expect(html).not.toMatch(/<script|<link|https?:|file:|src="\/|href="\//i);
    expect(html).toContain('<title>Strata figures</title>');
    expect(html).toContain('>PIM-GPT speed-up over GPU and CPU baselines: <a href="pim-gpt-speedup.svg">SVG</a>');
  });

  it('the data files are strata.figure-data/1 with their input hash; charts and tables are renderings of them', () => {
    for (const f of DATA) {
      const text = readFileSync(join(out, 'data', f), 'utf8');
      const data = validateReport(JSON.parse(text), f) as FigureData;
      expect(data.schema).toBe('strata.figure-data/1');
      expect(data.inputs.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(data.inputs.files).toContain('src/cli/figures.ts');
      for (const o of renderFigureData(data)) expect(readFileSync(join(out, o.name), 'utf8'), o.name).toBe(o.content);
    }
    // figures.html: the interactive page of the three sets, drawn from the same data files
    const datas = DATA.map((f) => JSON.parse(readFileSync(join(out, 'data', f), 'utf8')) as FigureData);
    expect(readFileSync(join(out, 'figures.html'), 'utf8') === figuresHtmlPage(datas)).toBe(true);
    const pim = JSON.parse(readFileSync(join(out, 'data', 'pim-gpt.json'), 'utf8')) as FigureData;
    expect(pim.parameters.models).toEqual(['gpt2-small']);
    expect(pim.inputs.files).toContain('workloads/models/gpt2-small.json');
    expect(pim.inputs.files).not.toContain('workloads/models/gpt2-xl.json');
    expect(pim.inputs.files).toContain('src/systems/pim-gpt/pim-gpt.ts');
    expect(pim.inputs.files).toContain('src/systems/pim-gpt/token-graph.ts');
    // the token timeline: the last of 64 + 4 tokens of the first model, every node on the PIM channels or the ASIC
    expect([pim.parameters.timelineModel, pim.parameters.timelinePromptTokens, pim.parameters.timelineTokens, pim.parameters.timelineContext]).toEqual(['gpt2-small', 64, 4, 67]);
    const tl = pim.tables.find((t) => t.name === 'token-timeline')!;
    expect(new Set(tl.rows.map((r) => r[0]))).toEqual(new Set(['pim', 'asic']));
    // the last result comes back within the token's latency (the link crossing after the last PIM result included)
    const lastEnd = Math.max(...tl.rows.map((r) => r[6] as number));
    expect(lastEnd).toBeLessThanOrEqual(pim.parameters.timelineTokenUs as number);
    expect(lastEnd).toBeGreaterThan(0.9 * (pim.parameters.timelineTokenUs as number));
    const dram = JSON.parse(readFileSync(join(out, 'data', 'dramsim3.json'), 'utf8')) as FigureData;
    expect(dram.inputs.files).toContain('test/fixtures/dramsim3/hbm2-8ch-random-rw.trace.gz');
    expect(dram.inputs.files).not.toContain('src/systems/pim-gpt/pim-gpt.ts'); // DRAM results do not depend on PIM code
    expect(readFileSync(join(out, 'dramsim3.md'), 'utf8')).toMatch(/^# Strata vs DRAMsim3 on the HBM2 reference traces\n/);
  });

  it('second run: reuses every data file whose inputs did not change, says so, and writes the same bytes', async () => {
    const before = snapshot(out);
    const r = await runMainAsync(['figures', '--out', out, ...FAST, ...FIRST]);
    expect(r.code).toBe(0);
    for (const set of ['dramsim3', 'peak-bandwidth', 'pim-gpt']) {
      expect(r.out).toMatch(new RegExp(`^${set}: inputs unchanged \\(sha256 [0-9a-f]{12}\\), reusing ${join(out, 'data', `${set}.json`)}$`, 'm'));
    }
    expect(r.out).not.toMatch(/computed/);
    // only the 3 renderings were left to do
    expect(timeless(r.err)).toEqual(['dramsim3', 'peak-bandwidth', 'pim-gpt'].map((s, i) => `figures: ${i + 1}/3 units in T s (last: ${s}: charts and tables)`));
    expect(snapshot(out)).toEqual(before);
  });

  it('--force recomputes (here one set, --only), and the recomputed data file is byte-identical', async () => {
    const before = readFileSync(join(out, 'data', 'pim-gpt.json'));
    const r = await runMainAsync(['figures', '--out', out, ...FAST, '--force', '--only', 'pim-gpt']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^pim-gpt: computed 1 model and a token timeline in [\d.]+ s \(--force\)/m);
    expect(r.out).not.toMatch(/dramsim3|peak-bandwidth/);
    expect(readFileSync(join(out, 'data', 'pim-gpt.json'))).toEqual(before);
  });

  it('changed inputs (other models) or a damaged data file are recomputed, saying why', async () => {
    const two = await runMainAsync(['figures', '--out', out, '--only', 'pim-gpt', '--models', 'gpt2-small,gpt3-small']);
    expect(two.out).toMatch(/^pim-gpt: computed 2 models and a token timeline in [\d.]+ s \(inputs changed\)/m);
    expect((JSON.parse(readFileSync(join(out, 'data', 'pim-gpt.json'), 'utf8')) as FigureData).parameters.models).toEqual(['gpt2-small', 'gpt3-small']);
    writeFileSync(join(out, 'data', 'peak-bandwidth.json'), '{"schema": "strata.figure-data/1"');
    const damaged = await runMainAsync(['figures', '--out', out, '--only', 'peak-bandwidth']);
    expect(damaged.out).toMatch(/^peak-bandwidth: computed 6 presets in [\d.]+ s \(the data file is unreadable \(/m);
    // An edited file whose inputs still match is recomputed too: its content no longer matches its content hash.
    const file = join(out, 'data', 'peak-bandwidth.json');
    const edited = JSON.parse(readFileSync(file, 'utf8')) as { tables: Array<{ name: string }> };
    edited.tables[0]!.name = 'other';
    writeFileSync(file, JSON.stringify(edited));
    const redrawn = await runMainAsync(['figures', '--out', out, '--only', 'peak-bandwidth']);
    expect(redrawn.code).toBe(0);
    expect(redrawn.out).toMatch(/^peak-bandwidth: computed 6 presets in [\d.]+ s \(the data file was edited after it was written: its content hash does not match\)/m);
  });

  it('--png: a PNG of every chart through chromium, twice the SVG size; skipped with a message without chromium', async () => {
    const missing = await withEnv('STRATA_CHROMIUM', '/nonexistent/chromium', () => runMainAsync(['figures', '--out', out, '--only', 'peak-bandwidth', '--png']));
    expect(missing.code).toBe(0);
    expect(missing.out).toMatch(/^png: skipped, no chromium at \/nonexistent\/chromium \(install Debian's chromium: apt-get install chromium, or set STRATA_CHROMIUM/m);
    expect(existsSync(join(out, 'peak-bandwidth.png'))).toBe(false);
    // something that is not a browser: a user error, and nothing written
    const broken = await withEnv('STRATA_CHROMIUM', '/bin/true', () => runMainAsync(['figures', '--out', out, '--only', 'peak-bandwidth', '--png']));
    expect(broken.code).toBe(2);
    expect(broken.err.split('\n').at(-1)).toMatch(/^strata: figures --png: chromium at \/bin\/true could not render the charts \(.*\); no chart or table was written \(the data files of the sets computed are kept\)$/);
    expect(existsSync(join(out, 'peak-bandwidth.png'))).toBe(false);
    if (!haveChromium()) {
      console.warn('figures --png with chromium SKIPPED: /usr/bin/chromium is absent');
      return;
    }
    const r = await runMainAsync(['figures', '--out', out, '--only', 'peak-bandwidth', '--png']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^png: 1 chart through \/usr\/bin\/chromium in [\d.]+ s$/m);
    // the index links the PNG beside its SVG
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('<a href="peak-bandwidth.png">PNG</a>');
    const png = readFileSync(join(out, 'peak-bandwidth.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // IHDR: width and height at bytes 16..23; the SVG is 720 x 340 px, drawn at 2 device pixels per px
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1440, 680]);
  }, 60_000);

  it('bad flags: one strata: line and exit 2', async () => {
    const only = await runMainAsync(['figures', '--out', out, '--only', 'newton']);
    expect(only.code).toBe(2);
    expect(only.err).toBe("strata: figures: --only: unknown 'newton' (known: dramsim3, peak-bandwidth, pim-gpt, neupims, duplex, sensitivity, sweep-pim-gpt-lanes, sweep-neupims-interleaving, sweep-duplex-opb)");
    const batches = await runMainAsync(['figures', '--out', out, '--only', 'neupims', '--neupims-batches', '64,0']);
    expect(batches.err).toBe("strata: figures: --neupims-batches: expected whole numbers >= 1, got '0'");
    const lengths = await runMainAsync(['figures', '--out', out, '--only', 'duplex', '--duplex-lengths', '256x256']);
    expect(lengths.err).toBe("strata: figures: --duplex-lengths: expected IN:OUT pairs of whole numbers from 1 to 100,000 (256:256,1024:1024), got '256x256'");
    const dm = await runMainAsync(['figures', '--out', out, '--only', 'duplex', '--duplex-models', 'gpt5']);
    expect(dm.err).toMatch(/^strata: figures: --duplex-models: unknown model 'gpt5' \(known: .*mixtral-8x7b/);
    const ds = await runMainAsync(['figures', '--out', out, '--only', 'neupims', '--neupims-datasets', 'sharegpt']);
    expect(ds.err).toBe("strata: figures: --neupims-datasets: unknown 'sharegpt' (known: sharegpt-like, alpaca-like)");
    const models = await runMainAsync(['figures', '--out', out, '--models', 'gpt5']);
    expect(models.err).toBe("strata: figures: --models: unknown model 'gpt5' (PIM-GPT's models: gpt2-small, gpt2-medium, gpt2-large, gpt2-xl, gpt3-small, gpt3-medium, gpt3-large, gpt3-xl; any model of workloads/models works)");
    const flag = await runMainAsync(['figures', '--bogus']);
    expect(flag.err).toMatch(/^strata: figures: Unknown option '--bogus' \(flags: --out --force --png --only --models --neupims-models .* --duplex-count --workers --quiet\)$/);
    const extra = await runMainAsync(['figures', 'now']);
    expect(extra.err).toMatch(/^strata: figures: unexpected argument 'now' \('strata help figures' shows the usage\)$/);
  });

  it('the real entry point awaits the command: a child process reuses the data and exits 0', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'figures', '--out', out, '--only', 'dramsim3'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^dramsim3: inputs unchanged/);
    expect(timeless(r.stderr)).toEqual(['figures: 1/1 units in T s (last: dramsim3: charts and tables)', '']);
    // --quiet: no progress on stderr (issue #17), the same report on stdout.
    const q = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'figures', '--out', out, '--only', 'dramsim3', '--quiet'], { cwd: ROOT, encoding: 'utf8' });
    expect(q.status).toBe(0);
    expect(q.stdout).toBe(r.stdout);
    expect(q.stderr).toBe('');
  });
});

describe('strata figures --only sensitivity', () => {
  it('draws every headline band of the PIM-GPT and Duplex comparisons over the assumptions on their paths', async () => {
    const r = await runMainAsync(['figures', '--out', out, '--only', 'sensitivity', '--models', 'gpt2-small', ...NEUPIMS_FAST.slice(0, 2), '--neupims-batches', '16', '--neupims-datasets', 'alpaca-like', '--duplex-models', 'llama3-70b', '--duplex-lengths', '256:256', '--duplex-batches', '32']);
    expect(r.code).toBe(0);
    // Sparse progress: every part of each study as shipped (the total known at the start: the first line's), then
    // every assumption they read at each end (planned from the parts' results: the total grows), then the rendering.
    const lines = timeless(r.err);
    const atStart = Number(/^figures: 1\/(\d+) units/.exec(lines[0]!)![1]);
    const done = lines.filter((l) => l.startsWith('figures: sensitivity done, '));
    expect(done).toHaveLength(1);
    const units = Number(/done, (\d+) units/.exec(done[0]!)![1]);
    // the second round: each assumption at its low and its high end
    const ends = units - (atStart - 1);
    expect(ends % 2).toBe(0);
    expect(ends).toBeGreaterThan(10);
    expect(lines.filter((l) => l !== done[0]).every((l) => new RegExp(`^figures: \\d+/(${atStart}|${units + 1}) units in T s \\(last: sensitivity: .+\\)$`).test(l))).toBe(true);
    expect(lines.length).toBeLessThanOrEqual(2 * 11 + 1);
    expect(lines.at(-1)).toBe(`figures: ${units + 1}/${units + 1} units in T s (last: sensitivity: charts and tables)`);
    const data = validateReport(JSON.parse(readFileSync(join(out, 'data', 'sensitivity.json'), 'utf8')), 'sensitivity.json') as FigureData;
    const bands = data.tables.find((t) => t.name === 'bands')!.rows;
    // 6 PIM-GPT headlines of one model (T4 eager and graphs, CPU eager), 6 NeuPIMs gains (GPU-only eager and graphs,
    // four NPU baselines), 6 Duplex decode headlines (best case and geometric mean over the GPU both under the serving
    // engine's charge and under the paper's setup, the authors' charge; the geometric mean over 2xGPU; the energy saving).
    expect(bands.map((b) => b[0])).toEqual([...Array(6).fill('pim-gpt'), ...Array(6).fill('neupims'), ...Array(6).fill('duplex')]);
    const duplex = bands.filter((b) => b[0] === 'duplex');
    // One case (Llama-3 70B, 256/256, batch 32), so best case and geometric mean agree. The paper's setup is wider:
    // without the GPU's kernel floors the Logic-PIM clock (385-1538 ps, an assumption) is a larger share of the ratio.
    expect(duplex.map((b) => [b[1], ...[b[3], b[4], b[5]].map((v) => (v as number).toFixed(2))])).toEqual([
      ['Duplex / GPU decode throughput, best case', '0.64', '1.07', '1.61'],
      ['Duplex / GPU decode throughput, geometric mean', '0.64', '1.07', '1.61'],
      ['Duplex / 2xGPU decode throughput, geometric mean', '0.41', '0.69', '1.04'],
      ["Duplex / GPU decode throughput, best case, the paper's setup (authors' charge)", '0.57', '1.06', '1.88'],
      ["Duplex / GPU decode throughput, geometric mean, the paper's setup (authors' charge)", '0.57', '1.06', '1.88'],
      ['energy per token, Duplex vs GPU, mean saving (fraction)', '-0.64', '-0.01', '0.31'],
    ]);
    for (const [, , , low, shipped, high] of bands) expect((low as number) <= (shipped as number) && (shipped as number) <= (high as number)).toBe(true);
    // GPT-2 small on the T4 is launch-bound under the eager profile (docs/baselines.md), so the host's launch time
    // per kernel (10-25 us, an assumption off our H100's host) moves the PIM-GPT speed-up most.
    expect(bands[0]!.slice(1, 2)).toEqual(['gpt2-small speed-up vs T4 eager']);
    expect(bands[0]![6]).toBe('arch/systems/gpu-t4.json: software.profiles.eager.launchNs');
    expect(existsSync(join(out, 'sensitivity-bands.svg'))).toBe(true);
  }, 360_000);
});

describe('strata figures --only neupims / duplex', () => {
  it('NeuPIMs: computes the cases and the utilisation run, writes its charts, tables and CSVs; a rerun reuses it', async () => {
    const r = await runMainAsync(['figures', '--out', out, '--only', 'neupims', ...NEUPIMS_FAST, '--workers', '1']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^neupims: computed 2 cases and a utilisation run in [\d.]+ s \(no data file yet\)/m);
    expect(timeless(r.err)).toEqual([
      'figures: 1/4 units in T s (last: neupims: neupims-gpt3-7b alpaca-like batch 64)',
      'figures: 2/4 units in T s (last: neupims: neupims-gpt3-7b alpaca-like batch 256)',
      'figures: 3/4 units in T s (last: neupims: utilisation neupims-gpt3-7b batch 256)',
      `figures: neupims done, 3 units, at T s: ${join(out, 'data', 'neupims.json')}`,
      'figures: 4/4 units in T s (last: neupims: charts and tables)',
    ]);
    for (const f of ['neupims-throughput.svg', 'neupims-speedup.svg', 'neupims-interleaving.svg', 'neupims-utilisation.svg', 'neupims.md',
      'neupims-throughput.csv', 'neupims-paper.csv', 'neupims-interleaving.csv', 'neupims-utilisation.csv', 'neupims-busy-intervals.csv']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const data = validateReport(JSON.parse(readFileSync(join(out, 'data', 'neupims.json'), 'utf8')), 'neupims.json') as FigureData;
    expect(data.inputs.files).toContain('src/systems/neupims/neupims-decode.ts');
    expect(data.inputs.files).toContain('workloads/models/neupims-gpt3-7b.json');
    expect(data.inputs.files).not.toContain('src/systems/duplex/duplex-step.ts');
    // the index lists the set
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('<a href="neupims-utilisation.svg">SVG</a>');
    expect(readFileSync(join(out, 'figures.html'), 'utf8')).toContain('<div id="chart-neupims-utilisation" class="chart"');
    const before = snapshot(out);
    const again = await runMainAsync(['figures', '--out', out, '--only', 'neupims', ...NEUPIMS_FAST]);
    expect(again.out).toMatch(/^neupims: inputs unchanged \(sha256 [0-9a-f]{12}\), reusing /m);
    expect(timeless(again.err)).toEqual(['figures: 1/1 units in T s (last: neupims: charts and tables)']);
    expect(snapshot(out)).toEqual(before);
    // another subset is another input
    const other = await runMainAsync(['figures', '--out', out, '--only', 'neupims', ...NEUPIMS_FAST.slice(0, 2), '--neupims-batches', '64', '--neupims-datasets', 'alpaca-like']);
    expect(other.out).toMatch(/^neupims: computed 1 case and a utilisation run in [\d.]+ s \(inputs changed\)/m);
  }, 60_000);

  it('Duplex: computes decode cases and serving runs, writes its charts, tables and per-request CSV; a rerun reuses it', async () => {
    const r = await runMainAsync(['figures', '--out', out, '--only', 'duplex', ...DUPLEX_FAST, '--workers', '1']);
    expect(r.code).toBe(0);
    // Mixtral is MoE: uniform and skewed routing
    expect(r.out).toMatch(/^duplex: computed 2 decode cases and 1 serving run in [\d.]+ s \(no data file yet\)/m);
    expect(timeless(r.err)).toEqual([
      'figures: 1/4 units in T s (last: duplex: mixtral-8x7b 256/256 batch 32 uniform)',
      'figures: 2/4 units in T s (last: duplex: mixtral-8x7b 256/256 batch 32 skewed)',
      'figures: 3/4 units in T s (last: duplex: serving mixtral-8x7b 256/256)',
      `figures: duplex done, 3 units, at T s: ${join(out, 'data', 'duplex.json')}`,
      'figures: 4/4 units in T s (last: duplex: charts and tables)',
    ]);
    for (const f of ['duplex-throughput.svg', 'duplex-energy.svg', 'duplex-latency-cdf.svg', 'duplex.md',
      'duplex-systems.csv', 'duplex-decode.csv', 'duplex-paper.csv', 'duplex-serving.csv', 'duplex-requests.csv']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    // every request of every system that fits: 8 requests x 5 systems
    expect(readFileSync(join(out, 'duplex-requests.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(1 + 8 * 5);
    const data = validateReport(JSON.parse(readFileSync(join(out, 'data', 'duplex.json'), 'utf8')), 'duplex.json') as FigureData;
    expect(data.inputs.files).toContain('src/systems/duplex/duplex-step-cost.ts');
    expect(data.inputs.files).toContain('workloads/models/mixtral-8x7b.json');
    expect(data.parameters.lengths).toEqual(['256:256']);
    const again = await runMainAsync(['figures', '--out', out, '--only', 'duplex', ...DUPLEX_FAST]);
    expect(again.out).toMatch(/^duplex: inputs unchanged \(sha256 [0-9a-f]{12}\), reusing /m);
    expect(again.out).not.toMatch(/computed/);
  }, 60_000);
});

describe('input hashes', () => {
  it('follow the relative imports of the code that computes a set, not the renderers', () => {
    const pim = sourceClosure(['src/validation/pim-gpt.ts']);
    // PIM-GPT runs its PIM programs on the DRAM constraint table, not through the memory controller
    expect(pim).toContain('src/systems/pim-gpt/pim-gpt.ts');
    expect(pim).toContain('src/dram/timing-state.ts');
    expect(pim).toContain('src/systems/baseline/roofline.ts');
    expect(pim).not.toContain('src/dram/controller.ts');
    const dram = sourceClosure(['src/validation/dramsim3.ts']);
    expect(dram).toContain('src/dram/controller.ts');
    expect(dram).toContain('src/kernel/simulator.ts');
    for (const f of [...pim, ...dram]) expect(f.startsWith('viz/') || f.startsWith('src/cli/'), f).toBe(false);
  });

  it('are deterministic and change with the parameters and with any file', () => {
    const a = hashInputs(['arch/dram/hbm2.json', 'src/kernel'], { n: 1 });
    expect(hashInputs(['src/kernel', 'arch/dram/hbm2.json'], { n: 1 })).toEqual(a); // order of the paths given does not matter
    expect(a.files).toEqual([...a.files].sort());
    expect(hashInputs(['arch/dram/hbm2.json', 'src/kernel'], { n: 2 }).sha256).not.toBe(a.sha256);
    expect(hashInputs(['arch/dram/hbm3.json', 'src/kernel'], { n: 1 }).sha256).not.toBe(a.sha256);
  });
});

/** Runs `f` with an environment variable set, restoring it afterwards. */
async function withEnv<T>(name: string, value: string, f: () => Promise<T>): Promise<T> {
  const old = process.env[name];
  process.env[name] = value;
  try {
    return await f();
  } finally {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  }
}

describe('strata figures --workers', () => {
  it('the data files are byte-identical on one thread and on two (units run apart, results combined in unit order)', async () => {
    const sets = ['--only', 'pim-gpt,neupims,duplex', ...FAST, ...NEUPIMS_FAST, ...DUPLEX_FAST];
    const one = await runMainAsync(['figures', '--out', join(dir, 'one'), ...sets, '--workers', '1']);
    const two = await runMainAsync(['figures', '--out', join(dir, 'two'), ...sets, '--workers', '2']);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(one.out).toMatch(/^computed 3 sets on 1 thread in [\d.]+ s$/m);
    expect(two.out).toMatch(/^computed 3 sets on 2 threads in [\d.]+ s$/m);
    for (const f of ['pim-gpt.json', 'neupims.json', 'duplex.json']) {
      expect(readFileSync(join(dir, 'two', 'data', f), 'utf8'), f).toBe(readFileSync(join(dir, 'one', 'data', f), 'utf8'));
    }
    const bad = await runMainAsync(['figures', '--out', join(dir, 'bad'), '--workers', '0']);
    expect(bad.err).toBe("strata: figures: --workers: expected a positive integer, got '0'");
  }, 240_000);
});
