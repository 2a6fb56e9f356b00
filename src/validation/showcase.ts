/**
 * Runs the showcase of `npm start` (`strata demo`): the three studies of SHOWCASE_CASES (src/report/showcase.ts,
 * which also holds their tables) through the functions of `strata validate`. About 15 s of CPU on one core.
 */
import { SHOWCASE_CASES, type Showcase } from '../report/showcase.ts';
import { comparePimGpt } from './pim-gpt.ts';
import { compareNeuPims } from './neupims.ts';
import { compareServing } from './duplex.ts';

/** Runs the three studies; `step` is told each one's name before it starts (for progress). */
export function runShowcase(step: (label: string) => void = () => {}): Showcase {
  const c = SHOWCASE_CASES;
  step('PIM-GPT: GPT-2 XL, 64 + 64 tokens');
  const pimGpt = comparePimGpt(c.pimGpt.model, c.pimGpt.promptTokens, c.pimGpt.tokens, ['gpu-t4']);
  step('NeuPIMs: GPT-3 7B decode iteration, batch 256');
  const neupims = compareNeuPims(c.neupims.model, c.neupims.dataset, c.neupims.batch);
  step('Duplex: 16 Mixtral-8x7B requests served');
  const duplex = compareServing(c.duplex);
  return { pimGpt, neupims, duplex };
}
