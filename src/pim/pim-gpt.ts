import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { readJsonFile } from '../spec/json-file.ts';
import { ARCH_DIR } from '../dram/standard.ts';
import { buildOpGraph } from '../compiler/lower.ts';
import type { ModelSpec } from '../compiler/model.ts';
import type { Op } from '../compiler/op.ts';
import { decodeStep, prefillStep } from '../compiler/step.ts';
import { asicOpCost, loadAsic, type AsicSpec } from './asic.ts';
import { runPimGemv } from './gemv.ts';
import { loadPimSpec, type PimSpec } from './pim-spec.ts';

/** A PIM-GPT style system: in-bank PIM for every matrix-vector product, an ASIC for the rest. */
export interface PimGptSystem {
  readonly name: string;
  readonly file: string;
  readonly pim: PimSpec;
  readonly asic: AsicSpec;
}

/** Loads arch/systems/NAME.json naming a PIM spec and an ASIC. */
export function loadPimGptSystem(name = 'pim-gpt'): PimGptSystem {
  const file = name.includes('/') || name.endsWith('.json') ? name : join(ARCH_DIR, 'systems', `${name}.json`);
  if (!existsSync(file)) throw new StrataError(`unknown PIM system '${name}' (known: pim-gpt)`);
  const r = FieldReader.root(file, readJsonFile(file));
  r.onlyKeys(['name', 'description', 'source', 'pim', 'asic']);
  r.string('source');
  return { name: r.string('name'), file, pim: loadPimSpec(r.string('pim')), asic: loadAsic(r.string('asic')) };
}

/** Energy of PIM-GPT work by component, pJ. */
export interface PimGptEnergy {
  /** All-bank row activations (with their precharges), IDD method per bank. */
  activate: number;
  /** Array reads feeding the MAC lanes: 32 B per bank per MAC16 at the cell energy per bit. */
  arrayRead: number;
  /** MAC lanes. */
  mac: number;
  /** Global-buffer writes and result reads over the channel (datapath + I/O per bit). */
  io: number;
  refresh: number;
  /** Active standby of every channel while PIM works. */
  background: number;
  asic: number;
}

/** Where PIM time goes on the critical channel, ps: MACs, data movement (buffer writes, result reads), row activation and precharge, refresh. */
export interface PimTime {
  mac: number;
  movement: number;
  row: number;
  refresh: number;
}

/** Time and energy of one matrix-vector product on the PIM device (memoised by shape). */
interface GemvCost {
  readonly timePs: number;
  readonly time: PimTime;
  readonly energy: PimGptEnergy;
}

/** One token's work. Times in ps. */
export interface TokenCost {
  readonly contextLength: number;
  readonly pimPs: number;
  /** pimPs split by what the critical channel was doing. */
  readonly pim: PimTime;
  readonly asicPs: number;
  readonly totalPs: number;
  readonly energy: PimGptEnergy;
  /** PIM GEMV runs simulated command by command (the rest were reused). */
  readonly simulatedGemvs: number;
  readonly reusedGemvs: number;
}

const zero = (): PimGptEnergy => ({ activate: 0, arrayRead: 0, mac: 0, io: 0, refresh: 0, background: 0, asic: 0 });

/** Ops that PIM-GPT runs in the banks: matrix products over weights or the KV cache. */
export function runsInPim(op: Op): boolean {
  return (op.cls === 'gemm' || op.cls === 'gemv') && (op.weightBytes > 0 || op.kvReadBytes > 0);
}

/**
 * Simulates one GEMV (out x in) command by command on the PIM device and prices it: per all-bank
 * activation the base standard's IDD activation energy times the banks, per MAC the unit's energy, per 32-byte
 * buffer write or result read the per-bit datapath and I/O energy, per refresh its IDD energy, and active
 * standby (IDD3N) of every channel for the whole run.
 */
function gemvCost(pim: PimSpec, out: number, inLength: number): GemvCost {
  const run = runPimGemv(pim, out, inLength);
  const std = pim.standard;
  const p = std.power;
  const t = std.timing as Record<string, number>;
  const o = std.organization;
  const k = p.VDD * o.devicesPerRank * (std.tCKPs / 1000);
  const banks = o.bankGroups * o.banksPerGroup;
  const actPj = k * (p.IDD0 * t.tRC! - (p.IDD3N * t.tRAS! + p.IDD2N * t.tRP!)) * banks;
  const bitPj = std.pathEnergy.datapathPjPerBit + std.pathEnergy.ioPjPerBit;
  const c = run.commands;
  const energy: PimGptEnergy = {
    activate: (c.ACT16 ?? 0) * actPj,
    arrayRead: (c.MAC16 ?? 0) * banks * 32 * 8 * std.pathEnergy.cellPjPerBit,
    mac: run.plan.macs * pim.macPj,
    io: ((c.WRGB ?? 0) + (c.RDMAC16 ?? 0)) * 32 * 8 * bitPj,
    refresh: (c.REF ?? 0) * k * (p.IDD5AB - p.IDD3N) * t.tRFC!,
    background: k * p.IDD3N * run.cycles * o.channels,
    asic: 0,
  };
  const after = run.criticalCyclesAfter;
  const ps = (n: number | undefined) => (n ?? 0) * std.tCKPs;
  const time: PimTime = {
    mac: ps(after.MAC16),
    movement: ps(after.WRGB) + ps(after.RDMAC16),
    row: ps(after.ACT16) + ps(after.PREA) + ps(after.PRE),
    refresh: ps(after.REF),
  };
  return { timePs: run.cycles * std.tCKPs, time, energy };
}

/** Options of a PIM-GPT run. */
export interface PimGptOptions {
  /** Reuse the simulated cost of a GEMV shape already run (exact: the PIM program depends only on the shape). */
  reuse?: boolean;
}

/**
 * Costs one decode token of batch 1 at `contextLength` cached tokens: every matrix product in PIM, every
 * other op on the ASIC, one after another (decode at batch 1 is a chain of dependent ops). A product of
 * M rows against a matrix runs as M GEMVs; attention over several heads is one GEMV whose outputs are the
 * heads' scores (or context values), each head's rows in its own banks.
 */
export function pimGptToken(system: PimGptSystem, model: ModelSpec, contextLength: number, cache: Map<string, GemvCost>, opts: PimGptOptions = {}): TokenCost {
  // The first token of a prompt has nothing cached: a one-token prefill.
  const ops = buildOpGraph(model, contextLength === 0 ? prefillStep([1]) : decodeStep([contextLength]));
  let pimPs = 0;
  let asicPs = 0;
  const pim: PimTime = { mac: 0, movement: 0, row: 0, refresh: 0 };
  let simulated = 0;
  let reused = 0;
  const energy = zero();
  const add = (e: PimGptEnergy, times: number) => {
    for (const key of Object.keys(energy) as (keyof PimGptEnergy)[]) energy[key] += e[key] * times;
  };
  for (const op of ops) {
    if (runsInPim(op)) {
      const out = op.batch * op.n;
      const key = `${out}x${op.k}`;
      let cost = opts.reuse === false ? undefined : cache.get(key);
      if (cost) reused++;
      else {
        cost = gemvCost(system.pim, out, op.k);
        simulated++;
        if (opts.reuse !== false) cache.set(key, cost);
      }
      pimPs += op.m * cost.timePs;
      pim.mac += op.m * cost.time.mac;
      pim.movement += op.m * cost.time.movement;
      pim.row += op.m * cost.time.row;
      pim.refresh += op.m * cost.time.refresh;
      add(cost.energy, op.m);
    } else {
      const c = asicOpCost(system.asic, op);
      asicPs += c.timePs;
      energy.asic += c.energyPj;
    }
  }
  return { contextLength, pimPs, pim, asicPs, totalPs: pimPs + asicPs, energy, simulatedGemvs: simulated, reusedGemvs: reused };
}

/** A generation: the prompt's tokens one by one (PIM-GPT is a GEMV engine), then `tokens` new ones. */
export interface PimGptGeneration {
  readonly model: string;
  readonly promptTokens: number;
  readonly generated: readonly TokenCost[];
  readonly promptPs: number;
  /** Mean over the generated tokens. */
  readonly meanTokenPs: number;
  readonly simulatedGemvs: number;
  readonly reusedGemvs: number;
}

/** Runs a prompt of `promptTokens` and generates `tokens` tokens with a growing KV cache. */
export function pimGptGenerate(system: PimGptSystem, model: ModelSpec, promptTokens: number, tokens: number, opts: PimGptOptions = {}): PimGptGeneration {
  if (!Number.isInteger(promptTokens) || promptTokens < 1) throw new StrataError(`--prompt: expected a positive integer, got ${promptTokens}`);
  if (!Number.isInteger(tokens) || tokens < 1) throw new StrataError(`--tokens: expected a positive integer, got ${tokens}`);
  if (promptTokens + tokens > model.maxPositions && model.positionScheme === 'learned') {
    throw new StrataError(`prompt ${promptTokens} + ${tokens} tokens exceeds ${model.name}'s ${model.maxPositions} learned positions`);
  }
  const cache = new Map<string, GemvCost>();
  let promptPs = 0;
  let simulated = 0;
  let reused = 0;
  for (let i = 0; i < promptTokens; i++) {
    const t = pimGptToken(system, model, i, cache, opts);
    promptPs += t.totalPs;
    simulated += t.simulatedGemvs;
    reused += t.reusedGemvs;
  }
  const generated: TokenCost[] = [];
  for (let i = 0; i < tokens; i++) {
    const t = pimGptToken(system, model, promptTokens + i, cache, opts);
    generated.push(t);
    simulated += t.simulatedGemvs;
    reused += t.reusedGemvs;
  }
  const meanTokenPs = generated.reduce((a, t) => a + t.totalPs, 0) / generated.length;
  return { model: model.name, promptTokens, generated, promptPs, meanTokenPs, simulatedGemvs: simulated, reusedGemvs: reused };
}
