import { StrataError, invariant } from '../spec/errors.ts';
import { kvBytesPerToken, type ModelSpec } from '../compiler/model.ts';
import type { Request } from '../compiler/requests.ts';
import { formatGiB } from '../compiler/footprint.ts';
import type { BatchEntry, CostModelStats, StepCostModel } from './step-cost.ts';
import { Column } from './columns.ts';

/**
 * The serving loop: iteration-level scheduling with continuous batching (Orca, OSDI'22; vLLM's scheduler without
 * preemption). Time is integer ps and moves only by step costs and jumps to arrivals.
 *
 * Each iteration, at time t:
 * 1. Requests that arrived by t join the waiting queue (arrival order; ties keep the set's order).
 * 2. Admission, first come first served: the head of the queue is admitted while fewer than `maxBatch` requests
 *    are running and its KV reservation fits what is left of the KV capacity; the first that does not fit stops
 *    admission (no overtaking, so no starvation). A request reserves its whole lifetime's KV cache on admission:
 *    inputTokens + outputTokens - 1 tokens (the last generated token is never fed back), so a running request
 *    can always finish and nothing is ever preempted. With chunked prefill a request is admitted only while the
 *    step's token budget has room for at least one of its prompt tokens.
 * 3. The step: every running request takes part, in admission order. Decoding requests process one token.
 *    Prefilling requests process their whole remaining prompt (`whole`), or a chunk (`chunked`): the budget of
 *    `chunkTokens` per step goes to the decode tokens first, then to prompt chunks in admission order (a request
 *    may wait a step with no tokens when the budget is spent). Prefill and decode tokens share the step (mixed
 *    batches).
 * 4. The step costs what the cost model says; time advances by it. Tokens appear at the end of the step: the
 *    step that processes a prompt's last token produces the request's first output token, each decode step one
 *    more. A request leaves (and frees its reservation) when it has produced outputTokens tokens.
 * 5. With nothing running and nothing waiting, time jumps to the next arrival.
 */

/** How prompts are processed: all at once in the step after admission, or in chunks under a per-step token budget. */
export const PREFILL_MODES = ['whole', 'chunked'] as const;
/** A prefill mode. */
export type PrefillMode = (typeof PREFILL_MODES)[number];

/** Default `maxBatch`: NeuPIMs' `max_batch_size` (configs/system_configs/sub-batch-on.json, casys-kaist/NeuPIMs @ f299af3). */
export const DEFAULT_MAX_BATCH = 128;
/** Default token budget of a chunked-prefill step (Sarathi-Serve's and vLLM's chunked-prefill default of 512 tokens). */
export const DEFAULT_CHUNK_TOKENS = 512;

/** Inputs of `simulateServing`. */
export interface ServingInput {
  /** Sorted by arrival time, ids unique (as request sets are). */
  readonly requests: readonly Request[];
  /** The model served (its KV-cache bytes per token size the cache). */
  readonly model: ModelSpec;
  /** The system: what a step of a given batch costs, and its device memory. */
  readonly costModel: StepCostModel;
  /** Requests running at once (admitted and not finished). Default DEFAULT_MAX_BATCH. */
  readonly maxBatch?: number;
  /** KV-cache bytes requests may reserve. Default: the cost model's device memory minus the weights. */
  readonly kvCapacityBytes?: number;
  /** Default 'whole'. */
  readonly prefill?: PrefillMode;
  /** Token budget per step with chunked prefill (>= maxBatch, so decodes always fit). Default DEFAULT_CHUNK_TOKENS. */
  readonly chunkTokens?: number;
  /** Names the request set in errors about a request (a file, `sharegpt-like requests`). Default 'serving'. */
  readonly label?: string;
  /** Told after every step: requests finished, of all, and the simulated time (for progress; it changes nothing). */
  readonly onStep?: (finished: number, total: number, simulatedPs: number) => void;
}

/** The scheduler settings a run used, defaults filled in. */
export interface ServingConfig {
  /** Requests running at once. */
  readonly maxBatch: number;
  /** KV-cache bytes requests may reserve. */
  readonly kvCapacityBytes: number;
  /** Where the capacity came from: the device memory left by the weights, or the caller. */
  readonly kvCapacitySource: 'device' | 'given';
  /** The model's KV-cache bytes per token (all layers). */
  readonly kvBytesPerToken: number;
  /** Whole prompts in one step, or chunks of at most `chunkTokens` tokens per step. */
  readonly prefill: PrefillMode;
  /** Null with whole prefill. */
  readonly chunkTokens: number | null;
}

/** What happened to one request. Times are ps from the start of the run. */
export interface RequestResult {
  /** The request's id in the request set. */
  readonly id: string;
  /** When it arrived. */
  readonly arrivalPs: number;
  /** Prompt tokens. */
  readonly inputTokens: number;
  /** Tokens it generated (the first at the end of its prefill). */
  readonly outputTokens: number;
  /** Start of the step that admitted it. */
  readonly admittedPs: number;
  /** End of the step that processed its last prompt token. */
  readonly firstTokenPs: number;
  /** End of the step that produced its last token. */
  readonly finishPs: number;
  /** Steps that processed part of its prompt (1 with whole prefill). */
  readonly prefillSteps: number;
  /** Times between consecutive output tokens, ps: outputTokens - 1 gaps. */
  readonly tokenGapsPs: readonly number[];
}

/** One iteration of the loop. */
export interface StepResult {
  /** The step's position in the run, from 0. */
  readonly index: number;
  /** When the step started. */
  readonly startPs: number;
  /** How long it took, as the cost model gave it. */
  readonly timePs: number;
  /** Its energy, as the cost model gave it. */
  readonly energyPj: number;
  /** Requests scheduled in the step (with tokens), and how many of them prefill or decode. */
  readonly batch: number;
  /** Requests that processed prompt tokens in the step. */
  readonly prefillRequests: number;
  /** Requests that generated one token each in the step. */
  readonly decodeRequests: number;
  /** Prompt tokens processed in the step. */
  readonly prefillTokens: number;
  /** Tokens decoded in the step (one per decoding request). */
  readonly decodeTokens: number;
  /** Requests that have arrived but wait for admission during the step (the queue after this step's admissions). */
  readonly waiting: number;
  /** Requests admitted in this step. */
  readonly admitted: number;
  /** KV-cache tokens held at the end of the step (before finished requests free theirs), summed over requests. */
  readonly kvTokensInUse: number;
  /** KV-cache tokens reserved by running requests during the step. */
  readonly kvTokensReserved: number;
}

/** What a run recorded per request, in the order of the request set: 32 bytes a request (issue #18, 1,000,000 requests). */
export interface RequestColumns {
  /** Start of the step that admitted it. */
  readonly admittedPs: Float64Array;
  /** End of the step that processed its last prompt token. */
  readonly firstTokenPs: Float64Array;
  /** End of the step that produced its last token. */
  readonly finishPs: Float64Array;
  /** Steps that processed part of its prompt. */
  readonly prefillSteps: Int32Array;
  /**
   * The step that produced its first token. A decoding request takes part in every step until it finishes, and
   * steps follow each other without a gap while anything runs, so its token gaps are the times of the
   * outputTokens - 1 steps after this one (the loop checks both as it goes).
   */
  readonly firstTokenStep: Int32Array;
}

/** What a run recorded per step, one column per StepResult field (decodeTokens is decodeRequests). */
export interface StepColumns {
  readonly startPs: Column;
  readonly timePs: Column;
  readonly energyPj: Column;
  readonly batch: Column;
  readonly prefillRequests: Column;
  readonly decodeRequests: Column;
  readonly prefillTokens: Column;
  readonly waiting: Column;
  readonly admitted: Column;
  readonly kvTokensInUse: Column;
  readonly kvTokensReserved: Column;
}

/** Everything a serving run produced: the input to the serving report. */
export interface ServingResult {
  /** The scheduler settings, defaults filled in. */
  readonly config: ServingConfig;
  /** The request set served (the records below follow its order). */
  readonly requestSet: readonly Request[];
  /** Per-request records, compact. */
  readonly requestColumns: RequestColumns;
  /** Per-step records, compact. */
  readonly stepColumns: StepColumns;
  /** Steps the run took. */
  readonly stepCount: number;
  /**
   * Every request's record as an object, in the order of the request set, built on first use from the columns
   * (tokenGapsPs included): for small runs and tests. Long runs read the columns (`requestResult` one at a time).
   */
  readonly requests: readonly RequestResult[];
  /** Every step's record as an object, built on first use from the columns (see `requests`). */
  readonly steps: readonly StepResult[];
  /** Busy time per device over all steps, ps, as the cost model reported it. */
  readonly busyPs: Readonly<Record<string, number>>;
  /** Steps the cost model costed, and its memo lookups and hits. */
  readonly costStats: CostModelStats;
}

/** Request i's record, rebuilt from the columns (its token gaps are the times of the steps after its first token). */
export function requestResult(result: Pick<ServingResult, 'requestSet' | 'requestColumns' | 'stepColumns'>, i: number): RequestResult {
  const q = result.requestSet[i]!;
  const c = result.requestColumns;
  const first = c.firstTokenStep[i]!;
  return {
    id: q.id, arrivalPs: q.arrivalPs, inputTokens: q.inputTokens, outputTokens: q.outputTokens,
    admittedPs: c.admittedPs[i]!, firstTokenPs: c.firstTokenPs[i]!, finishPs: c.finishPs[i]!, prefillSteps: c.prefillSteps[i]!,
    tokenGapsPs: Array.from(result.stepColumns.timePs.slice(first + 1, first + q.outputTokens)),
  };
}

/** Step i's record, rebuilt from the columns. */
export function stepResult(columns: StepColumns, i: number): StepResult {
  const decode = columns.decodeRequests.get(i);
  return {
    index: i, startPs: columns.startPs.get(i), timePs: columns.timePs.get(i), energyPj: columns.energyPj.get(i),
    batch: columns.batch.get(i), prefillRequests: columns.prefillRequests.get(i), decodeRequests: decode,
    prefillTokens: columns.prefillTokens.get(i), decodeTokens: decode, waiting: columns.waiting.get(i),
    admitted: columns.admitted.get(i), kvTokensInUse: columns.kvTokensInUse.get(i), kvTokensReserved: columns.kvTokensReserved.get(i),
  };
}

interface Live {
  readonly index: number;
  readonly req: Request;
  readonly reserved: number;
  readonly admittedPs: number;
  prefilled: number;
  prefillSteps: number;
  generated: number;
  firstTokenPs: number;
  firstTokenStep: number;
  lastTokenPs: number;
}

/** Checks the input and fills in defaults; every problem is a StrataError naming the option or the request. */
export function servingConfig(input: ServingInput): ServingConfig {
  const { requests, model, costModel } = input;
  if (requests.length === 0) throw new StrataError('serving: the request set is empty');
  const maxBatch = input.maxBatch ?? DEFAULT_MAX_BATCH;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new StrataError(`serving: maxBatch must be a whole number >= 1, got ${maxBatch}`);
  const prefill = input.prefill ?? 'whole';
  if (!(PREFILL_MODES as readonly string[]).includes(prefill)) throw new StrataError(`serving: prefill must be one of ${PREFILL_MODES.join(', ')}, got '${prefill}'`);
  let chunkTokens: number | null = null;
  if (prefill === 'chunked') {
    chunkTokens = input.chunkTokens ?? DEFAULT_CHUNK_TOKENS;
    if (!Number.isInteger(chunkTokens) || chunkTokens < maxBatch) {
      throw new StrataError(`serving: chunkTokens (the token budget of a chunked-prefill step) must be a whole number >= maxBatch (${maxBatch}) so that every running request's decode token fits, got ${chunkTokens}`);
    }
  } else if (input.chunkTokens !== undefined) {
    throw new StrataError(`serving: chunkTokens applies to chunked prefill; the prefill mode is 'whole'`);
  }

  const bytesPerToken = kvBytesPerToken(model);
  let kvCapacityBytes: number;
  let kvCapacitySource: ServingConfig['kvCapacitySource'];
  const mem = costModel.memory;
  const left = mem ? mem.capacityBytes - mem.weightBytes : null;
  if (mem && left !== null && left <= 0) {
    throw new StrataError(`serving: ${model.name}'s weights (${formatGiB(mem.weightBytes)}) do not fit in ${costModel.system}'s ${formatGiB(mem.capacityBytes)} of memory; no room is left for the KV cache`);
  }
  if (input.kvCapacityBytes !== undefined) {
    const c = input.kvCapacityBytes;
    if (!Number.isInteger(c) || c <= 0) throw new StrataError(`serving: kvCapacityBytes must be a whole number of bytes > 0, got ${c}`);
    if (left !== null && c > left) {
      throw new StrataError(`serving: a KV capacity of ${formatGiB(c)} does not fit in ${costModel.system}: its ${formatGiB(mem!.capacityBytes)} minus ${model.name}'s weights (${formatGiB(mem!.weightBytes)}) leave ${formatGiB(left)}`);
    }
    kvCapacityBytes = c;
    kvCapacitySource = 'given';
  } else {
    if (left === null) throw new StrataError(`serving: ${costModel.system} declares no device memory; give the KV capacity`);
    kvCapacityBytes = left;
    kvCapacitySource = 'device';
  }

  const capacityTokens = Math.floor(kvCapacityBytes / bytesPerToken);
  let prev = -Infinity;
  const seen = new Set<string>();
  requests.forEach((q, i) => {
    const where = `${input.label ?? 'serving'}: request '${q.id}' (index ${i})`;
    if (seen.has(q.id)) throw new StrataError(`${where}: its id is used by an earlier request; ids must be unique`);
    seen.add(q.id);
    if (!Number.isSafeInteger(q.arrivalPs) || q.arrivalPs < 0) throw new StrataError(`${where}: arrivalPs must be a whole number of ps >= 0, got ${q.arrivalPs}`);
    if (q.arrivalPs < prev) throw new StrataError(`${where}: arrives at ${q.arrivalPs} ps, before the request ahead of it (${prev} ps); requests must be sorted by arrival`);
    prev = q.arrivalPs;
    for (const key of ['inputTokens', 'outputTokens'] as const) {
      if (!Number.isSafeInteger(q[key]) || q[key] < 1) throw new StrataError(`${where}: ${key} must be a whole number >= 1, got ${q[key]}`);
    }
    const lifetime = reservation(q);
    if (model.positionScheme === 'learned' && lifetime > model.maxPositions) {
      throw new StrataError(`${where}: ${q.inputTokens} input + ${q.outputTokens} output tokens need ${lifetime} positions, past ${model.name}'s ${model.maxPositions} learned positions (maxPositions); use shorter requests or a model without a position table`);
    }
    if (lifetime > capacityTokens) {
      throw new StrataError(`${where}: its KV cache (${lifetime} tokens, ${formatGiB(lifetime * bytesPerToken)}) is larger than the whole KV capacity (${formatGiB(kvCapacityBytes)}, ${capacityTokens} tokens); it could never be admitted`);
    }
  });
  return { maxBatch, kvCapacityBytes, kvCapacitySource, kvBytesPerToken: bytesPerToken, prefill, chunkTokens };
}

/** KV-cache tokens a request holds at its largest: the prompt and every generated token but the last. */
export function reservation(q: Request): number {
  return q.inputTokens + q.outputTokens - 1;
}

/** Runs the serving loop over a request set (see the file comment) and returns every request's and step's record. Deterministic. */
export function simulateServing(input: ServingInput): ServingResult {
  const config = servingConfig(input);
  const { requests, costModel } = input;
  const capacityTokens = Math.floor(config.kvCapacityBytes / config.kvBytesPerToken);
  const n = requests.length;
  const requestColumns: RequestColumns = {
    admittedPs: new Float64Array(n), firstTokenPs: new Float64Array(n), finishPs: new Float64Array(n),
    prefillSteps: new Int32Array(n), firstTokenStep: new Int32Array(n),
  };
  const stepColumns: StepColumns = {
    startPs: new Column('float64'), timePs: new Column('float64'), energyPj: new Column('float64'),
    batch: new Column('int32'), prefillRequests: new Column('int32'), decodeRequests: new Column('int32'),
    prefillTokens: new Column('float64'), waiting: new Column('int32'), admitted: new Column('int32'),
    kvTokensInUse: new Column('float64'), kvTokensReserved: new Column('float64'),
  };
  const busyPs: Record<string, number> = {};

  let t = 0;
  // Requests [waitHead, nextArrival) have arrived and wait, in arrival order (admission is first come first served).
  let nextArrival = 0;
  let waitHead = 0;
  let running: Live[] = [];
  let reservedTokens = 0;
  let kvTokens = 0;
  let finished = 0;
  let stepIndex = 0;

  while (finished < n) {
    while (nextArrival < n && requests[nextArrival]!.arrivalPs <= t) nextArrival++;
    if (running.length === 0 && waitHead === nextArrival) {
      invariant(nextArrival < n, 'unfinished requests are running, waiting or yet to arrive');
      t = requests[nextArrival]!.arrivalPs;
      continue;
    }

    // The token budget left after decodes and ongoing prompt chunks (chunked prefill only).
    let budget = Infinity;
    if (config.chunkTokens !== null) {
      budget = config.chunkTokens;
      for (const r of running) if (r.prefilled === r.req.inputTokens) budget--;
      for (const r of running) if (r.prefilled < r.req.inputTokens) budget -= Math.min(r.req.inputTokens - r.prefilled, Math.max(budget, 0));
    }

    let admitted = 0;
    while (waitHead < nextArrival && running.length < config.maxBatch && budget > 0) {
      const index = waitHead;
      const req = requests[index]!;
      const need = reservation(req);
      if (reservedTokens + need > capacityTokens) break;
      waitHead++;
      reservedTokens += need;
      admitted++;
      running.push({ index, req, reserved: need, admittedPs: t, prefilled: 0, prefillSteps: 0, generated: 0, firstTokenPs: -1, firstTokenStep: -1, lastTokenPs: -1 });
      if (config.chunkTokens !== null) budget -= Math.min(req.inputTokens, budget);
    }
    invariant(running.length > 0, 'a request is admitted when nothing runs (every reservation fits the capacity alone)');

    // The batch, in admission order. Decodes take their token first; prompt chunks share what is left.
    let left = config.chunkTokens ?? Infinity;
    for (const r of running) if (r.prefilled === r.req.inputTokens) left--;
    const entries: BatchEntry[] = [];
    const scheduled: Array<{ live: Live; tokens: number }> = [];
    let prefillTokens = 0;
    let decodeTokens = 0;
    let prefillRequests = 0;
    for (const r of running) {
      if (r.prefilled === r.req.inputTokens) {
        entries.push({ id: r.req.id, contextLength: r.req.inputTokens + r.generated - 1, newTokens: 1, decode: true });
        scheduled.push({ live: r, tokens: 1 });
        decodeTokens++;
      } else {
        const chunk = Math.min(r.req.inputTokens - r.prefilled, left);
        if (chunk <= 0) continue;
        left -= chunk;
        entries.push({ id: r.req.id, contextLength: r.prefilled, newTokens: chunk, decode: false });
        scheduled.push({ live: r, tokens: chunk });
        prefillTokens += chunk;
        prefillRequests++;
      }
    }
    invariant(entries.length > 0, 'every step schedules at least one request');

    const cost = costModel.cost({ index: stepIndex, entries });
    if (!Number.isSafeInteger(cost.timePs) || cost.timePs <= 0) {
      throw new StrataError(`serving: cost model ${costModel.name} on ${costModel.system} gave step ${stepIndex} a time of ${cost.timePs} ps; expected a whole number of ps > 0`);
    }
    if (!Number.isFinite(cost.energyPj) || cost.energyPj < 0) {
      throw new StrataError(`serving: cost model ${costModel.name} on ${costModel.system} gave step ${stepIndex} an energy of ${cost.energyPj} pJ; expected a number >= 0`);
    }
    if (cost.busyPs) for (const [id, ps] of Object.entries(cost.busyPs)) busyPs[id] = (busyPs[id] ?? 0) + ps;
    const end = t + cost.timePs;

    kvTokens += prefillTokens + decodeTokens;
    const kvAtEnd = kvTokens;
    for (const { live, tokens } of scheduled) {
      if (live.prefilled < live.req.inputTokens) {
        live.prefilled += tokens;
        live.prefillSteps++;
        if (live.prefilled < live.req.inputTokens) continue;
        live.firstTokenPs = end;
        live.firstTokenStep = stepIndex;
      } else {
        // The gap is this step's time: the request's previous token came at the end of the step before (the
        // request columns keep no gaps; requestResult reads them back from the step times).
        invariant(live.lastTokenPs === t, 'a decoding request takes part in every step, and steps follow without a gap');
      }
      live.generated++;
      live.lastTokenPs = end;
    }
    const sc = stepColumns;
    sc.startPs.push(t); sc.timePs.push(cost.timePs); sc.energyPj.push(cost.energyPj);
    sc.batch.push(entries.length); sc.prefillRequests.push(prefillRequests); sc.decodeRequests.push(decodeTokens);
    sc.prefillTokens.push(prefillTokens); sc.waiting.push(nextArrival - waitHead); sc.admitted.push(admitted);
    sc.kvTokensInUse.push(kvAtEnd); sc.kvTokensReserved.push(reservedTokens);

    const still: Live[] = [];
    for (const r of running) {
      if (r.generated < r.req.outputTokens) {
        still.push(r);
        continue;
      }
      const cached = r.req.inputTokens + r.generated - 1;
      invariant(cached === r.reserved, 'a finished request used exactly its reservation');
      invariant(stepIndex - r.firstTokenStep === r.req.outputTokens - 1, 'a request decodes in every step from its first token to its last');
      kvTokens -= cached;
      reservedTokens -= r.reserved;
      finished++;
      const rc = requestColumns;
      rc.admittedPs[r.index] = r.admittedPs;
      rc.firstTokenPs[r.index] = r.firstTokenPs;
      rc.finishPs[r.index] = r.lastTokenPs;
      rc.prefillSteps[r.index] = r.prefillSteps;
      rc.firstTokenStep[r.index] = r.firstTokenStep;
    }
    running = still;
    t = end;
    stepIndex++;
    input.onStep?.(finished, n, t);
  }
  return servingResult({ config, requestSet: requests, requestColumns, stepColumns, stepCount: stepIndex, busyPs, costStats: costModel.stats() });
}

/** A ServingResult whose `requests` and `steps` are built from the columns on first use (and kept). */
function servingResult(fields: Omit<ServingResult, 'requests' | 'steps'>): ServingResult {
  let requests: RequestResult[] | undefined;
  let steps: StepResult[] | undefined;
  return {
    ...fields,
    get requests() {
      requests ??= fields.requestSet.map((_, i) => requestResult(fields, i));
      return requests;
    },
    get steps() {
      steps ??= Array.from({ length: fields.stepCount }, (_, i) => stepResult(fields.stepColumns, i));
      return steps;
    },
  };
}
