import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadModel, FFN_KINDS, NORM_KINDS, POSITION_SCHEMES } from '../../src/compiler/model.ts';
import { presetTable, renderSchemaBlocks, schemaFieldTable, type PresetEntry, type SchemaNode } from '../../src/spec/schema-doc.ts';

/*
 * Issue #17 item 3: every input format documented field by field and schema-checked. The model schema must accept
 * every shipped model (each naming it in `$schema`) and refuse what the loader refuses; docs/formats.md carries the
 * tables generated from the schemas (the arch/ formats are held to their loaders by test/schemas.test.ts) and the
 * list of shipped presets generated from their `description` fields. STRATA_UPDATE_DOCS=1 rewrites the page.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'strata-model.schema.json'), 'utf8'));
const validate = new Ajv2020.default({ strict: true, allErrors: true }).compile(schema);
const models = readdirSync(join(ROOT, 'workloads', 'models')).filter((f) => f.endsWith('.json')).sort();
const schemaFiles: Record<string, SchemaNode> = Object.fromEntries(
  readdirSync(join(ROOT, 'schemas')).filter((f) => f.endsWith('.schema.json')).map((f) => [f, JSON.parse(readFileSync(join(ROOT, 'schemas', f), 'utf8')) as SchemaNode]),
);

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
});

/** Every shipped arch/ file with a description, by folder in the page's order. */
function presets(): PresetEntry[] {
  const out: PresetEntry[] = [];
  for (const folder of ['systems', 'dram', 'pim', 'pim/attacc', 'npu', 'asic']) {
    for (const f of readdirSync(join(ROOT, 'arch', folder)).filter((n) => n.endsWith('.json')).sort()) {
      const json = JSON.parse(readFileSync(join(ROOT, 'arch', folder, f), 'utf8')) as { name?: string; family?: string; description?: string };
      const family = folder === 'systems' ? (json.family ?? 'baseline') : undefined;
      out.push({ folder, name: f.replace(/\.json$/, ''), family, description: json.description ?? '' });
    }
  }
  return out;
}

const PRESETS = /<!-- generated from arch\/ description fields \(test\/docs\/formats\.test\.ts\) -->\n(?:[\s\S]*?\n)??<!-- end generated -->/;

/** The page as it should be: every generated block rendered afresh. */
function rendered(page: string): string {
  return renderSchemaBlocks(page, schemaFiles).replace(PRESETS, () => `<!-- generated from arch/ description fields (test/docs/formats.test.ts) -->\n${presetTable(presets())}\n<!-- end generated -->`);
}

describe('docs/formats.md', () => {
  const file = join(ROOT, 'docs', 'formats.md');
  const page = readFileSync(file, 'utf8');

  it('holds the model table generated from the schema', () => {
    const table = schemaFieldTable(schema);
    expect(page, `docs/formats.md: the model table differs from the schema; expected:\n${table}`).toContain(`<!-- generated from schemas/strata-model.schema.json (test/docs/formats.test.ts) -->\n${table}\n<!-- end generated -->`);
  });

  it('documents every input format with a table generated from its schema, and every shipped preset', () => {
    for (const block of [
      'strata-dram.schema.json', 'strata-dram-rules.schema.json', 'strata-common.schema.json#/$defs/pimCommand', 'strata-pim.schema.json',
      'strata-near-memory-pim.schema.json', 'strata-attacc.schema.json', 'strata-npu.schema.json', 'strata-asic.schema.json',
      'strata-system.schema.json#/$defs/baseline', 'strata-system.schema.json#/$defs/pim-gpt', 'strata-system.schema.json#/$defs/duplex',
      'strata-system.schema.json#/$defs/neupims', 'strata-requests.schema.json',
    ]) {
      expect(page, `docs/formats.md: no generated block for schemas/${block}`).toContain(`<!-- generated from schemas/${block} (test/docs/formats.test.ts) -->`);
    }
    expect(page).toMatch(PRESETS);
    const fresh = rendered(page);
    if (process.env.STRATA_UPDATE_DOCS === '1' && fresh !== page) writeFileSync(file, fresh);
    else expect(page === fresh, 'docs/formats.md: a generated table differs from its schema or the arch/ files; run STRATA_UPDATE_DOCS=1 npx vitest run test/docs/formats.test.ts').toBe(true);
  });
});
