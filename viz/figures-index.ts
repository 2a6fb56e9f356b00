/**
 * The index page of a `strata figures` folder: one HTML file that links every chart (SVG, and PNG when made),
 * table (Markdown, CSV), HTML report and data file the command wrote, grouped by figure set, with the charts
 * shown as thumbnails. Self-contained (inline style, no script, no remote resource): every link is relative to the
 * folder, so the page opens offline from file:// and keeps working when the folder is moved or zipped.
 */
import { INK } from './palette.ts';
import { htmlDocument, PAGE_BASE_CSS } from './html-page.ts';
import { esc } from './svg.ts';

/** One file of a figure set, by its path relative to the index. */
export interface IndexFile {
  /** Path relative to the folder of the index (`pim-gpt-speedup.svg`, `data/pim-gpt.json`). */
  path: string;
  /** What the link says: the chart's title for charts, otherwise the file name is used. */
  title?: string;
}

/** A figure set as the index lists it. */
export interface IndexSet {
  figure: string;
  title: string;
  description: string;
  /** The `strata` command that prints the same numbers. */
  command: string;
  /** Charts: the SVG, and its PNG when one was made. */
  charts: Array<{ svg: IndexFile; png?: IndexFile }>;
  /** Markdown and CSV tables. */
  tables: IndexFile[];
  /** HTML reports of the set. */
  reports: IndexFile[];
  data: IndexFile;
}

/** A relative link target: each path segment percent-encoded (a name with spaces or `#` still links). */
export function relativeHref(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function link(f: IndexFile, label?: string): string {
  return `<a href="${esc(relativeHref(f.path))}">${esc(label ?? f.title ?? f.path)}</a>`;
}

const STYLE = `
${PAGE_BASE_CSS}header p, footer { color: ${INK.muted}; }
nav { font-size: 13.5px; margin-bottom: 8px; }
section { background: #fff; border: 1px solid #dfe2e6; border-radius: 4px; padding: 10px 16px 14px; margin: 16px 0; }
section h2 { font-size: 18px; margin: 6px 0; }
section p { margin: 4px 0 8px; font-size: 13.5px; }
code { font-size: 12.5px; background: #f0f2f5; padding: 1px 4px; border-radius: 3px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; margin: 10px 0; }
figure { margin: 0; border: 1px solid #e6e8eb; border-radius: 3px; padding: 6px; }
figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 12.5px; padding-top: 4px; }
ul { margin: 4px 0; padding-left: 20px; font-size: 13.5px; }
h3 { font-size: 14px; margin: 10px 0 2px; }
footer { font-size: 12px; padding-bottom: 24px; }
`;

/**
 * The index page, linking the interactive page `interactive` (figures.html) when given (a pure function of its
 * input: same sets → same bytes; no dates, no absolute paths, nothing about whether a set was computed or reused,
 * so that a rerun that reuses everything writes the same page).
 */
export function figuresIndexHtml(sets: readonly IndexSet[], interactive?: IndexFile): string {
  const sections = sets.map((s) => {
    const charts = s.charts.map((c) =>
      `<figure><a href="${esc(relativeHref(c.svg.path))}"><img src="${esc(relativeHref(c.svg.path))}" alt="${esc(c.svg.title ?? c.svg.path)}" loading="lazy"></a>` +
      `<figcaption>${esc(c.svg.title ?? c.svg.path)}: ${link(c.svg, 'SVG')}${c.png ? ` · ${link(c.png, 'PNG')}` : ''}</figcaption></figure>`,
    );
    const list = (items: IndexFile[]) => `<ul>${items.map((f) => `<li>${link(f)}</li>`).join('')}</ul>`;
    return [
      `<section id="${esc(s.figure)}">`,
      `<h2>${esc(s.title)}</h2>`,
      `<p>${esc(s.description)}</p>`,
      `<p>Same numbers on the terminal: <code>${esc(s.command)}</code>. Results behind the charts and tables: ${link(s.data)}.</p>`,
      charts.length ? `<h3>Charts</h3><div class="charts">${charts.join('')}</div>` : '',
      s.tables.length ? `<h3>Tables</h3>${list(s.tables)}` : '',
      s.reports.length ? `<h3>HTML reports</h3>${list(s.reports)}` : '',
      '</section>',
    ].filter((x) => x !== '').join('\n');
  });
  const count = sets.reduce((n, s) => n + s.charts.length, 0);
  return htmlDocument({
    title: 'Strata figures',
    style: STYLE,
    body: `<header>
<h1>Strata figures</h1>
<p>${sets.length} figure set${sets.length === 1 ? '' : 's'}, ${count} chart${count === 1 ? '' : 's'}, written by <code>strata figures</code>.</p>
${interactive ? `<p>The same charts, interactive (zoom, hover), in one page that opens offline: ${link(interactive)}.</p>\n` : ''}<nav>${sets.map((s) => `<a href="#${esc(s.figure)}">${esc(s.title)}</a>`).join(' · ')}</nav>
</header>
<main>
${sections.join('\n')}
</main>
<footer>Every link is relative to this folder; the page loads nothing from elsewhere. Redraw one set with <code>strata report data/&lt;set&gt;.json --out DIR</code>.</footer>`,
  });
}
