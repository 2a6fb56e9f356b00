import { simulateForStudio, type StudioData, type StudioInput, type StudioRun } from './simulate.ts';

// The studio's Web Worker: the page posts the standards once, then one input per run; the simulator runs here so
// the page stays responsive. Bundled by `strata studio` (src/studio/build.ts) and started from a blob URL.

/** A message to the worker. */
export type StudioRequest = { readonly type: 'data'; readonly data: StudioData } | { readonly type: 'run'; readonly id: number; readonly input: StudioInput };
/** The worker's answer to a run. */
export type StudioReply = { readonly id: number; readonly run: StudioRun; readonly ms: number } | { readonly id: number; readonly error: string };

let data: StudioData | null = null;
const scope = self as unknown as { onmessage: ((e: MessageEvent<StudioRequest>) => void) | null; postMessage(m: StudioReply): void };
scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'data') {
    data = m.data;
    return;
  }
  const t0 = performance.now();
  try {
    if (!data) throw new Error('the worker has no standards yet');
    const run = simulateForStudio(m.input, data);
    scope.postMessage({ id: m.id, run, ms: Math.round(performance.now() - t0) });
  } catch (err) {
    scope.postMessage({ id: m.id, error: (err as Error).message });
  }
};
