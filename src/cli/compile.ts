import { StrataError } from '../spec/errors.ts';
import { formatCount } from '../dram/limits.ts';
import { compileStep } from '../systems/compile.ts';
import { assertFits, formatGiB, memoryFootprint } from '../compiler/footprint.ts';
import { getPolicy, knownPolicies, loadTargetFor, targetCapacityBytes } from '../systems/registry.ts';
import { targetInfo } from '../compiler/policies/types.ts';
import { summarizeOps, type OpTotals } from '../compiler/summary.ts';
import { tilingCounts, traceOps, traceToJsonl, type DeviceTrace } from '../compiler/trace.ts';
import { parseFlags, seeUsage } from './args.ts';
import { writeOutputs } from './output.ts';
import { planSteps, si, WORKLOAD_OPTIONS } from './workload.ts';
import { policyForSystem } from './system-flag.ts';

export const COMPILE_USAGE = `strata compile --model NAME --phase prefill|decode (--context L [--batch N] | --requests FILE)
               (--system NAME [--policy P] | --policy ${knownPolicies().join('|')} [--system NAME]) [--seed S] [--out trace.jsonl] [--quiet]`;

/** `strata compile`: lowers a step, maps it with a policy, writes the device trace and prints a summary. */
export function compileCommand(argv: string[]): number {
  const { values: v, positionals } = parseFlags('compile', argv, {
    ...WORKLOAD_OPTIONS,
    requests: { type: 'string' },
    policy: { type: 'string' },
    system: { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new StrataError(`compile: unexpected argument '${positionals[0]}'${seeUsage('compile')}`);
  // --system alone picks the policy: its family's (src/systems/registry.ts), or the one policy whose systems
  // name it (an NPU of arch/npu for npu-only).
  const system = v.system;
  const policyName = policyForSystem('compile', system, v.policy)
    ?? (system !== undefined ? knownPolicies().find((p) => getPolicy(p).knownSystems().includes(system)) : undefined);
  if (!policyName) throw new StrataError(`compile: --policy is required${system !== undefined ? ` unless --system names a shipped system` : ''} (known: ${knownPolicies().join(', ')})`);
  const policy = getPolicy(policyName);
  const target = loadTargetFor(policy, v.system);
  const plan = planSteps('compile', v);
  const step = plan.steps[0]!;
  const footprint = memoryFootprint(plan.model, step);
  const declared = targetCapacityBytes(target, plan.model);
  // A GPU/CPU baseline declares its card's whole memory; `run` and `serve` hold weights and KV cache in what is left
  // after the runtime's reserve (`memory.reservedBytes`: driver, CUDA context, workspaces; `usableBytes`), so compile
  // checks the same. Duplex systems' capacity is already net of their xPU's reserve (`duplexCapacityBytes`).
  const reservedBytes = target.kind === 'baseline' ? target.device.reservedBytes : 0;
  const capacity = declared === null ? null : declared - reservedBytes;
  if (capacity !== null) assertFits(footprint, { name: targetInfo(target).name, capacityBytes: capacity }, plan.what);
  const seed = v.seed ?? '0';
  const trace = compileStep(plan.model, step, policy, { target, seed, origin: plan.origin });
  const text = traceToJsonl(trace);
  if (v.out) writeOutputs([{ path: v.out, content: text }]);
  if (!v.quiet) {
    const lines = formatCompileSummary(trace, plan.what);
    const f = footprint;
    const memory = `${formatGiB(f.totalBytes)} needed (weights ${formatGiB(f.weightBytes)} + KV cache ${formatGiB(f.kvCacheBytes)})`;
    const reserve = reservedBytes > 0 ? ` (${formatGiB(declared!)} less the runtime's ${formatGiB(reservedBytes)} reserve)` : '';
    lines.splice(1, 0, `  memory      ${memory}${capacity !== null ? `, ${formatGiB(capacity)} available${reserve}` : `; not checked: ${trace.header.target.name} declares no memory`}`);
    if (v.out) lines.push(`  wrote       ${v.out} (${formatCount(trace.assignments.length + 1)} lines, ${si(Buffer.byteLength(text), 'B')})`);
    console.log(lines.join('\n'));
  }
  return 0;
}

/** The terminal summary of a trace: a table of ops, FLOPs, bytes and Op/B by op kind, then the devices. */
export function formatCompileSummary(trace: DeviceTrace, what: string): string[] {
  const h = trace.header;
  const lines = [`Strata compile — ${what}, policy ${h.policy} on ${h.target.name}`];
  const s = summarizeOps(traceOps(trace));
  const header = ['kind', 'ops', 'FLOPs', 'weights', 'activations', 'KV', 'bytes', 'Op/B'];
  const row = (name: string, t: OpTotals) => [
    name, formatCount(t.count), si(t.flops, 'FLOP'), si(t.weightBytes, 'B'), si(t.activationBytes, 'B'),
    si(t.kvBytes, 'B'), si(t.bytes, 'B'), t.opPerByte.toFixed(2),
  ];
  const rows = [header, ...s.byKind.map((k) => row(k.kind, k)), row('total', s.total)];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) lines.push(`  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`);
  let gemvs = 0;
  let repeated = false;
  const perDevice = h.devices.map((d) => {
    const mine = trace.assignments.filter((a) => a.device === d.id);
    let tiles = 0;
    let folds = 0;
    let runs = 0;
    for (const a of mine) {
      const c = tilingCounts(a.tiling);
      tiles += c.tiles;
      folds += c.folds;
      if (a.tiling?.scheme === 'pim-gemv') {
        runs += a.tiling.repeats;
        repeated ||= a.tiling.repeats > 1;
      }
    }
    gemvs += runs;
    const tiled = tiles > 0 ? `, ${formatCount(tiles)} tiles, ${formatCount(folds)} array folds` : '';
    const inBanks = runs > 0 ? `, ${formatCount(runs)} GEMVs in the banks` : '';
    return `${d.id} (${d.units} x ${d.kind}): ${formatCount(mine.length)} ops${tiled}${inBanks}`;
  });
  lines.push(`  devices     ${perDevice.join('; ')}`);
  if (repeated) {
    // PIM-GPT is a batch-1 design: all banks work on one GEMV, so requests (and a prompt's tokens) do not share a pass over the weights.
    const whose = h.step.phase === 'decode' ? `each of the ${h.step.requests.length} requests'` : "each token's";
    lines.push(`  note        PIM-GPT is batch 1: ${whose} GEMVs run one after another in the banks (${formatCount(gemvs)} in all)`);
  }
  if (h.streams.length > 0) lines.push(`  random      seed ${h.seed}, streams ${h.streams.join(', ')}`);
  return lines;
}
