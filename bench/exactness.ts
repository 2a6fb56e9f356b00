// A fingerprint of the DRAM simulator's behaviour, for changes meant to leave it alone (speed work, refactors):
//   npx tsx bench/exactness.ts [requests]      (default 1,500 requests per configuration)
// Runs every configuration below and prints one SHA-256 over all their reports and command logs; run it before and
// after a change and compare the two lines. Configurations: every shipped standard and DRAMsim3's HBM2 .ini x every
// pattern x FR-FCFS and FCFS x open and closed page x each refresh scheme the standard has x both front ends x the
// standard's queues and small ones (which keep queues full and writes draining); requests spaced 0, 1 or 2 cycles.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseAddressMapping } from '../src/dram/address-mapping.ts';
import { formatLog, logEntries } from '../src/dram/command-log.ts';
import { importDramsim3Ini } from '../src/dram/dramsim3-ini.ts';
import { generatePattern, PATTERNS } from '../src/dram/patterns.ts';
import { runDram } from '../src/dram/run.ts';
import { bytesPerRequest, knownStandards, loadStandard, type ControllerSpec, type DramStandard } from '../src/dram/standard.ts';
import { dramReport } from '../src/report/dram-report.ts';
import { dramsim3Config } from '../src/validation/dramsim3.ts';

const ROOT = resolve(import.meta.dirname, '..');
const requests = Number(process.argv[2] ?? 1500);
if (!Number.isInteger(requests) || requests <= 0) {
  console.error(`bench/exactness: expected a positive number of requests, got '${process.argv[2]}'`);
  process.exit(2);
}
// DRAMsim3's HBM2 .ini (../shared/reference). It was copied in test/fixtures/dramsim3 until 2026-12-07: its name in
// the reports is hashed as that old path, so fingerprints from before and after the move compare.
const INI = dramsim3Config('HBM2_8Gb_x128.ini');
const standards: DramStandard[] = [...knownStandards().map((s) => loadStandard(s)), importDramsim3Ini(INI).standard];
const SMALL = { readQueueDepth: 4, writeQueueDepth: 6, commandQueueDepth: 2, writeHighWatermark: 5, writeLowWatermark: 2 };

const all = createHash('sha256');
let n = 0;
for (const std of standards) {
  const refreshes: ControllerSpec['refresh'][] = ['all-bank', 'none', ...(std.timing.tREFIpb !== undefined ? (['per-bank'] as const) : [])];
  for (const pattern of PATTERNS) for (const scheduler of ['frfcfs', 'fcfs'] as const) for (const pagePolicy of ['open', 'closed'] as const) {
    for (const refresh of refreshes) for (const frontend of ['in-order', 'dramsim3'] as const) for (const small of [false, true]) {
      const controller: ControllerSpec = { ...std.controller, scheduler, pagePolicy, refresh, ...(small ? SMALL : {}) };
      const capacityBytes = Math.min(parseAddressMapping(controller.addressMapping, std.organization, 'bench/exactness').capacityBytes, 2 ** 33);
      const trace = generatePattern({ pattern, requests, seed: `h${n}`, requestBytes: bytesPerRequest(std), capacityBytes, writeFraction: 0.4, interval: small ? 0 : n % 3 });
      const r = runDram({ standard: std, controller, trace, frontend, commandLog: true, bankWindow: false });
      // The .ini standard's report names its file by absolute path: hash it relative to the checkout, so that two
      // checkouts of the same code (git worktrees) print the same line.
      all.update(JSON.stringify(dramReport(r)).replaceAll(INI, join(ROOT, 'test/fixtures/dramsim3/HBM2_8Gb_x128.ini')).replaceAll(ROOT, '<checkout>'));
      all.update(formatLog(logEntries(r.logs, std.commandNames)));
      n++;
    }
  }
}
console.log(`${n} configurations, ${requests.toLocaleString('en-US')} requests each: sha256 ${all.digest('hex').slice(0, 16)}`);
