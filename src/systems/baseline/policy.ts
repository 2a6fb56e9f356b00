import { StrataError } from '../../spec/errors.ts';
import { knownDevices, loadDevice } from './roofline.ts';
import { repoRelative, targetInfo, type Mapping, type MappingInput, type MappingPolicy, type MappingTarget } from '../../compiler/policies/types.ts';

/**
 * `gpu-roofline`: every op on one baseline device (a GPU, or a CPU preset), whole: no tiling, no splitting.
 * `strata run` times the result with the analytical roofline of src/systems/baseline/roofline.ts.
 */

/**
 * Short names accepted for baseline presets. `gpu-a100` is the 40 GB part: NeuPIMs' GPU-only baseline is an
 * A100 40 GB, as Strata issue #14 states from the NeuPIMs paper's evaluation (Heo et al., ASPLOS 2024);
 * the preset's own numbers are sourced in arch/systems/gpu-a100-40gb.json.
 */
export const SYSTEM_ALIASES: Readonly<Record<string, string>> = Object.freeze({ 'gpu-a100': 'gpu-a100-40gb' });

/** Shipped names and aliases, as listed in error messages: `gpu-a100 (= gpu-a100-40gb)`. */
export function describeBaselineSystems(): string {
  const names = [...knownDevices(), ...Object.keys(SYSTEM_ALIASES)].sort();
  return names.map((n) => (SYSTEM_ALIASES[n] ? `${n} (= ${SYSTEM_ALIASES[n]})` : n)).join(', ');
}

/** The `gpu-roofline` policy. */
export const gpuRoofline: MappingPolicy = {
  name: 'gpu-roofline',
  description: 'every op whole on one GPU or CPU baseline preset (arch/systems), timed by the analytical roofline',
  targetKind: 'baseline',
  defaultSystem: 'gpu-a100-40gb',

  knownSystems(): string[] {
    return [...knownDevices(), ...Object.keys(SYSTEM_ALIASES)].sort();
  },

  loadTarget(nameOrPath: string): MappingTarget {
    const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
    const name = SYSTEM_ALIASES[nameOrPath] ?? nameOrPath;
    if (!looksLikePath && !knownDevices().includes(name)) {
      throw new StrataError(`unknown system '${nameOrPath}' for policy gpu-roofline (known: ${describeBaselineSystems()}; or give a path to a .json preset)`);
    }
    return { kind: 'baseline', device: loadDevice(name) };
  },

  map({ ops, target }: MappingInput): Mapping {
    if (target.kind !== 'baseline') throw new StrataError(`policy gpu-roofline maps onto a GPU or CPU preset, not onto ${target.kind} '${targetInfo(target).name}'`);
    const d = target.device;
    const id = `${d.kind}0`;
    return {
      policy: 'gpu-roofline',
      target: targetInfo(target),
      devices: [{
        id, kind: d.kind, spec: d.name, file: repoRelative(d.file), units: 1,
        params: { bandwidthBytesPerS: d.bandwidthBytesPerS, capacityBytes: d.capacityBytes, launchOverheadPs: d.launchOverheadPs },
      }],
      assignments: ops.map((op) => ({ op, device: id, tiling: null })),
    };
  },
};
