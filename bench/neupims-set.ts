// The work of `strata figures`' neupims set in one thread, without the figures machinery, to time and profile it:
//   npx tsx bench/neupims-set.ts             (CPU time and a fingerprint of every row)
//   npx tsx --cpu-prof bench/neupims-set.ts  (a .cpuprofile; tsx turns imported names into getters, so bundle the
//                                             file with esbuild and run `node --cpu-prof` on the bundle for the
//                                             shares of the bundled CLI)
// Every case of the NeuPIMs table (4 models x 2 request sets x 4 batches, one memo per model, as the set's units share
// one per model and thread) and the utilisation run. The fingerprint is a SHA-256 over the rows as JSON: a change
// meant to leave the NeuPIMs results alone keeps it (ac700306e8770c0c at 1a96ae5 and after the #17 item 4 work).
import { createHash } from 'node:crypto';
import { DATASETS } from '../src/compiler/requests.ts';
import { NeuPimsMemo } from '../src/systems/neupims/neupims-decode.ts';
import { compareNeuPims, NEUPIMS_BATCHES, NEUPIMS_MODELS, neupimsUtilisation } from '../src/validation/neupims.ts';

const hash = createHash('sha256');
const start = process.cpuUsage();
for (const model of NEUPIMS_MODELS) {
  const memo = new NeuPimsMemo();
  for (const dataset of DATASETS) for (const batch of NEUPIMS_BATCHES) hash.update(JSON.stringify(compareNeuPims(model, dataset, batch, memo)));
}
hash.update(JSON.stringify(neupimsUtilisation(NEUPIMS_MODELS[0], DATASETS[0], NEUPIMS_BATCHES[NEUPIMS_BATCHES.length - 1]!)));
const cpu = process.cpuUsage(start);
console.log(`neupims set  fingerprint ${hash.digest('hex').slice(0, 16)}  ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`);
