import { StrataError } from '../spec/errors.ts';
import type { FieldReader } from '../spec/fields.ts';
import type { PimSpec } from './pim-spec.ts';

/**
 * The link between the PIM-GPT ASIC and one PIM channel: the channel's own DQ pins (GDDR6 x16 at the device's data
 * rate), which carry the input vector into the global buffer (WRGB) and the MAC results out (RDMAC16). Its
 * bandwidth is what the WRGB / RDMAC16 cadence of the constraint table already spends (32 B per tBURST); the link
 * adds a latency each way between the ASIC's logic and the channel's pins, and an energy per bit moved.
 */
export interface PimLink {
  readonly pinsPerChannel: number;
  /** Per channel, one direction at a time. */
  readonly bandwidthGBps: number;
  /** ASIC logic to channel pins (or back), ps. */
  readonly latencyPs: number;
  readonly pjPerBit: number;
  readonly source: string;
}

/** Reads a system's `link` section, checking it against the PIM device it attaches to. */
export function parseLink(l: FieldReader, pim: PimSpec): PimLink {
  l.onlyKeys(['source', 'pinsPerChannel', 'latencyPs', 'pjPerBit', 'note']);
  const pins = l.number('pinsPerChannel', { integer: true, positive: true });
  const o = pim.standard.organization;
  if (pins !== o.busWidthBits) {
    throw new StrataError(`${l.where('pinsPerChannel')}: expected ${o.busWidthBits}, the data pins of one ${pim.name} channel (the link is the channel's DQ bus), found ${pins}`);
  }
  return {
    pinsPerChannel: pins,
    // One burst (pins x burst length bits) per tBURST: GDDR6 x16, BL16, 2 tCK of 500 ps -> 32 B/ns = 32 GB/s.
    bandwidthGBps: ((pins * o.burstLength) / 8) / ((pim.standard.timing.tBURST! * pim.standard.tCKPs) / 1000),
    latencyPs: l.number('latencyPs', { integer: true, min: 0 }),
    pjPerBit: l.number('pjPerBit', { min: 0 }),
    source: l.string('source'),
  };
}

/** Time (ps, rounded up) to move `bytes` over one channel's link at its bandwidth, plus its latency. */
export function linkTransferPs(link: PimLink, bytes: number): number {
  return link.latencyPs + Math.ceil((bytes * 1000) / link.bandwidthGBps);
}

/** Energy (pJ) of moving `bytes` over the link. */
export function linkEnergyPj(link: PimLink, bytes: number): number {
  return bytes * 8 * link.pjPerBit;
}
