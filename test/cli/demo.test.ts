import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers.ts';
import { wellFormed } from '../viz/svg-checks.ts';

/*
 * `npm start` (`strata demo`, issue #17 item 1): the showcase of the three papers' comparisons, a table on stdout and
 * an offline dashboard. The numbers are the validation functions' (their own tests hold them); this checks that the
 * showcase prints each system once, that every ratio it prints is the ratio of the values it prints, and that the
 * dashboard is whole and self-contained.
 */
let dir: string;
let run: ReturnType<typeof runMain>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-demo-'));
  run = runMain(['demo', '--out', dir, '--quiet']);
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Table lines of one study: [system, value, unit, ratio text]. */
function block(out: string, header: string): Array<{ system: string; value: number; ratio: string }> {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  expect(start, `no block '${header}' in:\n${out}`).toBeGreaterThanOrEqual(0);
  const rows: Array<{ system: string; value: number; ratio: string }> = [];
  for (const l of lines.slice(start + 1)) {
    const m = l.match(/^ {2}(\S.*?) {2,}([\d,.]+) (us\/token|tokens\/s|output tokens\/s)\s*(.*)$/);
    if (!m) break;
    rows.push({ system: m[1]!, value: Number(m[2]!.replace(/,/g, '')), ratio: m[4]! });
  }
  return rows;
}

describe('strata demo: the showcase', () => {
  it('exits 0 and prints three studies, each system once, and the dashboard path', () => {
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(block(run.out, 'PIM-GPT · GPT-2 XL').map((r) => r.system)).toEqual(['PIM-GPT (GDDR6 in-bank PIM + ASIC)', "T4, eager (the paper's setup)", 'T4, CUDA graphs']);
    expect(block(run.out, 'NeuPIMs · GPT-3 7B').map((r) => r.system)).toEqual([
      'NeuPIMs (dual row buffers, sub-batch interleaving)', 'NPU-only', 'naive NPU+PIM (as the hardware allows)', "naive NPU+PIM (as the authors' simulator runs it)",
    ]);
    expect(block(run.out, 'Duplex · Mixtral-8x7B').map((r) => r.system)).toEqual(['Duplex (xPU + logic-die PIM), 2 devices', '2 x H100']);
    expect(run.out).toContain(`dashboard: ${join(dir, 'index.html')}`);
  });

  it('every ratio is the ratio of the printed values (latency for PIM-GPT, throughput for the others), to rounding', () => {
    const check = (header: string, lowerIsBetter: boolean) => {
      const [studied, ...baselines] = block(run.out, header);
      expect(studied!.ratio).toBe('');
      for (const b of baselines) {
        const m = b.ratio.match(/^(PIM-GPT|NeuPIMs|Duplex) ([\d.]+)x (faster|slower)$/);
        expect(m, b.ratio).not.toBeNull();
        const shown = m![3] === 'faster' ? Number(m![2]) : 1 / Number(m![2]);
        const ratio = lowerIsBetter ? b.value / studied!.value : studied!.value / b.value;
        expect(Math.abs(shown - ratio) / ratio).toBeLessThan(0.01);
      }
    };
    check('PIM-GPT · GPT-2 XL', true);
    check('NeuPIMs · GPT-3 7B', false);
    check('Duplex · Mixtral-8x7B', false);
  });

  it('writes a self-contained dashboard: the table, three well-formed charts, nothing loaded from elsewhere', () => {
    expect(readdirSync(dir).sort()).toEqual(['index.html', 'showcase-duplex.svg', 'showcase-neupims.svg', 'showcase-pim-gpt.svg']);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html.match(/<svg\b/g)).toHaveLength(3);
    // xmlns names a namespace, loads nothing; anything that loads (src, link, an href or url() not to an anchor) is refused
    expect(html).not.toMatch(/\bsrc=|<link\b|href="(?!#)|url\((?!#)/);
    expect(html.match(/<tr><td>/g)).toHaveLength(9);
    for (const f of ['showcase-duplex.svg', 'showcase-neupims.svg', 'showcase-pim-gpt.svg']) expect(wellFormed(readFileSync(join(dir, f), 'utf8'))).toBe(true);
  });

  it("refuses an argument other than 'dram' in one line", () => {
    expect(runMain(['demo', 'frob'])).toMatchObject({ code: 2, err: "strata: demo: unexpected argument 'frob' (expected 'dram' or nothing)" });
  });
});
