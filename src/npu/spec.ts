import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { ARCH_DIR } from '../spec/package-root.ts';
import { deepFreeze } from '../spec/freeze.ts';
import { readJsonFile, jsonFileNames } from '../spec/json-file.ts';
import { extractAssumptions } from '../spec/provenance.ts';

/**
 * NPU specs (arch/npu/*.json): systolic arrays, vector units, scratchpad and accumulator of one NPU core, every
 * number group with its source. The mapping policies tile GEMMs against it; src/npu/systolic-array.ts,
 * vector-unit.ts and scratchpad.ts time and cost its units.
 */

/** Dataflows a systolic array may use; only weight-stationary is tiled for now. */
export const DATAFLOWS = ['weight-stationary'] as const;
/** A systolic-array dataflow. */
export type Dataflow = (typeof DATAFLOWS)[number];

/** Largest element a model may use (FP32), bytes: specs must fit the smallest tile at this size. */
export const MAX_ELEMENT_BYTES = 4;

/** An on-chip SRAM: capacity, banks accessed in parallel, bytes per bank access and the energy of one access. */
export interface SramSpec {
  readonly bytes: number;
  readonly banks: number;
  readonly bankWidthBytes: number;
  /** Energy of one bank access (read or write) of bankWidthBytes, pJ. */
  readonly accessEnergyPj: number;
}

/** Defaults of the optional SRAM and pipeline fields, for spec files that leave them out. */
export const NPU_DEFAULTS = { banks: 16, bankWidthBytes: 128, accessEnergyPj: 0, latencyCycles: 1, doubleBufferedWeights: true } as const;

/** A loaded, validated NPU spec. Frozen. */
export interface NpuSpec {
  readonly name: string;
  readonly description: string;
  /** File it came from. */
  readonly file: string;
  readonly frequencyMHz: number;
  /** Clock period, integer ps (rounded). */
  readonly periodPs: number;
  readonly systolicArrays: {
    readonly count: number;
    /** Rows hold the reduction (K) dimension of the stationary operand. */
    readonly rows: number;
    /** Columns hold the output (N) dimension of the stationary operand. */
    readonly cols: number;
    readonly dataflow: Dataflow;
    /** Each PE holds a second (shadow) weight register, so the next fold loads while this one streams (TPU style). */
    readonly doubleBufferedWeights: boolean;
  };
  /** Vector units: `lanes` element operations per cycle each, plus a pipeline latency per operation. */
  readonly vectorUnits: { readonly count: number; readonly lanes: number; readonly latencyCycles: number };
  /** Scratchpad for inputs and stationary operands, bytes (two halves when double-buffered). */
  readonly scratchpadBytes: number;
  /** Accumulator SRAM for partial sums and outputs, bytes (two halves when double-buffered). */
  readonly accumulatorBytes: number;
  /** Organisation and access energy of the scratchpad SRAM (bytes = scratchpadBytes). */
  readonly scratchpad: SramSpec;
  /** Organisation and access energy of the accumulator SRAM (bytes = accumulatorBytes). */
  readonly accumulator: SramSpec;
  /** Sources cited by the file, by section. */
  readonly sources: Readonly<Record<string, string>>;
}

/** Directory of the shipped NPU specs. */
export const NPU_DIR = join(ARCH_DIR, 'npu');

/** Names of shipped NPU specs (arch/npu/*.json without the extension), sorted. */
export function knownNpus(): string[] {
  return jsonFileNames(NPU_DIR);
}

/** Loads an NPU spec by shipped name (`neupims-npu`) or by path to a .json file. */
export function loadNpu(nameOrPath: string): NpuSpec {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = looksLikePath ? nameOrPath : join(NPU_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (looksLikePath) throw new StrataError(`${nameOrPath}: file not found`);
    throw new StrataError(`unknown NPU '${nameOrPath}' (known: ${knownNpus().join(', ')}; or give a path to a .json NPU spec)`);
  }
  const json = readJsonFile(file);
  return parseNpu(json, file);
}

/**
 * Validates a parsed NPU spec and returns it frozen; `file` names it in errors. Beyond types and ranges it
 * checks that the smallest tile fits at 4-byte elements: the scratchpad holds, in each of its two halves, one
 * rows x cols fold of the stationary operand and one input row; the accumulator holds two output rows of cols
 * elements. The tiler can then fit every GEMM, whatever its size. An object parsed straight from a spec file may
 * still carry its `assumptions` blocks (readJsonFile removes them on load): they are checked and dropped here the
 * same way (src/spec/provenance.ts), on a copy.
 */
export function parseNpu(json: unknown, file: string): NpuSpec {
  const spec = structuredClone(json);
  extractAssumptions(spec, file);
  const r = FieldReader.root(file, spec);
  r.onlyKeys(['name', 'description', 'note', 'clock', 'systolicArrays', 'vectorUnits', 'scratchpad', 'accumulator'], 'an NPU spec (arch/npu/*.json)');
  const sources: Record<string, string> = {};
  const section = (key: string, keys: string[]): FieldReader => r.sourcedSection(key, keys, sources);
  const count = { integer: true, positive: true };

  const name = r.string('name');
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) r.fail('name', 'lower-case letters, digits, dots and dashes (e.g. neupims-npu)', name);
  const clock = section('clock', ['frequencyMHz']);
  const frequencyMHz = clock.number('frequencyMHz', { positive: true });
  const sa = section('systolicArrays', ['count', 'rows', 'cols', 'dataflow', 'doubleBufferedWeights']);
  const systolicArrays = {
    count: sa.number('count', count),
    rows: sa.number('rows', count),
    cols: sa.number('cols', count),
    dataflow: sa.string('dataflow', DATAFLOWS) as Dataflow,
    doubleBufferedWeights: sa.boolean('doubleBufferedWeights', NPU_DEFAULTS.doubleBufferedWeights),
  };
  const vu = section('vectorUnits', ['count', 'lanes', 'latencyCycles']);
  const vectorUnits = {
    count: vu.number('count', count),
    lanes: vu.number('lanes', count),
    latencyCycles: vu.optionalNumber('latencyCycles', NPU_DEFAULTS.latencyCycles, { integer: true, min: 0 }),
  };
  const sramKeys = ['bytes', 'banks', 'bankWidthBytes', 'accessEnergyPj'];
  const sram = (s: FieldReader): SramSpec => ({
    bytes: s.number('bytes', count),
    banks: s.optionalNumber('banks', NPU_DEFAULTS.banks, count),
    bankWidthBytes: s.optionalNumber('bankWidthBytes', NPU_DEFAULTS.bankWidthBytes, count),
    accessEnergyPj: s.optionalNumber('accessEnergyPj', NPU_DEFAULTS.accessEnergyPj, { min: 0 }),
  });
  const sp = section('scratchpad', sramKeys);
  const scratchpad = sram(sp);
  const scratchpadBytes = scratchpad.bytes;
  const acc = section('accumulator', sramKeys);
  const accumulator = sram(acc);
  const accumulatorBytes = accumulator.bytes;

  const { rows, cols } = systolicArrays;
  const minScratchpad = 2 * (rows * cols + rows) * MAX_ELEMENT_BYTES;
  if (scratchpadBytes < minScratchpad) {
    sp.fail('bytes', `at least ${minScratchpad} (two halves, each holding one ${rows} x ${cols} fold and one input row of ${MAX_ELEMENT_BYTES}-byte elements)`, scratchpadBytes);
  }
  const minAccumulator = 2 * cols * MAX_ELEMENT_BYTES;
  if (accumulatorBytes < minAccumulator) {
    acc.fail('bytes', `at least ${minAccumulator} (two halves, each holding one output row of ${cols} ${MAX_ELEMENT_BYTES}-byte partial sums)`, accumulatorBytes);
  }

  return deepFreeze({
    name,
    description: r.optionalString('description', ''),
    file,
    frequencyMHz,
    periodPs: Math.round(1e6 / frequencyMHz),
    systolicArrays,
    vectorUnits,
    scratchpadBytes,
    accumulatorBytes,
    scratchpad,
    accumulator,
    sources,
  });
}
