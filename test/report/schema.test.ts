import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { main } from '../../src/cli/main.ts';
import { COMMANDS } from '../../src/dram/commands.ts';
import { loadStandard } from '../../src/dram/standard.ts';
import { OP_KINDS } from '../../src/ir/op.ts';
import { decodeStep, prefillStep } from '../../src/compiler/step.ts';
import { PHASES } from '../../src/ir/step.ts';
import { loadModel, parameterCount } from '../../src/compiler/model.ts';
import { buildOpGraph } from '../../src/compiler/lower.ts';
import { compileStreams } from '../../src/compiler/lower.ts';
import { memoryFootprint } from '../../src/compiler/footprint.ts';
import { ENERGY_METHODS, PRECISIONS, loadDevice, runOpsOnDevice } from '../../src/systems/baseline/roofline.ts';
import { runReport, RUN_ENERGY_METHODS, RUN_POLICIES, RUN_REPORT_SCHEMA } from '../../src/report/run-report.ts';
import { DRAM_REPORT_SCHEMA } from '../../src/report/dram-report.ts';
import { FIGURE_DATA_SCHEMA } from '../../src/report/figure-data.ts';
import { SERVING_REPORT_SCHEMA } from '../../src/report/serving-report.ts';
import { matchesReportSchema, REPORT_KINDS, REPORT_SCHEMA_FILE, validateReport } from '../../src/report/schema.ts';
import { StrataError } from '../../src/spec/errors.ts';
import { DRAMSIM3_REFERENCE_DIR, dramsim3Config, haveDramsim3Configs } from '../../src/validation/dramsim3.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const schema = JSON.parse(readFileSync(REPORT_SCHEMA_FILE, 'utf8'));
const FIXTURE = join(ROOT, 'test/fixtures/reports/hbm2-mixed-2000.json');
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8'));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-schema-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the `strata` command line in-process (quietly) and returns the report it wrote to `--out`. */
function cliReport(name: string, argv: string[]): unknown {
  const out = join(dir, `${name}.json`);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const code = main([...argv, '--out', out]);
    expect(code, error.mock.calls.join('\n')).toBe(0);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  return JSON.parse(readFileSync(out, 'utf8'));
}

/** The message of the StrataError `validateReport` throws. */
function problem(json: unknown, file = 'r.json'): string {
  try {
    validateReport(json, file);
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return (e as Error).message;
  }
  throw new Error('expected validateReport to reject the report');
}

/** A run report from the library without the compiler's mapping step: the op graph straight onto a device. */
function libraryRunReport() {
  const model = loadModel('mixtral-8x7b');
  const device = loadDevice('cpu-xeon');
  const step = prefillStep([16, 8]);
  const run = runOpsOnDevice(device, buildOpGraph(model, step, { seed: 'lib' }), model.precisionBytes);
  return runReport({
    device, requestedSystem: 'cpu-xeon',
    model: { name: model.name, file: 'workloads/models/mixtral-8x7b.json', parameters: parameterCount(model), precisionBytes: model.precisionBytes },
    phase: 'prefill', origin: 'library', seed: 'lib', streams: compileStreams(model, 'lib'), footprint: memoryFootprint(model, step),
    steps: [{ step, seed: 'lib', run, deviceId: 'cpu0' }], timeline: 'all',
  });
}

describe('the schema file', () => {
  it('is a draft 2020-12 document that ajv compiles in strict mode, a oneOf over the report kinds', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const ajv = new Ajv2020Module.default({ strict: true, allowUnionTypes: true });
    expect(() => ajv.compile(schema)).not.toThrow();
    expect(schema.oneOf).toEqual(REPORT_KINDS.map((k) => ({ $ref: `#/$defs/${k.def}` })));
    expect(REPORT_KINDS.map((k) => schema.$defs[k.def].properties.schema.const)).toEqual([DRAM_REPORT_SCHEMA, RUN_REPORT_SCHEMA, FIGURE_DATA_SCHEMA, SERVING_REPORT_SCHEMA]);
    expect(DRAM_REPORT_SCHEMA).toBe('strata.dram-report/1');
    expect(RUN_REPORT_SCHEMA).toBe('strata.run-report/1');
    expect(FIGURE_DATA_SCHEMA).toBe('strata.figure-data/1');
    expect(SERVING_REPORT_SCHEMA).toBe('strata.serving-report/1');
  });

  it('every object is closed (additionalProperties: false) and requires all its fields but the optional time series; only command counts are open maps', () => {
    const open: string[] = [];
    // Fields added after version 1 shipped: optional, so that reports written before them stay valid.
    const optional: Record<string, string[]> = {
      '$defs.dramReport': ['bandwidthSeries', 'bankStates'],
      // Command marks in the bank-state window (issue #17): reports written before them have none.
      '$defs.dramReport.properties.bankStates': ['commandKinds'],
      '$defs.dramReport.properties.bankStates.properties.banks.items': ['commands'],
      // Duplex runs (policy duplex) add these to run reports; baseline runs leave them out.
      // The software profile (issue #14): reports written before it lack it.
      // PIM-GPT runs (policy pim-gpt) add pimGpt and have no roofline efficiencies, board power or software profile;
      // baseline and Duplex runs always write those three (src/report/run-report.ts, duplex-run-report.ts).
      '$defs.runReport.properties.system': ['duplex', 'softwareProfile', 'pimGpt', 'computeEfficiency', 'memoryEfficiency', 'boardPowerW'],
      // Only cost models resting on a GPU/CPU preset (gpu-roofline, duplex) write it; and not reports before issue #14.
      '$defs.servingReport.properties.system': ['softwareProfile'],
      '$defs.runReport.properties.energy': ['breakdownJ', 'pimGptJ'],
      '$defs.stepRecord': ['xpuBusyNs', 'pimBusyNs', 'serialNs', 'overlapNs', 'contendedNs'],
      '$defs.timelineEntry': ['allReduceNs'],
      // The content hash of strata figures' data files (issue #18); strata report's serving sweep writes none.
      '$defs.figureData': ['contentSha256'],
      // Only a serving run whose records went to its CSVs (issue #18) has it.
      '$defs.servingReport': ['streamed'],
      // Written only for DRAMsim3's PER_RANK queues (issue #19), so that reports of PER_BANK runs are unchanged.
      '$defs.controller': ['queueStructure'],
    };
    const visit = (s: unknown, where: string): void => {
      if (typeof s !== 'object' || s === null) return;
      const o = s as Record<string, unknown>;
      // A conditional's branches (if/then/else) only add requirements to an object defined beside them: not objects of their own.
      if (o.type === 'object' && !/\.(if|then|else)(\.|$)/.test(where)) {
        if (o.additionalProperties !== false) open.push(where);
        const expected = Object.keys(o.properties ?? {}).filter((k) => !(optional[where] ?? []).includes(k)).sort();
        if (o.properties) expect([...(o.required as string[])].sort(), where).toEqual(expected);
      }
      for (const [k, v] of Object.entries(o)) visit(v, `${where}.${k}`);
    };
    visit(schema.$defs, '$defs');
    // a standard may add commands (arch/pim): counts are keyed by its command names, each a typed count;
    // figure data's parameters differ by figure set (models, token counts, traces), each a value or a list of them
    expect(open).toEqual(['$defs.commandCounts', '$defs.channelCommandCounts', '$defs.figureData.properties.parameters']);
    expect(schema.$defs.commandCounts.additionalProperties).toEqual({ $ref: '#/$defs/count', description: 'A command the standard adds, count.' });
    expect(schema.$defs.channelCommandCounts.additionalProperties).toEqual({ type: 'integer', exclusiveMinimum: 0 });
  });

  it('every field has a description (units included)', () => {
    const missing: string[] = [];
    const visit = (s: Record<string, unknown>, where: string): void => {
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (typeof v.description !== 'string') missing.push(`${where}.${k}`);
        visit(v, `${where}.${k}`);
      }
      if (s.items) visit(s.items as Record<string, unknown>, `${where}[]`);
    };
    for (const [name, def] of Object.entries(schema.$defs as Record<string, Record<string, unknown>>)) visit(def, name);
    expect(missing).toEqual([]);
  });

  it('its lists of names are the code\'s: commands, op kinds, phases, precisions, energy methods, controller fields', () => {
    const d = schema.$defs;
    expect(Object.keys(d.commandCounts.properties)).toEqual([...COMMANDS]);
    expect(d.commandCounts.required).toEqual([...COMMANDS]);
    expect(d.timelineEntry.properties.kind.enum).toEqual([...OP_KINDS]);
    expect(d.runReport.properties.workload.properties.phase.enum).toEqual([...PHASES]);
    expect(d.runReport.properties.system.properties.precision.enum).toEqual([...PRECISIONS]);
    expect(d.runReport.properties.energy.properties.method.enum).toEqual([...RUN_ENERGY_METHODS]);
    expect(RUN_ENERGY_METHODS.slice(0, ENERGY_METHODS.length)).toEqual([...ENERGY_METHODS]);
    expect(d.runReport.properties.policy.enum).toEqual([...RUN_POLICIES]);
    // queueStructure: a preset's loaded controller leaves the default (PER_BANK) out; only PER_RANK is written.
    expect(Object.keys(d.controller.properties).sort()).toEqual([...Object.keys(loadStandard('hbm2').controller), 'queueStructure'].sort());
  });
});

describe('every report Strata produces validates', () => {
  const cases: Array<[string, () => unknown]> = [
    ['the saved fixture (strata dram, mixed pattern)', () => fixture],
    ['strata dram: random pattern, closed page, fixed window', () => cliReport('dram-closed', ['dram', '--spec', 'hbm2', '--pattern', 'random', '--requests', '3000', '--page-policy', 'closed', '--cycles', '2000'])],
    ['strata dram: ddr4 (ranks and bank groups), all-bank refresh, FCFS', () => cliReport('dram-ddr4', ['dram', '--spec', 'ddr4', '--pattern', 'mixed', '--requests', '2000', '--refresh', 'all-bank', '--scheduler', 'fcfs'])],
    // DRAMsim3's .ini lives in ../shared/reference: this case is left out, saying so, when it is absent.
    ...(haveDramsim3Configs()
      ? [['strata dram: a DRAMsim3 .ini and trace, DRAMsim3 front end', () => cliReport('dram-ini', ['dram', '--spec', dramsim3Config('HBM2_8Gb_x128_1ch.ini'), '--trace', 'test/fixtures/dramsim3/hbm2-1ch-random-rw.trace.gz', '--frontend', 'dramsim3', '--cycles', '3000'])] as [string, () => unknown]]
      : (console.warn(`schema: skipping the DRAMsim3 .ini report: ${DRAMSIM3_REFERENCE_DIR} is absent`), [])),
    ['strata dram: a user standard that adds a command (counted, zero, after the nine)', () => {
      const spec = join(dir, 'hbm2-mac.json');
      const std = JSON.parse(readFileSync(join(ROOT, 'arch/dram/hbm2.json'), 'utf8'));
      std.commands = [{ name: 'MAC16', scope: 'all-banks', rowEffect: 'needs-open', bus: 'column', description: 'an added command' }];
      writeFileSync(spec, JSON.stringify(std));
      const json = cliReport('dram-extra', ['dram', '--spec', spec, '--pattern', 'random', '--requests', '500']) as { commands: Record<string, number> };
      expect(Object.keys(json.commands)).toEqual([...COMMANDS, 'MAC16']);
      return json;
    }],
    ['strata run: decode, --tokens 2', () => cliReport('run-decode', ['run', '--system', 'gpu-a100', '--model', 'gpt2-small', '--phase', 'decode', '--context', '100', '--tokens', '2', '--quiet'])],
    ['strata run: decode, --tokens 2 --timeline all, a MoE model (streams)', () => cliReport('run-moe', ['run', '--system', 'cpu-xeon', '--model', 'mixtral-8x7b', '--phase', 'decode', '--context', '64', '--batch', '2', '--tokens', '2', '--timeline', 'all', '--seed', '9', '--quiet'])],
    ['strata run: prefill (perTokenLatencyNs null)', () => cliReport('run-prefill', ['run', '--system', 'gpu-h100-sxm', '--model', 'llama3-8b', '--phase', 'prefill', '--context', '128', '--batch', '2', '--quiet'])],
    ['a baseline run from the library, without the compiler (op graph straight onto cpu-xeon)', libraryRunReport],
  ];
  for (const [what, make] of cases) {
    it(what, () => {
      const json = make();
      expect(validateReport(json, what)).toBe(json);
      expect(matchesReportSchema(json)).toBe(true);
    });
  }

  it('strata run --trace (a saved gpu-roofline trace) validates too', () => {
    const trace = join(dir, 'xl.jsonl');
    vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(main(['compile', '--model', 'gpt2-medium', '--phase', 'decode', '--context', '64', '--policy', 'gpu-roofline', '--out', trace, '--quiet'])).toBe(0);
    vi.restoreAllMocks();
    const json = cliReport('run-trace', ['run', '--trace', trace, '--quiet']);
    expect((json as { workload: { origin: string } }).workload.origin).toBe(`trace ${trace}`);
    expect(validateReport(json, 'trace run').schema).toBe(RUN_REPORT_SCHEMA);
  });

  it('the prefill report carries perTokenLatencyNs null, which the schema allows', () => {
    const json = cliReport('run-prefill-2', ['run', '--system', 'gpu-t4', '--model', 'gpt2-small', '--phase', 'prefill', '--context', '32', '--quiet']) as { totals: { perTokenLatencyNs: unknown } };
    expect(json.totals.perTokenLatencyNs).toBeNull();
    expect(() => validateReport(json, 'p')).not.toThrow();
  });
});

describe('hand-broken reports fail with the file and the field path', () => {
  const run = libraryRunReport();

  it('a run report names the roofline efficiencies and board power unless its policy is pim-gpt, which names pimGpt', () => {
    // Baseline and Duplex runs always write them (src/report/run-report.ts); PIM-GPT runs have pimGpt instead.
    expect(matchesReportSchema(run)).toBe(true);
    for (const field of ['computeEfficiency', 'memoryEfficiency', 'boardPowerW'] as const) {
      const r = structuredClone(run) as { system: Record<string, unknown> };
      delete r.system[field];
      expect(matchesReportSchema(r), field).toBe(false);
    }
    const pim = structuredClone(run) as { policy: string; system: Record<string, unknown> };
    pim.policy = 'pim-gpt';
    expect(matchesReportSchema(pim), 'pim-gpt without pimGpt').toBe(false);
    pim.system.pimGpt = { pim: 'aim', asic: 'pim-gpt-asic', channels: 32, banksPerChannel: 16, macsPerBank: 16, linkLatencyNs: 1, linkPjPerBit: 1 };
    expect(matchesReportSchema(pim)).toBe(true);
  });

  it('a missing field, a wrong type, an out-of-range value, an unknown field', () => {
    const { banks: _banks, ...noBanks } = fixture;
    expect(problem(noBanks)).toBe("r.json: field 'banks': expected an array, found nothing");
    const b = structuredClone(fixture);
    b.banks[5].activeFraction = 1.5;
    expect(problem(b)).toBe("r.json: field 'banks[5].activeFraction': expected a number from 0 to 1, found 1.5");
    const c = structuredClone(fixture);
    c.window.cycles = '1608';
    expect(problem(c)).toBe(`r.json: field 'window.cycles': expected an integer >= 0, found "1608"`);
    const d = structuredClone(fixture);
    d.bandwidth.peakTBps = 0.256;
    expect(problem(d)).toBe("r.json: field 'bandwidth.peakTBps': unknown field (known fields here: achievedGBps, peakGBps, percentOfPeak, bytesPerRequest)");
    const g = structuredClone(fixture);
    g.channels[3].commands['RD A'] = 4;
    expect(problem(g)).toBe("r.json: field 'channels[3].commands.RD A': not a valid field name here (expected a name matching /^[A-Za-z][A-Za-z0-9_]*$/)");
    const h = structuredClone(fixture);
    delete h.commands.REFpb;
    h.channels[0].commands.ACT = 0; // per channel, kinds not issued are left out rather than written as 0
    expect(problem(h)).toBe("r.json: field 'commands.REFpb': expected an integer >= 0, found nothing\n  field 'channels[0].commands.ACT': expected an integer > 0, found 0");
    const e = structuredClone(fixture);
    e.readLatency.unit = 'ns';
    expect(problem(e)).toBe(`r.json: field 'readLatency.unit': expected "cycles", found "ns"`);
    const f = structuredClone(fixture);
    f.controller.pagePolicy = 'adaptive';
    expect(problem(f)).toBe(`r.json: field 'controller.pagePolicy': expected one of open, closed, found "adaptive"`);
  });

  it('run reports: paths into steps and the timeline', () => {
    const a = structuredClone(run) as unknown as { timeline: { ops: Array<Record<string, unknown>> } };
    a.timeline.ops[7]!.kind = 'conv2d';
    expect(problem(a, 'run.json')).toMatch(/^run\.json: field 'timeline\.ops\[7\]\.kind': expected one of embedding, norm, .*, lm-head, found "conv2d"$/);
    const b = structuredClone(run) as unknown as { steps: Array<Record<string, unknown>> };
    delete b.steps[0]!.seed;
    expect(problem(b, 'run.json')).toBe("run.json: field 'steps[0].seed': expected a string, found nothing");
    const c = structuredClone(run) as unknown as { totals: Record<string, unknown> };
    c.totals.perTokenLatencyNs = -1;
    expect(problem(c, 'run.json')).toBe("run.json: field 'totals.perTokenLatencyNs': expected a number >= 0 or null, found -1");
    const d = structuredClone(run) as unknown as { steps: unknown[] };
    d.steps = [];
    expect(problem(d, 'run.json')).toBe("run.json: field 'steps': expected at least 1 item(s), found 0");
  });

  it('lists the first three problems and counts the rest', () => {
    const b = structuredClone(fixture);
    b.banks[0].bank = -1;
    b.banks[1].bank = -1;
    b.banks[2].bank = -1;
    b.banks[3].bank = -1;
    b.banks[4].bank = -1;
    expect(problem(b)).toBe([
      "r.json: field 'banks[0].bank': expected an integer >= 0, found -1",
      "  field 'banks[1].bank': expected an integer >= 0, found -1",
      "  field 'banks[2].bank': expected an integer >= 0, found -1",
      '  (2 more problems)',
    ].join('\n'));
  });

  it('the schema field: missing, not a string, another version, unknown, and a report of one kind claiming the other', () => {
    expect(problem({ hello: 1 })).toBe("r.json: not a Strata report (no 'schema' field; expected one of 'strata.dram-report/1', 'strata.run-report/1', 'strata.figure-data/1', 'strata.serving-report/1')");
    expect(problem([fixture])).toBe('r.json: expected a JSON object at the top level, found an array');
    expect(problem({ ...fixture, schema: 1 })).toMatch(/^r\.json: field 'schema': expected a string naming the report kind/);
    expect(problem({ ...fixture, schema: 'strata.dram-report/2' })).toBe("r.json: field 'schema' is 'strata.dram-report/2': a different version of the DRAM report schema; this Strata reads 'strata.dram-report/1' (re-run with this Strata, or use the Strata that wrote it)");
    expect(problem({ ...run, schema: 'strata.run-report/0' })).toMatch(/a different version of the run report schema; this Strata reads 'strata\.run-report\/1'/);
    expect(problem({ ...fixture, schema: 'strata.pim-report/1' })).toBe("r.json: field 'schema' is 'strata.pim-report/1': not a Strata report schema (known: 'strata.dram-report/1', 'strata.run-report/1', 'strata.figure-data/1', 'strata.serving-report/1')");
    // a DRAM report relabelled as a run report is checked as a run report
    expect(problem({ ...fixture, schema: RUN_REPORT_SCHEMA })).toMatch(/^r\.json: field 'system': expected an object, found nothing\n/);
    expect(matchesReportSchema({ ...fixture, schema: RUN_REPORT_SCHEMA })).toBe(false);
  });
});

describe('figure data (strata.figure-data/1, the data files of strata figures)', () => {
  const pimGpt = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/figure-data-pim-gpt.json'), 'utf8'));
  const peak = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/figure-data-peak-bandwidth.json'), 'utf8'));

  it('the saved data files validate against the schema document and as figure data', () => {
    for (const d of [pimGpt, peak]) {
      expect(validateReport(d, 'd.json')).toBe(d);
      expect(matchesReportSchema(d)).toBe(true);
    }
  });

  it('a row with a value too many or too few names the table and the row', () => {
    const bad = structuredClone(pimGpt);
    bad.tables[1].rows[4].push(1); // baselines: model, baseline, kind, tokenUs, tokenUj, speedup, efficiency = 7
    expect(problem(bad)).toBe("r.json: field 'tables[1].rows[4]': expected 7 values (one per column of table 'baselines'), found 8");
    bad.tables[1].rows[4].splice(0, 3);
    expect(problem(bad)).toBe("r.json: field 'tables[1].rows[4]': expected 7 values (one per column of table 'baselines'), found 5");
  });

  it('a malformed hash, an object in a cell, a missing table list and another version are named', () => {
    expect(problem({ ...pimGpt, inputs: { ...pimGpt.inputs, sha256: 'abc' } })).toMatch(/^r\.json: field 'inputs\.sha256': /);
    const cell = structuredClone(peak);
    cell.tables[0].rows[0][2] = { gbps: 1 };
    expect(problem(cell)).toMatch(/^r\.json: field 'tables\[0\]\.rows\[0\]\[2\]': expected a string or a number or true or false or null, found /);
    const { tables: _t, ...noTables } = peak;
    expect(problem(noTables)).toBe("r.json: field 'tables': expected an array, found nothing");
    expect(problem({ ...peak, schema: 'strata.figure-data/2' })).toMatch(/a different version of the figure data schema; this Strata reads 'strata\.figure-data\/1'/);
  });
});

describe('the optional time series of DRAM reports', () => {
  it('a report written before them (no bandwidthSeries, no bankStates) still validates', () => {
    const { bandwidthSeries: _s, bankStates: _b, ...old } = fixture;
    expect(validateReport(old, 'old.json').schema).toBe('strata.dram-report/1');
    expect(fixture.bandwidthSeries.epochs).toBeGreaterThan(0);
  });

  it('a state index beyond the five states, a run of four values and fractional bytes are named by field', () => {
    const a = structuredClone(fixture);
    a.bankStates.banks[3].runs[2] = [1, 2, 7];
    expect(() => validateReport(a, 'a.json')).toThrow("a.json: field 'bankStates.banks[3].runs[2][2]': expected one of 0, 1, 2, 3, 4, found 7");
    const b = structuredClone(fixture);
    b.bankStates.banks[0].runs[0] = [0, 10, 0, 1];
    expect(() => validateReport(b, 'b.json')).toThrow("b.json: field 'bankStates.banks[0].runs[0]'");
    const c = structuredClone(fixture);
    c.bandwidthSeries.channels[1].bytes[4] = 12.5;
    expect(() => validateReport(c, 'c.json')).toThrow("c.json: field 'bandwidthSeries.channels[1].bytes[4]': expected an integer >= 0, found 12.5");
    const d = structuredClone(fixture);
    d.bankStates.states = ['idle', 'busy'];
    expect(() => validateReport(d, 'd.json')).toThrow("d.json: field 'bankStates.states'");
  });
});
