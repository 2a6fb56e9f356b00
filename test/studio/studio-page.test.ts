import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM } from '../../viz/png.ts';
import { checkProtocol } from '../../src/dram/protocol-checker.ts';
import { buildStudio, studioData } from '../../src/studio/build.ts';
import { simulateForStudio, studioExamples, type StudioInput } from '../../src/studio/simulate.ts';
import { browserDescribe } from '../viz/browser.ts';

// The built page in headless chromium (Debian's, never downloaded): it must load from file:// with no request,
// run the simulator in its worker, step and rewind, and say what the protocol checker says about a planted case.

const dir = mkdtempSync(join(tmpdir(), 'strata-studio-'));
const data = studioData();
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];
const offsite: string[] = [];

const text = async (sel: string): Promise<string> => (await page.textContent(sel)) ?? '';
async function waitRun(): Promise<void> {
  await page.waitForFunction(() => /^simulated|error/.test(document.getElementById('status')!.textContent! + document.getElementById('status')!.className), null, { timeout: 30_000 });
  expect(await page.getAttribute('#status', 'class')).not.toBe('error');
}

browserDescribe('studio', 'strata studio page in chromium', () => {
  beforeAll(async () => {
    const b = await buildStudio(join(dir, 'studio'));
    expect(statSync(b.file).size).toBe(b.bytes);
    context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: DEFAULT_CHROMIUM, headless: true, args: [...CHROMIUM_ARGS], viewport: { width: 1320, height: 1000 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    page.on('request', (r) => { if (!/^(file|data|blob):/.test(r.url())) offsite.push(r.url()); });
    await page.goto(pathToFileURL(b.file).href, { waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('ready'), null, { timeout: 30_000 });
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the row-hit example: the conflict ACT is explained as the checker sees it, and the page steps back and forward', async () => {
    await page.click('button[data-example=row-hit]');
    await waitRun();
    const ex = studioExamples(data).find((e) => e.id === 'row-hit')!;
    const run = simulateForStudio(ex.input, data);
    const focus = ex.focus(run);
    expect(await text('#explain .message')).toBe('ACT at cycle 50 waited 14 cycles: tRP (14) after PRE at cycle 36 (same bank)');
    expect(await text('#explain .message')).toBe(run.commands[focus]!.message);
    expect(await text('#position')).toBe(`command ${focus + 1} of 6 · cycle 50`);
    // The checker agrees: one cycle earlier breaks tRP (and tRC, which ends at the same cycle).
    const moved = run.commands.map((c, j) => ({ ...c, cycle: j === focus ? c.cycle - 1 : c.cycle }));
    expect([...new Set(checkProtocol(run.standard, moved).map((v) => v.rule))].sort()).toEqual(['tRC', 'tRP']);
    // The bank that the ACT opens shows row 2; one step back (the PRE) it is idle.
    expect(await text('#banks .bank.target')).toBe('bg0 b0row 2');
    await page.click('#back');
    expect(await text('#explain .message')).toBe('PRE at cycle 36 waited 34 cycles: tRAS (34) after ACT at cycle 2 (same bank)');
    expect(await text('#banks .bank.target')).toBe('bg0 b0idle');
    await page.click('#first');
    expect(await text('#position')).toBe('command 1 of 6 · cycle 2');
    await page.keyboard.press('ArrowRight');
    expect(await text('#explain .message')).toBe('RD at cycle 16 waited 14 cycles: tRCDRD (14) after ACT at cycle 2 (same bank)');
    await page.click('#last');
    expect(await text('#position')).toBe('command 6 of 6 · cycle 64');
    // The timeline draws every command on the bus row and on its bank's row, and the wait as an arrow.
    expect(await page.locator('#timeline svg rect.mark').count()).toBe(12);
    expect(await page.locator('#timeline svg line[marker-end]').count()).toBe(1);
    await page.screenshot({ path: join(dir, 'row-hit.png'), fullPage: true });
  });

  it('a typed trace runs in the worker and matches the simulator run in node, command for command', async () => {
    const input: StudioInput = { kind: 'trace', standard: 'ddr4', text: ['0x0 READ 0', '0x40 WRITE 3', '0x200000 READ 5', '0x400000 READ 9', '0x0 READ 40'].join('\n') };
    await page.selectOption('#device', 'dram:ddr4');
    await page.selectOption('#workload', 'trace');
    await page.fill('#trace', input.text);
    await page.click('#run');
    await waitRun();
    const inPage = await page.evaluate(() => (window as unknown as { studio: { run: { commands: unknown[] } } }).studio.run.commands);
    expect(inPage).toEqual(simulateForStudio(input, data).commands);
    expect(inPage.length).toBeGreaterThan(5);
  });

  it('tFAW and the all-bank MAC examples run; play advances; bad input shows one line', async () => {
    await page.click('button[data-example=tfaw]');
    await waitRun();
    expect(await text('#explain .message')).toBe('ACT at cycle 32 waited 30 cycles: tFAW window (30) after ACT at cycle 2, the oldest of the last 4 ACTs (same rank)');
    await page.click('button[data-example=all-bank-mac]');
    await waitRun();
    expect(await text('#explain .message')).toMatch(/^MAC16 at cycle \d+ waited \d+ cycles: /);
    expect(await page.locator('#banks .bank.pim').count()).toBe(16);
    const before = await page.evaluate(() => (window as unknown as { studio: { step: number } }).studio.step);
    await page.click('#play');
    await page.waitForFunction((b) => (window as unknown as { studio: { step: number } }).studio.step >= b + 2, before, { timeout: 5_000 });
    await page.click('#play');
    await page.screenshot({ path: join(dir, 'mac.png'), fullPage: true });
    await page.selectOption('#device', 'dram:hbm2');
    await page.selectOption('#workload', 'random');
    await page.fill('#requests', '5000');
    await page.click('#run');
    await page.waitForFunction(() => document.getElementById('status')!.className === 'error', null, { timeout: 10_000 });
    expect(await text('#status')).toBe('requests: expected an integer from 1 to 1000, got 5000');
  });

  it('made no request off the page and logged no error', () => {
    expect(consoleErrors).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
