/**
 * Field tables of docs/formats.md, generated from the JSON Schemas in schemas/ (so the page and the schemas editors
 * use cannot drift: test/docs/formats.test.ts compares them). A pure function of a schema object.
 */

interface SchemaNode {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  description?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
}

/** What values a field takes, in words: its type, enum or bounds. */
function valuesOf(n: SchemaNode): string {
  if (n.enum) return n.enum.map((v) => `\`${JSON.stringify(v)}\``).join(', ');
  if (n.const !== undefined) return `\`${JSON.stringify(n.const)}\``;
  const bound = n.minimum !== undefined ? ` >= ${n.minimum}` : n.exclusiveMinimum !== undefined ? ` > ${n.exclusiveMinimum}` : '';
  return `${n.type ?? 'any'}${bound}`;
}

/** One Markdown table: every field of the schema (nested objects as dotted paths), whether required, its values and meaning. */
export function schemaFieldTable(schema: SchemaNode): string {
  const rows: string[] = ['| field | required | values | meaning |', '|---|---|---|---|'];
  const walk = (node: SchemaNode, prefix: string): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      if (key === '$schema') continue;
      const path = prefix ? `${prefix}.${key}` : key;
      const required = (node.required ?? []).includes(key) ? 'yes' : '';
      rows.push(`| \`${path}\` | ${required} | ${valuesOf(child).replace(/\|/g, '\\|')} | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
      if (child.properties) walk(child, path);
    }
  };
  walk(schema, '');
  return rows.join('\n');
}
