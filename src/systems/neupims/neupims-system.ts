import { StrataError } from '../../spec/errors.ts';
import { FieldReader } from '../../spec/fields.ts';
import { readJsonFile } from '../../spec/json-file.ts';
import { deepFreeze } from '../../spec/freeze.ts';
import { loadPimSpec, type PimSpec } from '../../pim/pim-spec.ts';
import { loadNpu, type NpuSpec } from '../../npu/spec.ts';
import { checkFamily, systemFile, systemNames } from '../presets.ts';

/**
 * Systems of the NeuPIMs comparison (arch/systems/*.json of family `neupims`: neupims, npu-pim-blocked, npu-only): the NeuPIMs NPU on 32 channels of HBM2 whose
 * banks may compute (Newton-style in-bank PIM, one or two row buffers per bank). Three presets share the schema:
 * `neupims` (attention in PIM, dual row buffers, sub-batch interleaving), `npu-pim-blocked` (attention in PIM,
 * one row buffer, nothing overlapped) and `npu-only` (attention on the NPU). The folder keeps them apart from
 * the GPU/CPU baseline presets of arch/systems, which have another schema.
 */

/** Where attention's two GEMVs per request (q K^T and softmax V) run. */
export type AttentionPlacement = 'pim' | 'npu';
/** How requests' KV caches are spread over the channels: greedy least-loaded, or request i to channel i mod C. */
export type ChannelBalancing = 'greedy' | 'round-robin';
/** The channel-balancing policies. */
export const CHANNEL_BALANCINGS: readonly ChannelBalancing[] = ['greedy', 'round-robin'];

/**
 * How attention's products are timed when they run on the NPU: `batched` (each op of the batch as one tiled GEMM,
 * bounded by the arrays or by the K/V traffic) or `head-by-head` (NeuPIMs' npu-only branch, FusedMHA: every
 * request's heads one after another, each product a matrix instruction that waits for the previous one and pays
 * the array's fill and drain).
 */
export type NpuAttentionSchedule = 'batched' | 'head-by-head';
/** The attention schedules. */
export const NPU_ATTENTION_SCHEDULES: readonly NpuAttentionSchedule[] = ['batched', 'head-by-head'];

/** Tensor- and pipeline-parallel degree of a model on the system. */
export interface Parallelism {
  readonly tp: number;
  readonly pp: number;
}

/** A loaded NeuPIMs-family system. Frozen. */
export interface NeuPimsSystem {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly npu: NpuSpec;
  /** The HBM2 + PIM device of one NPU, in the system's row-buffer mode. */
  readonly pim: PimSpec;
  /** Memory of one device, bytes. */
  readonly deviceBytes: number;
  /** Transaction-queue entries for the NPU's requests per channel. */
  readonly queueDepth: number;
  readonly attention: AttentionPlacement;
  /** How attention on the NPU is timed (placement npu; `batched` otherwise). */
  readonly npuAttentionSchedule: NpuAttentionSchedule;
  /**
   * PIM instructions the NPU issues per NPU cycle for the whole device (every channel together), or null when
   * each channel's program issues as fast as its channel accepts. NeuPIMs' npu+pim branch issues one.
   */
  readonly pimIssuePerCycle: number | null;
  /** Sub-batch interleaving from `minBatch` requests on; null when the system never interleaves. */
  readonly subBatchMinBatch: number | null;
  readonly channelBalancing: ChannelBalancing;
  readonly parallelism: { readonly default: Parallelism; readonly models: Readonly<Record<string, Parallelism>> };
  readonly sources: Readonly<Record<string, string>>;
}

/** Names of the shipped NeuPIMs-family systems (arch/systems/*.json of family `neupims`). */
export function knownNeuPimsSystems(): string[] {
  return systemNames('neupims');
}

/** Loads a NeuPIMs-family system by shipped name or path. */
export function loadNeuPimsSystem(nameOrPath: string): NeuPimsSystem {
  const file = systemFile(nameOrPath, 'neupims', 'system', ' for policy neupims');
  return parseNeuPimsSystem(readJsonFile(file), file);
}

function parallelismOf(r: FieldReader, key: string): Parallelism {
  const p = r.object(key);
  p.onlyKeys(['tp', 'pp']);
  return { tp: p.number('tp', { integer: true, positive: true }), pp: p.number('pp', { integer: true, positive: true }) };
}

/** Validates a parsed system; `file` names it in errors. */
export function parseNeuPimsSystem(json: unknown, file: string): NeuPimsSystem {
  const r = FieldReader.root(file, json);
  r.onlyKeys(['name', 'family', 'description', 'source', 'note', 'npu', 'memory', 'attention', 'pimIssue', 'subBatchInterleaving', 'channelBalancing', 'parallelism']);
  checkFamily(r, 'neupims');
  const sources: Record<string, string> = { system: r.string('source') };
  const section = (key: string, keys: string[]): FieldReader => r.sourcedSection(key, keys, sources);
  const wrap = <T>(s: FieldReader, key: string, load: () => T): T => {
    try {
      return load();
    } catch (e) {
      if (e instanceof StrataError) throw new StrataError(`${s.where(key)}: ${e.message}`);
      throw e;
    }
  };
  const n = section('npu', ['spec']);
  const npu = wrap(n, 'spec', () => loadNpu(n.string('spec')));
  const m = section('memory', ['pim', 'rowBuffers', 'deviceBytes', 'queueDepth']);
  const rowBuffers = m.number('rowBuffers', { integer: true, min: 1, max: 2 }) as 1 | 2;
  const pim = wrap(m, 'pim', () => loadPimSpec(m.string('pim'), { rowBuffers }));
  if (pim.commandSet !== 'newton') m.fail('pim', "a PIM spec with the newton command set (GWRITE, G_ACT, COMP, READRES, P_PRE), such as 'neupims'", m.obj.pim);
  if (pim.standard.tCKPs !== npu.periodPs) m.fail('pim', `a DRAM clock equal to the NPU clock (${npu.periodPs} ps; this model counts both in one cycle)`, `${pim.standard.tCKPs} ps`);
  const deviceBytes = m.number('deviceBytes', { positive: true });
  const queueDepth = m.number('queueDepth', { integer: true, positive: true });
  const a = section('attention', ['placement', 'npuSchedule']);
  const attention = a.string('placement', ['pim', 'npu']) as AttentionPlacement;
  const npuAttentionSchedule = a.optionalString('npuSchedule', 'batched', NPU_ATTENTION_SCHEDULES) as NpuAttentionSchedule;
  if (attention !== 'npu' && a.has('npuSchedule')) a.fail('npuSchedule', "no value when attention runs in PIM (placement 'pim')", a.obj.npuSchedule);
  let pimIssuePerCycle: number | null = null;
  if (r.has('pimIssue')) {
    const pi = section('pimIssue', ['instructionsPerCycle']);
    if (attention !== 'pim') pi.fail('instructionsPerCycle', "no PIM issue limit when attention runs on the NPU (placement 'npu')", pi.obj.instructionsPerCycle);
    pimIssuePerCycle = pi.number('instructionsPerCycle', { integer: true, positive: true });
  }
  const s = section('subBatchInterleaving', ['enabled', 'minBatch']);
  const enabled = s.boolean('enabled');
  const subBatchMinBatch = enabled ? s.number('minBatch', { integer: true, min: 2 }) : null;
  if (enabled && attention !== 'pim') s.fail('enabled', 'false when attention runs on the NPU (sub-batches overlap NPU work with PIM work)', true);
  const c = section('channelBalancing', ['policy']);
  const channelBalancing = c.string('policy', CHANNEL_BALANCINGS) as ChannelBalancing;
  const p = section('parallelism', ['default', 'models']);
  const models: Record<string, Parallelism> = {};
  const mr = p.object('models');
  for (const key of Object.keys(mr.obj).sort()) models[key] = parallelismOf(mr, key);
  return deepFreeze({
    name: r.string('name'), description: r.optionalString('description', ''), file, npu, pim, deviceBytes, queueDepth, attention,
    npuAttentionSchedule, pimIssuePerCycle, subBatchMinBatch, channelBalancing, parallelism: { default: parallelismOf(p, 'default'), models }, sources,
  });
}

/** Tensor- and pipeline-parallel degree of `modelName` on `system` (the preset's table, else its default). */
export function parallelismFor(system: NeuPimsSystem, modelName: string): Parallelism {
  return system.parallelism.models[modelName] ?? system.parallelism.default;
}
