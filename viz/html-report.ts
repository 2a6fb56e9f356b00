/**
 * The interactive HTML report of a DRAM run: one self-contained file that opens offline (file://), with the
 * plotly bundle inlined, the report JSON embedded, a summary table and the interactive charts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { format } from 'd3';
import type { DramReport } from '../src/report/dram-report.ts';
import type { RunReport } from '../src/report/run-report.ts';
import type { ServingReport } from '../src/report/serving-report.ts';
import { runSubtitle } from './dram-subtitle.ts';
import { htmlDocument, PAGE_BASE_CSS } from './html-page.ts';
import { INK } from './palette.ts';
import { dramPlotlyFigures, type PlotlyFigure } from './plotly-figures.ts';
import { formatUs, runSubtitle as runReportSubtitle } from './run-charts.ts';
import { runPlotlyFigures } from './run-plotly.ts';
import { formatMs, servingSubtitle, type ServingSeries } from './serving-charts.ts';
import { servingPlotlyFigures } from './serving-plotly.ts';
import { esc } from './svg.ts';

let bundle: string | undefined;

/** The minified plotly.js bundle (plotly.js-dist-min), read once, safe to inline in a `<script>`. */
export function plotlyBundle(): string {
  if (bundle === undefined) {
    const path = createRequire(import.meta.url).resolve('plotly.js-dist-min');
    // An inline script ends at the first "</script"; the bundle has none today, but never trust that.
    bundle = readFileSync(path, 'utf8').replace(/<\/(script)/gi, '<\\/$1');
  }
  return bundle;
}

/** JSON that can sit inside `<script type="application/json">`: no `<` can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const n = format(',');

function summaryRows(r: DramReport): Array<[string, string]> {
  const c = r.controller;
  const e = r.energy;
  return [
    ['standard', `${r.standard.name} (${r.standard.standard}), ${r.standard.file}`],
    ['controller', ['scheduler', 'pagePolicy', 'addressMapping', 'refresh'].filter((k) => c[k] !== undefined).map((k) => `${k} ${String(c[k])}`).join(', ')],
    ['workload', `${r.workload.origin}, front end ${r.workload.frontend}, ${n(r.workload.requestsInTrace)} requests in the trace`],
    ['window', `${n(r.window.cycles)} ${r.clock.name} cycles of ${n(r.clock.periodPs)} ps = ${n(r.window.timeNs)} ns${r.window.fixed ? ' (fixed)' : ''}`],
    ['requests', `${n(r.requests.completed)} completed: ${n(r.requests.reads)} reads, ${n(r.requests.writes)} writes`],
    ['bandwidth', `${r.bandwidth.achievedGBps} GB/s of ${r.bandwidth.peakGBps} GB/s analytical peak (${r.bandwidth.percentOfPeak} %)`],
    ['row buffer', `${n(r.rowBuffer.hits)} hits, ${n(r.rowBuffer.misses)} misses, ${n(r.rowBuffer.conflicts)} conflicts (hit rate ${(r.rowBuffer.hitRate * 100).toFixed(1)} %)`],
    ['read latency', r.readLatency.mean === null ? 'none: no read completed' : `mean ${r.readLatency.mean}, p50 ${r.readLatency.p50}, p99 ${r.readLatency.p99}, max ${r.readLatency.max} ${r.clock.name} cycles (mean ${r.readLatency.meanNs} ns)`],
    ['energy', `IDD model ${(e.idd.total / 1e6).toFixed(3)} µJ (${e.pjPerBitIdd} pJ/bit, ${e.averagePowerMwIdd} mW average); path model ${(e.path.total / 1e6).toFixed(3)} µJ`],
  ];
}

const STYLE = `
${PAGE_BASE_CSS}header p { margin: 0 0 14px; color: ${INK.muted}; }
table.summary { border-collapse: collapse; background: #fff; font-size: 13px; margin-bottom: 18px; }
table.summary th { text-align: left; padding: 5px 14px 5px 10px; color: ${INK.muted}; font-weight: normal; white-space: nowrap; vertical-align: top; }
table.summary td { padding: 5px 10px; }
table.summary tr + tr { border-top: 1px solid #eceef1; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid #dfe2e6; border-radius: 4px; padding: 6px; }
figure.wide { grid-column: 1 / -1; }
.chart { height: 440px; }
figcaption { font-size: 12.5px; color: ${INK.muted}; padding: 4px 8px 6px; }
details { margin: 18px 0; background: #fff; border: 1px solid #dfe2e6; border-radius: 4px; padding: 8px 12px; }
details pre { max-height: 480px; overflow: auto; font-size: 12px; }
button { font: inherit; font-size: 13px; }
footer { color: ${INK.muted}; font-size: 12px; padding-bottom: 24px; }
`;

const PAGE_SCRIPT = `
(function () {
  var figures = JSON.parse(document.getElementById('strata-figures').textContent);
  var reportText = document.getElementById('strata-report').textContent;
  figures.forEach(function (f) { Plotly.newPlot(f.id, f.data, f.layout, f.config); });
  document.getElementById('report-json').textContent = JSON.stringify(JSON.parse(reportText), null, 2);
  document.getElementById('download-json').addEventListener('click', function () {
    var url = URL.createObjectURL(new Blob([reportText], { type: 'application/json' }));
    var a = document.createElement('a');
    a.href = url;
    a.download = 'report.json';
    a.click();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });
})();
`;

/** What one report page shows: heading, summary rows, figures, and the report embedded for download. */
interface Page {
  title: string;
  subtitle: string;
  rows: Array<[string, string]>;
  figures: PlotlyFigure[];
  report: { schema: string };
}

/** A figure's container: the page's default height, or the height its layout asks for. */
function chartDiv(f: PlotlyFigure): string {
  const h = (f.layout as { height?: unknown }).height;
  const style = typeof h === 'number' ? ` style="height:${h}px"` : '';
  return `<figure${f.wide ? ' class="wide"' : ''}><div id="${f.id}" class="chart" data-name="${f.name}"${style}></div><figcaption>${esc(f.caption)}</figcaption></figure>`;
}

function htmlPage(p: Page): string {
  const rows = p.rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n');
  const charts = p.figures.map(chartDiv).join('\n');
  return htmlDocument({
    title: p.title,
    style: STYLE,
    head: [`<script>${plotlyBundle()}</script>`],
    body: `<header>
<h1>${esc(p.title)}</h1>
<p>${esc(p.subtitle)} · schema ${esc(p.report.schema)}</p>
</header>
<main>
<table class="summary">
${rows}
</table>
<section class="charts">
${charts}
</section>
<details><summary>Report JSON <button id="download-json" type="button">Download report.json</button></summary><pre id="report-json"></pre></details>
</main>
<footer>Made by Strata from the report embedded in this page; charts drawn with plotly.js, which is inlined so that the page opens offline.</footer>
<script type="application/json" id="strata-report">${scriptJson(p.report)}</script>
<script type="application/json" id="strata-figures">${scriptJson(p.figures)}</script>
<script>${PAGE_SCRIPT}</script>`,
  });
}

/** The HTML report page of a DRAM report (a pure function of the report; same report → same bytes). */
export function dramHtmlReport(r: DramReport): string {
  return htmlPage({
    title: `Strata DRAM report — ${r.standard.name}, ${r.workload.origin}`,
    subtitle: runSubtitle(r),
    rows: summaryRows(r),
    figures: dramPlotlyFigures(r),
    report: r,
  });
}

function runSummaryRows(r: RunReport): Array<[string, string]> {
  const t = r.totals;
  const s = r.system;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const steps = r.steps.length;
  return [
    ['system', `${s.name}${s.requested !== s.name ? ` (as ${s.requested})` : ''}, ${s.kind}, ${s.file}; ${s.precision} peak ${(s.peakFlopsPerS / 1e12).toFixed(1)} TFLOP/s, ${(s.bandwidthBytesPerS / 1e9).toFixed(0)} GB/s, launch ${formatUs(s.launchOverheadNs)} µs per op`],
    ['model', `${r.model.name} (${r.model.file}), ${n(r.model.parameters)} parameters, ${r.model.precisionBytes} bytes per element`],
    ['workload', `${r.workload.phase}, ${r.workload.origin}, ${steps} step${steps === 1 ? '' : 's'}, seed ${r.workload.seed}`],
    [t.perTokenLatencyNs !== null ? 'per-token latency' : 'prefill latency', `${formatUs(t.perTokenLatencyNs ?? t.meanStepNs)} µs (mean over ${steps} step${steps === 1 ? '' : 's'}; launch overhead ${formatUs(t.launchNs / steps)} µs of it)`],
    ['throughput', `${format(',.1f')(t.tokensPerS)} tokens/s (${n(t.tokens)} tokens in ${formatUs(t.timeNs)} µs)`],
    ['energy', `${r.energy.joules.toFixed(4)} J, ${r.energy.joulesPerToken.toFixed(4)} J/token (${r.energy.note})`],
    ['memory', `${gib(r.memory.neededBytes)} of ${gib(r.memory.availableBytes)} (weights ${gib(r.memory.weightBytes)} + KV cache ${gib(r.memory.kvCacheBytes)})`],
    ['bound', `${n(t.memoryBoundOps)} ops memory-bound, ${n(t.computeBoundOps)} compute-bound; achieved ${(t.achievedBytesPerS / 1e9).toFixed(1)} GB/s, ${(t.achievedFlopsPerS / 1e12).toFixed(2)} TFLOP/s`],
    ['timeline', `${r.timeline.scope === 'all' ? 'every step' : 'the first step'}: ${n(r.timeline.ops.length)} ops`],
  ];
}

/** The HTML report page of a run report: summary, zoomable device timeline, time by op kind (same report → same bytes). */
export function runHtmlReport(r: RunReport): string {
  return htmlPage({
    title: `Strata run report — ${r.model.name} ${r.workload.phase} on ${r.system.name}`,
    subtitle: runReportSubtitle(r),
    rows: runSummaryRows(r),
    figures: runPlotlyFigures(r),
    report: r,
  });
}

function servingSummaryRows(r: ServingReport): Array<[string, string]> {
  const t = r.totals;
  const s = r.scheduler;
  const m = r.memory;
  const l = r.latency;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const pcts = (x: ServingReport['latency']['ttft']) => `p50 ${formatMs(x.p50Ns)} ms, p90 ${formatMs(x.p90Ns)} ms, p99 ${formatMs(x.p99Ns)} ms (mean ${formatMs(x.meanNs)} ms, max ${formatMs(x.maxNs)} ms)`;
  return [
    ['system', `${r.system.name}${r.system.requested !== r.system.name ? ` (as ${r.system.requested})` : ''}, ${r.system.file}; step cost model ${r.system.costModel}: ${r.system.description}`],
    ['model', `${r.model.name} (${r.model.file}), ${n(r.model.parameters)} parameters, KV cache ${n(r.model.kvBytesPerToken)} bytes per token`],
    ['workload', `${n(r.workload.requests)} ${r.workload.origin} requests, ${r.workload.arrivals}${r.workload.qps !== null ? ` at ${r.workload.qps} requests/s` : ''}, seed ${r.workload.seed}; mean ${format(',.1f')(r.workload.meanInputTokens)} prompt and ${format(',.1f')(r.workload.meanOutputTokens)} output tokens`],
    ['scheduler', `FCFS, max batch ${s.maxBatch}, prefill ${s.prefill}${s.chunkTokens !== null ? ` (${s.chunkTokens} tokens per step)` : ''}, KV reserved for each request's lifetime, no preemption`],
    ['KV cache', `capacity ${gib(m.kvCapacityBytes)} (${m.kvCapacitySource}, ${n(m.kvCapacityTokens)} tokens); peak ${gib(m.peakKvBytesInUse)} in use, ${gib(m.peakKvBytesReserved)} reserved`],
    ['run', `${n(t.steps)} steps over ${formatMs(t.spanNs)} ms (busy ${formatMs(t.busyNs)} ms, idle ${formatMs(t.idleNs)} ms); mean batch ${t.meanBatch.toFixed(2)}, max ${t.maxBatch}`],
    ['throughput', `${format(',.1f')(t.outputTokensPerS)} output tokens/s, ${format(',.1f')(t.tokensPerS)} tokens/s, ${format(',.3f')(t.requestsPerS)} requests/s`],
    ['TTFT', pcts(l.ttft)],
    ['TBT', `${pcts(l.tbt)} over ${n(l.tbt.count)} token gaps`],
    ['end to end', pcts(l.e2e)],
    ['queueing', pcts(l.queueing)],
    ['devices', r.devices.map((d) => `${d.id} busy ${(100 * d.utilisation).toFixed(1)} % of the span`).join(', ')],
    ['energy', `${r.energy.joules.toFixed(3)} J, ${r.energy.joulesPerOutputToken.toFixed(4)} J per output token (${r.energy.note})`],
  ];
}

/** The HTML report page of a serving report: summary, latency CDFs, batch and tokens over time (same report → same bytes). */
export function servingHtmlReport(r: ServingReport, series?: ServingSeries): string {
  return htmlPage({
    title: `Strata serving report — ${r.model.name} on ${r.system.name}`,
    subtitle: servingSubtitle(r),
    rows: servingSummaryRows(r),
    figures: servingPlotlyFigures(r, series),
    report: r,
  });
}
