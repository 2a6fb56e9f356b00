import { StrataError } from '../spec/errors.ts';
import type { PimStep } from './pim-channel.ts';
import type { PimSpec } from './pim-spec.ts';

/**
 * The MAC result latches of a PIM channel: each bank's adder tree reduces its 16 lanes' products into an
 * accumulator, and the latch holds `entries` such results per bank (AiM: 1, arch/pim/aim.json
 * `unit.resultLatchEntries`). One RDMAC16 reads one result from every bank of the channel (16 x BF16 = 32 B) and
 * frees it. In a program, each MAC16 step accumulates one output (its count is that output's MACs over one input
 * segment), so the latch overflows when more MAC16 steps than `entries` come without a read between them.
 */
export interface ResultLatch {
  readonly entriesPerBank: number;
  /** Bytes one RDMAC16 reads: one result from each bank. */
  readonly readBytes: number;
  readonly pjPerByte: number;
}

/** The result latches of a PIM spec. */
export function resultLatch(spec: PimSpec): ResultLatch {
  const o = spec.standard.organization;
  // The energy is read when it is used (as in global-buffer.ts): checking a program's latch use is part of a timing run.
  return { entriesPerBank: spec.unit.resultLatchEntries, readBytes: o.bankGroups * o.banksPerGroup * spec.unit.elementBytes, get pjPerByte() { return spec.resultLatchPjPerByte; } };
}

/** Checks the latch occupancy of `program`: no MAC16 step without a free entry, no RDMAC16 without a result. Throws naming `what`. */
export function checkResultLatch(spec: PimSpec, program: readonly PimStep[], what: string): void {
  const latch = resultLatch(spec);
  const names = spec.standard.commandNames;
  const mac = names.indexOf('MAC16');
  const rd = names.indexOf('RDMAC16');
  let held = 0;
  program.forEach((step, i) => {
    if (step.cmd === mac) {
      if (held === latch.entriesPerBank) throw new StrataError(`${what}: step ${i} starts a new MAC result while the ${latch.entriesPerBank}-entry result latch of every bank is full (${spec.file}: unit.resultLatchEntries)`);
      held++;
    } else if (step.cmd === rd) {
      for (let k = 0; k < step.count; k++) {
        if (held === 0) throw new StrataError(`${what}: step ${i} reads a MAC result (RDMAC16) from an empty result latch`);
        held--;
      }
    }
  });
}

/** Energy (pJ) of reading `rdmac16` results out of the latches. */
export function resultLatchEnergyPj(latch: ResultLatch, rdmac16: number): number {
  return rdmac16 * latch.readBytes * latch.pjPerByte;
}
