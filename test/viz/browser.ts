import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM } from '../../viz/png.ts';

/** Whether Debian's chromium is installed (playwright-core never downloads a browser). */
export const haveChromium = existsSync(DEFAULT_CHROMIUM);

/** An HTML page opened in headless chromium, with what it logged and requested. */
export interface OpenedPage {
  page: Page;
  /** Console errors and uncaught page errors. */
  consoleErrors: string[];
  /** Requests to anything but file:, data: or blob: URLs (a self-contained page makes none). */
  offsite: string[];
  close(): Promise<void>;
}

/** Writes `html` to a temporary file, opens it in chromium and waits until `minCharts` plotly charts are drawn. */
export async function openHtml(html: string, minCharts: number): Promise<OpenedPage> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const context: BrowserContext = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: DEFAULT_CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1320, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors: string[] = [];
  const offsite: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!/^(file|data|blob):/.test(r.url())) offsite.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForFunction((n) => document.querySelectorAll('.chart .main-svg').length >= n, minCharts, { timeout: 30_000 });
  return {
    page,
    consoleErrors,
    offsite,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
