import { produce } from 'immer';
import { loadModel } from '../compiler/model.ts';
import { loadPimSpec } from '../pim/pim-spec.ts';
import { pimGptGenerate, type PimGptEnergy, type PimGptSystem } from '../systems/pim-gpt/pim-gpt.ts';

/** One parameter the sensitivity study varies: where it lives, its values, and how a value changes the system. */
export interface SensitivityParameter {
  readonly name: string;
  /** Spec field, `file: section.key`, and whether it has a public source. */
  readonly field: string;
  readonly assumption: boolean;
  readonly unit: string;
  readonly base: number;
  readonly values: readonly number[];
}

/** Per-token latency and energy of one model under one parameter value. */
export interface SensitivityPoint {
  readonly model: string;
  readonly parameter: string;
  readonly value: number;
  readonly tokenUs: number;
  readonly tokenUj: number;
}

/** The parameters varied and their ranges (base value included). */
export function sensitivityParameters(system: PimGptSystem): SensitivityParameter[] {
  const t = system.pim.standard.timing as Record<string, number>;
  const pimAssumed = (f: string) => system.pim.assumptions.includes(f);
  const asicAssumed = (f: string) => system.asic.assumptions.includes(f);
  return [
    // MAC pipeline to result read: half to four times the assumed 8 tCK.
    { name: 'tMACRD', field: 'arch/pim/aim.json: timing.tMACRD', assumption: pimAssumed('timing.tMACRD'), unit: 'tCK', base: t.tMACRD!, values: [4, 8, 16, 32] },
    // All-bank activation power limit: from tRRD (no limit beyond JEDEC's) to four times the placeholder tFAW.
    { name: 'tPL', field: 'arch/pim/aim.json: timing.tPL', assumption: pimAssumed('timing.tPL'), unit: 'tCK', base: t.tPL!, values: [11, 42, 84, 168] },
    // ASIC clock: 500 MHz to 2 GHz around the assumed 1 GHz.
    { name: 'ASIC clock', field: 'arch/asic/pim-gpt-asic.json: clock.clockPs', assumption: asicAssumed('clock.clockPs'), unit: 'ps', base: system.asic.clockPs, values: [2000, 1000, 500] },
    // MAC energy: half to four times LLMSimulator's 7 nm-class 0.46 pJ (logic in a DRAM process costs more).
    { name: 'MAC energy', field: 'arch/pim/aim.json: energy.macPj', assumption: pimAssumed('energy.macPj'), unit: 'pJ', base: system.pim.macPj, values: [0.23, 0.46, 0.92, 1.84] },
  ];
}

const total = (e: PimGptEnergy) => Object.values(e).reduce((a, b) => a + b, 0);

/**
 * Runs `promptTokens` + `tokens` on variants of `system`, one parameter changed at a time, and returns the mean
 * per generated token. Timing parameters reload the PIM spec with the new value (its constraint table is
 * recompiled); the ASIC clock is changed with immer. The MAC energy does not change any time, and energy is linear
 * in it (MACs x energy per MAC), so its points reuse the base run's MAC count instead of re-simulating.
 */
export function pimGptSensitivity(system: PimGptSystem, models: readonly string[], promptTokens: number, tokens: number, onModel?: (done: number, model: string) => void): SensitivityPoint[] {
  const points: SensitivityPoint[] = [];
  const params = sensitivityParameters(system);
  for (const [i, name] of models.entries()) {
    const model = loadModel(name);
    const run = (s: PimGptSystem) => {
      const g = pimGptGenerate(s, model, promptTokens, tokens);
      const n = g.generated.length;
      return { us: g.meanTokenPs / 1e6, pj: g.generated.reduce((a, t) => a + total(t.energy), 0) / n, macPj: g.generated.reduce((a, t) => a + t.energy.mac, 0) / n };
    };
    const base = run(system);
    for (const p of params) {
      for (const value of p.values) {
        let r = base;
        if (value !== p.base) {
          if (p.name === 'tMACRD' || p.name === 'tPL') r = run({ ...system, pim: loadPimSpec(system.pim.file, { timing: { [p.name]: value } }) });
          else if (p.name === 'ASIC clock') r = run({ ...system, asic: produce(system.asic, (d) => { d.clockPs = value; }) });
          else r = { ...base, pj: base.pj - base.macPj + (base.macPj * value) / p.base };
        }
        points.push({ model: name, parameter: p.name, value, tokenUs: r.us, tokenUj: r.pj / 1e6 });
      }
    }
    onModel?.(i + 1, name);
  }
  return points;
}

/** The Markdown table of docs/validation.md: per parameter value, each model's us/token and uJ/token and the change from the base. */
export function formatSensitivityTable(params: readonly SensitivityParameter[], points: readonly SensitivityPoint[], models: readonly string[]): string {
  const lines = [
    `| parameter (spec field) | value | ${models.map((m) => `${m} us/token | ${m} uJ/token`).join(' | ')} |`,
    `|---|---:|${models.map(() => '---:|---:').join('|')}|`,
  ];
  for (const p of params) {
    for (const v of p.values) {
      const cells = models.map((m) => {
        const pt = points.find((x) => x.model === m && x.parameter === p.name && x.value === v)!;
        const b = points.find((x) => x.model === m && x.parameter === p.name && x.value === p.base)!;
        const d = (x: number, y: number) => (x === y ? '' : ` (${x > y ? '+' : ''}${((100 * (x - y)) / y).toFixed(1)} %)`);
        return `${pt.tokenUs.toFixed(1)}${d(pt.tokenUs, b.tokenUs)} | ${pt.tokenUj.toFixed(0)}${d(pt.tokenUj, b.tokenUj)}`;
      });
      const label = v === p.values[0] ? `${p.name} (\`${p.field}\`${p.assumption ? ', assumption' : ''})` : '';
      lines.push(`| ${label} | ${v} ${p.unit}${v === p.base ? ' (base)' : ''} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}
