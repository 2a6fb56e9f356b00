import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hashInputs, sourceClosure } from '../../src/cli/figures.ts';
import { renderFigureData } from '../../src/cli/report.ts';
import type { FigureData } from '../../src/report/figure-data.ts';
import { validateReport } from '../../src/report/schema.ts';
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

/** Every file under the folder with its bytes. */
function snapshot(folder: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const f of readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = join(folder, f);
    if (statSync(p).isFile()) files.set(f, readFileSync(p));
  }
  return files;
}

const DATA = ['dramsim3.json', 'peak-bandwidth.json', 'pim-gpt.json'];
const OUTPUTS = [
  'dramsim3.csv', 'dramsim3.md',
  'peak-bandwidth.csv', 'peak-bandwidth.md', 'peak-bandwidth.svg',
  'pim-gpt-baselines.csv', 'pim-gpt-energy-breakdown.csv', 'pim-gpt-energy-breakdown.svg', 'pim-gpt-energy-efficiency.svg',
  'pim-gpt-latency-breakdown.csv', 'pim-gpt-latency-breakdown.svg', 'pim-gpt-pim.csv', 'pim-gpt-speedup.svg', 'pim-gpt.md',
  'index.html',
];
/** One PIM-GPT model keeps the suite fast (the eight take a few seconds more). */
const FAST = ['--models', 'gpt2-small'];

describe('strata figures', () => {
  it('first run: computes every set, writes the data files, charts and tables, with progress on stderr', async () => {
    const r = await runMainAsync(['figures', '--out', out, ...FAST]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['data', ...OUTPUTS].sort());
    expect(readdirSync(join(out, 'data')).sort()).toEqual(DATA);
    expect(r.out).toMatch(new RegExp(`^dramsim3: computed 4 traces in [\\d.]+ s \\(no data file yet\\), wrote ${join(out, 'data', 'dramsim3.json')}$`, 'm'));
    expect(r.out).toMatch(/^peak-bandwidth: computed 6 presets in [\d.]+ s \(no data file yet\)/m);
    expect(r.out).toMatch(/^pim-gpt: computed 1 model in [\d.]+ s \(no data file yet\)/m);
    expect(r.out.split('\n').at(-1)).toBe(`figures: ${out}`);
    // not a terminal: plain progress lines, 4 traces + 6 presets + 1 model + 3 sets rendered = 14 units
    const progress = r.err.split('\n');
    expect(progress[0]).toBe('figures [1/14] dramsim3: hbm2-8ch-stream-read');
    expect(progress.at(-1)).toBe('figures [14/14] pim-gpt: charts and tables');
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
    const pim = JSON.parse(readFileSync(join(out, 'data', 'pim-gpt.json'), 'utf8')) as FigureData;
    expect(pim.parameters.models).toEqual(['gpt2-small']);
    expect(pim.inputs.files).toContain('workloads/models/gpt2-small.json');
    expect(pim.inputs.files).not.toContain('workloads/models/gpt2-xl.json');
    expect(pim.inputs.files).toContain('src/pim/pim-gpt.ts');
    const dram = JSON.parse(readFileSync(join(out, 'data', 'dramsim3.json'), 'utf8')) as FigureData;
    expect(dram.inputs.files).toContain('test/fixtures/dramsim3/hbm2-8ch-random-rw.trace.gz');
    expect(dram.inputs.files).not.toContain('src/pim/pim-gpt.ts'); // DRAM results do not depend on PIM code
    expect(readFileSync(join(out, 'dramsim3.md'), 'utf8')).toMatch(/^# Strata vs DRAMsim3 on the HBM2 reference traces\n/);
  });

  it('second run: reuses every data file whose inputs did not change, says so, and writes the same bytes', async () => {
    const before = snapshot(out);
    const r = await runMainAsync(['figures', '--out', out, ...FAST]);
    expect(r.code).toBe(0);
    for (const set of ['dramsim3', 'peak-bandwidth', 'pim-gpt']) {
      expect(r.out).toMatch(new RegExp(`^${set}: inputs unchanged \\(sha256 [0-9a-f]{12}\\), reusing ${join(out, 'data', `${set}.json`)}$`, 'm'));
    }
    expect(r.out).not.toMatch(/computed/);
    // only the 3 renderings were left to do
    expect(r.err).toBe(['dramsim3', 'peak-bandwidth', 'pim-gpt'].map((s, i) => `figures [${i + 1}/3] ${s}: charts and tables`).join('\n'));
    expect(snapshot(out)).toEqual(before);
  });

  it('--force recomputes (here one set, --only), and the recomputed data file is byte-identical', async () => {
    const before = readFileSync(join(out, 'data', 'pim-gpt.json'));
    const r = await runMainAsync(['figures', '--out', out, ...FAST, '--force', '--only', 'pim-gpt']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^pim-gpt: computed 1 model in [\d.]+ s \(--force\)/m);
    expect(r.out).not.toMatch(/dramsim3|peak-bandwidth/);
    expect(readFileSync(join(out, 'data', 'pim-gpt.json'))).toEqual(before);
  });

  it('changed inputs (other models) or a damaged data file are recomputed, saying why', async () => {
    const two = await runMainAsync(['figures', '--out', out, '--only', 'pim-gpt', '--models', 'gpt2-small,gpt3-small']);
    expect(two.out).toMatch(/^pim-gpt: computed 2 models in [\d.]+ s \(inputs changed\)/m);
    expect((JSON.parse(readFileSync(join(out, 'data', 'pim-gpt.json'), 'utf8')) as FigureData).parameters.models).toEqual(['gpt2-small', 'gpt3-small']);
    writeFileSync(join(out, 'data', 'peak-bandwidth.json'), '{"schema": "strata.figure-data/1"');
    const damaged = await runMainAsync(['figures', '--out', out, '--only', 'peak-bandwidth']);
    expect(damaged.out).toMatch(/^peak-bandwidth: computed 6 presets in [\d.]+ s \(the data file is unreadable \(/m);
  });

  it('--png: a PNG of every chart through chromium, twice the SVG size; skipped with a message without chromium', async () => {
    const missing = await withEnv('STRATA_CHROMIUM', '/nonexistent/chromium', () => runMainAsync(['figures', '--out', out, '--only', 'peak-bandwidth', '--png']));
    expect(missing.code).toBe(0);
    expect(missing.out).toMatch(/^png: skipped, no chromium at \/nonexistent\/chromium \(install Debian's chromium: apt-get install chromium, or set STRATA_CHROMIUM/m);
    expect(existsSync(join(out, 'peak-bandwidth.png'))).toBe(false);
    // something that is not a browser: a user error, and nothing written
    const broken = await withEnv('STRATA_CHROMIUM', '/bin/true', () => runMainAsync(['figures', '--out', out, '--only', 'peak-bandwidth', '--png']));
    expect(broken.code).toBe(2);
    expect(broken.err.split('\n').at(-1)).toMatch(/^strata: figures --png: chromium at \/bin\/true could not render the charts \(.*\); nothing was written$/);
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
    const only = await runMainAsync(['figures', '--out', out, '--only', 'neupims']);
    expect(only.code).toBe(2);
    expect(only.err).toBe("strata: figures: --only: unknown 'neupims' (known: dramsim3, peak-bandwidth, pim-gpt)");
    const models = await runMainAsync(['figures', '--out', out, '--models', 'gpt5']);
    expect(models.err).toBe("strata: figures: --models: unknown model 'gpt5' (PIM-GPT's models: gpt2-small, gpt2-medium, gpt2-large, gpt2-xl, gpt3-small, gpt3-medium, gpt3-large, gpt3-xl; any model of workloads/models works)");
    const flag = await runMainAsync(['figures', '--bogus']);
    expect(flag.err).toMatch(/^strata: figures: Unknown option '--bogus' \(flags: --out --force --png --only --models\)$/);
    const extra = await runMainAsync(['figures', 'now']);
    expect(extra.err).toMatch(/^strata: figures: unexpected argument 'now'\nusage: strata figures/);
  });

  it('the real entry point awaits the command: a child process reuses the data and exits 0', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'figures', '--out', out, '--only', 'dramsim3'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^dramsim3: inputs unchanged/);
    expect(r.stderr).toBe('figures [1/1] dramsim3: charts and tables\n');
  });
});

describe('input hashes', () => {
  it('follow the relative imports of the code that computes a set, not the renderers', () => {
    const pim = sourceClosure(['src/validation/pim-gpt.ts']);
    // PIM-GPT runs its PIM programs on the DRAM constraint table, not through the memory controller
    expect(pim).toContain('src/pim/pim-gpt.ts');
    expect(pim).toContain('src/dram/timing-state.ts');
    expect(pim).toContain('src/baselines/roofline.ts');
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
