import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIGURE_SETS, figureSets, sourceClosure, type FigureChoices } from '../../src/cli/figures.ts';
import { renderFigureSetFiles, sweepFigureData, sweepFigureReport, sweepFigureSets, sweepSetPlotlyFigures } from '../../src/cli/figures-sweeps.ts';
import { SWEEP_FIGURE_SETS, SWEEP_STUDIES } from '../../src/report/sweep-figure.ts';
import { sweepReport } from '../../src/report/sweep-report.ts';
import { PACKAGE_ROOT } from '../../src/spec/package-root.ts';
import { ARCH_DIR } from '../../src/spec/package-root.ts';
import { runPointSync, type PointOutcome, type PointTask } from '../../src/sweep/run-point.ts';
import { pointRow, runSweep, sweepPoints } from '../../src/sweep/run-sweep.ts';
import { loadSweep } from '../../src/sweep/sweep-file.ts';
import { figuresHtmlPage } from '../../viz/figures-page.ts';
import { allRows } from './tiny-sweep.ts';

/*
 * The shipped studies in `strata figures` (issue #16 item 7): one set per study whose units are the study's points
 * as `strata sweep` builds them, computed by the same point runner (a point through the set equals the row a sweep
 * stores), and whose data file draws the study's charts (the charts `strata report` draws from a database of the
 * same rows), named for the set so that the three studies' files and interactive charts do not collide.
 */
const dir = mkdtempSync(join(tmpdir(), 'strata-figures-sweeps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sets = sweepFigureSets({ sourceClosure });
const studySweep = (name: string) => loadSweep(join(PACKAGE_ROOT, SWEEP_STUDIES[name]!.file));

describe('strata figures: the shipped sweep studies', () => {
  it('has one set per study, listed by --only, whose units are the points strata sweep runs', () => {
    expect(sets.map((s) => s.name)).toEqual(['sweep-pim-gpt-lanes', 'sweep-neupims-interleaving', 'sweep-duplex-opb']);
    expect(SWEEP_FIGURE_SETS.every((s) => (FIGURE_SETS as readonly string[]).includes(s))).toBe(true);
    // 3 lanes x 3 channel counts x 2 models; 2 batch limits x interleaving on/off x 1 or 2 row buffers; 3 x 3 x 2.
    expect(sets.map((s) => s.units.length)).toEqual([18, 8, 18]);
    for (const s of sets) {
      const points = sweepPoints(studySweep(s.name.slice('sweep-'.length)));
      expect(s.units.map((u) => (u.arg as PointTask).argv)).toEqual(points.map((p) => p.argv));
      // The study file and the specs its points read are inputs: editing them recomputes the set.
      expect(s.inputs()).toEqual(expect.arrayContaining([SWEEP_STUDIES[s.name.slice('sweep-'.length)]!.file, 'arch', 'src/sweep/run-point.ts', 'src/cli/figures-sweeps.ts']));
    }
  });

  it('computes a point as strata sweep does: the same metrics as the row the sweep stores', async () => {
    const sweep = studySweep('pim-gpt-lanes');
    const set = sets[0]!;
    const viaSet = set.units.slice(0, 2).map((u) => set.run(u.arg) as PointOutcome);
    const db = join(dir, 'lanes.duckdb');
    await runSweep(sweep, { db, workers: 1, limit: 2 });
    const stored = await allRows(db);
    expect(stored).toHaveLength(2);
    // Columns: point, key, status, error, command, system, model, mac_lanes, channels, latency_ns, tokens_per_s, joules_per_token, pim_share.
    for (const [i, o] of viaSet.entries()) {
      expect(o.status).toBe('ok');
      if (o.status !== 'ok') continue;
      expect(stored[i]!.slice(9).map(Number)).toEqual([o.metrics.latency_ns, o.metrics.tokens_per_s, o.metrics.joules_per_token, o.metrics.pim_share]);
      // A GPT-2 small token at 8 lanes and 8 channels takes about 0.2 ms (docs/sweeps.md); most of it in the banks.
      expect(o.metrics.latency_ns!).toBeGreaterThan(1e4);
      expect(o.metrics.pim_share!).toBeGreaterThan(0.5);
    }
  }, 120_000);

  it('draws the study\'s charts from its data file, the charts strata report draws from the same rows', () => {
    const sweep = studySweep('pim-gpt-lanes');
    const points = sweepPoints(sweep);
    // Outcomes made up from the axes (the drawing is under test, not the simulator): latency falls with channels
    // and lanes; point 3 failed.
    const outcomes: PointOutcome[] = points.map((p) => p.index === 3 ? { status: 'error', error: 'made-up failure' } : {
      status: 'ok',
      metrics: { latency_ns: 1e6 / (Number(p.values.channels) * Number(p.values.mac_lanes)), tokens_per_s: Number(p.values.channels), joules_per_token: 1e-3 * Number(p.values.mac_lanes), pim_share: 0.9 },
    });
    const data = sweepFigureData('pim-gpt-lanes', sweep, outcomes, { sha256: 'ab'.repeat(32), files: [] });
    expect(data.figure).toBe('sweep-pim-gpt-lanes');
    expect(data.tables[0]!.rows).toHaveLength(18);
    expect(data.tables[0]!.rows[3]!.slice(0, 3)).toEqual([3, 'error', 'made-up failure']);

    const files = renderFigureSetFiles(data, 'data/sweep-pim-gpt-lanes.json').map((f) => f.name);
    expect(files).toEqual(['sweep-pim-gpt-lanes-pareto.svg', 'sweep-pim-gpt-lanes-heatmap.svg', 'sweep-pim-gpt-lanes-lines.svg', 'sweep-pim-gpt-lanes.md', 'sweep-pim-gpt-lanes.csv']);

    // The same charts as a sweep report of the database rows (what strata report DB draws), but for their names.
    const rows = points.map((p, i) => pointRow(sweep, p, outcomes[i]!));
    const fromDb = sweepReport({ file: 'x.duckdb', sha256: '', columns: Object.keys(rows[0]!).map((name) => ({ name, type: '' })), rows }, SWEEP_STUDIES['pim-gpt-lanes']!.choice);
    const fromFigure = sweepFigureReport(data);
    expect(fromFigure.charts.map((c) => ({ ...c, name: '' }))).toEqual(fromDb.charts.map((c) => ({ ...c, name: '' })));
    expect(fromFigure.counts).toEqual({ points: 18, ok: 17, failed: 1 });
    // The lines chart runs along channels, a line per lane count, a panel per model (the study's choice).
    const lines = fromFigure.charts.find((c) => c.kind === 'lines')!;
    expect([lines.kind === 'lines' && lines.x, lines.kind === 'lines' && lines.group, lines.kind === 'lines' && lines.facet]).toEqual(['channels', 'mac_lanes', 'model']);

    // figures.html: the interactive charts of each set under ids of their own.
    const page = figuresHtmlPage([data], sweepSetPlotlyFigures);
    for (const c of ['pareto', 'heatmap', 'lines']) expect(page).toContain(`id="chart-sweep-pim-gpt-lanes-${c}"`);
  });

  it('strata figures --system S --set P=V: every unit runs under the overrides, whichever thread runs it', () => {
    const choices: FigureChoices = {
      models: ['gpt2-small'],
      neupims: { models: ['neupims-gpt3-7b'], batches: [16], datasets: ['alpaca-like'] },
      duplex: { models: ['llama3-8b'], lengths: [[256, 256]], batches: [32], servingModels: ['llama3-8b'], servingLengths: [[256, 256]], count: 8 },
    };
    // A GDDR6 precharge of 34 cycles instead of the standard's 32 (AiM's tRC of 89 allows at most 35): what
    // --system pim-gpt --set pim.base.timing.tRP=34 resolves to. It shows in the energy (the token time is not bound by it).
    const overrides = [{ file: join(ARCH_DIR, 'dram', 'gddr6.json'), path: 'timing.tRP', value: 34 }];
    const plain = figureSets(choices).find((s) => s.name === 'sweep-pim-gpt-lanes')!;
    const changed = figureSets({ ...choices, overrides }).find((s) => s.name === 'sweep-pim-gpt-lanes')!;
    const task = plain.units[0]!.arg as PointTask;
    const shipped = plain.run(task) as PointOutcome;
    const set = changed.run(task) as PointOutcome;
    expect(set.status).toBe('ok');
    // The same as the point's own command line with the flag added, and not the shipped result.
    expect(set).toEqual(runPointSync({ ...task, argv: [...task.argv, '--set', 'pim.base.timing.tRP=34'] }));
    expect(set).not.toEqual(shipped);
  }, 60_000);
});
