import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { readJsonFile, jsonFileNames } from '../spec/json-file.ts';
import { ARCH_DIR, deepFreeze } from '../dram/standard.ts';
import { opBytes, type Op } from '../compiler/op.ts';

/** The vector datapath of a PIM system's ASIC. */
export interface AsicSpec {
  readonly name: string;
  readonly file: string;
  readonly clockPs: number;
  /** Element operations per cycle. */
  readonly lanes: number;
  /** Fixed pipeline latency per operator, cycles. */
  readonly opLatencyCycles: number;
  readonly pjPerOp: number;
  readonly sramPjPerByte: number;
  readonly sources: Readonly<Record<string, string>>;
}

/** Directory of ASIC specs. */
export const ASIC_DIR = join(ARCH_DIR, 'asic');

/** Names of the shipped ASIC specs. */
export function knownAsics(): string[] {
  return jsonFileNames(ASIC_DIR);
}

/** Loads an ASIC spec by name or path, with errors naming file and field. */
export function loadAsic(nameOrPath: string): AsicSpec {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = looksLikePath ? nameOrPath : join(ASIC_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (looksLikePath) throw new StrataError(`${nameOrPath}: file not found`);
    throw new StrataError(`unknown ASIC '${nameOrPath}' (known: ${knownAsics().join(', ')})`);
  }
  const r = FieldReader.root(file, readJsonFile(file));
  r.onlyKeys(['name', 'description', 'clock', 'datapath', 'energy', 'note']);
  const c = r.object('clock');
  c.onlyKeys(['source', 'clockPs']);
  const d = r.object('datapath');
  d.onlyKeys(['source', 'lanes', 'opLatencyCycles']);
  const e = r.object('energy');
  e.onlyKeys(['source', 'pjPerOp', 'sramPjPerByte']);
  return deepFreeze({
    name: r.string('name'),
    file,
    clockPs: c.number('clockPs', { integer: true, positive: true }),
    lanes: d.number('lanes', { integer: true, positive: true }),
    opLatencyCycles: d.number('opLatencyCycles', { integer: true, min: 0 }),
    pjPerOp: e.number('pjPerOp', { min: 0 }),
    sramPjPerByte: e.number('sramPjPerByte', { min: 0 }),
    sources: { clock: c.string('source'), datapath: d.string('source'), energy: e.string('source') },
  });
}

/** Time (ps, a whole number of ASIC cycles) and energy (pJ) of a vector op: its element operations over the lanes. */
export function asicOpCost(asic: AsicSpec, op: Op): { timePs: number; energyPj: number } {
  const cycles = asic.opLatencyCycles + Math.ceil(op.flops / asic.lanes);
  return { timePs: cycles * asic.clockPs, energyPj: op.flops * asic.pjPerOp + opBytes(op) * asic.sramPjPerByte };
}
