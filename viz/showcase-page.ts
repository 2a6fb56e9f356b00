/**
 * The showcase dashboard of `npm start` (`strata demo`): one offline HTML page with the comparison table and one
 * bar chart per study (throughput of the studied system beside its baselines), a pure function of the showcase
 * result (src/validation/showcase.ts).
 */
import type { Showcase, ShowcaseLine } from '../src/report/showcase.ts';
import { advantageText, showcaseLines, SHOWCASE_CASES } from '../src/report/showcase.ts';
import { groupedBars, type BarSeries } from './grouped-bars.ts';
import { htmlDocument } from './html-page.ts';
import { DEVICE_STYLE, type DeviceKind, type PatternKind, type SeriesStyle } from './palette.ts';
import { esc } from './svg.ts';

/** One study's chart: its lines as bars of throughput (higher is better), styled by the device kind that runs them. */
interface StudyChart {
  readonly id: string;
  readonly title: string;
  readonly valueTitle: string;
  readonly kinds: readonly DeviceKind[];
  readonly perSecond: (l: ShowcaseLine) => number;
}

/** A device kind's style, with another pattern for the second and later series of the same kind in one chart. */
function styleOf(kinds: readonly DeviceKind[], i: number): SeriesStyle {
  const base = DEVICE_STYLE[kinds[i]!];
  const earlier = kinds.slice(0, i).filter((k) => k === kinds[i]).length;
  const alt: readonly PatternKind[] = ['grid', 'dots', 'vertical'];
  return earlier === 0 ? base : { ...base, pattern: alt[(earlier - 1) % alt.length]! };
}

const fmt = (v: number) => (v === 0 ? '0' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));

/** The three charts of the dashboard, as standalone SVGs. */
export function showcaseCharts(s: Showcase): Array<{ name: string; svg: string }> {
  const lines = showcaseLines(s);
  const studies = [...new Set(lines.map((l) => l.study))];
  const specs: StudyChart[] = [
    { id: 'strata-showcase-pim-gpt', title: 'PIM-GPT against the T4', valueTitle: 'Generated tokens/s (batch 1)', kinds: ['pim', 'gpu', 'gpu'], perSecond: (l) => 1e6 / l.value },
    { id: 'strata-showcase-neupims', title: 'NeuPIMs against its baselines', valueTitle: 'Decode tokens/s', kinds: ['pim', 'npu', 'npu', 'npu'], perSecond: (l) => l.value },
    { id: 'strata-showcase-duplex', title: 'Duplex against H100s, serving', valueTitle: 'Output tokens/s', kinds: ['xpu', 'gpu'], perSecond: (l) => l.value },
  ];
  return studies.map((study, k) => {
    const spec = specs[k]!;
    const mine = lines.filter((l) => l.study === study);
    const series: BarSeries[] = mine.map((l, i) => ({ key: `s${i}`, label: l.system, style: styleOf(spec.kinds, i) }));
    const svg = groupedBars({
      id: spec.id,
      width: 460,
      panelHeight: 300,
      columns: 1,
      title: spec.title,
      subtitle: study,
      description: `${study}: ${mine.map((l) => `${l.system} ${fmt(l.value)} ${l.unit}`).join('; ')}.`,
      series,
      panels: [{ title: '', groups: [{ label: study.split(' · ').slice(1).join(' · ') }], values: mine.map((l) => [spec.perSecond(l)]) }],
      valueTitle: spec.valueTitle,
      groupTitle: '',
      tickFormat: (v) => fmt(v),
      tip: (_p, _g, ser, v) => `${ser.label}: ${fmt(v)} per second`,
    });
    return { name: spec.id.replace('strata-', ''), svg };
  });
}

const STYLE = `body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px auto;max-width:1440px;color:#1a1a1a;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}p{margin:4px 0 12px;line-height:1.45}.charts{display:flex;flex-wrap:wrap;gap:12px}
.charts figure{margin:0}table{border-collapse:collapse;margin:12px 0 20px;font-size:13px}
th,td{padding:3px 10px;border-bottom:1px solid #e3e3e3;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.study td{font-weight:bold;padding-top:12px;border-bottom:1px solid #999}code{background:#f3f3f3;padding:1px 4px}`;

/** The dashboard: what ran, the table with each baseline's ratio, the three charts and the commands to go further. */
export function showcaseHtml(s: Showcase): string {
  const rows: string[] = [];
  let study = '';
  for (const l of showcaseLines(s)) {
    if (l.study !== study) {
      rows.push(`<tr class="study"><td colspan="3">${esc(l.study)}</td></tr>`);
      study = l.study;
    }
    const adv = l.advantage === null ? 'the studied system' : advantageText(l);
    rows.push(`<tr><td>${esc(l.system)}</td><td class="num">${esc(`${fmt(l.value)} ${l.unit}`)}</td><td>${esc(adv)}</td></tr>`);
  }
  const c = SHOWCASE_CASES;
  const charts = showcaseCharts(s).map((ch) => `<figure>${ch.svg.replace(/^<\?xml[^>]*>\n/, '')}</figure>`).join('\n');
  const body = `<h1>Strata: memory-centric LLM accelerators, three papers in one run</h1>
<p>Each number comes from the functions of <code>strata validate pim-gpt</code>, <code>strata validate neupims</code> and
<code>strata validate duplex</code> (the first two are cells of their tables; the serving run is a smaller case than the table's); docs/validation.md says how each compares with its paper and which assumptions move it
(<code>--sensitivity</code>). PIM-GPT: ${c.pimGpt.model}, ${c.pimGpt.promptTokens}-token prompt, ${c.pimGpt.tokens} generated tokens.
NeuPIMs: ${c.neupims.model}, one decode iteration at batch ${c.neupims.batch}, ${c.neupims.dataset} contexts${s.neupims.neupims < s.neupims.blocked ? ` (here Strata's NeuPIMs is
slower than the naive baseline as the hardware allows it, unlike the paper: <code>strata validate neupims --reference</code> shows where
the difference comes from)` : ''}.
Duplex: ${c.duplex.model}, ${c.duplex.count} requests of ${c.duplex.lin} tokens in and ${c.duplex.lout} out, Poisson ${c.duplex.qps} requests/s.</p>
<table><thead><tr><th>system</th><th>result</th><th>comparison</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
<div class="charts">
${charts}
</div>
<p>Go further: <code>strata help</code>, <code>strata figures</code> (every paper figure), <code>strata demo dram</code> (the DRAM layer alone, command by command).</p>`;
  return htmlDocument({ title: 'Strata showcase', style: STYLE, body });
}
