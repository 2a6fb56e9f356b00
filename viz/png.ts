/**
 * PNG export of standalone SVG charts through headless chromium (playwright-core driving Debian's chromium; it
 * never downloads a browser). Each SVG is drawn alone on a white page of its own size and captured at
 * `scale` device pixels per px, so that text is rendered by a real browser with the chart's fonts.
 */
import { existsSync } from 'node:fs';

/** Where Debian installs chromium (`apt-get install chromium`). */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless, offline, quiet chromium (no sandbox: it runs in containers as root). */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]);

/** True when a chromium executable is at `path`. */
export function haveChromium(path: string = DEFAULT_CHROMIUM): boolean {
  return existsSync(path);
}

/** Width and height (px) of a standalone SVG's root element. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = svg.match(/<svg\b[^>]*>/)?.[0] ?? '';
  const width = Number(root.match(/\bwidth="([\d.]+)"/)?.[1]);
  const height = Number(root.match(/\bheight="([\d.]+)"/)?.[1]);
  if (!(width > 0 && height > 0)) throw new Error('internal invariant broken: an SVG to export has no numeric width and height');
  return { width, height };
}

/** Options of the PNG export. */
export interface PngOptions {
  /** Chromium executable (default `/usr/bin/chromium`). */
  executablePath?: string;
  /** Device pixels per SVG px (default 2: sharp in print and on slides). */
  scale?: number;
  /** Called after each image, with how many are done. */
  onProgress?: (done: number, total: number, name: string) => void;
}

/** Renders SVG documents to PNG images, in order, in one chromium session. */
export async function svgsToPng(svgs: ReadonlyArray<{ name: string; svg: string }>, options: PngOptions = {}): Promise<Array<{ name: string; png: Uint8Array }>> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: options.executablePath ?? DEFAULT_CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
  try {
    const context = await browser.newContext({ deviceScaleFactor: options.scale ?? 2, viewport: { width: 800, height: 600 } });
    const page = await context.newPage();
    const out: Array<{ name: string; png: Uint8Array }> = [];
    for (const { name, svg } of svgs) {
      const { width, height } = svgSize(svg);
      await page.setViewportSize({ width: Math.ceil(width), height: Math.ceil(height) });
      const inline = svg.replace(/^<\?xml[^>]*\?>\s*/, '');
      await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#fff}svg{display:block}</style></head><body>${inline}</body></html>`, { waitUntil: 'load' });
      const png = await page.screenshot({ clip: { x: 0, y: 0, width, height }, type: 'png', animations: 'disabled' });
      out.push({ name, png: new Uint8Array(png) });
      options.onProgress?.(out.length, svgs.length, name);
    }
    await context.close();
    return out;
  } finally {
    await browser.close();
  }
}
