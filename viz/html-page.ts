/**
 * The frame of Strata's HTML pages (the report pages and the figures index): doctype, UTF-8, viewport, generator
 * and title, the page's inline style, then its body. Pages load nothing from elsewhere, so the frame has no links.
 */
import { FONT_FAMILY, INK } from './palette.ts';
import { esc } from './svg.ts';

/**
 * The first rules of every page's stylesheet (the report, figures, figures index and sweep pages): colour scheme,
 * font, the centred column and the page title; each page adds its own after them.
 */
export const PAGE_BASE_CSS = `:root { color-scheme: light; }
body { margin: 0; font-family: ${FONT_FAMILY}; color: ${INK.text}; background: #f6f7f9; }
header, main, footer { max-width: 1320px; margin: 0 auto; padding: 0 20px; }
header h1 { font-size: 22px; margin: 22px 0 4px; }
`;

/** A whole HTML page: `title` (escaped), inline `style`, extra elements closing the head, and the body's content. */
export function htmlDocument(p: { title: string; style: string; head?: readonly string[]; body: string }): string {
  const head = (p.head ?? []).map((h) => `${h}\n`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Strata">
<title>${esc(p.title)}</title>
<style>${p.style}</style>
${head}</head>
<body>
${p.body}
</body>
</html>
`;
}
