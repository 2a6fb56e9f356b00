import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../src/studio/build.ts';

// The studio's bundles must not carry node: modules: the page opens from file:// in a browser, which has none.
describe('studio bundles', () => {
  it('a module whose node-only functions the page never calls bundles without them', async () => {
    const code = await bundleForBrowser('test/fixtures/studio/unused-fs.ts');
    expect(code).not.toContain('not available in the browser');
    expect(code).toContain('fixture');
  }, 30_000);

  it('a node: module the page would really use fails the build, naming it', async () => {
    await expect(bundleForBrowser('test/fixtures/studio/uses-fs.ts')).rejects.toThrow("the studio's test/fixtures/studio/uses-fs.ts uses node:fs, which a browser lacks");
  }, 30_000);

  it("the worker and the page's script carry no node: module", async () => {
    for (const entry of ['src/studio/worker.ts', 'src/studio/app.ts']) {
      expect(await bundleForBrowser(entry)).not.toContain('not available in the browser');
    }
  }, 60_000);
});
