import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { FIELDS, decodeAddress, encodeAddress, parseAddressMapping, type DecodedAddress } from '../../src/dram/address-mapping.ts';
import { loadStandard, type Organization } from '../../src/dram/standard.ts';
import { importDramsim3Ini } from '../../src/dram/dramsim3-ini.ts';
import { StrataError } from '../../src/spec/errors.ts';
import { DRAMSIM3_REFERENCE_DIR, dramsim3Config, haveDramsim3Configs } from '../../src/validation/dramsim3.ts';

const HBM2 = loadStandard('hbm2').organization;
/** A two-rank DDR4-like organisation (64-bit bus, BL8 → 64 B requests), to exercise the rank field. */
const DDR4_2R: Organization = {
  channels: 2, ranks: 2, bankGroups: 4, banksPerGroup: 4, rows: 65536, columns: 1024, busWidthBits: 64, burstLength: 8, devicesPerRank: 8,
};

const blank = (): DecodedAddress => ({ channel: 0, rank: 0, bankGroup: 0, bank: 0, row: 0, column: 0 });
const decode = (m: ReturnType<typeof parseAddressMapping>, addr: number) => decodeAddress(m, addr, blank());

describe('parseAddressMapping: syntax', () => {
  it('dashed and compact DRAMsim3 spellings of the same order give the same mapping', () => {
    const dashed = parseAddressMapping('ro-ra-bg-ba-ch-co', HBM2);
    const compact = parseAddressMapping('rorabgbachco', HBM2);
    expect(compact.order).toEqual(['ro', 'ra', 'bg', 'ba', 'ch', 'co']);
    expect({ ...compact, text: '' }).toEqual({ ...dashed, text: '' });
    expect(compact.text).toBe('rorabgbachco');
  });

  it("accepts 'ro-ba-bg-ch-co' without the rank field when there is one rank", () => {
    const m = parseAddressMapping('ro-ba-bg-ch-co', HBM2);
    expect(m.order).toEqual(['ro', 'ba', 'bg', 'ch', 'co']);
    expect(parseAddressMapping('robabgchco', HBM2).scale).toEqual(m.scale);
    // underscores, spaces and upper case are accepted too
    expect(parseAddressMapping('RO_BA BG-CH-CO', HBM2).scale).toEqual(m.scale);
  });

  it('counts 6 offset bits for 64-B requests (128 bit x BL4 / 8) and covers 8 GiB for HBM2', () => {
    const m = parseAddressMapping('ro-ba-bg-ch-co', HBM2);
    expect(m.offsetBits).toBe(6);
    // 15 ro + 2 ba + 2 bg + 3 ch + 5 co (128 columns / BL4 = 32 bursts) + 6 offset = 33 bits = 8 GiB
    expect(m.capacityBytes).toBe(2 ** 33);
    expect(Object.isFrozen(m)).toBe(true);
  });

  it('rejects an unknown field, naming it and the known ones', () => {
    expect(() => parseAddressMapping('ro-ba-bg-ch-cx', HBM2)).toThrow(StrataError);
    expect(() => parseAddressMapping('ro-ba-bg-ch-cx', HBM2)).toThrow(/address mapping 'ro-ba-bg-ch-cx': unknown field 'cx' \(known: ch, ra, bg, ba, ro, co\)/);
  });

  it('rejects a field given twice', () => {
    expect(() => parseAddressMapping('ro-ba-bg-ch-co-ro', HBM2)).toThrow(/field 'ro' appears twice/);
  });

  it('rejects an odd number of letters', () => {
    expect(() => parseAddressMapping('ro-ba-bg-ch-c', HBM2)).toThrow(/expected two-letter fields \(ch, ra, bg, ba, ro, co\)/);
  });

  it('rejects a missing field the device needs, with the count', () => {
    expect(() => parseAddressMapping('ro-ba-bg-co', HBM2)).toThrow(/field 'ch' is missing \(the device has 8 of them\)/);
    expect(() => parseAddressMapping('ro-ba-bg-ch-co', DDR4_2R)).toThrow(/field 'ra' is missing \(the device has 2 of them\)/);
  });

  it('names the caller-given place in the message', () => {
    expect(() => parseAddressMapping('xx', HBM2, '--address-mapping')).toThrow(/^--address-mapping 'xx': unknown field 'xx'/);
  });

  it('rejects field counts that are not powers of two', () => {
    const org: Organization = { ...HBM2, channels: 3 };
    expect(() => parseAddressMapping('ro-ba-bg-ch-co', org)).toThrow(/number of 'ch' = 3 is not a power of two/);
  });
});

/** Arbitrary permutations of all six fields (the rank field is harmless when there is one rank). */
const anyOrder = fc.shuffledSubarray([...FIELDS], { minLength: FIELDS.length, maxLength: FIELDS.length }).map((fs) => fs.join('-'));

function fieldsOf(org: Organization) {
  return fc.record({
    channel: fc.nat({ max: org.channels - 1 }),
    rank: fc.nat({ max: org.ranks - 1 }),
    bankGroup: fc.nat({ max: org.bankGroups - 1 }),
    bank: fc.nat({ max: org.banksPerGroup - 1 }),
    row: fc.nat({ max: org.rows - 1 }),
    column: fc.nat({ max: org.columns / org.burstLength - 1 }),
  });
}

describe('address mapping: properties', () => {
  for (const [label, org] of [['hbm2', HBM2], ['two-rank DDR4-like', DDR4_2R]] as const) {
    it(`decode(encode(x)) === x for any field tuple and any field order (${label})`, () => {
      fc.assert(
        fc.property(anyOrder, fieldsOf(org), (order, x) => {
          const m = parseAddressMapping(order, org);
          const addr = encodeAddress(m, x);
          expect(addr % 2 ** m.offsetBits).toBe(0); // the lowest byte address of the request
          expect(addr).toBeLessThan(m.capacityBytes);
          expect(decode(m, addr)).toEqual(x);
        }),
      );
    });

    it(`encode(decode(addr)) === addr rounded down to the request size (${label})`, () => {
      const capacity = parseAddressMapping('ro-ra-ba-bg-ch-co', org).capacityBytes;
      fc.assert(
        fc.property(anyOrder, fc.integer({ min: 0, max: capacity - 1 }), (order, addr) => {
          const m = parseAddressMapping(order, org);
          expect(m.capacityBytes).toBe(capacity); // every order covers the same bits
          const requestBytes = 2 ** m.offsetBits; // 64 B for both organisations
          expect(requestBytes).toBe(64);
          expect(encodeAddress(m, decode(m, addr))).toBe(addr - (addr % requestBytes));
        }),
      );
    });
  }

  it('bits above the capacity are ignored by decode (DRAMsim3 wraps them)', () => {
    const m = parseAddressMapping('ro-ba-bg-ch-co', HBM2);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: m.capacityBytes - 1 }), fc.integer({ min: 1, max: 1000 }), (addr, k) => {
        expect(decode(m, addr + k * m.capacityBytes)).toEqual(decode(m, addr));
      }),
    );
  });
});

// DRAMsim3's .ini lives in ../shared/reference, never in the repository: skipped when that folder is absent.
describe.skipIf(!haveDramsim3Configs())(`address mapping: DRAMsim3 bit layout of HBM2_8Gb_x128.ini (rorabgbachco; skipped when ${DRAMSIM3_REFERENCE_DIR} is absent)`, () => {
  const ini = importDramsim3Ini(dramsim3Config('HBM2_8Gb_x128.ini')).standard;
  const m = parseAddressMapping(ini.controller.addressMapping, ini.organization);
  // From the least significant bit: 6 offset bits (64-B requests), co 5 bits (128 columns / BL4 = 32 bursts),
  // ch 3 bits (8 channels), ba 2, bg 2, ra 0 (1 rank), ro 15 (32768 rows). So in the byte address:
  //   offset [5:0], co [10:6], ch [13:11], ba [15:14], bg [17:16], ro [32:18].

  it('has the expected shape', () => {
    expect(ini.controller.addressMapping).toBe('rorabgbachco');
    expect(m.offsetBits).toBe(6);
    expect(m.capacityBytes).toBe(2 ** 33); // 33 bits in all = 8 GiB
  });

  it.each([
    ['0x0', 0x0, { channel: 0, rank: 0, bankGroup: 0, bank: 0, row: 0, column: 0 }],
    // 0x3f: offset bits only
    ['0x3f', 0x3f, { channel: 0, rank: 0, bankGroup: 0, bank: 0, row: 0, column: 0 }],
    // 0x40 = bit 6: column 1
    ['0x40', 0x40, { channel: 0, rank: 0, bankGroup: 0, bank: 0, row: 0, column: 1 }],
    // 0x7c0 = bits 10..6 all set: column 31
    ['0x7c0', 0x7c0, { channel: 0, rank: 0, bankGroup: 0, bank: 0, row: 0, column: 31 }],
    // 0x800 = bit 11: channel 1 (a stream moves to the next channel every 32 x 64 B = 2 KiB, one row)
    ['0x800', 0x800, { channel: 1, rank: 0, bankGroup: 0, bank: 0, row: 0, column: 0 }],
    // 0x4000 = bit 14: bank 1
    ['0x4000', 0x4000, { channel: 0, rank: 0, bankGroup: 0, bank: 1, row: 0, column: 0 }],
    // 0x10000 = bit 16: bank group 1
    ['0x10000', 0x10000, { channel: 0, rank: 0, bankGroup: 1, bank: 0, row: 0, column: 0 }],
    // 0x40000 = bit 18: row 1
    ['0x40000', 0x40000, { channel: 0, rank: 0, bankGroup: 0, bank: 0, row: 1, column: 0 }],
    // 5<<18 | 2<<16 | 3<<14 | 6<<11 | 17<<6 | 0x15 = 0x140000 + 0x20000 + 0xc000 + 0x3000 + 0x440 + 0x15
    ['0x16f455', 0x16f455, { channel: 6, rank: 0, bankGroup: 2, bank: 3, row: 5, column: 17 }],
    // 8 GiB - 1: every field at its maximum
    ['0x1ffffffff', 0x1ffffffff, { channel: 7, rank: 0, bankGroup: 3, bank: 3, row: 32767, column: 31 }],
    // 8 GiB: bit 33 is above the mapping and ignored → all zero
    ['0x200000000', 0x200000000, { channel: 0, rank: 0, bankGroup: 0, bank: 0, row: 0, column: 0 }],
    // first addresses of the fixture trace hbm2-8ch-random-rw: 0x269e0d00
    //   low 18 bits 0x20d00 = 10 0000 1101 0000 0000: bg = 0b10 = 2, ba = 0b00 = 0, ch = 0b001 = 1,
    //   co = 0b10100 = 20, offset 0; row = 0x269e0d00 >> 18 = 2471
    ['0x269e0d00', 0x269e0d00, { channel: 1, rank: 0, bankGroup: 2, bank: 0, row: 2471, column: 20 }],
  ])('decodes %s', (_label, addr, expected) => {
    expect(decode(m, addr)).toEqual(expected);
  });

  it('encodes back to the lowest address of the request', () => {
    expect(encodeAddress(m, { channel: 6, rank: 0, bankGroup: 2, bank: 3, row: 5, column: 17 })).toBe(0x16f440); // 0x16f455 without the offset 0x15
  });
});
