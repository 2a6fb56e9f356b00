/**
 * The interactive page of a sweep report (`strata report DB.duckdb --out DIR` writes DIR/sweep.html): every chart of
 * the report as a plotly figure (zoom, hover for each point's axis values), a table of every point, and the report
 * JSON embedded. One file with plotly.js inlined, so that it opens offline from file://. A pure function of the
 * report, like the SVG charts (viz/sweep-charts.ts), with the same colours, panels and titles.
 */
import { format } from 'd3';
import type { HeatmapChart, LinesChart, ParetoChart, SweepChart, SweepReport, SweepValue } from '../src/report/sweep-report.ts';
import { htmlDocument, PAGE_BASE_CSS } from './html-page.ts';
import { plotlyBundle, scriptJson } from './html-report.ts';
import { HEAT_RAMP, INK, type LineStyle } from './palette.ts';
import { baseLayout, categoryAxis, config, valueAxis, type Json, type PlotlyFigure } from './plotly-figures.ts';
import { axisValue, axisWords, groupStyle, lowerFirst, metricOf, metricTitle, metricValue, sweepSubtitle, valueLabel } from './sweep-charts.ts';
import { esc } from './svg.ts';

const FRONT_DASH = ['solid', 'dash', 'dot', 'dashdot'];
const SYMBOL = { circle: 'circle', square: 'square', triangle: 'triangle-up', diamond: 'diamond' } as const;

function dash(st: LineStyle): string {
  return st.dash ? st.dash.split(' ').map((v) => `${v}px`).join(',') : 'solid';
}

function marker(st: LineStyle, size: number, opacity = 1): Json {
  return { symbol: `${SYMBOL[st.marker]}${st.filled ? '' : '-open'}`, size, color: st.stroke, opacity, line: { color: st.stroke, width: 1.2 } };
}

/** The values of an axis of the report. */
const valuesOf = (r: SweepReport, axis: string): readonly SweepValue[] => r.axes.find((a) => a.name === axis)?.values ?? [];

/** Subplot axis names of panel k (plotly numbers the second pair x2/y2). */
const subplot = (k: number) => (k === 0 ? { x: 'x', y: 'y', xa: 'xaxis', ya: 'yaxis' } : { x: `x${k + 1}`, y: `y${k + 1}`, xa: `xaxis${k + 1}`, ya: `yaxis${k + 1}` });

/** A panel title above subplot k. */
function panelTitle(k: number, content: string): Json {
  const s = subplot(k);
  return { text: `<b>${esc(content)}</b>`, xref: `${s.x} domain`, yref: `${s.y} domain`, x: 0.5, y: 1.02, xanchor: 'center', yanchor: 'bottom', showarrow: false, font: { size: 12 } };
}

function paretoFigure(r: SweepReport, c: ParetoChart): PlotlyFigure {
  const mx = metricOf(r, c.x);
  const my = metricOf(r, c.y);
  const ok = r.points.filter((p) => p.status === 'ok');
  const onFront = new Set(c.fronts.flatMap((f) => f.points));
  const groups = c.group === null ? [null] : valuesOf(r, c.group);
  const data: Json[] = [];
  for (const f of c.fronts) {
    const pts = f.points.map((id) => ok.find((p) => p.point === id)!);
    const gi = c.group === 'model' ? groups.findIndex((g) => g === f.model) : -1;
    data.push({
      type: 'scatter', mode: 'lines', name: c.fronts.length > 1 ? `front of ${f.model}` : 'Pareto front',
      x: pts.map((p) => p.metrics[c.x]! * mx.scale), y: pts.map((p) => p.metrics[c.y]! * my.scale),
      // Fronts of one colour (points coloured by system) tell apart by their dash.
      line: { color: gi >= 0 ? groupStyle(gi).stroke : INK.text, width: 2.5, dash: gi >= 0 ? 'solid' : FRONT_DASH[c.fronts.indexOf(f) % FRONT_DASH.length] }, hoverinfo: 'skip',
    });
  }
  groups.forEach((g, i) => {
    const st = groupStyle(i);
    for (const front of [true, false]) {
      const pts = ok.filter((p) => (c.group === null || p.values[c.group] === g) && onFront.has(p.point) === front);
      if (pts.length === 0) continue;
      data.push({
        type: 'scatter', mode: 'markers',
        name: `${c.group === null ? 'points' : axisValue(c.group, g)}${front ? '' : ' (dominated)'}`,
        legendgroup: String(g),
        x: pts.map((p) => p.metrics[c.x]! * mx.scale), y: pts.map((p) => p.metrics[c.y]! * my.scale),
        text: pts.map((p) => `point ${p.point}: ${Object.entries(p.values).map(([k, v]) => axisValue(k, v)).join(', ')}`),
        marker: marker(st, front ? 11 : 8, front ? 1 : 0.3),
        hovertemplate: `%{text}<br>${esc(mx.label)} %{x:,.4~r} ${mx.unit}<br>${esc(my.label)} %{y:,.4~r} ${my.unit}${front ? '<br>on the Pareto front' : ''}<extra></extra>`,
      });
    }
  });
  return {
    id: 'chart-sweep-pareto', name: c.name, wide: true,
    caption: `Every successful point of the sweep, ${metricTitle(mx)} against ${metricTitle(my)}; points no other point${c.fronts.length > 1 ? ' of the same model' : ''} beats on both are on the front, the others faded. Hover a point for its axis values; click a legend entry to hide a group.`,
    data,
    layout: baseLayout(`Pareto front: ${lowerFirst(mx.label)} against ${lowerFirst(my.label)}`, sweepSubtitle(r), {
      height: 520, margin: { l: 80, r: 24, t: 96, b: 64 }, ...LEGEND_RIGHT,
      xaxis: valueAxis(`${metricTitle(mx)}, ${mx.better} is better`),
      yaxis: valueAxis(`${metricTitle(my)}, ${my.better} is better`),
    }),
    config: config(c.name),
  };
}

/** Legends at the right, one entry a line: above the plot they would run into the panel titles. */
const LEGEND_RIGHT: Json = { legend: { orientation: 'v', x: 1.01, xanchor: 'left', y: 1, yanchor: 'top', traceorder: 'normal' } };

function panelsLayout(n: number): { cols: number; rows: number } {
  const cols = Math.min(n, 3);
  return { cols, rows: Math.ceil(n / cols) };
}

function heatmapFigure(r: SweepReport, c: HeatmapChart): PlotlyFigure {
  const m = metricOf(r, c.metric);
  const facets = c.facet === null ? [null] : valuesOf(r, c.facet);
  const xv = valuesOf(r, c.x).map(valueLabel);
  const yv = valuesOf(r, c.y).map(valueLabel);
  const all = c.cells.map((q) => q.value * m.scale);
  const { cols, rows } = panelsLayout(facets.length);
  const data: Json[] = [];
  const axes: Json = {};
  const annotations: Json[] = [];
  facets.forEach((f, k) => {
    const s = subplot(k);
    const z = yv.map((yy) => xv.map((xx) => {
      const cell = c.cells.find((q) => q.facet === f && valueLabel(q.x) === xx && valueLabel(q.y) === yy);
      return cell ? cell.value * m.scale : null;
    }));
    data.push({
      type: 'heatmap', x: xv, y: yv, z, xaxis: s.x, yaxis: s.y, zmin: Math.min(...all), zmax: Math.max(...all),
      colorscale: [[0, HEAT_RAMP[0]], [1, HEAT_RAMP[1]]], showscale: k === 0, xgap: 2, ygap: 2,
      ...(k === 0 ? { colorbar: { title: { text: `${m.label}<br>(${m.unit})` }, thickness: 14 } } : {}),
      texttemplate: '%{z:,.4~r}', hoverongaps: false,
      hovertemplate: `${esc(axisWords(c.x))} %{x}, ${esc(axisWords(c.y))} %{y}${f !== null ? `, ${esc(axisValue(c.facet!, f))}` : ''}: %{z:,.4~r} ${m.unit}<extra></extra>`,
    });
    axes[s.xa] = categoryAxis(axisWords(c.x));
    // One set of y labels per row: the panels share the categories, and a second set would run into the panel beside.
    axes[s.ya] = categoryAxis(k % cols === 0 ? axisWords(c.y) : '', { showticklabels: k % cols === 0 });
    if (f !== null) annotations.push(panelTitle(k, axisValue(c.facet!, f)));
  });
  return {
    id: 'chart-sweep-heatmap', name: c.name, wide: true,
    caption: `${metricTitle(m)} over ${axisWords(c.x)} and ${axisWords(c.y)}${c.facet !== null ? `, a panel per ${axisWords(c.facet)}` : ''}; darker is higher, empty cells had no successful point.`,
    data,
    layout: baseLayout(`${m.label} over ${axisWords(c.x)} and ${axisWords(c.y)}`, sweepSubtitle(r, c.fixed), {
      height: 170 + rows * 260, margin: { l: 80, r: 24, t: 120, b: 64 },
      grid: { rows, columns: cols, pattern: 'independent', xgap: 0.06, ygap: 0.25 },
      annotations, ...axes,
    }),
    config: config(c.name),
  };
}

function linesFigure(r: SweepReport, c: LinesChart): PlotlyFigure {
  const m = metricOf(r, c.metric);
  const facets = c.facet === null ? [null] : valuesOf(r, c.facet);
  const groups = c.group === null ? [null] : valuesOf(r, c.group);
  const xv = valuesOf(r, c.x);
  const numeric = xv.every((v) => typeof v === 'number');
  const nums = xv as readonly number[];
  const log = numeric && nums.length > 2 && nums[0]! > 0 && nums[nums.length - 1]! / nums[0]! >= 8;
  const { cols, rows } = panelsLayout(facets.length);
  const data: Json[] = [];
  const axes: Json = {};
  const annotations: Json[] = [];
  const yMax = Math.max(...c.lines.flatMap((l) => l.y.map((v) => v * m.scale)));
  // Each group once in the legend (its first panel's trace); legendgroup toggles it in every panel.
  const shown = new Set<string>();
  facets.forEach((f, k) => {
    const s = subplot(k);
    for (const l of c.lines.filter((q) => q.facet === f)) {
      const gi = Math.max(0, groups.findIndex((g) => g === l.group));
      const st = groupStyle(gi);
      const label = c.group === null ? m.label : axisValue(c.group, l.group);
      data.push({
        type: 'scatter', mode: 'lines+markers', name: label, legendgroup: label, showlegend: !shown.has(label) && shown.add(label) !== undefined,
        x: numeric ? l.x : l.x.map(valueLabel), y: l.y.map((v) => v * m.scale), xaxis: s.x, yaxis: s.y,
        line: { color: st.stroke, width: 2, dash: dash(st) }, marker: marker(st, 9),
        hovertemplate: `${esc(label)}${f !== null ? `, ${esc(axisValue(c.facet!, f))}` : ''}<br>${esc(axisWords(c.x))} %{x}: %{y:,.4~r} ${m.unit}<extra></extra>`,
      });
    }
    axes[s.xa] = numeric
      ? valueAxis(axisWords(c.x) + (log ? ' (log scale)' : ''), { ...(log ? { type: 'log', zeroline: false } : {}), tickvals: nums, ticktext: nums.map((v) => valueLabel(v)) })
      : categoryAxis(axisWords(c.x));
    axes[s.ya] = valueAxis(k % cols === 0 ? metricTitle(m) : '', { range: [0, yMax * 1.08] });
    if (f !== null) annotations.push(panelTitle(k, axisValue(c.facet!, f)));
  });
  // A log axis takes no zero line settings (plotly rejects them there).
  for (const a of Object.values(axes) as Json[]) if (a.type === 'log') delete a.zerolinecolor;
  return {
    id: `chart-${c.name}`, name: c.name, wide: true,
    caption: `${metricTitle(m)} against ${axisWords(c.x)}${c.group !== null ? `, a line per ${axisWords(c.group)}` : ''}${c.facet !== null ? `, a panel per ${axisWords(c.facet)}` : ''}.`,
    data,
    layout: baseLayout(`${m.label} against ${axisWords(c.x)}${c.group !== null ? `, by ${axisWords(c.group)}` : ''}`, sweepSubtitle(r, c.fixed), {
      height: 170 + rows * 300, margin: { l: 80, r: 24, t: 110, b: 64 }, ...LEGEND_RIGHT,
      grid: { rows, columns: cols, pattern: 'independent', xgap: 0.1, ygap: 0.25 },
      annotations, ...axes,
    }),
    config: config(c.name),
  };
}

/** The plotly figure of one chart of a sweep report. */
export function sweepPlotlyFigure(r: SweepReport, c: SweepChart): PlotlyFigure {
  switch (c.kind) {
    case 'pareto': return paretoFigure(r, c);
    case 'heatmap': return heatmapFigure(r, c);
    case 'lines': return linesFigure(r, c);
    default: {
      const never: never = c;
      throw new Error(`internal invariant broken: unknown sweep chart ${JSON.stringify(never)}`);
    }
  }
}

const STYLE = `
${PAGE_BASE_CSS}header p { margin: 0 0 14px; color: ${INK.muted}; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid #dfe2e6; border-radius: 4px; padding: 6px; }
figure.wide { grid-column: 1 / -1; }
.chart { height: 480px; }
figcaption { font-size: 12.5px; color: ${INK.muted}; padding: 4px 8px 6px; }
details { margin: 18px 0; background: #fff; border: 1px solid #dfe2e6; border-radius: 4px; padding: 8px 12px; }
table.points { border-collapse: collapse; font-size: 12.5px; }
table.points th, table.points td { padding: 3px 10px; text-align: right; white-space: nowrap; }
table.points th { border-bottom: 1px solid #ccc; }
table.points tr.error td { color: #b00020; }
table.points td.text { text-align: left; }
table.points td.error { white-space: normal; min-width: 320px; text-align: left; }
.table-scroll { overflow-x: auto; }
details pre { max-height: 480px; overflow: auto; font-size: 12px; }
footer { color: ${INK.muted}; font-size: 12px; padding-bottom: 24px; }
`;

const PAGE_SCRIPT = `
(function () {
  var figures = JSON.parse(document.getElementById('strata-figures').textContent);
  figures.forEach(function (f) { Plotly.newPlot(f.id, f.data, f.layout, f.config); });
  document.getElementById('report-json').textContent = JSON.stringify(JSON.parse(document.getElementById('strata-report').textContent), null, 2);
})();
`;

/** The table of every point: its axes, metrics (in their display units) and error. */
function pointsTable(r: SweepReport): string {
  const head = ['point', ...r.axes.map((a) => axisWords(a.name)), ...r.metrics.map((m) => `${m.label} (${m.unit})`), 'error'];
  const rows = r.points.map((p) => {
    const cells = [
      `<td>${p.point}</td>`,
      ...r.axes.map((a) => `<td class="${a.type === 'number' ? '' : 'text'}">${esc(valueLabel(p.values[a.name] ?? null))}</td>`),
      ...r.metrics.map((m) => `<td>${p.metrics[m.column] === null || p.metrics[m.column] === undefined ? '' : esc(metricValue(m, p.metrics[m.column]!))}</td>`),
      `<td class="error">${esc(p.error ?? '')}</td>`,
    ];
    return `<tr${p.status === 'error' ? ' class="error"' : ''}>${cells.join('')}</tr>`;
  });
  return `<div class="table-scroll"><table class="points"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

/** The interactive HTML page of a sweep report (a pure function of the report; same report → same bytes). */
export function sweepHtmlReport(r: SweepReport): string {
  const figures = r.charts.map((c) => sweepPlotlyFigure(r, c));
  const charts = figures.map((f) => {
    const h = (f.layout as { height?: unknown }).height;
    return `<figure${f.wide ? ' class="wide"' : ''}><div id="${f.id}" class="chart" data-name="${f.name}"${typeof h === 'number' ? ` style="height:${h}px"` : ''}></div><figcaption>${esc(f.caption)}</figcaption></figure>`;
  }).join('\n');
  const title = `Strata sweep report — ${r.name}`;
  return htmlDocument({
    title,
    style: STYLE,
    head: [`<script>${plotlyBundle()}</script>`],
    body: `<header>
<h1>${esc(title)}</h1>
<p>${esc(sweepSubtitle(r))} · ${esc(r.axes.map((a) => `${axisWords(a.name)}: ${a.values.map(valueLabel).join(', ')}`).join(' · '))} · from ${esc(r.source.file)} (sha256 ${r.source.sha256.slice(0, 12)}) · schema ${esc(r.schema)}</p>
</header>
<main>
<section class="charts">
${charts}
</section>
<details open><summary>Every point (${format(',')(r.counts.points)}; ${format(',')(r.counts.failed)} failed)</summary>
${pointsTable(r)}
</details>
<details><summary>Sweep report JSON</summary><pre id="report-json"></pre></details>
</main>
<footer>Made by Strata from the sweep report embedded in this page; charts drawn with plotly.js, which is inlined so that the page opens offline.</footer>
<script type="application/json" id="strata-report">${scriptJson(r)}</script>
<script type="application/json" id="strata-figures">${scriptJson(figures)}</script>
<script>${PAGE_SCRIPT}</script>`,
  });
}
