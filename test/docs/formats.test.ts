import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadModel, FFN_KINDS, NORM_KINDS, POSITION_SCHEMES } from '../../src/compiler/model.ts';
import { schemaFieldTable } from '../../src/spec/schema-doc.ts';

/*
 * Issue #17 item 3: every input format documented field by field and schema-checked. The model schema must accept
 * every shipped model (each naming it in `$schema`) and refuse what the loader refuses; docs/formats.md carries the
 * table generated from the schema.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'strata-model.schema.json'), 'utf8'));
const validate = new Ajv2020.default({ strict: true, allErrors: true }).compile(schema);
const models = readdirSync(join(ROOT, 'workloads', 'models')).filter((f) => f.endsWith('.json')).sort();

describe('model files and their schema', () => {
  it('every shipped model names the schema, passes it and loads', () => {
    expect(models.length).toBeGreaterThan(20);
    for (const f of models) {
      const json = JSON.parse(readFileSync(join(ROOT, 'workloads', 'models', f), 'utf8'));
      expect(json.$schema, f).toBe('../../schemas/strata-model.schema.json');
      expect(validate(json), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(loadModel(f.replace(/\.json$/, '')).name).toBe(f.replace(/\.json$/, ''));
    }
  });

  it("the schema's choices are the loader's, and what the schema refuses, the loader refuses too", () => {
    expect(schema.properties.ffnKind.enum).toEqual([...FFN_KINDS]);
    expect(schema.properties.normKind.enum).toEqual([...NORM_KINDS]);
    expect(schema.properties.positionScheme.enum).toEqual([...POSITION_SCHEMES]);
    const base = JSON.parse(readFileSync(join(ROOT, 'workloads', 'models', 'gpt2-small.json'), 'utf8'));
    for (const bad of [{ layers: 0 }, { ffnKind: 'mlp' }, { extra: 1 }, { precisionBytes: 3 }, { name: 'GPT2' }]) {
      expect(validate({ ...base, ...bad }), JSON.stringify(bad)).toBe(false);
    }
  });

  it('docs/formats.md holds the field table generated from the schema', () => {
    const page = readFileSync(join(ROOT, 'docs', 'formats.md'), 'utf8');
    const table = schemaFieldTable(schema);
    expect(page, `docs/formats.md: the model table differs from the schema; expected:\n${table}`).toContain(`<!-- generated from schemas/strata-model.schema.json (test/docs/formats.test.ts) -->\n${table}\n<!-- end generated -->`);
  });
});
