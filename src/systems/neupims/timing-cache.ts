import type { ModelSpec } from '../../compiler/model.ts';
import { canonicalKey, HiddenFields, readPathOf, TimingCache } from '../../spec/timing-cache.ts';
import { neupimsDecode, type NeuPimsDecodeOptions, type NeuPimsDecodeResult } from './neupims-decode.ts';
import type { NeuPimsSystem } from './neupims-system.ts';

/**
 * NeuPIMs decode iterations kept for reuse, keyed by exactly what reached them (the mechanism of
 * src/spec/timing-cache.ts). A sensitivity study reloads the system at each end of every assumption of
 * the files it reads; the NPU spec's SRAM banks, bank width and access energy (arch/npu/neupims-npu.json, all three
 * ranged assumptions) are read by the cycle-level NPU (src/npu/scratchpad.ts) and priced by npu-run.ts, but not by
 * the closed-form GEMM timing the decode uses by default, so their six ends need not simulate the iteration again
 * (about 3.5 s of CPU each for `strata figures`' NeuPIMs study).
 *
 * The iteration runs on a view of the system with those fields hidden (HIDDEN_NPU_FIELDS): left out of the key, read
 * through getters that record each read. A run that reads one (cycle-level GEMMs do) has it in its key, so a study
 * that varies it simulates again: the key is right by construction, not by a list of which fields are thought to
 * reach the decode. Listing a field the decode does read costs speed, never a wrong result.
 */

/** Fields of the NPU's SRAMs (scratchpad, accumulator) hidden from the key unless a run reads them. */
export const HIDDEN_NPU_FIELDS = ['banks', 'bankWidthBytes', 'accessEnergyPj'] as const;

/** A decode iteration's result without the memo's counters (they tell how much the memo held, not about the iteration). */
export type NeuPimsDecodeTiming = Omit<NeuPimsDecodeResult, 'simulated' | 'reused'>;

const runs = new TimingCache<NeuPimsDecodeTiming>();

/** How many iterations this thread simulated and how many it took from the cache. */
export function neupimsTimingRuns(): { simulated: number; reused: number } {
  return { simulated: runs.misses, reused: runs.hits };
}

/** `system` with the NPU's SRAM fields hidden, recording in `hidden` each one read. */
function timingView(system: NeuPimsSystem, hidden: HiddenFields): NeuPimsSystem {
  const npu = system.npu;
  return {
    ...system,
    npu: {
      ...npu,
      scratchpad: hidden.hide(npu.scratchpad, 'npu.scratchpad', HIDDEN_NPU_FIELDS),
      accumulator: hidden.hide(npu.accumulator, 'npu.accumulator', HIDDEN_NPU_FIELDS),
    },
  };
}

/**
 * neupimsDecode's result (less the memo counters) for `system`, reused from an earlier iteration whose key and hidden
 * reads match. `opts.memo` is used by a run that simulates, as by neupimsDecode; it is not part of the key (its
 * tables are keyed by everything they depend on: a result is the same with or without it).
 */
export function cachedNeuPimsDecode(system: NeuPimsSystem, model: ModelSpec, contexts: readonly number[], opts: NeuPimsDecodeOptions = {}): NeuPimsDecodeTiming {
  const hidden = new HiddenFields();
  const view = timingView(system, hidden);
  const { memo, ...rest } = opts;
  const key = TimingCache.digest(canonicalKey({ system: view, model, contexts, opts: rest }));
  return runs.get(
    key,
    readPathOf(system),
    hidden,
    () => {
      const { simulated: _s, reused: _r, ...timing } = neupimsDecode(view, model, contexts, { ...rest, ...(memo === undefined ? {} : { memo }) });
      return timing;
    },
  );
}
