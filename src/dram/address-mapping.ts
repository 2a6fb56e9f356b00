import { StrataError } from '../spec/errors.ts';
import type { Organization } from './standard.ts';

/** Field names of an address mapping, most significant first in the mapping string. */
export const FIELDS = ['ch', 'ra', 'bg', 'ba', 'ro', 'co'] as const;
/** One field name. */
export type Field = (typeof FIELDS)[number];

/** A decoded DRAM address. */
export interface DecodedAddress {
  channel: number;
  rank: number;
  bankGroup: number;
  bank: number;
  row: number;
  column: number;
}

/** A compiled address mapping: where each field sits above the request-offset bits. */
export interface AddressMapping {
  readonly text: string;
  readonly order: readonly Field[];
  readonly offsetBits: number;
  /** 2^position (above the offset) and field size, per field, in FIELDS order. */
  readonly scale: readonly number[];
  readonly size: readonly number[];
  /** Bytes the mapped fields cover; larger addresses are beyond the device. */
  readonly capacityBytes: number;
  /** 2^offsetBits: bytes per request. */
  readonly requestBytes: number;
  /** Bit position and mask per field, for the fast path when the request index fits in 31 bits. */
  readonly shift: readonly number[];
  readonly mask: readonly number[];
}

function log2Exact(n: number, what: string, mapping: string): number {
  const b = Math.log2(n);
  if (!Number.isInteger(b)) throw new StrataError(`address mapping '${mapping}': ${what} = ${n} is not a power of two, so it cannot be a bit field`);
  return b;
}

/**
 * Parses a mapping such as `ro-ba-bg-ch-co` or DRAMsim3's `rorabgbachco` (fields from the most to the least
 * significant bit, above log2(bytes per request) offset bits). Column bits count bursts, not columns:
 * log2(columns / burstLength).
 */
export function parseAddressMapping(text: string, org: Organization, where = 'address mapping'): AddressMapping {
  const compact = text.replace(/[-_ ]/g, '').toLowerCase();
  const order: Field[] = [];
  if (compact.length % 2 !== 0) throw new StrataError(`${where} '${text}': expected two-letter fields (${FIELDS.join(', ')}), e.g. 'ro-ba-bg-ch-co'`);
  for (let i = 0; i < compact.length; i += 2) {
    const f = compact.slice(i, i + 2) as Field;
    if (!FIELDS.includes(f)) throw new StrataError(`${where} '${text}': unknown field '${f}' (known: ${FIELDS.join(', ')})`);
    if (order.includes(f)) throw new StrataError(`${where} '${text}': field '${f}' appears twice`);
    order.push(f);
  }
  const sizes: Record<Field, number> = {
    ch: org.channels, ra: org.ranks, bg: org.bankGroups, ba: org.banksPerGroup, ro: org.rows, co: org.columns / org.burstLength,
  };
  for (const f of FIELDS) {
    if (!order.includes(f) && sizes[f] > 1) throw new StrataError(`${where} '${text}': field '${f}' is missing (the device has ${sizes[f]} of them)`);
  }
  const offsetBits = log2Exact((org.busWidthBits / 8) * org.burstLength, 'bytes per request', text);
  const scale = new Array<number>(FIELDS.length).fill(1);
  const size = new Array<number>(FIELDS.length).fill(1);
  let bit = 0;
  for (let i = order.length - 1; i >= 0; i--) {
    const f = order[i]!;
    const idx = FIELDS.indexOf(f);
    scale[idx] = 2 ** bit;
    size[idx] = sizes[f];
    bit += log2Exact(sizes[f], `number of '${f}'`, text);
  }
  const shift = scale.map((x) => Math.log2(x));
  const mask = size.map((x) => x - 1);
  return Object.freeze({ text, order, offsetBits, scale, size, capacityBytes: 2 ** (bit + offsetBits), requestBytes: 2 ** offsetBits, shift, mask });
}

/** Decodes `addr` into `out` (reused to avoid allocation). Bits above the mapped fields are ignored. */
export function decodeAddress(m: AddressMapping, addr: number, out: DecodedAddress): DecodedAddress {
  const unit = Math.floor(addr / m.requestBytes);
  if (unit < 0x80000000) {
    const sh = m.shift;
    const mk = m.mask;
    out.channel = (unit >>> sh[0]!) & mk[0]!;
    out.rank = (unit >>> sh[1]!) & mk[1]!;
    out.bankGroup = (unit >>> sh[2]!) & mk[2]!;
    out.bank = (unit >>> sh[3]!) & mk[3]!;
    out.row = (unit >>> sh[4]!) & mk[4]!;
    out.column = (unit >>> sh[5]!) & mk[5]!;
    return out;
  }
  const s = m.scale;
  const z = m.size;
  out.channel = Math.floor(unit / s[0]!) % z[0]!;
  out.rank = Math.floor(unit / s[1]!) % z[1]!;
  out.bankGroup = Math.floor(unit / s[2]!) % z[2]!;
  out.bank = Math.floor(unit / s[3]!) % z[3]!;
  out.row = Math.floor(unit / s[4]!) % z[4]!;
  out.column = Math.floor(unit / s[5]!) % z[5]!;
  return out;
}

/** Encodes fields back into the lowest byte address that maps to them. */
export function encodeAddress(m: AddressMapping, a: DecodedAddress): number {
  const s = m.scale;
  const unit = a.channel * s[0]! + a.rank * s[1]! + a.bankGroup * s[2]! + a.bank * s[3]! + a.row * s[4]! + a.column * s[5]!;
  return unit * 2 ** m.offsetBits;
}
