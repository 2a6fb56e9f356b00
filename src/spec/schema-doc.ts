/**
 * Field tables of docs/formats.md, generated from the JSON Schemas in schemas/ (so the page and the schemas editors
 * use cannot drift: test/docs/formats.test.ts compares them). Pure functions of schema objects.
 */

/** The part of a JSON Schema node the tables read. */
export interface SchemaNode {
  $id?: string;
  $ref?: string;
  title?: string;
  type?: string;
  enum?: unknown[];
  const?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  required?: string[];
  $defs?: Record<string, SchemaNode>;
}

/** Schemas a `$ref` may name, by file name (`strata-common.schema.json`). */
export type SchemaFiles = Readonly<Record<string, SchemaNode>>;

/** A node and the schema file its own `$ref`s are relative to. */
interface Located {
  readonly node: SchemaNode;
  readonly doc: SchemaNode;
}

/** The node at a JSON pointer (`/$defs/rule`) below `doc`. */
function atPointer(doc: SchemaNode, pointer: string, ref: string): SchemaNode {
  let v: unknown = doc;
  for (const part of pointer.split('/').filter((p) => p !== '')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  }
  if (typeof v !== 'object' || v === null) throw new Error(`internal invariant broken: schema $ref '${ref}' names nothing`);
  return v as SchemaNode;
}

/** Follows `$ref`s (in the same file or another of `files`); the referring node's own keywords (description) win. */
function resolve(n: SchemaNode, doc: SchemaNode, files: SchemaFiles): Located {
  if (n.$ref === undefined) return { node: n, doc };
  const [file, pointer = ''] = n.$ref.split('#');
  const target = file ? files[file] : doc;
  if (!target) throw new Error(`internal invariant broken: schema $ref '${n.$ref}' names a file not given`);
  const inner = resolve(atPointer(target, pointer, n.$ref), target, files);
  const { $ref: _ref, ...own } = n;
  return { node: { ...inner.node, ...own }, doc: inner.doc };
}

/** Whether a property is a shared provenance block documented once on the page (`note`, `assumptions`). */
function isSharedBlock(n: SchemaNode): boolean {
  return n.$ref !== undefined && /#\/\$defs\/(note|assumptions)$/.test(n.$ref);
}

/** What values a field takes, in words: its type, enum or bounds. */
function valuesOf(n: SchemaNode, doc: SchemaNode, files: SchemaFiles): string {
  if (n.enum) return n.enum.map((v) => `\`${JSON.stringify(v)}\``).join(', ');
  if (n.const !== undefined) return `\`${JSON.stringify(n.const)}\``;
  if (n.anyOf) {
    return n.anyOf.map((alt) => {
      const r = resolve(alt, doc, files);
      return r.node.title ?? valuesOf(r.node, r.doc, files);
    }).join(' or ');
  }
  if (n.type === 'array' && n.items) {
    const r = resolve(n.items, doc, files);
    return `array of ${r.node.title ?? valuesOf(r.node, r.doc, files)}`;
  }
  const bounds: string[] = [];
  if (n.minimum !== undefined) bounds.push(`>= ${n.minimum}`);
  if (n.exclusiveMinimum !== undefined) bounds.push(`> ${n.exclusiveMinimum}`);
  if (n.maximum !== undefined) bounds.push(`<= ${n.maximum}`);
  return `${n.type ?? 'any'}${bounds.length ? ` ${bounds.join(', ')}` : ''}`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/**
 * One Markdown table: every field of the schema (nested objects as dotted paths, array items as `key[]`, free keys
 * as `<name>`), whether required, its values and meaning. `$ref`s are followed into `files`; a referenced definition
 * with a `title` (a constraint table, a PIM command) is named, not expanded, below the root: it has its own table.
 * The shared `note` and `assumptions` blocks are left out (the page documents them once).
 */
export function schemaFieldTable(schema: SchemaNode, files: SchemaFiles = {}, doc: SchemaNode = schema): string {
  const rows: string[] = ['| field | required | values | meaning |', '|---|---|---|---|'];
  const row = (path: string, required: boolean, n: SchemaNode, d: SchemaNode, values?: string): void => {
    rows.push(`| \`${path}\` | ${required ? 'yes' : ''} | ${cell(values ?? valuesOf(n, d, files))} | ${cell(n.description ?? '')} |`);
  };
  const walk = (raw: SchemaNode, d: SchemaNode, prefix: string): void => {
    const { node, doc: nd } = resolve(raw, d, files);
    for (const [key, rawChild] of Object.entries(node.properties ?? {})) {
      if (key === '$schema' || isSharedBlock(rawChild)) continue;
      const path = prefix ? `${prefix}.${key}` : key;
      const child = resolve(rawChild, nd, files);
      const titled = rawChild.$ref !== undefined && child.node.title !== undefined;
      row(path, (node.required ?? []).includes(key), child.node, child.doc, titled ? child.node.title : undefined);
      if (!titled) descend(child, path);
    }
    if (typeof node.additionalProperties === 'object') {
      const extra = resolve(node.additionalProperties, nd, files);
      const path = `${prefix ? `${prefix}.` : ''}<name>`;
      row(path, false, extra.node, extra.doc);
      descend(extra, path);
    }
  };
  const descend = (child: Located, path: string): void => {
    if (child.node.properties || typeof child.node.additionalProperties === 'object') walk(child.node, child.doc, path);
    else if (child.node.type === 'array' && child.node.items) {
      const item = resolve(child.node.items, child.doc, files);
      if (item.node.title === undefined || child.node.items.$ref === undefined) {
        if (item.node.properties) walk(item.node, item.doc, `${path}[]`);
      }
    }
  };
  walk(schema, doc, '');
  return rows.join('\n');
}

/** The marker that opens a generated block of docs/formats.md: the schema file and, optionally, a pointer into it. */
const BLOCK = /<!-- generated from schemas\/([a-z0-9.-]+\.json)(#[^ ]*)? \(test\/docs\/formats\.test\.ts\) -->\n(?:[\s\S]*?\n)??<!-- end generated -->/g;

/**
 * The page with every generated block (`<!-- generated from schemas/FILE[#POINTER] (test/docs/formats.test.ts) -->`
 * up to `<!-- end generated -->`) replaced by the table of that schema, or of the definition at POINTER in it.
 */
export function renderSchemaBlocks(page: string, files: SchemaFiles): string {
  return page.replace(BLOCK, (_whole, file: string, pointer: string | undefined) => {
    const doc = files[file];
    if (!doc) throw new Error(`docs/formats.md: a generated block names schemas/${file}, which is not given`);
    const node = pointer ? atPointer(doc, pointer.slice(1), `${file}${pointer}`) : doc;
    return `<!-- generated from schemas/${file}${pointer ?? ''} (test/docs/formats.test.ts) -->\n${schemaFieldTable(node, files, doc)}\n<!-- end generated -->`;
  });
}

/** One shipped spec file for the preset list: its folder under arch/, name, family (systems) and description. */
export interface PresetEntry {
  readonly folder: string;
  readonly name: string;
  readonly family?: string;
  readonly description: string;
}

/** The preset list of docs/formats.md: one row per shipped file, its purpose taken from its `description`. */
export function presetTable(entries: readonly PresetEntry[]): string {
  const rows = ['| preset | file | family | what it is |', '|---|---|---|---|'];
  for (const e of entries) {
    rows.push(`| \`${e.name}\` | \`arch/${e.folder}/${e.name}.json\` | ${e.family ?? ''} | ${cell(e.description)} |`);
  }
  return rows.join('\n');
}
