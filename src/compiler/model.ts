import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { FieldReader } from '../spec/fields.ts';
import { deepFreeze } from '../spec/freeze.ts';
import { readJsonFile, jsonFileNames } from '../spec/json-file.ts';
import { PACKAGE_ROOT } from '../spec/package-root.ts';

/** Where the shipped model descriptions live (`workloads/models/NAME.json`). */
export const MODELS_DIR = join(PACKAGE_ROOT, 'workloads', 'models');

/**
 * Feed-forward block kinds. Plain MLPs have two matrices (up, down) and an activation; gated ones (SwiGLU,
 * GeGLU) have three (up, gate, down) and multiply the activated gate into the up projection.
 */
export const FFN_KINDS = ['gelu-mlp', 'relu-mlp', 'swiglu', 'geglu'] as const;
/** A feed-forward block kind. */
export type FfnKind = (typeof FFN_KINDS)[number];

/** How positions enter the model: a learned table added to the embeddings, rotary (applied to Q and K), ALiBi biases, or nothing. */
export const POSITION_SCHEMES = ['learned', 'rope', 'alibi', 'none'] as const;
/** A position scheme. */
export type PositionScheme = (typeof POSITION_SCHEMES)[number];

/** Normalisation kinds: LayerNorm (scale and shift) or RMSNorm (scale only). */
export const NORM_KINDS = ['layernorm', 'rmsnorm'] as const;
/** A normalisation kind. */
export type NormKind = (typeof NORM_KINDS)[number];

/** A published parameter count and where it was published. */
export interface PublishedCount {
  /** Parameters, as published. */
  readonly count: number;
  /** Where the count was published. */
  readonly source: string;
}

/** A decoder-only transformer, as data. Loaded, validated and frozen; the compiler trusts it. */
export interface ModelSpec {
  /** Lower-case with dashes, equal to the file name in workloads/models. */
  readonly name: string;
  /** The model family (`gpt2`, `llama3`), for grouping. */
  readonly family: string;
  /** Where the shapes come from (paper table, model card, config.json of the official release). */
  readonly source: string;
  /** Free text from the file ('' when it has none). */
  readonly note: string;
  /** File it came from. */
  readonly file: string;
  /** Decoder layers. */
  readonly layers: number;
  /** d_model. */
  readonly hiddenSize: number;
  /** Query heads. */
  readonly heads: number;
  /** Key/value heads (= heads for multi-head attention, fewer for GQA, 1 for MQA). */
  readonly kvHeads: number;
  /** Width of one attention head. */
  readonly headDim: number;
  /** Intermediate width of one FFN (of one expert for MoE). */
  readonly ffnSize: number;
  /** Plain MLP (up, down) or gated (up, gate, down), and its activation. */
  readonly ffnKind: FfnKind;
  /** FFN experts per layer; 1 for a dense model. */
  readonly experts: number;
  /** Experts each token is routed to; 1 for a dense model. */
  readonly topK: number;
  /** Tokens in the vocabulary (rows of the embedding matrix). */
  readonly vocabSize: number;
  /** Trained context length (rows of the position table for learned positions). */
  readonly maxPositions: number;
  /** How positions enter the model: learned table, rotary, ALiBi, or none. */
  readonly positionScheme: PositionScheme;
  /** LayerNorm or RMSNorm. */
  readonly normKind: NormKind;
  /** The LM head reuses the token-embedding matrix. */
  readonly tiedEmbeddings: boolean;
  /** Linear layers (QKV, output projection, FFN) carry biases (GPT-2, GPT-3, OPT). */
  readonly bias: boolean;
  /** Bytes per weight, activation and KV element (2 for FP16/BF16, 1 for INT8). */
  readonly precisionBytes: number;
  /** The parameter count its authors published (test/compiler/model.test.ts: the count from the shapes is within 1.5 %). */
  readonly publishedParams: PublishedCount;
}

// `$schema` names the file's JSON Schema for editors (schemas/strata-model.schema.json); readJsonFile drops it, and a
// caller that parses the JSON itself may pass it here.
const MODEL_KEYS = [
  '$schema', 'name', 'family', 'source', 'note', 'layers', 'hiddenSize', 'heads', 'kvHeads', 'headDim', 'ffnSize', 'ffnKind',
  'experts', 'topK', 'vocabSize', 'maxPositions', 'positionScheme', 'normKind', 'tiedEmbeddings', 'bias',
  'precisionBytes', 'publishedParams',
];

/** Names of shipped models (files in workloads/models without the .json), sorted. */
export function knownModels(): string[] {
  return jsonFileNames(MODELS_DIR);
}

/** Loads a model by shipped name (`llama3-8b`) or by path to a JSON file. */
export function loadModel(nameOrPath: string): ModelSpec {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = looksLikePath ? nameOrPath : join(MODELS_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (looksLikePath) throw new StrataError(`${nameOrPath}: file not found`);
    throw new StrataError(`unknown model '${nameOrPath}' (known: ${knownModels().join(', ')}; or give a path to a .json model file)`);
  }
  const json = readJsonFile(file);
  return parseModel(json, file);
}

/** Validates a parsed model description and returns it frozen. `file` names it in errors. */
export function parseModel(json: unknown, file: string): ModelSpec {
  const r = FieldReader.root(file, json);
  r.onlyKeys(MODEL_KEYS);
  const count = { integer: true, positive: true };

  const name = r.string('name');
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) r.fail('name', 'lower-case letters, digits, dots and dashes (e.g. llama3-8b)', name);
  const hiddenSize = r.number('hiddenSize', count);
  const heads = r.number('heads', count);
  let headDim: number;
  if (r.has('headDim')) {
    headDim = r.number('headDim', count);
  } else {
    if (hiddenSize % heads !== 0) r.fail('heads', `a divisor of hiddenSize (${hiddenSize}) when headDim is not given`, heads);
    headDim = hiddenSize / heads;
  }
  const kvHeads = r.optionalNumber('kvHeads', heads, count);
  if (heads % kvHeads !== 0) r.fail('kvHeads', `a divisor of heads (${heads}): each KV head serves a whole group of query heads`, kvHeads);
  const experts = r.optionalNumber('experts', 1, count);
  const topK = experts > 1 ? r.number('topK', count) : r.optionalNumber('topK', 1, count);
  if (topK > experts) r.fail('topK', `at most experts (${experts})`, topK);

  const p = r.object('publishedParams');
  p.onlyKeys(['count', 'source']);
  const publishedParams: PublishedCount = { count: p.number('count', { positive: true }), source: p.string('source') };

  const precisionBytes = r.optionalNumber('precisionBytes', 2, count);
  if (![1, 2, 4].includes(precisionBytes)) r.fail('precisionBytes', '1 (INT8), 2 (FP16/BF16) or 4 (FP32)', precisionBytes);

  const model: ModelSpec = {
    name,
    family: r.string('family'),
    source: r.string('source'),
    note: r.optionalString('note', ''),
    file,
    layers: r.number('layers', count),
    hiddenSize,
    heads,
    kvHeads,
    headDim,
    ffnSize: r.number('ffnSize', count),
    ffnKind: r.string('ffnKind', FFN_KINDS) as FfnKind,
    experts,
    topK,
    vocabSize: r.number('vocabSize', count),
    maxPositions: r.number('maxPositions', count),
    positionScheme: r.string('positionScheme', POSITION_SCHEMES) as PositionScheme,
    normKind: r.string('normKind', NORM_KINDS) as NormKind,
    tiedEmbeddings: r.boolean('tiedEmbeddings'),
    bias: r.boolean('bias'),
    precisionBytes,
    publishedParams,
  };
  if (model.source.trim() === '') r.fail('source', 'a citation (paper table, model card or config.json of the official release)', model.source);
  return deepFreeze(model);
}

/** True for FFNs with a gate matrix (SwiGLU, GeGLU). */
export function isGated(kind: FfnKind): boolean {
  return kind === 'swiglu' || kind === 'geglu';
}

/** Width of the concatenated query heads (heads x headDim); equals hiddenSize in most models. */
export function queryWidth(m: ModelSpec): number {
  return m.heads * m.headDim;
}

/** Width of K (and of V): kvHeads x headDim. */
export function kvWidth(m: ModelSpec): number {
  return m.kvHeads * m.headDim;
}

/** KV-cache bytes one token occupies across all layers (K and V). */
export function kvBytesPerToken(m: ModelSpec): number {
  return 2 * m.layers * kvWidth(m) * m.precisionBytes;
}

/** Parameters of one norm: LayerNorm has a scale and a shift per channel, RMSNorm only a scale. */
export function normParams(m: ModelSpec): number {
  return (m.normKind === 'layernorm' ? 2 : 1) * m.hiddenSize;
}

/** Parameters of one layer's attention: Q, K, V and output matrices, with biases if the model has them. */
export function attentionParams(m: ModelSpec): number {
  const d = m.hiddenSize;
  const q = queryWidth(m);
  const kv = kvWidth(m);
  const weights = d * (q + 2 * kv) + q * d;
  const biases = m.bias ? q + 2 * kv + d : 0;
  return weights + biases;
}

/** Parameters of one FFN (one expert): up and down (and gate when gated), with biases if the model has them. */
export function ffnParams(m: ModelSpec): number {
  const d = m.hiddenSize;
  const f = m.ffnSize;
  const gated = isGated(m.ffnKind);
  const weights = (gated ? 3 : 2) * d * f;
  const biases = m.bias ? (gated ? 2 : 1) * f + d : 0;
  return weights + biases;
}

/** Parameters of one layer's MoE router (a d x experts linear map without bias); 0 for dense models. */
export function routerParams(m: ModelSpec): number {
  return m.experts > 1 ? m.hiddenSize * m.experts : 0;
}

/** Parameter count by part; `total` is what a checkpoint holds. */
export interface ParameterBreakdown {
  readonly tokenEmbedding: number;
  /** Learned position table (0 for RoPE/ALiBi). */
  readonly positionEmbedding: number;
  /** All layers' attention (Q, K, V, O, biases). */
  readonly attention: number;
  /** All layers' FFNs, every expert. */
  readonly ffn: number;
  readonly router: number;
  /** Two norms per layer plus the final norm. */
  readonly norms: number;
  /** Separate LM head matrix (0 when tied to the token embedding). */
  readonly lmHead: number;
  readonly total: number;
  /** Weights of the matrices a token passes through in the layers (attention, its topK experts' FFNs, router): 2 FLOPs each per token. */
  readonly activeLayerMatrixParams: number;
}

/** Counts parameters from the config. */
export function parameterBreakdown(m: ModelSpec): ParameterBreakdown {
  const tokenEmbedding = m.vocabSize * m.hiddenSize;
  const positionEmbedding = m.positionScheme === 'learned' ? m.maxPositions * m.hiddenSize : 0;
  const attention = m.layers * attentionParams(m);
  const ffn = m.layers * m.experts * ffnParams(m);
  const router = m.layers * routerParams(m);
  const norms = (2 * m.layers + 1) * normParams(m);
  const lmHead = m.tiedEmbeddings ? 0 : m.vocabSize * m.hiddenSize;
  const d = m.hiddenSize;
  const attentionMatrices = d * (queryWidth(m) + 2 * kvWidth(m)) + queryWidth(m) * d;
  const ffnMatrices = (isGated(m.ffnKind) ? 3 : 2) * d * m.ffnSize;
  const activeLayerMatrixParams = m.layers * (attentionMatrices + m.topK * ffnMatrices + routerParams(m));
  return {
    tokenEmbedding, positionEmbedding, attention, ffn, router, norms, lmHead,
    total: tokenEmbedding + positionEmbedding + attention + ffn + router + norms + lmHead,
    activeLayerMatrixParams,
  };
}

/** Total parameter count computed from the config (embeddings, positions, layers, norms, LM head unless tied). */
export function parameterCount(m: ModelSpec): number {
  return parameterBreakdown(m).total;
}
