/**
 * The interactive page of a `strata figures` folder (`figures.html`): one self-contained file that opens offline
 * (file://), with the plotly bundle inlined as in the HTML reports (viz/html-report.ts), the figure-data files
 * embedded, and one section per figure set holding the interactive versions of its charts
 * (viz/figures-plotly.ts); a set without charts (dramsim3) shows its tables.
 */
import { FIGURE_DATA_SCHEMA, figureTableMarkdown, MARKDOWN_MAX_ROWS, type FigureData, type FigureTable } from '../src/report/figure-data.ts';
import { figureDataPlotlyFigures } from './figures-plotly.ts';
import { htmlDocument, PAGE_BASE_CSS } from './html-page.ts';
import { plotlyBundle, scriptJson } from './html-report.ts';
import { INK } from './palette.ts';
import type { PlotlyFigure } from './plotly-figures.ts';
import { esc } from './svg.ts';

const STYLE = `
${PAGE_BASE_CSS}header p { margin: 0 0 8px; color: ${INK.muted}; }
nav { font-size: 13.5px; margin-bottom: 8px; }
section.set { margin: 18px 0 28px; }
section.set h2 { font-size: 19px; margin: 8px 0 4px; }
section.set > p { margin: 4px 0 10px; font-size: 13.5px; }
code { font-size: 12.5px; background: #eef0f3; padding: 1px 4px; border-radius: 3px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid #dfe2e6; border-radius: 4px; padding: 6px; }
figure.wide { grid-column: 1 / -1; }
.chart { height: 440px; }
figcaption { font-size: 12.5px; color: ${INK.muted}; padding: 4px 8px 6px; }
table.data { border-collapse: collapse; background: #fff; font-size: 12.5px; margin: 6px 0 14px; }
table.data caption { text-align: left; font-weight: bold; padding: 4px 0; }
table.data th, table.data td { padding: 3px 10px; border-bottom: 1px solid #eceef1; text-align: left; }
table.data td.n { text-align: right; font-variant-numeric: tabular-nums; }
footer { color: ${INK.muted}; font-size: 12px; padding-bottom: 24px; }
`;

const PAGE_SCRIPT = `
(function () {
  var figures = JSON.parse(document.getElementById('strata-figures').textContent);
  figures.forEach(function (f) { Plotly.newPlot(f.id, f.data, f.layout, f.config); });
})();
`;

/** A figure's container: the page's default height, or the height its layout asks for. */
function chartDiv(f: PlotlyFigure): string {
  const h = (f.layout as { height?: unknown }).height;
  const style = typeof h === 'number' ? ` style="height:${h}px"` : '';
  return `<figure${f.wide ? ' class="wide"' : ''}><div id="${esc(f.id)}" class="chart" data-name="${esc(f.name)}"${style}></div><figcaption>${esc(f.caption)}</figcaption></figure>`;
}

/** A table of a set without charts, as HTML: the cells as its Markdown table prints them (units, percentages). */
function htmlTable(t: FigureTable): string {
  const lines = figureTableMarkdown(t).split('\n');
  const cells = (line: string) => line.slice(2, -2).split(/(?<!\\) \| /).map((c) => c.replace(/\\\|/g, '|'));
  const numeric = lines[1]!.slice(1, -1).split('|').map((a) => a.endsWith(':'));
  const head = cells(lines[0]!).map((h) => `<th>${esc(h)}</th>`).join('');
  const body = lines.slice(2).map((l) => `<tr>${cells(l).map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="data"><caption>${esc(t.title)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

function section(d: FigureData, figures: readonly PlotlyFigure[]): string {
  const tables = figures.length === 0 ? d.tables.filter((t) => t.rows.length <= MARKDOWN_MAX_ROWS).map(htmlTable) : [];
  return [
    `<section class="set" id="${esc(d.figure)}">`,
    `<h2>${esc(d.title)}</h2>`,
    `<p>${esc(d.description)}</p>`,
    `<p>Same numbers on the terminal: <code>${esc(d.command)}</code>. Data: <code>data/${esc(d.figure)}.json</code> (inputs sha256 <code>${esc(d.inputs.sha256.slice(0, 16))}</code>).</p>`,
    figures.length ? `<div class="charts">\n${figures.map(chartDiv).join('\n')}\n</div>` : '',
    ...tables,
    '</section>',
  ].filter((x) => x !== '').join('\n');
}

/**
 * The interactive page of a figures folder: a section per figure-data file, in the order given, with the same
 * charts as its SVGs (zoomable, with hover). A pure function of the data files: same files → same bytes (no dates,
 * no paths, nothing about whether a set was computed or reused). `more` adds the interactive charts of sets drawn
 * elsewhere (the sweep studies: src/cli/figures-sweeps.ts).
 */
export function figuresHtmlPage(datas: readonly FigureData[], more: (d: FigureData) => readonly PlotlyFigure[] = () => []): string {
  const perSet = datas.map((d) => ({ d, figures: [...figureDataPlotlyFigures(d), ...more(d)] }));
  const all = perSet.flatMap((s) => s.figures);
  return htmlDocument({
    title: 'Strata figures — interactive',
    style: STYLE,
    head: [`<script>${plotlyBundle()}</script>`],
    body: `<header>
<h1>Strata figures — interactive</h1>
<p>${datas.length} figure set${datas.length === 1 ? '' : 's'}, ${all.length} chart${all.length === 1 ? '' : 's'}, drawn from the figure-data files (${FIGURE_DATA_SCHEMA}) embedded in this page: drag to zoom, double-click to reset, hover for values. The static charts and tables: <a href="index.html">index.html</a>.</p>
<nav>${datas.map((d) => `<a href="#${esc(d.figure)}">${esc(d.title)}</a>`).join(' · ')}</nav>
</header>
<main>
${perSet.map((s) => section(s.d, s.figures)).join('\n')}
</main>
<footer>Made by Strata from the figure data embedded in this page; charts drawn with plotly.js, which is inlined so that the page opens offline.</footer>
<script type="application/json" id="strata-figure-data">${scriptJson(datas)}</script>
<script type="application/json" id="strata-figures">${scriptJson(all)}</script>
<script>${PAGE_SCRIPT}</script>`,
  });
}
