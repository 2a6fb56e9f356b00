import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM } from '../../viz/png.ts';
import { checkProtocol } from '../../src/dram/protocol-checker.ts';
import { buildStudio, studioData } from '../../src/studio/build.ts';
import { simulateForStudio, studioExamples, type StudioInput } from '../../src/studio/simulate.ts';
import { browserDescribe } from '../viz/browser.ts';

// The built page in headless chromium (Debian's, never downloaded): it must load from file:// with no request,
// run the simulator in its worker, step and rewind, and say what the protocol checker says about a planted case.
// Screenshots go to a temporary folder, or to STRATA_STUDIO_SHOTS when set (to look at them:
// `STRATA_STUDIO_SHOTS=out/studio-shots npx vitest run test/studio/studio-page.test.ts`).

const dir = mkdtempSync(join(tmpdir(), 'strata-studio-'));
const shots = process.env.STRATA_STUDIO_SHOTS ? resolve(process.env.STRATA_STUDIO_SHOTS) : join(dir, 'shots');
mkdirSync(shots, { recursive: true });
const data = studioData();
let context: BrowserContext;
let page: Page;
let pageUrl = '';
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
    pageUrl = pathToFileURL(b.file).href;
    await page.goto(pageUrl, { waitUntil: 'load' });
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
    expect(await text('#explain .message')).toBe(run.channels[0]![focus]!.message);
    expect(await text('#position')).toBe(`command ${focus + 1} of 6 · cycle 50`);
    // The checker agrees: one cycle earlier breaks tRP (and tRC, which ends at the same cycle).
    const moved = run.channels[0]!.map((c, j) => ({ ...c, cycle: j === focus ? c.cycle - 1 : c.cycle }));
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
    await page.screenshot({ path: join(shots, 'row-hit.png'), fullPage: true });
  });

  it('a typed trace runs in the worker and matches the simulator run in node, command for command', async () => {
    const input: StudioInput = { kind: 'trace', standard: 'ddr4', text: ['0x0 READ 0', '0x40 WRITE 3', '0x200000 READ 5', '0x400000 READ 9', '0x0 READ 40'].join('\n') };
    await page.selectOption('#device', 'dram:ddr4');
    await page.selectOption('#workload', 'trace');
    await page.fill('#trace', input.text);
    await page.click('#run');
    await waitRun();
    const inPage = await page.evaluate(() => (window as unknown as { studio: { run: { channels: unknown[][] } } }).studio.run.channels);
    expect(inPage).toEqual(simulateForStudio(input, data).channels);
    expect(inPage[0]!.length).toBeGreaterThan(5);
  });

  it('every shipped standard runs in the worker as in node (the bundle left out no module the simulator needs)', async () => {
    for (const standard of Object.keys(data.standards)) {
      const input: StudioInput = { kind: 'pattern', standard, pattern: 'mixed', requests: 120, seed: 'each', writeFraction: 0.3 };
      await page.evaluate((i) => (window as unknown as { studio: { runInput: (x: unknown) => void } }).studio.runInput(i), input);
      await waitRun();
      const inPage = await page.evaluate(() => (window as unknown as { studio: { run: { channels: unknown[][] } } }).studio.run.channels);
      expect(inPage, standard).toEqual(simulateForStudio(input, data).channels);
    }
  }, 60_000);

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
    await page.screenshot({ path: join(shots, 'all-bank-mac.png'), fullPage: true });
    await page.selectOption('#device', 'dram:hbm2');
    await page.selectOption('#workload', 'random');
    await page.fill('#requests', '5000');
    await page.click('#run');
    await page.waitForFunction(() => document.getElementById('status')!.className === 'error', null, { timeout: 10_000 });
    expect(await text('#status')).toBe('requests: expected an integer from 1 to 1000, got 5000');
  });

  it('NeuPIMs dual buffer: the NPU read between two COMPs, both buffers of its bank, and why it went a cycle late', async () => {
    await page.click('button[data-example=dual-buffer]');
    await waitRun();
    const ex = studioExamples(data).find((e) => e.id === 'dual-buffer')!;
    const run = simulateForStudio(ex.input, data);
    const focus = ex.focus(run);
    const c = run.channels[0]![focus]!;
    expect(await text('#explain .message')).toBe(c.message);
    expect(await text('#explain .message')).toBe('RD at cycle 264: legal from cycle 263 (tBURST + tRTRS (4) after READRES at cycle 259 (same channel)); issued 1 cycle later, when the scheduler picked it; meanwhile the command bus carried 1 other command');
    expect(await text('#explain .late')).toBe(`Issued 1 cycle after it became legal, because the command bus (one command per cycle) carried #${focus} COMP (PIM program) at 263: the PIM program goes first when both could issue.`);
    expect(await text('#explain .detail')).toMatch(/^NPU request: RD to r0 bg1 b2, row 24143 \(memory row buffer\)\. Rule: READRES -> RD/);
    // The read's bank: its memory buffer holds the NPU's row, its PIM buffer the program's row 0.
    expect(await text('#banks .bank.target')).toBe('r0 bg1 b2mem row 24143PIM row 0');
    expect(await page.locator('#banks .bank .pimbuf.on').count()).toBe(32);
    expect(await page.isHidden('#channel-box')).toBe(true);
    await page.screenshot({ path: join(shots, 'dual-buffer.png'), fullPage: true });
    // A step back: the COMP before it, on the PIM buffers of all 32 banks.
    await page.click('#back');
    expect(await text('#explain .message')).toBe(run.channels[0]![focus - 1]!.message);
    expect(await text('#explain .detail')).toMatch(/^PIM program: COMP to all banks, row 0 \(PIM row buffer\)\./);
    // Its marks: the bus and the PIM (lower) half of all 32 banks' rows; the RD's only the bus and its bank's upper half.
    const selected = page.locator('#timeline svg rect.mark[stroke="#c4401a"]:not([stroke-dasharray])');
    expect(await selected.count()).toBe(33);
    const lanes = await selected.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('height'))));
    expect(new Set(lanes.slice(1)).size).toBe(1);
    expect(lanes[1]).toBeLessThan(lanes[0]! / 2 + 1);
    await page.click('button[data-example=single-buffer]');
    await waitRun();
    expect(await text('#explain .message')).toBe('ACT at cycle 3234 waited 14 cycles: tRP (14) after P_PRE at cycle 3220 (same channel)');
    expect(await text('#summary')).toContain("The PIM program finished at cycle 3224, the NPU's last request at cycle 3733.");
    expect(await page.locator('#banks .bank .pimbuf').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'single-buffer.png'), fullPage: true });
  });

  it('the channel picker: a GEMV over four channels shows any one of them, an idle channel says so', async () => {
    await page.click('button[data-example=all-bank-mac]');
    await waitRun();
    expect(await page.isVisible('#channel-box')).toBe(true);
    expect(await page.locator('#channel option').count()).toBe(data.pimSpecs.aim!.standard.organization.channels);
    const run = simulateForStudio({ kind: 'pim-gemv', spec: 'aim', m: 64, k: 1024 }, data);
    await page.selectOption('#channel', '2');
    expect(await page.evaluate(() => (window as unknown as { studio: { channel: number } }).studio.channel)).toBe(2);
    expect(await text('#position')).toBe(`channel 2 · command 1 of 131 · cycle ${run.channels[2]![0]!.cycle}`);
    expect(await text('#explain .message')).toBe(run.channels[2]![0]!.message);
    await page.keyboard.press('End');
    expect(await text('#position')).toBe(`channel 2 · command 131 of 131 · cycle ${run.channels[2]![130]!.cycle}`);
    await page.selectOption('#channel', '5');
    expect(await text('#explain .message')).toBe('Channel 5 issued no command in this run.');
    expect(await text('#explain .detail')).toBe('Channels with commands: 0, 1, 2, 3.');
    expect(await page.locator('#timeline svg').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'idle-channel.png'), fullPage: true });
    // A random DRAM trace: HBM2's mapping spreads it over all 8 channels.
    await page.selectOption('#device', 'dram:hbm2');
    await page.selectOption('#workload', 'random');
    await page.fill('#requests', '300');
    await page.click('#run');
    await waitRun();
    expect(await page.locator('#channel option').count()).toBe(8);
    await page.selectOption('#channel', '7');
    const seven = await page.evaluate(() => (window as unknown as { studio: { commands: Array<{ channel: number }> } }).studio.commands);
    expect(seven.length).toBeGreaterThan(0);
    expect(seven.every((k) => k.channel === 7)).toBe(true);
    expect(await text('#rules')).toMatch(/^What held commands back most often on channel 7: /);
    await page.screenshot({ path: join(shots, 'channel-7.png'), fullPage: true });
  });

  it('a link to a guided example (#example=ID) opens the page on it; an unknown one says which exist', async () => {
    const other = await context.newPage();
    const errors: string[] = [];
    other.on('pageerror', (e) => errors.push(e.message));
    try {
      await other.goto(`${pageUrl}#example=single-buffer`, { waitUntil: 'load' });
      await other.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('simulated'), null, { timeout: 30_000 });
      expect(await other.textContent('#explain .message')).toBe('ACT at cycle 3234 waited 14 cycles: tRP (14) after P_PRE at cycle 3220 (same channel)');
      expect(await other.inputValue('#device')).toBe('neupims:neupims-1rb');
      await other.click('button[data-example=tfaw]');
      expect(new URL(other.url()).hash).toBe('#example=tfaw');
      await other.goto(`${pageUrl}#example=nope`, { waitUntil: 'load' });
      await other.waitForFunction(() => document.getElementById('status')!.className === 'error', null, { timeout: 30_000 });
      expect(await other.textContent('#status')).toBe(`no guided example 'nope' (known: ${studioExamples(data).map((e) => e.id).join(', ')})`);
      // The tFAW run clicked just before may still be in flight: its reply must not overwrite the error.
      await other.waitForTimeout(1500);
      expect(await other.textContent('#status')).toBe(`no guided example 'nope' (known: ${studioExamples(data).map((e) => e.id).join(', ')})`);
      expect(errors).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('made no request off the page and logged no error', () => {
    expect(consoleErrors).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
