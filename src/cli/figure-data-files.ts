import { figureDataCsvFiles, figureDataMarkdown, type FigureData } from '../report/figure-data.ts';
import { StrataError, withContext } from '../spec/errors.ts';
import { FIGURE_CHARTS, figureCharts } from '../../viz/figure-charts.ts';

/**
 * The files that render a figure-data file: its charts (SVG), `<set>.md` and one CSV per table. A file of an
 * unknown figure set, or one that lacks a table or column its charts need, is a user error naming `file`.
 */
export function renderFigureData(data: FigureData, file = 'figure data'): { name: string; content: string }[] {
  if (FIGURE_CHARTS[data.figure] === undefined) {
    throw new StrataError(`${file}: field 'figure': unknown figure set '${data.figure}' (known: ${Object.keys(FIGURE_CHARTS).join(', ')})`);
  }
  return withContext(() => renderFigureFiles(data), (m) => `${file}: ${m}`);
}

function renderFigureFiles(data: FigureData): { name: string; content: string }[] {
  return [
    ...figureCharts(data).map((c) => ({ name: `${c.name}.svg`, content: c.render(data) })),
    { name: `${data.figure}.md`, content: figureDataMarkdown(data) },
    ...figureDataCsvFiles(data),
  ];
}
