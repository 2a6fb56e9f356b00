import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/spec/package-root.ts';
import { filesUnder } from './helpers.ts';

/*
 * The layer order (Strata issue #15; docs/architecture.md opens with the picture). A file may import at run time
 * only from its own layer or a lower one, and files never import each other in a cycle:
 *
 *   kernel → spec → dram → units (src/pim, src/npu) → ir → compiler → systems → serving → report → validation
 *   → viz → cli → api (src/index.ts)
 *
 * - units: src/pim and src/npu hold device units only; a system (units assembled, run over an op graph, a step or
 *   the serving loop) lives in src/systems/<family>/ (#15 item 1), the GPU/CPU roofline baselines included, and so
 *   does a family's mapping (how a GEMV or attention is laid out on a device). src/dram, src/pim and src/npu name
 *   nothing above ir, not even a type (a test below).
 * - validation sits above report (it builds reports and tables) and below viz and cli (which draw and print it).
 * - api is src/index.ts, the public API, which re-exports from every layer below it.
 * `import type` (and an import whose names are all `type`) is erased by the compiler, so it does not count: a
 * device may name the IR's Op type without depending on the IR at run time.
 */
const LAYERS = ['kernel', 'spec', 'dram', 'units', 'ir', 'compiler', 'systems', 'serving', 'report', 'validation', 'viz', 'cli', 'api'] as const;
type Layer = (typeof LAYERS)[number];


const FOLDER_LAYER: Record<string, Layer> = {
  kernel: 'kernel', spec: 'spec', dram: 'dram', pim: 'units', npu: 'units', ir: 'ir', compiler: 'compiler', systems: 'systems',
  serving: 'serving', report: 'report', validation: 'validation', cli: 'cli', studio: 'cli',
  // A sweep point is a command line run through the CLI's main(), so sweeps sit in the command-line layer.
  sweep: 'cli',
};

/** The layer of a repository-relative path under src/ or viz/ (throws for a folder the order does not place). */
function layerOf(file: string): Layer {
  if (file === 'src/index.ts') return 'api';
  if (file.startsWith('viz/')) return 'viz';
  const folder = file.split('/')[1]!;
  const layer = FOLDER_LAYER[folder];
  if (!layer) throw new Error(`${file}: folder src/${folder} has no place in the layer order (add it to FOLDER_LAYER and docs/architecture.md)`);
  return layer;
}

/**
 * Today's imports against the order, each with why it exists. Moving the system-level files of src/pim and src/npu
 * (and the device knowledge of compiler/policies) into src/systems (#15 item 1) removes them. The test fails on an
 * entry that no longer exists, so the list only shrinks, and on any violation not listed.
 */
const KNOWN_VIOLATIONS: readonly { from: string; to: string; why: string }[] = [
];

/** Known import cycles (each as its files sorted, joined by ' <-> '), with why; the same rules as KNOWN_VIOLATIONS. */
const KNOWN_CYCLES: readonly { files: string; why: string }[] = [
];

/**
 * The run-time module specifiers of a TypeScript source: `import ... from`, side-effect `import '...'`,
 * `export ... from` and `import('...')`; not `import type`, `export type ... from`, nor an import or export whose
 * braces name only types (the compiler erases both). Statements start at the beginning of a line (the code style),
 * so an import written in a comment or a string is not one.
 */
export function runtimeImports(source: string): string[] {
  const specs: string[] = [];
  const statement = /^(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(statement)) {
    if (m[5] !== undefined) {
      specs.push(m[5]);
      continue;
    }
    if (m[2]) continue;
    const clause = m[3]!;
    const braces = /^\{([^}]*)\}$/.exec(clause.trim());
    if (braces) {
      const names = braces[1]!.split(',').map((n) => n.trim()).filter((n) => n !== '');
      if (names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    }
    specs.push(m[4]!);
  }
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

/** The folders of the hardware units: a DRAM device and its controller, PIM units, NPU units (#15 item 1). */
const UNIT_FOLDERS = ['dram', 'pim', 'npu'] as const;

/**
 * Every relative module a TypeScript source names, at run time or as a type: `import`/`export ... from`, `import type`,
 * `import('...')` (also in a type position). Comments are dropped first, so a path quoted in a doc comment is not one.
 */
function allRelativeImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [...code.matchAll(/\bfrom\s*['"](\.[^'"]*)['"]|\bimport\s*\(?\s*['"](\.[^'"]*)['"]/g)].map((m) => (m[1] ?? m[2])!);
  return [...new Set(specs)];
}

/** Every .ts file under src/ and viz/ with the repository files it imports at run time (packages left out). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const abs of [...filesUnder(join(PACKAGE_ROOT, 'src'), '.ts'), ...filesUnder(join(PACKAGE_ROOT, 'viz'), '.ts')]) {
    const file = relative(PACKAGE_ROOT, abs);
    const targets = runtimeImports(readFileSync(abs, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => {
        const target = normalize(join(dirname(file), s));
        if (!existsSync(join(PACKAGE_ROOT, target))) throw new Error(`${file} imports '${s}', which is not a file`);
        return target;
      });
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

describe('runtimeImports', () => {
  it('counts value imports, side-effect imports, re-exports and dynamic imports', () => {
    const src = [
      "import { a, type B } from './a.ts';",
      "import {\n  c,\n  d,\n} from '../c.ts';",
      "import * as e from './e.ts';",
      "import f from 'node:fs';",
      "import './side.ts';",
      "export { g } from './g.ts';",
      "export * from './h.ts';",
      "const i = await import('./i.ts');",
    ].join('\n');
    expect(runtimeImports(src)).toEqual(['./a.ts', '../c.ts', './e.ts', 'node:fs', './side.ts', './g.ts', './h.ts', './i.ts']);
  });

  it('leaves out type-only imports and exports, and imports written in comments', () => {
    const src = [
      "import type { A } from './a.ts';",
      "import { type B, type C } from './b.ts';",
      "export type { D } from './d.ts';",
      "/** e.g. import { x } from './x.ts'; or import('./y.ts') */",
      " * import { z } from './z.ts';",
      "// const w = import('./w.ts');",
    ].join('\n');
    expect(runtimeImports(src)).toEqual([]);
  });
});

describe('allRelativeImports', () => {
  it('counts type imports and import() types too, and nothing written in a comment', () => {
    const src = [
      "import type { A } from './a.ts';",
      "import { b, type C } from '../b.ts';",
      "export type { D } from './d.ts';",
      "let e: import('./e.ts').E;",
      "import f from 'node:fs';",
      "/** see import('./x.ts') and from './y.ts' */",
      "// import { z } from './z.ts';",
    ].join('\n');
    expect(allRelativeImports(src)).toEqual(['./a.ts', '../b.ts', './d.ts', './e.ts']);
  });
});

describe('architecture: the layer order and no import cycles (#15)', () => {
  const graph = importGraph();

  it('reads the whole source tree', () => {
    expect(graph.size).toBeGreaterThan(150);
  });

  it('src/ir imports nothing from Strata, not even types', () => {
    const irFiles = [...graph.keys()].filter((f) => f.startsWith('src/ir/'));
    expect(irFiles.length).toBeGreaterThanOrEqual(3);
    for (const f of irFiles) {
      const relativeSpecs = [...readFileSync(join(PACKAGE_ROOT, f), 'utf8').matchAll(/from\s*['"](\.[^'"]*)['"]/g)].map((m) => m[1]);
      expect(relativeSpecs, f).toEqual([]);
    }
  });

  it('the hardware units (src/dram, src/pim, src/npu) name nothing above the IR, not even a type', () => {
    // #15 item 1: units hold no mapping, so they need no compiler, system or serving type either. What a unit is
    // handed is declared by the unit in its own terms (src/npu/npu.ts NpuAssignment, src/pim/work-node.ts), and the
    // compiler's and systems' types match it structurally. Type imports are checked here because the layer test
    // above lets them through (the compiler erases them).
    const unitFiles = [...graph.keys()].filter((f) => UNIT_FOLDERS.some((d) => f.startsWith(`src/${d}/`)));
    expect(unitFiles.length).toBeGreaterThanOrEqual(60);
    const above: string[] = [];
    for (const f of unitFiles) {
      for (const spec of allRelativeImports(readFileSync(join(PACKAGE_ROOT, f), 'utf8'))) {
        const target = normalize(join(dirname(f), spec));
        if (LAYERS.indexOf(layerOf(target)) > LAYERS.indexOf('ir')) above.push(`${f} -> ${target} (${layerOf(target)})`);
      }
    }
    expect(above).toEqual([]);
  });

  it('no import runs against the layer order, except the known ones (a list that only shrinks)', () => {
    const actual: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        if (LAYERS.indexOf(layerOf(to)) > LAYERS.indexOf(layerOf(from))) actual.push(`${from} (${layerOf(from)}) -> ${to} (${layerOf(to)})`);
      }
    }
    const known = KNOWN_VIOLATIONS.map((v) => `${v.from} (${layerOf(v.from)}) -> ${v.to} (${layerOf(v.to)})`);
    expect(actual.filter((v) => !known.includes(v)), 'new imports against the layer order').toEqual([]);
    expect(known.filter((v) => !actual.includes(v)), 'listed violations that no longer exist: remove them from KNOWN_VIOLATIONS').toEqual([]);
    expect(new Set(known).size, 'KNOWN_VIOLATIONS lists an import twice').toBe(known.length);
  });

  it('no import cycles between files, except the known ones (a list that only shrinks)', () => {
    const actual = cycles(graph).map((c) => c.join(' <-> '));
    const known = KNOWN_CYCLES.map((c) => c.files);
    expect(actual.filter((c) => !known.includes(c)), 'new import cycles').toEqual([]);
    expect(known.filter((c) => !actual.includes(c)), 'listed cycles that no longer exist: remove them from KNOWN_CYCLES').toEqual([]);
  });
});
