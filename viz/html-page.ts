/**
 * The frame of Strata's HTML pages (the report pages and the figures index): doctype, UTF-8, viewport, generator
 * and title, the page's inline style, then its body. Pages load nothing from elsewhere, so the frame has no links.
 */
import { esc } from './svg.ts';

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
