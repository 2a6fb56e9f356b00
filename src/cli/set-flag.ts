import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { MODELS_DIR } from '../compiler/model.ts';
import { StrataError } from '../spec/errors.ts';
import { ARCH_DIR, PACKAGE_ROOT } from '../spec/package-root.ts';
import { withOverrides, type Override } from '../spec/provenance.ts';
import { parseSetFlags, resolveSetFlags, shown, type SetRoots } from '../spec/set-overrides.ts';
import { SYSTEM_FAMILIES, SYSTEM_MODELS } from '../systems/registry.ts';

/**
 * `--set path=value` on every command that loads a spec or a system (issue #16 item 1). The flag is taken out of the
 * arguments before the command parses them; its paths start at the command's own spec (see
 * src/spec/set-overrides.ts): the `--system` preset of run, compile, serve and pim generate; the `--spec` of dram
 * and pim gemv (and neupims-gemv's PIM spec); `model.` starts at the `--model` file. Every path is checked before
 * the command runs, and each override is named on stderr, so a result never silently rests on a changed spec.
 *
 * `validate` and `figures` read many presets, so there `--set` needs `--system NAME` to say where its paths start
 * (taken out with the `--set` flags: neither command has a --system of its own); an override applies wherever the
 * command reads the file it lands in, as everywhere. `figures` reads the overrides in effect (setFlagsInEffect) to
 * carry them to its worker threads and into its data files' input hash.
 */

/** Commands that read a spec `--set` can address. */
export const SET_COMMANDS = ['dram', 'pim', 'run', 'compile', 'serve', 'validate', 'figures'] as const;

/** Commands that read many presets: `--set` there starts at `--system NAME`, which the command itself does not take. */
const MANY_PRESET_COMMANDS = ['validate', 'figures'];

/** The `--set` flags of the command running now, and the overrides they resolved to (none outside runWithSetFlags). */
let inEffect: SetFlagsInEffect = { texts: [], overrides: [] };

/** The `--set` flags of the command running now: their texts, the `--system` their paths start at (validate, figures), and what they resolved to. */
export interface SetFlagsInEffect {
  readonly texts: readonly string[];
  readonly system?: string;
  readonly overrides: readonly Override[];
}

/**
 * The `--set` flags of the command running now and their overrides. A command that goes on after its first `await`
 * (figures) reads them at its start: the overrides of runWithSetFlags are in effect only while the command's
 * synchronous part runs.
 */
export function setFlagsInEffect(): SetFlagsInEffect {
  return inEffect;
}

/** Overrides as plain data that does not depend on where the checkout lies: [file relative to the package, path, value]. */
export function overridesIdentity(overrides: readonly Override[]): Array<[string, string, unknown]> {
  return overrides.map((o) => [relative(PACKAGE_ROOT, resolve(o.file)).split(sep).join('/'), o.path, o.value]);
}

/**
 * The preset file of a system given by shipped name, alias (`gpu-a100`, src/systems/registry.ts) or path, as the
 * loaders resolve it; undefined when there is no such file.
 */
export function systemPresetFile(nameOrPath: string): string | undefined {
  const alias = SYSTEM_FAMILIES.map((f) => SYSTEM_MODELS[f].aliases[nameOrPath]).find((n) => n !== undefined);
  return specFile(alias ?? nameOrPath, join(ARCH_DIR, 'systems'));
}

/** The `--set` values in `argv` (as `--set X` or `--set=X`) and the arguments without them. */
export function takeSetFlags(argv: readonly string[]): { sets: string[]; rest: string[] } {
  const sets: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--set') {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new StrataError(`--set: expected path=value after it${v ? `, found the flag '${v}'` : ''}`);
      sets.push(v);
      i++;
    } else if (a.startsWith('--set=')) sets.push(a.slice('--set='.length));
    else rest.push(a);
  }
  return { sets, rest };
}

/** The value of `--flag` in `argv` (`--flag V` or `--flag=V`) and the arguments without it. */
function takeFlag(argv: readonly string[], flag: string): { value: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${flag}`) value = argv[++i];
    else if (a.startsWith(`--${flag}=`)) value = a.slice(flag.length + 3);
    else rest.push(a);
  }
  return { value, rest };
}

/** The value of `--flag` in `argv` (`--flag V` or `--flag=V`), or undefined. */
function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${flag}`) return argv[i + 1];
    if (argv[i]!.startsWith(`--${flag}=`)) return argv[i]!.slice(flag.length + 3);
  }
  return undefined;
}

/** A spec given by name (in `dir`) or by path, as the loaders resolve it; undefined when there is no such file (the command says why). */
function specFile(nameOrPath: string | undefined, dir: string): string | undefined {
  if (nameOrPath === undefined) return undefined;
  const file = nameOrPath.includes('/') || nameOrPath.endsWith('.json') ? nameOrPath : join(dir, `${nameOrPath}.json`);
  return existsSync(file) ? file : undefined;
}

/** The roots a command's `--set` paths start from, from its arguments. */
function rootsOf(command: string, argv: readonly string[]): SetRoots {
  const model = specFile(flagValue(argv, 'model'), MODELS_DIR);
  const need = (file: string | undefined, label: string, given: string | undefined): string | undefined => {
    if (file === undefined && given !== undefined) throw new StrataError(`--set: ${label} '${given}' is neither a shipped preset nor a file, so there is no spec to set a value in`);
    return file;
  };
  const system = (name: string | undefined) => {
    if (name === undefined) {
      if (MANY_PRESET_COMMANDS.includes(command)) throw new StrataError(`${command}: --set needs --system NAME here (${command} reads many presets: the paths start at the system preset named, and a value set applies wherever ${command} reads the file it lands in)`);
      throw new StrataError(`${command}: --set needs --system NAME (its paths start at the system preset; 'model.' paths at --model)`);
    }
    return { spec: need(systemPresetFile(name), '--system', name), specLabel: `--system ${name}`, model };
  };
  switch (command) {
    case 'dram': {
      const spec = flagValue(argv, 'spec');
      if (spec?.toLowerCase().endsWith('.ini')) throw new StrataError(`--set: applies to JSON specs; '${spec}' is a DRAMsim3 .ini (edit the file, or start from a JSON preset)`);
      return { spec: need(specFile(spec, join(ARCH_DIR, 'dram')), '--spec', spec), specLabel: `--spec ${spec}` };
    }
    case 'pim': {
      const sub = argv[0];
      if (sub === 'gemv') return { spec: need(specFile(flagValue(argv, 'spec'), join(ARCH_DIR, 'pim')), '--spec', flagValue(argv, 'spec')), specLabel: `--spec ${flagValue(argv, 'spec')}` };
      if (sub === 'neupims-gemv') return { spec: specFile(flagValue(argv, 'spec') ?? 'neupims', join(ARCH_DIR, 'pim')), specLabel: 'the NeuPIMs PIM spec' };
      return system(flagValue(argv, 'system') ?? 'pim-gpt');
    }
    default:
      return system(flagValue(argv, 'system'));
  }
}

/**
 * Runs a command with its `--set` flags applied: parsed and checked against the files before anything runs, each
 * named on stderr. Without `--set`, runs it as it is.
 */
export function runWithSetFlags(command: string, argv: readonly string[], run: (argv: string[]) => number | Promise<number>): number | Promise<number> {
  const taken = takeSetFlags(argv);
  const { sets } = taken;
  let { rest } = taken;
  if (sets.length === 0) return run(rest);
  // `validate ramulator2 --controller strata` applies --set to the preset of each run itself (its paths start there).
  if (command === 'validate' && rest[0] === 'ramulator2') return run([...rest, ...sets.flatMap((s) => ['--set', s])]);
  if (!(SET_COMMANDS as readonly string[]).includes(command)) {
    throw new StrataError(`${command}: --set is not taken here (it changes the spec of the commands that load one: ${SET_COMMANDS.join(', ')})`);
  }
  const flags = parseSetFlags(sets);
  let roots: SetRoots;
  let system: string | undefined;
  if (MANY_PRESET_COMMANDS.includes(command)) {
    // --system is the root of the paths only: taken out, so that the command never sees a flag it does not take.
    const taken = takeFlag(rest, 'system');
    rest = taken.rest;
    system = taken.value;
    roots = rootsOf(command, system === undefined ? [] : ['--system', system]);
  } else {
    roots = rootsOf(command, rest);
  }
  const overrides: Override[] = resolveSetFlags(flags, roots);
  for (const [i, o] of overrides.entries()) process.stderr.write(`strata: --set ${flags[i]!.text}: ${shown(o.file)} field '${o.path}' = ${JSON.stringify(o.value)}\n`);
  const saved = inEffect;
  inEffect = { texts: sets, ...(system === undefined ? {} : { system }), overrides };
  try {
    return withOverrides(overrides, () => run(rest));
  } finally {
    inEffect = saved;
  }
}
