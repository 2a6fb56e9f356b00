// Where the DRAM simulation's wake-ups go (issue #19 item 4, "fewer controller wake-ups per command"):
//   npx tsx bench/wakeups.ts [stream|random] [requests]      (default random, 200,000 requests)
// Runs the bench's .ini case (DRAMsim3's HBM2_8Gb_x128.ini, DRAMsim3 front end, request i at cycle i) with the
// controllers' and the front end's wake() wrapped to count calls, and sorts each controller wake-up by what it did:
// issued at least one command, or issued none; a wake-up that issued none is "idle step" when the same channel's
// previous wake-up was the cycle before (a channel stepping through cycles in which it cannot act), "idle" otherwise.
// It also counts the wake-ups after which the channel's next wake-up is the very next cycle and no other component
// (channel or front end) is due by then: only those could run that next cycle inline, without the kernel's event
// queue (issue #19's "a channel that runs several of its own cycles per wake-up while nothing else can act").
// Measurement only: the wrapped calls run unchanged, and the run's fingerprint is the same.
import { Controller } from '../src/dram/controller.ts';
import { Readiness } from '../src/dram/controller/readiness.ts';
import { Scheduler } from '../src/dram/controller/scheduler.ts';
import { TimingState } from '../src/dram/timing-state.ts';
import { importDramsim3Ini } from '../src/dram/dramsim3-ini.ts';
import { generatePattern } from '../src/dram/patterns.ts';
import { runDram } from '../src/dram/run.ts';
import { TraceFrontend } from '../src/dram/trace-frontend.ts';
import { dramsim3Config } from '../src/validation/dramsim3.ts';
import type { Simulator } from '../src/kernel/simulator.ts';

const pattern = process.argv[2] ?? 'random';
const requests = Number(process.argv[3] ?? 200_000);
if ((pattern !== 'stream' && pattern !== 'random') || !Number.isInteger(requests) || requests <= 0) {
  console.error('usage: npx tsx bench/wakeups.ts [stream|random] [requests]');
  process.exit(2);
}
const { standard } = importDramsim3Ini(dramsim3Config('HBM2_8Gb_x128.ini'));
const trace = generatePattern({ pattern, requests, seed: 'bench', requestBytes: 64, capacityBytes: 2 ** 33, writeFraction: 0.3, interval: 1 });

const counts = { controller: 0, issuing: 0, idleStep: 0, idle: 0, frontend: 0, nextCycle: 0, alone: 0 };
// Kernel handles: one per channel, then the front end's (runDram adds them in that order).
const handles = standard.organization.channels + 1;
const lastWakePs = new Map<Controller, number>();
const commandsOf = (c: Controller): number => c.stats.commandCounts.reduce((a, b) => a + b, 0);
const controllerWake = Controller.prototype.wake;
Controller.prototype.wake = function (this: Controller, nowPs: number): void {
  const before = commandsOf(this);
  controllerWake.call(this, nowPs);
  counts.controller++;
  if (commandsOf(this) > before) counts.issuing++;
  else if (lastWakePs.get(this) === nowPs - standard.tCKPs) counts.idleStep++;
  else counts.idle++;
  lastWakePs.set(this, nowPs);
  // Measurement only: the kernel's pending wake-ups, read through the controller's private fields.
  const own = this as unknown as { sim: Simulator; handle: number };
  const next = nowPs + standard.tCKPs;
  if (own.sim.pendingWakePs(own.handle) === next) {
    counts.nextCycle++;
    let alone = true;
    for (let h = 0; h < handles; h++) if (h !== own.handle && own.sim.pendingWakePs(h) <= next) alone = false;
    if (alone) counts.alone++;
  }
};
const frontendWake = TraceFrontend.prototype.wake;
TraceFrontend.prototype.wake = function (this: TraceFrontend, nowPs: number): void {
  counts.frontend++;
  frontendWake.call(this, nowPs);
};

// Per request: the scheduler's picks (the first of a cycle, and the second command of an HBM dual issue), the
// readiness bound's recomputations (computeReady; "full" when a command issued since, which visits every bank with
// something to schedule) and the banks it recomputes, and the timing-table lookups and updates. Wrapped prototype
// methods, measurement only.
const calls = { pick: 0, pickIssued: 0, pick2: 0, pick2Issued: 0, ready: 0, readyFull: 0, fullBanks: 0, bankReady: 0, lookups: 0, timingIssue: 0, arrivalScan: 0 };
type Method = (...a: unknown[]) => unknown;
const wrap = (proto: object, name: string, around: (orig: Method, self: unknown, a: unknown[]) => unknown): void => {
  const p = proto as Record<string, Method>;
  const orig = p[name]!;
  p[name] = function (this: unknown, ...a: unknown[]) {
    return around(orig, this, a);
  };
};
wrap(Scheduler.prototype, 'pick', (orig, self, a) => {
  const first = a[1] === 0; // kinds.ANY
  const cmd = orig.apply(self, a) as number;
  if (first) calls.pick++;
  else calls.pick2++;
  if (cmd >= 0) {
    if (first) calls.pickIssued++;
    else calls.pick2Issued++;
  }
  return cmd;
});
wrap(Readiness.prototype, 'computeReady', (orig, self, a) => {
  const r = self as Readiness;
  calls.ready++;
  if (!r.minValid) {
    calls.readyFull++;
    for (let w = 0; w < r.words; w++) for (let m = r.needBits[w]!; m !== 0; m &= m - 1) calls.fullBanks++;
  }
  return orig.apply(self, a);
});
wrap(Readiness.prototype, 'bankReady', (orig, self, a) => (calls.bankReady++, orig.apply(self, a)));
wrap(TimingState.prototype, 'earliestCycle', (orig, self, a) => (calls.lookups++, orig.apply(self, a)));
wrap(TimingState.prototype, 'earliestAtNodes', (orig, self, a) => (calls.lookups++, orig.apply(self, a)));
wrap(TimingState.prototype, 'issue', (orig, self, a) => (calls.timingIssue++, orig.apply(self, a)));
wrap(Controller.prototype, 'arrivalWakeCycle', (orig, self, a) => (calls.arrivalScan++, orig.apply(self, a)));

const r = runDram({ standard, trace, frontend: 'dramsim3', bankWindow: false });
const commands = r.channels.reduce((a, s) => a + s.commandCounts.reduce((x, y) => x + y, 0), 0);
const pct = (x: number): string => `${((100 * x) / counts.controller).toFixed(1)} %`;
console.log(`${pattern}, ${requests.toLocaleString('en-US')} requests, ${r.cycles.toLocaleString('en-US')} cycles, ${standard.organization.channels} channels, ${commands.toLocaleString('en-US')} commands`);
console.log(`  controller wake-ups ${counts.controller.toLocaleString('en-US')} = ${(counts.controller / commands).toFixed(2)} per command, ${(counts.controller / requests).toFixed(2)} per request`);
console.log(`    issued a command   ${counts.issuing.toLocaleString('en-US').padStart(12)} (${pct(counts.issuing)})`);
console.log(`    idle step          ${counts.idleStep.toLocaleString('en-US').padStart(12)} (${pct(counts.idleStep)}): none issued, the channel's previous wake-up was the cycle before`);
console.log(`    idle               ${counts.idle.toLocaleString('en-US').padStart(12)} (${pct(counts.idle)}): none issued after a longer sleep`);
console.log(`  next wake-up the very next cycle  ${counts.nextCycle.toLocaleString('en-US').padStart(12)} (${pct(counts.nextCycle)}), of which no other component due by then ${counts.alone.toLocaleString('en-US')} (${pct(counts.alone)}): the wake-ups a channel could save by running its next cycle inline`);
console.log(`  front-end wake-ups ${counts.frontend.toLocaleString('en-US')} (hand-overs otherwise ride on the controllers' onSpace calls)`);
const per = (x: number): string => (x / requests).toFixed(2);
console.log(`  per request: scheduler picks ${per(calls.pick)} (${per(calls.pickIssued)} issued) + dual-issue second picks ${per(calls.pick2)} (${per(calls.pick2Issued)} issued)`);
console.log(`    readiness bound computed ${per(calls.ready)} times, ${per(calls.readyFull)} of them after a command (visiting ${per(calls.fullBanks)} banks with work); banks recomputed ${per(calls.bankReady)}`);
console.log(`    timing-table lookups ${per(calls.lookups)}, timing-table updates (commands) ${per(calls.timingIssue)}, scans of pending arrivals ${per(calls.arrivalScan)}`);
