import { readFileSync } from 'node:fs';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { DRAM_REPORT_SCHEMA, type DramReport } from './dram-report.ts';

const ENERGY_KEYS = ['activate', 'read', 'write', 'refresh', 'background', 'io', 'total'] as const;

/**
 * Checks that parsed JSON is a DRAM report (`strata.dram-report/1`) with every field that charts read, and
 * returns it typed. Errors name the file and the field.
 */
export function checkDramReport(file: string, value: unknown): DramReport {
  const root = FieldReader.root(file, value);
  if (!root.has('schema')) {
    throw new StrataError(`${file}: not a Strata report (no 'schema' field; expected '${DRAM_REPORT_SCHEMA}')`);
  }
  const schema = root.string('schema');
  if (schema !== DRAM_REPORT_SCHEMA) {
    const hint = schema.startsWith('strata.dram-report/')
      ? `a different version of the DRAM report schema; re-run the simulation with this Strata to get '${DRAM_REPORT_SCHEMA}'`
      : `this command renders DRAM reports ('${DRAM_REPORT_SCHEMA}')`;
    throw new StrataError(`${file}: field 'schema' is '${schema}': ${hint}`);
  }
  const std = root.object('standard');
  std.string('name');
  std.string('standard');
  std.string('file');
  root.object('controller');
  const clock = root.object('clock');
  clock.string('name');
  clock.number('periodPs', { positive: true });
  const wl = root.object('workload');
  wl.string('origin');
  wl.string('frontend');
  wl.number('requestsInTrace', { min: 0 });
  const win = root.object('window');
  win.number('cycles', { min: 0 });
  win.number('timeNs', { min: 0 });
  win.boolean('fixed');
  const req = root.object('requests');
  for (const k of ['completed', 'reads', 'writes']) req.number(k, { min: 0 });
  const bw = root.object('bandwidth');
  for (const k of ['achievedGBps', 'peakGBps', 'percentOfPeak']) bw.number(k, { min: 0 });
  const rb = root.object('rowBuffer');
  for (const k of ['hits', 'misses', 'conflicts', 'hitRate']) rb.number(k, { min: 0 });
  const lat = root.object('readLatency');
  for (const k of ['mean', 'p50', 'p99', 'max', 'meanNs']) lat.number(k, { min: 0 });
  const commands = root.object('commands');
  for (const k of Object.keys(commands.obj)) commands.number(k, { min: 0 });
  const energy = root.object('energy');
  for (const model of ['idd', 'path']) {
    const m = energy.object(model);
    for (const k of ENERGY_KEYS) m.number(k, { min: 0 });
  }
  energy.number('averagePowerMwIdd', { min: 0 });
  energy.number('pjPerBitIdd', { min: 0 });
  for (const ch of root.objects('channels')) {
    ch.number('channel', { integer: true, min: 0 });
    ch.number('completed', { min: 0 });
    ch.number('bandwidthGBps', { min: 0 });
    ch.number('dataBusUtilisation', { min: 0 });
    const cmds = ch.object('commands');
    for (const k of Object.keys(cmds.obj)) cmds.number(k, { min: 0 });
  }
  for (const b of root.objects('banks')) {
    for (const k of ['channel', 'rank', 'bankGroup', 'bank', 'columnCommands']) b.number(k, { integer: true, min: 0 });
    b.number('activeFraction', { min: 0, max: 1 });
  }
  return value as DramReport;
}

/** Reads a saved DRAM report file and checks it (see `checkDramReport`). */
export function readDramReport(file: string): DramReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new StrataError(`cannot read report '${file}': ${why}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StrataError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return checkDramReport(file, value);
}
