import { StrataError } from '../spec/errors.ts';
import type { PimStep } from './pim-channel.ts';
import type { PimSpec } from './pim-spec.ts';

/**
 * A PIM channel's global buffer (AiM: 2 KB per channel, arch/pim/aim.json `unit.globalBufferBytes`): the ASIC
 * writes the input vector into it 32 B per WRGB and every all-bank MAC16 reads one lane-width of it, broadcast to
 * all banks. A run of WRGBs fills it from the start (a GEMV program writes one input segment, then MACs over it),
 * so a run longer than the buffer overflows it.
 */
export interface GlobalBuffer {
  readonly capacityBytes: number;
  /** Bytes one WRGB writes and one MAC16 reads (16 BF16 elements). */
  readonly writeBytes: number;
  readonly readBytes: number;
  readonly pjPerByte: number;
}

/** The global buffer of a PIM spec. */
export function globalBuffer(spec: PimSpec): GlobalBuffer {
  const readBytes = spec.unit.macsPerBank * spec.unit.elementBytes;
  // The energy is read when it is used, not when the buffer is described: checking a program's buffer use is part of
  // a timing run, which must not read a price field (src/spec/timing-cache.ts).
  return { capacityBytes: spec.unit.globalBufferBytes, writeBytes: 32, readBytes, get pjPerByte() { return spec.globalBufferPjPerByte; } };
}

/**
 * Checks that `program` never holds more in the global buffer than it has: the bytes written by the WRGBs since
 * the last MAC16 (one loading of the buffer) stay within its capacity. Throws a StrataError naming `what`.
 */
export function checkGlobalBuffer(spec: PimSpec, program: readonly PimStep[], what: string): void {
  const gb = globalBuffer(spec);
  const names = spec.standard.commandNames;
  const wrgb = names.indexOf('WRGB');
  const mac = names.indexOf('MAC16');
  let loaded = 0;
  let startedAt = -1;
  program.forEach((step, i) => {
    if (step.cmd === mac) loaded = 0;
    else if (step.cmd === wrgb) {
      if (loaded === 0) startedAt = i;
      loaded += step.count * gb.writeBytes;
      if (loaded > gb.capacityBytes) {
        throw new StrataError(`${what}: steps ${startedAt}-${i} write ${loaded} B into the ${gb.capacityBytes} B global buffer of ${spec.name} before a MAC16 uses it (${spec.file}: unit.globalBufferBytes)`);
      }
    }
  });
}

/** Energy (pJ) of the global-buffer traffic of `wrgb` writes and `mac16` all-bank MACs. */
export function globalBufferEnergyPj(gb: GlobalBuffer, wrgb: number, mac16: number): number {
  return (wrgb * gb.writeBytes + mac16 * gb.readBytes) * gb.pjPerByte;
}
