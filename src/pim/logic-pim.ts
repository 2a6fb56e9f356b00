import { noteAssumptions, overridesKey, recordAssumptions, type Assumption } from '../spec/provenance.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { readJsonFile } from '../spec/json-file.ts';
import { bytesPerRequest, parseStandard, type DramStandard } from '../dram/standard.ts';
import { ARCH_DIR } from '../spec/package-root.ts';
import { deepFreeze } from '../spec/freeze.ts';

/**
 * Near-memory PIM devices of the Duplex comparison (arch/pim/{logic-pim,bg-pim,bank-pim}.json), all described
 * the same way: where the processing elements sit (the HBM3 logic die, each bank group, each bank), how wide
 * the data path from the banks to them is, what a bit costs on that path, and the compute behind it.
 *
 * The data path is modelled as a derived DRAM standard, the PIM view: the base standard (hbm3) with a wider
 * bus per pseudo-channel (Logic-PIM: 128 bits of TSVs instead of the 32-bit external bus) at the same burst
 * length and clock, so one column command moves 4x the bytes and every DRAM timing rule (tRCD, tCCD_L, tFAW,
 * refresh) still applies. Rows keep their size (fewer, wider columns), so capacity is unchanged. The per-bit
 * path energy of the view replaces the external cell + datapath + I/O split with the PIM path's.
 */

/** Where a PIM device's processing elements sit. */
export const PIM_PLACEMENTS = ['logic-die', 'bank-group', 'bank'] as const;
/** A placement. */
export type PimPlacement = (typeof PIM_PLACEMENTS)[number];

/** A loaded near-memory PIM spec. Frozen. */
export interface LogicPimSpec {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly placement: PimPlacement;
  /** The base standard (external view), as loaded from arch/dram. */
  readonly base: DramStandard;
  /** The PIM view: the base with the PIM data path's width and per-bit energy. Its traffic is what PIM ops move. */
  readonly view: DramStandard;
  /** PIM data-path width over the external bus width (4 for Logic-PIM). */
  readonly bandwidthFactor: number;
  /** Clock of the processing elements and vector lanes, ps. */
  readonly clockPs: number;
  /** FP16 MACs per PE clock per pseudo-channel. */
  readonly macsPerCyclePerChannel: number;
  readonly elementBytes: number;
  readonly macPj: number;
  /** Vector lanes (one element op per clock each) per pseudo-channel, and energy per element op. */
  readonly vectorLanesPerChannel: number;
  readonly vectorOpPj: number;
  /** FP32 partial-sum buffer per pseudo-channel, bytes: M rows x the channel's share of N outputs must fit for one pass. */
  readonly accumulatorBytesPerChannel: number;
  /** Requests per pseudo-channel of the simulated representative tile (src/pim/logic-pim-tsv.ts). */
  readonly tileRequestsPerChannel: number;
  readonly sources: Readonly<Record<string, string>>;
}

/** Bytes of one partial sum (FP32 accumulation of FP16 products). */
export const ACCUMULATOR_BYTES = 4;

/** Directory of PIM specs (shared with the in-bank specs of src/pim/pim-spec.ts). */
const PIM_DIR = join(ARCH_DIR, 'pim');

/** Shipped near-memory PIM specs of the Duplex comparison. */
export const LOGIC_PIM_SPECS = ['bank-pim', 'bg-pim', 'logic-pim'] as const;

/**
 * Shipped specs loaded so far: one frozen object per name and set of overrides in effect (`overridesKey`), so that
 * costs memoised per spec (the simulated streams of logic-pim-tsv.ts) are shared by every system using it, while a
 * spec read under overrides (a sensitivity variant, `--set`) is never served without them, nor the reverse. (Keyed
 * by name alone, every Duplex sensitivity variant of a Logic-PIM or HBM3 assumption reused the shipped spec.)
 */
const shipped = new Map<string, { readonly spec: LogicPimSpec; readonly assumptions: readonly Assumption[] }>();

/**
 * Forgets the shipped specs loaded so far. A process that runs several commands, each under its own `--set`
 * overrides (a worker of `strata sweep`, src/sweep/run-point.ts), calls it before each, so that no run reuses a spec
 * loaded under another run's overrides.
 */
export function forgetLoadedLogicPims(): void {
  shipped.clear();
}

/** Loads a near-memory PIM spec by shipped name or path (shipped names are loaded once). */
export function loadLogicPim(nameOrPath: string): LogicPimSpec {
  const key = `${nameOrPath}\u0000${overridesKey()}`;
  const known = shipped.get(key);
  if (known) {
    // A reuse reads no file, so the assumptions the spec rests on are noted again here: a sensitivity study
    // (src/validation/sensitivity.ts) must see every part that depends on them, not only the first to load it.
    noteAssumptions(known.assumptions);
    return known.spec;
  }
  const { result: spec, assumptions } = recordAssumptions(() => readLogicPim(nameOrPath));
  if ((LOGIC_PIM_SPECS as readonly string[]).includes(nameOrPath)) shipped.set(key, { spec, assumptions });
  return spec;
}

function readLogicPim(nameOrPath: string): LogicPimSpec {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  if (!looksLikePath && !(LOGIC_PIM_SPECS as readonly string[]).includes(nameOrPath)) {
    throw new StrataError(`unknown near-memory PIM spec '${nameOrPath}' (known: ${LOGIC_PIM_SPECS.join(', ')}; or give a path to a .json spec)`);
  }
  const file = looksLikePath ? nameOrPath : join(PIM_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) throw new StrataError(`${nameOrPath}: file not found`);
  return parseLogicPim(readJsonFile(file), file);
}

/** Validates a parsed near-memory PIM spec and derives its PIM view; `file` names it in errors. */
export function parseLogicPim(json: unknown, file: string): LogicPimSpec {
  const r = FieldReader.root(file, json);
  r.onlyKeys(['name', 'description', 'placement', 'base', 'datapath', 'pathEnergy', 'compute', 'vector', 'buffers', 'simulation', 'note']);
  const sources: Record<string, string> = {};
  const section = (key: string, keys: string[]): FieldReader => r.sourcedSection(key, keys, sources);
  const placement = r.string('placement', PIM_PLACEMENTS) as PimPlacement;
  const baseName = r.string('base');
  const baseFile = join(ARCH_DIR, 'dram', `${baseName}.json`);
  if (!existsSync(baseFile)) r.fail('base', 'the name of a DRAM standard in arch/dram', baseName);
  const baseJson = readJsonFile(baseFile) as Record<string, unknown>;
  const base = parseStandard(baseJson, baseFile);
  const org = base.organization;

  const d = section('datapath', ['busWidthBits']);
  const busWidthBits = d.number('busWidthBits', { integer: true, positive: true });
  const factor = busWidthBits / org.busWidthBits;
  if (!Number.isInteger(factor) || (factor & (factor - 1)) !== 0) {
    d.fail('busWidthBits', `a power-of-two multiple of the base's ${org.busWidthBits}-bit bus (the PIM path is at least as wide as the external one)`, busWidthBits);
  }
  const columns = org.columns / factor;
  if (!Number.isInteger(columns) || columns < org.burstLength) {
    d.fail('busWidthBits', `at most ${(org.columns / org.burstLength) * org.busWidthBits} bits, so that a ${(org.columns * org.busWidthBits) / 8}-byte row still holds a whole burst (BL${org.burstLength})`, busWidthBits);
  }

  const e = section('pathEnergy', ['cellPjPerBit', 'datapathPjPerBit', 'ioPjPerBit']);
  const pathEnergy = {
    cellPjPerBit: e.number('cellPjPerBit', { min: 0 }),
    datapathPjPerBit: e.number('datapathPjPerBit', { min: 0 }),
    ioPjPerBit: e.number('ioPjPerBit', { min: 0 }),
  };

  const c = section('compute', ['clockPs', 'macsPerCyclePerChannel', 'elementBytes', 'macPj']);
  const v = section('vector', ['lanesPerChannel', 'opPj']);
  const b = section('buffers', ['accumulatorBytesPerChannel']);
  const s = section('simulation', ['tileRequestsPerChannel']);

  const baseOrg = baseJson.organization as Record<string, unknown>;
  const basePath = baseJson.pathEnergy as Record<string, unknown>;
  const view = parseStandard({
    ...baseJson,
    name: `${baseName}-${r.string('name')}-view`,
    description: `${base.description} PIM view of ${r.string('name')}: ${busWidthBits}-bit data path per channel.`,
    organization: { ...baseOrg, busWidthBits, columns, source: `${String(baseOrg.source)}; PIM data path: ${sources.datapath}` },
    pathEnergy: { ...basePath, ...pathEnergy, source: `${String(basePath.source)}; PIM path: ${sources.pathEnergy}` },
  }, file);

  const spec: LogicPimSpec = {
    name: r.string('name'),
    description: r.optionalString('description', ''),
    file,
    placement,
    base,
    view,
    bandwidthFactor: factor,
    clockPs: c.number('clockPs', { integer: true, positive: true }),
    macsPerCyclePerChannel: c.number('macsPerCyclePerChannel', { integer: true, positive: true }),
    elementBytes: c.number('elementBytes', { integer: true, positive: true }),
    macPj: c.number('macPj', { min: 0 }),
    vectorLanesPerChannel: v.number('lanesPerChannel', { integer: true, positive: true }),
    vectorOpPj: v.number('opPj', { min: 0 }),
    accumulatorBytesPerChannel: b.number('accumulatorBytesPerChannel', { integer: true, positive: true }),
    tileRequestsPerChannel: s.number('tileRequestsPerChannel', { integer: true, positive: true }),
    sources,
  };
  if (spec.accumulatorBytesPerChannel < ACCUMULATOR_BYTES) b.fail('accumulatorBytesPerChannel', `at least one FP32 partial sum (${ACCUMULATOR_BYTES} B)`, spec.accumulatorBytesPerChannel);
  return deepFreeze(spec);
}

/** Peak bandwidth of one stack's PIM data path, bytes/s: one burst per tBURST on every channel. */
export function pimPeakBytesPerS(s: LogicPimSpec): number {
  const v = s.view;
  return (v.organization.channels * bytesPerRequest(v)) / ((v.timing.tBURST! * v.tCKPs) / 1e12);
}

/** External (xPU-side) peak bandwidth of one stack, bytes/s. */
export function externalPeakBytesPerS(s: LogicPimSpec): number {
  const b = s.base;
  return (b.organization.channels * bytesPerRequest(b)) / ((b.timing.tBURST! * b.tCKPs) / 1e12);
}

/** Peak compute of one stack's processing elements, FLOP/s (a MAC counts 2). */
export function pimPeakFlopsPerS(s: LogicPimSpec): number {
  return (2 * s.macsPerCyclePerChannel * s.view.organization.channels) / (s.clockPs / 1e12);
}

/** The device's Op/B: peak FLOP/s over peak PIM-path bandwidth (Duplex Logic-PIM: 8). */
export function pimOpPerByte(s: LogicPimSpec): number {
  return pimPeakFlopsPerS(s) / pimPeakBytesPerS(s);
}
