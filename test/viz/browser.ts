import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/**
 * A describe block of browser tests: run when chromium is installed, otherwise skipped with a warning that says how
 * to install it. `what` names the suite in the warning (`run-report`), `title` in the test report.
 */
export function browserDescribe(what: string, title: string, body: () => void): void {
  if (!haveChromium) console.warn(`${what} browser tests SKIPPED: ${DEFAULT_CHROMIUM} is absent (install Debian's chromium: apt-get install chromium)`);
  (haveChromium ? describe : describe.skip)(`${title}${haveChromium ? '' : ' — SKIPPED: /usr/bin/chromium is absent (apt-get install chromium)'}`, body);
}

/** Opens `html()` in chromium before the suite's tests (waiting for `minCharts` charts) and closes it after them. */
export function usePage(html: () => string, minCharts: number): OpenedPage {
  let opened: OpenedPage | undefined;
  beforeAll(async () => {
    opened = await openHtml(html(), minCharts);
  }, 90_000);
  afterAll(async () => {
    await opened?.close();
  });
  const get = (): OpenedPage => {
    if (!opened) throw new Error('the page is opened in beforeAll: use it inside a test');
    return opened;
  };
  return {
    get page() { return get().page; },
    get consoleErrors() { return get().consoleErrors; },
    get offsite() { return get().offsite; },
    close: async () => get().close(),
  };
}

/** Figures of the page (its `strata-figures` JSON) that Plotly.validate rejects, with their errors. */
export async function invalidFigures(page: Page): Promise<Array<{ id: string; errors: unknown[] }>> {
  return page.evaluate(() => {
    const P = (window as unknown as { Plotly: { validate: (d: unknown, l: unknown) => unknown[] | undefined } }).Plotly;
    const figures = JSON.parse(document.getElementById('strata-figures')!.textContent!) as Array<{ id: string; data: unknown; layout: unknown }>;
    // plotly.js 4.1's Plotly.validate throws on any layout.legend (even {}): tests check the legend as drawn.
    return figures.map((f) => {
      const { legend: _legend, ...layout } = f.layout as Record<string, unknown>;
      return { id: f.id, errors: P.validate(f.data, layout) ?? [] };
    }).filter((v) => v.errors.length > 0);
  });
}

/** Moves the mouse onto the first (or last) `target` inside chart `chartId` and returns the tooltip's text. */
export async function hoverText(page: Page, chartId: string, target: string, which: 'first' | 'last' = 'first'): Promise<string> {
  const all = page.locator(`#${chartId} ${target}`);
  const el = which === 'first' ? all.first() : all.last();
  await el.scrollIntoViewIfNeeded();
  const box = await el.boundingBox();
  expect(box, `${chartId} ${target}`).not.toBeNull();
  await page.mouse.move(0, 0);
  await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2, { steps: 4 });
  const tip = page.locator(`#${chartId} .hoverlayer .hovertext`).first();
  await tip.waitFor({ state: 'visible', timeout: 10_000 });
  return (await tip.textContent()) ?? '';
}

/** The test every page passes: it loads from file:// without console errors and without a network request. */
export function itLoadsOffline(opened: OpenedPage): void {
  it('loads from file:// without console errors and without a network request', () => {
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.offsite).toEqual([]);
  });
}
