/*
 * The layout of a matrix op on an in-bank PIM device (PIM-GPT on GDDR6-AiM), as a device trace records it: the
 * op runs as `repeats` GEMVs y = W x of `out` outputs over an input of `in` elements, laid out by `planPimGemv`
 * (src/systems/pim-gpt/gemv.ts): outputs spread over every bank of every channel, each output's weights in consecutive DRAM
 * rows of one bank, short outputs packed several to a DRAM row. The record keeps the layout's numbers and each
 * channel's command counts, not the commands: a GPT-2 XL LM head is 336,252 commands per GEMV.
 *
 * `pimGemvTilingFromPlan` reads the counts off the plan's channel programs (what the PIM model will issue);
 * `describePimGemv` computes the same numbers in closed form from the device's parameters alone, so that a trace
 * reader can check a tiling without the spec files. A test checks that the two agree for many shapes.
 */

import { invariant } from '../../spec/errors.ts';
import type { PimSpec } from '../../pim/pim-spec.ts';

/** The PIM commands a GEMV program issues, in the order trace records list them. */
export const PIM_GEMV_COMMANDS = ['ACT16', 'MAC16', 'WRGB', 'RDMAC16', 'PREA'] as const;
/** One of them. */
export type PimGemvCommand = (typeof PIM_GEMV_COMMANDS)[number];

/** A run of consecutive channels whose programs issue the same commands; counts per channel, per GEMV. */
export interface PimChannelGroup {
  /** Channels in the run. */
  readonly channels: number;
  readonly ACT16: number;
  readonly MAC16: number;
  readonly WRGB: number;
  readonly RDMAC16: number;
  readonly PREA: number;
}

/** How a matrix op is laid out on an in-bank PIM device. */
export interface PimGemvTiling {
  readonly scheme: 'pim-gemv';
  /** Outputs of one GEMV: op.batch · op.n (attention's heads side by side, each head's rows in its own banks). */
  readonly out: number;
  /** Input length of one GEMV: op.k. */
  readonly in: number;
  /** GEMVs run one after another: op.m (one per request row; PIM-GPT is a batch-1 GEMV engine). */
  readonly repeats: number;
  /** Outputs packed into one DRAM row when `in` is shorter than a row (1 otherwise). */
  readonly outputsPerRow: number;
  /** DRAM rows (segments of the input) one output spans: ceil(in / elements per row). */
  readonly segmentsPerOutput: number;
  /** Outputs each bank computes: ceil(out / (channels · banks)); the last channels may have fewer. */
  readonly rowsPerBank: number;
  /** Channels in channel order, grouped where their programs issue the same command counts; idle channels count 0. */
  readonly perChannel: readonly PimChannelGroup[];
}

/** The device parameters a PIM layout depends on, as a trace's `pim` device records them. */
export interface PimLayoutParams {
  readonly channels: number;
  readonly banksPerChannel: number;
  readonly macsPerBank: number;
  readonly rowBytes: number;
  readonly elementBytes: number;
  readonly globalBufferBytes: number;
}

/** The layout parameters of a PIM spec, as the trace's `pim` device records them. */
export function pimLayoutParams(pim: PimSpec): PimLayoutParams {
  const o = pim.standard.organization;
  return {
    channels: o.channels,
    banksPerChannel: o.bankGroups * o.banksPerGroup,
    macsPerBank: pim.unit.macsPerBank,
    rowBytes: o.columns * (o.busWidthBits / 8),
    elementBytes: pim.unit.elementBytes,
    globalBufferBytes: pim.unit.globalBufferBytes,
  };
}

/** Bytes the PIM device stores: every bank of every channel and rank, rows x row size. */
export function pimCapacityBytes(pim: PimSpec): number {
  const o = pim.standard.organization;
  return o.channels * o.ranks * o.bankGroups * o.banksPerGroup * o.rows * o.columns * (o.busWidthBits / 8) * o.devicesPerRank;
}

/** Bytes one WRGB writes into the global buffer: 16 BF16 elements (arch/pim/aim.json; src/systems/pim-gpt/gemv.ts issues one per 32 B). */
const WRGB_BYTES = 32;

/** Appends a channel's counts, merging it into the previous group when they are the same. */
function pushGroup(groups: PimChannelGroup[], counts: Omit<PimChannelGroup, 'channels'>): void {
  const last = groups[groups.length - 1];
  if (last && PIM_GEMV_COMMANDS.every((c) => last[c] === counts[c])) {
    groups[groups.length - 1] = { ...last, channels: last.channels + 1 };
  } else {
    groups.push({ channels: 1, ...counts });
  }
}

/**
 * The layout of `repeats` GEMVs of `out` x `in` on a device with parameters `d`, in closed form. Per channel
 * with r outputs per bank (r = rowsPerBank on full channels, fewer on the last busy one, 0 on idle ones), D =
 * ceil(r / outputsPerRow) DRAM rows per segment and S segments: ACT16 = PREA = S·D, RDMAC16 = S·r, MAC16 = r ·
 * Σ_s ceil(segment_s / macsPerBank), WRGB = Σ_s ceil(segment_s · min(outputsPerRow, r) · elementBytes / 32).
 */
export function describePimGemv(d: PimLayoutParams, out: number, inLength: number, repeats: number): PimGemvTiling {
  invariant(out > 0 && inLength > 0 && repeats > 0, 'a PIM GEMV has positive out, in and repeats');
  const elementsPerRow = d.rowBytes / d.elementBytes;
  const segmentsPerOutput = Math.ceil(inLength / elementsPerRow);
  const outputsPerRow = inLength < elementsPerRow ? Math.floor(elementsPerRow / inLength) : 1;
  const rowsPerBank = Math.ceil(out / (d.channels * d.banksPerChannel));
  const perChannel: PimChannelGroup[] = [];
  for (let ch = 0; ch < d.channels; ch++) {
    const outputs = Math.max(0, Math.min(out - ch * d.banksPerChannel * rowsPerBank, d.banksPerChannel * rowsPerBank));
    const r = Math.ceil(outputs / d.banksPerChannel);
    const dramRows = Math.ceil(r / outputsPerRow);
    let mac = 0;
    let wrgb = 0;
    for (let s = 0; s < segmentsPerOutput && r > 0; s++) {
      const segment = Math.min(elementsPerRow, inLength - s * elementsPerRow);
      mac += r * Math.ceil(segment / d.macsPerBank);
      wrgb += Math.ceil((segment * Math.min(outputsPerRow, r) * d.elementBytes) / WRGB_BYTES);
    }
    const rows = r > 0 ? segmentsPerOutput * dramRows : 0;
    pushGroup(perChannel, { ACT16: rows, MAC16: mac, WRGB: wrgb, RDMAC16: r > 0 ? segmentsPerOutput * r : 0, PREA: rows });
  }
  return { scheme: 'pim-gemv', out, in: inLength, repeats, outputsPerRow, segmentsPerOutput, rowsPerBank, perChannel };
}

/** What `pimGemvTilingFromPlan` needs of a plan (src/systems/pim-gpt/gemv.ts `PimGemvPlan`). */
export interface PimPlanLike {
  readonly m: number;
  readonly k: number;
  readonly rowsPerBank: number;
  readonly segmentsPerOutput: number;
  readonly outputsPerRow: number;
  readonly programs: readonly (readonly { readonly cmd: number; readonly count: number }[])[];
}

/** The tiling of `repeats` runs of a planned GEMV, with each channel's command counts read off its program. */
export function pimGemvTilingFromPlan(plan: PimPlanLike, commandNames: readonly string[], repeats: number): PimGemvTiling {
  const index = PIM_GEMV_COMMANDS.map((c) => commandNames.indexOf(c));
  invariant(index.every((i) => i >= 0), `a PIM standard defines ${PIM_GEMV_COMMANDS.join(', ')}`);
  const perChannel: PimChannelGroup[] = [];
  for (const program of plan.programs) {
    const counts = { ACT16: 0, MAC16: 0, WRGB: 0, RDMAC16: 0, PREA: 0 };
    for (const step of program) {
      const c = index.indexOf(step.cmd);
      invariant(c >= 0, `a PIM GEMV program issues only ${PIM_GEMV_COMMANDS.join(', ')} (found command ${commandNames[step.cmd]})`);
      counts[PIM_GEMV_COMMANDS[c]!] += step.count;
    }
    pushGroup(perChannel, counts);
  }
  return {
    scheme: 'pim-gemv', out: plan.m, in: plan.k, repeats,
    outputsPerRow: plan.outputsPerRow, segmentsPerOutput: plan.segmentsPerOutput, rowsPerBank: plan.rowsPerBank, perChannel,
  };
}
