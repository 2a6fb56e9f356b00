// A fingerprint of the PIM channels' behaviour, for changes meant to leave it alone (refactors of the NeuPIMs
// dual-row-buffer channel, of the PIM-GPT channel's all-bank timing state and its program memo):
//   npx tsx bench/pim-exactness.ts
// Runs the fixed set of PIM runs below and prints one SHA-256 per group and one over all; run it before and after a
// change and compare. bench/exactness.ts is the same gate for the DRAM controller.
// - dual-buffer: one request's NeuPIMs attention (src/systems/neupims/neupims-gemv.ts) on one channel in single
//   and dual row-buffer mode, with NPU traffic at 0, 0.5 and 1 of the channel's peak, and the same program and
//   traffic with refresh off, a 4-entry queue and a late PIM start: every command of every run (its log) and every
//   field of its ChannelRun.
// - neupims-decode: NeuPIMs decode iterations (src/systems/neupims/neupims-decode.ts, which runs the dual-buffer
//   channel) of neupims-gpt3-7b on the neupims and npu-pim-blocked systems, without memo: every field of the result.
// - pim-gpt: a PIM-GPT generation (gpt2-small, prompt 2, 2 tokens) on the shipped 32-channel system and with 8
//   channels (where refreshes fall inside channel programs), command by command with every channel's log, and with
//   segment reuse (src/pim/program-memo.ts over the all-bank timing state): the token timings of both. The numbers
//   of segments simulated and reused are printed beside the hash, not in it: they measure reuse, not behaviour.
//
//   npx tsx bench/pim-exactness.ts --speed <checkout> [<checkout> ...] [--rounds N]
// times the two channels instead, in each checkout (a fresh process per checkout and round, the checkouts
// alternating, N rounds, default 3): CPU ms of the NeuPIMs dual-buffer channel on one attention program with 40,000
// NPU requests (the least of 7 runs), and CPU ms of 12 PIM-GPT generations (gpt2-small, prompts of 16-27 tokens, 16
// tokens, segment reuse on) on 32 and then 8 channels (the program memo over the all-bank timing state). Each
// checkout needs its own node_modules.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModel } from '../src/compiler/model.ts';
import { CommandLog, formatLog, logEntries } from '../src/dram/command-log.ts';
import { runDualBufferChannel, type ChannelRun } from '../src/pim/dual-buffer-channel.ts';
import { npuTraffic } from '../src/systems/neupims/npu-traffic.ts';
import { planNeuPimsAttention, runNeuPimsAttention } from '../src/systems/neupims/neupims-gemv.ts';
import { loadPimSpec, PIM_DIR } from '../src/pim/pim-spec.ts';
import { withOverrides } from '../src/spec/provenance.ts';
import { neupimsDecode } from '../src/systems/neupims/neupims-decode.ts';
import { loadNeuPimsSystem } from '../src/systems/neupims/neupims-system.ts';
import { loadPimGptSystem, pimGptGenerate } from '../src/systems/pim-gpt/pim-gpt.ts';

const started = performance.now();
/** JSON with typed arrays as plain arrays (so that a field's values, not its type, are hashed). */
const json = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v));
const all = createHash('sha256');
const group = (name: string, parts: () => Iterable<string>, note = ''): void => {
  const h = createHash('sha256');
  let n = 0;
  for (const p of parts()) {
    h.update(p);
    n++;
  }
  const digest = h.digest('hex').slice(0, 16);
  all.update(`${name}:${digest}\n`);
  console.log(`${name.padEnd(15)} ${digest}  (${n} runs${note})`);
};

function* dualBuffer(): Iterable<string> {
  const shapes = [{ heads: 4, headDim: 128, context: 96 }, { heads: 8, headDim: 128, context: 700 }];
  for (const shape of shapes) for (const mode of ['single', 'dual'] as const) for (const npuLoad of [0, 0.5, 1]) {
    const log = new CommandLog(0);
    const r = runNeuPimsAttention(shape, { mode, npuLoad, seed: `g${shape.context}`, log });
    yield `${json({ shape, mode, npuLoad, alone: r.pimAloneCycles, run: r.run })}\n${formatLog(logEntries([log], r.spec.standard.commandNames))}`;
  }
  // Options the runs above leave at their defaults: no refresh, a short queue, a PIM program that starts late.
  for (const rowBuffers of [1, 2] as const) {
    const spec = loadPimSpec('neupims', { rowBuffers });
    const program = planNeuPimsAttention(spec, shapes[1]!).program;
    const requests = npuTraffic(spec.standard, { requests: 3000, load: 0.6, seed: 'opts', requestsPerRow: 5 });
    for (const opts of [{ refresh: false }, { queueDepth: 4 }, { pimStartCycle: 5000 }]) {
      const log = new CommandLog(0);
      const run: ChannelRun = runDualBufferChannel(spec, program, requests, { ...opts, log });
      yield `${json({ rowBuffers, opts, run })}\n${formatLog(logEntries([log], spec.standard.commandNames))}`;
    }
  }
}

function* decode(): Iterable<string> {
  const model = loadModel('neupims-gpt3-7b');
  for (const system of ['neupims', 'npu-pim-blocked']) for (const subBatch of ['on', 'off'] as const) {
    const r = neupimsDecode(loadNeuPimsSystem(system), model, [40, 7, 130, 65, 12, 90, 33, 200], { memo: null, subBatch });
    yield json({ system, subBatch, r });
  }
}

const reuse: string[] = [];
function* pimGpt(): Iterable<string> {
  const model = loadModel('gpt2-small');
  for (const channels of [32, 8]) {
    const overrides = channels === 32 ? [] : [{ file: join(PIM_DIR, 'aim.json'), path: 'organization.channels', value: channels }];
    const system = withOverrides(overrides, () => loadPimGptSystem('pim-gpt'));
    const logs: CommandLog[] = [];
    const full = pimGptGenerate(system, model, 2, 2, { reuse: false, commandLogs: logs });
    const std = system.pim.standard;
    const h = createHash('sha256');
    for (const log of logs) {
      h.update(`${log.channel} ${log.length}\n`);
      h.update(new Uint8Array(log.cycle.buffer, 0, log.length * 8));
      for (const a of [log.command, log.rank, log.bankGroup, log.bank]) h.update(a.subarray(0, log.length));
      for (const a of [log.row, log.column]) h.update(new Uint8Array(a.buffer, 0, log.length * 4));
    }
    const fast = pimGptGenerate(system, model, 2, 2, { reuse: true });
    reuse.push(`${channels} channels: ${fast.simulatedGemvs} simulated, ${fast.reusedGemvs} reused`);
    const timing = (g: typeof full) => json({ promptPs: g.promptPs, meanTokenPs: g.meanTokenPs, generated: g.generated.map(({ simulatedGemvs: _s, reusedGemvs: _r, ...t }) => t) });
    yield `${channels} ${std.commandNames.join(',')} ${h.digest('hex')}\n${timing(full)}\n${timing(fast)}`;
  }
}

/** The file at `now` under ROOT, or at `before` in a checkout older than the move (#15 item 1 moved mappings out of src/pim). */
function moved(root: string, now: string, before: string): string {
  return join(root, existsSync(join(root, now)) ? now : before);
}

/** --speed-child ROOT: the timed work, with ROOT's modules; prints `dual-buffer-ms N` and `generations-ms N`. */
async function speedChild(root: string): Promise<void> {
  const { loadPimSpec: load, PIM_DIR: dir } = await import(join(root, 'src/pim/pim-spec.ts'));
  const { planNeuPimsAttention: plan } = await import(moved(root, 'src/systems/neupims/neupims-gemv.ts', 'src/pim/neupims-gemv.ts'));
  const dual = await import(join(root, 'src/pim/dual-buffer-channel.ts'));
  const traffic = existsSync(join(root, 'src/systems/neupims/npu-traffic.ts')) ? await import(join(root, 'src/systems/neupims/npu-traffic.ts')) : dual;
  const spec = load('neupims', { rowBuffers: 2 });
  const program = plan(spec, { heads: 8, headDim: 128, context: 2000 }).program;
  const requests = traffic.npuTraffic(spec.standard, { requests: 40000, load: 0.7, seed: 'speed' });
  let best = Infinity;
  for (let k = 0; k < 7; k++) {
    const t0 = process.cpuUsage();
    dual.runDualBufferChannel(spec, program, requests);
    const u = process.cpuUsage(t0);
    best = Math.min(best, (u.user + u.system) / 1000);
  }
  console.log(`dual-buffer-ms ${best.toFixed(1)}`);
  const { loadModel: model } = await import(join(root, 'src/compiler/model.ts'));
  const { withOverrides: over } = await import(join(root, 'src/spec/provenance.ts'));
  const gpt = await import(join(root, 'src/systems/pim-gpt/pim-gpt.ts'));
  const m = model('gpt2-small');
  const t0 = process.cpuUsage();
  for (const channels of [32, 8]) {
    const system = over(channels === 32 ? [] : [{ file: join(dir, 'aim.json'), path: 'organization.channels', value: channels }], () => gpt.loadPimGptSystem('pim-gpt'));
    for (let k = 0; k < 12; k++) gpt.pimGptGenerate(system, m, 16 + k, 16, { reuse: true });
  }
  const u = process.cpuUsage(t0);
  console.log(`generations-ms ${((u.user + u.system) / 1000).toFixed(0)}`);
}

/** --speed: runs speedChild in each checkout, alternating, and prints every round's numbers. */
function speed(roots: readonly string[], rounds: number): void {
  const rows = new Map<string, string[]>(roots.map((r) => [r, []]));
  for (let r = 0; r < rounds; r++) {
    for (const root of roots) {
      const p = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--speed-child', root], { encoding: 'utf8' });
      if (p.status !== 0) {
        console.error(`bench/pim-exactness --speed: the run in ${root} failed: ${p.stderr.trim().split('\n').slice(-3).join(' / ')}`);
        process.exit(1);
      }
      const get = (k: string) => p.stdout.split('\n').find((l) => l.startsWith(`${k} `))?.slice(k.length + 1) ?? '?';
      rows.get(root)!.push(`dual-buffer ${get('dual-buffer-ms')} ms, generations ${get('generations-ms')} ms`);
    }
  }
  for (const root of roots) console.log(`${root}\n  ${rows.get(root)!.join('\n  ')}`);
}

const args = process.argv.slice(2);
if (args[0] === '--speed-child') {
  await speedChild(resolve(args[1]!));
} else if (args[0] === '--speed') {
  const rest = args.slice(1);
  const at = rest.indexOf('--rounds');
  const rounds = at >= 0 ? Number(rest[at + 1]) : 3;
  const roots = (at >= 0 ? [...rest.slice(0, at), ...rest.slice(at + 2)] : rest).map((a) => resolve(a));
  if (roots.length === 0 || !Number.isInteger(rounds) || rounds < 1) {
    console.error('bench/pim-exactness: expected --speed <checkout> [<checkout> ...] [--rounds N] (N a whole number >= 1)');
    process.exit(2);
  }
  speed(roots, rounds);
} else {
  group('dual-buffer', dualBuffer);
  group('neupims-decode', decode);
  group('pim-gpt', pimGpt);
  console.log(`segments        ${reuse.join('; ')}`);
  console.log(`fingerprint     ${all.digest('hex').slice(0, 16)}  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
