import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SWEEP_STUDIES, sweepFigure } from '../../src/report/sweep-figure.ts';
import { sweepReport } from '../../src/report/sweep-report.ts';
import { PACKAGE_ROOT } from '../../src/spec/package-root.ts';
import { sweepColumns } from '../../src/sweep/run-sweep.ts';
import { loadSweep } from '../../src/sweep/sweep-file.ts';

/*
 * The shipped studies' figures (issue #16 item 7): each study's chart choice names axes and metrics its sweep file
 * really has (checked on the report of a table with the sweep's own columns and one made-up row per grid
 * point), and a study without its database says what to run.
 */
describe('shipped sweep studies', () => {
  it('are the three studies of workloads/sweeps/, named after their sweep files', () => {
    expect(Object.keys(SWEEP_STUDIES)).toEqual(['pim-gpt-lanes', 'neupims-interleaving', 'duplex-opb']);
    for (const [name, s] of Object.entries(SWEEP_STUDIES)) expect(loadSweep(join(PACKAGE_ROOT, s.file)).spec.name).toBe(name);
  });

  it('vary what the issue names: channels x MAC lanes x model; batch x interleaving x row buffers; Op/B threshold x Logic-PIM bandwidth x model', () => {
    const axes = (n: string) => loadSweep(join(PACKAGE_ROOT, SWEEP_STUDIES[n]!.file)).axes.map((a) => a.target).sort();
    expect(axes('pim-gpt-lanes')).toEqual(['model', 'pim.organization.channels', 'pim.unit.macsPerBank']);
    expect(axes('neupims-interleaving')).toEqual(['maxBatch', 'memory.rowBuffers', 'subBatchInterleaving.enabled']);
    expect(axes('duplex-opb')).toEqual(['model', 'pim.opPerByteThreshold', 'pim.spec.datapath.busWidthBits']);
  });

  for (const [name, study] of Object.entries(SWEEP_STUDIES)) {
    it(`${name}: its chart choice fits the sweep's columns`, () => {
      const sweep = loadSweep(join(PACKAGE_ROOT, study.file));
      const columns = sweepColumns(sweep);
      // One successful row per grid point, every metric 1 + its point number: enough for every chart to be chosen.
      let n = 0;
      const grid = sweep.axes.reduce<Array<Record<string, unknown>>>((pts, a) => pts.flatMap((p) => a.values.map((v) => ({ ...p, [a.name]: v }))), [{}]);
      const rows = grid.map((p) => Object.fromEntries(columns.map((c) => [c.name,
        c.name === 'point' ? n : c.name === 'status' ? 'ok' : c.name === 'error' ? null : c.name === 'system' ? sweep.spec.system : c.name === 'model' ? (p.model ?? sweep.spec.workload.model) : c.name === 'key' ? `k${n}` : c.name === 'command' ? sweep.spec.command : c.type === 'DOUBLE' ? 1 + n++ : p[c.name]])));
      const r = sweepReport({ file: `${name}.duckdb`, sha256: '0', columns, rows: rows as never }, study.choice);
      expect(r.charts.map((c) => c.kind)).toEqual(['pareto', 'heatmap', 'lines']);
      const heat = r.charts[1]!;
      expect(heat.kind === 'heatmap' && [heat.x, heat.y]).toEqual(study.choice.axes);
    });
  }

  it('an unknown study or a missing database is one line saying what to do', async () => {
    await expect(sweepFigure('no-such')).rejects.toThrow("sweep figure: unknown study 'no-such' (shipped: pim-gpt-lanes, neupims-interleaving, duplex-opb)");
    await expect(sweepFigure('duplex-opb', '/nonexistent/duplex.duckdb')).rejects.toThrow(/no such database; run it first: strata sweep workloads\/sweeps\/duplex-opb.yaml --db \/nonexistent\/duplex.duckdb/);
  });
});
