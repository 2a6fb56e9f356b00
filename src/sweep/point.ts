import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { MODELS_DIR } from '../compiler/model.ts';
import { StrataError } from '../spec/errors.ts';
import { ARCH_DIR, PACKAGE_ROOT } from '../spec/package-root.ts';
import { parseSetFlags, resolveSetFlags } from '../spec/set-overrides.ts';
import { strataCodeDigest, treeDigest } from './code-digest.ts';
import { systemPresetFile } from '../cli/set-flag.ts';
import { fileFamily } from '../systems/presets.ts';
import { timingShareKey } from './timing-share.ts';
import type { PointValues } from './sample.ts';
import type { AxisValue, Sweep, SweepWorkload } from './sweep-file.ts';

/**
 * A sweep point as the command line it is: the command's arguments (with `--set` flags for the point's overrides),
 * and its key, a sha256 of everything the result depends on: the command line, the content of the files it names
 * (system, model, request file, and every file an override lands in, following references as `--set` does), a digest
 * of every shipped spec (arch/, the models and request sets of workloads/), which presets read by name, and a digest
 * of Strata's own code (src/sweep/code-digest.ts). A rerun computes a point whose key is not yet in the database;
 * editing a spec a point reads, or any of Strata's sources, changes its key.
 */

/** A point ready to run: its number in the sweep, its axis values, the command line and the key. */
export interface SweepPoint {
  readonly index: number;
  readonly values: PointValues;
  /** The system and model the point runs (after its axes). */
  readonly system: string;
  readonly model: string;
  /** The `strata` arguments without the output flag, which the runner adds. */
  readonly argv: readonly string[];
  readonly key: string;
  /** Equal for points that share a simulation (src/sweep/timing-share.ts): the pool runs them on one thread. */
  readonly shareKey: string;
}

/** The flag of each workload field. */
const FLAGS: Readonly<Record<keyof SweepWorkload, string>> = {
  model: '--model', phase: '--phase', context: '--context', batch: '--batch', tokens: '--tokens', prompt: '--prompt',
  seed: '--seed', requests: '--requests', count: '--count', qps: '--qps', maxBatch: '--max-batch',
};

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** A spec named as the loaders name it: a path when it has a '/' or ends in .json, else a name in `dir`. */
function namedFile(nameOrPath: string, dir: string): string | undefined {
  const file = nameOrPath.includes('/') || nameOrPath.endsWith('.json') ? nameOrPath : join(dir, `${nameOrPath}.json`);
  return existsSync(file) ? file : undefined;
}

/** A digest of every shipped spec (arch/, workloads/models, workloads/requests; not the sweep files): presets name one another by name. */
export function shippedSpecsDigest(): string {
  return treeDigest('specs', PACKAGE_ROOT, [relative(PACKAGE_ROOT, ARCH_DIR), relative(PACKAGE_ROOT, MODELS_DIR), join('workloads', 'requests')]);
}

/** What every key of a sweep includes besides the point's own files: the shipped specs' and Strata's code's digests. */
export interface KeyDigests {
  readonly specs: string;
  readonly code: string;
}

/** The digests of the shipped specs and of Strata's code as they are now. */
export function keyDigests(): KeyDigests {
  return { specs: shippedSpecsDigest(), code: strataCodeDigest() };
}

/** `--set` text of one override: `path=value`, the value as JSON unless it is a plain string. */
function setText(path: string, value: AxisValue): string {
  return `${path}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/** The points of a sweep, each with its command line and key. `digests` is keyDigests() (computed once). */
export function buildPoints(sweep: Sweep, values: readonly PointValues[], digests: KeyDigests): SweepPoint[] {
  const { spec, axes } = sweep;
  const fileHashes = new Map<string, string>();
  const hashOf = (file: string) => {
    const abs = resolve(file);
    if (!fileHashes.has(abs)) fileHashes.set(abs, sha256(readFileSync(abs)));
    return fileHashes.get(abs)!;
  };
  // Where a point's overrides land depends on its system, model and paths, and on its values only through their
  // types (checked against the old values): points alike in those share one resolution (most of a grid's cost).
  const resolved = new Map<string, string[] | { error: StrataError }>();
  const families = new Map<string, string>();
  const familyOf = (file: string) => {
    if (!families.has(file)) families.set(file, fileFamily(file));
    return families.get(file)!;
  };
  let unresolved: string | undefined;
  let failures = 0;
  const points = values.map((v, index) => {
    let system = spec.system;
    const workload: Record<string, AxisValue> = { ...spec.workload };
    const sets: Record<string, AxisValue> = { ...(spec.set ?? {}) };
    for (const a of axes) {
      const x = v[a.name]!;
      if (a.kind === 'system') system = String(x);
      else if (a.kind === 'workload') workload[a.target] = x;
      else sets[a.target] = x;
    }
    const argv: string[] = spec.command === 'generate' ? ['pim', 'generate'] : [spec.command];
    argv.push('--system', system);
    for (const k of Object.keys(FLAGS) as (keyof SweepWorkload)[]) {
      if (workload[k] !== undefined) argv.push(FLAGS[k], String(workload[k]));
    }
    const setTexts = Object.keys(sets).sort().map((p) => setText(p, sets[p]!));
    for (const s of setTexts) argv.push('--set', s);

    // The files the point names, with their content hashes. An override that does not resolve for this point (a
    // system axis whose presets differ) is the point's error, which the run records, so its key is made from what
    // could be read; one that resolves for no point stops the sweep before it runs.
    const systemFile = systemPresetFile(system);
    const modelFile = workload.model !== undefined ? namedFile(String(workload.model), MODELS_DIR) : undefined;
    const files = new Set<string>();
    for (const f of [systemFile, modelFile]) if (f) files.add(f);
    if (typeof workload.requests === 'string' && existsSync(workload.requests)) files.add(workload.requests);
    const flags = parseSetFlags(setTexts);
    const alike = JSON.stringify([systemFile, modelFile, flags.map((f) => [f.path, f.value === null ? 'null' : Array.isArray(f.value) ? 'array' : typeof f.value])]);
    let landed = resolved.get(alike);
    if (landed === undefined) {
      try {
        landed = resolveSetFlags(flags, { spec: systemFile, model: modelFile }).map((o) => o.file);
      } catch (e) {
        if (!(e instanceof StrataError)) throw e;
        landed = { error: e };
      }
      resolved.set(alike, landed);
    }
    if (Array.isArray(landed)) for (const f of landed) files.add(f);
    else {
      failures++;
      unresolved ??= landed.error.message;
    }
    const named = [...files].map((f) => [relative(PACKAGE_ROOT, resolve(f)), hashOf(f)] as const).sort((a, b) => a[0].localeCompare(b[0]));
    const key = sha256(JSON.stringify({ schema: 'strata.sweep-point/1', argv, files: named, shipped: digests.specs, code: digests.code }));
    const shareKey = timingShareKey(argv, systemFile ? familyOf(systemFile) : undefined);
    return { index, values: v, system, model: String(workload.model ?? ''), argv, key, shareKey };
  });
  // Overrides that resolve for no point at all are a mistake in the sweep file (a misspelt path), not results.
  if (failures > 0 && failures === points.length) throw new StrataError(`${sweep.file}: the overrides of no point resolve; the first: ${unresolved}`);
  return points;
}
