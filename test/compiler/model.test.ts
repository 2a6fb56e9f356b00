import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MODELS_DIR, kvBytesPerToken, knownModels, loadModel, parameterBreakdown, parameterCount,
} from '../../src/compiler/model.ts';
import { StrataError } from '../../src/spec/errors.ts';

/** True when `v` and every object inside it are frozen. */
function deeplyFrozen(v: unknown, path = 'root'): string[] {
  if (v === null || typeof v !== 'object') return [];
  const bad = Object.isFrozen(v) ? [] : [path];
  for (const [k, x] of Object.entries(v)) bad.push(...deeplyFrozen(x, `${path}.${k}`));
  return bad;
}

/** Published parameter counts; each file's publishedParams.count must equal the figure here. */
const PUBLISHED: [name: string, count: number][] = [
  // github.com/openai/gpt-2: released checkpoint names 124M, 355M, 774M, 1558M (the paper's Table 2 figures
  // 117M/345M/762M/1542M were wrong, per the repository README).
  ['gpt2-small', 124e6],
  ['gpt2-medium', 355e6],
  ['gpt2-large', 774e6],
  ['gpt2-xl', 1558e6],
  // Brown et al. 2020 (GPT-3), Table D.1, 'Params (M)': 125, 356, 760, 1320, 2650, 6660, 12850, 174600.
  ['gpt3-small', 125e6],
  ['gpt3-medium', 356e6],
  ['gpt3-large', 760e6],
  ['gpt3-xl', 1320e6],
  ['gpt3-2.7b', 2650e6],
  ['gpt3-6.7b', 6660e6],
  ['gpt3-13b', 12850e6],
  ['gpt3-175b', 174600e6],
  // NeuPIMs configs/model_configs/gpt3-7B.json says model_params_b 7, a rounded name for the GPT-3 6.7B
  // shape; the shape's published count is GPT-3 Table D.1's 6660M (7B would be 5 % off).
  ['neupims-gpt3-7b', 6660e6],
  // NeuPIMs configs/model_configs/gpt3-13B.json and gpt3-30B.json: model_params_b 13 and 30.
  ['neupims-gpt3-13b', 13e9],
  ['neupims-gpt3-30b', 30e9],
  // Zhang et al. 2022 (OPT), Table 1: OPT-6.7B, 13B, 30B, 66B.
  ['opt-6.7b', 6.7e9],
  ['opt-13b', 13e9],
  ['opt-30b', 30e9],
  ['opt-66b', 66e9],
  // HuggingFace model pages of meta-llama/Llama-2-{7b,13b,70b}-hf: 'Model size 6.74B / 13B / 69B params'.
  ['llama2-7b', 6.74e9],
  ['llama2-13b', 13.0e9],
  ['llama2-70b', 69.0e9],
  // HuggingFace model pages of meta-llama/Meta-Llama-3-{8B,70B}: 'Model size 8.03B / 70.6B params'.
  ['llama3-8b', 8.03e9],
  ['llama3-70b', 70.6e9],
  // Mistral AI, 'Mixtral of experts' (Dec 2023): '46.7B total parameters'.
  ['mixtral-8x7b', 46.7e9],
  // github.com/xai-org/grok-1 README: 'Parameters: 314B'.
  ['grok-1', 314e9],
];

describe('model zoo', () => {
  it('ships exactly the models whose published counts this test checks, sorted', () => {
    expect(knownModels()).toEqual(PUBLISHED.map(([n]) => n).sort());
  });

  for (const name of knownModels()) {
    it(`${name} loads frozen, named as its file, with a cited source`, () => {
      const m = loadModel(name);
      expect(m.name).toBe(name);
      expect(m.source.length).toBeGreaterThan(20);
      expect(m.publishedParams.source.length).toBeGreaterThan(20);
      expect(deeplyFrozen(m)).toEqual([]);
      expect(m.heads % m.kvHeads).toBe(0);
    });
  }

  for (const [name, published] of PUBLISHED) {
    it(`${name}: computed parameter count within 1.5 % of the published ${published / 1e9}B`, () => {
      const m = loadModel(name);
      expect(m.publishedParams.count).toBe(published);
      const computed = parameterCount(m);
      expect(Math.abs(computed / published - 1)).toBeLessThan(0.015);
    });
  }
});

describe('parameter counting', () => {
  it('reproduces the exact GPT-2 small checkpoint (HuggingFace: 124,439,808)', () => {
    // tokens 50257·768 = 38,597,376; positions 1024·768 = 786,432; final LN 2·768 = 1,536;
    // per layer: 2 LNs 3,072 + QKVO 4·768² + 4·768 = 2,362,368 + FFN 2·768·3072 + 3072 + 768 = 4,722,432 → 7,087,872 × 12
    expect(parameterCount(loadModel('gpt2-small'))).toBe(38_597_376 + 786_432 + 1_536 + 12 * 7_087_872);
  });

  it('counts GQA K/V at kvHeads x headDim and untied LM heads (Llama-3 8B: 8,030,261,248)', () => {
    const b = parameterBreakdown(loadModel('llama3-8b'));
    // per layer: Q and O 4096², K and V 4096·(8·128) each
    expect(b.attention).toBe(32 * (2 * 4096 * 4096 + 2 * 4096 * 1024));
    expect(b.lmHead).toBe(128256 * 4096);
    expect(b.positionEmbedding).toBe(0);
    expect(b.total).toBe(8_030_261_248);
  });

  it('counts every expert and the router for MoE (Mixtral 8x7B: 46,702,792,704)', () => {
    const b = parameterBreakdown(loadModel('mixtral-8x7b'));
    expect(b.ffn).toBe(32 * 8 * 3 * 4096 * 14336);
    expect(b.router).toBe(32 * 4096 * 8);
    expect(b.total).toBe(46_702_792_704);
    // active per token: attention + 2 experts + router, per layer (the 12.9B 'active' figure adds embeddings)
    expect(b.activeLayerMatrixParams).toBe(32 * (2 * 4096 * 4096 + 2 * 4096 * 1024 + 2 * 3 * 4096 * 14336 + 4096 * 8));
  });

  it('gives the KV-cache bytes per token', () => {
    // Llama-3 8B: 2 (K, V) · 32 layers · 8 heads · 128 · 2 B = 131,072 B
    expect(kvBytesPerToken(loadModel('llama3-8b'))).toBe(131_072);
  });
});

describe('bad model files', () => {
  let dir: string;
  const base = (): Record<string, any> => JSON.parse(readFileSync(join(MODELS_DIR, 'llama3-8b.json'), 'utf8'));
  const write = (name: string, value: unknown): string => {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  const expectError = (file: string, pattern: RegExp) => {
    let error: unknown;
    try {
      loadModel(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StrataError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(pattern);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-model-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a valid copy from a path', () => {
    expect(loadModel(write('copy', base())).name).toBe('llama3-8b');
  });

  it('names the known models when the name is unknown', () => {
    expect(() => loadModel('gpt5')).toThrow(StrataError);
    expect(() => loadModel('gpt5')).toThrow(/unknown model 'gpt5' \(known: .*gpt2-small.*llama3-8b/);
  });

  it('rejects a missing file, invalid JSON and a non-object', () => {
    expect(() => loadModel(join(dir, 'nope.json'))).toThrow(/file not found/);
    expectError(write('broken', '{ "name": '), /not valid JSON/);
    expectError(write('array', '[]'), /expected a JSON object/);
  });

  it('rejects a missing field, naming it', () => {
    const m = base();
    delete m.layers;
    expectError(write('missing', m), /field 'layers': expected an integer > 0 \(field is missing\)/);
  });

  it('rejects zero and negative sizes, naming the field', () => {
    expectError(write('zero', { ...base(), hiddenSize: 0 }), /field 'hiddenSize': expected an integer > 0, found 0/);
    expectError(write('negative', { ...base(), ffnSize: -4 }), /field 'ffnSize': expected an integer > 0, found -4/);
    expectError(write('fraction', { ...base(), layers: 1.5 }), /field 'layers': expected an integer/);
    expectError(write('published', { ...base(), publishedParams: { count: 0, source: 'x' } }), /field 'publishedParams.count'/);
  });

  it('rejects heads that do not divide hiddenSize when headDim is not given', () => {
    const m: Record<string, any> = { ...base(), heads: 24, kvHeads: 8, hiddenSize: 2048 };
    delete m.headDim;
    expectError(write('heads', m), /field 'heads': expected a divisor of hiddenSize \(2048\) when headDim is not given, found 24/);
    // with headDim given, heads x headDim may differ from hiddenSize
    expect(loadModel(write('heads-ok', { ...m, headDim: 128 })).headDim).toBe(128);
  });

  it('rejects kvHeads that do not divide heads', () => {
    expectError(write('kv', { ...base(), kvHeads: 5 }), /field 'kvHeads': expected a divisor of heads \(32\).*found 5/);
  });

  it('rejects topK above experts, and a MoE without topK', () => {
    expectError(write('topk', { ...base(), experts: 8, topK: 9 }), /field 'topK': expected at most experts \(8\), found 9/);
    const m: Record<string, any> = { ...base(), experts: 8 };
    delete m.topK;
    expectError(write('no-topk', m), /field 'topK'.*field is missing/);
  });

  it('rejects unknown fields, unknown kinds, bad names and precisions', () => {
    expectError(write('unknown', { ...base(), hiddenSise: 4096 }), /field 'hiddenSise': unknown field/);
    expectError(write('kind', { ...base(), ffnKind: 'swish' }), /field 'ffnKind': expected one of gelu-mlp, relu-mlp, swiglu, geglu/);
    expectError(write('norm', { ...base(), normKind: 'batchnorm' }), /field 'normKind'/);
    expectError(write('name', { ...base(), name: 'Llama 3' }), /field 'name': expected lower-case/);
    expectError(write('precision', { ...base(), precisionBytes: 3 }), /field 'precisionBytes': expected 1 \(INT8\), 2/);
    expectError(write('tied', { ...base(), tiedEmbeddings: 'no' }), /field 'tiedEmbeddings': expected true or false/);
  });
});
