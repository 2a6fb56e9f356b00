import { exportDramsim3Ini, exportRamulator2Yaml } from '../dram/export.ts';
import { isRamulator2Path, loadRamulator2Config } from '../dram/ramulator2-config.ts';
import { ramulator2Standard } from '../dram/ramulator2-standard.ts';
import { isIniPath, loadStandard, type DramStandard } from '../dram/standard.ts';
import { importDramsim3Ini } from '../dram/dramsim3-ini.ts';
import { StrataError } from '../spec/errors.ts';
import { oneOf, parseFlags, seeUsage } from './args.ts';
import { checkOutputPaths, writeOutputs } from './output.ts';

/** Usage of `strata dram export`. */
export const DRAM_EXPORT_USAGE = 'strata dram export --spec <standard | spec.json | dramsim3.ini | ramulator2.yaml> --to dramsim3|ramulator2 --out FILE';

/** Loads a standard from any --spec form, a Ramulator 2 file included (one Strata's exporter wrote). */
export function loadAnyStandard(spec: string): DramStandard {
  if (isIniPath(spec)) return importDramsim3Ini(spec).standard;
  if (isRamulator2Path(spec)) return ramulator2Standard(loadRamulator2Config(spec));
  return loadStandard(spec);
}

/**
 * `strata dram export`: writes a standard as a configuration DRAMsim3 (.ini) or Ramulator 2 (resolved .yaml) reads;
 * what the other format cannot say is listed on stderr. Reading the file back with Strata's importer gives the same
 * organisation, clock, timings, constraints (Ramulator) and currents (test/dram/export.test.ts).
 */
export function dramExportCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('dram export', argv, { spec: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' } });
  if (positionals.length > 0) throw new StrataError(`dram export: unexpected argument '${positionals[0]}'${seeUsage('dram')}`);
  if (!v.spec || !v.to || !v.out) throw new StrataError(`dram export: --spec, --to and --out are required (${DRAM_EXPORT_USAGE})`);
  const to = oneOf('to', v.to, ['dramsim3', 'ramulator2'] as const)!;
  checkOutputPaths([v.out]);
  const std = loadAnyStandard(v.spec);
  const e = to === 'dramsim3' ? exportDramsim3Ini(std) : exportRamulator2Yaml(std);
  writeOutputs([{ path: v.out, content: e.text }]);
  for (const n of e.notes) console.error(`note: ${n}`);
  if (!v.quiet) console.log(`wrote ${v.out} (${to === 'dramsim3' ? 'DRAMsim3 .ini' : 'Ramulator 2 .yaml'}) from ${std.name}`);
  return 0;
}
