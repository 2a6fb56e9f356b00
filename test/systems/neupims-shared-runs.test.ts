import { describe, it, expect } from 'vitest';
import { loadModel } from '../../src/compiler/model.ts';
import { neupimsDecode, NeuPimsMemo } from '../../src/systems/neupims/neupims-decode.ts';
import { loadNeuPimsSystem } from '../../src/systems/neupims/neupims-system.ts';

// GPT-3 7B on 4 devices (8 heads each): short programs. Contexts long enough to interleave sub-batches with co-runs.
const model = loadModel('neupims-gpt3-7b');
const neupims = loadNeuPimsSystem('neupims');
const contexts = [40, 7, 130, 65, 12, 90, 33, 200, 300, 18, 77, 150];

describe("channel runs shared by this thread's memos", () => {
  it('a fresh memo gets the same iteration and counts its runs as it did alone', () => {
    const first = neupimsDecode(neupims, model, contexts, { memo: new NeuPimsMemo(), subBatch: 'on' });
    const again = neupimsDecode(loadNeuPimsSystem('neupims'), model, contexts, { memo: new NeuPimsMemo(), subBatch: 'on' });
    const fresh = neupimsDecode(neupims, model, contexts, { memo: null, subBatch: 'on' });
    expect(again).toEqual(first);
    expect(again.timePs).toBe(fresh.timePs);
    expect(again.energyPj).toBe(fresh.energyPj);
    expect(again.simulated).toBeGreaterThan(0);
  });

  it('keys runs by the PIM spec\'s content: a spec of the same file with one row buffer is simulated anew', () => {
    neupimsDecode(neupims, model, contexts, { memo: new NeuPimsMemo(), subBatch: 'on' });
    // Same system name and PIM file; only the row buffers differ (the blocked preset's spec).
    const oneBuffer = { ...neupims, pim: loadNeuPimsSystem('npu-pim-blocked').pim };
    expect(oneBuffer.pim.file).toBe(neupims.pim.file);
    const shared = neupimsDecode(oneBuffer, model, contexts, { memo: new NeuPimsMemo(), subBatch: 'on' });
    const fresh = neupimsDecode(oneBuffer, model, contexts, { memo: null, subBatch: 'on' });
    expect(shared.timePs).toBe(fresh.timePs);
    expect(shared.energyPj).toBe(fresh.energyPj);
    expect(shared.timePs).not.toBe(neupimsDecode(neupims, model, contexts, { memo: null, subBatch: 'on' }).timePs);
  });
});
