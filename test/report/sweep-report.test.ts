import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isDuckDbFile, METRIC_WORDS, paretoFront, readSweepRows, sweepReport, type SweepReport } from '../../src/report/sweep-report.ts';
import { SweepDatabase, type Column, type Row } from '../../src/sweep/database.ts';
import { METRIC_COLUMNS } from '../../src/sweep/metrics.ts';
import { runMainAsync } from '../helpers.ts';
import { tempDir } from '../viz/harness.ts';

/*
 * The sweep report (issue #16 item 5): a pure function of a sweep database's rows. The database here is built in
 * the test with the table layout `strata sweep` writes (fixed columns, axes, metrics), with rows whose numbers are
 * chosen so that the front, the cells and the lines can be worked out by hand: two systems x lanes 8/16 x
 * channels 1/2, model m1, latency = 1000 / (lanes x channels) ns (x2 on system b), energy = lanes + channels
 * (+1 on b), and one failed point.
 */
const dir = tempDir('strata-sweep-report-');
const db = join(dir, 'tiny.duckdb');

const COLUMNS: Column[] = [
  { name: 'point', type: 'INTEGER' }, { name: 'key', type: 'VARCHAR' }, { name: 'status', type: 'VARCHAR' }, { name: 'error', type: 'VARCHAR' },
  { name: 'command', type: 'VARCHAR' }, { name: 'system', type: 'VARCHAR' }, { name: 'model', type: 'VARCHAR' },
  { name: 'lanes', type: 'BIGINT' }, { name: 'channels', type: 'BIGINT' }, { name: 'interleave', type: 'BOOLEAN' },
  { name: 'latency_ns', type: 'DOUBLE' }, { name: 'joules_per_token', type: 'DOUBLE' },
];

function rows(): Row[] {
  const out: Row[] = [];
  for (const system of ['a', 'b']) {
    for (const lanes of [8, 16]) {
      for (const channels of [1, 2]) {
        const point = out.length;
        const failed = system === 'b' && lanes === 16 && channels === 2;
        out.push({
          point, key: `k${point}`, status: failed ? 'error' : 'ok', error: failed ? 'does not fit' : null, command: 'generate', system, model: 'm1',
          lanes, channels, interleave: true,
          latency_ns: failed ? null : (1000 / (lanes * channels)) * (system === 'b' ? 2 : 1),
          joules_per_token: failed ? null : lanes + channels + (system === 'b' ? 1 : 0),
        });
      }
    }
  }
  return out;
}

beforeAll(async () => {
  const d = await SweepDatabase.open(db);
  try {
    await d.ensureTable(COLUMNS);
    // Stored out of order: the report orders by point.
    for (const r of rows().reverse()) await d.insert(COLUMNS, r);
  } finally {
    d.close();
  }
});

describe('sweep report', () => {
  let r: SweepReport;
  beforeAll(async () => {
    r = sweepReport(await readSweepRows(db));
  });

  it('reads axes, metrics and points from the table alone', () => {
    expect(r.name).toBe('tiny');
    expect(r.counts).toEqual({ points: 8, ok: 7, failed: 1 });
    // system varies (an axis); model does not; a swept column with one value stays an axis
    expect(r.axes.map((a) => [a.name, a.type, a.values])).toEqual([['system', 'string', ['a', 'b']], ['lanes', 'number', [8, 16]], ['channels', 'number', [1, 2]], ['interleave', 'boolean', [true]]]);
    expect(r.metrics.map((m) => [m.column, m.unit, m.scale, m.better])).toEqual([['latency_ns', 'ns', 1, 'lower'], ['joules_per_token', 'J/token', 1, 'lower']]);
    expect(r.points.map((p) => p.point)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(r.points[7]).toMatchObject({ status: 'error', error: 'does not fit', metrics: { latency_ns: null } });
  });

  it('Pareto front of latency and energy: on system a, (8,1) is cheapest and (16,2) fastest; b loses everywhere', () => {
    const c = r.charts.find((x) => x.kind === 'pareto')!;
    expect(c).toMatchObject({ x: 'latency_ns', y: 'joules_per_token', group: 'system' });
    // a: (8,1) 125 ns 9 J; (8,2) 62.5 ns 10 J; (16,1) 62.5 ns 17 J (dominated by (8,2)); (16,2) 31.25 ns 18 J
    if (c.kind !== 'pareto') throw new Error('pareto');
    expect(c.fronts).toEqual([{ model: null, points: [3, 1, 0] }]);
  });

  it('heatmap and lines: over lanes and channels, a panel per system; the lines chart puts a line per system', () => {
    const h = r.charts.find((x) => x.kind === 'heatmap')!;
    if (h.kind !== 'heatmap') throw new Error('heatmap');
    expect([h.x, h.y, h.facet, h.metric]).toEqual(['lanes', 'channels', 'system', 'latency_ns']);
    expect(h.cells).toHaveLength(7);
    expect(h.cells.find((q) => q.facet === 'b' && q.x === 8 && q.y === 2)).toEqual({ x: 8, y: 2, facet: 'b', value: 125, n: 1 });
    const sys = r.charts.find((x) => x.name === 'sweep-systems')!;
    if (sys.kind !== 'lines') throw new Error('lines');
    expect([sys.x, sys.group, sys.facet]).toEqual(['lanes', 'system', 'channels']);
    // channels 2: system a at 8 and 16 lanes, system b at 8 only (16 failed)
    expect(sys.lines.filter((l) => l.facet === 2).map((l) => [l.group, l.x, l.y])).toEqual([['a', [8, 16], [62.5, 31.25]], ['b', [8], [125]]]);
  });

  it('flags choose the charts; an unknown metric or axis is one line naming the flag and the choices', async () => {
    const data = await readSweepRows(db);
    const c = sweepReport(data, { x: 'joules_per_token', y: 'latency_ns', metric: 'joules_per_token', axes: ['channels', 'lanes'], group: 'lanes', facet: 'system' });
    expect(c.charts.map((x) => x.kind === 'pareto' ? [x.x, x.y] : x.kind === 'heatmap' ? [x.x, x.y, x.metric, x.facet] : [x.name, x.x, x.group, x.facet])).toEqual([
      ['joules_per_token', 'latency_ns'], ['channels', 'lanes', 'joules_per_token', 'system'], ['sweep-lines', 'channels', 'lanes', 'system'], ['sweep-systems', 'channels', 'system', 'lanes'],
    ]);
    expect(() => sweepReport(data, { x: 'power' })).toThrow("report: --x 'power': expected a metric column of this sweep: latency_ns, joules_per_token");
    expect(() => sweepReport(data, { axes: ['lanes', 'banks'] })).toThrow("report: --axes 'banks': expected axes of this sweep: system, lanes, channels, interleave");
  });
});

describe('a sampled sweep', () => {
  it('has only its Pareto chart unless --axes asks: its points cover too little of their grid for cells or lines', async () => {
    const data = await readSweepRows(db);
    // 8 rows: as if only 3 of them had been drawn over 4 x 4 x 4 combinations
    const lanes = [3, 5, 7];
    const sampled = { ...data, rows: data.rows.slice(0, 3).map((r, i) => ({ ...r, lanes: lanes[i]!, channels: i + 1 })) };
    expect(sweepReport(sampled).charts.map((c) => c.kind)).toEqual(['pareto']);
    expect(sweepReport(sampled, { axes: ['lanes', 'channels'] }).charts.map((c) => c.kind)).toEqual(['pareto', 'heatmap', 'lines']);
  });
});

describe('metric columns', () => {
  it('the report knows every metric column a sweep writes, and no other', () => {
    expect(Object.keys(METRIC_WORDS).sort()).toEqual(Object.values(METRIC_COLUMNS).flat().map((m) => m.column).sort());
  });
});

describe('paretoFront', () => {
  it('keeps points no other point beats on both, ties included, whichever way each metric improves', () => {
    const pts = [{ id: 0, x: 1, y: 5 }, { id: 1, x: 2, y: 2 }, { id: 2, x: 3, y: 3 }, { id: 3, x: 4, y: 1 }, { id: 4, x: 2, y: 2 }];
    expect(paretoFront(pts, ['lower', 'lower'])).toEqual([0, 1, 4, 3]);
    // higher x is better: point 3 (x 4) and then only points with a lower y... none beats 3 on y either
    expect(paretoFront(pts, ['higher', 'lower'])).toEqual([3]);
    expect(paretoFront(pts, ['higher', 'higher'])).toEqual([0, 2, 3]);
  });
});

describe('strata report DB.duckdb', () => {
  it('writes the sweep report, its charts and one offline page', async () => {
    const out = join(dir, 'out');
    const r = await runMainAsync(['report', db, '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['sweep-heatmap.svg', 'sweep-lines.svg', 'sweep-pareto.svg', 'sweep-report.json', 'sweep-systems.svg', 'sweep.html']);
    expect(r.out.split('\n').at(-1)).toBe(`HTML report: ${join(out, 'sweep.html')}`);
    const json = JSON.parse(readFileSync(join(out, 'sweep-report.json'), 'utf8')) as SweepReport;
    expect(json.schema).toBe('strata.sweep-report/1');
    const html = readFileSync(join(out, 'sweep.html'), 'utf8');
    // plotly inlined: no script or link loads anything
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });

  it('a DuckDB file is told by its header too; bad input is one line', async () => {
    const copy = join(dir, 'results.bin');
    writeFileSync(copy, readFileSync(db));
    expect(isDuckDbFile(copy)).toBe(true);
    const notDb = join(dir, 'x.duckdb');
    writeFileSync(notDb, 'not a database');
    expect((await runMainAsync(['report', notDb, '--out', join(dir, 'o')])).err).toMatch(/^strata: .*x\.duckdb: cannot open as a DuckDB database/);
    expect((await runMainAsync(['report', join(dir, 'none.duckdb'), '--out', join(dir, 'o')])).err).toMatch(/report: .*none\.duckdb: no such file/);
    expect((await runMainAsync(['report', db, '--out', join(dir, 'o'), '--metric', 'watts'])).err).toMatch(/--metric 'watts': expected a metric column/);
    expect((await runMainAsync(['report', db, '--out', join(dir, 'o'), '--csv'])).err).toMatch(/strata sweep export DB --csv/);
    expect((await runMainAsync(['report', 'test/fixtures/reports/serving-llama3-8b-h100.json', '--out', join(dir, 'o'), '--x', 'latency_ns'])).err).toMatch(/report: --x: only a sweep database/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });
});
