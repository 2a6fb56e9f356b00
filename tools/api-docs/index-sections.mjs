// A TypeDoc plugin: the reference's index follows the sections of src/index.ts ("// DRAM: standards, ..." above its
// exports), in that file's order, instead of one alphabetical list per kind. A name exported outside a section is a
// warning, so the generator (and test/docs/api-reference.test.ts) names it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Converter, ReflectionCategory } from 'typedoc';

const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

/** Each section of src/index.ts (the words of its comment before a colon) with the names it exports, in order. */
function sections(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const title = /^\/\/ ([^:]+)/.exec(line);
    if (title) out.push({ title: title[1].trim(), names: [] });
    const exported = /^export (?:type )?\{([^}]*)\} from /.exec(line);
    if (exported && out.length) {
      for (const item of exported[1].split(',')) {
        const name = item.trim().replace(/^type /, '').split(/ as /).pop()?.trim();
        if (name) out.at(-1).names.push(name);
      }
    }
  }
  return out;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  // After TypeDoc's own categories (priority -200), which this replaces at the top level.
  app.converter.on(
    Converter.EVENT_RESOLVE_END,
    (context) => {
      const project = context.project;
      const byName = new Map((project.children ?? []).map((c) => [c.name, c]));
      const placed = new Set();
      const categories = [];
      for (const { title, names } of sections(readFileSync(INDEX, 'utf8'))) {
        const category = new ReflectionCategory(title);
        for (const name of names) {
          const child = byName.get(name);
          if (child && !placed.has(child)) {
            category.children.push(child);
            placed.add(child);
          }
        }
        if (category.children.length) categories.push(category);
      }
      for (const child of byName.values()) {
        if (!placed.has(child)) app.logger.warn(`${child.name} is exported from src/index.ts outside a section ("// Title: ..." above it)`);
      }
      project.categories = categories;
    },
    -300,
  );
}
