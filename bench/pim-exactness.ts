// A fingerprint of the PIM channels' behaviour, for changes meant to leave it alone (refactors of the NeuPIMs
// dual-row-buffer channel, of the PIM-GPT channel's all-bank timing state and its program memo):
//   npx tsx bench/pim-exactness.ts
// Runs the fixed set of PIM runs below and prints one SHA-256 per group and one over all; run it before and after a
// change and compare. bench/exactness.ts is the same gate for the DRAM controller.
// - dual-buffer: one request's NeuPIMs attention (src/pim/neupims-gemv.ts) on one channel in single and dual
//   row-buffer mode, with NPU traffic at 0, 0.5 and 1 of the channel's peak, and the same program and traffic with
//   refresh off, a 4-entry queue and a late PIM start: every command of every run (its log) and every field of its
//   ChannelRun.
// - neupims-decode: NeuPIMs decode iterations (src/systems/neupims/neupims-decode.ts, which runs the dual-buffer
//   channel) of neupims-gpt3-7b on the neupims and npu-pim-blocked systems, without memo: every field of the result.
// - pim-gpt: a PIM-GPT generation (gpt2-small, prompt 2, 2 tokens) on the shipped 32-channel system and with 8
//   channels (where refreshes fall inside channel programs), command by command with every channel's log, and with
//   segment reuse (src/pim/program-memo.ts over the all-bank timing state): the token timings of both. The numbers
//   of segments simulated and reused are printed beside the hash, not in it: they measure reuse, not behaviour.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { loadModel } from '../src/compiler/model.ts';
import { CommandLog, formatLog, logEntries } from '../src/dram/command-log.ts';
import { runDualBufferChannel, npuTraffic, type ChannelRun } from '../src/pim/dual-buffer-channel.ts';
import { planNeuPimsAttention, runNeuPimsAttention } from '../src/pim/neupims-gemv.ts';
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

group('dual-buffer', dualBuffer);
group('neupims-decode', decode);
group('pim-gpt', pimGpt);
console.log(`segments        ${reuse.join('; ')}`);
console.log(`fingerprint     ${all.digest('hex').slice(0, 16)}  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
